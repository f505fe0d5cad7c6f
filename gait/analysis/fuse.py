"""Merge the contacts of several sensors into one step sequence.

Rules (issue 3): timing comes from the most precise placement per side (the ``rank`` of
its :class:`~gait.analysis.placements.registry.PlacementSpec`: foot > shank > sacrum > phone); other
sensors add what only they measure (their ``adds_columns``: a shank's angle at initial
contact, a trunk's vertical oscillation and braking) to the matching steps; a sensor that
sees both legs fills in the side that has no leg sensor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gait.analysis.placements.registry import find_spec, is_leg, timing_rank

#: Two contacts closer than this (s) are the same contact seen by two sensors. [G]
MATCH_TOL = 0.12


@dataclass
class SensorEvents:
    """Events of one stream.

    Attributes
    ----------
    name : str
        Stream name.
    placement : str
        A registered placement (:data:`gait.analysis.placements.registry.REGISTRY`).
    side : str or None
        Body side of a leg sensor.
    events : DataFrame
        Detector output (see :mod:`gait.analysis.placements`).
    """

    name: str
    placement: str
    side: str | None
    events: pd.DataFrame


@dataclass
class Fused:
    """Fused contacts and how they were made.

    Attributes
    ----------
    contacts : DataFrame
        One row per contact, sorted by ``t_ic``, with a ``source`` column (stream name).
    single_side : bool
        True when only one leg is covered (then step time is stride/2).
    sources : dict
        Side → stream name used for timing.
    """

    contacts: pd.DataFrame
    single_side: bool
    sources: dict[str, str]


def fuse(sensors: list[SensorEvents]) -> Fused:
    """Fuse per-sensor events into one contact sequence.

    Parameters
    ----------
    sensors : list of SensorEvents
        Every stream's events (empty frames allowed).

    Returns
    -------
    Fused
        The contacts with the best timing per side plus trunk/shank columns matched in.
    """
    usable = [s for s in sensors if len(s.events)]
    legs = [s for s in usable if is_leg(s.placement) and s.side in ("left", "right")]
    trunk = sorted(
        (s for s in usable if s not in legs),
        key=lambda s: (timing_rank(s.placement), -len(s.events)),
    )
    best: dict[str, SensorEvents] = {}
    for s in sorted(legs, key=lambda s: (timing_rank(s.placement), -len(s.events))):
        assert s.side is not None
        best.setdefault(s.side, s)
    frames: list[pd.DataFrame] = []
    sources: dict[str, str] = {}
    for side, s in best.items():
        ev = s.events.copy()
        ev["side"] = side
        ev["source"] = s.name
        # Another leg sensor on this side adds what it measures (a shank its angle at IC).
        for other in legs:
            if other is not s and other.side == side:
                ev = attach(ev, other.events, _adds_columns(other.placement))
        frames.append(ev)
        sources[side] = s.name
    single_side = len(best) == 1
    if not best and trunk and is_leg(trunk[0].placement):
        # a leg sensor whose side nobody stated still sees one leg only: each of its
        # contacts is a stride, not a step
        single_side = True
    if trunk:
        tr = trunk[0]
        if not best:
            ev = tr.events.copy()
            ev["source"] = tr.name
            frames.append(ev)
            sources["trunk"] = tr.name
        elif len(best) == 1:
            # Fill the uncovered side with the trunk contacts that no leg sensor explains.
            (covered,) = best
            missing = "right" if covered == "left" else "left"
            leg_t = frames[0]["t_ic"].to_numpy()
            tev = tr.events
            far = _nearest_distance(tev["t_ic"].to_numpy(), leg_t) > MATCH_TOL
            fill = tev.loc[far].copy()
            fill["side"] = missing
            fill["source"] = tr.name
            frames.append(fill)
            sources[missing] = tr.name
            single_side = len(fill) < 0.5 * len(frames[0])
    contacts = (
        pd.concat(frames, ignore_index=True)
        .sort_values("t_ic", kind="stable")
        .reset_index(drop=True)
        if frames
        else pd.DataFrame(columns=["side", "t_ic", "t_tc", "confidence", "source"])
    )
    if trunk and best and not is_leg(trunk[0].placement):
        contacts = attach(contacts, trunk[0].events, _adds_columns(trunk[0].placement))
    if single_side and len(best) == 1 and trunk:
        contacts = contacts[contacts["source"] != trunk[0].name].reset_index(drop=True)
    return Fused(contacts, single_side, sources)


def attach(steps: pd.DataFrame, other: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Copy ``columns`` of ``other`` onto the ``steps`` rows with the nearest ``t_ic``.

    Parameters
    ----------
    steps : DataFrame
        Target rows with ``t_ic`` (s), sorted.
    other : DataFrame
        Source rows with ``t_ic`` (s).
    columns : tuple of str
        Columns to copy where present in ``other``; rows without a match within
        :data:`MATCH_TOL` get NaN.

    Returns
    -------
    DataFrame
        ``steps`` with the columns added (or filled where already present).
    """
    cols = [c for c in columns if c in other.columns]
    if not cols or len(other) == 0 or len(steps) == 0:
        return steps
    src = other.sort_values("t_ic")
    ts = src["t_ic"].to_numpy()
    t = steps["t_ic"].to_numpy()
    j = np.clip(np.searchsorted(ts, t), 1, max(ts.size - 1, 1))
    j0 = np.clip(j - 1, 0, ts.size - 1)
    j1 = np.clip(j, 0, ts.size - 1)
    nearest = np.where(np.abs(ts[j0] - t) <= np.abs(ts[j1] - t), j0, j1)
    ok = np.abs(ts[nearest] - t) <= MATCH_TOL
    out = steps.copy()
    for c in cols:
        vals = src[c].to_numpy(dtype=np.float64)[nearest]
        vals = np.where(ok, vals, np.nan)
        if c in out.columns:
            out[c] = np.where(np.isfinite(out[c].to_numpy(dtype=np.float64)), out[c], vals)
        else:
            out[c] = vals
    return out


def _adds_columns(placement: str) -> tuple[str, ...]:
    """The columns a sensor at ``placement`` adds to steps another sensor timed."""
    spec = find_spec(placement)
    return () if spec is None else spec.adds_columns


def _nearest_distance(t: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Distance (s) from each ``t`` to the nearest ``ref`` (inf when ``ref`` is empty)."""
    if ref.size == 0:
        return np.full(t.size, np.inf)
    j = np.clip(np.searchsorted(ref, t), 1, max(ref.size - 1, 1))
    j0 = np.clip(j - 1, 0, ref.size - 1)
    j1 = np.clip(j, 0, ref.size - 1)
    return np.minimum(np.abs(ref[j0] - t), np.abs(ref[j1] - t))

"""Holes in a live sensor's samples, and what they may not turn into.

A hole (lost packets, a dropped link, a late or silent sensor) has no contacts in it
that anyone saw. Contacts detected at its edges are artifacts of the cut, and a step
or stride whose interval spans it would time two contacts that are not neighbours
(cadence from across a gap). :func:`find_gaps` finds the holes in a block of sample
times; :func:`drop_near_gaps` and :func:`mask_steps_across_gaps` keep them out of the
step table (flagged ``gap``, times NaN), so no metric and no cue comes from a gap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from gait.analysis.steps import _add_flag

FloatArray = NDArray[np.float64]

#: A hole in the sample times longer than this (s) is a gap (a lost BLE packet of a few
#: samples is not: about a tenth of a contact).
GAP_MIN = 0.1
#: Contacts this close (s) to a gap's edges are dropped: the detector saw only part of them.
EDGE = 0.3


def find_gaps(t: FloatArray, t_prev: float, min_gap: float = GAP_MIN) -> list[tuple[float, float]]:
    """Holes longer than ``min_gap`` in a block of sample times.

    Parameters
    ----------
    t : ndarray, shape (n,)
        New sample times, s, increasing.
    t_prev : float
        Time of the sample before the block, s (``-inf`` for the first block).
    min_gap : float
        Shortest hole that counts, s.

    Returns
    -------
    list of (float, float)
        ``(last sample before, first sample after)`` of each hole, s.
    """
    if not t.size:
        return []
    edges = np.concatenate([[t_prev], t]) if np.isfinite(t_prev) else t
    d = np.diff(edges)
    idx = np.flatnonzero(d > min_gap)
    return [(float(edges[i]), float(edges[i + 1])) for i in idx]


def _overlaps(a: FloatArray, b: FloatArray, gaps: list[tuple[float, float]]) -> NDArray[np.bool_]:
    """True where the interval ``[a, b]`` overlaps any gap (NaN ends never overlap)."""
    out = np.zeros(a.shape, dtype=bool)
    for g0, g1 in gaps:
        out |= (a < g1) & (b > g0)
    return out


def drop_near_gaps(
    events: pd.DataFrame, gaps: list[tuple[float, float]], edge: float = EDGE
) -> pd.DataFrame:
    """Contacts of one sensor minus those in or at the edges of its gaps.

    Parameters
    ----------
    events : DataFrame
        Contacts with ``t_ic`` and ``t_tc``, s.
    gaps : list of (float, float)
        The sensor's gaps, s.
    edge : float
        Margin around each gap, s.

    Returns
    -------
    DataFrame
        The contacts kept.
    """
    if not len(events) or not gaps:
        return events
    t_ic = events["t_ic"].to_numpy(dtype=np.float64)
    t_tc = events["t_tc"].to_numpy(dtype=np.float64) if "t_tc" in events else t_ic
    t_tc = np.where(np.isfinite(t_tc), t_tc, t_ic)
    wide = [(g0 - edge, g1 + edge) for g0, g1 in gaps]
    return events[~_overlaps(t_ic, t_tc, wide)]


def mask_steps_across_gaps(steps: pd.DataFrame, gaps: list[tuple[float, float]]) -> pd.DataFrame:
    """Step rows whose step or stride spans a gap lose those times (flagged ``gap``).

    Parameters
    ----------
    steps : DataFrame
        :func:`gait.analysis.steps.build_step_table` rows.
    gaps : list of (float, float)
        Gaps of any sensor of the session, s.

    Returns
    -------
    DataFrame
        The same rows; ``step_time``, ``flight``, ``cadence`` NaN where the step spans a
        gap, ``stride_time`` and ``duty_factor`` where the stride does, ``gct`` where the
        contact does.
    """
    if not len(steps) or not gaps:
        return steps
    out = steps.copy()
    t_ic = out["t_ic"].to_numpy(dtype=np.float64)
    step = out["step_time"].to_numpy(dtype=np.float64)
    stride = out["stride_time"].to_numpy(dtype=np.float64)
    t_tc = out["t_tc"].to_numpy(dtype=np.float64)
    bad_step = _overlaps(t_ic, t_ic + step, gaps)
    bad_stride = _overlaps(t_ic, t_ic + stride, gaps)
    bad_gct = _overlaps(t_ic, t_tc, gaps)
    for col in ("step_time", "flight", "cadence"):
        out.loc[bad_step, col] = np.nan
    for col in ("stride_time", "duty_factor"):
        out.loc[bad_stride, col] = np.nan
    out.loc[bad_gct, "gct"] = np.nan
    if "quality" in out:
        q = out["quality"].fillna("").astype(str).to_numpy(dtype=object)
        flagged = np.array(["gap" in x.split(",") for x in q], dtype=bool)
        out["quality"] = _add_flag(q, (bad_step | bad_stride | bad_gct) & ~flagged, "gap")
    return out

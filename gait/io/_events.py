"""Turn a dataset's initial/terminal contact lists into the reference step table."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike


def pair_contacts(
    ic_side: ArrayLike, ic_t: ArrayLike, tc_side: ArrayLike, tc_t: ArrayLike
) -> pd.DataFrame:
    """One row per initial contact with the terminal contact that ends its stance.

    A step's ``t_tc`` is the first terminal contact of the same foot after its ``t_ic``
    and before that foot's next initial contact; otherwise NaN (stance not fully seen).

    Parameters
    ----------
    ic_side, tc_side : array_like of str
        Side (``'left'``, ``'right'`` or None) of each initial / terminal contact.
    ic_t, tc_t : array_like of float
        Event times, s.

    Returns
    -------
    DataFrame
        Columns ``side, t_ic, t_tc`` sorted by ``t_ic``.
    """
    ic_side = np.asarray(ic_side, dtype=object)
    tc_side = np.asarray(tc_side, dtype=object)
    ic_t = np.asarray(ic_t, dtype=np.float64)
    tc_t = np.asarray(tc_t, dtype=np.float64)
    parts = []
    for side in pd.unique(ic_side):
        ics = np.sort(np.unique(ic_t[ic_side == side]))
        tcs = np.sort(np.unique(tc_t[tc_side == side]))
        t_tc = np.full(ics.shape, np.nan)
        if tcs.size:
            j = np.searchsorted(tcs, ics, side="right")
            ok = j < tcs.size
            cand = np.where(ok, tcs[np.minimum(j, tcs.size - 1)], np.nan)
            next_ic = np.append(ics[1:], np.inf)
            t_tc = np.where(ok & (cand < next_ic), cand, np.nan)
        parts.append(pd.DataFrame({"side": side, "t_ic": ics, "t_tc": t_tc}))
    if not parts:
        return pd.DataFrame({"side": pd.Series(dtype=object), "t_ic": [], "t_tc": []})
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values("t_ic", kind="stable").reset_index(drop=True)


#: Flicker rule for force-derived contacts: gaps shorter than this are filled, s.
FORCE_MIN_GAP = 0.030
#: Flicker rule for force-derived contacts: contacts shorter than this are dropped, s.
FORCE_MIN_CONTACT = 0.080


def _runs(on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the True runs of ``on``."""
    d = np.diff(np.concatenate(([0], on.astype(np.int8), [0])))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def _crossing(force: np.ndarray, i: int, threshold: float) -> float:
    """Fractional sample index where ``force`` crosses ``threshold`` between ``i - 1`` and ``i``."""
    a, b = float(force[i - 1]), float(force[i])
    return i - 1 + (threshold - a) / (b - a) if b != a else float(i)


def contacts_from_force(
    force: ArrayLike,
    rate: float,
    threshold: float,
    *,
    min_gap: float = FORCE_MIN_GAP,
    min_contact: float = FORCE_MIN_CONTACT,
    side: str | None = None,
) -> pd.DataFrame:
    """Ground contacts from a vertical force signal: threshold, drop flicker, pair IC with TC.

    The force is above ``threshold`` during contact. Off-runs shorter than ``min_gap``
    between two contacts are filled (force-plate noise around the threshold), then
    contacts shorter than ``min_contact`` are removed (a swinging foot brushing the
    belt). Event times are interpolated linearly at the threshold crossing. A contact
    already under way at the first sample has no initial contact and is dropped; one
    still under way at the last sample keeps its IC with ``t_tc`` NaN.

    Parameters
    ----------
    force : array_like, shape (N,)
        Vertical ground reaction force, loading positive (any unit, e.g. N or body weights).
    rate : float
        Sampling rate, Hz; sample ``i`` is at ``i / rate`` s.
    threshold : float
        Contact threshold in the unit of ``force`` (e.g. 50 N or 0.05 BW).
    min_gap : float, default 0.030
        Shorter gaps between contacts are filled, s.
    min_contact : float, default 0.080
        Shorter contacts are removed, s.
    side : str or None
        Side written into every row (None when the force does not say).

    Returns
    -------
    DataFrame
        Columns ``side, t_ic, t_tc`` (s), one row per contact, sorted by ``t_ic``.
    """
    f = np.asarray(force, dtype=np.float64).ravel()
    on = np.nan_to_num(f, nan=-np.inf) > threshold
    starts, ends = _runs(on)
    if starts.size > 1:
        gap = starts[1:] - ends[:-1]
        fill = gap < min_gap * rate
        for s, e in zip(ends[:-1][fill], starts[1:][fill], strict=True):
            on[s:e] = True
        starts, ends = _runs(on)
    keep = (ends - starts) >= min_contact * rate
    keep &= starts > 0  # under way at the first sample: its IC was not recorded
    starts, ends = starts[keep], ends[keep]
    t_ic = np.array([_crossing(f, int(i), threshold) for i in starts]) / rate
    t_tc = (
        np.array([_crossing(f, int(i), threshold) if i < f.size else np.nan for i in ends]) / rate
    )
    return pd.DataFrame(
        {"side": pd.Series([side] * starts.size, dtype=object), "t_ic": t_ic, "t_tc": t_tc}
    )

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

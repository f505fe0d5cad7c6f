"""Contacts → step table (columns and units: docs/architecture.md).

A pure function of the fused contact list, so a streaming engine can run it on a
sliding window: a row is final once the next contact of each side is in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gait.contract.result import OPTIONAL_STEP_COLUMNS, STEP_COLUMNS

#: A step or stride longer than this many times the median, or than the absolute
#: limits below (s), spans a pause or a gap: its times are NaN, never bridged. [G]
GAP_FACTOR = 2.0
MAX_STEP_TIME = 1.5
MAX_STRIDE_TIME = 3.0
#: A step shorter than this share of the median step is not a real step. [G]
SHORT_FACTOR = 0.4


def build_step_table(contacts: pd.DataFrame, *, single_side: bool = False) -> pd.DataFrame:
    """Derive step, stride, flight, duty factor and cadence from contacts.

    Parameters
    ----------
    contacts : DataFrame
        One row per contact with ``side``, ``t_ic``, ``t_tc`` (s) and any per-step metric
        columns (kept when named in :data:`gait.contract.result.OPTIONAL_STEP_COLUMNS`) and an
        optional ``quality`` column.
    single_side : bool
        True when only one leg is instrumented: then every contact is a stride of that
        leg, step time is stride/2 (both legs' steps are counted) and flight is unknown.

    Returns
    -------
    DataFrame
        :data:`gait.contract.result.STEP_COLUMNS` (times in s, cadence in steps/min) plus the
        optional columns present, ``quality`` (str flags) and ``confidence``.
    """
    df = contacts.sort_values("t_ic", kind="stable").reset_index(drop=True)
    n = len(df)
    side = df["side"].astype(str).to_numpy() if n else np.zeros(0, dtype=object)
    t_ic = df["t_ic"].to_numpy(dtype=np.float64) if n else np.zeros(0)
    t_tc = df["t_tc"].to_numpy(dtype=np.float64) if n else np.zeros(0)
    quality = (
        df["quality"].fillna("").astype(str).to_numpy(dtype=object)
        if "quality" in df
        else np.full(n, "", dtype=object)
    )

    stride = _next_same_side(side, t_ic) - t_ic
    if single_side:
        step = stride / 2.0
        flight = np.full(n, np.nan)
    else:
        nxt = np.append(t_ic[1:], np.nan)
        nxt_side = np.append(side[1:], "")
        opposite = (nxt_side != side) & (nxt_side != "unknown") & (side != "unknown")
        unknown = (side == "unknown") | (nxt_side == "unknown")
        # Unlabelled (trunk) contacts alternate by construction, so any next contact is the
        # next step.
        step = np.where(opposite | unknown, nxt - t_ic, np.nan)
        flight = np.where(opposite | unknown, nxt - t_tc, np.nan)
        if np.all(side == "unknown"):
            stride = np.append(t_ic[2:], [np.nan, np.nan])[:n] - t_ic
    # A step much shorter than usual is a false or a doubled contact: unusable times.
    short = _too_short(step)
    step[short] = np.nan
    flight[short] = np.nan
    gap_step = _too_long(step, MAX_STEP_TIME)
    gap_stride = _too_long(stride, MAX_STRIDE_TIME)
    step[gap_step] = np.nan
    flight[gap_step] = np.nan
    stride[gap_stride] = np.nan
    if single_side:
        step[gap_stride] = np.nan
    gct = t_tc - t_ic
    bad_gct = ~(gct > 0) | (gct >= np.where(np.isfinite(stride), stride, np.inf))
    gct[bad_gct] = np.nan
    quality = _add_flag(quality, gap_step | gap_stride, "gap")
    quality = _add_flag(quality, short, "short_step")
    quality = _add_flag(quality, bad_gct & np.isfinite(t_tc), "bad_tc")

    out = pd.DataFrame(
        {
            "side": side,
            "t_ic": t_ic,
            "t_tc": t_tc,
            "gct": gct,
            "flight": flight,
            "step_time": step,
            "stride_time": stride,
            "duty_factor": gct / stride,
            "cadence": 60.0 / step,
        },
        columns=list(STEP_COLUMNS),
    )
    if "t_braking_end" in df.columns:
        # A trunk sensor gives the end of braking in time; referred to the step's own IC
        # (the best-timed sensor's) it is the braking duration.
        df = df.assign(braking_time=df["t_braking_end"].to_numpy(np.float64) - t_ic)
    for col in OPTIONAL_STEP_COLUMNS:
        if col in df.columns:
            out[col] = df[col].to_numpy()
    out["quality"] = quality
    out["confidence"] = df["confidence"].to_numpy(dtype=np.float64) if "confidence" in df else 1.0
    from gait.analysis.overstride import (
        add_overstride_columns,  # post-detection step (shank angle at IC)
    )

    return add_overstride_columns(out)


def _next_same_side(side: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Time of the next contact of the same side (NaN when none), vectorised per side."""
    out = np.full(t.size, np.nan)
    for s in np.unique(side):  # at most three labels
        idx = np.flatnonzero(side == s)
        out[idx[:-1]] = t[idx[1:]]
    return out


def _too_long(x: np.ndarray, limit: float) -> np.ndarray:
    """True where an interval spans a pause: above ``limit`` s or GAP_FACTOR × median."""
    finite = np.isfinite(x)
    if not finite.any():
        return np.zeros(x.size, dtype=bool)
    med = float(np.median(x[finite]))
    return finite & ((x > limit) | (x > GAP_FACTOR * med))


def _too_short(x: np.ndarray) -> np.ndarray:
    """True where an interval is under SHORT_FACTOR × the median (a spurious contact)."""
    finite = np.isfinite(x)
    if finite.sum() < 3:
        return np.zeros(x.size, dtype=bool)
    return finite & (x < SHORT_FACTOR * float(np.median(x[finite])))


def _add_flag(quality: np.ndarray, mask: np.ndarray, flag: str) -> np.ndarray:
    """Append ``flag`` to the comma-separated quality strings where ``mask`` is True."""
    if not mask.any():
        return quality
    joined = np.where(quality == "", flag, quality.astype(object) + ("," + flag))
    return np.where(mask, joined, quality).astype(object)

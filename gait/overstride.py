"""Overstriding indicators (METRICS §4): cadence vs own baseline, strike, braking, shank, VO/VR.

These are proxies; none measures the foot landing position itself.  Each indicator is
present only when the placement measured it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def _mean(steps: pd.DataFrame, col: str) -> float:
    if col not in steps.columns:
        return float("nan")
    v = steps[col].to_numpy(dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else float("nan")


def _r(x: float, nd: int = 3) -> float | None:
    return round(x, nd) if math.isfinite(x) else None


def baseline_cadence(baseline: Any, speed: float | None) -> float | None:
    """The runner's own cadence (spm) at ``speed`` from a stored baseline.

    Parameters
    ----------
    baseline : mapping, DataFrame or None
        ``{"cadence_spm": c}`` (one value), ``{"cadence_spm": c, "speed": v}`` or a table
        with columns ``speed`` (m/s) and ``cadence`` (spm) from earlier runs; the
        cadence is interpolated linearly in speed (clamped at the ends).
    speed : float or None
        Session speed, m/s.

    Returns
    -------
    float or None
        Baseline cadence, spm; None when no baseline applies.
    """
    if baseline is None:
        return None
    if isinstance(baseline, pd.DataFrame):
        if not {"speed", "cadence"} <= set(baseline.columns) or len(baseline) == 0:
            return None
        b = baseline.sort_values("speed")
        if speed is None or not math.isfinite(speed):
            return float(b["cadence"].median())
        return float(np.interp(speed, b["speed"].to_numpy(float), b["cadence"].to_numpy(float)))
    if isinstance(baseline, Mapping):
        c = baseline.get("cadence_spm", baseline.get("cadence"))
        if c is None:
            return None
        bs = baseline.get("speed")
        # A baseline at a clearly different speed is not a like-for-like comparison. [G]
        if bs is not None and speed is not None and abs(float(bs) - speed) > 0.3:
            return None
        return float(c)
    if isinstance(baseline, int | float):
        return float(baseline)
    return None


def overstride_indicators(
    steps: pd.DataFrame,
    *,
    cadence: float,
    speed: float | None = None,
    baseline: Any = None,
) -> dict[str, Any]:
    """Overstriding proxies of a session.

    Parameters
    ----------
    steps : DataFrame
        Step table (running steps).
    cadence : float
        Session cadence, spm.
    speed : float, optional
        Session speed, m/s (belt, RSC or foot ZUPT).
    baseline : optional
        See :func:`baseline_cadence`.

    Returns
    -------
    dict
        ``cadence`` {spm, baseline_spm, relative_pct, speed_mps}; ``strike``
        {rear, mid, fore shares 0–1, n}; ``foot_strike_angle_deg``; ``braking_mps``;
        ``shank_angle_ic_deg``; ``vertical_oscillation_cm``; ``vertical_ratio_pct``;
        ``impact_ms2`` — each only when measured.
    """
    out: dict[str, Any] = {}
    base = baseline_cadence(baseline, speed)
    out["cadence"] = {
        "spm": _r(cadence, 2),
        "baseline_spm": _r(base, 2) if base is not None else None,
        "relative_pct": _r(100.0 * (cadence - base) / base, 2) if base else None,
        "speed_mps": _r(speed, 3) if speed is not None else None,
    }
    if "strike" in steps.columns:
        s = steps["strike"].dropna()
        s = s[s.isin(["rear", "mid", "fore"])]
        if len(s):
            share = s.value_counts(normalize=True)
            out["strike"] = {k: round(float(share.get(k, 0.0)), 3) for k in ("rear", "mid", "fore")}
            out["strike"]["n"] = len(s)
    for col, key, scale in (
        ("foot_strike_angle", "foot_strike_angle_deg", 1.0),
        ("braking", "braking_mps", 1.0),
        ("shank_angle_ic", "shank_angle_ic_deg", 1.0),
        ("impact", "impact_ms2", 1.0),
        ("vertical_oscillation", "vertical_oscillation_cm", 100.0),
    ):
        m = _mean(steps, col)
        if math.isfinite(m):
            out[key] = _r(scale * m, 3)
    vo = _mean(steps, "vertical_oscillation")
    stride_len = _mean(steps, "stride_length")
    if not math.isfinite(stride_len) and speed and math.isfinite(cadence) and cadence > 0:
        stride_len = speed * 120.0 / cadence  # stride = two steps
    if math.isfinite(vo) and math.isfinite(stride_len) and stride_len > 0:
        # VR = VO / stride length × 100 (METRICS §2; Garmin defines it per stride)
        out["vertical_ratio_pct"] = _r(100.0 * vo / stride_len, 3)
    return out

"""Rolling feedback metrics over the last steps of a step table.

One reduction, two call sites: :func:`window_metrics` summarises one window (the live
path, called as steps become final) and :func:`metrics_table` gives the same numbers for
every step of a finished session (the report and offline cue replay), vectorised with a
sliding window. Both use :func:`_reduce`, so live and batch agree exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from gait.contract.metric_defs import METRICS, vertical_ratio_pct

FloatArray = NDArray[np.float64]

#: Metrics produced per window, with their units (from :data:`gait.contract.metric_defs.METRICS`,
#: the one table of names, units and scales).
METRIC_UNITS: dict[str, str] = {
    name: METRICS[name].unit
    for name in (
        "cadence",
        "gct",
        "gct_left",
        "gct_right",
        "gct_balance",
        "gct_cv",
        "gct_asym_ratio",
        "duty_factor",
        "flight",
        "rear_share",
        "mid_share",
        "fore_share",
        "foot_strike_angle",
        "shank_angle_ic",
        "braking",
        "braking_share",
        "impact",
        "vertical_oscillation",
        "stride_length",
        "vertical_ratio",
        "speed",
    )
}

#: Default number of steps in a rolling window (about 20 steps: a few seconds of running).
DEFAULT_WINDOW = 20
#: Fewest valid values a window needs before a metric is reported.
DEFAULT_MIN_STEPS = 4

_STRIKES = ("rear", "mid", "fore")
_PLAIN = (
    "duty_factor",
    "flight",
    "foot_strike_angle",
    "shank_angle_ic",
    "braking",
    "braking_share",
    "impact",
    "vertical_oscillation",
    "stride_length",
    "speed",
)


def _column(steps: pd.DataFrame, name: str) -> FloatArray:
    """Column ``name`` as float64, or all-NaN when the placement cannot measure it."""
    if name not in steps.columns:
        return np.full(len(steps), np.nan)
    return pd.to_numeric(steps[name], errors="coerce").to_numpy(dtype=np.float64)


def _inputs(steps: pd.DataFrame) -> dict[str, FloatArray]:
    """Per-step float arrays that the reduction works on (NaN = not measured)."""
    side = (
        steps["side"].astype(str).to_numpy()
        if "side" in steps.columns
        else np.array([""] * len(steps))
    )
    gct = _column(steps, "gct")
    out = {
        "step_time": _column(steps, "step_time"),
        "cadence_inst": _column(steps, "cadence"),
        "gct": gct,
        "gct_left": np.where(side == "left", gct, np.nan),
        "gct_right": np.where(side == "right", gct, np.nan),
    }
    for name in _PLAIN:
        out[name] = _column(steps, name)
    if "activity" in steps.columns:
        # the braking share reads the pelvis passing over the foot: running steps only
        run = steps["activity"].astype(str).to_numpy() == "run"
        out["braking_share"] = np.where(run, out["braking_share"], np.nan)
    # Step scale, as running watches report it (see gait.contract.metric_defs).
    out["vertical_ratio"] = vertical_ratio_pct(out["vertical_oscillation"], out["stride_length"])
    if "strike" in steps.columns:
        strike = steps["strike"].astype(object).to_numpy()
        known = np.isin(strike, _STRIKES)
        for s in _STRIKES:
            out[f"is_{s}"] = np.where(known, (strike == s).astype(np.float64), np.nan)
    else:
        for s in _STRIKES:
            out[f"is_{s}"] = np.full(len(steps), np.nan)
    return out


def _mean(w: FloatArray, min_n: int) -> FloatArray:
    """Mean over the last axis ignoring NaN; NaN when fewer than ``min_n`` values."""
    ok = np.isfinite(w)
    n = ok.sum(axis=-1)
    s = np.where(ok, w, 0.0).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n >= min_n, s / np.maximum(n, 1), np.nan)


def _std(w: FloatArray, min_n: int) -> FloatArray:
    """Sample standard deviation over the last axis ignoring NaN; NaN below ``min_n`` values."""
    ok = np.isfinite(w)
    n = ok.sum(axis=-1)
    mean = _mean(w, 1)
    dev = np.where(ok, w - mean[..., None], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            n >= max(min_n, 2), np.sqrt((dev**2).sum(axis=-1) / np.maximum(n - 1, 1)), np.nan
        )


def _reduce(win: dict[str, FloatArray], min_n: int) -> dict[str, FloatArray]:
    """Reduce windows (arrays shaped (..., w)) to metrics (arrays shaped (...))."""
    out: dict[str, FloatArray] = {}
    st = _mean(win["step_time"], min_n)
    with np.errstate(divide="ignore", invalid="ignore"):
        cad = np.where(st > 0, 60.0 / st, np.nan)
    # Fall back to the instantaneous cadence column when step times are absent.
    out["cadence"] = np.where(np.isfinite(cad), cad, _mean(win["cadence_inst"], min_n))
    out["gct"] = _mean(win["gct"], min_n)
    # Per side a window of 20 steps has about 10 of each; ask for half the minimum.
    side_min = max(1, min_n // 2)
    gl = _mean(win["gct_left"], side_min)
    gr = _mean(win["gct_right"], side_min)
    out["gct_left"], out["gct_right"] = gl, gr
    with np.errstate(divide="ignore", invalid="ignore"):
        out["gct_balance"] = 100.0 * gl / (gl + gr)
        # Within-limb variability (mean of the two sides' CV) and how many times larger the
        # L/R difference is: asymmetry counts only when it exceeds that variability.
        cv = 0.5 * (_std(win["gct_left"], side_min) / gl + _std(win["gct_right"], side_min) / gr)
        out["gct_cv"] = cv
        out["gct_asym_ratio"] = np.abs(gl - gr) / (0.5 * (gl + gr)) / cv
    for name in (*_PLAIN, "vertical_ratio"):
        out[name] = _mean(win[name], min_n)
    for s in _STRIKES:
        out[f"{s}_share"] = _mean(win[f"is_{s}"], min_n)
    return out


def window_metrics(
    steps: pd.DataFrame, *, window: int = DEFAULT_WINDOW, min_steps: int = DEFAULT_MIN_STEPS
) -> dict[str, Any]:
    """Feedback metrics over the last ``window`` steps.

    Parameters
    ----------
    steps : DataFrame
        Step table (:data:`gait.contract.result.STEP_COLUMNS`, optional columns where measured),
        in time order.
    window : int
        Number of most recent steps to summarise.
    min_steps : int
        Fewest valid values needed for a metric; fewer gives None.

    Returns
    -------
    dict
        Keys of :data:`METRIC_UNITS` plus ``strike`` (the most common class or None) and
        ``steps`` (rows in the window). Values are floats in the units of
        :data:`METRIC_UNITS`, or None when not measurable.
    """
    tail = steps.tail(window)
    arrays = {k: v[None, :] for k, v in _inputs(tail).items()}
    red = _reduce(arrays, min_steps) if len(tail) else {}
    out: dict[str, Any] = {}
    for k in METRIC_UNITS:
        v = float(red[k][0]) if k in red else float("nan")
        out[k] = v if np.isfinite(v) else None
    out["strike"] = _modal_strike(out)
    out["steps"] = len(tail)
    return out


def _modal_strike(m: dict[str, Any]) -> str | None:
    shares = {s: m.get(f"{s}_share") for s in _STRIKES}
    known = {s: v for s, v in shares.items() if v is not None}
    return max(known, key=lambda s: known[s]) if known else None


def metrics_table(
    steps: pd.DataFrame, *, window: int = DEFAULT_WINDOW, min_steps: int = DEFAULT_MIN_STEPS
) -> pd.DataFrame:
    """Rolling feedback metrics at every step (the batch twin of :func:`window_metrics`).

    Parameters
    ----------
    steps : DataFrame
        Step table in time order.
    window : int
        Steps per rolling window (the row itself and the ``window - 1`` before it).
    min_steps : int
        Fewest valid values for a metric; fewer gives NaN.

    Returns
    -------
    DataFrame
        One row per step: ``t`` (s, the step's initial contact) and the metrics of
        :data:`METRIC_UNITS` (NaN where not measurable), plus ``strike``.
    """
    n = len(steps)
    cols: dict[str, Any] = {"t": _column(steps, "t_ic")}
    if n == 0:
        return pd.DataFrame({"t": [], **{k: [] for k in METRIC_UNITS}, "strike": []})
    pad = np.full(window - 1, np.nan)
    wins = {
        k: sliding_window_view(np.concatenate([pad, v]), window) for k, v in _inputs(steps).items()
    }
    red = _reduce(wins, min_steps)
    cols.update({k: red[k] for k in METRIC_UNITS})
    frame = pd.DataFrame(cols)
    shares = frame[[f"{s}_share" for s in _STRIKES]].to_numpy()
    has = np.isfinite(shares).any(axis=1)
    idx = np.argmax(np.where(np.isfinite(shares), shares, -1.0), axis=1)
    labels = np.asarray(_STRIKES, dtype=object)[idx]
    labels[~has] = None
    frame["strike"] = labels
    return frame

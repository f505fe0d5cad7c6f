"""Tables of the session report: per-interval metrics and first-vs-last drift."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gait.contract.metric_defs import METRICS, label_with_unit
from gait.feedback.metrics import window_metrics

#: (column, label, scale, decimals) of the per-interval table; labels, units, scales and
#: decimals from :data:`gait.contract.metric_defs.METRICS`.
INTERVAL_COLUMNS: tuple[tuple[str, str, float, int], ...] = tuple(
    (name, label_with_unit(name), METRICS[name].scale, METRICS[name].decimals)
    for name in (
        "cadence",
        "gct_left",
        "gct_right",
        "gct_balance",
        "duty_factor",
        "rear_share",
        "braking",
        "shank_angle_ic",
        "vertical_ratio",
        "speed",
    )
)


#: Metrics of the first-vs-last drift table, in order.
DRIFT_METRICS: tuple[str, ...] = (
    "cadence",
    "gct_left",
    "gct_right",
    "gct_balance",
    "duty_factor",
    "flight",
    "braking",
    "vertical_oscillation",
    "speed",
)


def interval_table(steps: pd.DataFrame, interval_s: float = 60.0) -> pd.DataFrame:
    """Metrics per fixed time interval.

    Parameters
    ----------
    steps : DataFrame
        Step table with ``t_ic`` (s).
    interval_s : float
        Interval length, s.

    Returns
    -------
    DataFrame
        One row per interval with steps: ``start_s``, ``end_s``, ``steps`` and the metrics of
        :func:`gait.feedback.window_metrics` over all steps of the interval (metric units;
        NaN where not measured).
    """
    if steps.empty:
        return pd.DataFrame(columns=["start_s", "end_s", "steps"])
    idx = np.floor(steps["t_ic"].to_numpy(dtype=np.float64) / interval_s).astype(int)
    rows = []
    for _, group in steps.groupby(idx, sort=True):  # tens of intervals per session
        m = window_metrics(group, window=len(group), min_steps=2)
        k0 = int(np.floor(float(group["t_ic"].iloc[0]) / interval_s))
        row = {"start_s": k0 * interval_s, "end_s": (k0 + 1) * interval_s, "steps": len(group)}
        row.update({c: (np.nan if m[c] is None else m[c]) for c, *_ in INTERVAL_COLUMNS})
        rows.append(row)
    return pd.DataFrame(rows)


def drift_table(steps: pd.DataFrame) -> pd.DataFrame:
    """Change of the main metrics from the first to the last third of the steps.

    Parameters
    ----------
    steps : DataFrame
        Step table in time order.

    Returns
    -------
    DataFrame
        ``metric`` (the table's label), ``unit`` (its display unit), ``first``, ``last``
        (display units of :mod:`gait.contract.metric_defs`) and ``change_pct``; only metrics
        measured in both parts.
        Empty with fewer than 30 steps.
    """
    n = len(steps)
    if n < 30:
        return pd.DataFrame(columns=["metric", "unit", "first", "last", "change_pct"])
    third = n // 3
    a = window_metrics(steps.iloc[:third], window=third, min_steps=2)
    b = window_metrics(steps.iloc[n - third :], window=third, min_steps=2)
    rows = []
    for key in DRIFT_METRICS:
        if a[key] is not None and b[key] is not None and a[key] != 0:
            d = METRICS[key]
            rows.append(
                {
                    "metric": d.label,
                    "unit": d.display_unit,
                    "first": a[key] * d.scale,
                    "last": b[key] * d.scale,
                    "change_pct": 100.0 * (b[key] - a[key]) / abs(a[key]),
                }
            )
    return pd.DataFrame(rows)

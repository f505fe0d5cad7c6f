"""Summaries of a watch's own running dynamics (FIT files) and a side-by-side comparison."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gait.metric_defs import METRICS, summary_value
from gait.recording import Channel

#: (metric of :data:`gait.metric_defs.METRICS`, watch summary key in its display unit);
#: our value is read where the metric table says the summary keeps it.
COMPARED: tuple[tuple[str, str], ...] = (
    ("cadence", "cadence_spm"),
    ("gct", "gct_ms.mean"),
    ("gct_balance", "gct_balance_pct"),
    ("vertical_oscillation", "vertical_oscillation_cm"),
    ("vertical_ratio", "vertical_ratio_pct"),
)


def _mean(ch: Channel, key: str, scale: float = 1.0) -> float | None:
    v = ch.values.get(key)
    if v is None:
        return None
    moving = ch.values.get("speed")
    if moving is not None and np.isfinite(moving).any():
        v = v[np.nan_to_num(moving) > 0.5]  # ignore standing and walking pauses
    v = v[np.isfinite(v) & (v > 0)]
    return float(np.mean(v) * scale) if len(v) else None


def watch_summary(ch: Channel) -> dict[str, Any]:
    """Session means of a watch channel (see :mod:`gait.io.fit`) in the summary's units.

    Parameters
    ----------
    ch : Channel
        The ``watch`` channel.

    Returns
    -------
    dict
        ``cadence_spm``, ``gct_ms`` {``mean``}, ``gct_balance_pct``, ``vertical_oscillation_cm``,
        ``vertical_ratio_pct``, ``speed_mps``, ``activity`` and ``source = 'watch'``; a value
        is None when the watch did not record it.
    """
    return {
        "source": "watch",
        "activity": "run",
        "cadence_spm": _mean(ch, "cadence"),
        "gct_ms": {"mean": _mean(ch, "gct", 1e3)},
        "gct_balance_pct": _mean(ch, "gct_balance"),
        "vertical_oscillation_cm": _mean(ch, "vertical_oscillation", 100.0),
        "vertical_ratio_pct": _mean(ch, "vertical_ratio"),
        "speed_mps": _mean(ch, "speed"),
        "steps": 0,
    }


def _get(d: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(d, dict):
            return None
        d = d.get(part)  # type: ignore[assignment]
    return d


def compare(ours: dict[str, Any], watch: dict[str, Any]) -> pd.DataFrame:
    """Our summary against the watch's, metric by metric.

    Returns
    -------
    DataFrame
        ``name`` (of the metric table), ``metric`` (its label), ``unit`` (its display unit),
        ``ours``, ``watch`` and ``difference`` (ours − watch), all in the display unit; rows
        where either is missing show NaN.
    """
    rows = []
    for name, k_watch in COMPARED:
        d = METRICS[name]
        v = summary_value(ours, name)
        a = v * d.scale if v is not None else np.nan
        b = _get(watch, k_watch)
        b = float(b) if isinstance(b, int | float) else np.nan
        rows.append(
            {
                "name": name,
                "metric": d.label,
                "unit": d.display_unit,
                "ours": a,
                "watch": b,
                "difference": a - b,
            }
        )
    return pd.DataFrame(rows)

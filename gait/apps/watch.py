"""Summaries of a watch's own running dynamics (FIT files) and a side-by-side comparison."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from gait.contract.metric_defs import METRICS, summary_value
from gait.contract.recording import Channel
from gait.contract.summary_types import SUMMARY_VERSION, RunSummary

#: Metrics of :data:`gait.contract.metric_defs.METRICS` compared; both summaries keep them where the
#: metric table says (``summary_key``), so one reader serves both.
COMPARED: tuple[str, ...] = (
    "cadence",
    "gct",
    "gct_balance",
    "vertical_oscillation",
    "vertical_ratio",
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


def watch_summary(ch: Channel) -> RunSummary:
    """Session means of a watch channel (see :mod:`gait.io.fit`) as a run summary.

    Parameters
    ----------
    ch : Channel
        The ``watch`` channel.

    Returns
    -------
    RunSummary
        The keys and units of :func:`gait.analyze`'s summary (``docs/summary.md``) with what
        a watch records: ``cadence_spm``, ``gct_ms.mean``, ``gct_balance_pct``,
        ``overstride.vertical_oscillation_m`` and ``overstride.vertical_ratio_pct``,
        ``speed_mps`` (None when the watch did not record it); ``sources`` is
        ``{"watch": "watch"}``, ``steps`` 0 and the step-derived blocks are empty.
    """
    return {
        "summary_version": SUMMARY_VERSION,
        "steps": 0,
        "cadence_spm": _mean(ch, "cadence"),
        "cadence_cv_pct": None,
        "gct_ms": {"mean": _mean(ch, "gct", 1e3), "left": None, "right": None, "cv_pct": None},
        "gct_balance_pct": _mean(ch, "gct_balance"),
        "duty_factor": None,
        "flight_ms": None,
        "double_support_ms": None,
        "symmetry": {},
        "symmetry_status": {},
        "asymmetry": [],
        "drift": {},
        "contact_time_left_out": None,
        "windows": [],
        "activity": "run",
        "activity_steps": {},
        "overstride": {
            "cadence": {"baseline_spm": None, "relative_pct": None},
            "vertical_oscillation_m": _mean(ch, "vertical_oscillation"),
            "vertical_ratio_pct": _mean(ch, "vertical_ratio"),
            "overstriding": {"flag": None, "reasons": [], "measured": []},
        },
        "speed_mps": _mean(ch, "speed"),
        "sources": {"watch": "watch"},
        "sensors": {},
        "flags": [],
        "input_checks": [],
        "units_inferred": {},
    }


def _display(summary: Mapping[str, Any], name: str) -> float:
    """The session value of ``name`` in its display unit (NaN when missing)."""
    v = summary_value(summary, name)
    return v * METRICS[name].scale if v is not None else np.nan


def compare(ours: Mapping[str, Any], watch: Mapping[str, Any]) -> pd.DataFrame:
    """Our summary against the watch's, metric by metric.

    Parameters
    ----------
    ours : mapping
        Our run summary (:class:`gait.contract.summary_types.RunSummary`).
    watch : mapping
        The watch's (:func:`watch_summary`).

    Returns
    -------
    DataFrame
        ``name`` (of the metric table), ``metric`` (its label), ``unit`` (its display unit),
        ``ours``, ``watch`` and ``difference`` (ours − watch), all in the display unit; rows
        where either is missing show NaN.
    """
    rows = []
    for name in COMPARED:
        d = METRICS[name]
        a, b = _display(ours, name), _display(watch, name)
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

"""One definition per metric: name, unit, display scale, definition, source.

Every view that shows a metric (session summary, report tables, live page, drills, the
``--compare-fit`` watch comparison and history) reads its label, unit and scale here, so a
number means the same thing everywhere. Values are stored in SI (or the listed unit);
``scale`` turns a stored value into the display unit. ``summary_key`` is the dotted path
of the session-level value in ``summary.json`` and ``summary_scale`` the factor from the
stored unit to the unit found there. Thresholds and their sources are listed in
``docs/metrics.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class MetricDef:
    """Definition of one metric.

    Attributes
    ----------
    name : str
        Key in step tables and rolling metrics.
    label : str
        Human label.
    unit : str
        Unit of the stored value.
    display_unit : str
        Unit shown to people (``unit`` × ``scale``).
    scale : float
        Factor from ``unit`` to ``display_unit``.
    definition : str
        What is measured, on which scale.
    source : str
        Published source of the definition (see ``docs/metrics.md``).
    summary_key : str or None
        Dotted path of the session value in the summary; None when the summary has none.
    summary_scale : float
        Factor from ``unit`` to the unit of the summary value.
    """

    name: str
    label: str
    unit: str
    display_unit: str
    scale: float
    definition: str
    source: str
    summary_key: str | None = None
    summary_scale: float = 1.0


_DEFS: tuple[MetricDef, ...] = (
    MetricDef("cadence", "cadence", "steps/min", "spm", 1.0,
              "steps per minute, both feet: 60 / mean step time", "Heiderscheit et al. 2011",
              "cadence_spm"),
    MetricDef("gct", "ground contact time", "s", "ms", 1000.0,
              "initial contact to toe-off of the same foot", "Garmin Running Dynamics",
              "gct_ms.mean", 1000.0),
    MetricDef("gct_left", "GCT left", "s", "ms", 1000.0, "mean contact time, left foot",
              "Garmin Running Dynamics", "gct_ms.left", 1000.0),
    MetricDef("gct_right", "GCT right", "s", "ms", 1000.0, "mean contact time, right foot",
              "Garmin Running Dynamics", "gct_ms.right", 1000.0),
    MetricDef("gct_balance", "GCT balance", "% left", "% L", 1.0,
              "GCT_L / (GCT_L + GCT_R) × 100", "Garmin Running Dynamics", "gct_balance_pct"),
    MetricDef("gct_cv", "GCT variability", "1", "%", 100.0,
              "mean of the two sides' coefficient of variation of contact time",
              "Robinson et al. 1987"),
    MetricDef("gct_asym_ratio", "GCT asymmetry / variability", "1", "×", 1.0,
              "|L − R| / mean over the within-limb CV; > 1: asymmetry beyond variability",
              "Robinson et al. 1987"),
    MetricDef("duty_factor", "duty factor", "1", "%", 100.0, "contact time / stride time",
              "Folland et al. 2017", "duty_factor"),
    MetricDef("flight", "flight time", "s", "ms", 1000.0, "toe-off to the next initial contact",
              "Folland et al. 2017", "flight_ms", 1000.0),
    MetricDef("rear_share", "heel strikes", "1", "%", 100.0,
              "share of steps with a foot strike angle > 8° (rearfoot)", "Altman & Davis 2012",
              "overstride.strike.rear"),
    MetricDef("mid_share", "midfoot strikes", "1", "%", 100.0,
              "share of steps with a foot strike angle in −1.6..8°", "Altman & Davis 2012",
              "overstride.strike.mid"),
    MetricDef("fore_share", "forefoot strikes", "1", "%", 100.0,
              "share of steps with a foot strike angle < −1.6°", "Altman & Davis 2012",
              "overstride.strike.fore"),
    MetricDef("foot_strike_angle", "foot strike angle", "deg", "°", 1.0,
              "sole pitch at initial contact, + toes up", "Altman & Davis 2012",
              "overstride.foot_strike_angle_deg"),
    MetricDef("shank_angle_ic", "shank angle at contact", "deg", "°", 1.0,
              "shank (tibia) forward inclination from vertical at initial contact, + foot "
              "ahead of the knee", "Souza 2016; Lieberman et al. 2015",
              "overstride.shank_angle_ic_deg"),
    MetricDef("braking", "braking", "m/s", "m/s", 1.0,
              "pelvis forward speed loss from initial contact to its minimum in stance "
              "(= braking impulse / body mass)", "Napier et al. 2018; Lieberman et al. 2015",
              "overstride.braking_mps"),
    MetricDef("impact", "impact", "m/s²", "g", 1.0 / 9.80665,
              "peak specific-force norm within 30 ms of initial contact", "Milner et al. 2006",
              "overstride.impact_ms2"),
    MetricDef("vertical_oscillation", "vertical oscillation", "m", "cm", 100.0,
              "pelvis vertical excursion per step", "Garmin Running Dynamics",
              "overstride.vertical_oscillation_cm", 100.0),
    MetricDef("stride_length", "stride length", "m", "m", 1.0,
              "same-foot initial contact to initial contact (two steps)", "Cavanagh & Kram 1989",
              "stride_length"),
    MetricDef("vertical_ratio", "vertical ratio", "%", "%", 1.0,
              "vertical oscillation / step length × 100 (step = half a stride; the scale "
              "running watches use)", "Garmin Running Dynamics", "overstride.vertical_ratio_pct"),
    MetricDef("speed", "speed", "m/s", "m/s", 1.0, "stride length / stride time",
              "Cavanagh & Kram 1989", "speed"),
)

#: Metric name → definition.
METRICS: dict[str, MetricDef] = {d.name: d for d in _DEFS}
#: Summary path (``"overstride.vertical_ratio_pct"``) → definition, for views that list the
#: flattened summary (history trends).
BY_SUMMARY_KEY: dict[str, MetricDef] = {d.summary_key: d for d in _DEFS if d.summary_key}


def get(name: str) -> MetricDef:
    """The definition of ``name``.

    Parameters
    ----------
    name : str
        Metric name.

    Returns
    -------
    MetricDef

    Raises
    ------
    KeyError
        For an unknown metric.
    """
    return METRICS[name]


def label_with_unit(name: str) -> str:
    """``"label (display unit)"`` of a metric, e.g. ``"vertical ratio (%)"``."""
    d = METRICS[name]
    return f"{d.label} ({d.display_unit})"


def summary_value(summary: dict[str, Any], name: str) -> float | None:
    """The session value of ``name`` in a summary, converted back to the stored unit.

    Parameters
    ----------
    summary : dict
        A session summary (``summary.json``).
    name : str
        Metric name with a ``summary_key``.

    Returns
    -------
    float or None
        Value in :attr:`MetricDef.unit`; None when absent.
    """
    d = METRICS[name]
    if d.summary_key is None:
        return None
    v: Any = summary
    for part in d.summary_key.split("."):
        if not isinstance(v, dict):
            return None
        v = v.get(part)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return None
    return float(v) / d.summary_scale


def vertical_ratio_pct(
    vertical_oscillation: NDArray[np.float64], stride_length: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Per-step vertical ratio on the step scale, %.

    Parameters
    ----------
    vertical_oscillation : ndarray
        Pelvis vertical excursion per step, m.
    stride_length : ndarray
        Same-foot IC-to-IC distance, m (two steps).

    Returns
    -------
    ndarray
        100 × VO / (stride length / 2); NaN where the stride length is unknown or ≤ 0.
    """
    vo = np.asarray(vertical_oscillation, dtype=np.float64)
    sl = np.asarray(stride_length, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sl > 0, 100.0 * vo / (sl / 2.0), np.nan)

"""One definition per metric: name, unit, display scale, definition, source.

Every view that shows a metric (session summary, report tables, live page, drills, the
``--compare-fit`` watch comparison and history) reads its label, unit and scale here, so a
number means the same thing everywhere. Values are stored in SI (or the listed unit);
``scale`` turns a stored value into the display unit. ``summary_key`` is the dotted path
of the session-level value in ``summary.json`` and ``summary_scale`` the factor from the
stored unit to the unit found there (the summary's unit rule: ``gait.contract.summary_types``,
``docs/summary.md``). Thresholds and their sources are listed in ``docs/metrics.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gait.contract.constants import G

if TYPE_CHECKING:  # numpy only where an array is computed: `gait --help` reads this table
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
    decimals : int
        Digits shown after the point in the display unit.
    kind : str
        ``"gait"`` (steps, per session) or ``"balance"`` (per trial, and per leg and eyes
        condition in the balance summary: ``conditions.<leg>_<eyes>.<name>``).
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
    decimals: int = 1
    kind: str = "gait"


_G = "Garmin Running Dynamics"
_M = "Mancini et al. 2012"

_DEFS: tuple[MetricDef, ...] = (
    MetricDef(
        "cadence",
        "cadence",
        "steps/min",
        "spm",
        1.0,
        "steps per minute, both feet: 60 / mean step time",
        "Heiderscheit et al. 2011",
        "cadence_spm",
        decimals=0,
    ),
    MetricDef(
        "step_time",
        "step time",
        "s",
        "ms",
        1000.0,
        "initial contact to the next initial contact of the other foot (60 / cadence)",
        "Heiderscheit et al. 2011",
        decimals=0,
    ),
    MetricDef(
        "gct",
        "ground contact time",
        "s",
        "ms",
        1000.0,
        "initial contact to toe-off of the same foot",
        _G,
        "gct_ms.mean",
        1000.0,
        decimals=0,
    ),
    MetricDef(
        "gct_left",
        "contact time left",
        "s",
        "ms",
        1000.0,
        "mean contact time, left foot",
        _G,
        "gct_ms.left",
        1000.0,
        decimals=0,
    ),
    MetricDef(
        "gct_right",
        "contact time right",
        "s",
        "ms",
        1000.0,
        "mean contact time, right foot",
        _G,
        "gct_ms.right",
        1000.0,
        decimals=0,
    ),
    MetricDef(
        "gct_balance",
        "GCT balance",
        "% left",
        "% L",
        1.0,
        "GCT_L / (GCT_L + GCT_R) × 100",
        _G,
        "gct_balance_pct",
    ),
    MetricDef(
        "gct_cv",
        "GCT variability",
        "1",
        "%",
        100.0,
        "mean of the two sides' coefficient of variation of contact time",
        "Robinson et al. 1987",
    ),
    MetricDef(
        "gct_asym_ratio",
        "GCT asymmetry / variability",
        "1",
        "×",
        1.0,
        "|L − R| / mean over the within-limb CV; > 1: asymmetry beyond variability",
        "Robinson et al. 1987",
        decimals=2,
    ),
    MetricDef(
        "duty_factor",
        "duty factor",
        "1",
        "%",
        100.0,
        "contact time / stride time",
        "Folland et al. 2017",
        "duty_factor",
    ),
    MetricDef(
        "flight",
        "flight time",
        "s",
        "ms",
        1000.0,
        "toe-off to the next initial contact",
        "Folland et al. 2017",
        "flight_ms",
        1000.0,
        decimals=0,
    ),
    MetricDef(
        "double_support",
        "double support",
        "s",
        "ms",
        1000.0,
        "both feet on the ground, per step (walking; the negative of flight)",
        "Perry & Burnfield 2010",
        "double_support_ms",
        1000.0,
        decimals=0,
    ),
    MetricDef(
        "rear_share",
        "heel strikes",
        "1",
        "%",
        100.0,
        "share of steps with a foot strike angle > 8° (rearfoot)",
        "Altman & Davis 2012",
        "overstride.strike.rear",
        decimals=0,
    ),
    MetricDef(
        "mid_share",
        "midfoot strikes",
        "1",
        "%",
        100.0,
        "share of steps with a foot strike angle in −1.6..8°",
        "Altman & Davis 2012",
        "overstride.strike.mid",
        decimals=0,
    ),
    MetricDef(
        "fore_share",
        "forefoot strikes",
        "1",
        "%",
        100.0,
        "share of steps with a foot strike angle < −1.6°",
        "Altman & Davis 2012",
        "overstride.strike.fore",
        decimals=0,
    ),
    MetricDef(
        "foot_strike_angle",
        "foot strike angle",
        "deg",
        "°",
        1.0,
        "sole pitch at initial contact, + toes up",
        "Altman & Davis 2012",
        "overstride.foot_strike_angle_deg",
    ),
    MetricDef(
        "shank_angle_ic",
        "shank angle at contact",
        "deg",
        "°",
        1.0,
        "shank (tibia) forward inclination from vertical at initial contact, + foot "
        "ahead of the knee",
        "Souza 2016; Lieberman et al. 2015",
        "overstride.shank_angle_ic_deg",
    ),
    MetricDef(
        "braking",
        "braking",
        "m/s",
        "m/s",
        1.0,
        "pelvis forward speed loss from initial contact to its minimum in stance "
        "(= braking impulse / body mass)",
        "Napier et al. 2018; Lieberman et al. 2015",
        "overstride.braking_mps",
        decimals=2,
    ),
    MetricDef(
        "braking_share",
        "braking share",
        "",
        "%",
        100.0,
        "share of stance from initial contact to the pelvis's lowest forward speed (the "
        "end of braking, when the pelvis passes over the foot); longer when the foot lands "
        "further ahead",
        "Lieberman et al. 2015",
        "overstride.braking_share_pct",
        summary_scale=100.0,
        decimals=0,
    ),
    MetricDef(
        "foot_ahead",
        "foot ahead at contact",
        "m",
        "cm",
        100.0,
        "pelvis travel from initial contact to the end of braking (session speed × mean "
        "braking time): how far ahead of the pelvis the foot's centre of pressure landed",
        "Lieberman et al. 2015; Napier et al. 2018",
        "overstride.foot_ahead_m",
        decimals=0,
    ),
    MetricDef(
        "impact",
        "impact",
        "m/s²",
        "g",
        1.0 / G,
        "peak specific-force norm within 30 ms of initial contact",
        "Milner et al. 2006",
        "overstride.impact_ms2",
    ),
    MetricDef(
        "vertical_oscillation",
        "vertical oscillation",
        "m",
        "cm",
        100.0,
        "pelvis vertical excursion per step",
        _G,
        "overstride.vertical_oscillation_m",
    ),
    MetricDef(
        "stride_length",
        "stride length",
        "m",
        "m",
        1.0,
        "same-foot initial contact to initial contact (two steps)",
        "Cavanagh & Kram 1989",
        "stride_length_m",
        decimals=2,
    ),
    MetricDef(
        "vertical_ratio",
        "vertical ratio",
        "%",
        "%",
        1.0,
        "vertical oscillation / step length × 100 (step = half a stride; the scale "
        "running watches use)",
        _G,
        "overstride.vertical_ratio_pct",
    ),
    MetricDef(
        "speed",
        "speed",
        "m/s",
        "m/s",
        1.0,
        "stride length / stride time",
        "Cavanagh & Kram 1989",
        "speed_mps",
        decimals=2,
    ),
    # Single-leg balance, per trial; the balance summary keeps the mean per leg and eyes
    # condition. Trunk accelerations in the horizontal plane (Mancini et al. 2012), so sway
    # sizes are in m/s² (not the centre-of-pressure metres of a force plate).
    MetricDef(
        "rms",
        "sway RMS",
        "m/s²",
        "m/s²",
        1.0,
        "root mean square of the horizontal trunk acceleration (AP and ML)",
        _M,
        decimals=3,
        kind="balance",
    ),
    MetricDef(
        "rms_ap",
        "sway RMS AP",
        "m/s²",
        "m/s²",
        1.0,
        "root mean square of the anteroposterior trunk acceleration",
        _M,
        decimals=3,
        kind="balance",
    ),
    MetricDef(
        "rms_ml",
        "sway RMS ML",
        "m/s²",
        "m/s²",
        1.0,
        "root mean square of the mediolateral trunk acceleration",
        _M,
        decimals=3,
        kind="balance",
    ),
    MetricDef(
        "ellipse_area",
        "95 % sway ellipse area",
        "m²/s⁴",
        "m²/s⁴",
        1.0,
        "area of the 95 % prediction ellipse of the horizontal acceleration",
        _M,
        decimals=3,
        kind="balance",
    ),
    MetricDef(
        "path",
        "sway path length",
        "m/s²",
        "m/s²",
        1.0,
        "length of the horizontal acceleration trajectory, Σ‖Δa‖",
        _M,
        decimals=2,
        kind="balance",
    ),
    MetricDef(
        "mean_velocity",
        "sway velocity",
        "m/s³",
        "m/s³",
        1.0,
        "sway path length / window length",
        _M,
        decimals=3,
        kind="balance",
    ),
    MetricDef(
        "jerk",
        "jerk",
        "m²/s⁵",
        "m²/s⁵",
        1.0,
        "½ ∫ ‖da/dt‖² dt of the horizontal acceleration",
        _M,
        kind="balance",
    ),
    MetricDef(
        "f50",
        "median frequency",
        "Hz",
        "Hz",
        1.0,
        "frequency below which half the sway power lies (0.1–5 Hz)",
        _M,
        decimals=2,
        kind="balance",
    ),
    MetricDef(
        "lean_rms_ap",
        "lean RMS AP",
        "deg",
        "°",
        1.0,
        "root mean square of the anteroposterior trunk lean angle",
        _M,
        decimals=2,
        kind="balance",
    ),
    MetricDef(
        "lean_rms_ml",
        "lean RMS ML",
        "deg",
        "°",
        1.0,
        "root mean square of the mediolateral trunk lean angle",
        _M,
        decimals=2,
        kind="balance",
    ),
    MetricDef(
        "n_touchdowns",
        "touch-downs",
        "count",
        "",
        1.0,
        "times the lifted foot touched the ground during the trial",
        "Riemann et al. 1999",
        decimals=0,
        kind="balance",
    ),
    MetricDef(
        "time_to_failure",
        "first touch-down",
        "s",
        "s",
        1.0,
        "time from the start of the trial to the first touch-down (the trial length when none)",
        "Springer et al. 2007",
        kind="balance",
    ),
    MetricDef(
        "bess_errors",
        "BESS errors",
        "count",
        "",
        1.0,
        "Balance Error Scoring System errors in the trial",
        "Riemann et al. 1999",
        decimals=0,
        kind="balance",
    ),
    MetricDef(
        "stabilization_time",
        "time to stabilisation",
        "s",
        "s",
        1.0,
        "hop-and-stick: landing until the moving RMS of the trunk acceleration stays "
        "below a multiple of its final quiet-stance level, over a fixed trial length",
        "Fransz et al. 2015",
        decimals=2,
        kind="balance",
    ),
)

#: km/h per m/s: views that show a speed in m/s (its display unit) may add km/h below it.
KMH_PER_MPS = 3.6

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
    """``"label (display unit)"`` of a metric, e.g. ``"vertical ratio (%)"``; a count: the label."""
    d = METRICS[name]
    return f"{d.label} ({d.display_unit})" if d.display_unit else d.label


def display(name: str, value: float | None) -> float | None:
    """A stored value of ``name`` in its display unit (None and NaN give None).

    Parameters
    ----------
    name : str
        Metric name.
    value : float or None
        Value in :attr:`MetricDef.unit`.

    Returns
    -------
    float or None
        ``value × scale``, in :attr:`MetricDef.display_unit`.
    """
    if value is None or isinstance(value, bool):
        return None
    v = float(value)
    return v * METRICS[name].scale if math.isfinite(v) else None


def with_unit(name: str, text: str) -> str:
    """``text`` followed by the display unit of ``name`` (no space before ° and ×)."""
    u = METRICS[name].display_unit
    if not u:
        return text
    return f"{text}{u}" if u[0] in "°×" else f"{text} {u}"


def fmt(
    name: str,
    value: float | None,
    *,
    unit: bool = True,
    missing: str = "–",
    decimals: int | None = None,
) -> str:
    """A stored value of ``name`` as display text, e.g. ``fmt("gct", 0.2514)`` → ``"251 ms"``.

    Parameters
    ----------
    name : str
        Metric name.
    value : float or None
        Value in :attr:`MetricDef.unit`.
    unit : bool
        Append the display unit.
    missing : str
        Text for a missing (None or NaN) value.
    decimals : int, optional
        Digits after the point; default :attr:`MetricDef.decimals`.

    Returns
    -------
    str
    """
    v = display(name, value)
    if v is None:
        return missing
    nd = METRICS[name].decimals if decimals is None else decimals
    text = f"{v:.{nd}f}"
    return with_unit(name, text) if unit else text


def from_summary_unit(d: MetricDef, value: float | None) -> float | None:
    """A value as the summary stores it (:attr:`MetricDef.summary_scale`), in the display unit.

    Parameters
    ----------
    d : MetricDef
        The metric.
    value : float or None
        Value in the summary's unit (e.g. ``gct_ms.mean`` in ms, ``duty_factor`` a fraction).

    Returns
    -------
    float or None
        ``value × scale / summary_scale``.
    """
    if value is None or isinstance(value, bool):
        return None
    v = float(value)
    return v * d.scale / d.summary_scale if math.isfinite(v) else None


def for_summary_key(key: str) -> MetricDef | None:
    """The definition behind a flattened summary key, as history stores them.

    ``"cadence_spm"`` and ``"overstride.vertical_ratio_pct"`` are session values
    (:data:`BY_SUMMARY_KEY`); ``"conditions.left_open.rms"``, a bare balance name such as
    ``"rms"`` and ``"sway_area"`` (the 95 % ellipse area) are balance metrics, whose
    per-condition values are kept in their stored unit.

    Parameters
    ----------
    key : str
        Summary key or metric name.

    Returns
    -------
    MetricDef or None
        None for a key the table does not define.
    """
    if key in BY_SUMMARY_KEY:
        return BY_SUMMARY_KEY[key]
    leaf = key.rsplit(".", 1)[-1]
    if leaf == "sway_area":
        leaf = "ellipse_area"
    d = METRICS.get(leaf)
    if (
        d is not None
        and d.kind == "balance"
        and (leaf == key or key.startswith("conditions.") or key == "sway_area")
    ):
        return d
    return None


def summary_label(key: str) -> str:
    """Axis/column label of a summary key: ``"label (display unit)"``, or the key itself."""
    d = for_summary_key(key)
    return key if d is None else label_with_unit(d.name)


def page_defs(names: tuple[str, ...] | list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Label, display unit, scale and decimals per metric, for views outside Python.

    Parameters
    ----------
    names : sequence of str, optional
        Metrics to include (default: all).

    Returns
    -------
    dict
        ``{name: {"label", "unit", "scale", "decimals"}}``, JSON-ready.
    """
    keep = METRICS if names is None else {n: METRICS[n] for n in names}
    return {
        n: {"label": d.label, "unit": d.display_unit, "scale": d.scale, "decimals": d.decimals}
        for n, d in keep.items()
    }


def markdown_table() -> str:
    """The table as Markdown (the README's metric table is this text).

    Returns
    -------
    str
        One row per metric: name, label, shown unit, stored unit × scale, definition, source.
    """
    rows = [
        "| metric | label | shown in | stored in × scale | definition | source |",
        "|---|---|---|---|---|---|",
    ]
    for d in _DEFS:
        scale = f"{d.scale:g}"
        shown = d.display_unit or "count"
        definition = d.definition.replace("|", "\\|")  # a literal bar in |L − R|
        rows.append(
            f"| `{d.name}` | {d.label} | {shown} | {d.unit} × {scale} | {definition} | {d.source} |"
        )
    return "\n".join(rows) + "\n"


def summary_value(summary: Mapping[str, Any], name: str) -> float | None:
    """The session value of ``name`` in a summary, converted back to the stored unit.

    Parameters
    ----------
    summary : mapping
        A session summary (:class:`gait.contract.summary_types.RunSummary`, ``summary.json``).
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
        if not isinstance(v, Mapping):
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
    import numpy as np

    vo = np.asarray(vertical_oscillation, dtype=np.float64)
    sl = np.asarray(stride_length, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sl > 0, 100.0 * vo / (sl / 2.0), np.nan)


if __name__ == "__main__":  # the README's metric table
    print(markdown_table(), end="")

"""The run summary's keys, types and units: the data contract of ``GaitResult.summary``.

:class:`RunSummary` is what :func:`gait.analyze` returns as ``GaitResult.summary`` and
``gait analyze --summary-json`` writes (plus ``file`` and ``watch_comparison``, see
:class:`AnalyzeOutput`); a live session's report writes :class:`LiveReportSummary`.
``docs/summary.md`` is generated from these classes by
``python -m gait.contract.summary_types``; a test checks that the page matches and that a real
summary has exactly the documented keys and types.

Unit rule
---------
* Every key of a quantity with a unit ends in that unit: ``_ms``, ``_s``, ``_m``, ``_mps``,
  ``_ms2``, ``_deg``, ``_spm``, ``_pct``. A block's suffix (``gct_ms``) applies to its
  members (``gct_ms.mean``) unless a member has its own (``gct_ms.cv_pct``).
* Values are in the step table's SI units (m, m/s, m/s², deg; ``docs/step_table.md``), except
  durations, which are in ms, and cadence, in steps/min. No other scale (no cm, no g): the
  display scale is the metric table's business (``gait/contract/metric_defs.py``, ``scale``).
* Fractions (0–1: ``duty_factor``, strike shares) and counts have no suffix.
* One exception, by construction: ``symmetry.<metric>.left/right`` are side means in the step
  table's unit of the column ``<metric>`` (e.g. ``gct`` in s).
* One key predates the rule: the live report's ``gaps`` holds times in s without the
  suffix; renaming it (``gaps_s``) needs a layout version bump.
* Each quantity has one home: the session means of the landing and trunk metrics are in the
  ``overstride`` block, the session speed is ``speed_mps``, a metric's symmetry index is
  ``symmetry.<metric>.si_pct``; all detected steps are the sum of ``activity_steps``.

Stored summaries of version 1 (before :data:`SUMMARY_VERSION` existed) are read through
:func:`upgrade_summary`; flattened history names through :func:`upgrade_metric_name`.
"""

# No ``from __future__ import annotations``: TypedDict reads NotRequired[...] only from
# evaluated annotations (Python 3.11), and the docs and checks below read the classes' keys.
import types
import typing
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, Union

#: Version of the summary layout; written as ``summary_version``. Version 1 had no key.
SUMMARY_VERSION = 2


class GctBlock(TypedDict):
    """``gct_ms``: ground contact time of the session, ms."""

    mean: float | None
    left: float | None
    right: float | None
    cv_pct: float | None


class SymmetryEntry(TypedDict):
    """``symmetry.<metric>``: one metric compared left vs right.

    Made by :func:`gait.analysis.summary.symmetry`.
    """

    left: float | None
    right: float | None
    si_pct: float | None
    variability_pct: float | None
    cv_left_pct: float | None
    cv_right_pct: float | None
    n_left: int
    n_right: int
    asymmetry: bool
    longer: str


class AsymmetryEntry(TypedDict):
    """``asymmetry[]``: a metric whose left/right difference is beyond variability."""

    metric: str
    si_pct: float | None
    longer: str


class DriftEntry(TypedDict):
    """``drift.<metric>``: first part of the run vs the last part, in the metric's unit."""

    first: float | None
    last: float | None
    change: float | None
    change_pct: float | None


class Drift(TypedDict, total=False):
    """``drift``: change from the first to the last part of the run (empty below 20 steps)."""

    n_per_part: int
    cadence_spm: DriftEntry
    gct_ms: DriftEntry
    duty_factor: DriftEntry
    flight_ms: DriftEntry
    double_support_ms: DriftEntry
    gct_balance_pct: DriftEntry
    foot_strike_angle_deg: DriftEntry
    vertical_oscillation_m: DriftEntry
    braking_mps: DriftEntry
    impact_ms2: DriftEntry
    speed_mps: DriftEntry


class ContactTimeLeftOut(TypedDict):
    """``contact_time_left_out``: contact times the summaries leave out, and why."""

    steps: int
    of: int
    reason: str


class WindowRow(TypedDict):
    """``windows[]``: one block of consecutive steps (also ``GaitResult.windows``)."""

    t_start_s: float | None
    t_end_s: float | None
    n_steps: int
    cadence_spm: float | None
    gct_ms: float | None
    gct_left_ms: float | None
    gct_right_ms: float | None
    gct_balance_pct: float | None
    duty_factor: float | None
    flight_ms: float | None
    double_support_ms: float | None
    gct_cv_pct: float | None
    stride_length_m: NotRequired[float | None]
    speed_mps: NotRequired[float | None]
    foot_strike_angle_deg: NotRequired[float | None]
    braking_mps: NotRequired[float | None]
    impact_ms2: NotRequired[float | None]
    vertical_oscillation_m: NotRequired[float | None]
    shank_angle_ic_deg: NotRequired[float | None]


class CadenceVsBaseline(TypedDict):
    """``overstride.cadence``: the session cadence against the runner's own baseline."""

    baseline_spm: float | None
    relative_pct: float | None


class StrikeShares(TypedDict):
    """``overstride.strike``: shares of the strike patterns (foot sensors)."""

    rear: float
    mid: float
    fore: float
    n: int


class OverstrideReason(TypedDict):
    """``overstride.overstriding.reasons[]``: an indicator beyond its threshold."""

    metric: str
    value: float
    threshold: float


class OverstrideCheck(TypedDict):
    """``overstride.overstriding``: the overstride check.

    Made by :func:`gait.analysis.overstride.overstride_flag`.
    """

    flag: bool | None
    reasons: list[OverstrideReason]
    measured: list[str]


class Overstride(TypedDict):
    """``overstride``: landing and trunk metrics of the session (each only where measured)."""

    cadence: CadenceVsBaseline
    strike: NotRequired[StrikeShares]
    foot_strike_angle_deg: NotRequired[float | None]
    braking_mps: NotRequired[float | None]
    braking_share_pct: NotRequired[float | None]
    foot_ahead_m: NotRequired[float | None]
    shank_angle_ic_deg: NotRequired[float | None]
    impact_ms2: NotRequired[float | None]
    vertical_oscillation_m: NotRequired[float | None]
    vertical_ratio_pct: NotRequired[float | None]
    overstriding: OverstrideCheck


class SensorRecord(TypedDict):
    """``sensors.<stream>``: what a stream resolves.

    See :class:`gait.analysis.quality.sensor_limits.SensorLimits`.
    """

    name: str
    placement: str
    side: str | None
    rate_hz: float
    has_gyr: bool
    acc_range_g: float | None
    gyr_range_dps: float | None
    acc_saturated_pct: float
    gyr_saturated_pct: float
    resolution_ms: float | None
    confidence_factor: float


class InputCheckRecord(TypedDict):
    """``input_checks[]``: a finding about the input.

    See :class:`gait.analysis.quality.plausibility.Check`.
    """

    code: str
    stream: str | None
    message: str
    metrics: list[str]


class SessionSummary(TypedDict):
    """The step-table part of the summary (:func:`gait.analysis.summary.session_summary`)."""

    steps: int
    cadence_spm: float | None
    cadence_cv_pct: float | None
    gct_ms: GctBlock
    gct_balance_pct: float | None
    duty_factor: float | None
    flight_ms: float | None
    double_support_ms: float | None
    symmetry: dict[str, SymmetryEntry]
    symmetry_status: dict[str, str]
    asymmetry: list[AsymmetryEntry]
    drift: Drift
    contact_time_left_out: ContactTimeLeftOut | None
    windows: list[WindowRow]
    stride_length_m: NotRequired[float | None]


class RunSummary(SessionSummary):
    """``GaitResult.summary``: the session summary of :func:`gait.analyze`."""

    summary_version: int
    activity: str
    activity_steps: dict[str, int]
    overstride: Overstride
    speed_mps: float | None
    sources: dict[str, str]
    sensors: dict[str, SensorRecord]
    flags: list[str]
    input_checks: list[InputCheckRecord]
    units_inferred: dict[str, str]


class WatchRow(TypedDict):
    """``watch_comparison[]``: one metric, ours against the watch's, in the display unit."""

    name: str
    metric: str
    unit: str
    ours: float | None
    watch: float | None
    difference: float | None


class AnalyzeOutput(RunSummary, total=False):
    """What ``gait analyze --summary-json`` writes: the run summary and two CLI keys."""

    file: str
    watch_comparison: list[WatchRow]


class LiveBlock(TypedDict):
    """``live``: the live session behind a live report (:mod:`gait.apps.live.report`)."""

    steps: int
    cue_shift_s: float | None
    capture_shift_s: float


class LiveReportSummary(RunSummary):
    """The ``summary.json`` of a live session's report: the run summary and two live keys.

    Made by :func:`gait.apps.live.report.write_report` from the capture file (a session whose
    capture holds no gait data writes :meth:`gait.apps.outcome.SessionOutcome.summary`
    instead, without these keys).
    """

    live: LiveBlock
    gaps: dict[str, list[list[float]]]


#: (unit, meaning) of every key of every class above; ``docs/summary.md`` is made from it.
FIELD_DOCS: dict[type, dict[str, tuple[str, str]]] = {
    GctBlock: {
        "mean": ("ms", "mean over all steps"),
        "left": ("ms", "mean over the left steps"),
        "right": ("ms", "mean over the right steps"),
        "cv_pct": ("%", "coefficient of variation over all steps"),
    },
    SymmetryEntry: {
        "left": ("step table unit", "mean of the left steps, in the unit of the column <metric>"),
        "right": ("step table unit", "mean of the right steps, in the unit of the column <metric>"),
        "si_pct": ("%", "symmetry index (R − L) / (0.5 (R + L)) × 100"),
        "variability_pct": ("%", "within-limb variability: mean SD over the mean magnitude"),
        "cv_left_pct": ("%", "coefficient of variation, left"),
        "cv_right_pct": ("%", "coefficient of variation, right"),
        "n_left": ("count", "left steps with a value"),
        "n_right": ("count", "right steps with a value"),
        "asymmetry": ("", "true when |SI| exceeds the variability and the means differ by > 2 SE"),
        "longer": ("", "'left' or 'right': the side with the larger mean"),
    },
    AsymmetryEntry: {
        "metric": ("", "step-table column, as in symmetry"),
        "si_pct": ("%", "its symmetry index (symmetry.<metric>.si_pct)"),
        "longer": ("", "'left' or 'right'"),
    },
    DriftEntry: {
        "first": ("key's unit", "mean over the first part"),
        "last": ("key's unit", "mean over the last part"),
        "change": ("key's unit", "last − first"),
        "change_pct": ("%", "change relative to first; null when first is 0"),
    },
    Drift: {
        "n_per_part": ("count", "steps in each part (20 % of the steps, at least 5)"),
        "cadence_spm": ("steps/min", "cadence"),
        "gct_ms": ("ms", "ground contact time"),
        "duty_factor": ("fraction", "duty factor"),
        "flight_ms": ("ms", "flight time (runs)"),
        "double_support_ms": ("ms", "double support (walks)"),
        "gct_balance_pct": ("% left", "contact-time balance"),
        "foot_strike_angle_deg": ("deg", "foot strike angle (foot sensors)"),
        "vertical_oscillation_m": ("m", "vertical oscillation (trunk sensors)"),
        "braking_mps": ("m/s", "braking speed loss (trunk sensors)"),
        "impact_ms2": ("m/s²", "impact peak"),
        "speed_mps": ("m/s", "measured step speed (foot sensors)"),
    },
    ContactTimeLeftOut: {
        "steps": ("count", "steps whose contact time is left out (flag tc_uncertain)"),
        "of": ("count", "all steps"),
        "reason": ("", "why, in words"),
    },
    WindowRow: {
        "t_start_s": ("s", "first initial contact of the window, from the recording start"),
        "t_end_s": ("s", "last initial contact of the window"),
        "n_steps": ("count", "steps in the window"),
        "cadence_spm": ("steps/min", "cadence: 60 / mean step time"),
        "gct_ms": ("ms", "mean ground contact time"),
        "gct_left_ms": ("ms", "mean contact time, left"),
        "gct_right_ms": ("ms", "mean contact time, right"),
        "gct_balance_pct": ("% left", "contact-time balance"),
        "duty_factor": ("fraction", "mean duty factor"),
        "flight_ms": ("ms", "mean flight time; null in a walking window"),
        "double_support_ms": ("ms", "mean double support; null in a running window"),
        "gct_cv_pct": ("%", "coefficient of variation of contact time"),
        "stride_length_m": ("m", "mean stride length (foot sensors)"),
        "speed_mps": ("m/s", "mean measured step speed (foot sensors)"),
        "foot_strike_angle_deg": ("deg", "mean foot strike angle (foot sensors)"),
        "braking_mps": ("m/s", "mean braking speed loss (trunk sensors)"),
        "impact_ms2": ("m/s²", "mean impact peak"),
        "vertical_oscillation_m": ("m", "mean vertical oscillation (trunk sensors)"),
        "shank_angle_ic_deg": ("deg", "mean shank angle at contact (shank sensors)"),
    },
    CadenceVsBaseline: {
        "baseline_spm": ("steps/min", "the runner's own cadence at this speed; null without one"),
        "relative_pct": ("%", "session cadence relative to the baseline"),
    },
    StrikeShares: {
        "rear": ("fraction", "share of rearfoot strikes (angle > 8°)"),
        "mid": ("fraction", "share of midfoot strikes"),
        "fore": ("fraction", "share of forefoot strikes (angle < −1.6°)"),
        "n": ("count", "steps with a strike pattern"),
    },
    OverstrideReason: {
        "metric": ("", "metric-table name of the indicator"),
        "value": ("metric's unit", "the session value (deg or m/s)"),
        "threshold": ("metric's unit", "the threshold it exceeds"),
    },
    OverstrideCheck: {
        "flag": ("", "true: an indicator beyond its threshold; null: none measured"),
        "reasons": ("", "the indicators beyond their thresholds"),
        "measured": ("", "indicators checked (metric-table names)"),
    },
    Overstride: {
        "cadence": ("", "cadence against the runner's baseline"),
        "strike": ("", "strike pattern shares (foot sensors)"),
        "foot_strike_angle_deg": ("deg", "mean foot strike angle, + toes up (foot sensors)"),
        "braking_mps": ("m/s", "mean pelvis forward speed loss in stance (trunk sensors)"),
        "braking_share_pct": ("%", "mean share of stance spent braking (trunk sensors)"),
        "foot_ahead_m": ("m", "speed × mean braking time: foot landing ahead of the pelvis"),
        "shank_angle_ic_deg": ("deg", "mean shank angle from vertical at contact (shank)"),
        "impact_ms2": ("m/s²", "mean peak specific force within 30 ms of contact"),
        "vertical_oscillation_m": ("m", "mean pelvis vertical excursion per step (trunk)"),
        "vertical_ratio_pct": ("%", "vertical oscillation / step length × 100"),
        "overstriding": ("", "absolute overstriding check (no baseline needed)"),
    },
    SensorRecord: {
        "name": ("", "stream name"),
        "placement": ("", "foot, shank, sacrum or phone"),
        "side": ("", "left, right or null"),
        "rate_hz": ("Hz", "sample rate"),
        "has_gyr": ("", "true with a gyroscope"),
        "acc_range_g": ("g", "accelerometer full scale; null when unknown"),
        "gyr_range_dps": ("deg/s", "gyroscope full scale; null when unknown"),
        "acc_saturated_pct": ("%", "accelerometer samples at full scale"),
        "gyr_saturated_pct": ("%", "gyroscope samples at full scale"),
        "resolution_ms": ("ms", "time resolution of an event: one sample period"),
        "confidence_factor": ("", "factor on the confidence of the steps it timed, 0..1"),
    },
    InputCheckRecord: {
        "code": ("", "finding code, e.g. one_leg, acc_unit_suspect"),
        "stream": ("", "stream it concerns, or null"),
        "message": ("", "the finding in words"),
        "metrics": ("", "summary keys or metric names the finding makes wrong"),
    },
    SessionSummary: {
        "steps": ("count", "steps of the dominant activity (the summaries' steps)"),
        "cadence_spm": ("steps/min", "60 / mean step time"),
        "cadence_cv_pct": ("%", "coefficient of variation of the per-step cadence"),
        "gct_ms": ("ms", "ground contact time"),
        "gct_balance_pct": ("% left", "GCT_L / (GCT_L + GCT_R) × 100; null when withheld"),
        "duty_factor": ("fraction", "mean contact time / stride time"),
        "flight_ms": ("ms", "mean flight time; null for a walk"),
        "double_support_ms": ("ms", "mean double support; null for a run"),
        "symmetry": ("", "left/right comparison per step-table column <metric>"),
        "symmetry_status": ("", "<metric> → why its comparison is not shown"),
        "asymmetry": ("", "metrics flagged in symmetry (asymmetry true)"),
        "drift": ("", "first vs last part of the run"),
        "contact_time_left_out": ("", "contact times left out, or null"),
        "windows": ("", "per-window rows"),
        "stride_length_m": ("m", "mean stride length, same foot contact to contact (foot)"),
    },
    RunSummary: {
        "summary_version": ("", f"layout version, {SUMMARY_VERSION}"),
        "activity": ("", "dominant activity: run, walk or still"),
        "activity_steps": ("count", "<activity> → steps; their sum is every detected step"),
        "overstride": ("", "landing and trunk metrics, overstriding check"),
        "speed_mps": ("m/s", "session speed: belt or footpod, else median measured step speed"),
        "sources": ("", "<side> (left, right, trunk) → stream that timed it"),
        "sensors": ("", "<stream> → what it resolves"),
        "flags": ("", "quality flags of the session"),
        "input_checks": ("", "findings about the input"),
        "units_inferred": ("", "<stream> → units read from the signal"),
    },
    WatchRow: {
        "name": ("", "metric-table name"),
        "metric": ("", "its label"),
        "unit": ("", "its display unit"),
        "ours": ("display unit", "our session value"),
        "watch": ("display unit", "the watch's session value"),
        "difference": ("display unit", "ours − watch"),
    },
    AnalyzeOutput: {
        "file": ("", "the recording's file (gait analyze only)"),
        "watch_comparison": ("", "with --compare-fit: ours against the watch"),
    },
    LiveBlock: {
        "steps": ("count", "steps the live engine emitted during the session"),
        "cue_shift_s": (
            "s",
            "added to the live cue times (onto the report's clock); null: unknown",
        ),
        "capture_shift_s": ("s", "added to the capture's clock (onto the session's); 0: none"),
    },
    LiveReportSummary: {
        "live": ("", "the live session: its steps and the clock shifts"),
        # "gaps" predates the unit rule (it would be gaps_s); renaming it needs a version bump
        "gaps": ("s", "<stream> → [start, end] of each hole in the capture, on the report's clock"),
    },
}

#: Placeholder shown for the keys of a ``dict[str, ...]`` key in the docs.
KEY_PLACEHOLDERS: dict[str, str] = {
    "symmetry": "<metric>",
    "symmetry_status": "<metric>",
    "activity_steps": "<activity>",
    "sources": "<side>",
    "sensors": "<stream>",
    "units_inferred": "<stream>",
}


#: TypedDict → the TypedDict it extends (Python 3.11 keeps no record of it on the class).
_BASES: dict[type, type] = {
    RunSummary: SessionSummary,
    AnalyzeOutput: RunSummary,
    LiveReportSummary: RunSummary,
}


def field_docs(td: type) -> dict[str, tuple[str, str]]:
    """(unit, meaning) of every key of a summary TypedDict, its base's keys included.

    Parameters
    ----------
    td : type
        A class of this module.

    Returns
    -------
    dict of str to (str, str)
    """
    docs = field_docs(_BASES[td]) if td in _BASES else {}
    docs.update(FIELD_DOCS.get(td, {}))
    return docs


def _hints(td: type) -> dict[str, Any]:
    return typing.get_type_hints(td)


def _union_args(tp: Any) -> tuple[Any, ...] | None:
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return typing.get_args(tp)
    return None


def type_name(tp: Any) -> str:
    """JSON type of an annotation as the docs write it (``number or null``, ``list``...).

    Parameters
    ----------
    tp : Any
        An annotation of a summary TypedDict.

    Returns
    -------
    str
    """
    opts = _union_args(tp)
    if opts is not None:
        return " or ".join(type_name(o) for o in opts)
    if tp is type(None):
        return "null"
    if typing.is_typeddict(tp) or typing.get_origin(tp) is dict:
        return "object"
    if typing.get_origin(tp) is list:
        return "list"
    return {bool: "bool", int: "int", float: "number", str: "str"}.get(tp, "any")


def _rows(td: type, prefix: str, own: bool = False) -> list[str]:
    """Doc table rows of one TypedDict, its nested blocks after each key.

    With ``own``, only the keys ``td`` adds to the class it extends (:data:`_BASES`).
    """
    hints = _hints(td)
    docs = field_docs(td)
    rows = []
    for key, tp in hints.items():
        if own and key not in FIELD_DOCS[td]:
            continue
        path = f"{prefix}{key}"
        unit, meaning = docs[key]
        req = "yes" if key in td.__required_keys__ else "no"  # type: ignore[attr-defined]
        text = meaning.replace("|", "\\|").replace("<", "\\<")  # literal in markdown
        rows.append(f"| `{path}` | {type_name(tp)} | {unit or '—'} | {req} | {text} |")
        rows.extend(_nested_rows(tp, path, key))
    return rows


def _nested_rows(tp: Any, path: str, key: str) -> list[str]:
    """Rows of the blocks inside ``tp`` (a TypedDict, a dict of them, a list of them)."""
    opts = _union_args(tp)
    if opts is not None:
        inner = [o for o in opts if o is not type(None)]
        return _nested_rows(inner[0], path, key) if len(inner) == 1 else []
    if typing.is_typeddict(tp):
        return _rows(tp, path + ".")
    args = typing.get_args(tp)
    if typing.get_origin(tp) is dict and typing.is_typeddict(args[1]):
        return _rows(args[1], f"{path}.{KEY_PLACEHOLDERS[key]}.")
    if typing.get_origin(tp) is list and typing.is_typeddict(args[0]):
        return _rows(args[0], f"{path}[].")
    return []


def summary_markdown() -> str:
    """The summary contract as a markdown page (``docs/summary.md`` is this text).

    Returns
    -------
    str
        A title, the unit rule, one row per key path of :class:`AnalyzeOutput`, then one per
        key path :class:`LiveReportSummary` adds to the run summary.
    """
    rule = (__doc__ or "").split("Unit rule\n---------\n", 1)[1].split("\n\nStored", 1)[0]
    lines = [
        "# Run summary",
        "",
        "`GaitResult.summary` (`gait analyze --summary-json`). Generated from the TypedDicts in",
        "`gait/contract/summary_types.py` by `python -m gait.contract.summary_types`; "
        "a test checks that this page",
        "matches and that `gait.analyze` returns exactly these keys and types on the samples.",
        f"Layout version {SUMMARY_VERSION} (`summary_version`); older stored summaries are",
        "upgraded when read (`gait.contract.summary_types.upgrade_summary`).",
        "",
        "## Unit rule",
        "",
        rule.strip(),
        "",
        "## Keys",
        "",
        "Required: always present when the enclosing block is. `<metric>`, `<stream>` ...: one",
        "key per metric, stream ...; `[]`: each element of a list. Units as the rule says; a",
        "dimensionless value shows —.",
        "",
        "| key | type | unit | required | meaning |",
        "|---|---|---|---|---|",
        *_rows(AnalyzeOutput, ""),
        "",
        "## Live report",
        "",
        "The `summary.json` of a live session's report (`gait live`) is the run summary above",
        "(without `file` and `watch_comparison`) and these keys",
        "(`gait.contract.summary_types.LiveReportSummary`).",
        "",
        "| key | type | unit | required | meaning |",
        "|---|---|---|---|---|",
        *_rows(LiveReportSummary, "", own=True),
    ]
    return "\n".join(lines) + "\n"


def _scalar_ok(value: Any, tp: Any) -> bool:
    if tp is Any:
        return True
    if tp is type(None):
        return value is None
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:  # JSON does not tell 3 from 3.0
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    return False


def summary_problems(value: Any, tp: Any = RunSummary, path: str = "") -> list[str]:
    """Where ``value`` differs from the declared summary type (missing, extra or mistyped keys).

    Parameters
    ----------
    value : Any
        A summary (or part of one), as :func:`gait.analyze` returns it or JSON reads it.
    tp : Any
        The annotation it should match; default :class:`RunSummary`.
    path : str
        Key path of ``value``, for the messages.

    Returns
    -------
    list of str
        One line per difference; empty when ``value`` matches.
    """
    opts = _union_args(tp)
    if opts is not None:
        tries = [summary_problems(value, o, path) for o in opts]
        return [] if any(not t for t in tries) else min(tries, key=len)
    if typing.is_typeddict(tp):
        if not isinstance(value, Mapping):
            return [f"{path or 'summary'}: {type(value).__name__}, not an object"]
        hints = _hints(tp)
        out = [f"{path}{k}: missing" for k in tp.__required_keys__ if k not in value]
        out += [f"{path}{k}: not documented" for k in value if k not in hints]
        for k, v in value.items():
            if k in hints:
                out += summary_problems(v, hints[k], f"{path}{k}.")
        return out
    origin = typing.get_origin(tp)
    if origin is dict:
        if not isinstance(value, Mapping):
            return [f"{path.rstrip('.')}: not an object"]
        vt = typing.get_args(tp)[1]
        return [p for k, v in value.items() for p in summary_problems(v, vt, f"{path}{k}.")]
    if origin is list:
        if not isinstance(value, list):
            return [f"{path.rstrip('.')}: not a list"]
        et = typing.get_args(tp)[0]
        return [p for i, v in enumerate(value) for p in summary_problems(v, et, f"{path}[{i}].")]
    if _scalar_ok(value, tp):
        return []
    return [f"{path.rstrip('.')}: {value!r} is not {type_name(tp)}"]


# ---------------------------------------------------------------------------------------
# Version 1 → 2

#: Version-1 drift and window keys → version 2 (the unit suffix added).
_V1_SUFFIXED: dict[str, str] = {
    "cadence": "cadence_spm",
    "stride_length": "stride_length_m",
    "speed": "speed_mps",
    "foot_strike_angle": "foot_strike_angle_deg",
    "braking": "braking_mps",
    "impact": "impact_ms2",
    "vertical_oscillation": "vertical_oscillation_m",
    "shank_angle_ic": "shank_angle_ic_deg",
    "t_start": "t_start_s",
    "t_end": "t_end_s",
}
#: Version-1 top-level keys that repeated a value kept elsewhere (version 2 drops them).
_V1_DROPPED: frozenset[str] = frozenset(
    {
        "steps_total",  # the sum of activity_steps
        "speed",  # speed_mps is the session speed
        "symmetry_index",  # symmetry.<metric>.si_pct
        "foot_strike_angle",  # overstride.foot_strike_angle_deg
        "braking",  # overstride.braking_mps
        "impact",  # overstride.impact_ms2
        "shank_angle_ic",  # overstride.shank_angle_ic_deg
    }
)
#: Flattened version-1 names (history's metric rows) → version 2; None: dropped duplicate.
_V1_FLAT: dict[str, str | None] = {
    **dict.fromkeys(_V1_DROPPED - {"symmetry_index"}),
    "stride_length": "stride_length_m",
    "vertical_oscillation": "overstride.vertical_oscillation_m",
    "overstride.vertical_oscillation_cm": None,  # the same value as vertical_oscillation, in cm
    "overstride.cadence.spm": None,  # cadence_spm
    "overstride.cadence.speed_mps": None,  # speed_mps
    "vertical_ratio_pct": "overstride.vertical_ratio_pct",  # a watch summary's
}


def is_gait_summary(summary: Mapping[str, Any]) -> bool:
    """True for a gait run summary (not a balance or other session summary).

    Parameters
    ----------
    summary : mapping
        A stored summary.

    Returns
    -------
    bool
    """
    return "gct_ms" in summary and "cadence_spm" in summary


def _upgrade_overstride(old: Mapping[str, Any], vo_m: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in old.items():
        if k == "cadence" and isinstance(v, Mapping):
            out[k] = {c: x for c, x in v.items() if c not in ("spm", "speed_mps")}
        elif k == "vertical_oscillation_cm":
            cm = v / 100.0 if isinstance(v, int | float) and not isinstance(v, bool) else v
            out["vertical_oscillation_m"] = vo_m if vo_m is not None else cm
        else:
            out[k] = v
    return out


def _upgrade_watch(old: Mapping[str, Any]) -> dict[str, Any]:
    """A version-1 watch summary (:func:`gait.apps.watch.watch_summary`): its trunk values moved."""
    new: dict[str, Any] = {"summary_version": SUMMARY_VERSION}
    over: dict[str, Any] = {}
    for k, v in old.items():
        if k == "vertical_oscillation_cm":
            num = isinstance(v, int | float) and not isinstance(v, bool)
            over["vertical_oscillation_m"] = v / 100.0 if num else v
        elif k == "vertical_ratio_pct":
            over[k] = v
        elif k == "source":
            new["sources"] = {"watch": v}
        else:
            new[k] = v
    new["overstride"] = over
    return new


def upgrade_summary(old: Mapping[str, Any]) -> dict[str, Any]:
    """A stored summary in the current layout (:data:`SUMMARY_VERSION`).

    Version 1 (no ``summary_version``) repeated values and had keys without units; they are
    renamed or dropped as the module docstring says. A summary of the current version, or
    not a gait summary (balance, watch), is returned as a copy.

    Parameters
    ----------
    old : mapping
        A summary as stored (``summary.json``, history, a pending file).

    Returns
    -------
    dict
        The same values under the current keys, with ``summary_version``.
    """
    if old.get("summary_version") is not None or not is_gait_summary(old):
        return dict(old)
    if old.get("source") == "watch":
        return _upgrade_watch(old)
    new: dict[str, Any] = {"summary_version": SUMMARY_VERSION}
    for k, v in old.items():
        if k in _V1_DROPPED or k == "vertical_oscillation":
            continue
        if k == "stride_length":
            new["stride_length_m"] = v
        elif k == "drift" and isinstance(v, Mapping):
            new[k] = {_V1_SUFFIXED.get(m, m): e for m, e in v.items()}
        elif k == "windows" and isinstance(v, list):
            new[k] = [
                {_V1_SUFFIXED.get(c, c): x for c, x in row.items()}
                if isinstance(row, Mapping)
                else row
                for row in v
            ]
        elif k == "overstride" and isinstance(v, Mapping):
            new[k] = _upgrade_overstride(v, old.get("vertical_oscillation"))
        else:
            new[k] = v
    return new


def upgrade_metric_name(name: str) -> str | None:
    """The current name of a flattened summary key stored by version 1 (history's metrics).

    Parameters
    ----------
    name : str
        A dotted key as :func:`gait.apps.history.store.flatten_metrics` made it, e.g.
        ``drift.cadence.change``.

    Returns
    -------
    str or None
        The current name (``drift.cadence_spm.change``); the name itself when it did not
        change; None for a dropped duplicate (``steps_total``, ``symmetry_index.gct``).
    """
    if name in _V1_FLAT:
        return _V1_FLAT[name]
    if name.startswith("symmetry_index."):
        return None
    parts = name.split(".")
    if len(parts) == 3 and parts[0] == "drift" and parts[1] in _V1_SUFFIXED:
        return f"drift.{_V1_SUFFIXED[parts[1]]}.{parts[2]}"
    return name


def legacy_metric_names(name: str) -> list[str]:
    """Flattened version-1 names whose values are now saved as ``name``.

    Parameters
    ----------
    name : str
        A current flattened key, e.g. ``stride_length_m``.

    Returns
    -------
    list of str
        E.g. ``["stride_length"]``; empty when the name did not change.
    """
    old = [k for k, v in _V1_FLAT.items() if v == name]
    parts = name.split(".")
    if len(parts) == 3 and parts[0] == "drift":
        old += [f"drift.{k}.{parts[2]}" for k, v in _V1_SUFFIXED.items() if v == parts[1]]
    return old


if __name__ == "__main__":  # docs/summary.md
    print(summary_markdown(), end="")

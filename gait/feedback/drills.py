"""Drills defined in data: :func:`load_drills` reads them from TOML.

A drill (``cadence``, ``overstride``, ``symmetry``, ``easy_pace`` ...) is a list of
checks; each check watches one rolling metric against a target band (absolute, or
relative to the runner's baseline) and carries the cue texts. The defaults ship as
``gait/feedback/drills.toml``; a coach adds or tunes one by editing a copy of it.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from gait.contract.errors import InputFileError
from gait.contract.metric_defs import METRICS
from gait.feedback.metrics import METRIC_UNITS


class DrillFileError(InputFileError):
    """A drills TOML file is malformed or names an unknown metric."""


@dataclass(frozen=True)
class Check:
    """One metric of a drill watched against a target band.

    Parameters
    ----------
    metric : str
        Rolling metric name (a key of :data:`gait.feedback.metrics.METRIC_UNITS`).
    low, high : float
        Target band, in metric units (absolute) or as factors of the baseline
        (``relative``); ``nan`` means no bound on that side.
    relative : bool
        True when ``low``/``high`` multiply the runner's baseline of the metric.
    tolerance : float
        Hysteresis in metric units: a cue starts beyond ``band ± tolerance`` and stops
        back inside the band.
    hold : float
        Seconds a new state must persist before the cue changes.
    cues : dict of str to str
        Texts for the states ``low``, ``high`` and ``ok`` (format placeholders
        ``{value} {target} {low} {high} {baseline}``).
    scale : float, optional
        Display factor applied to numbers in the texts; default the metric's display
        scale in :mod:`gait.contract.metric_defs` (100 for a share shown in %, 1000 for s → ms).
    gate : str or None
        Optional metric that must reach ``gate_min`` for a warning to start or stay
        (e.g. asymmetry larger than within-limb variability; docs/metrics.md).
    gate_min : float
        Threshold of ``gate``.
    """

    metric: str
    low: float = math.nan
    high: float = math.nan
    relative: bool = False
    tolerance: float = 0.0
    hold: float = 3.0
    cues: dict[str, str] = field(default_factory=dict)
    scale: float = math.nan
    gate: str | None = None
    gate_min: float = 0.0

    def __post_init__(self) -> None:
        # one scale per metric: unless a coach overrides it, the metric table's
        if math.isnan(self.scale):
            d = METRICS.get(self.metric)
            object.__setattr__(self, "scale", d.scale if d is not None else 1.0)

    def band(self, baseline: float | None) -> tuple[float, float] | None:
        """Absolute target band ``(low, high)`` in metric units (nan = unbounded).

        Parameters
        ----------
        baseline : float or None
            The runner's baseline of the metric (metric units); needed when relative.

        Returns
        -------
        tuple of float or None
            None when the check has no band (none shipped and none given) or is relative
            and no baseline is known yet: such a check judges nothing.
        """
        if math.isnan(self.low) and math.isnan(self.high):
            return None
        if not self.relative:
            return (self.low, self.high)
        if baseline is None or not math.isfinite(baseline):
            return None
        return (self.low * baseline, self.high * baseline)


@dataclass(frozen=True)
class Drill:
    """A named drill: one or more :class:`Check` plus presentation fields.

    Parameters
    ----------
    name : str
        Identifier (``cadence``, ``overstride`` ...).
    title : str
        Short human title.
    checks : tuple of Check
        What the drill watches.
    description : str
        One-line explanation for the page and report.
    metronome : bool
        True when a metronome should click at the target cadence during this drill.
    """

    name: str
    title: str
    checks: tuple[Check, ...]
    description: str = ""
    metronome: bool = False

    def with_target(self, metric: str, low: float, high: float, *, relative: bool = False) -> Drill:
        """A copy whose check on ``metric`` has a new band (e.g. a fixed cadence 170–176).

        Parameters
        ----------
        metric : str
            The check to change.
        low, high : float
            New bounds (metric units, or baseline factors when ``relative``).
        relative : bool
            Whether the new bounds are factors of the baseline.

        Returns
        -------
        Drill
            The tuned drill; raises KeyError when the drill has no such check.
        """
        if not any(c.metric == metric for c in self.checks):
            raise KeyError(f"drill {self.name!r} has no check on {metric!r}")
        checks = tuple(
            replace(c, low=float(low), high=float(high), relative=relative)
            if c.metric == metric
            else c
            for c in self.checks
        )
        return replace(self, checks=checks)


def _float(v: Any, where: str, path: Path) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise DrillFileError(path, f"{where}: expected a number, got {v!r}")
    return float(v)


def _check(raw: dict[str, Any], where: str, path: Path) -> Check:
    metric = raw.get("metric")
    if metric not in METRIC_UNITS:
        raise DrillFileError(
            path, f"{where}: unknown metric {metric!r}; known: {', '.join(METRIC_UNITS)}"
        )
    target = raw.get("target")
    if target is None:
        # No shipped band: the runner must give one (e.g. --pace-band); until then the check
        # judges nothing, so it needs both cue texts ready.
        low = high = math.nan
        missing = [k for k in ("low", "high") if k not in raw]
        if missing:
            raise DrillFileError(
                path, f"{where}: a check without target needs 'low' and 'high' cue texts"
            )
    elif not isinstance(target, list) or len(target) != 2:
        raise DrillFileError(path, f"{where}: target must be [low, high] (use nan for no bound)")
    else:
        low, high = (_float(v, f"{where}.target", path) for v in target)
        if math.isnan(low) and math.isnan(high):
            raise DrillFileError(
                path, f"{where}: target needs at least one bound (or leave target out)"
            )
    if not (math.isnan(low) or math.isnan(high)) and low > high:
        raise DrillFileError(path, f"{where}: target low {low} is above high {high}")
    cues: dict[str, str] = {k: str(raw[k]) for k in ("low", "high", "ok") if k in raw}
    if not math.isnan(low) and "low" not in cues:
        raise DrillFileError(path, f"{where}: has a low bound but no 'low' cue text")
    if not math.isnan(high) and "high" not in cues:
        raise DrillFileError(path, f"{where}: has a high bound but no 'high' cue text")
    tolerance = _float(raw.get("tolerance", 0.0), f"{where}.tolerance", path)
    hold = _float(raw.get("hold", 3.0), f"{where}.hold", path)
    if tolerance < 0 or hold < 0:
        raise DrillFileError(path, f"{where}: tolerance and hold must be >= 0")
    gate = raw.get("gate")
    if gate is not None and gate not in METRIC_UNITS:
        raise DrillFileError(path, f"{where}: unknown gate metric {gate!r}")
    return Check(
        gate=gate,
        gate_min=_float(raw.get("gate_min", 0.0), f"{where}.gate_min", path),
        metric=str(metric),
        low=low,
        high=high,
        relative=bool(raw.get("relative", False)),
        tolerance=tolerance,
        hold=hold,
        cues=cues,
        scale=_float(raw.get("scale", METRICS[str(metric)].scale), f"{where}.scale", path),
    )


def parse_drills(data: dict[str, Any], path: Path) -> dict[str, Drill]:
    """Drills from parsed TOML ``data`` (``path`` only names the source in errors).

    Parameters
    ----------
    data : dict
        Parsed TOML with a ``drill`` array of tables.
    path : Path
        Source file, for error messages.

    Returns
    -------
    dict of str to Drill
        In file order, keyed by name.
    """
    raw_drills = data.get("drill")
    if not isinstance(raw_drills, list) or not raw_drills:
        raise DrillFileError(path, "no [[drill]] tables")
    out: dict[str, Drill] = {}
    for i, raw in enumerate(raw_drills):
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise DrillFileError(path, f"drill #{i + 1}: missing 'name'")
        if name in out:
            raise DrillFileError(path, f"drill {name!r} defined twice")
        raw_checks = raw.get("check")
        if not isinstance(raw_checks, list) or not raw_checks:
            raise DrillFileError(path, f"drill {name!r}: no [[drill.check]] tables")
        checks = tuple(
            _check(c, f"drill {name!r} check #{j + 1}", path) for j, c in enumerate(raw_checks)
        )
        out[name] = Drill(
            name=name,
            title=str(raw.get("title", name)),
            checks=checks,
            description=str(raw.get("description", "")),
            metronome=bool(raw.get("metronome", False)),
        )
    return out


@dataclass(frozen=True)
class CoachSettings:
    """What a coach asked for: which drills, and the targets or baselines they use.

    Every field may come from a drills file's ``[coach]`` table or the command line (the
    command line wins, see :meth:`merged`). Nothing is judged that is not asked for here or
    known: a check without a band (``easy_pace`` without ``pace_band``) stays silent.

    Parameters
    ----------
    drills : tuple of str or None
        Drills to run, in priority order (None: the caller's default).
    cadence_target : tuple of float or None
        Fixed cadence band, steps/min; replaces the relative +5–10 % band (no learning).
    baseline_cadence : float or None
        The runner's usual cadence, steps/min; the relative band uses it (no learning).
    pace_band : tuple of float or None
        Easy-pace band, m/s; without it ``easy_pace`` judges nothing.
    baseline_s : float or None
        Seconds at the start used to learn baselines not given (None: 60 s).
    """

    drills: tuple[str, ...] | None = None
    cadence_target: tuple[float, float] | None = None
    baseline_cadence: float | None = None
    pace_band: tuple[float, float] | None = None
    baseline_s: float | None = None

    def merged(self, override: CoachSettings) -> CoachSettings:
        """These settings with every field ``override`` sets replacing ours."""
        return CoachSettings(
            **{
                k: getattr(override, k) if getattr(override, k) is not None else getattr(self, k)
                for k in ("drills", "cadence_target", "baseline_cadence", "pace_band", "baseline_s")
            }
        )


def _band_setting(v: Any, key: str, path: Path) -> tuple[float, float]:
    if not isinstance(v, list) or len(v) != 2:
        raise DrillFileError(path, f"[coach] {key} must be [low, high]")
    lo, hi = (_float(x, f"[coach] {key}", path) for x in v)
    if not 0 < lo <= hi:
        raise DrillFileError(path, f"[coach] {key}: need 0 < low <= high, got [{lo:g}, {hi:g}]")
    return lo, hi


def parse_coach(data: dict[str, Any], path: Path) -> CoachSettings:
    """The ``[coach]`` table of parsed drills TOML (empty settings when absent).

    Parameters
    ----------
    data : dict
        Parsed TOML.
    path : Path
        Source file, for error messages.

    Returns
    -------
    CoachSettings
    """
    raw = data.get("coach", {})
    if not isinstance(raw, dict):
        raise DrillFileError(path, "[coach] must be a table")
    unknown = set(raw) - {"drills", "cadence_target", "baseline_cadence", "pace_band", "baseline_s"}
    if unknown:
        raise DrillFileError(path, f"[coach]: unknown key(s) {', '.join(sorted(unknown))}")
    names = raw.get("drills")
    if names is not None and (
        not isinstance(names, list) or not all(isinstance(n, str) for n in names)
    ):
        raise DrillFileError(path, "[coach] drills must be a list of drill names")
    base = raw.get("baseline_cadence")
    base_s = raw.get("baseline_s")
    return CoachSettings(
        drills=None if names is None else tuple(names),
        cadence_target=None
        if "cadence_target" not in raw
        else _band_setting(raw["cadence_target"], "cadence_target", path),
        baseline_cadence=None if base is None else _float(base, "[coach] baseline_cadence", path),
        pace_band=None
        if "pace_band" not in raw
        else _band_setting(raw["pace_band"], "pace_band", path),
        baseline_s=None if base_s is None else _float(base_s, "[coach] baseline_s", path),
    )


def coach_drills(
    drills: dict[str, Drill], settings: CoachSettings, default: tuple[str, ...] | None = None
) -> tuple[dict[str, Drill], dict[str, float]]:
    """The drills to run and the known baselines, as ``settings`` ask.

    Parameters
    ----------
    drills : dict of str to Drill
        Available drills.
    settings : CoachSettings
        What was asked for.
    default : tuple of str, optional
        Drills when ``settings.drills`` is None (None: all of ``drills``).

    Returns
    -------
    drills : dict of str to Drill
        Selected drills with the asked targets (cadence band, pace band) set.
    baseline : dict of str to float
        Baselines given (metric units), e.g. ``{"cadence": 165.0}``; these are not learned.

    Raises
    ------
    GaitError
        An unknown drill name, or an option whose drill is not selected.
    """
    from gait.contract.errors import GaitError

    names = settings.drills if settings.drills is not None else (default or tuple(drills))
    unknown = [d for d in names if d not in drills]
    if unknown:
        raise GaitError(f"unknown drill(s) {', '.join(unknown)}; have {', '.join(drills)}")
    out = {k: drills[k] for k in names}
    if settings.cadence_target is not None and "cadence" in out:
        out["cadence"] = out["cadence"].with_target("cadence", *settings.cadence_target)
    if settings.pace_band is not None:
        for k, d in out.items():
            if any(c.metric == "speed" for c in d.checks):
                out[k] = d.with_target("speed", *settings.pace_band)
    baseline = (
        {} if settings.baseline_cadence is None else {"cadence": float(settings.baseline_cadence)}
    )
    return out, baseline


def load_coach(path: str | Path | None = None) -> tuple[dict[str, Drill], CoachSettings]:
    """Drills and the ``[coach]`` settings of a drills file (None: the shipped one).

    Parameters
    ----------
    path : str or Path, optional
        A drills TOML file.

    Returns
    -------
    drills : dict of str to Drill
    settings : CoachSettings
    """
    where, data = _read_toml(path)
    return parse_drills(data, where), parse_coach(data, where)


def load_drills(path: str | Path | None = None) -> dict[str, Drill]:
    """Load drills from a TOML file, or the defaults shipped with the package.

    Parameters
    ----------
    path : str or Path, optional
        A drills TOML file (same layout as the shipped ``drills.toml``); None loads
        the defaults.

    Returns
    -------
    dict of str to Drill
        Drills keyed by name, in file order.

    Raises
    ------
    DrillFileError
        When the file is not valid TOML or a drill is malformed (names the file and,
        for TOML syntax errors, the line).
    """
    return load_coach(path)[0]


def _read_toml(path: str | Path | None) -> tuple[Path, dict[str, Any]]:
    """The file's path and parsed TOML (the shipped drills when ``path`` is None)."""
    if path is None:
        src = resources.files("gait.feedback").joinpath("drills.toml")
        where = Path(str(src))
        try:
            text = src.read_text(encoding="utf-8")
        except OSError as exc:  # an install that left out the package data
            raise DrillFileError(
                where, "the default drills file is missing from this installation"
            ) from exc
    else:
        where = Path(path)
        try:
            text = where.read_text(encoding="utf-8")
        except OSError as exc:
            raise DrillFileError(where, f"cannot read: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno attribute; the message carries it.
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        raise DrillFileError(where, f"not valid TOML: {exc}", line=line) from exc
    return where, data

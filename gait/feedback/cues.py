"""The cue engine: a pure state machine from rolling metrics to cue events.

Fed with ``(t, metrics)`` samples (per step or per tick), it keeps one state per drill
check (``unknown``, ``ok``, ``low``, ``high``) and emits a :class:`CueEvent` only when a
state changes. Two mechanisms keep cues from flickering:

* hysteresis: a cue starts when the value is beyond the band by more than the check's
  tolerance, and stops only once the value is back inside the band;
* minimum hold: a new state must persist for ``hold`` seconds before it is taken, so
  two changes of one check are always at least ``hold`` seconds apart.

No clocks, threads or I/O inside: the same engine runs live and in offline replay.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from gait.contract.metric_defs import METRICS
from gait.feedback.drills import Check, Drill
from gait.feedback.metrics import DEFAULT_WINDOW, metrics_table

#: Longest gap between samples (s) still counted towards time-in-band.
MAX_GAP_S = 5.0


@dataclass(frozen=True)
class CueEvent:
    """A change of one drill check.

    Attributes
    ----------
    t : float
        Session time of the change, s.
    drill : str
        Drill name.
    metric : str
        The check's metric.
    state : {'low', 'high', 'ok'}
        New state.
    text : str
        The cue text to show or speak.
    level : {'warn', 'ok'}
        ``warn`` while out of the band, ``ok`` when back in it.
    value : float
        Metric value at the change (metric units).
    """

    t: float
    drill: str
    metric: str
    state: str
    text: str
    level: str
    value: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


@dataclass
class _CheckState:
    drill: Drill
    check: Check
    state: str = "unknown"
    pending: str | None = None
    pending_since: float = 0.0
    value: float = math.nan
    last_t: float | None = None
    last_in_band: bool | None = None
    in_band_s: float = 0.0
    total_s: float = 0.0
    since: float = 0.0


def _fmt(
    template: str,
    check: Check,
    state: str,
    value: float,
    band: tuple[float, float],
    baseline: float | None,
) -> str:
    lo, hi = band
    if state == "low":
        target = lo
    elif state == "high":
        target = hi
    else:
        target = (
            (lo + hi) / 2
            if math.isfinite(lo) and math.isfinite(hi)
            else (lo if math.isfinite(lo) else hi)
        )
    s = check.scale
    d = METRICS.get(check.metric)
    try:
        return template.format(
            value=value * s,
            target=target * s,
            low=lo * s,
            high=hi * s,
            baseline=(baseline if baseline is not None else math.nan) * s,
            unit=d.display_unit if d is not None else "",
            label=d.label if d is not None else check.metric,
        )
    except (KeyError, IndexError, ValueError):
        return template  # a coach's typo in a placeholder must not stop the session


def _zone(v: float, band: tuple[float, float], tol: float, state: str) -> str:
    lo, hi = band
    # Once out of the band, stay out until the value is back inside the band proper.
    if state == "low" and not math.isnan(lo) and v < lo:
        return "low"
    if state == "high" and not math.isnan(hi) and v > hi:
        return "high"
    if not math.isnan(lo) and v < lo - tol:
        return "low"
    if not math.isnan(hi) and v > hi + tol:
        return "high"
    return "ok"


def _in_band(v: float, band: tuple[float, float]) -> bool:
    lo, hi = band
    return (math.isnan(lo) or v >= lo) and (math.isnan(hi) or v <= hi)


class CueEngine:
    """Turn rolling metrics into cue events for a set of drills.

    Parameters
    ----------
    drills : iterable of Drill or mapping of name to Drill
        Active drills, in priority order (the first active warning is the current cue).
    baseline : mapping of str to float, optional
        The runner's baseline per metric (metric units) for relative targets, e.g.
        ``{"cadence": 164.0}``. Metrics without one are learned as the median over the
        first ``baseline_s`` seconds of valid values.
    baseline_s : float
        Length of the baseline-learning period, s.
    ok_show_s : float
        How long an ``ok`` message stays the current cue after a warning clears, s.
    """

    def __init__(
        self,
        drills: Iterable[Drill] | Mapping[str, Drill],
        *,
        baseline: Mapping[str, float] | None = None,
        baseline_s: float = 60.0,
        ok_show_s: float = 5.0,
    ) -> None:
        ds = list(drills.values()) if isinstance(drills, Mapping) else list(drills)
        self.drills: list[Drill] = ds
        self.baseline: dict[str, float] = {k: float(v) for k, v in (baseline or {}).items()}
        self.baseline_s = float(baseline_s)
        self.ok_show_s = float(ok_show_s)
        self.events: list[CueEvent] = []
        self._checks = [_CheckState(d, c) for d in ds for c in d.checks]
        self._learn_t0: dict[str, float] = {}
        self._learn: dict[str, list[float]] = {}
        self._t = -math.inf

    # -- feeding -----------------------------------------------------------------------
    def _learn_baseline(self, t: float, metrics: Mapping[str, Any]) -> None:
        wanted = {cs.check.metric for cs in self._checks if cs.check.relative} - set(self.baseline)
        for m in wanted:
            v = metrics.get(m)
            if v is None or not math.isfinite(float(v)):
                continue
            t0 = self._learn_t0.setdefault(m, t)
            vals = self._learn.setdefault(m, [])
            if t - t0 < self.baseline_s:
                vals.append(float(v))
            elif vals:
                self.baseline[m] = float(np.median(vals))
                del self._learn[m]

    def update(self, t: float, metrics: Mapping[str, Any]) -> list[CueEvent]:
        """Feed one sample of metrics; return the cue events it causes.

        Parameters
        ----------
        t : float
            Session time, s (non-decreasing; earlier samples are ignored).
        metrics : mapping
            Metric name to value in metric units; None or NaN means not measured now
            (the check keeps its state).

        Returns
        -------
        list of CueEvent
            State changes at this sample, possibly empty.
        """
        t = float(t)
        if t < self._t:
            return []
        self._t = t
        self._learn_baseline(t, metrics)
        out: list[CueEvent] = []
        for cs in self._checks:
            raw = metrics.get(cs.check.metric)
            v = float(raw) if raw is not None else math.nan
            band = cs.check.band(self.baseline.get(cs.check.metric))
            if band is None or not math.isfinite(v):
                cs.last_t = None  # a gap: do not count it as time in or out of band
                continue
            cs.value = v
            # Time in band: the interval since the previous sample counts with that sample.
            if (
                cs.last_t is not None
                and cs.last_in_band is not None
                and 0 <= t - cs.last_t <= MAX_GAP_S
            ):
                cs.total_s += t - cs.last_t
                if cs.last_in_band:
                    cs.in_band_s += t - cs.last_t
            cs.last_t, cs.last_in_band = t, _in_band(v, band)
            zone = _zone(v, band, cs.check.tolerance, cs.state)
            if zone != "ok" and cs.check.gate is not None:
                g = metrics.get(cs.check.gate)
                # An unmeasured or too-small gate means "not significant": no warning.
                if g is None or not math.isfinite(float(g)) or float(g) < cs.check.gate_min:
                    zone = "ok"
            if cs.state == "unknown" and zone == "ok":
                cs.state, cs.pending, cs.since = "ok", None, t  # silent start: nothing to say
                continue
            if zone == cs.state:
                cs.pending = None
                continue
            if cs.pending != zone:
                cs.pending, cs.pending_since = zone, t
            if t - cs.pending_since >= cs.check.hold:
                out.append(self._change(cs, zone, t, v, band))
        self.events.extend(out)
        return out

    def _change(
        self, cs: _CheckState, zone: str, t: float, v: float, band: tuple[float, float]
    ) -> CueEvent:
        cs.state, cs.pending, cs.since = zone, None, t
        tmpl = cs.check.cues.get(zone, "")
        text = (
            _fmt(tmpl, cs.check, zone, v, band, self.baseline.get(cs.check.metric)) if tmpl else ""
        )
        return CueEvent(
            t=t,
            drill=cs.drill.name,
            metric=cs.check.metric,
            state=zone,
            text=text,
            level="ok" if zone == "ok" else "warn",
            value=v,
        )

    # -- reading -----------------------------------------------------------------------
    def active(self) -> list[CueEvent]:
        """The warnings in force now, in drill priority order.

        Each carries the time its warning started and a text re-rendered with the
        metric's latest value, so a shown cue stays current without changing state.
        """
        out = []
        for cs in self._checks:
            if cs.state not in ("low", "high"):
                continue
            band = cs.check.band(self.baseline.get(cs.check.metric))
            tmpl = cs.check.cues.get(cs.state, "")
            text = (
                _fmt(tmpl, cs.check, cs.state, cs.value, band, self.baseline.get(cs.check.metric))
                if tmpl and band is not None
                else tmpl
            )
            out.append(
                CueEvent(
                    t=cs.since,
                    drill=cs.drill.name,
                    metric=cs.check.metric,
                    state=cs.state,
                    text=text,
                    level="warn",
                    value=cs.value,
                )
            )
        return out

    def current(self) -> CueEvent | None:
        """The cue to show now: the first active warning, else a recent ``ok`` message."""
        act = self.active()
        if act:
            return act[0]
        if (
            self.events
            and self.events[-1].level == "ok"
            and self._t - self.events[-1].t <= self.ok_show_s
        ):
            return self.events[-1]
        return None

    def band(self, metric: str) -> tuple[float, float] | None:
        """Absolute target band of the first check on ``metric`` (None if unknown yet)."""
        for cs in self._checks:
            if cs.check.metric == metric:
                return cs.check.band(self.baseline.get(metric))
        return None

    def metronome_spm(self) -> float | None:
        """Metronome tempo (steps/min): middle of the cadence band of a metronome drill."""
        for cs in self._checks:
            if cs.drill.metronome and cs.check.metric == "cadence":
                band = cs.check.band(self.baseline.get("cadence"))
                if band is None:
                    return None
                lo, hi = band
                if math.isfinite(lo) and math.isfinite(hi):
                    return (lo + hi) / 2
                return lo if math.isfinite(lo) else (hi if math.isfinite(hi) else None)
        return None

    def state(self) -> list[dict[str, Any]]:
        """JSON-ready drill state: per drill, each check's state, band, value and time in band."""

        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        out: list[dict[str, Any]] = []
        for d in self.drills:
            checks = []
            for cs in self._checks:
                if cs.drill is not d:
                    continue
                band = cs.check.band(self.baseline.get(cs.check.metric))
                checks.append(
                    {
                        "metric": cs.check.metric,
                        "state": cs.state,
                        "band": None if band is None else [num(band[0]), num(band[1])],
                        "value": num(cs.value),
                        "scale": cs.check.scale,
                        "time_in_band_s": cs.in_band_s,
                        "time_s": cs.total_s,
                        "time_in_band_pct": num(100.0 * cs.in_band_s / cs.total_s)
                        if cs.total_s > 0
                        else None,
                    }
                )
            out.append({"name": d.name, "title": d.title, "checks": checks})
        return out


def replay_cues(
    steps: pd.DataFrame,
    drills: Iterable[Drill] | Mapping[str, Drill],
    *,
    baseline: Mapping[str, float] | None = None,
    baseline_s: float = 60.0,
    window: int = DEFAULT_WINDOW,
) -> tuple[list[CueEvent], CueEngine]:
    """Run the cue engine over a finished step table (what the cues would have said).

    Parameters
    ----------
    steps : DataFrame
        Step table in time order.
    drills : iterable or mapping of Drill
        Drills to evaluate.
    baseline : mapping, optional
        Baselines for relative targets; learned from the first ``baseline_s`` s otherwise.
    baseline_s : float
        Baseline-learning period, s.
    window : int
        Steps per rolling window.

    Returns
    -------
    events : list of CueEvent
        All cue changes in time order.
    engine : CueEngine
        The engine after the last step (baselines, time in band).
    """
    engine = CueEngine(drills, baseline=baseline, baseline_s=baseline_s)
    if "t_ic" in steps.columns:
        steps = steps.sort_values("t_ic", kind="stable")  # the engine needs time order
    table = metrics_table(steps, window=window)
    names = [c for c in table.columns if c not in ("t", "strike")]
    values = table[names].to_numpy(dtype=np.float64)
    # Per-step loop: a few thousand steps per session, the state machine is sequential.
    for t, row in zip(table["t"].to_numpy(dtype=np.float64), values, strict=True):
        if math.isfinite(t):
            engine.update(t, dict(zip(names, row.tolist(), strict=True)))
    return list(engine.events), engine

"""A feedback session: new steps in, one JSON-ready update for the views out.

This is the seam between the streaming engine and the views. The engine calls
:meth:`FeedbackSession.add_steps` with each batch of final steps (and
:meth:`~FeedbackSession.set_sensor` when a sensor connects or drops); the returned dict
goes to :meth:`gait.views.live_page.LivePage.publish` or the terminal view unchanged.
Memory is bounded: only the last ``window`` steps are kept.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from gait.feedback.cues import CueEngine
from gait.feedback.drills import Drill
from gait.feedback.metrics import DEFAULT_WINDOW, window_metrics

#: Step-table columns forwarded to the page for its per-step charts.
STEP_FIELDS: tuple[str, ...] = ("side", "t_ic", "gct", "cadence", "strike")


def _clean(v: Any) -> Any:
    """JSON-safe scalar: NaN/inf become None, numpy scalars become Python ones."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f if math.isfinite(f) else None


class FeedbackSession:
    """Rolling metrics, cue engine and sensor status for one live session.

    Parameters
    ----------
    drills : iterable or mapping of Drill
        Active drills (priority order).
    window : int
        Steps per rolling window.
    baseline : mapping of str to float, optional
        Baselines for relative targets (metric units); learned otherwise.
    baseline_s : float
        Baseline-learning period, s.
    """

    def __init__(
        self,
        drills: Iterable[Drill] | Mapping[str, Drill],
        *,
        window: int = DEFAULT_WINDOW,
        baseline: Mapping[str, float] | None = None,
        baseline_s: float = 60.0,
    ) -> None:
        self.engine = CueEngine(drills, baseline=baseline, baseline_s=baseline_s)
        self.window = int(window)
        self._recent = pd.DataFrame()
        self.sensors: dict[str, dict[str, Any]] = {}
        self.metrics: dict[str, Any] = {}
        self.t = 0.0
        self.n_steps = 0
        #: Metrics not shown or judged, with the reason (e.g. a left/right balance from
        #: sensors that are not comparable: :mod:`gait.analysis.quality.sensor_limits`).
        self.withheld: dict[str, str] = {}
        #: Metrics these sensors cannot measure, with a short reason shown under the "—"
        #: (:func:`gait.apps.live.reasons.missing_reasons`).
        self.missing: dict[str, str] = {}
        #: Input-check findings on the first seconds of each sensor
        #: (:meth:`gait.analysis.quality.plausibility.Check.as_dict` records).
        self.input_checks: list[dict[str, Any]] = []

    def explain(self, metric: str, reason: str) -> None:
        """Say why ``metric`` has no value (shown only while it has none).

        Parameters
        ----------
        metric : str
            A window metric, e.g. ``speed``.
        reason : str
            Short reason, e.g. ``'needs a foot sensor with a gyroscope'``.
        """
        self.missing[metric] = reason

    def add_input_check(self, check: Mapping[str, Any]) -> None:
        """Record one input-check finding for the views (once per code and stream).

        Parameters
        ----------
        check : mapping
            ``code``, ``stream``, ``message`` and ``metrics``.
        """
        key = (check.get("code"), check.get("stream"))
        if all((c.get("code"), c.get("stream")) != key for c in self.input_checks):
            self.input_checks.append(dict(check))

    def withhold(self, metric: str, reason: str) -> None:
        """Show and judge ``metric`` no more; the views get ``reason`` instead.

        Parameters
        ----------
        metric : str
            A window metric, e.g. ``gct_balance``.
        reason : str
            Why, in a sentence.
        """
        self.withheld[metric] = reason

    def set_sensor(self, name: str, status: str, **info: Any) -> None:
        """Record a sensor's status (``ok``, ``connecting``, ``dropped`` ...) for the views.

        Parameters
        ----------
        name : str
            Stream name, e.g. ``foot_left``.
        status : str
            Current status word.
        **info
            Extra JSON-serialisable fields (``rate`` Hz, ``battery`` % ...).
        """
        self.sensors[name] = {"status": status, **{k: _clean(v) for k, v in info.items()}}

    def report_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`gait.views.report.build_report` at the end of the session.

        Returns
        -------
        dict
            ``cues`` (every cue event), ``drills`` (drill state with time in band) and
            ``cadence_band`` (steps/min, or None when no cadence target was known).
        """
        band = self.engine.band("cadence")
        ok = band is not None and all(math.isfinite(b) for b in band)
        return {
            "cues": list(self.engine.events),
            "drills": self.engine.state(),
            "cadence_band": (float(band[0]), float(band[1])) if ok and band is not None else None,
        }

    def add_steps(
        self,
        steps: pd.DataFrame,
        *,
        t_now: float | None = None,
        extra: Mapping[str, float] | None = None,
    ) -> dict[str, Any]:
        """Take newly final steps and return the view update.

        Parameters
        ----------
        steps : DataFrame
            New rows of the step table (may be empty, e.g. on a timer tick).
        t_now : float, optional
            Session time, s; defaults to the last step's initial contact.
        extra : mapping, optional
            Metrics from outside the step table that override it, e.g. ``{"speed": 3.1}``
            from a treadmill or RSC footpod (metric units).

        Returns
        -------
        dict
            JSON-ready update: ``t``, ``metrics``, ``steps`` (new rows, fields of
            :data:`STEP_FIELDS`), ``cadence_point`` ``[t, spm]`` or None, ``events`` (new
            cue events), ``cue`` (current cue or None), ``cues`` (active warnings),
            ``drills`` (drill state), ``target`` (``{"cadence": [lo, hi]}``),
            ``metronome_spm``, ``sensors``, ``n_steps``, ``withheld`` (metric → why it is
            not shown), ``missing`` (metric → why these sensors cannot measure it) and
            ``input_checks`` (findings on the first seconds of each sensor).
        """
        new = steps if len(steps) else None
        if new is not None:
            self._recent = pd.concat([self._recent, new], ignore_index=True).tail(self.window)
            self.n_steps += len(new)
        if t_now is None:
            t_now = float(new["t_ic"].iloc[-1]) if new is not None else self.t
        self.t = max(self.t, float(t_now))
        events = []
        if new is not None or extra:
            self.metrics = (
                window_metrics(self._recent, window=self.window) if len(self._recent) else {}
            )
            for k, v in (extra or {}).items():
                self.metrics[k] = _clean(v)
            for k in self.withheld:
                self.metrics[k] = None  # neither shown nor cued on
            events = self.engine.update(self.t, self.metrics)
        cad = self.metrics.get("cadence")
        band = self.engine.band("cadence")
        cue = self.engine.current()
        rows: list[dict[str, Any]] = []
        if new is not None:
            cols = [c for c in STEP_FIELDS if c in new.columns]
            rows = [
                {c: _clean(v) for c, v in zip(cols, r, strict=True)}
                for r in new[cols].itertuples(index=False, name=None)
            ]
        return {
            "t": self.t,
            "metrics": {k: _clean(v) for k, v in self.metrics.items()},
            "steps": rows,
            "cadence_point": [self.t, cad] if new is not None and cad is not None else None,
            "events": [e.to_dict() for e in events],
            "cue": None if cue is None else cue.to_dict(),
            "cues": [e.to_dict() for e in self.engine.active()],
            "drills": self.engine.state(),
            "target": {"cadence": None if band is None else [_clean(band[0]), _clean(band[1])]},
            "metronome_spm": _clean(self.engine.metronome_spm()),
            "sensors": {k: dict(v) for k, v in self.sensors.items()},
            "n_steps": self.n_steps,
            "withheld": dict(self.withheld),
            "missing": dict(self.missing),
            "input_checks": [dict(c) for c in self.input_checks],
        }

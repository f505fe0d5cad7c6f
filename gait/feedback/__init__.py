"""Drills and cues: rolling metrics, drill definitions in data, and a flicker-free cue engine.

Entry points: :func:`load_drills` (drills from TOML), :class:`CueEngine` (the state
machine), :func:`replay_cues` (offline), :class:`FeedbackSession` (live glue that turns
new steps into view updates), :func:`window_metrics` / :func:`metrics_table`.
"""

from __future__ import annotations

from gait.feedback.cues import CueEngine, CueEvent, replay_cues
from gait.feedback.drills import Check, Drill, DrillFileError, load_drills
from gait.feedback.metrics import METRIC_UNITS, metrics_table, window_metrics
from gait.feedback.updates import FeedbackSession

__all__ = [
    "METRIC_UNITS",
    "Check",
    "CueEngine",
    "CueEvent",
    "Drill",
    "DrillFileError",
    "FeedbackSession",
    "load_drills",
    "metrics_table",
    "replay_cues",
    "window_metrics",
]

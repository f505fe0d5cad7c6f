"""Streaming analysis: the batch stage functions on a sliding window (live sessions).

:class:`StreamEngine` takes sample blocks per sensor (:meth:`StreamEngine.push`) and
returns step rows once they are final; :class:`RingBuffer` is its bounded per-sensor
store; :func:`specs_from_recording` and :func:`replay_recording` feed a whole
:class:`~gait.contract.recording.Recording` through it (tests, benchmarks).
"""

from gait.analysis.stream.engine import CONTEXT, HOP, SensorSpec, StreamEngine
from gait.analysis.stream.feed import replay_recording, specs_from_recording
from gait.analysis.stream.ring import RingBuffer

__all__ = [
    "CONTEXT",
    "HOP",
    "RingBuffer",
    "SensorSpec",
    "StreamEngine",
    "replay_recording",
    "specs_from_recording",
]

"""Garmin FIT activity files, read with Garmin's own FIT SDK (``garmin-fit-sdk``).

A FIT file carries the watch's per-second running dynamics, not raw IMU samples, so
the Recording has no streams: one low-rate channel ``watch`` with

- ``cadence`` (steps/min; FIT stores strides/min plus a fraction, so spm = 2 × (cad + frac)),
- ``gct`` (stance time, s), ``gct_balance`` (% left), ``vertical_oscillation`` (m),
- ``step_length`` (m), ``vertical_ratio`` (%), ``speed`` (m/s), ``distance`` (m).

Users compare the watch's numbers with ours on the same run (``gait analyze IMU --compare-fit F``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gait.contract.errors import EmptyFileError, GaitError, InputFileError
from gait.contract.recording import Channel, Recording, SessionMeta

if TYPE_CHECKING:
    from gait.io import ReadOptions

#: FIT record field → (channel name, scale to SI). The SDK already applies FIT's own scales.
_FIELDS: dict[str, tuple[str, float]] = {
    "stance_time": ("gct", 1e-3),  # ms
    "stance_time_balance": ("gct_balance", 1.0),  # % left
    "vertical_oscillation": ("vertical_oscillation", 1e-3),  # mm
    "step_length": ("step_length", 1e-3),  # mm
    "vertical_ratio": ("vertical_ratio", 1.0),  # %
    "distance": ("distance", 1.0),  # m
}


#: What reading a damaged FIT file raises. The SDK's decoder reports damage in its error
#: list rather than raising, so these come from opening the file, and from our handling of
#: records whose values have an unexpected type (timestamp arithmetic, ``isoformat``).
_FIT_ERRORS = (
    OSError,
    RuntimeError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
)


def sniff(path: Path) -> bool:
    """True when the file starts with a FIT header (``.FIT`` signature at byte 8)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    return len(head) >= 12 and head[8:12] == b".FIT"


def _decode(path: Path) -> dict[str, Any]:
    """The FIT messages of ``path``, after the file's own CRC check."""
    from garmin_fit_sdk import Decoder, Stream

    decoder = Decoder(Stream.from_file(str(path)))
    if not decoder.is_fit():
        raise InputFileError(path, "not a FIT file")
    if not decoder.check_integrity():
        raise InputFileError(path, "FIT file fails its CRC check (truncated or corrupt)")
    # The integrity check consumes the stream; decode with a fresh one.
    messages, errors = Decoder(Stream.from_file(str(path))).read()
    if errors:
        raise InputFileError(path, f"FIT decode error: {errors[0]}")
    return dict(messages)


def read(path: Path, options: ReadOptions) -> Recording:  # noqa: ARG001 - the reader interface
    """Read a FIT activity's per-second records into a ``watch`` channel.

    Parameters
    ----------
    path : Path
        The ``.fit`` file.
    options : ReadOptions
        Unused (FIT states its own units).

    Returns
    -------
    Recording
        No streams; one channel ``watch``; ``meta.start_time`` from the first record.

    Raises
    ------
    InputFileError
        The file is corrupt (integrity check fails) or holds no records.
    """
    try:
        messages = _decode(path)
        records: list[dict[str, Any]] = [
            dict(r) for r in messages.get("record_mesgs", []) if r.get("timestamp") is not None
        ]
        if not records:
            raise EmptyFileError(path, "no per-second records in this FIT file")
        t0 = records[0]["timestamp"]
        t = np.array([(r["timestamp"] - t0).total_seconds() for r in records], dtype=np.float64)
        start = t0.isoformat()
    except GaitError:
        raise
    except _FIT_ERRORS as exc:
        raise InputFileError(path, f"FIT decode error ({type(exc).__name__}: {exc})") from None
    values: dict[str, np.ndarray] = {}

    def col(key: str) -> np.ndarray:
        return np.array(
            [float(v) if isinstance(v := r.get(key), (int, float)) else np.nan for r in records]
        )

    if any("cadence" in r for r in records):
        values["cadence"] = 2.0 * (col("cadence") + np.nan_to_num(col("fractional_cadence")))
    speed = col("enhanced_speed")
    if np.isnan(speed).all():
        speed = col("speed")
    values["speed"] = speed
    for key, (name, scale) in _FIELDS.items():
        if any(key in r for r in records):
            values[name] = col(key) * scale
    sport = (messages.get("session_mesgs") or [{}])[0].get("sport")
    return Recording(
        meta=SessionMeta(
            activity="run" if sport in (None, "running") else "unknown",
            start_time=start,
            source="fit",
        ),
        streams=[],
        channels=[Channel("watch", t, values, {"format": "FIT"})],
    )

"""Phone: step events for cadence (hand, pocket, armband, bag, neck), sacrum-like in a belt.

A phone that is held, pocketed or swinging in a bag moves with the arm, thigh or bag as much
as with the trunk, so only the step *rhythm* is trustworthy: one event per step
from the peaks of the acceleration magnitude (orientation-free), with the spacing taken from
the dominant step frequency of the spectrum. Those rows have ``side='unknown'``, ``t_tc=NaN``
and the quality flag ``cadence_only``; their times mark the step rhythm, not the exact
contact instant. A phone in a waist ``belt`` sits at the sacrum and goes through the sacrum
detector, with its confidence lowered and the flag ``phone_belt`` (a phone is a looser,
heavier mount than a clipped IMU).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from gait.analysis.placements import empty_events
from gait.analysis.placements._signal import FloatArray, Segment, contiguous_segments, lowpass
from gait.analysis.placements.base import EventDetector
from gait.analysis.placements.sacrum import step_frequency
from gait.contract.errors import AnalysisError
from gait.contract.recording import Stream
from gait.util.scipy_signal import signal

#: Confidence factor applied to sacrum-detector results of a phone in a belt. [G]
BELT_CONFIDENCE = 0.6
#: Confidence of cadence-only step events. [G]
CADENCE_ONLY_CONFIDENCE = 0.5
#: 1 s RMS of the band-passed magnitude above which the phone is carried by a walker, m/s². [G]
MOVING_RMS = 0.8
#: Peak prominence relative to the SD of the smoothed magnitude while moving. [G]
PROMINENCE = 0.5
#: Mounts analysed like a sacrum sensor.
TRUNK_MOUNTS = ("belt",)


def detect_events(
    stream: Stream, *, speed: float | None = None, detector: PhoneDetector | None = None
) -> pd.DataFrame:
    """Detect steps from a phone's accelerometer.

    Parameters
    ----------
    stream : Stream
        Phone stream (acc m/s², any orientation; the gyroscope is not needed).
        ``stream.mount`` selects the method: ``'belt'`` → sacrum detector; anything else
        (hand, pocket, armband, bag, neck, unknown) → cadence-only step events.
    speed : float, optional
        Known speed, m/s; passed on to the sacrum detector for a belt mount.
    detector : PhoneDetector, optional
        The parameters (default: ``PhoneDetector()``).

    Returns
    -------
    DataFrame
        Contract columns ``side``, ``t_ic`` (s), ``t_tc`` (s, NaN for cadence-only),
        ``confidence`` (0–1) and ``quality`` (``'cadence_only'`` or ``'phone_belt'`` plus any
        detector flags). A belt mount also has the sacrum columns.

    Raises
    ------
    AnalysisError
        When the stream has no samples or non-finite acceleration.
    """
    if stream.acc.size == 0:
        raise AnalysisError(f"stream {stream.name!r} has no samples")
    if not np.all(np.isfinite(stream.acc)):
        raise AnalysisError(f"stream {stream.name!r} has non-finite acceleration samples")
    p = detector if detector is not None else PhoneDetector()
    if stream.mount in p.trunk_mounts:
        from gait.analysis.placements.sacrum import SacrumDetector
        from gait.analysis.placements.sacrum import detect_events as sacrum_events

        ev = sacrum_events(stream, speed=speed, detector=SacrumDetector())
        ev["confidence"] = ev["confidence"] * p.belt_confidence
        flags = ev["quality"].astype(str)
        ev["quality"] = np.where(flags == "", "phone_belt", flags + ";phone_belt")
        return ev
    segs, _ = contiguous_segments(stream.t, stream.acc, None, stream.rate, min_duration=2.0)
    times = [step_times(s, p.moving_rms, p.prominence) for s in segs]
    t_ic = np.concatenate(times) if times else np.empty(0)
    if t_ic.size == 0:
        out = empty_events()
        out["quality"] = pd.Series([], dtype=object)
        return out
    return pd.DataFrame(
        {
            "side": "unknown",
            "t_ic": t_ic,
            "t_tc": np.nan,
            "confidence": p.cadence_only_confidence,
            "quality": "cadence_only",
        }
    )


def step_times(
    seg: Segment, moving_rms: float = MOVING_RMS, prominence: float = PROMINENCE
) -> FloatArray:
    """Times of the steps in one contiguous piece of a carried phone's signal.

    Parameters
    ----------
    seg : Segment
        Uniformly sampled piece (acc in m/s²).
    moving_rms : float, default 0.8
        1 s RMS of the band-passed magnitude above which the phone is carried by a walker, m/s².
    prominence : float, default 0.5
        Smallest peak prominence, relative to the SD of the smoothed magnitude while moving.

    Returns
    -------
    ndarray
        Step times, s (one per step, at the peaks of the smoothed acceleration magnitude).
    """
    fs = seg.fs
    mag = np.linalg.norm(seg.acc, axis=1)
    if mag.size < 3 * fs:
        return np.empty(0)
    sos = signal.butter(2, [0.5, min(8.0, 0.45 * fs)], btype="band", fs=fs, output="sos")
    band = signal.sosfiltfilt(sos, mag)
    win = max(round(fs), 1)
    rms = np.sqrt(np.convolve(band**2, np.ones(win) / win, mode="same"))
    moving = rms > moving_rms
    f_step = step_frequency(mag, fs, moving)
    if not np.isfinite(f_step) or moving.sum() < 2 * fs:
        return np.empty(0)
    smooth = lowpass(mag, fs, float(np.clip(1.5 * f_step, 2.0, 5.0)), order=4)
    sd = float(np.std(smooth[moving]))
    peaks, _ = signal.find_peaks(
        smooth, distance=max(int(0.6 * fs / f_step), 1), prominence=max(0.3, prominence * sd)
    )
    peaks = peaks[moving[peaks]]
    return np.asarray(seg.t[peaks], dtype=np.float64)


__all__ = ["detect_events", "step_times"]


@dataclass(frozen=True)
class PhoneDetector(EventDetector):
    """Ground contacts of a phone, by its mount.

    See :func:`detect_events` for the method and columns.

    Parameters
    ----------
    belt_confidence : float, default 0.6
        Factor on the sacrum detector's confidence for a phone in a waist belt (a looser,
        heavier mount than a clipped IMU) [G].
    cadence_only_confidence : float, default 0.5
        Confidence of the cadence-only step events of a carried phone (rhythm, not the
        contact instant) [G].
    moving_rms : float, default 0.8
        1 s RMS of the 0.5–8 Hz band of the acceleration magnitude above which the phone is
        carried by a walker or runner, m/s² [G].
    prominence : float, default 0.5
        Smallest step-peak prominence, relative to the SD of the smoothed magnitude while
        moving (at least 0.3 m/s²) [G].
    trunk_mounts : tuple of str, default ("belt",)
        Mounts analysed by the sacrum detector (with its default parameters).
    """

    placement: ClassVar[str] = "phone"

    belt_confidence: float = BELT_CONFIDENCE
    cadence_only_confidence: float = CADENCE_ONLY_CONFIDENCE
    moving_rms: float = MOVING_RMS
    prominence: float = PROMINENCE
    trunk_mounts: tuple[str, ...] = TRUNK_MOUNTS

    def detect(self, stream: Stream, *, speed: float | None = None) -> pd.DataFrame:
        """Detect contacts in ``stream`` (device axes, acc m/s², gyr rad/s; ``speed`` m/s)."""
        return detect_events(stream, speed=speed, detector=self)

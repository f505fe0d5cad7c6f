"""Shank (tibia) IMU: contact events, shank angle at contact and peak tibial acceleration.

Accelerometer-only is first-class: the stride is segmented by the loud swing, IC is the
impact (largest jerk after the swing, Purcell-style impact timing) and TC the push-off
jerk after the quiet stance.  When the accelerometer clips at the impacts (real ±8 g
running data) that jerk is cut, and TC comes from the shank's sagittal tilt instead
(:func:`gait.placements.leg.tilt_tc`); where the two cues disagree by a quarter of the
stride the contact time is flagged ``tc_uncertain`` with confidence 0.3.  A clipped
impact has no ``impact`` value (flag ``saturated``).  With a gyroscope the shank pitch rate
gives Purcell-style timing exactly like the foot (mid-swing peaks, minima either side)
and the shank angle at IC (positive = distal end ahead of the knee, i.e. the foot lands
in front of the knee), integrated from the mid-stance instant when the shank is
assumed vertical [G].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from gait.placements import empty_events
from gait.placements._signal import (
    FloatArray,
    Segment,
    add_flag,
    clipped_samples,
    contiguous_segments,
    lowpass,
    near_holes,
    segment_arg,
    window_any,
)
from gait.placements.base import EventDetector
from gait.placements.foot import _gyro_usable, midswing_peaks
from gait.placements.leg import acc_cycles, acc_events, close_cycles, tilt_tc
from gait.recording import Stream

#: A clipped sample this close to TC (s) bends the low-passed tilt that places it. [G]
TC_CLIP_WINDOW = 0.08
#: Share of clipped impacts from which an accelerometer-only shank times TC by its tilt.
CLIPPED_SHARE = 0.1
#: Confidence taken off a step whose impact is clipped (its peak is unknown). [G]
SATURATION_PENALTY = 0.15
#: Confidence taken off a contact next to a bridged gap in the data. [G]
GAP_PENALTY = 0.15
#: The tilt and push-off-jerk TCs disagreeing by more than this share of the stride
#: make the contact time untrustworthy (flag ``tc_uncertain``). [G]
TC_DISAGREE = 0.25
#: Confidence of a contact whose TC is uncertain.
UNCERTAIN_CONFIDENCE = 0.3


def shank_pitch_axis(gyr: FloatArray) -> FloatArray:
    """Principal (sagittal) rotation axis of the shank in device coordinates, sign arbitrary.

    Parameters
    ----------
    gyr : ndarray, shape (N, 3)
        Angular rate, rad/s.

    Returns
    -------
    ndarray, shape (3,)
    """
    w = gyr - np.median(gyr, axis=0)
    _, vecs = np.linalg.eigh(w.T @ w)
    return np.asarray(vecs[:, -1], dtype=np.float64)


def shank_pitch(gyr: FloatArray, fs: float) -> FloatArray:
    """Shank pitch rate, rad/s, positive when the ankle swings forward.

    The principal gyroscope axis is the sagittal one; unlike the foot there is no
    toe-off spike, so the swing is the largest rotation of the stride and fixes the sign.

    Parameters
    ----------
    gyr : ndarray, shape (N, 3)
        Angular rate, rad/s.
    fs : float
        Sampling rate, Hz.

    Returns
    -------
    ndarray, shape (N,)
    """
    # the axis comes from the centred rates, the rate itself must stay raw (the shank's
    # rate has a non-zero median, removing it would bias the integrated angle)
    p = gyr @ shank_pitch_axis(gyr)
    lp = lowpass(p, fs, 4.0)
    return -p if np.percentile(lp, 99.5) < -np.percentile(lp, 0.5) else p


def _detect_segment(seg: Segment, acc_range: float | None) -> pd.DataFrame:
    """Contacts of one contiguous shank segment."""
    gyro = seg.gyr is not None and _gyro_usable(seg.gyr)
    p: FloatArray | None = None
    if gyro:
        assert seg.gyr is not None
        p = shank_pitch(seg.gyr, seg.fs)
        ms = midswing_peaks(p, seg.fs)
        s0, s1 = close_cycles(ms, seg.fs, seg.t.size) if ms.size else (ms, ms)
    else:
        s0, s1 = acc_cycles(seg)
    if s0.size == 0:
        return pd.DataFrame()
    ic, tc, ok_tc, weak = acc_events(seg, s0, s1, from_midswing=gyro)
    if ic.size == 0:
        return pd.DataFrame()
    norm = np.sqrt(np.einsum("ij,ij->i", seg.acc, seg.acc))
    w = max(1, int(0.05 * seg.fs))
    impact = norm[segment_arg(norm, ic, np.minimum(ic + w, norm.size), mode="max")]
    # A clipped impact reads low: report no peak rather than a wrong one.
    clipped = clipped_samples(seg.acc, acc_range)
    sat_ic = window_any(clipped, ic, ic + w)
    uncertain = np.zeros(ic.size, dtype=bool)
    if not gyro:
        tilt, ok_tilt = tilt_tc(seg, ic)
        ok_tilt &= tilt > ic
        if sat_ic.mean() >= CLIPPED_SHARE:
            # Clipping: the push-off jerk that acc_events times TC with is cut at full
            # scale (on real ±8 g running data it lands ~70 ms or ~370 ms after IC);
            # the shank's tilt is slow and unclipped, so it times TC instead.
            tc, ok_tc = tilt, ok_tilt
        else:
            # Two independent TC cues that disagree by a large share of the stride: the
            # contact time is not trustworthy (real walking data, where the jerk cue
            # fails, shows exactly this).
            stride = float(np.median(np.diff(ic))) if ic.size > 1 else float(seg.fs)
            uncertain = ok_tc & ok_tilt & (np.abs(tilt - tc) > TC_DISAGREE * stride)
    # A clipped sample near TC would bend the low-passed tilt that places it: no TC then.
    win = max(1, int(TC_CLIP_WINDOW * seg.fs))
    sat_tc = ok_tc & window_any(clipped, tc - win, tc + win)
    impact = np.where(sat_ic, np.nan, impact)
    ok_tc &= ~sat_tc
    angle = np.full(ic.size, np.nan)
    if p is not None:
        # Shank angle at IC relative to its orientation at mid-stance (the middle of the
        # contact), from the integrated pitch; positive = ankle ahead of the knee.  The
        # sensor mounting is unknown, so the absolute tilt is not observable: this is
        # the swing-back of the shank from IC to mid-stance (≈ angle at IC + ~8°, the
        # forward lean at mid-stance in running) [G].
        cum = np.concatenate(([0.0], np.cumsum(p) / seg.fs))
        end = np.where(ok_tc, tc, np.minimum(ic + int(0.3 * seg.fs), seg.t.size - 1))
        midst = (ic + end) // 2
        angle = np.rad2deg(-(cum[midst] - cum[ic]))
    quality = np.where(weak, "ic_from_swing", "" if gyro else "acc_only").astype(object)
    quality = add_flag(quality, sat_ic, "saturated")
    quality = add_flag(quality, sat_tc, "saturated_tc")
    quality = add_flag(quality, uncertain, "tc_uncertain")
    base = 0.8 if gyro else 0.6
    conf = np.where(ok_tc & ~weak, base, 0.4) - np.where(sat_ic, SATURATION_PENALTY, 0.0)
    conf = np.where(uncertain, np.minimum(conf, UNCERTAIN_CONFIDENCE), conf)
    return pd.DataFrame(
        {
            "t_ic": seg.t[ic],
            "t_tc": np.where(ok_tc, seg.t[np.minimum(tc, seg.t.size - 1)], np.nan),
            "confidence": conf,
            "shank_angle_ic": angle,
            "impact": impact,
            "quality": quality,
        }
    )


def detect_events(stream: Stream, *, speed: float | None = None) -> pd.DataFrame:
    """Detect ground contacts of one shank sensor.

    Parameters
    ----------
    stream : Stream
        Shank stream (acc m/s², optional gyr rad/s), device axes.
    speed : float, optional
        Unused (kept for the detector contract).

    Returns
    -------
    DataFrame
        ``side``, ``t_ic``, ``t_tc`` (s), ``confidence``, ``shank_angle_ic`` (deg, NaN
        without gyroscope), ``impact`` (m/s², peak acceleration norm within 50 ms of IC,
        i.e. peak tibial acceleration), ``quality``.
    """
    del speed
    segs, _ = contiguous_segments(stream.t, stream.acc, stream.gyr, stream.rate)
    frames = []
    for seg in segs:
        df = _detect_segment(seg, stream.acc_range)
        if seg.bridged and len(df):
            near = near_holes(seg, df["t_ic"].to_numpy(), df["t_tc"].to_numpy(dtype=np.float64))
            q = df["quality"].to_numpy(dtype=object)
            df["quality"] = add_flag(q, near, "bridged")
            # a contact next to bridged (interpolated) samples is timed on guessed data
            df["confidence"] = df["confidence"].to_numpy() - np.where(near, GAP_PENALTY, 0.0)
        if len(df):
            frames.append(df)
    if not frames:
        out = empty_events(("shank_angle_ic", "impact"))
        out["quality"] = pd.Series([], dtype=object)
        return out
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "side", stream.side or "unknown")
    return out


@dataclass(frozen=True)
class ShankDetector(EventDetector):
    """Ground contacts of one shank IMU or accelerometer; see :func:`detect_events` for the method and columns."""

    placement: ClassVar[str] = "shank"

    def detect(self, stream: Stream, *, speed: float | None = None) -> pd.DataFrame:
        """Detect contacts in ``stream`` (device axes, acc m/s², gyr rad/s; ``speed`` m/s)."""
        return detect_events(stream, speed=speed)

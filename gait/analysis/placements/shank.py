"""Shank (tibia) IMU: contact events, shank angle at contact and peak tibial acceleration.

Accelerometer-only is first-class: the stride is segmented by the loud swing, IC is the
impact (largest jerk after the swing, Purcell-style impact timing; moved back to the top
of the touchdown bump before it, :func:`touchdown`) and TC follows the push-off minimum of
the acceleration norm (:func:`gait.analysis.placements.leg.swing_onset`).  When the accelerometer
clips at the impacts (real ±8 g running data) TC comes from the shank's sagittal tilt
instead (:func:`gait.analysis.placements.leg.tilt_tc`).  Accelerometer-only walking (no flight
phase) has no trustworthy TC cue on real recordings: its contact time is flagged
``tc_uncertain`` with confidence 0.3, as are contacts whose two TC cues disagree by a
quarter of the stride; such a contact has no ``t_tc`` (no contact time rather than a wrong
one).  A clipped
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

from gait.analysis.placements import empty_events
from gait.analysis.placements._signal import (
    FloatArray,
    IntArray,
    Segment,
    add_flag,
    clipped_samples,
    contiguous_segments,
    lowpass,
    near_holes,
    segment_arg,
    window_any,
)
from gait.analysis.placements.base import EventDetector
from gait.analysis.placements.foot import _gyro_usable, midswing_peaks
from gait.analysis.placements.leg import (
    IC_DELAY_SPREAD,
    RUN_DUTY,
    TILT_CUTOFF,
    SwingOnset,
    acc_cycles,
    acc_events,
    close_cycles,
    tilt_tc,
)
from gait.contract.recording import Stream

#: A clipped sample this close to TC (s) bends the low-passed tilt that places it. [G]
TC_CLIP_WINDOW = 0.08
#: Share of clipped impacts from which an accelerometer-only shank times TC by its tilt.
CLIPPED_SHARE = 0.1
#: Confidence taken off a step whose impact is clipped (its peak is unknown). [G]
SATURATION_PENALTY = 0.15
#: Confidence taken off a contact next to a bridged gap in the data. [G]
GAP_PENALTY = 0.15
#: The tilt and push-off TCs disagreeing by more than this share of the stride
#: make the contact time untrustworthy (flag ``tc_uncertain``). [G]
TC_DISAGREE = 0.25
#: Confidence of a contact whose TC is uncertain.
UNCERTAIN_CONFIDENCE = 0.3
#: Shortest stride (s) that the accelerometer-only walking rule takes for walking (cadence
#: 133 steps/min, above adult walking cadences). See ShankDetector.walk_stride_min.
WALK_STRIDE_MIN = 0.9


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


def local_stride(ic: IntArray) -> FloatArray:
    """Stride length (samples) around each contact: 5-contact median of the IC intervals.

    Parameters
    ----------
    ic : ndarray of int
        Initial contacts of one leg, increasing.

    Returns
    -------
    ndarray of float
        One value per contact (the last contact takes the interval before it); a pause
        between two contacts does not move its neighbours' values.
    """
    from scipy.ndimage import median_filter

    if ic.size < 2:
        return np.full(ic.size, np.inf)
    d = np.diff(ic).astype(np.float64)
    return np.asarray(median_filter(np.append(d, d[-1]), size=5, mode="nearest"), dtype=np.float64)


def touchdown(x: FloatArray, ic: IntArray, fs: float, *, window: float, drop: float) -> IntArray:
    """Move each impact onset back to the top of the touchdown bump before it.

    On real shank recordings (Bach et al. running, 142.857 Hz) the acceleration norm rises
    to a small bump that peaks at the force-plate contact, dips and then spikes (the
    impact, whose peak follows contact by 20–30 ms): the onset of the spike, the dip, is
    one or two samples late.  Where a local maximum at least ``drop`` above the dip lies
    within ``window`` before it, IC is that maximum.

    Parameters
    ----------
    x : ndarray
        Acceleration norm, m/s².
    ic : ndarray of int
        Impact onsets (local minima of ``x``).
    fs : float
        Sampling rate, Hz.
    window : float
        Longest look-back, s.
    drop : float
        Smallest bump height above the dip, m/s².

    Returns
    -------
    ndarray of int
    """
    back = max(1, round(window * fs))
    a = np.maximum(ic - back, 1)
    ok = a < ic
    if not ok.any():
        return ic.copy()
    top = ic.copy()
    top[ok] = segment_arg(x, a[ok], ic[ok], mode="max")
    # the top must be a local maximum inside the window, not its start on a falling slope
    # (the late swing's deceleration, which fades into the impact without a bump)
    bump = ok & (top > a) & (x[top] - x[ic] >= drop) & (x[top] >= x[np.maximum(top - 1, 0)])
    return np.asarray(np.where(bump, top, ic), dtype=np.intp)


def _detect_segment(seg: Segment, acc_range: float | None, d: ShankDetector) -> pd.DataFrame:
    """Contacts of one contiguous shank segment, with the parameters of ``d``."""
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
    swing = SwingOnset(d.tc_cutoff, d.tc_lag_share, d.tc_lag_min, d.tc_lead, d.tc_back)
    ic, tc, ok_tc, weak = acc_events(
        seg, s0, s1, from_midswing=gyro, swing=swing, ic_delay_spread=d.ic_delay_spread
    )
    if ic.size == 0:
        return pd.DataFrame()
    norm = np.sqrt(np.einsum("ij,ij->i", seg.acc, seg.acc))
    w = max(1, int(d.impact_window * seg.fs))
    clipped = clipped_samples(seg.acc, acc_range)
    sat_ic = window_any(clipped, ic, ic + w)
    clipped_run = not gyro and sat_ic.mean() >= d.clipped_share
    if clipped_run:
        # Real ±8 g shank running: the force-plate contact is at the top of a bump 7-14 ms
        # before the impact onset (an empirical rule from two people, see ShankDetector;
        # the synthetic impact has no such delay, so it is not applied to unclipped data).
        ic = np.where(
            weak, ic, touchdown(norm, ic, seg.fs, window=d.ic_bump_window, drop=d.ic_bump_drop)
        )
        sat_ic = window_any(clipped, ic, ic + w)
    impact = norm[segment_arg(norm, ic, np.minimum(ic + w, norm.size), mode="max")]
    # A clipped impact reads low: report no peak rather than a wrong one.
    uncertain = np.zeros(ic.size, dtype=bool)
    if not gyro:
        tilt, ok_tilt, running = tilt_tc(
            seg, ic, cutoff=d.tilt_cutoff, run_duty=d.run_duty, rate_share=d.tilt_rate_share
        )
        ok_tilt &= tilt > ic
        if clipped_run:
            # Clipping: the push-off that acc_events times TC with is cut at full scale
            # (on real ±8 g running data it lands ~100 ms off); the shank's tilt is slow
            # and unclipped, so it times TC instead.
            tc, ok_tc = tilt, ok_tilt
        else:
            # Two independent TC cues that disagree by a large share of the stride: the
            # contact time is not trustworthy.
            stride = float(np.median(np.diff(ic))) if ic.size > 1 else float(seg.fs)
            uncertain = ok_tc & ok_tilt & (np.abs(tilt - tc) > d.tc_disagree * stride)
        if d.walk_tc_uncertain:
            # Walking (no flight): on real shank recordings both cues miss toe-off by
            # 250-370 ms (validate_running.py, Bach walking trials), so say so.
            # A walking segment's odd "running" stride is a misread stride, not running.
            walking = ~running | (running[ok_tilt].mean() < 0.5 if ok_tilt.any() else True)
            # A stride quicker than a walk can be is running whatever the tilt says (the
            # tilt's late minimum can come from the mounting or the running style).
            uncertain |= ok_tc & walking & (local_stride(ic) / seg.fs >= d.walk_stride_min)
    # A clipped sample near TC would bend the low-passed tilt that places it: no TC then.
    win = max(1, int(d.tc_clip_window * seg.fs))
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
    base = d.gyro_confidence if gyro else d.acc_confidence
    conf = np.where(ok_tc & ~weak, base, d.weak_confidence)
    # In a clipped running segment every contact is timed by the clipped-data fallback
    # (touchdown bump, tilt), checked on two people only: all share the penalty, so an
    # unclipped impact there does not look more trustworthy than its neighbours.
    conf = conf - np.where(sat_ic | clipped_run, d.saturation_penalty, 0.0)
    conf = np.where(uncertain, np.minimum(conf, d.uncertain_confidence), conf)
    # An untrustworthy TC is left out (NaN) rather than passed on as a number every table,
    # report and cue downstream would show: the flag says why.
    shown_tc = ok_tc & ~(uncertain & d.drop_uncertain_tc)
    return pd.DataFrame(
        {
            "t_ic": seg.t[ic],
            "t_tc": np.where(shown_tc, seg.t[np.minimum(tc, seg.t.size - 1)], np.nan),
            "confidence": conf,
            "shank_angle_ic": angle,
            "impact": impact,
            "quality": quality,
        }
    )


def detect_events(
    stream: Stream, *, speed: float | None = None, detector: ShankDetector | None = None
) -> pd.DataFrame:
    """Detect ground contacts of one shank sensor.

    Parameters
    ----------
    stream : Stream
        Shank stream (acc m/s², optional gyr rad/s), device axes.
    speed : float, optional
        Unused (kept for the detector contract).
    detector : ShankDetector, optional
        Parameters of the method; the defaults when omitted.

    Returns
    -------
    DataFrame
        ``side``, ``t_ic``, ``t_tc`` (s), ``confidence``, ``shank_angle_ic`` (deg, NaN
        without gyroscope), ``impact`` (m/s², peak acceleration norm within
        ``impact_window`` of IC, i.e. peak tibial acceleration), ``quality``.
    """
    del speed
    d = detector if detector is not None else ShankDetector()
    segs, _ = contiguous_segments(stream.t, stream.acc, stream.gyr, stream.rate)
    frames = []
    for seg in segs:
        df = _detect_segment(seg, stream.acc_range, d)
        if seg.bridged and len(df):
            near = near_holes(seg, df["t_ic"].to_numpy(), df["t_tc"].to_numpy(dtype=np.float64))
            q = df["quality"].to_numpy(dtype=object)
            df["quality"] = add_flag(q, near, "bridged")
            # a contact next to bridged (interpolated) samples is timed on guessed data
            df["confidence"] = df["confidence"].to_numpy() - np.where(near, d.gap_penalty, 0.0)
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
    """Ground contacts of one shank IMU or accelerometer; see :func:`detect_events`.

    Defaults marked [G] are engineering guesses; "sweeps" means chosen on the synthetic
    sweeps (``tests/test_sweep_legs.py``), "Bach" on the real running trials of
    ``benchmarks/validate_running.py`` (two people: not scored out of sample).

    Parameters
    ----------
    tc_cutoff : float
        Low-pass of the acceleration norm for the push-off minimum, Hz. Default 20
        (sweeps: keeps the push-off dip, drops the sample-to-sample jerk).
    tc_lag_share : float
        Toe-off after the push-off minimum, as a share of IC-to-minimum. Default 0.04
        (the push-off lag of real walking feet, 20–50 ms of 0.6–0.7 s contacts).
    tc_lag_min : float
        Shortest lag of toe-off after the push-off minimum, s. Default 0.02 (as above).
    tc_lead : float
        Added lag for the 20 Hz filter moving the minimum earlier, s. Default 0.005
        (sweeps: the filtered minimum is 4–6 ms early at 200 Hz).
    tc_back : float
        Longest look-back from the swing's steepest rise to the push-off minimum, s.
        Default 0.08 (sweeps pass with 0.06–0.08; 0.1 reaches into stance at 5 m/s).
    ic_bump_window : float
        Accelerometer-only with clipped impacts (real ±8 g running): longest look-back
        from the impact onset to the touchdown bump that marks contact, s (0 disables).
        Default 0.03 (Bach: the bump tops 1–2 samples, 7–14 ms, before the onset; the
        synthetic impact has no bump-dip-spike delay, so unclipped data keep the onset).
    ic_bump_drop : float
        Smallest height of that bump above the onset dip, m/s². Default 4.9 (0.5 g,
        [G]: above sensor noise, below the 10–15 m/s² bumps of the Bach trials).
    ic_delay_spread : float
        With a gyroscope: an impact further than this share of the stride from the usual
        delay after mid-swing is taken as lost. Default 0.15 [G] (sweeps: a lost impact
        left the push-off rise as IC).
    impact_window : float
        Window after IC for the peak tibial acceleration, s. Default 0.05 [G].
    tilt_cutoff : float
        Low-pass of the tilt (accelerometer-only TC), Hz. Default 6 [G].
    run_duty : float
        Tilt minimum before this share of the stride means running. Default 0.5 (the
        definition of running: duty factor below one half).
    tilt_rate_share : float
        Running, clipped: TC where the backward tilt has slowed to this share of its
        fastest rate. Default 0.4 (Bach: 0.3–0.5 meet the targets on all three running
        trials; the tilt extreme itself is 15–30 ms after toe-off).
    clipped_share : float
        Share of clipped impacts from which TC is timed by the tilt. Default 0.1 [G].
    tc_clip_window : float
        A clipped sample this close to TC (s) drops the TC. Default 0.08 [G].
    tc_disagree : float
        Push-off and tilt TCs this far apart (share of the stride) flag ``tc_uncertain``.
        Default 0.25 [G].
    walk_tc_uncertain : bool
        Flag every accelerometer-only walking contact time ``tc_uncertain``. Default
        True (Bach walking: both cues miss toe-off by 250–370 ms).
    walk_stride_min : float
        Shortest stride taken for walking by that rule, s: a quicker one is running even
        when the tilt minimum comes late. Default 0.9 (cadence 133 steps/min: adults walk
        at 100 to about 130 steps/min, Tudor-Locke et al., Br J Sports Med 52 (2018)
        776–788, and run at 150 and more; not fitted: the Bach strides are 1.04–1.09 s
        walking and 0.79 s running).
    gyro_confidence, acc_confidence : float
        Confidence of a contact with both events, with and without gyroscope. Defaults
        0.8 and 0.6 [G].
    weak_confidence : float
        Confidence without TC or with IC from the swing timing. Default 0.4 [G].
    saturation_penalty : float
        Confidence taken off a clipped impact, and off every contact of an
        accelerometer-only segment whose impacts clip. Default 0.15 [G].
    gap_penalty : float
        Confidence taken off a contact next to a bridged gap. Default 0.15 [G].
    uncertain_confidence : float
        Confidence of a ``tc_uncertain`` contact. Default 0.3 (Bach: such contacts are
        off by 250–500 ms, the rest by < 15 ms).
    drop_uncertain_tc : bool
        Leave the TC of a ``tc_uncertain`` contact out (``t_tc`` NaN, so no contact time,
        duty factor or flight is derived from it). Default True; False keeps the guess,
        for validation of what the flag withholds (``benchmarks/validate_running.py``).
    """

    placement: ClassVar[str] = "shank"

    tc_cutoff: float = 20.0
    tc_lag_share: float = 0.04
    tc_lag_min: float = 0.02
    tc_lead: float = 0.005
    tc_back: float = 0.08
    ic_bump_window: float = 0.03
    ic_bump_drop: float = 4.9
    ic_delay_spread: float = IC_DELAY_SPREAD
    impact_window: float = 0.05
    tilt_cutoff: float = TILT_CUTOFF
    run_duty: float = RUN_DUTY
    tilt_rate_share: float = 0.4
    clipped_share: float = CLIPPED_SHARE
    tc_clip_window: float = TC_CLIP_WINDOW
    tc_disagree: float = TC_DISAGREE
    walk_tc_uncertain: bool = True
    walk_stride_min: float = WALK_STRIDE_MIN
    gyro_confidence: float = 0.8
    acc_confidence: float = 0.6
    weak_confidence: float = 0.4
    saturation_penalty: float = SATURATION_PENALTY
    gap_penalty: float = GAP_PENALTY
    uncertain_confidence: float = UNCERTAIN_CONFIDENCE
    drop_uncertain_tc: bool = True

    def detect(self, stream: Stream, *, speed: float | None = None) -> pd.DataFrame:
        """Detect contacts in ``stream`` (device axes, acc m/s², gyr rad/s; ``speed`` m/s)."""
        return detect_events(stream, speed=speed, detector=self)

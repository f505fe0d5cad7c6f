"""Foot (shoe) IMU: contact events, foot strike angle and pattern, stride length and speed.

Gyroscope path (Falbriard 2018, METRICS §3a): the pitch (sagittal) axis is the
principal axis of the angular rate, its sign chosen so that the long swing lobe is
positive ("toes up").  Cycles run from mid-swing to mid-swing; terminal contact (TC) is
where the pitch rate, after its minimum in the second half of the cycle (the fastest
toes-down push-off), has come back to :data:`TC_RECOVERY` of that minimum (by default the minimum itself).  Initial contact (IC) is the
start of the impact near the pitch-rate minimum of the first half (the foot slap, which
trails a heel strike by 20–60 ms in walking): see :func:`_contact_index`.  Weak swings
of the half steps that start or end a walk (or follow a turn) are steps too
(:func:`edge_swings`).  The foot strike angle is the pitch angle at IC relative to the
flat foot at mid-stance; stride length and speed come from a sagittal-plane strapdown
integration with a zero-velocity update at mid-stance (or the belt speed on a
treadmill) and linear drift removal per stride.

Reference definitions of IC differ between the public walking data sets, which bounds
what one detector can match (measured with ``benchmarks/validate_real.py``):

* gaitmap (motion capture): IC is the peak toes-up angle of the foot, i.e. the
  pitch-rate zero crossing at the end of the swing (checked against the heel and toe
  markers of ``mocap_sample.csv``: within 1 sample, SD 6 ms).  The impact follows it by
  15–40 ms, so this detector reads +17 ms there.
* ipol (detected, then checked by hand): IC is at the impact itself (the sharp drop of
  the pitch rate / rise of the acceleration), 30–60 ms after that zero crossing; this
  detector reads −9 ms there.

Accelerometer-only path: the stance phase is where the acceleration norm is close to
gravity and quiet; IC is the impact (largest jerk) at the start of the quiet-to-loud
transition, TC the push-off peak at its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from gait.errors import AnalysisError
from gait.placements import empty_events
from gait.placements._signal import (
    FloatArray,
    IntArray,
    Segment,
    contiguous_segments,
    drift_free_integral,
    first_above,
    flat_windows,
    lowpass,
    near_holes,
    segment_arg,
)
from gait.placements.base import EventDetector
from gait.placements.leg import (
    MAX_STRIDE,
    MIN_STRIDE,
    _stride_period,
    acc_cycles,
    acc_events,
    close_cycles,
    onset,
)
from gait.recording import Stream

G = 9.80665  # m/s²

#: Per-step metric columns of this detector.
FOOT_COLUMNS: tuple[str, ...] = ("foot_strike_angle", "strike", "stride_length", "speed", "impact")

#: Foot strike angle cut-offs, deg (Altman & Davis style; [G] for the exact values).
RFS_MIN_DEG = 8.0
FFS_MAX_DEG = -1.6


#: A contact's pitch-rate minima must reach this share of the typical depth. [G]
DEPTH = 0.1

#: A swing must reach this share of the typical swing peak (turning steps are weak). [G]
SWING_SHARE = 0.25

#: Starting, stopping and first-after-a-turn half steps swing less: such a weak swing
#: (low-passed pitch-rate peak of at least this, rad/s, and a prominence of at least
#: EDGE_PROMINENCE of the typical swing) is a step when the nearest regular swing lies
#: EDGE_GAP typical strides away (it fills a gap at the edge of a walk; a bump inside a
#: regular stride is closer).  Measured on the ipol trials (first/last steps 1.3–1.7 rad/s,
#: regular swings 5–6 rad/s). [G]
EDGE_SWING_MIN = 1.0
EDGE_PROMINENCE = 0.1
EDGE_GAP = (0.6, 1.8)

#: A contact cannot happen while the foot still swings toes-up fast: the impact search
#: starts once the pitch rate has fallen below this share of the swing peak (a knock
#: against the other leg in late swing is not a contact; gaitmap left foot at 9.5 s). [G]
SWING_GATE = 0.3

#: Toe-off comes just after the fastest toes-down rotation of push-off: TC is the first
#: sample after that pitch-rate minimum where the rate has come back to this share of it
#: (1.0: the minimum itself). Measured on the development subjects only (IPOL 1–5 hand-checked
#: toe-offs, gaitmap motion capture): at 1.0 TC reads 36 ms early on IPOL and 11 ms early on
#: gaitmap; 0.75 gives 9 and 6 ms mean absolute error (0.9: 15 and 3.5 ms). The synthetic
#: foot model puts the rate minimum exactly on lift-off, so any value below 1.0 fails its
#: GCT sweeps (≤ 10 ms; 0.9 gives 11–20 ms): the default stays at 1.0 until that model
#: follows the real data.
TC_RECOVERY = 1.0

#: A cycle ending in a swing must show at least this pitch rate (rad/s) before its contact
#: (rejects the leading cycle of a recording that starts standing still). [G]
SWUNG_MIN = 0.6



def detect_events(stream: Stream, *, speed: float | None = None) -> pd.DataFrame:
    """Detect ground contacts of one foot sensor.

    Parameters
    ----------
    stream : Stream
        A foot stream in device axes (acc m/s², gyr rad/s).
    speed : float, optional
        Known treadmill belt speed, m/s, used as the stance reference for the
        foot velocity (the stance foot moves with the belt) and as the speed.

    Returns
    -------
    DataFrame
        One row per contact: ``side``, ``t_ic``, ``t_tc`` (s), ``confidence`` (0–1),
        ``foot_strike_angle`` (deg, + toes up), ``strike`` ('rear'|'mid'|'fore'),
        ``stride_length`` (m), ``speed`` (m/s), ``impact`` (m/s², peak specific-force
        norm within 50 ms of IC), ``quality`` (str flags).

    Raises
    ------
    AnalysisError
        If the stream is not 3-axis or holds non-finite samples everywhere.
    """
    side = stream.side or "unknown"
    if stream.acc.size and not np.isfinite(stream.acc).any():
        # Nothing usable at all is bad input, not a still foot (single bad packets are
        # dropped like lost ones by contiguous_segments).
        raise AnalysisError(f"stream {stream.name!r} holds non-finite samples everywhere")
    segs, _ = contiguous_segments(stream.t, stream.acc, stream.gyr, stream.rate)
    frames = []
    for seg in segs:
        if not np.isfinite(seg.acc).all() or (seg.gyr is not None and not np.isfinite(seg.gyr).all()):
            raise AnalysisError(f"stream {stream.name!r} holds non-finite samples")
        if seg.gyr is not None and _gyro_usable(seg.gyr):
            df = _detect_gyro(seg, speed)
        else:
            df = _detect_acc(seg)
        if seg.bridged and len(df):
            near = near_holes(seg, df["t_ic"].to_numpy(), df["t_tc"].to_numpy(dtype=np.float64))
            q = df["quality"].to_numpy(dtype=object)
            df["quality"] = np.where(near, np.where(q == "", "bridged", q + ",bridged"), q)
        frames.append(df)
    frames = [f for f in frames if len(f)]
    if not frames:
        out = empty_events(("foot_strike_angle", "stride_length", "speed", "impact"))
        out["strike"] = pd.Series([], dtype=object)
        out["quality"] = pd.Series([], dtype=object)
        return out
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "side", side)
    return out


def _gyro_usable(gyr: FloatArray) -> bool:
    """False for a dead gyroscope (all zeros or constant), which happens in broken files."""
    # np.std when every sample is finite (segments are): the same figure, without nanstd's copy.
    sd = np.std(gyr, axis=0) if np.isfinite(np.sum(gyr)) else np.nanstd(gyr, axis=0)
    return bool(sd.max() > 0.05)


# --------------------------------------------------------------------------- gyroscope


def pitch_axis(gyr: FloatArray, fs: float) -> FloatArray:
    """Unit vector of the foot's sagittal rotation axis, oriented so that toes-up is positive.

    Parameters
    ----------
    gyr : ndarray, shape (N, 3)
        Angular rate, rad/s, device axes (any mounting).
    fs : float
        Sampling rate, Hz.

    Returns
    -------
    ndarray, shape (3,)
        Axis in device coordinates; ``gyr @ axis`` is the pitch rate (rad/s), positive
        when the toes rise.  See :func:`_pitch_axis_fs` for how the sign is chosen.
    """
    return _pitch_axis_fs(gyr, fs)


def _pitch_axis_fs(gyr: FloatArray, fs: float) -> FloatArray:
    """:func:`pitch_axis` with the sampling rate known.

    The sign is resolved from the foot angle, not from rate amplitudes (toe-off spikes
    can exceed the swing peak): over each cycle between two quiet stance instants the
    foot pitches toes-down far more at push-off (−40…−80°) than toes-up at contact
    (+25° at most for a heel strike, negative for a forefoot strike).  So with the right
    sign the most negative angle of a cycle is larger in magnitude than the most
    positive one.
    """
    from scipy.signal import find_peaks

    w = gyr - np.median(gyr, axis=0)
    _, vecs = np.linalg.eigh(w.T @ w)
    axis = vecs[:, -1]
    p = w @ axis
    gnorm = lowpass(np.sqrt(np.einsum("ij,ij->i", w, w)), fs, 3.0)
    # One quiet instant per stride: the rotation also pauses where the pitch rate changes
    # sign (push-off to swing, swing to slap), and a window between two such pauses holds a
    # lone swing lobe that votes for the wrong sign (ipol subject 3, right foot).  Minima at
    # least 0.7 stride periods apart (the period from the autocorrelation) keep the
    # deepest pause of each stride: mid-stance.
    stride = _stride_period(gnorm, fs)
    q, _ = find_peaks(-gnorm, distance=max(1, int(0.7 * stride * fs)))
    q = q[gnorm[q] < np.median(gnorm)]
    if q.size >= 3:
        lens = np.diff(q)
        ok = lens <= MAX_STRIDE * fs
        starts, ends = q[:-1][ok], q[1:][ok]
        if starts.size:
            cum = np.concatenate(([0.0], np.cumsum(p) / fs))
            idx, seg, first = flat_windows(starts, ends)
            theta = drift_free_integral(cum, starts, ends, idx, seg)
            up = np.maximum.reduceat(theta, first)
            down = -np.minimum.reduceat(theta, first)
            if np.median(up) > np.median(down):
                axis = -axis
            return np.asarray(axis, dtype=np.float64)
    if np.percentile(p, 99.5) < -np.percentile(p, 0.5):
        axis = -axis
    return np.asarray(axis, dtype=np.float64)


def midswing_peaks(p: FloatArray, fs: float) -> IntArray:
    """Sample indices of mid-swing (maxima of the low-passed pitch rate).

    Parameters
    ----------
    p : ndarray, shape (N,)
        Pitch rate, rad/s, swing positive.
    fs : float
        Sampling rate, Hz.

    Returns
    -------
    ndarray of int
    """
    from scipy.signal import find_peaks

    lp = lowpass(p, fs, 4.0)
    peaks, props = find_peaks(lp, distance=max(1, int(MIN_STRIDE * fs)), prominence=0.5)
    if peaks.size == 0:
        return peaks.astype(np.intp)
    h = lp[peaks]
    # Keep swings: a true swing reaches a share of the typical swing (with a 1.2 rad/s
    # floor so standing still or fidgeting gives no steps); turning steps swing less.
    ref = np.median(np.sort(h)[-max(1, h.size // 2) :])
    keep = (h > max(1.2, SWING_SHARE * ref)) & (props["prominences"] > 0.3 * ref)
    return np.asarray(peaks[keep], dtype=np.intp)


def edge_swings(p: FloatArray, fs: float, ms: IntArray) -> IntArray:
    """Weak mid-swings of half steps at the edges of a walk (start, stop, after a turn).

    Parameters
    ----------
    p : ndarray, shape (N,)
        Pitch rate, rad/s, swing positive.
    fs : float
        Sampling rate, Hz.
    ms : ndarray of int
        Regular mid-swings (:func:`midswing_peaks`), increasing.

    Returns
    -------
    ndarray of int
        Sample indices of the extra mid-swings, not in ``ms``: low-passed pitch-rate peaks
        of at least :data:`EDGE_SWING_MIN` whose nearest regular swing lies within
        :data:`EDGE_GAP` typical strides (so they fill a gap next to a walk rather than
        sit inside a regular stride or far from any walking).
    """
    from scipy.signal import find_peaks

    empty = np.zeros(0, dtype=np.intp)
    if ms.size < 2:
        return empty
    lp = lowpass(p, fs, 4.0)
    peaks, props = find_peaks(lp, distance=max(1, int(MIN_STRIDE * fs)), prominence=0.3)
    ref = np.median(np.sort(lp[ms])[-max(1, ms.size // 2) :])
    cand = (lp[peaks] >= EDGE_SWING_MIN) & (props["prominences"] >= EDGE_PROMINENCE * ref)
    cand &= ~np.isin(peaks, ms)
    pk = peaks[cand]
    if pk.size == 0:
        return empty
    typical = float(np.median(np.diff(ms)))
    j = np.searchsorted(ms, pk)
    before = np.where(j > 0, pk - ms[np.maximum(j - 1, 0)], np.iinfo(np.intp).max)
    after = np.where(j < ms.size, ms[np.minimum(j, ms.size - 1)] - pk, np.iinfo(np.intp).max)
    gap = np.minimum(before, after)
    ok = (gap >= EDGE_GAP[0] * typical) & (gap <= EDGE_GAP[1] * typical)
    return np.asarray(pk[ok], dtype=np.intp)


def _detect_gyro(seg: Segment, speed: float | None) -> pd.DataFrame:
    """Gyroscope event detection and per-stride metrics on one contiguous segment."""
    assert seg.gyr is not None
    fs = seg.fs
    axis = _pitch_axis_fs(seg.gyr, fs)
    p_raw = seg.gyr @ axis
    # A mild low-pass keeps the contact minima sharp but removes sensor noise. [G]
    p = lowpass(p_raw, fs, min(30.0, 0.4 * fs))
    strong = midswing_peaks(p_raw, fs)
    if strong.size < 1:
        return _empty_foot()
    ms = np.union1d(strong, edge_swings(p_raw, fs, strong)).astype(np.intp)
    # Close the last cycle one typical stride after the last swing (or at the end of the
    # data), so the final contact before stopping is not lost.
    s0, s1 = close_cycles(ms, fs, p.size, clip_end=True)
    if s0.size == 0:
        return _empty_foot()
    # A cycle cut by the end of the data keeps a typical first half for the IC search.
    half = np.where(s1 >= p.size - 1, int(np.median(s1 - s0)) // 2, (s1 - s0) // 2)
    mid = np.minimum(s0 + half, s1 - 1)
    ic_min = segment_arg(p, s0, mid, mode="min")
    tc = segment_arg(p, mid, s1, mode="min")
    acc_norm = np.sqrt(np.einsum("ij,ij->i", seg.acc, seg.acc))
    ic = _contact_index(seg, p, acc_norm, s0, mid, ic_min)
    # A real contact has a clear pitch-rate minimum at IC inside its window (an extremum on
    # the window edge means the event lies outside the data).  The push-off minimum may
    # be missing (the last step before standing still, a step cut by the end of the data):
    # then the contact is kept with an unknown TC. [G: the depth ratio DEPTH]
    depth_ic, depth_tc = p[ic_min], p[tc]
    # A contact ends a swing: the window before it must hold a real swing peak (this
    # rejects the leading cycle of a recording that starts standing still).
    pre = segment_arg(p, s0, np.maximum(ic_min, s0 + 1), mode="max")
    from_swing = np.isin(s0, ms)
    swung = np.where(from_swing, p[pre] > SWUNG_MIN, p[pre] > 0.3 * np.median(p[strong]))
    deep = depth_ic < DEPTH * min(np.median(depth_ic), 0.0)
    # The last step before standing still often ends without a foot slap (a shallow
    # minimum); a swing always ends in a contact, so that one is kept all the same.
    last = np.append(s0[1:] != s1[:-1], True)
    ok_ic = (deep | (last & from_swing)) & (ic_min > s0 + 1) & swung
    gct = (tc - ic) / fs
    ok_tc = (
        (depth_tc < DEPTH * min(np.median(depth_tc), 0.0))
        & (tc < s1 - 2)
        & (tc > mid)
        & (gct > 0.05)
        & (gct < 0.8 * (s1 - s0) / fs)
    )
    ic, tc, s0, s1, ok_tc = ic[ok_ic], tc[ok_ic], s0[ok_ic], s1[ok_ic], ok_tc[ok_ic]
    if ic.size == 0:
        return _empty_foot()
    # The reported toe-off: the push-off rotation slowing down after its peak (TC_RECOVERY).
    toe_off = first_above(p, tc, np.maximum(s1, tc + 1), TC_RECOVERY * p[tc])
    # Without a TC the foot-flat search runs to the end of the cycle.
    tc_or_end = np.where(ok_tc, tc, np.maximum(s1 - 1, ic + 1))

    gyr_norm = np.sqrt(np.einsum("ij,ij->i", seg.gyr, seg.gyr))
    flat = _flat_index(gyr_norm, ic, tc_or_end)
    del gyr_norm
    cum_p = np.concatenate(([0.0], np.cumsum(p_raw) / fs))
    # angle(IC) = angle(flat) − ∫_IC^flat p dt with angle(flat) = 0 (foot flat on the ground)
    fsa = np.rad2deg(-(cum_p[flat] - cum_p[ic]))
    stride_len, spd = _zupt(seg, axis, cum_p, flat, speed, ic)
    w = max(1, int(0.05 * fs))
    impact = acc_norm[segment_arg(acc_norm, ic, np.minimum(ic + w, acc_norm.size), mode="max")]
    # Confidence: how this swing compares with the typical swing of the segment. [G]
    swing_h = p[s0]
    conf = np.clip(swing_h / (np.median(swing_h) + 1e-9), 0.0, 1.0)
    return pd.DataFrame(
        {
            "t_ic": seg.t[ic],
            "t_tc": np.where(ok_tc, seg.t[toe_off], np.nan),
            "confidence": np.where(ok_tc, conf, 0.5 * conf),
            "foot_strike_angle": fsa,
            "strike": strike_pattern(fsa),
            "stride_length": stride_len,
            "speed": spd,
            "impact": impact,
            "quality": np.full(ic.size, "", dtype=object),
        }
    )


def _contact_index(
    seg: Segment, p: FloatArray, acc_norm: FloatArray, s0: IntArray, mid: IntArray, ic_min: IntArray
) -> IntArray:
    """Initial contact of each cycle: the start of the impact, searched around the slap.

    The pitch-rate minimum after the swing (``ic_min``) is the foot slap; in walking it
    trails the contact by 20–60 ms (gaitmap and ipol references), in a forefoot strike it
    comes just before it.  The contact is the start of the impact, searched from the
    moment the swing has slowed down (:data:`SWING_GATE`; at most 120 ms before the slap)
    to 60 ms after the slap, as the earlier of two cues:

    * the rise of ‖a‖: the first rise reaching half of the sharpest one before the slap
      (a heel strike may be followed by a sharper slap), or a clearly (2×) sharper rise
      just after it (a forefoot strike), moved back to the local minimum where it starts;
    * the first sample where the change of the acceleration *vector* reaches half of its
      largest change in the window: a soft heel strike turns the specific force without
      changing its norm much (ipol subject 2).

    Measured (see the module notes): on the ipol hand-checked heel strikes this contact
    is 9 ms early on average (mean absolute 12 ms); the gaitmap motion-capture IC is the
    peak toes-up angle of the foot, 15–40 ms before the impact, hence a +17 ms offset.

    Parameters
    ----------
    seg : Segment
        Uniform samples.
    p : ndarray
        Pitch rate, rad/s, swing positive, lightly low-passed.
    acc_norm : ndarray
        ‖a‖, m/s².
    s0, mid : ndarray of int
        Cycle starts (mid-swing) and half-way points.
    ic_min : ndarray of int
        Pitch-rate minimum in the first half of each cycle.

    Returns
    -------
    ndarray of int
        Sample index of each contact.
    """
    fs = seg.fs
    w = max(1, int(0.12 * fs))
    after = max(1, int(0.06 * fs))
    b0 = np.minimum(np.maximum(np.maximum(ic_min - w, s0), _swing_end(p, s0, ic_min)), ic_min)
    # cue 1: the rise of ‖a‖
    jerk = np.append(np.diff(lowpass(acc_norm, fs, 0.45 * fs)), 0.0)
    before_at = segment_arg(jerk, b0, ic_min + 1, mode="max")
    before_at = first_above(jerk, b0, ic_min + 1, 0.5 * jerk[before_at])
    a_end = np.minimum(ic_min + after, np.maximum(mid, ic_min + 2))
    after_at = segment_arg(jerk, np.minimum(ic_min + 1, a_end - 1), a_end, mode="max")
    rise_at = np.where(jerk[after_at] > 2.0 * jerk[before_at], after_at, before_at)
    by_norm = np.maximum(onset(acc_norm, rise_at, fs), s0)
    del jerk
    # cue 2: the change of the acceleration vector
    dv = np.diff(lowpass(seg.acc, fs, 0.45 * fs), axis=0)
    turn = np.append(np.sqrt(np.einsum("ij,ij->i", dv, dv)), 0.0)
    del dv
    biggest = segment_arg(turn, b0, a_end, mode="max")
    by_vector = first_above(turn, b0, a_end, 0.5 * turn[biggest])
    return np.asarray(np.minimum(by_norm, by_vector), dtype=np.intp)


def _swing_end(p: FloatArray, s0: IntArray, ic_min: IntArray) -> IntArray:
    """First sample after each swing peak where the pitch rate is below :data:`SWING_GATE` of it."""
    peak = segment_arg(p, s0, np.maximum(ic_min, s0 + 1), mode="max")
    end = np.maximum(ic_min + 1, peak + 1)
    return first_above(-p, peak, end, -SWING_GATE * p[peak])


def _empty_foot() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "t_ic": np.zeros(0),
            "t_tc": np.zeros(0),
            "confidence": np.zeros(0),
            "foot_strike_angle": np.zeros(0),
            "strike": np.zeros(0, dtype=object),
            "stride_length": np.zeros(0),
            "speed": np.zeros(0),
            "impact": np.zeros(0),
            "quality": np.zeros(0, dtype=object),
        }
    )


def strike_pattern(fsa_deg: FloatArray) -> FloatArray:
    """Strike class per step from the foot strike angle.

    Parameters
    ----------
    fsa_deg : ndarray
        Foot strike angle, deg, positive toes up.

    Returns
    -------
    ndarray of object
        'rear' (> 8°), 'fore' (< −1.6°), 'mid' otherwise, None when NaN.
    """
    out = np.where(fsa_deg > RFS_MIN_DEG, "rear", np.where(fsa_deg < FFS_MAX_DEG, "fore", "mid"))
    res = out.astype(object)
    res[~np.isfinite(fsa_deg)] = None
    return res  # type: ignore[no-any-return]


def _flat_index(gyr_norm: FloatArray, ic: IntArray, tc: IntArray) -> IntArray:
    """Mid-stance (foot flat): the quietest sample between IC and TC."""
    return segment_arg(gyr_norm, ic, np.maximum(tc, ic + 1), mode="min")


def _zupt(
    seg: Segment,
    axis: FloatArray,
    cum_p: FloatArray,
    flat: IntArray,
    belt: float | None,
    ic: IntArray,
) -> tuple[FloatArray, FloatArray]:
    """Stride length (m) and speed (m/s) ending at each contact, NaN for the first.

    ``ic`` are the contacts' sample indices: the stride time runs from contact to contact.

    Sagittal-plane strapdown between consecutive foot-flat instants: the pitch angle is
    integrated from zero at foot flat (``cum_p`` is the running integral of the pitch
    rate, rad, with a leading 0), acceleration is rotated into (forward, up) and the
    forward velocity integrated with a zero-velocity update at both flats (linear drift
    removal in between).  On a treadmill the stance foot moves backwards at belt speed,
    so the foot displacement is ~0 and the belt speed gives the speed.

    The displacement needs no per-sample velocity array: with v_i the integrated
    velocity and the drift line removed, Σ v over a stride of L samples is
    Σ_i a_i (L − i) / fs − v_end (L − 1) / 2, computed from two cumulative sums.
    """
    fs = seg.fs
    n = flat.size
    length = np.full(n, np.nan)
    spd = np.full(n, np.nan)
    if n < 2:
        return length, spd
    starts, ends = flat[:-1], flat[1:]
    # The stride time is taken from contact to contact: the quietest (flat) sample wanders
    # within the flat phase, the contacts do not.
    stride_t = np.diff(ic) / fs
    if belt is not None and belt > 0:
        # On a belt the distance per stride is belt speed × stride time (IC to IC).
        st = stride_t.copy()
        st[st > 1.5 * np.median(st)] = np.nan  # a missed contact in between
        spd[1:] = np.where(np.isfinite(st), belt, np.nan)
        length[1:] = belt * st
        return length, spd
    # Device "up" at foot flat: mean specific force at the flats, made perpendicular to the axis.
    up = seg.acc[flat].mean(axis=0)
    up = up - axis * (up @ axis)
    up /= np.linalg.norm(up) + 1e-12
    fwd = np.cross(up, axis)
    lens = ends - starts
    # Strides run flat to flat, so their samples are the contiguous run starts[0]:ends[-1].
    idx, sid, first = flat_windows(starts, ends)
    rel = idx - starts[sid]
    # pitch relative to the stride's first flat, with the per-stride drift removed linearly
    theta = drift_free_integral(cum_p, starts, ends, idx, sid)
    a = seg.acc[int(starts[0]) : int(ends[-1])]
    wf = np.cos(theta) * (a @ fwd) - np.sin(theta) * (a @ up)
    del theta
    # Σ_i wf_i (L − i) per stride = L Σ wf − Σ i wf
    s_w = np.add.reduceat(wf, first)
    s_iw = np.add.reduceat(wf * rel, first)
    sum_v = (lens * s_w - s_iw) / fs  # Σ v_i (m/s), v_i = Σ_{j≤i} wf_j / fs
    v_end = s_w / fs
    disp = (sum_v - v_end * (lens - 1) / 2.0) / fs
    length[1:] = np.abs(disp)
    spd[1:] = np.abs(disp) / stride_t
    return length, spd


def _detect_acc(seg: Segment) -> pd.DataFrame:
    """Accelerometer-only foot contacts (see :func:`acc_cycles`, :func:`acc_events`)."""
    s0, s1 = acc_cycles(seg)
    if s0.size == 0:
        return _empty_foot()
    ic, tc, ok_tc, _ = acc_events(seg, s0, s1)
    n = ic.size
    norm = np.linalg.norm(seg.acc, axis=1)
    w = max(1, int(0.05 * seg.fs))
    impact = norm[segment_arg(norm, ic, np.minimum(ic + w, norm.size), mode="max")]
    return pd.DataFrame(
        {
            "t_ic": seg.t[ic],
            "t_tc": np.where(ok_tc, seg.t[tc], np.nan),
            "confidence": np.full(n, 0.6),
            "foot_strike_angle": np.full(n, np.nan),
            "strike": np.full(n, None, dtype=object),
            "stride_length": np.full(n, np.nan),
            "speed": np.full(n, np.nan),
            "impact": impact,
            "quality": np.full(n, "acc_only", dtype=object),
        }
    )


@dataclass(frozen=True)
class FootDetector(EventDetector):
    """Ground contacts of one foot (shoe) IMU; see :func:`detect_events` for the method and columns."""

    placement: ClassVar[str] = "foot"

    def detect(self, stream: Stream, *, speed: float | None = None) -> pd.DataFrame:
        """Detect contacts in ``stream`` (device axes, acc m/s², gyr rad/s; ``speed`` m/s)."""
        return detect_events(stream, speed=speed)

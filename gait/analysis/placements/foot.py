"""Foot (shoe) IMU: contact events, foot strike angle and pattern, stride length and speed.

Gyroscope path (Falbriard et al. 2018): the pitch (sagittal) axis is the
principal axis of the angular rate, its sign chosen so that the long swing lobe is
positive ("toes up").  Cycles run from mid-swing to mid-swing; terminal contact (TC) is
where the pitch rate, after its minimum in the second half of the cycle (the fastest
toes-down push-off), has come back to a share of that minimum (``FootDetector.tc_recovery``).
Initial contact (IC) is the start of the impact near the pitch-rate minimum of the first half
(the foot slap, which trails a heel strike by 20–60 ms in walking): see
:func:`_contact_index`.  Weak swings of the half steps that start or end a walk (or follow a
turn) are steps too (:func:`edge_swings`).  The foot strike angle is the pitch angle at IC
relative to the flat foot at mid-stance; stride length and speed come from a sagittal-plane
strapdown integration with a zero-velocity update at mid-stance (or the belt speed on a
treadmill) and linear drift removal per stride.

Reference definitions of IC differ between the public walking data sets, which bounds
what one detector can match (measured with ``benchmarks/validate_real.py``):

* gaitmap (motion capture): IC is the peak toes-up angle of the foot, i.e. the
  pitch-rate zero crossing at the end of the swing (checked against the heel and toe
  markers of ``mocap_sample.csv``: within 1 sample, SD 6 ms).  The impact follows it by
  15–40 ms, so this detector reads +21 ms there.
* ipol (detected, then checked by hand on the 100 Hz sample grid): IC is at the impact
  itself (the sharp drop of the pitch rate / rise of the acceleration), 30–60 ms after that
  zero crossing; this detector reads +4 ms there (about half a sample: it times the impact
  between samples, see :func:`_contact_index`).

Accelerometer-only path: the stance phase is where the acceleration norm is close to
gravity and quiet; IC is the impact (largest jerk) at the start of the quiet-to-loud
transition, TC the push-off peak at its end.
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
    contiguous_segments,
    drift_free_integral,
    first_above,
    flat_windows,
    lowpass,
    near_holes,
    segment_arg,
)
from gait.analysis.placements.base import EventDetector
from gait.analysis.placements.leg import (
    MAX_STRIDE,
    MIN_STRIDE,
    _stride_period,
    acc_cycles,
    acc_events,
    close_cycles,
)
from gait.contract.errors import AnalysisError
from gait.contract.recording import Stream

#: Per-step metric columns of this detector.
FOOT_COLUMNS: tuple[str, ...] = ("foot_strike_angle", "strike", "stride_length", "speed", "impact")

#: Defaults of the public helpers below (the same values as :class:`FootDetector`'s fields,
#: documented there): foot strike angle cut-offs, deg, and the swing tests.
RFS_MIN_DEG = 8.0
FFS_MAX_DEG = -1.6
SWING_LOWPASS_HZ = 4.0
SWING_FLOOR = 1.2
SWING_SHARE = 0.25
SWING_PROMINENCE = 0.3
EDGE_SWING_MIN = 1.0
EDGE_PROMINENCE = 0.1
EDGE_GAP = (0.6, 1.8)
#: Pitch-axis sign: when the largest toes-down and toes-up angles of the strides differ by
#: less than this factor, the sign is taken from their order, not their size.
SIGN_MARGIN = 2.0


def _gyro_usable(gyr: FloatArray) -> bool:
    """False for a dead gyroscope (all zeros or constant), which happens in broken files."""
    if not np.isfinite(np.sum(gyr)):
        return bool(np.nanstd(gyr, axis=0).max() > 0.05)
    # np.std down the columns of an (N, 3) array walks it with a stride; the same figure from
    # contiguous rows is ~8x cheaper and differs from it by rounding only (far below 1e-6
    # rad/s), so it decides unless it lies that close to the threshold.
    fast = float(np.std(np.ascontiguousarray(gyr.T), axis=1).max()) if gyr.ndim == 2 else np.nan
    if abs(fast - 0.05) > 1e-6:
        return fast > 0.05
    return bool(np.std(gyr, axis=0).max() > 0.05)


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
    (negative for a forefoot strike).  So with the right sign the most negative angle of a
    cycle is usually the larger one.  A steep heel strike (20–30°, with the toes still
    rising in late swing) can match or beat push-off; where the two differ by less than
    :data:`SIGN_MARGIN` the order decides: toes-down comes first after mid-stance.
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
            ratio = np.median(down) / max(float(np.median(up)), 1e-9)
            if 1.0 / SIGN_MARGIN < ratio < SIGN_MARGIN:
                # Close amplitudes (a steep heel strike lifts the toes about as far as
                # push-off lowers them): decide by order instead.  From mid-stance the foot
                # pitches toes-down first (heel rise, toe-off) and toes-up last (before the
                # next contact), so with the right sign the minimum comes before the maximum.
                n = idx.size
                at_max = np.minimum.reduceat(np.where(theta == up[seg], np.arange(n), n), first)
                at_min = np.minimum.reduceat(np.where(theta == -down[seg], np.arange(n), n), first)
                if np.median(at_max - at_min) < 0:
                    axis = -axis
            elif ratio < 1.0:
                axis = -axis
            return np.asarray(axis, dtype=np.float64)
    if np.percentile(p, 99.5) < -np.percentile(p, 0.5):
        axis = -axis
    return np.asarray(axis, dtype=np.float64)


def midswing_peaks(
    p: FloatArray,
    fs: float,
    *,
    lowpass_hz: float = SWING_LOWPASS_HZ,
    floor: float = SWING_FLOOR,
    share: float = SWING_SHARE,
    prominence: float = SWING_PROMINENCE,
    lp: FloatArray | None = None,
) -> IntArray:
    """Sample indices of mid-swing (maxima of the low-passed pitch rate).

    Parameters
    ----------
    p : ndarray, shape (N,)
        Pitch rate, rad/s, swing positive.
    fs : float
        Sampling rate, Hz.
    lowpass_hz : float
        Low-pass cut-off applied before the peak search, Hz.
    floor : float
        A swing peak must exceed this, rad/s (standing still or fidgeting gives no steps).
    share : float
        ... and this share of the typical swing peak (turning steps swing less).
    prominence : float
        ... with a prominence of at least this share of the typical swing peak.
    lp : ndarray, shape (N,), optional
        ``lowpass(p, fs, lowpass_hz)`` when the caller has it already (rad/s); computed
        here otherwise.

    Returns
    -------
    ndarray of int
    """
    from scipy.signal import find_peaks

    lp = lowpass(p, fs, lowpass_hz) if lp is None else lp
    # prominence 0.5 rad/s only thins the candidates; the share tests below decide
    peaks, props = find_peaks(lp, distance=max(1, int(MIN_STRIDE * fs)), prominence=0.5)
    if peaks.size == 0:
        return peaks.astype(np.intp)
    h = lp[peaks]
    ref = np.median(np.sort(h)[-max(1, h.size // 2) :])
    keep = (h > max(floor, share * ref)) & (props["prominences"] > prominence * ref)
    return np.asarray(peaks[keep], dtype=np.intp)


def edge_swings(
    p: FloatArray,
    fs: float,
    ms: IntArray,
    *,
    lowpass_hz: float = SWING_LOWPASS_HZ,
    min_peak: float = EDGE_SWING_MIN,
    prominence: float = EDGE_PROMINENCE,
    gap: tuple[float, float] = EDGE_GAP,
    lp: FloatArray | None = None,
) -> IntArray:
    """Weak mid-swings of half steps at the edges of a walk (start, stop, after a turn).

    Parameters
    ----------
    p : ndarray, shape (N,)
        Pitch rate, rad/s, swing positive.
    fs : float
        Sampling rate, Hz.
    ms : ndarray of int
        Regular mid-swings (:func:`midswing_peaks`), increasing.
    lowpass_hz : float
        Low-pass cut-off applied before the peak search, Hz.
    min_peak : float
        Smallest low-passed pitch-rate peak of a weak swing, rad/s.
    prominence : float
        Smallest prominence of a weak swing, as a share of the typical swing peak.
    gap : tuple of float
        Range of the distance to the nearest regular swing, in typical strides.
    lp : ndarray, shape (N,), optional
        ``lowpass(p, fs, lowpass_hz)`` when the caller has it already (rad/s); computed
        here otherwise.

    Returns
    -------
    ndarray of int
        Sample indices of the extra mid-swings, not in ``ms``: low-passed pitch-rate peaks
        of at least ``min_peak`` whose nearest regular swing lies within ``gap`` typical
        strides (so they fill a gap next to a walk rather than sit inside a regular stride
        or far from any walking).
    """
    from scipy.signal import find_peaks

    empty = np.zeros(0, dtype=np.intp)
    if ms.size < 2:
        return empty
    lp = lowpass(p, fs, lowpass_hz) if lp is None else lp
    peaks, props = find_peaks(lp, distance=max(1, int(MIN_STRIDE * fs)), prominence=0.3)
    ref = np.median(np.sort(lp[ms])[-max(1, ms.size // 2) :])
    cand = (lp[peaks] >= min_peak) & (props["prominences"] >= prominence * ref)
    cand &= ~np.isin(peaks, ms)
    pk = peaks[cand]
    if pk.size == 0:
        return empty
    typical = float(np.median(np.diff(ms)))
    j = np.searchsorted(ms, pk)
    before = np.where(j > 0, pk - ms[np.maximum(j - 1, 0)], np.iinfo(np.intp).max)
    after = np.where(j < ms.size, ms[np.minimum(j, ms.size - 1)] - pk, np.iinfo(np.intp).max)
    nearest = np.minimum(before, after)
    ok = (nearest >= gap[0] * typical) & (nearest <= gap[1] * typical)
    return np.asarray(pk[ok], dtype=np.intp)


def _recovery_time(
    p: FloatArray, t: FloatArray, tc: IntArray, end: IntArray, share: float
) -> tuple[FloatArray, FloatArray]:
    """Time (s) at which the pitch rate recovers to ``share`` of its minimum, and how fast.

    The minimum is at ``tc``; the recovery is searched up to ``end``.

    Returns the crossing times (s) and the rate of change of the pitch rate at the crossing
    divided by the depth of the minimum (1/s): the timing uncertainty of a threshold crossing
    is the signal noise over this slope, so a slow recovery gives a less certain toe-off.

    The minimum's depth is refined by a parabola through its three samples and the crossing
    is interpolated linearly between samples, so the time does not step with the sampling
    period (at 100 Hz the raw sample crossing reads up to 10 ms late).
    """
    n = p.size
    lo, hi = np.maximum(tc - 1, 0), np.minimum(tc + 1, n - 1)
    curv = p[hi] - 2 * p[tc] + p[lo]
    peak = np.where(
        curv > 0, p[tc] - (p[hi] - p[lo]) ** 2 / (8 * np.where(curv > 0, curv, 1.0)), p[tc]
    )
    thr = share * peak
    k = first_above(p, tc, end, thr)
    prev = np.maximum(k - 1, 0)
    rise = p[k] - p[prev]
    frac = np.where(
        (k > tc) & (rise > 0),
        np.clip((thr - p[prev]) / np.where(rise > 0, rise, 1.0), 0.0, 1.0),
        1.0,
    )
    dt = np.maximum(t[k] - t[prev], 1e-9)
    slope = np.where(k > tc, rise / dt, 0.0) / np.maximum(np.abs(peak), 1e-9)
    return np.asarray(t[prev] + frac * (t[k] - t[prev]), dtype=np.float64), np.asarray(
        slope, dtype=np.float64
    )


def step_confidence(
    swing: FloatArray,
    gct: FloatArray,
    slope: FloatArray,
    has_tc: np.ndarray,
    *,
    gct_tolerance: float,
    slope_share: float,
    no_tc_factor: float,
) -> FloatArray:
    """Per-step confidence (0–1) of a foot contact from how typical the step is.

    Parameters
    ----------
    swing : ndarray
        Swing peak of the stride ending at the contact over the segment's median swing peak
        (a weak swing is a half step at the edge of a walk or a turn: its IC is less sure).
    gct : ndarray
        Contact time over the segment's median contact time (NaN without a TC).
    slope : ndarray
        Recovery slope of the pitch rate at toe-off (see :func:`_recovery_time`) over the
        segment's median, (NaN without a TC).
    has_tc : ndarray of bool
        Whether the contact has a toe-off.
    gct_tolerance : float
        Relative contact-time deviation, as ``|ln(gct)|``, at which the toe-off term reaches 0.
    slope_share : float
        Recovery slopes below this share of the median lower the toe-off term in proportion.
    no_tc_factor : float
        Confidence factor of a contact without a toe-off.

    Returns
    -------
    ndarray
        ``clip(swing, 0, 1)`` times the toe-off term: ``(1 − |ln gct| / gct_tolerance) ×
        min(1, slope / slope_share)`` clipped to 0–1, or ``no_tc_factor`` without a TC.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        typical_gct = np.clip(1.0 - np.abs(np.log(gct)) / gct_tolerance, 0.0, 1.0)
        sharp = np.clip(slope / slope_share, 0.0, 1.0)
    tc_term = np.where(has_tc, np.nan_to_num(typical_gct * sharp), no_tc_factor)
    return np.asarray(np.clip(swing, 0.0, 1.0) * tc_term, dtype=np.float64)


def _curvature(x: FloatArray) -> FloatArray:
    """Centred second difference ``x[i+1] − 2 x[i] + x[i−1]`` along axis 0 (0 at both ends).

    Why the contact cues use it rather than the first difference: over one sampling period
    ``dt`` a smooth late-swing motion changes the signal by ~``ẋ dt`` but bends it by only
    ~``ẍ dt²``, while an impact shorter than a sample changes and bends it by its whole
    jump whatever the rate.  So the impact stands out of the swing at least as clearly at
    52 Hz as at 200 Hz in the second difference, but four times less in the first
    difference, where a half-maximum threshold then fires on the swing (measured: −53 ms
    at 52 Hz, see :func:`_contact_index`).
    """
    out = np.zeros_like(x, dtype=np.float64)
    out[1:-1] = x[2:] - 2.0 * x[1:-1] + x[:-2]
    return out


def _bend_time(bend: FloatArray, at: IntArray) -> FloatArray:
    """Fractional sample index of the bend found at (or just before) sample ``at``.

    ``bend`` is a second difference (:func:`_curvature`).  A signal that is flat and then
    rises along a straight line from a time ``i + φ`` between samples ``i`` and ``i + 1``
    has a second difference of ``s(1 − φ)`` at ``i`` and ``s φ`` at ``i + 1`` (``s``: rise
    per sample) and none elsewhere, so the centroid of the positive second difference
    around its peak is the bend time itself, between samples.  Taking the sample instead
    reads up to a sampling period early or late (19 ms at 52 Hz).  ``at`` is the first
    sample of the bend above a threshold; the peak is it or the next sample (a straight-line
    bend spans two samples).
    """
    n = bend.size
    nxt = np.minimum(at + 1, n - 1)
    k = np.where(bend[nxt] > bend[at], nxt, at)
    lo, hi = np.maximum(k - 1, 0), np.minimum(k + 1, n - 1)
    w0, w1, w2 = (np.maximum(bend[i], 0.0) for i in (lo, k, hi))
    tot = w0 + w1 + w2
    pos = np.where(tot > 0, (lo * w0 + k * w1 + hi * w2) / np.where(tot > 0, tot, 1.0), k)
    # A rise that is over within one sampling period started somewhere between sample k and
    # k + 1; with no way to tell where, the middle of that interval is the unbiased choice
    # (the centroid would say k).  Such a rise bends down at k + 1 about as sharply as it
    # bent up at k (a step: +J then −J); a rise that goes on bends down much less (a
    # straight ramp: not at all), hence the half.
    sub = (bend[hi] < -0.5 * bend[k]) & (hi > k)
    pos = np.where(sub, np.maximum(pos, k + 0.5), pos)
    return np.asarray(pos, dtype=np.float64)


def _contact_index(
    seg: Segment,
    p: FloatArray,
    acc_norm: FloatArray,
    s0: IntArray,
    mid: IntArray,
    ic_min: IntArray,
    *,
    swing_gate: float,
    before_s: float,
    after_s: float,
) -> FloatArray:
    """Initial contact of each cycle: the start of the impact, searched around the slap.

    The pitch-rate minimum after the swing (``ic_min``) is the foot slap; in walking it
    trails the contact by 20–60 ms (gaitmap and ipol references), in a forefoot strike it
    comes just before it.  The contact is the start of the impact, searched from the
    moment the swing has slowed down (``swing_gate``; at most ``before_s`` before the slap)
    to ``after_s`` after the slap, as the earlier of two cues:

    * the onset of the rise of ‖a‖, where ‖a‖ bends upwards (its second difference,
      :func:`_curvature`), counted only as far as the vector bends too (where the vector
      passes close to zero in late swing ‖a‖ has a V-shaped dip, a kink of the norm
      alone): the first bend reaching half of the sharpest one before the slap (a heel
      strike may be followed by a sharper slap), or a clearly (2×) sharper bend just after
      it (a forefoot strike);
    * where the acceleration *vector* bends: the first sample where the norm of its second
      difference reaches half of its largest in the window (a soft heel strike turns the
      specific force without changing its norm much: ipol subject 2).

    Both cues read the samples as the sensor gives them: the sensor's own anti-alias filter
    already limits them to its Nyquist band, and a further zero-phase low-pass would spread
    the impact backwards by about a sample (20 ms at 52 Hz).  Each bend is
    placed between samples (:func:`_bend_time`), so the contact time does not step
    with the sampling period.  Before (first differences of low-passed signals, the
    crossing taken on the sample grid) synthetic run contacts read 4, 7 and 52 ms early at
    200, 100 and 52 Hz; see the README for the figures now.

    Measured (see the module notes): on the ipol hand-checked heel strikes this contact
    is 4 ms late on average (mean absolute 15 ms, test subjects); the gaitmap motion-capture
    IC is the peak toes-up angle of the foot, 15–40 ms before the impact, hence +21 ms
    there.  Resampled to 52 Hz (``benchmarks/foot_low_rate.py``) the mean IC moves by
    −2.8 ms on gaitmap, −10 to −12 ms on ipol and −8 ms on the synthetic truth (before:
    −18, −11 to −15 and −48 ms).

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
    swing_gate : float
        The search starts once the pitch rate is below this share of the swing peak.
    before_s, after_s : float
        Search window before and after the slap, s.

    Returns
    -------
    ndarray of float
        Fractional sample index of each contact (``floor`` of it is the last sample at or
        before the contact).
    """
    fs = seg.fs
    w = max(1, int(before_s * fs))
    after = max(1, int(after_s * fs))
    b0 = np.minimum(
        np.maximum(np.maximum(ic_min - w, s0), _swing_end(p, s0, ic_min, swing_gate)), ic_min
    )
    a_end = np.minimum(ic_min + after, np.maximum(mid, ic_min + 2))
    # how sharply the acceleration vector bends (cue 2, and the gate of cue 1)
    d2 = _curvature(seg.acc)
    turn = np.sqrt(np.einsum("ij,ij->i", d2, d2))
    del d2
    # cue 1: the upward bend of ‖a‖ where the vector bends as much: where the vector passes
    # close to zero in late swing ‖a‖ has a V-shaped dip, a kink of the norm alone that at
    # 52 Hz matched half of the impact's bend (35–50 ms early with a steep heel strike)
    bend = np.minimum(_curvature(acc_norm), turn)
    sharpest = segment_arg(bend, b0, ic_min + 1, mode="max")
    thr_before = 0.5 * bend[sharpest]
    before_at = first_above(bend, b0, ic_min + 1, thr_before)
    after_at = segment_arg(bend, np.minimum(ic_min + 1, a_end - 1), a_end, mode="max")
    late = bend[after_at] > 2.0 * bend[before_at]
    by_norm = np.maximum(_bend_time(bend, np.where(late, after_at, before_at)), s0)
    del bend
    # cue 2: the bend of the acceleration vector
    biggest = segment_arg(turn, b0, a_end, mode="max")
    thr = 0.5 * turn[biggest]
    by_vector = _bend_time(turn, first_above(turn, b0, a_end, thr))
    return np.asarray(np.minimum(by_norm, by_vector), dtype=np.float64)


def _swing_end(p: FloatArray, s0: IntArray, ic_min: IntArray, gate: float) -> IntArray:
    """First sample after each swing peak where the pitch rate is below ``gate`` (share) of it."""
    peak = segment_arg(p, s0, np.maximum(ic_min, s0 + 1), mode="max")
    end = np.maximum(ic_min + 1, peak + 1)
    return first_above(-p, peak, end, -gate * p[peak])


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


def strike_pattern(
    fsa_deg: FloatArray, rear_min: float = RFS_MIN_DEG, fore_max: float = FFS_MAX_DEG
) -> FloatArray:
    """Strike class per step from the foot strike angle.

    Parameters
    ----------
    fsa_deg : ndarray
        Foot strike angle, deg, positive toes up.
    rear_min : float
        Angles above this are rearfoot strikes, deg.
    fore_max : float
        Angles below this are forefoot strikes, deg.

    Returns
    -------
    ndarray of object
        'rear' (> ``rear_min``), 'fore' (< ``fore_max``), 'mid' otherwise, None when NaN.
    """
    out = np.where(fsa_deg > rear_min, "rear", np.where(fsa_deg < fore_max, "fore", "mid"))
    res = out.astype(object)
    res[~np.isfinite(fsa_deg)] = None
    return res


def strike_angle(p: FloatArray, fs: float, ic_at: FloatArray, flat: IntArray) -> FloatArray:
    """Foot strike angle: the pitch angle at contact relative to the flat foot at mid-stance.

    Parameters
    ----------
    p : ndarray, shape (N,)
        Pitch rate, rad/s, toes-up positive (unfiltered: a low-pass would spread the
        slap's rotation over the contact).
    fs : float
        Sampling rate, Hz.
    ic_at : ndarray of float
        Contact of each step as a fractional sample index.
    flat : ndarray of int
        Foot-flat sample of each step (angle 0), after its contact.

    Returns
    -------
    ndarray of float
        ``−∫ p dt`` from the contact to foot flat, deg (positive: toes up at contact).

    Notes
    -----
    The integral is trapezoidal and starts at the contact time itself, not at a sample.
    At the contact the foot is rotating toes-down fastest (the slap, ~5 rad/s in a heel-strike
    run), so each sample of timing error is worth ``5 rad/s × dt`` (5.5° at 52 Hz), and the
    rectangle rule from the sample (the sum of ``p[i] dt``) adds half of that: with both, a
    synthetic 10° strike read 12.7° at 200 Hz and 29.9° at 52 Hz.
    """
    n = p.size
    # trapezoidal running integral, rad: cum[i] = ∫_0^i p dt over samples 0..i
    cum = np.concatenate(([0.0], np.cumsum(0.5 * (p[1:] + p[:-1])) / fs))
    at = np.clip(ic_at, 0.0, n - 1.0)
    theta_ic = np.interp(at, np.arange(n), cum)
    return np.asarray(np.rad2deg(-(cum[flat] - theta_ic)), dtype=np.float64)


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


@dataclass(frozen=True)
class FootDetector(EventDetector):
    """Ground contacts of one foot (shoe) IMU; the method is in the module notes.

    "Measured" defaults were chosen on development subjects only (``DEV_SUBJECTS`` of
    ``benchmarks/validate_real.py``: IPOL 1–5, gaitmap) with
    ``.venv/bin/python benchmarks/validate_real.py --per-subject``; "guess" marks a value set
    by hand, kept because the synthetic sweeps (``tests/test_sweep_legs.py``) and the real data
    pass with it.

    Parameters
    ----------
    tc_recovery : float
        Toe-off: share (0–1] of the push-off pitch-rate minimum the rate has come back to
        (1.0: the minimum itself). Default 0.7, measured: TC mean absolute error on IPOL dev
        9.5 ms and gaitmap 4.5 ms (1.0: 35.9 and 11.1 ms; 0.9: 15 and 3.5 ms; 0.75: 9 and 6 ms).
    depth : float
        A contact's pitch-rate minima (slap and push-off) must reach this share of the
        typical minimum of the segment, else IC is rejected / TC unknown. Default 0.1, guess.
    swung_min : float
        Peak pitch rate a cycle starting at a swing must show before its contact, rad/s
        (rejects the first cycle of a recording that starts standing still). Default 0.6, guess.
    swing_gate : float
        The IC search starts once the pitch rate has fallen below this share of the swing
        peak (a knock against the other leg in late swing is not a contact; gaitmap left
        foot at 9.5 s). Default 0.3, guess.
    ic_before_s, ic_after_s : float
        IC search window before and after the foot-slap pitch-rate minimum, s: in walking
        the slap trails the heel strike by 20–60 ms. Defaults 0.12 and 0.06, guess.
    pitch_lowpass_hz : float
        Low-pass of the pitch rate for the event search, Hz (capped at 0.4 × rate): keeps
        the contact minima sharp, removes sensor noise. Default 30, guess.
    swing_lowpass_hz : float
        Low-pass of the pitch rate for the mid-swing search, Hz. Default 4, guess.
    swing_floor : float
        A mid-swing peak must exceed this, rad/s (standing still or fidgeting gives no
        steps). Default 1.2, guess.
    swing_share, swing_prominence : float
        ... and this share of the typical swing peak (turning steps swing less), with a
        prominence of at least ``swing_prominence`` of it. Defaults 0.25 and 0.3, guess.
    edge_swing_min : float
        A weak swing of a half step at the start or end of a walk (or after a turn) is a
        step when its low-passed pitch-rate peak reaches this, rad/s. Default 1.0, measured
        by eye on the IPOL dev trials (first/last steps 1.3–1.7 rad/s, regular swings 5–6).
    edge_prominence : float
        ... with a prominence of at least this share of the typical swing. Default 0.1, guess.
    edge_gap : tuple of float
        ... and its nearest regular swing lies this many typical strides away (it fills a
        gap at the edge of a walk; a bump inside a regular stride is closer). Default
        (0.6, 1.8), guess.
    min_gct_s, max_gct_share : float
        A TC is kept when the contact lasts more than ``min_gct_s`` (s) and less than
        ``max_gct_share`` of the cycle. Defaults 0.05 s and 0.8, guess.
    impact_window_s : float
        The impact is the peak ‖a‖ within this time after IC, s. Default 0.05, guess.
    rfs_min_deg, ffs_max_deg : float
        Foot strike angle cut-offs of the strike pattern, deg: rearfoot above
        ``rfs_min_deg``, forefoot below ``ffs_max_deg``. Defaults 8.0 and −1.6 (Altman &
        Davis 2012, Gait Posture 35(2):298–300, sensor-free video/mocap classification).
    acc_only_confidence : float
        Confidence of every step found without a gyroscope. Default 0.6, guess.
    conf_gct_tolerance, conf_slope_share, conf_no_tc : float
        Per-step confidence (:func:`step_confidence`): the toe-off term falls to 0 when the
        contact time is ``exp(±conf_gct_tolerance)`` times the recording's median, and in
        proportion when the pitch-rate recovery slope at toe-off is below
        ``conf_slope_share`` of the median; a step without a toe-off gets ``conf_no_tc``.
        Defaults 0.2, 0.5 and 0.5: guesses, checked on the development subjects only (IPOL
        1–5: per-step TC MAE 17.6 / 8.5 / 8.3 ms in the confidence bands < 0.5, 0.5–0.8,
        ≥ 0.8, printed by ``benchmarks/validate_real.py``).
    """

    placement: ClassVar[str] = "foot"

    tc_recovery: float = 0.7
    depth: float = 0.1
    swung_min: float = 0.6
    swing_gate: float = 0.3
    ic_before_s: float = 0.12
    ic_after_s: float = 0.06
    pitch_lowpass_hz: float = 30.0
    swing_lowpass_hz: float = SWING_LOWPASS_HZ
    swing_floor: float = SWING_FLOOR
    swing_share: float = SWING_SHARE
    swing_prominence: float = SWING_PROMINENCE
    edge_swing_min: float = EDGE_SWING_MIN
    edge_prominence: float = EDGE_PROMINENCE
    edge_gap: tuple[float, float] = EDGE_GAP
    min_gct_s: float = 0.05
    max_gct_share: float = 0.8
    impact_window_s: float = 0.05
    rfs_min_deg: float = RFS_MIN_DEG
    ffs_max_deg: float = FFS_MAX_DEG
    acc_only_confidence: float = 0.6
    conf_gct_tolerance: float = 0.2
    conf_slope_share: float = 0.5
    conf_no_tc: float = 0.5

    def detect(self, stream: Stream, *, speed: float | None = None) -> pd.DataFrame:
        """Detect ground contacts of one foot sensor (see the module notes for the method).

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
            if not np.isfinite(seg.acc).all() or (
                seg.gyr is not None and not np.isfinite(seg.gyr).all()
            ):
                raise AnalysisError(f"stream {stream.name!r} holds non-finite samples")
            if seg.gyr is not None and _gyro_usable(seg.gyr):
                df = self._detect_gyro(seg, speed)
            else:
                df = self._detect_acc(seg)
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

    def _detect_gyro(self, seg: Segment, speed: float | None) -> pd.DataFrame:
        """Gyroscope event detection and per-stride metrics on one contiguous segment."""
        assert seg.gyr is not None
        fs = seg.fs
        axis = _pitch_axis_fs(seg.gyr, fs)
        p_raw = seg.gyr @ axis
        # A mild low-pass keeps the contact minima sharp but removes sensor noise.
        p = lowpass(p_raw, fs, min(self.pitch_lowpass_hz, 0.4 * fs))
        # the swing search and the edge-swing search look at the same low-passed rate
        p_swing = lowpass(p_raw, fs, self.swing_lowpass_hz)
        strong = midswing_peaks(
            p_raw,
            fs,
            lowpass_hz=self.swing_lowpass_hz,
            floor=self.swing_floor,
            share=self.swing_share,
            prominence=self.swing_prominence,
            lp=p_swing,
        )
        if strong.size < 1:
            return _empty_foot()
        edge = edge_swings(
            p_raw,
            fs,
            strong,
            lowpass_hz=self.swing_lowpass_hz,
            min_peak=self.edge_swing_min,
            prominence=self.edge_prominence,
            gap=self.edge_gap,
            lp=p_swing,
        )
        del p_swing
        ms = np.union1d(strong, edge).astype(np.intp)
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
        ic_at = _contact_index(
            seg,
            p,
            acc_norm,
            s0,
            mid,
            ic_min,
            swing_gate=self.swing_gate,
            before_s=self.ic_before_s,
            after_s=self.ic_after_s,
        )
        # the sample windows below start at the last sample at or before the contact
        ic = np.floor(ic_at).astype(np.intp)
        # A real contact has a clear pitch-rate minimum at IC inside its window (an extremum on
        # the window edge means the event lies outside the data).  The push-off minimum may
        # be missing (the last step before standing still, a step cut by the end of the data):
        # then the contact is kept with an unknown TC.
        depth_ic, depth_tc = p[ic_min], p[tc]
        # A contact ends a swing: the window before it must hold a real swing peak (this
        # rejects the leading cycle of a recording that starts standing still).
        pre = segment_arg(p, s0, np.maximum(ic_min, s0 + 1), mode="max")
        from_swing = np.isin(s0, ms)
        swung = np.where(from_swing, p[pre] > self.swung_min, p[pre] > 0.3 * np.median(p[strong]))
        deep = depth_ic < self.depth * min(np.median(depth_ic), 0.0)
        # The last step before standing still often ends without a foot slap (a shallow
        # minimum); a swing always ends in a contact, so that one is kept all the same.
        last = np.append(s0[1:] != s1[:-1], True)
        ok_ic = (deep | (last & from_swing)) & (ic_min > s0 + 1) & swung
        gct = (tc - ic) / fs
        ok_tc = (
            (depth_tc < self.depth * min(np.median(depth_tc), 0.0))
            & (tc < s1 - 2)
            & (tc > mid)
            & (gct > self.min_gct_s)
            & (gct < self.max_gct_share * (s1 - s0) / fs)
        )
        ic, tc, s0, s1, ok_tc = ic[ok_ic], tc[ok_ic], s0[ok_ic], s1[ok_ic], ok_tc[ok_ic]
        ic_at = ic_at[ok_ic]
        if ic.size == 0:
            return _empty_foot()
        # contact time between samples (uniform samples: linear in the index)
        t_ic = np.interp(ic_at, np.arange(seg.t.size), seg.t)
        # The reported toe-off: the push-off rotation slowing down after its peak.
        t_toe_off, slope = _recovery_time(p, seg.t, tc, np.maximum(s1, tc + 1), self.tc_recovery)
        # Without a TC the foot-flat search runs to the end of the cycle.
        tc_or_end = np.where(ok_tc, tc, np.maximum(s1 - 1, ic + 1))

        gyr_norm = np.sqrt(np.einsum("ij,ij->i", seg.gyr, seg.gyr))
        flat = _flat_index(gyr_norm, ic, tc_or_end)
        del gyr_norm
        cum_p = np.concatenate(([0.0], np.cumsum(p_raw) / fs))
        # angle(IC) = angle(flat) − ∫_IC^flat p dt with angle(flat) = 0 (foot flat on the ground),
        # from the contact time itself: see strike_angle.
        fsa = strike_angle(p_raw, fs, ic_at, flat)
        stride_len, spd = _zupt(seg, axis, cum_p, flat, speed, ic)
        w = max(1, int(self.impact_window_s * fs))
        impact = acc_norm[segment_arg(acc_norm, ic, np.minimum(ic + w, acc_norm.size), mode="max")]
        swing_h = p[s0]
        gct_s = np.where(ok_tc, t_toe_off - t_ic, np.nan)
        slope = np.where(ok_tc, slope, np.nan)
        typical = ok_tc.any()
        conf = step_confidence(
            swing_h / (np.median(swing_h) + 1e-9),
            gct_s / np.nanmedian(gct_s) if typical else gct_s,
            slope / np.nanmedian(slope) if typical else slope,
            ok_tc,
            gct_tolerance=self.conf_gct_tolerance,
            slope_share=self.conf_slope_share,
            no_tc_factor=self.conf_no_tc,
        )
        return pd.DataFrame(
            {
                "t_ic": t_ic,
                "t_tc": np.where(ok_tc, t_toe_off, np.nan),
                "confidence": conf,
                "foot_strike_angle": fsa,
                "strike": strike_pattern(fsa, self.rfs_min_deg, self.ffs_max_deg),
                "stride_length": stride_len,
                "speed": spd,
                "impact": impact,
                "quality": np.full(ic.size, "", dtype=object),
            }
        )

    def _detect_acc(self, seg: Segment) -> pd.DataFrame:
        """Accelerometer-only foot contacts (see :func:`acc_cycles`, :func:`acc_events`)."""
        s0, s1 = acc_cycles(seg)
        if s0.size == 0:
            return _empty_foot()
        ic, tc, ok_tc, _ = acc_events(seg, s0, s1)
        n = ic.size
        norm = np.linalg.norm(seg.acc, axis=1)
        w = max(1, int(self.impact_window_s * seg.fs))
        impact = norm[segment_arg(norm, ic, np.minimum(ic + w, norm.size), mode="max")]
        return pd.DataFrame(
            {
                "t_ic": seg.t[ic],
                "t_tc": np.where(ok_tc, seg.t[tc], np.nan),
                "confidence": np.full(n, self.acc_only_confidence),
                "foot_strike_angle": np.full(n, np.nan),
                "strike": np.full(n, None, dtype=object),
                "stride_length": np.full(n, np.nan),
                "speed": np.full(n, np.nan),
                "impact": impact,
                "quality": np.full(n, "acc_only", dtype=object),
            }
        )

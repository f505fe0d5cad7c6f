"""Stride cycles and accelerometer contact events shared by leg sensors (foot, shank).

Used by :mod:`gait.analysis.placements.foot` (for its accelerometer-only fallback and the impact
onset) and :mod:`gait.analysis.placements.shank`. Without a gyroscope the swing is the loud part of
each stride: cycles come from the humps of a low-passed envelope of |‖a‖ − g|; IC is the
impact at the start of the quiet-to-loud transition and TC the push-off at its end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gait.analysis.placements._signal import (
    FloatArray,
    IntArray,
    Segment,
    lowpass,
    segment_arg,
)
from gait.contract.constants import G

#: Shortest and longest plausible stride, s (sprinting to slow walking). [G]
MIN_STRIDE = 0.45
MAX_STRIDE = 2.5
#: The final cycle cut by the end of the data is kept when at least this share of a
#: typical stride remains after its swing (the contact lies in the first half). [G]
CLIP_SHARE = 0.6
#: With a gyroscope, a rise further than this share of the stride from the usual delay
#: after mid-swing is not the impact (the swing's duration varies far less). [G]
IC_DELAY_SPREAD = 0.15


def acc_cycles(seg: Segment) -> tuple[IntArray, IntArray]:
    """Stride cycles of a leg sensor from the accelerometer alone.

    The swing is the loud part of each stride: a low-passed envelope of |‖a‖ − g| has
    one hump per stride, whose peaks delimit cycles (as mid-swing does for the
    gyroscope).  The envelope cut-off follows the stride frequency found by the
    autocorrelation of the envelope, so walking and running both give one hump.

    Parameters
    ----------
    seg : Segment
        Uniform samples.

    Returns
    -------
    s0, s1 : ndarray of int
        Half-open cycle windows.
    """
    from scipy.signal import find_peaks

    fs = seg.fs
    norm = np.sqrt(np.einsum("ij,ij->i", seg.acc, seg.acc))
    empty = np.zeros(0, dtype=np.intp)
    if np.ptp(norm) < 0.5 * G or norm.size < 2 * fs:
        return empty, empty
    dev = np.abs(norm - np.median(norm))
    stride = _stride_period(lowpass(dev, fs, 4.0), fs)
    env = lowpass(dev, fs, min(0.8 / stride, 3.0))
    pk, _ = find_peaks(env, distance=max(1, int(0.6 * stride * fs)))
    if pk.size < 2:
        return empty, empty
    h = env[pk]
    ref = np.median(np.sort(h)[-max(1, h.size // 2) :])
    pk = pk[h > 0.35 * ref]
    if pk.size < 2:
        return empty, empty
    # A hump missed between two found ones (a weak swing) leaves a double-length cycle:
    # split it so its contact is still searched.
    d = np.diff(pk)
    med = np.median(d)
    double = np.flatnonzero((d > 1.6 * med) & (d < 2.4 * med))
    pk = np.insert(pk, double + 1, pk[double] + d[double] // 2)
    return close_cycles(np.asarray(pk, dtype=np.intp), fs, norm.size)


def _stride_period(x: FloatArray, fs: float) -> float:
    """Stride period, s: the autocorrelation peak of ``x`` in [MIN_STRIDE, MAX_STRIDE].

    Step and stride both repeat in a leg signal, the stride being the true period; the
    leg moves once per stride, so the strongest lag in this band is the stride.
    """
    from scipy.signal import fftconvolve

    n = min(x.size, int(60 * fs))  # one minute is plenty for the period
    y = x[:n] - x[:n].mean()
    ac = fftconvolve(y, y[::-1], mode="full")[n - 1 :]
    lo, hi = int(MIN_STRIDE * fs), min(int(MAX_STRIDE * fs), n - 1)
    if hi <= lo:
        return 1.0
    return float((lo + int(np.argmax(ac[lo:hi]))) / fs)


def acc_events(
    seg: Segment,
    s0: IntArray,
    s1: IntArray,
    *,
    from_midswing: bool = False,
    swing: SwingOnset | None = None,
    ic_delay_spread: float = IC_DELAY_SPREAD,
) -> tuple[IntArray, IntArray, NDArray[np.bool_], NDArray[np.bool_]]:
    """IC and TC of each cycle from the acceleration norm.

    The two steepest rises of ‖a‖ in a stride are the impact at IC and the swing onset
    at TC.  With cycles from mid-swing (a gyroscope) the impact is the steepest rise of
    the cycle.  Without, two cues vote on which rise is the impact, each event compared
    with its neighbours (which are of the other kind): the impact is the sharper rise,
    and the stance after IC is quieter than the swing after TC; the votes fix one phase
    of IC within the cycle for the whole segment, so a noisy stride cannot swap IC and
    TC; one more impact is searched one cycle before the first and after the last cycle
    (:func:`_edge_impacts`: a recording's first contact can precede the first envelope
    hump).  TC is then the steepest rise between this IC and the next.  Each event is the
    nearest local minimum of ‖a‖ before its rise, where the event itself happens.

    Parameters
    ----------
    seg : Segment
        Uniform samples.
    s0, s1 : ndarray of int
        Stride cycles.
    from_midswing : bool
        True when the cycles run from mid-swing to mid-swing (found with a gyroscope).
    swing : SwingOnset, optional
        Time TC by :func:`swing_onset` (after the push-off minimum) instead of at the
        onset of the steepest rise.
    ic_delay_spread : float
        With ``from_midswing``: a rise further than this share of the stride from the
        usual mid-swing-to-impact delay is taken as a lost impact (``weak``).

    Returns
    -------
    ic, tc : ndarray of int
        Sample indices.
    ok_tc : ndarray of bool
        False where no TC was found before the next IC (then ``tc`` is meaningless).
    weak : ndarray of bool
        True where the impact is much weaker than usual (e.g. lost in a dropped packet);
        with a gyroscope IC is then placed at the typical delay after mid-swing.
    """
    fs = seg.fs
    n = seg.t.size
    norm = np.sqrt(np.einsum("ij,ij->i", seg.acc, seg.acc))
    lp = lowpass(norm, fs, min(50.0, 0.4 * fs))
    # The impact is a spike of a few ms: only a light filter keeps it the sharpest rise.
    rise = np.append(np.diff(lowpass(norm, fs, 0.45 * fs)), 0.0)
    gap = max(2, int(0.08 * fs))
    empty = np.zeros(0, dtype=np.intp)
    none = np.zeros(0, dtype=bool)
    if s0.size < 2:
        return empty, empty, none, none
    r1 = segment_arg(rise, s0, s1, mode="max")
    weak = np.zeros(s0.size, dtype=bool)
    if from_midswing:
        # After mid-swing the impact comes before the swing onset: of the two steepest
        # rises, a strong earlier one is the impact (at low rates the sampled impact
        # spike can be smaller than the swing onset).
        hi_start = np.minimum(r1 + gap, s1 - 1)
        ra = segment_arg(rise, s0, np.maximum(r1 - gap, s0 + 1), mode="max")
        earlier = (ra < r1 - gap + 1) & (rise[ra] >= 0.5 * rise[r1])
        del hi_start
        r1 = np.where(earlier, ra, r1)
        ic_r = r1
        # An impact far weaker than usual was probably lost in a hole in the data: use
        # the (very stable) delay from mid-swing to IC instead. [G: the 0.4 ratio]
        weak = rise[r1] < 0.4 * np.median(rise[r1])
        # A lost impact can leave the push-off rise as the steepest one: a rise far from
        # the usual delay after mid-swing (the swing's duration is stable) is no impact.
        if (~weak).sum() >= 3:
            typical = np.median((r1 - s0)[~weak])
            weak |= np.abs((r1 - s0) - typical) > ic_delay_spread * np.median(s1 - s0)
        if weak.any() and (~weak).sum() >= 3:
            delay = int(np.median((r1 - s0)[~weak]))
            ic_r = np.where(weak, np.minimum(s0 + delay, s1 - 1), r1)
    else:
        ic_r = _impact_by_vote(rise, lp, r1, s0, s1, gap, fs)
        weak = np.zeros(ic_r.size, dtype=bool)  # may hold one more impact at each edge
    order = np.argsort(ic_r, kind="stable")
    ic_r, weak = ic_r[order], weak[order]
    keep = np.concatenate(([True], np.diff(ic_r) > gap))
    ic_r, weak = ic_r[keep], weak[keep]
    stride = int(np.median(s1 - s0))
    nxt = np.append(ic_r[1:], min(n, int(ic_r[-1]) + stride))
    t0 = ic_r + gap
    # TC lies before the next impact and, should that impact be missing, well within
    # one stride (contact is < 80 % of a stride even in slow walking). [G]
    end = np.minimum(nxt - gap, ic_r + int(0.8 * stride))
    ok_tc = t0 < end
    t1 = np.where(ok_tc, end, t0 + 1)
    t0 = np.minimum(t0, n - 2)
    t1 = np.minimum(np.maximum(t1, t0 + 1), n)
    ic = np.where(weak, ic_r, onset(norm, ic_r, fs))
    if swing is None:
        tc = onset(norm, segment_arg(rise, t0, t1, mode="max"), fs)
    else:
        tc = swing_onset(norm, ic, t0, t1, fs, swing)
    ok_tc &= tc > ic
    return ic.astype(np.intp), tc.astype(np.intp), ok_tc, weak


@dataclass(frozen=True)
class SwingOnset:
    """Parameters of :func:`swing_onset`.

    Parameters
    ----------
    cutoff : float
        Low-pass cut-off of the acceleration norm, Hz (capped at 0.4 fs).
    lag_share : float
        Toe-off after the push-off minimum as a share of the time from IC to that minimum.
    lag_min : float
        Shortest toe-off lag after the push-off minimum, s.
    lead : float
        Extra lag for the filter moving the minimum earlier, s.
    back : float
        Longest look-back from the swing's steepest rise to the push-off minimum, s.
    """

    cutoff: float = 20.0
    lag_share: float = 0.04
    lag_min: float = 0.02
    lead: float = 0.005
    back: float = 0.08


def swing_onset(
    norm: FloatArray, ic: IntArray, t0: IntArray, t1: IntArray, fs: float, p: SwingOnset
) -> IntArray:
    """Terminal contact from the push-off minimum of the smoothed acceleration norm.

    Push-off ends with the shank's acceleration norm at a minimum (the ankle is no longer
    driven up and forward by the foot rolling over its toes); the steepest rise after it
    is the swing.  The lowest smoothed norm within ``p.back`` before that rise is the
    minimum, and toe-off comes ``max(lag_share * (minimum - IC), lag_min) + lead`` after
    it: the toes leave the ground while the foot's push-off rotation recovers, 20–50 ms
    after its fastest point in real walking (4 % of contact, at least 20 ms: the push-off
    of :mod:`gait.synth.foot`, measured on real foot recordings).

    Parameters
    ----------
    norm : ndarray
        Acceleration norm, m/s².
    ic : ndarray of int
        Initial contact of each window.
    t0, t1 : ndarray of int
        Half-open search windows (after IC, before the next IC).
    fs : float
        Sampling rate, Hz.
    p : SwingOnset
        Parameters.

    Returns
    -------
    ndarray of int
        TC sample of each window.
    """
    cutoff, back = p.cutoff, p.back
    sm = lowpass(norm, fs, min(cutoff, 0.4 * fs))
    rise = np.append(np.diff(sm), 0.0)
    r = segment_arg(rise, t0, t1, mode="max")
    # The push-off minimum: the lowest smoothed norm shortly before the rise.
    lo = segment_arg(sm, np.maximum(t0, r - int(back * fs)), r + 1, mode="min")
    lag = np.maximum(p.lag_share * (lo - ic), p.lag_min * fs) + p.lead * fs
    out = lo + np.round(lag).astype(np.intp)
    return np.asarray(np.minimum(out, norm.size - 1), dtype=np.intp)


def _impact_by_vote(
    rise: FloatArray,
    lp: FloatArray,
    r1: IntArray,
    s0: IntArray,
    s1: IntArray,
    gap: int,
    fs: float,
) -> IntArray:
    """Impact rise of each cycle without a gyroscope (see :func:`acc_events`)."""
    n = lp.size
    lo_end = np.maximum(r1 - gap, s0 + 1)
    hi_start = np.minimum(r1 + gap, s1 - 1)
    ra = segment_arg(rise, s0, lo_end, mode="max")
    rb = segment_arg(rise, hi_start, np.maximum(s1, hi_start + 1), mode="max")
    r2 = np.where(rise[ra] >= rise[rb], ra, rb)
    ev = np.unique(np.concatenate((r1, r2)))
    if ev.size < 4:
        return r1
    h = rise[ev]
    nb = np.empty(ev.size)
    nb[1:-1] = 0.5 * (h[:-2] + h[2:])
    nb[0], nb[-1] = h[1], h[-2]
    dev = np.abs(lp - np.median(lp))
    cum = np.concatenate(([0.0], np.cumsum(dev)))
    stride = float(np.median(s1 - s0))
    a0 = np.minimum(ev + int(0.05 * stride), n - 1)
    a1 = np.minimum(ev + int(0.3 * stride), n)
    post = (cum[a1] - cum[a0]) / np.maximum(a1 - a0, 1)
    alt = np.empty(ev.size)
    alt[1:-1] = 0.5 * (post[:-2] + post[2:])
    alt[0], alt[-1] = post[1], post[-2]
    vote = (h - nb) / (np.abs(h) + np.abs(nb) + 1e-12) + (alt - post) / (alt + post + 1e-12)
    v = dict(zip(ev.tolist(), vote.tolist(), strict=True))
    v1 = np.array([v[i] for i in r1.tolist()])
    v2 = np.array([v[i] for i in r2.tolist()])
    win = np.where(v1 >= v2, r1, r2)
    length = np.maximum(s1 - s0, 1)
    ang = 2 * np.pi * (win - s0) / length
    phi = np.arctan2(np.sin(ang).mean(), np.cos(ang).mean())

    # Search each cycle's impact around the expected position (±¼ cycle), in windows not
    # tied to the cycle borders, so an impact near a border is still found.
    expect = s0 + np.round((phi % (2 * np.pi)) / (2 * np.pi) * length).astype(np.intp)
    quarter = (length // 4).astype(np.intp)
    w0 = np.clip(expect - quarter, 0, n - 1)
    w1 = np.clip(expect + quarter, 1, n)
    w0 = np.maximum(w0, np.concatenate(([0], w1[:-1])))  # keep windows disjoint
    ok = w1 > w0
    del fs
    found = segment_arg(rise, w0[ok], w1[ok], mode="max")
    return _edge_impacts(rise, found, expect[ok], length[ok], quarter[ok], w0[ok], w1[ok])


#: An impact outside the first or last cycle is kept when its rise is at least this share
#: of the median impact rise (the same "as strong as a usual impact" test as the 0.5 of
#: the gyroscope branch of :func:`acc_events`). [G]
EDGE_IMPACT_SHARE = 0.5


def _edge_impacts(
    rise: FloatArray,
    found: IntArray,
    expect: IntArray,
    length: IntArray,
    quarter: IntArray,
    w0: IntArray,
    w1: IntArray,
) -> IntArray:
    """Add the impact one cycle before the first and one after the last found impact.

    Cycles run from envelope hump to hump; when a hump tops just after its impact (a loud,
    clipped running impact dominates the envelope), the first contact of a recording lies
    before the first cycle and no cycle holds it.  The impact one typical cycle before the
    first (after the last) expected one is searched in the same ±¼-cycle window and kept
    only when it is a complete, strong rise: a local maximum inside the window (not cut by
    the edge of the data) at least :data:`EDGE_IMPACT_SHARE` of the median impact rise.
    """
    n = rise.size
    if found.size < 3:
        return found
    strong = EDGE_IMPACT_SHARE * float(np.median(rise[found]))
    extra: list[int] = []
    for e, q, lo_lim, hi_lim in (
        (int(expect[0] - length[0]), int(quarter[0]), 0, int(w0[0])),
        (int(expect[-1] + length[-1]), int(quarter[-1]), int(w1[-1]), n),
    ):
        a, b = max(e - q, lo_lim, 1), min(e + q, hi_lim, n - 1)
        if b - a < max(2, q):  # too little of the window lies in the data
            continue
        k = a + int(np.argmax(rise[a:b]))
        if (
            rise[k] >= strong
            and rise[k] >= rise[k - 1]
            and rise[k] >= rise[k + 1]
            and a < k < b - 1
        ):
            extra.append(k)
    if not extra:
        return found
    return np.sort(np.concatenate((found, np.asarray(extra, dtype=np.intp))))


def onset(x: FloatArray, r: IntArray, fs: float) -> IntArray:
    """Nearest local minimum of ``x`` at or before each rise ``r`` (at most 25 ms back).

    Parameters
    ----------
    x : ndarray
        Unfiltered acceleration norm, m/s² (filtering would smear the onset earlier).
    r : ndarray of int
        Sample of the steepest rise.
    fs : float
        Sampling rate, Hz.

    Returns
    -------
    ndarray of int
    """
    d = np.diff(x)
    minima = np.flatnonzero((d[:-1] <= 0) & (d[1:] > 0)) + 1
    back = max(2, round(0.025 * fs))
    if minima.size == 0:
        return r
    k = np.searchsorted(minima, r, side="right") - 1
    cand = minima[np.clip(k, 0, None)]
    ok = (k >= 0) & (r - cand <= back)
    return np.asarray(np.where(ok, cand, r), dtype=np.intp)


def close_cycles(
    ms: IntArray, fs: float, n: int, *, clip_end: bool = False
) -> tuple[IntArray, IntArray]:
    """Cycle windows from consecutive mid-swing indices.

    A swing followed by a pause (no swing within :data:`MAX_STRIDE`) or by the end of the
    data still ends in a contact, so its cycle is closed one typical stride later.

    Parameters
    ----------
    ms : ndarray of int
        Mid-swing sample indices, increasing.
    fs : float
        Sampling rate, Hz.
    n : int
        Number of samples.
    clip_end : bool
        Keep a closed cycle that the end of the data cuts short, ending it at the last
        sample, when at least :data:`CLIP_SHARE` of a typical stride remains (the
        contact after the last swing of a recording that stops soon after the walk).

    Returns
    -------
    s0, s1 : ndarray of int
        Half-open cycle windows.
    """
    if ms.size == 0:
        z = np.zeros(0, dtype=np.intp)
        return z, z
    typical = int(np.median(np.diff(ms))) if ms.size > 1 else int(1.0 * fs)
    typical = min(max(typical, int(MIN_STRIDE * fs)), int(MAX_STRIDE * fs))
    # The data may start in stance: a leading cycle (validated by the caller) catches
    # the contact before the first swing.
    if ms[0] >= typical:
        ms = np.concatenate(([ms[0] - typical], ms))
    nxt = np.append(ms[1:], n - 1)
    long = (nxt - ms) > MAX_STRIDE * fs
    closed = long | (np.arange(ms.size) == ms.size - 1)
    nxt = np.where(closed, ms + typical, nxt)
    if clip_end:
        cut = closed & (nxt > n - 1) & ((n - 1 - ms) >= CLIP_SHARE * typical)
        nxt = np.where(cut, n - 1, nxt)
    # a cycle cut by the end of the data would put its events in the wrong place
    ok = ((nxt - ms) >= 0.5 * MIN_STRIDE * fs) & (nxt <= n - 1)
    return ms[ok].astype(np.intp), nxt[ok].astype(np.intp)


#: Low-pass that keeps the shank's sagittal tilt and swing but not the impact, Hz. [G]
TILT_CUTOFF = 6.0
#: A stride whose tilt minimum comes before this share of the stride is running
#: (a flight phase exists: duty factor < 0.5, the definition of running). [G]
RUN_DUTY = 0.5


def sagittal_forward(lp: FloatArray, ml_axis: FloatArray | None = None) -> FloatArray:
    """Unit device vector along the shank's forward direction, up to its sign.

    The sagittal plane holds nearly all of the shank's low-frequency motion (tilt and
    swing), so its normal is the mediolateral axis: the gyroscope's principal axis when
    there is one, else the direction in which the low-passed acceleration varies least.
    Forward is then perpendicular, within that plane, to the mean specific force (which
    points up the shank: gravity plus the swing's centripetal acceleration).

    Parameters
    ----------
    lp : ndarray, shape (N, 3)
        Low-passed acceleration, m/s², device axes.
    ml_axis : ndarray, shape (3,), optional
        Mediolateral axis in device coordinates (e.g. from the gyroscope).

    Returns
    -------
    ndarray, shape (3,)
    """
    if ml_axis is None:
        c = lp - lp.mean(axis=0)
        _, vecs = np.linalg.eigh(c.T @ c)
        ml_axis = vecs[:, 0]
    n = ml_axis / np.linalg.norm(ml_axis)
    g = lp.mean(axis=0)
    g = g - (g @ n) * n
    f = np.cross(n, g)
    return np.asarray(f / max(float(np.linalg.norm(f)), 1e-12), dtype=np.float64)


def _window_mean(cum: FloatArray, a: IntArray, b: IntArray) -> FloatArray:
    """Mean of the signal over ``[a, b)`` from its running sum ``cum`` (leading 0)."""
    b = np.minimum(np.maximum(b, a + 1), cum.size - 1)
    a = np.minimum(a, b - 1)
    return np.asarray((cum[b] - cum[a]) / (b - a), dtype=np.float64)


def tilt_tc(
    seg: Segment,
    ic: IntArray,
    *,
    ml_axis: FloatArray | None = None,
    cutoff: float = TILT_CUTOFF,
    run_duty: float = RUN_DUTY,
    rate_share: float | None = None,
) -> tuple[IntArray, NDArray[np.bool_], NDArray[np.bool_]]:
    """Terminal contact of each stride from the shank's forward acceleration.

    Over stance the shank rotates from ankle-ahead to ankle-behind, so the forward
    component of gravity falls; it is lowest when the foot leaves the ground and the
    shank starts its swing, which then accelerates it forward (the forward acceleration
    rises steeply).  In running the push-off ends at the lowest point; in walking the
    knee already flexes in double support, the lowest point comes in pre-swing and
    toe-off is the steep rise that follows (the swing onset).  So TC is the minimum of
    the low-passed forward acceleration after IC when that minimum lies in the first
    half of the stride (a flight phase: running), else the steepest rise after it.
    Checked against force-plate contacts in ``benchmarks/validate_running.py``; shank
    acceleration marks toe-off in running as in Sinclair et al., J Appl Biomech 29
    (2013) 118–122, and the tilt-then-swing sequence is the shank kinematics of Novacheck,
    Gait Posture 7 (1998) 77–95.

    Parameters
    ----------
    seg : Segment
        Uniform samples.
    ic : ndarray of int
        Initial contacts, increasing.
    ml_axis : ndarray, shape (3,), optional
        Mediolateral axis (device coordinates) when a gyroscope gives it.
    cutoff : float
        Low-pass cut-off of the tilt, Hz (:data:`TILT_CUTOFF`).
    run_duty : float
        Tilt minimum earlier than this share of the stride: running (:data:`RUN_DUTY`).
    rate_share : float, optional
        Running: TC where the backward tilt has slowed to this share of its fastest rate
        before the extreme, instead of the extreme itself (the shank keeps tilting back
        for a few tens of ms after toe-off, until the knee's flexion turns it).

    Returns
    -------
    tc : ndarray of int
        Sample of each stride's TC.
    ok : ndarray of bool
        False where the stride is too short or cut by the end of the data.
    running : ndarray of bool
        True where the stride has a flight phase (tilt minimum before ``run_duty``).
    """
    n = seg.t.size
    none = np.zeros(ic.size, dtype=bool)
    if ic.size < 3:
        return ic.copy(), none, none.copy()
    fs = seg.fs
    lp = lowpass(seg.acc, fs, cutoff)
    f = sagittal_forward(lp, ml_axis)
    p = lp @ f
    d = np.diff(ic)
    med = float(np.median(d))
    stride = np.append(np.where(d < 1.6 * med, d, med), med).astype(np.float64)
    nxt = np.append(ic[1:], n + int(med)).astype(np.intp)
    gap = max(2, int(0.03 * fs))

    def at(share: float) -> IntArray:
        return np.asarray(
            np.clip(ic + np.round(share * stride).astype(np.intp), 0, n), dtype=np.intp
        )

    # Sign: the forward component is higher early in stance than later (see above).
    cum = np.concatenate(([0.0], np.cumsum(p)))
    full = at(0.4) < n
    if full.sum() >= 2:
        drop = _window_mean(cum, at(0.05), at(0.15)) - _window_mean(cum, at(0.25), at(0.35))
        if float(np.mean(drop[full])) < 0:
            p = -p
    w0 = at(0.1)
    w1 = np.minimum(at(0.75), nxt - gap)
    ok = (w1 > w0 + 2) & (at(0.75) < n)
    tc = ic.copy()
    run_all = np.zeros(ic.size, dtype=bool)
    if not ok.any():
        return tc, ok, run_all
    i = np.flatnonzero(ok)
    im = segment_arg(p, w0[i], w1[i], mode="min")
    share = (im - ic[i]) / stride[i]
    # One stride's minimum can wander: decide running vs walking on a 5-stride median.
    from scipy.ndimage import median_filter

    running = median_filter(share, size=5, mode="nearest") < run_duty
    rise = np.append(np.diff(p), 0.0)
    r1 = np.minimum(im + np.round(0.2 * stride[i]).astype(np.intp), w1[i])
    r1 = np.maximum(r1, im + 1)
    ir = segment_arg(rise, im, r1, mode="max")
    # Running: the tilt itself, the angle of the specific force in the sagittal plane
    # (gravity seen from the shank), is extreme at push-off.  An angle does not depend
    # on which in-plane direction is called forward, unlike the projection ``p``.
    up = lp.mean(axis=0)
    up = up - (up @ f) * f
    tilt = np.unwrap(np.arctan2(p, lp @ (up / max(float(np.linalg.norm(up)), 1e-12))))
    it = segment_arg(tilt, w0[i], w1[i], mode="min")
    if rate_share is not None:
        it = _rate_recovered(tilt, w0[i], it, rate_share)
    tc[i] = np.where(running, it, ir)
    run_all[i] = running
    return tc.astype(np.intp), ok, run_all


def _rate_recovered(x: FloatArray, a: IntArray, b: IntArray, share: float) -> IntArray:
    """First sample after the fastest fall of ``x`` in ``[a, b)`` slowed to ``share`` of it.

    The fall's rate is compared with its fastest; ``b`` (the minimum) when it never slows.
    """
    d = np.append(np.diff(x), 0.0)
    out = b.copy()
    for k in range(a.size):
        lo, hi = int(a[k]), int(b[k])
        if hi <= lo + 1:
            continue
        j = lo + int(np.argmin(d[lo:hi]))
        slow = np.flatnonzero(d[j:hi] > share * d[j])
        if slow.size:
            out[k] = j + int(slow[0])
    return out

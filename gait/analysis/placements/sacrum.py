"""Sacrum / lower-back IMU: contacts, left/right, vertical oscillation, braking, impact.

Everything starts from the body frame of :mod:`gait.analysis.orient` (vertical from gravity, forward
from the motion), so the mounting does not matter.

Steps
    Each contact loads the trunk: the vertical specific force ``a_v`` has one dominant peak
    per step. Peaks of a smoothed ``a_v`` (cut-off scaled to the step frequency found by the
    spectrum) anchor the steps; only peaks inside moving periods count.
Running (flight phase: ``a_v`` falls close to 0 between steps)
    In flight the trunk is in free fall, so ``a_v ≈ 0``; contact is where the ground reaction
    lifts it again. IC and TC are where the rising and falling edges of the loading pulse,
    extrapolated linearly from their 20 % and 60 % levels, meet the flight baseline (a
    threshold method in the spirit of Auvinet 2002 / Patoz 2022, made insensitive to the
    pulse height).
Walking (no flight)
    IC is the instant of steepest rise of ``a_v`` in the 0.2 s before the loading peak (heel
    strike starts the weight acceptance, a jerk peak; cf. the derivative-based lower-back IC
    detectors of McCamley 2012), but not before the braking onset: where a walker's rises
    lead it (the trailing leg's push-off), the jerk peak after it is taken
    (:func:`_weight_acceptance`). A second estimate comes from the forward acceleration: the
    extremum that starts its steepest change near the loading peak, i.e. the forward peak
    before the braking drop (Zijlstra & Hof 2003), shifted by its median offset to the first.
    Where the two disagree by more than 50 ms, the one closer to the midpoint of the
    neighbouring contacts wins (some walkers show a second, larger rise of ``a_v`` late in
    loading on one side); the first and last step of a walk use the rhythm extrapolated from
    their one neighbouring side. A contact whose neighbours are less than 1.5 local step
    intervals apart is a trunk bump (turn exits, shuffles), not a step, and is dropped.
    A second pass looks for the braking drop of the polarity most steps show, 0.3 s back
    from the loading peak; at gait initiation and after turns the main vertical rise can
    come 0.1–0.2 s after heel strike, a failure that is always late, so the earlier of the
    two passes is kept; on the last step before a stop the second pass wins outright when
    it is more than 50 ms earlier (the decelerating trunk loads late there). The
    contralateral toe-off ends double support: the first trough of ``a_v`` after the
    loading peak. The TC of the *same* foot as IC(k) is the contralateral
    toe-off that follows IC(k+1).
Stops
    A walk that ends in standing still ends with a closing step: the trailing foot is placed
    beside the other with almost no trunk loading, so no loading peak anchors it. When the
    trunk still moves for most of a step after the last anchored step and is still from 1.6
    step periods on, the closing IC is put one step period after that step (timed by its
    main vertical loading rise, the first pass, which the last-step rule above does not
    move), snapped to the steepest rise of ``a_v`` within 50 ms (side: the other foot; no
    TC; confidence 0.5; quality ``closing_step``).
Left/right
    With a gyroscope: the pelvis yaw rate about the vertical is negative (clockwise seen
    from above) in the run-up to a left contact and positive before a right contact (Lee
    et al. use the same alternation of trunk signals). Walking steps add the pelvic roll
    after contact, its sign checked against the forward axis
    (:mod:`gait.analysis.placements.trunk_side`), so the sides do not depend on the mounting or on
    one walker's weak yaw pattern. Without a gyroscope: the mediolateral
    acceleration around contact. Within a run of regular steps the sides must alternate,
    so one parity is chosen per run by a weighted vote, which fixes isolated errors.
Per-step metrics
    ``vertical_oscillation`` (m): range of the vertical displacement from double integration
    of ``a_v − g`` between consecutive ICs with the velocity and position drift removed per
    step (the trunk returns to the same height and vertical speed every step).
    ``braking`` (m/s): forward speed at IC minus the lowest forward speed in the following
    contact, from the integrated forward acceleration with its per-step mean removed.
    ``impact`` (m/s²): peak of ``a_v − g`` in the contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from gait.analysis.orient import GRAVITY_CUTOFF_HZ, BodyFrame, gravity_direction, to_body_frame
from gait.analysis.placements import empty_events
from gait.analysis.placements._signal import (
    FloatArray,
    IntArray,
    Segment,
    contiguous_segments,
    flat_windows,
    lowpass,
)
from gait.analysis.placements.base import EventDetector
from gait.analysis.placements.trunk_side import walking_side_scores
from gait.contract.constants import G
from gait.contract.errors import AnalysisError
from gait.contract.recording import Stream
from gait.util.scipy_signal import signal

#: Per-step metric columns of this detector.
SACRUM_COLUMNS: tuple[str, ...] = ("vertical_oscillation", "braking", "t_braking_end", "impact")
#: Step frequency search band, Hz (40–240 steps/min).
STEP_BAND_HZ = (0.67, 4.0)
#: A step whose lowest ``a_v`` before its loading peak is below this (m/s²) had a flight phase. [G]
FLIGHT_LEVEL = 0.4 * G
#: Rolling RMS of the step-band vertical acceleration above which the wearer moves, m/s². [G]
MOVING_RMS = 0.6
#: Longest step accepted inside one run of regular steps, s.
MAX_STEP = 1.5
#: Steps on each side whose scores vote on a step's side.
SIDE_VOTE_HALF = 4
#: Levels (share of the pulse height above the flight baseline) of the running contact edges.
EDGE_LEVELS = (0.2, 0.6)
EDGE_EXTRAPOLATE = 1.0
#: Low-pass cut-off of the signal whose edges give the running contacts, Hz.
EDGE_CUTOFF = 30.0
#: Running TC: ``a_v`` within this of the flight baseline is flight (m/s²; 0.1 g, the
#: ground reaction of a few % of body weight plus sensor noise). [G]
TC_FLIGHT_MARGIN = 0.1 * G
#: Running TC: the final drop to flight is searched this long before flight starts, s.
#: Chosen by leave-one-trial-out on the Alcantara 2022 treadmill trials (every fold
#: picks 40 ms of {40, 60, 80} ms). [benchmarks/validate_running.py]
TC_DROP_WINDOW = 0.04
#: Running TC: time from the last fall of ``a_v`` through 1 g (the end of the effective
#: contact, Cavagna et al. 1988) to the force take-off, s. Leave-one-trial-out on the
#: 16 Alcantara et al. (2022) treadmill trials (one runner), every fold picks 43.7–45.7 ms
#: (median of the other trials' offsets). [benchmarks/validate_running.py]
TC_UNLOAD = 0.045
#: Running TC: the impact transient of a heel strike, and the dip of ``a_v`` below 1 g after
#: it, are over this long after IC, s (the vertical impact peak comes 20–50 ms after
#: contact: Cavanagh & Lafortune 1980, Lieberman et al. 2010); the effective contact ends
#: at the first fall through 1 g after it.
IMPACT_WINDOW = 0.1
#: Moving periods are widened by this much on each side, s.
MOVING_PAD = 0.5
#: Smallest loading-peak prominence, relative to the SD of the smoothed a_v while moving.
PROMINENCE = 0.6
#: A walking run ends where the next contact is further than this, s.
CLOSE_GAP = 3.0
#: Steps a run needs before its end to estimate the step period for a closing step.
CLOSE_MIN_STEPS = 4
#: Closing step: a_v SD in the step after the last contact, relative to the SD while walking,
#: must exceed CLOSE_SWING (the trailing leg still swings), and the SD from 1.6 to 3 step
#: periods after it must stay below CLOSE_STILL (standing). [IPOL and mobgap lower back]
#: CLOSE_SWING 0.15 (was 0.3): some walkers (IPOL dev subjects 2 and 5) stop with a trunk
#: barely moving in the closing step (ratios 0.17-0.28); chosen on IPOL subjects 1-5.
CLOSE_SWING = 0.15
CLOSE_STILL = 0.3
#: Standing time that must be seen after the closing step, s.
CLOSE_STILL_MIN = 0.5
#: The closing IC snaps to the steepest a_v rise within this of one step period, s.
CLOSE_SNAP = 0.05
#: Closing step duration relative to the step period before it.
CLOSE_PERIOD = 1.0
#: A walking contact whose two neighbours are closer together than this many local step
#: intervals is an extra trunk bump (turn exits, shuffles), not a step. [IPOL, mobgap]
EXTRA_SPAN = 1.5
#: On the last step of a walk the second-pass (braking-drop) IC replaces the first when it is
#: earlier by more than this, s (the disagreement margin of the rhythm check). [IPOL]
END_EARLY = 0.05

# ---- walking IC: braking onset over a late vertical rise (lower-back helper; the lead
# folds these into SacrumDetector). Chosen on IPOL subjects 1-5.
#: The two braking-onset estimates agree within this, s ...
BRAKE_AGREE = 0.03
#: ... and come earlier than the vertical-rise IC by more than this, s: take the onset.
BRAKE_LEAD = 0.1


def detect_events(
    stream: Stream, *, speed: float | None = None, detector: SacrumDetector | None = None
) -> pd.DataFrame:
    """Detect ground contacts from a trunk (sacrum / lower back) sensor.

    Parameters
    ----------
    stream : Stream
        Trunk stream in device axes (acc m/s², optional gyr rad/s). Any mounting rotation.
    speed : float, optional
        Known running speed, m/s. Unused for the timing; accepted for the common contract.
    detector : SacrumDetector, optional
        The parameters of the running contact timing (default: ``SacrumDetector()``).

    Returns
    -------
    DataFrame
        One row per contact: ``side`` ('left'/'right'/'unknown'), ``t_ic``, ``t_tc`` (s,
        NaN when unknown), ``confidence`` (0–1), ``vertical_oscillation`` (m), ``braking``
        (m/s), ``impact`` (m/s²), ``activity`` ('run'/'walk') and ``quality`` (str flags).

    Raises
    ------
    AnalysisError
        When the stream has no acceleration samples.
    """
    del speed  # the trunk events need no speed; kept for the detector contract
    if stream.acc.size == 0:
        raise AnalysisError(f"stream {stream.name!r} has no samples")
    if not np.all(np.isfinite(stream.acc)):
        raise AnalysisError(f"stream {stream.name!r} has non-finite acceleration samples")
    gyr = stream.gyr
    if gyr is not None and not np.all(np.isfinite(gyr)):
        gyr = None
    segs, _ = contiguous_segments(stream.t, stream.acc, gyr, stream.rate, min_duration=2.0)
    p = detector if detector is not None else SacrumDetector()
    frames = [f for f in (_detect_segment(s, p) for s in segs) if len(f)]
    if not frames:
        return _empty()
    return pd.concat(frames, ignore_index=True).sort_values("t_ic", ignore_index=True)


def _empty() -> pd.DataFrame:
    df = empty_events((*SACRUM_COLUMNS,))
    df["activity"] = pd.Series([], dtype=object)
    df["quality"] = pd.Series([], dtype=object)
    return df


# --------------------------------------------------------------------------- step frequency
def step_frequency(a_v: FloatArray, fs: float, moving: np.ndarray | None = None) -> float:
    """Dominant step frequency of a vertical acceleration signal, Hz.

    Parameters
    ----------
    a_v : ndarray, shape (N,)
        Vertical specific force, m/s².
    fs : float
        Sampling rate, Hz.
    moving : ndarray of bool, optional
        Samples to use (default all).

    Returns
    -------
    float
        Frequency of the largest spectral peak in 0.67–4 Hz (NaN when too short).
    """
    x = a_v if moving is None or moving.sum() < 4 * fs else a_v[moving]
    if x.size < 2 * fs:
        return float("nan")
    # The step band ends at 4 Hz: block means at about 25 Hz keep it and cut the cost.
    q = max(int(fs // 25.0), 1)
    if q > 1:
        x = x[: (x.size // q) * q].reshape(-1, q).mean(axis=1)
        fs = fs / q
    nper = int(min(x.size, 8 * fs))
    f, p = signal.welch(x - x.mean(), fs=fs, nperseg=nper, nfft=max(nper, int(16 * fs)))
    band = (f >= STEP_BAND_HZ[0]) & (f <= STEP_BAND_HZ[1])
    if not band.any():
        return float("nan")
    fb, pb = f[band], p[band]
    k = int(np.argmax(pb))
    # The stride frequency (half the step frequency) can win for asymmetric gaits or swinging
    # phones: below 1.4 Hz (84 steps/min), prefer the harmonic at twice the frequency when it
    # carries comparable power.
    f2 = 2 * fb[k]
    if fb[k] < 1.4:
        j = int(np.argmin(np.abs(fb - f2)))
        lo, hi = max(j - 2, 0), min(j + 3, pb.size)
        if pb[lo:hi].max() > 0.5 * pb[k]:
            return float(fb[lo + int(np.argmax(pb[lo:hi]))])
    return float(fb[k])


def moving_mask(a_v: FloatArray, fs: float, threshold: float = MOVING_RMS) -> np.ndarray:
    """Samples where the step-band vertical acceleration has a 1 s RMS above ``threshold``.

    Parameters
    ----------
    a_v : ndarray, shape (N,)
        Vertical specific force, m/s².
    fs : float
        Sampling rate, Hz.
    threshold : float, default 0.6
        RMS threshold, m/s².

    Returns
    -------
    ndarray of bool, shape (N,)
    """
    n = a_v.size
    # A coarse mask: work on block means at about 25 Hz and expand back.
    q = max(int(fs // 25.0), 1)
    x = a_v[: (n // q) * q].reshape(-1, q).mean(axis=1) if n >= q else a_v
    fq = fs / q
    sos = signal.butter(2, [0.5, min(8.0, 0.45 * fq)], btype="band", fs=fq, output="sos")
    band = signal.sosfiltfilt(sos, x) if x.size > 15 else x - x.mean()
    win = max(round(fq), 1)
    kern = np.ones(win) / win
    rms = np.sqrt(np.convolve(band**2, kern, mode="same"))
    moving = rms > threshold
    # Widen by half a second each side: the first and last steps of a bout are softer and
    # would otherwise fall just outside.
    grow = max(round(MOVING_PAD * fq), 1)
    padded = np.convolve(moving.astype(float), np.ones(2 * grow + 1), mode="same") > 0
    full = np.repeat(padded, q)
    if full.size < n:  # the tail that did not fill a block
        full = np.concatenate(
            [full, np.full(n - full.size, bool(padded[-1]) if padded.size else False)]
        )
    return np.asarray(full[:n])


# --------------------------------------------------------------------------- per segment
def _block_mean(x: FloatArray, q: int) -> FloatArray:
    """Means of consecutive blocks of ``q`` samples (a cheap anti-aliased decimation)."""
    if q <= 1:
        return x
    m = x.shape[0] // q
    return np.asarray(x[: m * q].reshape(m, q, *x.shape[1:]).mean(axis=1))


def _window_index(centers: IntArray, before: int, after: int, n: int) -> IntArray:
    """(K, W) sample indices around each centre, clipped to the signal."""
    offs = np.arange(-before, after + 1)
    return np.clip(centers[:, None] + offs[None, :], 0, n - 1)


def _gravity_up(acc: FloatArray, fs: float, flight_level: float = FLIGHT_LEVEL) -> FloatArray:
    """Per-sample "up" of :func:`gait.analysis.orient.gravity_direction`, minus its edge transient.

    The 0.25 Hz zero-phase low-pass starts and ends on a short padding, so in the first and
    last second or two of a recording that starts mid-run the estimate swings by tens of
    degrees (on a 5 s Alcantara trial, over 90° in the first 0.2 s), and the first contacts
    are lost. The sensor is strapped to the trunk, so its gravity direction changes slowly
    and the run is periodic: mirroring one filter time constant (1 / 0.25 Hz = 4 s) of
    signal at each end before filtering continues it plausibly, and the padding is cut off
    again. That estimate is blended into the plain one over the first and last 2 s, so only
    the edges change.
    """
    n = acc.shape[0]
    pad = min(round(fs / GRAVITY_CUTOFF_HZ), n - 1)
    # Only running has that regular periodic trunk signal to mirror (and walking results
    # stay as they were): the norm of the 10 Hz specific force, which needs no "up", dips to
    # free fall (below FLIGHT_LEVEL) in the flight phases on at least 5 % of the samples.
    norm10 = (
        lowpass(np.sqrt(np.einsum("ij,ij->i", acc, acc)), fs, 10.0, order=4) if n > 30 else None
    )
    if pad < 1 or norm10 is None or float(np.mean(norm10 < flight_level)) < 0.05:
        return gravity_direction(acc, fs)
    ext = np.concatenate((acc[pad:0:-1], acc, acc[-2 : -pad - 2 : -1]))
    mirrored = gravity_direction(ext, fs)[pad : pad + n]
    # Away from the ends the plain estimate is kept: blend over half a filter time constant.
    plain = gravity_direction(acc, fs)
    i = np.arange(n)
    w = np.clip(1.0 - np.minimum(i, n - 1 - i) / (0.5 * pad), 0.0, 1.0)[:, None]
    up = w * mirrored + (1.0 - w) * plain
    return np.asarray(up / np.linalg.norm(up, axis=1, keepdims=True))


def _detect_segment(seg: Segment, p: SacrumDetector) -> pd.DataFrame:
    fs = seg.fs
    up = _gravity_up(seg.acc, fs, p.flight_level)
    a_v = np.einsum("ij,ij->i", seg.acc, up)
    n = a_v.size
    moving = moving_mask(a_v, fs)
    f_step = step_frequency(a_v, fs, moving)
    if not np.isfinite(f_step) or moving.sum() < fs:
        return _empty()
    a10 = lowpass(a_v, fs, 10.0, order=4)
    # Step anchors on a smoothed copy at about 50 Hz (block means): the anchors are re-centred
    # on the full-rate signal below, so the coarse grid costs no timing accuracy.
    q = max(int(fs // 50.0), 1)
    a_q = _block_mean(a_v, q)
    fq = fs / q
    mov_q = moving[: a_q.size * q : q] if q > 1 else moving
    smooth = lowpass(a_q, fq, float(np.clip(1.6 * f_step, 2.5, min(6.0, 0.4 * fq))), order=2)
    band_sd = float(np.std(smooth[mov_q] - np.mean(smooth[mov_q])))
    peaks_q, _ = signal.find_peaks(
        smooth,
        distance=max(int(0.55 * fq / f_step), 1),
        prominence=max(0.5, PROMINENCE * band_sd),
    )
    peaks_q = peaks_q[mov_q[peaks_q]]
    if peaks_q.size < 2:
        return _empty()
    peaks = np.minimum(peaks_q * q + q // 2, n - 1)
    # Re-centre each anchor on the loading maximum of the less smoothed signal.
    half = max(int(0.08 * fs), 1)
    win = _window_index(peaks, half, half, n)
    peaks = win[np.arange(peaks.size), np.argmax(a10[win], axis=1)]

    # Flight: lowest a_v between the previous anchor and this one.
    prev = np.concatenate(([max(peaks[0] - int(fs / f_step), 0)], peaks[:-1]))
    lows = _range_min(a10, prev, peaks)
    running = lows < p.flight_level
    # Contacts whose windows are cut by the segment edge cannot be timed: drop them. A
    # running contact needs only its rising edge from the flight before it (``running``
    # means that flight is in view; a missing edge drops the row below), not the 0.3 s of
    # walking braking search; at the end, a running contact is kept when it ends in view
    # (its TC is found below), as its pulse is then complete.
    full_end = peaks + int(0.45 * fs / f_step) + 1 < n
    inside = ((peaks - int(0.3 * fs) >= 0) | running) & (full_end | (running & (peaks + 2 < n)))
    peaks, lows, running, full_end = peaks[inside], lows[inside], running[inside], full_end[inside]
    if peaks.size < 2:
        return _empty()
    rule = "brake_before_peak" if running.mean() > 0.5 else "drop"
    bf = to_body_frame(seg.acc, fs, seg.gyr, anchors=peaks, sign_rule=rule, up=up)
    a_fwd = lowpass(bf.acc[:, 0], fs, 10.0, order=4)

    t = seg.t
    jerk = np.gradient(a10) * fs
    ic = np.empty(peaks.size)
    ic_side = np.empty(peaks.size)
    tc_contra = np.full(peaks.size, np.nan)
    tc_trust = np.ones(peaks.size)
    tc_same = np.full(peaks.size, np.nan)

    # --- walking: steepest rise before the loading peak
    w_idx = np.flatnonzero(~running)
    if w_idx.size:
        pw = peaks[w_idx]
        # Braking onset: the steepest change of the forward acceleration before the loading
        # peak starts at the forward-acceleration extremum that marks IC (Zijlstra & Hof).
        # Taking the extremum opposite to the change keeps this independent of the sign of the
        # forward axis. The vertical jerk peak right after it (weight acceptance) refines it.
        fjerk = np.gradient(a_fwd)
        # Primary: steepest rise of a_v (weight acceptance) in the 0.2 s before the peak, not
        # before the braking onset (see _weight_acceptance).
        win_v = _window_index(pw, int(0.2 * fs), 0, n)
        top, sgn = _braking_onset(pw, fjerk, a_fwd, fs, None)
        ic_v = _refine_max(t, jerk, _weight_acceptance(t, jerk, win_v, top, fs))
        ic_w = _consensus(ic_v, t[top] + np.median(ic_v - t[top]))
        # Second pass with the polarity most steps show (the braking drop of the forward
        # axis, whatever its estimated sign) searched a little further back: at gait
        # initiation and after turns the main vertical rise can come 0.1–0.2 s after heel
        # strike, and the first pass then follows it. That failure is always late, so the
        # earlier of the two estimates is kept.
        polarity = -1.0 if np.mean(sgn < 0) >= 0.5 else 1.0
        top2, _ = _braking_onset(pw, fjerk, a_fwd, fs, polarity)
        ic_w2 = _consensus(ic_v, t[top2] + np.median(ic_v - t[top2]), end_early=True)
        ic[w_idx] = np.minimum(ic_w, ic_w2)
        # Both braking-onset passes pointing at the same instant, well before the vertical
        # rise that both passes kept: the rise is a late second loading (the walker's trunk
        # takes the weight late), and the braking onset marks the heel strike.
        f_1 = t[top] + np.median(ic_v - t[top])
        f_2 = t[top2] + np.median(ic_v - t[top2])
        f_both = 0.5 * (f_1 + f_2)
        late = (np.abs(f_1 - f_2) < BRAKE_AGREE) & (ic[w_idx] - f_both > BRAKE_LEAD)
        # Not on the last step before a stop: there the whole body decelerates, and the
        # forward acceleration no longer marks the heel strike.
        nxt_gap = np.append(np.diff(t[pw]), np.inf)
        late &= nxt_gap < MAX_STEP
        ic[w_idx] = np.where(late, f_both, ic[w_idx])
        # The side cues are read relative to the main loading rise (first pass).
        ic_side[w_idx] = ic_w
        # contralateral toe-off: trough of a_v after the loading peak (end of double support)
        win2 = _window_index(pw, 1, int(0.4 * fs / f_step), n)[:, 1:]
        is_min = np.zeros(n, dtype=bool)
        is_min[1:-1] = (a10[1:-1] < a10[:-2]) & (a10[1:-1] <= a10[2:])
        has = is_min[win2].any(axis=1)
        first_min = np.where(has, np.argmax(is_min[win2], axis=1), np.argmin(a10[win2], axis=1))
        tcc = win2[np.arange(pw.size), first_min]
        tc_contra[w_idx] = t[tcc]
    # --- running: edges of the loading pulse extrapolated to the flight baseline
    r_idx = np.flatnonzero(running)
    if r_idx.size:
        # Edges on a lightly filtered signal: a 10 Hz filter would smear the steep contact
        # edges by tens of ms.
        a_edge = lowpass(a_v, fs, p.edge_cutoff, order=2)
        ic_r, tc_edge = _pulse_edges(
            t, a_edge, peaks[r_idx], lows[r_idx], fs, f_step, p.edge_levels
        )
        ic[r_idx] = ic_r
        # TC from the end of the effective contact (a_v falling through 1 g) plus the
        # unloading time; where that crossing is not found, the edge rule, then the start
        # of the final drop to flight: a TC on every contact rather than a gap.
        tc_u = _unload_end(
            t, a_edge, peaks[r_idx], fs, f_step, ic_r, p.impact_window, p.flight_level, p.tc_unload
        )
        knee = _push_off_end(
            t, a_edge, peaks[r_idx], lows[r_idx], fs, f_step, p.tc_flight_margin, p.tc_drop_window
        )
        tc_r = np.where(np.isfinite(tc_u), tc_u, np.where(np.isfinite(tc_edge), tc_edge, knee))
        tc_trust[r_idx] = _tc_trust(tc_u, tc_edge, knee, lows[r_idx], p.flight_level)
        tc_same[r_idx] = tc_r
        # A pulse cut by the end of the data, with no TC in view, cannot be timed either.
        ic[r_idx] = np.where(full_end[r_idx] | np.isfinite(tc_r), ic_r, np.nan)

    # Same-foot TC for walking steps: the contralateral toe-off after the next IC.
    nxt_contra = np.append(tc_contra[1:], np.nan)
    nxt_ic = np.append(ic[1:], np.inf)
    regular_next = (nxt_ic - ic) < MAX_STEP
    walk_tc = np.where(regular_next & ~running, nxt_contra, np.nan)
    tc = np.where(running, tc_same, walk_tc)
    tc = np.where(tc > ic, tc, np.nan)

    ic_side[running] = ic[running]
    side, side_conf = _assign_sides(ic_side, bf, t, fs, running)
    # braking keeps the sharp trough the 10 Hz signal spreads (see _braking)
    a_brk = lowpass(bf.acc[:, 0], fs, min(BRAKING_LOWPASS_HZ, 0.4 * fs), order=2)
    vo, (brk, brk_t), imp = _step_metrics(t, a10, a_brk, ic, tc, fs)
    rel = np.clip(a10[peaks] - lows, 0, None) / max(float(np.median(a10[peaks] - lows)), 1e-9)
    conf = np.clip(0.5 + 0.5 * np.minimum(rel, 1.0), 0, 1) * side_conf * tc_trust
    quality = np.where(np.isnan(tc), "no_tc", "")
    out = pd.DataFrame(
        {
            "side": side,
            "t_ic": ic,
            "t_tc": tc,
            "confidence": conf,
            "vertical_oscillation": vo,
            "braking": brk,
            # absolute, so the step table can refer it to the best IC (gait.analysis.overstride)
            "t_braking_end": ic + brk_t,
            "impact": imp,
            "activity": np.where(running, "run", "walk"),
            "quality": quality,
            "_ic_main": ic_side,
        }
    )
    # A running pulse whose rising edge is not found cannot be timed: no row rather than a guess.
    out = out[np.isfinite(out["t_ic"].to_numpy())].reset_index(drop=True)
    out = _drop_extra_walk_steps(out, EXTRA_SPAN)
    return _add_closing_steps(out, t, a10, jerk, fs).drop(columns="_ic_main")


def _add_closing_steps(
    steps: pd.DataFrame, t: FloatArray, a10: FloatArray, jerk: FloatArray, fs: float
) -> pd.DataFrame:
    """Add the soft last contact of each walk that ends in standing still.

    Stopping ends with the trailing foot placed beside the other with almost no loading, so
    the trunk shows no loading peak for it (on the IPOL lower-back recordings none of the ten
    closing heel strikes had one). After the last step of a walking run, when the trunk
    keeps moving for most of a step and is then still, the closing contact is placed one step
    period after that step (its main loading rise, column ``_ic_main`` when present), at the
    steepest rise of the vertical acceleration within
    ±``CLOSE_SNAP`` of it. Such rows get the opposite side, no TC, confidence 0.5 and the
    quality flag ``closing_step``.
    """
    ic = steps["t_ic"].to_numpy(dtype=np.float64)
    k = ic.size
    if k < CLOSE_MIN_STEPS + 1:
        return steps
    n = t.size
    nxt = np.append(ic[1:], np.inf)
    ends = np.flatnonzero((nxt - ic > CLOSE_GAP) & (steps["activity"].to_numpy() == "walk"))
    ends = ends[ends >= CLOSE_MIN_STEPS]
    if ends.size == 0:
        return steps
    # Step period from the last CLOSE_MIN_STEPS intervals before each run end.
    gaps = np.diff(ic)
    back = ends[:, None] - 1 - np.arange(CLOSE_MIN_STEPS)[None, :]
    period = np.median(gaps[back], axis=1)
    ok = np.all(gaps[back] < MAX_STEP, axis=1)
    # Window SDs of the 10 Hz vertical acceleration from cumulative sums (O(1) per window).
    c1 = np.concatenate(([0.0], np.cumsum(a10)))
    c2 = np.concatenate(([0.0], np.cumsum(a10 * a10)))

    def sd(start: FloatArray, stop: FloatArray) -> FloatArray:
        i0 = np.clip(np.searchsorted(t, start), 0, n)
        i1 = np.clip(np.searchsorted(t, stop), 0, n)
        m = np.maximum(i1 - i0, 1)
        mean = (c1[i1] - c1[i0]) / m
        var = np.maximum((c2[i1] - c2[i0]) / m - mean * mean, 0.0)
        return np.where(i1 - i0 > 2, np.sqrt(var), np.nan)

    last = steps["_ic_main"].to_numpy(dtype=np.float64)[ends] if "_ic_main" in steps else ic[ends]
    before = sd(last - 2 * period, last)
    swing = sd(last + 0.3 * period, last + period)
    after = sd(last + 1.6 * period, last + 3 * period)
    seen = last + 1.6 * period + CLOSE_STILL_MIN < t[-1]
    ok &= seen & (swing > CLOSE_SWING * before) & (after < CLOSE_STILL * before)
    guess = last + CLOSE_PERIOD * period
    ok &= guess + CLOSE_SNAP < np.minimum(nxt[ends] - 0.3, t[-1])
    if not ok.any():
        return steps
    ends, guess = ends[ok], guess[ok]
    centre = np.clip(np.searchsorted(t, guess), 0, n - 1)
    half = max(int(CLOSE_SNAP * fs), 1)
    win = _window_index(centre, half, half, n)
    t_close = _refine_max(t, jerk, win[np.arange(ends.size), np.argmax(jerk[win], axis=1)])
    prev_side = steps["side"].to_numpy()[ends]
    side = np.where(prev_side == "left", "right", np.where(prev_side == "right", "left", "unknown"))
    extra = pd.DataFrame(
        {
            "side": side.astype(object),
            "t_ic": t_close,
            "t_tc": np.nan,
            "confidence": 0.5,
            "vertical_oscillation": np.nan,
            "braking": np.nan,
            "t_braking_end": np.nan,
            "impact": np.nan,
            "activity": "walk",
            "quality": "closing_step",
        }
    )
    return pd.concat([steps, extra], ignore_index=True).sort_values("t_ic", ignore_index=True)


def _braking_onset(
    pw: IntArray, fjerk: FloatArray, a_fwd: FloatArray, fs: float, polarity: float | None
) -> tuple[IntArray, FloatArray]:
    """Forward-acceleration extremum that starts the steepest change before each loading peak.

    Parameters
    ----------
    pw : ndarray of int
        Loading-peak samples.
    fjerk : ndarray
        Per-sample difference of ``a_fwd`` (m/s² per sample).
    a_fwd : ndarray
        10 Hz low-passed forward acceleration, m/s².
    fs : float
        Sampling rate, Hz.
    polarity : float or None
        None: the largest change of either sign in [-0.25 s, +0.05 s] around each peak;
        -1 / +1: the steepest drop / rise in [-0.3 s, +0.05 s].

    Returns
    -------
    top : ndarray of int
        Sample of the extremum (a maximum before a drop, a minimum before a rise).
    sgn : ndarray
        Sign of the change (-1 drop, +1 rise) per peak.
    """
    n = a_fwd.size
    rows = np.arange(pw.size)
    if polarity is None:
        win = _window_index(pw, int(0.25 * fs), int(0.05 * fs), n)
        drop = win[rows, np.argmax(np.abs(fjerk[win]), axis=1)]
        sgn = np.sign(fjerk[drop])
    else:
        win = _window_index(pw, int(0.3 * fs), int(0.05 * fs), n)
        drop = win[rows, np.argmax(polarity * fjerk[win], axis=1)]
        sgn = np.full(pw.size, polarity)
    win_b = _window_index(drop, int(0.12 * fs), 0, n)
    top = win_b[rows, np.argmax(-sgn[:, None] * a_fwd[win_b], axis=1)]
    return np.asarray(top), np.asarray(sgn, dtype=np.float64)


def _weight_acceptance(
    t: FloatArray, jerk: FloatArray, win_v: IntArray, top: IntArray, fs: float
) -> IntArray:
    """Sample of the weight-acceptance jerk peak of each walking step (the primary IC cue).

    Parameters
    ----------
    t : ndarray
        Sample times, s.
    jerk : ndarray
        Time derivative of the 10 Hz vertical specific force, m/s³.
    win_v : ndarray of int, shape (K, W)
        Search window per step: the samples from 0.2 s before the loading peak to the peak.
    top : ndarray of int
        Braking onset per step (:func:`_braking_onset`): the forward-acceleration extremum
        that marks heel strike (Zijlstra & Hof 2003).
    fs : float
        Sampling rate, Hz.

    Returns
    -------
    ndarray of int
        The steepest rise of ``a_v`` in the window, unless for the recording as a whole
        (median over its steps) that rise comes more than :data:`BRAKE_AGREE` *before* the
        braking onset. Weight acceptance follows the heel strike that starts the braking,
        so a rise that leads it is the trailing leg's push-off (the second hump of the
        vertical force in late single support) merging into the loading: some walkers
        push off hard enough for its rise to be the steepest (IPOL dev subject 4: a median
        45–60 ms ahead of the braking onset on all six trials, and IC read 73 ms early).
        On the other development trials (IPOL subjects 1–3 and 5, Mobilise-D 001 and 002)
        the median lies between 10 ms before and 50 ms after the braking onset, so the rule
        leaves them alone; of the test trials only 8-6 leads (by 70 ms). Then the steepest
        rise is taken among the local jerk maxima from ``BRAKE_AGREE`` before the braking
        onset on (the window's last sample if none).
    """
    rows = np.arange(win_v.shape[0])
    jw = jerk[win_v]
    j_v = np.argmax(jw, axis=1)
    if rows.size == 0 or float(np.median(t[win_v[rows, j_v]] - t[top])) >= -BRAKE_AGREE:
        return np.asarray(win_v[rows, j_v])
    ok = win_v >= (top - int(BRAKE_AGREE * fs))[:, None]
    peak = np.zeros_like(ok)
    peak[:, 1:-1] = (jw[:, 1:-1] >= jw[:, :-2]) & (jw[:, 1:-1] >= jw[:, 2:])
    ok &= peak
    ok[:, -1] |= ~ok.any(axis=1)
    return np.asarray(win_v[rows, np.argmax(np.where(ok, jw, -np.inf), axis=1)])


def _drop_extra_walk_steps(steps: pd.DataFrame, frac: float) -> pd.DataFrame:
    """Drop walking contacts that split one step interval in two.

    Parameters
    ----------
    steps : DataFrame
        Detected contacts sorted by ``t_ic`` (s), with an ``activity`` column.
    frac : float
        A walking contact is dropped when its neighbours' ICs are less than ``frac`` times
        the local step interval (rolling median of 9 intervals, s) apart: two real steps
        would span about two intervals. Trunk bumps at turn exits and shuffles do this.

    Returns
    -------
    DataFrame
        ``steps`` without those rows.
    """
    ic = steps["t_ic"].to_numpy(dtype=np.float64)
    if ic.size < 5:
        return steps
    d = np.diff(ic)
    ref = pd.Series(d).rolling(9, center=True, min_periods=1).median().to_numpy()
    span = ic[2:] - ic[:-2]
    loc = 0.5 * (ref[:-1] + ref[1:])
    walk = steps["activity"].to_numpy()[1:-1] == "walk"
    # A bump also shortens the span of its neighbours: only the contact with the shortest
    # span among adjacent candidates is the extra one.
    sp = np.concatenate(([np.inf], span, [np.inf]))
    least = (sp[1:-1] <= sp[:-2]) & (sp[1:-1] <= sp[2:])
    extra = np.zeros(ic.size, dtype=bool)
    extra[1:-1] = walk & (span < frac * loc) & least
    return steps[~extra].reset_index(drop=True)


def _consensus(primary: FloatArray, backup: FloatArray, end_early: bool = False) -> FloatArray:
    """Per step, keep ``primary`` unless ``backup`` fits the step rhythm clearly better.

    The rhythm is the midpoint of the neighbouring (contralateral) contacts, or one step
    interval extrapolated from the other side at the first and last step of a walk; where
    the two features disagree by more than 50 ms, the one nearer that point wins. With
    ``end_early``, the last step of a walk takes ``backup`` when it is earlier by more than
    ``END_EARLY``: when stopping, the trunk loading comes late and decelerating steps
    shorten, so the extrapolated rhythm cannot arbitrate there.
    """
    if primary.size < 3:
        return primary
    mid = np.full(primary.size, np.nan)
    mid[1:-1] = 0.5 * (primary[:-2] + primary[2:])
    # Steps with one neighbour only (first and last of a walk, a stop or a turn on one
    # side): extrapolate the rhythm by one step interval from the two contacts on the other.
    gap = np.diff(primary) > MAX_STEP
    first = np.concatenate(([True], gap))
    last = np.concatenate((gap, [True]))
    p2 = np.concatenate((primary, [np.nan, np.nan]))
    pm = np.concatenate(([np.nan, np.nan], primary))
    fwd = 2 * p2[1:-1] - p2[2:]
    bwd = 2 * pm[1:-1] - pm[:-2]
    mid = np.where(first & ~last, fwd, np.where(last & ~first, bwd, mid))
    mid = np.where(first & last, np.nan, mid)
    disagree = np.abs(primary - backup) > 0.05
    better = np.abs(backup - mid) < np.abs(primary - mid)
    if end_early:
        better |= last & ~first & (backup < primary - END_EARLY)
    return np.where(disagree & better, backup, primary)


def _range_min(x: FloatArray, starts: IntArray, ends: IntArray) -> FloatArray:
    """Minimum of ``x[starts[k]:ends[k]+1]`` for each k (windows may overlap; vectorised)."""
    lengths = np.maximum(ends - starts + 1, 1)
    width = int(lengths.max())
    idx = starts[:, None] + np.arange(width)[None, :]
    valid = np.arange(width)[None, :] < lengths[:, None]
    vals = np.where(valid, x[np.clip(idx, 0, x.size - 1)], np.inf)
    return np.asarray(vals.min(axis=1))


def _refine_max(t: FloatArray, y: FloatArray, i: IntArray) -> FloatArray:
    """Sub-sample time of a local maximum by a parabola through three samples."""
    i = np.clip(i, 1, y.size - 2)
    y0, y1, y2 = y[i - 1], y[i], y[i + 1]
    den = y0 - 2 * y1 + y2
    frac = np.where(np.abs(den) > 1e-12, 0.5 * (y0 - y2) / np.where(den == 0, 1, den), 0.0)
    frac = np.clip(frac, -0.5, 0.5)
    dt = float(np.median(np.diff(t))) if t.size > 1 else 0.0
    return np.asarray(t[i] + frac * dt)


def _pulse_edges(
    t: FloatArray,
    a: FloatArray,
    peaks: IntArray,
    lows: FloatArray,
    fs: float,
    f_step: float,
    levels: tuple[float, float] = EDGE_LEVELS,
) -> tuple[FloatArray, FloatArray]:
    """Contact start and end of running steps from the loading pulse of ``a_v``.

    The 20 % and 60 % crossings (between the flight baseline and the peak) of the rising and
    falling edges are joined by a straight line that is extrapolated to the baseline.
    ``levels`` are the two crossing levels (shares of the pulse height above the baseline;
    default :data:`EDGE_LEVELS`). Returns IC and TC, s (NaN where an edge is not found).
    """
    n = a.size
    reach = max(int(0.6 * fs / f_step), 2)
    base = lows
    height = a[peaks] - base
    lv_a = base + levels[0] * height
    lv_b = base + levels[1] * height
    # rising edge: look back from the peak
    back = _window_index(peaks, reach, 0, n)[:, ::-1]  # column 0 = the peak, going back
    tb = t[back]
    ra, rb = _first_below(a[back], lv_a, tb), _first_below(a[back], lv_b, tb)
    fwd = _window_index(peaks, 0, reach, n)
    tf = t[fwd]
    fa, fb = _first_below(a[fwd], lv_a, tf), _first_below(a[fwd], lv_b, tf)
    k = EDGE_EXTRAPOLATE * levels[0] / (levels[1] - levels[0])
    ic = ra - (rb - ra) * k
    tc = fa + (fa - fb) * k
    return ic, tc


def _push_off_end(
    t: FloatArray,
    a: FloatArray,
    peaks: IntArray,
    lows: FloatArray,
    fs: float,
    f_step: float,
    margin: float = TC_FLIGHT_MARGIN,
    drop_window: float = TC_DROP_WINDOW,
) -> FloatArray:
    """Terminal contact of running steps: where the trunk's final drop to free fall starts.

    The vertical specific force of the body is the ground reaction over the mass, so it
    reaches the flight baseline when the foot leaves the ground; the sacrum follows with
    a lag (soft tissue, the pelvis), but the final drop of ``a_v`` to the baseline starts
    with the take-off.  That start is the sharpest downward bend of ``a_v`` (most negative
    second derivative) in the :data:`TC_DROP_WINDOW` before ``a_v`` first comes within
    :data:`TC_FLIGHT_MARGIN` (or a tenth of the pulse height, if larger) of the flight
    baseline after the loading peak.  NaN where it never does before the next loading peak.
    On the Alcantara et al. (2022) treadmill trials this is within ~10 ms of the force
    TC on the sensor's own vertical axis; used as the fallback of the edge rule.
    ``margin`` (m/s²) and ``drop_window`` (s) replace :data:`TC_FLIGHT_MARGIN` and
    :data:`TC_DROP_WINDOW`. Returns the TC per contact, s.
    """
    n = a.size
    # Flight starts within one step of the loading peak, and before the next one.
    reach = max(int(fs / f_step), 2)
    fwd = _window_index(peaks, 0, reach, n)
    # Flight: within TC_FLIGHT_MARGIN, or a tenth of the pulse height (noisy or tilted
    # sensors), of the flight baseline before this contact.
    level = lows + np.maximum(margin, 0.1 * (a[peaks] - lows))
    flight = _first_below(a[fwd], level, t[fwd])
    nxt = np.append(t[peaks[1:]], np.inf)
    flight = np.where(flight < nxt, flight, np.nan)
    ok = np.isfinite(flight)
    out = np.full(peaks.size, np.nan)
    if not ok.any():
        return out
    i_fl = np.clip(np.searchsorted(t, flight[ok]), 1, n - 1)
    w = max(round(drop_window * fs), 2)
    win = np.maximum(_window_index(i_fl, w, 0, n), peaks[ok][:, None])
    d2 = np.gradient(np.gradient(a))
    out[ok] = t[win[np.arange(win.shape[0]), np.argmin(d2[win], axis=1)]]
    return out


def _unload_end(
    t: FloatArray,
    a: FloatArray,
    peaks: IntArray,
    fs: float,
    f_step: float,
    ic: FloatArray | None = None,
    impact: float = IMPACT_WINDOW,
    flight_level: float = FLIGHT_LEVEL,
    unload: float = TC_UNLOAD,
) -> FloatArray:
    """Terminal contact of running steps from the end of the effective contact.

    The vertical specific force is the vertical ground reaction over the body mass, so
    ``a_v`` falls through 1 g where the force falls below body weight in late stance: the
    end of the "effective contact" of Cavagna et al. (1988), whose time to the take-off is
    short and steady (the force falls from body weight to zero, and at the sacrum the trunk
    follows the unloading with a lag). The last downward 1 g crossing before ``a_v`` first
    drops below :data:`FLIGHT_LEVEL` after the loading peak, plus :data:`TC_UNLOAD`, is the
    TC. Taking the last crossing skips the dip after a rearfoot impact peak.

    Parameters
    ----------
    t : ndarray
        Sample times, s.
    a : ndarray
        Vertical specific force (lightly low-passed), m/s².
    peaks : ndarray of int
        Loading-peak sample of each running contact.
    fs : float
        Sampling rate, Hz.
    f_step : float
        Step frequency, Hz.
    ic : ndarray, optional
        IC per contact, s. With it, the first fall through 1 g later than ``ic + impact``
        is used (else the last before flight).
    impact : float
        Impact transient length, s (:data:`IMPACT_WINDOW`).
    flight_level : float
        ``a_v`` below this is flight, m/s² (:data:`FLIGHT_LEVEL`).
    unload : float
        Time from the 1 g fall to take-off, s (:data:`TC_UNLOAD`).

    Returns
    -------
    ndarray
        TC per contact, s; NaN where ``a_v`` does not reach the flight level before the
        next loading peak.
    """
    n = a.size
    reach = max(int(fs / f_step), 2)
    fwd = _window_index(peaks, 0, reach, n)
    vals = a[fwd]
    low = vals < flight_level
    nxt = np.append(peaks[1:], n)
    has = low.any(axis=1)
    j_fl = np.argmax(low, axis=1)
    has &= fwd[np.arange(peaks.size), j_fl] < nxt
    # last sample at or above 1 g before flight: the crossing lies between it and the next
    cols = np.arange(vals.shape[1])[None, :]
    before_flight = cols < j_fl[:, None]
    above = (vals >= G) & before_flight
    has &= above.any(axis=1)
    j_last = vals.shape[1] - 1 - np.argmax(above[:, ::-1], axis=1)
    if ic is None:
        j = j_last
    else:
        # The first fall through 1 g after the impact transient: a midfoot runner going uphill
        # loads the sacrum again in push-off (the pelvis pitches), a bump through 1 g after
        # the effective contact has ended that the last crossing would follow.
        after_imp = t[fwd] >= (ic + impact)[:, None]
        down = (vals[:, :-1] >= G) & (vals[:, 1:] < G) & after_imp[:, 1:] & before_flight[:, 1:]
        j = np.where(down.any(axis=1), np.argmax(down, axis=1), j_last)
    j = np.minimum(j, vals.shape[1] - 2)
    rows = np.arange(peaks.size)
    v0, v1 = vals[rows, j], vals[rows, j + 1]
    frac = np.clip(np.where(v0 != v1, (v0 - G) / np.where(v0 == v1, 1.0, v0 - v1), 0.0), 0.0, 1.0)
    t0, t1 = t[fwd[rows, j]], t[fwd[rows, j + 1]]
    cross = t0 + frac * (t1 - t0)
    return np.where(has, cross + unload, np.nan)


def _tc_trust(
    tc_unload: FloatArray,
    tc_edge: FloatArray,
    tc_knee: FloatArray,
    lows: FloatArray,
    flight_level: float = FLIGHT_LEVEL,
) -> FloatArray:
    """Trust (0.4–1) in the terminal contact of running steps.

    Parameters
    ----------
    tc_unload, tc_edge, tc_knee : ndarray
        TC per contact from :func:`_unload_end` (the rule used), :func:`_pulse_edges` and
        :func:`_push_off_end` (s, NaN where not found).
    lows : ndarray
        Lowest ``a_v`` in the flight before each contact, m/s².
    flight_level : float
        ``a_v`` below this is flight, m/s².

    Returns
    -------
    ndarray
        Product of three factors: which rule gave the TC (1 the unloading rule, 0.8 the
        edge fallback, 0.6 the final-drop fallback, 0.4 none); the agreement of the
        unloading TC with the start of the final drop to flight, two views of the same
        take-off (1 within 20 ms, falling linearly to 0.6 at 80 ms apart); the depth of the
        free fall before the contact (1 when ``a_v`` reached 0, 0.6 at
        :data:`FLIGHT_LEVEL`: a shallow "flight" is a tilted, damped or mis-oriented
        sensor, or no flight at all).
    """
    src = np.where(
        np.isfinite(tc_unload),
        1.0,
        np.where(np.isfinite(tc_edge), 0.8, np.where(np.isfinite(tc_knee), 0.6, 0.4)),
    )
    gap = np.abs(tc_unload - tc_knee)
    agree = np.where(np.isfinite(gap), 1.0 - 0.4 * np.clip((gap - 0.02) / 0.06, 0.0, 1.0), 0.8)
    depth = 1.0 - 0.4 * np.clip(lows / flight_level, 0.0, 1.0)
    return np.asarray(np.clip(src * agree * depth, 0.4, 1.0))


def _first_below(vals: FloatArray, level: FloatArray, times: FloatArray) -> FloatArray:
    """Interpolated time where each row first drops below its level (NaN if never)."""
    below = vals < level[:, None]
    has = below.any(axis=1)
    j = np.argmax(below, axis=1)
    j = np.maximum(j, 1)
    rows = np.arange(vals.shape[0])
    v0, v1 = vals[rows, j - 1], vals[rows, j]
    t0, t1 = times[rows, j - 1], times[rows, j]
    frac = np.where(v0 != v1, (v0 - level) / np.where(v0 == v1, 1, v0 - v1), 0.0)
    out = t0 + np.clip(frac, 0, 1) * (t1 - t0)
    return np.where(has, out, np.nan)


# --------------------------------------------------------------------------- left / right
def _assign_sides(
    ic: FloatArray, bf_: BodyFrame, t: FloatArray, fs: float, running: np.ndarray
) -> tuple[np.ndarray, FloatArray]:
    """Sides from the yaw rate (or ML acceleration) before each IC, alternated per run."""
    n = t.size
    i_ic = np.clip(np.searchsorted(t, ic), 0, n - 1)
    # Both cues are slow (3 Hz): average them on block means at about 50 Hz.
    q = max(int(fs // 50.0), 1)
    fq = fs / q
    iq = np.clip(i_ic // q, 0, max(n // q - 1, 0))
    nq = max(n // q, 1)
    if bf_.gyr is not None and float(np.std(bf_.gyr[:, 2])) > 0.02:
        yaw = lowpass(_block_mean(bf_.gyr[:, 2], q), fq, 3.0)
        # Before a left contact the pelvis turns clockwise seen from above (the left hip swings
        # forward): negative yaw rate, seen on real lower-back data (ipol, mobgap).
        win = _window_index(iq - int(0.03 * fq), int(0.19 * fq), 0, nq)
        score = -yaw[win].mean(axis=1)  # > 0 → left
        # Walking: yaw and pelvic roll together, the roll sign checked against the forward
        # axis (see gait.analysis.placements.trunk_side), so a weak yaw pattern or a reversed
        # forward estimate does not swap the sides.
        walk = ~running
        if walk.sum() >= 4:
            score = score.copy()
            score[walk] = walking_side_scores(bf_, i_ic[walk], fs)
    else:
        # Mediolateral acceleration (with the trunk roll it carries) just after contact.
        # Walking: towards the swing side after a left contact (real lower-back data, 8 of
        # 10 ipol trials and the mobgap tests). Running: towards the stance side (seen only in
        # the synthetic model, where pelvic roll dominates) [G].
        ml = lowpass(_block_mean(bf_.acc[:, 1], q), fq, 3.0)
        win = _window_index(iq, 0, int(0.15 * fq), nq)
        sign = np.where(running, 1.0, -1.0)
        score = sign * ml[win].mean(axis=1)  # > 0 → left
    k = ic.size
    # Runs of regular steps: a new run starts after a long, or a much too long or too short,
    # interval (a missed or an extra step would break the alternation).
    steps = np.diff(ic)
    med = float(np.median(steps)) if steps.size else 1.0
    ref = pd.Series(steps).rolling(9, center=True, min_periods=1).median().to_numpy()
    ref = np.where(np.isfinite(ref), ref, med)
    irregular = (steps > MAX_STEP) | (steps > 1.6 * ref) | (steps < 0.6 * ref)
    new_run = np.concatenate(([True], irregular))
    run_id = np.cumsum(new_run) - 1
    pos = np.arange(k) - np.flatnonzero(new_run)[run_id]
    alt = np.where(pos % 2 == 0, 1.0, -1.0)
    # Local vote: the alternation-corrected scores of the steps within ±SIDE_VOTE_HALF in the
    # same run, so one bad step cannot flip a whole run and a long run can drift.
    contrib = alt * score
    half = SIDE_VOTE_HALF
    cs = np.concatenate(([0.0], np.cumsum(contrib)))
    ca = np.concatenate(([0.0], np.cumsum(np.abs(score))))
    run_start = np.flatnonzero(new_run)[run_id]
    run_end = np.append(np.flatnonzero(new_run)[1:], k)[run_id]
    lo = np.maximum(np.arange(k) - half, run_start)
    hi = np.minimum(np.arange(k) + half + 1, run_end)
    vote = cs[hi] - cs[lo]
    mag = ca[hi] - ca[lo]
    is_left = np.where(vote >= 0, 1.0, -1.0) * alt > 0
    side = np.where(is_left, "left", "right").astype(object)
    agree = np.abs(vote) / np.maximum(mag, 1e-12)
    run_len = run_end - run_start
    # A one-step run cannot be checked by alternation; trust it less.
    conf = np.where(run_len > 1, 0.7 + 0.3 * agree, 0.6)
    return side, np.asarray(conf, dtype=np.float64)


# --------------------------------------------------------------------------- per-step metrics
#: Low-pass of the forward acceleration integrated for braking, Hz (capped at 0.4 × rate).
#: The braking trough lasts the first ~20 % of stance (~50 ms; Alcantara et al. 2022's
#: sacral recordings): a 10 Hz filter spread it and braking read 0.26–0.30 m/s for a true
#: 0.35 m/s on the synthetic runs, 0.36–0.37 m/s at 30 Hz.
BRAKING_LOWPASS_HZ = 30.0
#: The peak forward speed is sought within this of IC, s: the filter still spreads the
#: trough a little before IC, and IC itself is found to within ~10 ms.
BRAKING_LEAD = 0.02


def _step_metrics(
    t: FloatArray, a10: FloatArray, a_fwd: FloatArray, ic: FloatArray, tc: FloatArray, fs: float
) -> tuple[FloatArray, tuple[FloatArray, FloatArray], FloatArray]:
    """Vertical oscillation (m), braking (m/s, and its duration s) and impact (m/s²) per step.

    ``a10`` is the 10 Hz low-passed vertical acceleration and ``a_fwd`` the forward one
    low-passed at ``BRAKING_LOWPASS_HZ``, m/s².
    """
    n = t.size
    k = ic.size
    vo = np.full(k, np.nan)
    brk = np.full(k, np.nan)
    brk_t = np.full(k, np.nan)
    imp = np.full(k, np.nan)
    if k < 2:
        return vo, (brk, brk_t), imp
    i0 = np.clip(np.searchsorted(t, ic), 0, n - 1)
    i1 = np.append(i0[1:], n - 1)
    ok = ((i1 - i0) > 2) & ((t[i1] - t[i0]) < MAX_STEP)
    ok[-1] = False
    # Step windows are consecutive, so they can be processed as flat, non-overlapping slices.
    starts, ends = i0[ok], i1[ok]
    if starts.size == 0:
        return vo, (brk, brk_t), imp
    lengths = ends - starts
    flat, seg_id, first = flat_windows(starts, ends)
    dt = 1.0 / fs
    a_lin = a10 - G
    # vertical: integrate twice per step, remove mean acceleration (periodic velocity) and the
    # linear position drift
    vo[ok] = _per_step_range(a_lin[flat], seg_id, lengths, first, dt)
    rel = flat - starts[seg_id]
    tc_len = np.where(np.isfinite(tc[ok]), (tc[ok] - ic[ok]) * fs, lengths / 2.0)
    in_stance = rel <= np.repeat(np.minimum(tc_len, lengths - 1), lengths)
    brk[ok], brk_t[ok] = _braking(a_fwd, starts, ends, tc_len, fs)
    a_c = np.where(in_stance, a10[flat] - G, -np.inf)
    imp[ok] = np.maximum.reduceat(a_c, first)
    return vo, (brk, brk_t), imp


def _braking(
    a_fwd: FloatArray, starts: IntArray, ends: IntArray, tc_len: FloatArray, fs: float
) -> tuple[FloatArray, FloatArray]:
    """Braking per step, m/s: the highest forward speed near IC minus the lowest in stance.

    Also returns the braking duration, s: from IC to that lowest speed, i.e. until the
    forward force turns from braking to propulsion, when the pelvis passes over the foot
    (the longer, the further ahead the foot landed; see ``gait.analysis.overstride``).

    The steps' windows are moved ``BRAKING_LEAD`` s earlier: the zero-phase low-pass of the
    forward acceleration spreads a sharp braking trough to both sides of IC, so part of the
    speed is already lost at the IC sample. The peak speed is sought within
    ``BRAKING_LEAD`` of IC, the lowest until TC (the first half of the step when TC is
    unknown). ``a_fwd`` is the forward acceleration low-passed at ``BRAKING_LOWPASS_HZ``,
    m/s²; ``tc_len`` the stance length in samples.
    """
    lead = min(round(BRAKING_LEAD * fs), int(starts[0]))
    b0, b1 = starts - lead, ends - lead
    lengths = b1 - b0
    flat, seg, first = flat_windows(b0, b1)
    v = _per_step_velocity(a_fwd[flat], seg, lengths, first, 1.0 / fs)
    rel = flat - b0[seg]
    near_ic = rel <= 2 * lead
    stance_end = np.repeat(np.minimum(lead + tc_len, lengths - 1), lengths)
    vmax = np.maximum.reduceat(np.where(near_ic, v, -np.inf), first)
    in_stance = np.where(rel <= stance_end, v, np.inf)
    vmin = np.minimum.reduceat(in_stance, first)
    return np.asarray(np.maximum(vmax - vmin, 0.0)), _min_time(
        v, in_stance, vmin, seg, rel, lead, fs
    )


def _min_time(
    v: FloatArray,
    in_stance: FloatArray,
    vmin: FloatArray,
    seg: IntArray,
    rel: IntArray,
    lead: int,
    fs: float,
) -> FloatArray:
    """Time of each window's lowest speed after IC, s (parabolic sub-sample refinement)."""
    at_min = np.flatnonzero(in_stance == vmin[seg])
    segs, first_hit = np.unique(seg[at_min], return_index=True)
    i = at_min[first_hit]
    t_min = np.full(vmin.size, np.nan)
    inner = (i > 0) & (i < v.size - 1)
    inner &= (seg[np.clip(i - 1, 0, None)] == seg[i]) & (
        seg[np.clip(i + 1, None, v.size - 1)] == seg[i]
    )
    frac = np.zeros(i.size)
    a, b, c = v[np.clip(i - 1, 0, None)], v[i], v[np.clip(i + 1, None, v.size - 1)]
    den = a - 2 * b + c
    ok = inner & (den > 0)
    frac[ok] = np.clip(0.5 * (a[ok] - c[ok]) / den[ok], -0.5, 0.5)
    k = rel[i] + frac
    t_min[segs] = np.where(k >= lead, (k - lead) / fs, np.nan)
    return t_min


def _per_step_velocity(
    a: FloatArray, seg_id: IntArray, lengths: IntArray, first: IntArray, dt: float
) -> FloatArray:
    """Velocity fluctuation per step: integral of the mean-free acceleration, mean removed."""
    mean_a = np.bincount(seg_id, weights=a) / lengths
    a0 = a - mean_a[seg_id]
    c = np.cumsum(a0) * dt
    base = np.concatenate(([0.0], c))[first]
    v = c - base[seg_id]
    mean_v = np.bincount(seg_id, weights=v) / lengths
    return np.asarray(v - mean_v[seg_id])


def _per_step_range(
    a: FloatArray, seg_id: IntArray, lengths: IntArray, first: IntArray, dt: float
) -> FloatArray:
    """Range of the per-step double integral of ``a`` with velocity and position drift removed."""
    v = _per_step_velocity(a, seg_id, lengths, first, dt)
    c = np.cumsum(v) * dt
    base = np.concatenate(([0.0], c))[first]
    z = c - base[seg_id]
    # remove the linear trend from step start to end (position returns to the same height)
    rel = np.arange(a.size) - np.repeat(first, lengths)
    last = first + lengths - 1
    slope = z[last] / np.maximum(lengths - 1, 1)
    z = z - slope[seg_id] * rel
    return np.asarray(np.maximum.reduceat(z, first) - np.minimum.reduceat(z, first))


__all__ = ["SACRUM_COLUMNS", "detect_events", "moving_mask", "step_frequency"]


@dataclass(frozen=True)
class SacrumDetector(EventDetector):
    """Ground contacts of a sacrum (lower back) IMU or accelerometer.

    See :func:`detect_events` for the method and columns. The fields are the constants of
    the running contact timing; the walking rules keep their module constants.

    Parameters
    ----------
    flight_level : float, default 0.4 g = 3.92 m/s²
        A step whose lowest vertical specific force before its loading peak is below this
        had a flight phase (running); also the flight level of the TC search. Set between
        the ~0 g of free fall and the ≥ 0.6 g trough of walking [G].
    edge_levels : tuple of float, default (0.2, 0.6)
        Shares of the loading-pulse height above the flight baseline whose rising-edge
        crossings are extrapolated to the baseline for IC (insensitive to the pulse height;
        in the spirit of Auvinet 2002 / Patoz 2022).
    edge_cutoff : float, default 30.0
        Low-pass cut-off of the signal whose edges time the running contacts, Hz (10 Hz
        smears the steep contact edges by tens of ms).
    tc_flight_margin : float, default 0.1 g = 0.98 m/s²
        Final-drop fallback TC: ``a_v`` within this of the flight baseline is flight
        (a few % of body weight plus sensor noise) [G].
    tc_drop_window : float, default 0.04
        Final-drop fallback TC: the drop is searched this long before flight starts, s
        (leave-one-trial-out on the Alcantara et al. 2022 trials: every fold picks 40 ms).
    tc_unload : float, default 0.045
        Time from the fall of ``a_v`` through 1 g (end of the effective contact, Cavagna
        et al. 1988) to take-off, s (leave-one-trial-out on the 16 Alcantara et al. 2022
        trials: every fold picks 43.7–45.7 ms).
    impact_window : float, default 0.1
        The heel-strike impact transient and the dip through 1 g after it are over this long
        after IC, s (impact peak 20–50 ms after contact: Cavanagh & Lafortune 1980,
        Lieberman et al. 2010); the effective contact ends at the first fall after it.
    """

    placement: ClassVar[str] = "sacrum"

    flight_level: float = FLIGHT_LEVEL
    edge_levels: tuple[float, float] = EDGE_LEVELS
    edge_cutoff: float = EDGE_CUTOFF
    tc_flight_margin: float = TC_FLIGHT_MARGIN
    tc_drop_window: float = TC_DROP_WINDOW
    tc_unload: float = TC_UNLOAD
    impact_window: float = IMPACT_WINDOW

    def detect(self, stream: Stream, *, speed: float | None = None) -> pd.DataFrame:
        """Detect contacts in ``stream`` (device axes, acc m/s², gyr rad/s; ``speed`` m/s)."""
        return detect_events(stream, speed=speed, detector=self)

"""Find single-leg stance trials and hop landings in a continuous trunk recording.

A trial is a quiet stretch (see :mod:`gait.balance.activity`) whose horizontal sway is at
single-leg level. Two-leg standing before and after the trial sways several times less, so
each quiet stretch is trimmed where the 1 s moving sway power crosses the midpoint between
its two-leg level (5th percentile) and its single-leg level (median). A hop landing is an
impact above 2 g right after a flight phase (|a| near zero); the quiet stretch that begins
within a few seconds of it is that hop's stick phase.

Without protocol marks the trials are labelled in the protocol order (left/right, eyes
open then closed; a fifth stance trial first is the familiarisation trial) and the labels
say they were inferred.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import uniform_filter1d

from gait.balance.activity import ActivityProfile, runs
from gait.contract.constants import G
from gait.util.scipy_signal import signal

FloatArray = NDArray[np.float64]

#: Shortest scoreable single-leg trial, s.
MIN_TRIAL = 7.0
#: Horizontal sway (moving RMS, m/s²) below which a quiet stretch is two-leg standing.
TWO_LEG_MAX = 0.07
#: Fixed analysis length of a hop-and-stick trial after landing, s (TTS depends on it, so it
#: is fixed).
HOP_WINDOW = 10.0
#: Protocol order of the stance trials.
PROTOCOL_ORDER: tuple[tuple[str, str], ...] = (
    ("left", "open"),
    ("right", "open"),
    ("left", "closed"),
    ("right", "closed"),
)


@dataclass(frozen=True)
class TrialMark:
    """One trial's time span and labels.

    Parameters
    ----------
    t_start, t_end : float
        Trial span, s (hop: from landing).
    kind : {'stance', 'hop'}
    leg : str or None
        Stance leg.
    eyes : {'open', 'closed'} or None
    familiarisation : bool
        Unscored familiarisation trial.
    t_land : float
        Hop landing time, s (NaN for stance).
    labels : {'protocol', 'given', 'inferred', 'foot sensor'}
        Where ``leg`` and ``eyes`` came from.
    """

    t_start: float
    t_end: float
    kind: str = "stance"
    leg: str | None = None
    eyes: str | None = None
    familiarisation: bool = False
    t_land: float = float("nan")
    labels: str = "given"

    @property
    def duration(self) -> float:
        """Trial length, s."""
        return self.t_end - self.t_start


def horizontal_sway_power(acc: FloatArray, rate: float) -> FloatArray:
    """1 s moving mean of the squared horizontal sway (m²/s⁴) over a quiet stretch.

    Parameters
    ----------
    acc : ndarray, shape (N, 3)
        Specific force (any frame), m/s².
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    ndarray, shape (N,)
    """
    p = _raw_power(acc, rate)
    return np.asarray(uniform_filter1d(p, max(3, round(rate)), mode="nearest"), dtype=np.float64)


#: Two-leg pauses longer than this (s) inside a quiet stretch separate two trials (BESS counts
#: more than 5 s out of position as leaving the trial).
SPLIT_GAP = 5.0


def single_leg_spans(acc: FloatArray, rate: float) -> list[tuple[int, int]]:
    """The single-leg parts ``[i0, i1)`` of a quiet stretch (empty if it is two-leg standing).

    Parameters
    ----------
    acc : ndarray, shape (N, 3)
        Specific force over the quiet stretch, m/s².
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    list of (int, int)
        Sample ranges relative to the stretch; two-leg pauses shorter than
        :data:`SPLIT_GAP` (a touch-down) stay inside one trial.
    """
    p = horizontal_sway_power(acc, rate)
    # Two-leg level: 5th percentile; single-leg level: 80th (a short trial may fill < half).
    lo, hi = float(np.percentile(p, 5)), float(np.percentile(p, 80))
    if np.sqrt(hi) < TWO_LEG_MAX:
        return []
    if hi < 2.5 * lo:  # no separable two-leg part: the whole stretch is the trial
        return [(0, acc.shape[0])]
    # Above the geometric mean of the two levels = on one leg (a lull in sway rarely drops
    # that far for long) ...
    above = p > np.sqrt(lo * hi)
    spans = runs(above)
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a - merged[-1][1] < SPLIT_GAP * rate:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    # ... then refine each edge to the best change point between the two levels within ±2 s.
    raw = _raw_power(acc, rate)
    half = int(2.0 * rate)
    spans_out = []
    v = _vertical_spikes(acc, rate)
    for k, (a, b) in enumerate(merged):
        a2 = _change_point(raw, a, half, lo, hi, rising=True)
        b2 = _change_point(raw, b, half, lo, hi, rising=False)
        # Putting the foot down ends the trial with an impact: the last one after the sway end
        # (−2.5 s) and before the next trial in this stretch; two-leg standing has none.
        nxt = merged[k + 1][0] - int(rate) if k + 1 < len(merged) else v.size
        j0, j1 = max(a2 + 1, b2 - int(2.5 * rate)), max(min(v.size, nxt), b2)
        hit = np.flatnonzero(v[j0:j1])
        if hit.size:
            b2 = j0 + int(hit[-1]) + 1
        spans_out.append((a2, b2))
    return spans_out


def _vertical_spikes(acc: FloatArray, rate: float) -> NDArray[np.bool_]:
    """Local maxima of the 3 Hz high-passed vertical force above ``max(1 m/s², 8 σ)``."""
    g = acc.mean(axis=0)
    g /= np.linalg.norm(g)
    v = acc @ g
    if v.size <= 27:
        return np.zeros(v.size, dtype=bool)
    sos = signal.butter(2, min(3.0, 0.4 * rate), btype="highpass", fs=rate, output="sos")
    hp = np.abs(signal.sosfiltfilt(sos, v))
    sigma = 1.4826 * float(np.median(np.abs(hp - np.median(hp))))
    out = np.zeros(v.size, dtype=bool)
    idx, _ = signal.find_peaks(hp, height=max(1.0, 8.0 * sigma), distance=max(1, int(0.5 * rate)))
    out[idx] = True
    return out


def _raw_power(acc: FloatArray, rate: float) -> FloatArray:
    """Instantaneous horizontal sway power (m²/s⁴): 0.15–5 Hz band, gravity direction removed."""
    g = acc.mean(axis=0)
    g /= np.linalg.norm(g)
    hor = acc - np.outer(acc @ g, g)
    if acc.shape[0] > int(3 * rate):
        # Sway lives below 5 Hz; the band keeps sensor noise from filling two-leg standing.
        sos = signal.butter(
            2, [0.15, min(5.0, 0.45 * rate)], btype="bandpass", fs=rate, output="sos"
        )
        hor = signal.sosfiltfilt(sos, hor, axis=0)
    else:
        hor = hor - hor.mean(axis=0)
    return np.asarray(np.sum(hor**2, axis=1), dtype=np.float64)


def _change_point(p: FloatArray, i: int, half: int, lo: float, hi: float, *, rising: bool) -> int:
    """Index in ``[i - half, i + half]`` that best splits ``p`` between two KNOWN power levels.

    Each sample's power is scored by the exponential log-likelihood ``p/m + log m`` under the
    two-leg level ``lo`` and the single-leg level ``hi``; the split minimises the summed
    score (vectorised with cumsums). Known levels keep a short lull inside the trial from
    pulling the edge (a locally estimated two-segment model would).
    """
    a, b = max(0, i - half), min(p.size, i + half)
    seg = p[a:b]
    if seg.size < 4 or lo <= 0 or hi <= lo:
        return i
    c_lo = seg / lo + np.log(lo)
    c_hi = seg / hi + np.log(hi)
    first, second = (c_lo, c_hi) if rising else (c_hi, c_lo)
    left = np.concatenate([[0.0], np.cumsum(first)])
    right = np.concatenate([np.cumsum(second[::-1])[::-1], [0.0]])
    return a + int(np.argmin(left + right))


def hop_landings(profile: ActivityProfile, t: FloatArray) -> list[float]:
    """Landing times of hops: |a| > 2 g within 0.6 s after a flight phase (|a| < 3 m/s²).

    Parameters
    ----------
    profile : ActivityProfile
        Activity of the trunk stream.
    t : ndarray
        Sample times, s.

    Returns
    -------
    list of float
        Landing times, s (first sample above 1 g after the flight).
    """
    rate = profile.rate
    mag = profile.mag
    low = uniform_filter1d(mag, max(3, int(0.08 * rate)), mode="nearest") < 3.0
    out: list[float] = []
    for _i0, i1 in runs(low):
        j = i1
        k1 = min(mag.size, j + int(0.6 * rate))
        if j >= mag.size or mag[j:k1].max() < 2 * G:
            continue
        above = np.flatnonzero(mag[j:k1] > G)
        land = j + int(above[0])
        if out and t[land] - out[-1] < 2.0:
            continue
        out.append(float(t[land]))
    return out


def find_trials(
    t: FloatArray, acc: FloatArray, profile: ActivityProfile
) -> tuple[list[TrialMark], dict[str, float]]:
    """Stance trials and hop trials in a continuous recording (unlabelled).

    Parameters
    ----------
    t : ndarray, shape (N,)
        Sample times, s.
    acc : ndarray, shape (N, 3)
        Trunk specific force, m/s².
    profile : ActivityProfile
        Activity of the same stream.

    Returns
    -------
    marks : list of TrialMark
        In time order; ``labels`` is ``"inferred"``.
    info : dict
        ``two_leg_s`` (two-leg quiet time) and ``short_s`` (longest too-short single-leg span).
    """
    rate = profile.rate
    landings = hop_landings(profile, t)
    marks: list[TrialMark] = []
    info = {"two_leg_s": 0.0, "short_s": 0.0}
    for i0, i1 in profile.quiet_runs:
        if (i1 - i0) < 3 * rate:
            continue
        spans = single_leg_spans(acc[i0:i1], rate)
        if not spans:
            info["two_leg_s"] += (i1 - i0) / rate
            continue
        hop = [x for x in landings if -0.5 <= t[i0] - x <= 4.0]
        for k, (sa, sb) in enumerate(spans):
            a, b = i0 + sa, i0 + sb - 1
            if hop and k == 0:
                marks.append(
                    TrialMark(
                        t_start=hop[0],
                        t_end=float(t[b]),
                        kind="hop",
                        t_land=hop[0],
                        labels="inferred",
                    )
                )
                continue
            dur = float(t[b] - t[a])
            if dur < MIN_TRIAL:
                info["short_s"] = max(info["short_s"], dur)
                continue
            marks.append(TrialMark(t_start=float(t[a]), t_end=float(t[b]), labels="inferred"))
    return marks, info


def label_by_protocol(marks: list[TrialMark]) -> list[TrialMark]:
    """Give unlabelled trials the protocol's labels in time order.

    Stance trials follow :data:`PROTOCOL_ORDER`; with exactly one extra stance trial the first
    is the familiarisation trial. Hops alternate left, right.

    Parameters
    ----------
    marks : list of TrialMark

    Returns
    -------
    list of TrialMark
    """
    stance = [m for m in marks if m.kind == "stance"]
    fam = len(stance) == len(PROTOCOL_ORDER) + 1
    out: list[TrialMark] = []
    k_st = k_hop = 0
    for m in marks:
        if m.kind == "hop":
            out.append(replace(m, leg=("left", "right")[k_hop % 2], eyes="open"))
            k_hop += 1
            continue
        if fam and k_st == 0:
            out.append(replace(m, leg="left", eyes="open", familiarisation=True))
        else:
            leg, eyes = PROTOCOL_ORDER[(k_st - int(fam)) % len(PROTOCOL_ORDER)]
            out.append(replace(m, leg=leg, eyes=eyes))
        k_st += 1
    return out

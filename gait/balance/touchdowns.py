"""Touch-downs of the lifted foot during a single-leg trial.

No validated IMU method was found, so the proposed one is used:

* trunk only: a vertical impact spike (3 Hz high-passed vertical specific force above
  ``max(1 m/s², 8 σ)``, σ from the median absolute deviation) confirmed by a step change in
  horizontal sway: the RMS 0.2–1.2 s after differs by ≥ 1.5× from the RMS 1.5–0.3 s before,
  or is ≥ 1.5× below the trial's median level (both feet down);
* lifted-foot IMU: an impact on that foot (3 Hz high-passed ``|a|`` above
  ``max(5 m/s², 8 σ)``).

Peaks closer than 1 s to a trial end belong to lifting or lowering the foot and are ignored.
Each touch-down is one BESS error (step/stumble/fall criterion), at most 10 per trial.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import uniform_filter1d

from gait.util.scipy_signal import signal

FloatArray = NDArray[np.float64]

EDGE_S = 1.0
SWAY_CHANGE = 1.5
BESS_MAX = 10


def _highpass(x: FloatArray, rate: float, cut: float = 3.0) -> FloatArray:
    sos = signal.butter(2, min(cut, 0.4 * rate), btype="highpass", fs=rate, output="sos")
    return np.asarray(signal.sosfiltfilt(sos, x, axis=0), dtype=np.float64)


def _robust_sigma(x: FloatArray) -> float:
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def _peaks(x: FloatArray, t: FloatArray, rate: float, floor: float) -> FloatArray:
    thr = max(floor, 8.0 * _robust_sigma(x))
    idx, _ = signal.find_peaks(x, height=thr, distance=max(1, int(rate)))
    keep = (t[idx] >= t[0] + EDGE_S) & (t[idx] <= t[-1] - EDGE_S)
    return np.asarray(t[idx[keep]], dtype=np.float64)


def trunk_touchdowns(
    t: FloatArray, v: FloatArray, ap: FloatArray, ml: FloatArray, rate: float
) -> FloatArray:
    """Touch-down times from the trunk: impact spike plus sway change.

    Parameters
    ----------
    t : ndarray
        Sample times over the trial, s.
    v : ndarray
        Vertical specific force, m/s².
    ap, ml : ndarray
        Low-passed horizontal specific force, m/s².
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    ndarray
        Touch-down times, s.
    """
    if t.size < int(3 * rate):
        return np.zeros(0)
    cand = _peaks(np.abs(_highpass(v, rate)), t, rate, 1.0)
    if cand.size == 0:
        return cand
    hor = np.column_stack([ap, ml])
    # Sway about a 4 s moving mean (slow lean drifts are not sway).
    hor = hor - uniform_filter1d(hor, max(3, int(4 * rate)), axis=0, mode="nearest")
    p = np.sum(hor**2, axis=1)
    c = np.concatenate([[0.0], np.cumsum(p)])

    def mean_power(a: FloatArray, b: FloatArray) -> FloatArray:
        i, j = np.searchsorted(t, a), np.searchsorted(t, b)
        return (c[j] - c[i]) / np.maximum(j - i, 1)

    pre = mean_power(cand - 1.5, cand - 0.3)
    post = mean_power(cand + 0.2, cand + 1.2)
    ratio = np.sqrt(np.maximum(post, 1e-12) / np.maximum(pre, 1e-12))
    # Two feet down after the contact: sway also drops well below the trial's typical level.
    level = np.sqrt(np.maximum(post, 1e-12) / max(float(np.median(p)), 1e-12))
    ok = (ratio >= SWAY_CHANGE) | (ratio <= 1.0 / SWAY_CHANGE) | (level <= 1.0 / SWAY_CHANGE)
    return np.asarray(cand[ok], dtype=np.float64)


def foot_touchdowns(t: FloatArray, acc: FloatArray, rate: float) -> FloatArray:
    """Touch-down times from an IMU on the lifted foot: impacts on that foot.

    Parameters
    ----------
    t : ndarray
        Sample times over the trial, s.
    acc : ndarray, shape (N, 3)
        Foot specific force, m/s².
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    ndarray
        Touch-down times, s.
    """
    if t.size < int(3 * rate):
        return np.zeros(0)
    mag = np.linalg.norm(acc, axis=1)
    return _peaks(np.abs(_highpass(mag, rate)), t, rate, 5.0)


def lifted_foot(feet: dict[str, FloatArray], rate: float) -> str | None:
    """Which foot is lifted: the one whose acceleration varies more (it hangs and wobbles).

    Parameters
    ----------
    feet : dict of side to ndarray (N, 3)
        Foot specific force over the trial, m/s².
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    str or None
        ``"left"`` or ``"right"``; None unless both feet are present and clearly differ.
    """
    if set(feet) != {"left", "right"}:
        return None
    var = {}
    for side, a in feet.items():
        lp = signal.sosfiltfilt(
            signal.butter(2, min(5.0, 0.4 * rate), fs=rate, output="sos"), a, axis=0
        )
        var[side] = float(np.sum(np.var(lp, axis=0)))
    lo, hi = sorted(var.values())
    if hi < 2.0 * lo:
        return None
    return max(var, key=lambda k: var[k])


def bess_errors(n_touchdowns: int) -> int:
    """BESS-style error count: one per touch-down, capped at 10 per condition.

    As in Riemann, Guskiewicz & Shields 1999 (J Sport Rehabil 8(2):71).

    Parameters
    ----------
    n_touchdowns : int

    Returns
    -------
    int
    """
    return int(min(BESS_MAX, max(0, n_touchdowns)))

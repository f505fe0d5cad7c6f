"""Hop-and-stick landing: time to stabilization over a FIXED trial length.

TTS depends on the trial length by ~100 % (Fransz et al., review of time-to-stabilization
methods), so the window is always :data:`gait.balance.trials.HOP_WINDOW` s from landing.
Method (rotation-free, raw 3-D trunk specific force): deviation
``r(t) = a(t) − mean(a over the last 3 s)``; baseline ``b = RMS(|r|)`` over the last 3 s;
``m(t)`` = 1 s centred moving RMS of ``|r|``. TTS is the last time before the baseline
part at which ``m > 3·b`` (a 1 s window and a 3× factor keep ordinary sway bursts from
counting as "not yet stable").
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import uniform_filter1d

FloatArray = NDArray[np.float64]

BASELINE_S = 3.0
MOVING_S = 1.0
FACTOR = 3.0


def stabilization(acc: FloatArray, rate: float) -> tuple[float, FloatArray, float]:
    """Time to stabilization after a landing.

    Parameters
    ----------
    acc : ndarray, shape (N, 3)
        Trunk specific force from the landing over the fixed window, m/s².
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    tts : float
        Seconds from landing (NaN when the window is shorter than 2 × the baseline part).
    moving : ndarray
        The moving RMS ``m(t)``, m/s².
    baseline : float
        ``b``, m/s².
    """
    nb = round(BASELINE_S * rate)
    if acc.shape[0] < 2 * nb:
        return float("nan"), np.zeros(acc.shape[0]), float("nan")
    r = acc - acc[-nb:].mean(axis=0)
    p = np.sum(r**2, axis=1)
    b = float(np.sqrt(p[-nb:].mean()))
    m = np.sqrt(uniform_filter1d(p, max(3, round(MOVING_S * rate)), mode="nearest"))
    above = np.flatnonzero(m[: acc.shape[0] - nb] > FACTOR * b)
    tts = 0.0 if above.size == 0 else float((above[-1] + 1) / rate)
    return tts, np.asarray(m, dtype=np.float64), b


def hop_path(acc: FloatArray, rate: float, seconds: float = 3.0) -> float:
    """Trunk acceleration path length over the first ``seconds`` after landing, m/s².

    As in Williams, Gara & Clark 2019 (J Sport Rehabil 28(8)).

    Parameters
    ----------
    acc : ndarray, shape (N, 3)
        Trunk specific force from the landing, m/s².
    rate : float
        Sampling rate, Hz.
    seconds : float
        Length of the window, s.

    Returns
    -------
    float
    """
    a = acc[: round(seconds * rate)]
    return float(np.sum(np.linalg.norm(np.diff(a, axis=0), axis=1)))

"""Quiet stance versus transitions: a rotation-invariant activity profile of a trunk sensor.

The moving standard deviation of the acceleration magnitude ``|a|`` ignores the mounting
and barely sees horizontal sway (it enters ``|a|`` only to second order), so it separates
quiet standing (single- or two-leg) from walking, turning, hopping and fidgeting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import uniform_filter1d

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Moving SD of |a| below which the trunk is "quiet", m/s².
QUIET_SD = 0.35
#: Non-quiet gaps shorter than this (s) and gentler than MERGE_SD are merged into stance
#: (a touch-down impact inside a trial must not split it).
MERGE_GAP = 1.6
MERGE_SD = 1.5


@dataclass
class ActivityProfile:
    """Activity of one trunk stream.

    Parameters
    ----------
    rate : float
        Sampling rate, Hz.
    mag : ndarray
        ``|a|`` per sample, m/s².
    sd : ndarray
        1 s moving SD of ``|a|``, m/s².
    quiet_runs : list of (i0, i1)
        Quiet stretches after merging short gentle gaps (sample ranges, end exclusive).
    walking_runs : list of (i0, i1, step_freq)
        Non-quiet stretches with a clear step rhythm, with the step frequency (Hz).
    moving_runs : list of (i0, i1)
        All non-quiet stretches.
    """

    rate: float
    mag: FloatArray
    sd: FloatArray
    quiet_runs: list[tuple[int, int]]
    walking_runs: list[tuple[int, int, float]]
    moving_runs: list[tuple[int, int]]

    @property
    def walking_time(self) -> float:
        """Seconds of walking."""
        return sum(i1 - i0 for i0, i1, _ in self.walking_runs) / self.rate

    @property
    def longest_quiet(self) -> float:
        """Longest quiet stretch, s."""
        return max((i1 - i0 for i0, i1 in self.quiet_runs), default=0) / self.rate


def runs(mask: BoolArray) -> list[tuple[int, int]]:
    """Index ranges ``[i0, i1)`` where ``mask`` is True.

    Parameters
    ----------
    mask : ndarray of bool, shape (N,)

    Returns
    -------
    list of (int, int)
    """
    m = np.concatenate([[False], mask.astype(bool), [False]])
    d = np.diff(m.astype(np.int8))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def moving_sd(x: FloatArray, width: int) -> FloatArray:
    """Centred moving standard deviation over ``width`` samples.

    Parameters
    ----------
    x : ndarray, shape (N,)
    width : int
        Window length, samples.

    Returns
    -------
    ndarray, shape (N,)
    """
    m1 = uniform_filter1d(x, width, mode="nearest")
    m2 = uniform_filter1d(x * x, width, mode="nearest")
    return np.sqrt(np.maximum(m2 - m1 * m1, 0.0))


def step_frequency(mag: FloatArray, rate: float) -> tuple[float, float]:
    """Dominant step frequency of ``|a|`` in 1.0–3.5 Hz and its power share.

    Parameters
    ----------
    mag : ndarray
        Acceleration magnitude, m/s².
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    (float, float)
        Frequency (Hz) and the share of 0.3–10 Hz power within ±0.25 Hz of it.
    """
    x = mag - mag.mean()
    n = max(x.size, int(8 * rate))  # zero-pad to ≥ 8 s: 0.125 Hz bins
    p = np.abs(np.fft.rfft(x * np.hanning(x.size), n)) ** 2
    f = np.fft.rfftfreq(n, 1.0 / rate)
    band = (f >= 1.0) & (f <= 3.5)
    total = p[(f >= 0.3) & (f <= 10.0)].sum()
    if not band.any() or total <= 0:
        return float("nan"), 0.0
    k = np.flatnonzero(band)[np.argmax(p[band])]
    near = np.abs(f - f[k]) <= 0.25
    return float(f[k]), float(p[near].sum() / total)


def step_autocorr(mag: FloatArray, rate: float, fs: float) -> float:
    """Autocorrelation of ``|a|`` at a lag of one step period.

    Parameters
    ----------
    mag : ndarray
        Acceleration magnitude, m/s².
    rate : float
        Sampling rate, Hz.
    fs : float
        Step frequency, Hz.

    Returns
    -------
    float
        In [-1, 1]; walking gives about 0.7–0.9, irregular movement about 0.
    """
    if not np.isfinite(fs) or fs <= 0:
        return 0.0
    x = mag - mag.mean()
    lag = round(rate / fs)
    den = float(np.sum(x * x))
    if lag <= 0 or lag >= x.size or den <= 0:
        return 0.0
    return float(np.sum(x[:-lag] * x[lag:]) / den)


def activity_profile(acc: FloatArray, rate: float) -> ActivityProfile:
    """Quiet and moving stretches of a trunk stream.

    Parameters
    ----------
    acc : ndarray, shape (N, 3)
        Specific force in any frame, m/s².
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    ActivityProfile
    """
    mag = np.linalg.norm(acc, axis=1)
    sd = moving_sd(mag, max(3, round(rate)))
    quiet = sd < QUIET_SD
    # Merge short, gentle non-quiet gaps between quiet stretches (touch-downs, foot lifts).
    gaps = runs(~quiet)
    for i0, i1 in gaps:
        inner = i0 > 0 and i1 < quiet.size
        if inner and (i1 - i0) < MERGE_GAP * rate and sd[i0:i1].max() < MERGE_SD:
            quiet[i0:i1] = True
    q_runs = runs(quiet)
    m_runs = runs(~quiet)
    w_runs: list[tuple[int, int, float]] = []
    for i0, i1 in m_runs:
        if i1 - i0 < 2 * rate:
            continue
        fs, share = step_frequency(mag[i0:i1], rate)
        # Walking is rhythmic: a spectral peak AND a strong autocorrelation one step later
        # (fidgeting can have a spectral bump but is not periodic).
        if share >= 0.25 and step_autocorr(mag[i0:i1], rate, fs) >= 0.4:
            w_runs.append((i0, i1, fs))
    return ActivityProfile(
        rate=rate, mag=mag, sd=sd, quiet_runs=q_runs, walking_runs=w_runs, moving_runs=m_runs
    )

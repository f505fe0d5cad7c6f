"""Sway metrics of one trial in the horizontal plane.

The metric set follows Mancini et al. 2012 (J Neuroeng Rehabil 9:59). Fixed processing,
identical for every trial so sessions compare:

* zero-phase 4th-order Butterworth low-pass at :data:`LOWPASS_HZ` on the whole trial,
  then the metric window (the middle of the trial, see :func:`metric_window`);
* time-domain metrics on the mean-removed AP/ML series;
* spectra by ONE fixed estimator: Welch, Hann window, :data:`WELCH_SEG_S` s segments with
  50 % overlap (shorter windows use one segment of the whole window), constant detrend,
  power summed over AP and ML, moments over :data:`SPEC_BAND`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from gait.contract.constants import G
from gait.util.scipy_signal import signal

FloatArray = NDArray[np.float64]

LOWPASS_HZ = 5.0
WELCH_SEG_S = 10.0
SPEC_BAND = (0.1, 5.0)
#: χ²(0.95, 2): scales the covariance to the 95 % *prediction* ellipse.
CHI2_95_2 = 5.991
#: Pendulum length (m) per trunk placement for the accelerometer-only lean angle.
PENDULUM_H = {"sacrum": 1.0, "belt": 1.0, "sternum": 1.35, None: 1.0}


def metric_margin(length: float) -> float:
    """Seconds dropped at each end of a trial before metrics: ``clip((L − 20)/2, 1, 5)``.

    A 30 s trial keeps its middle 20 s (single-leg COP practice).

    Parameters
    ----------
    length : float
        Trial length, s.

    Returns
    -------
    float
    """
    return float(min(5.0, max(1.0, (length - 20.0) / 2.0)))


def lowpass(x: FloatArray, rate: float) -> FloatArray:
    """Zero-phase low-pass at :data:`LOWPASS_HZ` along axis 0.

    Parameters
    ----------
    x : ndarray
        Signal(s), any unit.
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    ndarray
    """
    cut = min(LOWPASS_HZ, 0.45 * rate)
    sos = signal.butter(4, cut, fs=rate, output="sos")
    if x.shape[0] <= 27:  # too short for sosfiltfilt's padding
        return x
    return np.asarray(signal.sosfiltfilt(sos, x, axis=0), dtype=np.float64)


def ellipse(ap: FloatArray, ml: FloatArray) -> dict[str, float]:
    """95 % prediction ellipse of the AP/ML scatter.

    Parameters
    ----------
    ap, ml : ndarray
        Series in any unit u.

    Returns
    -------
    dict
        ``area`` (u², π·χ²·√(λ1λ2)), ``a``/``b`` semi-axes (u), ``angle`` of the major axis
        from the ML axis towards AP (rad), ``c_ml``/``c_ap`` centre (u).
    """
    cov = np.cov(np.vstack([ml, ap]), bias=True)
    lam, vec = np.linalg.eigh(cov)
    lam = np.maximum(lam, 0.0)
    return {
        "area": float(np.pi * CHI2_95_2 * np.sqrt(lam[0] * lam[1])),
        "a": float(np.sqrt(CHI2_95_2 * lam[1])),
        "b": float(np.sqrt(CHI2_95_2 * lam[0])),
        "angle": float(math.atan2(vec[1, 1], vec[0, 1])),
        "c_ml": float(np.mean(ml)),
        "c_ap": float(np.mean(ap)),
    }


def spectral(ap: FloatArray, ml: FloatArray, rate: float) -> dict[str, float]:
    """Median (F50), 95 % (F95), centroid (CF) frequency, dispersion (FD) and power (PWR).

    Parameters
    ----------
    ap, ml : ndarray
        Mean-removed series, m/s².
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    dict
        ``f50``, ``f95``, ``cf`` (Hz), ``fd`` (0–1), ``pwr`` (m²/s⁴) and ``f50_ap``, ``f50_ml``.
    """
    nper = min(ap.size, round(WELCH_SEG_S * rate))
    f, p_ap = signal.welch(ap, fs=rate, window="hann", nperseg=nper, detrend="constant")
    _, p_ml = signal.welch(ml, fs=rate, window="hann", nperseg=nper, detrend="constant")
    band = (f >= SPEC_BAND[0]) & (f <= SPEC_BAND[1])
    f = f[band]

    def moments(p: FloatArray) -> tuple[float, float, float, float, float]:
        p = p[band]
        tot = float(p.sum())
        if tot <= 0:
            return (math.nan,) * 5
        c = np.cumsum(p) / tot
        f50 = float(f[int(np.searchsorted(c, 0.5))])
        f95 = float(f[min(int(np.searchsorted(c, 0.95)), f.size - 1)])
        m1 = float((f * p).sum() / tot)
        m2 = float((f**2 * p).sum() / tot)
        cf = math.sqrt(m2)
        fd = math.sqrt(max(0.0, 1.0 - m1**2 / m2)) if m2 > 0 else math.nan
        df = float(f[1] - f[0]) if f.size > 1 else 0.0
        return f50, f95, cf, fd, tot * df

    f50, f95, cf, fd, pwr = moments(p_ap + p_ml)
    return {
        "f50": f50,
        "f95": f95,
        "cf": cf,
        "fd": fd,
        "pwr": pwr,
        "f50_ap": moments(p_ap)[0],
        "f50_ml": moments(p_ml)[0],
    }


def time_metrics(ap: FloatArray, ml: FloatArray, rate: float, prefix: str = "") -> dict[str, float]:
    """Time-domain sway metrics of one window.

    Parameters
    ----------
    ap, ml : ndarray
        Series in unit u (m/s² for acceleration, deg for lean angle).
    rate : float
        Sampling rate, Hz.
    prefix : str
        Prepended to every key (``"lean_"`` for angles).

    Returns
    -------
    dict
        ``rms_ap``, ``rms_ml``, ``rms`` (u), ``range_ap``, ``range_ml`` (u), ``dist`` mean
        distance from the centre (u), ``path`` Σ‖Δx‖ (u), ``mean_velocity`` path/T (u/s),
        ``jerk`` ½∫‖ẋ‖²dt (u²/s), ``area_rate`` swept area per second (u²/s),
        ``mean_freq`` path/(2π·dist·T) (Hz), ``ellipse_area`` (u²).
    """
    ap = ap - ap.mean()
    ml = ml - ml.mean()
    T = ap.size / rate
    d_ap, d_ml = np.diff(ap), np.diff(ml)
    path = float(np.sum(np.hypot(d_ap, d_ml)))
    dist = float(np.mean(np.hypot(ap, ml)))
    jerk = float(0.5 * np.sum((d_ap * rate) ** 2 + (d_ml * rate) ** 2) / rate)
    area_rate = float(0.5 * np.sum(np.abs(ap[:-1] * ml[1:] - ap[1:] * ml[:-1])) / T)
    out = {
        "rms_ap": float(np.sqrt(np.mean(ap**2))),
        "rms_ml": float(np.sqrt(np.mean(ml**2))),
        "rms": float(np.sqrt(np.mean(ap**2 + ml**2))),
        "range_ap": float(np.ptp(ap)),
        "range_ml": float(np.ptp(ml)),
        "dist": dist,
        "path": path,
        "mean_velocity": path / T,
        "jerk": jerk,
        "area_rate": area_rate,
        "mean_freq": path / (2 * np.pi * dist * T) if dist > 0 else math.nan,
        "ellipse_area": ellipse(ap, ml)["area"],
    }
    return {prefix + k: v for k, v in out.items()}


def lean_from_gyro(
    g_ap: FloatArray, g_ml: FloatArray, rate: float
) -> tuple[FloatArray, FloatArray]:
    """Lean angles (deg) by integrating angular rate; the linear trend (gyro bias) is removed.

    Parameters
    ----------
    g_ap, g_ml : ndarray
        Angular rate about the AP and ML axes over the whole trial, rad/s.
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    (ndarray, ndarray)
        AP lean (about the ML axis) and ML lean (about the AP axis), deg.
    """
    from scipy.integrate import cumulative_trapezoid

    th_ap = cumulative_trapezoid(g_ml, dx=1.0 / rate, initial=0)
    th_ml = cumulative_trapezoid(-g_ap, dx=1.0 / rate, initial=0)
    # A constant gyro bias integrates to a linear drift: remove the trial's linear trend.
    th = signal.detrend(np.column_stack([th_ap, th_ml]), axis=0, type="linear")
    return np.degrees(th[:, 0]), np.degrees(th[:, 1])


def lean_from_acc(
    ap: FloatArray, ml: FloatArray, rate: float, h: float
) -> tuple[FloatArray, FloatArray]:
    """Accelerometer-only lean angles (deg) from an inverted-pendulum model of height ``h``.

    The horizontal force of a pendulum is ``h·θ̈ − g·θ``, so ``Θ(ω) = −A(ω)/(g + h·ω²)``;
    tilt from gravity alone (``θ ≈ −a/g``) would overstate lean several-fold at sway
    frequencies. The series is linearly detrended and mirrored at both ends before the FFT
    (no wrap-around jump), and content below 0.1 Hz is dropped. Pass the whole trial and
    take the metric window afterwards.

    Parameters
    ----------
    ap, ml : ndarray
        Horizontal specific force, m/s².
    rate : float
        Sampling rate, Hz.
    h : float
        Sensor height above the ankle, m.

    Returns
    -------
    (ndarray, ndarray)
        AP and ML lean, deg.
    """
    n = ap.size
    m = 2 * n  # even mirror extension: periodic without a jump at the ends
    w = 2 * np.pi * np.fft.rfftfreq(m, 1.0 / rate)
    k = -1.0 / (G + h * w**2)
    k[w < 2 * np.pi * 0.1] = 0.0
    out = []
    for x in (ap, ml):
        x = signal.detrend(x, type="linear")
        ext = np.concatenate([x, x[::-1]])
        out.append(np.degrees(np.fft.irfft(np.fft.rfft(ext) * k, m)[:n]))
    return out[0], out[1]

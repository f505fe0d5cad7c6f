"""Gravity alignment and the horizontal AP/ML plane of a trunk sensor.

The mounting is never trusted: vertical is the mean specific force of each trial, and
forward (AP) is the axis along which the trunk accelerates at the step frequency while the
runner walks between trials. Without any walking the sensor axis closest to horizontal is
used and the result says so (``heading = "nominal"``). Only the *axis* is found, not its
sign; every metric here is sign-free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gait.util.scipy_signal import signal

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Heading:
    """Forward axis of the body in sensor coordinates.

    Parameters
    ----------
    axis : ndarray, shape (3,)
        Unit vector (sensor frame) of the AP direction; its sign is arbitrary.
    source : {'walking', 'nominal'}
        How it was found.
    quality : float
        Share of the horizontal step-frequency variance along the axis (0.5–1); ≥ 0.7 is clear.
    """

    axis: FloatArray
    source: str
    quality: float


@dataclass(frozen=True)
class PlaneSignals:
    """Trunk signals of one trial in the gravity-aligned frame.

    Parameters
    ----------
    ap, ml, v : ndarray, shape (N,)
        Specific force along AP, ML and vertical, m/s² (gravity included in ``v``).
    gyr_ap, gyr_ml : ndarray or None
        Angular rate about the AP and ML axes, rad/s.
    """

    ap: FloatArray
    ml: FloatArray
    v: FloatArray
    gyr_ap: FloatArray | None
    gyr_ml: FloatArray | None


def heading_from_walking(
    acc: FloatArray, rate: float, runs: list[tuple[int, int, float]]
) -> Heading | None:
    """Forward axis from walking runs: principal horizontal axis at the step frequency.

    Parameters
    ----------
    acc : ndarray, shape (N, 3)
        Specific force in the sensor frame, m/s².
    rate : float
        Sampling rate, Hz.
    runs : list of (i0, i1, step_freq)
        Walking runs as sample index ranges with their step frequency (Hz).

    Returns
    -------
    Heading or None
        None when there is no usable walking.
    """
    cov = np.zeros((3, 3))
    for i0, i1, fs in runs:
        if i1 - i0 < int(2 * rate) or not np.isfinite(fs):
            continue
        seg = acc[i0:i1]
        g = seg.mean(axis=0)
        g /= np.linalg.norm(g)
        lo, hi = 0.75 * fs, min(1.35 * fs, 0.45 * rate)
        sos = signal.butter(2, [lo, hi], btype="bandpass", fs=rate, output="sos")
        bp = signal.sosfiltfilt(sos, seg, axis=0)
        hor = bp - np.outer(bp @ g, g)
        cov += hor.T @ hor
    if not np.any(cov):
        return None
    w, v = np.linalg.eigh(cov)
    axis = v[:, -1]
    top2 = w[-1] + w[-2]
    quality = float(w[-1] / top2) if top2 > 0 else 0.0
    return Heading(axis=axis / np.linalg.norm(axis), source="walking", quality=quality)


def nominal_heading(g_mean: FloatArray) -> Heading:
    """Fallback forward axis: the sensor axis closest to horizontal.

    Parameters
    ----------
    g_mean : ndarray, shape (3,)
        Mean specific force (sensor frame), m/s².

    Returns
    -------
    Heading
    """
    g = g_mean / np.linalg.norm(g_mean)
    k = int(np.argmin(np.abs(g)))
    axis = np.zeros(3)
    axis[k] = 1.0
    return Heading(axis=axis, source="nominal", quality=float("nan"))


def plane_signals(acc: FloatArray, gyr: FloatArray | None, heading: Heading) -> PlaneSignals:
    """Project one trial onto its gravity-aligned AP/ML/vertical frame.

    Parameters
    ----------
    acc : ndarray, shape (N, 3)
        Specific force in the sensor frame over the trial, m/s².
    gyr : ndarray, shape (N, 3) or None
        Angular rate in the sensor frame, rad/s.
    heading : Heading
        Forward axis in the sensor frame.

    Returns
    -------
    PlaneSignals
    """
    z = acc.mean(axis=0)
    z = z / np.linalg.norm(z)
    x = heading.axis - (heading.axis @ z) * z
    if np.linalg.norm(x) < 0.2:  # heading nearly vertical for this trial: fall back
        x = nominal_heading(z).axis - (nominal_heading(z).axis @ z) * z
    x = x / np.linalg.norm(x)
    y = np.cross(z, x)
    ap, ml, v = acc @ x, acc @ y, acc @ z
    g_ap = g_ml = None
    if gyr is not None:
        g_ap, g_ml = gyr @ x, gyr @ y
    return PlaneSignals(ap=ap, ml=ml, v=v, gyr_ap=g_ap, gyr_ml=g_ml)

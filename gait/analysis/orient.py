"""Orientation: turn device-frame samples into the body frame without trusting the mounting.

Vertical comes from gravity: a low-pass estimate of the specific force, renormalised sample by
sample, so slow changes of trunk lean are followed. Forward comes from the motion: the principal
axis of the horizontal acceleration (the step-locked mean when step anchors are known, so the
alternating mediolateral sway cancels), with its sign chosen from the braking/propulsion
asymmetry: braking starts abruptly at each contact while propulsion builds up gradually, so the
steepest change of the true forward acceleration is a drop. Left is ``up × forward``.

Every step depends only on the data, so a random mounting rotation leaves the body-frame signals
unchanged (up to filter edge effects and noise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gait.util.scipy_signal import signal

FloatArray = NDArray[np.float64]

#: Low-pass cut-off of the gravity estimate, Hz (well below any cadence).
GRAVITY_CUTOFF_HZ = 0.25
#: Band that holds the step-frequency trunk motion, Hz.
MOTION_BAND_HZ = (0.6, 6.0)
#: Most step anchors used for the step-locked mean.
MAX_ANCHORS = 400


@dataclass
class BodyFrame:
    """Samples expressed in the body frame (x forward, y left, z up).

    Attributes
    ----------
    acc : ndarray, shape (N, 3)
        Specific force in the body frame, m/s² (gravity included: ``acc[:, 2] ≈ +9.81`` at rest).
    gyr : ndarray, shape (N, 3) or None
        Angular rate in the body frame, rad/s.
    up : ndarray, shape (N, 3)
        Unit "up" direction in the device frame per sample.
    forward : ndarray, shape (3,)
        Unit forward axis in the device frame (before per-sample levelling).
    forward_strength : float
        Share of horizontal step-band variance along ``forward`` (0.5 = no preferred axis,
        1 = all of it); a low value means the forward axis is poorly defined.
    sign_margin : float
        0–1 strength of the evidence for the forward sign (0 = undecided).
    """

    acc: FloatArray
    gyr: FloatArray | None
    up: FloatArray
    forward: FloatArray
    forward_strength: float
    sign_margin: float


def _sos_lowpass(cutoff: float, rate: float, order: int = 2) -> NDArray[np.float64]:
    wn = min(cutoff / (rate / 2.0), 0.99)
    return np.asarray(signal.butter(order, wn, btype="low", output="sos"))


def _sos_band(band: tuple[float, float], rate: float, order: int = 2) -> NDArray[np.float64]:
    lo = band[0] / (rate / 2.0)
    hi = min(band[1] / (rate / 2.0), 0.95)
    return np.asarray(signal.butter(order, [lo, hi], btype="band", output="sos"))


def _filt(sos: NDArray[np.float64], x: FloatArray) -> FloatArray:
    """Zero-phase filter along axis 0, safe for short inputs."""
    padlen = min(3 * (2 * sos.shape[0] + 1), x.shape[0] - 1)
    if x.shape[0] < 4:
        return np.asarray(x, dtype=np.float64).copy()
    return np.asarray(signal.sosfiltfilt(sos, x, axis=0, padlen=max(padlen, 0)))


def gravity_direction(
    acc: FloatArray, rate: float, cutoff: float = GRAVITY_CUTOFF_HZ
) -> FloatArray:
    """Unit "up" vector per sample from a low-pass estimate of gravity.

    Parameters
    ----------
    acc : ndarray, shape (N, 3)
        Specific force in the device frame, m/s² (gravity included).
    rate : float
        Sampling rate, Hz.
    cutoff : float, default 0.25
        Low-pass cut-off, Hz.

    Returns
    -------
    ndarray, shape (N, 3)
        Unit vectors pointing up (along the mean specific force) in the device frame.
    """
    acc = np.asarray(acc, dtype=np.float64)
    n = acc.shape[0]
    # Gravity moves slowly: filter block means at about 20 Hz and interpolate back. Both steps
    # are linear, so a rotated input gives exactly the rotated output.
    q = max(int(rate // 20.0), 1)
    nb = n // q
    if q > 1 and nb >= 8:
        blocks = acc[: nb * q].reshape(nb, q, 3).mean(axis=1)
        gb = _filt(_sos_lowpass(cutoff, rate / q), blocks)
        centers = np.arange(nb) * q + 0.5 * (q - 1)
        idx = np.arange(n, dtype=np.float64)
        g = np.empty((n, 3))
        for j in range(3):  # three axes, not samples
            g[:, j] = np.interp(idx, centers, gb[:, j])
    else:
        g = _filt(_sos_lowpass(cutoff, rate), acc)
    norm = np.sqrt(g[:, 0] ** 2 + g[:, 1] ** 2 + g[:, 2] ** 2)
    bad = norm <= 1e-6
    g /= np.maximum(norm, 1e-12)[:, None]
    if bad.any():
        # A zero vector (free fall longer than the filter) cannot define up: use the mean.
        mean = acc.mean(axis=0)
        g[bad] = mean / max(float(np.linalg.norm(mean)), 1e-9)
    return g


def to_body_frame(
    acc: FloatArray,
    rate: float,
    gyr: FloatArray | None = None,
    *,
    band: tuple[float, float] = MOTION_BAND_HZ,
    anchors: NDArray[np.intp] | None = None,
    sign_rule: str = "drop",
    up: FloatArray | None = None,
) -> BodyFrame:
    """Rotate device-frame samples into the body frame found from gravity and motion.

    Parameters
    ----------
    acc : ndarray, shape (N, 3)
        Specific force in the device frame, m/s² (gravity included).
    rate : float
        Sampling rate, Hz.
    gyr : ndarray, shape (N, 3), optional
        Angular rate in the device frame, rad/s.
    band : (float, float), default (0.6, 6.0)
        Band (Hz) of the motion used to find the forward axis.
    anchors : ndarray of int, optional
        Sample indices of one event per step (e.g. the trunk loading peaks). When given
        (at least 4), the forward axis is found from the step-locked mean of the horizontal
        acceleration: mediolateral sway alternates sign from step to step and averages out,
        the anterior-posterior pattern repeats every step and stays.
    sign_rule : {'drop', 'brake_before_peak'}, default 'drop'
        How the forward sign is chosen. ``'drop'`` (walking, or unknown gait): the steepest
        change of the forward acceleration is a drop (braking starts abruptly at contact,
        propulsion builds up). ``'brake_before_peak'`` (running, needs ``anchors`` at the
        mid-stance loading peaks): the trunk is braked in the first half of the contact and
        propelled in the second, so the forward acceleration is lower just before the
        loading peak than just after it.
    up : ndarray, shape (N, 3), optional
        The result of :func:`gravity_direction` for ``acc``, when the caller already has it.

    Returns
    -------
    BodyFrame
        Body-frame acceleration (and angular rate) with x forward, y left, z up.

    Notes
    -----
    The device is assumed rigidly attached to the trunk or limb (a fixed forward axis in the
    device frame); vertical is re-estimated per sample, so slow lean changes are followed.
    The forward sign is chosen so that the steepest change of the forward acceleration is a
    drop: the braking that starts at each contact is abrupt, propulsion builds up gradually.
    """
    acc = np.asarray(acc, dtype=np.float64)
    n = acc.shape[0]
    if up is None:
        up = gravity_direction(acc, rate)
    a_up = np.einsum("ij,ij->i", acc, up)
    horiz = acc - a_up[:, None] * up
    if anchors is not None and anchors.size >= 4:
        # The step-locked mean removes its own offset; no band filter needed.
        fwd, strength, margin = _forward_step_locked(horiz, np.asarray(anchors), rate, sign_rule)
    else:
        hb = _filt(_sos_band(band, rate), horiz) if n > 12 else horiz - horiz.mean(0)
        fwd, strength, margin = _forward_pca(hb, rate)
    axes = _Axes(fwd, up)
    body_acc = axes.project(acc, a_up)
    body_gyr = None if gyr is None else axes.project(np.asarray(gyr, dtype=np.float64))
    return BodyFrame(body_acc, body_gyr, up, fwd, strength, margin)


class _Axes:
    """Per-sample body axes from a fixed device forward axis and the per-sample up vector.

    With ``c = up·fwd`` the levelled forward axis is ``(fwd − c·up)/√(1−c²)`` and left is
    ``(up × fwd)/√(1−c²)``; expanding the dot products avoids building (N, 3, 3) rotations.
    """

    def __init__(self, fwd: FloatArray, up: FloatArray) -> None:
        self.fwd = fwd
        self.up = up
        u0, u1, u2 = up[:, 0], up[:, 1], up[:, 2]
        f0, f1, f2 = (float(v) for v in fwd)
        self.c = u0 * f0 + u1 * f1 + u2 * f2
        self.inv = 1.0 / np.sqrt(np.maximum(1.0 - self.c * self.c, 1e-12))
        self.w = (u1 * f2 - u2 * f1, u2 * f0 - u0 * f2, u0 * f1 - u1 * f0)  # up × fwd

    def project(self, x: FloatArray, x_up: FloatArray | None = None) -> FloatArray:
        """Components of ``x`` (N, 3) along forward, left and up, (N, 3)."""
        x0, x1, x2 = x[:, 0], x[:, 1], x[:, 2]
        u = self.up
        xu = x0 * u[:, 0] + x1 * u[:, 1] + x2 * u[:, 2] if x_up is None else x_up
        f0, f1, f2 = (float(v) for v in self.fwd)
        out = np.empty_like(x)
        out[:, 0] = (x0 * f0 + x1 * f1 + x2 * f2 - self.c * xu) * self.inv
        w0, w1, w2 = self.w
        out[:, 1] = (x0 * w0 + x1 * w1 + x2 * w2) * self.inv
        out[:, 2] = xu
        return out


def _steepest_is_drop(x: FloatArray) -> tuple[bool, float]:
    """Whether the steepest change of ``x`` is a decrease, and a 0–1 margin."""
    d = np.diff(x)
    if d.size == 0 or not np.any(d):
        return True, 0.0
    lo, hi = float(-d.min()), float(d.max())
    return lo >= hi, abs(lo - hi) / max(lo, hi)


def _forward_pca(hb: FloatArray, rate: float) -> tuple[FloatArray, float, float]:
    """Forward axis as the principal horizontal axis; sign from the skew of its jerk."""
    w, v = np.linalg.eigh(hb.T @ hb)
    fwd = v[:, -1]
    total = float(w[-1] + w[-2])
    strength = float(w[-1] / total) if total > 0 else 0.5
    x = hb @ fwd
    jerk = np.diff(x) * rate
    sd = float(np.std(jerk))
    skew = float(np.mean((jerk - jerk.mean()) ** 3) / sd**3) if sd > 0 else 0.0
    # Abrupt braking, gradual propulsion: the jerk of the true forward axis is skewed negative.
    if skew > 0:
        fwd = -fwd
    return fwd, strength, min(abs(skew), 1.0)


def _forward_step_locked(
    hb: FloatArray, anchors: NDArray[np.intp], rate: float, sign_rule: str = "drop"
) -> tuple[FloatArray, float, float]:
    """Forward axis from the step-locked mean horizontal acceleration around ``anchors``."""
    n = hb.shape[0]
    # A few hundred steps define the mean waveform well; spread them over the whole recording.
    if anchors.size > MAX_ANCHORS:
        anchors = anchors[np.linspace(0, anchors.size - 1, MAX_ANCHORS).astype(np.intp)]
    offs = np.arange(-int(0.3 * rate), int(0.15 * rate) + 1)
    idx = np.clip(anchors[:, None] + offs[None, :], 0, n - 1)
    mean_wave = hb[idx].mean(axis=0)  # (W, 3)
    mw = mean_wave - mean_wave.mean(axis=0)
    w, v = np.linalg.eigh(mw.T @ mw)
    fwd = v[:, -1]
    total = float(w[-1] + w[-2])
    strength = float(w[-1] / total) if total > 0 else 0.5
    wave = mw @ fwd
    if sign_rule == "brake_before_peak":
        # Half-width: a quarter of the median anchor spacing (about half a contact).
        half = int(0.25 * float(np.median(np.diff(np.sort(anchors))))) if anchors.size > 1 else 1
        zero = int(np.flatnonzero(offs == 0)[0])
        half = max(min(half, zero, offs.size - 1 - zero), 1)
        before = float(wave[zero - half : zero].mean())
        after = float(wave[zero + 1 : zero + 1 + half].mean())
        if before > after:
            fwd = -fwd
        scale = float(np.abs(wave).max()) or 1.0
        return fwd, strength, min(abs(after - before) / scale, 1.0)
    if sign_rule != "drop":
        raise ValueError(f"unknown sign_rule {sign_rule!r}")
    drop, margin = _steepest_is_drop(wave)
    if not drop:
        fwd = -fwd
    return fwd, strength, margin


def vertical_acceleration(acc: FloatArray, rate: float) -> FloatArray:
    """Specific force along "up", m/s² (≈ +9.81 standing still, ≈ 0 in flight).

    Parameters
    ----------
    acc : ndarray, shape (N, 3)
        Specific force in the device frame, m/s².
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    ndarray, shape (N,)
    """
    up = gravity_direction(acc, rate)
    return np.einsum("ij,ij->i", np.asarray(acc, dtype=np.float64), up)


__all__ = ["BodyFrame", "gravity_direction", "to_body_frame", "vertical_acceleration"]

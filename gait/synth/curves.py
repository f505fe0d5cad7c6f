"""Smooth curves with exact derivatives: every trajectory of the generator is built from these.

Each function returns ``(p, v, a)``: value, first and second time derivative, evaluated
at an array of times. Because the accelerometer and gyroscope are derived from the same
closed forms, integrating the synthetic signals reproduces the trajectories exactly.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]
PVA = tuple[F, F, F]


def quintic(tk: F, y: F, dy: F, ddy: F, t: F) -> PVA:
    """Piecewise quintic Hermite interpolation through knots with value, slope and curvature.

    Parameters
    ----------
    tk : ndarray, shape (K,)
        Knot times, s, strictly increasing.
    y, dy, ddy : ndarray, shape (K,)
        Value, first and second derivative (per s, per s²) at each knot.
    t : ndarray, shape (N,)
        Evaluation times, s. Outside the knots the end values are held (slope 0).

    Returns
    -------
    p, v, a : ndarray, shape (N,)
        Value and its first and second time derivatives; C2-continuous.
    """
    t = np.asarray(t, dtype=np.float64)
    if tk.size < 2:
        c = np.full_like(t, y[0] if y.size else 0.0)
        z = np.zeros_like(t)
        return c, z, z.copy()
    i = np.clip(np.searchsorted(tk, t, side="right") - 1, 0, tk.size - 2)
    h = tk[i + 1] - tk[i]
    s = np.clip((t - tk[i]) / h, 0.0, 1.0)
    p0, p1 = y[i], y[i + 1]
    v0, v1 = dy[i] * h, dy[i + 1] * h
    a0, a1 = ddy[i] * h * h, ddy[i + 1] * h * h
    dp = p1 - p0
    c0, c1, c2 = p0, v0, 0.5 * a0
    c3 = 10 * dp - 6 * v0 - 4 * v1 - 1.5 * a0 + 0.5 * a1
    c4 = -15 * dp + 8 * v0 + 7 * v1 + 1.5 * a0 - a1
    c5 = 6 * dp - 3 * v0 - 3 * v1 - 0.5 * a0 + 0.5 * a1
    p = c0 + s * (c1 + s * (c2 + s * (c3 + s * (c4 + s * c5))))
    ds = c1 + s * (2 * c2 + s * (3 * c3 + s * (4 * c4 + s * 5 * c5)))
    dds = 2 * c2 + s * (6 * c3 + s * (12 * c4 + s * 20 * c5))
    v = ds / h
    a = dds / (h * h)
    outside = (t < tk[0]) | (t > tk[-1])
    if np.any(outside):
        v = np.where(outside, 0.0, v)
        a = np.where(outside, 0.0, a)
    return p, v, a


def knots_from(tk: F, y: F, hold: NDArray[np.bool_], dy: F | None = None) -> tuple[F, F, F, F]:
    """Sort knots and fill slopes: given where set, 0 at ``hold`` knots, else centred differences.

    Parameters
    ----------
    tk, y : ndarray, shape (K,)
        Knot times (s) and values.
    hold : ndarray of bool, shape (K,)
        Knots that are extremes or rests (slope 0).
    dy : ndarray, shape (K,), optional
        Slopes to keep where finite (NaN = fill in).

    Returns
    -------
    tk, y, dy, ddy : ndarray
        Sorted knots with slopes; curvature 0 at every knot.
    """
    order = np.argsort(tk, kind="stable")
    tk, y, hold = tk[order], y[order], hold[order]
    given = np.full(tk.size, np.nan) if dy is None else dy[order]
    fd = np.zeros_like(y)
    if tk.size >= 3:
        fd[1:-1] = (y[2:] - y[:-2]) / (tk[2:] - tk[:-2])
    out = np.where(np.isfinite(given), given, np.where(hold, 0.0, fd))
    return tk, y, out, np.zeros_like(y)


def smoothstep(t: F, t0: float, width: float) -> PVA:
    """Quintic smooth step from 0 (t <= t0) to 1 (t >= t0 + width) with its derivatives."""
    x = np.clip((t - t0) / width, 0.0, 1.0)
    p = x**3 * (10 - 15 * x + 6 * x * x)
    v = 30 * x**2 * (1 - x) ** 2 / width
    a = 60 * x * (1 - x) * (1 - 2 * x) / width**2
    return p, v, a


def smoothstep_integral(t: F, t0: float, width: float) -> F:
    """Integral of :func:`smoothstep` from ``t0`` to ``t``, s."""
    x = np.clip((t - t0) / width, 0.0, 1.0)
    inside = width * (x**6 - 3 * x**5 + 2.5 * x**4)
    return np.where(t > t0 + width, 0.5 * width + (t - t0 - width), np.where(t > t0, inside, 0.0))


def product(f: PVA, g: PVA) -> PVA:
    """Value and derivatives of the product of two curves."""
    return f[0] * g[0], f[1] * g[0] + f[0] * g[1], f[2] * g[0] + 2 * f[1] * g[1] + f[0] * g[2]


def cos_phase(phase: PVA, mult: float, offset: float, amp: float | F) -> PVA:
    """``amp * cos(pi * mult * (phase - offset))`` with derivatives through the chain rule.

    Parameters
    ----------
    phase : (p, v, a)
        A step phase (one unit per step) and its derivatives.
    mult : float
        1 for once per stride (alternating sides), 2 for once per step.
    offset : float
        Phase offset in steps.
    amp : float or ndarray
        Amplitude (may vary slowly; its derivatives are neglected, so keep it constant
        within a bout).
    """
    w = np.pi * mult
    arg = w * (phase[0] - offset)
    c, s = np.cos(arg), np.sin(arg)
    p = amp * c
    v = -amp * s * w * phase[1]
    a = -amp * (c * (w * phase[1]) ** 2 + s * w * phase[2])
    return p, v, a


def impact_pulse(t: F, t_ic: F, v_td: F, tau_pre: float, tau_post: float) -> PVA:
    """Touch-down transient: a displacement that ends a downward velocity ``v_td`` at contact.

    ``e(u) = -v_td * u * exp(-(u/tau)^2)`` with ``u = t - t_ic`` and ``tau = tau_pre`` before
    and ``tau_post`` after contact. It is C2-continuous, its velocity is ``-v_td`` at
    contact, and it vanishes (with its velocity) far from contact, so it adds no net
    velocity or displacement: integration of the signals stays exact. The peak upward
    acceleration after contact is about ``1.95 * v_td / tau_post``.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Times, s.
    t_ic : ndarray, shape (K,)
        Contact times, s, increasing; each time is served by the nearest contact.
    v_td : ndarray, shape (K,)
        Touch-down speed per contact, m/s (positive = moving down before contact).
    tau_pre, tau_post : float
        Time constants before and after contact, s.
    """
    if t_ic.size == 0:
        z = np.zeros_like(t)
        return z, z.copy(), z.copy()
    j = np.clip(np.searchsorted(t_ic, t), 1, max(t_ic.size - 1, 1))
    if t_ic.size == 1:
        k = np.zeros(t.shape, dtype=np.int64)
    else:
        k = np.where(np.abs(t - t_ic[j - 1]) < np.abs(t - t_ic[j]), j - 1, j)
    u = t - t_ic[k]
    tau = np.where(u < 0, tau_pre, tau_post)
    x = u / tau
    g = np.exp(-(x**2))
    g = np.where(np.abs(x) > 6, 0.0, g)
    amp = -v_td[k]
    p = amp * u * g
    v = amp * g * (1 - 2 * x**2)
    a = amp * g * (-6 * x + 4 * x**3) / tau
    return p, v, a

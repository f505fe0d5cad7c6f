"""Left/right cues of a trunk (lower back) sensor in walking, whatever way it is worn.

Two pelvis rotations alternate with the stepping side:

Yaw (about the vertical)
    Before a left contact the left hip swings forward: the pelvis turns clockwise seen from
    above, a negative yaw rate (pelvic rotation, Perry & Burnfield 2010, ch. 8; used for the
    lower-back sides of Lee et al.). The vertical comes from gravity and the yaw rate is the
    angular rate projected on it, so this cue does not depend on the mounting at all.
Roll (about the forward axis)
    After a left contact the pelvis drops on the right (swing) side while the weight is
    taken on the left leg (pelvic obliquity): a positive roll rate about the forward axis
    (x forward, y left, z up) in the first 0.2 s of stance. Its sign depends on the sign of
    the forward axis, which the body frame finds from the data.

Some walkers show a weak or shifted yaw pattern at contact while their obliquity is clear,
and the other way round; the two cues are scaled to unit spread and added.

Forward sign
    The body frame picks the forward sign from the shape of the forward acceleration (the
    steepest change is the braking drop), which a few walkers do not show clearly. A second,
    independent check: while the vertical loading rises after heel strike the trunk is
    braked (Zijlstra & Hof 2003), so the contact-locked mean forward and vertical
    accelerations are anti-correlated. The two checks vote, each with its own 0–1 strength;
    when the vote says the forward axis is reversed, the roll cue changes sign.
"""

from __future__ import annotations

import numpy as np

from gait.analysis.orient import BodyFrame
from gait.analysis.placements._signal import FloatArray, IntArray, lowpass

# ----------------------------------------------------------------------------------------
# Tunable constants of the walking left/right cues (chosen on IPOL subjects 1–5 only).
#: Yaw-rate window before the contact, s (start, end relative to the main loading rise).
YAW_WINDOW = (-0.22, -0.03)
#: Roll-rate window after the contact, s.
ROLL_WINDOW = (0.05, 0.20)
#: Contact-locked window of the forward-sign check, s.
SIGN_WINDOW = (-0.5, 0.5)
#: Weight of the yaw cue relative to the roll cue (both in units of their median size).
YAW_WEIGHT = 0.25
#: Low-pass of the accelerations of the forward-sign check, Hz.
SIGN_CUTOFF = 5.0
#: Weight of the correlation vote relative to the body frame's own sign margin.
CORR_WEIGHT = 1.0
#: Low-pass of the rotation rates (the cues are at the stride frequency), Hz.
CUE_CUTOFF = 3.0
# ----------------------------------------------------------------------------------------


def _window_mean(x: FloatArray, idx: IntArray, lo: int, hi: int) -> FloatArray:
    """Mean of ``x[idx + lo : idx + hi + 1]`` for each index (clipped to the signal)."""
    offs = np.arange(lo, hi + 1)
    w = np.clip(idx[:, None] + offs[None, :], 0, x.size - 1)
    return np.asarray(x[w].mean(axis=1))


def forward_sign_check(bf: BodyFrame, idx: IntArray, fs: float) -> float:
    """Vote on the sign of the body frame's forward axis, from -1 (reversed) to +1 (kept).

    Parameters
    ----------
    bf : BodyFrame
        Body-frame samples (x forward, y left, z up; acc m/s²).
    idx : ndarray of int
        Sample index of each walking contact.
    fs : float
        Sampling rate, Hz.

    Returns
    -------
    float
        ``margin + corr_vote``: ``bf.sign_margin`` (0–1, the body frame's own evidence, for
        its choice) plus minus the correlation (−1 … 1) of the contact-locked mean forward
        and vertical accelerations (low-passed at 5 Hz). Negative: the forward axis is most
        likely reversed.
    """
    if idx.size < 4:
        return 1.0
    offs = np.arange(int(SIGN_WINDOW[0] * fs), int(SIGN_WINDOW[1] * fs) + 1)
    w = np.clip(idx[:, None] + offs[None, :], 0, bf.acc.shape[0] - 1)
    # The braking and loading waves are below 5 Hz; the heel-strike transients above it
    # differ between walkers and would blur the correlation.
    av = lowpass(bf.acc[:, 2], fs, SIGN_CUTOFF)[w].mean(axis=0)
    fw = lowpass(bf.acc[:, 0], fs, SIGN_CUTOFF)[w].mean(axis=0)
    av = av - av.mean()
    fw = fw - fw.mean()
    den = float(np.linalg.norm(av) * np.linalg.norm(fw))
    corr = float(np.dot(av, fw)) / den if den > 0 else 0.0
    return float(bf.sign_margin) - CORR_WEIGHT * corr


def walking_side_scores(bf: BodyFrame, idx: IntArray, fs: float) -> FloatArray:
    """Per-contact left/right score of walking steps (> 0: left) from yaw and roll rates.

    Parameters
    ----------
    bf : BodyFrame
        Body-frame samples with a gyroscope (``bf.gyr`` rad/s, x forward, y left, z up).
    idx : ndarray of int
        Sample index of each walking contact (the main loading rise).
    fs : float
        Sampling rate, Hz.

    Returns
    -------
    ndarray
        Sum of the yaw and roll cues, each divided by its median absolute value over the contacts
        (dimensionless); the sign of the roll cue follows :func:`forward_sign_check`.
    """
    assert bf.gyr is not None
    if idx.size == 0:
        return np.zeros(0)
    yaw = lowpass(bf.gyr[:, 2], fs, CUE_CUTOFF)
    roll = lowpass(bf.gyr[:, 0], fs, CUE_CUTOFF)
    s_yaw = -_window_mean(yaw, idx, int(YAW_WINDOW[0] * fs), int(YAW_WINDOW[1] * fs))
    s_roll = _window_mean(roll, idx, int(ROLL_WINDOW[0] * fs), int(ROLL_WINDOW[1] * fs))
    if forward_sign_check(bf, idx, fs) < 0:
        s_roll = -s_roll
    return YAW_WEIGHT * _unit(s_yaw) + _unit(s_roll)


def _unit(x: FloatArray) -> FloatArray:
    """``x`` over its median absolute value (turns, with large rates, do not set the scale)."""
    scale = float(np.median(np.abs(x))) if x.size else 0.0
    return x / scale if scale > 1e-12 else np.zeros_like(x)


__all__ = ["forward_sign_check", "walking_side_scores"]

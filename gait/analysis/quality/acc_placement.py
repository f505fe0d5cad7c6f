"""Placement judged from acceleration alone, for sensors without a gyroscope (live phones).

:func:`gait.analysis.quality.plausibility.placement_suspect` needs the angular rate. A phone
streaming live sends acceleration only, so a phone said to be in a waist belt but strapped to
a shoe would go unnoticed. The acceleration vector tells it on its own: on the trunk it keeps
pointing roughly along gravity (the trunk tilts a few degrees and its accelerations are mostly
vertical), so over a couple of strides the norm of the mean vector is nearly the mean of the
norms; a foot or a shank rotates through tens of degrees every stride and swings and strikes
hard, so its vectors point every way and the mean vector is much shorter than the mean norm.

The ratio (:func:`acc_alignment`) is unit-free, so it holds whatever unit the numbers are in.
Measured with :data:`gait.analysis.quality.plausibility.GRAVITY_WINDOW_S` windows, median over
the windows of a 20 s stretch [G: design choice, measured here, not fitted elsewhere]:

* trunk: synthetic sacrum and belt phone 0.92–1.00 (walk; run 140–195 spm, 2–6 m/s, the
  fastest lowest); real lower back
  (IPOL and Mobilise-D, walking, 72 windows) 0.97–1.00;
* legs: synthetic foot and shank running 0.54–0.72, walking 0.68–0.76; real shank (Bach)
  running 0.49–0.52, walking 0.79–0.87; real feet walking (IPOL, gaitmap) 0.75–0.94;
* carried phones: synthetic running armband 0.82–0.86, hand 0.79–0.87, pocket 0.70–0.76; real
  walking (Oxford: hand, pockets, armband, neck pouch, bag) 0.81–0.99.

``python benchmarks/input_checks.py --live`` measures the real windows.

A trunk label under :data:`TRUNK_MIN_ALIGN` is therefore a limb: every running leg is caught,
some walking ones are not (their feet stay flat longer), and no trunk stream comes near it.
Standing still reads 1.0 everywhere, so it never raises a finding.
"""

from __future__ import annotations

import numpy as np

from gait.analysis.placements.registry import sees_both_legs
from gait.analysis.quality.plausibility import Check, gravity_windows

#: A trunk-labelled stream whose :func:`acc_alignment` is below this moves like a limb. [G]
TRUNK_MIN_ALIGN = 0.85


def acc_alignment(acc: np.ndarray, rate: float) -> float | None:
    """How steadily the acceleration vector points one way: ``|mean(a)| / mean(|a|)``.

    Median over windows of :data:`~gait.analysis.quality.plausibility.GRAVITY_WINDOW_S`.

    Parameters
    ----------
    acc : ndarray, shape (n, 3)
        Acceleration including gravity, any unit.
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    float or None
        In [0, 1]: about 1 for a trunk sensor or anything held still, lower for a limb;
        None with less than one window of finite samples.
    """
    a = np.asarray(acc, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] == 0:
        return None
    _, win = gravity_windows(a, rate)
    if win.shape[0] == 0:
        return None
    mean_norm = np.linalg.norm(win, axis=2).mean(axis=1)
    ok = mean_norm > 0
    if not ok.any():
        return None
    ratio = np.linalg.norm(win.mean(axis=1), axis=1)[ok] / mean_norm[ok]
    return float(np.median(ratio))


def acc_placement_check(
    name: str, placement: str, mount: str | None, acc: np.ndarray, rate: float
) -> Check | None:
    """A trunk (or belt phone) label on a stream whose acceleration moves like a limb.

    Parameters
    ----------
    name, placement : str
        Stream name and label.
    mount : str or None
        Phone mount: only a phone said to be in a belt is judged as a trunk (one whose mount
        is not given may be carried anyhow, and is shown as cadence only).
    acc : ndarray, shape (n, 3)
        Acceleration including gravity, any unit.
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    Check or None
        The finding, with the flag ``placement_suspect:<name>:looks_like_leg``; None when the
        label fits, is not a trunk label, or the samples are too few.
    """
    if not sees_both_legs(placement) or mount not in (None, "belt"):
        return None
    if placement == "phone" and mount != "belt":
        return None
    align = acc_alignment(acc, rate)
    if align is None or align >= TRUNK_MIN_ALIGN:
        return None
    fix = (
        "check where the phone is carried (--device phone:APP=belt only for a waist belt)"
        if placement == "phone"
        else "Check --placement."
    )
    msg = (
        f"{name}: labelled {placement}"
        + (f" ({mount})" if mount else "")
        + f" but its acceleration turns and swings like a foot, leg or arm (alignment "
        f"{align:.2f}, a trunk reads above {TRUNK_MIN_ALIGN:.2f}); cadence, contact times and "
        f"balance are wrong if the label is wrong: {fix}"
    )
    metrics = ("cadence_spm", "gct_ms", "flight_ms", "gct_balance_pct")
    return Check(
        "placement_suspect", name, msg, metrics, f"placement_suspect:{name}:looks_like_leg"
    )

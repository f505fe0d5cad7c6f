"""Why a live metric shows no number, and the input checks on the first seconds of each sensor.

A live page that shows "—" without a reason leaves the runner guessing whether a sensor is
broken. What the sensors *can* measure is known as soon as the devices are: speed and strike
need a foot sensor with a gyroscope (:mod:`gait.analysis.placements.foot` integrates its rotation;
acceleration-only feet give contact times only), a contact time needs a sensor that sees
that leg (a foot or shank on it, or a trunk sensor, which sees both), and the contact-time
balance needs both legs.

The input checks of :mod:`gait.analysis.quality.plausibility` (gravity for the accelerometer's
unit, angular rate for the placement) need a few seconds of samples, not the whole run: the first
:data:`CHECK_S` seconds of each stream are kept and judged once (a few thousand samples,
negligible next to the detectors).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from gait.analysis.placements.registry import is_leg, sees_both_legs
from gait.analysis.quality.plausibility import (
    Check,
    gravity_check,
    gyro_motion,
    placement_check_message,
    placement_suspect,
)

#: Seconds of samples per stream judged by the live input checks. Gravity needs a few
#: windows of :data:`gait.analysis.quality.plausibility.GRAVITY_WINDOW_S` (2 s); the placement
#: check needs several strides of movement (at 80-90 strides/min, 20 s hold about 28).
CHECK_S = 20.0

#: Short reasons under a "—" on the live page (a sentence, not a code).
NO_GYRO_FOOT = "needs a foot sensor with a gyroscope"
NO_SPEED = NO_GYRO_FOOT + " (or a footpod)"
BOTH_LEGS = "needs both legs measured (one leg only)"


def no_leg(side: str) -> str:
    """Reason for a contact time of a leg without a sensor."""
    return f"no sensor on the {side} leg"


def missing_reasons(
    sensors: Sequence[tuple[str, str | None, bool]], *, speed_source: bool = False
) -> dict[str, str]:
    """Metrics the live sensors cannot measure, with a short reason.

    Parameters
    ----------
    sensors : sequence of (placement, side, has_gyr)
        The session's accelerometer streams.
    speed_source : bool
        True when speed comes from elsewhere (a belt speed or an RSC footpod).

    Returns
    -------
    dict of str to str
        Window metric (``speed``, ``strike``, ``gct_left``, ``gct_right``, ``gct_balance``)
        → why it cannot be shown; empty when the sensors can measure them all.
    """
    out: dict[str, str] = {}
    gyro_foot = any(p == "foot" and g for p, _, g in sensors)
    if not gyro_foot:
        out["strike"] = NO_GYRO_FOOT
        if not speed_source:
            out["speed"] = NO_SPEED
    trunk = any(sees_both_legs(p) for p, _, _ in sensors)
    if trunk:
        return out  # a trunk sensor sees both legs' contacts
    sides = {s for p, s, _ in sensors if is_leg(p)}
    legs = sum(1 for p, _, _ in sensors if is_leg(p))
    if legs == 0:
        return out
    if legs == 1 or (sides <= {"left"} or sides <= {"right"}):
        for side in ("left", "right"):
            if side not in sides:
                out[f"gct_{side}"] = no_leg(side)
        out["gct_balance"] = BOTH_LEGS
    return out


@dataclass
class FirstSeconds:
    """The first :data:`CHECK_S` seconds of one live stream, judged once when complete.

    Parameters
    ----------
    name, placement : str
        Stream name and label.
    rate : float
        Nominal sampling rate, Hz.
    mount : str or None
        Phone mount (a belt phone is judged like a sacrum).
    """

    name: str
    placement: str
    rate: float
    mount: str | None = None
    acc: list[np.ndarray] = field(default_factory=list)
    gyr: list[np.ndarray] = field(default_factory=list)
    seconds: float = 0.0
    done: bool = False

    def add(self, acc: np.ndarray, gyr: np.ndarray | None, seconds: float) -> list[Check] | None:
        """Keep a block of samples; once :data:`CHECK_S` s are in, run the checks.

        Parameters
        ----------
        acc : ndarray, shape (n, 3)
            Acceleration, m/s² (as decoded by the device profile).
        gyr : ndarray, shape (n, 3), or None
            Angular rate, rad/s.
        seconds : float
            Session time the block spans, s.

        Returns
        -------
        list of Check or None
            None until the checks ran (and after: they run once); else the findings
            (possibly empty).
        """
        if self.done:
            return None
        self.acc.append(np.asarray(acc, dtype=np.float64))
        if gyr is not None:
            self.gyr.append(np.asarray(gyr, dtype=np.float64))
        self.seconds += max(0.0, float(seconds))
        if self.seconds < CHECK_S:
            return None
        self.done = True
        checks = first_seconds_checks(
            self.name,
            self.placement,
            self.mount,
            np.concatenate(self.acc),
            np.concatenate(self.gyr) if self.gyr else None,
            self.rate,
        )
        self.acc, self.gyr = [], []  # judged: the samples are not needed any more
        return checks


def first_seconds_checks(
    name: str,
    placement: str,
    mount: str | None,
    acc: np.ndarray,
    gyr: np.ndarray | None,
    rate: float,
) -> list[Check]:
    """The unit (gravity) and placement (angular rate) checks on a few seconds of one stream.

    Parameters
    ----------
    name, placement : str
        Stream name and label.
    mount : str or None
        Phone mount.
    acc : ndarray, shape (n, 3)
        Acceleration, m/s².
    gyr : ndarray, shape (n, 3), or None
        Angular rate, rad/s.
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    list of Check
        Empty when the samples fit the labels (or are too few, or the wearer stands still).
    """
    out: list[Check] = []
    finite = acc[np.isfinite(acc).all(axis=1)] if acc.ndim == 2 else acc.reshape(0, 3)
    if finite.shape[0] >= 10:
        c = gravity_check(name, finite, rate)
        if c is not None:
            out.append(c)
    motion = gyro_motion(gyr, step=1)
    if motion is not None:
        verdict = placement_suspect(placement, mount, *motion)
        if verdict is not None:
            out.append(placement_check_message(name, placement, verdict))
    return out

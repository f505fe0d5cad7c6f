"""Why a live metric shows no number, and the input checks on each sensor's samples, all session.

A live page that shows "—" without a reason leaves the runner guessing whether a sensor is
broken. What the sensors *can* measure is known as soon as the devices are: speed and strike
need a foot sensor with a gyroscope (:mod:`gait.analysis.placements.foot` integrates its rotation;
acceleration-only feet give contact times only), a contact time needs a sensor that sees
that leg (a foot or shank on it, or a trunk sensor, which sees both), and the contact-time
balance needs both legs.

The input checks of :mod:`gait.analysis.quality.plausibility` (gravity for the accelerometer's
unit, angular rate for the placement; the acceleration's steadiness of
:mod:`gait.analysis.quality.acc_placement` for a stream without a gyroscope, such as a phone)
need a few seconds of samples, not the whole run. :class:`InputWatch` keeps one window of
:data:`CHECK_S` seconds of each stream at a time and judges every window, for the whole
session: the first one catches a wrong label or unit at the start, the later ones a sensor that
slips, is moved or swapped mid-run. Memory is one window per stream (a few thousand samples),
CPU one check per window (about 0.5 ms per 20 s), and a reconnected sensor starts a fresh
window so none spans two connections. A finding is reported once per stream and kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from gait.analysis.placements.registry import is_leg, sees_both_legs
from gait.analysis.quality.acc_placement import acc_placement_check
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
class InputWatch:
    """The input checks of one live stream, on consecutive :data:`CHECK_S`-second windows.

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
    #: Samples in the current window, s; and the session time of its first sample, s.
    seconds: float = 0.0
    start: float | None = None
    #: Windows judged so far.
    windows: int = 0
    #: Flags already reported (a finding is reported once, not every window).
    reported: set[str] = field(default_factory=set)

    def restart(self) -> None:
        """Drop the current window (the sensor reconnected: judge the new connection alone)."""
        self.acc, self.gyr, self.seconds, self.start = [], [], 0.0, None

    def add(
        self, acc: np.ndarray, gyr: np.ndarray | None, seconds: float, t0: float | None = None
    ) -> list[Check] | None:
        """Keep a block of samples; once the window holds :data:`CHECK_S` s, judge it.

        Parameters
        ----------
        acc : ndarray, shape (n, 3)
            Acceleration, m/s² (as decoded by the device profile).
        gyr : ndarray, shape (n, 3), or None
            Angular rate, rad/s.
        seconds : float
            Session time the block spans, s.
        t0 : float, optional
            Session time of the block's first sample, s (said in a later window's message).

        Returns
        -------
        list of Check or None
            None while the window fills; when it is judged, the findings not reported
            before (possibly none). A finding of a window after the first says when.
        """
        if self.start is None:
            self.start = t0
        self.acc.append(np.asarray(acc, dtype=np.float64))
        if gyr is not None:
            self.gyr.append(np.asarray(gyr, dtype=np.float64))
        self.seconds += max(0.0, float(seconds))
        if self.seconds < CHECK_S:
            return None
        checks = window_checks(
            self.name,
            self.placement,
            self.mount,
            np.concatenate(self.acc),
            np.concatenate(self.gyr) if self.gyr else None,
            self.rate,
        )
        start, later = self.start, self.windows > 0
        self.windows += 1
        self.restart()  # judged: the samples are not needed any more
        new = [c for c in checks if c.flag not in self.reported]
        self.reported.update(c.flag for c in new)
        if later and start is not None:
            # not the first window: the label fitted before, so something changed
            when = (
                f" (seen from {start:.0f} s into the session: the sensor moved, slipped "
                "or was swapped)"
            )
            new = [replace(c, message=c.message + when) for c in new]
        return new


#: What to do about an accelerometer unit on a phone (its app, not an option, sets the unit).
PHONE_UNIT_FIX = (
    "the phone app sends acceleration in another unit than the m/s² it declares; "
    'check the app\'s unit setting (Sensor Logger: m/s²; phyphox: "Acceleration with g" '
    "in m/s²)"
)


def window_checks(
    name: str,
    placement: str,
    mount: str | None,
    acc: np.ndarray,
    gyr: np.ndarray | None,
    rate: float,
) -> list[Check]:
    """The unit (gravity) and placement checks on a few seconds of one stream.

    The placement is judged from the angular rate; without a gyroscope (a phone), from the
    acceleration alone (:func:`~gait.analysis.quality.acc_placement.acc_placement_check`).

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
        c = (
            gravity_check(name, finite, rate, fix=PHONE_UNIT_FIX)
            if placement == "phone"
            else gravity_check(name, finite, rate)
        )
        if c is not None:
            out.append(c)
    motion = gyro_motion(gyr, step=1)
    if motion is not None:
        verdict = placement_suspect(placement, mount, *motion)
        if verdict is not None:
            out.append(placement_check_message(name, placement, verdict))
    elif finite.shape[0] >= 10:
        c = acc_placement_check(name, placement, mount, finite, rate)
        if c is not None:
            out.append(c)
    return out

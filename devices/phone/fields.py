"""What the phone apps' fields mean: names, units, signs, and how to combine them.

Shared by the live phone path (:mod:`devices.phone.sensorlogger`, :mod:`devices.phone.phyphox`)
and the export readers in ``gait.io`` (Sensor Logger CSV), so one place knows, for example,
that Sensor Logger's ``accelerometer`` has gravity removed and iOS signs are flipped.
Sources: Sensor Logger's unit and coordinate references (github.com/tszheichoi/
awesome-sensor-logger, UNITS.md, COORDINATES.md) and phyphox's remote-interface
documentation (phyphox.org/wiki, "Remote-interface communication"); see
``docs/phone_protocols.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Sensor Logger sensor names (HTTP push ``name``; the export's file stems, lower case).
SL_TOTAL = "totalacceleration"  # Android: acceleration with gravity, m/s²
SL_ACC = "accelerometer"  # gravity removed (both platforms), m/s²
SL_GRAVITY = "gravity"  # gravity vector, m/s²
SL_GYRO = "gyroscope"  # rotation rate, rad/s
SL_SENSORS: tuple[str, ...] = (SL_TOTAL, SL_ACC, SL_GRAVITY, SL_GYRO)
#: A median |acc| below this (m/s²) means gravity is not in the signal.
GRAVITY_MIN_NORM = 5.0

#: phyphox buffer names of the built-in "Acceleration with g" and "Gyroscope" experiments.
PHYPHOX_ACC = ("accX", "accY", "accZ", "acc_time")
PHYPHOX_GYR = ("gyrX", "gyrY", "gyrZ", "gyr_time")


def interp_at(t: NDArray[Any], src_t: NDArray[Any], src: FloatArray) -> FloatArray:
    """``src`` (sampled at ``src_t``) linearly interpolated at ``t``, held at the ends.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Times to interpolate at (any unit; int64 ns is taken relative to ``src_t[0]``).
    src_t : ndarray, shape (M,)
        Increasing source times, same unit.
    src : ndarray, shape (M, K)
        Source values.

    Returns
    -------
    ndarray, shape (N, K)
    """
    base = src_t[0]
    x = np.asarray(t - base, dtype=np.float64)
    xp = np.asarray(src_t - base, dtype=np.float64)
    return np.column_stack([np.interp(x, xp, src[:, i]) for i in range(src.shape[1])])


def has_gravity(acc: FloatArray) -> bool:
    """True when the median norm of ``acc`` (m/s²) shows gravity is included."""
    return bool(acc.size) and float(np.median(np.linalg.norm(acc, axis=1))) >= GRAVITY_MIN_NORM


def specific_force(acc: FloatArray, gravity: FloatArray, platform: str | None) -> FloatArray:
    """Sensor Logger ``accelerometer`` + ``gravity`` → specific force with gravity, m/s².

    On iOS both are reported as inertial force, all three axes with the opposite sign
    to Android (the app's coordinate reference), so the sum is negated there.

    Parameters
    ----------
    acc : ndarray, shape (N, 3)
        Gravity-free acceleration, m/s².
    gravity : ndarray, shape (N, 3)
        Gravity at the same times, m/s².
    platform : str or None
        ``'ios'`` flips the sign; anything else (Android, unknown) does not.

    Returns
    -------
    ndarray, shape (N, 3)
    """
    total = acc + gravity
    return -total if (platform or "").lower() == "ios" else total


__all__ = [
    "GRAVITY_MIN_NORM",
    "PHYPHOX_ACC",
    "PHYPHOX_GYR",
    "SL_ACC",
    "SL_GRAVITY",
    "SL_GYRO",
    "SL_SENSORS",
    "SL_TOTAL",
    "has_gravity",
    "interp_at",
    "specific_force",
]

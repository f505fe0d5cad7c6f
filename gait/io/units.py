"""Unit names the readers accept and their factors to SI (m/s², rad/s, s)."""

from __future__ import annotations

import math

from gait.contract.constants import G
from gait.contract.errors import UnitError

#: Accelerometer units: factor that turns a value in that unit into m/s².
ACC_UNITS: dict[str, float] = {"m/s2": 1.0, "m/s^2": 1.0, "m/s²": 1.0, "g": G, "mg": G / 1000.0}
#: Gyroscope units: factor that turns a value in that unit into rad/s.
GYR_UNITS: dict[str, float] = {"rad/s": 1.0, "deg/s": math.pi / 180.0, "dps": math.pi / 180.0}
#: Time units: factor that turns a value in that unit into seconds.
TIME_UNITS: dict[str, float] = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def _factor(table: dict[str, float], unit: str, what: str) -> float:
    try:
        return table[unit.strip()]
    except KeyError:
        raise UnitError(
            f"unknown {what} unit {unit!r}; choose from {', '.join(sorted(table))}"
        ) from None


def acc_factor(unit: str | None) -> float:
    """Factor to m/s² for an accelerometer unit.

    Parameters
    ----------
    unit : str or None
        ``'m/s2'`` (default when None), ``'g'`` or ``'mg'``.

    Returns
    -------
    float
        Multiply values in ``unit`` by this to get m/s².

    Raises
    ------
    UnitError
        For an unknown unit name.
    """
    return 1.0 if unit is None else _factor(ACC_UNITS, unit, "accelerometer")


def gyr_factor(unit: str | None) -> float:
    """Factor to rad/s for a gyroscope unit (``'rad/s'`` default, ``'deg/s'``); raises UnitError."""
    return 1.0 if unit is None else _factor(GYR_UNITS, unit, "gyroscope")


def time_factor(unit: str | None) -> float:
    """Factor to seconds for a time unit (``'s'`` default, ``'ms'``, ``'us'``, ``'ns'``).

    Raises
    ------
    UnitError
        An unknown unit.
    """
    return 1.0 if unit is None else _factor(TIME_UNITS, unit, "time")


#: Latest wall-clock time accepted as a recording start, s since the Unix epoch (year 2262,
#: the end of int64 nanoseconds).
MAX_EPOCH_S = 9.2e9


def epoch_iso(seconds: float, minimum: float = 0.0) -> str | None:
    """ISO 8601 UTC time of ``seconds`` since the Unix epoch, or None when out of range.

    Parameters
    ----------
    seconds : float
        Seconds since 1970-01-01T00:00:00Z.
    minimum : float
        Times at or below this are not wall-clock times (e.g. counts since boot): None.

    Returns
    -------
    str or None
        The time, or None for a non-finite value or one outside ``(minimum, MAX_EPOCH_S]``.
    """
    from datetime import UTC, datetime

    if not math.isfinite(seconds) or not minimum < seconds <= MAX_EPOCH_S:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat()

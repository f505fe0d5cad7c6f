"""Bounds on the work a reader does for one file, checked before anything big is allocated.

Every bound derives from two generous facts about real recordings: none lasts longer than
:data:`MAX_DURATION_S` (24 h, longer than a 100-mile race) and no wearable IMU samples
faster than :data:`MAX_RATE_HZ` (2 kHz; common IMUs log at 25–1600 Hz). A file that
declares more — a Parquet table of 150 M rows, a ZIP entry that inflates a thousandfold,
a time column whose span is centuries — is refused with a :class:`~gait.contract.errors.LimitError`
naming the limit, instead of exhausting memory or CPU.

Compressed inputs get a second, relative bound: what they inflate to may not exceed
:data:`MAX_EXPANSION` times their stored size, above a floor of :data:`MIN_BUDGET_BYTES`
(small constant test signals compress very well and are fine).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gait.contract.errors import LimitError, TimeUnitError

#: Longest recording accepted, s (24 h).
MAX_DURATION_S = 24 * 3600.0
#: Fastest sampling rate accepted, Hz.
MAX_RATE_HZ = 2000.0
#: Slowest sampling rate of an inertial time column, Hz (a step of seconds means the
#: column is in another unit: epoch milliseconds read as seconds step by 10 s at 100 Hz).
MIN_RATE_HZ = 1.0
#: Most samples of one stream, before or after resampling onto a uniform grid.
#: 24 h at 250 Hz: the longest recording at a rate typical for running IMUs; a 2 kHz
#: stream can still last 3 h.
MAX_SAMPLES = int(MAX_DURATION_S * 250)
#: Bytes a compressed input may inflate to, per stored byte (zstd on IMU data gives 1–5,
#: deflate at most ~1000).
MAX_EXPANSION = 100
#: Inflated bytes always allowed, whatever the stored size (64 MiB).
MIN_BUDGET_BYTES = 64 << 20
#: Most bytes one decoded table or ZIP entry may take (24 h × 2 kHz would need far more
#: than a laptop has; 2 GiB holds 24 h of a 250 Hz 9-axis stream as float64).
MAX_DECODED_BYTES = 2 << 30
#: Most entries of a ZIP export read (a phone export has a dozen).
MAX_ZIP_ENTRIES = 4096
#: Most sensor streams in one recording.
MAX_STREAMS = 64

#: Time units with their factor to seconds, largest first, for guessing a wrong unit.
_UNITS = (("ns", 1e-9), ("us", 1e-6), ("ms", 1e-3), ("s", 1.0))


def decoded_budget(stored_bytes: int) -> int:
    """Most bytes an input stored in ``stored_bytes`` may decode to.

    Parameters
    ----------
    stored_bytes : int
        Compressed (on-disk) size, bytes.

    Returns
    -------
    int
        ``min(MAX_DECODED_BYTES, max(MIN_BUDGET_BYTES, MAX_EXPANSION * stored_bytes))``, bytes.
    """
    return int(min(MAX_DECODED_BYTES, max(MIN_BUDGET_BYTES, MAX_EXPANSION * max(stored_bytes, 0))))


def check_decoded(path: str | Path, what: str, decoded_bytes: int, stored_bytes: int) -> None:
    """Raise :class:`LimitError` when ``what`` would decode to more than its budget.

    Parameters
    ----------
    path : str or Path
        The file, for the message.
    what : str
        The part being decoded (``"entry 'streams/foot.parquet'"``).
    decoded_bytes : int
        Bytes it declares it decodes to.
    stored_bytes : int
        Bytes it takes in the file.
    """
    budget = decoded_budget(stored_bytes)
    if decoded_bytes > budget:
        limit = "MAX_DECODED_BYTES" if budget == MAX_DECODED_BYTES else "MAX_EXPANSION"
        raise LimitError(
            path,
            f"{what} declares {decoded_bytes / 2**20:.0f} MiB decoded from {stored_bytes} "
            f"stored bytes; at most {budget / 2**20:.0f} MiB allowed",
            limit=limit,
        )


def check_rows(path: str | Path, what: str, rows: int) -> None:
    """Raise :class:`LimitError` when a table declares more than :data:`MAX_SAMPLES` rows."""
    if rows > MAX_SAMPLES:
        raise LimitError(
            path, f"{what} declares {rows} rows, more than {MAX_SAMPLES}", limit="MAX_SAMPLES"
        )


def guess_time_unit(t: np.ndarray, assumed: str = "s") -> str | None:
    """The unit in which times ``t`` would be a plausible recording, or None.

    A unit is plausible when, read in it, the median step gives a rate of at most
    :data:`MAX_RATE_HZ` and the span lasts at most :data:`MAX_DURATION_S`; among those the
    one closest to a 100 Hz step wins. Epoch times (s, ms, µs or ns since 1970) are
    recognised the same way, by their step and span.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Times as written in the file, increasing.
    assumed : str
        The unit the reader assumed; returned only if nothing else fits better.

    Returns
    -------
    str or None
        ``'s'``, ``'ms'``, ``'us'`` or ``'ns'``; None when no unit gives a plausible recording.
    """
    t = np.asarray(t, dtype=np.float64)
    if t.size < 2:
        return None
    d = np.diff(t)
    d = d[d > 0]
    if d.size == 0:
        return None
    step = float(np.median(d))
    span = float(t[-1] - t[0])
    best: tuple[float, str] | None = None
    for unit, k in _UNITS:
        rate = 1.0 / (step * k)
        if MIN_RATE_HZ <= rate <= MAX_RATE_HZ and span * k <= MAX_DURATION_S:
            score = abs(np.log10(rate / 100.0))
            if best is None or score < best[0] or (score == best[0] and unit == assumed):
                best = (score, unit)
    return None if best is None else best[1]


def check_time_span(path: str | Path, t: np.ndarray, unit: str, column: str) -> None:
    """Raise when times ``t`` (in ``unit``) span too long or step too fast for a recording.

    Parameters
    ----------
    path : str or Path
        The file, for the message.
    t : ndarray, shape (N,)
        Times as written in the file, increasing.
    unit : str
        The unit the reader takes them in (``'s'``, ``'ms'``, ``'us'``, ``'ns'``).
    column : str
        Name of the time column.

    Raises
    ------
    TimeUnitError
        The span or step is implausible in ``unit`` but plausible in another unit (named).
    LimitError
        The span or rate is implausible in every unit.
    """
    if t.shape[0] < 2:
        return
    k = dict(_UNITS)[unit]
    span = float(t[-1] - t[0]) * k
    d = np.diff(t)
    pos = d[d > 0]
    rate = 1.0 / (float(np.median(pos)) * k) if pos.size else 0.0
    if span <= MAX_DURATION_S and MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
        return
    what = f"spans {span:.4g} s" if span > MAX_DURATION_S else f"steps at {rate:.4g} Hz"
    guess = guess_time_unit(t, unit)
    if guess is not None and guess != unit:
        hint = (
            f"the values look like {guess}; name the column 'timestamp' and pass "
            f"--time-unit {guess}"
            if column == "t"
            else f"the values look like {guess}; pass --time-unit {guess}"
        )
        raise TimeUnitError(path, f"read in {unit}, the time {what}; {hint}", column=column)
    limit = (
        "MAX_DURATION_S"
        if span > MAX_DURATION_S
        else ("MAX_RATE_HZ" if rate > MAX_RATE_HZ else "MIN_RATE_HZ")
    )
    raise LimitError(path, f"column '{column}': the time {what}", limit=limit)


def check_stream_size(path: str | Path, name: str, n: int, duration: float, rate: float) -> None:
    """Raise :class:`LimitError` when a stream is longer, faster or larger than allowed.

    Parameters
    ----------
    path : str or Path
        The file, for the message.
    name : str
        Stream name.
    n : int
        Samples.
    duration : float
        First to last sample, s.
    rate : float
        Nominal or measured rate, Hz; ``duration * rate`` is what resampling onto a
        uniform grid would allocate.
    """
    if not np.isfinite(duration) or duration > MAX_DURATION_S:
        raise LimitError(path, f"stream {name!r} lasts {duration:.4g} s", limit="MAX_DURATION_S")
    if not np.isfinite(rate) or rate > MAX_RATE_HZ:
        raise LimitError(path, f"stream {name!r} has a rate of {rate:.4g} Hz", limit="MAX_RATE_HZ")
    grid = duration * rate
    if n > MAX_SAMPLES or grid > MAX_SAMPLES:
        raise LimitError(
            path,
            f"stream {name!r} has {n} samples ({grid:.4g} on a uniform grid at {rate:.4g} Hz)",
            limit="MAX_SAMPLES",
        )

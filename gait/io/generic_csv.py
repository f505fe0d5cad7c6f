"""Generic CSV for people who bring their own data.

Format: a header row, then one sample per row. Columns (case-insensitive, any order,
comma, semicolon or tab separated):

``t``
    time in seconds, or
``timestamp``
    time in the unit given by ``--time-unit`` (``s``, ``ms``, ``us``, ``ns``), or neither,
    and then ``--rate HZ`` gives the sampling rate;
``acc_x, acc_y, acc_z``
    acceleration including gravity, in ``--acc-unit`` (``m/s2`` or ``g``; without it the
    unit is inferred from gravity, see :func:`gait.analysis.quality.plausibility.resolve_acc_unit`);
``gyr_x, gyr_y, gyr_z`` (optional)
    angular rate in ``--gyr-unit`` (``rad/s`` or ``deg/s``; without it ``rad/s`` unless
    the numbers are too large to be rad/s,
    :func:`gait.analysis.quality.plausibility.resolve_gyr_unit`).

Other columns are ignored. ``--placement`` (default ``foot``), ``--side`` and ``--mount``
describe the sensor. Every problem raises one typed error naming the file and the
line or column.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from gait.analysis.quality.plausibility import resolve_acc_unit, resolve_gyr_unit
from gait.contract.errors import MissingColumnError, RateError, UnitError
from gait.contract.recording import FloatArray, Placement, Recording, SessionMeta, Side, Stream
from gait.io._csv import (
    drop_time_glitches,
    guess_separator,
    head_text,
    measured_rate,
    numeric_block,
    parse_table,
)
from gait.io.limits import check_stream_size, check_time_span, guess_time_unit
from gait.io.units import acc_factor, epoch_iso, gyr_factor, time_factor

if TYPE_CHECKING:
    from gait.io import ReadOptions

NAME = "csv"
ACC = ("acc_x", "acc_y", "acc_z")
GYR = ("gyr_x", "gyr_y", "gyr_z")
#: A time column and a ``--rate`` that differ by more than this fraction are an error.
RATE_TOLERANCE = 0.10


def sniff(path: Path) -> bool:
    """True when the first line is a header with an ``acc*`` column.

    A renamed or missing axis then gets a clear :class:`MissingColumnError` from
    :func:`read`.
    """
    if not path.is_file():
        return False
    first = head_text(path).splitlines()[:1]
    if not first:
        return False
    sep = guess_separator(first[0])
    names = {c.strip().strip('"').lower() for c in first[0].split(sep)}
    return any(n.startswith("acc") for n in names)


def stream_identity(
    options: ReadOptions, default_placement: str, default_side: str | None = None
) -> dict[str, Any]:
    """Placement, side and mount for a stream: the user's options over the reader's defaults.

    Parameters
    ----------
    options : ReadOptions
        Command-line options.
    default_placement : str
        What the reader assumes without options.
    default_side : str or None
        Likewise for the side.

    Returns
    -------
    dict
        Keyword arguments ``placement, side, mount`` for :class:`Stream`.
    """
    placement = options.placement or default_placement
    side = options.side if options.side is not None else default_side
    if placement in ("sacrum", "phone"):
        side = None  # trunk sensors and phones have no side
    return {
        "placement": cast(Placement, placement),
        "side": cast(Side | None, side),
        "mount": options.mount if placement == "phone" else None,
    }


def read(path: Path, options: ReadOptions) -> Recording:
    """Read a generic CSV file.

    Parameters
    ----------
    path : Path
        The CSV file.
    options : ReadOptions
        ``time_unit`` (for a ``timestamp`` column), ``acc_unit``, ``gyr_unit``, ``rate`` (Hz),
        ``placement``, ``side``, ``mount``.

    Returns
    -------
    Recording
        One stream, times in s from the first sample, acc in m/s², gyr in rad/s.

    Raises
    ------
    MissingColumnError, BadValueError, EmptyFileError, TruncatedFileError, TimeOrderError
        Malformed file (names the line and/or column).
    UnitError
        Unknown unit, or values contradicting the stated accelerometer or gyroscope unit.
    RateError
        No time column and no rate, a rate <= 0, or a rate that contradicts the time column.
    """
    _check_options(path, options)
    first = head_text(path).splitlines()[:1]
    sep = guess_separator(first[0]) if first else ","
    df = parse_table(path, sep=sep, header=0)
    df.columns = [str(c).lstrip("\ufeff").strip().strip('"').lower() for c in df.columns]
    time_col, gyr_present = _columns(path, list(df.columns))
    cols = ([time_col] if time_col else []) + list(ACC) + gyr_present
    block = numeric_block(df, cols, path, first_line=2)
    if time_col is not None:
        t, rate, data, start_time, dropped = _timed(path, block, time_col, options)
    else:
        t, rate, data = _untimed(path, block, options)
        start_time, dropped = None, 0
    raw_gyr = data[:, 3:6] if gyr_present else None
    # the units from the signal itself: inferred when not given, an error when contradicted
    acc_unit = resolve_acc_unit(data[:, 0:3], rate, options.acc_unit, str(path))
    gyr_unit = resolve_gyr_unit(raw_gyr, options.gyr_unit, str(path))
    acc = data[:, 0:3] * acc_factor(acc_unit)
    gyr = raw_gyr * gyr_factor(gyr_unit) if raw_gyr is not None else None
    stream = Stream(
        t=t,
        acc=acc,
        gyr=gyr,
        rate=rate,
        device=_device(path, options, dropped, acc_unit, gyr_unit if gyr is not None else None),
        **stream_identity(options, "foot"),
    )
    meta = SessionMeta(
        source=NAME, start_time=start_time, extra={"dropped_samples": dropped} if dropped else {}
    )
    return Recording(meta=meta, streams=[stream])


def _check_options(path: Path, options: ReadOptions) -> None:
    """Unknown unit names and a rate <= 0 fail before the file is parsed."""
    acc_factor(options.acc_unit)
    gyr_factor(options.gyr_unit)
    if options.rate is not None and not options.rate > 0:
        raise RateError(f"{path}: --rate must be > 0 Hz, got {options.rate}")


def _columns(path: Path, have: list[str]) -> tuple[str | None, list[str]]:
    """The time column (``t``, ``timestamp`` or None) and the gyroscope columns present."""
    for c in ACC:
        if c not in have:
            raise MissingColumnError(
                path, f"required column missing; the header has {have}", line=1, column=c
            )
    gyr_present = [c for c in GYR if c in have]
    if gyr_present and len(gyr_present) < 3:
        missing = next(c for c in GYR if c not in have)
        raise MissingColumnError(
            path, "gyr_x, gyr_y, gyr_z must all be present or all absent", line=1, column=missing
        )
    time_col = "t" if "t" in have else ("timestamp" if "timestamp" in have else None)
    return time_col, gyr_present


def _timed(
    path: Path, block: FloatArray, time_col: str, options: ReadOptions
) -> tuple[FloatArray, float, FloatArray, str | None, int]:
    """Sample times from the ``t`` or ``timestamp`` column, checked against ``--rate``.

    Returns
    -------
    t : ndarray
        Seconds from the first sample.
    rate : float
        Measured rate, or ``--rate`` when given, Hz.
    data : ndarray
        The acc (and gyr) columns of the rows kept.
    start_time : str or None
        Wall-clock start (ISO 8601) of an epoch ``timestamp`` column.
    dropped : int
        Rows dropped as time glitches.
    """
    keep, dropped = drop_time_glitches(block[:, 0], path, 2, time_col)
    if dropped:
        block = block[keep]
    raw_t = block[:, 0]
    start_time = None
    if time_col == "timestamp":
        if options.time_unit is None:
            guess = guess_time_unit(raw_t)
            hint = f"; the values look like {guess}" if guess else ""
            raise UnitError(f"{path}: column 'timestamp' needs --time-unit (s, ms, us or ns){hint}")
        k_t = time_factor(options.time_unit)
        check_time_span(path, raw_t, options.time_unit.strip(), time_col)
        t_s = raw_t * k_t
        start_time = epoch_iso(float(t_s[0]), minimum=1e9)  # after 2001: a wall clock
    else:
        check_time_span(path, raw_t, "s", time_col)
        t_s = raw_t
    t = t_s - t_s[0]
    rate = measured_rate(t)
    if options.rate is not None:
        if rate > 0 and abs(rate / options.rate - 1.0) > RATE_TOLERANCE:
            raise RateError(
                f"{path}: --rate {options.rate:g} Hz contradicts the time column "
                f"({rate:.4g} Hz measured); drop --rate or fix it"
            )
        rate = options.rate
    return t, rate, block[:, 1:], start_time, dropped


def _untimed(
    path: Path, block: FloatArray, options: ReadOptions
) -> tuple[FloatArray, float, FloatArray]:
    """Times from ``--rate``: (t s, rate Hz, data columns)."""
    if options.rate is None:
        raise RateError(
            f"{path}: no 't' or 'timestamp' column; give the sampling rate with --rate HZ"
        )
    rate = float(options.rate)
    check_stream_size(path, "csv", block.shape[0], block.shape[0] / rate, rate)
    t = np.arange(block.shape[0], dtype=np.float64) / rate
    return t, rate, block


def _device(
    path: Path, options: ReadOptions, dropped: int, acc_unit: str, gyr_unit: str | None
) -> dict[str, Any]:
    """The stream's device record: file, dropped rows, units and which were inferred."""
    device: dict[str, Any] = {
        "source_file": path.name,
        "dropped_samples": dropped,
        "acc_unit": acc_unit,
    }
    if gyr_unit is not None:
        device["gyr_unit"] = gyr_unit
    inferred = [
        f"{o}={u}"
        for o, u, given in (
            ("acc_unit", acc_unit, options.acc_unit),
            ("gyr_unit", gyr_unit, options.gyr_unit),
        )
        if given is None and u is not None
    ]
    if inferred:
        device["units_inferred"] = ",".join(inferred)
    return device

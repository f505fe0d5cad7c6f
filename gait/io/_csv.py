"""Shared helpers for the text readers: a fast parse, then vectorised validation.

Parsing uses pandas' C engine. Validation runs on whole columns; only when something
is wrong do we spend time finding the first bad row, so that the error can name the
file, the 1-based line and the column.

Line numbers assume one record per line with blank lines kept as rows (we parse with
``skip_blank_lines=False``), so data row ``i`` (0-based) sits on line ``first_line + i``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gait.contract.errors import (
    BadValueError,
    EmptyFileError,
    InputFileError,
    TimeOrderError,
    TruncatedFileError,
)
from gait.contract.recording import FloatArray

#: Bytes a ``sniff`` reads: enough for a header and a few rows, cheap on any file.
SNIFF_BYTES = 4096

_PARSER_LINE = re.compile(r"line (\d+)")


def head_text(path: Path, nbytes: int = SNIFF_BYTES) -> str:
    """The first ``nbytes`` of a file decoded as UTF-8 (BOM removed, bad bytes replaced).

    Parameters
    ----------
    path : Path
        A file; directories and unreadable files give ``''``.
    nbytes : int
        How many bytes to read.

    Returns
    -------
    str
        The decoded text.
    """
    try:
        with open(path, "rb") as fh:
            raw = fh.read(nbytes)
    except OSError:
        return ""
    return raw.decode("utf-8", errors="replace").lstrip("\ufeff")


def ends_with_newline(path: Path) -> bool:
    """True when the last byte of the file is a line feed (a cut-off file usually is not)."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        if fh.tell() == 0:
            return True
        fh.seek(-1, 2)
        return fh.read(1) == b"\n"


def guess_separator(header_line: str) -> str:
    """The most frequent of tab, semicolon and comma in ``header_line`` (comma when none)."""
    counts = {sep: header_line.count(sep) for sep in ("\t", ";", ",")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] > 0 else ","


def parse_table(path: Path, **kwargs: Any) -> pd.DataFrame:
    """``pandas.read_csv`` (C engine) with parser failures turned into typed errors.

    Parameters
    ----------
    path : Path
        The file, or an open binary file object passed as ``filepath_or_buffer`` in kwargs.
    **kwargs
        Passed to :func:`pandas.read_csv`; ``engine='c'`` and ``skip_blank_lines=False``
        are set unless given.

    Returns
    -------
    DataFrame
        As parsed; cells that are not numbers stay as strings for :func:`numeric_block`.

    Raises
    ------
    EmptyFileError
        The file has no header or no data.
    BadValueError
        A row with more fields than the header (the message names the line).
    InputFileError
        The file cannot be decoded.
    """
    kwargs.setdefault("engine", "c")
    kwargs.setdefault("skip_blank_lines", False)
    source = kwargs.pop("filepath_or_buffer", path)
    try:
        return pd.read_csv(source, **kwargs)
    except pd.errors.EmptyDataError:
        raise EmptyFileError(path, "the file holds no data") from None
    except pd.errors.ParserError as exc:
        m = _PARSER_LINE.search(str(exc))
        line = int(m.group(1)) if m else None
        raise BadValueError(path, f"malformed row ({exc})", line=line) from None
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"not a text file ({exc.reason})") from None
    except (ValueError, OverflowError, TypeError) as exc:
        # A cell that fails a declared dtype, or a header pandas cannot use.
        raise BadValueError(path, f"cannot parse the table ({exc})") from None


def numeric_block(
    df: pd.DataFrame,
    columns: Sequence[str],
    path: Path,
    first_line: int,
    *,
    decimal_comma: bool = False,
) -> FloatArray:
    """The given columns as a float64 (N, k) array, every value finite.

    Parameters
    ----------
    df : DataFrame
        Parsed table, one row per data line.
    columns : sequence of str
        Column labels to take, in order.
    path : Path
        The file, for error messages.
    first_line : int
        1-based file line of ``df``'s first row.
    decimal_comma : bool
        Cells use a decimal comma (``1,5``): convert string cells accordingly.

    Returns
    -------
    ndarray, shape (N, k)
        The values, float64.

    Raises
    ------
    EmptyFileError
        No data rows.
    TruncatedFileError
        The last row is incomplete and the file does not end with a newline.
    BadValueError
        A non-numeric, empty, NaN or infinite cell; names the line and column.
    """
    if len(df) == 0:
        raise EmptyFileError(path, "the file has a header but no data rows")
    cols: list[FloatArray] = []
    for c in columns:
        s = df[c]
        if s.dtype.kind not in "fiu":
            text = s.astype("string")
            if decimal_comma:
                text = text.str.replace(",", ".", regex=False)
            s = pd.to_numeric(text.str.strip(), errors="coerce")
        cols.append(np.asarray(s, dtype=np.float64))
    block = np.column_stack(cols) if cols else np.empty((len(df), 0))
    bad = ~np.isfinite(block)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        row = int(rows[0])
        col_idx = int(np.flatnonzero(bad[row])[0])
        line = first_line + row
        colname = str(columns[col_idx])
        if (
            row == len(df) - 1
            and isinstance(path, Path)
            and path.is_file()
            and not ends_with_newline(path)
        ):
            raise TruncatedFileError(
                path,
                "the last row is incomplete (file cut off mid-row?)",
                line=line,
                column=colname,
            )
        raw = df[columns[col_idx]].iloc[row]
        what = (
            "is empty"
            if pd.isna(raw) or str(raw).strip() == ""
            else f"is not a finite number: {raw!r}"
        )
        raise BadValueError(path, f"cell {what}", line=line, column=colname)
    return block


GLITCH_MAX_FRACTION = 0.01
#: A dropped sample may lie at most this many median sampling steps behind the latest time.
GLITCH_MAX_LAG = 2.0


def drop_time_glitches(
    t: FloatArray, path: Path, first_line: int, column: str
) -> tuple[np.ndarray, int]:
    """Keep-mask that drops isolated repeated or slightly out-of-order times.

    Real loggers now and then write one sample twice or a packet a step late; those
    samples are dropped and counted. Times that go back further than
    :data:`GLITCH_MAX_LAG` sampling steps, or glitches in more than
    :data:`GLITCH_MAX_FRACTION` of the samples, are a systematic disorder (files joined,
    clock reset, unsorted export) and raise.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Times in any unit, in file order, finite.
    path : Path
        The file, for the message.
    first_line : int
        1-based file line of ``t[0]``.
    column : str
        Name of the time column.

    Returns
    -------
    keep : ndarray of bool, shape (N,)
        True for samples to keep (strictly increasing times).
    dropped : int
        Number of samples dropped.

    Raises
    ------
    TimeOrderError
        At the first out-of-order sample, when the disorder is systematic.
    """
    keep = increasing_mask(t)
    bad = np.flatnonzero(~keep)
    if bad.size == 0:
        return keep, 0
    steps = np.diff(t[keep])
    step = float(np.median(steps)) if steps.size else 0.0
    lag = np.maximum.accumulate(t)[bad - 1] - t[bad]
    allowed = max(1, int(GLITCH_MAX_FRACTION * t.shape[0]))
    far = np.flatnonzero(lag > GLITCH_MAX_LAG * step)
    if bad.size > allowed or far.size:
        i = int(bad[far[0]] if far.size else bad[0])
        verb = "repeats" if t[i] == t[i - 1] else "goes backwards"
        why = (
            f"more than {GLITCH_MAX_LAG:g} sampling steps back"
            if far.size
            else f"more than the {allowed} isolated glitch(es) tolerated"
        )
        raise TimeOrderError(
            path,
            f"time {verb} ({t[i]!r} after {t[i - 1]!r}); {bad.size} such sample(s), {why}",
            line=first_line + i,
            column=column,
        )
    return keep, int(bad.size)


def seconds_from_start(t: FloatArray) -> FloatArray:
    """Times relative to the first sample, float64 seconds (input already in seconds)."""
    return np.asarray(t - t[0], dtype=np.float64)


def measured_rate(t: FloatArray) -> float:
    """Median sampling rate of increasing times ``t`` (s), Hz; 0.0 for fewer than 2 samples."""
    if t.shape[0] < 2:
        return 0.0
    return float(1.0 / np.median(np.diff(t)))


def increasing_mask(t: np.ndarray) -> np.ndarray:
    """Mask keeping each sample whose time is above every earlier sample's time.

    Phone apps sometimes log a sample twice or slightly out of order; readers for such
    sources drop these (and count them) instead of rejecting the file.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Times (int64 ns or float s), in file order.

    Returns
    -------
    ndarray of bool, shape (N,)
        True for samples to keep; the first sample is always kept.
    """
    if t.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    prev_max = np.maximum.accumulate(t[:-1])
    return np.concatenate(([True], t[1:] > prev_max))

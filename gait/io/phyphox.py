"""phyphox CSV export ("Acceleration with g", "Gyroscope" and multi-sensor experiments).

A phyphox export has a header with quoted labels such as ``"Time (s)"``,
``"Acceleration x (m/s^2)"`` and ``"Gyroscope x (rad/s)"``; the app offers comma, tab or
semicolon separators with a decimal point or a decimal comma. Accepted inputs:

- one CSV with acceleration (``Raw Data.csv`` of "Acceleration with g");
- one CSV with several sensors side by side, each block starting with its own
  ``Time (s)`` column (shorter blocks padded with empty cells), or sharing one time column;
- a folder or ZIP export holding ``Accelerometer.csv`` / ``Raw Data.csv`` and optionally
  ``Gyroscope.csv``; ``meta/time.csv`` gives the wall-clock start when present.

"Linear Acceleration" (gravity removed) alone is refused: the pipeline needs gravity.
The gyroscope is interpolated at the accelerometer's times; accelerometer samples outside
the gyroscope's span are dropped and counted (``device['trimmed_samples']``).
Axes are the phone's (x right, y up the screen, z out of the screen).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gait.contract.errors import InputFileError, MissingColumnError
from gait.contract.recording import FloatArray, Recording, SessionMeta, Stream
from gait.io._bundle import head_member, members, open_member
from gait.io._csv import drop_time_glitches, guess_separator, head_text, numeric_block, parse_table
from gait.io.generic_csv import stream_identity
from gait.io.limits import check_time_span
from gait.io.units import acc_factor, epoch_iso, gyr_factor

if TYPE_CHECKING:
    from gait.io import ReadOptions

NAME = "phyphox"
_LABEL = re.compile(
    r"^(?P<kind>Time|Linear Acceleration|Acceleration|Gyroscope)"
    r"\s*(?P<axis>[xyz])?\s*\((?P<unit>[^)]*)\)",
    re.IGNORECASE,
)
_ACC_FILES = ("accelerometer.csv", "raw data.csv", "acceleration.csv")


def _is_header(text: str) -> bool:
    first = text.splitlines()[:1]
    return (
        bool(first)
        and "Time (s)" in first[0]
        and ("Acceleration" in first[0] or "Gyroscope" in first[0])
    )


def sniff(path: Path) -> bool:
    """True for a phyphox CSV header, or a folder/ZIP holding a phyphox CSV."""
    if path.is_file() and path.suffix.lower() in (".csv", ".txt"):
        return _is_header(head_text(path, 1024))
    m = members(path)
    return any(
        k in m and _is_header(head_member(path, m[k], 512)) for k in (*_ACC_FILES, "gyroscope.csv")
    )


def _groups(columns: list[str], where: Path) -> list[dict[str, Any]]:
    """Column blocks: each starts at a ``Time`` column; holds acc/linacc/gyr axis columns."""
    groups: list[dict[str, Any]] = []
    for col in columns:
        m = _LABEL.match(str(col).strip().strip('"'))
        if not m:
            continue
        kind = m.group("kind").lower()
        if kind == "time":
            groups.append({"time": col, "time_unit": m.group("unit")})
            continue
        if not groups:
            raise MissingColumnError(
                where, "data columns before any 'Time (s)' column", line=1, column=str(col)
            )
        axis = m.group("axis")
        if axis:
            groups[-1].setdefault(kind, {})[axis] = col
            groups[-1][kind + "_unit"] = m.group("unit")
    return groups


def _block(
    df: pd.DataFrame, group: dict[str, Any], kind: str, where: Path, decimal_comma: bool
) -> tuple[FloatArray, FloatArray, int]:
    axes = group[kind]
    for a in "xyz":
        if a not in axes:
            raise MissingColumnError(
                where, f"{kind} has no {a} column", line=1, column=f"{kind} {a}"
            )
    cols = [group["time"], axes["x"], axes["y"], axes["z"]]
    sub = df[cols]
    # Blocks of different lengths are padded with empty cells at the end: cut those.
    present = sub.notna().any(axis=1).to_numpy()
    n = int(np.flatnonzero(present)[-1]) + 1 if present.any() else 0
    block = numeric_block(sub.iloc[:n], cols, where, first_line=2, decimal_comma=decimal_comma)
    keep, dropped = drop_time_glitches(block[:, 0], where, 2, str(group["time"]))
    block = block[keep]
    t = block[:, 0]
    check_time_span(where, t, "s", str(group["time"]))
    return t, block[:, 1:4], dropped


def _parse(source: Path, member: str | None) -> tuple[pd.DataFrame, Path, bool]:
    where = source if member is None else source / member
    text = head_text(source, 2048) if member is None else head_member(source, member, 2048)
    lines = text.splitlines()
    if not lines:
        raise InputFileError(where, "the file is empty")
    sep = guess_separator(lines[0])
    decimal_comma = sep != "," and len(lines) > 1 and "," in lines[1]
    buf: Any = source if member is None else open_member(source, member)
    df = parse_table(
        where, filepath_or_buffer=buf, sep=sep, header=0, decimal="," if decimal_comma else "."
    )
    return df, where, decimal_comma


def _start_time(src: Path, files: dict[str, str]) -> str | None:
    key = "meta/time.csv" if "meta/time.csv" in files else None
    if key is None:
        return None
    try:
        tt = pd.read_csv(open_member(src, files[key]))
        cols = {c.lower().strip(): c for c in tt.columns}
        if "system time" in cols and "event" in cols:
            start = tt[tt[cols["event"]].astype(str).str.upper() == "START"][cols["system time"]]
            if len(start):
                return epoch_iso(float(start.iloc[0]))
    except (ValueError, TypeError, pd.errors.ParserError, InputFileError):
        return None
    return None


def read(path: Path, options: ReadOptions) -> Recording:
    """Read a phyphox export as one ``phone`` stream.

    Parameters
    ----------
    path : Path
        A phyphox CSV, or an export folder / ZIP.
    options : ReadOptions
        ``placement`` (default ``phone``), ``side``, ``mount``.

    Returns
    -------
    Recording
        Acc in m/s² (gravity included), gyr in rad/s when exported, t in s from the
        first accelerometer sample.
    """
    tables, files = _tables(path)
    blocks = _Blocks(acc_where=path)
    for df, where, dc in tables:
        blocks.add(df, where, dc)
    if blocks.acc is None or blocks.acc_t is None:
        if blocks.linear_only:
            raise InputFileError(
                path, "only 'Linear Acceleration' (gravity removed); export 'Acceleration with g'"
            )
        raise MissingColumnError(
            path, "no 'Acceleration x/y/z' columns found", column="Acceleration x (m/s^2)"
        )
    acc_t = blocks.acc_t
    acc = blocks.acc * acc_factor(blocks.acc_unit.replace("²", "^2"))
    device: dict[str, Any] = {"app": "phyphox", "source_file": path.name}
    gyr = None
    trimmed = 0
    if blocks.gyr is not None and blocks.gyr_t is not None:
        gyr = blocks.gyr * gyr_factor(blocks.gyr_unit)
        acc_t, acc, gyr, trimmed = _align_gyro(acc_t, acc, blocks.gyr_t, gyr, blocks.acc_where)
    device["trimmed_samples"] = trimmed
    device["dropped_samples"] = blocks.dropped
    stream = Stream(
        t=acc_t - acc_t[0],
        acc=acc,
        gyr=gyr,
        rate=0.0,
        device=device,
        **stream_identity(options, "phone"),
    )
    meta = SessionMeta(
        source=NAME,
        start_time=_start_time(path, files) if files else None,
        extra={"dropped_samples": blocks.dropped} if blocks.dropped else {},
    )
    return Recording(meta=meta, streams=[stream])


def _tables(path: Path) -> tuple[list[tuple[pd.DataFrame, Path, bool]], dict[str, str]]:
    """The parsed CSV tables (one file, or the export's sensor files) and the export's members."""
    tables: list[tuple[pd.DataFrame, Path, bool]] = []
    files: dict[str, str] = {}
    if path.is_file() and path.suffix.lower() in (".csv", ".txt"):
        tables.append(_parse(path, None))
    else:
        files = members(path)
        for k in (*_ACC_FILES, "gyroscope.csv"):
            if k in files and _is_header(head_member(path, files[k], 512)):
                tables.append(_parse(path, files[k]))
    return tables, files


@dataclass
class _Blocks:
    """The first accelerometer and gyroscope blocks found in the tables, in raw units."""

    acc_where: Path  # the file of the accelerometer block, for messages
    acc_t: FloatArray | None = None
    acc: FloatArray | None = None
    gyr_t: FloatArray | None = None
    gyr: FloatArray | None = None
    dropped: int = 0  # accelerometer rows dropped as time glitches
    acc_unit: str = ""
    gyr_unit: str = ""
    linear_only: bool = False  # a "Linear Acceleration" block was seen

    def add(self, df: pd.DataFrame, where: Path, decimal_comma: bool) -> None:
        """Take the blocks of one table that are still missing."""
        for g in _groups(list(df.columns), where):
            if "acceleration" in g and self.acc is None:
                self.acc_t, self.acc, self.dropped = _block(
                    df, g, "acceleration", where, decimal_comma
                )
                self.acc_unit, self.acc_where = g["acceleration_unit"], where
            if "gyroscope" in g and self.gyr is None:
                self.gyr_t, self.gyr, _ = _block(df, g, "gyroscope", where, decimal_comma)
                self.gyr_unit = g["gyroscope_unit"]
            if "linear acceleration" in g:
                self.linear_only = True


def _align_gyro(
    acc_t: FloatArray, acc: FloatArray, gyr_t: FloatArray, gyr: FloatArray, where: Path
) -> tuple[FloatArray, FloatArray, FloatArray, int]:
    """Gyroscope at the accelerometer's times; accelerometer samples outside its span cut.

    Returns
    -------
    acc_t, acc, gyr : ndarray
        The accelerometer samples kept and the gyroscope interpolated at their times.
    trimmed : int
        Accelerometer samples cut.
    """
    if gyr_t.shape == acc_t.shape and np.array_equal(gyr_t, acc_t):
        return acc_t, acc, gyr, 0  # one shared time column: nothing to align
    inside = (acc_t >= gyr_t[0]) & (acc_t <= gyr_t[-1])
    trimmed = int((~inside).sum())
    acc_t, acc = acc_t[inside], acc[inside]
    if acc_t.size == 0:
        raise InputFileError(where, "the gyroscope and accelerometer times do not overlap")
    gyr = np.column_stack([np.interp(acc_t, gyr_t, gyr[:, i]) for i in range(3)])
    return acc_t, acc, gyr, trimmed

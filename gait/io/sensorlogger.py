"""Sensor Logger (tszheichoi) CSV export: a folder or ZIP, or one sensor CSV.

Each sensor file has ``time`` (ns since the epoch, UTC), ``seconds_elapsed`` and the axes
``z, y, x`` (in that column order), acceleration in m/s², rotation rate in rad/s
(the app's unit reference). On Android ``Accelerometer.csv`` has gravity *removed* and
``TotalAcceleration.csv`` includes it; iOS logs only ``Accelerometer.csv`` (without
gravity) plus ``Gravity.csv``. We therefore take, in order of preference:

1. ``TotalAcceleration.csv``;
2. ``Accelerometer.csv`` + ``Gravity.csv`` (gravity interpolated at the accelerometer's times);
3. ``Accelerometer.csv`` alone only when its median norm shows gravity is in it.

``Gyroscope.csv`` (optional) is interpolated at the accelerometer's timestamps; samples
outside the gyroscope's time span are dropped (counted in ``device['trimmed_samples']``).
On iOS (``platform`` in ``Metadata.csv``) acceleration and gravity have the opposite sign
to Android on all three axes (the app's coordinate reference), so they are negated to
give specific force like every other source. Repeated or out-of-order rows, which the
app is known to write, are dropped and counted
in ``device['dropped_samples']``. Axes are the phone's (Android: x right, y up the
screen, z out of the screen); the placement is ``phone`` with ``--mount`` as given.
What the fields mean (names, gravity, iOS signs) is shared with the live HTTP-push
path in :mod:`devices.phone.fields`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from devices.phone.fields import (
    GRAVITY_MIN_NORM,
    SL_ACC,
    SL_GRAVITY,
    SL_GYRO,
    SL_TOTAL,
    interp_at,
    specific_force,
)
from gait.contract.errors import BadValueError, InputFileError, MissingColumnError
from gait.contract.recording import FloatArray, Recording, SessionMeta, Stream
from gait.io._bundle import head_member, members, open_member
from gait.io._csv import head_text, increasing_mask, numeric_block, parse_table
from gait.io.generic_csv import stream_identity
from gait.io.limits import check_time_span
from gait.io.units import epoch_iso

if TYPE_CHECKING:
    from gait.io import ReadOptions

NAME = "sensorlogger"
_HEADER = "time,seconds_elapsed"
_SENSOR_FILES = (f"{SL_TOTAL}.csv", f"{SL_ACC}.csv")


def _is_sl_header(text: str) -> bool:
    first = text.splitlines()[:1]
    return bool(first) and first[0].strip().replace('"', "").lower().startswith(_HEADER)


def sniff(path: Path) -> bool:
    """True for a Sensor Logger CSV, or a folder/ZIP holding its accelerometer file."""
    if path.is_file() and path.suffix.lower() == ".csv":
        return _is_sl_header(head_text(path, 512))
    m = members(path)
    return any(k in m and _is_sl_header(head_member(path, m[k], 256)) for k in _SENSOR_FILES)


def group(path: Path) -> tuple[str, list[Path]]:
    """The export a CSV belongs to: its folder (key) and every CSV in it (for batch runs)."""
    folder = path.parent if path.is_file() else path
    if path.is_file() and not (folder != path and sniff(folder)):
        return str(path.resolve()), [path]
    return str(folder.resolve()), sorted(folder.glob("*.csv"))


def _load(source: Path, member: str | None) -> tuple[np.ndarray, FloatArray, Path]:
    """(time ns int64, xyz (N, 3) in x, y, z order, path for messages) of one sensor CSV."""
    where = source if member is None else source / member
    buf: Any = source if member is None else open_member(source, member)
    df = parse_table(where, filepath_or_buffer=buf, sep=",", header=0)
    df.columns = [str(c).strip().lower() for c in df.columns]
    for c in ("time", "x", "y", "z"):
        if c not in df.columns:
            raise MissingColumnError(
                where, f"required column missing; have {list(df.columns)}", line=1, column=c
            )
    xyz = numeric_block(df, ["x", "y", "z"], where, first_line=2)
    t = pd.to_numeric(df["time"], errors="coerce")
    if t.isna().any():
        numeric_block(df, ["time"], where, first_line=2)  # raises with the line
    tf = np.asarray(t, dtype=np.float64)
    if not (np.abs(tf) < 2**63).all():
        row = int(np.flatnonzero(~(np.abs(tf) < 2**63))[0])
        raise BadValueError(
            where, "time is not an int64 nanosecond count", line=row + 2, column="time"
        )
    t_ns = np.asarray(t, dtype=np.int64)
    return t_ns, xyz, where


def _clean(t_ns: np.ndarray, xyz: FloatArray) -> tuple[np.ndarray, FloatArray, int]:
    keep = increasing_mask(t_ns)
    return t_ns[keep], xyz[keep], int((~keep).sum())


def read(path: Path, options: ReadOptions) -> Recording:
    """Read a Sensor Logger export as one ``phone`` stream.

    Parameters
    ----------
    path : Path
        Export folder, ZIP, or a single ``TotalAcceleration.csv`` / ``Accelerometer.csv``.
    options : ReadOptions
        ``placement`` (default ``phone``), ``side``, ``mount``.

    Returns
    -------
    Recording
        Acc in m/s² with gravity, gyr in rad/s at the accelerometer's times, t in s from
        the first accelerometer sample, ``meta.start_time`` from its epoch timestamp.

    Raises
    ------
    InputFileError
        Only gravity-free acceleration is available, or no accelerometer file.
    """
    device: dict[str, Any] = {"app": "Sensor Logger"}
    files, acc_name = _sensor_files(path)
    t_ns, acc, where = _load(path, files.get(acc_name))
    t_ns, acc, dropped = _clean(t_ns, acc)
    check_time_span(where, t_ns.astype(np.float64), "ns", "time")
    if "metadata.csv" in files:
        device.update(_metadata(path, files["metadata.csv"]))
    acc = _with_gravity(path, files, acc_name, t_ns, acc, where, device)
    gyr = None
    trimmed = 0
    if f"{SL_GYRO}.csv" in files:
        t_ns, acc, gyr, trimmed = _gyro(path, files[f"{SL_GYRO}.csv"], t_ns, acc)
    device.update(
        {"dropped_samples": dropped, "trimmed_samples": trimmed, "source_file": path.name}
    )
    t = (t_ns - t_ns[0]).astype(np.float64) * 1e-9
    stream = Stream(
        t=t, acc=acc, gyr=gyr, rate=0.0, device=device, **stream_identity(options, "phone")
    )
    start = epoch_iso(int(t_ns[0]) / 1e9, minimum=1e8)
    meta = SessionMeta(source=NAME, start_time=start, extra={"dropped_samples": dropped})
    return Recording(meta=meta, streams=[stream])


def _sensor_files(path: Path) -> tuple[dict[str, str], str]:
    """The export's members (none for a single CSV) and the accelerometer file's name."""
    if path.is_file() and path.suffix.lower() == ".csv":
        return {}, path.name.lower()
    files = members(path)
    acc_name = next((k for k in _SENSOR_FILES if k in files), "")
    if not acc_name:
        raise InputFileError(path, "no TotalAcceleration.csv or Accelerometer.csv in the export")
    return files, acc_name


def _metadata(src: Path, member: str) -> dict[str, str]:
    """Device name, platform and app version from ``Metadata.csv`` (device record keys)."""
    out: dict[str, str] = {}
    try:
        md = pd.read_csv(open_member(src, member))
        for c in ("device name", "platform", "appVersion", "version"):
            if c in md.columns and len(md):
                out[c.replace(" ", "_")] = str(md[c].iloc[0])
    except (ValueError, pd.errors.ParserError):
        out["metadata"] = "unreadable"
    return out


def _with_gravity(
    src: Path,
    files: dict[str, str],
    acc_name: str,
    t_ns: np.ndarray,
    acc: FloatArray,
    where: Path,
    device: dict[str, Any],
) -> FloatArray:
    """Acceleration with gravity: as logged, or gravity added back (``device`` says which)."""
    if acc_name != f"{SL_ACC}.csv":
        device["acc_source"] = "TotalAcceleration"
        return acc
    if f"{SL_GRAVITY}.csv" in files:
        g_t, g_xyz, _ = _load(src, files[f"{SL_GRAVITY}.csv"])
        g_t, g_xyz, _ = _clean(g_t, g_xyz)
        platform = str(device.get("platform", ""))
        acc = specific_force(acc, interp_at(t_ns, g_t, g_xyz), platform)
        device["acc_source"] = "Accelerometer + Gravity"
        if platform.lower() == "ios":
            device["acc_sign"] = "negated (iOS convention)"
        return acc
    med = float(np.median(np.linalg.norm(acc, axis=1)))
    if med < GRAVITY_MIN_NORM:
        raise InputFileError(
            where,
            f"acceleration without gravity (median |acc| {med:.2f} m/s²); export "
            "TotalAcceleration.csv or Gravity.csv too",
        )
    device["acc_source"] = "Accelerometer (gravity included)"
    return acc


def _gyro(
    src: Path, member: str, t_ns: np.ndarray, acc: FloatArray
) -> tuple[np.ndarray, FloatArray, FloatArray, int]:
    """Gyroscope at the accelerometer's times; accelerometer samples outside its span cut.

    Returns
    -------
    t_ns, acc : ndarray
        The accelerometer samples kept.
    gyr : ndarray
        Angular rate at ``t_ns``, rad/s.
    trimmed : int
        Accelerometer samples cut.
    """
    w_t, w_xyz, _ = _load(src, member)
    w_t, w_xyz, _ = _clean(w_t, w_xyz)
    inside = (t_ns >= w_t[0]) & (t_ns <= w_t[-1])
    trimmed = int((~inside).sum())
    t_ns, acc = t_ns[inside], acc[inside]
    if t_ns.size == 0:
        raise InputFileError(src, "the gyroscope and accelerometer times do not overlap")
    return t_ns, acc, interp_at(t_ns, w_t, w_xyz), trimmed

"""Reader for BLE capture files (``.gaitcap``) written by ``gait record``.

Each device of the capture becomes a :class:`~gait.contract.recording.Stream` (placement and
side from the capture's device table) or, for RSC footpods, a ``rsc`` channel. Times
are rebuilt from device clocks, counters or a drift-corrected fit of arrival times
(:mod:`devices.timestamps`); a torn tail (recorder killed) is read up to the last
complete record and reported in ``meta.notes``.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gait.contract.errors import EmptyFileError, HeaderError, InputFileError, TimeOrderError
from gait.contract.recording import (
    PLACEMENTS,
    SIDES,
    Channel,
    FloatArray,
    Recording,
    SessionMeta,
    Stream,
)

if TYPE_CHECKING:
    from devices.capture import Capture
    from devices.replay import DeviceData
    from gait.io import ReadOptions


def sniff(path: Path) -> bool:
    """True for a capture file (magic bytes), or any ``.gaitcap`` so errors are specific."""
    from devices.capture import is_capture

    return path.suffix == ".gaitcap" or is_capture(path)


def _device_info(data: Any) -> dict[str, Any]:
    from devices.replay import summary

    info = summary(data)
    info["gaps"] = [[round(g.t_start, 6), round(g.t_end, 6), int(g.lost)] for g in data.gaps]
    info["timebase"] = {k: tb.method for k, tb in data.timebase.items()}
    if data.notes:
        info["notes"] = list(data.notes)
    return info


def read(path: Path, options: ReadOptions) -> Recording:
    """Read a capture file into a Recording.

    Parameters
    ----------
    path : Path
        The capture file.
    options : ReadOptions
        ``placement``/``side`` fill in devices recorded without one; with a single
        inertial device they override the recorded values.

    Returns
    -------
    Recording
        One stream per inertial device (t in s from the capture start, acc m/s²,
        gyr rad/s), an ``rsc`` channel per footpod, ``meta.source == "capture"``.

    Raises
    ------
    InputFileError
        Not a capture, unreadable header, unknown profile, or no usable samples.
    """
    cap, decoded = _decode(path)
    channels = _rsc_channels(decoded)
    streams = _imu_streams(path, decoded, options)
    if not streams and not channels:
        raise EmptyFileError(path, "the capture holds no decodable samples")
    for p in cap.problems:
        warnings.warn(p, stacklevel=2)
    return Recording(meta=_session_meta(cap), streams=streams, channels=channels)


def _decode(path: Path) -> tuple[Capture, list[DeviceData]]:
    """The capture and its devices' decoded samples; layer errors become file errors."""
    from devices.capture import read_capture
    from devices.errors import DeviceLayerError
    from devices.replay import replay
    from devices.schema import SchemaError

    try:
        cap = read_capture(path)
        decoded = replay(cap)
    except DeviceLayerError as exc:
        if isinstance(exc.__cause__, SchemaError):
            raise HeaderError(path, exc.__cause__.problem, field=exc.__cause__.field) from None
        raise InputFileError(path, str(exc).removeprefix(f"{path}: ")) from None
    return cap, decoded


def _rsc_channels(decoded: list[DeviceData]) -> list[Channel]:
    """One ``rsc`` channel per footpod with samples (``rsc_<index>`` after the first)."""
    channels: list[Channel] = []
    for d in decoded:
        if "rsc" in d.channels and d.channels["rsc"]["t"].size:
            ch = d.channels["rsc"]
            name = "rsc" if not any(c.name == "rsc" for c in channels) else f"rsc_{d.device.index}"
            channels.append(
                Channel(
                    name=name,
                    t=ch["t"],
                    values={k: v for k, v in ch.items() if k != "t"},
                    device=_device_info(d),
                )
            )
    return channels


def _imu_streams(path: Path, decoded: list[DeviceData], options: ReadOptions) -> list[Stream]:
    """One stream per device with inertial samples, named by placement and side."""
    imu = [d for d in decoded if d.t.size > 0 and (d.acc is not None or d.gyr is not None)]
    streams: list[Stream] = []
    names: set[str] = set()
    for d in imu:
        placement, side = _identity(path, d, options, single=len(imu) == 1)
        acc = _checked_acc(path, d)
        name = placement + (f"_{side}" if side else "")
        if name in names:
            name = f"{name}_{d.device.index}"
        names.add(name)
        streams.append(
            Stream(
                placement=placement,  # type: ignore[arg-type]
                side=side,  # type: ignore[arg-type]
                t=d.t,
                acc=acc,
                gyr=d.gyr,
                rate=float(d.rate),
                device=_device_info(d),
                acc_range=d.profile.acc_range,
                gyr_range=d.profile.gyr_range,
                name=name,
                mount=d.device.info.get("mount") if placement == "phone" else None,
            )
        )
    return streams


def _identity(
    path: Path, d: DeviceData, options: ReadOptions, *, single: bool
) -> tuple[str, str | None]:
    """Placement and side of a device: recorded, else the options (which win for a single one)."""
    placement = d.device.placement or options.placement or d.profile.placement
    side = d.device.side or options.side
    if single:
        placement = options.placement or placement
        side = options.side or side
    if placement not in PLACEMENTS:
        raise InputFileError(
            path,
            f"device {d.device.index} ({d.device.name}) has no placement; pass --placement",
        )
    if side is not None and side not in SIDES:
        side = None
    return placement, side


def _checked_acc(path: Path, d: DeviceData) -> FloatArray:
    """A device's accelerometer samples, m/s²; raise unless 2 or more at increasing times."""
    who = f"device {d.device.index} ({d.device.name})"
    if d.acc is None:
        raise InputFileError(path, f"{who} sent no accelerometer samples")
    if d.t.size < 2:
        raise InputFileError(path, f"{who}: fewer than 2 samples")
    if not np.all(np.isfinite(d.t)) or not np.all(np.diff(d.t) > 0):
        raise TimeOrderError(path, f"{who}: sample times go backwards")
    return d.acc


def _session_meta(cap: Capture) -> SessionMeta:
    """Activity, athlete and start time from the capture header; its events and damage."""
    hmeta = cap.header.get("meta", {}) if isinstance(cap.header.get("meta"), dict) else {}
    activity = hmeta.get("activity", "unknown")
    athlete = hmeta.get("athlete")
    # The header schema bounds start_time_ns to the int64 range (years 1970-2262).
    start = (
        datetime.fromtimestamp(cap.start_time_ns / 1e9, tz=UTC).isoformat()
        if cap.start_time_ns
        else None
    )
    return SessionMeta(
        activity=activity if activity in ("run", "walk", "balance", "unknown") else "unknown",
        athlete=athlete if isinstance(athlete, str) else None,
        start_time=start,
        source="capture",
        notes="; ".join(cap.problems),
        extra={
            "capture": {
                "truncated": cap.truncated,
                "corrupt_records": cap.corrupt_records,
                "notifications": len(cap),
                "events": [
                    {
                        "t": (e.host_time_ns - cap.start_time_ns) / 1e9,
                        "device": e.device,
                        "kind": e.kind,
                        **e.info,
                    }
                    for e in cap.events
                ],
            }
        },
    )

"""Sensor Logger HTTP push: parse a POST body, and build one (the simulated phone).

The app POSTs one JSON object per batch period (docs/phone_protocols.md):
``{"messageId": n, "sessionId": s, "deviceId": d, "payload": [{"name": ..., "time":
<UTC epoch ns>, "values": {"x": .., "y": .., "z": ..}}, ...]}``. The parser is strict
about structure (so a hostile body is rejected with a typed error and an HTTP status)
and tolerant about details the public documentation leaves open: ``time`` as an integer
or a numeric string, the axes nested in ``values`` or flat on the entry, unknown sensors
and extra fields ignored. Nothing is evaluated: ``json.loads`` with NaN/Infinity refused.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from devices.errors import PayloadError
from devices.phone.fields import SL_ACC, SL_GRAVITY, SL_GYRO, SL_SENSORS, SL_TOTAL

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Largest accepted body, bytes (a capture record holds at most 1 MiB).
MAX_BODY = 1_000_000
#: Most entries in one batch (10 s at 500 Hz of four sensors).
MAX_ENTRIES = 20_000
#: Plausible epoch-ns window: 2001 … 2255 (the int64 ns range ends in 2262; anything
#: outside is a unit mistake or hostile).
_T_MIN, _T_MAX = 10**18, 9 * 10**18


def _reject_constant(name: str) -> float:
    raise ValueError(f"non-finite number {name}")


@dataclass
class SensorLoggerBatch:
    """One parsed push.

    Attributes
    ----------
    message_id : int or None
        ``messageId`` (incremented per message by the app).
    session_id, device_id : str or None
        Recording session and device identifiers.
    sensors : dict of str to (ndarray int64 (n,), ndarray (n, 3))
        Per known sensor (:data:`~devices.phone.fields.SL_SENSORS`): epoch ns and x, y, z,
        sorted by time.
    ignored : int
        Entries of sensors this project does not use.
    bad_entries : int
        Entries of known sensors dropped as malformed (missing axis, non-finite ...).
    """

    message_id: int | None
    session_id: str | None
    device_id: str | None
    sensors: dict[str, tuple[IntArray, FloatArray]] = field(default_factory=dict)
    ignored: int = 0
    bad_entries: int = 0

    @property
    def n_entries(self) -> int:
        """Usable entries of known sensors."""
        return sum(int(t.size) for t, _ in self.sensors.values())


def _as_int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and math.isfinite(v) and v == int(v):
        return int(v)
    if isinstance(v, str) and 0 < len(v) <= 24 and v.lstrip("-").isdigit():
        return int(v)
    return None


def _as_float(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        f = float(v)
    elif isinstance(v, str) and 0 < len(v) <= 40:
        try:
            f = float(v)
        except ValueError:
            return None
    else:
        return None
    return f if math.isfinite(f) else None


def _entry(e: Any) -> tuple[str, int, float, float, float] | None:
    """(name, t_ns, x, y, z) of a known-sensor entry; None when malformed."""
    t = _as_int(e.get("time"))
    if t is None or not _T_MIN <= t <= _T_MAX:
        return None
    vals = e.get("values", e)
    if not isinstance(vals, dict):
        return None
    xyz = [_as_float(vals.get(k)) for k in ("x", "y", "z")]
    if any(v is None for v in xyz):
        return None
    return str(e["name"]).lower(), t, xyz[0], xyz[1], xyz[2]  # type: ignore[return-value]


def parse_sensorlogger(body: bytes) -> SensorLoggerBatch:
    """Validate and parse one Sensor Logger push body.

    Parameters
    ----------
    body : bytes
        The HTTP request body (UTF-8 JSON).

    Returns
    -------
    SensorLoggerBatch

    Raises
    ------
    PayloadError
        ``too_large`` (413), ``not_json``, ``not_object``, ``no_payload``,
        ``too_many_entries``, ``bad_id`` (400).
    """
    if len(body) > MAX_BODY:
        raise PayloadError("too_large", 413, f"{len(body)} bytes > {MAX_BODY}")
    try:
        doc = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PayloadError("not_json", 400, type(exc).__name__) from None
    if not isinstance(doc, dict):
        raise PayloadError("not_object", 400, type(doc).__name__)
    payload = doc.get("payload")
    if not isinstance(payload, list):
        raise PayloadError("no_payload", 400, "'payload' must be a list")
    if len(payload) > MAX_ENTRIES:
        raise PayloadError("too_many_entries", 413, f"{len(payload)} > {MAX_ENTRIES}")
    mid_raw = doc.get("messageId")
    mid = _as_int(mid_raw) if mid_raw is not None else None
    if mid_raw is not None and (mid is None or not 0 <= mid < 2**62):
        raise PayloadError("bad_id", 400, "'messageId' must be a non-negative integer")
    ids = []
    for key in ("sessionId", "deviceId"):
        v = doc.get(key)
        ids.append(v[:200] if isinstance(v, str) else None if v is None else str(_as_int(v)))
    out = SensorLoggerBatch(mid, ids[0], ids[1])
    rows: dict[str, list[tuple[int, float, float, float]]] = {}
    for e in payload:
        name = e.get("name") if isinstance(e, dict) else None
        if not isinstance(name, str) or name.lower() not in SL_SENSORS:
            out.ignored += 1
            continue
        r = _entry(e)
        if r is None:
            out.bad_entries += 1
            continue
        rows.setdefault(r[0], []).append(r[1:])
    for name, rs in rows.items():
        t = np.array([r[0] for r in rs], dtype=np.int64)
        xyz = np.array([r[1:] for r in rs], dtype=np.float64)
        order = np.argsort(t, kind="stable")
        t, xyz = t[order], xyz[order]
        keep = np.r_[True, np.diff(t) > 0]  # repeated time stamps: the first wins
        out.bad_entries += int((~keep).sum())
        out.sensors[name] = (t[keep], xyz[keep])
    return out


def build_sensorlogger(
    message_id: int,
    session_id: str,
    device_id: str,
    sensors: dict[str, tuple[IntArray, FloatArray]],
) -> bytes:
    """One push body exactly as the app sends it (the simulated phone's side).

    Parameters
    ----------
    message_id : int
        ``messageId``.
    session_id, device_id : str
        Identifiers.
    sensors : dict of str to (ndarray int64 (n,), ndarray (n, 3))
        Per sensor name: epoch ns and x, y, z in the app's units (m/s², rad/s).

    Returns
    -------
    bytes
        UTF-8 JSON; entries grouped by sensor, in time order within each.
    """
    entries = []
    for name, (t, xyz) in sensors.items():
        for ti, (x, y, z) in zip(t.tolist(), xyz.tolist(), strict=True):
            entries.append({"name": name, "time": ti, "values": {"x": x, "y": y, "z": z}})
    doc = {
        "messageId": int(message_id),
        "sessionId": session_id,
        "deviceId": device_id,
        "payload": entries,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


__all__ = [
    "MAX_BODY",
    "MAX_ENTRIES",
    "SL_ACC",
    "SL_GRAVITY",
    "SL_GYRO",
    "SL_TOTAL",
    "SensorLoggerBatch",
    "build_sensorlogger",
    "parse_sensorlogger",
]

"""Movesense GATT SensorData Protocol (GSP).

Notifications on the data characteristic: ``[type u8][ref u8][payload]``. Type 1
COMMAND_RESULT carries a uint16 status (200/201 ok); type 2 DATA carries
``uint32 timestamp (ms, sensor clock, first sample)`` then, for ``/Meas/IMU6``,
N × float32 acc x,y,z (m/s²) followed by N × float32 gyro x,y,z (deg/s); for
``/Meas/Acc`` and ``/Meas/Gyro`` one block only. Type 3 DATA_PART2 is not used.

``[decoder_params]``: ``resource`` (``"IMU6"``, ``"Acc"`` or ``"Gyro"``), ``ref`` (the
client's subscription reference, 1..255), ``samples_per_packet`` (encoder, 1..10).
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from devices.decoders.base import (
    DEG,
    BadPacket,
    ControlResponse,
    Decoder,
    DecoderProfile,
    Encoder,
    FloatArray,
    Ignored,
    Packet,
    Samples,
)
from devices.errors import ProfileError

COMMAND_RESULT, DATA, DATA_PART2 = 1, 2, 3
HELLO, SUBSCRIBE, UNSUBSCRIBE = 0, 1, 2
RESOURCES = {"IMU6": 2, "Acc": 1, "Gyro": 1}


def _params(profile: DecoderProfile) -> dict[str, Any]:
    p = dict(profile.decoder_params)

    def err(key: str, problem: str) -> ProfileError:
        return ProfileError(f"key 'decoder_params.{key}': {problem}")

    res = p.get("resource", "IMU6")
    if res not in RESOURCES:
        raise err("resource", f"must be one of {list(RESOURCES)}, got {res!r}")
    ref = p.get("ref", 99)
    if not isinstance(ref, int) or isinstance(ref, bool) or not 1 <= ref <= 255:
        raise err("ref", f"must be 1..255, got {ref!r}")
    spp = p.get("samples_per_packet", 8)
    if not isinstance(spp, int) or isinstance(spp, bool) or not 1 <= spp <= 10:
        raise err("samples_per_packet", f"must be 1..10, got {spp!r}")
    return {"resource": res, "ref": ref, "samples_per_packet": spp}


def validate_params(profile: DecoderProfile) -> None:
    """Check a Movesense profile's ``decoder_params`` (raises ProfileError)."""
    _params(profile)


class MovesenseDecoder(Decoder):
    """Decoder of GSP notifications (data and command results share one characteristic)."""

    def __init__(self, profile: DecoderProfile) -> None:
        super().__init__(profile)
        p = _params(profile)
        self.resource = p["resource"]
        self.ref = p["ref"]
        self._wraps = 0
        self._last_ms: int | None = None
        self._next_t: float | None = None

    def _decode(self, payload: bytes, host_time: float, role: str) -> Samples | None:
        if len(payload) < 2:
            raise BadPacket("short")
        if payload[0] != DATA:
            self._not_data(payload, role)
            return None
        if payload[1] != self.ref:
            raise Ignored("other subscription")
        ms, vals = self._unpack(payload)
        n = vals.shape[1]
        rate = float(self.profile.rate)
        t0 = self._first_sample_time(ms, n, rate)
        dev_t = t0 + np.arange(n) / rate
        acc = gyr = None
        if self.resource == "IMU6":
            acc, gyr = vals[0], vals[1] * DEG
        elif self.resource == "Acc":
            acc = vals[0]
        else:
            gyr = vals[0] * DEG
        sensor = {"IMU6": "imu", "Acc": "acc", "Gyro": "gyr"}[self.resource]
        return Samples(sensor=sensor, host_time=host_time, acc=acc, gyr=gyr, device_time=dev_t)

    def _not_data(self, payload: bytes, role: str) -> None:
        """Take a command result that shares the data characteristic; refuse anything else."""
        kind = payload[0]
        if kind == COMMAND_RESULT:
            resp = self._response(payload, role)
            if resp is not None:
                self.stats.responses += 1
                self.responses.append(resp)
            return
        if kind == DATA_PART2:
            raise Ignored("DATA_PART2")
        raise BadPacket("notification type")

    def _unpack(self, payload: bytes) -> tuple[int, FloatArray]:
        """Sensor time stamp (ms) and values, shape (blocks, n, 3), of a DATA packet."""
        blocks = RESOURCES[self.resource]
        body = len(payload) - 6
        if body <= 0 or body % (12 * blocks):
            raise BadPacket("length")
        n = body // (12 * blocks)
        (ms,) = struct.unpack_from("<I", payload, 2)
        with np.errstate(invalid="ignore"):  # NaN bit patterns are rejected just below
            vals = (
                np.frombuffer(payload, dtype="<f4", offset=6)
                .astype(np.float64)
                .reshape(blocks, n, 3)
            )
        if not np.all(np.isfinite(vals)):
            raise BadPacket("non-finite value")
        return ms, vals

    def _first_sample_time(self, ms: int, n: int, rate: float) -> float:
        """Device time of a packet's first sample, s; counts gaps in the sensor clock."""
        # Unwrap the 32-bit millisecond clock (wraps after 49.7 days).
        if self._last_ms is not None and ms < self._last_ms and self._last_ms - ms > 1 << 31:
            self._wraps += 1
        self._last_ms = ms
        t0 = (ms + self._wraps * (1 << 32)) * 1e-3
        if self._next_t is not None and abs(t0 - self._next_t) > 1.5 / rate:
            self.stats.counter_gaps += 1
            if t0 > self._next_t:
                self.stats.lost_samples += round((t0 - self._next_t) * rate)
        elif self._next_t is not None:
            # Stamps have 1 ms resolution: follow them loosely (a first-order loop) so
            # the sample clock stays smooth yet tracks a sensor running off nominal rate.
            t0 = self._next_t + 0.05 * (t0 - self._next_t)
        self._next_t = t0 + n / rate
        return t0

    def _response(self, payload: bytes, _role: str) -> ControlResponse | None:
        if len(payload) < 4 or payload[0] != COMMAND_RESULT:
            raise BadPacket("not a command result")
        if payload[2:7] == b"Hello":
            return ControlResponse(True, HELLO, 200, "Hello", payload)
        (status,) = struct.unpack_from("<H", payload, 2)
        return ControlResponse(200 <= status < 300, payload[1], status, f"status {status}", payload)


class MovesenseEncoder(Encoder):
    """Encoder of GSP DATA notifications and command results."""

    def __init__(
        self, profile: DecoderProfile, rate: float | None = None, device_clock: float = 0.0
    ) -> None:
        super().__init__(profile, rate, device_clock)
        p = _params(profile)
        self.resource = p["resource"]
        self.ref = p["ref"]
        self.spp = p["samples_per_packet"]
        self._pending: tuple[FloatArray, FloatArray | None, FloatArray | None] | None = None

    def encode(
        self,
        t: FloatArray,
        acc: FloatArray | None = None,
        gyr: FloatArray | None = None,
        values: dict[str, FloatArray] | None = None,  # noqa: ARG002 (Encoder.encode; IMU only)
    ) -> list[Packet]:
        """DATA packets of ``samples_per_packet`` samples (float32, acc m/s², gyro deg/s)."""
        t = np.asarray(t, dtype=np.float64)
        n = t.size
        a = np.zeros((n, 3)) if acc is None else np.asarray(acc, dtype=np.float64).reshape(n, 3)
        g = np.zeros((n, 3)) if gyr is None else np.asarray(gyr, dtype=np.float64).reshape(n, 3)
        if self._pending is not None:
            pt, pa, pg = self._pending
            t, a, g = np.concatenate([pt, t]), np.concatenate([pa, a]), np.concatenate([pg, g])
            self._pending = None
        full = (t.size // self.spp) * self.spp
        if full < t.size:
            self._pending = (t[full:], a[full:], g[full:])
        return [
            self._packet(t[s : s + self.spp], a[s : s + self.spp], g[s : s + self.spp])
            for s in range(0, full, self.spp)
        ]

    def _packet(self, t: FloatArray, a: FloatArray, g: FloatArray) -> Packet:
        ms = round((self.device_clock + float(t[0])) * 1000.0) & 0xFFFFFFFF
        if self.resource == "IMU6":
            body = np.concatenate([a, g / DEG]).astype("<f4").tobytes()
        elif self.resource == "Acc":
            body = a.astype("<f4").tobytes()
        else:
            body = (g / DEG).astype("<f4").tobytes()
        return Packet(float(t[-1]), "data", bytes([DATA, self.ref]) + struct.pack("<I", ms) + body)

    def flush(self) -> list[Packet]:
        """Send the buffered remainder as a short packet."""
        if self._pending is None:
            return []
        pt, pa, pg = self._pending
        self._pending = None
        assert pa is not None
        assert pg is not None
        return [self._packet(pt, pa, pg)] if pt.size else []

    def respond(self, char: str, data: bytes) -> list[Packet]:
        """Command results of control writes, on the data characteristic.

        HELLO → ``01 ref 'Hello'``; SUBSCRIBE/UNSUBSCRIBE → ``01 ref <200 u16>`` (404 for a
        SUBSCRIBE to another resource path).
        """
        if char != "control" or len(data) < 2:
            return []
        cmd, ref = data[0], data[1]
        if cmd == HELLO:
            body = b"Hello"
        elif cmd == SUBSCRIBE:
            path = data[2:].decode("ascii", "replace")
            ok = path.startswith(f"/Meas/{self.resource}/")
            body = struct.pack("<H", 200 if ok else 404)
        elif cmd == UNSUBSCRIBE:
            body = struct.pack("<H", 200)
        else:
            body = struct.pack("<H", 400)
        return [Packet(0.0, "data", bytes([COMMAND_RESULT, ref]) + body)]

    def quantum(self) -> dict[str, float]:
        """float32 relative precision, as an absolute bound at full scale."""
        acc = (self.profile.acc_range or 160.0) * 2.0**-23
        gyr = (self.profile.gyr_range or 35.0) * 2.0**-23
        return {"acc": acc, "gyr": gyr}


def make_decoder(profile: DecoderProfile) -> Decoder:
    """Movesense decoder for ``profile``."""
    return MovesenseDecoder(profile)


def make_encoder(
    profile: DecoderProfile, rate: float | None = None, device_clock: float = 0.0
) -> Encoder:
    """Movesense encoder for ``profile``."""
    return MovesenseEncoder(profile, rate, device_clock)

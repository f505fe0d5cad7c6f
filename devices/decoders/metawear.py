"""MbientLab MetaWear / MetaMotion (Bosch BMI160 / BMI270) accelerometer and gyroscope.

Every notification is ``[module u8][register u8][payload]``. Data signals:

* accelerometer (module 0x03): ``acc_register`` (0x04) = one sample ``x y z`` int16,
  ``acc_packed_register`` (BMI160 0x1C, BMI270 0x05) = three samples;
* gyroscope (module 0x13): ``gyr_register`` (BMI160 0x05, BMI270 0x04) and
  ``gyr_packed_register`` (BMI160 0x07, BMI270 0x05).

Other notifications are responses (register with bit 0x80 set: a read answer, such as
the module-info reply) and are parsed as :class:`ControlResponse`. There is no device
time stamp: times come from arrival times (see :mod:`devices.timestamps`).

``[decoder_params]``: ``acc_lsb_per_g`` (16384/8192/4096/2048 for ±2/4/8/16 g),
``gyr_lsb_per_dps`` (e.g. 16.4 for ±2000 dps), the four register numbers above,
``packed`` (encoder: send packed registers), ``chip`` (informational).
"""

from __future__ import annotations

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
from devices.units import G

ACC_MODULE, GYR_MODULE = 0x03, 0x13
DEFAULTS: dict[str, Any] = {
    "acc_lsb_per_g": 4096.0,
    "gyr_lsb_per_dps": 16.4,
    "acc_register": 0x04,
    "acc_packed_register": 0x1C,
    "gyr_register": 0x05,
    "gyr_packed_register": 0x07,
    "packed": True,
}


def _params(profile: DecoderProfile) -> dict[str, Any]:
    p = {**DEFAULTS, **dict(profile.decoder_params)}

    def err(key: str, problem: str) -> ProfileError:
        return ProfileError(f"key 'decoder_params.{key}': {problem}")

    for k in ("acc_lsb_per_g", "gyr_lsb_per_dps"):
        v = p[k]
        if not isinstance(v, int | float) or isinstance(v, bool) or not v > 0:
            raise err(k, f"must be a positive number, got {v!r}")
    regs = [
        p[k] for k in ("acc_register", "acc_packed_register", "gyr_register", "gyr_packed_register")
    ]
    for k, v in zip(
        ("acc_register", "acc_packed_register", "gyr_register", "gyr_packed_register"),
        regs,
        strict=True,
    ):
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < 0x40:
            raise err(k, f"must be a register number 0..0x3f, got {v!r}")
    if p["acc_register"] == p["acc_packed_register"]:
        raise err("acc_packed_register", "data and packed registers must differ")
    if p["gyr_register"] == p["gyr_packed_register"]:
        raise err("gyr_packed_register", "data and packed registers must differ")
    if not isinstance(p["packed"], bool):
        raise err("packed", "must be true or false")
    return p


def validate_params(profile: DecoderProfile) -> None:
    """Check a MetaWear profile's ``decoder_params`` (raises ProfileError)."""
    _params(profile)


class MetaWearDecoder(Decoder):
    """Decoder of MetaWear data signals and register responses."""

    def __init__(self, profile: DecoderProfile) -> None:
        super().__init__(profile)
        p = _params(profile)
        self.acc_lsb = G / float(p["acc_lsb_per_g"])
        self.gyr_lsb = DEG / float(p["gyr_lsb_per_dps"])
        self.signals = {
            (ACC_MODULE, p["acc_register"]): ("acc", 1),
            (ACC_MODULE, p["acc_packed_register"]): ("acc", 3),
            (GYR_MODULE, p["gyr_register"]): ("gyr", 1),
            (GYR_MODULE, p["gyr_packed_register"]): ("gyr", 3),
        }

    def _decode(self, payload: bytes, host_time: float, role: str) -> Samples | None:
        if len(payload) < 2:
            raise BadPacket("short")
        key = (payload[0], payload[1])
        sig = self.signals.get(key)
        if sig is None:
            resp = self._response(payload, role)
            if resp is not None:
                self.stats.responses += 1
                self.responses.append(resp)
            return None
        kind, n = sig
        if len(payload) != 2 + 6 * n:
            raise BadPacket("length")
        raw = np.frombuffer(payload, dtype="<i2", offset=2).reshape(n, 3).astype(np.float64)
        if kind == "acc":
            return Samples(sensor="acc", host_time=host_time, acc=raw * self.acc_lsb)
        return Samples(sensor="gyr", host_time=host_time, gyr=raw * self.gyr_lsb)

    def _response(self, payload: bytes, _role: str) -> ControlResponse | None:
        if len(payload) < 2:
            raise BadPacket("short")
        module, reg = payload[0], payload[1]
        if reg & 0x80:
            return ControlResponse(
                True, reg & 0x3F, 0, f"module 0x{module:02x} register 0x{reg & 0x3F:02x}", payload
            )
        raise Ignored("unsubscribed signal")


class MetaWearEncoder(Encoder):
    """Encoder of MetaWear acc/gyro data notifications (packed or single)."""

    def __init__(
        self, profile: DecoderProfile, rate: float | None = None, device_clock: float = 0.0
    ) -> None:
        super().__init__(profile, rate, device_clock)
        p = _params(profile)
        self.p = p
        self.acc_lsb = G / float(p["acc_lsb_per_g"])
        self.gyr_lsb = DEG / float(p["gyr_lsb_per_dps"])
        self.per = 3 if p["packed"] else 1
        self._pending: dict[str, tuple[FloatArray, FloatArray]] = {}

    def _packets(self, kind: str, t: FloatArray, x: FloatArray) -> list[Packet]:
        lsb = self.acc_lsb if kind == "acc" else self.gyr_lsb
        q = np.clip(np.round(x / lsb), -32768, 32767).astype("<i2")
        module = ACC_MODULE if kind == "acc" else GYR_MODULE
        reg = self.p[f"{kind}_packed_register" if self.per == 3 else f"{kind}_register"]
        size = 6 * self.per
        buf = q.tobytes()
        head = bytes([module, reg])
        return [
            Packet(float(t[i + self.per - 1]), "data", head + buf[i * 6 : i * 6 + size])
            for i in range(0, t.size - self.per + 1, self.per)
        ]

    def encode(
        self,
        t: FloatArray,
        acc: FloatArray | None = None,
        gyr: FloatArray | None = None,
        values: dict[str, FloatArray] | None = None,  # noqa: ARG002 (Encoder.encode; IMU only)
    ) -> list[Packet]:
        """Acc and gyro notifications, interleaved in time order."""
        t = np.asarray(t, dtype=np.float64)
        out: list[Packet] = []
        for kind, data in (("acc", acc), ("gyr", gyr)):
            if data is None or kind not in self.profile.streams:
                continue
            x = np.asarray(data, dtype=np.float64).reshape(-1, 3)
            tt = t
            if kind in self._pending:
                pt, px = self._pending.pop(kind)
                tt, x = np.concatenate([pt, tt]), np.concatenate([px, x])
            full = (tt.size // self.per) * self.per
            if full < tt.size:
                self._pending[kind] = (tt[full:], x[full:])
            out.extend(self._packets(kind, tt[:full], x[:full]))
        out.sort(key=lambda p: p.t)
        return out

    def respond(self, char: str, data: bytes) -> list[Packet]:
        """Answer register reads (bit 0x80) with module info.

        The answer is ``[module, 0x80, implementation, revision]``.
        """
        if char != "control" or len(data) < 2 or not data[1] & 0x80:
            return []
        impl = 1 if str(self.p.get("chip", "BMI160")).upper() == "BMI160" else 4
        if data[1] == 0x80:
            return [Packet(0.0, "data", bytes([data[0], 0x80, impl, 1]))]
        return [Packet(0.0, "data", bytes([data[0], data[1]]) + b"\x00")]

    def quantum(self) -> dict[str, float]:
        """LSB of acc (m/s²) and gyr (rad/s)."""
        return {"acc": self.acc_lsb, "gyr": self.gyr_lsb}


def make_decoder(profile: DecoderProfile) -> Decoder:
    """MetaWear decoder for ``profile``."""
    return MetaWearDecoder(profile)


def make_encoder(
    profile: DecoderProfile, rate: float | None = None, device_clock: float = 0.0
) -> Encoder:
    """MetaWear encoder for ``profile``."""
    return MetaWearEncoder(profile, rate, device_clock)

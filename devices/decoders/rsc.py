"""Bluetooth SIG Running Speed and Cadence (RSC Measurement 0x2A53, SC Control Point 0x2A55).

Measurement: ``flags u8, speed u16 (1/256 m/s), cadence u8 (1/min)``, then
``stride length u16 (cm)`` if flag bit0 and ``total distance u32 (dm)`` if flag bit1.
Control point responses are indications ``10 <request opcode> <result>``.

No decoder parameters.
"""

from __future__ import annotations

import struct

import numpy as np

from devices.decoders.base import (
    BadPacket,
    ControlResponse,
    Decoder,
    DecoderProfile,
    Encoder,
    FloatArray,
    Packet,
    Samples,
)

RESULTS = {1: "success", 2: "opcode not supported", 3: "invalid parameter", 4: "operation failed"}


def validate_params(profile: DecoderProfile) -> None:
    """RSC takes no parameters; nothing to check."""


def decode_measurement(payload: bytes) -> dict[str, float]:
    """Decode one RSC Measurement value.

    Parameters
    ----------
    payload : bytes
        4 to 10 bytes.

    Returns
    -------
    dict
        ``speed`` m/s, ``cadence`` steps/min, ``stride_length`` m, ``distance`` m
        (NaN when absent), ``running`` 1.0/0.0.

    Raises
    ------
    BadPacket
        Wrong length for the flags.
    """
    if len(payload) < 4:
        raise BadPacket("short")
    flags = payload[0]
    want = 4 + 2 * (flags & 1) + 4 * ((flags >> 1) & 1)
    if len(payload) != want:
        raise BadPacket("length does not match flags")
    speed, cadence = struct.unpack_from("<HB", payload, 1)
    off = 4
    stride = np.nan
    dist = np.nan
    if flags & 1:
        stride = struct.unpack_from("<H", payload, off)[0] / 100.0
        off += 2
    if flags & 2:
        dist = struct.unpack_from("<I", payload, off)[0] / 10.0
    return {
        "speed": speed / 256.0,
        "cadence": float(cadence),
        "stride_length": stride,
        "distance": dist,
        "running": float((flags >> 2) & 1),
    }


class RSCDecoder(Decoder):
    """Decoder of RSC measurements and SC control point responses."""

    def _decode(self, payload: bytes, host_time: float, _role: str) -> Samples | None:
        v = decode_measurement(payload)
        return Samples(
            sensor="rsc",
            host_time=host_time,
            values={k: np.array([x], dtype=np.float64) for k, x in v.items()},
        )

    def _response(self, payload: bytes, _role: str) -> ControlResponse | None:
        if len(payload) < 3 or payload[0] != 0x10:
            raise BadPacket("not an SC control point response")
        res = payload[2]
        return ControlResponse(
            res == 1, payload[1], res, RESULTS.get(res, f"result {res}"), payload
        )


class RSCEncoder(Encoder):
    """One RSC Measurement per entry of ``t`` (footpods send about one per second)."""

    def encode(
        self,
        t: FloatArray,
        acc: FloatArray | None = None,  # noqa: ARG002 (Encoder.encode; RSC sends no IMU)
        gyr: FloatArray | None = None,  # noqa: ARG002 (Encoder.encode; RSC sends no IMU)
        values: dict[str, FloatArray] | None = None,
    ) -> list[Packet]:
        """Encode RSC values; see :meth:`Encoder.encode`.

        Needs ``values['speed']`` and ``values['cadence']``.
        """
        vals = values or {}
        t = np.asarray(t, dtype=np.float64)
        n = t.size
        speed = np.clip(
            np.round(np.asarray(vals.get("speed", np.zeros(n))) * 256), 0, 0xFFFF
        ).astype(int)
        cad = np.clip(np.round(np.asarray(vals.get("cadence", np.zeros(n)))), 0, 0xFF).astype(int)
        stride = vals.get("stride_length")
        dist = vals.get("distance")
        running = vals.get("running")
        run = (
            (np.asarray(vals.get("speed", np.zeros(n))) >= 2.0)
            if running is None
            else np.asarray(running) > 0
        )
        out = []
        for i in range(n):  # one packet per ~1 s measurement: loop length is tiny
            flags = 4 * int(run[i])
            tail = b""
            if stride is not None and np.isfinite(stride[i]):
                flags |= 1
                tail += struct.pack("<H", int(np.clip(round(stride[i] * 100), 0, 0xFFFF)))
            if dist is not None and np.isfinite(dist[i]):
                flags |= 2
                tail += struct.pack("<I", int(np.clip(round(dist[i] * 10), 0, 0xFFFFFFFF)))
            out.append(
                Packet(float(t[i]), "data", struct.pack("<BHB", flags, speed[i], cad[i]) + tail)
            )
        return out

    def respond(self, char: str, data: bytes) -> list[Packet]:
        """SC control point: answer ``10 <opcode> <result>``; opcodes 1–4 succeed."""
        if char != "control" or not data:
            return []
        res = 1 if data[0] in (1, 2, 3, 4) else 2
        extra = bytes([1, 2, 3]) if data[0] == 4 and res == 1 else b""
        return [Packet(0.0, "control", bytes([0x10, data[0], res]) + extra)]

    def quantum(self) -> dict[str, float]:
        """LSB sizes: speed 1/256 m/s, cadence 1/min, stride 1 cm, distance 1 dm."""
        return {"speed": 1 / 256, "cadence": 1.0, "stride_length": 0.01, "distance": 0.1}


def make_decoder(profile: DecoderProfile) -> Decoder:
    """RSC decoder for ``profile``."""
    return RSCDecoder(profile)


def make_encoder(
    profile: DecoderProfile, rate: float | None = None, device_clock: float = 0.0
) -> Encoder:
    """RSC encoder for ``profile``."""
    return RSCEncoder(profile, rate, device_clock)

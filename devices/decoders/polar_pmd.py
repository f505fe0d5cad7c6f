"""Polar Measurement Data (PMD): H10 and Verity Sense accelerometer and gyroscope.

Data notification: ``type u8, timestamp u64 (ns since 2000-01-01, last sample),
frame_type u8 (bit7 = delta-compressed), payload``. Decoded:

* ACC raw frame types 0/1/2: 3 × int8/int16/int24, mg.
* ACC compressed 0x81: delta frames of int16 × FACTOR, mg; 0x80: × FACTOR × 1000 (g → mg).
* GYRO compressed 0x80: int16 × FACTOR, deg/s; 0x81: float32 bit patterns, deg/s.

Control point indications ``F0 <op> <type> <status> <more> <settings TLV>`` are parsed;
a FACTOR in a START response replaces the profile's default factor.

``[decoder_params]``: ``measurements`` (``["acc"]`` or ``["acc", "gyr"]``), ``acc_frame`` and
``gyr_frame`` (frame type the device sends, e.g. ``1`` or ``0x81``), ``acc_factor``,
``gyr_factor`` (default FACTOR), ``samples_per_frame`` (encoder), ``block_samples``
(encoder: samples per delta block), ``acc_rate``/``gyr_rate`` (Hz, default profile rate).
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
from devices.units import G

ACC, GYRO = 2, 5
KIND = {ACC: "acc", GYRO: "gyr"}
TYPE_OF = {"acc": ACC, "gyr": GYRO}
#: Nanoseconds from the Unix epoch to the Polar epoch 2000-01-01T00:00:00Z.
POLAR_EPOCH_NS = 946_684_800_000_000_000
HEADER = 10
#: Frames closer than this many nominal frame durations are spread evenly over the time
#: since the previous frame; a longer interval is a gap (lost frames).
SPREAD_BELOW = 1.5
MG = G / 1000.0
STATUS = {
    0: "success",
    1: "invalid opcode",
    2: "invalid measurement type",
    3: "not supported",
    4: "invalid length",
    5: "invalid parameter",
    6: "already in state",
    7: "invalid resolution",
    8: "invalid sample rate",
    9: "invalid range",
    10: "invalid MTU",
    11: "invalid number of channels",
    12: "invalid state",
    13: "device in charger",
    14: "disk full",
}
#: Setting type → value size in bytes (SAMPLE_RATE, RESOLUTION, RANGE, RANGE_MILLIUNIT,
#: CHANNELS, FACTOR, SECURITY).
SETTING_SIZE = {0: 2, 1: 2, 2: 2, 3: 4, 4: 1, 5: 4, 6: 16}
SAMPLE_RATE, RESOLUTION, RANGE, RANGE_MILLIUNIT, CHANNELS, FACTOR, SECURITY = range(7)


def parse_settings(data: bytes) -> dict[int, list[float]]:
    """Parse a settings TLV list.

    Parameters
    ----------
    data : bytes
        ``<type u8> <count u8> <count × value>`` repeated.

    Returns
    -------
    dict of int to list
        Setting type → values (FACTOR decoded as float32).

    Raises
    ------
    BadPacket
        Unknown setting type or truncated list.
    """
    out: dict[int, list[float]] = {}
    off = 0
    while off < len(data):
        if off + 2 > len(data):
            raise BadPacket("truncated settings")
        st, cnt = data[off], data[off + 1]
        off += 2
        size = SETTING_SIZE.get(st)
        if size is None:
            raise BadPacket("unknown setting type")
        if off + size * cnt > len(data):
            raise BadPacket("truncated settings")
        vals: list[float] = []
        for i in range(cnt):
            chunk = data[off + i * size : off + (i + 1) * size]
            if st == FACTOR:
                vals.append(struct.unpack("<f", chunk)[0])
            elif st == SECURITY:
                vals.append(float(len(chunk)))
            else:
                vals.append(float(int.from_bytes(chunk, "little")))
        out[st] = vals
        off += size * cnt
    return out


def build_settings(settings: dict[int, list[float]]) -> bytes:
    """Inverse of :func:`parse_settings` (FACTOR as float32, others as unsigned ints)."""
    out = b""
    for st, vals in settings.items():
        out += bytes([st, len(vals)])
        for v in vals:
            if st == FACTOR:
                out += struct.pack("<f", v)
            else:
                out += int(v).to_bytes(SETTING_SIZE[st], "little")
    return out


def decode_deltas(payload: bytes, channels: int = 3, resolution: int = 16) -> np.ndarray:
    """Reconstruct integer samples of a delta-compressed PMD payload.

    Parameters
    ----------
    payload : bytes
        Frame payload after the 10-byte header.
    channels : int
        Values per sample.
    resolution : int
        Bits of the reference sample (16 for ACC/GYRO, 32 for float frames).

    Returns
    -------
    ndarray of int64, shape (n, channels)
        Reference sample followed by every reconstructed sample.

    Raises
    ------
    BadPacket
        Truncated reference or block, or an impossible bit width.
    """
    rb = (resolution + 7) // 8
    ref_len = channels * rb
    if len(payload) < ref_len:
        raise BadPacket("short reference sample")
    raw = (
        np.frombuffer(payload, dtype=np.uint8, count=ref_len).reshape(channels, rb).astype(np.int64)
    )
    ref = (raw << (8 * np.arange(rb))).sum(axis=1)
    ref = np.where(ref >= (1 << (8 * rb - 1)), ref - (1 << (8 * rb)), ref)
    parts = [ref[None, :]]
    off = ref_len
    buf = np.frombuffer(payload, dtype=np.uint8)
    while off < len(payload):
        if off + 2 > len(payload):
            raise BadPacket("truncated block header")
        bw, cnt = payload[off], payload[off + 1]
        off += 2
        if not 1 <= bw <= 32 or cnt == 0:
            raise BadPacket("bad delta block")
        nbits = bw * channels * cnt
        nbytes = (nbits + 7) // 8
        if off + nbytes > len(payload):
            raise BadPacket("truncated block")
        bits = np.unpackbits(buf[off : off + nbytes], bitorder="little")[:nbits]
        vals = (bits.reshape(-1, bw).astype(np.int64) << np.arange(bw, dtype=np.int64)).sum(axis=1)
        if bw > 1:
            # Two's complement; a 1-bit delta is unsigned in the Polar SDK and polar-python.
            vals = np.where(vals >= (1 << (bw - 1)), vals - (1 << bw), vals)
        parts.append(vals.reshape(cnt, channels))
        off += nbytes
    allv = np.concatenate(parts, axis=0)
    return np.cumsum(allv, axis=0)


def encode_deltas(values: np.ndarray, block_samples: int = 255, resolution: int = 16) -> bytes:
    """Delta-compress integer samples the way a Polar device does.

    Parameters
    ----------
    values : ndarray of int, shape (n, channels)
        Samples; the first becomes the reference.
    block_samples : int
        Largest number of deltas per block (1..255).
    resolution : int
        Reference sample bits.

    Returns
    -------
    bytes
        Payload for a compressed frame (after the 10-byte header).
    """
    v = np.asarray(values, dtype=np.int64)
    rb = (resolution + 7) // 8
    out = [
        (v[0] & ((1 << (8 * rb)) - 1)).astype("<u8").view(np.uint8).reshape(-1, 8)[:, :rb].tobytes()
    ]
    d = np.diff(v, axis=0)
    for s in range(0, d.shape[0], block_samples):
        blk = d[s : s + block_samples]
        m = int(max(np.max(blk), -np.min(blk) - 1, 0))
        # Smallest two's-complement width holding every delta; never 1 (unsigned there).
        bw = max(2, m.bit_length() + 1)
        bits = ((blk.reshape(-1, 1) >> np.arange(bw, dtype=np.int64)) & 1).astype(np.uint8).ravel()
        out.append(bytes([bw, blk.shape[0]]) + np.packbits(bits, bitorder="little").tobytes())
    return b"".join(out)


def _int24(b: np.ndarray) -> np.ndarray:
    v = (
        b[:, 0].astype(np.int64)
        | (b[:, 1].astype(np.int64) << 8)
        | (b[:, 2].astype(np.int64) << 16)
    )
    return np.where(v >= 1 << 23, v - (1 << 24), v)


def _params(profile: DecoderProfile) -> dict[str, Any]:
    p = dict(profile.decoder_params)

    def err(key: str, problem: str) -> ProfileError:
        return ProfileError(f"key 'decoder_params.{key}': {problem}")

    meas = p.get("measurements", ["acc"])
    if not (isinstance(meas, list) and meas and all(m in TYPE_OF for m in meas)):
        raise err("measurements", f"must list 'acc' and/or 'gyr', got {meas!r}")
    frames = {"acc": (0, 1, 2, 0x80, 0x81), "gyr": (0x80, 0x81)}
    for m in meas:
        fr = p.get(f"{m}_frame", 1 if m == "acc" else 0x80)
        if fr not in frames[m]:
            raise err(f"{m}_frame", f"must be one of {list(frames[m])}, got {fr!r}")
        f = p.get(f"{m}_factor", 1.0)
        if not isinstance(f, int | float) or isinstance(f, bool) or not f > 0:
            raise err(f"{m}_factor", f"must be a positive number, got {f!r}")
        r = p.get(f"{m}_rate", profile.rate)
        if not isinstance(r, int | float) or not r > 0:
            raise err(f"{m}_rate", f"must be a positive number, got {r!r}")
    spf = p.get("samples_per_frame", 36)
    if not isinstance(spf, int) or not 1 <= spf <= 255:
        raise err("samples_per_frame", f"must be 1..255, got {spf!r}")
    bs = p.get("block_samples", 255)
    if not isinstance(bs, int) or not 1 <= bs <= 255:
        raise err("block_samples", f"must be 1..255, got {bs!r}")
    return p


def validate_params(profile: DecoderProfile) -> None:
    """Check a PMD profile's ``decoder_params`` (raises ProfileError)."""
    _params(profile)


class PMDDecoder(Decoder):
    """Decoder of PMD data frames and control point responses."""

    def __init__(self, profile: DecoderProfile) -> None:
        super().__init__(profile)
        p = _params(profile)
        self.measurements = tuple(p.get("measurements", ["acc"]))
        self.factor = {m: float(p.get(f"{m}_factor", 1.0)) for m in TYPE_OF}
        self.rate = {m: float(p.get(f"{m}_rate", profile.rate)) for m in TYPE_OF}
        self._last_ts: dict[int, int] = {}
        self._more: bytes = b""
        #: Settings returned by the last GET/START response per measurement type.
        self.settings: dict[int, dict[int, list[float]]] = {}

    def data_roles(self) -> tuple[str, ...]:
        """Samples come on ``data``."""
        return ("data",)

    def _values(self, mtype: int, ftype: int, body: bytes) -> np.ndarray:
        """Frame payload → (n, 3) float array in mg (ACC) or deg/s (GYRO)."""
        kind = KIND[mtype]
        f = self.factor[kind]
        if ftype & 0x80:
            num = ftype & 0x7F
            if mtype == GYRO and num == 1:
                ints = decode_deltas(body, 3, 32)
                with np.errstate(invalid="ignore"):  # NaN patterns are rejected by the caller
                    vals = (ints & 0xFFFFFFFF).astype(np.uint32).view(np.float32).astype(np.float64)
            elif num in (0, 1):
                vals = decode_deltas(body, 3, 16).astype(np.float64)
                if mtype == ACC and num == 0:
                    vals = vals * (f * 1000.0)  # type 0x80 arrives in g
                elif f != 1.0:
                    vals = vals * f
            else:
                raise Ignored("frame type")
            return vals
        if mtype != ACC:
            raise Ignored("frame type")
        width = {0: 1, 1: 2, 2: 3}.get(ftype)
        if width is None:
            raise Ignored("frame type")
        if len(body) == 0 or len(body) % (3 * width):
            raise BadPacket("length")
        if width == 3:
            b = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3)
            return _int24(b).reshape(-1, 3).astype(np.float64)
        return (
            np.frombuffer(body, dtype="<i1" if width == 1 else "<i2")
            .reshape(-1, 3)
            .astype(np.float64)
        )

    def _decode(self, payload: bytes, host_time: float, _role: str) -> Samples | None:
        if len(payload) < HEADER + 1:
            raise BadPacket("short")
        mtype = payload[0]
        if mtype not in KIND:
            if mtype & 0x3F <= 14:
                raise Ignored("measurement type")
            raise BadPacket("measurement type")
        kind = KIND[mtype]
        if kind not in self.measurements:
            raise Ignored("measurement not in profile")
        (ts,) = struct.unpack_from("<Q", payload, 1)
        vals = self._values(mtype, payload[9], payload[HEADER:])
        if not np.all(np.isfinite(vals)):
            raise BadPacket("non-finite value")
        n = vals.shape[0]
        dt = 1e9 / self.rate[kind]
        prev = self._last_ts.get(mtype)
        k = np.arange(n, dtype=np.float64)
        if prev is not None and ts > prev and ts - prev < SPREAD_BELOW * n * dt:
            # As the Polar SDK: spread the samples evenly since the previous frame. Also when
            # the frames come closer than nominal (a device sampling faster than it was
            # asked, or its clock being corrected): counting back at the nominal period from
            # the last sample would put the first samples before the previous frame's.
            tns = prev + (ts - prev) * (k + 1) / n
        else:
            if prev is not None:
                self.stats.counter_gaps += 1
                if ts > prev:
                    self.stats.lost_samples += max(0, round((ts - prev) / dt) - n)
            tns = ts - (n - 1 - k) * dt
        self._last_ts[mtype] = ts
        scale = MG if mtype == ACC else DEG
        arr = vals * scale
        return Samples(
            sensor=kind,
            host_time=host_time,
            acc=arr if kind == "acc" else None,
            gyr=arr if kind == "gyr" else None,
            device_time=tns * 1e-9,
        )

    def _response(self, payload: bytes, _role: str) -> ControlResponse | None:
        if not payload:
            raise BadPacket("empty")
        head = payload[0]
        if head == 0x0F:
            return ControlResponse(True, 0x0F, 0, "features", payload)
        if head == 0x01:
            return ControlResponse(
                False, 0x01, 0, f"online measurement stopped: types {list(payload[1:])}", payload
            )
        if head != 0xF0 or len(payload) < 4:
            raise BadPacket("not a control response")
        op, mtype, status = payload[1], payload[2], payload[3]
        more = payload[4] if len(payload) > 4 else 0
        params = self._more + payload[5:]
        self._more = params if more else b""
        if status == 0 and not more and op in (1, 2) and params:
            settings = parse_settings(params)
            self.settings[mtype] = settings
            if op == 2 and FACTOR in settings and mtype in KIND and settings[FACTOR]:
                fac = float(settings[FACTOR][0])
                if np.isfinite(fac) and fac > 0:
                    self.factor[KIND[mtype]] = fac
        return ControlResponse(
            status == 0, op, status, STATUS.get(status, f"status {status}"), payload
        )


class PMDEncoder(Encoder):
    """Encoder of PMD frames (raw or delta-compressed) and control point answers."""

    def __init__(
        self, profile: DecoderProfile, rate: float | None = None, device_clock: float = 0.0
    ) -> None:
        super().__init__(profile, rate, device_clock)
        p = _params(profile)
        self.measurements = tuple(p.get("measurements", ["acc"]))
        self.frame = {m: int(p.get(f"{m}_frame", 1 if m == "acc" else 0x80)) for m in TYPE_OF}
        self.factor = {m: float(p.get(f"{m}_factor", 1.0)) for m in TYPE_OF}
        self.spf = int(p.get("samples_per_frame", 36))
        self.block = int(p.get("block_samples", 255))
        self._pending: dict[str, tuple[FloatArray, FloatArray]] = {}
        self.started: set[int] = set()

    def _units(self, kind: str) -> float:
        """SI value of one integer unit in the frames this encoder writes."""
        fr, f = self.frame[kind], self.factor[kind]
        if kind == "acc":
            if fr == 0x80:
                return f * 1000.0 * MG
            return (f if fr & 0x80 else 1.0) * MG
        return f * DEG if fr == 0x80 else DEG

    def _frame(self, kind: str, t_last: float, x: FloatArray) -> bytes:
        mtype = TYPE_OF[kind]
        fr = self.frame[kind]
        ts = round((self.device_clock + t_last) * 1e9)
        head = struct.pack("<BQB", mtype, max(ts, 0), fr)
        if kind == "gyr" and fr == 0x81:
            bits = (x / DEG).astype(np.float32).view(np.int32).astype(np.int64)
            return head + encode_deltas(bits, self.block, 32)
        q = np.round(x / self._units(kind))
        if fr in (0, 1, 2):
            lim = {0: 127, 1: 32767, 2: (1 << 23) - 1}[fr]
            qi = np.clip(q, -lim - 1, lim).astype(np.int64)
            if fr == 2:
                u = (qi & 0xFFFFFF).astype("<u4").view(np.uint8).reshape(-1, 4)[:, :3]
                return head + u.tobytes()
            return head + qi.astype("<i1" if fr == 0 else "<i2").tobytes()
        qi = np.clip(q, -32768, 32767).astype(np.int64)
        return head + encode_deltas(qi.reshape(-1, 3), self.block, 16)

    def encode(
        self,
        t: FloatArray,
        acc: FloatArray | None = None,
        gyr: FloatArray | None = None,
        values: dict[str, FloatArray] | None = None,  # noqa: ARG002 (Encoder.encode; IMU only)
    ) -> list[Packet]:
        """Frames of ``samples_per_frame`` samples per measurement, time-ordered."""
        t = np.asarray(t, dtype=np.float64)
        out: list[Packet] = []
        for kind, data in (("acc", acc), ("gyr", gyr)):
            if kind not in self.measurements or data is None:
                continue
            x = np.asarray(data, dtype=np.float64).reshape(-1, 3)
            tt = t
            if kind in self._pending:
                pt, px = self._pending.pop(kind)
                tt, x = np.concatenate([pt, tt]), np.concatenate([px, x])
            full = (tt.size // self.spf) * self.spf
            if full < tt.size:
                self._pending[kind] = (tt[full:], x[full:])
            for s in range(0, full, self.spf):  # one iteration per frame
                e = s + self.spf
                out.append(
                    Packet(float(tt[e - 1]), "data", self._frame(kind, float(tt[e - 1]), x[s:e]))
                )
        out.sort(key=lambda p: p.t)
        return out

    def flush(self) -> list[Packet]:
        """Send the buffered remainder as short frames."""
        out = [
            Packet(float(tt[-1]), "data", self._frame(kind, float(tt[-1]), x))
            for kind, (tt, x) in self._pending.items()
            if tt.size
        ]
        self._pending.clear()
        return sorted(out, key=lambda p: p.t)

    def features(self) -> bytes:
        """Value of a GATT read of the control point: ``0F f1 f2``."""
        f1 = sum(1 << TYPE_OF[m] for m in self.measurements)
        return bytes([0x0F, f1, 0])

    def settings(self, kind: str) -> dict[int, list[float]]:
        """Settings the device offers for ``kind`` (one value each)."""
        rng = (
            round((self.profile.acc_range or 8 * G) / G)
            if kind == "acc"
            else round((self.profile.gyr_range or 2000 * DEG) / DEG)
        )
        s: dict[int, list[float]] = {SAMPLE_RATE: [self.rate], RESOLUTION: [16], RANGE: [rng]}
        if self.frame[kind] & 0x80:
            s[CHANNELS] = [3]
        return s

    def respond(self, char: str, data: bytes) -> list[Packet]:
        """Control point indication answering ``data`` (GET, START, STOP)."""
        if char != "control" or len(data) < 2:
            return (
                [Packet(0.0, "control", response(data[0] if data else 0, 0, 4))]
                if char == "control"
                else []
            )
        op, mtype = data[0], data[1]
        kind = KIND.get(mtype)
        if op not in (1, 2, 3):
            return [Packet(0.0, "control", response(op, mtype, 1))]
        if kind is None or kind not in self.measurements:
            return [Packet(0.0, "control", response(op, mtype, 2 if kind is None else 3))]
        if op == 1:
            return [
                Packet(0.0, "control", response(op, mtype, 0, build_settings(self.settings(kind))))
            ]
        if op == 2:
            if mtype in self.started:
                return [Packet(0.0, "control", response(op, mtype, 6))]
            try:
                parse_settings(data[2:])
            except BadPacket:
                return [Packet(0.0, "control", response(op, mtype, 5))]
            self.started.add(mtype)
            extra = (
                build_settings({FACTOR: [self.factor[kind]]}) if self.frame[kind] & 0x80 else b""
            )
            return [Packet(0.0, "control", response(op, mtype, 0, extra))]
        if mtype not in self.started:
            return [Packet(0.0, "control", response(op, mtype, 6))]
        self.started.discard(mtype)
        return [Packet(0.0, "control", response(op, mtype, 0))]

    def quantum(self) -> dict[str, float]:
        """LSB of acc (m/s²) and gyr (rad/s) in the frames written."""
        return {k: self._units(k) for k in self.measurements}


def response(op: int, mtype: int, status: int, params: bytes = b"", more: int = 0) -> bytes:
    """A control point response ``F0 op type status more params``.

    Parameters
    ----------
    op : int
        Request opcode answered.
    mtype : int
        Measurement type.
    status : int
        0 success, or an error code of :data:`STATUS` (10 = invalid MTU ...).
    params : bytes
        Settings TLV.
    more : int
        Non-zero when further indications follow.
    """
    return bytes([0xF0, op & 0xFF, mtype & 0xFF, status & 0xFF, more & 0xFF]) + params


def to_unix_ns(polar_ns: int) -> int:
    """Polar-epoch nanoseconds → Unix-epoch nanoseconds."""
    return int(polar_ns) + POLAR_EPOCH_NS


def make_decoder(profile: DecoderProfile) -> Decoder:
    """PMD decoder for ``profile``."""
    return PMDDecoder(profile)


def make_encoder(
    profile: DecoderProfile, rate: float | None = None, device_clock: float = 0.0
) -> Encoder:
    """PMD encoder for ``profile``."""
    return PMDEncoder(profile, rate, device_clock)

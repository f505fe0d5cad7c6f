"""Generic packed-struct decoder/encoder configured entirely from a profile's TOML.

``[decoder_params]`` keys (all optional except ``fields``):

``endian``             ``"little"`` (default) or ``"big"``
``header``             list of ``[name, type]`` before the samples
                       (e.g. ``[["counter", "u16"]]``)
``fields``             list of ``[name, type]`` of one sample; names ``acc_x..acc_z`` and
                       ``gyr_x..gyr_z`` are decoded, any other name is skipped (padding,
                       magnetometer)
``samples_per_packet`` int; 0 = as many whole samples as the payload holds (≥ 1)
``counter``            header field holding the index of the packet's first sample
                       (``counter_unit = "sample"``) or a packet number (``"packet"``)
``counter_bits``       wrap-around width of the counter (default: the field's width)
``acc_scale``          accelerometer value of one LSB, in ``acc_unit`` (``g``, ``mg``, ``m/s2``)
``gyr_scale``          gyroscope value of one LSB, in ``gyr_unit`` (``deg/s``, ``mdps``, ``rad/s``)
``axes``               output axes from device axes, e.g. ``["x", "y", "z"]`` or
                       ``["-y", "x", "z"]``
``response_prefix``    hex prefix of control responses ``<prefix> <opcode> <status>``
                       (status 0 = ok)
``responses``          list of ``[request hex prefix, response hex]`` a virtual device answers with

Types: ``u8 i8 u16 i16 u32 i32 f32``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from devices.decoders.base import (
    DEG,
    BadPacket,
    Batch,
    ControlResponse,
    Decoder,
    DecoderProfile,
    Encoder,
    FloatArray,
    IntArray,
    Packet,
    Samples,
)
from devices.errors import ProfileError
from devices.units import G

TYPES = {"u8": "u1", "i8": "i1", "u16": "u2", "i16": "i2", "u32": "u4", "i32": "i4", "f32": "f4"}
ACC_UNITS = {"g": G, "mg": G / 1000.0, "m/s2": 1.0}
GYR_UNITS = {"deg/s": DEG, "mdps": DEG / 1000.0, "rad/s": 1.0}
AXES = ("x", "y", "z")


def _err(key: str, problem: str) -> ProfileError:
    return ProfileError(f"key 'decoder_params.{key}': {problem}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _endian(params: dict[str, Any]) -> str:
    """Struct byte-order prefix (``<`` or ``>``) of ``endian``."""
    endian = params.get("endian", "little")
    if endian not in ("little", "big"):
        raise _err("endian", f"must be 'little' or 'big', got {endian!r}")
    return "<" if endian == "little" else ">"


def _field_list(
    params: dict[str, Any], key: str, required: bool, order: str
) -> list[tuple[str, str]]:
    """``header`` or ``fields`` as (name, dtype string) pairs."""
    raw = params.get(key, None)
    if raw is None:
        if required:
            raise _err(key, "missing")
        return []
    if not isinstance(raw, list) or (required and not raw):
        raise _err(key, "expected a non-empty list of [name, type]")
    out = []
    for i, f in enumerate(raw):
        if not (isinstance(f, list) and len(f) == 2 and all(isinstance(x, str) for x in f)):
            raise _err(f"{key}[{i}]", f"expected [name, type], got {f!r}")
        if f[1] not in TYPES:
            raise _err(f"{key}[{i}]", f"unknown type {f[1]!r}; choose from {list(TYPES)}")
        out.append((f[0], order + TYPES[f[1]]))
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        raise _err(key, f"duplicate field names in {names}")
    return out


def _sensors(names: list[str]) -> tuple[bool, bool]:
    """Whether the sample fields hold a full accelerometer and a full gyroscope triple."""
    has_acc = all(f"acc_{a}" in names for a in AXES)
    has_gyr = all(f"gyr_{a}" in names for a in AXES)
    if any(n.startswith(("acc_", "gyr_")) for n in names) and not (has_acc or has_gyr):
        raise _err("fields", "acc_x/acc_y/acc_z (or gyr_*) must come as a full triple")
    if not (has_acc or has_gyr):
        raise _err("fields", "needs acc_x, acc_y, acc_z and/or gyr_x, gyr_y, gyr_z")
    return has_acc, has_gyr


def _samples_per_packet(params: dict[str, Any]) -> int:
    spp = params.get("samples_per_packet", 0)
    if not _is_int(spp) or not 0 <= spp <= 255:
        raise _err("samples_per_packet", f"must be an integer 0..255, got {spp!r}")
    return int(spp)


def _counter(
    params: dict[str, Any], header: list[tuple[str, str]], header_dtype: np.dtype, spp: int
) -> tuple[str | None, int, str]:
    """``counter`` (a header field or None), its wrap width in bits and its unit."""
    counter = params.get("counter")
    hnames = [n for n, _ in header]
    if counter is not None:
        if counter not in hnames:
            raise _err("counter", f"{counter!r} is not a header field {hnames}")
        if header_dtype[counter].kind not in "ui":
            raise _err("counter", "must be an integer field")
    width = header_dtype[counter].itemsize * 8 if counter else 32
    bits = params.get("counter_bits", width)
    if not _is_int(bits) or not 1 <= bits <= width:
        raise _err("counter_bits", f"must be 1..{width}, got {bits!r}")
    unit = params.get("counter_unit", "sample")
    if unit not in ("sample", "packet"):
        raise _err("counter_unit", f"must be 'sample' or 'packet', got {unit!r}")
    if unit == "packet" and spp == 0:
        raise _err("counter_unit", "'packet' needs a fixed samples_per_packet")
    return counter, bits, unit


def _lsb(params: dict[str, Any], kind: str, units: dict[str, float], default_unit: str) -> float:
    """SI value of one LSB of ``kind`` (``acc``: m/s², ``gyr``: rad/s)."""
    s = params.get(f"{kind}_scale")
    u = params.get(f"{kind}_unit", default_unit)
    if u not in units:
        raise _err(f"{kind}_unit", f"must be one of {list(units)}, got {u!r}")
    if not isinstance(s, int | float) or isinstance(s, bool) or not s > 0:
        raise _err(f"{kind}_scale", f"must be a positive number, got {s!r}")
    return float(s) * units[u]


def _axes(params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Output axis permutation and signs of ``axes``."""
    axes = params.get("axes", ["x", "y", "z"])
    if not (isinstance(axes, list) and len(axes) == 3 and all(isinstance(a, str) for a in axes)):
        raise _err("axes", f"expected three of x, y, z with optional '-', got {axes!r}")
    perm = [AXES.index(a.lstrip("-+")) if a.lstrip("-+") in AXES else -1 for a in axes]
    if sorted(perm) != [0, 1, 2]:
        raise _err("axes", f"must use each of x, y, z once, got {axes!r}")
    return np.array(perm), np.array([-1.0 if a.startswith("-") else 1.0 for a in axes])


def _responses(params: dict[str, Any]) -> tuple[bytes | None, list[tuple[bytes, bytes]]]:
    """``response_prefix`` and the ``responses`` table as bytes."""
    prefix = params.get("response_prefix")
    try:
        response_prefix = None if prefix is None else bytes.fromhex(str(prefix))
    except ValueError:
        raise _err("response_prefix", f"not hex: {prefix!r}") from None
    responses: list[tuple[bytes, bytes]] = []
    for i, pair in enumerate(params.get("responses", [])):
        try:
            responses.append((bytes.fromhex(pair[0]), bytes.fromhex(pair[1])))
        except (ValueError, TypeError, IndexError, AttributeError):
            raise _err(
                f"responses[{i}]", f"expected [request hex, response hex], got {pair!r}"
            ) from None
    return response_prefix, responses


class Layout:
    """Parsed and checked ``decoder_params`` of a packed profile.

    Parameters
    ----------
    params : dict
        The profile's ``decoder_params``.

    Raises
    ------
    ProfileError
        Naming the bad ``decoder_params`` key.
    """

    def __init__(self, params: dict[str, Any]) -> None:
        order = _endian(params)
        self.header = _field_list(params, "header", False, order)
        self.fields = _field_list(params, "fields", True, order)
        self.header_dtype = np.dtype(self.header) if self.header else np.dtype([])
        self.sample_dtype = np.dtype(self.fields)
        names = [n for n, _ in self.fields]
        self.has_acc, self.has_gyr = _sensors(names)
        self.spp = _samples_per_packet(params)
        self.counter, self.counter_bits, self.counter_unit = _counter(
            params, self.header, self.header_dtype, self.spp
        )
        self.acc_lsb = _lsb(params, "acc", ACC_UNITS, "g") if self.has_acc else 0.0
        self.gyr_lsb = _lsb(params, "gyr", GYR_UNITS, "deg/s") if self.has_gyr else 0.0
        self.perm, self.sign = _axes(params)
        self.response_prefix, self.responses = _responses(params)

        # Fast path: when every sample field has one dtype, a packet body is a plain
        # (n, fields) array and acc/gyr are column picks with the axis map folded in.
        kinds = {dt for _, dt in self.fields}
        self.uniform: np.dtype | None = np.dtype(kinds.pop()) if len(kinds) == 1 else None
        self.acc_cols = (
            np.array([names.index(f"acc_{AXES[i]}") for i in self.perm]) if self.has_acc else None
        )
        self.gyr_cols = (
            np.array([names.index(f"gyr_{AXES[i]}") for i in self.perm]) if self.has_gyr else None
        )

    def packet_size(self, n: int) -> int:
        """Bytes of a packet with ``n`` samples."""
        return self.header_dtype.itemsize + n * self.sample_dtype.itemsize


def validate_params(profile: DecoderProfile) -> None:
    """Check a packed profile's ``decoder_params`` (raises ProfileError)."""
    Layout(dict(profile.decoder_params))


class PackedDecoder(Decoder):
    """Decoder of fixed-layout sample packets (gait-imu, Thingy:52 raw motion ...)."""

    def __init__(self, profile: DecoderProfile) -> None:
        super().__init__(profile)
        self.layout = Layout(self.params)
        self._next: int | None = None  # unwrapped index expected for the next sample

    def _unwrap(self, raw: int, step: int, per_unit: int) -> int:
        """Unwrapped counter of this packet (in counter units); counts gaps.

        ``step`` is how far the counter advances per packet and ``per_unit`` how many
        samples one counter unit stands for.
        """
        mod = 1 << self.layout.counter_bits
        if self._next is None:
            first = raw
        else:
            delta = (raw - self._next) % mod
            if delta < mod // 2:
                first = self._next + delta
                if delta:
                    self.stats.counter_gaps += 1
                    self.stats.lost_samples += delta * per_unit
            else:
                # Far behind: the device restarted its counter (e.g. after a reconnect).
                self.stats.counter_gaps += 1
                first = raw
        self._next = first + step
        return first

    def _decode(self, payload: bytes, host_time: float, _role: str) -> Samples | None:
        lay = self.layout
        n = self._sample_count(payload)
        counter = self._counters(payload, n)
        acc, gyr = self._values(payload, n)
        if lay.uniform is None or lay.uniform.kind == "f":
            for a in (acc, gyr):
                if a is not None and not np.all(np.isfinite(a)):
                    raise BadPacket("non-finite value")
        sensor = "imu" if lay.has_acc and lay.has_gyr else ("acc" if lay.has_acc else "gyr")
        return Samples(sensor=sensor, host_time=host_time, acc=acc, gyr=gyr, counter=counter)

    def _sample_count(self, payload: bytes) -> int:
        """Samples in a packet; BadPacket unless its length fits the layout."""
        lay = self.layout
        body = len(payload) - lay.header_dtype.itemsize
        ssize = lay.sample_dtype.itemsize
        if body <= 0 or body % ssize:
            raise BadPacket("length")
        n = body // ssize
        if lay.spp and n != lay.spp:
            raise BadPacket("length")
        return n

    def _counters(self, payload: bytes, n: int) -> IntArray | None:
        """Unwrapped per-sample counters of a packet of ``n`` samples (None without a counter)."""
        lay = self.layout
        if lay.counter is None:
            return None
        hdr = np.frombuffer(payload, dtype=lay.header_dtype, count=1)
        cval = int(hdr[lay.counter][0]) & ((1 << lay.counter_bits) - 1)
        if lay.counter_unit == "packet":
            first = self._unwrap(cval, 1, n) * n
        else:
            first = self._unwrap(cval, n, 1)
        return first + np.arange(n, dtype=np.int64)

    def _values(self, payload: bytes, n: int) -> tuple[FloatArray | None, FloatArray | None]:
        """Acceleration (m/s²) and angular rate (rad/s) of the packet's ``n`` samples."""
        lay = self.layout
        hsize = lay.header_dtype.itemsize
        acc = gyr = None
        if lay.uniform is not None:
            raw = np.frombuffer(payload, dtype=lay.uniform, offset=hsize).reshape(
                n, len(lay.fields)
            )
            if lay.acc_cols is not None:
                acc = raw[:, lay.acc_cols] * (lay.sign * lay.acc_lsb)
            if lay.gyr_cols is not None:
                gyr = raw[:, lay.gyr_cols] * (lay.sign * lay.gyr_lsb)
            return acc, gyr
        rec = np.frombuffer(payload, dtype=lay.sample_dtype, offset=hsize)
        if lay.has_acc:
            dev = np.column_stack([rec[f"acc_{a}"] for a in AXES]).astype(np.float64)
            acc = dev[:, lay.perm] * lay.sign * lay.acc_lsb
        if lay.has_gyr:
            dev = np.column_stack([rec[f"gyr_{a}"] for a in AXES]).astype(np.float64)
            gyr = dev[:, lay.perm] * lay.sign * lay.gyr_lsb
        return acc, gyr

    def feed_batch(
        self, payloads: list[bytes], host_times: FloatArray, char: str = "data"
    ) -> list[Batch]:
        """Vectorized :meth:`Decoder.feed_batch` for fixed-size packets (same statistics)."""
        lay = self.layout
        if self.role(char) not in self.data_roles() or not lay.spp or not payloads:
            return super().feed_batch(payloads, host_times, char)
        spp = lay.spp
        size = lay.packet_size(spp)
        host = np.asarray(host_times, dtype=np.float64)
        self.stats.packets += len(payloads)
        ok = np.fromiter((len(p) == size for p in payloads), dtype=bool, count=len(payloads))
        nbad = int(ok.size - np.count_nonzero(ok))
        if nbad:
            self.stats.bad += nbad
            self.stats.reasons["length"] += nbad
        if not np.any(ok):
            return []
        pkt = np.dtype([*lay.header, ("s", lay.sample_dtype, (spp,))])
        arr = np.frombuffer(b"".join(p for p, k in zip(payloads, ok, strict=True) if k), dtype=pkt)
        host = host[ok]
        smp = arr["s"].reshape(-1)
        acc = gyr = None
        if lay.has_acc:
            dev = np.column_stack([smp[f"acc_{a}"] for a in AXES]).astype(np.float64)
            acc = dev[:, lay.perm] * (lay.sign * lay.acc_lsb)
        if lay.has_gyr:
            dev = np.column_stack([smp[f"gyr_{a}"] for a in AXES]).astype(np.float64)
            gyr = dev[:, lay.perm] * (lay.sign * lay.gyr_lsb)
        fin = np.ones(arr.size, dtype=bool)
        for a in (acc, gyr):
            if a is not None:
                fin &= np.all(np.isfinite(a), axis=1).reshape(-1, spp).all(axis=1)
        if not np.all(fin):
            nf = int(fin.size - np.count_nonzero(fin))
            self.stats.bad += nf
            self.stats.reasons["non-finite value"] += nf
            arr, host = arr[fin], host[fin]
            keep = np.repeat(fin, spp)
            acc = None if acc is None else acc[keep]
            gyr = None if gyr is None else gyr[keep]
            if arr.size == 0:
                return []
        counter = None
        if lay.counter is not None:
            counter = self._unwrap_many(arr[lay.counter].astype(np.int64), spp)
        self.stats.samples += arr.size * spp
        sensor = "imu" if lay.has_acc and lay.has_gyr else ("acc" if lay.has_acc else "gyr")
        return [
            Batch(
                sensor,
                host,
                np.full(arr.size, spp, dtype=np.int64),
                acc=acc,
                gyr=gyr,
                counter=counter,
            )
        ]

    def _unwrap_many(self, raw: np.ndarray, spp: int) -> np.ndarray:
        """Vectorized :meth:`_unwrap` over packets; returns per-sample counters."""
        lay = self.layout
        mod = 1 << lay.counter_bits
        per_packet = lay.counter_unit == "packet"
        step, per_unit = (1, spp) if per_packet else (spp, 1)
        c = raw & (mod - 1)
        # Each packet's first value is congruent to its raw counter, so the wrap-free
        # distance to the expected value only needs the previous raw counter.
        d = np.empty_like(c)
        d[1:] = (c[1:] - c[:-1] - step) % mod
        fwd = d < mod // 2
        start = ~fwd
        if self._next is None:
            d[0], fwd[0], start[0] = 0, False, True
            first0 = int(c[0])
        else:
            d[0] = (c[0] - self._next) % mod
            fwd[0] = d[0] < mod // 2
            start[0] = True
            first0 = self._next + int(d[0]) if fwd[0] else int(c[0])
        inc = np.where(fwd, step + d, 0)
        inc[0] = 0
        seg = np.cumsum(start) - 1
        starts = np.flatnonzero(start)
        base = c[starts].copy()
        base[0] = first0
        cs = np.cumsum(inc)
        first = base[seg] + cs - cs[starts][seg]
        gaps = int(np.count_nonzero(fwd & (d > 0))) + int(np.count_nonzero(~fwd[1:]))
        if self._next is not None and not fwd[0]:
            gaps += 1
        self.stats.counter_gaps += gaps
        self.stats.lost_samples += int(d[fwd].sum()) * per_unit
        self._next = int(first[-1]) + step
        sample_first = first * spp if per_packet else first
        return (sample_first[:, None] + np.arange(spp, dtype=np.int64)).ravel()

    def _response(self, payload: bytes, _role: str) -> ControlResponse | None:
        pre = self.layout.response_prefix
        if pre is None:
            return None
        if len(payload) < len(pre) + 2 or not payload.startswith(pre):
            raise BadPacket("not a control response")
        op, status = payload[len(pre)], payload[len(pre) + 1]
        return ControlResponse(
            status == 0, op, status, "ok" if status == 0 else f"error {status}", payload
        )


class PackedEncoder(Encoder):
    """Inverse of :class:`PackedDecoder`: quantise, pack, number the packets."""

    def __init__(
        self, profile: DecoderProfile, rate: float | None = None, device_clock: float = 0.0
    ) -> None:
        super().__init__(profile, rate, device_clock)
        self.layout = Layout(self.params)
        self.spp = self.layout.spp or 1
        self._count = 0  # index of the next sample to send
        self._pending: list[tuple[FloatArray, np.ndarray]] = []  # (t, raw rows) not yet sent

    def _raw(self, values: FloatArray, lsb: float) -> FloatArray:
        dev = np.empty_like(values)
        dev[:, self.layout.perm] = values * self.layout.sign
        return dev / lsb

    def encode(
        self,
        t: FloatArray,
        acc: FloatArray | None = None,
        gyr: FloatArray | None = None,
        values: dict[str, FloatArray] | None = None,  # noqa: ARG002 (Encoder.encode; IMU only)
    ) -> list[Packet]:
        """Encode samples into packets of ``samples_per_packet``; see :meth:`Encoder.encode`."""
        lay = self.layout
        t = np.asarray(t, dtype=np.float64)
        n = t.size
        rec = np.zeros(n, dtype=lay.sample_dtype)
        for kind, data, lsb, ok in (
            ("acc", acc, lay.acc_lsb, lay.has_acc),
            ("gyr", gyr, lay.gyr_lsb, lay.has_gyr),
        ):
            if not ok or data is None:
                continue
            raw = self._raw(np.asarray(data, dtype=np.float64).reshape(n, 3), lsb)
            for i, a in enumerate(AXES):
                dt = lay.sample_dtype[f"{kind}_{a}"]
                if dt.kind == "f":
                    rec[f"{kind}_{a}"] = raw[:, i]
                else:
                    info = np.iinfo(dt)
                    rec[f"{kind}_{a}"] = np.clip(np.round(raw[:, i]), info.min, info.max)
        if self._pending:
            pt, prec = self._pending.pop()
            t = np.concatenate([pt, t])
            rec = np.concatenate([prec, rec])
        full = (t.size // self.spp) * self.spp
        if full < t.size:
            self._pending.append((t[full:], rec[full:]))
        return self._packets(t[:full], rec[:full])

    def _packets(self, t: FloatArray, rec: np.ndarray) -> list[Packet]:
        lay = self.layout
        spp = self.spp
        p = t.size // spp
        if p == 0:
            return []
        pkt_dtype = np.dtype([*lay.header, ("s", lay.sample_dtype, (spp,))])
        arr = np.zeros(p, dtype=pkt_dtype)
        arr["s"] = rec.reshape(p, spp)
        if lay.counter is not None:
            first = self._count + spp * np.arange(p, dtype=np.int64)
            val = first // spp if lay.counter_unit == "packet" else first
            arr[lay.counter] = val % (1 << lay.counter_bits)
        self._count += p * spp
        buf = arr.tobytes()
        size = pkt_dtype.itemsize
        tl = t[spp - 1 :: spp]
        return [Packet(float(tl[i]), "data", buf[i * size : (i + 1) * size]) for i in range(p)]

    def flush(self) -> list[Packet]:
        """Send buffered samples.

        With a fixed ``samples_per_packet`` a short remainder is dropped.
        """
        if not self._pending:
            return []
        t, rec = self._pending.pop()
        if self.layout.spp:
            return []
        return self._packets(t, rec)

    def respond(self, char: str, data: bytes) -> list[Packet]:
        """Answer a control write with the first matching ``responses`` entry."""
        for req, resp in self.layout.responses:
            if data.startswith(req):
                return [Packet(0.0, char, resp)]
        return []

    def quantum(self) -> dict[str, float]:
        """LSB of acc (m/s²) and gyr (rad/s)."""
        return {"acc": self.layout.acc_lsb, "gyr": self.layout.gyr_lsb}


def make_decoder(profile: DecoderProfile) -> Decoder:
    """Packed decoder for ``profile``."""
    return PackedDecoder(profile)


def make_encoder(
    profile: DecoderProfile, rate: float | None = None, device_clock: float = 0.0
) -> Encoder:
    """Packed encoder for ``profile``."""
    return PackedEncoder(profile, rate, device_clock)

"""Decoders (and the Sensor Logger encoder) of the two phone formats, as a decoder family.

A phone "notification" is one HTTP body: a Sensor Logger push or a phyphox ``/get``
reply. The capture file keeps it bit-exact, and these decoders turn it into
:class:`~devices.decoders.Samples` exactly as the BLE decoders do, so a phone session
replays through :func:`devices.replay.decode_device` unchanged.

Both decoders emit acceleration with gravity (``sensor='acc'``) timed by the phone's own
clock (``device_time``, s): the phone placements are analysed from acceleration alone
(a carried phone gives the step rhythm; a belt phone goes through the sacrum detector).
Gyroscope entries are validated and counted but not passed on. Samples not newer than
the last one passed on (a duplicated or overlapping batch, a batch later than the
reorder window) are dropped and counted in ``stats.reasons``; a Sensor Logger push newer
(by ``messageId``) than every other whose times go back is a phone clock stepped back,
and is kept.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
from scipy import signal

from devices.decoders.base import (
    BadPacket,
    Batch,
    ControlResponse,
    Decoder,
    DecoderProfile,
    Encoder,
    FloatArray,
    Ignored,
    IntArray,
    Packet,
    Samples,
    batches_from_samples,
)
from devices.errors import PayloadError, ProfileError
from devices.phone.fields import (
    SL_ACC,
    SL_GRAVITY,
    SL_GYRO,
    SL_TOTAL,
    has_gravity,
    interp_at,
    specific_force,
)
from devices.phone.phyphox import buffer_names, parse_get_reply
from devices.phone.sensorlogger import SensorLoggerBatch, build_sensorlogger, parse_sensorlogger

#: Recent (session, messageId) pairs remembered to drop duplicated batches.
DEDUP_MEMORY = 512

#: A parsed push's samples: sensor name → (epoch ns, x/y/z rows).
SensorData = dict[str, tuple[IntArray, FloatArray]]


def validate_params(profile: DecoderProfile) -> None:
    """Check ``decoder_params`` (``platform`` for Sensor Logger: android, ios or unknown)."""
    p = dict(profile.decoder_params)
    plat = p.get("platform", "unknown")
    if plat not in ("android", "ios", "unknown"):
        raise ProfileError(f"decoder_params.platform must be android, ios or unknown, got {plat!r}")
    batch = p.get("batch", 1.0)
    if not isinstance(batch, int | float) or not 0 < batch <= 60:
        raise ProfileError(f"decoder_params.batch must be in (0, 60] s, got {batch!r}")


class SensorLoggerDecoder(Decoder):
    """Sensor Logger push bodies → acceleration with gravity on the phone's clock."""

    def __init__(self, profile: DecoderProfile) -> None:
        super().__init__(profile)
        self.platform = str(self.params.get("platform", "unknown"))
        self._seen: deque[tuple[str | None, int]] = deque(maxlen=DEDUP_MEMORY)
        self._seen_set: set[tuple[str | None, int]] = set()
        self._epoch0: int | None = None
        self._last_ns = -(2**62)
        self._max_id: dict[str | None, int] = {}
        self._grav: tuple[np.ndarray, FloatArray] | None = None  # last gravity sample
        self.late_samples = 0

    def _decode(self, payload: bytes, host_time: float, _role: str) -> Samples | None:
        try:
            batch = parse_sensorlogger(payload)
        except PayloadError as exc:
            raise BadPacket(exc.reason) from None
        return self.decode_parsed(batch, host_time)

    def feed_parsed(self, batch: SensorLoggerBatch, host_time: float) -> Samples | None:
        """:meth:`feed` for a body the receiver already parsed (same statistics)."""
        self.stats.packets += 1
        return self._counted(self.decode_parsed, batch, host_time)

    def decode_parsed(self, batch: SensorLoggerBatch, host_time: float) -> Samples | None:
        """Acceleration with gravity of one parsed batch (raises BadPacket / Ignored)."""
        self._remember(batch)
        g_t, g = self._gravity(batch.sensors)
        t_ns, acc = self._acceleration(batch.sensors, g_t, g)
        self._clock_step(batch, t_ns)
        t_ns, acc = self._new_only(t_ns, acc)
        self._last_ns = int(t_ns[-1])
        if self._epoch0 is None:
            self._epoch0 = int(t_ns[0])
        dt = (t_ns - self._epoch0).astype(np.float64) * 1e-9
        return Samples(
            "acc", host_time, acc=np.ascontiguousarray(acc, dtype=np.float64), device_time=dt
        )

    def _remember(self, batch: SensorLoggerBatch) -> None:
        """Note the batch's (session, messageId); Ignored when it was seen before."""
        if batch.message_id is None:
            return
        key = (batch.session_id, batch.message_id)
        if key in self._seen_set:
            raise Ignored("duplicate batch")
        if len(self._seen) == self._seen.maxlen:
            self._seen_set.discard(self._seen[0])
        self._seen.append(key)
        self._seen_set.add(key)

    def _gravity(self, s: SensorData) -> tuple[np.ndarray | None, FloatArray | None]:
        """Gravity samples (epoch ns, m/s²) to split acceleration with, or (None, None)."""
        if SL_GRAVITY in s:
            g_t, g = s[SL_GRAVITY]
            if self._grav is not None:  # the previous batch's last sample bridges the edge
                g_t, g = np.r_[self._grav[0], g_t], np.vstack([self._grav[1], g])
            self._grav = (g_t[-1:], g[-1:])
            return g_t, g
        if self._grav is not None:
            return self._grav
        return None, None

    def _acceleration(
        self, s: SensorData, g_t: np.ndarray | None, g: FloatArray | None
    ) -> tuple[np.ndarray, FloatArray]:
        """Times (epoch ns) and acceleration with gravity (m/s²) of a batch."""
        if SL_TOTAL in s:
            return s[SL_TOTAL]
        if SL_ACC in s:
            t_ns, acc = s[SL_ACC]
            if g_t is not None and g is not None:
                acc = specific_force(acc, interp_at(t_ns, g_t, g), self.platform)
            elif not has_gravity(acc):
                raise BadPacket("acceleration without gravity")
            return t_ns, acc
        if SL_GYRO in s or SL_GRAVITY in s:
            raise Ignored("no accelerometer in batch")
        raise Ignored("no motion sensor in batch")

    def _clock_step(self, batch: SensorLoggerBatch, t_ns: np.ndarray) -> None:
        """Accept times going back in the newest push yet: the phone's clock stepped back."""
        if batch.message_id is None:
            return
        newest = self._max_id.get(batch.session_id, -1)
        if batch.message_id > newest:
            self._max_id[batch.session_id] = batch.message_id
            if t_ns.size and t_ns[0] <= self._last_ns:
                # a push newer than every other whose times go back: the phone's clock
                # stepped back (NTP); keep its samples, the clock fit re-anchors
                self.stats.reasons["phone clock stepped back"] += 1
                self._last_ns = int(t_ns[0]) - 1

    def _new_only(self, t_ns: np.ndarray, acc: FloatArray) -> tuple[np.ndarray, FloatArray]:
        """The samples newer than the last one passed on; Ignored when none is."""
        keep = t_ns > self._last_ns
        if not keep.all():
            self.late_samples += int((~keep).sum())
            self.stats.reasons["late or repeated samples"] += int((~keep).sum())
            t_ns, acc = t_ns[keep], acc[keep]
        if t_ns.size == 0:
            raise Ignored("no new samples")
        return t_ns, acc

    def feed_batch(
        self, payloads: list[bytes], host_times: FloatArray, char: str = "data"
    ) -> list[Batch]:
        """Replay: bodies in the app's sending order (``messageId`` per session), then decoded.

        A batch that arrived late live was reordered by the receiver, so ordering here
        gives the replay the same samples the live session analysed.
        """
        parsed: list[tuple[tuple[int, int, int], SensorLoggerBatch | None, float, bytes]] = []
        sessions: dict[str | None, int] = {}
        for i, (p, h) in enumerate(zip(payloads, np.asarray(host_times).tolist(), strict=True)):
            try:
                b: SensorLoggerBatch | None = parse_sensorlogger(p)
            except PayloadError:
                b = None
            if b is None or b.message_id is None:
                key = (len(sessions), i, i)
            else:
                k = sessions.setdefault(b.session_id, len(sessions))
                key = (k, b.message_id, i)
            parsed.append((key, b, float(h), p))
        parsed.sort(key=lambda r: r[0])
        out: list[Samples] = []
        for _, b, h, p in parsed:
            s = self.feed(p, h, char) if b is None else self.feed_parsed(b, h)
            if s is not None:
                out.append(s)
        return batches_from_samples(out)


class PhyphoxDecoder(Decoder):
    """phyphox ``/get`` replies → acceleration on the experiment clock (s since start)."""

    def __init__(self, profile: DecoderProfile) -> None:
        super().__init__(profile)
        self.names = buffer_names(None)
        self._last_t = -math.inf

    def _response(self, payload: bytes, role: str) -> ControlResponse | None:
        if role == "config":
            self.names = buffer_names(payload)
        return ControlResponse(True, -1, 0, role, payload[:200])

    def _decode(self, payload: bytes, host_time: float, _role: str) -> Samples | None:
        try:
            reply = parse_get_reply(payload)
        except PayloadError as exc:
            raise BadPacket(exc.reason) from None
        x, y, z, tn = self.names["acc"]
        bufs = reply.buffers
        if tn not in bufs or not all(k in bufs for k in (x, y, z)):
            raise Ignored("no accelerometer buffers")
        cols = [bufs[tn], bufs[x], bufs[y], bufs[z]]
        n = min(c.size for c in cols)
        if any(c.size != n for c in cols):
            self.stats.reasons["buffers of unequal length (cut)"] += 1
        block = np.column_stack([c[:n] for c in cols]) if n else np.zeros((0, 4))
        ok = np.isfinite(block).all(axis=1)
        t, acc = block[ok, 0], block[ok, 1:]
        if t.size:
            order = np.argsort(t, kind="stable")
            t, acc = t[order], acc[order]
            if t[0] < self._last_t - 1.0:
                # the poller never asks for old values, so time going back is the experiment
                # restarted (cleared or reloaded): keep it, the clock fit re-anchors
                self.stats.reasons["experiment time restarted"] += 1
                self._last_t = -math.inf
            keep = (t > self._last_t) & np.r_[True, np.diff(t) > 0]
            if not keep.all():
                self.stats.reasons["late or repeated samples"] += int((~keep).sum())
            t, acc = t[keep], acc[keep]
        if t.size == 0:
            raise Ignored("no new samples")
        self._last_t = float(t[-1])
        return Samples(
            "acc", host_time, acc=np.ascontiguousarray(acc), device_time=np.ascontiguousarray(t)
        )


class SensorLoggerEncoder(Encoder):
    """Sample arrays → the push bodies the app sends, one per ``batch`` seconds.

    Emulates the gravity split the app reports: ``accelerometer`` (gravity removed) and
    ``gravity`` (a 0.3 s one-pole low-pass of the specific force, causal, stateful),
    plus ``gyroscope`` when given. ``device_clock`` is the phone's epoch time (s) at
    caller time 0; change it between calls to make the phone's clock jump.
    """

    def __init__(
        self, profile: DecoderProfile, rate: float | None = None, device_clock: float = 0.0
    ) -> None:
        super().__init__(profile, rate=rate, device_clock=device_clock)
        self.batch = float(self.params.get("batch", 1.0))
        self.platform = str(self.params.get("platform", "android"))
        self.session_id = str(self.params.get("session_id", "sim-session"))
        self.device_id = str(self.params.get("device_id", "sim-phone"))
        self.message_id = 0
        a = math.exp(-1.0 / (0.3 * self.rate))
        self._b, self._a = np.array([1.0 - a]), np.array([1.0, -a])
        self._zi: np.ndarray | None = None
        self._held: list[tuple[FloatArray, FloatArray, FloatArray | None]] = []
        self._batch_end: float | None = None

    def _body(self, t: FloatArray, acc: FloatArray, gyr: FloatArray | None) -> bytes:
        if self._zi is None:
            self._zi = np.stack([signal.lfilter_zi(self._b, self._a) * acc[0, i] for i in range(3)])
        grav = np.empty_like(acc)
        for i in range(3):  # three axes, not samples
            grav[:, i], self._zi[i] = signal.lfilter(self._b, self._a, acc[:, i], zi=self._zi[i])
        lin = acc - grav
        sign = -1.0 if self.platform == "ios" else 1.0
        t_ns = np.round((self.device_clock + t) * 1e9).astype(np.int64)
        sensors = {SL_ACC: (t_ns, sign * lin), SL_GRAVITY: (t_ns, sign * grav)}
        if gyr is not None:
            sensors[SL_GYRO] = (t_ns, gyr)
        body = build_sensorlogger(self.message_id, self.session_id, self.device_id, sensors)
        self.message_id += 1
        return body

    def encode(
        self,
        t: FloatArray,
        acc: FloatArray | None = None,
        gyr: FloatArray | None = None,
        values: dict[str, FloatArray] | None = None,  # noqa: ARG002 (Encoder.encode; no RSC)
    ) -> list[Packet]:
        """Bodies of every batch period completed by these samples (see :class:`Encoder`)."""
        if acc is None or len(t) == 0:
            return []
        t = np.asarray(t, dtype=np.float64)
        if self._batch_end is None:
            self._batch_end = float(t[0]) + self.batch
        self._held.append(
            (t, np.asarray(acc, dtype=np.float64), None if gyr is None else np.asarray(gyr))
        )
        ht = np.concatenate([h[0] for h in self._held])
        ha = np.concatenate([h[1] for h in self._held])
        hg = (
            None
            if any(h[2] is None for h in self._held)
            else np.concatenate([h[2] for h in self._held])
        )
        out = []
        i0 = 0
        while ht.size and ht[-1] >= self._batch_end:
            i1 = int(np.searchsorted(ht, self._batch_end, side="left"))
            if i1 > i0:
                out.append(
                    Packet(
                        float(ht[i1 - 1]),
                        "data",
                        self._body(ht[i0:i1], ha[i0:i1], None if hg is None else hg[i0:i1]),
                    )
                )
            i0 = i1
            self._batch_end += self.batch
        self._held = [(ht[i0:], ha[i0:], None if hg is None else hg[i0:])] if i0 < ht.size else []
        return out

    def flush(self) -> list[Packet]:
        """The last, partial batch."""
        if not self._held:
            return []
        t, a, g = self._held[0]
        self._held = []
        return [Packet(float(t[-1]), "data", self._body(t, a, g))] if t.size else []


def make_decoder(profile: DecoderProfile) -> Decoder:
    """The decoder of a phone profile (``sensorlogger`` or ``phyphox``)."""
    if profile.decoder == "sensorlogger":
        return SensorLoggerDecoder(profile)
    return PhyphoxDecoder(profile)


def make_encoder(
    profile: DecoderProfile, rate: float | None = None, device_clock: float = 0.0
) -> Encoder:
    """The Sensor Logger encoder; phyphox data is served, not pushed.

    See :mod:`devices.phone.simulator` for the served side.

    Raises
    ------
    ProfileError
        For the phyphox profile.
    """
    if profile.decoder != "sensorlogger":
        raise ProfileError(
            "phyphox data is served by the simulated phone's REST API, not encoded as packets"
        )
    return SensorLoggerEncoder(profile, rate=rate, device_clock=device_clock)

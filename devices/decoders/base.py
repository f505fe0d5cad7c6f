"""Shared types of every decoder and encoder family.

A :class:`Decoder` turns one notification payload into a :class:`Samples` batch in SI
units (m/s², rad/s, s); a bad packet is counted in :class:`DecoderStats` and dropped,
never raised. An :class:`Encoder` is the exact inverse: it turns sample arrays into the
notification bytes a real device would send, so virtual devices and round-trip tests
share one definition of each byte format.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class DecoderProfile(Protocol):
    """What a decoder or encoder reads from a device profile.

    :class:`devices.profiles.Profile` is one; the decoders depend on this view only, so
    the profiles module can build decoders (to check ``decoder_params``) without the two
    importing each other.
    """

    @property
    def id(self) -> str:
        """Profile id, for messages."""
        ...

    @property
    def decoder(self) -> str:
        """Decoder family name (``polar_pmd``, ``packed`` ...)."""
        ...

    @property
    def decoder_params(self) -> Mapping[str, Any]:
        """Family-specific parameters."""
        ...

    @property
    def characteristics(self) -> Mapping[str, str]:
        """Role (``data``, ``control`` ...) → characteristic UUID."""
        ...

    @property
    def streams(self) -> tuple[str, ...]:
        """Streams the device sends (``acc``, ``gyr`` ...)."""
        ...

    @property
    def rate(self) -> float:
        """Nominal sample rate, Hz."""
        ...

    @property
    def acc_range(self) -> float | None:
        """Accelerometer full scale, m/s²."""
        ...

    @property
    def gyr_range(self) -> float | None:
        """Gyroscope full scale, rad/s."""
        ...

    def role_of(self, uuid: str) -> str | None:
        """Role of characteristic ``uuid``, or None when the profile does not use it."""
        ...


#: Standard gravity, m/s², used to convert g and mg.
#: Degrees to radians.
DEG = float(np.pi / 180.0)


@dataclass
class Samples:
    """Samples decoded from one notification.

    Parameters
    ----------
    sensor : {'imu', 'acc', 'gyr', 'rsc'}
        What the packet carries: ``imu`` has acc and gyr sampled together, ``acc`` or
        ``gyr`` one sensor only (e.g. Polar and MetaWear send them in separate packets),
        ``rsc`` low-rate running speed and cadence values.
    host_time : float
        Host arrival time of the notification, s (clock of the caller).
    acc : ndarray, shape (n, 3) or None
        Specific force in the device frame, m/s².
    gyr : ndarray, shape (n, 3) or None
        Angular rate in the device frame, rad/s.
    values : dict of str to ndarray, shape (n,)
        Low-rate series: ``speed`` (m/s), ``cadence`` (steps/min), ``stride_length`` (m),
        ``distance`` (m); NaN where the packet lacks the field.
    device_time : ndarray, shape (n,) or None
        Per-sample time on the device clock, s, when the device sends time stamps.
    counter : ndarray, shape (n,) or None
        Per-sample running sample counter (already unwrapped), when the device sends one.
    """

    sensor: str
    host_time: float
    acc: FloatArray | None = None
    gyr: FloatArray | None = None
    values: dict[str, FloatArray] = field(default_factory=dict)
    device_time: FloatArray | None = None
    counter: IntArray | None = None

    @property
    def n(self) -> int:
        """Number of samples in the batch."""
        for a in (self.acc, self.gyr):
            if a is not None:
                return int(a.shape[0])
        for v in self.values.values():
            return int(v.shape[0])
        return 0


@dataclass
class Batch:
    """Many packets of one sensor kind decoded together (the replay fast path).

    Parameters
    ----------
    sensor : str
        As :attr:`Samples.sensor`.
    host_time : ndarray, shape (P,)
        Arrival time of each packet, s.
    n : ndarray of int, shape (P,)
        Samples in each packet.
    acc, gyr : ndarray, shape (N, 3) or None
        Concatenated samples, SI.
    values : dict of str to ndarray, shape (N,)
        Concatenated low-rate values.
    device_time : ndarray, shape (N,) or None
        Concatenated device times, s (None unless every packet had them).
    counter : ndarray, shape (N,) or None
        Concatenated sample counters (None unless every packet had them).
    """

    sensor: str
    host_time: FloatArray
    n: IntArray
    acc: FloatArray | None = None
    gyr: FloatArray | None = None
    values: dict[str, FloatArray] = field(default_factory=dict)
    device_time: FloatArray | None = None
    counter: IntArray | None = None


def _cat(parts: list[Any]) -> Any:
    if not parts or any(p is None for p in parts):
        return None
    return np.concatenate(parts)


def batches_from_samples(samples: list[Samples]) -> list[Batch]:
    """Group per-packet :class:`Samples` by sensor kind into :class:`Batch` objects.

    Parameters
    ----------
    samples : list of Samples
        Decoder output in arrival order (None entries already removed).

    Returns
    -------
    list of Batch
        One per sensor kind, packets in arrival order.
    """
    groups: dict[str, list[Samples]] = {}
    for s in samples:
        if s.n > 0:
            groups.setdefault(s.sensor, []).append(s)
    out = []
    for kind, ss in groups.items():
        keys = set(ss[0].values)
        out.append(
            Batch(
                sensor=kind,
                host_time=np.array([s.host_time for s in ss], dtype=np.float64),
                n=np.array([s.n for s in ss], dtype=np.int64),
                acc=_cat([s.acc for s in ss]),
                gyr=_cat([s.gyr for s in ss]),
                values={
                    k: np.concatenate([s.values[k] for s in ss])
                    for k in keys
                    if all(k in s.values for s in ss)
                },
                device_time=_cat([s.device_time for s in ss]),
                counter=_cat([s.counter for s in ss]),
            )
        )
    return out


@dataclass
class ControlResponse:
    """A parsed control-point response or status message.

    Parameters
    ----------
    ok : bool
        True when the device reports success.
    opcode : int
        Request opcode (or command) the response answers; -1 when unknown.
    status : int
        Device status code (0 = success for PMD, 200/201 for Movesense ...).
    message : str
        Human-readable status.
    raw : bytes
        The payload as received.
    """

    ok: bool
    opcode: int
    status: int
    message: str
    raw: bytes


@dataclass
class DecoderStats:
    """Running counts of one decoder.

    Attributes
    ----------
    packets : int
        Notifications fed (all characteristics).
    bad : int
        Notifications dropped as malformed.
    samples : int
        Samples decoded (per sensor kind summed).
    counter_gaps : int
        Discontinuities detected in the device's sample counter or device time.
    lost_samples : int
        Samples missing according to the counter (0 when the device has no counter).
    responses : int
        Control-point responses parsed.
    ignored : int
        Well-formed packets this project does not use (e.g. PMD ECG/PPG frames).
    reasons : Counter
        Count of dropped packets by reason (short strings).
    """

    packets: int = 0
    bad: int = 0
    samples: int = 0
    counter_gaps: int = 0
    lost_samples: int = 0
    responses: int = 0
    ignored: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON view of the counts."""
        return {
            "packets": self.packets,
            "bad": self.bad,
            "samples": self.samples,
            "counter_gaps": self.counter_gaps,
            "lost_samples": self.lost_samples,
            "responses": self.responses,
            "ignored": self.ignored,
            "reasons": dict(self.reasons),
        }


class BadPacket(Exception):
    """Internal signal of a malformed packet; never leaves :meth:`Decoder.feed`."""


class Ignored(Exception):
    """Internal signal of a valid packet that carries nothing this project uses."""


class Decoder:
    """Base decoder: feed notifications, get :class:`Samples`; never raises on bad packets.

    Subclasses implement :meth:`_decode` (data) and optionally :meth:`_response`
    (control characteristic). Characteristic arguments are *roles* from the profile
    (``data``, ``control`` ...); a UUID is also accepted and mapped through the profile.

    Parameters
    ----------
    profile : DecoderProfile
        The device profile (decoder parameters, characteristics, rate).
    """

    def __init__(self, profile: DecoderProfile) -> None:
        self.profile = profile
        self.params: dict[str, Any] = dict(profile.decoder_params)
        self.stats = DecoderStats()
        #: Control responses in arrival order (also returned by :meth:`feed_response`).
        self.responses: list[ControlResponse] = []

    def role(self, char: str) -> str:
        """Role of ``char`` (a role or a UUID); unknown UUIDs come back unchanged."""
        if char in self.profile.characteristics:
            return char
        return self.profile.role_of(char) or char

    def feed(self, payload: bytes, host_time: float, char: str = "data") -> Samples | None:
        """Decode one notification.

        Parameters
        ----------
        payload : bytes
            Notification value exactly as received.
        host_time : float
            Host arrival time, s.
        char : str
            Characteristic role or UUID the notification came from.

        Returns
        -------
        Samples or None
            None for dropped packets, control responses and characteristics that carry
            no samples; the reason is counted in :attr:`stats`.
        """
        self.stats.packets += 1
        return self._counted(self._route, payload, host_time, self.role(char))

    def _route(self, payload: bytes, host_time: float, role: str) -> Samples | None:
        """Samples from a data characteristic; a response or a refusal otherwise (may raise)."""
        if role in self.data_roles():
            return self._decode(bytes(payload), float(host_time), role)
        if role in self.profile.characteristics:
            resp = self._response(bytes(payload), role)
            if resp is not None:
                self.stats.responses += 1
                self.responses.append(resp)
            return None
        raise BadPacket("unknown characteristic")

    def _counted(self, decode: Callable[..., Samples | None], *args: Any) -> Samples | None:
        """``decode(*args)`` with every outcome counted in :attr:`stats`; never raises."""
        try:
            out = decode(*args)
        except Ignored as exc:
            self.stats.ignored += 1
            self.stats.reasons[f"ignored: {exc}"] += 1
            return None
        except BadPacket as exc:
            self.stats.bad += 1
            self.stats.reasons[str(exc)] += 1
            return None
        # Device link boundary: never raise on bytes. Defence in depth: a decoder bug on a
        # hostile packet still only drops it; the fuzz tests assert this branch is never taken.
        except Exception as exc:  # noqa: BLE001
            self.stats.bad += 1
            self.stats.reasons[f"error: {type(exc).__name__}"] += 1
            return None
        if out is not None:
            self.stats.samples += out.n
        return out

    def feed_response(self, payload: bytes, char: str = "control") -> ControlResponse | None:
        """Parse a control-point response without touching the sample path.

        Parameters
        ----------
        payload : bytes
            Indication or notification value.
        char : str
            Role or UUID it came from.

        Returns
        -------
        ControlResponse or None
            None when the bytes are not a response of this protocol.
        """
        try:
            return self._response(bytes(payload), self.role(char))
        # Same contract as feed: a response parser bug on hostile bytes must not reach the
        # session that reads the control point; the bytes just are no response.
        except Exception:  # noqa: BLE001
            return None

    def feed_batch(
        self, payloads: list[bytes], host_times: FloatArray, char: str = "data"
    ) -> list[Batch]:
        """Decode many notifications of one characteristic, in arrival order.

        Equivalent to calling :meth:`feed` on each (same statistics); decoders whose
        packets have a fixed layout override it with a vectorized version.

        Parameters
        ----------
        payloads : list of bytes
            Notification values.
        host_times : ndarray, shape (P,)
            Arrival times, s.
        char : str
            Role or UUID.

        Returns
        -------
        list of Batch
            One per sensor kind.
        """
        out = [
            self.feed(p, float(h), char)
            for p, h in zip(payloads, np.asarray(host_times).tolist(), strict=True)
        ]
        return batches_from_samples([s for s in out if s is not None])

    def data_roles(self) -> tuple[str, ...]:
        """Characteristic roles that carry samples (default: ``data``)."""
        return ("data",)

    def _decode(self, payload: bytes, host_time: float, role: str) -> Samples | None:
        raise NotImplementedError

    def _response(self, _payload: bytes, _role: str) -> ControlResponse | None:
        return None


@dataclass(frozen=True)
class Packet:
    """One notification an encoder produced.

    Parameters
    ----------
    t : float
        Time the device would send it (time of its last sample), s on the caller's clock.
    char : str
        Characteristic role (``data``, ``control`` ...).
    data : bytes
        The notification value.
    """

    t: float
    char: str
    data: bytes


class Encoder:
    """Base encoder: sample arrays in SI → the exact notifications the device sends.

    Stateful across calls (sample counters, previous frame time stamps), so a virtual
    device can encode its signal chunk by chunk. Samples that do not fill a packet are
    kept until the next call or :meth:`flush`.

    Parameters
    ----------
    profile : DecoderProfile
        The device profile.
    rate : float, optional
        Sampling rate, Hz; default the profile's nominal rate.
    device_clock : float
        Device clock reading at caller time 0, s (for devices that send time stamps).
    """

    def __init__(
        self, profile: DecoderProfile, rate: float | None = None, device_clock: float = 0.0
    ) -> None:
        self.profile = profile
        self.params: dict[str, Any] = dict(profile.decoder_params)
        self.rate = float(rate or profile.rate)
        self.device_clock = float(device_clock)

    def encode(
        self,
        t: FloatArray,
        acc: FloatArray | None = None,
        gyr: FloatArray | None = None,
        values: dict[str, FloatArray] | None = None,
    ) -> list[Packet]:
        """Encode a chunk of samples into notifications.

        Parameters
        ----------
        t : ndarray, shape (N,)
            Sample times, s, evenly spaced at :attr:`rate` (RSC: one per measurement).
        acc : ndarray, shape (N, 3), optional
            Specific force, m/s² (clipped to the device range).
        gyr : ndarray, shape (N, 3), optional
            Angular rate, rad/s (clipped to the device range).
        values : dict of str to ndarray, optional
            RSC values: ``speed`` m/s, ``cadence`` steps/min, ``stride_length`` m,
            ``distance`` m.

        Returns
        -------
        list of Packet
            In sending order.
        """
        raise NotImplementedError

    def flush(self) -> list[Packet]:
        """Emit samples still buffered (a short final packet where the format allows)."""
        return []

    def respond(self, char: str, data: bytes) -> list[Packet]:  # noqa: ARG002 (default: no answer)
        """Notifications/indications a real device sends in answer to a write.

        Parameters
        ----------
        char : str
            Role the client wrote to.
        data : bytes
            The written value.

        Returns
        -------
        list of Packet
            Responses (``t`` = 0); empty when the device does not answer.
        """
        return []

    def quantum(self) -> dict[str, float]:
        """Size of one least-significant bit per sensor, SI units (round-trip tolerance)."""
        return {}

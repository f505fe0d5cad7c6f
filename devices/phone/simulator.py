"""A simulated phone: Sensor Logger pushes and a phyphox REST API from caller-given samples.

Like :mod:`devices.virtual`, it imports nothing from ``gait``: the caller passes a
:class:`~devices.virtual.SampleSource` (``gait simulate`` passes a synthetic run).

* :func:`sensorlogger_schedule` is pure: it turns the samples into the exact push bodies
  the app sends, with their send times, and applies the faults (outages, bursts, late
  and duplicated pushes, a phone-clock jump). Tests feed the schedule straight into the
  receiver on simulated time; :func:`push_schedule` sends it over a real socket.
* :class:`PhyphoxServer` is an ASGI app answering ``/get`` (full, single and incremental
  threshold requests with the app's number format), ``/config``, ``/time``, ``/meta`` and
  ``/control`` from the samples available at the experiment time its clock gives.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import numpy as np
from numpy.typing import NDArray

from devices.decoders import make_encoder
from devices.errors import DeviceError, PayloadError
from devices.phone.fields import PHYPHOX_ACC, PHYPHOX_GYR
from devices.phone.phyphox import format_get_reply, nudge
from devices.phone.profiles import phone_profile
from devices.virtual import SampleSource

FloatArray = NDArray[np.float64]


@dataclass
class PhoneFaults:
    """Faults of a simulated phone (times in simulated seconds).

    Attributes
    ----------
    outage_every, outage : float
        Every ``outage_every`` s the phone sends nothing for ``outage`` s (Wi-Fi lost;
        Sensor Logger does not resend): those samples are lost. 0 disables.
    burst_every, burst : float
        Every ``burst_every`` s pushes are held for ``burst`` s, then sent back to back.
    late : float
        Probability that a push is delivered after the next one.
    duplicate : float
        Probability that a push is delivered twice.
    clock_jump_at, clock_jump : float
        At ``clock_jump_at`` s the phone's clock jumps by ``clock_jump`` s (NTP step).
    drift_ppm : float
        The phone's clock runs this many parts per million fast (negative: slow).
    latency, jitter : float
        Network delay of a push: ``latency`` + exponential(``jitter``), s.
    seed : int
        Random seed.
    """

    outage_every: float = 0.0
    outage: float = 0.0
    burst_every: float = 0.0
    burst: float = 0.0
    late: float = 0.0
    duplicate: float = 0.0
    clock_jump_at: float = 0.0
    clock_jump: float = 0.0
    drift_ppm: float = 0.0
    latency: float = 0.01
    jitter: float = 0.005
    seed: int = 0


def parse_phone_faults(items: list[str] | None) -> PhoneFaults:
    """``KEY=VALUE[,KEY=VALUE]`` strings → :class:`PhoneFaults`.

    Raises
    ------
    DeviceError
        Unknown key or a value that is not a number.
    """
    f = PhoneFaults()
    for item in items or []:
        for kv in item.split(","):
            if not kv.strip():
                continue
            k, _, v = kv.partition("=")
            k = k.strip()
            if k not in PhoneFaults.__dataclass_fields__:
                raise DeviceError(
                    f"unknown phone fault {k!r}; known: {list(PhoneFaults.__dataclass_fields__)}"
                )
            try:
                setattr(f, k, int(v) if k == "seed" else float(v))
            except ValueError:
                raise DeviceError(f"phone fault {k}={v!r} is not a number") from None
    return f


@dataclass
class Schedule:
    """What a simulated Sensor Logger phone sends.

    Attributes
    ----------
    sends : list of (float, bytes)
        (send time s of simulated time, body), in sending order.
    sample_t : ndarray
        Simulated time of every sample encoded, s.
    lost : ndarray of bool
        Samples lost on purpose (outages).
    faults : Counter
        How many of each fault were injected.
    """

    sends: list[tuple[float, bytes]]
    sample_t: FloatArray
    lost: NDArray[np.bool_]
    faults: Counter[str] = field(default_factory=Counter)


def _windows(t: FloatArray, every: float, length: float) -> NDArray[np.bool_]:
    """True where ``t`` falls in ``[k·every, k·every + length)`` for k ≥ 1."""
    if every <= 0 or length <= 0:
        return np.zeros(t.shape, dtype=bool)
    k = np.floor(t / every)
    return (k >= 1) & (t - k * every < length)


def sensorlogger_schedule(
    source: SampleSource,
    *,
    batch: float = 0.5,
    platform: str = "android",
    epoch: float = 1.7e9,
    faults: PhoneFaults | None = None,
    session_id: str = "sim-session",
) -> Schedule:
    """The pushes a Sensor Logger phone sends for ``source``, with faults applied.

    Parameters
    ----------
    source : SampleSource
        Samples (t from 0 s, acc m/s² with gravity, optional gyr rad/s).
    batch : float
        The app's batch period, s.
    platform : {'android', 'ios'}
        Sign convention of the bodies.
    epoch : float
        Phone clock at simulated time 0, s since the Unix epoch.
    faults : PhoneFaults, optional
        Faults to inject.
    session_id : str
        ``sessionId`` of the bodies.

    Returns
    -------
    Schedule
    """
    f = faults or PhoneFaults()
    rng = np.random.default_rng(f.seed)
    prof = phone_profile("sensorlogger", platform)
    enc: Any = make_encoder(prof, rate=source.rate, device_clock=epoch)
    enc.batch, enc.platform, enc.session_id = float(batch), platform, session_id
    t_true, acc, gyr, _ = source.chunk(slice(None))
    assert acc is not None
    rate = 1.0 + f.drift_ppm * 1e-6
    t = t_true * rate  # the phone's clock stamps the samples
    cut = int(np.searchsorted(t_true, f.clock_jump_at)) if f.clock_jump else t.size
    packets = enc.encode(t[:cut], acc[:cut], None if gyr is None else gyr[:cut])
    counts: Counter[str] = Counter()
    if cut < t.size:
        packets += enc.flush()
        enc.device_clock += f.clock_jump
        counts["clock_jump"] += 1
        packets += enc.encode(t[cut:], acc[cut:], None if gyr is None else gyr[cut:])
    packets += enc.flush()
    pt = np.array([p.t for p in packets]) / rate  # back on the true (host) time line
    out = _windows(pt, f.outage_every, f.outage)
    sent = pt + f.latency + rng.exponential(f.jitter, pt.size) if f.jitter > 0 else pt + f.latency
    held = _windows(pt, f.burst_every, f.burst)
    if held.any():
        k = np.floor(pt / f.burst_every)
        sent = np.where(held, np.maximum(sent, k * f.burst_every + f.burst + f.latency), sent)
        counts["burst_pushes"] += int(held.sum())
    late = (rng.random(pt.size) < f.late) & ~out
    sent = np.where(late, sent + 1.5 * batch, sent)
    counts["late"] += int(late.sum())
    sends = []
    for i, p in enumerate(packets):
        if out[i]:
            counts["outage_pushes"] += 1
            continue
        sends.append((float(sent[i]), p.data))
        if rng.random() < f.duplicate:
            sends.append((float(sent[i]) + 0.05, p.data))
            counts["duplicate"] += 1
    sends.sort(key=lambda s: s[0])
    # samples lost on purpose: those encoded into pushes dropped by an outage
    edges = np.r_[-np.inf, pt]
    which = np.searchsorted(edges, t_true, side="left") - 1
    lost = out[np.clip(which, 0, pt.size - 1)] if pt.size else np.zeros(t.size, bool)
    return Schedule(sends, t_true, lost, counts)


async def push_schedule(
    schedule: Schedule,
    host: str,
    port: int,
    path: str,
    *,
    speed: float = 1.0,
    stop: asyncio.Event | None = None,
    origin: float | None = None,
) -> Counter[str]:
    """POST a schedule's bodies to a receiver over a real socket, at their send times.

    Parameters
    ----------
    schedule : Schedule
    host, port, path : str, int, str
        Receiver address and path (``/push`` or ``/push/TOKEN``).
    speed : float
        Simulated seconds per wall second.
    stop : asyncio.Event, optional
        Stops sending.
    origin : float, optional
        ``loop.time()`` of simulated time 0 (default: now).

    Returns
    -------
    Counter
        HTTP status (``"200"``, ``"400"`` ...) or ``"error"`` → count.
    """
    from devices.phone.http import request

    loop = asyncio.get_running_loop()
    t0 = loop.time() if origin is None else origin
    out: Counter[str] = Counter()
    for ts, body in schedule.sends:
        delay = t0 + ts / speed - loop.time()
        if delay > 0:
            if stop is not None:
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                    return out
                except TimeoutError:
                    pass
            else:
                await asyncio.sleep(delay)
        elif stop is not None and stop.is_set():
            return out
        try:
            status, _ = await request(
                host,
                port,
                "POST",
                path,
                body,
                headers={"Content-Type": "application/json"},
                timeout=5.0,
            )
            out[str(status)] += 1
        except (OSError, TimeoutError, PayloadError):
            out["error"] += 1  # receiver gone or answering garbage: counted, the phone goes on
    return out


Scope = MutableMapping[str, Any]


class PhyphoxServer:
    """ASGI app emulating phyphox's remote access for an "Acceleration with g" experiment.

    Parameters
    ----------
    source : SampleSource
        The experiment's samples (t = experiment time, s).
    clock : callable
        Current experiment time, s (simulated time; tests pass a logical clock).
    pauses : list of (float, float)
        Experiment-time windows with no data and ``measuring`` false (the user paused).
    session : str
        Session id reported in ``status``.
    """

    def __init__(
        self,
        source: SampleSource,
        clock: Callable[[], float],
        *,
        pauses: list[tuple[float, float]] | None = None,
        session: str = "5eed01",
    ) -> None:
        self.source = source
        self.clock = clock
        self.session = session
        keep = np.ones(source.t.size, dtype=bool)
        self.pauses = list(pauses or [])
        for a, b in self.pauses:
            keep &= ~((source.t >= a) & (source.t < b))
        self.t = source.t[keep]
        assert source.acc is not None
        self.acc = source.acc[keep]
        self.gyr = None if source.gyr is None else source.gyr[keep]
        self.requests: Counter[str] = Counter()

    def _buffers(self, now: float) -> dict[str, FloatArray]:
        n = int(np.searchsorted(self.t, now, side="right"))
        b = {PHYPHOX_ACC[3]: self.t[:n]}
        b.update({name: self.acc[:n, i] for i, name in enumerate(PHYPHOX_ACC[:3])})
        if self.gyr is not None:
            b[PHYPHOX_GYR[3]] = self.t[:n]
            b.update({name: self.gyr[:n, i] for i, name in enumerate(PHYPHOX_GYR[:3])})
        return b

    def get(self, query: str, now: float) -> bytes:
        """The ``/get`` reply to ``query`` at experiment time ``now``."""
        bufs = self._buffers(now)
        out: dict[str, tuple[str, FloatArray]] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            if name not in bufs or name in out:
                continue
            data = bufs[name]
            if value == "":
                out[name] = ("single", data[-1:] if data.size else np.array([np.nan]))
            elif value == "full":
                out[name] = ("full", data)
            else:
                thr_s, _, ref = value.partition("|")
                thr = nudge(float(thr_s))
                r = bufs.get(ref or name, data)
                out[name] = ("partial", data[: r.size][r[: data.size] > thr])
        paused = any(a <= now < b for a, b in self.pauses)
        return format_get_reply(out, session=self.session, measuring=not paused)

    def config(self) -> bytes:
        """The ``/config`` reply (buffers and sensor inputs)."""
        inputs = [
            {
                "source": "accelerometer",
                "outputs": [
                    {"x": PHYPHOX_ACC[0]},
                    {"y": PHYPHOX_ACC[1]},
                    {"z": PHYPHOX_ACC[2]},
                    {"t": PHYPHOX_ACC[3]},
                ],
            }
        ]
        names = list(PHYPHOX_ACC)
        if self.gyr is not None:
            inputs.append(
                {
                    "source": "gyroscope",
                    "outputs": [
                        {"x": PHYPHOX_GYR[0]},
                        {"y": PHYPHOX_GYR[1]},
                        {"z": PHYPHOX_GYR[2]},
                        {"t": PHYPHOX_GYR[3]},
                    ],
                }
            )
            names += list(PHYPHOX_GYR)
        return json.dumps(
            {
                "crc32": "0",
                "title": "Acceleration with g",
                "localTitle": "Acceleration with g",
                "category": "Raw Sensors",
                "localCategory": "Raw Sensors",
                "buffers": [{"name": n, "size": 0} for n in names],
                "inputs": inputs,
                "export": [],
            }
        ).encode()

    async def __call__(
        self,
        scope: Scope,
        _receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        """ASGI entry point (phyphox requests are GETs: no body to receive)."""
        if scope["type"] != "http":
            return
        path = scope.get("path", "")
        query = scope.get("query_string", b"").decode("latin-1")
        self.requests[path] += 1
        now = float(self.clock())
        status = 200
        if path == "/get":
            try:
                body = self.get(query, now)
            except ValueError:
                status, body = 400, b'{"error": "Invalid threshold."}'
        elif path == "/config":
            body = self.config()
        elif path == "/time":
            body = json.dumps(
                [{"event": "START", "experimentTime": 0.0, "systemTime": time.time() - now}]
            ).encode()
        elif path == "/meta":
            body = json.dumps(
                {"version": "simulated", "model": "gait simulate", "sensors": {}}
            ).encode()
        elif path == "/control":
            body = b'{"result": true}'
        else:
            status, body = 404, b'{"error": "Not found."}'
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"access-control-allow-origin", b"*"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def serve(
    app: Any, host: str = "127.0.0.1", port: int = 0, ready: Callable[[int], None] | None = None
) -> None:
    """Serve an ASGI app with uvicorn in the running loop until cancelled.

    Parameters
    ----------
    app : ASGI app
    host : str
        Interface (loopback unless asked).
    port : int
        Port (0: a free one, passed to ``ready``).
    ready : callable, optional
        Called with the bound port once listening.
    """
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    )
    if ready is not None:
        ready(sock.getsockname()[1])
    try:
        await server.serve(sockets=[sock])
    finally:
        server.should_exit = True

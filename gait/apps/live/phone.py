"""Phones in a live session: ``gait live --device phone:sensorlogger=belt`` (or phyphox).

The phones are recorded by :class:`devices.phone.recorder.PhoneSession` into the same
capture file, timed by :class:`~gait.apps.live.clock.DeviceClock` from the phone's own time
stamps (lower envelope of arrival − phone time, drift followed, re-anchored after a clock
jump, exactly as for BLE) and analysed by the same streaming engine. Where the phone is
carried decides what is measured (:mod:`gait.analysis.placements.phone`): at the waist (``belt``)
sacrum-like metrics with lowered confidence; in an armband, hand, pocket or bag only the
step rhythm (cadence), and the page says why the rest is missing.
With ``--simulate`` each phone is a simulated phone in this process
(:mod:`devices.phone.simulator`) pushing or serving a synthetic run over loopback.

:func:`record_phone_live` is a :data:`~gait.apps.live.recorder.Recorder`, picked by
:func:`gait.apps.live.run.record_live`. The phone session, the simulator and the synthesizer are
imported inside the functions that use them: they import bleak and bumble (the virtual
radio), which ``import gait.apps.live`` must not pay for.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from devices.capture import CaptureWriter
from devices.errors import DeviceError
from devices.phone.spec import PhoneSpec, is_phone_spec, parse_phone_spec
from gait.analysis.stream import SensorSpec, StreamEngine
from gait.apps.live.clock import DeviceClock
from gait.apps.live.reasons import InputWatch, missing_reasons
from gait.apps.live.recorder import (
    Announce,
    LiveFactory,
    Recording,
    cancel_all,
    capture_meta,
    relay_status,
    stop_on_sigint,
    tick_forever,
)
from gait.apps.live.runtime import LiveConfig, LiveSession, stream_name

if TYPE_CHECKING:
    from devices.phone.recorder import PhoneSession
    from devices.phone.simulator import PhoneFaults, Schedule
    from devices.virtual import SampleSource

#: What each mount measures, shown on the live page next to the phone.
MOUNT_NOTES: dict[str | None, str] = {
    "belt": (
        "phone at the waist: sacrum-like metrics (cadence, contact, balance), "
        "lower confidence than a clipped sensor"
    ),
    None: "phone placement not given: cadence only (give =belt for a waist belt)",
}
_CADENCE_ONLY = (
    "phone in {m}: cadence only; contact time, L/R balance and strike need a foot sensor "
    "or the phone in a waist belt (an {m} moves with the arm or leg, not with the trunk)"
)
#: Synthetic placement of a simulated phone, by mount.
SIM_PLACEMENT = {
    "belt": "phone-belt",
    "armband": "phone-armband",
    "hand": "phone-hand",
    "pocket": "phone-pocket",
    "bag": "phone-pocket",
    "sternum": "phone-belt",
    None: "phone-belt",
}


def mount_note(mount: str | None) -> str:
    """Why a phone at ``mount`` shows what it shows (live page, one line)."""
    return MOUNT_NOTES.get(mount) or _CADENCE_ONLY.format(m=mount)


def has_phones(devices: list[str]) -> bool:
    """True when any ``--device`` names a phone."""
    return any(is_phone_spec(d) for d in devices)


class PhoneLiveSession(LiveSession):
    """A :class:`LiveSession` whose sensors are phones (mount-aware engine, HTTP status)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.info: dict[str, dict[str, Any]] = {}
        self._by_name: dict[str, Any] = {}
        self._rate_ref: dict[str, tuple[float, int]] = {}

    def setup(self, targets: list[Any]) -> None:
        """Build the engine from the phones (placement ``phone`` with its mount)."""
        specs: list[SensorSpec] = []
        taken: set[str] = set()
        for t in targets:
            name = stream_name("phone", None, taken, t.index)
            taken.add(name)
            rate = float(t.profile.rate)
            specs.append(
                SensorSpec(
                    name, "phone", None, rate, False, t.profile.acc_range, None, mount=t.phone.mount
                )
            )
            self.clocks[t.index] = DeviceClock(rate, self.t0, has_gyr=False, clock_scale=self.scale)
            # the same input checks as a BLE sensor's (unit from gravity, placement from the
            # acceleration: the phones send no gyroscope here)
            self.input_watch[t.index] = InputWatch(name, "phone", rate, t.phone.mount)
            self.names[t.index] = name
            self.labels[t.phone.label] = name
            self._by_name[name] = t
            self.info[name] = {"note": mount_note(t.phone.mount), "app": t.phone.app}
        # phones stream no gyroscope here: no speed or strike; say so under the "—"
        for metric, reason in missing_reasons(
            [("phone", None, False)], speed_source=bool(self.speed)
        ).items():
            self.fb.explain(metric, reason)
        hop = self.hop if self.hop is not None else max(0.5, 0.25 * self.scale)
        self.engine = StreamEngine(specs, speed=self.speed, hop=hop)
        for s in specs:
            self._set_status(s.name, "connecting")

    def _set_status(self, name: str, status: str) -> None:
        if self.status.get(name) != status:
            self.status[name] = status
            self.sensor_log.append((self.session_time(), name, status))
        self.fb.set_sensor(name, status, **self.info.get(name, {}))

    def tick(self) -> None:
        """Timer: phone rate, gaps and rejected requests on the page, then the usual tick."""
        now = time.monotonic()
        for name, t in self._by_name.items():
            st = t.stats
            if t.connected and st.main_samples:
                # rate over the last few seconds, in samples per session second
                t_ref, n_ref = self._rate_ref.setdefault(name, (now, st.main_samples))
                if now - t_ref >= 1.0:
                    self.info[name]["rate"] = (st.main_samples - n_ref) / (now - t_ref) / self.scale
                if now - t_ref >= 5.0:
                    self._rate_ref[name] = (now, st.main_samples)
            rejected = sum(st.rejected.values()) + (
                sum(t.receiver.stats.rejected.values()) if t.receiver else 0
            )
            self.info[name].update(gaps=len(st.gaps), rejected=rejected, url=t.url)
            self.fb.set_sensor(name, self.status.get(name, "connecting"), **self.info[name])
        super().tick()


def _sources(phones: list[PhoneSpec], duration: float, cfg: LiveConfig) -> list[SampleSource]:
    """One synthetic run per phone (same runner, the phone's carry position)."""
    from devices.virtual import SampleSource  # lazy: see the module docstring
    from gait.synth import SensorParams, synthesize

    out = []
    for p in phones:
        rec = synthesize(
            activity="run",
            placements=(SIM_PLACEMENT.get(p.mount, "phone-belt"),),
            duration=duration,
            rate=100.0,
            seed=cfg.seed,
            gait=cfg.gait,
            segments=cfg.segments,
            sensor=SensorParams(quantize=False),
        )
        s = rec.streams[0]
        t = np.asarray(s.t, dtype=np.float64)
        out.append(SampleSource(t=t - t[0], acc=s.acc))
    return out


@dataclass
class _SimPhones:
    """Simulated phones: one synthetic run each, their servers and pushers, a stop signal.

    Attributes
    ----------
    sources : list of SampleSource
        The run of each phone, in ``--device`` order.
    scale : float
        Simulated seconds per wall second.
    loop : asyncio.AbstractEventLoop
        The event loop the phones run in.
    origin : float
        Its time (s) that simulated time 0 stands for.
    stop : asyncio.Event
        Set at the end: the pushers stop sending.
    tasks : list of asyncio.Task
        phyphox servers, then the Sensor Logger pusher.
    pusher : asyncio.Task or None
        The task pushing the Sensor Logger phones' batches, once started.
    """

    sources: list[SampleSource]
    scale: float
    loop: asyncio.AbstractEventLoop
    origin: float
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    pusher: asyncio.Task[Any] | None = None

    def now(self) -> float:
        """Simulated time, s."""
        return (self.loop.time() - self.origin) * self.scale

    async def serve(self, phones: list[PhoneSpec]) -> list[PhoneSpec]:
        """Start a loopback phyphox server per phyphox phone; the phones to connect to."""
        from devices.phone.simulator import PhyphoxServer, serve

        out = []
        for p, source in zip(phones, self.sources, strict=True):
            port = 0  # Sensor Logger phones push to the receiver: no server of their own
            if p.app == "phyphox":
                ready: asyncio.Future[int] = self.loop.create_future()
                server = PhyphoxServer(source, clock=self.now)
                self.tasks.append(
                    asyncio.create_task(serve(server, "127.0.0.1", 0, ready.set_result))
                )
                port = await ready
            out.append(PhoneSpec(p.app, "127.0.0.1", port, p.mount, p.platform, p.text))
        return out

    def start_pushing(self, session: PhoneSession, push: _PushOptions) -> None:
        """Push the Sensor Logger phones' batches to their receivers once they listen."""
        self.pusher = asyncio.create_task(self._push(session, push))
        self.tasks.append(self.pusher)

    async def _push(self, session: PhoneSession, push: _PushOptions) -> None:
        from devices.phone.simulator import push_schedule

        # wait for the receivers to listen, then push the simulated phones' batches
        while not session.targets or any(
            t.phone.app == "sensorlogger" and not t.url for t in session.targets
        ):
            await asyncio.sleep(0.01)
        jobs = []
        for t, source in zip(session.targets, self.sources, strict=True):
            if t.phone.app != "sensorlogger":
                continue
            sched = push.schedule(source, t.phone.platform)
            port = int(t.url.rsplit(":", 1)[1].split("/")[0])
            path = "/" + t.url.split("/", 3)[3]
            jobs.append(
                push_schedule(
                    sched,
                    "127.0.0.1",
                    port,
                    path,
                    speed=self.scale,
                    stop=self.stop,
                    origin=self.origin,
                )
            )
        counts = await asyncio.gather(*jobs)
        if push.out is not None:
            push.out["pushes"] = counts

    async def wind_down(self) -> None:
        """Stop pushing; give the pushers up to 6 s to finish their last push."""
        self.stop.set()
        if self.pusher is not None:
            await asyncio.wait([self.pusher], timeout=6.0)


@dataclass(frozen=True)
class _PushOptions:
    """How the simulated Sensor Logger phones push (see :func:`record_phone_live`)."""

    batch: float
    faults: PhoneFaults | None
    out: dict[str, Any] | None

    def schedule(self, source: SampleSource, platform: str) -> Schedule:
        """The pushes of one phone (an ``unknown`` platform pushes as Android does)."""
        from devices.phone.simulator import sensorlogger_schedule

        sched = sensorlogger_schedule(
            source,
            batch=self.batch,
            faults=self.faults,
            platform=platform if platform != "unknown" else "android",
        )
        if self.out is not None:
            self.out.setdefault("schedules", []).append(sched)
        return sched


def _phone_specs(devices: list[str]) -> list[PhoneSpec]:
    """The phones asked for.

    Raises
    ------
    DeviceError
        A device that is not a phone, or a bad phone request.
    """
    if not all(is_phone_spec(d) for d in devices):
        raise DeviceError(
            "phones and BLE sensors cannot be mixed in one live session yet; run them apart"
        )
    return [parse_phone_spec(d) for d in devices]


def _phone_live(t0: float, live_factory: LiveFactory, scale: float) -> PhoneLiveSession:
    """A :class:`PhoneLiveSession` with the feedback, view and speed ``live_factory`` sets up."""
    base = live_factory(t0, time.time)  # the phone session keeps its own clock_scale
    return PhoneLiveSession(
        base.fb, base.view, t0, clock_scale=scale, speed=base.speed, announce=base.announce
    )


async def _until_data_end(live: LiveSession, session: PhoneSession, duration: float) -> None:
    """Stop ``session`` once every live phone's data reaches ``duration`` s (simulate)."""
    while True:
        await asyncio.sleep(0.05)
        eng = live.engine
        if eng is None:
            continue
        st = eng.status()
        ends = [tt for name, tt in eng.latest().items() if st[name] == "ok" and math.isfinite(tt)]
        if ends and min(ends) >= duration:
            session.stop()
            return


async def record_phone_live(
    cfg: LiveConfig,
    live_factory: LiveFactory,
    announce: Announce,
    *,
    sim_batch: float = 0.5,
    sim_faults: PhoneFaults | None = None,
    sim_out: dict[str, Any] | None = None,
) -> Recording:
    """:func:`gait.apps.live.run.record_live` for phones (real, or simulated with ``cfg.simulate``).

    Parameters
    ----------
    cfg : LiveConfig
        The session; every ``--device`` must be a phone.
    live_factory : callable
        ``(t0, clock) → LiveSession``; a :class:`PhoneLiveSession` is built with its
        feedback, view and speed.
    announce : callable
        Status lines (the receiver URL to type into Sensor Logger comes here).
    sim_batch : float
        Simulate only: Sensor Logger batch period, s.
    sim_faults : PhoneFaults, optional
        Simulate only: faults of the simulated Sensor Logger phones.
    sim_out : dict, optional
        Simulate only: receives ``schedules`` (what each phone sent) and ``pushes``
        (HTTP statuses seen by the phones), for benchmarks.

    Returns
    -------
    live, stats, capture
        As :func:`gait.apps.live.ble.record_ble_live`.

    Raises
    ------
    DeviceError
        A device that is not a phone, a bad phone request, a port in use.
    """
    from devices.phone.recorder import PhoneSession

    phones = _phone_specs(cfg.devices)
    scale = cfg.speed_up if cfg.simulate else 1.0
    cfg.out.mkdir(parents=True, exist_ok=True)
    capture: Path = cfg.out / "session.gaitcap"
    sim: _SimPhones | None = None
    tasks: list[asyncio.Task[Any]] = []
    try:
        if cfg.simulate:
            sources = _sources(phones, cfg.duration + 10.0 + 2.0 * scale, cfg)
            loop = asyncio.get_running_loop()
            sim = _SimPhones(sources, scale, loop, loop.time())
            phones = await sim.serve(phones)
        meta = capture_meta(cfg, scale, phones=[p.text for p in phones])
        with CaptureWriter(capture, meta=meta) as writer:
            live = _phone_live(writer.now_ns() * 1e-9, live_factory, scale)
            session = PhoneSession(
                phones,
                writer,
                on_status=relay_status(live, announce),
                on_samples=live.on_samples,
                quiet_after=max(3.0, 3.0 / scale) if cfg.simulate else 3.0,
            )
            live.targets = lambda: session.targets
            tasks.append(asyncio.create_task(tick_forever(live)))
            wall_limit = cfg.duration / scale
            if sim is not None:
                sim.start_pushing(session, _PushOptions(sim_batch, sim_faults, sim_out))
                tasks.append(asyncio.create_task(_until_data_end(live, session, cfg.duration)))
                wall_limit = 3.0 * wall_limit + 20.0
            with stop_on_sigint(session.stop):
                stats = await session.run(wall_limit)
        live.finish()
    finally:
        if sim is not None:
            await sim.wind_down()
            tasks = [*sim.tasks, *tasks]
        await cancel_all(tasks)
    return live, {k: v.as_dict() for k, v in stats.items()}, capture

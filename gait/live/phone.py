"""Phones in a live session: ``gait live --device phone:sensorlogger=belt`` (or phyphox).

The phones are recorded by :class:`devices.phone.session.PhoneSession` into the same
capture file, timed by :class:`~gait.live.clock.DeviceClock` from the phone's own time
stamps (lower envelope of arrival − phone time, drift followed, re-anchored after a clock
jump, exactly as for BLE) and analysed by the same streaming engine. Where the phone is
carried decides what is measured (:mod:`gait.placements.phone`): at the waist (``belt``)
sacrum-like metrics with lowered confidence; in an armband, hand, pocket or bag only the
step rhythm (cadence), and the page says why the rest is missing.
With ``--simulate`` each phone is a simulated phone in this process
(:mod:`devices.phone.simulator`) pushing or serving a synthetic run over loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from devices.errors import DeviceError
from devices.phone.spec import PhoneSpec, is_phone_spec, parse_phone_spec
from gait.live.clock import DeviceClock
from gait.live.reasons import missing_reasons
from gait.live.session import TICK_HZ, LiveConfig, LiveSession, stream_name
from gait.stream import SensorSpec, StreamEngine

#: What each mount measures, shown on the live page next to the phone.
MOUNT_NOTES: dict[str | None, str] = {
    "belt": "phone at the waist: sacrum-like metrics (cadence, contact, balance), lower confidence than a clipped sensor",
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
            self.names[t.index] = name
            self.labels[t.phone.label] = name
            self._by_name[name] = t
            self.info[name] = {"note": mount_note(t.phone.mount), "app": t.phone.app}
        # phones stream no gyroscope here: no speed or strike; say so under the "—"
        for metric, reason in missing_reasons(
            [("phone", None, False)], speed_source=bool(self.speed)
        ).items():
            self.fb.explain(metric, reason)
        self.engine = StreamEngine(specs, speed=self.speed, hop=max(0.5, 0.25 * self.scale))
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


def _sources(phones: list[PhoneSpec], duration: float, cfg: LiveConfig) -> list[Any]:
    """One synthetic run per phone (same runner, the phone's carry position)."""
    from devices.virtual import SampleSource
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


async def record_phone_live(
    cfg: LiveConfig,
    live_factory: Callable[..., LiveSession],
    announce: Callable[[str], None],
    *,
    sim_batch: float = 0.5,
    sim_faults: Any = None,
    sim_out: dict[str, Any] | None = None,
) -> tuple[LiveSession, dict[str, Any], Path]:
    """:func:`gait.live.session.record_live` for phones (real, or simulated with ``cfg.simulate``).

    Parameters
    ----------
    cfg : LiveConfig
        The session; every ``--device`` must be a phone.
    live_factory : callable
        ``t0 → LiveSession`` (a :class:`PhoneLiveSession` is built from its arguments).
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
        As ``record_live``.

    Raises
    ------
    DeviceError
        A device that is not a phone, a bad phone request, a port in use.
    """
    from devices.capture import CaptureWriter
    from devices.phone.session import PhoneSession
    from devices.phone.simulator import PhyphoxServer, push_schedule, sensorlogger_schedule, serve

    if not all(is_phone_spec(d) for d in cfg.devices):
        raise DeviceError(
            "phones and BLE sensors cannot be mixed in one live session yet; run them apart"
        )
    phones = [parse_phone_spec(d) for d in cfg.devices]
    scale = cfg.speed_up if cfg.simulate else 1.0
    cfg.out.mkdir(parents=True, exist_ok=True)
    capture = cfg.out / "session.gaitcap"
    tasks: list[asyncio.Task[Any]] = []
    loop = asyncio.get_running_loop()
    stop_sim = asyncio.Event()
    pusher: asyncio.Task[Any] | None = None
    sources: list[Any] = []
    if cfg.simulate:
        sources = _sources(phones, cfg.duration + 10.0 + 2.0 * scale, cfg)
        origin = loop.time()
        for i, p in enumerate(phones):
            if p.app == "phyphox":
                server = PhyphoxServer(sources[i], clock=lambda: (loop.time() - origin) * scale)
                ready: asyncio.Future[int] = loop.create_future()
                tasks.append(asyncio.create_task(serve(server, "127.0.0.1", 0, ready.set_result)))
                phones[i] = PhoneSpec(p.app, "127.0.0.1", await ready, p.mount, p.platform, p.text)
            else:
                phones[i] = PhoneSpec(p.app, "127.0.0.1", 0, p.mount, p.platform, p.text)
    meta = {
        "tool": "gait live",
        "activity": "run",
        "athlete": cfg.athlete,
        "simulated": cfg.simulate,
        "speed_up": scale,
        "phones": [p.text for p in phones],
    }
    try:
        with CaptureWriter(capture, meta=meta) as writer:
            t0 = writer.now_ns() * 1e-9
            base = live_factory(t0, time.time)  # the phone session keeps its own clock_scale
            live = PhoneLiveSession(base.fb, base.view, t0, clock_scale=scale, speed=base.speed)

            def status(msg: str) -> None:
                announce(msg)
                live.on_status(msg)

            session = PhoneSession(
                phones,
                writer,
                on_status=status,
                on_samples=live.on_samples,
                quiet_after=max(3.0, 3.0 / scale) if cfg.simulate else 3.0,
            )
            live.targets = lambda: session.targets

            async def ticker() -> None:
                while True:
                    await asyncio.sleep(1.0 / TICK_HZ)
                    live.tick()

            async def pushers() -> None:
                # wait for the receivers to listen, then push the simulated phones' batches
                while not session.targets or any(
                    t.phone.app == "sensorlogger" and not t.url for t in session.targets
                ):
                    await asyncio.sleep(0.01)
                jobs = []
                for i, t in enumerate(session.targets):
                    if t.phone.app == "sensorlogger":
                        sched = sensorlogger_schedule(
                            sources[i],
                            batch=sim_batch,
                            faults=sim_faults,
                            platform=t.phone.platform
                            if t.phone.platform != "unknown"
                            else "android",
                        )
                        if sim_out is not None:
                            sim_out.setdefault("schedules", []).append(sched)
                        port = int(t.url.rsplit(":", 1)[1].split("/")[0])
                        path = "/" + t.url.split("/", 3)[3]
                        jobs.append(
                            push_schedule(
                                sched,
                                "127.0.0.1",
                                port,
                                path,
                                speed=scale,
                                stop=stop_sim,
                                origin=origin,
                            )
                        )
                counts = await asyncio.gather(*jobs)
                if sim_out is not None:
                    sim_out["pushes"] = counts

            async def until_data_end() -> None:
                while True:
                    await asyncio.sleep(0.05)
                    eng = live.engine
                    if eng is None:
                        continue
                    st = eng.status()
                    ends = [
                        tt
                        for name, tt in eng.latest().items()
                        if st[name] == "ok" and math.isfinite(tt)
                    ]
                    if ends and min(ends) >= cfg.duration:
                        session.stop()
                        return

            tasks.append(asyncio.create_task(ticker()))
            wall_limit = cfg.duration / scale
            if cfg.simulate:
                pusher = asyncio.create_task(pushers())
                tasks.append(pusher)
                tasks.append(asyncio.create_task(until_data_end()))
                wall_limit = 3.0 * wall_limit + 20.0
            with contextlib.suppress(NotImplementedError, RuntimeError):
                import signal

                loop.add_signal_handler(signal.SIGINT, session.stop)
            try:
                stats = await session.run(wall_limit)
            finally:
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    import signal

                    loop.remove_signal_handler(signal.SIGINT)
        live.finish()
    finally:
        stop_sim.set()
        if pusher is not None:  # let the simulated phones finish their last push
            await asyncio.wait([pusher], timeout=6.0)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return live, {k: v.as_dict() for k, v in stats.items()}, capture

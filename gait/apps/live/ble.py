"""BLE sensors in a live session, real or virtual (``gait live --device NAME=placement[:side]``).

:func:`record_ble_live` opens the radio, connects the devices through a
:class:`devices.ble_recorder.Session`, which writes every notification into the capture file and
hands each decoded batch to :meth:`~gait.apps.live.runtime.LiveSession.on_samples`, and runs until
the duration is over (or Ctrl-C). With ``--simulate`` the devices are virtual sensors in this
process (:mod:`gait.apps.live.simulated`) on an in-process or hub radio, all sampling by one
simulated clock (:class:`devices.virtual.SimClock`).

bleak (with :mod:`devices.ble_recorder`) and bumble (with :mod:`devices.virtual` and
:mod:`gait.apps.live.simulated`) are imported inside the functions that use them: they take from a
quarter of a second to more than a second to import, which ``import gait.apps.live`` (the CLI, the
report) must not pay.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devices.capture import CaptureWriter
from devices.errors import DeviceError
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
from gait.apps.live.runtime import LiveConfig, LiveSession

if TYPE_CHECKING:
    from devices.ble.backends import Backends
    from devices.ble_recorder import DeviceSpec, DeviceStats, Session
    from devices.virtual import SimClock, VirtualDevice
    from gait.apps.live.simulated import SimDevice

#: Simulated sessions: the devices' clock may run this far (simulated s) ahead of the
#: newest sample every streaming sensor has delivered (backpressure, see
#: :meth:`LiveSession.watermark <gait.apps.live.runtime.LiveSession.watermark>`), or further when a
#: device holds its samples longer before sending a full frame
#: (:func:`gait.apps.live.simulated.delivery_lag`; a 52 Hz Verity Sense: 0.52 s).
SIM_LEAD = 0.25
#: Lead beyond a device's longest frame, s (the clock must be able to reach its next send).
SIM_LEAD_MARGIN = 0.05
#: A simulated clock that has not moved for this many wall seconds ends the session.
SIM_STUCK = 60.0
#: Wall-clock limit of a simulated session, s: its simulated clock ends it (or the stall guard).
_NO_WALL_LIMIT = 1e9


@dataclass
class _Simulation:
    """The virtual devices of a simulated session and the one clock they sample by."""

    plan: list[SimDevice]
    clock: SimClock
    devices: list[VirtualDevice] = field(default_factory=list)

    def now(self) -> float:
        """The capture's clock: simulated time as s since the epoch."""
        return self.clock.now_ns() * 1e-9

    def hold_back(self, live: LiveSession, t0: float) -> None:
        """Keep the simulated clock within a lead of what every sensor has delivered.

        Parameters
        ----------
        live : LiveSession
            Its :meth:`~gait.apps.live.runtime.LiveSession.watermark` is the session time every
            streaming sensor has delivered, s.
        t0 : float
            Capture start, s since the epoch (simulated).
        """
        from gait.apps.live.simulated import delivery_lag

        # session time → simulated time: the capture opened a little after the clock started
        shift = t0 - self.clock.epoch_ns * 1e-9
        # a device sends only full frames: the lead must cover the longest one, or the
        # clock waits for samples the device waits to take (a deadlock)
        lead = max([SIM_LEAD] + [delivery_lag(p.profile) + SIM_LEAD_MARGIN for p in self.plan])
        self.clock.limit = lambda: live.watermark() + shift + lead

    async def stop(self) -> None:
        """Stop every virtual device (errors of one do not keep the others running)."""
        await asyncio.gather(*(d.stop() for d in self.devices), return_exceptions=True)


async def _open_backends(cfg: LiveConfig) -> Backends:
    """The bleak backends: the platform BLE, the virtual hub, or an in-process radio (simulate)."""
    from devices.ble.backends import Backends, open_backends, radio_name

    if cfg.simulate:
        from devices.ble import BumbleClient, BumbleScanner
        from devices.ble.radio import open_radio

        spec = cfg.radio or "local"
        if spec.lower() == "ble":
            raise DeviceError(
                "--simulate runs on the virtual radio; use --radio virtual or leave --radio out"
            )
        radio = await open_radio(spec, serve=not spec.lower().startswith("local"))
        return Backends(BumbleScanner, BumbleClient, {"radio": radio}, radio)
    return await open_backends(radio_name(cfg.radio))


async def _start_simulation(
    cfg: LiveConfig, specs: list[DeviceSpec], backends: Backends, scale: float
) -> _Simulation:
    """Virtual sensors streaming a synthetic run on the simulated radio, clock started."""
    from devices.virtual import SimClock
    from gait.apps.live.simulated import make_sources, plan_devices, start_devices

    plan = plan_devices(specs)
    # the devices sample from power-on; leave room for scanning and connecting
    sources = make_sources(
        plan, cfg.duration + 10.0 + 2.0 * scale, seed=cfg.seed, segments=cfg.segments, gait=cfg.gait
    )
    sim = _Simulation(plan, SimClock(scale))
    sim.devices = await start_devices(plan, sources, backends.radio, sim.clock)
    return sim


def _live_session(
    writer: CaptureWriter, sim: _Simulation | None, live_factory: LiveFactory
) -> LiveSession:
    """The live session, on the capture's clock (and holding a simulated clock back)."""
    t0 = writer.now_ns() * 1e-9
    live = live_factory(t0, sim.now if sim is not None else time.time)
    if sim is not None:
        sim.hold_back(live, t0)
    return live


def _device_session(
    cfg: LiveConfig,
    specs: list[DeviceSpec],
    writer: CaptureWriter,
    backends: Backends,
    live: LiveSession,
    announce: Announce,
) -> Session:
    """The recording session of the devices, feeding ``live``."""
    from devices.ble_recorder import Session

    session = Session(
        specs,
        writer,
        scanner_backend=backends.scanner,
        client_backend=backends.client,
        backend_kwargs=backends.kwargs,
        scan_timeout=cfg.scan_timeout,
        on_status=relay_status(live, announce),
        on_samples=live.on_samples,
    )
    live.targets = lambda: session.targets
    return session


async def _drop_link(
    devices: list[VirtualDevice], live: LiveSession, key: str, at: float, outage: float
) -> None:
    """Drop virtual device ``key``'s link at session time ``at`` s for ``outage`` s."""
    dev = next((d for d in devices if d.name == key), None)
    if dev is None:
        return
    while live.session_time() < at:
        await asyncio.sleep(0.02)
    await dev.drop_link(outage)


async def _until_data_end(
    clock: SimClock, live: LiveSession, session: Session, duration: float, announce: Announce
) -> None:
    """Stop ``session`` once every live sensor's data reaches ``duration`` s.

    The simulated clock waits for the sensors, so this is when the simulated run is over;
    a simulated clock that has not moved for :data:`SIM_STUCK` wall seconds (a stalled
    simulation) ends the session too.
    """
    last, since = -1.0, time.monotonic()
    while True:
        await asyncio.sleep(0.05)
        now = clock.now()
        if now > last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since > SIM_STUCK:
            announce(f"simulation stalled at {live.session_time():.1f} s; ending the session")
            session.stop()
            return
        eng = live.engine
        if eng is None:
            continue
        status = eng.status()
        ends = [t for name, t in eng.latest().items() if status[name] == "ok"]
        if ends and min(ends) >= duration:
            session.stop()
            return


def _background(
    cfg: LiveConfig,
    live: LiveSession,
    session: Session,
    sim: _Simulation | None,
    announce: Announce,
) -> list[asyncio.Task[Any]]:
    """The tasks that run beside the recording: the status ticker and, simulated, the end."""
    tasks = [asyncio.create_task(tick_forever(live))]
    if sim is not None:
        tasks.append(
            asyncio.create_task(_until_data_end(sim.clock, live, session, cfg.duration, announce))
        )
        if cfg.drop is not None and sim.devices:
            tasks.append(asyncio.create_task(_drop_link(sim.devices, live, *cfg.drop)))
    return tasks


async def _run_session(session: Session, wall_limit: float) -> dict[str, DeviceStats]:
    """Record until ``wall_limit`` wall seconds, ``session.stop()`` or Ctrl-C.

    Raises
    ------
    DeviceError
        The Bluetooth adapter is missing, off or not allowed.
    """
    from bleak.exc import BleakError

    from devices.ble.backends import bluetooth_unavailable

    with stop_on_sigint(session.stop):
        try:
            return await session.run(wall_limit)
        except (BleakError, OSError) as exc:
            raise bluetooth_unavailable(exc) from exc


async def record_ble_live(
    cfg: LiveConfig, live_factory: LiveFactory, announce: Announce
) -> Recording:
    """Run BLE devices, recording and engine for ``cfg.duration`` session seconds.

    A simulated session runs on one simulated clock (:class:`devices.virtual.SimClock`):
    the devices sample by it, the capture is stamped with it, and it never runs more
    than :data:`SIM_LEAD` s ahead of what the sensors have delivered to the engine, so
    a busy machine slows the simulation down instead of losing data.

    Parameters
    ----------
    cfg : LiveConfig
        The session.
    live_factory : callable
        ``(t0, clock) → LiveSession`` (t0 = capture start, host s; clock = the
        capture's clock, ``() → s since the epoch``).
    announce : callable
        One-line status messages for the user.

    Returns
    -------
    live : LiveSession
    stats : dict
        Per-device statistics.
    capture : Path
        The capture file written.
    """
    from devices.ble.logs import bumble_summary, route_bumble_logs
    from devices.ble_recorder import parse_device_spec

    specs = [parse_device_spec(d) for d in cfg.devices]
    scale = cfg.speed_up if cfg.simulate else 1.0
    bumble_before = Counter(route_bumble_logs().counts)
    backends = await _open_backends(cfg)
    cfg.out.mkdir(parents=True, exist_ok=True)
    capture: Path = cfg.out / "session.gaitcap"
    sim: _Simulation | None = None
    tasks: list[asyncio.Task[Any]] = []
    try:
        if cfg.simulate:
            sim = await _start_simulation(cfg, specs, backends, scale)
            specs = [p.spec for p in sim.plan]
        clock = sim.clock.now_ns if sim is not None else None
        with CaptureWriter(capture, meta=capture_meta(cfg, scale), clock=clock) as writer:
            live = _live_session(writer, sim, live_factory)
            session = _device_session(cfg, specs, writer, backends, live, announce)
            tasks = _background(cfg, live, session, sim, announce)
            stats = await _run_session(
                session, _NO_WALL_LIMIT if sim is not None else cfg.duration / scale
            )
        live.finish()
    finally:
        await cancel_all(tasks)
        if sim is not None:
            await sim.stop()
        await backends.aclose()
        if line := bumble_summary(bumble_before):
            announce(line)  # one line, not one warning per packet
    return live, {k: v.as_dict() for k, v in stats.items()}, capture

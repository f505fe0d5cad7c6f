"""Run one live session: pick the recorder for the devices, record, write the report.

Phones come over HTTP (:func:`gait.apps.live.phone.record_phone_live`), everything else over BLE
or the virtual radio (:func:`gait.apps.live.ble.record_ble_live`). Both recorders share one
interface (:data:`gait.apps.live.recorder.Recorder`) and build on :mod:`gait.apps.live.runtime`;
only this module knows them both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from devices.errors import DeviceError
from gait.apps.live.ble import record_ble_live
from gait.apps.live.phone import has_phones, record_phone_live
from gait.apps.live.recorder import Announce, LiveFactory, Recorder, Recording
from gait.apps.live.report import write_report
from gait.apps.live.runtime import LiveConfig, LiveResult, LiveSession, View, make_feedback
from gait.contract.errors import GaitError


def pick_recorder(devices: list[str]) -> Recorder:
    """The recorder for ``--device`` requests: phones over HTTP, the rest over BLE.

    Parameters
    ----------
    devices : list of str
        ``--device`` requests.

    Returns
    -------
    Recorder
        :func:`~gait.apps.live.phone.record_phone_live` when any request names a phone (it
        refuses a mix of phones and BLE sensors), else :func:`~gait.apps.live.ble.record_ble_live`.
    """
    return record_phone_live if has_phones(devices) else record_ble_live


async def record_live(cfg: LiveConfig, live_factory: LiveFactory, announce: Announce) -> Recording:
    """Run the recorder :func:`pick_recorder` chooses for ``cfg.devices``.

    Parameters and returns are those of every :data:`~gait.apps.live.recorder.Recorder`
    (see :func:`gait.apps.live.ble.record_ble_live`).
    """
    return await pick_recorder(cfg.devices)(cfg, live_factory, announce)


def run_live(
    cfg: LiveConfig, view: View | None = None, announce: Callable[[str], None] = print
) -> LiveResult:
    """Run a whole live session and write its report.

    Parameters
    ----------
    cfg : LiveConfig
        The session.
    view : View, optional
        Live page or terminal view (already started).
    announce : callable
        Status lines for the user.

    Returns
    -------
    LiveResult

    Raises
    ------
    DeviceError, GaitError
        Devices not found, radio unavailable, bad options.
    """
    if not cfg.devices:
        raise DeviceError("give at least one --device")
    if not (cfg.duration > 0) or not (cfg.speed_up > 0):
        raise GaitError("--duration and --speed-up must be > 0")
    fb = make_feedback(cfg.drills, cfg.coach, cfg.drill_defs)
    scale = cfg.speed_up if cfg.simulate else 1.0

    def factory(t0: float, clock: Callable[[], float]) -> LiveSession:
        # a simulated session runs on its simulated clock: session time = capture time;
        # the engine's hop still grows with the speed-up so the wall-clock CPU stays the same
        return LiveSession(
            fb,
            view,
            t0,
            speed=cfg.treadmill_speed,
            clock=clock,
            hop=max(0.5, 0.25 * scale),
            announce=announce,
        )

    live, stats, capture = asyncio.run(record_live(cfg, factory, announce))
    steps = live.live_steps()
    written, sid = write_report(
        capture,
        cfg.out,
        fb,
        steps,
        save=cfg.save,
        history_db=cfg.history_db,
        treadmill_speed=cfg.treadmill_speed,
    )
    return LiveResult(capture, written, steps, live.updates, stats, sid, live.sensor_log, fb)

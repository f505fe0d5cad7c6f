"""What a live recorder is, and the plumbing every recorder shares.

A recorder connects the devices of a :class:`~gait.apps.live.runtime.LiveConfig`, writes every
notification into the capture file and feeds the decoded samples to a
:class:`~gait.apps.live.runtime.LiveSession` until the session ends. There is one per transport:
:func:`gait.apps.live.ble.record_ble_live` (BLE sensors, or virtual ones with ``--simulate``) and
:func:`gait.apps.live.phone.record_phone_live` (phones over HTTP).
:func:`gait.apps.live.run.record_live` picks one by the devices asked for; the recorders import
only this module and :mod:`gait.apps.live.runtime`, never the module that picks them.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

from gait.apps.live.runtime import TICK_HZ, LiveConfig, LiveSession

#: Where one-line status messages for the user go.
Announce = Callable[[str], None]
#: ``(t0, clock) → LiveSession``: t0 = capture start, host s since the epoch; clock = the
#: capture's clock, ``() → s since the epoch`` (simulated time in a simulated BLE session).
LiveFactory = Callable[[float, Callable[[], float]], LiveSession]
#: What a recorder returns: the live session, per-device statistics, the capture file.
Recording = tuple[LiveSession, dict[str, Any], Path]
#: ``(cfg, live_factory, announce) → Recording``, run in the event loop.
Recorder = Callable[[LiveConfig, LiveFactory, Announce], Coroutine[Any, Any, Recording]]


def capture_meta(cfg: LiveConfig, scale: float, **extra: Any) -> dict[str, Any]:
    """Header of the capture file of a live session.

    Parameters
    ----------
    cfg : LiveConfig
        The session.
    scale : float
        Simulated seconds per wall second (1 for real devices).
    **extra
        Further keys, after the common ones (e.g. ``phones``).

    Returns
    -------
    dict
        ``tool``, ``activity``, ``athlete``, ``simulated``, ``speed_up`` and ``extra``.
    """
    return {
        "tool": "gait live",
        "activity": "run",
        "athlete": cfg.athlete,
        "simulated": cfg.simulate,
        "speed_up": scale,
        **extra,
    }


def relay_status(live: LiveSession, announce: Announce) -> Callable[[str], None]:
    """A device session's status callback: tell the user, then the live session."""

    def status(msg: str) -> None:
        announce(msg)
        live.on_status(msg)

    return status


async def tick_forever(live: LiveSession) -> None:
    """Call :meth:`LiveSession.tick` :data:`~gait.apps.live.runtime.TICK_HZ` times a second."""
    while True:
        await asyncio.sleep(1.0 / TICK_HZ)
        live.tick()


@contextlib.contextmanager
def stop_on_sigint(stop: Callable[[], None]) -> Iterator[None]:
    """While inside, Ctrl-C calls ``stop`` (ends the recording cleanly) instead of raising.

    Where the event loop cannot take signal handlers (not the main thread, Windows), Ctrl-C
    keeps its default behaviour.
    """
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, stop)
    try:
        yield
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)


async def cancel_all(tasks: list[asyncio.Task[Any]]) -> None:
    """Cancel the background tasks of a recording and wait until they have ended."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

"""Simulated time for virtual devices: ``speed`` times the wall clock, never ahead of its consumer.

Virtual devices sample their sources at :meth:`SimClock.now`. The clock advances at
``speed`` simulated seconds per wall second, but never past ``limit()`` when a
consumer sets one (backpressure): if the machine is too busy to analyse what the
devices send, simulated time waits for the analysis instead of running ahead, so
load slows a simulation down and never loses samples. Time held back is not
caught up later (no burst after a stall); it is counted in :attr:`SimClock.held`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from devices.errors import DeviceError


class SimClock:
    """One simulated clock shared by the virtual devices of a process.

    Parameters
    ----------
    speed : float
        Simulated seconds per wall second (> 0).
    epoch_ns : int, optional
        Unix time (ns) that simulated time 0 stands for; now by default. Capture
        files of a simulated session are stamped ``epoch_ns + simulated time``.
    limit : callable, optional
        ``() -> float``: latest simulated time (s) the consumer allows now; ``inf``
        (or None) lets the clock run freely.
    max_step : float
        Largest wall time (s) one reading may advance the clock by: after the event
        loop was blocked, simulated time moves on by at most this much (times
        ``speed``) instead of jumping ahead of everything that should have happened.

    Attributes
    ----------
    held : float
        Wall seconds during which the limit held the clock back, s.
    """

    def __init__(
        self,
        speed: float = 1.0,
        *,
        epoch_ns: int | None = None,
        limit: Callable[[], float] | None = None,
        max_step: float = 0.25,
    ) -> None:
        if not (speed > 0 and math.isfinite(speed)):
            raise DeviceError(f"simulated clock speed must be a positive number, got {speed}")
        self.speed = float(speed)
        self.epoch_ns = time.time_ns() if epoch_ns is None else int(epoch_ns)
        self.limit = limit
        self.max_step = float(max_step)
        self.held = 0.0
        self._t = 0.0
        self._wall: float | None = None

    @property
    def started(self) -> bool:
        """True once :meth:`start` ran (before it, simulated time stays 0)."""
        return self._wall is not None

    def start(self, wall: float | None = None) -> None:
        """Start the clock at simulated time 0.

        Parameters
        ----------
        wall : float, optional
            ``time.monotonic()`` value (s) that simulated time 0 stands for; now by default.
        """
        self._wall = time.monotonic() if wall is None else float(wall)
        self._t = 0.0

    def now(self) -> float:
        """Current simulated time, s (monotonic; 0 before :meth:`start`)."""
        if self._wall is None:
            return 0.0
        wall = time.monotonic()
        dt = wall - self._wall
        if dt <= 0:
            return self._t
        self._wall = wall
        if dt > self.max_step:
            self.held += dt - self.max_step
            dt = self.max_step
        t = self._t + dt * self.speed
        cap = self.limit() if self.limit is not None else math.inf
        if t > cap:
            # the consumer is behind: wait for it (no debt is kept, so no burst later)
            self.held += dt if cap <= self._t else dt * (t - cap) / (t - self._t)
            t = max(self._t, cap)
        self._t = t
        return t

    def now_ns(self) -> int:
        """Current simulated time as Unix time, ns (``epoch_ns`` + :meth:`now`)."""
        return self.epoch_ns + round(self.now() * 1e9)

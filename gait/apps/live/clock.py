"""Live sample times: decoded notifications → sample blocks on the session clock.

A notification's samples are timed from the device's own clock or counter at its
nominal rate (as :func:`devices.timestamps.reconstruct` does when it cannot trust
arrival times), never from raw arrival times: BLE delivers in bursts. The offset to
the session clock is the lower envelope of arrival − sample time (arrival = sampling
+ latency ≥ 0), found when the stream starts (samples wait until it settles), then
followed for drift and found afresh after a restart or a long outage (see ``_Axis``).
Separate accelerometer and gyroscope packets (Polar, MetaWear) are merged: gyroscope samples
are interpolated onto the accelerometer times once both cover them, as
:func:`devices.replay.assemble` does.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from devices.decoders import Samples

FloatArray = NDArray[np.float64]

#: An arrival this far (s) from where the device clock puts the packet means the
#: clock restarted or the link was down: re-anchor on the arrival time.
REANCHOR = 1.0
#: Fewest packets whose arrival times set a device's clock offset before samples flow.
WARMUP = 10
#: The offset is settled once its envelope fell less than SETTLE_TOL s over SETTLE s
#: of device time (a backlog at connection time drains first) ...
SETTLE = 1.0
SETTLE_TOL = 0.003
#: ... or once MAX_WARMUP s of samples are held (they are then released anyway).
MAX_WARMUP = 10.0
#: Device seconds over which the latency envelope is re-measured to follow clock drift.
DRIFT_BLOCK = 20.0
#: Accelerometer samples wait at most this long (s) for gyroscope samples to cover them.
MERGE_WAIT = 1.0


@dataclass
class Block:
    """Samples of one sensor on the session clock.

    Attributes
    ----------
    t : ndarray, shape (n,)
        Session time, s.
    acc : ndarray, shape (n, 3)
        m/s².
    gyr : ndarray, shape (n, 3) or None
        rad/s.
    arrival : float
        Host arrival time of the newest notification in the block, s since the epoch.
    """

    t: FloatArray
    acc: FloatArray
    gyr: FloatArray | None
    arrival: float


class _Axis:
    """Device time / counter / stream position → session time for one sensor kind.

    The offset is the lower envelope of ``arrival − last sample time`` (arrival =
    sampling + latency, latency ≥ 0): set once it stops falling over the first
    packets (a backlog at connection time drains first; their samples wait), then
    lowered at once whenever a packet arrives earlier than the envelope allows
    (samples that then overlap are dropped by the engine), raised to the envelope of
    each :data:`DRIFT_BLOCK` s of device time when that is higher (a device clock
    slower than the host's: drift), and found afresh when a packet comes far later
    than the device clock says (restart, outage). Tolerances are host seconds, so
    they scale with ``clock_scale``.
    """

    def __init__(self, rate: float, scale: float = 1.0) -> None:
        self.tol = SETTLE_TOL * scale
        self.reanchor = REANCHOR * scale
        self._blk_start = math.nan
        self._blk_min = math.inf
        self.period = 1.0 / rate
        self.offset = math.nan
        self.count = 0
        self.t_last = -math.inf
        self.t_recv = math.nan  # session time of the newest sample received (held ones too)
        self._warm: list[tuple[FloatArray, float]] = []  # (x · unit, arrival) while warming up
        self._env: list[float] = []  # lower envelope after each warm-up packet
        self._xl: list[float] = []  # last sample's device time of each warm-up packet

    def _settled(self) -> bool:
        """The envelope stopped falling over the last :data:`SETTLE` s (or waited enough)."""
        if len(self._warm) < WARMUP:
            return False
        x_now = self._xl[-1]
        if x_now - self._xl[0] > MAX_WARMUP:
            return True  # never hold data longer than this
        k = bisect.bisect_right(self._xl, x_now - SETTLE) - 1
        return k >= 0 and self._env[k] - self._env[-1] < self.tol

    def times(self, s: Samples, arrival: float) -> list[tuple[int, FloatArray]]:
        """Session times of this packet and of any held back: [(packets back, t)]."""
        n = s.n
        if s.device_time is not None:
            x = np.asarray(s.device_time, dtype=np.float64)
        elif s.counter is not None:
            x = np.asarray(s.counter, dtype=np.float64) * self.period
        else:
            x = (self.count + np.arange(n, dtype=np.float64)) * self.period
        self.count += n
        if math.isfinite(self.offset) and arrival - (self.offset + x[-1]) > self.reanchor:
            # far later than the device clock says: the clock or counter restarted, or
            # the link was down; find the offset afresh from the arrivals
            self.offset = math.nan
        if not math.isfinite(self.offset):
            self._warm.append((x, arrival))
            env = min(self._env[-1], arrival - x[-1]) if self._env else arrival - x[-1]
            self._env.append(env)
            self._xl.append(float(x[-1]))
            self.t_recv = env + float(x[-1])
            if not self._settled():
                return []
            self.offset = env
            self._env, self._xl = [], []
            out = [
                (len(self._warm) - 1 - i, self.offset + xs) for i, (xs, _) in enumerate(self._warm)
            ]
            self._warm = []
            self.t_last = self.t_recv = float(out[-1][1][-1])
            self._blk_start, self._blk_min = float(x[-1]), math.inf
            return out
        lag = arrival - (self.offset + x[-1])
        self._blk_min = min(self._blk_min, arrival - float(x[-1]))
        if x[-1] - self._blk_start >= DRIFT_BLOCK:
            # every packet of the block came later than the envelope: the device clock
            # runs slow against the host; follow it (a sub-sample step forward, no overlap)
            if self._blk_min > self.offset + self.tol:
                self.offset = self._blk_min
            self._blk_start, self._blk_min = float(x[-1]), math.inf
        if lag < -self.tol:
            # earlier than the envelope: the first packets were queued (a backlog at
            # connection time drains in the first seconds) or the clock runs fast
            self.offset += lag
        t = self.offset + x
        # (a repeated packet keeps its old times; the engine drops samples not newer)
        self.t_last = float(t[-1])
        self.t_recv = self.t_last
        return [(0, t)]


class DeviceClock:
    """Turn one device's decoded notifications into :class:`Block` s on the session clock.

    Parameters
    ----------
    rate : float
        Nominal sampling rate, Hz.
    t0 : float
        Session start on the host clock, s since the epoch (capture start).
    has_gyr : bool
        The stream carries a gyroscope (merged when sent in separate packets).
    clock_scale : float
        Session seconds per host second: 1 for real sensors; the speed-up of virtual
        sensors on an accelerated clock (their device times stay in simulated time).
    """

    def __init__(self, rate: float, t0: float, *, has_gyr: bool, clock_scale: float = 1.0) -> None:
        self.rate = float(rate)
        self.t0 = float(t0)
        self.has_gyr = has_gyr
        self.scale = float(clock_scale)
        self._axes: dict[str, _Axis] = {}
        self._held: dict[str, list[Samples]] = {}
        self._acc: list[tuple[FloatArray, FloatArray]] = []
        self._gyr: list[tuple[FloatArray, FloatArray]] = []

    def session_time(self, host_time: float) -> float:
        """Host time (s since the epoch) → session time, s."""
        return (host_time - self.t0) * self.scale

    def received(self) -> float:
        """Session time of the newest sample received, s (NaN before the first).

        Counts samples still held while the clock offset settles, so a consumer can
        tell how far the stream has got (the backpressure of simulated sessions).
        """
        axis = self._axes.get("acc") or next(iter(self._axes.values()), None)
        return axis.t_recv if axis is not None else math.nan

    def add(self, s: Samples) -> Block | None:
        """Time one notification's samples; return what is ready to analyse.

        Parameters
        ----------
        s : Samples
            Decoder output of one notification.

        Returns
        -------
        Block or None
            None when nothing is ready (RSC values, or acc waiting for its gyroscope).
        """
        if s.sensor not in ("imu", "acc", "gyr") or s.n == 0:
            return None
        arrival = self.session_time(s.host_time)
        kind = "acc" if s.sensor == "imu" else s.sensor
        axis = self._axes.setdefault(kind, _Axis(self.rate, self.scale))
        held = self._held.setdefault(kind, [])
        held.append(s)
        timed = axis.times(s, arrival)
        if not timed:
            return None  # warming up: the packet waits for its clock offset
        packets = held[-len(timed) :]
        self._held[kind] = []
        if kind == "acc" and (s.sensor == "imu" or not self.has_gyr):
            parts = [(t, p) for (_, t), p in zip(timed, packets, strict=True) if p.acc is not None]
            if not parts:
                return None
            gyr = None
            if all(p.gyr is not None for _, p in parts):
                gyr = np.concatenate([np.asarray(p.gyr, dtype=np.float64) for _, p in parts])
            return Block(
                np.concatenate([t for t, _ in parts]),
                np.concatenate([np.asarray(p.acc, dtype=np.float64) for _, p in parts]),
                gyr,
                s.host_time,
            )
        for (_, t), p in zip(timed, packets, strict=True):
            if kind == "acc" and p.acc is not None:
                self._acc.append((t, np.asarray(p.acc, dtype=np.float64)))
            elif kind == "gyr" and p.gyr is not None and self.has_gyr:
                self._gyr.append((t, np.asarray(p.gyr, dtype=np.float64)))
        return self._merge(s.host_time)

    def _merge(self, arrival: float) -> Block | None:
        """Accelerometer samples covered by gyroscope samples, gyroscope interpolated."""
        if not self._acc:
            return None
        ta = np.concatenate([a[0] for a in self._acc])
        xa = np.concatenate([a[1] for a in self._acc])
        if self._gyr:
            tg = np.concatenate([g[0] for g in self._gyr])
            xg = np.concatenate([g[1] for g in self._gyr])
        else:
            tg, xg = np.zeros(0), np.zeros((0, 3))
        ready = ta <= (tg[-1] if tg.size else -math.inf)
        # without gyroscope for too long: pass the accelerometer on (gyro NaN = dropped)
        stale = ta < ta[-1] - MERGE_WAIT
        take = ready | stale
        if not take.any():
            return None
        k = int(np.flatnonzero(take)[-1]) + 1
        t_out, acc_out = ta[:k], xa[:k]
        if tg.size >= 2:
            gyr_out = np.column_stack(
                [np.interp(t_out, tg, xg[:, i], left=np.nan, right=np.nan) for i in range(3)]
            )
        else:
            gyr_out = np.full_like(acc_out, np.nan)
        self._acc = [(ta[k:], xa[k:])] if k < ta.size else []
        # keep one gyroscope sample before the next accelerometer sample for interpolation
        if tg.size:
            j = max(0, int(np.searchsorted(tg, t_out[-1])) - 1)
            self._gyr = [(tg[j:], xg[j:])]
        return Block(t_out, acc_out, gyr_out, arrival)

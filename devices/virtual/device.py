"""A virtual BLE peripheral: a bumble GATT server emulating one profile on the radio.

The device samples its :class:`SampleSource` on a simulated clock that may run
faster than real time (``speed``), while the time stamps it sends stay in simulated
time. Packets come from the profile's encoder (:func:`devices.decoders.make_encoder`),
so the bytes are exactly those of the real firmware. Samples taken while the stream
is off or the link is down are lost, as on a real sensor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import numpy as np
from bumble import hci
from bumble.att import ATT_Error, ErrorCode
from bumble.device import Connection, Device
from bumble.gatt import Characteristic, CharacteristicValue, Service

from devices.ble.advertising import build_advertising_data
from devices.ble.radio import VirtualRadio, random_static_address
from devices.decoders import Encoder, Packet, make_encoder
from devices.profiles import Profile
from devices.virtual.clock import SimClock
from devices.virtual.faults import Faults
from devices.virtual.protocols import Protocol, make_protocol
from devices.virtual.source import SampleSource

logger = logging.getLogger(__name__)

#: Seconds between 1970-01-01 and the Polar epoch 2000-01-01.
_EPOCH_2000 = 946_684_800.0


class VirtualDevice:
    """One emulated sensor.

    Parameters
    ----------
    profile : Profile
        What to emulate.
    source : SampleSource
        Signals to stream (simulated time).
    radio : VirtualRadio
        Radio to advertise on.
    name : str, optional
        Advertised name; default from the profile's first name pattern.
    address : str, optional
        Random static address; fresh by default.
    speed : float
        Simulated seconds per wall second (1 = real time); ignored when ``clock`` is given.
    clock : SimClock, optional
        Shared simulated clock (sensors worn by one body share one; a consumer can hold
        it back). By default the device has its own, started by :meth:`start`.
    faults : Faults, optional
        Fault injection (read live, so it can be changed while running).
    max_mtu : int, optional
        Largest ATT MTU the device accepts (23 emulates old firmware).
    tick : float
        Wall seconds between streaming steps.
    advertising_interval : float
        Advertising interval, ms.
    loop : bool
        Start the source again at its end (time keeps increasing) instead of going quiet.

    Attributes
    ----------
    sent, lost : int
        Data notifications sent, and lost on purpose (``faults.loss``).
    drops : list of float
        Simulated times of forced link drops, s.
    """

    def __init__(
        self,
        profile: Profile,
        source: SampleSource,
        radio: VirtualRadio,
        *,
        name: str | None = None,
        address: str | None = None,
        speed: float = 1.0,
        clock: SimClock | None = None,
        faults: Faults | None = None,
        max_mtu: int | None = None,
        tick: float = 0.02,
        advertising_interval: float = 20.0,
        loop: bool = False,
    ) -> None:
        self.profile = profile
        self.source = source
        self.radio = radio
        self.name = name or default_name(profile)
        self.address = address or random_static_address()
        self.clock = clock if clock is not None else SimClock(speed)
        self.speed = self.clock.speed
        self.faults = faults or Faults()
        self.max_mtu = max_mtu
        self.tick = float(tick)
        self.adv_interval = float(advertising_interval)
        self.loop = loop
        self.protocol: Protocol = make_protocol(profile, self.faults.refuse_start)
        self.rate = source.rate
        # Device clock at simulated time 0 (PMD: seconds since 2000-01-01).
        self.device_clock = time.time() - _EPOCH_2000 if profile.decoder == "polar_pmd" else 0.0
        self.sent = 0
        self.lost = 0
        self.drops: list[float] = []
        self.connections = 0
        self._rng = np.random.default_rng(self.faults.seed)
        self._host: Device | None = None
        self._conn: Connection | None = None
        self._chars: dict[str, Characteristic] = {}
        self._encoder: Encoder | None = None
        self._task: asyncio.Task[None] | None = None
        self._silent_until = -1.0
        self._conn_t0 = 0.0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopping = False
        self._was_streaming = False

    # -- clock --------------------------------------------------------------------
    def sim_time(self) -> float:
        """Current simulated time, s."""
        return self.clock.now()

    # -- lifecycle ------------------------------------------------------------------
    async def start(self, clock_origin: float | None = None) -> None:
        """Power on, build the GATT server, advertise and start the sampling clock.

        Parameters
        ----------
        clock_origin : float, optional
            ``time.monotonic()`` value (s) at which simulated time is 0, to start the
            device's clock; by default it starts now, unless it is a shared clock that
            already runs.
        """
        host = await self.radio.new_host(self.name, self.address, self.max_mtu)
        self._host = host
        chars = []
        for role, uuid in self.profile.characteristics.items():
            ch = Characteristic(
                uuid,
                self.protocol.properties(role),
                Characteristic.READABLE | Characteristic.WRITEABLE,
                CharacteristicValue(
                    read=lambda _conn, r=role: self._on_read(r),
                    write=lambda _conn, value, r=role: self._on_write(r, value),
                ),
            )
            ch.on(
                ch.EVENT_SUBSCRIPTION,
                lambda _bearer, notify, indicate, r=role: self.protocol.on_subscription(
                    r, notify or indicate
                ),
            )
            self._chars[role] = ch
            chars.append(ch)
        host.add_service(Service(self.profile.service, chars))
        host.on(Device.EVENT_CONNECTION, self._on_connection)
        if clock_origin is not None or not self.clock.started:
            self.clock.start(clock_origin)
        await self._advertise()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop streaming, disconnect and leave the radio."""
        self._stopping = True
        if self._tasks:
            # let HCI commands in flight finish: cancelling one desynchronises bumble's host
            await asyncio.wait(list(self._tasks), timeout=2.0)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self._conn.disconnect(
                        hci.HCI_ErrorCode.REMOTE_USER_TERMINATED_CONNECTION_ERROR
                    ),
                    1.0,
                )
        if self._host is not None:
            with contextlib.suppress(Exception):
                await self._host.stop_advertising()
            self.radio.remove_host(self._host)
            self._host = None

    async def _advertise(self) -> None:
        assert self._host is not None
        services = [self.profile.service, *self.profile.match.services]
        data = build_advertising_data(self.name, list(dict.fromkeys(services)))
        await self._host.start_advertising(
            advertising_data=data,
            scan_response_data=data,
            advertising_interval_min=self.adv_interval,
            advertising_interval_max=self.adv_interval,
        )

    # -- connection events ---------------------------------------------------------
    def _on_connection(self, conn: Connection) -> None:
        self._conn = conn
        self.connections += 1
        self._conn_t0 = self.sim_time()
        self.protocol.reset()
        self.protocol.mtu = conn.att_mtu
        conn.on(
            Connection.EVENT_CONNECTION_ATT_MTU_UPDATE,
            lambda: setattr(self.protocol, "mtu", conn.att_mtu),
        )
        conn.on(Connection.EVENT_DISCONNECTION, lambda _reason: self._on_disconnection(conn))

    def _on_disconnection(self, conn: Connection) -> None:
        if self._conn is conn:
            self._conn = None
        self.protocol.reset()
        if not self._stopping:
            self._spawn(self._readvertise())

    async def _readvertise(self) -> None:
        # simulated time may be held back by the consumer: wait on it, not on the wall
        while self.sim_time() < self._silent_until and not self._stopping:
            await asyncio.sleep(self.tick)
        if self._host is not None and self._conn is None and not self._stopping:
            with contextlib.suppress(Exception):
                await self._advertise()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_read(self, role: str) -> bytes:
        # bumble's server does not check properties itself; the firmware would
        if not self.protocol.properties(role) & Characteristic.Properties.READ:
            raise ATT_Error(ErrorCode.READ_NOT_PERMITTED)
        return self.protocol.read(role)

    def _on_write(self, role: str, value: bytes) -> None:
        writable = (
            Characteristic.Properties.WRITE | Characteristic.Properties.WRITE_WITHOUT_RESPONSE
        )
        if not self.protocol.properties(role) & writable:
            raise ATT_Error(ErrorCode.WRITE_NOT_PERMITTED)
        self.protocol.refuse_start = self.faults.refuse_start  # faults may change while running
        replies = self.protocol.on_write(role, bytes(value))  # ATT_Error refuses the write
        if replies:
            self._spawn(self._send_replies(replies))

    def _new_encoder(self) -> Encoder:
        return make_encoder(self.profile, rate=self.rate, device_clock=self.device_clock)

    async def _send_replies(self, replies: list[Packet]) -> None:
        # after the write response, as the firmware answers asynchronously
        await asyncio.sleep(0)
        conn, host = self._conn, self._host
        if conn is None or host is None:
            return
        for p in replies:
            ch = self._chars.get(p.char)
            if ch is None:
                continue
            with contextlib.suppress(Exception):
                if ch.properties & Characteristic.Properties.INDICATE:
                    await host.indicate_subscriber(conn, ch, p.data)
                else:
                    await host.notify_subscriber(conn, ch, p.data)

    async def wait_finished(self) -> None:
        """Wait until a non-looping source has been streamed to its end."""
        if self._task is not None:
            await asyncio.shield(self._task)

    # -- fault commands --------------------------------------------------------------
    async def drop_link(self, outage: float | None = None) -> None:
        """Drop the link now (supervision timeout) and stay silent for ``outage`` sim s."""
        conn = self._conn
        if conn is None:
            return
        self._silent_until = self.sim_time() + (self.faults.outage if outage is None else outage)
        self.drops.append(self.sim_time())
        with contextlib.suppress(Exception):
            await conn.disconnect(hci.HCI_ErrorCode.CONNECTION_TIMEOUT_ERROR)

    # -- streaming -------------------------------------------------------------------
    def _chunks(self, t_from: float, t_to: float) -> list[tuple[Any, ...]]:
        """Source samples in [t_from, t_to) of simulated time, wrapping around when looping."""
        if not self.loop:
            return [self.source.chunk(self.source.index_range(t_from, t_to))]
        period = self.source.duration + 1.0 / self.rate
        out = []
        k = int(t_from // period)
        while k * period < t_to:
            lo, hi = max(t_from, k * period) - k * period, min(t_to, (k + 1) * period) - k * period
            t, acc, gyr, values = self.source.chunk(self.source.index_range(lo, hi))
            out.append((t + k * period, acc, gyr, values))
            k += 1
        return out

    async def _run(self) -> None:
        t_cur = 0.0
        self._was_streaming = False
        self._encoder = self._new_encoder()
        end = np.inf if self.loop else self.source.duration + 1.0 / self.rate
        while t_cur < end:
            await asyncio.sleep(self.tick)
            t_now = min(self.sim_time(), end)
            t_from, t_cur = t_cur, t_now
            await self._stream_step(t_from, t_now)
            # forced drops come after the step: what was sampled before the drop is delivered
            f = self.faults
            if (
                f.drop_every is not None
                and self._conn is not None
                and t_now - self._conn_t0 >= f.drop_every
            ):
                await self.drop_link()

    async def _stream_step(self, t_from: float, t_now: float) -> None:
        """Sample [t_from, t_now) of simulated time and send it if someone listens."""
        conn, host = self._conn, self._host
        streaming = conn is not None and host is not None and self.protocol.streaming()
        if streaming and not self._was_streaming and self.protocol.restart_on_start:
            self._encoder = self._new_encoder()  # a restarted measurement starts anew
        self._was_streaming = streaming
        enc = self._encoder
        if enc is None:
            return
        # The device samples all the time (its counters run on); what is encoded while
        # nobody listens is lost, as on a real sensor.
        packets: list[Packet] = []
        for t, acc, gyr, values in self._chunks(t_from, t_now):
            if t.shape[0]:
                packets += enc.encode(t, acc, gyr, values or None)
        if not streaming or not packets or conn is None or host is None:
            return
        f = self.faults
        if f.jitter > 0:
            await asyncio.sleep(float(self._rng.uniform(0.0, f.jitter)))
        for p in packets:
            if not self.protocol.allows(p):
                continue
            if f.loss > 0 and self._rng.random() < f.loss:
                self.lost += 1
                continue
            ch = self._chars.get(p.char)
            if ch is None or self._conn is not conn:
                break
            try:
                await host.notify_subscriber(conn, ch, p.data)
            # The link dropped mid-batch (the stack raises whatever it raises for a
            # vanished peer): the rest of the batch is lost, the device keeps running.
            except Exception as exc:  # noqa: BLE001
                logger.debug("notify failed: %s", exc)
                break
            self.sent += 1


def default_name(profile: Profile) -> str:
    """An advertised name that the profile's first name pattern matches."""
    examples = {
        "polar-verity": "Polar Sense B5A1",
        "polar-h10": "Polar H10 B5A1",
        "movesense": "Movesense 2132",
        "metawear": "MetaWear",
        "thingy52": "Thingy",
        "rsc-footpod": "Stryd",
        "gait-imu": "gait-imu",
    }
    import re

    candidates = [examples.get(profile.id, profile.name), profile.name, profile.id]
    for c in candidates:
        if any(re.search(p, c) for p in profile.match.names) or not profile.match.names:
            return c
    # fall back to the literal prefix of the first pattern
    pat = profile.match.names[0]
    return re.sub(r"[\^\$\\\.\*\+\?\(\)\[\]\{\}\|]", "", pat)[:20] or profile.id

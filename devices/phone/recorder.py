"""Record phones into a capture file: Sensor Logger receivers and phyphox pollers.

:class:`PhoneSession` mirrors :class:`devices.ble_recorder.Session` (``run``, ``stop``,
``targets``, ``on_status``, ``on_samples``): every accepted HTTP body is written to the
capture file at its arrival, bit-exact, then decoded and handed on. A phone that goes
quiet for :data:`QUIET_AFTER` s is reported lost (a ``gap`` event is written when it comes
back), so the live page shows it like a BLE sensor that dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devices.ble_recorder import DeviceSpec, DeviceStats
from devices.capture import CaptureWriter
from devices.decoders import Samples, make_decoder
from devices.errors import DeviceError, PayloadError
from devices.lan import lan_address
from devices.phone.decoders import SensorLoggerDecoder
from devices.phone.http import request
from devices.phone.phyphox import buffer_names, get_query, parse_get_reply
from devices.phone.profiles import phone_profile
from devices.phone.receiver import PushReceiver, Reorder
from devices.phone.sensorlogger import SensorLoggerBatch
from devices.phone.spec import PhoneSpec
from devices.profiles import Profile

logger = logging.getLogger(__name__)

#: Seconds without data after which a phone is reported lost.
QUIET_AFTER = 3.0
#: phyphox poll period, s.
POLL_INTERVAL = 0.2
#: phyphox measuring without new data this long (s): re-read the newest time (a cleared experiment).
RESYNC_AFTER = 2.0


@dataclass
class PhoneStats(DeviceStats):
    """:class:`DeviceStats` plus the HTTP counts of a phone.

    Attributes
    ----------
    rejected : Counter
        Requests or replies rejected, by reason.
    reordered : int
        Pushes that arrived out of order and were put back in order.
    late_samples : int
        Samples dropped as not newer than those already passed on.
    """

    rejected: Counter[str] = field(default_factory=Counter)
    reordered: int = 0
    late_samples: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON view."""
        return {
            **super().as_dict(),
            "rejected": dict(self.rejected),
            "reordered": self.reordered,
            "late_samples": self.late_samples,
        }


@dataclass
class _PollState:
    """What a phyphox poller keeps between polls.

    Attributes
    ----------
    names : dict
        Buffer names per kind (:func:`~devices.phone.phyphox.buffer_names`).
    last_data : int
        Host time of the last poll that brought new data, ns.
    thresholds : dict of str to float or None
        Per kind, the newest experiment time received, s; None asks for the newest time.
    configured : bool
        ``/config``, ``/time`` and ``/meta`` were recorded.
    """

    names: dict[str, tuple[str, str, str, str]]
    last_data: int
    thresholds: dict[str, float | None] = field(default_factory=lambda: {"acc": None})
    configured: bool = False


@dataclass
class _Adv:
    local_name: str


@dataclass
class _Dev:
    address: str
    name: str


@dataclass
class PhoneTarget:
    """One phone of a session (attributes named as :class:`devices.ble_recorder.Session` targets).

    Attributes
    ----------
    phone : PhoneSpec
    spec : DeviceSpec
        Key, placement ``phone``.
    profile : Profile
    index : int
        Device index in the capture.
    url : str
        What the user types into Sensor Logger, or the phyphox address polled.
    """

    phone: PhoneSpec
    spec: DeviceSpec
    profile: Profile
    device: _Dev
    adv: _Adv
    index: int = -1
    decoder: Any = None
    stats: PhoneStats = field(default_factory=PhoneStats)
    url: str = ""
    last_ns: int = 0
    lost_ns: int | None = None
    connected: bool = False
    receiver: PushReceiver | None = None
    reorder: Reorder | None = None


def make_target(phone: PhoneSpec) -> PhoneTarget:
    """A target for a parsed phone request (profile chosen by app and platform)."""
    prof = phone_profile(phone.app, phone.platform if phone.app == "sensorlogger" else "unknown")
    label = phone.label
    return PhoneTarget(
        phone, DeviceSpec(label, "phone", None), prof, _Dev(label, label), _Adv(label)
    )


class PhoneSession:
    """Record several phones into one capture file.

    Parameters
    ----------
    phones : list of PhoneSpec
        The phones.
    writer : CaptureWriter
        Open capture file.
    on_status : callable, optional
        One-line messages (``LABEL: streaming`` / ``link lost`` / ``reconnected`` ...).
    on_samples : callable, optional
        ``on_samples(device_index, samples)`` for each decoded body.
    token : str, optional
        Token of LAN receivers (a random one when needed and not given).
    poll_interval : float
        phyphox poll period, s.
    reorder_hold : float
        Longest wait for a missing Sensor Logger push, s.
    quiet_after : float
        Seconds without data before a phone is reported lost.
    """

    def __init__(
        self,
        phones: list[PhoneSpec],
        writer: CaptureWriter,
        *,
        on_status: Callable[[str], None] | None = None,
        on_samples: Callable[[int, Samples], None] | None = None,
        token: str | None = None,
        poll_interval: float = POLL_INTERVAL,
        reorder_hold: float = 1.0,
        quiet_after: float = QUIET_AFTER,
    ) -> None:
        if not phones:
            raise DeviceError("no phone to record")
        self.phones = phones
        self.writer = writer
        self.on_status = on_status or (lambda m: logger.info(m))
        self.on_samples = on_samples
        self.token = token
        self.poll_interval = float(poll_interval)
        self.reorder_hold = float(reorder_hold)
        self.quiet_after = float(quiet_after)
        self.targets: list[PhoneTarget] = []
        self._stop = asyncio.Event()
        self._servers: list[Any] = []

    def stop(self) -> None:
        """End a running :meth:`run` early."""
        self._stop.set()

    # -- data path ------------------------------------------------------------------------
    def _arrived(self, t: PhoneTarget, ns: int) -> None:
        if not t.connected:
            t.connected = True
            if t.lost_ns is not None:
                t.stats.gaps.append((t.lost_ns / 1e9, ns / 1e9))
                t.stats.reconnect_times.append((ns - t.lost_ns) / 1e9)
                self.writer.event("gap", t.index, start_ns=t.lost_ns, end_ns=ns)
                self.writer.event("reconnect", t.index, seconds=(ns - t.lost_ns) / 1e9)
                self.on_status(f"{t.phone.label}: reconnected after {(ns - t.lost_ns) / 1e9:.2f} s")
                t.lost_ns = None
            else:
                self.writer.event("connect", t.index)
                self.on_status(f"{t.phone.label}: streaming")
        t.last_ns = ns

    def _emit(self, t: PhoneTarget, s: Samples | None) -> None:
        if s is None:
            return
        t.stats.main_samples += s.n
        if self.on_samples is not None:
            self.on_samples(t.index, s)

    def _on_push(self, t: PhoneTarget, batch: SensorLoggerBatch, body: bytes, ns: int) -> None:
        self.writer.write(t.index, t.profile.uuid("data"), body, ns)
        t.stats.packets += 1
        self._arrived(t, ns)
        assert t.reorder is not None
        for b, h in t.reorder.push(batch.session_id, batch.message_id, (batch, ns / 1e9), ns / 1e9):
            self._emit(t, t.decoder.feed_parsed(b, h))

    def _release_due(self) -> None:
        now = self.writer.now_ns() / 1e9
        for t in self.targets:
            if t.reorder is not None:
                for b, h in t.reorder.due(now):
                    self._emit(t, t.decoder.feed_parsed(b, h))

    # -- phones ---------------------------------------------------------------------------
    async def _serve(self, t: PhoneTarget) -> None:
        import uvicorn

        ph = t.phone
        token = None
        if ph.on_lan:
            self.token = self.token or PushReceiver.new_token()
            token = self.token
        t.reorder = Reorder(self.reorder_hold)
        t.receiver = PushReceiver(
            lambda b, body, ns: self._on_push(t, b, body, ns),
            self.writer.now_ns,
            token=token,
            loopback=not ph.on_lan,
        )
        sock = socket.socket(
            socket.AF_INET6 if ":" in ph.host else socket.AF_INET, socket.SOCK_STREAM
        )
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((ph.host, ph.port))
        except OSError as exc:
            sock.close()
            raise DeviceError(
                f"{ph.label}: cannot listen on {ph.host}:{ph.port}: {exc.strerror or exc}"
            ) from None
        port = sock.getsockname()[1]
        shown = ph.host if ph.host not in ("0.0.0.0", "::") else lan_address()
        t.url = f"http://{shown}:{port}{t.receiver.path()}"
        server = uvicorn.Server(
            uvicorn.Config(
                t.receiver,
                log_level="warning",
                lifespan="off",
                access_log=False,
                limit_concurrency=64,
                timeout_keep_alive=5,
            )
        )
        self._servers.append(server)
        self.on_status(f"{ph.label}: in Sensor Logger set HTTP Push to {t.url}")
        await server.serve(sockets=[sock])

    async def _poll(self, t: PhoneTarget) -> None:
        ph = t.phone
        t.url = f"http://{ph.host}:{ph.port}"
        st = _PollState(names=buffer_names(None), last_data=self.writer.now_ns())
        delay = self.poll_interval
        while not self._stop.is_set():
            try:
                if not st.configured:
                    await self._configure(t, st)
                await self._poll_once(t, st)
                delay = self.poll_interval
            except PayloadError as exc:
                t.stats.rejected[exc.reason] += 1
            except (OSError, TimeoutError, ValueError) as exc:
                logger.debug("%s: %s", ph.label, exc)
                t.stats.rejected["unreachable"] += 1
                delay = min(1.0, delay * 2)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)

    async def _configure(self, t: PhoneTarget, st: _PollState) -> None:
        """Record the experiment's ``/config``, ``/time`` and ``/meta``; learn buffer names."""
        ph = t.phone
        for role, path in (("config", "/config"), ("time", "/time"), ("meta", "/meta")):
            code, body = await request(ph.host, ph.port, "GET", path)
            if code == 200 and body:
                self.writer.write(t.index, t.profile.uuid(role), body, self.writer.now_ns())
                t.decoder.feed(body, self.writer.now_ns() / 1e9, role)
                if role == "config":
                    st.names = {"acc": buffer_names(body)["acc"]}
        st.configured = True

    async def _poll_once(self, t: PhoneTarget, st: _PollState) -> None:
        """One ``/get``: the newest time first, then the data above the threshold."""
        ph = t.phone
        code, body = await request(ph.host, ph.port, "GET", get_query(st.names, st.thresholds))
        ns = self.writer.now_ns()
        if code != 200:
            t.stats.rejected[f"http_{code}"] += 1
            return
        reply = parse_get_reply(body)
        tb = reply.buffers.get(st.names["acc"][3])
        if st.thresholds["acc"] is None:
            # first answer: the newest time only; data flows from here on
            if tb is not None and tb.size and tb[-1] == tb[-1]:
                st.thresholds["acc"] = float(tb[-1])
            return
        self.writer.write(t.index, t.profile.uuid("data"), body, ns)
        t.stats.packets += 1
        fin = tb[tb == tb] if tb is not None else None
        if fin is not None and fin.size:
            st.thresholds["acc"] = max(float(st.thresholds["acc"]), float(fin.max()))
            self._arrived(t, ns)
            st.last_data = ns
        elif reply.measuring and ns - st.last_data > RESYNC_AFTER * 1e9:
            # measuring but nothing above our threshold: the experiment was
            # cleared and its time restarted; ask for the newest time again
            st.thresholds["acc"] = None
            st.last_data = ns
        self._emit(t, t.decoder.feed(body, ns / 1e9, "data"))

    async def _watch(self) -> None:
        """Report phones that went quiet; release pushes waiting for a missing one."""
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), 0.05)
            self._release_due()
            now = self.writer.now_ns()
            for t in self.targets:
                if t.connected and now - t.last_ns > self.quiet_after * 1e9:
                    t.connected = False
                    t.lost_ns = t.last_ns
                    self.writer.event("disconnect", t.index)
                    self.on_status(
                        f"{t.phone.label}: link lost (no data for {self.quiet_after:g} s)"
                    )

    async def run(self, duration: float) -> dict[str, PhoneStats]:
        """Record for ``duration`` wall seconds (or until :meth:`stop`).

        Parameters
        ----------
        duration : float
            Longest recording time, s.

        Returns
        -------
        dict
            Phone label → :class:`PhoneStats`.

        Raises
        ------
        DeviceError
            A receiver cannot listen on its address.
        """
        self._add_phones()
        tasks = [
            asyncio.create_task(self._serve(t) if t.phone.app == "sensorlogger" else self._poll(t))
            for t in self.targets
        ]
        tasks.append(asyncio.create_task(self._watch()))
        self.writer.event("start", None, devices=len(self.targets))
        t_start = time.monotonic()
        try:
            await self._until_done(tasks[:-1], duration)
        finally:
            await self._shut_down(tasks, t_start)
        self._final_stats(t_start)
        return {t.phone.label: t.stats for t in self.targets}

    def _add_phones(self) -> None:
        """Make the targets, their capture device records and their decoders."""
        self.targets = [make_target(p) for p in self.phones]
        for t in self.targets:
            info = {"app": t.phone.app, "mount": t.phone.mount, "platform": t.phone.platform}
            t.index = self.writer.add_device(
                t.device.address,
                t.device.name,
                t.profile.id,
                "phone",
                None,
                dict(t.profile.characteristics),
                info,
            )
            t.decoder = make_decoder(t.profile)

    async def _until_done(self, phones: list[asyncio.Task[None]], duration: float) -> None:
        """Wait for the duration, :meth:`stop` or a phone task ending (its error raised)."""
        stop = asyncio.create_task(self._stop.wait())
        done, _ = await asyncio.wait(
            [stop, *phones], timeout=duration, return_when=asyncio.FIRST_COMPLETED
        )
        for d in done:
            if d is not stop and d.exception() is not None:
                raise d.exception()  # type: ignore[misc]

    async def _shut_down(self, tasks: list[asyncio.Task[None]], t_start: float) -> None:
        """Stop servers and pollers, decode what the reorder buffers still hold, log the stop."""
        self._stop.set()
        for s in self._servers:
            s.should_exit = True
        await asyncio.sleep(0)
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._release_due()
        for t in self.targets:
            if t.reorder is not None:  # end of session: nothing more will arrive
                t.reorder.hold = 0.0
                for b, h in t.reorder.due(float("inf")):
                    self._emit(t, t.decoder.feed_parsed(b, h))
        self.writer.event("stop", None, seconds=time.monotonic() - t_start)

    def _final_stats(self, t_start: float) -> None:
        """Copy the decoders', receivers' and reorder buffers' counts into each phone's stats."""
        for t in self.targets:
            ds = t.decoder.stats
            t.stats.bad, t.stats.samples = ds.bad, ds.samples
            t.stats.streaming_time = time.monotonic() - t_start
            if t.receiver is not None:
                t.stats.rejected.update(t.receiver.stats.rejected)
            if t.reorder is not None:
                t.stats.reordered = t.reorder.reordered
            if isinstance(t.decoder, SensorLoggerDecoder):
                t.stats.late_samples = t.decoder.late_samples

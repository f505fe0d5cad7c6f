"""Multi-device recording sessions on bleak's public API.

A :class:`Session` finds the requested devices with ``BleakScanner``, connects each
with ``BleakClient`` (backend chosen by the radio), runs the profile's start sequence,
and writes every notification to a :class:`~devices.capture.CaptureWriter` as it
arrives. A dropped link is retried with exponential backoff and the *whole* start
sequence is repeated after a reconnect (devices forget their streams when the link
drops). A device that does not come back is reported and the others go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.exc import BleakError

from devices.capture import CaptureWriter
from devices.decoders import Decoder, Samples, make_decoder
from devices.errors import DeviceError
from devices.profiles import PLACEMENTS, SIDES, Profile, match_profile

logger = logging.getLogger(__name__)

_ADDRESS = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")


@dataclass(frozen=True)
class DeviceSpec:
    """One ``--device NAME|ADDRESS[=placement[:side]]`` request.

    Parameters
    ----------
    key : str
        Advertised name or BLE address.
    placement : str or None
        Body placement; None uses the profile's nominal placement.
    side : str or None
        ``left``, ``right`` or None.
    """

    key: str
    placement: str | None = None
    side: str | None = None

    @property
    def is_address(self) -> bool:
        """True when :attr:`key` is a BLE address."""
        return bool(_ADDRESS.match(self.key))

    def matches(self, device: BLEDevice, adv: AdvertisementData) -> bool:
        """True when a scanned device is the one requested (address, else exact name)."""
        if self.is_address:
            return device.address.upper() == self.key.upper()
        return (adv.local_name or device.name or "") == self.key


def parse_device_spec(text: str) -> DeviceSpec:
    """Parse ``NAME|ADDRESS[=placement[:side]]``.

    Raises
    ------
    DeviceError
        Empty key, unknown placement or side.
    """
    key, _, where = text.partition("=")
    key = key.strip()
    if not key:
        raise DeviceError(f"--device {text!r}: give a name or an address")
    placement = side = None
    if where:
        placement, _, s = where.partition(":")
        placement = placement.strip() or None
        side = s.strip() or None
        if placement is not None and placement not in PLACEMENTS:
            raise DeviceError(f"--device {text!r}: placement must be one of {list(PLACEMENTS)}")
        if side is not None and side not in SIDES:
            raise DeviceError(f"--device {text!r}: side must be one of {list(SIDES)}")
    return DeviceSpec(key, placement, side)


@dataclass
class DeviceStats:
    """Per-device statistics of a session.

    Attributes
    ----------
    packets : int
        Notifications received (all characteristics).
    bad : int
        Notifications the decoder dropped as malformed.
    samples : int
        Samples decoded (acc and gyr counted apart when sent apart).
    main_samples : int
        Samples of the main sensor (IMU or accelerometer; RSC measurements).
    lost_samples : int
        Samples missing according to the device counter or clock.
    streaming_time : float
        Wall seconds with the stream running, s.
    gaps : list of (float, float)
        Outages as (start, end) host times, s since the Unix epoch.
    reconnect_times : list of float
        Wall seconds from each link loss to the stream running again.
    vanished : bool
        True when the device did not come back.
    """

    packets: int = 0
    bad: int = 0
    samples: int = 0
    main_samples: int = 0
    lost_samples: int = 0
    streaming_time: float = 0.0
    gaps: list[tuple[float, float]] = field(default_factory=list)
    reconnect_times: list[float] = field(default_factory=list)
    vanished: bool = False

    @property
    def rate(self) -> float:
        """Measured rate of arriving samples while streaming, Hz (per wall second)."""
        return self.main_samples / self.streaming_time if self.streaming_time > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON view."""
        return {
            "packets": self.packets,
            "bad": self.bad,
            "samples": self.samples,
            "lost_samples": self.lost_samples,
            "rate_hz": round(self.rate, 3),
            "gaps": [list(g) for g in self.gaps],
            "reconnects": len(self.reconnect_times),
            "reconnect_times_s": [round(x, 4) for x in self.reconnect_times],
            "vanished": self.vanished,
        }


@dataclass
class _Target:
    spec: DeviceSpec
    device: BLEDevice
    adv: AdvertisementData
    profile: Profile
    index: int = -1
    decoder: Decoder | None = None
    stats: DeviceStats = field(default_factory=DeviceStats)
    client: BleakClient | None = None
    lost: asyncio.Event = field(default_factory=asyncio.Event)
    since: float = 0.0  # monotonic time the current stream started
    responses: dict[str, asyncio.Queue[bytes]] = field(default_factory=dict)


async def scan(
    timeout: float = 5.0,
    *,
    backend: type[BaseBleakScanner] | None = None,
    stop_when: Callable[[dict[str, tuple[BLEDevice, AdvertisementData]]], bool] | None = None,
    **backend_kwargs: Any,
) -> dict[str, tuple[BLEDevice, AdvertisementData]]:
    """Scan for ``timeout`` seconds (or until ``stop_when(seen)`` is true).

    Returns
    -------
    dict
        Address → (BLEDevice, AdvertisementData) of everything heard.
    """
    seen: dict[str, tuple[BLEDevice, AdvertisementData]] = {}
    done = asyncio.Event()

    def on_adv(device: BLEDevice, adv: AdvertisementData) -> None:
        seen[device.address] = (device, adv)
        if stop_when is not None and stop_when(seen):
            done.set()

    async with BleakScanner(on_adv, backend=backend, **backend_kwargs):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), timeout)
    return seen


class Session:
    """Record several devices at once into one capture file.

    Parameters
    ----------
    specs : list of DeviceSpec
        Devices to record.
    writer : CaptureWriter
        Open capture file; the session writes, the caller closes.
    scanner_backend, client_backend : type or None
        bleak backends (None: the platform's).
    backend_kwargs : dict, optional
        Extra keyword arguments for both backends (the virtual radio: ``radio=``).
    scan_timeout : float
        Seconds to look for the devices, s.
    connect_timeout : float
        Seconds per connection attempt, s.
    backoff : tuple of float
        (first, factor, largest) delay between reconnection attempts, s.
    vanish_after : float
        Give a device up when it has not come back after this long, s.
    on_status : callable, optional
        Called with a one-line message on every connect/loss/reconnect/vanish.
    on_samples : callable, optional
        Called as ``on_samples(device_index, samples)`` with every decoded
        :class:`~devices.decoders.Samples` batch, for live views (must be quick).
    """

    def __init__(
        self,
        specs: list[DeviceSpec],
        writer: CaptureWriter,
        *,
        scanner_backend: type[BaseBleakScanner] | None = None,
        client_backend: type[BaseBleakClient] | None = None,
        backend_kwargs: dict[str, Any] | None = None,
        scan_timeout: float = 5.0,
        connect_timeout: float = 2.0,
        backoff: tuple[float, float, float] = (0.05, 2.0, 1.0),
        vanish_after: float = 30.0,
        on_status: Callable[[str], None] | None = None,
        on_samples: Callable[[int, Samples], None] | None = None,
    ) -> None:
        if not specs:
            raise DeviceError("no device to record: give at least one --device")
        self.specs = specs
        self.writer = writer
        self.scanner_backend = scanner_backend
        self.client_backend = client_backend
        self.kw = dict(backend_kwargs or {})
        self.scan_timeout = scan_timeout
        self.connect_timeout = connect_timeout
        self.backoff = backoff
        self.vanish_after = vanish_after
        self.on_status = on_status or (lambda msg: logger.info(msg))
        self.on_samples = on_samples
        self.targets: list[_Target] = []
        self._stopping = asyncio.Event()
        self._stop_requested = asyncio.Event()

    def stop(self) -> None:
        """End a running :meth:`run` early (as if its duration had elapsed)."""
        self._stop_requested.set()

    @property
    def packets(self) -> int:
        """Notifications received so far, all devices."""
        return sum(t.stats.packets for t in self.targets)

    # -- discovery --------------------------------------------------------------
    async def find(self) -> list[_Target]:
        """Scan and match every requested device to a supported profile.

        Raises
        ------
        DeviceError
            A device is not found, or found but no profile supports it.
        """

        def all_found(seen: dict[str, tuple[BLEDevice, AdvertisementData]]) -> bool:
            return all(any(s.matches(d, a) for d, a in seen.values()) for s in self.specs)

        seen = await scan(
            self.scan_timeout, backend=self.scanner_backend, stop_when=all_found, **self.kw
        )
        targets = []
        for spec in self.specs:
            hit = next(((d, a) for d, a in seen.values() if spec.matches(d, a)), None)
            if hit is None:
                names = sorted({a.local_name or d.address for d, a in seen.values()})
                raise DeviceError(
                    f"device {spec.key!r} not found after {self.scan_timeout:g} s of scanning; "
                    f"heard: {', '.join(names) if names else 'nothing'}"
                )
            dev, adv = hit
            prof = match_profile(adv.local_name or dev.name, adv.service_uuids)
            if prof is None:
                raise DeviceError(
                    f"device {spec.key!r} ({adv.local_name or dev.address}) is not a supported "
                    "sensor: no firmware profile matches it (see 'gait profiles')"
                )
            targets.append(_Target(spec, dev, adv, prof))
        return targets

    # -- run -------------------------------------------------------------------
    async def run(self, duration: float) -> dict[str, DeviceStats]:
        """Record for ``duration`` wall seconds (or until :meth:`stop`).

        Returns
        -------
        dict
            Device name → :class:`DeviceStats`.

        Raises
        ------
        DeviceError
            A device is unknown, or refuses its first start sequence (what was
            already written stays in the capture file).
        """
        self.targets = await self.find()
        for t in self.targets:
            t.index = self.writer.add_device(
                t.device.address,
                t.adv.local_name or t.device.name or t.device.address,
                t.profile.id,
                t.spec.placement or t.profile.placement,
                t.spec.side or t.profile.side,
                dict(t.profile.characteristics),
                {"rssi": t.adv.rssi},
            )
            t.decoder = make_decoder(t.profile)
        # First connection of every device: errors here are the user's to see.
        results = await asyncio.gather(
            *(self._connect_and_start(t) for t in self.targets), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            # every attempt has finished, so nothing connects behind our back
            await self._shutdown()
            for t, r in zip(self.targets, results, strict=True):
                if isinstance(r, BaseException):
                    self.writer.event("error", t.index, message=str(r))
            raise errors[0]
        self.writer.event("start", None, devices=len(self.targets))
        tasks = [asyncio.create_task(self._keep_alive(t)) for t in self.targets]
        t_start = time.monotonic()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop_requested.wait(), duration)
        finally:
            self._stopping.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for t in self.targets:
                if t.client is not None and t.client.is_connected:
                    t.stats.streaming_time += time.monotonic() - t.since
            await self._shutdown()
            self.writer.event("stop", None, seconds=time.monotonic() - t_start)
        for t in self.targets:
            assert t.decoder is not None
            t.stats.bad = t.decoder.stats.bad
            t.stats.samples = t.decoder.stats.samples
            t.stats.lost_samples = t.decoder.stats.lost_samples
        return {t.adv.local_name or t.device.address: t.stats for t in self.targets}

    def _label(self, t: _Target) -> str:
        return t.adv.local_name or t.device.address

    def _on_notify(self, t: _Target, role: str, uuid: str) -> Callable[[Any, bytearray], None]:
        writer = self.writer

        def handler(_char: Any, data: bytearray) -> None:
            payload = bytes(data)
            ns = writer.now_ns()
            writer.write(t.index, uuid, payload, ns)
            t.stats.packets += 1
            q = t.responses.get(role)
            assert t.decoder is not None
            if q is not None and role != "data":
                q.put_nowait(payload)
            elif q is not None and t.decoder.feed_response(payload, role) is not None:
                q.put_nowait(payload)  # e.g. Movesense answers on its data characteristic
            out = t.decoder.feed(payload, ns / 1e9, role)
            if out is not None:
                if out.sensor in ("imu", "acc", "rsc"):
                    t.stats.main_samples += out.n  # one sensor only: acc and gyr may come apart
                if self.on_samples is not None:
                    self.on_samples(t.index, out)

        return handler

    async def _connect_and_start(self, t: _Target) -> None:
        """Connect, subscribe and run the whole start sequence once."""
        t.lost.clear()

        def on_disconnect(_client: BleakClient) -> None:
            t.lost.set()

        client = BleakClient(
            t.device,
            disconnected_callback=on_disconnect,
            timeout=self.connect_timeout,
            backend=self.client_backend,
            **self.kw,
        )
        try:
            await client.connect()
        except (BleakError, TimeoutError) as exc:
            raise DeviceError(f"{self._label(t)}: cannot connect: {exc}") from exc
        t.client = client
        try:
            await self._start_sequence(t, client)
        except BaseException:  # any exit (cancel too): drop the half-started link, re-raise
            with contextlib.suppress(Exception):  # the link may already be gone
                await client.disconnect()
            t.client = None
            raise
        t.since = time.monotonic()
        self.writer.event("connect", t.index, mtu=client.mtu_size)
        self.on_status(f"{self._label(t)}: streaming ({t.profile.id}, MTU {client.mtu_size})")

    async def _start_sequence(self, t: _Target, client: BleakClient) -> None:
        prof = t.profile
        t.responses = {
            c.response_char or c.char: asyncio.Queue() for c in prof.start if c.expect is not None
        }
        try:
            for role in prof.subscribe:
                uuid = prof.uuid(role)
                await client.start_notify(uuid, self._on_notify(t, role, uuid))
            for cmd in prof.start:
                resp_role = cmd.response_char or cmd.char
                try:
                    await client.write_gatt_char(
                        prof.uuid(cmd.char), cmd.data, response=cmd.with_response
                    )
                except BleakError as exc:
                    raise DeviceError(
                        f"{self._label(t)} refused start command {cmd.data.hex(' ')}: {exc}"
                    ) from exc
                if cmd.expect is None:
                    continue
                try:
                    payload = await asyncio.wait_for(t.responses[resp_role].get(), cmd.timeout)
                except TimeoutError:
                    raise DeviceError(
                        f"{self._label(t)} did not answer start command {cmd.data.hex(' ')} "
                        f"within {cmd.timeout:g} s"
                    ) from None
                assert t.decoder is not None
                resp = t.decoder.feed_response(payload, resp_role)
                if (resp is not None and not resp.ok) or not payload.startswith(cmd.expect):
                    why = resp.message if resp is not None else f"answer {payload.hex(' ')}"
                    raise DeviceError(
                        f"{self._label(t)} refused start command {cmd.data.hex(' ')}: {why} "
                        f"(MTU {client.mtu_size})"
                    )
        except (BleakError, TimeoutError) as exc:
            raise DeviceError(f"{self._label(t)}: start sequence failed: {exc}") from exc
        finally:
            t.responses = {}

    async def _keep_alive(self, t: _Target) -> None:
        """Wait for link loss, then reconnect with backoff and restart the stream."""
        first, factor, largest = self.backoff
        while not self._stopping.is_set():
            await t.lost.wait()
            if self._stopping.is_set():
                return
            lost_wall = time.monotonic()
            t.stats.streaming_time += lost_wall - t.since
            lost_ns = self.writer.now_ns()
            self.writer.event("disconnect", t.index)
            self.on_status(f"{self._label(t)}: link lost, reconnecting")
            t.client = None
            delay = first
            while not self._stopping.is_set():
                await asyncio.sleep(delay)
                try:
                    await self._connect_and_start(t)
                    break
                except DeviceError as exc:
                    logger.debug("reconnect %s: %s", self._label(t), exc)
                if time.monotonic() - lost_wall > self.vanish_after:
                    t.stats.vanished = True
                    self.writer.event("vanished", t.index, after_s=self.vanish_after)
                    self.on_status(
                        f"{self._label(t)}: vanished (no answer for {self.vanish_after:g} s)"
                    )
                    return
                delay = min(delay * factor, largest)
            else:
                return
            back_ns = self.writer.now_ns()
            took = time.monotonic() - lost_wall
            t.stats.reconnect_times.append(took)
            t.stats.gaps.append((lost_ns / 1e9, back_ns / 1e9))
            self.writer.event("gap", t.index, start_ns=lost_ns, end_ns=back_ns)
            self.writer.event("reconnect", t.index, seconds=took)
            self.on_status(f"{self._label(t)}: reconnected after {took:.2f} s")

    async def _shutdown(self) -> None:
        """Run each device's stop sequence (best effort) and disconnect."""

        async def stop_one(t: _Target) -> None:
            client = t.client
            if client is None or not client.is_connected:
                return
            for cmd in t.profile.stop:
                with contextlib.suppress(BleakError, TimeoutError, DeviceError):
                    await client.write_gatt_char(
                        t.profile.uuid(cmd.char), cmd.data, response=cmd.with_response
                    )
            with contextlib.suppress(BleakError, TimeoutError):
                await client.disconnect()
            t.client = None

        await asyncio.gather(*(stop_one(t) for t in self.targets), return_exceptions=True)

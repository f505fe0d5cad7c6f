"""bleak client backend on the bumble virtual radio.

Every client owns a bumble host with a fresh controller (bumble ignores HCI_Reset),
connects over the shared link, asks for an ATT MTU of 247 (PMD frames need more
than the default 23), discovers the whole GATT database and exposes it as bleak
services. bumble exceptions are mapped to bleak's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bleak.args import SizedBuffer
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bumble import core, hci
from bumble.device import Connection, Device, Peer
from bumble.gatt import Characteristic

from devices.ble.errors import bleak_errors, to_bleak_error
from devices.ble.radio import VirtualRadio, default_radio

#: ATT MTU the client asks for; Polar answers "invalid MTU" below its frame size.
REQUESTED_MTU = 247

_T = TypeVar("_T")

_PROPERTY_NAMES = {
    Characteristic.Properties.BROADCAST: "broadcast",
    Characteristic.Properties.READ: "read",
    Characteristic.Properties.WRITE_WITHOUT_RESPONSE: "write-without-response",
    Characteristic.Properties.WRITE: "write",
    Characteristic.Properties.NOTIFY: "notify",
    Characteristic.Properties.INDICATE: "indicate",
    Characteristic.Properties.AUTHENTICATED_SIGNED_WRITES: "authenticated-signed-writes",
    Characteristic.Properties.EXTENDED_PROPERTIES: "extended-properties",
}


def bumble_uuid_str(uuid: core.UUID) -> str:
    """The textual UUID bleak uses (lower-case 128-bit) for a bumble UUID."""
    raw = uuid.to_bytes(force_128=True)[::-1].hex()
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


class BumbleClient(BaseBleakClient):
    """Client backend; extra keyword argument ``radio`` (:class:`VirtualRadio`)."""

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None = None,
        timeout: float = 10.0,
        radio: VirtualRadio | None = None,
        mtu: int = REQUESTED_MTU,
        **kwargs: Any,  # noqa: ARG002 (bleak also passes services, bluez ...: unused here)
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        self._radio = radio
        self._requested_mtu = mtu
        self._host: Device | None = None
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._lost: asyncio.Future[None] | None = None
        self._subscribers: dict[int, Callable[[bytes], None]] = {}
        self._name = (
            address_or_ble_device.name or "" if isinstance(address_or_ble_device, BLEDevice) else ""
        )

    # -- connectivity -----------------------------------------------------------
    @property
    def name(self) -> str:
        """Name from the scan, else the address."""
        return self._name or self.address

    @property
    def mtu_size(self) -> int:
        """Negotiated ATT MTU (23 before the exchange)."""
        return int(self._connection.att_mtu) if self._connection is not None else 23

    @property
    def is_connected(self) -> bool:
        """True while the link is up."""
        return self._connection is not None and self._lost is not None and not self._lost.done()

    async def connect(self, pair: bool, **kwargs: Any) -> None:  # noqa: ARG002 (bleak's backend API)
        """Connect, exchange MTU, and discover every service.

        Raises
        ------
        BleakDeviceNotFoundError
            If the device does not answer within the timeout.
        """
        radio = self._radio or await default_radio()
        self._radio = radio
        host = await radio.new_host("gait-central")
        self._host = host
        try:
            try:
                connection = await host.connect(
                    hci.Address(self.address, hci.Address.RANDOM_DEVICE_ADDRESS),
                    timeout=self._timeout,
                )
            except (core.TimeoutError, core.ConnectionError, TimeoutError) as exc:
                raise BleakDeviceNotFoundError(
                    self.address, f"device {self.address} did not answer within {self._timeout:g} s"
                ) from exc
            self._connection = connection
            self._lost = asyncio.get_running_loop().create_future()
            connection.on(Connection.EVENT_DISCONNECTION, self._on_disconnection)
            self._peer = Peer(connection)
            await self._op(self._peer.request_mtu(self._requested_mtu), "MTU exchange")
            self.services = await self._op(self._discover(), "service discovery")
        except BaseException:  # any exit (cancel too): release the link, re-raise
            await self._release(disconnect=True)
            raise

    async def _discover(self) -> BleakGATTServiceCollection:
        assert self._peer is not None
        peer = self._peer
        collection = BleakGATTServiceCollection()
        for svc in await peer.discover_services():
            bsvc = BleakGATTService(svc, svc.handle, bumble_uuid_str(svc.uuid))
            collection.add_service(bsvc)
            for ch in await peer.discover_characteristics(service=svc):
                props = [n for f, n in _PROPERTY_NAMES.items() if ch.properties & f]
                bch = BleakGATTCharacteristic(
                    ch,
                    ch.handle,
                    bumble_uuid_str(ch.uuid),
                    props,  # type: ignore[arg-type]
                    lambda: self.mtu_size - 3,
                    bsvc,
                )
                collection.add_characteristic(bch)
                for d in await peer.discover_descriptors(characteristic=ch):
                    collection.add_descriptor(
                        BleakGATTDescriptor(d, d.handle, bumble_uuid_str(d.type), bch)
                    )
        return collection

    def _on_disconnection(self, _reason: int) -> None:
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(None)
        asyncio.get_running_loop().create_task(self._release(disconnect=False))
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def _release(self, disconnect: bool) -> None:
        conn, self._connection = self._connection, None
        if disconnect and conn is not None:
            if self._lost is not None and not self._lost.done():
                self._lost.set_result(None)
            try:
                await asyncio.wait_for(
                    conn.disconnect(hci.HCI_ErrorCode.REMOTE_USER_TERMINATED_CONNECTION_ERROR), 2.0
                )
            # Link teardown is best effort: the peer may already be gone, and whatever the
            # stack raises for that, nothing is left to release on this side.
            except Exception:  # noqa: BLE001
                pass
        host, self._host = self._host, None
        if host is not None and self._radio is not None:
            self._radio.remove_host(host)
        self._subscribers.clear()

    async def disconnect(self) -> None:
        """Disconnect (no disconnected callback: it was asked for)."""
        if self._connection is not None:
            conn = self._connection
            conn.remove_listener(Connection.EVENT_DISCONNECTION, self._on_disconnection)
        await self._release(disconnect=True)

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Virtual devices need no pairing."""

    async def unpair(self) -> None:
        """Virtual devices need no pairing."""

    # -- I/O --------------------------------------------------------------------
    async def _op(self, aw: Awaitable[_T], what: str) -> _T:
        """Run a GATT operation; fail fast if the link drops, map bumble errors."""
        if self._lost is None or self._lost.done():
            if asyncio.iscoroutine(aw):
                aw.close()
            raise BleakError(f"{what}: not connected")
        task: asyncio.Future[_T] = asyncio.ensure_future(aw)
        waiters: set[asyncio.Future[Any]] = {task, self._lost}
        done, _ = await asyncio.wait(
            waiters, timeout=self._timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if task not in done:
            task.cancel()
            if self._lost.done():
                raise BleakError(f"{what}: disconnected")
            raise TimeoutError(f"{what}: timed out after {self._timeout:g} s")
        exc = task.exception()
        if exc is not None:
            raise to_bleak_error(exc, what) from exc
        return task.result()

    async def read_gatt_char(
        self,
        characteristic: BleakGATTCharacteristic,
        *,
        use_cached: bool = False,  # noqa: ARG002 (bleak passes it; the virtual link has no cache)
        **kwargs: Any,  # noqa: ARG002 (bleak's backend API)
    ) -> bytearray:
        """Read a characteristic value."""
        value = await self._op(characteristic.obj.read_value(), f"read {characteristic.uuid}")
        return bytearray(value)

    async def read_gatt_descriptor(
        self,
        descriptor: BleakGATTDescriptor,
        *,
        use_cached: bool = False,  # noqa: ARG002 (bleak passes it; the virtual link has no cache)
        **kwargs: Any,  # noqa: ARG002 (bleak's backend API)
    ) -> bytearray:
        """Read a descriptor value."""
        value = await self._op(descriptor.obj.read_value(), f"read descriptor {descriptor.uuid}")
        return bytearray(value)

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        """Write a characteristic (with or without response)."""
        await self._op(
            characteristic.obj.write_value(bytes(data), with_response=response),
            f"write {characteristic.uuid}",
        )

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        """Write a descriptor (with response)."""
        await self._op(
            descriptor.obj.write_value(bytes(data), with_response=True),
            f"write descriptor {descriptor.uuid}",
        )

    async def start_notify(
        self,
        characteristic: BleakGATTCharacteristic,
        callback: NotifyCallback,
        **kwargs: Any,  # noqa: ARG002 (bleak also passes bluez and cb: unused here)
    ) -> None:
        """Enable notifications (or indications when the characteristic only indicates)."""

        def on_value(value: bytes) -> None:
            callback(bytearray(value))

        self._subscribers[characteristic.handle] = on_value
        with bleak_errors(f"subscribe {characteristic.uuid}"):
            await self._op(
                characteristic.obj.subscribe(on_value, prefer_notify=True),
                f"subscribe {characteristic.uuid}",
            )

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        """Disable notifications/indications."""
        sub = self._subscribers.pop(characteristic.handle, None)
        await self._op(characteristic.obj.unsubscribe(sub), f"unsubscribe {characteristic.uuid}")

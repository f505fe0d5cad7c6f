"""The virtual radio: a bumble link plus a factory of hosts with fresh controllers.

bumble 0.0.236 ignores HCI_Reset, so every host (scanner, client, virtual device)
gets its own freshly built controller on the shared link and removes it when done.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from dataclasses import dataclass

from bumble import hci
from bumble.controller import Controller
from bumble.device import Device, DeviceConfiguration
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from devices.ble.logs import route_bumble_logs
from devices.errors import DeviceError
from devices.hub import DEFAULT_HOST, DEFAULT_PORT, Hub, HubLink, connect_hub, start_hub

#: Environment variable choosing the radio: ``virtual`` or ``virtual:HOST:PORT``.
RADIO_ENV = "GAIT_RADIO"

_CONTROLLER_LOG = logging.getLogger("bumble.controller")
_HOST_LOG = logging.getLogger("bumble.host")


class QuietHost(Host):
    """bumble's host without the per-packet debug text on the data path.

    bumble builds a coloured description of every HCI packet for ``logger.debug``
    even when debug logging is off (most of the CPU of a fast simulated session);
    data packets and events skip it unless debug logging or a snooper is on.
    """

    def on_hci_packet(self, packet: hci.HCI_Packet) -> None:
        """Dispatch a packet from the controller."""
        if self.snooper is None and not _HOST_LOG.isEnabledFor(logging.DEBUG):
            if isinstance(packet, hci.HCI_AclDataPacket):
                self.on_hci_acl_data_packet(packet)
                return
            if isinstance(packet, hci.HCI_Event):
                self.on_hci_event_packet(packet)
                return
        super().on_hci_packet(packet)

    def send_hci_packet(self, packet: hci.HCI_Packet) -> None:
        """Send a packet to the controller."""
        if (
            self.snooper is None
            and self.hci_sink is not None
            and not _HOST_LOG.isEnabledFor(logging.DEBUG)
        ):
            self.hci_sink.on_packet(bytes(packet))
            return
        super().send_hci_packet(packet)


class PatchedController(Controller):
    """bumble's virtual controller with a working LE Create Connection Cancel.

    The stock controller acknowledges the cancel but never ends the pending
    connection, so a host waiting for it hangs; a real controller answers with an
    LE Connection Complete event carrying "unknown connection identifier".
    """

    def on_hci_le_create_connection_cancel_command(
        self, _command: hci.HCI_LE_Create_Connection_Cancel_Command
    ) -> hci.HCI_StatusReturnParameters:
        """Cancel a pending connection and end it with "unknown connection identifier"."""
        pending = self.pending_le_connection
        self.pending_le_connection = None
        if pending is not None:
            loop = asyncio.get_running_loop()
            # after the command-complete, as a real controller orders them
            loop.call_soon(
                self.send_hci_packet,
                hci.HCI_LE_Connection_Complete_Event(
                    status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
                    connection_handle=0,
                    role=hci.Role.CENTRAL,
                    peer_address_type=pending.peer_address_type,
                    peer_address=pending.peer_address,
                    connection_interval=0,
                    peripheral_latency=0,
                    supervision_timeout=0,
                    central_clock_accuracy=0,
                ),
            )
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

    def on_hci_packet(self, packet: hci.HCI_Packet) -> None:
        """Dispatch a packet from the host (data without the debug text, see :class:`QuietHost`)."""
        if isinstance(packet, hci.HCI_AclDataPacket) and not _CONTROLLER_LOG.isEnabledFor(
            logging.DEBUG
        ):
            self.on_hci_acl_data_packet(packet)
            return
        super().on_hci_packet(packet)

    def send_hci_packet(self, packet: hci.HCI_Packet) -> None:
        """Send a packet to the host (without the debug text unless debug logging is on)."""
        if _CONTROLLER_LOG.isEnabledFor(logging.DEBUG):
            super().send_hci_packet(packet)
        elif self.host:
            asyncio.get_running_loop().call_soon(self.host.on_packet, bytes(packet))


def random_static_address() -> str:
    """A fresh random static BLE address (two top bits set), e.g. ``'C3:1F:..'``."""
    raw = bytearray(secrets.token_bytes(6))
    raw[0] |= 0xC0
    return ":".join(f"{b:02X}" for b in raw)


@dataclass
class VirtualRadio:
    """A bumble link shared by hosts of this process (and, through a hub, others).

    Attributes
    ----------
    link : LocalLink
        The link; a :class:`devices.hub.HubLink` when other processes take part.
    hub : Hub or None
        The hub server when this process runs it.
    spec : str
        How the radio was opened (``local``, ``virtual:HOST:PORT``, ``hub:HOST:PORT``).
    """

    link: LocalLink
    hub: Hub | None = None
    spec: str = "local"

    async def new_host(
        self, name: str, address: str | None = None, max_mtu: int | None = None
    ) -> Device:
        """Build and power on a bumble host with its own fresh controller.

        Parameters
        ----------
        name : str
            Host name (the GAP device name of a virtual peripheral).
        address : str or None
            Random static address; a fresh one when None.
        max_mtu : int or None
            Largest ATT MTU the host's GATT server accepts (None: bumble's default).

        Returns
        -------
        Device
            A powered-on bumble device attached to the link.
        """
        address = address or random_static_address()
        controller = PatchedController(name, link=self.link, public_address=address)
        config = DeviceConfiguration(name=name, address=hci.Address(address))
        device = Device(config=config, host=QuietHost(controller, AsyncPipeSink(controller)))
        if max_mtu is not None:
            device.gatt_server.max_mtu = max_mtu
        await device.power_on()
        return device

    def remove_host(self, device: Device) -> None:
        """Detach a host's controller from the link (its address disappears)."""
        controller = device.host.hci_sink
        if isinstance(controller, AsyncPipeSink):
            controller = controller.sink
        if controller in self.link.controllers:
            self.link.remove_controller(controller)

    async def aclose(self) -> None:
        """Leave the hub (or stop it if this process runs it)."""
        if self.hub is not None:
            await self.hub.aclose()
        elif isinstance(self.link, HubLink):
            await self.link.aclose()


def parse_radio_spec(spec: str) -> tuple[str, str, int]:
    """Split ``local`` | ``virtual`` | ``virtual:HOST:PORT`` into (kind, host, port).

    Raises
    ------
    DeviceError
        For an unknown radio or a malformed address.
    """
    kind, _, rest = spec.strip().partition(":")
    kind = kind.lower()
    if kind not in ("local", "virtual"):
        raise DeviceError(f"unknown radio {spec!r}: use 'virtual' or 'virtual:HOST:PORT'")
    host, port = DEFAULT_HOST, DEFAULT_PORT
    if rest:
        h, sep, p = rest.rpartition(":")
        if not sep or not h or not p.isdigit() or not 0 < int(p) < 65536:
            raise DeviceError(
                f"bad radio address {rest!r}: expected HOST:PORT, e.g. 127.0.0.1:{DEFAULT_PORT}"
            )
        host, port = h, int(p)
    return kind, host, port


async def open_radio(spec: str | None = None, serve: bool = False) -> VirtualRadio:
    """Open a virtual radio.

    Parameters
    ----------
    spec : str or None
        ``local`` (this process only), ``virtual`` or ``virtual:HOST:PORT`` (shared
        through the TCP hub). None reads ``GAIT_RADIO`` (default ``virtual``).
    serve : bool
        For a virtual radio, run the hub in this process if none answers yet
        (``gait simulate``); otherwise join an existing hub.

    Returns
    -------
    VirtualRadio

    Raises
    ------
    DeviceError
        When the hub cannot be reached or started.
    """
    spec = spec or os.environ.get(RADIO_ENV) or "virtual"
    kind, host, port = parse_radio_spec(spec)
    route_bumble_logs()
    if kind == "local":
        return VirtualRadio(LocalLink(), spec="local")
    if serve:
        try:
            link = await connect_hub(host, port, timeout=0.5)
            return VirtualRadio(link, spec=f"virtual:{host}:{port}")
        except DeviceError:
            hub = await start_hub(host, port)
            return VirtualRadio(hub.link, hub=hub, spec=f"hub:{host}:{hub.port}")
    link = await connect_hub(host, port)
    return VirtualRadio(link, spec=f"virtual:{host}:{port}")


_DEFAULT: dict[asyncio.AbstractEventLoop, VirtualRadio] = {}


async def default_radio() -> VirtualRadio:
    """The radio of this event loop, opened from ``GAIT_RADIO`` on first use."""
    loop = asyncio.get_running_loop()
    radio = _DEFAULT.get(loop)
    if radio is None:
        radio = await open_radio()
        _DEFAULT[loop] = radio
    return radio


def set_default_radio(radio: VirtualRadio) -> None:
    """Make ``radio`` the default of the running event loop (used by the CLI and tests)."""
    _DEFAULT[asyncio.get_running_loop()] = radio

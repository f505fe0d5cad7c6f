"""A small TCP hub that joins bumble virtual links of several processes into one radio.

Each process keeps a :class:`HubLink` (a bumble ``LocalLink``). Traffic between
controllers of the same process stays local; advertising PDUs, ACL data and LL
control PDUs for controllers elsewhere travel as length-prefixed JSON frames over
TCP. The process that runs :func:`start_hub` relays every frame it receives to all
other connected processes, so the hub is a star with one relay in the middle.

Frames carry only plain data (hex strings and ints) and are rebuilt into bumble's
``ll`` dataclasses by name, so no code or pickled object ever crosses the socket.
The hub binds to 127.0.0.1 unless the caller asks for another interface.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import struct
from typing import Any

from bumble import core, hci, ll
from bumble.link import LocalLink

from devices.errors import DeviceError

logger = logging.getLogger(__name__)

#: Default TCP address of the virtual radio hub.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 47_555

#: Longest frame body accepted, bytes. The largest real frame (an LE ACL payload of
#: 251 bytes as hex, plus addresses) is under 1 KiB; a length beyond this is a broken or
#: hostile neighbour, which is disconnected before anything is buffered.
MAX_FRAME = 64 * 1024

#: HCI reason sent to local hosts when a remote peer vanishes (connection timeout).
_LINK_LOST = hci.HCI_ErrorCode.CONNECTION_TIMEOUT_ERROR

_PDU_CLASSES: dict[str, type] = {
    name: obj
    for name, obj in vars(ll).items()
    if isinstance(obj, type)
    and dataclasses.is_dataclass(obj)
    and issubclass(obj, (ll.AdvertisingPdu, ll.ControlPdu))
}


def _enc(value: Any) -> Any:
    """JSON-safe form of one PDU field."""
    if isinstance(value, hci.Address):
        return {"a": value.to_string(False), "t": int(value.address_type)}
    if isinstance(value, (bytes, bytearray)):
        return {"b": bytes(value).hex()}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, (list, tuple)):
        return [_enc(v) for v in value]
    raise TypeError(f"cannot relay a PDU field of type {type(value).__name__}")


def _dec(value: Any) -> Any:
    if isinstance(value, dict):
        if "a" in value:
            return hci.Address(value["a"], value["t"])
        if "b" in value:
            return bytes.fromhex(value["b"])
    if isinstance(value, list):
        return [_dec(v) for v in value]
    return value


def encode_pdu(pdu: Any) -> dict[str, Any]:
    """Plain-data form of a bumble ``ll`` advertising or control PDU."""
    fields = {f.name: _enc(getattr(pdu, f.name)) for f in dataclasses.fields(pdu)}
    return {"k": type(pdu).__name__, "f": fields}


def decode_pdu(obj: dict[str, Any]) -> Any:
    """Inverse of :func:`encode_pdu`; only ``ll`` PDU dataclasses can be built."""
    cls = _PDU_CLASSES.get(obj.get("k", ""))
    if cls is None:
        raise ValueError(f"unknown PDU kind {obj.get('k')!r}")
    return cls(**{k: _dec(v) for k, v in obj["f"].items()})


def _addr(obj: dict[str, Any]) -> hci.Address:
    return hci.Address(obj["a"], obj["t"])


class _Peer:
    """One TCP neighbour: a writer plus the controller addresses seen behind it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.addresses: set[str] = set()

    def send(self, frame: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(frame)


class HubLink(LocalLink):
    """A bumble link whose remote part is reached through TCP neighbours.

    In a client process there is one neighbour (the hub); in the hub process
    there is one per connected client, and frames from one are relayed to the
    others.
    """

    def __init__(self, relay: bool = False) -> None:
        super().__init__()
        self.relay = relay
        self.peers: list[_Peer] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.closed = asyncio.get_running_loop().create_future()
        #: Frames dropped as malformed, and neighbours cut off for an oversized frame.
        self.malformed = 0
        self.oversized = 0

    # -- outgoing -------------------------------------------------------------
    def _broadcast(self, msg: dict[str, Any], exclude: _Peer | None = None) -> None:
        data = json.dumps(msg, separators=(",", ":")).encode()
        if len(data) > MAX_FRAME:  # never send what a neighbour must refuse
            logger.warning("hub: not relaying a %d-byte frame (limit %d)", len(data), MAX_FRAME)
            return
        frame = struct.pack(">I", len(data)) + data
        for peer in self.peers:
            if peer is not exclude:
                peer.send(frame)

    def send_advertising_pdu(self, sender_controller: Any, packet: ll.AdvertisingPdu) -> None:
        """Deliver locally and to every other process."""
        super().send_advertising_pdu(sender_controller, packet)
        self._broadcast({"op": "adv", "pdu": encode_pdu(packet)})

    def send_acl_data(
        self,
        sender_controller: Any,
        destination_address: hci.Address,
        transport: core.PhysicalTransport,
        data: bytes,
    ) -> None:
        """Deliver ACL data to a local controller, else relay it."""
        if transport != core.PhysicalTransport.LE or self.find_le_controller(destination_address):
            super().send_acl_data(sender_controller, destination_address, transport, data)
            return
        self._broadcast(
            {
                "op": "acl",
                "src": _enc(sender_controller.random_address),
                "dst": _enc(destination_address),
                "data": data.hex(),
            }
        )

    def send_ll_control_pdu(
        self, sender_address: hci.Address, receiver_address: hci.Address, packet: ll.ControlPdu
    ) -> None:
        """Deliver an LL control PDU locally, else relay it."""
        if self.find_le_controller(receiver_address):
            super().send_ll_control_pdu(sender_address, receiver_address, packet)
            return
        self._broadcast(
            {
                "op": "ll",
                "src": _enc(sender_address),
                "dst": _enc(receiver_address),
                "pdu": encode_pdu(packet),
            }
        )

    # -- incoming -------------------------------------------------------------
    def _deliver(self, msg: dict[str, Any], origin: _Peer) -> None:
        op = msg.get("op")
        loop = asyncio.get_running_loop()
        if op == "adv":
            pdu = decode_pdu(msg["pdu"])
            origin.addresses.add(str(getattr(pdu, "advertiser_address", "")))
            if isinstance(pdu, ll.ConnectInd):
                origin.addresses.add(str(pdu.initiator_address))
            for c in list(self.controllers):
                loop.call_soon(c.on_ll_advertising_pdu, pdu)
        elif op == "acl":
            src, dst = _addr(msg["src"]), _addr(msg["dst"])
            origin.addresses.add(str(src))
            if (target := self.find_le_controller(dst)) is not None:
                data = bytes.fromhex(msg["data"])
                loop.call_soon(target.on_link_acl_data, src, core.PhysicalTransport.LE, data)
        elif op == "ll":
            src, dst = _addr(msg["src"]), _addr(msg["dst"])
            if (dest := self.find_le_controller(dst)) is not None:
                loop.call_soon(dest.on_ll_control_pdu, src, decode_pdu(msg["pdu"]))
        elif op == "gone":
            self._drop_peers_connections(set(msg["addrs"]))
        if self.relay:
            self._broadcast(msg, exclude=origin)

    def _drop_peers_connections(self, addresses: set[str]) -> None:
        """Disconnect local connections to controllers that vanished with a process."""
        for c in list(self.controllers):
            for conn in list(c.le_connections.values()):
                if str(conn.peer_address) in addresses:
                    c.on_le_disconnected(conn, _LINK_LOST)

    async def _serve_peer(self, peer: _Peer) -> None:
        self.peers.append(peer)
        try:
            while True:
                head = await peer.reader.readexactly(4)
                (n,) = struct.unpack(">I", head)
                if n > MAX_FRAME:
                    # the stream cannot be trusted to resynchronise: cut this neighbour off
                    self.oversized += 1
                    logger.warning(
                        "hub: frame of %d bytes (limit %d); closing that connection", n, MAX_FRAME
                    )
                    break
                body = await peer.reader.readexactly(n)
                try:
                    msg = json.loads(body)
                    self._deliver(msg, peer)
                except (ValueError, KeyError, TypeError) as exc:
                    # a malformed frame is dropped, the link stays up
                    self.malformed += 1
                    logger.warning("hub: dropped malformed frame: %s", exc)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if peer in self.peers:
                self.peers.remove(peer)
            peer.writer.close()
            self._drop_peers_connections(peer.addresses)
            if self.relay and peer.addresses:
                self._broadcast({"op": "gone", "addrs": sorted(peer.addresses)})
            if not self.relay and not self.closed.done():
                self.closed.set_result(None)

    def attach(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Start exchanging frames with one TCP neighbour."""
        task = asyncio.get_running_loop().create_task(self._serve_peer(_Peer(reader, writer)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        """Close every neighbour connection."""
        for peer in list(self.peers):
            peer.writer.close()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class Hub:
    """A running hub server: its own :class:`HubLink` plus the TCP listener."""

    def __init__(self, link: HubLink, server: asyncio.Server, host: str, port: int) -> None:
        self.link = link
        self.server = server
        self.host = host
        self.port = port

    async def aclose(self) -> None:
        """Stop listening and drop every client."""
        self.server.close()
        await self.link.aclose()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.server.wait_closed(), 1.0)


async def start_hub(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> Hub:
    """Start a hub on ``host:port`` (port 0 picks a free one).

    Parameters
    ----------
    host : str
        Interface to bind; 127.0.0.1 by default so the radio stays on this machine.
    port : int
        TCP port.

    Returns
    -------
    Hub
        The hub; ``hub.link`` is the link for controllers of this process.

    Raises
    ------
    DeviceError
        If the port cannot be bound (for example another hub already runs there).
    """
    link = HubLink(relay=True)
    try:
        server = await asyncio.start_server(link.attach, host, port)
    except OSError as exc:
        raise DeviceError(
            f"cannot start the virtual radio hub on {host}:{port}: {exc.strerror}"
        ) from exc
    bound_port = server.sockets[0].getsockname()[1]
    return Hub(link, server, host, bound_port)


async def connect_hub(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, timeout: float = 2.0
) -> HubLink:
    """Join the virtual radio of the hub at ``host:port``.

    Parameters
    ----------
    host, port : str, int
        Hub address.
    timeout : float
        Seconds to wait for the TCP connection.

    Returns
    -------
    HubLink
        A link for controllers of this process.

    Raises
    ------
    DeviceError
        If no hub answers (no ``gait simulate`` running).
    """
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError) as exc:
        raise DeviceError(
            f"no virtual radio hub at {host}:{port}; start one with 'gait simulate' "
            "or check GAIT_RADIO"
        ) from exc
    link = HubLink(relay=False)
    link.attach(reader, writer)
    return link

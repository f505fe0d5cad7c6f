"""Per-family device behaviour of virtual peripherals: reads, writes, responses, streaming.

A protocol decides which characteristic properties the GATT server exposes, answers
reads and control writes byte-for-byte like the real firmware, and says which encoded
data packets may be sent (for example only the PMD measurement types started).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from bumble.att import ATT_Error, ErrorCode
from bumble.gatt import Characteristic

from devices.decoders import make_encoder
from devices.decoders.base import Packet
from devices.decoders.polar_pmd import response as pmd_response

if TYPE_CHECKING:
    from devices.profiles import Command, Profile

P = Characteristic.Properties

#: PMD status codes used here (Polar BLE SDK, PMD control-point responses).
PMD_OK = 0
PMD_INVALID_MTU = 10
#: Thingy:52 Motion service configuration characteristic (EF680401-9B35-...).
THINGY_CONFIG_PREFIX = "ef680401-"


class Protocol:
    """Generic behaviour driven by the profile: stream once subscribed and started.

    The device streams when every role in ``profile.subscribe`` has notifications or
    indications on and every write of ``profile.start`` has been received; a start
    write is answered with the command's ``expect`` bytes when it has one. A write of
    a ``profile.stop`` command stops the stream.

    Parameters
    ----------
    profile : Profile
        Device profile.
    refuse_start : int or None
        When set, start commands are refused (ATT application error 0x80 here).
    """

    #: True when a start command restarts the measurement (fresh frames and time base).
    restart_on_start = False

    def __init__(self, profile: Profile, refuse_start: int | None = None) -> None:
        self.profile = profile
        self.refuse_start = refuse_start
        self._responder = make_encoder(profile)
        self.subscribed: set[str] = set()
        self.started: set[int] = set()
        self.stopped = False
        self.mtu = 23

    # -- GATT shape -----------------------------------------------------------
    def properties(self, role: str) -> Characteristic.Properties:
        """Characteristic properties of ``role``."""
        props = P(0)
        written = {c.char for c in (*self.profile.start, *self.profile.stop)}
        if role in self.profile.subscribe or role == "data":
            props |= P.NOTIFY
        if role in written:
            props |= P.WRITE | P.WRITE_WITHOUT_RESPONSE
        if not props or role in ("config", "feature", "location"):
            props |= P.READ
        return props

    def read(self, role: str) -> bytes:  # noqa: ARG002 (default: empty; overrides use role)
        """Value returned by a read of ``role``."""
        return b""

    # -- state ----------------------------------------------------------------
    def reset(self) -> None:
        """Forget every subscription and stream (the link dropped)."""
        self.subscribed.clear()
        self.started.clear()
        self.stopped = False

    def on_subscription(self, role: str, enabled: bool) -> None:
        """Record a CCCD change."""
        if enabled:
            self.subscribed.add(role)
        else:
            self.subscribed.discard(role)

    def on_write(self, role: str, data: bytes) -> list[Packet]:
        """Handle a write; return notifications/indications to send in answer.

        Raises
        ------
        ATT_Error
            To refuse the write with an ATT error response.
        """
        for i, cmd in enumerate(self.profile.start):
            if cmd.char == role and cmd.data == data:
                if self.refuse_start is not None:
                    raise ATT_Error(0x80, message="start refused")
                self.started.add(i)
                self.stopped = False
                return self._answer(cmd, role, data)
        for cmd in self.profile.stop:
            if cmd.char == role and cmd.data == data:
                self.stopped = True
                self.started.clear()
                return self._answer(cmd, role, data)
        return self._responder.respond(role, data)

    def _answer(self, cmd: Command, role: str, data: bytes) -> list[Packet]:
        """The firmware's answer (from the family encoder), else the profile's ``expect``."""
        replies = self._responder.respond(role, data)
        if not replies and cmd.expect is not None:
            replies = [Packet(0.0, cmd.response_char or cmd.char, cmd.expect)]
        return replies

    def streaming(self) -> bool:
        """True when data packets flow."""
        subs_ok = all(r in self.subscribed for r in self.profile.subscribe)
        return subs_ok and not self.stopped and len(self.started) == len(self.profile.start)

    def allows(self, packet: Packet) -> bool:  # noqa: ARG002 (default; PMD checks the packet)
        """Whether an encoded packet is sent now."""
        return self.streaming()


class RscProtocol(Protocol):
    """Running Speed and Cadence: notifications flow as soon as the CCCD is on."""

    def properties(self, role: str) -> Characteristic.Properties:
        """Measurement notifies; feature and location are readable; control point writes."""
        if role == "data":
            return P.NOTIFY
        if role == "control":
            return P.WRITE | P.INDICATE
        return P.READ

    def read(self, role: str) -> bytes:
        """RSC Feature: stride length + walking/running status; location: top of shoe."""
        if role == "feature":
            return struct.pack("<H", 0b101)
        if role == "location":
            return b"\x01"
        return b""


class PmdProtocol(Protocol):
    """Polar Measurement Data: the firmware's control point state machine.

    Response bytes (``F0 op type status more params``, settings TLV, FACTOR) come from
    the PMD encoder of :mod:`devices.decoders.polar_pmd`; this class adds what depends
    on the link: commands are ignored until both CCCDs are on, START fails with
    "invalid MTU" when the negotiated MTU is below the profile's ``mtu_min``, and a
    dropped link stops every measurement.
    """

    restart_on_start = True

    def __init__(self, profile: Profile, refuse_start: int | None = None) -> None:
        super().__init__(profile, refuse_start)
        self._ctl = make_encoder(profile)
        self.streams_on: set[int] = set()

    def properties(self, role: str) -> Characteristic.Properties:
        """Control point: read, write, indicate. Data: notify."""
        if role == "control":
            return P.READ | P.WRITE | P.INDICATE
        return P.NOTIFY

    def read(self, role: str) -> bytes:
        """Feature read of the control point: ``0F f1 f2``."""
        if role != "control":
            return b""
        return bytes(self._ctl.features())  # type: ignore[attr-defined]

    def reset(self) -> None:
        """A dropped link stops every measurement (the firmware forgets them)."""
        super().reset()
        self.streams_on.clear()
        self._ctl = make_encoder(self.profile)

    def on_write(self, role: str, data: bytes) -> list[Packet]:
        """Answer control-point commands with ``F0 op type status more [params]``."""
        if role != "control":
            return []
        if "control" not in self.subscribed or "data" not in self.subscribed:
            # the firmware answers by indication only; without CCCDs it stays silent
            return []
        op = data[0] if data else 0
        mtype = data[1] if len(data) > 1 else 0
        if op == 2 and len(data) >= 2:
            if self.refuse_start is not None:
                return [Packet(0.0, "control", pmd_response(op, mtype, self.refuse_start))]
            if self.mtu < self.profile.mtu_min:
                return [Packet(0.0, "control", pmd_response(op, mtype, PMD_INVALID_MTU))]
        replies = self._ctl.respond(role, data)
        ok = any(len(r.data) > 3 and r.data[3] == PMD_OK for r in replies)
        if ok and op == 2:
            self.streams_on.add(mtype)
        elif ok and op == 3:
            self.streams_on.discard(mtype)
        return replies

    def streaming(self) -> bool:
        """True while any measurement runs and data notifications are on."""
        return bool(self.streams_on) and "data" in self.subscribed

    def allows(self, packet: Packet) -> bool:
        """Only frames of started measurement types."""
        return (
            "data" in self.subscribed
            and bool(packet.data)
            and (packet.data[0] & 0x3F) in self.streams_on
        )


class ThingyProtocol(Protocol):
    """Thingy:52 motion service: validated configuration, raw data on subscribe."""

    def __init__(self, profile: Profile, refuse_start: int | None = None) -> None:
        super().__init__(profile, refuse_start)
        self.config = struct.pack("<HHHHB", 1000, 1000, 1000, round(profile.rate), 0)

    def properties(self, role: str) -> Characteristic.Properties:
        """Config: read/write; data: notify."""
        if role == "config":
            return P.READ | P.WRITE
        return super().properties(role)

    def read(self, role: str) -> bytes:
        """The current motion configuration."""
        return self.config if role == "config" else b""

    def on_write(self, role: str, data: bytes) -> list[Packet]:
        """Validate a configuration write as the firmware does (Write Not Permitted)."""
        if role == "config":
            if len(data) != 9:
                raise ATT_Error(ErrorCode.INVALID_ATTRIBUTE_LENGTH)
            ped, temp, mag, freq, wake = struct.unpack("<HHHHB", data)
            ok = all(100 <= v <= 5000 for v in (ped, temp, mag)) and 1 <= freq <= 200 and wake <= 1
            if not ok or self.refuse_start is not None:
                raise ATT_Error(ErrorCode.WRITE_NOT_PERMITTED)
            self.config = data
        return super().on_write(role, data)


def make_protocol(profile: Profile, refuse_start: int | None = None) -> Protocol:
    """The behaviour of a virtual device of ``profile``."""
    if profile.decoder == "rsc":
        return RscProtocol(profile, refuse_start)
    if profile.decoder == "polar_pmd":
        return PmdProtocol(profile, refuse_start)
    if profile.characteristics.get("config", "").startswith(THINGY_CONFIG_PREFIX):
        return ThingyProtocol(profile, refuse_start)
    return Protocol(profile, refuse_start)

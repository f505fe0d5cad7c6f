r"""Crash-safe capture files: every notification with host time, device and characteristic.

Layout (all integers little-endian)::

    b"GAITCAP\x01"  u32 header_len  header (UTF-8 JSON)  u32 crc32(header)
    then records:  b"\xa5\x5a"  u8 type  u32 body_len  body  u32 crc32(type|len|body)

Record types:

* ``D`` device: JSON ``{index, address, name, profile, placement, side, characteristics, info}``
* ``C`` characteristic: ``u16 device, u16 char, UTF-8 UUID`` (written before its first use)
* ``N`` notification: ``u64 host_time_ns, u16 device, u16 char, payload``
* ``E`` event: ``u64 host_time_ns, u16 device (0xFFFF = session), JSON`` (connect, gap ...)

Each record is written with one ``write`` and flushed to the OS at once, so a process
killed with SIGKILL loses at most the record being written. The sync marker and CRC let
:func:`read_capture` stop cleanly at a torn tail (``truncated=True``) and skip a
corrupted record in the middle.
"""

from __future__ import annotations

import json
import os
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from devices.errors import CaptureFileError
from devices.schema import CAPTURE_DEVICE, CAPTURE_HEADER, SchemaError, validate

MAGIC = b"GAITCAP\x01"
SYNC = b"\xa5\x5a"
FORMAT_VERSION = 1
#: Device index used by session-wide events.
SESSION = 0xFFFF
_REC_HEAD = struct.Struct("<2sBI")  # sync, type, body length
_NOTE_HEAD = struct.Struct("<QHH")  # host ns, device, char
_EVENT_HEAD = struct.Struct("<QH")
_CHAR_HEAD = struct.Struct("<HH")
_MAX_BODY = 1 << 20  # a header of more than 1 MiB is corruption
#: Largest body each record type can have; a larger declared length is corruption, so a
#: fake sync marker costs a few bytes of checksum instead of a MiB. A BLE notification
#: value is at most 512 B (Bluetooth Core 5.3, Vol 3, Part F, 3.2.9); a phone's HTTP batch
#: (devices/phone: Sensor Logger body ≤ 1 MB, phyphox reply ≤ 2 MB) is one notification too,
#: and the checksum budget below bounds the work fake markers of that size can cost.
_MAX_RECORD = {
    0x4E: _NOTE_HEAD.size + (2 << 20),  # N
    0x43: _CHAR_HEAD.size + 256,  # C
    0x44: 64 << 10,  # D
    0x45: _EVENT_HEAD.size + (64 << 10),  # E
}
#: Most devices a capture may declare (a session has a handful).
MAX_DEVICES = 64
#: Checksum work spent on records that turn out corrupt, per byte of file (plus 16 MiB):
#: past it the rest of the file is noise and reading stops there.
_RESYNC_WORK = 4


def _now_ns() -> int:
    return time.time_ns()


@dataclass
class CaptureDevice:
    """One device of a capture.

    Parameters
    ----------
    index : int
        Position in the device table (what records refer to).
    address : str
        BLE address (or virtual address).
    name : str
        Advertised name.
    profile : str
        Profile id used to decode it.
    placement : str or None
        Body placement (``foot``, ``shank``, ``sacrum``, ``phone``).
    side : str or None
        ``left``, ``right`` or None.
    characteristics : dict of str to str
        Role → UUID as subscribed when recording.
    info : dict
        Anything else (firmware, MTU, settings returned by the device ...).
    """

    index: int
    address: str
    name: str
    profile: str
    placement: str | None = None
    side: str | None = None
    characteristics: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-serialisable view."""
        return {
            "index": self.index,
            "address": self.address,
            "name": self.name,
            "profile": self.profile,
            "placement": self.placement,
            "side": self.side,
            "characteristics": dict(self.characteristics),
            "info": dict(self.info),
        }


@dataclass(frozen=True)
class Record:
    """One notification of a capture.

    Parameters
    ----------
    host_time_ns : int
        Host arrival time, ns since the Unix epoch.
    device : int
        Device index.
    char : str
        Characteristic UUID as recorded.
    payload : bytes
        The notification value, bit-exact.
    """

    host_time_ns: int
    device: int
    char: str
    payload: bytes


@dataclass(frozen=True)
class Event:
    """A session event (``connect``, ``disconnect``, ``reconnect``, ``gap``, ``start`` ...).

    Parameters
    ----------
    host_time_ns : int
        Host time, ns since the Unix epoch.
    device : int or None
        Device index, None for session-wide events.
    kind : str
        Event kind.
    info : dict
        Further fields.
    """

    host_time_ns: int
    device: int | None
    kind: str
    info: dict[str, Any]


class CaptureWriter:
    """Append notifications to a capture file, each flushed as it arrives.

    Parameters
    ----------
    path : str or Path
        File to create (an existing file is replaced).
    meta : dict, optional
        Session metadata stored in the header (activity, athlete, notes ...).
    fsync_interval : float
        Seconds between ``os.fsync`` calls (protects against power loss; a killed process
        only needs the per-record flush). 0 disables fsync.
    clock : callable, optional
        ``() -> int``: the host clock, Unix ns (a simulated session's clock); the
        wall clock by default.

    Examples
    --------
    >>> with CaptureWriter("run.gaitcap") as w:                       # doctest: +SKIP
    ...     d = w.add_device("AA:BB", "Polar Sense 1", "polar-verity", "foot", "left")
    ...     w.write(d, "fb005c82-02e7-f387-1cad-8acd2d8df0c8", payload)
    """

    def __init__(
        self,
        path: str | Path,
        meta: dict[str, Any] | None = None,
        fsync_interval: float = 1.0,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._chars: dict[tuple[int, str], int] = {}
        self._nchars: dict[int, int] = {}
        self.devices: list[CaptureDevice] = []
        self.records = 0
        self.fsync_interval = float(fsync_interval)
        self._last_sync = time.monotonic()
        # Host times are wall-clock at start plus monotonic elapsed, so an NTP step
        # during the session cannot make arrival times jump.
        self._wall0 = time.time_ns()
        self._mono0 = time.monotonic_ns()
        # a simulated session stamps records on its simulated clock (Unix ns)
        self._clock = clock
        if clock is not None:
            self._wall0 = clock()
        header = {
            "format": "gait-capture",
            "version": FORMAT_VERSION,
            "created": datetime.now(UTC).isoformat(),
            "start_time_ns": self._wall0,
            "meta": meta or {},
        }
        hb = json.dumps(header).encode()
        try:
            self._f: BinaryIO = open(self.path, "wb")
            self._f.write(
                MAGIC + struct.pack("<I", len(hb)) + hb + struct.pack("<I", zlib.crc32(hb))
            )
            self._f.flush()
        except OSError as exc:
            raise CaptureFileError(f"{self.path}: cannot create capture file: {exc}") from None
        self.closed = False

    def now_ns(self) -> int:
        """Current host time on the capture's clock, ns since the Unix epoch."""
        if self._clock is not None:
            return self._clock()
        return self._wall0 + (time.monotonic_ns() - self._mono0)

    def _record(self, rtype: bytes, body: bytes) -> None:
        head = _REC_HEAD.pack(SYNC, rtype[0], len(body))
        crc = zlib.crc32(body, zlib.crc32(head[2:]))
        if self.closed:
            raise CaptureFileError(f"{self.path}: capture is closed")
        self._f.write(head + body + struct.pack("<I", crc))
        self._f.flush()
        self.records += 1
        if self.fsync_interval > 0:
            now = time.monotonic()
            if now - self._last_sync >= self.fsync_interval:
                os.fsync(self._f.fileno())
                self._last_sync = now

    def add_device(
        self,
        address: str,
        name: str,
        profile: str,
        placement: str | None = None,
        side: str | None = None,
        characteristics: dict[str, str] | None = None,
        info: dict[str, Any] | None = None,
    ) -> int:
        """Add a device to the table (written at once) and return its index.

        Parameters
        ----------
        address, name : str
            BLE address and advertised name.
        profile : str
            Profile id.
        placement, side : str or None
            Where it is worn.
        characteristics : dict, optional
            Role → UUID.
        info : dict, optional
            Free-form JSON-serialisable details.

        Returns
        -------
        int
            Index to pass to :meth:`write`.
        """
        with self._lock:
            dev = CaptureDevice(
                index=len(self.devices),
                address=str(address),
                name=str(name),
                profile=str(profile),
                placement=placement,
                side=side,
                characteristics=dict(characteristics or {}),
                info=dict(info or {}),
            )
            self._record(b"D", json.dumps(dev.to_json()).encode())
            self.devices.append(dev)
            return dev.index

    def _check_device(self, device: int) -> None:
        if not 0 <= device < len(self.devices):
            raise CaptureFileError(f"{self.path}: no device {device} (add_device first)")

    def write(
        self, device: int, char: str, payload: bytes, host_time_ns: int | None = None
    ) -> None:
        """Append one notification and flush it.

        Parameters
        ----------
        device : int
            Index from :meth:`add_device`.
        char : str
            Characteristic UUID (as the BLE stack reports it).
        payload : bytes
            Notification value.
        host_time_ns : int, optional
            Arrival time, ns since the Unix epoch; default :meth:`now_ns`.
        """
        t = self.now_ns() if host_time_ns is None else int(host_time_ns)
        with self._lock:
            self._check_device(device)
            key = (device, str(char).lower())
            ci = self._chars.get(key)
            if ci is None:
                ci = self._nchars.get(device, 0)
                self._nchars[device] = ci + 1
                self._chars[key] = ci
                self._record(b"C", _CHAR_HEAD.pack(device, ci) + key[1].encode())
            self._record(b"N", _NOTE_HEAD.pack(t, device, ci) + bytes(payload))

    def event(
        self, kind: str, device: int | None = None, host_time_ns: int | None = None, **info: Any
    ) -> None:
        """Append a session event (connect, disconnect, reconnect, gap, start, stop ...).

        Parameters
        ----------
        kind : str
            Event kind.
        device : int or None
            Device index; None for session-wide events.
        host_time_ns : int, optional
            Host time, ns; default now.
        **info
            JSON-serialisable fields.
        """
        t = self.now_ns() if host_time_ns is None else int(host_time_ns)
        body = json.dumps({"kind": kind, **info}).encode()
        with self._lock:
            if device is not None:
                self._check_device(device)
            self._record(b"E", _EVENT_HEAD.pack(t, SESSION if device is None else device) + body)

    def close(self) -> None:
        """Flush, fsync and close; safe to call twice."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            try:
                self._f.flush()
                os.fsync(self._f.fileno())
            finally:
                self._f.close()

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Capture:
    """A capture file read back.

    Attributes
    ----------
    path : Path
        The file.
    header : dict
        Header JSON (``start_time_ns``, ``created``, ``meta`` ...).
    devices : list of CaptureDevice
        Device table.
    host_time_ns : ndarray of int64, shape (R,)
        Arrival time of each notification.
    device : ndarray of int64, shape (R,)
        Device index of each notification.
    char : ndarray of int64, shape (R,)
        Index into ``chars[device]`` of each notification.
    payloads : list of bytes
        Notification values, bit-exact.
    chars : dict of int to list of str
        Per device, the characteristic UUIDs in order of first use.
    events : list of Event
        Session events.
    truncated : bool
        True when the file ends inside a record (e.g. the recorder was killed).
    corrupt_records : int
        Records skipped in the middle of the file (bad CRC or sync), resynchronised.
    problems : list of str
        Human-readable warnings: truncation, corruption, unknown devices, profiles or
        characteristics.
    """

    path: Path
    header: dict[str, Any]
    devices: list[CaptureDevice]
    host_time_ns: NDArray[np.int64]
    device: NDArray[np.int64]
    char: NDArray[np.int64]
    payloads: list[bytes]
    chars: dict[int, list[str]]
    events: list[Event]
    truncated: bool = False
    corrupt_records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def start_time_ns(self) -> int:
        """Session start, ns since the Unix epoch (header time)."""
        return int(self.header.get("start_time_ns", 0))

    def __len__(self) -> int:
        return len(self.payloads)

    def char_uuid(self, device: int, char_index: int) -> str:
        """UUID of characteristic ``char_index`` of ``device``."""
        return self.chars[device][char_index]

    def iter_records(self, device: int | None = None) -> Iterator[Record]:
        """Notifications in file order, payloads bit-exact.

        Parameters
        ----------
        device : int, optional
            Only this device's notifications.
        """
        for i, payload in enumerate(self.payloads):
            d = int(self.device[i])
            if device is not None and d != device:
                continue
            yield Record(int(self.host_time_ns[i]), d, self.chars[d][int(self.char[i])], payload)

    def unknown_characteristics(self) -> list[tuple[int, str]]:
        """(device, UUID) pairs not listed in the device's profile or recorded table."""
        from devices.errors import ProfileError
        from devices.profiles import get_profile, normalize_uuid

        out = []
        for d in self.devices:
            known = set()
            try:
                known = set(get_profile(d.profile).characteristics.values())
            except ProfileError:
                known = set()
            for v in d.characteristics.values():
                try:
                    known.add(normalize_uuid(v))
                except ValueError:
                    continue
            for u in self.chars.get(d.index, []):
                try:
                    nu = normalize_uuid(u)
                except ValueError:
                    nu = u
                if nu not in known:
                    out.append((d.index, u))
        return out


def _parse_header(path: Path, buf: bytes) -> tuple[dict[str, Any], int]:
    if len(buf) < len(MAGIC) or buf[: len(MAGIC)] != MAGIC:
        if buf[:7] == MAGIC[:7]:
            raise CaptureFileError(
                f"{path}: unsupported capture version {buf[7] if len(buf) > 7 else '?'}"
            )
        raise CaptureFileError(f"{path}: not a capture file (bad magic)")
    off = len(MAGIC)
    if len(buf) < off + 4:
        raise CaptureFileError(f"{path}: truncated inside the header")
    (hlen,) = struct.unpack_from("<I", buf, off)
    off += 4
    if hlen > _MAX_BODY or len(buf) < off + hlen + 4:
        raise CaptureFileError(f"{path}: truncated or corrupt header")
    hb = buf[off : off + hlen]
    (crc,) = struct.unpack_from("<I", buf, off + hlen)
    if zlib.crc32(hb) != crc:
        raise CaptureFileError(f"{path}: header checksum mismatch")
    try:
        header = json.loads(hb)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CaptureFileError(f"{path}: header is not JSON: {exc}") from None
    if not isinstance(header, dict) or header.get("format") != "gait-capture":
        raise CaptureFileError(f"{path}: header does not describe a gait capture")
    try:
        validate(header, CAPTURE_HEADER)
    except SchemaError as exc:
        raise CaptureFileError(f"{path}: header field '{exc.field}': {exc.problem}") from exc
    return header, off + hlen + 4


def _device(body: bytes) -> CaptureDevice:
    """A device record, checked against :data:`~devices.schema.CAPTURE_DEVICE`."""
    j = validate(json.loads(body), CAPTURE_DEVICE)
    return CaptureDevice(
        index=int(j["index"]),
        address=str(j.get("address", "")),
        name=str(j.get("name", "")),
        profile=str(j.get("profile", "")),
        placement=j.get("placement"),
        side=j.get("side"),
        characteristics=dict(j.get("characteristics") or {}),
        info=dict(j.get("info") or {}),
    )


def is_capture(path: str | Path) -> bool:
    """True when the file starts with the capture magic bytes."""
    try:
        with open(path, "rb") as f:
            return f.read(len(MAGIC) - 1) == MAGIC[:-1]
    except OSError:
        return False


class _RecordScan:
    """One pass over the records of a capture file, after its header.

    Parameters
    ----------
    buf : bytes
        The whole file.
    off : int
        Offset of the first record, bytes.
    """

    #: Errors a record with a good checksum can still raise while being parsed: it is then
    #: counted as corrupt and skipped.
    _BAD_BODY = (struct.error, UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError)

    def __init__(self, buf: bytes, off: int) -> None:
        self.buf = buf
        self.mv = memoryview(buf)
        self.off = off
        self.n = len(buf)
        self.times: list[int] = []
        self.devs: list[int] = []
        self.chars_i: list[int] = []
        self.payloads: list[bytes] = []
        self.devices: list[CaptureDevice] = []
        self.chars: dict[int, list[str]] = {}
        self.events: list[Event] = []
        self.truncated = False
        self.corrupt = 0
        self.orphans = 0
        self.duplicates = 0
        self.extra_devices = 0
        self.gave_up = False
        self.done = False
        self.resync_budget = _RESYNC_WORK * self.n + (16 << 20)
        self._parsers: dict[int, Callable[[memoryview], None]] = {
            0x4E: self._note,  # N
            0x43: self._char,  # C
            0x44: self._device,  # D
            0x45: self._event,  # E
        }

    def scan(self) -> None:
        """Read every record up to the end of the file or a torn or hopeless tail."""
        # One pass over records (not samples); each step is a couple of struct calls.
        while self.off < self.n and not self.done:
            framed = self._next_record()
            if framed is None:
                continue
            rtype, body = framed
            parse = self._parsers.get(rtype)
            if parse is None:
                self.corrupt += 1
                continue
            try:
                parse(body)
            except self._BAD_BODY:
                self.corrupt += 1

    def _next_record(self) -> tuple[int, memoryview] | None:
        """Type and body of the record at :attr:`off`, which then moves past it.

        None when there is no good record there: at the end (:attr:`done` set) or after
        a corrupt one (:attr:`off` moved to the next sync marker).
        """
        buf, off, n = self.buf, self.off, self.n
        if n - off < _REC_HEAD.size + 4:
            self.truncated = self.done = True
            return None
        sync, rtype, blen = _REC_HEAD.unpack_from(buf, off)
        end = off + _REC_HEAD.size + blen + 4
        if sync != SYNC or blen > _MAX_RECORD.get(rtype, -1):
            self._resync()
            return None
        if end > n:
            self.truncated = self.done = True
            return None
        body = self.mv[off + _REC_HEAD.size : end - 4]
        (crc,) = struct.unpack_from("<I", buf, end - 4)
        if zlib.crc32(body, zlib.crc32(buf[off + 2 : off + _REC_HEAD.size])) != crc:
            self.resync_budget -= blen
            self._resync()
            return None
        self.off = end
        return rtype, body

    def _resync(self) -> None:
        """Count a corrupt record and move to the next sync marker, or give up."""
        self.corrupt += 1
        if self.resync_budget < 0:
            self.gave_up = self.truncated = self.done = True
            return
        nxt = self.buf.find(SYNC, self.off + 1)
        if nxt < 0:
            self.truncated = self.done = True
            return
        self.off = nxt

    def _note(self, body: memoryview) -> None:
        t, d, c = _NOTE_HEAD.unpack_from(body)
        if d not in self.chars or c >= len(self.chars[d]):
            self.orphans += 1
            return
        self.times.append(t)
        self.devs.append(d)
        self.chars_i.append(c)
        self.payloads.append(bytes(body[_NOTE_HEAD.size :]))

    def _char(self, body: memoryview) -> None:
        d, c = _CHAR_HEAD.unpack_from(body)
        lst = self.chars.setdefault(d, [])
        if c == len(lst):
            lst.append(bytes(body[_CHAR_HEAD.size :]).decode())
        else:
            self.corrupt += 1

    def _device(self, body: memoryview) -> None:
        dev = _device(bytes(body))
        if any(x.index == dev.index for x in self.devices):
            self.duplicates += 1  # a repeated record adds nothing; the first one counts
        elif len(self.devices) >= MAX_DEVICES:
            self.extra_devices += 1
        else:
            self.devices.append(dev)

    def _event(self, body: memoryview) -> None:
        t, d = _EVENT_HEAD.unpack_from(body)
        j = json.loads(bytes(body[_EVENT_HEAD.size :]))
        if not isinstance(j, dict):
            raise ValueError("event body is not an object")
        self.events.append(Event(t, None if d == SESSION else d, str(j.pop("kind", "?")), j))

    def capture(self, path: Path, header: dict[str, Any]) -> Capture:
        """The :class:`Capture` read, without its :attr:`Capture.problems`."""
        return Capture(
            path=path,
            header=header,
            devices=self.devices,
            host_time_ns=np.asarray(self.times, dtype=np.int64),
            device=np.asarray(self.devs, dtype=np.int64),
            char=np.asarray(self.chars_i, dtype=np.int64),
            payloads=self.payloads,
            chars=self.chars,
            events=self.events,
            truncated=self.truncated,
            corrupt_records=self.corrupt,
        )


def _skipped_problems(path: Path, scan: _RecordScan) -> list[str]:
    """Warnings about what the scan could not read or left out."""
    found = [
        (
            scan.truncated and not scan.gave_up,
            f"{path}: file ends inside a record (recorder stopped abruptly); "
            f"read {len(scan.payloads)} notifications",
        ),
        (scan.corrupt, f"{path}: skipped {scan.corrupt} corrupt record(s)"),
        (
            scan.gave_up,
            f"{path}: stopped reading at byte {scan.off}: the rest is corrupt beyond "
            f"resynchronising (limit _RESYNC_WORK: {_RESYNC_WORK} checksum bytes per file byte)",
        ),
        (scan.duplicates, f"{path}: ignored {scan.duplicates} repeated device record(s)"),
        (
            scan.extra_devices,
            f"{path}: ignored {scan.extra_devices} device record(s) beyond MAX_DEVICES "
            f"({MAX_DEVICES})",
        ),
        (
            scan.orphans,
            f"{path}: {scan.orphans} notification(s) refer to an undeclared device/characteristic",
        ),
    ]
    return [text for happened, text in found if happened]


def _device_problems(path: Path, cap: Capture) -> list[str]:
    """Warnings about notifications of devices or characteristics the file does not declare."""
    out = []
    known = {d.index for d in cap.devices}
    for d in sorted(set(cap.chars) - known):
        out.append(f"{path}: device {d} has notifications but no device record")
    for d, u in cap.unknown_characteristics():
        name = next((x.name for x in cap.devices if x.index == d), str(d))
        cnt = int(np.count_nonzero((cap.device == d) & (cap.char == cap.chars[d].index(u))))
        out.append(
            f"{path}: device {d} ({name}): unknown characteristic {u} ({cnt} notifications ignored)"
        )
    return out


def read_capture(path: str | Path) -> Capture:
    """Read a capture file, tolerating a torn tail.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    Capture
        Every complete record; ``truncated`` is True when the file ends inside one,
        ``problems`` lists truncation, skipped corrupt records and unknown characteristics.

    Raises
    ------
    CaptureFileError
        Not a capture, or the header itself is unreadable.
    """
    path = Path(path)
    try:
        buf = path.read_bytes()
    except OSError as exc:
        raise CaptureFileError(f"{path}: cannot read: {exc}") from None
    header, off = _parse_header(path, buf)
    scan = _RecordScan(buf, off)
    scan.scan()
    cap = scan.capture(path, header)
    cap.problems += _skipped_problems(path, scan)
    cap.problems += _device_problems(path, cap)
    return cap

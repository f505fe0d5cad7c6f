"""Advertising data (AD structures): build for virtual devices, parse for the scanner.

bumble's virtual controller answers active scans with the advertising data again
instead of a real scan response, so everything a scanner filters on (name, service
UUIDs) must fit in the 31-byte advertising data itself.
"""

from __future__ import annotations

import struct
import uuid as _uuid
from dataclasses import dataclass, field

#: Bluetooth base UUID suffix: 16-bit UUIDs are 0000xxxx-0000-1000-8000-00805f9b34fb.
_BASE_SUFFIX = "-0000-1000-8000-00805f9b34fb"
_LEGACY_MAX = 31

AD_FLAGS = 0x01
AD_UUID16_INCOMPLETE = 0x02
AD_UUID16_COMPLETE = 0x03
AD_UUID128_INCOMPLETE = 0x06
AD_UUID128_COMPLETE = 0x07
AD_NAME_SHORT = 0x08
AD_NAME_COMPLETE = 0x09
AD_TX_POWER = 0x0A
AD_SERVICE_DATA16 = 0x16
AD_MANUFACTURER = 0xFF


def normalize_uuid(value: str) -> str:
    """Lower-case 128-bit string form of a 16/32/128-bit UUID given as text."""
    v = value.strip().lower()
    if v.startswith("0x"):
        v = v[2:]
    if len(v) <= 8 and all(c in "0123456789abcdef" for c in v):
        return f"{int(v, 16):08x}{_BASE_SUFFIX}"
    return str(_uuid.UUID(v))


def _short16(u: str) -> int | None:
    """The 16-bit alias of a SIG-base UUID, or None."""
    if u.endswith(_BASE_SUFFIX) and u.startswith("0000"):
        return int(u[4:8], 16)
    return None


@dataclass
class ParsedAdvertisement:
    """Fields of interest of one advertisement."""

    local_name: str | None = None
    service_uuids: list[str] = field(default_factory=list)
    manufacturer_data: dict[int, bytes] = field(default_factory=dict)
    service_data: dict[str, bytes] = field(default_factory=dict)
    tx_power: int | None = None


def build_advertising_data(name: str, service_uuids: list[str]) -> bytes:
    """Advertising data with flags, the complete name and as many service UUIDs as fit.

    Parameters
    ----------
    name : str
        Complete local name (shortened only if it alone overflows 31 bytes).
    service_uuids : list of str
        Service UUIDs (any textual form); 16-bit ones are sent in the short form.

    Returns
    -------
    bytes
        At most 31 bytes of AD structures.
    """
    out = bytearray(b"\x02\x01\x06")  # LE general discoverable, BR/EDR not supported
    name_b = name.encode()[: _LEGACY_MAX - len(out) - 2]
    out += bytes([len(name_b) + 1, AD_NAME_COMPLETE]) + name_b
    norm = [normalize_uuid(u) for u in service_uuids]
    short = [s for u in norm if (s := _short16(u)) is not None]
    long_ = [u for u in norm if _short16(u) is None]
    if short and len(out) + 2 + 2 * len(short) <= _LEGACY_MAX:
        out += bytes([1 + 2 * len(short), AD_UUID16_COMPLETE]) + b"".join(
            struct.pack("<H", s) for s in short
        )
    for u in long_:
        if len(out) + 18 > _LEGACY_MAX:
            break
        out += bytes([17, AD_UUID128_COMPLETE]) + _uuid.UUID(u).bytes[::-1]
    return bytes(out)


def parse_advertising_data(data: bytes) -> ParsedAdvertisement:
    """Parse AD structures; a malformed tail is ignored (counted as absent).

    Parameters
    ----------
    data : bytes
        Raw advertising data.

    Returns
    -------
    ParsedAdvertisement
    """
    adv = ParsedAdvertisement()
    i = 0
    while i < len(data):
        n = data[i]
        if n == 0 or i + 1 + n > len(data):
            break
        kind, body = data[i + 1], bytes(data[i + 2 : i + 1 + n])
        i += 1 + n
        if kind in (AD_NAME_COMPLETE, AD_NAME_SHORT):
            if kind == AD_NAME_COMPLETE or adv.local_name is None:
                adv.local_name = body.decode("utf-8", "replace")
        elif kind in (AD_UUID16_COMPLETE, AD_UUID16_INCOMPLETE):
            adv.service_uuids += [
                f"{v:08x}{_BASE_SUFFIX}"
                for (v,) in struct.iter_unpack("<H", body[: len(body) // 2 * 2])
            ]
        elif kind in (AD_UUID128_COMPLETE, AD_UUID128_INCOMPLETE):
            adv.service_uuids += [
                str(_uuid.UUID(bytes=body[j : j + 16][::-1])) for j in range(0, len(body) - 15, 16)
            ]
        elif kind == AD_MANUFACTURER and len(body) >= 2:
            adv.manufacturer_data[int.from_bytes(body[:2], "little")] = body[2:]
        elif kind == AD_SERVICE_DATA16 and len(body) >= 2:
            adv.service_data[f"{int.from_bytes(body[:2], 'little'):08x}{_BASE_SUFFIX}"] = body[2:]
        elif kind == AD_TX_POWER and len(body) == 1:
            adv.tx_power = int.from_bytes(body, "little", signed=True)
    return adv

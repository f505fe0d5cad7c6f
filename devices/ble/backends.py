"""Choose the bleak backends from a radio name: the platform's BLE stack or the virtual radio."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import BaseBleakScanner

from devices.ble.radio import RADIO_ENV, VirtualRadio, open_radio, parse_radio_spec
from devices.errors import DeviceError


@dataclass
class Backends:
    """bleak backend classes and their extra keyword arguments.

    Attributes
    ----------
    scanner, client : type or None
        Backends for ``BleakScanner`` / ``BleakClient``; None means the platform's.
    kwargs : dict
        Extra keyword arguments for both (``radio=`` for the virtual radio).
    radio : VirtualRadio or None
        The virtual radio, to close when done.
    """

    scanner: type[BaseBleakScanner] | None = None
    client: type[BaseBleakClient] | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    radio: VirtualRadio | None = None

    async def aclose(self) -> None:
        """Leave the virtual radio, if any."""
        if self.radio is not None:
            await self.radio.aclose()


def radio_name(cli_value: str | None) -> str:
    """The radio to use: the ``--radio`` value, else ``GAIT_RADIO``, else ``ble``."""
    return (cli_value or os.environ.get(RADIO_ENV) or "ble").strip()


async def open_backends(name: str) -> Backends:
    """Backends for ``ble`` (this machine's Bluetooth) or ``virtual[:HOST:PORT]``.

    Raises
    ------
    DeviceError
        Unknown radio name, or no hub for a virtual radio.
    """
    if name.lower() == "ble":
        return Backends()
    parse_radio_spec(name)  # validates, with a clear message
    if name.lower().startswith("local"):
        raise DeviceError("radio 'local' only exists inside one process; use 'virtual'")
    from devices.ble import BumbleClient, BumbleScanner

    radio = await open_radio(name)
    return Backends(BumbleScanner, BumbleClient, {"radio": radio}, radio)


def bluetooth_unavailable(exc: BaseException) -> DeviceError:
    """A clear error for a platform BLE stack that cannot be used here."""
    return DeviceError(
        f"Bluetooth is not available on this machine ({exc}); "
        "use --radio virtual with 'gait simulate' running in another terminal"
    )

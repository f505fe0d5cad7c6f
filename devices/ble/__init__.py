"""A bleak backend on bumble's virtual radio.

Application code uses only bleak's public API::

    BleakScanner(backend=BumbleScanner, radio=radio)
    BleakClient(device, backend=BumbleClient, radio=radio)

``radio`` is a :class:`devices.ble.radio.VirtualRadio`; without it the backend uses
:func:`devices.ble.radio.default_radio` (chosen by ``GAIT_RADIO``).
"""

from devices.ble.client import BumbleClient
from devices.ble.radio import VirtualRadio, default_radio, open_radio, parse_radio_spec
from devices.ble.scanner import BumbleScanner

__all__ = [
    "BumbleClient",
    "BumbleScanner",
    "VirtualRadio",
    "default_radio",
    "open_radio",
    "parse_radio_spec",
]

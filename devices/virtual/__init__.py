"""Virtual BLE sensors on bumble: GATT servers that emulate each firmware profile.

:class:`VirtualDevice` streams a :class:`SampleSource` through the profile's encoder
over a :class:`devices.ble.radio.VirtualRadio`, with fault injection (:class:`Faults`).
"""

from devices.virtual.clock import SimClock
from devices.virtual.device import VirtualDevice, default_name
from devices.virtual.faults import Faults, parse_faults
from devices.virtual.source import SampleSource, constant_rsc_source

__all__ = [
    "Faults",
    "SampleSource",
    "SimClock",
    "VirtualDevice",
    "constant_rsc_source",
    "default_name",
    "parse_faults",
]

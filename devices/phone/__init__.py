"""Phones as live sensors: Sensor Logger HTTP push and phyphox remote access.

Phones do not expose their IMU as a BLE GATT server, so they come over HTTP on the
local network (docs/phone_protocols.md has the exact formats):

- :mod:`~devices.phone.sensorlogger` / :mod:`~devices.phone.phyphox`: the two formats
  (parse, and build for the simulator); :mod:`~devices.phone.fields` what the fields mean;
- :mod:`~devices.phone.decoders`: bodies → :class:`~devices.decoders.Samples` (a decoder
  family, so phone captures replay like BLE ones);
- :mod:`~devices.phone.receiver` (Sensor Logger pushes), :mod:`~devices.phone.recorder`
  (receivers, phyphox pollers, capture file); :mod:`~devices.phone.simulator` (a phone).
"""

from devices.phone.spec import PhoneSpec, is_phone_spec, parse_phone_spec

__all__ = ["PhoneSpec", "is_phone_spec", "parse_phone_spec"]

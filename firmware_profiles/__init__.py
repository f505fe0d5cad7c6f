"""Firmware profiles shipped as data: one TOML file per kind of device (``devices.profiles``)."""

"""Typed errors of the device layer. ``devices`` imports nothing from ``gait``."""

from __future__ import annotations


class DeviceLayerError(Exception):
    """Base class for errors the user can cause in the device layer."""


class ProfileError(DeviceLayerError):
    """A firmware profile is malformed or inconsistent."""


class DeviceError(DeviceLayerError):
    """A device is unknown, refuses a command, or vanished."""


class CaptureFileError(DeviceLayerError):
    """A capture file is unreadable (not a capture, or corrupt beyond its header)."""

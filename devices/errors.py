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


class PayloadError(DeviceLayerError):
    """A phone's HTTP body (Sensor Logger push, phyphox reply) is malformed or hostile.

    Attributes
    ----------
    status : int
        HTTP status the receiver answers with (400 malformed, 413 too large ...).
    reason : str
        Short reason used as a counter key.
    """

    def __init__(self, reason: str, status: int = 400, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.status = status

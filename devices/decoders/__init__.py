"""Vectorized decoders (bytes → SI arrays) and encoders (arrays → bytes), one module per family.

Use :func:`make_decoder` and :func:`make_encoder` with a :class:`~devices.profiles.Profile`
(or any :class:`DecoderProfile`); the profile's ``decoder`` key picks the family:

========== ==============================================================
``rsc``      Bluetooth SIG Running Speed and Cadence (footpods)
``polar_pmd`` Polar Measurement Data: ACC/GYRO raw and delta-compressed frames
``movesense`` Movesense GATT SensorData Protocol (IMU6 / Acc / Gyro)
``metawear`` MbientLab MetaWear module/register notifications
``packed``   generic packed structs configured from TOML (gait-imu, Thingy:52)
``sensorlogger`` / ``phyphox``  phone HTTP bodies (:mod:`devices.phone`)
========== ==============================================================
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol, cast

from devices.decoders.base import (
    ControlResponse,
    Decoder,
    DecoderProfile,
    DecoderStats,
    Encoder,
    Packet,
    Samples,
)
from devices.errors import ProfileError

_FAMILIES = {
    "rsc": "devices.decoders.rsc",
    "polar_pmd": "devices.decoders.polar_pmd",
    "movesense": "devices.decoders.movesense",
    "metawear": "devices.decoders.metawear",
    "packed": "devices.decoders.packed",
    "sensorlogger": "devices.phone.decoders",
    "phyphox": "devices.phone.decoders",
}


class DecoderFamily(Protocol):
    """One decoder family module (``devices/decoders/<family>.py``): these three functions."""

    def validate_params(self, profile: DecoderProfile) -> None:
        """Raise :class:`~devices.errors.ProfileError` on a bad ``decoder_params`` key."""
        ...

    def make_decoder(self, profile: DecoderProfile) -> Decoder:
        """A fresh decoder for one device."""
        ...

    def make_encoder(
        self, profile: DecoderProfile, rate: float | None = None, device_clock: float = 0.0
    ) -> Encoder:
        """A fresh encoder for one device."""
        ...


def _family(profile: DecoderProfile) -> DecoderFamily:
    """The family module named by ``profile.decoder``, imported on first use.

    Only the families a replay needs are imported.
    """
    try:
        name = _FAMILIES[profile.decoder]
    except KeyError:
        raise ProfileError(f"profile {profile.id!r}: unknown decoder {profile.decoder!r}") from None
    return cast(DecoderFamily, import_module(name))


def validate_params(profile: DecoderProfile) -> None:
    """Check the profile's ``decoder_params`` for its family.

    Raises
    ------
    ProfileError
        Naming the offending ``decoder_params`` key.
    """
    _family(profile).validate_params(profile)


def make_decoder(profile: DecoderProfile) -> Decoder:
    """A fresh stateful decoder for one device.

    Parameters
    ----------
    profile : DecoderProfile
        The device's profile.

    Returns
    -------
    Decoder
        ``feed(payload, host_time, char) -> Samples | None``; never raises on bad packets.
    """
    return _family(profile).make_decoder(profile)


def make_encoder(
    profile: DecoderProfile, rate: float | None = None, device_clock: float = 0.0
) -> Encoder:
    """A fresh stateful encoder producing the device's exact notification bytes.

    Parameters
    ----------
    profile : DecoderProfile
        The device's profile.
    rate : float, optional
        Sampling rate, Hz (default: profile rate).
    device_clock : float
        Device clock at caller time 0, s (PMD: seconds since 2000-01-01; Movesense: ms
        counter / 1000).

    Returns
    -------
    Encoder
    """
    return _family(profile).make_encoder(profile, rate=rate, device_clock=device_clock)


__all__ = [
    "ControlResponse",
    "Decoder",
    "DecoderFamily",
    "DecoderProfile",
    "DecoderStats",
    "Encoder",
    "Packet",
    "Samples",
    "make_decoder",
    "make_encoder",
    "validate_params",
]

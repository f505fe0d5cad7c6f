"""Vectorized decoders (bytes → SI arrays) and encoders (arrays → bytes), one module per family.

Use :func:`make_decoder` and :func:`make_encoder` with a :class:`~devices.profiles.Profile`;
the profile's ``decoder`` key picks the family:

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
from typing import TYPE_CHECKING

from devices.decoders.base import (
    ControlResponse,
    Decoder,
    DecoderStats,
    Encoder,
    Packet,
    Samples,
)
from devices.errors import ProfileError

if TYPE_CHECKING:
    from devices.profiles import Profile

_FAMILIES = {
    "rsc": "devices.decoders.rsc",
    "polar_pmd": "devices.decoders.polar_pmd",
    "movesense": "devices.decoders.movesense",
    "metawear": "devices.decoders.metawear",
    "packed": "devices.decoders.packed",
    "sensorlogger": "devices.phone.decoders",
    "phyphox": "devices.phone.decoders",
}


def _family(profile: Profile):  # type: ignore[no-untyped-def]
    try:
        return import_module(_FAMILIES[profile.decoder])
    except KeyError:
        raise ProfileError(f"profile {profile.id!r}: unknown decoder {profile.decoder!r}") from None


def validate_params(profile: Profile) -> None:
    """Check the profile's ``decoder_params`` for its family.

    Raises
    ------
    ProfileError
        Naming the offending ``decoder_params`` key.
    """
    _family(profile).validate_params(profile)


def make_decoder(profile: Profile) -> Decoder:
    """A fresh stateful decoder for one device.

    Parameters
    ----------
    profile : Profile
        The device's profile.

    Returns
    -------
    Decoder
        ``feed(payload, host_time, char) -> Samples | None``; never raises on bad packets.
    """
    dec: Decoder = _family(profile).make_decoder(profile)
    return dec


def make_encoder(profile: Profile, rate: float | None = None, device_clock: float = 0.0) -> Encoder:
    """A fresh stateful encoder producing the device's exact notification bytes.

    Parameters
    ----------
    profile : Profile
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
    enc: Encoder = _family(profile).make_encoder(profile, rate=rate, device_clock=device_clock)
    return enc


__all__ = [
    "ControlResponse",
    "Decoder",
    "DecoderStats",
    "Encoder",
    "Packet",
    "Samples",
    "make_decoder",
    "make_encoder",
    "validate_params",
]

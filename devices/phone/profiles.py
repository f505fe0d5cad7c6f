"""The two phone "profiles": how phone batches are named and decoded in capture files.

Phones are not BLE peripherals, so these profiles are not shipped TOML files (a scan
never matches them and the BLE test suites do not run them). They give the capture
file's device table a profile id and the replay its decoder. The UUIDs are local record
identifiers for the capture file (``data`` = one HTTP body with samples; ``config``,
``time``, ``meta`` = phyphox's other replies), not Bluetooth UUIDs.
"""

from __future__ import annotations

from functools import lru_cache

from devices.phone.tables import PHONE_RATE, PHONE_VARIANTS, phone_source, phone_table
from devices.profiles import Profile, parse_profile


@lru_cache(maxsize=8)
def phone_profile(app: str, platform: str = "unknown") -> Profile:
    """The profile of a phone app.

    Parameters
    ----------
    app : {'sensorlogger', 'phyphox'}
        The app.
    platform : {'android', 'ios', 'unknown'}
        Sensor Logger only: iOS reports acceleration with the opposite sign.

    Returns
    -------
    Profile

    Raises
    ------
    ValueError
        For another app.
    """
    return parse_profile(phone_table(app, platform), phone_source(app))


def phone_profiles() -> list[Profile]:
    """Every phone profile (:func:`devices.profiles.get_profile` finds them by id too)."""
    return [phone_profile(app, platform) for app, platform in PHONE_VARIANTS]


__all__ = ["PHONE_RATE", "phone_profile", "phone_profiles"]

"""The two phone "profiles": how phone batches are named and decoded in capture files.

Phones are not BLE peripherals, so these profiles are not shipped TOML files (a scan
never matches them and the BLE test suites do not run them). They give the capture
file's device table a profile id and the replay its decoder. The UUIDs are local record
identifiers for the capture file (``data`` = one HTTP body with samples; ``config``,
``time``, ``meta`` = phyphox's other replies), not Bluetooth UUIDs.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from devices.profiles import Profile, parse_profile

_BASE = "67616974-7068-6f6e-65{:02x}-00000000{:04x}"  # "gaitphone"

#: Nominal rate, Hz (Sensor Logger's and phyphox's usual setting; the real rate is
#: measured from the phone's time stamps).
PHONE_RATE = 100.0


def _uuid(app: int, role: int) -> str:
    return _BASE.format(app, role)


def _table(pid: str, name: str, decoder: str, app: int, params: dict[str, Any], desc: str) -> dict[str, Any]:
    return {
        "id": pid,
        "name": name,
        "description": desc,
        "decoder": decoder,
        "streams": ["acc"],
        "placement": "phone",
        "rate": PHONE_RATE,
        "acc_range_g": 8,
        "service": _uuid(app, 0),
        "match": {"names": [f"^phone:{decoder}$"]},
        "characteristics": {"data": _uuid(app, 1), "config": _uuid(app, 2), "time": _uuid(app, 3),
                            "meta": _uuid(app, 4)},
        "subscribe": ["data"],
        "decoder_params": params,
    }


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
    """
    if app == "sensorlogger":
        pid = "phone-sensorlogger" + ("-ios" if platform == "ios" else "")
        t = _table(pid, "Phone (Sensor Logger HTTP push)", "sensorlogger", 1, {"platform": platform},
                   "A phone running Sensor Logger, pushing JSON batches over HTTP.")
    elif app == "phyphox":
        t = _table("phone-phyphox", "Phone (phyphox remote access)", "phyphox", 2, {},
                   "A phone running phyphox with remote access, polled over its REST API.")
    else:
        raise ValueError(f"unknown phone app {app!r}")
    return parse_profile(t, f"devices/phone/profiles.py:{app}")


def phone_profiles() -> list[Profile]:
    """Every phone profile (for :func:`devices.profiles.get_profile`)."""
    return [phone_profile("sensorlogger"), phone_profile("sensorlogger", "ios"), phone_profile("phyphox")]

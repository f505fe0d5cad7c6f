"""The two phone "profiles" as plain tables, in the shape of a profile TOML file.

Data only (no import of :mod:`devices.profiles`), so :func:`devices.profiles.get_profile`
can parse them without the profile module and the phone package importing each other;
:func:`devices.phone.profiles.phone_profile` parses them too.
"""

from __future__ import annotations

from typing import Any

_BASE = "67616974-7068-6f6e-65{:02x}-00000000{:04x}"  # "gaitphone"

#: Nominal rate, Hz (Sensor Logger's and phyphox's usual setting; the real rate is
#: measured from the phone's time stamps).
PHONE_RATE = 100.0


def _uuid(app: int, role: int) -> str:
    return _BASE.format(app, role)


def _table(
    pid: str, name: str, decoder: str, app: int, params: dict[str, Any], desc: str
) -> dict[str, Any]:
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
        "characteristics": {
            "data": _uuid(app, 1),
            "config": _uuid(app, 2),
            "time": _uuid(app, 3),
            "meta": _uuid(app, 4),
        },
        "subscribe": ["data"],
        "decoder_params": params,
    }


#: Every phone profile as ``(app, platform)``.
PHONE_VARIANTS: tuple[tuple[str, str], ...] = (
    ("sensorlogger", "unknown"),
    ("sensorlogger", "ios"),
    ("phyphox", "unknown"),
)


def phone_source(app: str) -> str:
    """Where a phone profile comes from, as its ``source`` (shown in profile errors)."""
    return f"devices/phone/profiles.py:{app}"


def phone_table(app: str, platform: str = "unknown") -> dict[str, Any]:
    """The profile table of a phone app (parse it with :func:`devices.profiles.parse_profile`).

    Parameters
    ----------
    app : {'sensorlogger', 'phyphox'}
        The app.
    platform : {'android', 'ios', 'unknown'}
        Sensor Logger only: iOS reports acceleration with the opposite sign.

    Returns
    -------
    dict
        The profile's keys as in a profile TOML file.

    Raises
    ------
    ValueError
        For another app.
    """
    if app == "sensorlogger":
        pid = "phone-sensorlogger" + ("-ios" if platform == "ios" else "")
        return _table(
            pid,
            "Phone (Sensor Logger HTTP push)",
            "sensorlogger",
            1,
            {"platform": platform},
            "A phone running Sensor Logger, pushing JSON batches over HTTP.",
        )
    if app == "phyphox":
        return _table(
            "phone-phyphox",
            "Phone (phyphox remote access)",
            "phyphox",
            2,
            {},
            "A phone running phyphox with remote access, polled over its REST API.",
        )
    raise ValueError(f"unknown phone app {app!r}")

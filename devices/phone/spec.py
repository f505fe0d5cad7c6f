"""``--device phone:APP[/ios][@HOST[:PORT]][=MOUNT]``: a phone as a live sensor.

* ``phone:sensorlogger=belt`` — receive Sensor Logger pushes on 127.0.0.1:8000;
  ``@0.0.0.0:8000`` (or ``gait live --lan``) listens on the network, with a token.
  ``/ios`` marks an iPhone (Sensor Logger reports its acceleration with the opposite sign).
* ``phone:phyphox@192.168.1.20:8080=armband`` — poll phyphox's remote access on the phone.

MOUNT is how the phone is carried: ``belt`` (aliases ``waist``, ``sacrum``), ``armband``
(``arm``), ``hand``, ``pocket``, ``sternum`` or ``bag``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from devices.errors import DeviceError

APPS = ("sensorlogger", "phyphox")
MOUNTS = ("belt", "armband", "hand", "pocket", "sternum", "bag")
_ALIASES = {"waist": "belt", "sacrum": "belt", "arm": "armband"}
#: Default ports: the receiver's (ours), phyphox's on Android (iOS serves on 80).
DEFAULT_PORT = {"sensorlogger": 8000, "phyphox": 8080}


@dataclass(frozen=True)
class PhoneSpec:
    """One parsed phone request.

    Attributes
    ----------
    app : {'sensorlogger', 'phyphox'}
    host : str
        Sensor Logger: interface the receiver binds; phyphox: the phone's address.
    port : int
        TCP port (0: a free one, receiver only).
    mount : str or None
        How the phone is carried (:data:`MOUNTS`).
    platform : {'android', 'ios', 'unknown'}
        Sensor Logger's sign convention.
    text : str
        The request as given.
    """

    app: str
    host: str
    port: int
    mount: str | None
    platform: str
    text: str

    @property
    def label(self) -> str:
        """Device name in the capture and in status lines, e.g. ``phone:sensorlogger``."""
        return f"phone:{self.app}" + (f"@{self.host}:{self.port}" if self.app == "phyphox" else "")

    @property
    def on_lan(self) -> bool:
        """A receiver bound beyond loopback (needs a token)."""
        return self.app == "sensorlogger" and not is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_phone_spec(text: str) -> bool:
    """True when a ``--device`` value names a phone (``phone:...``)."""
    return text.strip().lower().startswith("phone:")


def parse_phone_spec(text: str, *, lan: bool = False) -> PhoneSpec:
    """Parse ``phone:APP[/ios][@HOST[:PORT]][=MOUNT]``.

    Parameters
    ----------
    text : str
        The ``--device`` value.
    lan : bool
        ``gait live --lan``: a Sensor Logger receiver without ``@HOST`` listens on 0.0.0.0.

    Returns
    -------
    PhoneSpec

    Raises
    ------
    DeviceError
        Unknown app or mount, bad port, phyphox without the phone's address.
    """
    s = text.strip()
    if not is_phone_spec(s):
        raise DeviceError(
            f"--device {text!r}: not a phone (phone:sensorlogger or phone:phyphox@HOST)"
        )
    head, _, mount_s = s[len("phone:") :].partition("=")
    head, _, where = head.partition("@")
    app, _, plat = head.strip().lower().partition("/")
    if app not in APPS:
        raise DeviceError(f"--device {text!r}: phone app must be one of {list(APPS)}")
    if plat not in ("", "ios", "android"):
        raise DeviceError(f"--device {text!r}: platform must be /ios or /android")
    mount = _ALIASES.get(mount_s.strip().lower(), mount_s.strip().lower()) or None
    if mount is not None and mount not in MOUNTS:
        raise DeviceError(
            f"--device {text!r}: mount must be one of {list(MOUNTS)} (or waist, sacrum, arm)"
        )
    host, port = "", DEFAULT_PORT[app]
    if where:
        h, sep, p = where.strip().rpartition(":")
        if not sep:
            h, p = p, ""
        host = h.strip("[]")
        if p:
            if not p.isdigit() or not 0 <= int(p) <= 65535:
                raise DeviceError(f"--device {text!r}: bad port {p!r}")
            port = int(p)
    if app == "phyphox" and not host:
        raise DeviceError(
            f"--device {text!r}: give the phone's address shown by phyphox, "
            "e.g. phone:phyphox@192.168.1.20:8080"
        )
    if app == "sensorlogger" and not host:
        host = "0.0.0.0" if lan else "127.0.0.1"
    return PhoneSpec(app, host, port, mount, plat or "unknown", s)


def with_lan(text: str) -> str:
    """``gait live --lan``: a Sensor Logger request without ``@HOST`` listens on 0.0.0.0.

    Parameters
    ----------
    text : str
        A ``--device`` value (returned unchanged unless it is such a request).

    Returns
    -------
    str
    """
    if not is_phone_spec(text):
        return text
    spec = parse_phone_spec(text)
    if spec.app != "sensorlogger" or "@" in text:
        return text
    head, sep, mount = text.strip().partition("=")
    return f"{head}@0.0.0.0:{spec.port}{sep}{mount}"

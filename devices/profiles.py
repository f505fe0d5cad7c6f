"""Firmware profiles: how to recognise, start, stop and decode one kind of device.

Profiles are TOML files shipped in the ``firmware_profiles`` package. Adding a device
whose decoder exists is a new TOML file, not new code. Every key is validated; a bad
profile raises :class:`~devices.errors.ProfileError` naming the file and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from devices.decoders import validate_params
from devices.errors import ProfileError
from devices.phone.tables import PHONE_VARIANTS, phone_source, phone_table
from devices.units import G

#: Bluetooth base UUID used to expand 16-bit short UUIDs.
_BASE = "-0000-1000-8000-00805f9b34fb"
_UUID128 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_UUID16 = re.compile(r"^(0x)?[0-9a-f]{4}$")

#: Decoder families that :func:`devices.decoders.make_decoder` knows.
DECODERS: tuple[str, ...] = (
    "rsc",
    "polar_pmd",
    "movesense",
    "metawear",
    "packed",
    "sensorlogger",
    "phyphox",
)
PLACEMENTS: tuple[str, ...] = ("foot", "shank", "sacrum", "phone")
SIDES: tuple[str, ...] = ("left", "right")
STREAM_KINDS: tuple[str, ...] = ("acc", "gyr", "rsc")
DEG = 3.141592653589793 / 180.0


def normalize_uuid(value: str) -> str:
    """Lower-case 128-bit form of a UUID; 16-bit short forms (``2a53``, ``0x2A53``) expand.

    Parameters
    ----------
    value : str
        UUID in any common spelling.

    Returns
    -------
    str
        ``xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx``.

    Raises
    ------
    ValueError
        Not a UUID.
    """
    v = str(value).strip().lower()
    if _UUID16.match(v):
        return f"0000{v[-4:]}{_BASE}"
    if re.fullmatch(r"[0-9a-f]{8}", v):
        return f"{v}{_BASE}"
    if _UUID128.match(v):
        return v
    raise ValueError(f"not a UUID: {value!r}")


@dataclass(frozen=True)
class Command:
    """One write of a start or stop sequence.

    Parameters
    ----------
    char : str
        Characteristic role to write to.
    data : bytes
        Bytes to write.
    with_response : bool
        Write with response (ATT Write Request) rather than Write Command.
    expect : bytes or None
        Prefix the device's response must start with; None expects no response.
    response_char : str or None
        Role the response arrives on (notification/indication); default ``char``.
    timeout : float
        Seconds to wait for the response.
    """

    char: str
    data: bytes
    with_response: bool = True
    expect: bytes | None = None
    response_char: str | None = None
    timeout: float = 2.0


@dataclass(frozen=True)
class Match:
    """How a device is recognised from its advertisement.

    Parameters
    ----------
    names : tuple of str
        Regular expressions searched in the advertised local name.
    services : tuple of str
        Advertised service UUIDs (128-bit, lower case); any one matches.
    """

    names: tuple[str, ...] = ()
    services: tuple[str, ...] = ()

    def matches(self, name: str | None, service_uuids: Iterable[str] = ()) -> bool:
        """True when the name matches a pattern or an advertised service is listed."""
        if name and any(re.search(p, name) for p in self.names):
            return True
        adv = set()
        for u in service_uuids:
            try:
                adv.add(normalize_uuid(u))
            except ValueError:
                continue
        return bool(adv & set(self.services))


@dataclass(frozen=True)
class Profile:
    """A validated firmware profile.

    Parameters
    ----------
    id : str
        Short identifier (file stem), e.g. ``polar-verity``.
    name : str
        Human name.
    description : str
        One paragraph: what the device is and what it streams.
    match : Match
        Recognition rules.
    service : str
        Primary GATT service UUID.
    characteristics : dict of str to str
        Role → characteristic UUID (``data``, ``control`` ...).
    subscribe : tuple of str
        Roles to enable notifications/indications on, in order, before the start writes.
    start, stop : tuple of Command
        Start and stop sequences.
    decoder : str
        Decoder family, one of :data:`DECODERS`.
    decoder_params : dict
        Family-specific parameters (see each decoder module).
    streams : tuple of str
        What the device streams: any of ``acc``, ``gyr``, ``rsc``.
    placement : str or None
        Nominal placement (``foot``, ``shank``, ``sacrum``, ``phone``).
    side : str or None
        Nominal side, usually None (chosen when recording).
    rate : float
        Nominal sampling rate, Hz (RSC: measurements per second).
    acc_range : float or None
        Accelerometer full scale, m/s².
    gyr_range : float or None
        Gyroscope full scale, rad/s.
    mtu_min : int
        Smallest ATT MTU the data packets need.
    source : str
        File the profile was loaded from.
    """

    id: str
    name: str
    description: str
    match: Match
    service: str
    characteristics: Mapping[str, str]
    subscribe: tuple[str, ...]
    start: tuple[Command, ...]
    stop: tuple[Command, ...]
    decoder: str
    decoder_params: Mapping[str, Any] = field(default_factory=dict)
    streams: tuple[str, ...] = ()
    placement: str | None = None
    side: str | None = None
    rate: float = 0.0
    acc_range: float | None = None
    gyr_range: float | None = None
    mtu_min: int = 23
    source: str = ""

    def uuid(self, role: str) -> str:
        """UUID of characteristic ``role``; ProfileError when the profile lacks it."""
        try:
            return self.characteristics[role]
        except KeyError:
            raise ProfileError(f"profile {self.id!r} has no characteristic {role!r}") from None

    def role_of(self, uuid: str) -> str | None:
        """Role of characteristic ``uuid``, or None when the profile does not use it."""
        try:
            u = normalize_uuid(uuid)
        except ValueError:
            return None
        for role, v in self.characteristics.items():
            if v == u:
                return role
        return None


# ----------------------------------------------------------------------------- loading


class _Reader:
    """Typed access to a TOML table that reports ``file: key: problem``."""

    def __init__(self, source: str, table: Mapping[str, Any], prefix: str = "") -> None:
        self.source = source
        self.table = table
        self.prefix = prefix

    def err(self, key: str, problem: str) -> ProfileError:
        return ProfileError(f"{self.source}: key '{self.prefix}{key}': {problem}")

    def get(
        self, key: str, typ: type | tuple[type, ...], default: Any = ..., *, required: bool = False
    ) -> Any:
        if key not in self.table:
            if required or default is ...:
                raise self.err(key, "missing")
            return default
        v = self.table[key]
        if isinstance(v, bool) and typ in (int, float, (int, float)):
            raise self.err(key, f"expected a number, got {v!r}")
        if not isinstance(v, typ):
            names = typ.__name__ if isinstance(typ, type) else " or ".join(t.__name__ for t in typ)
            raise self.err(key, f"expected {names}, got {type(v).__name__} {v!r}")
        return v

    def sub(self, key: str, value: Mapping[str, Any]) -> _Reader:
        return _Reader(self.source, value, f"{self.prefix}{key}.")


def _hex(r: _Reader, key: str, value: Any) -> bytes:
    if not isinstance(value, str):
        raise r.err(key, f"expected a hex string, got {value!r}")
    try:
        return bytes.fromhex(value.replace(":", " "))
    except ValueError:
        raise r.err(key, f"not hex bytes: {value!r}") from None


def _commands(r: _Reader, key: str, chars: Mapping[str, str]) -> tuple[Command, ...]:
    raw = r.get(key, list, [])
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise r.err(f"{key}[{i}]", "expected a table")
        c = r.sub(f"{key}[{i}]", item)
        char = c.get("char", str, required=True)
        if char not in chars:
            raise c.err("char", f"unknown characteristic role {char!r}; have {sorted(chars)}")
        data = _hex(c, "hex", c.get("hex", str, required=True))
        expect_s = c.get("expect", str, None)
        resp = c.get("response_char", str, None)
        if resp is not None and resp not in chars:
            raise c.err("response_char", f"unknown characteristic role {resp!r}")
        timeout = float(c.get("timeout", (int, float), 2.0))
        if timeout <= 0:
            raise c.err("timeout", "must be > 0")
        out.append(
            Command(
                char=char,
                data=data,
                with_response=c.get("with_response", bool, True),
                expect=None if expect_s is None else _hex(c, "expect", expect_s),
                response_char=resp,
                timeout=timeout,
            )
        )
    return tuple(out)


def _uuid(r: _Reader, key: str, value: Any) -> str:
    try:
        return normalize_uuid(value)
    except (ValueError, AttributeError):
        raise r.err(key, f"not a UUID: {value!r}") from None


def _one_of(r: _Reader, key: str, value: Any, allowed: Collection[Any], problem: str) -> None:
    """Raise ``problem`` on ``key`` unless ``value`` is in ``allowed``."""
    if value not in allowed:
        raise r.err(key, problem)


def _ident(r: _Reader) -> tuple[str, str]:
    """``id`` and ``decoder``."""
    pid = r.get("id", str, required=True)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", pid):
        raise r.err("id", f"must be lower-case letters, digits, '-' or '_', got {pid!r}")
    decoder = r.get("decoder", str, required=True)
    _one_of(
        r,
        "decoder",
        decoder,
        DECODERS,
        f"unknown decoder {decoder!r}; choose from {list(DECODERS)}",
    )
    return pid, decoder


def _characteristics(r: _Reader) -> tuple[str, dict[str, str]]:
    """``service`` and the ``[characteristics]`` table (role → UUID, ``data`` required)."""
    service = _uuid(r, "service", r.get("service", str, required=True))
    chars_t = r.get("characteristics", dict, required=True)
    cr = r.sub("characteristics", chars_t)
    chars = {k: _uuid(cr, k, cr.get(k, str)) for k in chars_t}
    if "data" not in chars:
        raise cr.err("data", "missing (the characteristic that carries samples)")
    return service, chars


def _match(r: _Reader) -> Match:
    """The ``[match]`` table: name patterns (valid regular expressions) and service UUIDs."""
    mr = r.sub("match", r.get("match", dict, required=True))
    names = mr.get("names", list, [])
    for i, p in enumerate(names):
        if not isinstance(p, str):
            raise mr.err(f"names[{i}]", "expected a string")
        try:
            re.compile(p)
        except re.error as exc:
            raise mr.err(f"names[{i}]", f"bad regular expression {p!r}: {exc}") from None
    services = tuple(
        _uuid(mr, f"services[{i}]", u) for i, u in enumerate(mr.get("services", list, []))
    )
    if not names and not services:
        raise mr.err("names", "give at least one name pattern or service UUID")
    return Match(names=tuple(names), services=services)


def _roles_and_streams(r: _Reader, chars: Mapping[str, str]) -> tuple[list[Any], list[Any]]:
    """``subscribe`` (known roles) and ``streams`` (known kinds)."""
    subscribe = r.get("subscribe", list, ["data"])
    for i, s in enumerate(subscribe):
        _one_of(r, f"subscribe[{i}]", s, chars, f"unknown characteristic role {s!r}")
    streams = r.get("streams", list, required=True)
    for i, s in enumerate(streams):
        _one_of(
            r, f"streams[{i}]", s, STREAM_KINDS, f"must be one of {list(STREAM_KINDS)}, got {s!r}"
        )
    return subscribe, streams


def _optional_choice(r: _Reader, key: str, allowed: tuple[str, ...]) -> str | None:
    """An optional string key that must be one of ``allowed``."""
    value = r.get(key, str, None)
    if value is not None:
        _one_of(r, key, value, allowed, f"must be one of {list(allowed)}, got {value!r}")
    return value


def _ranges(r: _Reader, streams: list[Any]) -> tuple[float, float | None, float | None]:
    """``rate`` (Hz), ``acc_range_g`` (g) and ``gyr_range_dps`` (deg/s), as given."""
    rate = float(r.get("rate", (int, float), required=True))
    if not 0 < rate <= 10000:
        raise r.err("rate", f"must be in (0, 10000] Hz, got {rate}")
    acc_g = r.get("acc_range_g", (int, float), None)
    gyr_dps = r.get("gyr_range_dps", (int, float), None)
    for k, v in (("acc_range_g", acc_g), ("gyr_range_dps", gyr_dps)):
        if v is not None and v <= 0:
            raise r.err(k, "must be > 0")
    for stream, k, v in (("acc", "acc_range_g", acc_g), ("gyr", "gyr_range_dps", gyr_dps)):
        if stream in streams and v is None:
            raise r.err(k, f"missing (the profile streams {stream})")
    return rate, acc_g, gyr_dps


def _mtu(r: _Reader) -> int:
    mtu = r.get("mtu_min", int, 23)
    if not 23 <= mtu <= 517:
        raise r.err("mtu_min", f"must be in [23, 517], got {mtu}")
    return int(mtu)


def parse_profile(data: Mapping[str, Any], source: str) -> Profile:
    """Validate a profile table (already parsed TOML) into a :class:`Profile`.

    Parameters
    ----------
    data : mapping
        The TOML document.
    source : str
        File name used in error messages.

    Returns
    -------
    Profile
        The validated profile.

    Raises
    ------
    ProfileError
        A key is missing, has the wrong type or an invalid value.
    """
    r = _Reader(source, data)
    pid, decoder = _ident(r)
    service, chars = _characteristics(r)
    match = _match(r)
    subscribe, streams = _roles_and_streams(r, chars)
    placement = _optional_choice(r, "placement", PLACEMENTS)
    side = _optional_choice(r, "side", SIDES)
    rate, acc_g, gyr_dps = _ranges(r, streams)
    mtu = _mtu(r)
    params = r.get("decoder_params", dict, {})
    prof = Profile(
        id=pid,
        name=r.get("name", str, required=True),
        description=r.get("description", str, ""),
        match=match,
        service=service,
        characteristics=chars,
        subscribe=tuple(subscribe),
        start=_commands(r, "start", chars),
        stop=_commands(r, "stop", chars),
        decoder=decoder,
        decoder_params=params,
        streams=tuple(streams),
        placement=placement,
        side=side,
        rate=rate,
        acc_range=None if acc_g is None else float(acc_g) * G,
        gyr_range=None if gyr_dps is None else float(gyr_dps) * DEG,
        mtu_min=mtu,
        source=source,
    )
    # Decoder parameters are checked by their family: one place knows each family.
    try:
        validate_params(prof)
    except ProfileError as exc:
        raise ProfileError(f"{source}: {exc}") from None
    return prof


def load_profile(path: str | Path) -> Profile:
    """Load and validate one profile file.

    Parameters
    ----------
    path : str or Path
        A ``.toml`` file.

    Returns
    -------
    Profile

    Raises
    ------
    ProfileError
        Unreadable file, TOML syntax error (with line and column) or invalid content.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc}") from None
    return _parse_text(text, str(path))


def _parse_text(text: str, source: str) -> Profile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: TOML syntax error: {exc}") from None
    return parse_profile(data, source)


@lru_cache(maxsize=1)
def _shipped() -> tuple[Profile, ...]:
    pkg = resources.files("firmware_profiles")
    out = []
    for entry in sorted(pkg.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            out.append(
                _parse_text(entry.read_text(encoding="utf-8"), f"firmware_profiles/{entry.name}")
            )
    ids = [p.id for p in out]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise ProfileError(f"firmware_profiles: duplicate profile ids {sorted(dup)}")
    return tuple(out)


def load_profiles() -> list[Profile]:
    """Every profile shipped in the ``firmware_profiles`` package, sorted by file name.

    Returns
    -------
    list of Profile

    Raises
    ------
    ProfileError
        A shipped profile is invalid, or two share an id.
    """
    return list(_shipped())


@lru_cache(maxsize=1)
def _phone_profiles() -> tuple[Profile, ...]:
    """The phone profiles (:mod:`devices.phone.tables`), parsed once."""
    return tuple(
        parse_profile(phone_table(app, plat), phone_source(app)) for app, plat in PHONE_VARIANTS
    )


def get_profile(profile_id: str) -> Profile:
    """The shipped profile called ``profile_id``.

    Raises
    ------
    ProfileError
        No such profile; the message lists the known ids.
    """
    for p in _shipped():
        if p.id == profile_id:
            return p
    if profile_id.startswith("phone-"):  # phones are not BLE: their profiles live in code
        for p in _phone_profiles():
            if p.id == profile_id:
                return p
    raise ProfileError(f"unknown profile {profile_id!r}; known: {[p.id for p in _shipped()]}")


def match_profile(name: str | None, service_uuids: Iterable[str] = ()) -> Profile | None:
    """The first shipped profile that recognises an advertisement, or None.

    A name match scores 2 and an advertised-service match 1; the best total wins and
    ties go to the first file.

    Parameters
    ----------
    name : str or None
        Advertised local name.
    service_uuids : iterable of str
        Advertised service UUIDs (any spelling).

    Returns
    -------
    Profile or None
    """
    uu = list(service_uuids)
    best: tuple[int, Profile | None] = (0, None)
    for p in _shipped():
        # A name match says more than a shared service (Polar H10 and Verity share PMD).
        score = 2 * bool(name and p.match.matches(name, ())) + bool(
            uu and p.match.matches(None, uu)
        )
        if score > best[0]:
            best = (score, p)
    return best[1]

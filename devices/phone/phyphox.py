"""phyphox remote access: build the ``/get`` query, parse its reply, and serve one (simulator).

``GET /get?accX=<thr>|acc_time&...&acc_time=<thr>`` returns every value whose reference
buffer (``acc_time``) is above the threshold (docs/phone_protocols.md):
``{"buffer": {"accX": {"size": 0, "updateMode": "partial", "buffer": [..]}, ...},
"status": {"session": "..", "measuring": true, "timedRun": false, "countDown": 0}}``.
Values are written with 8 significant digits and non-finite values as ``null``; the app
nudges each threshold up by about one part in 10⁷ so the boundary value is not repeated.
``/config`` names the buffers of the running experiment's sensors (``inputs``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import numpy as np
from numpy.typing import NDArray

from devices.errors import PayloadError
from devices.phone.fields import PHYPHOX_ACC, PHYPHOX_GYR

FloatArray = NDArray[np.float64]

#: Largest accepted reply, bytes (a poll every 0.1-1 s carries a few kB).
MAX_REPLY = 1_000_000
#: Most values per buffer in one reply.
MAX_VALUES = 100_000


def _reject_constant(name: str) -> float:
    raise ValueError(f"non-finite number {name}")


def _load(body: bytes) -> Any:
    if len(body) > MAX_REPLY:
        raise PayloadError("too_large", 413, f"{len(body)} bytes > {MAX_REPLY}")
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PayloadError("not_json", 400, type(exc).__name__) from None


@dataclass
class GetReply:
    """A parsed ``/get`` reply.

    Attributes
    ----------
    buffers : dict of str to ndarray
        Buffer name → values (NaN where the app sent ``null``).
    measuring : bool or None
        Whether the experiment runs.
    session : str or None
        The app's session id (changes when the experiment is reloaded).
    """

    buffers: dict[str, FloatArray] = field(default_factory=dict)
    measuring: bool | None = None
    session: str | None = None


def _values(raw: Any, name: str) -> FloatArray:
    if not isinstance(raw, list) or len(raw) > MAX_VALUES:
        raise PayloadError("bad_buffer", 400, f"buffer {name!r} is not a list of numbers")
    out = np.empty(len(raw), dtype=np.float64)
    for i, v in enumerate(raw):
        if v is None:
            out[i] = np.nan
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out[i] = float(v)
        else:
            raise PayloadError("bad_buffer", 400, f"buffer {name!r} holds a {type(v).__name__}")
    return out


def parse_get_reply(body: bytes) -> GetReply:
    """Validate and parse a ``/get`` reply.

    Parameters
    ----------
    body : bytes
        The HTTP response body.

    Returns
    -------
    GetReply

    Raises
    ------
    PayloadError
        Not JSON, not the documented shape, or a buffer that is not numbers.
    """
    doc = _load(body)
    if not isinstance(doc, dict) or not isinstance(doc.get("buffer"), dict):
        raise PayloadError("no_buffer", 400, "reply has no 'buffer' object")
    out = GetReply()
    for name, b in doc["buffer"].items():
        if not isinstance(b, dict):
            raise PayloadError("bad_buffer", 400, f"buffer {str(name)[:40]!r} is not an object")
        out.buffers[str(name)[:100]] = _values(b.get("buffer"), str(name)[:40])
    st = doc.get("status")
    if isinstance(st, dict):
        m = st.get("measuring")
        out.measuring = m if isinstance(m, bool) else None
        s = st.get("session")
        out.session = s[:100] if isinstance(s, str) else None
    return out


def buffer_names(config_body: bytes | None) -> dict[str, tuple[str, str, str, str]]:
    """Buffer names (x, y, z, t) of the accelerometer and gyroscope from a ``/config`` reply.

    Parameters
    ----------
    config_body : bytes or None
        The ``/config`` reply; None or unusable falls back to the built-in experiments'
        names (``accX``… ``acc_time``, ``gyrX``… ``gyr_time``).

    Returns
    -------
    dict
        ``{"acc": (x, y, z, t), "gyr": (x, y, z, t)}`` (``gyr`` only when known).
    """
    names: dict[str, tuple[str, str, str, str]] = {"acc": PHYPHOX_ACC, "gyr": PHYPHOX_GYR}
    if config_body is None:
        return names
    try:
        doc = _load(config_body)
    except PayloadError:
        return names
    inputs = doc.get("inputs") if isinstance(doc, dict) else None
    if not isinstance(inputs, list):
        return names
    found: dict[str, tuple[str, str, str, str]] = {}
    for inp in inputs:
        if not isinstance(inp, dict) or not isinstance(inp.get("outputs"), list):
            continue
        kind = {"accelerometer": "acc", "gyroscope": "gyr"}.get(str(inp.get("source")))
        if kind is None:
            continue
        comp: dict[str, str] = {}
        for o in inp["outputs"]:
            if isinstance(o, dict):
                comp.update({str(k): str(v)[:100] for k, v in o.items() if isinstance(v, str)})
        if all(k in comp for k in "xyzt"):
            found[kind] = (comp["x"], comp["y"], comp["z"], comp["t"])
    return {**names, **found} if "acc" in found else names


def get_query(
    names: dict[str, tuple[str, str, str, str]], thresholds: dict[str, float | None]
) -> str:
    """Path and query of an incremental ``/get``.

    Parameters
    ----------
    names : dict
        As :func:`buffer_names`.
    thresholds : dict of str to float or None
        Per kind, the newest time already received (s); None asks for the last value only.

    Returns
    -------
    str
        ``/get?...``.
    """
    parts = []
    for kind, (x, y, z, t) in names.items():
        thr = thresholds.get(kind)
        if thr is None:
            parts.append(f"{quote(t)}=")
            continue
        v = repr(float(thr))
        parts += [f"{quote(b)}={v}%7C{quote(t)}" for b in (x, y, z)] + [f"{quote(t)}={v}"]
    return "/get?" + "&".join(parts)


def _fmt(v: float) -> str:
    """A number in phyphox's format ``0.#######E0`` (8 significant digits), null if not finite."""
    if not math.isfinite(v):
        return "null"
    if v == 0:
        return "0E0"
    s = f"{v:.7E}"  # d.dddddddE±XX
    mant, exp = s.split("E")
    mant = mant.rstrip("0").rstrip(".")
    return f"{mant}E{int(exp)}"


def nudge(threshold: float) -> float:
    """The app's threshold nudge, so the boundary value is not sent again.

    The threshold goes up by 10^floor(log10(|threshold| / 1e7)).
    """
    if threshold == 0 or not math.isfinite(threshold):
        return threshold
    return threshold + 10.0 ** math.floor(math.log10(abs(threshold) / 1e7))


def format_get_reply(
    buffers: dict[str, tuple[str, FloatArray]], *, session: str, measuring: bool
) -> bytes:
    """A ``/get`` reply body as the app writes it (the simulated phone's side).

    Parameters
    ----------
    buffers : dict of str to (str, ndarray)
        Buffer name → (update mode ``single``/``full``/``partial``, values).
    session : str
        Session id.
    measuring : bool
        Whether the experiment runs.

    Returns
    -------
    bytes
    """
    items = []
    for name, (mode, vals) in buffers.items():
        nums = ",".join(_fmt(float(v)) for v in np.asarray(vals, dtype=np.float64).tolist())
        items.append(f'"{name}":{{"size":0,"updateMode":"{mode}", "buffer":[{nums}]}}')
    status = (
        f'"session":"{session}", "measuring":{"true" if measuring else "false"}, '
        '"timedRun":false, "countDown":0'
    )
    return (
        '{"buffer":{\n' + ",\n".join(items) + '\n},\n"status":{\n' + status + "\n}\n}\n"
    ).encode()


__all__ = [
    "MAX_REPLY",
    "GetReply",
    "buffer_names",
    "format_get_reply",
    "get_query",
    "nudge",
    "parse_get_reply",
]

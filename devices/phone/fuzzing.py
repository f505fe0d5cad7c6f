"""Hostile and malformed phone bodies for fuzzing (tests and ``benchmarks/fuzz_phone.py``).

Valid bodies come from the formats' own builders; mutations then work on the bytes (bit
flips, truncation, splices, random bytes, deep nesting, oversize) and on the structure
(values replaced by wrong types, huge or non-finite numbers, missing keys), so the
fuzzer spends its time near the formats' edges rather than on noise alone.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from devices.phone.phyphox import format_get_reply
from devices.phone.sensorlogger import build_sensorlogger

_T0 = 1_700_000_000_000_000_000
_WEIRD: tuple[Any, ...] = (
    None,
    True,
    "",
    "x" * 50,
    [],
    {},
    [1, 2],
    {"x": 1},
    -1,
    2**70,
    1e308,
    -0.0,
    "1e400",
    "NaN",
    "9" * 30,
    3.5,
)


def valid_push(rng: np.random.Generator, mid: int, n: int = 20) -> bytes:
    """A well-formed Sensor Logger push of ``n`` samples per sensor."""
    t = _T0 + mid * 10**9 + np.arange(n, dtype=np.int64) * 10_000_000
    sensors = {
        "accelerometer": (t, rng.normal(0, 2, (n, 3))),
        "gravity": (t, rng.normal(0, 1, (n, 3)) + np.array([0.0, 0.0, 9.8])),
        "gyroscope": (t, rng.normal(0, 1, (n, 3))),
    }
    return build_sensorlogger(mid, "fuzz", "dev", sensors)


def valid_reply(rng: np.random.Generator, t0: float, n: int = 20) -> bytes:
    """A well-formed phyphox ``/get`` reply."""
    t = t0 + np.arange(n, dtype=np.float64) * 0.01
    a = rng.normal(0, 3, (n, 3))
    return format_get_reply(
        {
            "acc_time": ("partial", t),
            "accX": ("partial", a[:, 0]),
            "accY": ("partial", a[:, 1]),
            "accZ": ("partial", a[:, 2]),
        },
        session="f00d",
        measuring=True,
    )


def _structural(rng: np.random.Generator, body: bytes) -> bytes:
    doc = json.loads(body)
    target: Any = doc
    path: list[Any] = []
    for _ in range(int(rng.integers(1, 5))):  # walk down a few levels
        if isinstance(target, dict) and target:
            k = list(target)[int(rng.integers(len(target)))]
        elif isinstance(target, list) and target:
            k = int(rng.integers(len(target)))
        else:
            break
        path.append((target, k))
        target = target[k]
    if not path:
        return json.dumps(_WEIRD[int(rng.integers(len(_WEIRD)))]).encode()
    parent, k = path[-1]
    r = rng.random()
    if r < 0.6:
        parent[k] = _WEIRD[int(rng.integers(len(_WEIRD)))]
    elif r < 0.8 and isinstance(parent, dict):
        del parent[k]
    else:
        parent[k] = [parent[k]] * int(rng.integers(2, 50))
    text = json.dumps(doc, allow_nan=True)
    return text.encode()


def mutate(rng: np.random.Generator, body: bytes) -> bytes:
    """One mutation of a valid body (bytes or structure)."""
    r = rng.random()
    b = bytearray(body)
    if r < 0.35:
        return _structural(rng, body)
    if r < 0.5:
        for _ in range(int(rng.integers(1, 8))):
            i = int(rng.integers(len(b)))
            b[i] ^= 1 << int(rng.integers(8))
        return bytes(b)
    if r < 0.6:
        return bytes(b[: int(rng.integers(len(b)))])
    if r < 0.7:
        i = int(rng.integers(len(b)))
        return bytes(
            b[:i] + rng.integers(0, 256, int(rng.integers(1, 64)), dtype=np.uint8).tobytes() + b[i:]
        )
    if r < 0.78:
        return rng.integers(0, 256, int(rng.integers(0, 512)), dtype=np.uint8).tobytes()
    if r < 0.84:
        d = int(rng.integers(100, 200_000))
        return b"[" * d + b"]" * d
    if r < 0.88:
        return body * int(rng.integers(2, 120))  # concatenated (often oversize) bodies
    if r < 0.94:
        i, j = sorted(int(x) for x in rng.integers(0, len(b), 2))
        return bytes(b[:i] + b[j:] + b[i:j])
    return body.replace(b'"', b"'", int(rng.integers(1, 5)))


__all__ = ["asgi_request", "mutate", "valid_push", "valid_reply"]


async def asgi_request(
    app: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> int:
    """One HTTP request straight into an ASGI app (no sockets), for fuzzing and tests.

    Parameters
    ----------
    app : ASGI application
        For example a :class:`~devices.phone.receiver.PushReceiver`.
    method, path : str
        Request line.
    body : bytes
        Request body, sent in one piece.
    headers : dict, optional
        Extra or replacing headers; ``host`` defaults to ``127.0.0.1:8000``.

    Returns
    -------
    int
        The response's HTTP status.
    """
    hdrs = {"host": "127.0.0.1:8000", "content-length": str(len(body)), **(headers or {})}
    sent: list[dict[str, Any]] = []
    done = False

    async def receive() -> dict[str, Any]:
        nonlocal done
        if done:
            return {"type": "http.disconnect"}
        done = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(msg: dict[str, Any]) -> None:
        sent.append(msg)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in hdrs.items()],
    }
    await app(scope, receive, send)
    return int(sent[0]["status"])


def fuzz_receiver(n: int, seed: int = 0) -> dict[str, Any]:
    """POST ``n`` bodies (1 in 4 valid, the rest mutated) through receiver → reorder → decoder.

    Returns
    -------
    dict
        ``statuses`` (Counter of HTTP statuses), ``accepted`` / ``rejected`` (the receiver's
        own counts), ``decoded`` / ``decoder_bad`` / ``decoder_errors`` (the decoder's counts;
        ``decoder_errors`` counts the defence-in-depth branch, which must stay 0).
    """
    import asyncio
    from collections import Counter

    from devices.decoders import make_decoder
    from devices.phone.profiles import phone_profile
    from devices.phone.receiver import PushReceiver, Reorder

    rng = np.random.default_rng(seed)
    dec: Any = make_decoder(phone_profile("sensorlogger"))
    reorder = Reorder(hold=1.0)
    decoded = [0]

    def on_batch(b: Any, _body: bytes, ns: int) -> None:
        for bb, h in reorder.push(b.session_id, b.message_id, (b, ns / 1e9), ns / 1e9):
            s = dec.feed_parsed(bb, h)
            decoded[0] += 0 if s is None else s.n

    rx = PushReceiver(on_batch, lambda: 0)
    statuses: Counter[str] = Counter()

    async def go() -> None:
        for i in range(n):
            body = valid_push(rng, i, int(rng.integers(1, 30)))
            if rng.random() >= 0.25:
                body = mutate(rng, body)
            statuses[str(await asgi_request(rx, "POST", "/push", body))] += 1

    asyncio.run(go())
    errors = sum(v for k, v in dec.stats.reasons.items() if k.startswith("error:"))
    return {
        "n": n,
        "statuses": statuses,
        "accepted": rx.stats.accepted,
        "rejected": dict(rx.stats.rejected),
        "decoded": decoded[0],
        "decoder_bad": dec.stats.bad,
        "decoder_errors": errors,
    }


def fuzz_replies(n: int, seed: int = 0) -> dict[str, Any]:
    """Feed ``n`` phyphox ``/get`` replies (1 in 4 valid) to the parser and the decoder.

    Returns
    -------
    dict
        ``parsed`` / ``rejected`` (the parser's typed errors by reason), decoder counts.
    """
    from collections import Counter

    from devices.decoders import make_decoder
    from devices.errors import PayloadError
    from devices.phone.phyphox import parse_get_reply
    from devices.phone.profiles import phone_profile

    rng = np.random.default_rng(seed)
    dec: Any = make_decoder(phone_profile("phyphox"))
    rejected: Counter[str] = Counter()
    parsed = 0
    for i in range(n):
        body = valid_reply(rng, 0.2 * i, int(rng.integers(1, 30)))
        if rng.random() >= 0.25:
            body = mutate(rng, body)
        try:
            parse_get_reply(body)
            parsed += 1
        except PayloadError as exc:
            rejected[exc.reason] += 1
        dec.feed(body, float(i), "data")
    errors = sum(v for k, v in dec.stats.reasons.items() if k.startswith("error:"))
    return {
        "n": n,
        "parsed": parsed,
        "rejected": dict(rejected),
        "decoder_packets": dec.stats.packets,
        "decoder_samples": dec.stats.samples,
        "decoder_bad": dec.stats.bad,
        "decoder_errors": errors,
    }


__all__ += ["fuzz_receiver", "fuzz_replies"]

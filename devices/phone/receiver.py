"""The Sensor Logger receiver: a small ASGI app that validates, counts and hands on pushes.

Security (the receiver faces a network): it binds to 127.0.0.1 unless asked; beyond
loopback a random token must be in the URL the user types into the app
(``http://HOST:PORT/push/TOKEN``). Requests from browsers (an ``Origin`` header) are
refused, and on loopback the ``Host`` must be a loopback name, so a web page cannot
inject data (DNS rebinding). Bodies are size-limited before and while reading, parsed
with :func:`devices.phone.sensorlogger.parse_sensorlogger` (JSON only, nothing
evaluated), and every request is counted: accepted, or rejected with its 4xx reason.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from devices.errors import PayloadError
from devices.phone.sensorlogger import MAX_BODY, SensorLoggerBatch, parse_sensorlogger

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
#: An HTTP answer: status and reason (``ok`` or why the request was refused).
Answer = tuple[int, str]

_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


@dataclass
class ReceiverStats:
    """Counts of every request the receiver answered.

    Attributes
    ----------
    accepted : int
        Valid pushes handed on.
    rejected : Counter
        Rejected requests by reason (``not_json``, ``bad_token``, ``too_large`` ...).
    entries : int
        Sensor entries in accepted pushes.
    """

    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    entries: int = 0

    @property
    def total(self) -> int:
        """Requests answered."""
        return self.accepted + sum(self.rejected.values())


class PushReceiver:
    """ASGI app receiving Sensor Logger pushes.

    Parameters
    ----------
    on_batch : callable
        ``on_batch(batch, body, host_ns)`` for each valid push (runs in the server's loop;
        must be quick). An exception in it is answered 500 and counted, never raised.
    now_ns : callable
        Host clock, ns since the epoch (the capture's clock).
    token : str or None
        Required path token (None: no token, loopback only).
    loopback : bool
        The server listens on loopback only: the ``Host`` header must be a loopback name.
    max_body : int
        Largest body accepted, bytes.
    """

    def __init__(
        self,
        on_batch: Callable[[SensorLoggerBatch, bytes, int], None],
        now_ns: Callable[[], int],
        *,
        token: str | None = None,
        loopback: bool = True,
        max_body: int = MAX_BODY,
    ) -> None:
        self.on_batch = on_batch
        self.now_ns = now_ns
        self.token = token
        self.loopback = loopback
        self.max_body = max_body
        self.stats = ReceiverStats()

    @staticmethod
    def new_token() -> str:
        """A random URL-safe token (128 bits)."""
        return secrets.token_urlsafe(16)

    def path(self) -> str:
        """The path to give the app (``/push`` or ``/push/TOKEN``)."""
        return "/push" + (f"/{self.token}" if self.token else "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        status, reason = await self._handle(scope, receive)
        if status == 200:
            self.stats.accepted += 1
        else:
            self.stats.rejected[reason] += 1
        body = json.dumps({"ok": status == 200} if status == 200 else {"error": reason}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _handle(self, scope: Scope, receive: Receive) -> Answer:
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        refused = (
            self._refuse_headers(headers)
            or self._refuse_route(scope)
            or self._refuse_length(headers.get("content-length"))
        )
        if refused is not None:
            return refused
        body = await self._read_body(receive)
        if isinstance(body, tuple):
            return body
        return self._accept(body)

    def _refuse_headers(self, headers: dict[str, str]) -> Answer | None:
        """Refuse browsers (an ``Origin``) and, on loopback, a non-loopback ``Host``."""
        if "origin" in headers:
            return 403, "browser_origin"
        if self.loopback:
            host = headers.get("host", "")
            name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
            if name not in _LOOPBACK_HOSTS:
                return 403, "bad_host"
        return None

    def _refuse_route(self, scope: Scope) -> Answer | None:
        """Refuse anything but a POST to ``/push`` with the right token (or none)."""
        path = str(scope.get("path", ""))
        parts = [p for p in path.split("/") if p]
        if not parts or parts[0] != "push" or len(parts) > 2:
            return 404, "not_found"
        if scope.get("method") != "POST":
            return 405, "method"
        given = parts[1] if len(parts) == 2 else None
        if self.token is not None:
            if given is None or not secrets.compare_digest(given.encode(), self.token.encode()):
                return 403, "bad_token"
        elif given is not None:
            return 404, "not_found"
        return None

    def _refuse_length(self, content_length: str | None) -> Answer | None:
        """Refuse a declared body larger than :attr:`max_body` (or a malformed length)."""
        if content_length is not None and (
            not content_length.isdigit() or int(content_length) > self.max_body
        ):
            return 413, "too_large"
        return None

    async def _read_body(self, receive: Receive) -> bytes | Answer:
        """The request body, or the answer when the client left or sent too much."""
        chunks: list[bytes] = []
        size = 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return 400, "disconnected"
            part = msg.get("body", b"")
            size += len(part)
            if size > self.max_body:
                return 413, "too_large"
            chunks.append(part)
            if not msg.get("more_body", False):
                return b"".join(chunks)

    def _accept(self, body: bytes) -> Answer:
        """Parse a body and hand it on."""
        host_ns = self.now_ns()
        try:
            batch = parse_sensorlogger(body)
        except PayloadError as exc:
            return exc.status, exc.reason
        try:
            self.on_batch(batch, body, host_ns)
        # A callback boundary: whatever a bug downstream raises must not take the receiver
        # (and the phone's link) down; the push is answered 500 and counted.
        except Exception:  # noqa: BLE001
            return 500, "internal"
        self.stats.entries += batch.n_entries
        return 200, "ok"


class Reorder:
    """Put pushes back in ``messageId`` order, waiting at most ``hold`` s for a missing one.

    In-order pushes pass at once (no added latency); a push that overtakes a missing one
    waits until it arrives or ``hold`` seconds pass (then the gap is given up).

    Parameters
    ----------
    hold : float
        Longest wait for a missing push, s.
    """

    def __init__(self, hold: float = 1.0) -> None:
        self.hold = float(hold)
        self.session: str | None = None
        self.next_id: int | None = None
        self.pending: dict[int, tuple[float, Any]] = {}
        self.reordered = 0
        self.given_up = 0

    def push(self, session: str | None, message_id: int | None, item: Any, now: float) -> list[Any]:
        """Add one push (arrival ``now``, s); return what may be decoded now, in order."""
        if message_id is None:
            return [item]
        out: list[Any] = []
        if session != self.session:
            out += [v for _, (_, v) in sorted(self.pending.items())]
            self.pending.clear()
            self.session, self.next_id = session, message_id
        if self.next_id is None:
            self.next_id = message_id
        if message_id < self.next_id:
            return [*out, item]  # a duplicate, or later than the hold: the decoder sorts it out
        if message_id != self.next_id:
            self.reordered += 1
        self.pending[message_id] = (now, item)
        return out + self.due(now)

    def due(self, now: float) -> list[Any]:
        """Pushes released by now (timer): consecutive ones, or past their hold."""
        out: list[Any] = []
        while True:
            while self.next_id is not None and self.next_id in self.pending:
                out.append(self.pending.pop(self.next_id)[1])
                self.next_id += 1
            if not self.pending:
                return out
            first = min(self.pending)
            if now - min(a for a, _ in self.pending.values()) < self.hold:
                return out
            self.given_up += 1
            self.next_id = first

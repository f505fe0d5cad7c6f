"""``Host`` and ``Origin`` checks for the local live page (HTTP and WebSocket).

A page bound to 127.0.0.1 is still reachable from any web page the user has open,
through DNS rebinding (a foreign name resolving to 127.0.0.1: the ``Host`` header
carries that name) or a cross-site WebSocket (browsers send the foreign ``Origin``;
WebSockets are not covered by the same-origin policy). So unless the page is served
on the LAN, only loopback names are accepted in ``Host``, and a request that carries an
``Origin`` must come from a page of this server. On the LAN any ``Host`` is accepted
(the token guards the page) but the ``Origin`` must still match it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Host names that always mean this machine.
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def _host_name(value: str) -> str:
    """Host name of a ``Host`` header or URL netloc (port and brackets off, lower case)."""
    value = value.strip().lower()
    if value.startswith("["):  # [::1]:8000
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def allowed(host: str | None, origin: str | None, *, lan: bool) -> bool:
    """Whether a request with these headers may reach the page.

    Parameters
    ----------
    host : str or None
        The ``Host`` header.
    origin : str or None
        The ``Origin`` header (None when absent: a non-browser client or same-origin GET).
    lan : bool
        The page is served on the network.

    Returns
    -------
    bool
    """
    if not host:
        return False
    name = _host_name(host)
    if not lan and name not in LOOPBACK_NAMES:
        return False
    if origin is None:
        return True
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # "null" (sandboxed frames, files) or garbage
    o_name = _host_name(parts.netloc)
    if lan:
        return o_name == name
    return o_name in LOOPBACK_NAMES


class HostGuard:
    """ASGI middleware refusing requests whose ``Host``/``Origin`` fail :func:`allowed`.

    Parameters
    ----------
    app : ASGI app
        The wrapped application.
    lan : bool
        The page is served on the network.

    Attributes
    ----------
    refused : int
        Requests refused so far.
    """

    def __init__(self, app: ASGIApp, *, lan: bool) -> None:
        self.app = app
        self.lan = lan
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check an HTTP request or WebSocket handshake, then pass it on or refuse it."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        if allowed(headers.get("host"), headers.get("origin"), lan=self.lan):
            await self.app(scope, receive, send)
            return
        self.refused += 1
        if scope["type"] == "websocket":
            await receive()  # the connect message; closing now refuses the handshake
            await send({"type": "websocket.close", "code": 1008})
            return
        body = b"forbidden: unexpected Host or Origin (open the URL printed at start)"
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

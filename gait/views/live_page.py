"""The live page: a Starlette app that pushes session updates over a WebSocket.

Feed it from anywhere with :meth:`LivePage.publish` (thread-safe): a dict such as
:meth:`gait.feedback.FeedbackSession.add_steps` returns. The server merges the updates,
keeps a bounded history for pages that connect late, and sends one JSON message per
flush to every open page, at most ``max_rate_hz`` times a second (coalescing bursts,
sending at once when idle, so a metric reaches the page within a few ms).

plotly.js comes from the installed ``plotly`` package (no CDN): the page works with no
internet. It binds to 127.0.0.1 by default and answers only requests addressed to a
loopback name with no foreign ``Origin`` (:mod:`gait.views.host_guard`); ``lan=True``
binds 0.0.0.0 and requires a random token, checked on the page and on the WebSocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
)
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from devices.lan import lan_address
from gait.contract.errors import GaitError
from gait.contract.metric_defs import METRICS, page_defs
from gait.util.jsonsafe import to_jsonable
from gait.views.host_guard import HostGuard

#: Fields of an update that replace the page state (the rest are appended histories).
STATE_FIELDS: tuple[str, ...] = (
    "t",
    "metrics",
    "cue",
    "cues",
    "drills",
    "target",
    "metronome_spm",
    "sensors",
    "n_steps",
    # why a number is not shown: withheld (sensors not comparable), missing (not measured by
    # these sensors), and the input checks on the first seconds of each sensor
    "withheld",
    "missing",
    "input_checks",
)


def metric_defs_json() -> str:
    """The gait metrics' labels, display units, scales and decimals as the page reads them.

    From :mod:`gait.contract.metric_defs`, so the page shows every number on the table's scale; safe
    to embed in a ``<script type="application/json">`` element (no ``</``).
    """
    names = [n for n, d in METRICS.items() if d.kind == "gait"]
    return json.dumps(page_defs(names), ensure_ascii=False).replace("</", "<\\/")


def to_json(msg: Mapping[str, Any]) -> str:
    """Serialise a page message; NaN becomes null so a stray NaN never stops the sender."""
    try:
        return json.dumps(msg, allow_nan=False, default=str)
    except ValueError:
        return json.dumps(to_jsonable(msg), allow_nan=False, default=str)


def plotly_js_path() -> Path:
    """Path of ``plotly.min.js`` shipped inside the installed plotly package."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():  # pragma: no cover - a broken plotly install
        raise FileNotFoundError(f"plotly.min.js not found at {path}")
    return path


def static_dir() -> Path:
    """Directory of the page's own static assets (HTML, JS, CSS)."""
    return Path(str(resources.files("gait.views").joinpath("static")))


class LivePage:
    """Live session page server.

    Parameters
    ----------
    host : str, optional
        Interface to bind; default 127.0.0.1, or 0.0.0.0 when ``lan``.
    port : int
        TCP port; 0 picks a free one.
    lan : bool
        Serve on the network; a random token is then required.
    token : str, optional
        Token to require (a random one is made when ``lan`` and none is given).
    title : str
        Page title.
    max_rate_hz : float
        Most messages per second sent to each page.
    history : int
        Cadence points, steps and cue events kept for pages that connect late.
    """

    def __init__(
        self,
        *,
        host: str | None = None,
        port: int = 0,
        lan: bool = False,
        token: str | None = None,
        title: str = "gait live",
        max_rate_hz: float = 20.0,
        history: int = 1200,
    ) -> None:
        self.lan = lan
        self.host = host or ("0.0.0.0" if lan else "127.0.0.1")
        self.port = port
        self.token = token or (secrets.token_urlsafe(16) if lan else None)
        self.title = title
        self.min_interval = 1.0 / max_rate_hz
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {
            "t": 0.0,
            "metrics": {},
            "cue": None,
            "cues": [],
            "drills": [],
            "target": {},
            "metronome_spm": None,
            "sensors": {},
            "n_steps": 0,
            "withheld": {},
            "missing": {},
            "input_checks": [],
        }
        self._points: deque[list[float]] = deque(maxlen=history)
        self._steps: deque[dict[str, Any]] = deque(maxlen=history)
        self._events: deque[dict[str, Any]] = deque(maxlen=history)
        self._pending: dict[str, list[Any]] = {"points": [], "steps": [], "events": []}
        self._dirty = False
        self._arrival: float | None = None
        self._seq = 0
        self._clients: set[WebSocket] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._sender: asyncio.Task[None] | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.sent_messages = 0
        self.app = self._build_app()

    # -- feeding -----------------------------------------------------------------------
    def publish(self, update: Mapping[str, Any]) -> None:
        """Merge one update into the page state and wake the sender (any thread).

        Parameters
        ----------
        update : mapping
            Keys of :data:`STATE_FIELDS` replace the state; ``steps`` (list of dicts),
            ``cadence_point`` (``[t, spm]``) and ``events`` (list of dicts) are appended.
            ``sensors`` is merged by name. An optional ``arrival`` (``time.time()`` of the
            notification that caused the update) is passed through for latency checks.
        """
        with self._lock:
            for k in STATE_FIELDS:
                if k in update:
                    if k == "sensors":
                        self._state["sensors"] = {**self._state["sensors"], **update["sensors"]}
                    else:
                        self._state[k] = update[k]
            pt = update.get("cadence_point")
            if pt is not None:
                self._points.append(list(pt))
                self._pending["points"].append(list(pt))
            for key, store in (("steps", self._steps), ("events", self._events)):
                rows = list(update.get(key) or [])
                store.extend(rows)
                self._pending[key].extend(rows)
            if update.get("arrival") is not None and self._arrival is None:
                self._arrival = float(update["arrival"])
            self._dirty = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    def snapshot(self) -> dict[str, Any]:
        """The full page state with histories (what a newly connected page receives)."""
        with self._lock:
            return {
                "type": "snapshot",
                **json.loads(to_json(self._state)),
                "points": list(self._points),
                "steps": list(self._steps),
                "events": list(self._events),
                "title": self.title,
                "sent": time.time(),
            }

    def _take(self) -> dict[str, Any] | None:
        with self._lock:
            if not self._dirty:
                return None
            self._seq += 1
            msg = {
                "type": "update",
                "seq": self._seq,
                **self._state,
                "new_points": self._pending["points"],
                "new_steps": self._pending["steps"],
                "new_events": self._pending["events"],
                "arrival": self._arrival,
                "sent": time.time(),
            }
            self._pending = {"points": [], "steps": [], "events": []}
            self._dirty = False
            self._arrival = None
            return msg

    # -- server side -------------------------------------------------------------------
    def _authorised(self, token: str | None) -> bool:
        if self.token is None:
            return True
        return token is not None and secrets.compare_digest(token, self.token)

    async def _send_loop(self) -> None:
        assert self._wake is not None
        last = 0.0
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            except TimeoutError:
                # Heartbeat: lets a page notice a stalled session and see sensor status.
                await self._broadcast(json.dumps({"type": "heartbeat", "sent": time.time()}))
                continue
            self._wake.clear()
            wait = last + self.min_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)  # coalesce bursts into one message
            msg = self._take()
            if msg is None:
                continue
            last = time.monotonic()
            await self._broadcast(to_json(msg))

    async def _broadcast(self, text: str) -> None:
        dead = []
        for ws in list(self._clients):
            try:
                await asyncio.wait_for(ws.send_text(text), timeout=1.0)
                self.sent_messages += 1
            # whatever a closed or stuck page raises, the others must go on
            except Exception:  # noqa: BLE001, RUF100
                dead.append(ws)
        for ws in dead:
            self._clients.discard(ws)

    async def _startup(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        if self._dirty:
            self._wake.set()
        self._sender = asyncio.create_task(self._send_loop())

    async def _shutdown(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
        self._loop = None
        self._wake = None

    def _build_app(self) -> Starlette:
        page = (
            (static_dir() / "live.html")
            .read_text(encoding="utf-8")
            .replace("{{METRIC_DEFS}}", metric_defs_json())
        )

        async def index(request: Request) -> Response:
            if not self._authorised(request.query_params.get("token")):
                return PlainTextResponse(
                    "token required: open the URL printed at start", status_code=403
                )
            html = page.replace("{{TITLE}}", self.title)
            return HTMLResponse(html, headers={"Cache-Control": "no-store"})

        async def state(request: Request) -> Response:
            if not self._authorised(request.query_params.get("token")):
                return PlainTextResponse("token required", status_code=403)
            return JSONResponse(self.snapshot())

        async def plotly_js(_request: Request) -> Response:
            return FileResponse(plotly_js_path(), media_type="application/javascript")

        async def ws_endpoint(ws: WebSocket) -> None:
            if not self._authorised(ws.query_params.get("token")):
                await ws.close(
                    code=1008
                )  # policy violation: before accept, the handshake is refused
                return
            await ws.accept()
            await ws.send_text(to_json(self.snapshot()))
            self._clients.add(ws)
            try:
                while True:
                    await ws.receive_text()  # the page only sends keep-alives
            except WebSocketDisconnect:
                pass
            finally:
                self._clients.discard(ws)

        return Starlette(
            routes=[
                Route("/", index),
                Route("/api/state", state),
                Route("/static/plotly.min.js", plotly_js),
                Mount("/static", app=StaticFiles(directory=str(static_dir())), name="static"),
                WebSocketRoute("/ws", ws_endpoint),
            ],
            lifespan=self._lifespan,
            # loopback Host names only (DNS rebinding) and no foreign Origin (cross-site WebSocket)
            middleware=[Middleware(HostGuard, lan=self.lan)],
        )

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        await self._startup()
        try:
            yield
        finally:
            await self._shutdown()

    # -- running -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        """URL to open (with the token when one is required)."""
        host = self.host
        if host == "0.0.0.0":
            host = lan_address()
        q = f"?token={self.token}" if self.token else ""
        return f"http://{host}:{self.port}/{q}"

    def _socket(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise GaitError(
                f"cannot serve the live page on {self.host}:{self.port}: {exc.strerror or exc}"
            ) from exc
        self.port = sock.getsockname()[1]
        return sock

    def start(self, announce: Callable[[str], None] | None = print, timeout: float = 10.0) -> str:
        """Serve in a background thread; return the URL once the server accepts.

        Parameters
        ----------
        announce : callable, optional
            Called with a one-line message naming the URL (and token on the LAN).
        timeout : float
            Seconds to wait for the server to start.

        Returns
        -------
        str
            The page URL.
        """
        import uvicorn

        sock = self._socket()
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on")
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="gait-live-page", daemon=True
        )
        self._thread.start()
        t_end = time.monotonic() + timeout
        while not server.started:
            if time.monotonic() > t_end or not self._thread.is_alive():
                raise RuntimeError("live page server did not start")
            time.sleep(0.01)
        if announce is not None:
            if self.lan:
                announce(f"live page on the network: {self.url}  (token {self.token})")
            else:
                announce(f"live page: {self.url}")
        return self.url

    def stop(self, timeout: float = 5.0) -> None:
        """Stop a server started with :meth:`start`."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = None
        self._thread = None

    async def serve(self) -> None:
        """Serve in the running asyncio loop until cancelled (for an asyncio app)."""
        import uvicorn

        sock = self._socket()
        server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="on"))
        self._server = server
        await server.serve(sockets=[sock])

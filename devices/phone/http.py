"""A minimal HTTP/1.1 client on asyncio streams: one request per connection, bounded reply.

phyphox's server is reported to misbehave with keep-alive (PROTOCOLS notes of other
clients), so every request opens a connection and says ``Connection: close``. The
reply size is capped and a slow phone times out; nothing in a reply is evaluated.
Used by the phyphox poller and by the simulated Sensor Logger phone (its POSTs).
"""

from __future__ import annotations

import asyncio

from devices.errors import PayloadError

#: Largest header block accepted, bytes.
MAX_HEADER = 16_384


async def request(
    host: str,
    port: int,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 2.0,
    max_reply: int = 2_000_000,
) -> tuple[int, bytes]:
    """Send one request and read the whole reply.

    Parameters
    ----------
    host : str
        Server address.
    port : int
        TCP port.
    method : str
        ``GET`` or ``POST``.
    path : str
        Path and query, e.g. ``/get?acc_time=full``.
    body : bytes
        Request body (POST).
    headers : dict, optional
        Extra request headers.
    timeout : float
        Seconds for the whole exchange, s.
    max_reply : int
        Largest reply body accepted, bytes.

    Returns
    -------
    (int, bytes)
        HTTP status and body.

    Raises
    ------
    OSError, TimeoutError
        Connection refused, reset or too slow.
    PayloadError
        A reply that is not HTTP or is larger than ``max_reply``.
    """
    return await asyncio.wait_for(
        _exchange(host, port, method, path, body, headers or {}, max_reply), timeout
    )


async def _exchange(
    host: str,
    port: int,
    method: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    max_reply: int,
) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection(host, port, limit=MAX_HEADER)
    try:
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Connection: close",
            f"Content-Length: {len(body)}",
        ]
        head += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            raise PayloadError("bad_http", 502, "no complete reply header") from None
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise PayloadError("bad_http", 502, "bad status line")
        status = int(parts[1])
        hdr = {}
        for ln in lines[1:]:
            k, sep, v = ln.partition(":")
            if sep:
                hdr[k.strip().lower()] = v.strip()
        if hdr.get("transfer-encoding", "").lower() == "chunked":
            data = await _chunked(reader, max_reply)
        elif "content-length" in hdr:
            n = int(hdr["content-length"]) if hdr["content-length"].isdigit() else -1
            if not 0 <= n <= max_reply:
                raise PayloadError("too_large", 413, f"reply of {hdr['content-length']} bytes")
            data = await reader.readexactly(n)
        else:
            data = await reader.read(max_reply + 1)
            if len(data) > max_reply:
                raise PayloadError("too_large", 413, "reply too large")
        return status, data
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def _chunked(reader: asyncio.StreamReader, max_reply: int) -> bytes:
    out = bytearray()
    while True:
        line = await reader.readline()
        size_s = line.split(b";")[0].strip()
        try:
            size = int(size_s, 16)
        except ValueError:
            raise PayloadError("bad_http", 502, "bad chunk size") from None
        if size == 0:
            return bytes(out)
        if len(out) + size > max_reply:
            raise PayloadError("too_large", 413, "reply too large")
        out += await reader.readexactly(size)
        await reader.readexactly(2)

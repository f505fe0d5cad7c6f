"""The local-network address of this machine, for the URLs a LAN server prints."""

from __future__ import annotations

import socket


def lan_address() -> str:
    """The local-network address of this machine (best effort, no traffic sent).

    Returns
    -------
    str
        The IPv4 address of the interface that routes to the private 10/8 range, or
        ``127.0.0.1`` when there is no such route.
    """
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("10.255.255.255", 1))  # UDP connect picks a route without sending
        return str(s.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        s.close()

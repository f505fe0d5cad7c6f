"""bumble's log messages, counted instead of printed.

bumble's virtual controller logs a warning for every packet that reaches a closed
connection (``!!! no connection for handle 0x0001``): hundreds when a session stops
while devices still stream. These are expected on a virtual radio, so they are routed
through one :class:`BumbleLog` handler that counts them by kind; errors go on to the
``devices.ble.bumble`` logger, and :func:`bumble_summary` gives one line for the user.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

#: Hex numbers and BLE addresses vary from message to message; they are folded to count kinds.
_VARYING = re.compile(r"(?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}(?:/P)?|0x[0-9A-Fa-f]+|\b\d+\b")

_forward = logging.getLogger("devices.ble.bumble")


class BumbleLog(logging.Handler):
    """Counts bumble's warnings by kind; errors are passed on to ``devices.ble.bumble``.

    Attributes
    ----------
    counts : Counter
        Message kind (numbers and addresses folded to ``#``) → occurrences.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        """Count one record (forward it when it is an error)."""
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            text = str(record.msg)
        self.counts[_VARYING.sub("#", text)] += 1
        if record.levelno >= logging.ERROR:
            _forward.handle(record)

    def total(self) -> int:
        """Messages counted so far."""
        return sum(self.counts.values())


_HANDLER: BumbleLog | None = None


def route_bumble_logs() -> BumbleLog:
    """Send the ``bumble`` loggers' output to one counting handler (idempotent).

    Returns
    -------
    BumbleLog
        The handler (its counts grow for the life of the process).
    """
    global _HANDLER
    if _HANDLER is None:
        _HANDLER = BumbleLog()
        root = logging.getLogger("bumble")
        root.addHandler(_HANDLER)
        root.propagate = False  # never onto the terminal or the test log
    return _HANDLER


def bumble_summary(since: Counter[str] | None = None) -> str:
    """One line naming what bumble logged (since a previous snapshot of the counts).

    Parameters
    ----------
    since : Counter, optional
        Counts taken earlier (``Counter(handler.counts)``); only newer messages are named.

    Returns
    -------
    str
        E.g. ``"bumble: 212 × '!!! no connection for handle #'"``; empty when nothing was logged.
    """
    if _HANDLER is None:
        return ""
    new = _HANDLER.counts - (since or Counter())
    if not new:
        return ""
    parts = [f"{n} × {kind!r}" for kind, n in new.most_common(3)]
    more = len(new) - 3
    return "bumble: " + ", ".join(parts) + (f" and {more} other kinds" if more > 0 else "")

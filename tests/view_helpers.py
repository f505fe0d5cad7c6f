"""A live view for tests: keeps every update the live session publishes."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any


class RecordingView:
    """A view that keeps every update (any thread)."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def publish(self, update: Mapping[str, Any]) -> None:
        """Keep one update."""
        with self._lock:
            self.updates.append(dict(update))

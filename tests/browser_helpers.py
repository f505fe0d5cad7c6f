"""Shared by the browser tests: Debian's chromium, launched headless by Playwright.

Never ``playwright install``: the tests use /usr/bin/chromium (``make test`` installs it with
apt-get) and fail, not skip, when it is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
#: Headless flags; the background-networking ones keep chromium off the (closed) network.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Debian chromium for one block of a test."""
    assert CHROMIUM.is_file(), (
        "browser tests need Debian chromium at /usr/bin/chromium (apt-get install -y chromium)"
    )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()

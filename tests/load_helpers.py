"""Run a test beside busy processes: the live path must stay honest on a loaded machine.

:func:`busy_processes` starts ``n`` pure-Python busy loops (each keeps one core
busy) and ends exactly those processes, by their ids, when the block ends.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator

import pytest

#: Busy processes the live tests run beside (the issue's "two other busy processes").
BUSY = 2
#: ``busy`` parametrization of the live tests: alone, then beside :data:`BUSY` busy processes.
#: The loaded case is marked ``exclusive`` so that under pytest-xdist no other test runs beside it
#: (it sets the machine's load itself, and would load the other worker's test too).
LOADS = [
    # "alone" means alone: not beside the other xdist worker's test either
    pytest.param(0, id="alone", marks=pytest.mark.exclusive),
    pytest.param(BUSY, id="beside-busy", marks=pytest.mark.exclusive),
]


@contextlib.contextmanager
def busy_processes(n: int = BUSY) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Keep ``n`` CPU-bound processes running for the duration of the block.

    Parameters
    ----------
    n : int
        Number of busy processes.

    Yields
    ------
    list of Popen
        The running processes (killed and reaped on exit, also on error).
    """
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(n):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", "while True: pass"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        yield procs
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()

"""Peak resident memory of this process, for memory tests and benchmarks."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """Peak resident set size of this process, MB.

    Reads ``VmHWM`` from ``/proc/self/status``: ``getrusage().ru_maxrss`` is not used because
    Linux carries the parent's high-water mark over ``exec``, so a child started by a large
    process (a test runner, say) would report the parent's peak. Falls back to ``ru_maxrss``
    where ``/proc`` is missing.

    Returns
    -------
    float
        Megabytes (2**20 bytes).
    """
    hwm = _status_mb("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def file_backed_mb() -> float:
    """Resident pages of this process mapped from files (libraries, mapped data), MB.

    ``RssFile`` from ``/proc/self/status``; 0.0 where ``/proc`` is missing. How much of the
    same libraries is resident depends on the kernel's page cache (a freshly installed
    environment maps tens of MB more of them), so memory tests subtract it from the peak.

    Returns
    -------
    float
        Megabytes (2**20 bytes).
    """
    rss_file = _status_mb("RssFile")
    return rss_file if rss_file is not None else 0.0


def _status_mb(key: str) -> float | None:
    """A kB field of ``/proc/self/status`` in MB, or None where it (or ``/proc``) is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None

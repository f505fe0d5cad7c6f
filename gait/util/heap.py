"""Hand freed heap pages back to the operating system between analysis chunks.

The chunked pipeline allocates and frees the same few megabytes of arrays for every chunk. With
glibc's allocator the freed memory stays in the process (fragmented between live blocks), so the
resident size creeps up with the number of chunks although the live data does not. ``malloc_trim``
returns every whole free page to the system (glibc ≥ 2.8 also releases pages inside the heap, not
only at its top), which keeps peak memory independent of the recording's length. Elsewhere (musl,
macOS, Windows) it is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache


@cache
def _trim() -> Callable[[int], int] | None:
    """The ``malloc_trim`` of glibc, or None."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        fn = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    return fn


def release_free_memory() -> None:
    """Return free heap pages to the OS (glibc); do nothing where that is not available."""
    fn = _trim()
    if fn is not None:
        fn(0)


__all__ = ["release_free_memory"]

"""Reader-registry adapter for the canonical ``.gaitrec`` format."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gait.contract.recording import Recording
from gait.io.canonical_format import is_canonical, read_recording

if TYPE_CHECKING:
    from gait.io import ReadOptions


def sniff(path: Path) -> bool:
    """True for a ``.gaitrec`` archive (by suffix, so a truncated one still gets a clear error)."""
    return path.suffix == ".gaitrec" or is_canonical(path)


def read(path: Path, options: ReadOptions) -> Recording:  # noqa: ARG001 - the reader interface
    """Read a ``.gaitrec``; ``placement``/``side`` options do not apply and are ignored."""
    return read_recording(path)

"""Reading and writing recordings.

One entry point: :func:`read` turns any supported file into a
:class:`~gait.contract.recording.Recording`.
Each format lives in its own module with a ``sniff(path) -> bool`` and a
``read(path, options) -> Recording``; :data:`READERS` lists them in the order tried.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gait.contract.errors import InputFileError, UnsupportedFormatError
from gait.io._selector import split_selector

if TYPE_CHECKING:
    from gait.contract.recording import Recording
    from gait.io.canonical_format import is_canonical, read_recording, write_recording

#: Re-exported from :mod:`gait.io.canonical_format` on first use, so that importing ``gait.io`` for
#: :class:`ReadOptions` or :data:`READERS` (every CLI verb does) stays free of pandas/pyarrow.
_CANONICAL = ("is_canonical", "read_recording", "write_recording")


def __getattr__(name: str) -> Any:
    """Resolve the canonical-format re-exports lazily (PEP 562)."""
    if name in _CANONICAL:
        return getattr(import_module("gait.io.canonical_format"), name)
    raise AttributeError(f"module 'gait.io' has no attribute {name!r}")


@dataclass(frozen=True)
class ReadOptions:
    """User options that tell a reader what the file cannot say by itself.

    Parameters
    ----------
    format : str or None
        Reader name to force (see :data:`READERS`); None sniffs the file.
    time_unit : {'s', 'ms', 'us', 'ns'} or None
        Unit of a ``timestamp`` column.
    acc_unit : {'g', 'm/s2'} or None
        Accelerometer unit of a generic CSV.
    gyr_unit : {'deg/s', 'rad/s'} or None
        Gyroscope unit of a generic CSV.
    rate : float or None
        Sampling rate in Hz, for files without a time column.
    placement : str or None
        Placement to assign (or override).
    side : str or None
        Side to assign (or override).
    mount : str or None
        Phone carry position.
    """

    format: str | None = None
    time_unit: str | None = None
    acc_unit: str | None = None
    gyr_unit: str | None = None
    rate: float | None = None
    placement: str | None = None
    side: str | None = None
    mount: str | None = None


#: (name, module) pairs, tried in order; each module has ``sniff`` and ``read``.
READERS: list[tuple[str, str]] = [
    ("gaitrec", "gait.io.canonical_reader"),
    ("capture", "gait.io.capture_reader"),
    ("fit", "gait.io.fit"),
    # Specific formats before general ones: the generic CSV sniffs last.
    ("bach", "gait.io.bach"),  # before mobgap: both look for a ``data`` struct
    ("mobgap", "gait.io.mobgap"),
    ("ipol", "gait.io.xsens_ipol"),
    ("gaitmap", "gait.io.gaitmap"),
    ("sensorlogger", "gait.io.sensorlogger"),
    ("phyphox", "gait.io.phyphox"),
    ("oxford", "gait.io.oxford"),
    ("alcantara", "gait.io.alcantara"),
    ("csv", "gait.io.generic_csv"),
]


def _reader(module: str) -> tuple[Callable[[Path], bool], Callable[[Path, ReadOptions], Recording]]:
    mod = import_module(module)
    return mod.sniff, mod.read


def sniff_any(path: str | Path) -> bool:
    """True when some reader recognises ``path`` (cheap: each reader looks at a few KB)."""
    path = Path(path)
    try:
        check_readable(path)
    except InputFileError:
        return False
    for _, module in READERS:
        try:
            if _reader(module)[0](path):
                return True
        except (OSError, UnicodeDecodeError, ValueError, EOFError, IndexError, KeyError):
            continue
    return False


def group_of(path: str | Path) -> tuple[str, tuple[Path, ...]]:
    """The recording ``path`` belongs to: a key and every file it is read from.

    Most formats are one file per recording. A reader whose recordings span several
    files (one per sensor, say) defines ``group(path) -> (key, files)`` so that batch
    runs read each recording once.
    """
    path = Path(path)
    try:
        check_readable(path)
    except InputFileError:
        return str(path.resolve()), (path,)
    for _, module in READERS:
        mod = import_module(module)
        group = getattr(mod, "group", None)
        try:
            if group is not None and mod.sniff(path):
                key, files = group(path)
                return str(key), tuple(files)
        except (
            OSError,
            UnicodeDecodeError,
            ValueError,
            EOFError,
            IndexError,
            KeyError,
            InputFileError,
        ):
            continue
    return str(path.resolve()), (path,)


def read(path: str | Path, options: ReadOptions | None = None) -> Recording:
    """Read any supported recording file.

    Parameters
    ----------
    path : str or Path
        The file (or, for multi-file datasets, the main file).
    options : ReadOptions, optional
        Units, rate, placement and side the file does not state.

    Returns
    -------
    Recording
        With SI units and, where the source has one, its reference events.

    Raises
    ------
    InputFileError
        The file is missing, unreadable or malformed; the message names the file and,
        where known, the line or column.
    """
    path = Path(path)
    options = options or ReadOptions()
    # ``file::selector`` picks a part of a multi-recording file (e.g. a Mobilise-D test).
    base, _ = split_selector(path)
    check_readable(base)
    names = [n for n, _ in READERS]
    try:
        if options.format is not None:
            if options.format not in names:
                raise UnsupportedFormatError(
                    path, f"unknown format {options.format!r}; choose from {names}"
                )
            _, read_fn = _reader(dict(READERS)[options.format])
            return checked(read_fn(path, options), path)
        for _, module in READERS:
            sniff, read_fn = _reader(module)
            if _sniffs(sniff, path):
                return checked(read_fn(path, options), path)
    except OSError as exc:
        # The file (or a sibling of a multi-file recording) vanished or is unreadable.
        where = Path(exc.filename) if isinstance(exc.filename, str) else base
        raise InputFileError(where, f"cannot read: {exc.strerror or exc}") from None
    raise UnsupportedFormatError(
        path, f"not a recognised recording format (tried {', '.join(names)}); use --format"
    )


def check_readable(path: Path) -> None:
    """Raise unless ``path`` is a readable, non-empty regular file or a readable folder.

    FIFOs, sockets and devices are refused before anything opens them: reading a FIFO
    named ``*.csv`` would block forever.

    Raises
    ------
    InputFileError
        Missing, not a regular file or folder, unreadable, or empty.
    """
    import stat

    from gait.contract.errors import EmptyFileError, NotARegularFileError

    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputFileError(path, "no such file") from None
    except OSError as exc:
        raise NotARegularFileError(path, f"cannot access: {exc.strerror or exc}") from None
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        raise NotARegularFileError(path, "not a regular file or folder (a FIFO, socket or device?)")
    if not os.access(path, os.R_OK | (os.X_OK if stat.S_ISDIR(st.st_mode) else 0)):
        raise NotARegularFileError(
            path, "permission denied (the file is not readable by this user)"
        )
    if stat.S_ISREG(st.st_mode) and st.st_size == 0:
        raise EmptyFileError(path, "the file is empty")


def _sniffs(sniff: Callable[[Path], bool], path: Path) -> bool:
    """``sniff(path)``, with a file it cannot even look at counted as not recognised."""
    try:
        return bool(sniff(path))
    except (UnicodeDecodeError, ValueError, EOFError, IndexError, KeyError):
        return False


def checked(rec: Recording, path: Path) -> Recording:
    """``rec`` after checking each stream against :mod:`gait.io.limits`.

    Every reader's output passes here, so what later stages allocate (a uniform grid of
    ``duration × rate`` samples, one chunk per 600 s of span) stays bounded.

    Raises
    ------
    LimitError
        A stream is too long, too fast, or would resample to too many samples.
    """
    from gait.contract.errors import LimitError
    from gait.io.limits import MAX_STREAMS, check_stream_size

    if len(rec.streams) > MAX_STREAMS:
        raise LimitError(path, f"{len(rec.streams)} streams", limit="MAX_STREAMS")
    for s in rec.streams:
        measured = 0.0
        if s.n > 1:
            import numpy as np  # here: `gait --help` imports gait.io without numpy

            d = np.diff(s.t)
            pos = d[d > 0]
            measured = float(1.0 / np.median(pos)) if pos.size else np.inf
        check_stream_size(path, s.name, s.n, s.duration, max(float(s.rate), measured))
    return rec


__all__ = [
    "READERS",
    "ReadOptions",
    "group_of",
    "is_canonical",
    "read",
    "read_recording",
    "sniff_any",
    "write_recording",
]

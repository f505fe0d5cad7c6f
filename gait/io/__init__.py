"""Reading and writing recordings.

One entry point: :func:`read` turns any supported file into a :class:`~gait.recording.Recording`.
Each format lives in its own module with a ``sniff(path) -> bool`` and a
``read(path, options) -> Recording``; :data:`READERS` lists them in the order tried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gait.errors import InputFileError, UnsupportedFormatError

if TYPE_CHECKING:
    from gait.io.canonical import is_canonical, read_recording, write_recording
    from gait.recording import Recording

#: Re-exported from :mod:`gait.io.canonical` on first use, so that importing ``gait.io`` for
#: :class:`ReadOptions` or :data:`READERS` (every CLI verb does) stays free of pandas/pyarrow.
_CANONICAL = ("is_canonical", "read_recording", "write_recording")


def __getattr__(name: str) -> Any:
    """Resolve the canonical-format re-exports lazily (PEP 562)."""
    if name in _CANONICAL:
        return getattr(import_module("gait.io.canonical"), name)
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
    ("mobgap", "gait.io.mobgap"),
    ("ipol", "gait.io.xsens_ipol"),
    ("gaitmap", "gait.io.gaitmap"),
    ("sensorlogger", "gait.io.sensorlogger"),
    ("phyphox", "gait.io.phyphox"),
    ("oxford", "gait.io.oxford"),
    ("csv", "gait.io.generic_csv"),
]


def _reader(module: str) -> tuple[Callable[[Path], bool], Callable[[Path, ReadOptions], Recording]]:
    mod = import_module(module)
    return mod.sniff, mod.read


def sniff_any(path: str | Path) -> bool:
    """True when some reader recognises ``path`` (cheap: each reader looks at a few KB)."""
    path = Path(path)
    for _, module in READERS:
        try:
            if _reader(module)[0](path):
                return True
        except (OSError, UnicodeDecodeError, ValueError):
            continue
    return False


def group_of(path: str | Path) -> tuple[str, tuple[Path, ...]]:
    """The recording ``path`` belongs to: a key and every file it is read from.

    Most formats are one file per recording. A reader whose recordings span several
    files (one per sensor, say) defines ``group(path) -> (key, files)`` so that batch
    runs read each recording once.
    """
    path = Path(path)
    for _, module in READERS:
        mod = import_module(module)
        group = getattr(mod, "group", None)
        try:
            if group is not None and mod.sniff(path):
                key, files = group(path)
                return str(key), tuple(files)
        except (OSError, UnicodeDecodeError, ValueError):
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
    base = Path(str(path).split("::", 1)[0])
    if not base.exists():
        raise InputFileError(base, "no such file")
    if base.is_file() and base.stat().st_size == 0:
        from gait.errors import EmptyFileError

        raise EmptyFileError(base, "the file is empty")
    names = [n for n, _ in READERS]
    if options.format is not None:
        if options.format not in names:
            raise UnsupportedFormatError(path, f"unknown format {options.format!r}; choose from {names}")
        _, read_fn = _reader(dict(READERS)[options.format])
        return read_fn(path, options)
    for _, module in READERS:
        sniff, read_fn = _reader(module)
        if sniff(path):
            return read_fn(path, options)
    raise UnsupportedFormatError(
        path, f"not a recognised recording format (tried {', '.join(names)}); use --format"
    )


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

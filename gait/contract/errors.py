"""Typed errors. Every error a user can cause derives from :class:`GaitError`.

The CLI catches :class:`GaitError`, prints its message (which names the file and,
where known, the line or column) and exits with status 2, without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class GaitError(Exception):
    """Base class for errors caused by input, options or devices, not by bugs."""


class InputFileError(GaitError):
    """A file cannot be read as a recording.

    Parameters
    ----------
    path : str or Path
        The offending file.
    problem : str
        What is wrong, in plain words.
    line : int, optional
        1-based line number in the file, when known.
    column : str, optional
        Column name, when known.
    """

    def __init__(
        self,
        path: str | Path,
        problem: str,
        *,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.problem = problem
        self.line = line
        self.column = column
        where = str(self.path)
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {problem}")


class MissingColumnError(InputFileError):
    """A required column is absent (missing or renamed)."""


class BadValueError(InputFileError):
    """A cell is non-numeric, NaN or otherwise not a valid value."""


class EmptyFileError(InputFileError):
    """The file holds no data rows."""


class TruncatedFileError(InputFileError):
    """The file ends in the middle of a record."""


class TimeOrderError(InputFileError):
    """Timestamps go backwards or repeat."""


class UnitError(GaitError):
    """An unknown unit name, or values that contradict the stated unit."""


class RateError(GaitError):
    """A sampling rate that is missing, non-positive or contradicts the data."""


class UnsupportedFormatError(InputFileError):
    """No reader recognises the file."""


class AnalysisError(GaitError):
    """The analysis cannot give any result for this input (e.g. no steps at all)."""


class LimitError(InputFileError):
    """A file declares more work than any real recording needs (see :mod:`gait.io.limits`).

    Parameters
    ----------
    path : str or Path
        The offending file.
    problem : str
        What was declared and why it is refused.
    limit : str
        Name of the limit in :mod:`gait.io.limits` that was exceeded.
    """

    def __init__(self, path: str | Path, problem: str, *, limit: str) -> None:
        self.limit = limit
        super().__init__(path, f"{problem} (limit {limit})")


class HeaderError(InputFileError):
    """A file header (``recording.json``, a capture header) fails its schema.

    Parameters
    ----------
    path : str or Path
        The offending file.
    problem : str
        What is wrong with the field.
    field : str
        Dotted path of the field, e.g. ``streams[0].rate``.
    """

    def __init__(self, path: str | Path, problem: str, *, field: str) -> None:
        self.field = field
        super().__init__(path, f"header field '{field}': {problem}")


class TimeUnitError(InputFileError):
    """Timestamps whose size or spacing shows they are in another unit than assumed."""


class NotARegularFileError(InputFileError):
    """The path is a FIFO, socket or device (reading it could block), or is unreadable."""

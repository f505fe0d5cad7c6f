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

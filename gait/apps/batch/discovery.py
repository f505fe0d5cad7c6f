"""Finding the files of a batch without hanging on what is not a plain file.

Folders are walked and glob patterns matched by one walker that follows links to folders
once, by device and inode, so ``'DIR/**'`` over symbolic-link loops ends (Python's
``glob(recursive=True)`` follows such loops until paths get too long, which with two loops
takes exponential time). Everything that is not a regular file (FIFOs, sockets, devices)
is skipped *before* it is opened (opening a FIFO blocks until someone writes to it) and
listed with the reason, as are symbolic-link loops and broken links. A file or folder we
may not read is reported as a permission error, not dropped as "not a recording".
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

_MAGIC = frozenset("*?[")


@dataclass(frozen=True)
class Skipped:
    """A path that was not analysed, and why (not an error: nothing there to analyse)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Unreadable:
    """A path that could not be read (listed among the batch's errors)."""

    path: str
    error_type: str
    error: str


@dataclass
class Found:
    """Candidate files: ``(path, named explicitly)``, plus what was skipped or unreadable."""

    files: list[tuple[Path, bool]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def note(self, problem: Skipped | Unreadable) -> None:
        """Record a skipped or unreadable path."""
        if isinstance(problem, Skipped):
            self.skipped.append(problem)
        else:
            self.unreadable.append(problem)


def _kind(mode: int) -> str | None:
    """Why a non-regular file is skipped (None for a regular file or folder)."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), not a file: skipped without opening"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file: skipped"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file: skipped"
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return "not a regular file: skipped"
    return None


def _stat_problem(path: Path, exc: OSError) -> Skipped | Unreadable:
    if exc.errno == errno.ELOOP:
        return Skipped(str(path), "symbolic link loop: skipped")
    if isinstance(exc, PermissionError):
        return Unreadable(
            str(path), "PermissionError", "permission denied: cannot look at this path"
        )
    if path.is_symlink():
        return Skipped(str(path), "broken symbolic link: skipped")
    return Unreadable(str(path), type(exc).__name__, exc.strerror or str(exc))


def _readable(path: Path) -> Unreadable | None:
    """A permission (or other OS) error opening ``path`` for reading, else None.

    Opened with ``O_NONBLOCK`` so that a file swapped for a FIFO since it was stat'ed does not
    block here.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except PermissionError:
        return Unreadable(str(path), "PermissionError", "permission denied: cannot read this file")
    except OSError as exc:
        return Unreadable(str(path), type(exc).__name__, exc.strerror or str(exc))
    os.close(fd)
    return None


def walk(
    root: Path, found: Found, max_depth: int | None = None
) -> Iterator[tuple[Path, tuple[str, ...]]]:
    """Regular files under ``root`` with their path parts relative to it.

    Links to folders are followed once: a link back to a folder on the current path is
    listed as a loop in ``found.skipped``; a folder reached again by another route is
    walked only the first time. Non-regular files are listed in ``found.skipped``,
    folders that cannot be listed in ``found.unreadable``.

    Parameters
    ----------
    root : Path
        A folder.
    found : Found
        Collects what is skipped or unreadable.
    max_depth : int, optional
        Deepest level of files to yield (1: only ``root``'s own files).

    Yields
    ------
    (Path, tuple of str)
    """
    try:
        st = os.stat(root)
    except OSError as exc:
        found.note(_stat_problem(root, exc))
        return
    top = (st.st_dev, st.st_ino)
    seen = {top}
    stack: list[tuple[Path, tuple[str, ...], frozenset[tuple[int, int]]]] = [
        (root, (), frozenset([top]))
    ]
    while stack:
        folder, rel, ancestors = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except PermissionError:
            found.unreadable.append(
                Unreadable(
                    str(folder), "PermissionError", "permission denied: cannot list this folder"
                )
            )
            continue
        except OSError as exc:
            found.unreadable.append(
                Unreadable(str(folder), type(exc).__name__, exc.strerror or str(exc))
            )
            continue
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            parts = (*rel, entry.name)
            try:
                est = os.stat(path)  # follows links: what the entry really is
            except OSError as exc:
                found.note(_stat_problem(path, exc))
                continue
            if stat.S_ISDIR(est.st_mode):
                key = (est.st_dev, est.st_ino)
                if key in ancestors:
                    found.skipped.append(Skipped(str(path), "symbolic link loop: skipped"))
                elif key not in seen and (max_depth is None or len(parts) < max_depth):
                    seen.add(key)
                    subfolders.append((path, parts, ancestors | {key}))
                continue
            if (why := _kind(est.st_mode)) is not None:
                found.skipped.append(Skipped(str(path), why))
                continue
            if max_depth is None or len(parts) <= max_depth:
                yield path, parts
        stack.extend(reversed(subfolders))


def _match(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    """Match path components against glob components.

    ``**`` is zero or more components; wildcards do not match names starting with a dot
    unless the pattern component does.
    """
    if not pattern:
        return not parts
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        if _match(rest, parts):
            return True
        return bool(parts) and not parts[0].startswith(".") and _match(pattern, parts[1:])
    if not parts:
        return False
    name = parts[0]
    if name.startswith(".") and not head.startswith(".") and _MAGIC & set(head):
        return False
    return fnmatchcase(name, head) and _match(rest, parts[1:])


def _split_pattern(pattern: str) -> tuple[Path, tuple[str, ...]]:
    """The fixed folder a glob starts from, and the pattern components below it."""
    parts = Path(pattern).parts
    fixed = 0
    while fixed < len(parts) and not (_MAGIC & set(parts[fixed])):
        fixed += 1
    root = Path(*parts[:fixed]) if fixed else Path(".")
    return root, tuple(parts[fixed:])


def find(inputs: list[str | Path]) -> Found:
    """Files named by folders (walked), glob patterns and file names.

    Parameters
    ----------
    inputs : list of str or Path
        What the user gave.

    Returns
    -------
    Found
        Regular, readable candidate files (not yet sniffed), and everything skipped,
        unreadable or matching nothing.
    """
    found = Found()
    for raw in inputs:
        p = Path(raw)
        try:
            st: os.stat_result | None = os.stat(p)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            found.note(_stat_problem(p, exc))
            continue
        if st is not None and stat.S_ISDIR(st.st_mode):
            found.files += [(f, False) for f, _ in walk(p, found)]
        elif st is not None and stat.S_ISREG(st.st_mode):
            found.files.append((p, True))
        elif st is not None:
            found.skipped.append(
                Skipped(str(p), _kind(st.st_mode) or "not a regular file: skipped")
            )
        else:
            root, pattern = _split_pattern(str(raw))
            if not pattern or not root.is_dir():
                found.missing.append(str(raw))
                continue
            depth = None if "**" in pattern else len(pattern)
            matched = [f for f, parts in walk(root, found, depth) if _match(pattern, parts)]
            if not matched:
                found.missing.append(str(raw))
            found.files += [(f, False) for f in matched]
    readable: list[tuple[Path, bool]] = []
    for f, explicit in found.files:
        if (bad := _readable(f)) is None:
            readable.append((f, explicit))
        else:
            found.unreadable.append(bad)
    found.files = readable
    return found

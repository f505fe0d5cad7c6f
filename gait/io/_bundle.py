"""Multi-file exports (a folder or a ZIP of CSVs), seen the same way by the phone readers."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from gait.contract.errors import InputFileError
from gait.io.limits import MAX_ZIP_ENTRIES, check_decoded

#: What ``zipfile`` raises on a damaged archive (it has no single error type): bad
#: headers, unsupported versions or methods, encrypted entries, inflate errors, cut files.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    KeyError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    zlib.error,
    struct.error,
)


def members(path: Path) -> dict[str, str]:
    """Files of a folder or ZIP export, keyed by lower-case base name.

    Parameters
    ----------
    path : Path
        A directory or a ``.zip`` file.

    Returns
    -------
    dict of str to str
        ``{'accelerometer.csv': 'Accelerometer.csv', ...}``; the value is the member's
        path inside the bundle. Nested folders count (``meta/time.csv`` -> key ``meta/time.csv``
        and ``time.csv``). Empty for anything else.
    """
    names: list[str] = []
    if path.is_dir():
        # Two levels at most (``meta/time.csv``): sniffing a big folder must stay cheap.
        try:
            top = list(path.iterdir())
            below = [q for d in top if d.is_dir() for q in d.iterdir()]
        except OSError:
            return {}
        names = [q.relative_to(path).as_posix() for q in top + below if q.is_file()]
    elif path.is_file() and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as z:
                names = [n for n in z.namelist()[:MAX_ZIP_ENTRIES] if not n.endswith("/")]
        except ZIP_ERRORS:
            return {}
    out: dict[str, str] = {}
    # Shallow names win over nested ones with the same base name.
    for n in sorted(names, key=lambda s: s.count("/"), reverse=True):
        p = PurePosixPath(n)
        out[p.name.lower()] = n
        if len(p.parts) > 1:
            out["/".join(p.parts[-2:]).lower()] = n
    return out


def open_member(path: Path, member: str) -> io.BytesIO:
    """The bytes of ``member`` of a folder or ZIP export, as a binary buffer.

    A ZIP member's declared size is checked against :func:`gait.io.limits.check_decoded`
    before it is inflated (``zipfile`` never inflates past the declared size).
    """
    try:
        if path.is_dir():
            return io.BytesIO((path / member).read_bytes())
        with zipfile.ZipFile(path) as z:
            info = z.getinfo(member)
            check_decoded(path, f"entry {member!r}", info.file_size, info.compress_size)
            return io.BytesIO(z.read(member))
    except ZIP_ERRORS as exc:
        raise InputFileError(path, f"cannot read {member} ({exc})") from None


def head_member(path: Path, member: str, nbytes: int = 1024) -> str:
    """The first ``nbytes`` of a member, decoded (for sniffing)."""
    try:
        if path.is_dir():
            with open(path / member, "rb") as fh:
                raw = fh.read(nbytes)
        else:
            with zipfile.ZipFile(path) as z, z.open(member) as fh:
                raw = fh.read(nbytes)
    except ZIP_ERRORS:
        return ""
    return raw.decode("utf-8", errors="replace").lstrip("\ufeff")

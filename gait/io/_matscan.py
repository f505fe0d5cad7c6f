"""A bounded walk over a MATLAB 5 MAT-file's elements, before ``scipy.io.loadmat`` reads it.

``loadmat`` allocates what an array header declares: a struct whose dimensions say 2·10⁹
elements makes it allocate a 14 GiB object array from a 1 MB file. This walk reads only
the element tags (MATLAB 5 MAT-file format, MathWorks, "MAT-File Format", 2023, ch. 1)
and checks that every declared struct or cell array fits in the bytes that hold it (each
element needs at least an 8-byte tag), and that compressed elements inflate within
:func:`gait.io.limits.decoded_budget`.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from scipy.io.matlab import MatReadError

from gait.contract.errors import BadValueError, LimitError
from gait.io.limits import decoded_budget

#: What scipy's MAT reader raises on damaged files (it has no single error type).
MAT_ERRORS = (
    ValueError,
    OSError,
    NotImplementedError,
    TypeError,
    EOFError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    zlib.error,
    struct.error,
    MatReadError,
    # scipy 1.17's reader hits an unbound local on some damaged array headers.
    UnboundLocalError,
)

_MI_INT8, _MI_INT32, _MI_UINT32, _MI_MATRIX, _MI_COMPRESSED = 1, 5, 6, 14, 15
_MX_CELL, _MX_STRUCT, _MX_OBJECT, _MX_SPARSE = 1, 2, 3, 5
_COMPLEX = 0x800
#: Bytes per value of each numeric data type (0: variable width, UTF-8 and UTF-16).
_SIZES = {1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8, 16: 0, 17: 0, 18: 4}
#: Deepest nesting of structs and cells accepted (a Mobilise-D file nests 6 levels).
MAX_MAT_DEPTH = 32
_TAG = 8


def _tag(buf: bytes, off: int, end: int, e: str) -> tuple[int, int, int, int]:
    """(type, nbytes, data offset, offset of the next element) of the element at ``off``."""
    if off + _TAG > end:
        raise ValueError("element tag runs past its parent")
    (first,) = struct.unpack_from(e + "I", buf, off)
    if first >> 16:  # small data element: type and size share the first word
        return first & 0xFFFF, first >> 16, off + 4, off + 8
    mtype, n = struct.unpack_from(e + "II", buf, off)
    data = off + _TAG
    nxt = data + n if mtype == _MI_COMPRESSED else data + ((n + 7) // 8) * 8
    if data + n > end:
        raise ValueError("element runs past its parent")
    return mtype, n, data, nxt


def _matrix(buf: bytes, off: int, end: int, e: str, depth: int, path: Path) -> None:
    """Check one miMATRIX body ``buf[off:end]`` and, for structs and cells, its children."""
    if depth > MAX_MAT_DEPTH:
        raise LimitError(
            path, f"MAT arrays nested deeper than {MAX_MAT_DEPTH}", limit="MAX_MAT_DEPTH"
        )
    if off >= end:
        return  # an empty matrix
    flags, count, off = _array_header(buf, off, end, e)
    cls = flags & 0xFF
    if cls not in (_MX_CELL, _MX_STRUCT, _MX_OBJECT):
        _numeric_parts(buf, off, end, e, flags, count)
        return
    nfields, off = _field_count(buf, off, end, e, cls)
    children = count * nfields
    if children * _TAG > end - off:
        raise BadValueError(
            path,
            f"a MAT {('cell', 'struct', 'object')[cls - 1]} array declares {children} elements "
            f"in {end - off} bytes",
        )
    for _ in range(children):
        t, n, d, off = _tag(buf, off, end, e)
        if t != _MI_MATRIX:
            raise ValueError("struct or cell element is not a matrix")
        _matrix(buf, d, d + n, e, depth + 1, path)


def _array_header(buf: bytes, off: int, end: int, e: str) -> tuple[int, int, int]:
    """(array flags, element count, offset after the name) of the matrix body at ``off``."""
    t, n, d, off = _tag(buf, off, end, e)  # array flags
    if t != _MI_UINT32 or n < 8:
        raise ValueError("array flags missing")
    flags = struct.unpack_from(e + "I", buf, d)[0]
    cls = flags & 0xFF
    if not 1 <= cls <= 15:
        raise ValueError(f"unknown array class {cls}")
    t, n, d, off = _tag(buf, off, end, e)  # dimensions
    if t != _MI_INT32 or n % 4 or n == 0:
        raise ValueError("array dimensions missing")
    count = 1
    for k in struct.unpack_from(e + f"{n // 4}i", buf, d):
        if k < 0:
            raise ValueError("negative array dimension")
        count *= k
    _, _, _, off = _tag(buf, off, end, e)  # name
    return flags, count, off


def _numeric_parts(buf: bytes, off: int, end: int, e: str, flags: int, count: int) -> None:
    """Check the data parts of a numeric, char, logical or sparse array."""
    # scipy's C reader trusts these tags (a damaged one can crash it): check each part.
    cls = flags & 0xFF
    parts = 3 if cls == _MX_SPARSE else 1
    parts += 1 if flags & _COMPLEX else 0
    for _ in range(parts):
        t, n, _, off = _tag(buf, off, end, e)
        if t not in _SIZES:
            raise ValueError(f"array data of unknown type {t}")
        if cls != _MX_SPARSE and _SIZES[t] and n != count * _SIZES[t]:
            raise ValueError(f"array data holds {n} bytes for {count} values of type {t}")


def _field_count(buf: bytes, off: int, end: int, e: str, cls: int) -> tuple[int, int]:
    """(children per element, offset of the first child) of a cell, struct or object."""
    if cls == _MX_CELL:
        return 1, off
    if cls == _MX_OBJECT:
        _, _, _, off = _tag(buf, off, end, e)  # class name
    _, _, d, off = _tag(buf, off, end, e)  # field name length
    flen = struct.unpack_from(e + "i", buf, d)[0]
    _, n, _, off = _tag(buf, off, end, e)  # field names
    return (n // flen if flen > 0 else 0), off


def is_mat5(path: Path) -> bool:
    """True for an existing ``.mat`` file that starts with the MATLAB 5 header text.

    Parameters
    ----------
    path : Path
        The file (without a ``::`` selector).
    """
    if not path.is_file() or path.suffix.lower() != ".mat":
        return False
    with open(path, "rb") as fh:
        return fh.read(19) == b"MATLAB 5.0 MAT-file"


def check_mat(path: Path) -> None:
    """Raise unless every array a MAT-file declares fits in its bytes.

    Parameters
    ----------
    path : Path
        A MATLAB 5 MAT-file.

    Raises
    ------
    LimitError
        A compressed element inflates beyond its budget, or arrays nest too deep.
    BadValueError
        An element's tags are damaged or declare more elements than its bytes hold.
    """
    buf = path.read_bytes()
    if len(buf) < 128:
        raise BadValueError(path, "shorter than a MAT-file header")
    e = "<" if buf[126:128] == b"IM" else ">"
    off, end = 128, len(buf)
    try:
        while off < end:
            t, n, d, off = _tag(buf, off, end, e)
            if t == _MI_COMPRESSED:
                budget = decoded_budget(n)
                z = zlib.decompressobj()
                inner = z.decompress(buf[d : d + n], budget)
                if z.unconsumed_tail:
                    raise LimitError(
                        path,
                        f"a compressed MAT element inflates past {budget >> 20} MiB",
                        limit="MAX_EXPANSION",
                    )
                it, inn, idd, _ = _tag(inner, 0, len(inner), e)
                if it == _MI_MATRIX:
                    _matrix(inner, idd, idd + inn, e, 0, path)
            elif t == _MI_MATRIX:
                _matrix(buf, d, d + n, e, 0, path)
    except (ValueError, struct.error, zlib.error) as exc:
        raise BadValueError(path, f"damaged MAT-file element ({exc})") from None

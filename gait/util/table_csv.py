r"""Fast CSV output of a table, byte for byte what pandas' ``DataFrame.to_csv`` writes.

The text is that of ``DataFrame.to_csv(index=False, float_format=...)``. pandas formats
every float cell with a Python ``%``-format call, which costs most of the time of writing a
10 k-step table. Here the fixed-point text of a whole float column is built at once (scaled,
rounded, split into integer and fraction digits, joined by numpy's string ufuncs); only the
cells where that shortcut could round differently from ``'%.Nf' % x`` (a value within 1e-3 of
a rounding tie after scaling, or too large for exact integer arithmetic) are formatted by
Python itself. Rows are joined with ``','`` and ``'\n'``; text cells are quoted like Python's
``csv.QUOTE_MINIMAL`` (pandas' default), missing cells are empty.

Columns of any other kind (dates, categories, ...) make :func:`write_csv` hand the table to pandas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

# numpy ≥ 2 has string ufuncs; numpy 1.26's np.char does the same, more slowly.
_strings = getattr(np, "strings", np.char)

#: Scaled values at or above this magnitude are formatted by Python (exact integer range of
#: float64 with margin: below it one ulp of the scaled value is < 2**-13).
_EXACT_LIMIT = 2.0**40
#: Scaled values whose fraction lies this close to .5 are formatted by Python.
_TIE_MARGIN = 1e-3
#: Rows formatted and written at a time.
BLOCK_ROWS = 4096


def format_fixed(x: np.ndarray, decimals: int) -> list[str]:
    """Text of ``'%.{decimals}f' % v`` for every value, ``''`` for NaN.

    Parameters
    ----------
    x : ndarray of float
        Values (any unit).
    decimals : int
        Digits after the decimal point, ≥ 0.

    Returns
    -------
    list of str
        One string per value, identical to Python's ``%`` formatting (``'inf'``, ``'-0.0000'``
        included).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return []
    scale = 10.0**decimals
    with np.errstate(invalid="ignore", over="ignore"):
        y = x * scale
        frac = y - np.floor(y)
        slow = ~np.isfinite(y) | (np.abs(y) >= _EXACT_LIMIT) | (np.abs(frac - 0.5) < _TIE_MARGIN)
    nan = np.isnan(x)
    slow &= ~nan
    a = np.abs(np.rint(np.where(slow | nan, 0.0, y))).astype(np.int64)
    text = _strings.add(np.where(np.signbit(x), "-", ""), (a // int(scale)).astype(str))
    if decimals > 0:
        digits = _strings.zfill((a % int(scale)).astype(str), decimals)
        text = _strings.add(_strings.add(text, "."), digits)
    out: list[str] = text.tolist()
    fmt = f"%.{decimals}f"
    for i in np.flatnonzero(slow).tolist():
        out[i] = fmt % x[i]
    for i in np.flatnonzero(nan).tolist():
        out[i] = ""
    return out


def _quote(v: str) -> str:
    """One text cell as ``csv.QUOTE_MINIMAL`` writes it."""
    if any(c in v for c in ',"\r\n'):
        return '"' + v.replace('"', '""') + '"'
    return v


def _kind(col: pd.Series) -> str | None:
    """'bool', 'int', 'float' or 'text' for a column written here; None leaves it to pandas."""
    dt = col.dtype
    if pd.api.types.is_bool_dtype(dt):
        return "bool" if not col.isna().any() else None
    if pd.api.types.is_integer_dtype(dt):
        return "int" if not col.isna().any() else None
    if pd.api.types.is_float_dtype(dt):
        return "float"
    if pd.api.types.is_string_dtype(dt) or pd.api.types.is_object_dtype(dt):
        _, uniques = pd.factorize(col, use_na_sentinel=True)
        plain = all(isinstance(v, str | bool | int | np.integer | np.bool_) for v in list(uniques))
        return "text" if plain else None  # floats, dates ... inside an object column
    return None


def _column_text(col: pd.Series, kind: str, decimals: int) -> list[str]:
    """Cells of one column as text."""
    if kind == "bool":
        return ["True" if v else "False" for v in col.to_numpy(dtype=bool).tolist()]
    if kind == "int":
        return [str(v) for v in col.to_numpy(dtype=np.int64).tolist()]
    if kind == "float":
        return format_fixed(col.to_numpy(dtype=np.float64, na_value=np.nan), decimals)
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    # a text column holds few distinct values: quote each once, then index (-1 → '')
    cells = [_quote(v if isinstance(v, str) else str(v)) for v in list(uniques)]
    out: list[str] = np.array([*cells, ""], dtype=object)[codes].tolist()
    return out


def write_csv(df: pd.DataFrame, path: str | Path, *, decimals: int = 4) -> None:
    """Write ``df`` as ``df.to_csv(path, index=False, float_format=f'%.{decimals}f')`` would.

    Parameters
    ----------
    df : DataFrame
        Table with text, integer, boolean and float columns.
    path : str or Path
        Output file (overwritten).
    decimals : int
        Digits after the decimal point of float cells.
    """
    kinds = [_kind(df[c]) for c in df.columns]
    # csv writes a lone empty cell as '""'; other column kinds are pandas' business
    if df.shape[1] < 2 or any(k is None for k in kinds):
        df.to_csv(path, index=False, float_format=f"%.{decimals}f")
        return
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(_quote(str(c)) for c in df.columns) + "\n")
        for start in range(0, len(df), BLOCK_ROWS):
            # a block of rows at a time: a whole long table as text needs ~50 B per cell
            part = df.iloc[start : start + BLOCK_ROWS]
            cols = [
                _column_text(part[c], k, decimals)
                for c, k in zip(df.columns, kinds, strict=True)
                if k
            ]
            fh.write("\n".join(map(",".join, zip(*cols, strict=True))) + "\n")


__all__ = ["format_fixed", "write_csv"]

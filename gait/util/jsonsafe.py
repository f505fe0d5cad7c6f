"""One JSON-safe conversion for summaries, reports and live messages.

:func:`to_jsonable` turns nested analysis output (dicts, lists, numpy scalars and arrays,
paths, pandas' missing values) into plain Python that :func:`json.dumps` writes without a
``default`` hook; :func:`json_default` is that hook for callers that keep NaN as written;
:func:`finite_float` reads one number for a table or a figure.

The module imports neither numpy nor pandas: an object of theirs can only exist once they are
loaded, so it looks them up in :data:`sys.modules` and stays free for the light CLI verbs.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import PurePath
from typing import Any, Literal

__all__ = ["finite_float", "json_default", "to_jsonable"]


def to_jsonable(x: Any, *, nonfinite: Literal["none", "keep"] = "none") -> Any:
    """Plain-Python copy of nested data, safe for :func:`json.dumps`.

    Parameters
    ----------
    x : Any
        Mappings, lists, tuples, scalars and arrays, nested to any depth.
    nonfinite : {'none', 'keep'}
        ``'none'`` (default) turns NaN and ±inf floats into None (JSON has no NaN);
        ``'keep'`` leaves them as float (Python's ``json`` then writes ``NaN``/``Infinity``,
        which the synthetic-recording metadata uses to say "not set").

    Returns
    -------
    Any
        A copy where mappings are dicts with ``str`` keys, lists and tuples are lists, numpy
        arrays are (nested) lists, numpy scalars are ``bool``/``int``/``float``/``str``,
        :class:`pathlib.PurePath` is ``str``, ``pd.NA`` and ``pd.NaT`` are None, and
        non-finite floats follow ``nonfinite``. Anything else (str, int, None, a DataFrame
        kept in a summary, ...) is returned unchanged, not copied.
    """
    if isinstance(x, Mapping):
        return {str(k): to_jsonable(v, nonfinite=nonfinite) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [to_jsonable(v, nonfinite=nonfinite) for v in x]
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(x, np.ndarray):
            return [to_jsonable(v, nonfinite=nonfinite) for v in x.tolist()]
        if isinstance(x, np.generic):
            x = x.item()
    if isinstance(x, float):
        return x if nonfinite == "keep" or math.isfinite(x) else None
    if isinstance(x, PurePath):
        return str(x)
    pd = sys.modules.get("pandas")
    if pd is not None and (x is pd.NA or x is pd.NaT):
        return None
    return x


def json_default(obj: Any) -> Any:
    """``json.dumps(default=json_default)`` hook for summaries stored as written.

    Called by :mod:`json` only for objects it cannot write itself; unlike :func:`to_jsonable`
    it leaves NaN floats alone (the history database stores them as ``NaN``).

    Parameters
    ----------
    obj : Any
        An object :mod:`json` cannot serialise.

    Returns
    -------
    Any
        ``obj.item()`` for a numpy scalar, ``obj.tolist()`` for an array, ISO 8601 text for a
        date or timestamp (``pd.Timestamp`` is a ``datetime``), else ``str(obj)``.
    """
    if hasattr(obj, "item") and getattr(obj, "ndim", 0) == 0:
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    return str(obj)


def finite_float(v: Any) -> float | None:
    """``float(v)`` when it is a finite number, else None.

    Parameters
    ----------
    v : Any
        A number, numeric string, numpy scalar, None or anything else.

    Returns
    -------
    float or None
        The value as float; None for None, NaN, ±inf and what ``float()`` rejects.
    """
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None

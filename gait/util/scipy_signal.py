"""``scipy.signal`` without its import-time extras: the one way the analysis imports it.

Importing ``scipy.signal`` (SciPy 1.15–1.17) costs far more than the few filters and peak
finders the detectors use, for two reasons that do not touch any function we call:

* ``scipy.signal._peak_finding`` does ``from scipy.stats import scoreatpercentile`` (used only
  by ``find_peaks_cwt``), and importing ``scipy.stats`` builds every distribution and formats
  its docstring;
* the ``xp_capabilities`` decorator re-parses the numpydoc docstring of every public
  function at import to append a table of supported array backends.

This module imports ``scipy.signal`` once with both set aside: ``scipy.stats`` is replaced, for
the duration of the import, by a stand-in whose ``scoreatpercentile`` imports the real
``scipy.stats`` on first call, and the docstring parser is replaced by one that keeps the
docstring as written. Both are restored before this module finishes importing, so a later
``import scipy.stats`` gets the real module and every scipy function computes exactly what it
would otherwise (only the backend note is missing from some docstrings). If SciPy's internals
differ from what is expected, or ``scipy.signal`` is already imported, it is imported plainly.

Every analysis module imports ``scipy.signal`` through here::

    from gait.util.scipy_signal import signal
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any


class _KeepDocstring:
    r"""Stand-in for numpydoc's ``FunctionDoc``: no parsing, ``str()`` gives the docstring back.

    ``xp_capabilities`` does ``doc = FunctionDoc(f); doc['Notes'].append(note);
    str(doc).split('\n', 1)[1]``; the leading newline keeps that split lossless.
    """

    # The extra arguments are FunctionDoc's (role, doc, config): accepted so that calls match.
    def __init__(self, func: Any, *args: Any, **kwargs: Any) -> None:  # noqa: ARG002
        self._doc = getattr(func, "__doc__", None) or ""
        self._sections: dict[str, list[str]] = {}

    def __getitem__(self, key: str) -> list[str]:
        return self._sections.setdefault(key, [])

    def __str__(self) -> str:
        return "\n" + self._doc


def _scoreatpercentile(*args: Any, **kwargs: Any) -> Any:
    """``scipy.stats.scoreatpercentile``, importing ``scipy.stats`` on first use."""
    return importlib.import_module("scipy.stats").scoreatpercentile(*args, **kwargs)


def _import_light() -> types.ModuleType:
    """``scipy.signal``, imported with the stats stand-in and without docstring parsing."""
    if "scipy.signal" in sys.modules:
        return sys.modules["scipy.signal"]
    array_api: Any
    try:
        array_api = importlib.import_module("scipy._lib._array_api")
    except ImportError:  # pragma: no cover - other SciPy layouts
        array_api = None
    parser = getattr(array_api, "FunctionDoc", None)
    stub: types.ModuleType | None = None
    if "scipy.stats" not in sys.modules:
        stub = types.ModuleType("scipy.stats")
        stub.scoreatpercentile = _scoreatpercentile  # type: ignore[attr-defined]
        sys.modules["scipy.stats"] = stub
    if parser is not None:
        array_api.FunctionDoc = _KeepDocstring
    try:
        importlib.import_module("scipy.signal")
    except ImportError:
        # something in scipy.signal needed more of scipy.stats: import it the plain way
        if stub is not None and sys.modules.get("scipy.stats") is stub:
            del sys.modules["scipy.stats"]
            stub = None
        for name in [m for m in sys.modules if m.startswith("scipy.signal")]:
            del sys.modules[name]
        if parser is not None:
            array_api.FunctionDoc = parser
            parser = None
        importlib.import_module("scipy.signal")
    finally:
        if parser is not None:
            array_api.FunctionDoc = parser
        if stub is not None and sys.modules.get("scipy.stats") is stub:
            del sys.modules["scipy.stats"]
    return sys.modules["scipy.signal"]


if TYPE_CHECKING:
    from scipy import signal
else:
    signal = _import_light()

__all__ = ["signal"]

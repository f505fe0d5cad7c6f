"""``scipy.signal`` without its import-time extras: the one way the analysis imports it.

Importing ``scipy.signal`` (SciPy 1.15–1.17) costs far more than the few filters and peak
finders the detectors use, for three reasons that do not touch any function we call:

* ``scipy.signal._peak_finding`` does ``from scipy.stats import scoreatpercentile`` (used only
  by ``find_peaks_cwt``), and importing ``scipy.stats`` builds every distribution and formats
  its docstring;
* the ``xp_capabilities`` decorator re-parses the numpydoc docstring of every public
  function at import to append a table of supported array backends;
* ``scipy.signal`` imports ``scipy.interpolate`` (which imports ``scipy.optimize``) and
  ``scipy.spatial`` for names used only inside functions we never call (``BSpline``,
  ``make_interp_spline``, ``cKDTree``, ``optimize.fminbound`` / ``newton``): a third of the
  import.

This module imports ``scipy.signal`` once with all of these set aside: ``scipy.stats``,
``scipy.interpolate``, ``scipy.optimize`` and ``scipy.spatial`` are replaced, for the duration
of the import, by stand-ins whose attributes import the real module on first use (a call or
an attribute access), and the docstring parser is replaced by one that keeps the docstring as
written. All are restored before this module finishes importing, so a later ``import
scipy.stats`` (or any of the others) gets the real module and every scipy function computes
exactly what it would otherwise (only the backend note is missing from some docstrings). If
SciPy's internals differ from what is expected, or ``scipy.signal`` is already imported, it is
imported plainly.

Every analysis module imports ``scipy.signal`` through here::

    from gait.util.scipy_signal import signal
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Mapping
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


#: Subpackages ``scipy.signal`` imports only for names it uses inside functions.
_DEFERRED = ("scipy.stats", "scipy.interpolate", "scipy.optimize", "scipy.spatial")


class _DeferredName:
    """A name of a deferred module: the real object is imported on the first call or attribute."""

    def __init__(self, module: str, name: str) -> None:
        self._module = module
        self._name = name

    def _real(self) -> Any:
        return getattr(importlib.import_module(self._module), self._name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._real()(*args, **kwargs)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._real(), attr)


class _DeferredModule(types.ModuleType):
    """Stand-in for a module while ``scipy.signal`` imports: its names are :class:`_DeferredName`.

    Private and dunder names are not stood in for (the import system asks for ``__path__``,
    ``__spec__``...): a submodule import through the stand-in fails, and the caller then
    imports plainly.
    """

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return _DeferredName(self.__name__, name)


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
    stubs = {m: _DeferredModule(m) for m in _DEFERRED if m not in sys.modules}
    sys.modules.update(stubs)
    if parser is not None:
        array_api.FunctionDoc = _KeepDocstring
    try:
        importlib.import_module("scipy.signal")
    except ImportError:
        # something in scipy.signal needed more of a deferred module: import it the plain way
        _drop(stubs)
        stubs.clear()
        for name in [m for m in sys.modules if m.startswith("scipy.signal")]:
            del sys.modules[name]
        if parser is not None:
            array_api.FunctionDoc = parser
            parser = None
        importlib.import_module("scipy.signal")
    finally:
        if parser is not None:
            array_api.FunctionDoc = parser
        _drop(stubs)
    return sys.modules["scipy.signal"]


def _drop(stubs: Mapping[str, types.ModuleType]) -> None:
    """Take the stand-ins out of ``sys.modules`` (a real module imported meanwhile stays)."""
    for name, stub in stubs.items():
        if sys.modules.get(name) is stub:
            del sys.modules[name]


if TYPE_CHECKING:
    from scipy import signal
else:
    signal = _import_light()

__all__ = ["signal"]

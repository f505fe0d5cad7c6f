"""Wearable gait and balance analyzer for runners.

Public entry points, imported lazily so ``import gait`` stays light:

* :func:`gait.analyze` — recording → :class:`gait.contract.result.GaitResult`.
* :func:`gait.read` — file → :class:`gait.contract.recording.Recording`.
* :func:`gait.synthesize` — synthetic recording with exact ground truth.
* :class:`gait.GaitResult` and :class:`gait.Recording` — the types they return.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Type checkers and IDEs see the real signatures; at run time __getattr__ imports them on
    # first use, so `gait --help` never loads numpy or pandas.
    from gait.analysis.pipeline import analyze
    from gait.contract.recording import Recording
    from gait.contract.result import GaitResult
    from gait.io import read
    from gait.synth import synthesize

__all__ = ["GaitResult", "Recording", "analyze", "read", "synthesize"]

_LAZY = {
    "analyze": ("gait.analysis.pipeline", "analyze"),
    "read": ("gait.io", "read"),
    "synthesize": ("gait.synth", "synthesize"),
    "GaitResult": ("gait.contract.result", "GaitResult"),
    "Recording": ("gait.contract.recording", "Recording"),
}


def __getattr__(name: str) -> Any:
    """Resolve the public functions and types on first use (PEP 562)."""
    if name in _LAZY:
        mod, attr = _LAZY[name]
        return getattr(import_module(mod), attr)
    raise AttributeError(f"module 'gait' has no attribute {name!r}")


def __dir__() -> list[str]:
    """Public names plus the subpackages already imported (not the helpers used here)."""
    loaded = [
        k
        for k, v in globals().items()
        if not k.startswith("_")
        and type(v).__name__ == "module"
        and getattr(v, "__name__", "").startswith("gait.")
    ]
    return sorted({*__all__, *loaded})

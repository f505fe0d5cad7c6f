"""Wearable gait and balance analyzer for runners.

Public entry points, imported lazily so ``import gait`` stays light:

* :func:`gait.analyze` — recording → :class:`gait.result.GaitResult`.
* :func:`gait.read` — file → :class:`gait.recording.Recording`.
* :func:`gait.synthesize` — synthetic recording with exact ground truth.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["analyze", "read", "synthesize"]

_LAZY = {
    "analyze": ("gait.pipeline", "analyze"),
    "read": ("gait.io", "read"),
    "synthesize": ("gait.synth", "synthesize"),
}


def __getattr__(name: str) -> Any:
    """Resolve the public functions on first use (PEP 562)."""
    if name in _LAZY:
        mod, attr = _LAZY[name]
        return getattr(import_module(mod), attr)
    raise AttributeError(f"module 'gait' has no attribute {name!r}")

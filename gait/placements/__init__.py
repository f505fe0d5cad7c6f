"""Event detectors, one module per sensor placement, behind one contract.

The contract
------------
Each placement module ``gait/placements/<placement>.py`` exposes::

    detect_events(stream: Stream, *, speed: float | None = None) -> pandas.DataFrame

* ``stream`` is one :class:`gait.recording.Stream` in device axes (never trust the mounting).
* ``speed`` is a known reference speed in m/s (treadmill belt, RSC channel) or None.
* The result has one row per ground contact, sorted by ``t_ic``, with at least the columns
  :data:`EVENT_COLUMNS`:

  ``side``
      ``'left'``, ``'right'`` or ``'unknown'`` (a single foot sensor gives its own side).
  ``t_ic``
      Initial contact time, s (same clock as ``stream.t``).
  ``t_tc``
      Terminal contact (toe-off) time of the same contact, s; NaN when unknown.
  ``confidence``
      0–1, how sure the detector is about this contact.

  plus placement-specific per-step metric columns named as in
  :data:`gait.result.OPTIONAL_STEP_COLUMNS` (foot: ``foot_strike_angle``, ``strike``,
  ``stride_length``, ``speed``, ``impact``; shank: ``shank_angle_ic``, ``impact``;
  sacrum/phone: ``vertical_oscillation``, ``braking``, ``impact``) and optionally a
  ``quality`` column (str flags, ``''`` when clean).
* A stream too short or too still for any step returns an **empty** frame with the
  columns above (use :func:`empty_events`); bad input raises a
  :class:`gait.errors.AnalysisError` with a clear message. Detectors never interpolate
  across gaps in ``stream.t``.
* Detectors are pure functions of the samples so a streaming engine can call them on a
  sliding window.

:data:`DETECTORS` maps a placement name to the module that implements it; modules are
imported lazily by :func:`get_detector` so that a missing module does not break others.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from gait.errors import AnalysisError

if TYPE_CHECKING:
    from gait.recording import Stream

#: Columns every detector returns, in this order.
EVENT_COLUMNS: tuple[str, ...] = ("side", "t_ic", "t_tc", "confidence")

#: Placement → module path holding its ``detect_events``.  A phone in a waist belt is
#: analysed by the phone module, which may delegate to the sacrum detector.
DETECTORS: dict[str, str] = {
    "foot": "gait.placements.foot",
    "shank": "gait.placements.shank",
    "sacrum": "gait.placements.sacrum",
    "phone": "gait.placements.phone",
}


class Detector(Protocol):
    """Signature of every ``detect_events`` function."""

    def __call__(self, stream: Stream, *, speed: float | None = None) -> pd.DataFrame:
        """Detect contacts in ``stream``; see the module docstring for the columns."""
        ...


def get_detector(placement: str) -> Callable[..., pd.DataFrame]:
    """The ``detect_events`` function for ``placement``.

    Parameters
    ----------
    placement : str
        One of the keys of :data:`DETECTORS`.

    Returns
    -------
    callable
        ``detect_events(stream, *, speed=None) -> DataFrame``.

    Raises
    ------
    AnalysisError
        When the placement is unknown or its module is not available.
    """
    if placement not in DETECTORS:
        raise AnalysisError(f"no step detector for placement {placement!r}; have {sorted(DETECTORS)}")
    modname = DETECTORS[placement]
    try:
        mod = import_module(modname)
    except ModuleNotFoundError as exc:
        if exc.name == modname:
            raise AnalysisError(f"the {placement} step detector is not available yet") from exc
        raise
    fn: Callable[..., pd.DataFrame] = mod.detect_events
    return fn


def empty_events(extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """An empty event frame with :data:`EVENT_COLUMNS` (plus ``extra``) and proper dtypes.

    Parameters
    ----------
    extra : tuple of str
        Further float columns to include.

    Returns
    -------
    DataFrame
        Zero rows.
    """
    cols: dict[str, pd.Series] = {
        "side": pd.Series([], dtype=object),
        "t_ic": pd.Series([], dtype=np.float64),
        "t_tc": pd.Series([], dtype=np.float64),
        "confidence": pd.Series([], dtype=np.float64),
    }
    for c in extra:
        cols[c] = pd.Series([], dtype=np.float64)
    return pd.DataFrame(cols)


def check_events(df: pd.DataFrame, placement: str = "") -> pd.DataFrame:
    """Validate a detector's output against the contract and sort it by ``t_ic``.

    Parameters
    ----------
    df : DataFrame
        What a ``detect_events`` returned.
    placement : str
        For the error message.

    Returns
    -------
    DataFrame
        ``df`` sorted by ``t_ic`` with a fresh index.

    Raises
    ------
    AnalysisError
        When a required column is missing or ``side`` holds an unknown label.
    """
    missing = [c for c in EVENT_COLUMNS if c not in df.columns]
    if missing:
        raise AnalysisError(f"{placement or 'detector'} events lack columns {missing}")
    bad = set(df["side"].unique()) - {"left", "right", "unknown"}
    if bad:
        raise AnalysisError(f"{placement or 'detector'} events have unknown sides {sorted(map(str, bad))}")
    return df.sort_values("t_ic", kind="stable").reset_index(drop=True)

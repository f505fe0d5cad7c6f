"""Event detectors, one module per sensor placement, behind one contract.

The contract
------------
Each placement module ``gait/analysis/placements/<placement>.py`` holds one detector class (a frozen
dataclass derived from :class:`gait.analysis.placements.base.EventDetector`), called as::

    detector(stream: Stream, *, speed: float | None = None) -> pandas.DataFrame

* ``stream`` is one :class:`gait.contract.recording.Stream` in device axes (never trust the
  mounting).
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
  :data:`gait.contract.result.OPTIONAL_STEP_COLUMNS` (foot: ``foot_strike_angle``, ``strike``,
  ``stride_length``, ``speed``, ``impact``; shank: ``shank_angle_ic``, ``impact``;
  sacrum/phone: ``vertical_oscillation``, ``braking``, ``impact``) and optionally a
  ``quality`` column (str flags, ``''`` when clean).
* A stream too short or too still for any step returns an **empty** frame with the
  columns above (use :func:`empty_events`); bad input raises a
  :class:`gait.contract.errors.AnalysisError` with a clear message. Detectors never interpolate
  across gaps in ``stream.t``.
* Detectors are pure functions of the samples so a streaming engine can call them on a
  sliding window.

:data:`REGISTRY` (:mod:`gait.analysis.placements.registry`) holds one
:class:`~gait.analysis.placements.registry.PlacementSpec` per placement: its detector class
(a subclass of :class:`gait.analysis.placements.base.EventDetector` whose tunable constants
are constructor parameters) as ``"module:Class"``, and what fusion and the activity bouts
need to know about it; :func:`get_detector` imports the detector's module lazily and builds the
detector.

numpy and pandas are imported inside the functions that need them, so that the registry can
be read (by the command line's choices) without loading them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from gait.analysis.placements.base import EventDetector
from gait.analysis.placements.registry import REGISTRY, PlacementSpec, placement_spec
from gait.contract.errors import AnalysisError

if TYPE_CHECKING:
    import pandas as pd

#: Columns every detector returns, in this order.
EVENT_COLUMNS: tuple[str, ...] = ("side", "t_ic", "t_tc", "confidence")


def get_detector(placement: str, **params: object) -> EventDetector:
    """Build the detector for ``placement``.

    Parameters
    ----------
    placement : str
        One of the keys of :data:`REGISTRY`.
    **params
        Constructor parameters of that detector (see its class); defaults otherwise.

    Returns
    -------
    EventDetector
        Callable as ``detector(stream, *, speed=None) -> DataFrame``.

    Raises
    ------
    AnalysisError
        When the placement is unknown or a parameter is not one of the detector's.
    """
    modname, clsname = placement_spec(placement).detector.split(":")
    cls: type[EventDetector] = getattr(import_module(modname), clsname)
    try:
        return cls(**params)
    except TypeError as exc:
        raise AnalysisError(f"bad parameter for the {placement} detector: {exc}") from exc


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
    import numpy as np
    import pandas as pd

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
        raise AnalysisError(
            f"{placement or 'detector'} events have unknown sides {sorted(map(str, bad))}"
        )
    return df.sort_values("t_ic", kind="stable").reset_index(drop=True)


__all__ = [
    "EVENT_COLUMNS",
    "REGISTRY",
    "EventDetector",
    "PlacementSpec",
    "check_events",
    "empty_events",
    "get_detector",
    "placement_spec",
]

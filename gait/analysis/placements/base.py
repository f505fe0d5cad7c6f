"""The base class of every placement's step detector.

A detector is a frozen dataclass: its tunable constants are constructor parameters with
documented units, meaning, default and the source of that default, so a user or a
validation script can build one with other values (``FootDetector(tc_recovery=0.6)``) and
every result says which values produced it (``events.attrs["detector"]``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import pandas as pd

    from gait.contract.recording import Stream


@dataclass(frozen=True)
class EventDetector(ABC):
    """Finds ground contacts in one stream; subclasses hold one placement's method.

    Calling a detector runs :meth:`detect` and records :meth:`describe` in the result's
    ``attrs["detector"]``. The columns of the result are those of
    :data:`gait.analysis.placements.EVENT_COLUMNS` plus the placement's metric columns.
    """

    #: The placement this detector serves (a key of
    #: :data:`gait.analysis.placements.registry.REGISTRY`).
    placement: ClassVar[str]

    def __call__(self, stream: Stream, *, speed: float | None = None) -> pd.DataFrame:
        """Detect contacts in ``stream`` and record the parameters used.

        Parameters
        ----------
        stream : Stream
            One sensor's samples in device axes (acc m/s², gyr rad/s).
        speed : float, optional
            Known reference speed, m/s (treadmill belt, RSC channel).

        Returns
        -------
        DataFrame
            One row per contact, sorted by ``t_ic`` (s); ``attrs["detector"]`` holds
            :meth:`describe`.
        """
        events = self.detect(stream, speed=speed)
        events.attrs["detector"] = self.describe()
        return events

    @abstractmethod
    def detect(self, stream: Stream, *, speed: float | None = None) -> pd.DataFrame:
        """Detect contacts in ``stream``; see :mod:`gait.analysis.placements` for the contract.

        Parameters
        ----------
        stream : Stream
            One sensor's samples in device axes (acc m/s², gyr rad/s).
        speed : float, optional
            Known reference speed, m/s.

        Returns
        -------
        DataFrame
            One row per contact with the contract columns.
        """

    def params(self) -> dict[str, object]:
        """The constructor parameters of this detector, by name (values in their units)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def describe(self) -> dict[str, object]:
        """Class name, placement and parameters, JSON-safe, for results and summaries."""
        return {
            "detector": type(self).__name__,
            "placement": self.placement,
            "params": self.params(),
        }

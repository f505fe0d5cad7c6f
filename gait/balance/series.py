"""The signals of one balance trial kept for the figure (:mod:`gait.balance.figure`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass
class TrialSeries:
    """Signals of one trial kept for the figure.

    Parameters
    ----------
    trial : int
        Row in the trial table.
    kind : {'stance', 'hop'}
    leg, eyes : str or None
    t : ndarray
        Times, s.
    ap, ml : ndarray
        Low-passed AP/ML specific force, m/s² (hop: ``ap`` holds the moving RMS, m/s²).
    window : (float, float)
        Metric window, s.
    touchdowns : ndarray
        Touch-down times, s.
    tts, baseline : float
        Hop only: time to stabilization (s) and baseline RMS (m/s²).
    """

    trial: int
    kind: str
    leg: str | None
    eyes: str | None
    t: FloatArray
    ap: FloatArray
    ml: FloatArray
    window: tuple[float, float]
    touchdowns: FloatArray
    tts: float = math.nan
    baseline: float = math.nan

"""Result containers of the gait pipeline (the contract between analysis and views)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: Required step-table columns (the step-table data contract); times in s, cadence in steps/min.
STEP_COLUMNS: tuple[str, ...] = (
    "side",
    "t_ic",
    "t_tc",
    "gct",
    "flight",
    "step_time",
    "stride_time",
    "duty_factor",
    "cadence",
)

#: Optional per-step columns, present only where the placement can measure them.
OPTIONAL_STEP_COLUMNS: tuple[str, ...] = (
    "stride_length",  # m
    "speed",  # m/s
    "foot_strike_angle",  # deg, positive = toes up (rearfoot)
    "strike",  # 'rear' | 'mid' | 'fore'
    "braking",  # m/s speed loss per step
    "impact",  # m/s² peak at contact
    "vertical_oscillation",  # m
    "shank_angle_ic",  # deg
    "quality",  # str flags, '' when clean
)


@dataclass
class GaitResult:
    """What :func:`gait.analyze` returns.

    Attributes
    ----------
    steps : DataFrame
        One row per step; columns :data:`STEP_COLUMNS` plus any of :data:`OPTIONAL_STEP_COLUMNS`.
        Times in seconds from the start of the recording.
    summary : dict
        JSON-serialisable session summary (``cadence_spm``, ``gct_ms``, ``gct_balance_pct``,
        ``symmetry_index``, ``duty_factor``, ``steps``, ``activity``, ``windows``, ``drift``,
        ``overstride``, ``asymmetry``, ``flags`` ...).
    windows : DataFrame
        Per-window summary rows (one row per window of steps or seconds).
    bouts : DataFrame
        Activity bouts: ``t_start``, ``t_end``, ``activity`` ('run', 'walk', 'still').
    flags : list of str
        Quality flags for the whole session (e.g. ``'saturated:foot_left'``, ``'gap:sacrum'``).
    """

    steps: pd.DataFrame
    summary: dict[str, Any]
    windows: pd.DataFrame = field(default_factory=pd.DataFrame)
    bouts: pd.DataFrame = field(default_factory=pd.DataFrame)
    flags: list[str] = field(default_factory=list)

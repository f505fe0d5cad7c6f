"""Result containers of the gait pipeline (the contract between analysis and views)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import takewhile
from typing import NamedTuple

import pandas as pd

from gait.contract.summary_types import RunSummary


class StepColumn(NamedTuple):
    """One column of the step table (the data contract between analysis and views).

    Attributes
    ----------
    name : str
        Column name.
    dtype : {'float64', 'str'}
        Column dtype in :func:`gait.analyze`'s table (``'str'``: pandas' string dtype, or
        object holding str).
    unit : str
        Unit of the values (``''`` for labels and dimensionless ratios).
    meaning : str
        What the value is, one line.
    required : bool
        True when :func:`gait.analyze` always returns the column; False when it is present
        only where a placement can measure it (or, for ``source``, where contacts were fused).
    origin : {'steps', 'placement', 'pipeline'}
        Who fills it: :func:`gait.analysis.steps.build_step_table` from the contact times, a
        placement's detector (copied through from the contacts), or :func:`gait.analyze` itself.
    """

    name: str
    dtype: str
    unit: str
    meaning: str
    required: bool
    origin: str


#: The step table, in column order: one row per step of :attr:`GaitResult.steps`.
STEP_TABLE: tuple[StepColumn, ...] = (
    StepColumn(
        "side",
        "str",
        "",
        "'left', 'right' or 'unknown' (an unlabelled trunk contact)",
        True,
        "steps",
    ),
    StepColumn(
        "t_ic", "float64", "s", "initial contact, from the start of the recording", True, "steps"
    ),
    StepColumn(
        "t_tc",
        "float64",
        "s",
        "terminal contact (toe-off), from the start of the recording",
        True,
        "steps",
    ),
    StepColumn(
        "gct",
        "float64",
        "s",
        "ground contact time t_tc − t_ic; NaN when implausible",
        True,
        "steps",
    ),
    StepColumn(
        "flight",
        "float64",
        "s",
        "toe-off to the next contact of the other foot; NaN with one leg instrumented",
        True,
        "steps",
    ),
    StepColumn(
        "step_time",
        "float64",
        "s",
        "contact to the next contact of the other foot; NaN across a gap",
        True,
        "steps",
    ),
    StepColumn(
        "stride_time",
        "float64",
        "s",
        "contact to the next contact of the same foot; NaN across a gap",
        True,
        "steps",
    ),
    StepColumn(
        "duty_factor",
        "float64",
        "",
        "gct / stride_time (share of the stride in contact)",
        True,
        "steps",
    ),
    StepColumn("cadence", "float64", "steps/min", "60 / step_time", True, "steps"),
    StepColumn(
        "stride_length",
        "float64",
        "m",
        "distance from a contact to the next of the same foot",
        False,
        "placement",
    ),
    StepColumn("speed", "float64", "m/s", "forward speed over the step", False, "placement"),
    StepColumn(
        "foot_strike_angle",
        "float64",
        "deg",
        "sole pitch at initial contact, positive = toes up (rearfoot)",
        False,
        "placement",
    ),
    StepColumn(
        "strike",
        "str",
        "",
        "strike pattern from the foot strike angle: 'rear', 'mid' or 'fore'",
        False,
        "placement",
    ),
    StepColumn(
        "braking",
        "float64",
        "m/s",
        "pelvis forward speed loss from contact to its minimum in stance",
        False,
        "placement",
    ),
    StepColumn(
        "braking_time",
        "float64",
        "s",
        "time from contact to the pelvis's lowest forward speed in stance (end of braking)",
        False,
        "placement",
    ),
    StepColumn(
        "braking_share",
        "float64",
        "",
        "braking time / contact time: the share of stance spent braking",
        False,
        "placement",
    ),
    StepColumn("impact", "float64", "m/s²", "peak acceleration at contact", False, "placement"),
    StepColumn(
        "vertical_oscillation",
        "float64",
        "m",
        "pelvis vertical excursion over the step",
        False,
        "placement",
    ),
    StepColumn(
        "shank_angle_ic",
        "float64",
        "deg",
        "shank inclination from vertical at initial contact, positive = ankle ahead of the knee",
        False,
        "placement",
    ),
    StepColumn(
        "quality",
        "str",
        "",
        "comma-separated quality flags of the step, '' when clean",
        True,
        "steps",
    ),
    StepColumn(
        "confidence",
        "float64",
        "",
        "detector's confidence in the contact, 0..1 (1.0 when it gives none)",
        True,
        "steps",
    ),
    StepColumn(
        "source",
        "str",
        "",
        "name of the stream whose detector found the contact",
        False,
        "pipeline",
    ),
    StepColumn(
        "activity",
        "str",
        "",
        "activity of the step's bout: 'run', 'walk' or 'still'",
        True,
        "pipeline",
    ),
)

#: Leading required columns (the contact timing block, always first and in this order);
#: times in s, cadence in steps/min.
STEP_COLUMNS: tuple[str, ...] = tuple(c.name for c in takewhile(lambda c: c.required, STEP_TABLE))

#: Per-step metrics a placement's detector may measure; :func:`gait.analysis.steps.build_step_table`
#: copies them from the contacts when present.
OPTIONAL_STEP_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in STEP_TABLE if c.origin == "placement"
)


def step_table_markdown() -> str:
    """The step-table contract as a markdown page (``docs/step_table.md`` is this text).

    Returns
    -------
    str
        A title, a short explanation and one table row per :data:`STEP_TABLE` column.
    """
    lines = [
        "# Step table",
        "",
        "One row per step in `GaitResult.steps` (`gait analyze --steps-csv`). Generated from",
        (
            "`gait.contract.result.STEP_TABLE` by `python -m gait.contract.result`; "
            "a test checks that this page matches."
        ),
        "Required columns are always present; optional ones only where a placement measures them.",
        "",
        "| column | dtype | unit | required | filled by | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for c in STEP_TABLE:
        req = "yes" if c.required else "no"
        lines.append(
            f"| `{c.name}` | {c.dtype} | {c.unit or '—'} | {req} | {c.origin} | {c.meaning} |"
        )
    return "\n".join(lines) + "\n"


@dataclass
class GaitResult:
    """What :func:`gait.analyze` returns.

    Attributes
    ----------
    steps : DataFrame
        One row per step; the columns of :data:`STEP_TABLE` (every required one, the optional
        ones where measured), in that order. Times in seconds from the start of the recording.
    summary : RunSummary
        JSON-serialisable session summary; keys, types and units: :mod:`gait.contract.summary_types`
        (``docs/summary.md``).
    bouts : DataFrame
        Activity bouts: ``t_start``, ``t_end``, ``activity`` ('run', 'walk', 'still').
    flags : list of str
        Quality flags for the whole session (e.g. ``'saturated:foot_left'``, ``'gap:sacrum'``).
    """

    steps: pd.DataFrame
    summary: RunSummary
    bouts: pd.DataFrame = field(default_factory=pd.DataFrame)
    flags: list[str] = field(default_factory=list)

    @property
    def windows(self) -> pd.DataFrame:
        """The summary's ``windows`` rows as a table, one row per window of steps.

        Built from :attr:`summary` on each access, so the rows are kept once.
        """
        return pd.DataFrame(self.summary.get("windows", []))


if __name__ == "__main__":
    print(step_table_markdown(), end="")

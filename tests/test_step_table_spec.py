"""The step-table spec is what the code returns and the docs show.

The spec is `gait.contract.result.STEP_TABLE`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gait
from gait.contract.result import (
    OPTIONAL_STEP_COLUMNS,
    STEP_COLUMNS,
    STEP_TABLE,
    step_table_markdown,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "step_table.md"


def _dtype_ok(s: pd.Series, dtype: str) -> bool:
    if dtype == "float64":
        return bool(s.dtype == np.float64)
    # 'str': pandas' string dtype, or object columns whose values are all str/None
    if isinstance(s.dtype, pd.StringDtype):
        return True
    return s.dtype == object and all(v is None or isinstance(v, str) for v in s)


def test_docs_page_is_the_generated_table() -> None:
    assert DOC.read_text(encoding="utf-8") == step_table_markdown(), (
        "docs/step_table.md is stale: run `python -m gait.contract.result > docs/step_table.md`"
    )


def test_spec_is_consistent() -> None:
    names = [c.name for c in STEP_TABLE]
    assert len(names) == len(set(names))
    assert {c.dtype for c in STEP_TABLE} <= {"float64", "str"}
    assert {c.origin for c in STEP_TABLE} <= {"steps", "placement", "pipeline"}
    assert STEP_COLUMNS == tuple(names[: len(STEP_COLUMNS)])
    assert all(c.required for c in STEP_TABLE[: len(STEP_COLUMNS)])
    assert not any(c.required for c in STEP_TABLE if c.name in OPTIONAL_STEP_COLUMNS)


@pytest.mark.parametrize(
    "placements",
    [("foot-left", "foot-right", "sacrum"), ("shank-left", "shank-right"), ("phone-belt",)],
)
def test_analyze_returns_exactly_the_spec(placements: tuple[str, ...]) -> None:
    rec = gait.synthesize("run", placements=placements, duration=20.0, rate=200.0, seed=3)
    steps = gait.analyze(rec).steps
    assert len(steps) > 20
    cols = list(steps.columns)
    required = [c.name for c in STEP_TABLE if c.required]
    assert set(required) <= set(cols), f"missing required columns: {set(required) - set(cols)}"
    # Nothing outside the spec, and the spec's order.
    assert cols == [c.name for c in STEP_TABLE if c.name in cols]
    for c in STEP_TABLE:
        if c.name in cols:
            assert _dtype_ok(steps[c.name], c.dtype), (
                f"{c.name}: {steps[c.name].dtype} is not {c.dtype}"
            )


def test_foot_and_shank_runs_fill_the_placement_columns() -> None:
    # The optional columns are not dead spec: foot + sacrum and shank runs measure them.
    cols: set[str] = set()
    for placements in (("foot-left", "foot-right", "sacrum"), ("shank-left", "shank-right")):
        rec = gait.synthesize("run", placements=placements, duration=20.0, rate=200.0, seed=3)
        cols |= set(gait.analyze(rec).steps.columns)
    assert {
        "foot_strike_angle",
        "strike",
        "braking",
        "vertical_oscillation",
        "shank_angle_ic",
        "source",
    } <= cols

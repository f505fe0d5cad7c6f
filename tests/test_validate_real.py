"""Real-data validation (issue 3): fails when a target is missed; never skips.

Runs ``benchmarks/validate_real.py``'s :func:`evaluate` on every recording in
``../shared/data/real`` (read with ``gait.io.read``) and checks, per dataset and placement:
step F1 ≥ 0.98; IC mean absolute error ≤ 20 ms (feet) and ≤ 40 ms (lower back); phone
step-count error ≤ 3 %. The matching rules and scored regions are documented in the
benchmark module.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"

#: (dataset, placement group, streams scored)
GROUPS = [
    ("gaitmap_feet_walk", "feet", 2),
    ("ipol_feet_lowerback_walk", "feet", 20),
    ("ipol_feet_lowerback_walk", "lower back", 10),
    ("mobgap_lowerback_walk", "lower back", 4),
    ("oxford_phone_walk", "phone", 6),
]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("validate_real", ROOT / "benchmarks" / "validate_real.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["validate_real"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    assert REAL.is_dir(), f"real data folder missing: {REAL}"
    table, _ = _bench().evaluate(REAL)
    return table.set_index(["dataset", "placement"])


@pytest.mark.parametrize("dataset,group,files", GROUPS, ids=[f"{d}:{g}" for d, g, _ in GROUPS])
def test_targets(summary: pd.DataFrame, dataset: str, group: str, files: int) -> None:
    bench = _bench()
    assert (dataset, group) in summary.index, summary.index.tolist()
    sel = summary.xs((dataset, group))
    assert isinstance(sel, pd.Series)
    row: dict[Any, Any] = sel.to_dict()
    assert int(row["files"]) == files
    assert row["errors"] == "", row["errors"]
    assert row["ref_steps"] > 0
    assert row["f1"] >= bench.F1_MIN, f"F1 {row['f1']:.3f} (tp {row['tp']}, fp {row['fp']}, fn {row['fn']})"
    limit = bench.IC_MAE_MAX.get(group)
    if limit is not None:
        assert row["ic_mae_ms"] <= 1000 * limit, f"IC MAE {row['ic_mae_ms']:.1f} ms"
    if group == "phone":
        assert row["count_err_pct"] <= 100 * bench.COUNT_ERR_MAX, f"count error {row['count_err_pct']:.1f} %"


def test_check_targets_reports_misses() -> None:
    """The benchmark's own target check flags a miss (so the printed verdict can be trusted)."""
    bench = _bench()
    good = pd.DataFrame([{"dataset": "d", "placement": "lower back", "f1": 0.99, "ic_mae_ms": 30.0,
                          "count_err_pct": float("nan"), "errors": ""}])
    assert bench.check_targets(good) == []
    bad = good.assign(f1=0.97, ic_mae_ms=41.0)
    assert len(bench.check_targets(bad)) == 2

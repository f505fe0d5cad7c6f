"""One definition per metric, read by every view.

The summary, report, live metrics, drills and the watch comparison read the same table and give
the same numbers for the same run.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import gait
from gait.apps.watch import COMPARED, compare
from gait.contract.metric_defs import (
    BY_SUMMARY_KEY,
    METRICS,
    label_with_unit,
    summary_value,
    vertical_ratio_pct,
)
from gait.feedback import METRIC_UNITS, CueEngine, load_drills, window_metrics
from gait.synth import GaitParams, SensorParams, synthesize
from gait.views.report.tables import INTERVAL_COLUMNS, interval_table


@pytest.fixture(scope="module")
def run() -> gait.GaitResult:  # type: ignore[name-defined]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = synthesize(
            "run",
            ("foot-left", "foot-right", "sacrum"),
            duration=30.0,
            rate=200.0,
            seed=5,
            gait=GaitParams(),
            sensor=SensorParams(),
        )
    return gait.analyze(rec)


def test_every_view_names_metrics_of_the_table() -> None:
    assert set(METRIC_UNITS) <= set(METRICS)
    assert all(METRIC_UNITS[k] == METRICS[k].unit for k in METRIC_UNITS)
    for drill in load_drills().values():
        for c in drill.checks:
            assert c.metric in METRICS
    for name, label, scale, _ in INTERVAL_COLUMNS:
        assert label == label_with_unit(name)
        assert scale == METRICS[name].scale
    for name in COMPARED:
        assert METRICS[name].summary_key is not None
    for d in METRICS.values():
        assert d.definition
        assert d.source
        assert d.display_unit or d.unit == "count"
    assert len(BY_SUMMARY_KEY) == sum(d.summary_key is not None for d in METRICS.values())


def test_every_summary_metric_is_in_the_table(run) -> None:  # type: ignore[no-untyped-def]
    """Every per-metric value the summary emits (top level and overstride) is defined."""
    s = run.summary
    top = {
        "cadence_spm",
        "stride_length",
        "speed",
        "duty_factor",
        "gct_balance_pct",
        "flight_ms",
        "braking",
        "impact",
        "vertical_oscillation",
        "foot_strike_angle",
        "shank_angle_ic",
    }
    for key in top & set(s):
        assert key in BY_SUMMARY_KEY or key in METRICS, key
    for key, v in s["overstride"].items():
        if isinstance(v, int | float):
            assert f"overstride.{key}" in BY_SUMMARY_KEY, key


def test_vertical_ratio_is_per_step() -> None:
    # VO 8 cm over a 2.4 m stride = 1.2 m step: 6.67 %, the watches' scale
    assert vertical_ratio_pct(np.array([0.08]), np.array([2.4]))[0] == pytest.approx(
        100 * 0.08 / 1.2
    )
    assert math.isnan(vertical_ratio_pct(np.array([0.08]), np.array([0.0]))[0])


def test_summary_report_live_and_drill_agree(run) -> None:  # type: ignore[no-untyped-def]
    s = run.summary
    part = run.steps[run.steps["activity"] == s["activity"]].sort_values("t_ic")
    live = window_metrics(part, window=len(part), min_steps=2)  # what the live page shows
    report = interval_table(part, interval_s=1e6).iloc[0]  # one interval: the whole run
    checked = []
    for name, d in METRICS.items():
        ours = summary_value(s, name)
        if ours is None or live.get(name) is None:
            continue
        # the summary rounds: ms to 0.1, spm and % L to 0.01, the rest to 0.001 or finer
        half_lsb = (
            0.05
            if d.summary_scale == 1000.0
            else (0.005 if name in ("cadence", "gct_balance") else 5e-4)
        )
        tol = 1.01 * half_lsb / d.summary_scale
        assert ours == pytest.approx(live[name], abs=tol, rel=1e-4), name
        if name in report.index:
            assert report[name] == pytest.approx(live[name], rel=1e-9), name
        checked.append(name)
    for must in (
        "cadence",
        "gct",
        "gct_balance",
        "duty_factor",
        "braking",
        "vertical_oscillation",
        "vertical_ratio",
        "foot_strike_angle",
        "rear_share",
        "stride_length",
    ):
        assert must in checked
    # the drill engine is fed the same numbers and reports them unchanged
    eng = CueEngine(load_drills(), baseline={"cadence": 170.0})
    eng.update(10.0, live)
    for drill in eng.state():
        for c in drill["checks"]:
            if c["value"] is not None:
                assert c["value"] == pytest.approx(live[c["metric"]])


def test_compare_fit_finds_our_values(run) -> None:  # type: ignore[no-untyped-def]
    watch = {
        "cadence_spm": 170.0,
        "gct_ms": {"mean": 250.0},
        "gct_balance_pct": 50.0,
        "overstride": {"vertical_oscillation_m": 0.08, "vertical_ratio_pct": 7.0},
    }
    table = compare(run.summary, watch).set_index("metric")
    for label in ("cadence", "ground contact time", "vertical oscillation", "vertical ratio"):
        assert np.isfinite(table.loc[label, "ours"]), label
    vr = run.summary["overstride"]["vertical_ratio_pct"]
    assert table.loc["vertical ratio", "ours"] == pytest.approx(vr)
    assert table.loc["vertical oscillation", "ours"] == pytest.approx(
        100.0 * run.summary["overstride"]["vertical_oscillation_m"]
    )

"""gait.analyze on synthetic sessions: fusion, bouts, drift, chunking, single leg."""

from __future__ import annotations

import importlib
import warnings
from typing import Any

import numpy as np
import pytest

import gait
from gait.contract.recording import Recording
from gait.synth import GaitParams, SensorParams, synthesize

# the module (for monkeypatching); ``gait.analyze(...)`` below is the public function
analyze_mod = importlib.import_module("gait.analysis.pipeline")


def _syn(
    activity: str = "run",
    placements: tuple[str, ...] = ("foot-left", "foot-right", "sacrum"),
    duration: float = 30.0,
    seed: int = 7,
    **kw: Any,
) -> Recording:
    gait_kw = kw.pop("gait_kw", {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return synthesize(
            activity,
            placements,
            duration=duration,
            rate=200.0,
            seed=seed,
            gait=GaitParams(**gait_kw),
            sensor=SensorParams(**kw.pop("sensor_kw", {})),
            **kw,
        )


def _true_cadence(rec: Recording) -> float:
    assert rec.reference is not None
    return float(60.0 / np.mean(np.diff(np.sort(rec.reference.events["t_ic"].to_numpy()))))


def test_feet_plus_sacrum_fusion() -> None:
    rec = _syn()
    res = gait.analyze(rec)
    s = res.summary
    assert s["sources"] == {"left": "foot_left", "right": "foot_right"}
    assert abs(s["cadence_spm"] - _true_cadence(rec)) <= 0.5
    # trunk-only metrics are attached to foot-timed steps
    assert res.steps["vertical_oscillation"].notna().mean() > 0.9
    assert "vertical_ratio_pct" in s["overstride"]
    assert "braking_mps" in s["overstride"]
    assert rec.reference is not None
    ref = rec.reference.events
    gct_true = 1000 * (ref["t_tc"] - ref["t_ic"]).mean()
    assert abs(s["gct_ms"]["mean"] - gct_true) <= 10.0


@pytest.mark.parametrize("placement", ["foot-left", "shank-right"])
def test_single_leg_counts_both_legs(placement: str) -> None:
    rec = _syn(placements=(placement,))
    s = gait.analyze(rec).summary
    assert abs(s["cadence_spm"] - _true_cadence(rec)) <= 0.5
    assert s["gct_balance_pct"] is None  # one side only: no balance


def test_one_foot_plus_sacrum_fills_the_other_side() -> None:
    rec = _syn(placements=("foot-left", "sacrum"))
    res = gait.analyze(rec)
    assert set(res.steps["side"]) == {"left", "right"}
    assert abs(res.summary["cadence_spm"] - _true_cadence(rec)) <= 1.0


def test_drift_follows_injected_fatigue() -> None:
    rec = _syn(duration=60.0, gait_kw={"fatigue_gct_pct": 10.0, "fatigue_cadence_pct": -4.0})
    d = gait.analyze(rec).summary["drift"]
    # linear change over the run: the first and last fifths differ by 80 % of it
    assert d["gct_ms"]["change_pct"] == pytest.approx(8.0, abs=2.0)
    assert d["cadence_spm"]["change_pct"] == pytest.approx(-3.2, abs=1.0)


def test_run_walk_stand_bouts() -> None:
    rec = _syn(
        duration=60.0,
        segments=[
            (0.0, "stand"),
            (5.0, {"activity": "run"}),
            (30.0, {"activity": "walk"}),
            (55.0, "stand"),
        ],
    )
    res = gait.analyze(rec)
    acts = res.steps.set_index("t_ic")["activity"]
    assert (acts.loc[8.0:27.0] == "run").mean() > 0.9
    assert (acts.loc[33.0:52.0] == "walk").mean() > 0.9
    # no contact while standing (the generator lands both feet in the first second)
    t = res.steps["t_ic"]
    assert not (((t > 1.0) & (t < 5.0)) | (t > 56.5)).any()
    assert res.summary["activity_steps"].get("run", 0) > 20


def test_chunked_detection_equals_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stage functions are window-pure: 40 s chunks give the same steps as one pass."""
    rec = _syn(duration=150.0)
    whole = gait.analyze(rec).steps
    monkeypatch.setattr(analyze_mod, "CHUNK_SECONDS", 40.0)
    chunked = gait.analyze(rec).steps
    assert len(chunked) == len(whole)
    np.testing.assert_allclose(chunked["t_ic"], whole["t_ic"], atol=1e-9)
    np.testing.assert_allclose(chunked["gct"], whole["gct"], atol=1e-9, equal_nan=True)


def test_baseline_cadence_relative() -> None:
    rec = _syn()
    true = _true_cadence(rec)
    o = gait.analyze(rec, baseline={"cadence_spm": true * 1.05, "speed": 3.0}).summary["overstride"]
    assert o["cadence"]["relative_pct"] == pytest.approx(100 * (1 / 1.05 - 1), abs=0.5)

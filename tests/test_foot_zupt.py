"""Foot stride length / speed (ZUPT, the accuracy targets) and strike angle / pattern, synthetic."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import gait
from gait.analysis.placements.foot import FootDetector
from gait.synth import GaitParams, SensorParams, synthesize


def _matched(activity: str, *, seed: int = 4, **gait_kw: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = synthesize(
            activity,
            ("foot-left",),
            duration=25.0,
            rate=200.0,
            seed=seed,
            gait=GaitParams(**gait_kw),  # type: ignore[arg-type]
            sensor=SensorParams(rotation="uniform"),
        )
    assert rec.reference is not None
    ref = rec.reference.events
    ref = ref[ref["side"] == "left"].sort_values("t_ic")
    ev = FootDetector()(rec.streams[0], speed=rec.meta.treadmill_speed).sort_values("t_ic")
    det = ev.rename(columns={c: f"d_{c}" for c in ev.columns})
    m = pd.merge_asof(
        ref, det, left_on="t_ic", right_on="d_t_ic", direction="nearest", tolerance=0.05
    )  # type: ignore[arg-type]
    return m.dropna(subset=["d_t_ic"])


@pytest.mark.parametrize(("activity", "speed"), [("run", 3.0), ("run", 4.5), ("walk", 1.3)])
def test_overground_zupt_stride_length_and_speed(activity: str, speed: float) -> None:
    m = _matched(activity, treadmill=False, speed=speed).dropna(subset=["d_stride_length"])
    err = m["d_stride_length"] - m["stride_length"]
    assert abs(err.mean()) <= 0.03  # m, project accuracy target
    assert err.std() <= 0.16
    assert m["d_speed"].mean() == pytest.approx(speed, rel=0.03)
    # per stride too: the stride time runs contact to contact (the flat instant wanders)
    assert m["d_speed"].std() <= 0.05


def test_treadmill_uses_belt_speed() -> None:
    m = _matched("run", treadmill=True, speed=3.3).dropna(subset=["d_speed"])
    np.testing.assert_allclose(m["d_speed"], 3.3)
    assert (m["d_stride_length"] - m["stride_length"]).abs().mean() < 0.05


@pytest.mark.parametrize(("fsa", "pattern"), [(12.0, "rear"), (3.0, "mid"), (-9.0, "fore")])
def test_strike_angle_and_pattern(fsa: float, pattern: str) -> None:
    m = _matched("run", foot_strike_angle=fsa)
    err = m["d_foot_strike_angle"] - m["foot_strike_angle"]
    assert abs(err.mean()) <= 4.0  # deg, project accuracy target
    assert err.std() <= 6.0
    assert (m["d_strike"] == pattern).mean() >= 0.9


def test_strike_distribution_in_summary() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = synthesize(
            "run",
            ("foot-left", "foot-right"),
            duration=25.0,
            seed=5,
            gait=GaitParams(foot_strike_angle=-9.0),
        )
    o = gait.analyze(rec).summary["overstride"]
    assert o["strike"]["fore"] >= 0.9

"""Overstriding measured in absolute terms (no baseline), on synthetic sweeps with truth."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gait
from gait.analysis.overstride import (
    BRAKING_MAX_MPS,
    BRAKING_SHARE_MAX,
    SHANK_IC_MAX_DEG,
    STEEP_STRIKE_MIN_DEG,
    overstride_flag,
)
from gait.contract.recording import Recording
from gait.feedback import load_drills
from gait.synth import GaitParams, SensorParams, synthesize


def _rec(placements: tuple[str, ...], **gait_kw: Any) -> Recording:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return synthesize(
            "run",
            placements,
            duration=30.0,
            rate=200.0,
            seed=3,
            gait=GaitParams(**gait_kw),
            sensor=SensorParams(),
        )


def test_truth_has_foot_ahead() -> None:
    rec = _rec(("sacrum",), overstride=0.35)
    assert rec.reference is not None
    assert rec.reference.events["foot_ahead"].dropna().to_numpy() == pytest.approx(0.35)


def test_sacrum_flags_an_overstriding_run_without_baseline() -> None:
    """An overstriding run (overstride 0.35 m, strike 3°, braking 0.6 m/s) from a sacrum sensor."""
    o = gait.analyze(
        _rec(("sacrum",), overstride=0.35, foot_strike_angle=3.0, braking=0.6)
    ).summary["overstride"]
    assert o["cadence"]["baseline_spm"] is None
    # A landing 0.35 m ahead brakes over 0.42 of stance (gait.synth.landing), twice the
    # default: the detector's read-out error integrates for longer, +0.027 m/s with ideal
    # sensors and +0.030 with default ones (+0.015 at the default landing, see
    # test_sacrum_braking_tracks_the_truth), so 0.035 here.
    assert o["braking_mps"] == pytest.approx(0.6, abs=0.035)
    assert o["overstriding"]["flag"] is True
    # the landing 0.35 m ahead also brakes longer (gait.synth.landing)
    assert [r["metric"] for r in o["overstriding"]["reasons"]] == ["braking", "braking_share"]
    normal = gait.analyze(_rec(("sacrum",))).summary["overstride"]
    assert normal["overstriding"]["flag"] is False


@pytest.mark.parametrize(("braking", "fsa"), [(0.12, 15.0), (0.35, 3.0), (0.6, 15.0)])
def test_sacrum_braking_tracks_the_truth(braking: float, fsa: float) -> None:
    """The sharp braking trough of the first ~20 % of stance is read to within 0.03 m/s."""
    o = gait.analyze(_rec(("sacrum",), braking=braking, foot_strike_angle=fsa)).summary[
        "overstride"
    ]
    assert o["braking_mps"] == pytest.approx(braking, abs=0.03)


@pytest.mark.parametrize("fsa", [-5.0, 10.0, 20.0])
def test_shank_angle_at_contact_matches_truth(fsa: float) -> None:
    rec = _rec(("shank-left", "shank-right"), foot_strike_angle=fsa)
    assert rec.reference is not None
    true = float(rec.reference.events["shank_angle_ic"].mean())
    o = gait.analyze(rec).summary["overstride"]
    # the detector's IC-to-mid-stance swing minus the mid-stance lean, applied exactly once
    assert o["shank_angle_ic_deg"] == pytest.approx(true, abs=1.5)
    assert o["overstriding"]["flag"] is (true > SHANK_IC_MAX_DEG)


def test_foot_strike_angle_and_steep_heel_strike() -> None:
    rec = _rec(("foot-left", "foot-right"), foot_strike_angle=20.0)
    o = gait.analyze(rec).summary["overstride"]
    assert o["strike"]["rear"] > 0.9
    assert o["foot_strike_angle_deg"] == pytest.approx(20.0, abs=6.0)
    assert o["overstriding"]["flag"] is True
    mid = gait.analyze(_rec(("foot-left", "foot-right"), foot_strike_angle=3.0)).summary[
        "overstride"
    ]
    assert mid["strike"]["mid"] > 0.8
    assert mid["overstriding"]["flag"] is False


def test_flag_logic_and_drill_thresholds() -> None:
    assert overstride_flag({})["flag"] is None
    assert overstride_flag({"braking_mps": BRAKING_MAX_MPS - 0.01})["flag"] is False
    f = overstride_flag({"braking_mps": 0.1, "shank_angle_ic_deg": SHANK_IC_MAX_DEG + 1})
    assert f["flag"] is True
    assert f["reasons"][0]["metric"] == "shank_angle_ic"
    checks = {c.metric: c for c in load_drills()["overstride"].checks}
    # the drill fires on the same absolute thresholds, with no baseline to learn
    for metric, th in (
        ("shank_angle_ic", SHANK_IC_MAX_DEG),
        ("braking", BRAKING_MAX_MPS),
        ("braking_share", BRAKING_SHARE_MAX),
        ("foot_strike_angle", STEEP_STRIKE_MIN_DEG),
    ):
        assert not checks[metric].relative
        assert checks[metric].high == th
        assert np.isnan(checks[metric].low)


def test_report_and_replayed_drill_show_the_overstride(tmp_path: Path) -> None:
    """Issue 12: the report of the issue's run said nothing; now the headline and drill do."""
    from gait.feedback import replay_cues
    from gait.views.report.build import build_report

    res = gait.analyze(_rec(("sacrum",), overstride=0.35, foot_strike_angle=3.0, braking=0.6))
    events, _ = replay_cues(res.steps, {"overstride": load_drills()["overstride"]})
    assert any(e.metric == "braking" and e.state == "high" for e in events)
    html = build_report(res, cues=events, path=tmp_path / "r.html").read_text()
    # the metric table's label, unit and decimals: "yes: braking 0.62 m/s > 0.50 m/s"
    assert "overstriding" in html
    assert re.search(r"yes: braking 0\.\d\d m/s &gt; 0\.50 m/s", html)

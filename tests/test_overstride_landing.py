"""Overstriding seen by feet + sacrum without a baseline (issue 12, item 1).

The generator's ``overstride`` (heel ahead of the pelvis at contact) now drives what the
sensors carry: the shank angle at contact and the braking duration (gait.synth.landing).
The sacrum reads the end of braking; its share of stance is the absolute indicator.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import gait
from gait.analysis.overstride import BRAKING_SHARE_MAX
from gait.cli import main
from gait.feedback import load_drills
from gait.synth import GaitParams, SensorParams, synthesize
from gait.synth.landing import (
    REF_BRAKE_SHARE,
    REF_BRAKING,
    REF_OVERSTRIDE,
    braking_share,
    default_braking,
    shank_ic_increment_deg,
)

ROOT = Path(__file__).resolve().parents[1]


def _summary(tmp_path: Path, name: str, synth_args: list[str]) -> dict:  # type: ignore[type-arg]
    rec = tmp_path / f"{name}.gaitrec"
    out = tmp_path / f"{name}.json"
    assert main(["synth", *synth_args, "-o", str(rec)]) == 0
    assert main(["analyze", str(rec), "--summary-json", str(out), "--no-save"]) == 0
    return dict(json.loads(out.read_text()))


def test_issue_example_is_flagged_and_the_default_run_is_not(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The issue's own commands: feet + sacrum (the default placements), no baseline."""
    over = _summary(
        tmp_path, "x", ["--overstride", "0.35", "--strike-angle", "3", "--braking", "0.3"]
    )["overstride"]
    assert over["cadence"]["baseline_spm"] is None
    assert over["overstriding"]["flag"] is True
    reasons = {r["metric"]: r for r in over["overstriding"]["reasons"]}
    assert set(reasons) == {"braking_share"}  # braking 0.3 m/s and a 3° strike stay in band
    assert reasons["braking_share"]["value"] > BRAKING_SHARE_MAX
    assert over["foot_ahead_m"] == pytest.approx(0.35, abs=0.05)
    text = capsys.readouterr().out
    assert "overstriding: braking share" in text
    normal = _summary(tmp_path, "n", ["--activity", "run"])["overstride"]
    assert normal["overstriding"]["flag"] is False
    assert "braking_share" in normal["overstriding"]["measured"]
    assert normal["braking_share_pct"] < 100 * BRAKING_SHARE_MAX - 5
    assert normal["foot_ahead_m"] == pytest.approx(REF_OVERSTRIDE, abs=0.05)


def test_report_of_the_issue_example_leads_with_the_overstride(tmp_path: Path) -> None:
    rec = tmp_path / "x.gaitrec"
    html = tmp_path / "x.html"
    args = ["--overstride", "0.35", "--strike-angle", "3", "--braking", "0.3", "--duration", "30"]
    assert main(["synth", *args, "-o", str(rec)]) == 0
    assert main(["report", str(rec), "--out", str(html)]) == 0
    page = html.read_text()
    assert "braking share" in page
    assert "yes: braking share" in page


def _run(placements: tuple[str, ...], overstride: float) -> tuple[dict, float]:  # type: ignore[type-arg]
    """Summary ``overstride`` block and the true mean braking time (s) of a 20 s run."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = synthesize(
            "run",
            placements,
            duration=20.0,
            rate=200.0,
            seed=5,
            gait=GaitParams(overstride=overstride, foot_strike_angle=10.0),
            sensor=SensorParams(),
        )
    assert rec.reference is not None
    bt = float(rec.reference.events["braking_time"].mean())
    return dict(gait.analyze(rec).summary["overstride"]), bt


SWEEP = (0.10, 0.20, 0.30, 0.40, 0.50)


@pytest.mark.slow
def test_sweep_over_landing_distance_gives_monotone_indicators() -> None:
    """Braking share, foot-ahead and shank angle at contact rise with the landing distance.

    Feet + sacrum give the first two, shanks the third. The flag turns on between 0.20 and
    0.40 m.
    """
    runs = [_run(("foot-left", "foot-right", "sacrum"), d) for d in SWEEP]
    trunk = [o for o, _ in runs]
    share = [o["braking_share_pct"] for o in trunk]
    ahead = [o["foot_ahead_m"] for o in trunk]
    assert np.all(np.diff(share) > 0), share
    assert np.all(np.diff(ahead) > 0), ahead
    # the estimate reads the true braking time (speed 3 m/s): the pelvis travel until it is
    # over the foot's centre of pressure, a few cm short of the heel's distance
    true_travel = np.array([3.0 * bt for _, bt in runs])
    err = np.array(ahead) - true_travel
    # within 2 cm from 0.20 to 0.40 m, where the threshold sits; compressed at the ends
    # (measured: +5.4 cm on a 26 ms braking phase at 0.10 m, -2.5 cm at 0.50 m)
    assert np.abs(err[1:4]).max() < 0.02, (ahead, true_travel)
    assert np.abs(err).max() < 0.06, (ahead, true_travel)
    flags = [o["overstriding"]["flag"] for o in trunk]
    assert flags[:2] == [False, False], flags
    assert flags[-2:] == [True, True], flags
    shank = [_run(("shank-left", "shank-right"), d)[0]["shank_angle_ic_deg"] for d in SWEEP]
    assert np.all(np.diff(shank) > 0), shank


def test_landing_geometry() -> None:
    """The leg turns about the hip; braking lasts until the pelvis passes over the foot.

    Shank angle: ~66°/m near 0.2 m, not the 127°/m of a shank turning about a fixed knee.
    """
    assert shank_ic_increment_deg(REF_OVERSTRIDE) == 0.0
    slope = (shank_ic_increment_deg(0.21) - shank_ic_increment_deg(0.19)) / 0.02
    assert 60.0 < slope < 75.0
    assert shank_ic_increment_deg(0.35) == pytest.approx(10.5, abs=0.5)
    assert braking_share(REF_OVERSTRIDE, 3.0, 0.26) == pytest.approx(REF_BRAKE_SHARE)
    # 0.15 m further ahead at 3 m/s brakes 50 ms longer
    extra = (braking_share(0.35, 3.0, 0.26) - REF_BRAKE_SHARE) * 0.26
    assert extra == pytest.approx(0.05)
    assert default_braking(REF_OVERSTRIDE, 3.0, 0.26) == pytest.approx(REF_BRAKING)
    assert default_braking(0.35, 3.0, 0.26) > REF_BRAKING
    p = GaitParams().resolved("run")
    assert p.braking == pytest.approx(REF_BRAKING, abs=1e-3)
    assert GaitParams(braking=0.3).resolved("run").braking == 0.3
    assert GaitParams().resolved("walk").braking == 0.10


def test_truth_braking_time_follows_the_landing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = synthesize(
            "run", ("sacrum",), duration=10.0, seed=1, gait=GaitParams(overstride=0.35)
        )
    assert rec.reference is not None
    ev = rec.reference.events.dropna(subset=["gct"])
    share = (ev["braking_time"] / ev["gct"]).to_numpy()
    want = [braking_share(0.35, 3.0, g) for g in ev["gct"]]
    assert share == pytest.approx(want, rel=1e-9)


def test_drill_checks_the_braking_share_on_the_same_threshold() -> None:
    checks = {c.metric: c for c in load_drills()["overstride"].checks}
    c = checks["braking_share"]
    assert not c.relative
    assert c.high == BRAKING_SHARE_MAX
    assert math.isnan(c.low)


@pytest.mark.realdata
def test_real_runner_is_not_flagged() -> None:
    """The one real runner (sacrum only) stays below the braking-share threshold.

    Alcantara et al. 2022, 16 treadmill trials: 17.7-32.0 % per trial when measured.
    """
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import validate_running as vr

    cases = [c for c in vr.load_cases() if c.dataset == vr.ALCANTARA]
    assert len(cases) == 16
    shares = []
    for c in cases:
        o = gait.analyze(c.recording).summary["overstride"]
        assert o["overstriding"]["flag"] is False, c.name
        shares.append(o["braking_share_pct"])
    assert max(shares) < 100 * BRAKING_SHARE_MAX
    assert min(shares) > 10.0


@pytest.mark.parametrize(
    ("stem", "flag"), [("treadmill_run", False), ("phone_belt_run", False), ("walk", None)]
)
def test_samples_are_not_flagged(tmp_path: Path, stem: str, flag: bool | None) -> None:
    """The shipped samples land at the default 0.20 m; a walk is not checked at all."""
    out = tmp_path / "s.json"
    sample = ROOT / "samples" / f"{stem}.gaitrec"
    assert main(["analyze", str(sample), "--summary-json", str(out), "--no-save"]) == 0
    check = json.loads(out.read_text())["overstride"]["overstriding"]
    assert check["flag"] is flag
    if flag is None:
        assert check["measured"] == []

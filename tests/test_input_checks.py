"""Plausibility checks on input (issue 12 item 3): units from gravity, side, placement.

The three user cases are reproduced with the synthetic generator: a shoe CSV without
``--side``, a file in g without ``--acc-unit g`` and a foot file read as ``--placement
sacrum``. Each wrong input must err, warn or flag; each right input must stay silent (also
on real recordings: no false alarms).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gait
from gait.analysis.quality.plausibility import (
    acc_unit_from_gravity,
    gravity_estimate,
    input_checks,
    resolve_acc_unit,
    resolve_gyr_unit,
    side_checks,
)
from gait.cli import main
from gait.contract.errors import UnitError
from gait.contract.recording import Recording, SessionMeta, Stream
from gait.io import ReadOptions, read
from gait.io.units import G
from gait.synth import synthesize
from gait.synth.params import GaitParams

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"
SPEED = 3.0  # the generator's default running speed, m/s


@pytest.fixture(scope="module")
def run_rec() -> Recording:
    """30 s of synthetic running with both feet and a sacrum sensor."""
    return synthesize("run", ("foot-left", "foot-right", "sacrum"), duration=30.0, seed=3)


def _truth_cadence(rec: Recording) -> float:
    assert rec.reference is not None
    t = np.sort(rec.reference.events["t_ic"].to_numpy())
    return 60.0 / float(np.median(np.diff(t)))


def _csv(path: Path, st: Stream, acc_k: float = 1.0, gyr_k: float = 1.0) -> Path:
    """``st`` as a generic CSV with acc divided by ``acc_k`` and gyr multiplied by ``gyr_k``."""
    assert st.gyr is not None
    cols = {
        "t": st.t,
        **{f"acc_{a}": st.acc[:, i] / acc_k for i, a in enumerate("xyz")},
        **{f"gyr_{a}": st.gyr[:, i] * gyr_k for i, a in enumerate("xyz")},
    }
    pd.DataFrame(cols).to_csv(path, index=False)
    return path


def _codes(summary: dict[str, object]) -> set[str]:
    return {str(c["code"]) for c in summary["input_checks"]}  # type: ignore[attr-defined, index]


# ----------------------------------------------------------------- units from gravity


def test_gravity_tells_g_from_ms2_on_every_synthetic_placement() -> None:
    rec = synthesize(
        "run", ("foot-left", "shank-left", "sacrum", "phone-belt"), duration=20.0, seed=1
    )
    walk = synthesize("walk", ("foot-left", "shank-left", "sacrum"), duration=20.0, seed=1)
    # a sprint: the swinging foot's centripetal acceleration lifts its mean vector to ~3.7 g
    sprint = synthesize(
        "run",
        ("foot-left", "shank-left"),
        duration=20.0,
        seed=1,
        gait=GaitParams(speed=6.0, cadence=196.0),
    )
    for st in rec.streams + walk.streams + sprint.streams:
        grav = gravity_estimate(st.acc, st.rate)
        assert acc_unit_from_gravity(grav) == "m/s2", (st.name, grav)
        assert acc_unit_from_gravity(gravity_estimate(st.acc / G, st.rate)) == "g", st.name
        assert resolve_acc_unit(st.acc / G, st.rate, None) == "g"
        assert resolve_acc_unit(st.acc, st.rate, None) == "m/s2"


def test_contradicting_units_name_the_option(run_rec: Recording) -> None:
    foot = run_rec.streams[0]
    with pytest.raises(UnitError, match="--acc-unit m/s2 contradicts"):
        resolve_acc_unit(foot.acc / G, foot.rate, "m/s2")
    with pytest.raises(UnitError, match="--acc-unit g contradicts"):
        resolve_acc_unit(foot.acc, foot.rate, "g")
    assert resolve_acc_unit(foot.acc / G, foot.rate, "g") == "g"  # a right unit is kept
    assert foot.gyr is not None
    deg = foot.gyr * 180.0 / np.pi
    assert resolve_gyr_unit(deg, None) == "deg/s"
    assert resolve_gyr_unit(foot.gyr, None) == "rad/s"
    with pytest.raises(UnitError, match="--gyr-unit rad/s contradicts"):
        resolve_gyr_unit(deg, "rad/s")
    sacrum = run_rec.by_placement("sacrum")[0]
    assert sacrum.gyr is not None  # a quiet trunk in rad/s is never taken for °/s
    assert resolve_gyr_unit(sacrum.gyr, None) == "rad/s"


def test_user_case_file_in_g_without_acc_unit(
    tmp_path: Path, run_rec: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: speed 0.32 m/s, exit 0. Now the unit is inferred and the speed is right."""
    foot = run_rec.streams[0]
    p = _csv(tmp_path / "shoe_g.csv", foot, acc_k=G)
    s = read(p, ReadOptions(side="left")).streams[0]
    assert s.device["acc_unit"] == "g"
    assert "acc_unit=g" in s.device["units_inferred"]
    np.testing.assert_allclose(s.acc, foot.acc, atol=1e-9)
    js = tmp_path / "s.json"
    assert main(["analyze", str(p), "--side", "left", "--no-save", "--summary-json", str(js)]) == 0
    summary = json.loads(js.read_text())
    assert summary["speed_mps"] == pytest.approx(SPEED, rel=0.05)
    assert "acc_unit_suspect" not in _codes(summary)
    # the contradicting unit is an error naming the option (exit 2, no traceback)
    capsys.readouterr()
    assert main(["analyze", str(p), "--side", "left", "--acc-unit", "m/s2", "--no-save"]) == 2
    assert "--acc-unit" in capsys.readouterr().err


def test_gyro_in_degrees_without_gyr_unit(tmp_path: Path, run_rec: Recording) -> None:
    foot = run_rec.streams[0]
    p = _csv(tmp_path / "shoe_deg.csv", foot, gyr_k=180.0 / np.pi)
    s = read(p, ReadOptions(side="left")).streams[0]
    assert s.device["gyr_unit"] == "deg/s"
    assert s.gyr is not None
    assert foot.gyr is not None
    np.testing.assert_allclose(s.gyr, foot.gyr, atol=1e-9)
    with pytest.raises(UnitError, match="--gyr-unit"):
        read(p, ReadOptions(side="left", gyr_unit="rad/s"))


def test_stream_in_g_inside_a_recording_is_flagged(run_rec: Recording) -> None:
    """A reader or file that left the numbers in g: flagged, with a message naming the option."""
    sac = run_rec.by_placement("sacrum")[0]
    wrong = Stream("sacrum", None, sac.t, sac.acc / G, sac.gyr, rate=sac.rate)
    checks = input_checks(
        Recording(SessionMeta(), [wrong]), [("sacrum", "sacrum", None, 80)], False, []
    )
    assert [c.code for c in checks] == ["acc_unit_suspect"]
    assert "--acc-unit" in checks[0].message
    assert (
        input_checks(Recording(SessionMeta(), [sac]), [("sacrum", "sacrum", None, 80)], False, [])
        == []
    )


# ----------------------------------------------------------------- side


def test_user_case_one_shoe_without_side(
    tmp_path: Path, run_rec: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: cadence 81.8 spm (half) and flight 463 ms.

    Now: the runner's cadence, no flight, no balance, and a warning that names --side.
    """
    p = _csv(tmp_path / "shoe.csv", run_rec.streams[0])
    js = tmp_path / "s.json"
    capsys.readouterr()
    assert main(["analyze", str(p), "--no-save", "--summary-json", str(js)]) == 0
    err = capsys.readouterr().err
    s = json.loads(js.read_text())
    assert s["cadence_spm"] == pytest.approx(_truth_cadence(run_rec), rel=0.02)
    assert s["flight_ms"] is None
    assert s["gct_balance_pct"] is None
    assert s["asymmetry"] == []
    assert {"side_unknown", "one_leg"} <= _codes(s)
    assert "input_check:one_leg" in s["flags"]
    assert "--side" in err
    assert "not reported" in err
    # with --side the side is known; one leg is still one leg
    assert main(["analyze", str(p), "--side", "left", "--no-save", "--summary-json", str(js)]) == 0
    s = json.loads(js.read_text())
    assert _codes(s) == {"one_leg"}
    assert s["flight_ms"] is None


def test_both_feet_stay_silent(run_rec: Recording) -> None:
    feet = Recording(run_rec.meta, run_rec.by_placement("foot"))
    for rec in (run_rec, feet):
        res = gait.analyze(rec)
        assert res.summary["input_checks"] == []
        assert not [f for f in res.flags if f.startswith(("input_check", "placement_"))]
        assert res.summary["flight_ms"] is not None
        assert res.summary["gct_balance_pct"] is not None


def test_two_feet_labelled_the_same_side(run_rec: Recording) -> None:
    left, right = run_rec.by_placement("foot")
    dup = Stream("foot", "left", right.t, right.acc, right.gyr, rate=right.rate, name="foot_left_2")
    res = gait.analyze(Recording(SessionMeta(), [left, dup]))
    codes = _codes(res.summary)
    assert "side_twice" in codes
    assert "one_leg" in codes
    assert res.summary["gct_balance_pct"] is None
    assert res.summary["symmetry"] == {}


def test_a_foot_without_side_next_to_a_labelled_one_is_inferred(run_rec: Recording) -> None:
    left, right = run_rec.by_placement("foot")
    nameless = Stream("foot", None, right.t, right.acc, right.gyr, rate=right.rate, name="foot_x")
    res = gait.analyze(Recording(SessionMeta(), [left, nameless]))
    assert _codes(res.summary) == {"side_inferred"}
    assert res.summary["sources"] == {"left": "foot_left", "right": "foot_x"}
    assert res.summary["gct_balance_pct"] == pytest.approx(50.0, abs=2.0)  # both legs measured
    # two feet without any side: one leg is used, and the summary says so
    lu = Stream("foot", None, left.t, left.acc, left.gyr, rate=left.rate, name="foot_y")
    res = gait.analyze(Recording(SessionMeta(), [lu, nameless]))
    assert {"side_unknown", "sides_ambiguous", "one_leg"} <= _codes(res.summary)
    assert res.summary["flight_ms"] is None
    assert res.summary["gct_balance_pct"] is None


def test_side_checks_pure() -> None:
    assert (
        side_checks([("foot_left", "foot", "left", 40), ("foot_right", "foot", "right", 40)], False)
        == []
    )
    assert side_checks([("sacrum", "sacrum", None, 80)], False) == []
    two_unknown = side_checks([("a", "foot", None, 40), ("b", "foot", None, 40)], True)
    assert {c.code for c in two_unknown} == {"side_unknown", "sides_ambiguous", "one_leg"}


# ----------------------------------------------------------------- placement


def test_user_case_foot_read_as_sacrum(
    tmp_path: Path, run_rec: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: GCT balance from a foot analysed as a sacrum, silently. Now: warning + flag."""
    p = _csv(tmp_path / "shoe.csv", run_rec.streams[0])
    js = tmp_path / "s.json"
    capsys.readouterr()
    assert (
        main(["analyze", str(p), "--placement", "sacrum", "--no-save", "--summary-json", str(js)])
        == 0
    )
    err = capsys.readouterr().err
    s = json.loads(js.read_text())
    assert "placement_suspect:sacrum:looks_like_leg" in s["flags"]
    (check,) = s["input_checks"]
    assert check["code"] == "placement_suspect"
    assert "gct_balance_pct" in check["metrics"]
    assert "warning" in err
    assert "--placement" in err


def test_sacrum_labelled_sacrum_stays_silent(
    tmp_path: Path, run_rec: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    p = _csv(tmp_path / "sacrum.csv", run_rec.by_placement("sacrum")[0])
    js = tmp_path / "s.json"
    capsys.readouterr()
    assert (
        main(["analyze", str(p), "--placement", "sacrum", "--no-save", "--summary-json", str(js)])
        == 0
    )
    assert "warning" not in capsys.readouterr().err
    s = json.loads(js.read_text())
    assert s["input_checks"] == []
    assert s["cadence_spm"] == pytest.approx(_truth_cadence(run_rec), rel=0.02)


# ----------------------------------------------------------------- real data: no false alarms


@pytest.mark.realdata
def test_no_false_alarms_on_real_recordings() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from input_checks import stream_row

    files = [
        REAL / "gaitmap_feet_walk" / "imu_sample_not_rotated.csv",
        REAL / "ipol_feet_lowerback_walk" / "1-1_lb.txt",
        REAL / "ipol_feet_lowerback_walk" / "6-1_lb.txt",  # the lower back turning fastest
        *sorted((REAL / "oxford_phone_walk").glob("user1_hand_*.csv")),
    ]
    assert len(files) == 4
    for f in files:
        rec = read(f)
        for st in rec.streams:
            assert stream_row(st)["fails"] == "", (f.name, st.name)
        res = gait.analyze(rec)
        assert res.summary["input_checks"] == [], f.name
    bach = read(f"{REAL / 'bach_shank_run_walk' / 'walk+run_dev.mat'}::1")
    for st in bach.streams:
        assert stream_row(st)["fails"] == ""

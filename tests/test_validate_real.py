"""Real-data validation, out of sample (issue 11): fails when a bound is missed; never skips.

Runs ``benchmarks/validate_real.py``'s :func:`evaluate` on every recording in
``../shared/data/real`` (read with ``gait.io.read``). Subjects are split in code
(``DEV_SUBJECTS``): the targets of issue 11 are checked on the *test* subjects, which no
detector constant or rule was chosen on (IPOL subjects 6–10). Where a target is not met yet,
the bound asserted is the value reached (so a regression fails) and the gap is written next
to it; such bounds are in :data:`REACHED`, never silently skipped. The matching rules and
scored regions are documented in the benchmark module.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.realdata

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
IPOL = "ipol_feet_lowerback_walk"
MOBGAP = "mobgap_lowerback_walk"

#: Targets of issue 11 not met yet: (dataset, placement, condition, metric) → (bound
#: asserted = the value reached, rounded against us; the target; why). Tighten as they improve.
REACHED: dict[tuple[str, str, str, str], tuple[float, float, str]] = {
    (MOBGAP, "lower back", "Test11", "f1"): (
        0.795,
        0.85,
        "turning and shuffling steps of the daily-living walk barely load the trunk "
        "(measured 0.800; 0.810 before the braking-onset IC rule moved one step of 001 early)",
    ),
}


def _bench() -> ModuleType:
    if "validate_real" in sys.modules:
        return sys.modules["validate_real"]
    spec = importlib.util.spec_from_file_location(
        "validate_real", ROOT / "benchmarks" / "validate_real.py"
    )
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["validate_real"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def per_file() -> pd.DataFrame:
    return _bench().evaluate(REAL)


@pytest.fixture(scope="module")
def summary(per_file: pd.DataFrame) -> pd.DataFrame:
    return _bench().summarize(per_file)


@pytest.fixture(scope="module")
def per_subject(per_file: pd.DataFrame) -> pd.DataFrame:
    bench = _bench()
    return bench.summarize(per_file, bench.SUBJECT_KEYS)


def _row(table: pd.DataFrame, **where: object) -> dict[Any, Any]:
    sel = table
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (where, len(sel))
    row: dict[Any, Any] = sel.iloc[0].to_dict()
    assert row["errors"] == "", row["errors"]
    assert row["ref_steps"] > 0
    return row


def _bound(key: tuple[str, str, str, str], target: float) -> float:
    return REACHED[key][0] if key in REACHED else target


def test_split_is_fixed_in_code_and_out_of_sample(per_file: pd.DataFrame) -> None:
    """Every IPOL subject 1-10 is scored; subjects 6-10 are test, and test rows never pool dev."""
    bench = _bench()
    ipol = per_file[per_file["dataset"] == IPOL]
    assert sorted(ipol["subject"].unique(), key=int) == [str(k) for k in range(1, 11)]
    assert set(ipol.loc[ipol["split"] == "test", "subject"]) == {"6", "7", "8", "9", "10"}
    # the defaults of issue 3 were chosen on subjects 1-2: they must be dev
    assert {"1", "2"} <= bench.DEV_SUBJECTS[IPOL]
    for (_, subj), g in per_file.groupby(["dataset", "subject"]):
        assert g["split"].nunique() == 1, subj
    assert bench.split_of(IPOL, "7") == "test"
    assert bench.split_of(IPOL, "3") == "dev"


def test_ipol_feet_out_of_sample(summary: pd.DataFrame) -> None:
    r = _row(summary, dataset=IPOL, placement="feet", split="test", tol_ms=100)
    assert r["subjects"] == 5
    assert r["files"] == 60
    assert r["f1"] >= 0.98, r
    assert r["ic_mae_ms"] <= 20.0, r
    # target 30 ms; measured 5.9 ms (toe-off at 70 % recovery of the push-off pitch rate)
    assert r["tc_mae_ms"] <= 7.0, r


def test_ipol_feet_every_test_subject(per_subject: pd.DataFrame) -> None:
    """Issue 11 targets per test subject: F1 ≥ 0.98 and TC ≤ 30 ms.

    Measured F1 ≥ 0.987 and TC 3.7-8.2 ms, so the TC bound asserted is 10 ms. Development
    subjects stay bounded too (TC 4.8-17.8 ms).
    """
    rows = per_subject[
        (per_subject["dataset"] == IPOL)
        & (per_subject["placement"] == "feet")
        & (per_subject["tol_ms"] == 100)
    ]
    test = rows[rows["split"] == "test"]
    assert sorted(test["subject"], key=int) == ["6", "7", "8", "9", "10"]
    assert (test["f1"] >= 0.98).all(), test[["subject", "f1"]]
    assert (test["tc_mae_ms"] <= 10.0).all(), test[["subject", "tc_mae_ms"]]
    dev = rows[rows["split"] == "dev"]
    assert (dev["tc_mae_ms"] <= 20.0).all(), dev[["subject", "tc_mae_ms"]]


def test_ipol_feet_confidence_orders_the_error(per_file: pd.DataFrame) -> None:
    """The foot confidence predicts the error on test subjects (its form was chosen on dev).

    Steps with confidence ≥ 0.5 have lower IC and TC errors than the others (measured TC MAE
    5.8 vs 6.7 ms, IC MAE 13.5 vs 20.4 ms), and IC error falls band by band.
    """
    bench = _bench()
    feet = per_file[
        (per_file["dataset"] == IPOL)
        & (per_file["placement"] == "feet")
        & (per_file["split"] == "test")
    ]
    two = bench.confidence_table(feet, edges={"feet": (0.0, 0.5, 1.01)})
    assert len(two) == 2, two
    low, high = two.iloc[0], two.iloc[1]
    assert low["steps"] >= 50, two
    assert high["steps"] >= 500, two
    assert high["ic_mae_ms"] < low["ic_mae_ms"], two
    assert high["tc_mae_ms"] < low["tc_mae_ms"], two
    assert high["tc_p90_ms"] <= low["tc_p90_ms"], two
    assert high["tc_mae_ms"] <= 7.0, two
    three = bench.confidence_table(feet)
    assert len(three) == 3, three
    assert np.all(np.diff(three["ic_mae_ms"].to_numpy()) < 0), three


def test_ipol_lower_back_out_of_sample(summary: pd.DataFrame) -> None:
    r = _row(summary, dataset=IPOL, placement="lower back", split="test", tol_ms=100)
    assert r["subjects"] == 5
    assert r["files"] == 30
    assert r["f1"] >= _bound((IPOL, "lower back", "", "f1"), 0.97), r
    assert r["side_pct"] >= _bound((IPOL, "lower back", "", "side_pct"), 97.0), r
    # issue 3's bound is 40 ms; measured 17.2 ms (18.5 before the push-off rule of
    # sacrum._weight_acceptance)
    assert r["ic_mae_ms"] <= 20.0, r


def test_every_ipol_subject_holds(per_subject: pd.DataFrame) -> None:
    """No subject collapses (a flipped foot axis once scored 0 of 14 steps on one foot)."""
    ipol = per_subject[(per_subject["dataset"] == IPOL) & (per_subject["tol_ms"] == 100)]
    feet = ipol[ipol["placement"] == "feet"]
    back = ipol[ipol["placement"] == "lower back"]
    assert len(feet) == 10
    assert len(back) == 10
    assert feet["f1"].min() >= 0.97, feet[["subject", "f1"]]
    # lower back: measured F1 0.947-0.991 per subject. Subject 4 (dev) read IC 73 ms early
    # (F1 0.871) while its push-off rise was taken for the weight acceptance; with the
    # braking onset bounding that search (sacrum._weight_acceptance) it reads 15.9 ms MAE,
    # bias -6.0 ms, F1 0.971.
    assert back["f1"].min() >= 0.94, back[["subject", "f1"]]
    s4 = back[back["subject"] == "4"].iloc[0]
    assert s4["f1"] >= 0.96, s4
    assert s4["ic_mae_ms"] <= 20.0, s4
    assert abs(s4["ic_bias_ms"]) <= 12.0, s4
    # lower-back sides (yaw + pelvic roll, forward sign voted from the data): every test
    # subject ≥ 97 % (measured 99.0-100); dev subject 4 scores 65 % because trials 4-1 and
    # 4-2 read fully reversed on every trunk cue (README), the other dev subjects ≥ 99 %.
    test_back = back[back["split"] == "test"]
    assert len(test_back) == 5, test_back[["subject", "side_pct"]]
    assert test_back["side_pct"].min() >= 97.0, test_back[["subject", "side_pct"]]
    dev_back = back[(back["split"] == "dev") & (back["subject"] != "4")]
    assert dev_back["side_pct"].min() >= 99.0, dev_back[["subject", "side_pct"]]


@pytest.mark.parametrize(("test", "target"), [("Test5", 0.98), ("Test11", 0.85)])
def test_mobilise_d_straight_and_daily_living_walks(
    summary: pd.DataFrame, test: str, target: float
) -> None:
    """Test5 (straight walk) and Test11 (daily-living walk) are scored and bounded separately."""
    r = _row(summary, dataset=MOBGAP, placement="lower back", condition=test, tol_ms=100)
    assert r["f1"] >= _bound((MOBGAP, "lower back", test, "f1"), target), r
    wide = _row(summary, dataset=MOBGAP, placement="lower back", condition=test, tol_ms=200)
    assert wide["f1"] >= r["f1"]  # a wider window can only match more
    if test == "Test11":
        assert wide["f1"] >= 0.88, wide  # measured 0.888 at ±200 ms


def test_phone_step_count_per_file(per_file: pd.DataFrame) -> None:
    ph = per_file[per_file["dataset"] == "oxford_phone_walk"]
    assert len(ph) == 6
    for _, r in ph.iterrows():
        err = abs(int(r["steps_det"]) - int(r["steps_ref"])) / int(r["steps_ref"])
        assert err <= 0.02, (r["file"], r["steps_ref"], r["steps_det"])


def test_gaitmap_feet(summary: pd.DataFrame) -> None:
    r = _row(summary, dataset="gaitmap_feet_walk", placement="feet", tol_ms=100)
    # TC measured 4.5 ms; IC 21.4 ms: the reference is the toes-up peak 15–40 ms before the
    # impact this detector times (18.1 ms while it took the impact on the sample grid, half a
    # sample early; see tests/test_foot_real.py)
    assert r["f1"] >= 0.98, r
    assert r["ic_mae_ms"] <= 22.0, r
    assert r["tc_mae_ms"] <= 6.0, r


def test_running_rows_present() -> None:
    """Both running data sets are scored per activity and subject.

    Bounds on the running detectors themselves live with their scorer,
    ``benchmarks/validate_running.py``.
    """
    bench = _bench()
    run = bench.running_summary(REAL, ("dataset", "activity", "subject", "split"))
    assert {"bach_shank_run_walk", "alcantara_sacrum_run"} <= set(run["dataset"])
    assert {"run", "walk"} <= set(run.loc[run["dataset"] == "bach_shank_run_walk", "activity"])
    for col in ("f1", "ic_mae_ms", "cadence_err_spm"):
        assert run[col].notna().all(), col
    # a contact time is scored wherever one is given; accelerometer-only shank walking
    # withholds its untrustworthy contact times (no GCT rather than a 300 ms error)
    assert (run["gct_mae_ms"].notna() | (run["tc_coverage_pct"] == 0)).all()
    assert (run.loc[run["activity"] == "run", "gct_mae_ms"]).notna().all()
    assert (run["f1"] >= 0.8).all(), run[["dataset", "subject", "activity", "f1"]]
    assert "| bach_shank_run_walk |" in bench.render(run)


def test_check_targets_reports_misses() -> None:
    """The benchmark's own target check flags a miss (so the printed verdict can be trusted)."""
    bench = _bench()
    good = pd.DataFrame(
        [
            {
                "dataset": IPOL,
                "placement": "lower back",
                "condition": "",
                "split": "test",
                "tol_ms": 100,
                "f1": 0.99,
                "ic_mae_ms": 30.0,
                "tc_mae_ms": 20.0,
                "side_pct": 99.0,
                "count_err_pct": float("nan"),
                "errors": "",
            }
        ]
    )
    assert bench.check_targets(good) == []
    assert len(bench.check_targets(good.assign(f1=0.96, ic_mae_ms=41.0, side_pct=90.0))) == 3
    # development rows are reported but not held to the test targets
    assert bench.check_targets(good.assign(split="dev", side_pct=90.0, f1=0.96)) == []
    # the ±200 ms row is a report, not a target
    mob = good.assign(dataset=MOBGAP, condition="Test11", split="dev", f1=0.80)
    assert len(bench.check_targets(mob)) == 1
    assert bench.check_targets(mob.assign(tol_ms=200)) == []


def test_tc_scored_only_within_one_interval() -> None:
    """A reference stance before an excluded U-turn paired with a toe-off after it is not scored."""
    bench = _bench()
    region = np.array([[0.0, 10.0], [14.0, 20.0]])
    ref = pd.DataFrame({"side": "left", "t_ic": [5.0, 9.5], "t_tc": [5.6, 15.0]})
    det = pd.DataFrame({"side": "left", "t_ic": [5.0, 9.5], "t_tc": [5.62, 10.1]})
    sc = bench.score_detections(ref, det, 0.1, region, np.empty((0, 2)))
    assert (sc.tp, sc.fp, sc.fn) == (2, 0, 0)
    assert np.allclose(sc.tc_err, [0.02])


def test_region_edges_and_unscored_spans() -> None:
    """Scoring rule of the benchmark at the edges of the scored region.

    Edge events can be matched from just outside the region, unmatched detections count only
    inside it, and untimed-reference spans are not scored.
    """
    bench = _bench()
    ref = pd.DataFrame({"side": ["left", "right", "left"], "t_ic": [1.0, 1.6, 2.2], "t_tc": np.nan})
    region = np.array([[1.0, 2.2]])
    # 2.25: the last reference IC (on the region end) detected 50 ms late, just outside;
    # 3.0: a detection far outside the region (nothing annotated there): not a false positive;
    # 1.9: inside, unmatched: a false positive.
    det = pd.DataFrame({"side": "left", "t_ic": [1.02, 1.6, 1.9, 2.25, 3.0], "t_tc": np.nan})
    sc = bench.score_detections(ref, det, 0.1, region, np.empty((0, 2)))
    assert (sc.tp, sc.fp, sc.fn) == (3, 1, 0)
    assert np.allclose(np.sort(sc.ic_err), [0.0, 0.02, 0.05])
    # The same false detection inside a span where the reference has an untimed IC is not scored.
    sc = bench.score_detections(ref, det, 0.1, region, np.array([[1.7, 2.1]]))
    assert (sc.tp, sc.fp, sc.fn) == (3, 0, 0)
    # A detection 150 ms off the edge event is still a miss (the tolerance is not widened).
    det_far = det.assign(t_ic=[1.02, 1.6, 1.9, 2.35, 3.0])
    sc = bench.score_detections(ref, det_far, 0.1, region, np.empty((0, 2)))
    assert (sc.tp, sc.fp, sc.fn) == (2, 1, 1)
    # A detection inside the region matched to a reference IC just outside it is neither a hit
    # nor a false positive; the same detection without that reference IC is a false positive.
    ref_out = pd.concat([ref, pd.DataFrame({"side": ["right"], "t_ic": [0.95], "t_tc": [np.nan]})])
    det_edge = pd.DataFrame({"side": "left", "t_ic": [1.0, 1.04, 1.6, 2.2], "t_tc": np.nan})
    sc = bench.score_detections(
        ref_out, det_edge.assign(t_ic=[0.97, 1.02, 1.6, 2.2]), 0.1, region, np.empty((0, 2))
    )
    assert (sc.tp, sc.fp, sc.fn) == (3, 0, 0)
    sc = bench.score_detections(ref, det_edge, 0.1, region, np.empty((0, 2)))
    assert (sc.tp, sc.fp, sc.fn) == (3, 1, 0)


def test_untimed_ic_spans_from_mobgap_file() -> None:
    """INDIP ICs listed without a time give unscored spans between their timed neighbours."""
    bench = _bench()
    mat = REAL / MOBGAP / "lab" / "HA" / "002" / "data.mat"
    spans = bench.untimed_ic_spans(mat, "TimeMeasure1/Test11/Trial1", 0.1)
    assert spans.shape[1] == 2
    assert len(spans) >= 1
    assert np.all(spans[:, 1] > spans[:, 0])
    # 001 has no untimed IC in its Test5 trial.
    mat1 = REAL / MOBGAP / "lab" / "HA" / "001" / "data.mat"
    assert bench.untimed_ic_spans(mat1, "TimeMeasure1/Test5/Trial1", 0.1).shape == (0, 2)

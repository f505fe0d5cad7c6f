"""Synthetic sweeps for the foot and shank detectors against exact ground truth (issue 3).

Bounds: step F1 ≥ 0.995, cadence error ≤ 0.5 spm, contact-time MAE ≤ 10 ms, and an
injected ≥ 4 % L/R contact-time asymmetry found on the correct side in ≥ 95 % of runs.
Contacts within 1.5 s of either end of a recording are left out of the event scores
(a contact cut by the start or end of the data has no complete reference).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import gait
from gait.analysis.placements import get_detector
from gait.contract.recording import Recording
from gait.synth import GaitParams, SensorParams, synthesize

DURATION = 25.0
MARGIN = 1.5
F1_MIN = 0.995
CADENCE_TOL = 0.5  # spm
GCT_MAE_MAX = 0.010  # s


def _match(det: np.ndarray, ref: np.ndarray, tol: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Indices (det, ref) of one-to-one nearest matches within ``tol`` s."""
    if det.size == 0 or ref.size == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    j = np.clip(np.searchsorted(det, ref), 1, max(det.size - 1, 1))
    j0 = np.clip(j - 1, 0, det.size - 1)
    j1 = np.clip(j, 0, det.size - 1)
    near = np.where(np.abs(det[j0] - ref) <= np.abs(det[j1] - ref), j0, j1)
    ok = np.flatnonzero(np.abs(det[near] - ref) <= tol)
    _, first = np.unique(near[ok], return_index=True)
    return near[ok][first], ok[first]


def score_stream(rec: Recording, name: str, **params: Any) -> dict[str, float]:
    """F1 and GCT MAE (s) of one leg stream's detector against the reference.

    ``params`` are the detector's parameters.
    """
    st = rec.stream(name)
    ev = get_detector(st.placement, **params)(st).sort_values("t_ic").reset_index(drop=True)
    assert rec.reference is not None
    ref = rec.reference.events
    ref = ref[ref["side"] == st.side].sort_values("t_ic").reset_index(drop=True)
    lo, hi = st.t[0] + MARGIN, st.t[-1] - MARGIN
    # match everything, then score only events inside [lo, hi] (no edge artefacts)
    d, r = ev, ref
    di, ri = _match(d["t_ic"].to_numpy(), r["t_ic"].to_numpy())
    td, tr = d["t_ic"].to_numpy(), r["t_ic"].to_numpy()
    in_d = (td > lo) & (td < hi)
    in_r = (tr > lo) & (tr < hi)
    tp = int(in_r[ri].sum())
    fp = int(in_d.sum() - in_d[di].sum())
    fn = int(in_r.sum() - tp)
    f1 = 2 * tp / max(2 * tp + fp + fn, 1)
    keep = in_r[ri]
    di, ri = di[keep], ri[keep]
    gd = (d["t_tc"] - d["t_ic"]).to_numpy()[di]
    gr = (r["t_tc"] - r["t_ic"]).to_numpy()[ri]
    ok = np.isfinite(gd) & np.isfinite(gr)
    return {
        "f1": f1,
        "gct_mae": float(np.mean(np.abs(gd[ok] - gr[ok]))) if ok.any() else np.inf,
        "n": float(len(r)),
    }


def cadence_error(rec: Recording) -> float:
    """|analysed − true| cadence, spm (both from the mean step time)."""
    res = gait.analyze(rec)
    assert rec.reference is not None
    ref = rec.reference.events.sort_values("t_ic")
    true = 60.0 / float(np.mean(np.diff(ref["t_ic"].to_numpy())))
    return abs(float(res.summary["cadence_spm"]) - true)


def make(
    activity: str,
    legs: str,
    *,
    rate: float = 200.0,
    seed: int = 0,
    gait_kw: dict[str, Any] | None = None,
    sensor_kw: dict[str, Any] | None = None,
) -> Recording:
    placements = (f"{legs}-left", f"{legs}-right")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return synthesize(
            activity,
            placements,
            duration=DURATION,
            rate=rate,
            seed=seed,
            gait=GaitParams(**(gait_kw or {})),
            sensor=SensorParams(**(sensor_kw or {})),
        )


def check(rec: Recording, legs: str, **params: Any) -> None:
    for side in ("left", "right"):
        s = score_stream(rec, f"{legs}_{side}", **params)
        assert s["f1"] >= F1_MIN, (side, s)
        assert s["gct_mae"] <= GCT_MAE_MAX, (side, s)
    assert cadence_error(rec) <= CADENCE_TOL


LEGS = ["foot", "shank"]


@pytest.mark.parametrize("legs", LEGS)
@pytest.mark.parametrize(
    ("activity", "speed", "cadence"),
    [
        ("run", 2.5, 160.0),
        ("run", 3.5, 175.0),
        ("run", 5.0, 188.0),
        ("walk", 1.0, 100.0),
        ("walk", 1.5, 118.0),
    ],
)
def test_speed_cadence(legs: str, activity: str, speed: float, cadence: float) -> None:
    check(make(activity, legs, gait_kw={"speed": speed, "cadence": cadence}), legs)


@pytest.mark.parametrize("legs", LEGS)
@pytest.mark.parametrize("rate", [100.0, 200.0, 500.0])
@pytest.mark.parametrize("activity", ["run", "walk"])
def test_sampling_rate(legs: str, rate: float, activity: str) -> None:
    check(make(activity, legs, rate=rate, seed=1), legs)


@pytest.mark.parametrize("legs", LEGS)
@pytest.mark.parametrize("activity", ["run", "walk"])
def test_accelerometer_only(legs: str, activity: str) -> None:
    rec = make(activity, legs, seed=2, sensor_kw={"no_gyro": True})
    if legs == "shank" and activity == "walk":
        # Real accelerometer-only shank walking misses toe-off by 250-370 ms
        # (benchmarks/validate_running.py), so the detector withholds that TC by default;
        # the synthetic walk still checks the method behind the withheld guess.
        st = rec.stream("shank_left")
        ev = get_detector("shank")(st)
        assert ev["quality"].str.contains("tc_uncertain").mean() > 0.9
        assert ev["t_tc"].isna().mean() > 0.9
        check(rec, legs, drop_uncertain_tc=False)
        return
    check(rec, legs)


@pytest.mark.parametrize("legs", LEGS)
@pytest.mark.parametrize("seed", range(3))
def test_random_mounting_and_noise(legs: str, seed: int) -> None:
    sensor = {"rotation": "uniform", "acc_noise": 0.2, "gyr_noise": 0.02}
    check(make("run", legs, seed=10 + seed, sensor_kw=sensor), legs)


@pytest.mark.parametrize("legs", LEGS)
@pytest.mark.parametrize("activity", ["run", "walk"])
def test_dropped_packets_and_jitter(legs: str, activity: str) -> None:
    sensor = {"drop_rate": 0.02, "packet_samples": 4, "jitter": 0.0005}
    check(make(activity, legs, seed=20, sensor_kw=sensor), legs)


@pytest.mark.parametrize("legs", LEGS)
def test_injected_gct_asymmetry_found_on_the_right_side(legs: str) -> None:
    runs = []
    for seed in range(10):
        asym = 5.0 if seed % 2 == 0 else -5.0  # +: left contact longer
        rec = make(
            "run",
            legs,
            seed=30 + seed,
            gait_kw={"gct_asym_pct": asym},
            sensor_kw={"rotation": "uniform"},
        )
        s = gait.analyze(rec).summary
        longer = "left" if asym > 0 else "right"
        flagged = [a for a in s["asymmetry"] if a["metric"] == "gct"]
        runs.append(
            bool(flagged)
            and flagged[0]["longer"] == longer
            and (s["gct_balance_pct"] > 50) == (longer == "left")
        )
    assert np.mean(runs) >= 0.95, runs

"""Phone detector: cadence-only steps for carried phones, sacrum-like for a waist belt."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks._scoring import score_steps, step_count_error
from gait.analysis.placements import check_events
from gait.analysis.placements.phone import BELT_CONFIDENCE, detect_events
from gait.contract.errors import AnalysisError
from gait.contract.recording import Stream
from gait.synth import SensorParams, synthesize

DURATION = 30.0


def _core(df, lo: float = 0.5, hi: float = DURATION - 0.5):  # type: ignore[no-untyped-def]
    return df[(df["t_ic"] > lo) & (df["t_ic"] < hi)].reset_index(drop=True)


def _case(activity: str, placement: str, seed: int = 0):  # type: ignore[no-untyped-def]
    rec = synthesize(
        activity=activity,
        placements=(placement,),
        duration=DURATION,
        rate=100.0,
        seed=seed,
        sensor=SensorParams(rotation="uniform"),
    )
    assert rec.reference is not None
    return rec.streams[0], rec.reference.events


def _cadence(t: np.ndarray) -> float:
    return 60.0 / float(np.mean(np.diff(np.sort(t))))


@pytest.mark.parametrize("activity", ["run", "walk"])
@pytest.mark.parametrize("placement", ["phone-hand", "phone-pocket", "phone-armband"])
def test_cadence_only_mounts(activity: str, placement: str) -> None:
    stream, ref = _case(activity, placement)
    ev = check_events(detect_events(stream), "phone")
    assert set(ev["side"]) == {"unknown"}
    assert ev["t_tc"].isna().all()
    assert (ev["quality"] == "cadence_only").all()
    assert "vertical_oscillation" not in ev  # never guess trunk metrics from a carried phone
    ref_c, ev_c = _core(ref), _core(ev)
    assert step_count_error(len(ref_c), len(ev_c)) <= 0.02
    # Rhythm events have a mount-dependent constant phase: align it (median offset to the
    # nearest true contact), then match within ±100 ms.
    rt = np.sort(ref_c["t_ic"].to_numpy())
    dt = ev_c["t_ic"].to_numpy()
    hi = np.clip(np.searchsorted(rt, dt), 0, rt.size - 1)
    lo = np.clip(hi - 1, 0, rt.size - 1)
    near = np.where(np.abs(rt[hi] - dt) < np.abs(dt - rt[lo]), rt[hi], rt[lo])
    ev_c = ev_c.assign(t_ic=dt - np.median(dt - near))
    sc = score_steps(ref_c, ev_c, 0.1)
    assert sc.f1 >= 0.98
    r = np.sort(ref_c["t_ic"].to_numpy())[sc.ic.ref_idx]
    d = np.sort(ev_c["t_ic"].to_numpy())[sc.ic.det_idx]
    assert abs(_cadence(d) - _cadence(r)) <= 0.5


def test_belt_is_sacrum_with_lower_confidence() -> None:
    from gait.analysis.placements.sacrum import detect_events as sacrum_events

    stream, ref = _case("run", "phone-belt", seed=2)
    ev = detect_events(stream)
    assert stream.mount == "belt"
    assert ev["quality"].str.contains("phone_belt").all()
    sac = sacrum_events(stream)
    assert np.allclose(ev["t_ic"], sac["t_ic"])
    assert np.allclose(ev["confidence"], sac["confidence"] * BELT_CONFIDENCE)
    ref_c, ev_c = _core(ref), _core(ev)
    sc = score_steps(ref_c, ev_c, 0.1)
    assert sc.f1 >= 0.995
    assert sc.side_accuracy >= 0.9
    gct_err = sc.tc_errors.size and np.mean(np.abs(sc.tc_errors))
    assert gct_err <= 0.02


def test_still_phone_has_no_steps_and_bad_input_raises() -> None:
    t = np.arange(0, 20, 0.01)
    acc = np.tile([0.0, 9.81, 0.5], (t.size, 1)) + np.random.default_rng(0).normal(
        0, 0.05, (t.size, 3)
    )
    assert detect_events(Stream("phone", None, t, acc, rate=100.0, mount="hand")).empty
    acc[5] = np.inf
    with pytest.raises(AnalysisError):
        detect_events(Stream("phone", None, t, acc, rate=100.0, mount="pocket"))

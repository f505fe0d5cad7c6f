"""Synthetic generator: determinism, ground-truth table, and injected parameters.

Injected parameters show up both in the truth and in simple measures of the signals.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from scipy.integrate import cumulative_trapezoid
from scipy.signal import find_peaks

from gait.contract.result import STEP_COLUMNS
from gait.synth import GaitParams, SensorParams, SynthParamError, synthesize
from gait.synth.foot import TC_RATE_SHARE
from gait.synth.generate import synthesize as synth_direct

IDEAL = SensorParams.ideal()


def _pitch_rate(rec, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Toes-up pitch rate of an ideally mounted foot sensor (rad/s)."""
    s = rec.stream(f"foot_{side}")
    return s.t, -s.gyr[:, 1]


def falbriard_events(t: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """IC and TC from the foot's pitch rate, interpolated between samples.

    IC is the pitch-rate minimum before each swing peak (Falbriard 2018 style); TC is where the
    rate, after its push-off minimum, has recovered to TC_RATE_SHARE of it (the foot model's
    toe-off, which follows the real recordings).
    """
    fs = 1.0 / np.median(np.diff(t))
    pk, _ = find_peaks(w, height=0.5 * w.max(), distance=int(0.4 * fs))
    ic, tc = [], []
    for a, b in itertools.pairwise(pk):
        mid = (a + b) // 2
        ic.append(t[a + np.argmin(w[a:mid])])
        m = mid + int(np.argmin(w[mid:b]))
        thr = TC_RATE_SHARE * w[m]
        k = m + int(np.argmax(w[m:b] >= thr))
        tc.append(t[k - 1] + (thr - w[k - 1]) / (w[k] - w[k - 1]) * (t[k] - t[k - 1]))
    return np.array(ic), np.array(tc)


def test_deterministic_for_a_seed() -> None:
    a = synthesize(duration=8, seed=3)
    b = synthesize(duration=8, seed=3)
    c = synthesize(duration=8, seed=4)
    for sa, sb in zip(a.streams, b.streams, strict=True):
        np.testing.assert_array_equal(sa.t, sb.t)
        np.testing.assert_array_equal(sa.acc, sb.acc)
        np.testing.assert_array_equal(sa.gyr, sb.gyr)
    assert a.reference.events.equals(b.reference.events)
    assert not np.array_equal(a.streams[0].acc, c.streams[0].acc)
    assert not a.reference.events.equals(c.reference.events)


def test_adding_a_sensor_leaves_the_others_unchanged() -> None:
    a = synthesize(duration=5, seed=1, placements=("sacrum",))
    b = synthesize(duration=5, seed=1, placements=("foot-left", "sacrum"))
    np.testing.assert_array_equal(a.stream("sacrum").acc, b.stream("sacrum").acc)


def test_truth_table_columns_and_params_are_complete_and_json() -> None:
    rec = synthesize(duration=10, seed=0)
    ref = rec.reference
    assert ref.kind == "synthetic"
    ev = ref.events
    assert list(ev.columns[: len(STEP_COLUMNS)]) == list(STEP_COLUMNS)
    for col in (
        "foot_strike_angle",
        "strike",
        "braking",
        "impact",
        "vertical_oscillation",
        "stride_length",
        "speed",
    ):
        assert col in ev.columns
    assert set(ev["side"]) == {"left", "right"}
    assert (ev["side"].to_numpy()[1:] != ev["side"].to_numpy()[:-1]).all()  # alternate
    assert ev["t_ic"].is_monotonic_increasing
    assert ev["t_ic"].min() >= 0
    assert ev["t_tc"].max() <= 10
    assert set(ref.tables) >= {"bouts", "drops"}
    assert list(ref.tables["bouts"].columns) == ["t_start", "t_end", "activity"]
    json.dumps(ref.params)  # every injected parameter is JSON-able
    for key in ("gait", "sensor", "streams", "seed", "segments"):
        assert key in ref.params
    assert ref.params["gait"]["cadence"] == 168.0
    g = ev.dropna(subset=["step_time", "stride_time"])
    np.testing.assert_allclose(g["cadence"], 60 / g["step_time"])
    np.testing.assert_allclose(g["duty_factor"], g["gct"] / g["stride_time"])
    np.testing.assert_allclose(g["flight"], (g["t_ic"] + g["step_time"] - g["t_tc"]).clip(0))


def test_balance_is_delegated() -> None:
    rec = synthesize(activity="balance", placements=("sacrum",), duration=10, rate=50, seed=1)
    assert rec.meta.activity == "balance"
    assert rec.reference is not None
    assert rec.reference.kind == "synthetic"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"activity": "swim"},
        {"placements": ("ear",)},
        {"placements": ()},
        {"rate": 5.0},
        {"duration": 0.1},
        {"gait": GaitParams(cadence=300)},
        {"gait": GaitParams(duty_factor=0.6)},  # running with no flight
        {"sensor": SensorParams(drop_rate=0.9)},
        {"segments": [(5, {"nope": 1})]},
    ],
)
def test_bad_parameters_raise_a_typed_error(kwargs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SynthParamError):
        synth_direct(**{"duration": 5.0, **kwargs})


@pytest.mark.parametrize("cadence", [150.0, 185.0])
def test_cadence_in_truth_and_in_the_sacrum_spectrum(cadence: float) -> None:
    rec = synthesize(
        duration=20,
        seed=2,
        placements=("sacrum",),
        gait=GaitParams(cadence=cadence, stride_cv=0.01),
        sensor=IDEAL,
    )
    ev = rec.reference.events
    assert ev["cadence"].mean() == pytest.approx(cadence, rel=0.01)
    s = rec.stream("sacrum")
    az = s.acc[:, 2] - s.acc[:, 2].mean()
    f = np.fft.rfftfreq(az.size, 1 / s.rate)
    peak = f[np.argmax(np.abs(np.fft.rfft(az)) * (f > 1.5))]
    assert peak * 60 == pytest.approx(cadence, rel=0.02)


def test_gct_and_asymmetry_show_in_truth_and_in_foot_gyro_events() -> None:
    gait = GaitParams(gct=0.26, gct_asym_pct=8.0, stride_cv=0.005)
    rec = synthesize(duration=20, seed=5, sensor=IDEAL, gait=gait)
    ev = rec.reference.events
    by = ev.groupby("side")["gct"].mean()
    assert by["left"] / by["right"] == pytest.approx(1.08, abs=0.01)
    assert ev["gct"].mean() == pytest.approx(0.26, rel=0.02)
    measured = {}
    for side in ("left", "right"):
        ic, tc = falbriard_events(*_pitch_rate(rec, side))
        truth = ev[ev.side == side]
        # Every detected IC/TC is within 6 ms of a true event.
        d_ic = np.abs(ic[:, None] - truth["t_ic"].to_numpy()[None, :]).min(axis=1)
        d_tc = np.abs(tc[:, None] - truth["t_tc"].to_numpy()[None, :]).min(axis=1)
        assert d_ic.max() < 0.006
        assert d_tc.max() < 0.006
        measured[side] = np.mean(tc - ic)
    assert measured["left"] / measured["right"] == pytest.approx(1.08, abs=0.02)


@pytest.mark.parametrize("fsa", [-6.0, 2.0, 14.0])
def test_strike_angle_from_integrated_pitch_and_rate_sign(fsa: float) -> None:
    rec = synthesize(
        duration=12,
        seed=7,
        placements=("foot-left",),
        sensor=IDEAL,
        gait=GaitParams(foot_strike_angle=fsa, strike_angle_sd=0.0),
    )
    ev = rec.reference.events
    left = ev[ev.side == "left"].dropna(subset=["gct"])
    assert np.allclose(left["foot_strike_angle"], fsa)
    want = "rear" if fsa > 8 else ("fore" if fsa < -1.6 else "mid")
    assert set(left["strike"]) == {want}
    t, w = _pitch_rate(rec, "left")
    th = cumulative_trapezoid(w, t, initial=0.0)
    got, rate_ic = [], []
    for ic, tc in zip(left["t_ic"], left["t_tc"], strict=True):
        flat = np.interp(0.5 * (ic + tc), t, th)  # foot flat at mid-stance
        got.append(np.degrees(np.interp(ic, t, th) - flat))
        rate_ic.append(np.interp(ic, t, w))
    assert np.allclose(got, fsa, atol=0.5)
    if fsa > 8:
        assert max(rate_ic) < -1.0  # rearfoot: toes slapping down at contact
    if fsa < -1.6:
        assert min(rate_ic) > 1.0  # forefoot: heel dropping at contact


def test_braking_and_overstride_defaults_scale() -> None:
    soft = synthesize(
        duration=10, seed=1, placements=("sacrum",), sensor=IDEAL, gait=GaitParams(braking=0.05)
    )
    hard = synthesize(
        duration=10, seed=1, placements=("sacrum",), sensor=IDEAL, gait=GaitParams(braking=0.25)
    )
    assert soft.reference.events["braking"].mean() == pytest.approx(0.05, rel=0.02)
    assert hard.reference.events["braking"].mean() == pytest.approx(0.25, rel=0.02)
    # The AP deceleration peak after contact scales with the braking.
    amp = [np.percentile(-r.stream("sacrum").acc[:, 0], 99) for r in (soft, hard)]
    assert amp[1] > 3 * amp[0]


def test_fatigue_and_segments_change_cadence_and_asymmetry_over_time() -> None:
    gait = GaitParams(fatigue_cadence_pct=-6.0, fatigue_gct_pct=8.0, stride_cv=0.005)
    rec = synthesize(duration=60, seed=1, placements=("sacrum",), gait=gait)
    ev = rec.reference.events
    first, last = ev[ev.t_ic < 10], ev[ev.t_ic > 50]
    assert last["cadence"].mean() / first["cadence"].mean() == pytest.approx(0.94 / 0.995, abs=0.02)
    assert last["gct"].mean() / first["gct"].mean() == pytest.approx(1.08 / 1.013, abs=0.03)
    rec = synthesize(
        duration=40,
        seed=1,
        placements=("sacrum",),
        segments=[(20.0, {"cadence": 156.0, "gct_asym_pct": 10.0})],
    )
    ev = rec.reference.events
    a, b = ev[ev.t_ic < 19], ev[ev.t_ic > 22]
    assert a["cadence"].mean() == pytest.approx(168, rel=0.02)
    assert b["cadence"].mean() == pytest.approx(156, rel=0.02)
    ratio = lambda d: d[d.side == "left"]["gct"].mean() / d[d.side == "right"]["gct"].mean()  # noqa: E731
    assert ratio(a) == pytest.approx(1.0, abs=0.02)
    assert ratio(b) == pytest.approx(1.10, abs=0.02)


def test_stand_segments_make_still_bouts_and_quiet_signals() -> None:
    rec = synthesize(duration=30, seed=2, sensor=IDEAL, segments=[(10, "stand"), (18, {})])
    bouts = rec.reference.tables["bouts"]
    assert list(bouts["activity"]) == ["run", "still", "run"]
    still = bouts.iloc[1]
    assert 10 <= still.t_start <= 11
    assert still.t_end == 18
    ev = rec.reference.events
    assert not ((ev.t_ic > still.t_start + 0.01) & (ev.t_ic < still.t_end)).any()
    assert (ev["quality"] == "stop").sum() == 2
    for s in rec.streams:
        # (the first push-off begins ~0.15 s before the foot leaves at t_end)
        m = (s.t > still.t_start + 1.5) & (s.t < still.t_end - 0.3)
        assert np.abs(np.linalg.norm(s.acc[m], axis=1) - 9.80665).max() < 0.05
        assert np.abs(s.gyr[m]).max() < 0.02


def test_walking_has_double_support_and_no_flight() -> None:
    rec = synthesize(activity="walk", duration=20, seed=3, sensor=IDEAL)
    ev = rec.reference.events.dropna(subset=["stride_time"])
    assert (ev["duty_factor"] > 0.5).all()
    assert (ev["flight"] == 0).all()
    assert (ev["gct"] > ev["step_time"]).all()
    assert ev["speed"].mean() == pytest.approx(1.3, rel=0.01)
    assert rec.reference.tables["bouts"]["activity"].tolist() == ["walk"]


def test_belt_dips_lower_the_true_speed() -> None:
    gait = GaitParams(speed=3.5, belt_dip=0.3, stride_cv=0.0)
    rec = synthesize(duration=15, seed=1, placements=("foot-left",), sensor=IDEAL, gait=gait)
    ev = rec.reference.events.dropna(subset=["speed"])
    # Each contact removes dip * gct / 2 of belt travel (sin² dip) per step.
    expect = 3.5 - 0.3 * (ev["gct"] / 2 / ev["step_time"]).mean()
    assert ev["speed"].mean() == pytest.approx(expect, rel=0.01)
    assert ev["speed"].mean() < 3.45
    assert rec.reference.params["gait"]["belt_dip"] == 0.3


@pytest.mark.parametrize(
    ("fsa", "lo", "hi"), [(12.0, -0.006, 0.006), (1.0, -0.006, 0.006), (-8.0, -0.025, -0.010)]
)
def test_falbriard_ic_bias_by_strike_type(fsa: float, lo: float, hi: float) -> None:
    """Rearfoot and midfoot: the pitch-rate minimum is at IC; forefoot: ~15 ms before it.

    The heel drop reverses the rate at contact, a bias detectors must expect.
    """
    rec = synthesize(
        duration=12,
        seed=8,
        placements=("foot-left",),
        sensor=IDEAL,
        gait=GaitParams(foot_strike_angle=fsa, strike_angle_sd=0.5),
    )
    ev = rec.reference.events
    ic, _ = falbriard_events(*_pitch_rate(rec, "left"))
    truth = ev[ev.side == "left"]["t_ic"].to_numpy()
    d = ic[:, None] - truth[None, :]
    nearest = d[np.arange(d.shape[0]), np.abs(d).argmin(axis=1)]
    assert len(nearest) >= 10
    assert lo <= nearest.min()
    assert nearest.max() <= hi

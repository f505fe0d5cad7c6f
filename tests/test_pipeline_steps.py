"""Step table, fusion, summaries and overstride indicators on constructed contact tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from gait.analysis.fuse import SensorEvents, attach, fuse
from gait.analysis.overstride import baseline_cadence, overstride_indicators
from gait.analysis.steps import build_step_table
from gait.analysis.summary import drift, session_summary, symmetry, window_table
from gait.contract.result import STEP_COLUMNS


def contacts(
    n: int = 60,
    step: float = 0.36,
    gct_left: float = 0.25,
    gct_right: float = 0.25,
    jitter: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Alternating left/right contacts with the given step time and GCT per side (s)."""
    rng = np.random.default_rng(seed)
    t_ic = np.arange(n) * step + 1.0
    side = np.where(np.arange(n) % 2 == 0, "left", "right")
    gct = np.where(side == "left", gct_left, gct_right) * (1 + jitter * rng.standard_normal(n))
    return pd.DataFrame({"side": side, "t_ic": t_ic, "t_tc": t_ic + gct, "confidence": 1.0})


def test_step_table_columns_and_values() -> None:
    st = build_step_table(contacts())
    assert list(st.columns[: len(STEP_COLUMNS)]) == list(STEP_COLUMNS)
    np.testing.assert_allclose(st["step_time"].iloc[:-1], 0.36)
    np.testing.assert_allclose(st["stride_time"].iloc[:-2], 0.72)
    np.testing.assert_allclose(st["gct"], 0.25)
    np.testing.assert_allclose(st["flight"].iloc[:-1], 0.11, atol=1e-12)
    np.testing.assert_allclose(st["duty_factor"].iloc[:-2], 0.25 / 0.72)
    np.testing.assert_allclose(st["cadence"].iloc[:-1], 60 / 0.36)
    assert np.isnan(st["step_time"].iloc[-1])


def test_single_side_counts_both_legs() -> None:
    c = contacts()
    left = c[c["side"] == "left"].reset_index(drop=True)
    st = build_step_table(left, single_side=True)
    # stride 0.72 s → step time 0.36 s → cadence 166.7 spm, flight unknown
    np.testing.assert_allclose(st["step_time"].iloc[:-1], 0.36)
    assert st["flight"].isna().all()
    s = session_summary(st)
    assert s["cadence_spm"] == pytest.approx(60 / 0.36, abs=0.01)


def test_gap_is_not_bridged() -> None:
    c = contacts(40)
    c.loc[20:, ["t_ic", "t_tc"]] += 10.0  # the runner stops for 10 s
    st = build_step_table(c)
    assert np.isnan(st["step_time"].to_numpy()[19])
    assert np.isnan(st["stride_time"].to_numpy()[18:20]).all()
    assert "gap" in str(st["quality"].to_numpy()[19])
    assert session_summary(st)["cadence_spm"] == pytest.approx(60 / 0.36, abs=0.01)


@pytest.mark.parametrize("seed", range(5))
def test_injected_gct_asymmetry_found_on_the_right_side(seed: int) -> None:
    # 4 % longer right GCT with 2 % within-limb noise
    st = build_step_table(contacts(200, gct_left=0.245, gct_right=0.255, jitter=0.02, seed=seed))
    r = symmetry(st, "gct")
    assert r is not None
    assert r["asymmetry"]
    assert r["longer"] == "right"
    assert r["si_pct"] == pytest.approx(4.0, abs=1.0)
    s = session_summary(st)
    assert s["gct_balance_pct"] < 50
    assert any(a["metric"] == "gct" and a["longer"] == "right" for a in s["asymmetry"])


def test_no_asymmetry_flag_within_variability() -> None:
    # 1 % difference but 8 % within-limb CV: not flagged
    st = build_step_table(contacts(60, gct_left=0.249, gct_right=0.251, jitter=0.08, seed=3))
    r = symmetry(st, "gct")
    assert r is not None
    assert not r["asymmetry"]


def test_windows_and_drift() -> None:
    c = contacts(100)
    # GCT grows linearly by 30 ms over the run (fatigue)
    c["t_tc"] = c["t_ic"] + 0.25 + np.linspace(0, 0.03, len(c))
    st = build_step_table(c)
    w = window_table(st, 20)
    assert len(w) == 5
    assert w["n_steps"].sum() == 100
    assert w["gct_ms"].is_monotonic_increasing
    d = drift(st)
    assert d["gct_ms"]["change"] == pytest.approx(24.0, abs=3.0)
    assert abs(d["cadence_spm"]["change"]) < 0.01


def test_summary_is_json_serialisable() -> None:
    s = session_summary(build_step_table(contacts()))
    json.dumps(s)
    for key in (
        "cadence_spm",
        "gct_ms",
        "gct_balance_pct",
        "symmetry",
        "duty_factor",
        "steps",
        "windows",
        "drift",
    ):
        assert key in s


def test_fuse_two_feet_plus_sacrum() -> None:
    c = contacts()
    feet = [
        SensorEvents("foot_left", "foot", "left", c[c.side == "left"].reset_index(drop=True)),
        SensorEvents("foot_right", "foot", "right", c[c.side == "right"].reset_index(drop=True)),
    ]
    sac = c.copy()
    sac["side"] = "unknown"
    sac["t_ic"] += 0.02  # trunk timing is coarser
    sac["vertical_oscillation"] = 0.08
    sac["braking"] = 0.1
    f = fuse([*feet, SensorEvents("sacrum", "sacrum", None, sac)])
    assert not f.single_side
    assert len(f.contacts) == len(c)
    np.testing.assert_allclose(f.contacts["t_ic"], c["t_ic"])  # foot timing wins
    assert f.contacts["vertical_oscillation"].eq(0.08).all()


def test_fuse_one_foot_plus_sacrum_fills_other_side() -> None:
    c = contacts()
    left = c[c.side == "left"].reset_index(drop=True)
    sac = c.copy()
    sac["side"] = "unknown"
    f = fuse(
        [
            SensorEvents("foot_left", "foot", "left", left),
            SensorEvents("sacrum", "sacrum", None, sac),
        ]
    )
    assert not f.single_side
    assert (f.contacts["side"] == "right").sum() == (c.side == "right").sum()


def test_attach_leaves_unmatched_nan() -> None:
    steps = pd.DataFrame({"t_ic": [1.0, 2.0, 3.0]})
    other = pd.DataFrame({"t_ic": [1.01, 3.5], "braking": [0.2, 0.3]})
    out = attach(steps, other, ("braking",))
    assert out["braking"].iloc[0] == 0.2
    assert out["braking"].isna().sum() == 2


def test_overstride_indicators() -> None:
    st = build_step_table(contacts())
    st["strike"] = ["rear"] * 45 + ["mid"] * 15
    st["vertical_oscillation"] = 0.08
    st["stride_length"] = 2.4
    o = overstride_indicators(
        st, cadence=160.0, speed=3.3, baseline={"cadence_spm": 170.0, "speed": 3.3}
    )
    assert o["cadence"]["relative_pct"] == pytest.approx(-5.88, abs=0.01)
    assert o["strike"]["rear"] == pytest.approx(0.75)
    assert o["vertical_ratio_pct"] == pytest.approx(100 * 0.08 / 1.2, abs=1e-3)  # per step
    base = pd.DataFrame({"speed": [2.5, 3.5], "cadence": [160.0, 170.0]})
    assert baseline_cadence(base, 3.0) == pytest.approx(165.0)
    assert baseline_cadence({"cadence_spm": 170, "speed": 2.0}, 3.3) is None


def test_walk_reports_double_support_not_negative_flight() -> None:
    """Issue 11 item 8: a walk has double support, no flight, no near-zero symmetry index.

    In a walk the next IC comes before this TC.
    """
    from gait.analysis.summary import session_summary, symmetry

    n = 40
    t_ic = 0.55 * np.arange(n)
    side = np.where(np.arange(n) % 2 == 0, "left", "right")
    rng = np.random.default_rng(3)
    t_tc = t_ic + 0.65 + rng.normal(0, 0.005, n)  # stance 0.65 s > step 0.55 s: 0.10 s overlap
    steps = build_step_table(pd.DataFrame({"side": side, "t_ic": t_ic, "t_tc": t_tc}))
    s = session_summary(steps)
    assert s["flight_ms"] is None
    assert s["double_support_ms"] == pytest.approx(100.0, abs=3.0)
    assert "flight" not in s["symmetry"]
    assert "double_support" in s["symmetry"]
    assert all(w["flight_ms"] is None for w in s["windows"])
    assert all(w["double_support_ms"] == pytest.approx(100.0, abs=5.0) for w in s["windows"])
    # A run keeps its flight time and has no double support.
    run = build_step_table(
        pd.DataFrame(
            {"side": side, "t_ic": 0.35 * np.arange(n), "t_tc": 0.35 * np.arange(n) + 0.25}
        )
    )
    r = session_summary(run)
    assert r["flight_ms"] == pytest.approx(100.0, abs=1.0)
    assert r["double_support_ms"] is None
    # A metric whose mean is within one within-side SD of zero gets no symmetry index.
    near_zero = steps.assign(foot_strike_angle=rng.normal(0.2, 3.0, n))
    assert symmetry(near_zero, "foot_strike_angle") is None
    assert (
        symmetry(steps.assign(foot_strike_angle=rng.normal(12.0, 2.0, n)), "foot_strike_angle")
        is not None
    )

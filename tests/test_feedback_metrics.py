"""Rolling metrics: formulas, live/batch agreement, and the live session's bounded memory."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from gait.contract.result import STEP_COLUMNS
from gait.feedback import FeedbackSession, load_drills, metrics_table, window_metrics
from gait.views.scripted import scripted_steps


def _table(n: int = 40) -> pd.DataFrame:
    side = np.where(np.arange(n) % 2 == 0, "left", "right")
    t = np.arange(n) * 0.4
    gct = np.where(side == "left", 0.30, 0.20)
    return pd.DataFrame(
        {
            "side": side,
            "t_ic": t,
            "t_tc": t + gct,
            "gct": gct,
            "flight": 0.4 - gct,
            "step_time": np.full(n, 0.4),
            "stride_time": np.full(n, 0.8),
            "duty_factor": gct / 0.8,
            "cadence": np.full(n, 150.0),
            "strike": np.where(np.arange(n) % 4 == 0, "fore", "rear"),
            "vertical_oscillation": np.full(n, 0.08),
            "stride_length": np.full(n, 2.0),
        }
    )


def test_formulas_on_a_known_table() -> None:
    m = window_metrics(_table())
    assert m["cadence"] == pytest.approx(150.0)  # 60 / mean step time
    assert m["gct_left"] == pytest.approx(0.30)
    assert m["gct_right"] == pytest.approx(0.20)
    assert m["gct_balance"] == pytest.approx(60.0)  # GCT_L / (GCT_L + GCT_R) × 100
    assert m["rear_share"] == pytest.approx(0.75)
    assert m["strike"] == "rear"
    assert m["vertical_ratio"] == pytest.approx(8.0)  # VO over one step (half a stride) × 100
    assert m["speed"] is None
    assert m["braking"] is None  # not measured: absent, never guessed
    assert m["steps"] == 20


def test_too_few_steps_give_none() -> None:
    m = window_metrics(_table().head(3))
    assert m["cadence"] is None
    assert m["gct_balance"] is None


@pytest.mark.parametrize("window", [5, 20])
def test_batch_table_equals_the_live_window_at_every_step(window: int) -> None:
    steps = scripted_steps(
        60.0, cadence=[(0, 160), (60, 180)], balance=[(0, 48), (60, 53)], speed=3.0, seed=4
    )
    table = metrics_table(steps, window=window)
    assert len(table) == len(steps)
    for i in (3, 10, 57, len(steps) - 1):
        live = window_metrics(steps.iloc[: i + 1], window=window)
        row = table.iloc[i]
        for k, v in live.items():
            if k == "steps":
                continue
            if k == "strike":
                assert row[k] == v
            elif v is None:
                assert np.isnan(row[k]), k
            else:
                assert row[k] == pytest.approx(v, rel=1e-12), k


def test_session_updates_are_json_and_memory_is_bounded() -> None:
    steps = scripted_steps(1500.0, cadence=170.0, speed=3.0, seed=2)  # about 4200 steps
    assert set(STEP_COLUMNS) <= set(steps.columns)
    sess = FeedbackSession(load_drills(), window=20, baseline={"cadence": 160.0, "braking": 0.12})
    sess.set_sensor("foot_left", "ok", rate=200.0)
    upd: dict = {}
    for i in range(0, len(steps), 7):
        upd = sess.add_steps(steps.iloc[i : i + 7])
        assert len(sess._recent) <= 20
    assert sess.n_steps == len(steps)
    text = json.dumps(upd, allow_nan=False)
    back = json.loads(text)
    assert back["metrics"]["cadence"] == pytest.approx(170.0, abs=2.0)
    assert back["target"]["cadence"] == pytest.approx([168.0, 176.0])
    assert back["metronome_spm"] == pytest.approx(172.0)
    assert back["sensors"] == {"foot_left": {"status": "ok", "rate": 200.0}}
    assert len(back["steps"]) == len(steps) - 7 * ((len(steps) - 1) // 7)
    assert back["cadence_point"][0] == pytest.approx(steps["t_ic"].iloc[-1])


def test_session_tick_without_steps_and_external_speed() -> None:
    # easy_pace judges only with a band asked for (none ships)
    sess = FeedbackSession([load_drills()["easy_pace"].with_target("speed", 2.5, 3.1)])
    steps = scripted_steps(30.0, seed=5)
    sess.add_steps(steps)
    upd = sess.add_steps(steps.iloc[0:0], t_now=31.0, extra={"speed": 3.5})
    assert upd["t"] == 31.0
    assert upd["steps"] == []
    assert upd["cadence_point"] is None
    assert upd["metrics"]["speed"] == 3.5
    for t in np.arange(32.0, 45.0):
        upd = sess.add_steps(steps.iloc[0:0], t_now=float(t), extra={"speed": 3.5})
    assert upd["cue"] is not None
    assert upd["cue"]["drill"] == "easy_pace"
    assert upd["cue"]["state"] == "high"


def test_within_limb_variability_and_asymmetry_ratio() -> None:
    t = _table()
    rng = np.random.default_rng(0)
    t["gct"] = t["gct"] * (1 + rng.normal(0, 0.05, len(t)))
    m = window_metrics(t, window=len(t))
    left, right = t.loc[t.side == "left", "gct"], t.loc[t.side == "right", "gct"]
    cv = 0.5 * (left.std() / left.mean() + right.std() / right.mean())
    assert m["gct_cv"] == pytest.approx(cv)
    si = abs(left.mean() - right.mean()) / (0.5 * (left.mean() + right.mean()))
    assert m["gct_asym_ratio"] == pytest.approx(si / cv)

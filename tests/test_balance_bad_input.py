"""Bad input gets a clear typed error or a flagged trial, never a crash (issue 4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gait.balance import BalanceInputError, analyze_balance
from gait.cli import main
from gait.contract.constants import G
from gait.contract.errors import GaitError
from gait.contract.recording import Recording, SessionMeta, Stream
from gait.synth.balance import BalanceParams, Segment, synthesize_balance

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


def _plan(*segs: Segment) -> BalanceParams:
    return BalanceParams(plan=list(segs))


def test_trial_too_short():
    plan = _plan(
        Segment("stand", 4.0),
        Segment("stance", 5.0, leg="left", eyes="open", rms_ap=0.15, rms_ml=0.15),
        Segment("stand", 4.0),
        Segment("walk", 3.0),
        Segment("stand", 4.0),
        Segment("stance", 4.0, leg="right", eyes="open", rms_ap=0.15, rms_ml=0.15),
        Segment("stand", 4.0),
    )
    rec = synthesize_balance(("sacrum",), rate=100.0, seed=0, balance=plan)
    with pytest.raises(BalanceInputError) as err:
        analyze_balance(rec)
    assert err.value.reason == "too_short"
    assert "at least 7 s" in str(err.value)


def test_given_short_trial_is_flagged_not_fatal():
    rec = synthesize_balance(("sacrum",), rate=100.0, seed=1)
    truth = rec.reference.tables["balance_trials"]
    marks = truth[["t_start", "t_end", "kind", "leg", "eyes"]].copy()
    marks.loc[0, "t_end"] = marks.loc[0, "t_start"] + 3.0
    res = analyze_balance(rec, trials=marks)
    assert res.trials.loc[0, "flag"].startswith("too short")
    assert np.isnan(res.trials.loc[0, "rms_ap"])
    assert (res.trials.loc[1:3, "flag"] == "").all()
    assert any("too short" in f for f in res.flags)
    assert "too short" in res.render_text()


def test_all_given_trials_too_short_is_an_error():
    rec = synthesize_balance(("sacrum",), rate=100.0, seed=1)
    with pytest.raises(BalanceInputError) as err:
        analyze_balance(rec, trials=[{"t_start": 10.0, "t_end": 12.0}])
    assert err.value.reason == "too_short"


def test_sensor_not_on_trunk():
    rec = synthesize_balance(("sacrum", "foot-left"), rate=100.0, seed=0)
    feet_only = Recording(meta=rec.meta, streams=[s for s in rec.streams if s.placement == "foot"])
    with pytest.raises(BalanceInputError) as err:
        analyze_balance(feet_only)
    assert err.value.reason == "not_trunk"
    assert "trunk" in str(err.value)
    t = np.arange(3000) / 100.0
    arm = Stream("phone", None, t, np.tile([0.0, 0.0, G], (3000, 1)), rate=100.0, mount="armband")
    with pytest.raises(BalanceInputError, match="armband"):
        analyze_balance(Recording(SessionMeta(activity="balance"), [arm]))


def test_walking_detected_on_synthetic_walk():
    rec = synthesize_balance(
        ("sacrum",),
        rate=100.0,
        seed=0,
        balance=_plan(Segment("stand", 1.0), Segment("walk", 40.0), Segment("stand", 1.0)),
    )
    with pytest.raises(BalanceInputError) as err:
        analyze_balance(rec)
    assert err.value.reason == "walking"


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["1-1_lb.txt", "2-1_lb.txt"])
def test_walking_detected_on_real_lower_back_walk(name):
    """A real walking trial (ipol lower-back IMU) analysed as balance: 'walking detected'."""
    path = REAL / "ipol_feet_lowerback_walk" / name
    df = pd.read_csv(path, sep="\t", skiprows=1)
    acc = df[["Acc_X", "Acc_Y", "Acc_Z"]].to_numpy(float)
    t = np.arange(acc.shape[0]) / 100.0
    rec = Recording(SessionMeta(activity="balance"), [Stream("sacrum", None, t, acc, rate=100.0)])
    with pytest.raises(BalanceInputError) as err:
        analyze_balance(rec)
    assert err.value.reason == "walking"
    assert "walking" in str(err.value)


def test_runner_never_stood_still():
    rng = np.random.default_rng(0)
    n = 6000
    t = np.arange(n) / 100.0
    # Fidgeting: irregular 0.5–3 Hz movement of 1–2 m/s², no step rhythm, never quiet.
    from scipy import signal

    sos = signal.butter(2, [0.5, 3.0], btype="bandpass", fs=100.0, output="sos")
    acc = signal.sosfiltfilt(sos, rng.standard_normal((n, 3)), axis=0)
    acc *= 1.5 / acc.std(axis=0)
    acc[:, 2] += G
    rec = Recording(SessionMeta(activity="balance"), [Stream("sacrum", None, t, acc, rate=100.0)])
    with pytest.raises(BalanceInputError) as err:
        analyze_balance(rec)
    assert err.value.reason == "never_still"


def test_given_trial_where_runner_moved_is_flagged():
    rec = synthesize_balance(("sacrum",), rate=100.0, seed=2)
    bouts = rec.reference.tables["bouts"]
    walk = bouts[bouts["activity"] == "walk"].iloc[1]
    truth = rec.reference.tables["balance_trials"]
    marks = [
        {"t_start": walk.t_start - 1, "t_end": walk.t_end + 4, "leg": "left", "eyes": "open"},
        *truth[["t_start", "t_end", "kind", "leg", "eyes"]].to_dict("records"),
    ]
    res = analyze_balance(rec, trials=marks)
    row = res.trials[np.isclose(res.trials["t_start"], walk.t_start - 1)].iloc[0]
    assert row["flag"].startswith("not still")
    assert (res.trials["flag"] == "").sum() == len(truth)


def test_file_with_no_balance_trials():
    rec = synthesize_balance(
        ("sacrum",),
        rate=100.0,
        seed=0,
        balance=_plan(Segment("stand", 30.0), Segment("walk", 5.0), Segment("stand", 30.0)),
    )
    with pytest.raises(BalanceInputError) as err:
        analyze_balance(rec)
    assert err.value.reason == "no_trials"
    assert "no single-leg balance trial" in str(err.value)


def test_bad_marks_and_empty_recording():
    rec = synthesize_balance(("sacrum",), rate=100.0, seed=0)
    with pytest.raises(BalanceInputError):
        analyze_balance(rec, trials=[{"t_start": "soon", "t_end": 3}])
    with pytest.raises(BalanceInputError):
        analyze_balance(rec, trials=[])
    with pytest.raises(BalanceInputError):
        analyze_balance(Recording(SessionMeta(activity="balance"), []))
    assert issubclass(BalanceInputError, GaitError)


def test_cli_prints_clear_message_without_traceback(tmp_path, capsys):
    from gait.io.canonical_format import write_recording

    rec = synthesize_balance(
        ("sacrum",),
        rate=50.0,
        seed=0,
        balance=_plan(Segment("stand", 1.0), Segment("walk", 30.0), Segment("stand", 1.0)),
    )
    path = tmp_path / "walk.gaitrec"
    write_recording(rec, path)
    assert main(["balance", "--file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "walking" in err
    assert "Traceback" not in err
    assert main(["balance", "--file", str(tmp_path / "missing.gaitrec")]) == 2
    assert main(["balance"]) == 2
    assert "--simulate" in capsys.readouterr().err


def test_jitter_and_gaps():
    """Jittered timestamps are regridded; a long gap inside a trial flags it, never interpolated."""
    from dataclasses import replace

    rec = synthesize_balance(("sacrum",), rate=100.0, seed=3)
    s = rec.streams[0]
    rng = np.random.default_rng(0)
    jit = replace(s, t=s.t + rng.uniform(-0.002, 0.002, s.n))
    res = analyze_balance(Recording(rec.meta, [jit], reference=rec.reference))
    assert (res.trials["flag"] == "").all()
    truth = rec.reference.tables["balance_trials"]
    t0 = float(truth["t_start"][1]) + 12.0
    keep = (s.t < t0) | (s.t > t0 + 1.0)
    gap = replace(s, t=s.t[keep], acc=s.acc[keep], gyr=s.gyr[keep])
    res = analyze_balance(
        Recording(rec.meta, [gap], reference=rec.reference),
        trials=truth[["t_start", "t_end", "kind", "leg", "eyes"]],
    )
    assert res.trials.loc[1, "flag"].startswith("data gap")
    assert (res.trials.drop(index=1)["flag"] == "").all()

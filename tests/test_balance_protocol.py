"""Guided protocol engine, simulated source, CLI and outputs (no real-time waiting)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gait.balance import analyze_balance
from gait.balance.protocol import (
    ListPrompter,
    ManualClock,
    ProtocolConfig,
    ProtocolEngine,
    ScaledClock,
    SimulatedSource,
    build_protocol,
    timeline,
)
from gait.cli import main


def _engine(cfg: ProtocolConfig, **sim):
    source = SimulatedSource(build_protocol(cfg), cfg, rate=sim.pop("rate", 50.0), **sim)
    prompter = ListPrompter()
    return ProtocolEngine(cfg, source, ManualClock(), prompter), source, prompter


def test_protocol_order_and_prompts():
    cfg = ProtocolConfig(trial_length=20.0, familiarisation=True, hop=True, countdown=3)
    steps = build_protocol(cfg)
    assert [(s.kind, s.leg, s.eyes, s.familiarisation) for s in steps] == [
        ("stance", "left", "open", True),
        ("stance", "left", "open", False),
        ("stance", "right", "open", False),
        ("stance", "left", "closed", False),
        ("stance", "right", "closed", False),
        ("hop", "left", "open", False),
        ("hop", "right", "open", False),
    ]
    eng, source, prompter = _engine(cfg, seed=1)
    rec = eng.run()
    lines = prompter.lines
    assert lines[0].startswith("[1/7] Practice trial. Stand on your LEFT leg, eyes OPEN")
    assert lines[1:5] == ["3", "2", "1", "GO"]
    assert sum(x == "GO" for x in lines) == 5
    assert sum(x == "HOP" for x in lines) == 2
    assert lines[-1] == "Session complete."
    marks = rec.meta.extra["balance_trials"]
    plan = timeline(steps, cfg)
    assert [(m["t_start"], m["t_end"]) for m in marks] == [(go, stop) for _, go, stop in plan]
    assert rec.meta.extra["protocol"]["max_prompt_delay_s"] <= 0.01
    # every sample the source produced ended up in the recording, in order
    src = source.recording.streams[0]
    np.testing.assert_array_equal(rec.streams[0].t, src.t[src.t <= plan[-1][2] + 2.0])


def test_protocol_session_analysis_uses_marks_and_finds_asymmetry():
    cfg = ProtocolConfig(trial_length=30.0, hop=True)
    eng, source, _ = _engine(cfg, seed=3, asym_pct=35.0)
    rec = eng.run()
    res = analyze_balance(rec)
    assert (res.trials["labels"] == "protocol").all()
    assert list(res.trials["kind"]) == ["stance"] * 4 + ["hop"] * 2
    closed = res.session["symmetry"]["closed"]["rms"]
    assert closed["more_leg"] == "left"
    assert 25.0 <= closed["pct_more"] <= 45.0
    assert res.verdict.startswith("Left leg sways")
    assert "more than right with eyes closed" in res.verdict
    truth = source.recording.reference.tables["balance_trials"]
    hop_true = truth.loc[truth["kind"] == "hop", "stabilization_time"].to_numpy()
    hop_found = res.trials.loc[res.trials["kind"] == "hop", "stabilization_time"].to_numpy()
    np.testing.assert_allclose(hop_found, hop_true, atol=0.35)


def test_scaled_clock_runs_faster_than_real_time():
    clock = ScaledClock(1000.0)
    t0 = clock.now()
    clock.sleep(5.0)
    assert clock.now() - t0 >= 5.0
    with pytest.raises(ValueError, match="speed_up must be positive, got 0"):
        ScaledClock(0)
    m = ManualClock()
    m.sleep(2.5)
    assert m.now() == 2.5


def test_cli_simulate_writes_outputs(tmp_path, capsys):
    out = {k: tmp_path / f"b.{k}" for k in ("csv", "json", "html", "gaitrec")}
    rc = main(
        [
            "balance",
            "--simulate",
            "--speed-up",
            "5000",
            "--quiet",
            "--trial-length",
            "20",
            "--no-hop",
            "--transition",
            "6",
            "--sim-rate",
            "50",
            "--asym",
            "40",
            "--seed",
            "2",
            "--table-csv",
            str(out["csv"]),
            "--summary-json",
            str(out["json"]),
            "--figure",
            str(out["html"]),
            "--save-recording",
            str(out["gaitrec"]),
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "left eyes closed" in text
    assert "Verdict: Left leg sways" in text
    summary = json.loads(out["json"].read_text())
    assert summary["verdict"].startswith("Left leg sways")
    assert len(summary["trials"]) == 4
    html = out["html"].read_text()
    # plotly.js is inlined: no external script tag (a CDN would break offline use)
    assert "<script src=" not in html.replace('<script src="data:', "")
    assert len(html) > 1_000_000
    # --file on the saved recording gives the same table (protocol marks travel with the file)
    rc = main(["balance", "--file", str(out["gaitrec"]), "--json"])
    assert rc == 0
    again = json.loads(capsys.readouterr().out)
    assert again["verdict"] == summary["verdict"]


def test_cli_rejects_bad_simulation_options(capsys):
    assert main(["balance", "--simulate", "--sim-placements", "wrist", "--quiet"]) == 2
    assert main(["balance", "--simulate", "--speed-up", "0", "--quiet"]) == 2
    assert main(["balance", "--simulate", "--trial-length", "3", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "--sim-placements" in err


def test_result_outputs_and_figure(tmp_path):
    from gait.synth.balance import synthesize_balance

    rec = synthesize_balance(("sacrum",), rate=50.0, seed=0, touchdowns_closed=2)
    res = analyze_balance(rec)
    fig = res.figure()
    names = [tr.name or "" for tr in fig.data]
    assert any("left eyes open" in n for n in names)
    assert any("right eyes closed" in n for n in names)
    assert any("ellipse" in n for n in names)
    td_x = np.concatenate(
        [
            np.asarray(tr.x, float)
            for tr in fig.data
            if tr.name == "touch-down" and tr.x is not None and tr.x[0] is not None
        ]
    )
    assert td_x.size == 4
    paths = res.write_outputs(
        table_csv=tmp_path / "t.csv", summary_json=tmp_path / "s.json", figure=tmp_path / "f.json"
    )
    assert [p.name for p in paths] == ["t.csv", "s.json", "f.json"]
    s = json.loads((tmp_path / "s.json").read_text())
    assert s["session"]["guidance"].startswith("population guidance")
    assert s["session"]["symmetry"]["open"]["rms"]["band"]["guidance"].startswith(
        "population guidance"
    )
    text = res.render_text()
    for word in (
        "left eyes open",
        "right eyes closed",
        "Romberg",
        "Verdict:",
        "population guidance",
    ):
        assert word in text


def test_symmetry_index_and_session_progress():
    from gait.balance import compare_sessions
    from gait.balance.compare import symmetry_index
    from gait.synth.balance import synthesize_balance

    assert symmetry_index(1.0, 1.0) == 0.0
    assert symmetry_index(1.0, 1.5) == pytest.approx(40.0)  # (R − L)/(0.5(R + L)) × 100
    assert np.isnan(symmetry_index(0.0, 0.0))
    before = analyze_balance(
        synthesize_balance(("sacrum",), rate=50.0, seed=1, hop_legs=(), rms_open=0.15)
    ).trials
    after = analyze_balance(
        synthesize_balance(("sacrum",), rate=50.0, seed=2, hop_legs=(), rms_open=0.10)
    ).trials
    prog = compare_sessions(before, after)
    rms = prog[prog["metric"] == "rms"]
    assert set(rms["condition"]) == {"left_open", "right_open", "left_closed", "right_closed"}
    np.testing.assert_allclose(rms["change_pct"], -33.3, atol=5.0)


def test_spoken_prompts_and_live_callback(tmp_path, monkeypatch):
    """espeak-ng is called with each prompt when present; chunks reach an on_chunk callback."""
    from gait.balance.protocol import ConsolePrompter

    log = tmp_path / "spoken.txt"
    fake = tmp_path / "espeak-ng"
    fake.write_text(f'#!/bin/sh\necho "$1" >> {log}\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    import io

    out = io.StringIO()
    cfg = ProtocolConfig(trial_length=10.0, hop=False, eyes=("open",), transition=5.0)
    source = SimulatedSource(build_protocol(cfg), cfg, rate=25.0, seed=0)
    seen: list[int] = []
    eng = ProtocolEngine(
        cfg,
        source,
        ManualClock(),
        ConsolePrompter(out=out, speak=True),
        on_chunk=lambda ch: seen.append(ch.t.size),
    )
    rec = eng.run()
    assert "GO" in out.getvalue()
    assert sum(seen) == rec.streams[0].n > 0
    import time

    for _ in range(200):  # speech runs in the background (up to 10 s on a busy machine)
        if log.exists() and "Session complete." in log.read_text() and "GO" in log.read_text():
            break
        time.sleep(0.05)
    spoken = log.read_text().splitlines()
    # speech runs in parallel processes, so only membership (not order) is checked
    assert "GO" in spoken
    assert any(x.startswith("[1/2] Stand on your LEFT leg") for x in spoken)
    quiet = io.StringIO()
    ConsolePrompter(out=quiet, speak=False).say("hello")
    assert quiet.getvalue() == "hello\n"

"""``gait demo`` end to end (issue 6 item 6): virtual BLE → capture → engine → page → report.

The demo runs at a high speed-up through the CLI entry point, as ``make demo`` does;
it must end by itself, print the report path and exit 0, and the injected change
(cadence drop and left/right contact-time asymmetry halfway) must show in the results,
live and in the report from the capture. It runs twice: alone and beside two busy
processes (issue 16): the simulated clock waits for the engine, so load slows the demo
down but loses nothing (no gap in the capture, every step, cadence within 2 spm).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from load_helpers import LOADS, busy_processes

from gait.apps.live.demo import CADENCE, GCT_ASYM_PCT
from gait.cli import main

pytestmark = [pytest.mark.realtime, pytest.mark.slow]


def _halves(steps: pd.DataFrame, t_mid: float) -> list[dict[str, float]]:
    out = []
    for part in (steps[steps["t_ic"] < t_mid - 5], steps[steps["t_ic"] > t_mid + 5]):
        gl = float(part.loc[part["side"] == "left", "gct"].median())
        gr = float(part.loc[part["side"] == "right", "gct"].median())
        out.append(
            {
                "cadence": float(part["cadence"].median()),
                # from stride times: independent of how well the two feet's clocks line up
                "cadence_stride": 120.0 / float(part["stride_time"].median()),
                "asym": 100 * (gl - gr) / ((gl + gr) / 2),
            }
        )
    return out


@pytest.mark.parametrize("busy", LOADS)
def test_demo_runs_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, busy: int
) -> None:
    out = tmp_path / "demo"
    caplog.set_level(logging.WARNING)
    with busy_processes(busy):
        rc = main(["demo", "--speed-up", "10", "--out", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    # bumble's per-packet warnings are counted, never printed or logged through
    assert not [r for r in caplog.records if r.name.startswith("bumble")]
    # what `make demo` prints: cadence before and after the change within 2 spm of the truth
    said = [
        float(x)
        for x in re.findall(r"^\s+(?:before|after)\s+60 s: cadence\s+([\d.]+) spm", text, re.M)
    ]
    assert len(said) == 2, text
    assert abs(said[0] - CADENCE[0]) < 2, text
    assert abs(said[1] - CADENCE[1]) < 2, text
    m = re.search(r"^report: (.+)$", text, re.M)
    assert m, text
    report = Path(m.group(1))
    assert report.exists()
    assert report.stat().st_size > 100_000
    assert "live page: http://127.0.0.1:" in text
    html = report.read_text()
    assert "plotly" in html.lower()

    steps = pd.read_csv(out / "steps.csv")
    live = pd.read_csv(out / "live_steps.csv")
    summary = json.loads((out / "summary.json").read_text())
    # about 2 minutes of running
    assert len(steps) > 250
    assert len(live) > 250
    # nothing was lost: the capture covers the whole run without a hole
    from gait.io import ReadOptions, read

    for st in read(out / "session.gaitcap", ReadOptions()).streams:
        assert st.t[-1] - st.t[0] > 115, st.name
        assert np.diff(st.t).max() < 0.1, st.name
    assert not live["quality"].astype(str).str.contains("gap").any()
    # the report is on the session clock: it starts near 0 and spans the run
    assert steps["t_ic"].min() < 10
    assert steps["t_ic"].max() > 100
    for name, table in (("report", steps), ("live", live)):
        before, after = _halves(table, 60.0)
        assert abs(before["cadence_stride"] - CADENCE[0]) < 3, (name, before)
        assert abs(after["cadence_stride"] - CADENCE[1]) < 3, (name, after)
        assert abs(before["asym"]) < 3, (name, before)
        assert abs(after["asym"] - GCT_ASYM_PCT) < 4, (name, after)
    # live, the two feet share one session clock: per-step cadence is right too (the
    # capture's clock for an accelerated run lines the feet up less well, see the report)
    before, after = _halves(live, 60.0)
    assert abs(before["cadence"] - CADENCE[0]) < 5, (before, after)
    assert abs(after["cadence"] - CADENCE[1]) < 5, (before, after)
    # live and report agree step for step (same contacts, same clock after the shift);
    # at 10x a millisecond of wall latency is 10 ms of session time, and the first
    # seconds may be held back while the live clock settles (so: loose, but a wrong
    # clock shift would put every step a whole step or more away)
    lt = live["t_ic"].to_numpy()
    rt = steps["t_ic"].to_numpy()
    rt = rt[(rt > 15.0) & (rt < lt[-1])]
    j = np.clip(np.searchsorted(lt, rt), 1, len(lt) - 1)
    d = np.minimum(np.abs(lt[j] - rt), np.abs(lt[j - 1] - rt))
    assert np.median(d) < 0.1, (np.median(d), (d < 0.15).mean())
    assert (d < 0.15).mean() > 0.8, (np.median(d), (d < 0.15).mean())
    # the symmetry cue fires after the change, not before; the report lists it
    assert summary["live"]["steps"] == len(live)
    cues = json.loads((out / "cues.json").read_text())
    sym = [c for c in cues if c["drill"] == "symmetry" and c["level"] == "warn"]
    assert sym
    assert all(c["t"] > 60.0 for c in sym)
    assert any(c["drill"] == "cadence" and c["level"] == "warn" for c in cues)
    assert sym[0]["text"] in html

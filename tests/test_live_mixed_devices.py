"""Simulated live sensors at their own rates (issue 12, "Mixed sensors").

* A Polar Verity Sense beside a gait-imu streamed at the gait-imu's 200 Hz while its
  profile (and its decoder) said 52 Hz.
* A Verity Sense alone recorded one 26-sample frame and stopped: the simulated clock may
  run only a little ahead of what was delivered, but the device sends a frame only every
  0.5 s, so each waited for the other.
* With both, the session's summary withholds the left/right comparisons and says why.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path

import numpy as np
import pytest

from devices.ble_recorder import parse_device_spec
from devices.profiles import get_profile
from gait.apps.live.simulated import delivery_lag, make_sources, plan_devices
from gait.cli import main
from gait.contract.summary_types import LiveReportSummary, summary_problems
from gait.io import read

# Tests that run on the wall clock (a radio, sockets, a live session) carry the realtime
# mark one by one; the parsing and table checks here do not need it.


def test_each_virtual_device_streams_at_its_profile_rate() -> None:
    plan = plan_devices(
        [parse_device_spec("Polar Sense L=foot:left"), parse_device_spec("gait-imu R=foot:right")]
    )
    src = make_sources(plan, 10.0, seed=1)
    assert abs(src["Polar Sense L"].rate - 52.0) < 0.1
    assert abs(src["gait-imu R"].rate - 200.0) < 0.1
    # one body: both feet land at the same cadence (same strides in the same 10 s)
    for s in src.values():
        assert np.isfinite(s.acc).all()
        assert s.duration > 9.5


def test_delivery_lag_covers_a_full_frame() -> None:
    assert delivery_lag(get_profile("polar-verity")) >= 26 / 52.0
    assert delivery_lag(get_profile("gait-imu")) < 0.1


@pytest.mark.realtime
def test_polar_alone_records_the_whole_session(tmp_path: Path) -> None:
    out = tmp_path / "polar"
    rc = main(
        [
            "live",
            "--device",
            "Polar Sense L=foot:left",
            "--simulate",
            "--speed-up",
            "10",
            "--duration",
            "20",
            "--terminal",
            "--no-save",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    rec = read(out / "session.gaitcap")
    (st,) = rec.streams
    assert abs(st.rate - 52.0) < 0.5
    # 20 s at 52 Hz (before the fix: 26 samples, one frame)
    assert st.n > 0.9 * 20 * 52
    assert np.all(np.diff(st.t) > 0)


@pytest.fixture(scope="module")
def mixed_session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A simulated 30 s live session, Polar Sense left and gait-imu right: folder, terminal."""
    out = tmp_path_factory.mktemp("live") / "mixed"
    terminal = io.StringIO()
    with contextlib.redirect_stdout(terminal):
        rc = main(
            [
                "live",
                "--device",
                "Polar Sense L=foot:left",
                "--device",
                "gait-imu R=foot:right",
                "--simulate",
                "--speed-up",
                "10",
                "--duration",
                "30",
                "--terminal",
                "--no-save",
                "--out",
                str(out),
            ]
        )
    assert rc == 0
    return out, terminal.getvalue()


@pytest.mark.realtime
def test_polar_and_gait_imu_withhold_the_asymmetry_and_say_why(
    mixed_session: tuple[Path, str],
) -> None:
    out, terminal = mixed_session
    rates = {s.name: s.rate for s in read(out / "session.gaitcap").streams}
    assert abs(rates["foot_left"] - 52.0) < 0.5
    assert abs(rates["foot_right"] - 200.0) < 0.5
    s = json.loads((out / "summary.json").read_text())
    assert s["symmetry"] == {}
    assert s["asymmetry"] == []
    assert s["gct_balance_pct"] is None
    assert "52 Hz" in s["symmetry_status"]["gct"]
    assert "200 Hz" in s["symmetry_status"]["gct"]
    assert "gct_balance" in s["symmetry_status"]
    report = (out / "report.html").read_text()
    assert "Left/right comparisons not shown" in report
    # the terminal's closing line says why instead of a number
    assert "GCT balance not shown (left sampled at 52 Hz" in terminal


@pytest.mark.realtime
def test_the_live_report_summary_has_exactly_the_documented_keys(
    mixed_session: tuple[Path, str],
) -> None:
    out, _ = mixed_session
    s = json.loads((out / "summary.json").read_text())
    assert summary_problems(s, LiveReportSummary) == []
    assert s["live"]["steps"] > 0
    # the check sees a live key missing, mistyped or made up, and a malformed gap
    bad = copy.deepcopy(s)
    del bad["live"]["steps"]
    bad["live"]["cue_shift_s"] = "0.0"
    bad["live"]["lag_s"] = 0.1
    bad["gaps"] = {"foot_right": [[1.0, "2.0"]]}
    assert sorted(summary_problems(bad, LiveReportSummary)) == [
        "gaps.foot_right.[0].[1]: '2.0' is not number",
        "live.cue_shift_s: '0.0' is not number",
        "live.lag_s: not documented",
        "live.steps: missing",
    ]
    del bad["gaps"]
    assert "gaps: missing" in summary_problems(bad, LiveReportSummary)


def test_live_feedback_withholds_the_balance_of_incomparable_sensors() -> None:
    from gait.analysis.pipeline import analyze
    from gait.analysis.quality.sensor_limits import leg_pair_mismatch, spec_limits
    from gait.feedback import FeedbackSession, load_drills
    from gait.synth import GaitParams, synthesize

    polar = spec_limits("foot_left", "foot", "left", 52.0, True, 8 * 9.81)
    imu = spec_limits("foot_right", "foot", "right", 200.0, True, 16 * 9.81)
    why = leg_pair_mismatch([polar, imu, spec_limits("sacrum", "sacrum", None, 200.0, False)])
    assert why is not None
    assert "52 Hz" in why
    assert leg_pair_mismatch([imu, spec_limits("foot_left", "foot", "left", 200.0, True)]) is None
    # a clearly unbalanced run: the symmetry drill would cue on it ...
    steps = analyze(
        synthesize(
            placements=("foot-left", "foot-right"),
            duration=60.0,
            seed=4,
            gait=GaitParams(gct_asym_pct=15.0),
        )
    ).steps
    drills = load_drills()

    def run(withhold: bool) -> tuple[list[dict], dict]:
        fb = FeedbackSession([drills["symmetry"]], baseline_s=0.0)
        if withhold:
            fb.withhold("gct_balance", why)
        events, last = [], {}
        for i in range(0, len(steps), 10):
            last = fb.add_steps(steps.iloc[i : i + 10])
            events += last["events"]
        return events, last

    events, last = run(False)
    assert last["metrics"]["gct_balance"] > 52
    assert any(e["metric"] == "gct_balance" for e in events)
    # ... unless the balance is withheld: then it is neither shown nor cued on, and the reason
    # goes out
    events, last = run(True)
    assert last["metrics"]["gct_balance"] is None
    assert last["withheld"] == {"gct_balance": why}
    assert not [e for e in events if e["metric"] == "gct_balance"]

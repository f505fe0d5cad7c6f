"""The offline HTML report: content, self-containment, shared plotly.js, balance and the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from gait.cli import main
from gait.contract.result import GaitResult
from gait.feedback import load_drills, replay_cues
from gait.views.live_page import plotly_js_path
from gait.views.report import build_report, drift_table, interval_table
from gait.views.scripted import scripted_steps

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


@pytest.fixture(scope="module")
def session() -> tuple[GaitResult, list, list]:
    steps = scripted_steps(
        240.0,
        cadence=[(0, 166), (100, 166), (110, 150), (150, 150), (160, 176)],
        balance=[(0, 50), (100, 50), (110, 53)],
        speed=2.8,
        seed=7,
    )
    ev, eng = replay_cues(steps, load_drills(), baseline_s=60.0)
    return GaitResult(steps=steps, summary={"flags": ["gap:sacrum"]}), ev, eng.state()


def _figures(html: str) -> int:
    return len(re.findall(r'class="plotly-graph-div"', html))


def test_inline_report_is_self_contained_with_every_section(session, tmp_path: Path) -> None:
    res, ev, state = session
    out = build_report(res, cues=ev, drills=state, path=tmp_path / "r.html")
    html = out.read_text()
    assert "<script src=" not in html  # nothing to fetch: plotly.js is inline
    plotly_code = plotly_js_path().read_text()
    assert html.count(plotly_code[:200]) == 1  # plotly.js embedded exactly once
    ours = html.replace(plotly_code, "")
    assert not re.search(
        r"""(src|href)=["']https?://""", ours
    )  # no external asset outside plotly.js
    assert _figures(html) == 6  # cadence, contact, balance, strike, drift, cue timeline
    for heading in (
        "Cadence",
        "Contact time per side",
        "Contact-time balance",
        "Foot strike pattern",
        "Drift",
        "Cues",
        "Per interval",
    ):
        assert f"<h2>{heading}" in html
    assert "quicker, shorter steps" in html
    assert "left foot stays on the ground longer than right" in html
    assert "lands harder" not in html  # a contact-time imbalance says nothing about impact
    intervals = html.split('<table id="intervals">', 1)[1].split("</table>", 1)[0]
    assert intervals.count("<tr>") == 1 + 4  # header + four 1-minute intervals
    assert "gap:sacrum" in html
    assert 3_000_000 < out.stat().st_size < 8_000_000


def test_shared_plotly_js_is_written_once_and_referenced(session, tmp_path: Path) -> None:
    res, ev, _ = session
    a = build_report(
        res, cues=ev, path=tmp_path / "a.html", plotly_js="shared:assets/plotly.min.js"
    )
    b = build_report(res, path=tmp_path / "b.html", plotly_js="shared:assets/plotly.min.js")
    shared = tmp_path / "assets" / "plotly.min.js"
    assert shared.read_bytes() == plotly_js_path().read_bytes()
    for f in (a, b):
        assert '<script src="assets/plotly.min.js">' in f.read_text()
        assert f.stat().st_size < 600_000
    assert "No cue log" in b.read_text()
    with pytest.raises(ValueError, match="inline"):
        build_report(res, path=tmp_path / "c.html", plotly_js="cdn")
    with pytest.raises(ValueError, match="relative"):
        build_report(res, path=tmp_path / "c.html", plotly_js="shared:/abs/plotly.min.js")


def test_interval_and_drift_tables_follow_the_data(session) -> None:
    res, _, _ = session
    tab = interval_table(res.steps, 60.0)
    assert list(tab["start_s"]) == [0.0, 60.0, 120.0, 180.0]
    assert tab["cadence"].iloc[0] == pytest.approx(166.0, abs=0.5)
    assert tab["cadence"].iloc[3] == pytest.approx(176.0, abs=0.5)
    assert tab["gct_balance"].iloc[3] == pytest.approx(53.0, abs=0.5)
    drift = drift_table(res.steps).set_index("metric")
    assert drift.loc["cadence", "change_pct"] == pytest.approx(100 * (176 - 166) / 166, abs=1.0)
    assert drift_table(res.steps.head(10)).empty


class _FakeBalance:
    """Duck-typed stand-in for gait.balance.BalanceResult (figure(), trials, verdict)."""

    trials = pd.DataFrame({"leg": ["left", "right"], "eyes": ["open", "open"], "jerk": [0.8, 1.4]})
    verdict = "right leg sways more than left"

    def figure(self) -> go.Figure:
        return go.Figure(go.Scatter(x=np.arange(10), y=np.arange(10) ** 2, name="sway"))


def test_balance_only_report(tmp_path: Path) -> None:
    out = build_report(
        None, balance=_FakeBalance(), path=tmp_path / "bal.html", title="Balance test"
    )
    html = out.read_text()
    assert "<h1>Balance test</h1>" in html
    assert "Single-leg balance" in html
    assert _figures(html) == 1
    assert "right leg sways more" in html
    assert "jerk" in html


def test_report_without_strike_or_cues(tmp_path: Path) -> None:
    steps = scripted_steps(90.0, seed=3).drop(columns=["strike", "foot_strike_angle"])
    html = build_report(GaitResult(steps=steps, summary={}), path=tmp_path / "s.html").read_text()
    assert "Not measured from this sensor placement" in html
    assert "No cue log" in html


@pytest.mark.realdata
def test_cli_report_on_a_real_recording(tmp_path: Path, capsys) -> None:
    src = REAL / "ipol_feet_lowerback_walk" / "1-1.json"
    out = tmp_path / "rep.html"
    rc = main(
        [
            "report",
            str(src),
            "--out",
            str(out),
            "--cadence-target",
            "100-110",
            "--plotly-js",
            "shared:plotly.min.js",
        ]
    )
    assert rc == 0, capsys.readouterr().err
    html = out.read_text()
    assert (tmp_path / "plotly.min.js").is_file()
    assert _figures(html) >= 4
    assert "target 100\\u2013110" in html
    assert "<title>Walk session: 1-1.json</title>" in html  # activity and file name
    assert "report:" in capsys.readouterr().out


@pytest.mark.realdata
def test_cli_report_errors_are_clear(tmp_path: Path, capsys) -> None:
    assert main(["report", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err
    bad = tmp_path / "d.toml"
    bad.write_text("[[drill]]\nname='x'\n")
    src = REAL / "ipol_feet_lowerback_walk" / "1-1.json"
    assert main(["report", str(src), "--drills", str(bad), "--out", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err
    assert "d.toml" in err
    assert "Traceback" not in err
    assert main(["report", str(src), "--drill", "yoga", "--out", str(tmp_path / "x.html")]) == 2
    assert "unknown drill" in capsys.readouterr().err


def test_live_session_hands_its_cues_to_the_report(tmp_path: Path) -> None:
    from gait.feedback import FeedbackSession

    steps = scripted_steps(150.0, cadence=[(0, 172), (60, 172), (65, 150)], seed=8)
    sess = FeedbackSession([load_drills()["cadence"].with_target("cadence", 168, 178)])
    for i in range(0, len(steps), 3):
        sess.add_steps(steps.iloc[i : i + 3])
    kw = sess.report_kwargs()
    assert kw["cadence_band"] == (168.0, 178.0)
    assert [e.state for e in kw["cues"]] == ["low"]
    html = build_report(
        GaitResult(steps=steps, summary={}), path=tmp_path / "live.html", **kw
    ).read_text()
    assert "target 168" in html
    assert "quicker, shorter steps" in html
    assert _figures(html) == 6

"""Where the input checks reach the user (issue 12 item 3, follow-up).

Every finding of :mod:`gait.analysis.quality.plausibility` and every unit inferred from the
signal must be seen where the numbers are read: on stderr of ``gait analyze``, ``gait report`` and
``gait batch``; in the batch index next to each file's headline; in an "Input checks" block
at the top of the HTML report; on the live page (with a reason under each "—" the sensors
cannot fill) and in the live terminal. The recordings are synthetic (the generator).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from view_helpers import RecordingView

from gait.apps.live.reasons import CHECK_S, InputWatch, missing_reasons, window_checks
from gait.cli import main
from gait.contract.recording import Recording, Stream
from gait.io.units import G
from gait.synth import SensorParams, synthesize


@pytest.fixture(scope="module")
def run_rec() -> Recording:
    """30 s of synthetic running, both feet and a sacrum sensor."""
    return synthesize("run", ("foot-left", "foot-right", "sacrum"), duration=30.0, seed=3)


def _csv(path: Path, st: Stream, acc_k: float = 1.0) -> Path:
    """``st`` as a generic CSV, acceleration divided by ``acc_k`` (``G``: the file is in g)."""
    assert st.gyr is not None
    cols = {
        "t": st.t,
        **{f"acc_{a}": st.acc[:, i] / acc_k for i, a in enumerate("xyz")},
        **{f"gyr_{a}": st.gyr[:, i] for i, a in enumerate("xyz")},
    }
    pd.DataFrame(cols).to_csv(path, index=False)
    return path


# ----------------------------------------------------------------- CLI stderr


def test_analyze_announces_an_inferred_unit_as_info(
    tmp_path: Path, run_rec: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    p = _csv(tmp_path / "shoe_g.csv", run_rec.streams[0], acc_k=G)
    capsys.readouterr()
    assert main(["analyze", str(p), "--side", "left", "--no-save"]) == 0
    err = capsys.readouterr().err
    info = [ln for ln in err.splitlines() if ": info: " in ln]
    assert len(info) == 1, err
    assert "acc_unit=g" in info[0]
    assert "--acc-unit" in info[0]
    assert "shoe_g.csv" in info[0]
    # an info line, not a warning: the unit was right, only not given
    assert "acc_unit" not in " ".join(ln for ln in err.splitlines() if ": warning: " in ln)
    # given on the command line: nothing to announce
    assert (
        main(
            [
                "analyze",
                str(p),
                "--side",
                "left",
                "--acc-unit",
                "g",
                "--gyr-unit",
                "rad/s",
                "--no-save",
            ]
        )
        == 0
    )
    assert ": info: " not in capsys.readouterr().err


def test_report_prints_the_info_line_and_the_block(
    tmp_path: Path, run_rec: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    p = _csv(tmp_path / "shoe.csv", run_rec.streams[0], acc_k=G)  # in g and without --side
    out = tmp_path / "r.html"
    capsys.readouterr()
    assert (
        main(
            [
                "report",
                str(p),
                "--no-cues",
                "--out",
                str(out),
                "--plotly-js",
                "shared:plotly.min.js",
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "info: foot: acc_unit=g" in err
    assert "warning: " in err
    assert "--side" in err
    page = out.read_text()
    assert '<section class="checks" id="input-checks"><h2>Input checks</h2>' in page
    block = page.split('id="input-checks"', 1)[1].split("</section>", 1)[0]
    # the finding, the metrics it affects (labels of the metric table) and what to do
    assert "give --side left or --side right" in block
    assert "flight time" in block
    assert "GCT balance" in block
    assert "acc_unit=g" in block
    assert "inferred from the signal" in block
    # near the top: before the "what to fix" block and the cards
    assert page.index('id="input-checks"') < page.index('id="fix"')


def test_a_plausible_input_has_no_block(tmp_path: Path, run_rec: Recording) -> None:
    from gait.analysis.pipeline import analyze
    from gait.views.report import build_report

    res = analyze(Recording(run_rec.meta, run_rec.by_placement("foot")))
    assert res.summary["input_checks"] == []
    assert res.summary["units_inferred"] == {}
    page = build_report(
        res, path=tmp_path / "ok.html", plotly_js="shared:plotly.min.js"
    ).read_text()
    assert 'id="input-checks"' not in page


def test_report_says_why_contact_time_is_empty(tmp_path: Path) -> None:
    """An accelerometer-only shank in walking: contact times are withheld; the report says why."""
    from gait.analysis.pipeline import analyze
    from gait.views.report import build_report

    rec = synthesize(
        "walk",
        ("shank-left", "shank-right"),
        duration=30.0,
        seed=4,
        sensor=SensorParams(no_gyro=True),
    )
    res = analyze(rec)
    left_out = res.summary["contact_time_left_out"]
    assert left_out
    assert left_out["steps"] > 0
    page = build_report(
        res, path=tmp_path / "walk.html", plotly_js="shared:plotly.min.js"
    ).read_text()
    section = page.split("<h2>Contact time per side</h2>", 1)[1].split("<h2>", 1)[0]
    assert f"ontact time left out on {left_out['steps']} of {left_out['of']} steps" in section
    assert str(left_out["reason"])[:40] in section
    assert "Not measured from this sensor placement" not in section
    assert f"left out on {left_out['steps']} of {left_out['of']} steps</div>" in page  # the card


# ----------------------------------------------------------------- batch


def test_batch_prints_findings_and_the_index_shows_them(
    tmp_path: Path, run_rec: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    _csv(src / "one_shoe.csv", run_rec.streams[0], acc_k=G)  # no side, in g
    out = tmp_path / "out"
    capsys.readouterr()
    rc = main(["batch", str(src), "--out", str(out), "--workers", "0", "--no-save"])
    assert rc == 0
    err = capsys.readouterr().err
    assert "one_shoe.csv: info: foot: acc_unit=g" in err
    assert "one_shoe.csv: warning: " in err
    assert "--side" in err
    index = (out / "index.html").read_text()
    row = index.split("one_shoe.csv</a></td>", 1)[1].split("</tr>", 1)[0]
    assert "input check: foot: side unknown (give --side left or --side right)" in row
    assert "input check: one leg measured" in row
    # next to the headline, in the same cell
    head = row.split("<td class='head'>", 1)[1].split("</td>", 1)[0]
    assert head.startswith("run")
    assert "side unknown" in head


# ----------------------------------------------------------------- live


def test_missing_reasons_pure() -> None:
    both_feet = [("foot", "left", True), ("foot", "right", True)]
    assert missing_reasons(both_feet) == {}
    one = missing_reasons([("foot", "left", True)])
    assert set(one) == {"gct_right", "gct_balance"}
    assert "right leg" in one["gct_right"]
    sacrum = missing_reasons([("sacrum", None, False)])
    assert set(sacrum) == {"speed", "strike"}
    assert "foot sensor" in sacrum["speed"]
    assert "speed" not in missing_reasons([("sacrum", None, False)], speed_source=True)
    acc_feet = missing_reasons([("foot", "left", False), ("foot", "right", False)])
    assert set(acc_feet) == {"speed", "strike"}
    # a trunk sensor sees both legs: one foot beside it leaves nothing one-legged
    assert "gct_balance" not in missing_reasons([("foot", "left", True), ("sacrum", None, False)])


def test_window_checks_catch_a_foot_labelled_sacrum_and_a_unit(run_rec: Recording) -> None:
    foot = run_rec.streams[0]
    sac = run_rec.by_placement("sacrum")[0]
    n = int(CHECK_S * foot.rate)
    assert foot.gyr is not None
    assert sac.gyr is not None
    codes = [
        c.code for c in window_checks("s", "sacrum", None, foot.acc[:n], foot.gyr[:n], foot.rate)
    ]
    assert codes == ["placement_suspect"]
    codes = [
        c.code for c in window_checks("s", "sacrum", None, sac.acc[:n] / G, sac.gyr[:n], sac.rate)
    ]
    assert codes == ["acc_unit_suspect"]
    # right labels and units: silent
    assert window_checks("s", "sacrum", None, sac.acc[:n], sac.gyr[:n], sac.rate) == []
    assert window_checks("f", "foot", None, foot.acc[:n], foot.gyr[:n], foot.rate) == []
    # judged after every CHECK_S seconds of blocks, a finding reported once
    fs = InputWatch("s", "sacrum", foot.rate)
    k = int(foot.rate)
    results = [fs.add(foot.acc[i : i + k], foot.gyr[i : i + k], 1.0) for i in range(0, 45 * k, k)]
    done = [r for r in results if r is not None]
    assert len(done) == 2
    assert [c.code for c in done[0]] == ["placement_suspect"]
    assert done[1] == []  # the second window sees it again: not reported twice
    assert results.index(done[0]) == int(CHECK_S) - 1


@pytest.mark.realtime
def test_live_payload_says_why_a_metric_is_missing(tmp_path: Path) -> None:
    from gait.apps.live import LiveConfig, run_live

    cfg = LiveConfig(
        devices=["Polar H10 S=sacrum"],
        out=tmp_path / "live",
        duration=30.0,
        simulate=True,
        speed_up=10.0,
        seed=2,
        save=False,
    )
    view = RecordingView()
    run_live(cfg, view, announce=lambda _m: None)
    last = view.updates[-1]
    assert last["metrics"].get("cadence") is not None  # the session ran
    assert last["metrics"].get("speed") is None
    assert last["missing"]["speed"].startswith("needs a foot sensor with a gyroscope")
    assert "strike" in last["missing"]
    assert last["input_checks"] == []  # a sacrum labelled sacrum: nothing to warn about


@pytest.mark.slow
@pytest.mark.realtime
def test_live_one_leg_and_a_placement_warning_reach_page_and_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A left foot only: the right contact time and the balance say why.

    The placement check runs on the first seconds: here a foot judged as if it were labelled
    sacrum (the simulator always moves a sensor as its label says, so the label is swapped for
    the check only).
    """
    import gait.apps.live.runtime as ls
    from gait.apps.live import LiveConfig, run_live

    class AsSacrum(InputWatch):
        def __init__(
            self,
            name: str,
            placement: str,  # noqa: ARG002 - InputWatch's signature; the label is swapped
            rate: float,
            mount: str | None = None,
        ) -> None:
            super().__init__(name, "sacrum", rate, mount)

    monkeypatch.setattr(ls, "InputWatch", AsSacrum)
    cfg = LiveConfig(
        devices=["gait-imu L=foot:left"],
        out=tmp_path / "live",
        duration=40.0,
        simulate=True,
        speed_up=10.0,
        seed=2,
        save=False,
    )
    view = RecordingView()
    said: list[str] = []
    run_live(cfg, view, announce=said.append)
    last = view.updates[-1]
    assert last["metrics"].get("gct_right") is None
    assert last["missing"]["gct_right"] == "no sensor on the right leg"
    assert "both legs" in last["missing"]["gct_balance"]
    codes = [c["code"] for c in last["input_checks"]]
    assert codes == ["placement_suspect"]
    assert "--placement" in last["input_checks"][0]["message"]
    # the terminal gets it once
    assert sum("warning: " in s and "--placement" in s for s in said) == 1
    # the first update that carries it comes after the first CHECK_S seconds
    first = next(u for u in view.updates if u.get("input_checks"))
    assert first["t"] >= CHECK_S - 2.0
    # the terminal view renders it
    from rich.console import Console

    from gait.views.terminal import render

    con = Console(record=True, width=200)
    con.print(render(last))
    text = con.export_text()
    assert "input check: " in text
    assert "no sensor on the right leg" in text


def test_live_page_script_shows_the_reasons() -> None:
    """The page has a reason slot under each number that may be missing and a checks banner."""
    static = Path(__file__).resolve().parents[1] / "gait" / "views" / "static"
    page = (static / "live.html").read_text()
    for metric in ("gct_left", "gct_right", "gct_balance", "strike", "speed"):
        assert f'data-why="{metric}"' in page
    assert 'id="input-checks"' in page
    js = (static / "live.js").read_text()
    assert "m.missing" in js
    assert "m.input_checks" in js
    assert np.isfinite(CHECK_S)


def test_live_page_server_passes_the_reasons_on() -> None:
    """The page server keeps only its state fields: the reasons must be among them.

    They were not, so the withheld balance label never reached a page.
    """
    from gait.views.live_page import LivePage

    page = LivePage()
    page.publish(
        {
            "t": 1.0,
            "withheld": {"gct_balance": "rates differ"},
            "missing": {"speed": "no foot"},
            "input_checks": [
                {"code": "acc_unit_suspect", "stream": "sacrum", "message": "m", "metrics": []}
            ],
        }
    )
    snap = page.snapshot()
    assert snap["withheld"] == {"gct_balance": "rates differ"}
    assert snap["missing"] == {"speed": "no foot"}
    assert [c["code"] for c in snap["input_checks"]] == ["acc_unit_suspect"]

"""Issue 12 item 7: reports lead with what to fix and name the file and activity.

They stand alone, say what was measured, and use balance norms that fit a runner.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from report_helpers import balance_result, mixed_batch

import gait
from gait.balance.bands import mark
from gait.contract.result import GaitResult
from gait.feedback import load_drills, replay_cues
from gait.views.report import build_report
from gait.views.report.batch_index import index_html, row_flags, row_headline
from gait.views.scripted import scripted_steps

NOTES = re.compile(r"(METRICS|DESIGN|PROTOCOLS)\.md|\[R\d+\]|\[V, R\d+\]")


@pytest.fixture(scope="module")
def run() -> GaitResult:
    # Cadence falls below its band after 100 s and the left foot's contact share rises to 53 %.
    steps = scripted_steps(
        240.0,
        cadence=[(0, 166), (100, 166), (110, 150), (240, 150)],
        balance=[(0, 50), (100, 50), (110, 53)],
        speed=2.8,
        seed=7,
    )
    return GaitResult(steps=steps, summary={"activity": "run"})


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_batch(tmp_path_factory.mktemp("batch"))


def _text(html: str) -> str:
    """Visible text: scripts (plotly.js) and tags removed."""
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_run_report_leads_with_findings_and_their_drills(run: GaitResult, tmp_path: Path) -> None:
    ev, eng = replay_cues(run.steps, load_drills(), baseline_s=60.0)
    html = build_report(
        run, cues=ev, drills=eng.state(), path=tmp_path / "r.html", plotly_js="shared:p.js"
    ).read_text()
    fix = html.index('id="fix"')
    assert fix < html.index('class="cards"') < html.index("<h2>Cadence")  # headline, then details
    block = html[fix : html.index("</section>", fix)]
    items = re.findall(r"<li>.*?</li>", block)
    assert 1 <= len(items) <= 3
    assert "Cadence" in block
    assert "GCT balance" in block  # the metric table's labels
    assert all("Drill: <b>" in li for li in items)  # each finding names its drill
    # The least-in-band check comes first.
    pcts = [int(p) for p in re.findall(r"in its target band (\d+)% of the time", block)]
    assert pcts == sorted(pcts)


def test_headline_without_a_cue_log_replays_the_drills(run: GaitResult, tmp_path: Path) -> None:
    html = build_report(run, path=tmp_path / "r.html", plotly_js="shared:p.js").read_text()
    assert 'id="fix"' in html
    assert "replayed" in html
    assert "Drill: <b>" in html
    even = GaitResult(steps=scripted_steps(120.0, seed=3), summary={"activity": "run"})
    html = build_report(even, path=tmp_path / "e.html", plotly_js="shared:p.js").read_text()
    assert "Nothing to fix" in html


def test_title_names_activity_and_file(run: GaitResult, tmp_path: Path) -> None:
    walk = GaitResult(steps=run.steps, summary={"activity": "walk"})
    html = build_report(
        walk, path=tmp_path / "w.html", plotly_js="shared:p.js", source="/x/park_walk.csv"
    ).read_text()
    assert "<title>Walk session: park_walk.csv</title>" in html
    assert "<h1>Walk session: park_walk.csv</h1>" in html
    assert "Running session" not in html


def test_batch_reports_are_titled_by_file_and_activity(batch: Path) -> None:
    titles = {
        re.search(r"<title>(.*?)</title>", p.read_text()).group(1)  # type: ignore[union-attr]
        for p in batch.glob("files/*/report.html")
    }
    assert titles == {
        "Run session: tempo0.gaitrec",
        "Run session: tempo1.gaitrec",
        "Walk session: park_walk.gaitrec",
        "Balance session: balance.gaitrec",
    }


def test_batch_index_has_headlines_flags_integers_and_trends(batch: Path) -> None:
    html = (batch / "index.html").read_text()
    assert '<script src="plotly.min.js"></script>' in html
    assert "https://" not in html
    assert "http://" not in html
    assert html.count('class="plotly-graph-div"') == 3  # cadence, contact time, balance trends
    table = html[html.index('<table id="files">') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table)[1:]
    assert len(rows) == 4
    for r in rows:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", r)
        assert all(c.strip() for c in cells), r  # no empty cells
    assert not re.search(r"\b\d+\.0 steps\b", table)
    assert re.search(
        r"tempo0\.gaitrec</a></td><td class='head'>run, 0\.\d min, \d+ steps, cadence", table
    )
    assert "park_walk.gaitrec</a></td><td class='head'>walk," in table
    assert "balance.gaitrec</a></td><td class='head'>balance: " in table
    assert "<h2>Errors</h2>" not in html
    assert "<h2>Skipped" not in html  # no empty tables


def test_index_flags_out_of_band_rows() -> None:
    row = {
        "path": "a.csv",
        "activity": "run",
        "duration_s": 600.0,
        "steps": 63.0,
        "cadence_spm": 170.0,
        "gct_ms": 250.0,
        "gct_balance_pct": 52.4,
    }
    assert "63 steps" in row_headline(row)
    assert "63.0" not in row_headline(row)
    flags = row_flags(row, {"flags": ["gap:sacrum"]})
    assert flags[0].startswith(
        "GCT balance 52.4 % L: left foot on the ground longer"
    )  # the metric table's words
    assert flags[1] == "gap:sacrum"
    assert row_flags({**row, "gct_balance_pct": 50.2}) == []
    html = index_html(
        Path("/nonexistent"),
        pd.DataFrame([row]),
        pd.DataFrame(columns=["path", "error_type", "error"]),
        pd.DataFrame(columns=["path", "reason"]),
    )
    assert "52.4 % L" in html
    assert "trend-0" not in html  # one file: no trend to draw


def test_balance_report_labels_units_and_verdict_as_text(tmp_path: Path) -> None:
    res = balance_result()
    html = build_report(
        None, balance=res, path=tmp_path / "b.html", plotly_js="shared:p.js"
    ).read_text()
    table = html[html.index('<table id="trials"') :]
    table = table[: table.index("</table>")]
    for raw in (
        "ellipse_area",
        "n_touchdowns",
        "time_to_failure",
        "stabilization_time",
        "True",
        "False",
        ">nan<",
    ):
        assert raw not in table, raw
    assert "95 % sway ellipse area (m²/s⁴)" in table
    assert "sway RMS (m/s²)" in table
    assert "held to the end" in table
    assert f'id="verdict"><b>Verdict:</b> {res.verdict[:30]}' in html.replace("&#x27;", "'")
    assert res.figure().layout.title.text != res.verdict  # not a clipped figure title


def test_balance_norms_fit_a_runner() -> None:
    res = balance_result()
    text = res.render_text()
    assert not re.search(r"\d\d–\d\d y|y average", text)
    ttf = res.session["time_to_failure"]
    assert ttf
    assert all(v["zone"] == "no reference band" for v in ttf.values())
    assert "60+" in mark("time_to_failure", 12.0)["note"]
    hop = mark("hop_tts", 2.5)
    assert "Gribble" in hop["source"]
    assert "y average" not in hop["zone"]


def test_user_facing_text_cites_no_design_notes(
    run: GaitResult, tmp_path: Path, batch: Path
) -> None:
    res = balance_result()
    pages = [
        build_report(
            run, balance=res, path=tmp_path / "r.html", plotly_js="shared:p.js"
        ).read_text(),
        (batch / "index.html").read_text(),
        *(p.read_text() for p in batch.glob("files/*/report.html")),
    ]
    for page in pages:
        assert not NOTES.search(_text(page)), NOTES.search(_text(page))
    assert not NOTES.search(res.render_text())
    for metric in (
        "symmetry_index",
        "time_to_failure",
        "bess_errors",
        "hop_tts",
        "romberg",
        "sway",
    ):
        m = mark(metric, 1.0)
        assert not NOTES.search(" ".join(str(v) for v in m.values())), m
    # Strings the package shows (not comments): no design-note references anywhere.
    pkg = Path(gait.__file__).parent
    for f in [
        *pkg.joinpath("views", "report").glob("*.py"),
        pkg / "balance" / "bands.py",
        pkg / "balance" / "figure.py",
    ]:
        for lit in re.findall(r'"([^"\n]*)"', f.read_text()):
            assert not NOTES.search(lit), (f, lit)

"""Every view shows a metric with the label, unit, scale and decimals of the metric table.

The table is gait/contract/metric_defs.py.

Each consumer is rendered (page HTML, terminal cells, closing lines, analyze's table, the
report, batch index, history trend, drills, watch comparison, balance text) and compared with
the table; every metric key a consumer shows must exist in the table, and the README's metric
table must be the table's own Markdown.
"""

from __future__ import annotations

import json
import re
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

import gait
from gait.contract.metric_defs import (
    METRICS,
    fmt,
    label_with_unit,
    markdown_table,
    page_defs,
    summary_label,
    summary_value,
    with_unit,
)
from gait.feedback import load_drills, window_metrics
from gait.feedback.drills import Check
from gait.synth import GaitParams, SensorParams, synthesize

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "gait" / "views" / "static"


@pytest.fixture(scope="module")
def run() -> gait.GaitResult:  # type: ignore[name-defined]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = synthesize(
            "run",
            ("foot-left", "foot-right", "sacrum"),
            duration=30.0,
            rate=200.0,
            seed=11,
            gait=GaitParams(),
            sensor=SensorParams(),
        )
    return gait.analyze(rec)


@pytest.fixture(scope="module")
def balance():  # type: ignore[no-untyped-def]
    from report_helpers import balance_result

    return balance_result()


# --- the table itself ----------------------------------------------------------------------
def test_readme_metric_table_is_the_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- metric table:")
    start = readme.index("\n", start) + 1
    end = readme.index("<!-- end of metric table -->")
    assert readme[start:end] == markdown_table()
    assert len(markdown_table().splitlines()) == len(METRICS) + 2


def test_every_source_is_in_the_references() -> None:
    refs = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    refs = refs[refs.index("## References") :]
    for d in METRICS.values():
        for src in d.source.split(";"):
            words = src.strip().split()
            assert words[0] in refs, (d.name, src)
            year = [w for w in words if re.fullmatch(r"(19|20)\d\d", w)]
            if year:  # author and year on one reference line
                assert re.search(rf"{re.escape(words[0])}[^\n]*\({year[0]}\)", refs), (d.name, src)


def test_fmt_scales_and_rounds_with_the_table() -> None:
    assert fmt("gct", 0.2514) == "251 ms"
    assert fmt("duty_factor", 0.363) == "36.3 %"
    assert fmt("vertical_oscillation", 0.0712) == "7.1 cm"
    assert fmt("foot_strike_angle", 12.34) == "12.3°"
    assert fmt("impact", 2 * 9.80665) == "2.0 g"
    assert fmt("n_touchdowns", 3.0) == "3"
    assert fmt("gct", None) == "–"
    assert fmt("gct", float("nan"), missing="—") == "—"
    assert label_with_unit("n_touchdowns") == "touch-downs"  # a count has no unit
    assert summary_label("gct_ms.mean") == "ground contact time (ms)"
    assert summary_label("conditions.left_open.rms") == "sway RMS (m/s²)"
    assert summary_label("sway_area") == label_with_unit("ellipse_area")
    assert summary_label("not_a_metric") == "not_a_metric"


# --- every key a consumer shows is in the table --------------------------------------------
def test_every_metric_a_consumer_shows_is_defined(balance) -> None:  # type: ignore[no-untyped-def]
    from gait.analysis.summary import SYMMETRY_METRICS
    from gait.apps.live.cli_common import CLOSING_METRICS
    from gait.apps.watch import COMPARED
    from gait.balance.compare import condition_means
    from gait.cli.analyze import SUMMARY_ROWS
    from gait.views.report.batch_index import _TREND_METRICS
    from gait.views.report.build import TRIAL_COLUMNS
    from gait.views.report.tables import DRIFT_METRICS, INTERVAL_COLUMNS
    from gait.views.terminal import BIG_METRICS

    shown = set(SUMMARY_ROWS) | set(CLOSING_METRICS) | set(DRIFT_METRICS) | set(BIG_METRICS)
    shown |= {n for n, *_ in INTERVAL_COLUMNS} | {n for _, n in _TREND_METRICS} | set(COMPARED)
    shown |= set(SYMMETRY_METRICS) | {"double_support"}
    shown |= {c.metric for d in load_drills().values() for c in d.checks}
    page = (STATIC / "live.html").read_text(encoding="utf-8")
    on_page = set(re.findall(r'data-metric="([a-z_]+)"', page))
    assert on_page == {"cadence", "gct_left", "gct_right", "gct_balance", "speed"}
    shown |= on_page
    missing = shown - set(METRICS)
    assert not missing, missing
    # the balance report's metric columns and the per-condition summary (history's trends)
    metric_cols = [c for c, h, _ in TRIAL_COLUMNS if c in METRICS]
    assert {"rms", "ellipse_area", "n_touchdowns", "time_to_failure", "stabilization_time"} <= set(
        metric_cols
    )
    means = condition_means(balance.trials)
    assert {"left_open", "right_open", "left_closed", "right_closed"} <= set(means)
    for cond, values in means.items():
        for key in values:
            if key != "n_trials":
                assert key in METRICS, (cond, key)
                assert METRICS[key].kind == "balance", (cond, key)


# --- live page -------------------------------------------------------------------------------
def test_live_page_embeds_the_table_and_hard_codes_no_unit() -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient

    from gait.views.live_page import LivePage

    page = LivePage(title="defs")
    with TestClient(page.app, base_url="http://127.0.0.1") as client:
        html = client.get("/").text
    m = re.search(r'<script id="metric-defs" type="application/json">(.*?)</script>', html, re.S)
    assert m is not None
    defs = json.loads(m.group(1))
    assert defs == page_defs([n for n, d in METRICS.items() if d.kind == "gait"])
    assert defs["vertical_ratio"]["scale"] == 1.0
    assert defs["gct"] == {
        "label": "ground contact time",
        "unit": "ms",
        "scale": 1000.0,
        "decimals": 0,
    }
    # the page's code carries no unit or conversion factor of its own (km/h under m/s aside)
    js = (STATIC / "live.js").read_text(encoding="utf-8")
    for bad in (
        r"\*\s*1000\b",
        r"\*\s*100\b",
        r'"\s*ms\b',
        r"steps/min",
        r"% left",
        r'" spm"',
        r"% heel",
        r'" m/s',
        r"\* 3\.6\b",
    ):
        assert not re.search(bad, js), bad
    page_html = (STATIC / "live.html").read_text(encoding="utf-8")
    for bad in (">ms<", ">steps/min<", ">% left<", ">Contact L<"):
        assert bad not in page_html, bad


# --- terminal views and closing lines ----------------------------------------------------------
def test_terminal_cells_read_the_table(run) -> None:  # type: ignore[no-untyped-def]
    from gait.views.terminal import big_cells

    part = run.steps.sort_values("t_ic")
    m = window_metrics(part, window=len(part), min_steps=2)
    cells = big_cells(m, (170.0, 180.0))
    assert [c[0] for c in cells] == ["cadence", "gct_left", "gct_right", "gct_balance", "speed"]
    for name, label, value, _note in cells:
        assert label == with_unit(name, METRICS[name].label)
        assert value == fmt(name, m[name], unit=False, missing="-")
    speed = dict((c[0], c) for c in cells)["speed"]
    assert speed[1] == "speed m/s"
    assert speed[3] == f"{m['speed'] * 3.6:.1f} km/h"


def test_live_and_demo_closing_lines(run) -> None:  # type: ignore[no-untyped-def]
    from gait.apps.live.cli_common import closing_line
    from gait.apps.live.demo import describe_change

    s = dict(run.summary)
    line = closing_line(120, s)
    for name in ("cadence", "gct", "gct_balance"):
        assert f"{METRICS[name].label} {fmt(name, summary_value(s, name))}" in line, (name, line)
    assert "steps: 120 live" in line
    lines = describe_change(run.steps, 15.0, margin=2.0)
    assert len(lines) == 2
    for ln in lines:
        assert re.search(
            r"cadence \d+ spm, contact time left \d+ ms / contact time right \d+ ms", ln
        ), ln


# --- gait analyze and --compare-fit ------------------------------------------------------------
def test_analyze_table_reads_the_table(run) -> None:  # type: ignore[no-untyped-def]
    from gait.apps.watch import compare
    from gait.cli.analyze import comparison_rows, summary_notes, summary_rows

    s = run.summary
    rows = {r[0]: r for r in summary_rows(s)}
    seen = 0
    for name, d in METRICS.items():
        v = summary_value(s, name)
        if d.kind != "gait" or v is None or name.startswith("gct_") or name.endswith("_share"):
            continue
        assert rows[d.label][1] == fmt(name, v), name
        seen += 1
    assert seen >= 10
    assert rows["ground contact time"][2:] == (
        fmt("gct_left", summary_value(s, "gct_left")),
        fmt("gct_right", summary_value(s, "gct_right")),
    )
    assert rows["duty factor"][1].endswith(" %")  # a share shown in %, not 0.36
    assert rows["vertical oscillation"][1].endswith(" cm")
    shown = next(m for m in s["symmetry"] if m in METRICS)
    assert rows[f"SI {METRICS[shown].label}"][2] == fmt(shown, s["symmetry"][shown]["left"])
    for m in s.get("symmetry_status") or {}:  # a withheld index points to its reason
        if m != "gct_balance":
            assert rows[f"SI {METRICS[m].label if m in METRICS else m}"][1] == "not shown ¹"
    notes = "\n".join(summary_notes(s))
    assert f"heel strikes {fmt('rear_share', s['overstride']['strike']['rear'])}" in notes
    watch = {
        "cadence_spm": 170.0,
        "gct_ms": {"mean": 250.0},
        "gct_balance_pct": 50.0,
        "overstride": {"vertical_oscillation_m": 0.08, "vertical_ratio_pct": 7.0},
    }
    table = compare(s, watch)
    printed = {r[0]: r for r in comparison_rows(table.to_dict(orient="records"))}
    for rec in table.to_dict(orient="records"):
        d = METRICS[rec["name"]]
        assert rec["metric"] == d.label
        assert rec["unit"] == d.display_unit
        key = f"{d.label} ({d.display_unit})"
        assert printed[key][1] == f"{rec['ours']:.{d.decimals}f}"


def test_vertical_ratio_is_per_step_in_every_view(run) -> None:  # type: ignore[no-untyped-def]
    from gait.cli.analyze import summary_rows
    from gait.views.report.tables import interval_table

    s = run.summary
    part = run.steps[run.steps["activity"] == s["activity"]].sort_values("t_ic")
    ok = part["vertical_oscillation"].notna() & part["stride_length"].notna()
    per_step = float(
        np.mean(100 * part.loc[ok, "vertical_oscillation"] / (part.loc[ok, "stride_length"] / 2))
    )
    per_stride = per_step / 2
    summary_vr = s["overstride"]["vertical_ratio_pct"]
    live_vr = window_metrics(part, window=len(part), min_steps=2)["vertical_ratio"]
    report_vr = interval_table(part, interval_s=1e6).iloc[0]["vertical_ratio"]
    for v in (summary_vr, live_vr, report_vr):
        assert v == pytest.approx(per_step, abs=0.01)
        assert abs(v - per_stride) > 1.0
    drill = next(c for c in load_drills()["overstride"].checks if c.metric == "vertical_ratio")
    assert (
        drill.scale == METRICS["vertical_ratio"].scale == 1.0
    )  # the 8.6 % bound is on the step scale
    assert {r[0]: r[1] for r in summary_rows(s)}["vertical ratio"] == fmt(
        "vertical_ratio", summary_vr
    )


# --- report, batch index, history ------------------------------------------------------------
def test_report_headline_and_drift_read_the_table(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from gait.feedback import replay_cues
    from gait.views.report import build_report, drift_table

    ev, eng = replay_cues(run.steps, load_drills(), baseline_s=10.0)
    html = build_report(
        run, cues=ev, drills=eng.state(), path=tmp_path / "r.html", plotly_js="shared:p.js"
    ).read_text()
    whole = window_metrics(run.steps, window=len(run.steps), min_steps=2)
    cards = html[html.index('class="cards"') :]
    for name in ("cadence", "gct_balance"):
        assert fmt(name, whole[name], missing="—") in cards, name
    assert (
        f"{fmt('gct_left', whole['gct_left'], unit=False)} / {fmt('gct_right', whole['gct_right'])}"
        in cards
    )
    assert " km/h" not in cards.split("</div>")[0]  # speed leads in m/s
    from gait.views.report.tables import INTERVAL_COLUMNS

    for name, label, scale, nd in INTERVAL_COLUMNS:
        assert (label, scale, nd) == (
            label_with_unit(name),
            METRICS[name].scale,
            METRICS[name].decimals,
        )
    drills = html[html.index('<table id="drills"') :]
    drills = drills[: drills.index("</table>")]
    for label in re.findall(r"<td class='l'>[^<]*</td><td class='l'>([^<]*)</td>", drills):
        assert label in {label_with_unit(n) for n in METRICS}, label
    assert "vertical ratio (%)" in drills
    assert "cadence (spm)" in drills
    drift = drift_table(run.steps)
    assert set(drift["metric"]) <= {d.label for d in METRICS.values()}
    for rec in drift.to_dict(orient="records"):
        d = next(d for d in METRICS.values() if d.label == rec["metric"])
        assert rec["unit"] == d.display_unit


def test_batch_index_reads_the_table() -> None:
    from gait.views.report.batch_index import TREND_COLUMNS, row_headline

    for col, label, unit, dec, factor in TREND_COLUMNS:
        d = next(
            d for d in METRICS.values() if d.summary_key and d.summary_key.split(".")[0] == col
        )
        assert (label, unit, dec, factor) == (
            d.label,
            d.display_unit,
            d.decimals,
            d.scale / d.summary_scale,
        )
    head = row_headline(
        {
            "activity": "run",
            "duration_s": 600.0,
            "steps": 1700,
            "cadence_spm": 170.4,
            "gct_ms": 251.2,
            "gct_balance_pct": 50.26,
        }
    )
    assert "cadence 170 spm" in head
    assert "ground contact time 251 ms" in head
    assert "GCT balance 50.3 % L" in head


def test_history_trend_axis_and_table_read_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gait.apps.history.store import History, SessionRecord
    from gait.cli import main

    db = tmp_path / "h.sqlite"
    t0 = datetime(2026, 9, 7, 7, 0, tzinfo=UTC)
    with History(db) as h:
        for i, (df, gct) in enumerate([(0.36, 251.0), (0.37, 255.0)]):
            h.save(
                SessionRecord(
                    athlete="ann",
                    started_at=t0 + timedelta(days=i),
                    source=f"s{i}",
                    activity="run",
                    summary={"cadence_spm": 170.0, "duty_factor": df, "gct_ms": {"mean": gct}},
                    content_hash=f"h{i}",
                    duration_s=600.0,
                )
            )
    out = tmp_path / "t.html"
    assert main(["history", "--db", str(db), "--trend", "duty_factor", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "duty factor (%)" in text
    assert "36" in text
    assert "0.36" not in text
    assert "duty factor (%)" in out.read_text()
    assert main(["history", "--db", str(db), "--trend", "gct_ms.mean", "--out", str(out)]) == 0
    assert "ground contact time (ms)" in capsys.readouterr().out
    # --json keeps the saved values
    assert (
        main(["history", "--db", str(db), "--trend", "duty_factor", "--out", str(out), "--json"])
        == 0
    )
    assert [r["value"] for r in json.loads(capsys.readouterr().out)] == [0.36, 0.37]
    assert main(["history", "--db", str(db)]) == 0
    listing = capsys.readouterr().out
    assert "cadence (spm)" in listing
    assert "ground contact time (ms)" in listing


# --- drills ----------------------------------------------------------------------------------
def test_drills_use_the_table_scale_and_units() -> None:
    from gait.feedback import CueEngine

    for drill in load_drills().values():
        for c in drill.checks:
            assert c.scale == METRICS[c.metric].scale, (drill.name, c.metric)
    assert Check(metric="gct").scale == 1000.0
    assert Check(metric="gct", scale=1.0).scale == 1.0
    eng = CueEngine({"overstride": load_drills()["overstride"]}, baseline={})
    for t in range(0, 40):
        eng.update(
            float(t),
            {
                "vertical_ratio": 9.5,
                "braking": 0.6,
                "shank_angle_ic": 14.0,
                "foot_strike_angle": 20.0,
            },
        )
    texts = " | ".join(e.text for e in eng.events)
    assert "vertical ratio 9.5 %" in texts
    assert "braking 0.60 m/s per step" in texts
    assert "shank 14° at landing" in texts
    assert "heel strike 20°" in texts


# --- balance -----------------------------------------------------------------------------------
def test_balance_text_and_report_columns_read_the_table(balance) -> None:  # type: ignore[no-untyped-def]
    from gait.views.report.build import TRIAL_COLUMNS

    headers = {c: h for c, h, _ in TRIAL_COLUMNS}
    for c in (
        "rms",
        "ellipse_area",
        "mean_velocity",
        "jerk",
        "f50",
        "n_touchdowns",
        "time_to_failure",
        "stabilization_time",
    ):
        assert headers[c] == label_with_unit(c)
    assert headers["mean_velocity"].endswith("(m/s³)")  # path of an acceleration per second
    text = balance.render_text()
    unit_row = text.splitlines()[3]
    for c in ("rms_ap", "ellipse_area", "jerk", "f50", "lean_rms_ml", "time_to_failure"):
        assert METRICS[c].display_unit in unit_row, c
    assert re.search(r"stable after \d\.\d\d s", text)

"""The run summary contract (`gait.contract.summary_types`) is what `gait.analyze` returns.

The docs show it, and summaries stored by the version-1 layout are upgraded where they are read.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import typing
from datetime import UTC, datetime
from pathlib import Path

import pytest

import gait
from gait.apps.history.store import History, SessionRecord, flatten_metrics
from gait.contract.summary_types import (
    FIELD_DOCS,
    SUMMARY_VERSION,
    AnalyzeOutput,
    GctBlock,
    LiveReportSummary,
    RunSummary,
    field_docs,
    legacy_metric_names,
    summary_markdown,
    summary_problems,
    upgrade_metric_name,
    upgrade_summary,
)
from gait.io import read

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "summary.md"
SAMPLES = ("treadmill_run", "walk", "phone_belt_run")

#: The unit suffixes of the unit rule (module docstring).
SUFFIXES = ("_ms", "_s", "_m", "_mps", "_ms2", "_deg", "_spm", "_pct")


def test_docs_page_is_the_generated_one() -> None:
    assert DOC.read_text(encoding="utf-8") == summary_markdown(), (
        "docs/summary.md is stale: run `python -m gait.contract.summary_types > docs/summary.md`"
    )


def test_every_key_is_documented_and_every_doc_is_a_key() -> None:
    for td in FIELD_DOCS:
        keys = set(typing.get_type_hints(td))
        assert keys == set(field_docs(td)), td.__name__


def test_units_are_in_the_keys() -> None:
    # a documented unit other than a count, fraction or text unit shows in the key's name
    free = {"", "count", "fraction", "step table unit", "key's unit", "metric's unit"}
    free |= {"display unit", "Hz", "g", "deg/s", "% left"}
    for td in FIELD_DOCS:
        for key, (unit, _) in field_docs(td).items():
            if td is GctBlock and unit == "ms":
                continue  # members of gct_ms: the block's suffix is theirs
            if (td, key) == (LiveReportSummary, "gaps"):
                continue  # predates the rule (module docstring); a rename needs a version bump
            if unit not in free:
                assert key.endswith(SUFFIXES), f"{td.__name__}.{key} ({unit})"


@pytest.fixture(scope="module", params=SAMPLES)
def sample_summary(request: pytest.FixtureRequest) -> RunSummary:
    return gait.analyze(read(str(ROOT / "samples" / f"{request.param}.gaitrec"))).summary


def test_analyze_returns_exactly_the_documented_keys(sample_summary: RunSummary) -> None:
    assert summary_problems(sample_summary) == []
    # and so does its JSON (what --summary-json writes and history stores)
    assert summary_problems(json.loads(json.dumps(sample_summary)), AnalyzeOutput) == []
    assert sample_summary["summary_version"] == SUMMARY_VERSION


def test_the_window_table_is_the_summary_rows() -> None:
    res = gait.analyze(read(str(ROOT / "samples" / "walk.gaitrec")))
    rows = res.summary["windows"]
    assert len(rows) >= 2
    assert res.windows.to_dict(orient="records") == rows


def test_the_check_sees_missing_extra_and_mistyped_keys(sample_summary: RunSummary) -> None:
    bad = copy.deepcopy(dict(sample_summary))
    del bad["cadence_spm"]
    bad["speed"] = 3.0
    bad["gct_ms"]["mean"] = "262"
    bad["overstride"]["cadence"]["spm"] = 170.0
    problems = summary_problems(bad)
    assert "cadence_spm: missing" in problems
    assert "speed: not documented" in problems
    assert "overstride.cadence.spm: not documented" in problems
    assert any(p.startswith("gct_ms.mean: '262'") for p in problems)


def _v1() -> dict[str, typing.Any]:
    """A summary as the version-1 layout wrote it (keys of a foot + sacrum run)."""
    window = {"t_start": 0.3, "t_end": 7.3, "n_steps": 20, "cadence": 163.5, "gct_ms": 261.2}
    window |= {"stride_length": 2.35, "speed": 3.2, "vertical_oscillation": 0.0723}
    return {
        "steps": 163,
        "cadence_spm": 163.66,
        "gct_ms": {"mean": 262.0, "left": 269.3, "right": 254.7, "cv_pct": 3.23},
        "symmetry_index": {"gct": -5.6},
        "symmetry": {"gct": {"si_pct": -5.6}},
        "drift": {
            "n_per_part": 32,
            "cadence": {"first": 163.6, "last": 163.7, "change": 0.1, "change_pct": 0.01},
            "vertical_oscillation": {"first": 0.072, "last": 0.072, "change": 0.0},
        },
        "windows": [window],
        "stride_length": 2.3461,
        "speed": 3.2,
        "foot_strike_angle": 11.6501,
        "braking": 0.1348,
        "impact": 102.8814,
        "vertical_oscillation": 0.0716,
        "steps_total": 170,
        "activity": "run",
        "activity_steps": {"run": 163, "walk": 7},
        "overstride": {
            "cadence": {
                "spm": 163.66,
                "baseline_spm": None,
                "relative_pct": None,
                "speed_mps": 3.2,
            },
            "foot_strike_angle_deg": 11.65,
            "vertical_oscillation_cm": 7.158,
            "vertical_ratio_pct": 6.1,
        },
        "speed_mps": 3.2,
    }


def test_upgrade_renames_and_drops_the_repeats() -> None:
    new = upgrade_summary(_v1())
    assert list(new)[:2] == ["summary_version", "steps"]
    assert new["summary_version"] == SUMMARY_VERSION
    for gone in ("steps_total", "speed", "symmetry_index", "foot_strike_angle", "braking"):
        assert gone not in new
    assert new["stride_length_m"] == 2.3461
    assert new["speed_mps"] == 3.2
    assert sum(new["activity_steps"].values()) == 170  # what steps_total said
    assert new["overstride"] == {
        "cadence": {"baseline_spm": None, "relative_pct": None},
        "foot_strike_angle_deg": 11.65,
        "vertical_oscillation_m": 0.0716,  # the top-level value in m, not the cm copy / 100
        "vertical_ratio_pct": 6.1,
    }
    assert set(new["drift"]) == {"n_per_part", "cadence_spm", "vertical_oscillation_m"}
    assert new["windows"][0] == {
        "t_start_s": 0.3,
        "t_end_s": 7.3,
        "n_steps": 20,
        "cadence_spm": 163.5,
        "gct_ms": 261.2,
        "stride_length_m": 2.35,
        "speed_mps": 3.2,
        "vertical_oscillation_m": 0.0723,
    }
    # the current layout, a balance summary and a watch summary without gait keys pass as they are
    assert upgrade_summary(new) == new
    balance = {"conditions": {"left_open": {"rms": 0.1}}, "sway_area": 0.2}
    assert upgrade_summary(balance) == balance


def test_upgrade_of_the_flattened_names_matches_the_summary_upgrade() -> None:
    old_flat = flatten_metrics(_v1())
    new_flat = flatten_metrics(upgrade_summary(_v1()))
    renamed = {new: v for k, v in old_flat.items() if (new := upgrade_metric_name(k)) is not None}
    # every value an old session saved is found under its new name, with the same value
    assert renamed == {k: v for k, v in new_flat.items() if k != "summary_version"}
    assert upgrade_metric_name("symmetry_index.gct") is None
    assert upgrade_metric_name("cadence_spm") == "cadence_spm"
    assert legacy_metric_names("stride_length_m") == ["stride_length"]
    assert legacy_metric_names("drift.cadence_spm.change") == ["drift.cadence.change"]


def test_history_reads_sessions_stored_by_the_old_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.sqlite"
    with History(db) as h:  # a session saved by this version
        h.save(
            SessionRecord(
                athlete="ann",
                started_at=datetime(2026, 9, 14, 7, 0, tzinfo=UTC),
                source="new.gaitrec",
                activity="run",
                summary={**upgrade_summary(_v1()), "stride_length_m": 2.5},
            )
        )
    # a session the version-1 code saved: its rows carry the old names
    old = _v1()
    con = sqlite3.connect(db)
    con.execute("INSERT OR IGNORE INTO athletes(name) VALUES ('ann')")
    cur = con.execute(
        "INSERT INTO sessions(athlete_id, started_at, saved_at, source, activity, kind,"
        " summary_json) VALUES (1, '2026-09-07T07:00:00+00:00', '2026-09-07T08:00:00+00:00',"
        " 'old.gaitrec', 'run', 'gait', ?)",
        (json.dumps(old),),
    )
    con.executemany(
        "INSERT INTO metrics(session_id, name, value) VALUES (?,?,?)",
        [(cur.lastrowid, k, v) for k, v in flatten_metrics(old).items()],
    )
    con.commit()
    con.close()
    with History(db) as h:
        assert list(h.trend("stride_length_m")["value"]) == [2.3461, 2.5]
        assert list(h.trend("drift.cadence_spm.change")["value"]) == [0.1, 0.1]
        assert h.default_activity("overstride.vertical_oscillation_m") == "run"
        names = h.metric_names()
        assert "stride_length_m" in names
        assert "drift.cadence_spm.first" in names
        gone_names = ("stride_length", "steps_total", "symmetry_index.gct", "drift.cadence.first")
        for gone in (*gone_names, "summary_version"):
            assert gone not in names
    from gait.cli import main

    out = str(tmp_path / "t.html")
    assert (
        main(["history", "--db", str(db), "--trend", "stride_length_m", "--json", "--out", out])
        == 0
    )
    rows = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["value"] for r in rows] == [2.3461, 2.5]
    # the old name asks for the same series
    assert (
        main(["history", "--db", str(db), "--trend", "stride_length", "--json", "--out", out]) == 0
    )
    rows = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["value"] for r in rows] == [2.3461, 2.5]


def test_upgrade_of_a_watch_summary_moves_its_trunk_values() -> None:
    old = {
        "source": "watch",
        "activity": "run",
        "cadence_spm": 171.0,
        "gct_ms": {"mean": 255.0},
        "gct_balance_pct": 50.2,
        "vertical_oscillation_cm": 8.5,
        "vertical_ratio_pct": 7.7,
        "speed_mps": 3.1,
        "steps": 0,
    }
    new = upgrade_summary(old)
    assert new["overstride"] == {"vertical_oscillation_m": 0.085, "vertical_ratio_pct": 7.7}
    assert new["sources"] == {"watch": "watch"}
    assert "vertical_oscillation_cm" not in new
    assert "source" not in new

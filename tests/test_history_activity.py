"""History by activity and by leg: --activity filter, same-activity bands, per-leg balance."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gait.apps.history.store import History, HistoryError, SessionRecord
from gait.cli import main

T0 = datetime(2026, 9, 7, 7, 0, tzinfo=UTC)


def _session(i: int, activity: str, summary: dict[str, object]) -> SessionRecord:
    return SessionRecord(
        athlete="ann",
        started_at=T0 + timedelta(days=i),
        source=f"s{i}",
        activity=activity,
        summary=summary,
        content_hash=f"h{i}",
        duration_s=600.0,
    )


def _balance(i: int, left_open: float, right_open: float, left_closed: float) -> SessionRecord:
    cond = {
        "left_open": {"ellipse_area": left_open, "rms": 0.1},
        "right_open": {"ellipse_area": right_open, "rms": 0.1},
        "left_closed": {"ellipse_area": left_closed, "rms": 0.2},
    }
    return _session(
        i, "balance", {"conditions": cond, "sway_area": (left_open + right_open + left_closed) / 3}
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "h.sqlite"
    with History(path) as h:
        # walks first: a band learned from them would sit near 82-86 spm
        for i, cad in enumerate([78.0, 79.0, 80.0]):
            h.save(_session(i, "walk", {"cadence_spm": cad, "gct_balance_pct": 50.0}))
        for i, cad in enumerate([160.0, 162.0, 164.0, 166.0]):
            h.save(_session(10 + i, "run", {"cadence_spm": cad, "gct_balance_pct": 50.5}))
        h.save(_balance(20, 0.010, 0.014, 0.030))
        h.save(_balance(27, 0.008, 0.013, 0.025))
    return path


def test_trend_filters_by_activity(db: Path) -> None:
    with History(db) as h:
        assert h.default_activity("cadence_spm") == "run"
        assert h.default_activity("sway_area") == "balance"
        assert list(h.trend("cadence_spm", activity="walk")["value"]) == [78.0, 79.0, 80.0]
        assert set(h.trend("cadence_spm", activity="run")["activity"]) == {"run"}
        with pytest.raises(HistoryError, match=r"saved for: run, walk"):
            h.trend("cadence_spm", activity="balance")


def test_cli_trend_defaults_to_runs_and_learns_the_band_from_runs(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.html"
    assert (
        main(["history", "--db", str(db), "--trend", "cadence_spm", "--out", str(out), "--json"])
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert [r["value"] for r in rows] == [160.0, 162.0, 164.0, 166.0]
    html = out.read_text()
    # +5-10 % over the runs' early median 162 spm: 170.1-178.2, not the walks' 83-87
    assert "170.1" in html
    assert "178.2" in html
    assert (
        main(
            [
                "history",
                "--db",
                str(db),
                "--trend",
                "cadence_spm",
                "--activity",
                "walk",
                "--out",
                str(out),
                "--json",
            ]
        )
        == 0
    )
    assert [r["value"] for r in json.loads(capsys.readouterr().out)] == [78.0, 79.0, 80.0]


def test_balance_trend_per_leg_and_eyes(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with History(db) as h:
        df = h.balance_trend("sway_area")
    assert set(df["series"]) == {
        "left leg, eyes open",
        "right leg, eyes open",
        "left leg, eyes closed",
    }
    lo = df[df["series"] == "left leg, eyes open"]
    assert list(lo["value"]) == [0.010, 0.008]
    out = tmp_path / "b.html"
    assert (
        main(["history", "--db", str(db), "--trend", "sway_area", "--out", str(out), "--json"]) == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 6
    assert {r["leg"] for r in rows} == {"left", "right"}
    assert "right leg, eyes open" in out.read_text()
    # a per-condition metric by its leaf name
    assert main(["history", "--db", str(db), "--trend", "rms", "--out", str(out), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 6


def test_balance_trend_without_per_condition_data(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as h:
        h.save(replace(_session(0, "balance", {"sway_area": 0.01})))
        with pytest.raises(HistoryError, match="per leg"):
            h.balance_trend("sway_area")

"""History database: save, list, trends, weekly volume flag, concurrent writer + reader."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gait.apps.history.store import History, HistoryError, SessionRecord, flatten_metrics
from gait.cli import main
from gait.contract.summary_types import SUMMARY_VERSION

T0 = datetime(2026, 9, 7, 7, 0, tzinfo=UTC)  # a Monday


def _run(i: int, minutes: float, cadence: float, athlete: str = "ann") -> SessionRecord:
    steps = pd.DataFrame({"side": ["left", "right"] * 3, "t_ic": np.arange(6) * 0.35})
    return SessionRecord(
        athlete=athlete,
        started_at=T0 + timedelta(days=i),
        source=f"run{i}.gaitrec",
        activity="run",
        summary={
            "summary_version": SUMMARY_VERSION,  # as this version saves it (no upgrade)
            "cadence_spm": cadence,
            "gct_ms": {"mean": 250.0, "left": 255.0, "right": 245.0},
            "gct_balance_pct": 51.0,
            "windows": [{"a": 1}],
            "steps": 6,
        },
        content_hash=f"h{i}",
        duration_s=minutes * 60,
        steps=steps,
    )


def test_flatten_keeps_numeric_leaves() -> None:
    flat = flatten_metrics({"a": 1, "b": {"c": 2.5, "d": "x", "e": float("nan")}, "w": [1, 2]})
    assert flat == {"a": 1.0, "b.c": 2.5}


def test_save_list_and_trend(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as h:
        for i, cad in enumerate([160.0, 162.0, 165.0]):
            h.save(_run(i * 7, 30, cad))
        h.save(_run(1, 20, 170.0, athlete="bob"))
        df = h.sessions("ann")
        assert list(df["cadence_spm"]) == [160.0, 162.0, 165.0]
        assert set(h.sessions()["athlete"]) == {"ann", "bob"}
        tr = h.trend("cadence_spm", "ann")
        assert list(tr["value"]) == [160.0, 162.0, 165.0]
        assert h.trend("gct_ms.left")["value"].iloc[0] == 255.0
        sid = int(df["id"].iloc[0])
        assert len(h.steps(sid)) == 6
        with pytest.raises(HistoryError, match="cadence_spm"):
            h.trend("no_such_metric")


def test_resaving_same_content_replaces(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as h:
        h.save(_run(0, 30, 160.0))
        h.save(_run(0, 30, 161.0))
        df = h.sessions()
    assert len(df) == 1
    assert df["cadence_spm"].iloc[0] == 161.0


def test_weekly_volume_flags_more_than_ten_percent(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as h:
        h.save(_run(0, 100, 160))  # week 1: 100 min
        h.save(_run(7, 105, 160))  # week 2: +5 %
        h.save(_run(14, 60, 160))  # week 3: 60 + 60 = 120 min, +14 %
        h.save(_run(15, 60, 160))
        vol = h.weekly_volume("ann")
    assert list(vol["duration_min"]) == [100.0, 105.0, 120.0]
    assert list(vol["flag"]) == [False, False, True]
    assert vol["growth_pct"].iloc[2] == pytest.approx(100 * (120 / 105 - 1))


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "h.sqlite"
    p.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(HistoryError, match="not a usable history database"):
        History(p)


def _writer(db: str, n: int) -> None:
    with History(db) as h:
        for i in range(n):
            h.save(_run(i, 30, 160.0 + i % 5))


def test_concurrent_writer_and_reader(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A live session saving (another process) while `gait history` reads."""
    import json

    db = tmp_path / "h.sqlite"
    History(db).close()
    ctx = mp.get_context("spawn")
    proc = ctx.Process(target=_writer, args=(str(db), 150))
    proc.start()
    seen: list[int] = []
    while not seen or seen[-1] < 150:
        assert main(["history", "--db", str(db), "--json"]) == 0
        seen.append(len(json.loads(capsys.readouterr().out)))
        if not proc.is_alive() and seen[-1] < 150:
            break
    proc.join(60)
    assert proc.exitcode == 0
    assert seen == sorted(seen)  # readers never see a torn or shrinking history
    # it really read while the writer wrote
    assert seen[-1] == 150
    assert len(seen) > 2
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_cli_lists_trends_and_exports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "h.sqlite"
    with History(db) as h:
        for i, cad in enumerate([160.0, 162.0, 166.0]):
            h.save(_run(i * 7, 30, cad))
    assert main(["history", "--db", str(db)]) == 0
    assert "ann" in capsys.readouterr().out
    out = tmp_path / "t.html"
    csv = tmp_path / "t.csv"
    assert (
        main(
            [
                "history",
                "--db",
                str(db),
                "--trend",
                "cadence_spm",
                "--out",
                str(out),
                "--export",
                str(csv),
            ]
        )
        == 0
    )
    html = out.read_text()
    assert "drill target (guidance)" in html
    assert "Cadence +5" in html
    assert "plotly" in html.lower()
    assert len(pd.read_csv(csv)) == 3
    assert main(["history", "--db", str(db), "--trend", "nope"]) == 2
    assert "no sessions have metric" in capsys.readouterr().err

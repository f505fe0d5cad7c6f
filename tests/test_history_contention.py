"""History under contention: waited for, reported in one line, kept, never lost.

A locked database is waited for, then reported in one line, and the session is kept in a
pending file that the next save merges; killed writers lose no committed session. Locks are
held by another connection or process and released by the test, so nothing here depends on
how fast the machine is.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from test_history import _run

import gait.apps.history.store as history
from gait.apps.history import pending as history_pending
from gait.apps.history.store import History, HistoryLockedError, save_session
from gait.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _hold(db: Path) -> sqlite3.Connection:
    """Another connection that holds the write lock until it commits."""
    History(db).close()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    return con


def test_locked_save_is_kept_then_merged(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    holder = _hold(db)
    rec = _run(0, 30, 160.0)
    report = save_session(rec, db, lock_wait_s=0.3)
    assert report.session_id is None
    assert report.pending == history_pending.pending_path(db)
    assert "locked by another program (waited 0.3 s)" in report.message
    assert "\n" not in report.message
    with History(db, lock_wait_s=0.3) as h:  # WAL: reading works while the lock is held
        assert h.sessions().empty
    holder.execute("COMMIT")
    holder.close()
    report = save_session(_run(1, 30, 162.0), db)
    assert report.session_id is not None
    assert report.merged == 1
    assert "added 1 session(s)" in report.message
    with History(db) as h:
        df = h.sessions()
        assert list(df["source"]) == ["run0.gaitrec", "run1.gaitrec"]
        first = int(df["id"].iloc[0])
        pd.testing.assert_frame_equal(h.steps(first), rec.steps)
        summary = h._con.execute(
            "SELECT summary_json FROM sessions WHERE id = ?", (first,)
        ).fetchone()[0]
    assert json.loads(summary) == rec.summary
    assert history_pending.read(db) == ([], [])


def test_a_short_lock_is_waited_out(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    History(db).close()
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        locked.set()
        release.wait()
        con.execute("COMMIT")
        con.close()

    t = threading.Thread(target=hold)
    t.start()
    locked.wait()
    with History(db, lock_wait_s=0.2) as h, pytest.raises(HistoryLockedError, match="locked"):
        h.save(_run(0, 30, 160.0))
    # Released while a save is retrying: the save goes through (it may wait up to 60 s).
    threading.Timer(0.3, release.set).start()
    report = save_session(_run(1, 30, 160.0), db, lock_wait_s=60)
    t.join()
    assert report.session_id is not None
    assert report.pending is None


def _hold_in_process(db: str, locked: object, release: object) -> None:
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    locked.set()  # type: ignore[attr-defined]
    release.wait(120)  # type: ignore[attr-defined]
    con.execute("COMMIT")


def test_analyze_with_the_db_held_by_another_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gait.io import write_recording
    from gait.synth import synthesize

    files = []
    for i in range(2):
        files.append(tmp_path / f"run{i}.gaitrec")
        write_recording(
            synthesize(
                "run", placements=("foot-left", "foot-right"), duration=20, rate=100, seed=i
            ),
            files[-1],
        )
    db = tmp_path / "h.sqlite"
    History(db).close()
    monkeypatch.setattr(history, "LOCK_WAIT_S", 0.3)
    ctx = mp.get_context("spawn")
    locked, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_in_process, args=(str(db), locked, release))
    proc.start()
    try:
        assert locked.wait(120)
        assert main(["analyze", str(files[0]), "--db", str(db), "--json"]) == 0
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert "locked by another program" in err
        assert "Traceback" not in err
        assert "saved on the next run" in err
    finally:
        release.set()
        proc.join(60)
    assert main(["analyze", str(files[1]), "--db", str(db), "--json"]) == 0
    assert "added 1 session(s)" in capsys.readouterr().err
    assert main(["history", "--db", str(db), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(Path(r["source"]).name for r in listed) == ["run0.gaitrec", "run1.gaitrec"]


def test_merge_is_idempotent_and_keeps_broken_lines(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    pending = history_pending.pending_path(db)
    history_pending.append(db, _run(0, 30, 160.0))
    with pending.open("a") as fh:
        fh.write('{"id": "cut-short-by-a-crash", "athl')  # no newline: a writer died mid-line
    history_pending.append(db, _run(1, 30, 161.0))
    good, bad = history_pending.read(db)
    assert [r.source for _, r in good] == ["run0.gaitrec", "run1.gaitrec"]
    assert len(bad) == 1
    lines = [ln for ln in pending.read_text().splitlines() if ln and ln not in bad]
    with History(db) as h:
        assert h.merge_pending() == 2
        # A merge killed after its commits but before it emptied the file: the lines are
        # still there; merging them again adds nothing.
        pending.write_text("".join(ln + "\n" for ln in lines))
        assert h.merge_pending() == 0
        assert len(h.sessions()) == 2
    assert pending.read_text() == ""
    assert pending.with_name(pending.name + ".rejected").read_text() == bad[0] + "\n"


WRITER = """
import sys
from datetime import UTC, datetime, timedelta
from gait.apps.history.store import History, SessionRecord
import pandas as pd
db, start = sys.argv[1], int(sys.argv[2])
steps = pd.DataFrame({"side": ["left", "right"] * 50, "t_ic": [0.35 * i for i in range(100)]})
with History(db) as h:
    for i in range(start, start + 10_000):
        when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=i)
        h.save(SessionRecord(athlete="ann", started_at=when, source=f"s{i}", activity="run",
                             summary={"cadence_spm": 160.0 + i % 7}, content_hash=f"h{i}",
                             duration_s=60.0, steps=steps))
        print(i, flush=True)
"""


@pytest.mark.slow
def test_killed_writers_lose_no_committed_session(tmp_path: Path) -> None:
    """Ten writers killed with SIGKILL mid-stream: every save they reported is there."""
    import os

    db = tmp_path / "h.sqlite"
    committed: list[int] = []
    start = 0
    for _ in range(10):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), str(start)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        for _ in range(5):  # kill after five reported commits, during the sixth
            committed.append(int(proc.stdout.readline()))
        proc.kill()
        proc.wait()
        start = committed[-1] + 10  # the next writer's sessions are new ones
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {int(s[1:]) for (s,) in con.execute("SELECT source FROM sessions")}
    assert set(committed) <= stored
    assert len(committed) == 50
    steps = con.execute("SELECT COUNT(*) FROM step_tables").fetchone()[0]
    assert steps == len(stored)  # no session without its step table: transactions are whole

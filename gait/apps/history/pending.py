"""Sessions waiting to be saved: a JSON-lines file next to the history database.

When the history database stays locked by another program longer than the save may wait,
the session is appended here instead of being lost, and the next save merges it (see
:func:`gait.apps.history.store.save_session`). Each line is one session with a random id; the
database remembers merged ids, so a merge that is interrupted and run again adds nothing
twice. Step tables travel as base64 Parquet so their column types survive.

Appends and rewrites hold an exclusive ``flock`` on the file (POSIX); the file is rewritten
in place and never unlinked, so an append waiting for the lock cannot land in a file that
has already been dropped.
"""

from __future__ import annotations

import base64
import io
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pandas as pd

from gait.apps.history.record import SessionRecord
from gait.util.jsonsafe import json_default


def pending_path(db: str | Path) -> Path:
    """The pending file of database ``db``: ``<db>.pending.jsonl`` in the same folder."""
    db = Path(db)
    return db.with_name(db.name + ".pending.jsonl")


def _frame_to_text(df: pd.DataFrame | None) -> str | None:
    if df is None:
        return None
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _frame_from_text(text: str | None) -> pd.DataFrame | None:
    if text is None:
        return None
    return pd.read_parquet(io.BytesIO(base64.b64decode(text)))


def encode(rec: SessionRecord) -> str:
    """One JSON line (no newline) holding ``rec`` and a fresh id.

    Parameters
    ----------
    rec : SessionRecord
        The session to keep.

    Returns
    -------
    str
        The line.
    """
    doc: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "deferred_at": datetime.now(UTC).isoformat(),
        "athlete": rec.athlete,
        "started_at": rec.started_at.isoformat(),
        "source": rec.source,
        "activity": rec.activity,
        "summary": rec.summary,
        "kind": rec.kind,
        "content_hash": rec.content_hash,
        "duration_s": rec.duration_s,
        "distance_m": rec.distance_m,
        "steps": _frame_to_text(rec.steps),
        "balance_trials": _frame_to_text(rec.balance_trials),
    }
    return json.dumps(doc, default=json_default, separators=(",", ":"))


def decode(line: str) -> tuple[str, SessionRecord]:
    """The id and session of one pending line.

    Raises
    ------
    ValueError
        The line is not a pending session (e.g. cut short by a crash mid-write).
    """
    try:
        d = json.loads(line)
        rec = SessionRecord(
            athlete=str(d["athlete"]),
            started_at=datetime.fromisoformat(d["started_at"]),
            source=str(d["source"]),
            activity=str(d["activity"]),
            summary=d["summary"],
            kind=str(d["kind"]),
            content_hash=d.get("content_hash"),
            duration_s=d.get("duration_s"),
            distance_m=d.get("distance_m"),
            steps=_frame_from_text(d.get("steps")),
            balance_trials=_frame_from_text(d.get("balance_trials")),
        )
        return str(d["id"]), rec
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a pending session: {exc}") from None


@contextmanager
def _locked(path: Path, mode: str) -> Iterator[IO[Any]]:
    with open(path, mode, encoding=None if "b" in mode else "utf-8") as fh:
        try:
            import fcntl
        except ImportError:  # not POSIX: appends are still single writes
            yield fh
            return
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield fh
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def append(db: str | Path, rec: SessionRecord) -> Path:
    """Keep ``rec`` in the pending file of ``db`` (created with its folder); returns the file."""
    path = pending_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = encode(rec) + "\n"
    with _locked(path, "ab+") as fh:
        # A crash mid-write can leave a line without its newline: start a fresh line so
        # this session is not glued onto the broken one.
        end = fh.seek(0, os.SEEK_END)
        if end > 0:
            fh.seek(end - 1)
            if fh.read(1) != b"\n":
                line = "\n" + line
        fh.write(line.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())
    return path


def read(db: str | Path) -> tuple[list[tuple[str, SessionRecord]], list[str]]:
    """Every pending session of ``db``.

    Returns
    -------
    sessions : list of (id, SessionRecord)
        In the order they were kept.
    bad : list of str
        Lines that are not sessions (kept by :func:`drop` in ``<pending>.rejected``).
    """
    path = pending_path(db)
    if not path.is_file() or path.stat().st_size == 0:
        return [], []
    with _locked(path, "r") as fh:
        lines = [ln for ln in fh.read().splitlines() if ln.strip()]
    good: list[tuple[str, SessionRecord]] = []
    bad: list[str] = []
    for ln in lines:
        try:
            good.append(decode(ln))
        except ValueError:
            bad.append(ln)
    return good, bad


def drop(db: str | Path, ids: set[str], bad: list[str]) -> int:
    """Remove merged sessions (and unreadable lines) from the pending file.

    Lines appended since :func:`read` stay. Unreadable lines are moved to
    ``<pending>.rejected`` rather than deleted.

    Returns
    -------
    int
        Sessions still pending.
    """
    path = pending_path(db)
    if not path.is_file():
        return 0
    if bad:
        with _locked(path.with_name(path.name + ".rejected"), "a") as rej:
            rej.write("".join(ln + "\n" for ln in bad))
    rejected = set(bad)
    with _locked(path, "r+") as fh:
        keep = []
        for ln in fh.read().splitlines():
            if not ln.strip() or ln in rejected:
                continue
            try:
                pid = json.loads(ln).get("id")
            except ValueError:
                pid = None
            if pid not in ids:
                keep.append(ln + "\n")
        fh.seek(0)
        fh.write("".join(keep))
        fh.truncate()
        fh.flush()
        os.fsync(fh.fileno())
    return len(keep)

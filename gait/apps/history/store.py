"""Session history: an SQLite database (WAL mode) on the user's machine.

Tables
------
``athletes``
    One row per athlete name.
``sessions``
    One row per analysed session: when it started, where it came from (path and content
    hash), activity, duration, distance, and the whole summary as JSON.
``metrics``
    The scalar summary values of each session, one row per (session, name), for trends.
``balance_trials``
    One row per balance trial (the trial table of a balance session, as JSON per row).
``step_tables``
    The step table of each session as Parquet bytes.

WAL mode lets a live session write while ``gait history`` reads. Health data never
leaves the machine: the default location is the user's data directory.

Another program can hold the write lock for a long time (a backup tool, a DB browser with
an open transaction). Every statement waits on SQLite's busy timeout and is retried with
growing pauses for up to :data:`LOCK_WAIT_S`; then :class:`HistoryLockedError` says so in
one line. :func:`save_session` goes one step further: a session it cannot save is kept in
a pending file (:mod:`gait.apps.history.pending`) and merged by the next save.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from gait.apps.history import pending as history_pending
from gait.apps.history.record import SessionRecord  # public here too, as before the split
from gait.contract.errors import GaitError
from gait.contract.summary_types import legacy_metric_names, upgrade_metric_name, upgrade_summary
from gait.util.jsonsafe import json_default

APP_NAME = "runner-gait"
#: Week-on-week volume growth above this fraction is flagged (coaching rule of thumb).
VOLUME_GROWTH_LIMIT = 0.10
#: Seconds a statement may wait for a database another program holds locked (SQLite's
#: busy timeout plus retries with backoff) before :class:`HistoryLockedError`.
LOCK_WAIT_S = 30.0
#: Longest single busy-timeout wait and longest pause between retries, seconds.
_BUSY_STEP_S = 1.0

_T = TypeVar("_T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS athletes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    athlete_id INTEGER NOT NULL REFERENCES athletes(id),
    started_at TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    source TEXT NOT NULL,
    content_hash TEXT,
    activity TEXT NOT NULL,
    kind TEXT NOT NULL,
    duration_s REAL,
    distance_m REAL,
    summary_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_athlete_time ON sessions(athlete_id, started_at);
CREATE TABLE IF NOT EXISTS metrics (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (session_id, name)
);
CREATE TABLE IF NOT EXISTS balance_trials (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    trial INTEGER NOT NULL,
    row_json TEXT NOT NULL,
    PRIMARY KEY (session_id, trial)
);
CREATE TABLE IF NOT EXISTS step_tables (
    session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    parquet BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS pending_merged (
    id TEXT PRIMARY KEY
);
"""


class HistoryError(GaitError):
    """The history database cannot be opened or is not ours."""


class HistoryLockedError(HistoryError):
    """Another program kept the history database locked longer than we may wait."""


def _is_locked(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "database is busy" (also wrapped by pandas)."""
    while exc is not None:
        if isinstance(exc, sqlite3.OperationalError) and (
            "locked" in str(exc) or "busy" in str(exc)
        ):
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


def default_db_path() -> Path:
    """Where the history lives unless ``--db`` or ``GAIT_DB`` says otherwise.

    Returns
    -------
    Path
        ``$GAIT_DB`` when set, else ``<user data dir>/runner-gait/history.sqlite``.
    """
    env = os.environ.get("GAIT_DB")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME)) / "history.sqlite"


def flatten_metrics(summary: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Scalar numbers of a nested summary, keyed by dotted path (``gct_ms.left``).

    Parameters
    ----------
    summary : mapping
        A JSON-like summary; lists (e.g. per-window rows) are skipped.
    prefix : str
        Key prefix used in recursion.

    Returns
    -------
    dict of str to float
        Finite numeric leaves only; booleans are kept as 0/1.
    """
    out: dict[str, float] = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten_metrics(value, name + "."))
        elif isinstance(value, bool | int | float) and math.isfinite(float(value)):
            out[name] = float(value)
    return out


def _stored_names(metric: str) -> list[str]:
    """``metric`` and the names older summary layouts saved its values under."""
    return [metric, *legacy_metric_names(metric)]


def _marks(names: list[str]) -> str:
    """SQL placeholders for ``names``."""
    return ",".join("?" * len(names))


class History:
    """A connection to the history database.

    Parameters
    ----------
    path : str or Path, optional
        Database file; defaults to :func:`default_db_path`. Created with its folder.
    lock_wait_s : float, optional
        Seconds each statement may wait for a lock held by another program (default
        :data:`LOCK_WAIT_S`).

    Raises
    ------
    HistoryError
        The file is not a usable database.
    HistoryLockedError
        It stayed locked for ``lock_wait_s``.
    """

    def __init__(self, path: str | Path | None = None, *, lock_wait_s: float | None = None) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.lock_wait_s = LOCK_WAIT_S if lock_wait_s is None else float(lock_wait_s)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            busy = min(_BUSY_STEP_S, self.lock_wait_s)
            self._con = sqlite3.connect(self.path, timeout=busy, isolation_level=None)
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"{self.path}: not a usable history database ({exc})") from None
        try:
            self._retry(self._open)
        except sqlite3.DatabaseError as exc:
            self._con.close()
            raise HistoryError(f"{self.path}: not a usable history database ({exc})") from None
        except BaseException:  # any exit (even Ctrl-C): close the connection, re-raise
            self._con.close()
            raise

    def _open(self) -> None:
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA foreign_keys=ON")
        self._con.executescript(_SCHEMA)

    def _retry(self, fn: Callable[[], _T]) -> _T:
        """Run ``fn``; while SQLite says locked, pause (doubling, jittered) and run it again.

        SQLite's busy timeout already waits up to :data:`_BUSY_STEP_S` inside each try; the
        pauses between tries let a writer that holds the lock for long finish without us
        spinning, and the jitter keeps several waiting processes from retrying in step.
        """
        deadline = time.monotonic() + self.lock_wait_s
        pause = 0.05
        while True:
            try:
                return fn()
            except (sqlite3.OperationalError, pd.errors.DatabaseError) as exc:
                if not _is_locked(exc):
                    raise
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HistoryLockedError(
                        f"{self.path}: the history database is locked by another program "
                        f"(waited {self.lock_wait_s:g} s)"
                    ) from None
                time.sleep(min(left, pause * random.uniform(0.5, 1.0)))
                pause = min(pause * 2.0, _BUSY_STEP_S)

    def close(self) -> None:
        """Close the connection."""
        self._con.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._con.execute("BEGIN IMMEDIATE")
        try:
            yield self._con
            self._con.execute("COMMIT")
        except BaseException:  # any exit: roll back, re-raise
            # Also when COMMIT itself was busy: leave no open transaction behind a retry.
            if self._con.in_transaction:
                self._con.execute("ROLLBACK")
            raise

    def _athlete_id(self, con: sqlite3.Connection, name: str) -> int:
        con.execute("INSERT OR IGNORE INTO athletes(name) VALUES (?)", (name,))
        row = con.execute("SELECT id FROM athletes WHERE name = ?", (name,)).fetchone()
        return int(row[0])

    def save(self, rec: SessionRecord) -> int:
        """Store one session with its metrics, step table and balance trials.

        A session with the same athlete and content hash replaces the earlier one, so
        re-analysing a file does not duplicate it.

        Returns
        -------
        int
            The session id.

        Raises
        ------
        HistoryLockedError
            The database stayed locked for ``lock_wait_s`` (nothing was saved).
        """
        return self._retry(lambda: self._save_once(rec, None))

    def _save_once(self, rec: SessionRecord, pending_id: str | None) -> int:
        """One transaction; with ``pending_id``, skip (return 0) if that id was merged before."""
        started = (
            rec.started_at.astimezone(UTC).isoformat()
            if rec.started_at.tzinfo
            else (rec.started_at.isoformat())
        )
        with self._tx() as con:
            if pending_id is not None:
                cur = con.execute(
                    "INSERT OR IGNORE INTO pending_merged(id) VALUES (?)", (pending_id,)
                )
                if cur.rowcount == 0:
                    return 0
            aid = self._athlete_id(con, rec.athlete)
            if rec.content_hash:
                con.execute(
                    "DELETE FROM sessions WHERE athlete_id = ? AND content_hash = ?",
                    (aid, rec.content_hash),
                )
            cur = con.execute(
                "INSERT INTO sessions(athlete_id, started_at, saved_at, source, content_hash,"
                " activity, kind, duration_s, distance_m, summary_json)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    aid,
                    started,
                    datetime.now(UTC).isoformat(),
                    rec.source,
                    rec.content_hash,
                    rec.activity,
                    rec.kind,
                    rec.duration_s,
                    rec.distance_m,
                    json.dumps(upgrade_summary(rec.summary), default=json_default),
                ),
            )
            sid = int(cur.lastrowid or 0)
            con.executemany(
                "INSERT INTO metrics(session_id, name, value) VALUES (?,?,?)",
                [
                    (sid, k, v)
                    for k, v in flatten_metrics(upgrade_summary(rec.summary)).items()
                    if k != "summary_version"  # the layout, not a metric to trend
                ],
            )
            if rec.steps is not None and len(rec.steps):
                buf = io.BytesIO()
                rec.steps.to_parquet(buf, index=False)
                con.execute(
                    "INSERT INTO step_tables(session_id, parquet) VALUES (?,?)",
                    (sid, buf.getvalue()),
                )
            if rec.balance_trials is not None:
                rows = rec.balance_trials.to_dict(orient="records")
                con.executemany(
                    "INSERT INTO balance_trials(session_id, trial, row_json) VALUES (?,?,?)",
                    [(sid, i, json.dumps(r, default=json_default)) for i, r in enumerate(rows)],
                )
        return sid

    def merge_pending(self) -> int:
        """Save the sessions kept in the pending file and remove them from it.

        Each pending session is saved in its own transaction together with its id, so a
        merge cut short (killed, or locked out again) and rerun adds nothing twice.

        Returns
        -------
        int
            Sessions merged now.

        Raises
        ------
        HistoryLockedError
            The database stayed locked; what was merged so far is saved and dropped from
            the file on the next merge.
        """
        pending, bad = history_pending.read(self.path)
        if not pending and not bad:
            return 0
        merged = 0
        for pid, rec in pending:
            if self._retry(lambda pid=pid, rec=rec: self._save_once(rec, pid)):  # type: ignore[misc]
                merged += 1
        history_pending.drop(self.path, {pid for pid, _ in pending}, bad)
        return merged

    def _query(self, sql: str, params: Any = ()) -> pd.DataFrame:
        return self._retry(lambda: pd.read_sql_query(sql, self._con, params=params))

    def sessions(self, athlete: str | None = None) -> pd.DataFrame:
        """All sessions (newest last) with their headline metrics.

        Parameters
        ----------
        athlete : str, optional
            Only this athlete's sessions.

        Returns
        -------
        DataFrame
            Columns ``id, athlete, started_at, activity, kind, duration_s, distance_m, source``
            and headline metrics ``cadence_spm, gct_ms, gct_balance_pct`` where present.
        """
        sql = (
            "SELECT s.id, a.name AS athlete, s.started_at, s.activity, s.kind, s.duration_s,"
            " s.distance_m, s.source,"
            " (SELECT value FROM metrics m WHERE m.session_id = s.id AND m.name = 'cadence_spm')"
            "   AS cadence_spm,"
            " (SELECT value FROM metrics m WHERE m.session_id = s.id AND m.name = 'gct_ms.mean')"
            "   AS gct_ms,"
            " (SELECT value FROM metrics m WHERE m.session_id = s.id"
            " AND m.name = 'gct_balance_pct')"
            "   AS gct_balance_pct"
            " FROM sessions s JOIN athletes a ON a.id = s.athlete_id"
        )
        params: tuple[Any, ...] = ()
        if athlete is not None:
            sql += " WHERE a.name = ?"
            params = (athlete,)
        sql += " ORDER BY s.started_at, s.id"
        df = self._query(sql, params)
        df["started_at"] = pd.to_datetime(df["started_at"], utc=True, format="ISO8601")
        return df

    def metric_names(self) -> list[str]:
        """Every metric name stored, sorted."""
        rows = self._retry(
            lambda: self._con.execute("SELECT DISTINCT name FROM metrics ORDER BY name").fetchall()
        )
        # sessions saved by an older summary layout: their names as the current layout has them
        return sorted({n for r in rows if (n := upgrade_metric_name(r[0])) is not None})

    def metric_activities(self, metric: str) -> list[str]:
        """Activities of the sessions that have ``metric``, most sessions first.

        Parameters
        ----------
        metric : str
            A metric name, e.g. ``cadence_spm``.

        Returns
        -------
        list of str
            E.g. ``["run", "walk"]``; empty when no session has it.
        """
        names = _stored_names(metric)
        rows = self._retry(
            lambda: self._con.execute(
                "SELECT s.activity, COUNT(*) FROM metrics m JOIN sessions s ON s.id = m.session_id"
                f" WHERE m.name IN ({_marks(names)}) GROUP BY s.activity"
                " ORDER BY COUNT(*) DESC, s.activity",
                names,
            ).fetchall()
        )
        return [r[0] for r in rows]

    def default_activity(self, metric: str) -> str | None:
        """The activity a trend of ``metric`` shows by default.

        A gait metric is a running metric (walks have a different cadence and contact time,
        so one line over both would mix 78 and 170 steps/min); a metric only balance
        sessions have is a balance metric; a metric only walks have is a walking one.

        Parameters
        ----------
        metric : str
            A metric name.

        Returns
        -------
        str or None
            ``run``, ``walk``, ``balance`` ... or None when no session has the metric.
        """
        acts = self.metric_activities(metric)
        for preferred in ("run", "balance"):
            if preferred in acts:
                return preferred
        return acts[0] if acts else None

    def trend(
        self, metric: str, athlete: str | None = None, activity: str | None = None
    ) -> pd.DataFrame:
        """One metric over time.

        Parameters
        ----------
        metric : str
            A metric name (see :meth:`metric_names`), e.g. ``cadence_spm``.
        athlete : str, optional
            Only this athlete.
        activity : str, optional
            Only sessions of this activity (``run``, ``walk``, ``balance``).

        Returns
        -------
        DataFrame
            ``started_at`` (UTC), ``athlete``, ``value``, ``session_id``, ``activity``;
            sorted by time.

        Raises
        ------
        HistoryError
            When no session has that metric (the message lists the available ones).
        """
        sql = (
            "SELECT s.started_at, a.name AS athlete, m.value, s.id AS session_id, s.activity"
            " FROM metrics m"
            " JOIN sessions s ON s.id = m.session_id JOIN athletes a ON a.id = s.athlete_id"
            f" WHERE m.name IN ({_marks(_stored_names(metric))})"
        )
        params: list[Any] = _stored_names(metric)
        if athlete is not None:
            sql += " AND a.name = ?"
            params.append(athlete)
        if activity is not None:
            sql += " AND s.activity = ?"
            params.append(activity)
        df = self._query(sql + " ORDER BY s.started_at", params)
        if df.empty:
            if activity is not None and self.metric_activities(metric):
                have = ", ".join(self.metric_activities(metric))
                raise HistoryError(
                    f"no {activity} sessions have metric {metric!r}; it is saved for: {have}"
                )
            names = ", ".join(n for n in self.metric_names() if "." not in n) or "none yet"
            raise HistoryError(f"no sessions have metric {metric!r}; available: {names}")
        df["started_at"] = pd.to_datetime(df["started_at"], utc=True, format="ISO8601")
        return df

    def balance_trend(self, metric: str, athlete: str | None = None) -> pd.DataFrame:
        """A balance metric over time, one series per leg and eyes condition.

        Parameters
        ----------
        metric : str
            ``sway_area`` (the 95 % ellipse area) or a per-condition metric of the balance
            summary, e.g. ``rms`` or ``ellipse_area`` (saved as
            ``conditions.<leg>_<eyes>.<metric>``).
        athlete : str, optional
            Only this athlete.

        Returns
        -------
        DataFrame
            ``started_at`` (UTC), ``athlete``, ``value``, ``session_id``, ``activity``, ``leg``,
            ``eyes`` and ``series`` (e.g. ``left leg, eyes open``); sorted by time.

        Raises
        ------
        HistoryError
            When no balance session has that metric per condition.
        """
        leaf = "ellipse_area" if metric == "sway_area" else metric
        sql = (
            "SELECT s.started_at, a.name AS athlete, m.value, s.id AS session_id, s.activity,"
            " m.name FROM metrics m JOIN sessions s ON s.id = m.session_id"
            " JOIN athletes a ON a.id = s.athlete_id"
            " WHERE s.activity = 'balance' AND m.name LIKE 'conditions.%' AND m.name LIKE ?"
        )
        params: list[Any] = [f"%.{leaf}"]
        if athlete is not None:
            sql += " AND a.name = ?"
            params.append(athlete)
        df = self._query(sql + " ORDER BY s.started_at", params)
        # conditions.<leg>_<eyes>.<leaf>: keep exact matches only (LIKE's '_' is a wildcard)
        parts = df["name"].str.split(".", n=2, expand=True) if not df.empty else None
        if parts is not None and parts.shape[1] == 3:
            df = df[
                (parts[2] == leaf) & parts[1].str.fullmatch(r"(left|right)_(open|closed)")
            ].copy()
        else:
            df = df.iloc[0:0]
        if df.empty:
            raise HistoryError(f"no balance sessions have {metric!r} per leg and eyes condition")
        cond = df.pop("name").str.split(".", n=2).str[1].str.split("_", n=1)
        df["leg"], df["eyes"] = cond.str[0], cond.str[1]
        df["series"] = df["leg"] + " leg, eyes " + df["eyes"]
        df["started_at"] = pd.to_datetime(df["started_at"], utc=True, format="ISO8601")
        return df.reset_index(drop=True)

    def steps(self, session_id: int) -> pd.DataFrame:
        """The stored step table of a session (empty when none was stored)."""
        row = self._retry(
            lambda: self._con.execute(
                "SELECT parquet FROM step_tables WHERE session_id = ?", (session_id,)
            ).fetchone()
        )
        return pd.read_parquet(io.BytesIO(row[0])) if row else pd.DataFrame()

    def weekly_volume(self, athlete: str | None = None) -> pd.DataFrame:
        """Running volume per ISO week with the >10 % week-on-week growth flag.

        Returns
        -------
        DataFrame
            ``week`` (Monday, UTC), ``duration_min``, ``distance_km`` (NaN when unknown),
            ``growth_pct`` against the previous week, and ``flag`` (True above
            :data:`VOLUME_GROWTH_LIMIT`). Guidance, not a rule.
        """
        df = self.sessions(athlete)
        df = df[df["activity"] == "run"]
        if df.empty:
            return pd.DataFrame(
                columns=["week", "duration_min", "distance_km", "growth_pct", "flag"]
            )
        week = df["started_at"].dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period("W-SUN")
        g = df.groupby(week).agg(duration_s=("duration_s", "sum"), distance_m=("distance_m", "sum"))
        weeks = pd.period_range(g.index.min(), g.index.max(), freq="W-SUN")
        g = g.reindex(weeks, fill_value=0.0)
        out = pd.DataFrame(
            {
                "week": weeks.start_time,
                "duration_min": g["duration_s"].to_numpy() / 60.0,
                "distance_km": g["distance_m"].to_numpy() / 1000.0,
            }
        )
        prev = out["duration_min"].shift(1)
        out["growth_pct"] = (out["duration_min"] / prev - 1.0) * 100.0
        out.loc[~(prev > 0), "growth_pct"] = float("nan")
        out["flag"] = out["growth_pct"] > VOLUME_GROWTH_LIMIT * 100.0
        return out


@dataclass(frozen=True)
class SaveReport:
    """What :func:`save_session` did."""

    #: The new session's id; None when it was kept in the pending file.
    session_id: int | None
    #: The pending file the session was kept in, when the database stayed locked.
    pending: Path | None = None
    #: Sessions kept by earlier runs that were merged now.
    merged: int = 0
    #: One line for the user ("" when there is nothing to say).
    message: str = ""


def save_session(
    rec: SessionRecord, db: str | Path | None = None, *, lock_wait_s: float | None = None
) -> SaveReport:
    """Save a session, merging earlier pending ones first; never lose it to a lock.

    Parameters
    ----------
    rec : SessionRecord
        The session.
    db : str or Path, optional
        Database file (default :func:`default_db_path`).
    lock_wait_s : float, optional
        Seconds to wait for a lock held by another program (default :data:`LOCK_WAIT_S`).

    Returns
    -------
    SaveReport
        The session id, or, when the database stayed locked, the pending file the session
        was appended to (the next call merges it).

    Raises
    ------
    HistoryError
        The database is not usable (not a lock: that is reported in the SaveReport).
    """
    path = Path(db) if db is not None else default_db_path()
    merged = 0
    try:
        with History(path, lock_wait_s=lock_wait_s) as h:
            merged = h.merge_pending()
            sid = h.save(rec)
    except HistoryLockedError as exc:
        kept = history_pending.append(path, rec)
        return SaveReport(
            None,
            pending=kept,
            merged=merged,
            message=f"{exc}; session kept in {kept}, saved on the next run",
        )
    msg = f"history: added {merged} session(s) kept while the database was locked" if merged else ""
    return SaveReport(sid, merged=merged, message=msg)

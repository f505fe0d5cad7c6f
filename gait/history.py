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
"""

from __future__ import annotations

import io
import json
import math
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from gait.errors import GaitError

APP_NAME = "runner-gait"
#: Week-on-week volume growth above this fraction is flagged (coaching rule of thumb).
VOLUME_GROWTH_LIMIT = 0.10

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
"""


class HistoryError(GaitError):
    """The history database cannot be opened or is not ours."""


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


@dataclass(frozen=True)
class SessionRecord:
    """What is saved for one analysed session."""

    athlete: str
    started_at: datetime
    source: str
    activity: str
    summary: Mapping[str, Any]
    kind: str = "gait"
    content_hash: str | None = None
    duration_s: float | None = None
    distance_m: float | None = None
    steps: pd.DataFrame | None = None
    balance_trials: pd.DataFrame | None = None


class History:
    """A connection to the history database.

    Parameters
    ----------
    path : str or Path, optional
        Database file; defaults to :func:`default_db_path`. Created with its folder.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # A generous busy timeout: the live app writes while other commands read.
            self._con = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA foreign_keys=ON")
            self._con.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"{self.path}: not a usable history database ({exc})") from None

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
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

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
        """
        started = rec.started_at.astimezone(UTC).isoformat() if rec.started_at.tzinfo else (
            rec.started_at.isoformat()
        )
        with self._tx() as con:
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
                    json.dumps(rec.summary, default=json_default),
                ),
            )
            sid = int(cur.lastrowid or 0)
            con.executemany(
                "INSERT INTO metrics(session_id, name, value) VALUES (?,?,?)",
                [(sid, k, v) for k, v in flatten_metrics(rec.summary).items()],
            )
            if rec.steps is not None and len(rec.steps):
                buf = io.BytesIO()
                rec.steps.to_parquet(buf, index=False)
                con.execute(
                    "INSERT INTO step_tables(session_id, parquet) VALUES (?,?)", (sid, buf.getvalue())
                )
            if rec.balance_trials is not None:
                rows = rec.balance_trials.to_dict(orient="records")
                con.executemany(
                    "INSERT INTO balance_trials(session_id, trial, row_json) VALUES (?,?,?)",
                    [(sid, i, json.dumps(r, default=json_default)) for i, r in enumerate(rows)],
                )
        return sid

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
            " (SELECT value FROM metrics m WHERE m.session_id = s.id AND m.name = 'gct_balance_pct')"
            "   AS gct_balance_pct"
            " FROM sessions s JOIN athletes a ON a.id = s.athlete_id"
        )
        params: tuple[Any, ...] = ()
        if athlete is not None:
            sql += " WHERE a.name = ?"
            params = (athlete,)
        sql += " ORDER BY s.started_at, s.id"
        df = pd.read_sql_query(sql, self._con, params=params)
        df["started_at"] = pd.to_datetime(df["started_at"], utc=True, format="ISO8601")
        return df

    def metric_names(self) -> list[str]:
        """Every metric name stored, sorted."""
        return [r[0] for r in self._con.execute("SELECT DISTINCT name FROM metrics ORDER BY name")]

    def trend(self, metric: str, athlete: str | None = None) -> pd.DataFrame:
        """One metric over time.

        Parameters
        ----------
        metric : str
            A metric name (see :meth:`metric_names`), e.g. ``cadence_spm``.
        athlete : str, optional
            Only this athlete.

        Returns
        -------
        DataFrame
            ``started_at`` (UTC), ``athlete``, ``value``, ``session_id``; sorted by time.

        Raises
        ------
        HistoryError
            When no session has that metric (the message lists the available ones).
        """
        sql = (
            "SELECT s.started_at, a.name AS athlete, m.value, s.id AS session_id FROM metrics m"
            " JOIN sessions s ON s.id = m.session_id JOIN athletes a ON a.id = s.athlete_id"
            " WHERE m.name = ?"
        )
        params: list[Any] = [metric]
        if athlete is not None:
            sql += " AND a.name = ?"
            params.append(athlete)
        df = pd.read_sql_query(sql + " ORDER BY s.started_at", self._con, params=params)
        if df.empty:
            names = ", ".join(n for n in self.metric_names() if "." not in n) or "none yet"
            raise HistoryError(f"no sessions have metric {metric!r}; available: {names}")
        df["started_at"] = pd.to_datetime(df["started_at"], utc=True, format="ISO8601")
        return df

    def steps(self, session_id: int) -> pd.DataFrame:
        """The stored step table of a session (empty when none was stored)."""
        row = self._con.execute(
            "SELECT parquet FROM step_tables WHERE session_id = ?", (session_id,)
        ).fetchone()
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
            return pd.DataFrame(columns=["week", "duration_min", "distance_km", "growth_pct", "flag"])
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


def json_default(obj: Any) -> Any:
    """``json.dumps(default=...)`` for summaries: numpy scalars and arrays, timestamps, else str."""
    if hasattr(obj, "item") and getattr(obj, "ndim", 0) == 0:
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, datetime | pd.Timestamp):
        return obj.isoformat()
    return str(obj)

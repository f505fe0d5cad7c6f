"""One call that analyses any recording (gait or balance) and knows how to save it.

``gait analyze``, ``gait batch`` and ``gait live`` all end the same way: analyse, write
the step table / summary / report, and record the session in the history. This module
is that shared ending.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gait.contract.recording import Recording

if TYPE_CHECKING:
    from gait.apps.history.store import SaveReport, SessionRecord
    from gait.balance import BalanceResult
    from gait.contract.result import GaitResult


@dataclass
class SessionOutcome:
    """The analysis of one recording: a gait result or a balance result."""

    recording: Recording
    gait: GaitResult | None = None
    balance: BalanceResult | None = None

    @property
    def activity(self) -> str:
        """``balance`` or the gait summary's activity (run/walk/...)."""
        if self.balance is not None:
            return "balance"
        assert self.gait is not None
        return str(self.gait.summary.get("activity", self.recording.meta.activity))

    def summary(self) -> dict[str, Any]:
        """The JSON-serialisable summary."""
        if self.balance is not None:
            out = dict(self.balance.session)
            # Headline for trends: mean 95 % ellipse area over the stance conditions.
            areas = [
                float(c["ellipse_area"])
                for c in (out.get("conditions") or {}).values()
                if isinstance(c, dict) and isinstance(c.get("ellipse_area"), int | float)
            ]
            finite = [a for a in areas if a == a]
            out["sway_area"] = sum(finite) / len(finite) if finite else None
            return out
        assert self.gait is not None
        return dict(self.gait.summary)

    def headline(self) -> dict[str, Any]:
        """A flat row for batch tables: activity, duration and the key numbers."""
        row: dict[str, Any] = {
            "activity": self.activity,
            "duration_s": round(self.recording.duration, 3),
        }
        s = self.summary()
        if self.gait is not None:
            gct = s.get("gct_ms") or {}
            row.update(
                cadence_spm=s.get("cadence_spm"),
                gct_ms=gct.get("mean") if isinstance(gct, dict) else gct,
                gct_balance_pct=s.get("gct_balance_pct"),
                duty_factor=s.get("duty_factor"),
                steps=s.get("steps"),
            )
        elif self.balance is not None:
            row.update(trials=len(self.balance.trials), verdict=self.balance.verdict)
        return row

    def write(
        self, folder: Path, *, plotly_js: str = "inline", name: str | None = None
    ) -> dict[str, Path]:
        """Write ``steps.csv`` (or ``trials.csv``), ``summary.json`` and ``report.html``.

        Parameters
        ----------
        folder : Path
            Existing output folder.
        plotly_js : str
            ``"inline"`` for a self-contained report, or ``"shared:<relative path>"``.
        name : str, optional
            The recording's file name, shown in the report title.

        Returns
        -------
        dict of str to Path
            What was written.
        """
        from gait.util.jsonsafe import json_default
        from gait.views.report import build_report

        written: dict[str, Path] = {}
        if self.gait is not None:
            written["steps"] = folder / "steps.csv"
            self.gait.steps.to_csv(written["steps"], index=False)
        if self.balance is not None:
            written["trials"] = folder / "trials.csv"
            self.balance.trials.to_csv(written["trials"], index=False)
        written["summary"] = folder / "summary.json"
        written["summary"].write_text(json.dumps(self.summary(), indent=1, default=json_default))
        written["report"] = build_report(
            self.gait,
            balance=self.balance,
            path=folder / "report.html",
            plotly_js=plotly_js,
            source=name,
        )
        return written

    def session_record(self, *, source: str, content_hash: str | None = None) -> SessionRecord:
        """What the history database stores for this session."""
        from gait.apps.history.store import SessionRecord

        meta = self.recording.meta
        started = datetime.fromisoformat(meta.start_time) if meta.start_time else datetime.now(UTC)
        dist = None
        if self.gait is not None and "stride_length" in self.gait.steps:
            sl = self.gait.steps["stride_length"].dropna()
            dist = (
                float(sl.sum() / 2.0) if len(sl) else None
            )  # stride per step row counts both feet
        return SessionRecord(
            athlete=meta.athlete or "me",
            started_at=started,
            source=source,
            activity=self.activity,
            summary=self.summary(),
            kind="balance" if self.balance is not None else "gait",
            content_hash=content_hash,
            duration_s=self.recording.duration,
            distance_m=dist,
            steps=self.gait.steps if self.gait is not None else None,
            balance_trials=self.balance.trials if self.balance is not None else None,
        )


def save_outcome(
    outcome: SessionOutcome, db: str | Path | None, *, source: str, content_hash: str | None = None
) -> SaveReport:
    """Record ``outcome`` in the history at ``db``; a locked database defers, never loses it.

    Parameters
    ----------
    outcome : SessionOutcome
        The analysed session.
    db : str or Path, optional
        History database (None: the default one).
    source, content_hash
        As for :meth:`SessionOutcome.session_record`.

    Returns
    -------
    SaveReport
        See :func:`gait.apps.history.store.save_session`; print its ``message`` when not empty.
    """
    from gait.apps.history.store import save_session

    return save_session(outcome.session_record(source=source, content_hash=content_hash), db)


def analyze_recording(rec: Recording, *, activity: str | None = None) -> SessionOutcome:
    """Analyse a recording as balance or as gait, whichever it holds.

    Parameters
    ----------
    rec : Recording
        Any recording.
    activity : str, optional
        Force ``balance`` or a gait activity; default: ``rec.meta.activity``.

    Returns
    -------
    SessionOutcome
    """
    if not rec.streams and (watch := rec.channel("watch")) is not None:
        import pandas as pd

        from gait.apps.watch import watch_summary
        from gait.contract.result import GaitResult

        return SessionOutcome(
            rec, gait=GaitResult(steps=pd.DataFrame(), summary=watch_summary(watch))
        )
    if (activity or rec.meta.activity) == "balance":
        from gait.balance import analyze_balance

        return SessionOutcome(rec, balance=analyze_balance(rec))
    from gait.analysis.pipeline import analyze

    kwargs: dict[str, Any] = {}
    if activity and activity != "auto":
        kwargs["activity"] = activity
    return SessionOutcome(rec, gait=analyze(rec, **kwargs))

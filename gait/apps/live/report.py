"""End of a live session: analyse the capture file and write the report with the cues.

The report comes from the capture (``gait.io.read`` → :func:`gait.apps.outcome.analyze_recording`),
so it is the same as ``gait report`` on that file. The live cue timeline is on the live
session clock; it is moved onto the capture's clock by the median offset between the
live steps and the capture's steps (the same contacts seen twice), so cues line up with
the report's charts whatever clock the capture reader settles on. The input checks found
live (:mod:`gait.apps.live.reasons`: a phone's placement judged from its acceleration, a
sensor that slipped mid-run) join the report's own (:func:`add_live_checks`).
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from gait.analysis.stream.gaps import GAP_MIN
from gait.contract.summary_types import InputCheckRecord, LiveReportSummary, RunSummary
from gait.feedback import FeedbackSession
from gait.io import ReadOptions, read
from gait.util.jsonsafe import to_jsonable

#: A capture clock further than this (s) from the live clock is moved onto it.
SHIFT_ABOVE = 1.0


def clock_offset(live_steps: pd.DataFrame, capture_steps: pd.DataFrame, tol: float = 0.5) -> float:
    """Capture time minus live time of the same contacts, s (0 when they cannot be matched).

    Parameters
    ----------
    live_steps, capture_steps : DataFrame
        Step tables with ``t_ic`` (s) and ``side``.
    tol : float
        Largest residual (s) of a matched pair after removing the coarse offset.

    Returns
    -------
    float
    """
    if not len(live_steps) or not len(capture_steps):
        return 0.0
    a = np.sort(live_steps["t_ic"].to_numpy(dtype=np.float64))
    b = np.sort(capture_steps["t_ic"].to_numpy(dtype=np.float64))
    d0 = _nearest(b, a) - a
    if b.size >= 2 and (np.abs(d0) < 0.1).mean() > 0.8:
        # the clocks already agree (live sessions, simulated ones on their simulated
        # clock): a histogram over periodic steps could pick a shift of whole steps
        return float(np.median(d0[np.abs(d0) < 0.1]))
    # coarse: the offset that lines up the step sequences best, from a histogram of
    # pairwise differences of nearby indices (vectorized over a band of index shifts)
    n = min(a.size, b.size, 400)
    ia = np.linspace(0, a.size - 1, n).astype(int)
    cand = (b[None, :] - a[ia, None]).ravel()
    hist, edges = np.histogram(cand, bins=np.arange(cand.min(), cand.max() + 0.05, 0.02))
    coarse = float(edges[np.argmax(hist)] + 0.01)
    j = np.clip(np.searchsorted(b, a + coarse), 1, b.size - 1)
    near = np.where(np.abs(b[j] - a - coarse) < np.abs(b[j - 1] - a - coarse), b[j], b[j - 1])
    d = near - a
    ok = np.abs(d - coarse) < tol
    return float(np.median(d[ok])) if ok.any() else coarse


def capture_gaps(rec: Any, min_gap: float = GAP_MIN) -> dict[str, list[tuple[float, float]]]:
    """Holes in each stream of a recording read from a capture, on the recording's clock.

    Parameters
    ----------
    rec : Recording
        From :func:`gait.io.read` on a capture file.
    min_gap : float
        Shortest hole reported, s.

    Returns
    -------
    dict
        Stream name → [(start s, end s)] of holes longer than ``min_gap`` (streams without
        any left out).
    """
    out: dict[str, list[tuple[float, float]]] = {}
    for st in rec.streams:
        t = np.asarray(st.t, dtype=np.float64)
        d = np.diff(t)
        idx = np.flatnonzero(d > min_gap)
        if idx.size:
            out[st.name] = [(float(t[i]), float(t[i + 1])) for i in idx]
    return out


def _nearest(b: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    """The element of sorted ``b`` (size >= 2) nearest to each ``x``."""
    j = np.clip(np.searchsorted(b, x), 1, b.size - 1)
    return np.where(np.abs(b[j] - x) < np.abs(b[j - 1] - x), b[j], b[j - 1])


def add_live_checks(summary: RunSummary, flags: list[str], live: list[dict[str, Any]]) -> None:
    """Add the findings of the live input checks that the capture's analysis did not make.

    The analysis of the capture judges each whole stream once; the live checks judged it
    window by window (and a phone from its acceleration), so a mid-run change or a phone on
    the wrong body part is known only to them. Each becomes an ``input_checks`` entry and a
    flag, as an analysis finding would.

    Parameters
    ----------
    summary : RunSummary
        The gait summary (``input_checks`` and ``flags`` extended in place).
    flags : list of str
        The session's quality flags (extended in place).
    live : list of dict
        :attr:`gait.feedback.FeedbackSession.input_checks` (``code``, ``stream``, ``message``,
        ``metrics``, ``flag``).
    """
    checks = summary.setdefault("input_checks", [])
    have = {(c["code"], c["stream"]) for c in checks}
    shown = summary.get("flags")
    # the summary's flag list is usually the session's own list; extend each list once
    targets = [flags] if shown is None or shown is flags else [flags, shown]
    for c in live:
        stream = c.get("stream")
        if (c.get("code"), stream) not in have:
            checks.append(
                InputCheckRecord(
                    code=str(c.get("code")),
                    stream=None if stream is None else str(stream),
                    message=str(c.get("message")),
                    metrics=[str(m) for m in c.get("metrics") or []],
                )
            )
        flag = c.get("flag")
        for into in targets:
            if isinstance(flag, str) and flag not in into:
                into.append(flag)


def write_report(
    capture: Path,
    folder: Path,
    feedback: FeedbackSession,
    live_steps: pd.DataFrame,
    *,
    save: bool = True,
    history_db: Path | None = None,
    treadmill_speed: float | None = None,
) -> tuple[dict[str, Path], int | None]:
    """Analyse the capture and write ``steps.csv``, ``summary.json``, ``report.html``.

    Parameters
    ----------
    capture : Path
        The session's capture file.
    folder : Path
        Output folder.
    feedback : FeedbackSession
        The live feedback (cue timeline, drill state, cadence band).
    live_steps : DataFrame
        Steps the engine emitted (also written, as ``live_steps.csv``).
    save : bool
        Save the session in the history database.
    history_db : Path, optional
        History database (None: the default one).
    treadmill_speed : float, optional
        Belt speed, m/s.

    Returns
    -------
    written : dict of str to Path
    session_id : int or None
        History id when saved.

    Raises
    ------
    GaitError
        The capture cannot be read or analysed (e.g. no data arrived).
    """
    # lazy: the analysis and the report builder are needed only once the session has ended
    from gait.apps.outcome import analyze_recording
    from gait.views.report import build_report

    rec = read(capture, ReadOptions())
    if treadmill_speed:
        rec.meta.treadmill_speed = treadmill_speed
    outcome = analyze_recording(rec, activity="run" if rec.meta.activity == "unknown" else None)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    kw: dict[str, Any] = feedback.report_kwargs()
    gait = outcome.gait
    if gait is not None:
        off = clock_offset(live_steps, gait.steps)
        if abs(off) > SHIFT_ABOVE:
            # The capture's clock is far from the session's (an accelerated virtual run:
            # device time at nominal rate, offset from arrival times). Put the capture on
            # the live session clock so the report starts at 0 with the cues in place.
            for st in rec.streams:
                st.t = st.t - off
            for ch in rec.channels:
                ch.t = ch.t - off
            outcome = analyze_recording(
                rec, activity="run" if rec.meta.activity == "unknown" else None
            )
            gait = outcome.gait
            assert gait is not None
            shifted, off = off, 0.0
        else:
            shifted = 0.0
        kw["cues"] = [dataclasses.replace(c, t=c.t + off) for c in kw["cues"]]
        add_live_checks(gait.summary, gait.flags, feedback.input_checks)
        holes = capture_gaps(rec)
        # every lost second is named in the report, not only counted
        gait.flags.extend(
            f"gap:{name} {a:.1f}–{b:.1f} s" for name, spans in holes.items() for a, b in spans
        )
        written["steps"] = folder / "steps.csv"
        gait.steps.to_csv(written["steps"], index=False)
        report_summary: LiveReportSummary = {
            **gait.summary,
            "live": {
                "steps": len(live_steps),
                "cue_shift_s": off if math.isfinite(off) else None,
                "capture_shift_s": -shifted,
            },
            "gaps": {
                name: [[round(a, 3), round(b, 3)] for a, b in spans]
                for name, spans in holes.items()
            },
        }
        summary: LiveReportSummary | dict[str, Any] = report_summary
    else:
        summary = outcome.summary()  # a balance session's
    if len(live_steps):
        written["live_steps"] = folder / "live_steps.csv"
        live_steps.to_csv(written["live_steps"], index=False)
    written["cues"] = folder / "cues.json"
    written["cues"].write_text(
        json.dumps([_cue_dict(c) for c in kw["cues"]], indent=1, default=str)
    )
    written["summary"] = folder / "summary.json"
    written["summary"].write_text(json.dumps(summary, indent=1, default=str))
    written["report"] = build_report(
        gait, balance=outcome.balance, path=folder / "report.html", **kw
    )
    sid = None
    if save:  # a locked history database defers the session to its pending file
        from gait.apps.outcome import save_outcome

        saved = save_outcome(outcome, history_db, source=str(capture))
        sid = saved.session_id
        if saved.message:
            print(saved.message)
    return written, sid


def _cue_dict(c: Any) -> dict[str, Any]:
    """A cue event as plain JSON."""
    d = c.to_dict() if hasattr(c, "to_dict") else dict(c)
    return to_jsonable(d)

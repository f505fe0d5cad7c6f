"""Shared ending of ``gait live`` and ``gait demo``: pick the view, run, print the outcome."""

from __future__ import annotations

import json
import sys
from typing import Any

from gait.apps.live.run import run_live
from gait.apps.live.runtime import LiveConfig, LiveResult
from gait.contract.metric_defs import METRICS, fmt, summary_value


def run_with_view(
    cfg: LiveConfig, *, terminal: bool, lan: bool, port: int, quiet: bool = False
) -> LiveResult:
    """Run a live session with the page (default) or the terminal view and print the result.

    Parameters
    ----------
    cfg : LiveConfig
        The session.
    terminal : bool
        Show the terminal view instead of serving the page.
    lan : bool
        Serve the page on the network (a token is printed).
    port : int
        Page port (0: a free one).
    quiet : bool
        No status lines (tests).

    Returns
    -------
    LiveResult
    """

    def say(msg: str) -> None:
        if not quiet:
            print(msg, file=sys.stderr, flush=True)

    if terminal:
        # lazy: each view pulls in its own stack (rich; starlette and uvicorn), a session
        # needs one of them
        from gait.views.terminal import TerminalView

        with TerminalView() as tv:
            result = run_live(cfg, tv, announce=lambda _msg: None)
    else:
        from gait.views.live_page import LivePage

        # up to 40 messages/s so a step update rarely waits behind a status tick (latency)
        page = LivePage(lan=lan, port=port, title=page_title(cfg), max_rate_hz=40.0)
        page.start(announce=lambda m: print(m, flush=True))
        try:
            result = run_live(cfg, page, announce=say)
        finally:
            page.stop()
    _print_result(result)
    return result


def page_title(cfg: LiveConfig) -> str:
    """Title of the live page: ``cfg.title``, else a live session (marked when simulated).

    Parameters
    ----------
    cfg : LiveConfig
        The session.

    Returns
    -------
    str
    """
    if cfg.title:
        return cfg.title
    return "gait live (simulated)" if cfg.simulate else "gait live"


#: Session metrics in the closing line of ``gait live`` and ``gait demo``.
CLOSING_METRICS: tuple[str, ...] = ("cadence", "gct", "gct_balance")


def closing_line(live_steps: int, summary: dict[str, Any]) -> str:
    """The closing line: steps, then the session metrics as the metric table shows them.

    Parameters
    ----------
    live_steps : int
        Steps the live view saw.
    summary : dict
        The report's ``summary.json`` (may be empty).

    Returns
    -------
    str
        E.g. ``"steps: 310 live, 312 in the report; cadence 170 spm; ground contact time
        251 ms; GCT balance 50.2 % L"``.
    """
    counts = summary.get("activity_steps")  # every step of the report, each activity
    total = sum(counts.values()) if isinstance(counts, dict) else "?"
    parts = [f"steps: {live_steps} live, {total} in the report"]
    status = summary.get("symmetry_status") or {}
    for name in CLOSING_METRICS:
        if name == "gct_balance" and name in status:  # withheld: say why instead of a number
            parts.append(f"{METRICS[name].label} not shown ({status[name]})")
        else:
            parts.append(f"{METRICS[name].label} {fmt(name, summary_value(summary, name))}")
    return "; ".join(parts)


def _print_result(r: LiveResult) -> None:
    s: dict[str, Any] = {}
    try:
        s = json.loads(r.written["summary"].read_text())
    except (KeyError, OSError, ValueError):
        pass
    print(closing_line(len(r.live_steps), s), flush=True)
    lost = [
        f"{name} {status} at {t:.0f} s"
        for t, name, status in r.sensor_log
        if status in ("dropped", "vanished", "no data") or status.startswith("gap")
    ]
    if lost:
        print("sensors: " + "; ".join(lost), flush=True)
    print(f"capture: {r.capture}", flush=True)
    if r.session_id is not None:
        print(f"saved to history as session {r.session_id}", flush=True)
    print(f"report: {r.written['report'].resolve()}", flush=True)

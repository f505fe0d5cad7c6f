"""Terminal view: big numbers and the current cue, redrawn with ``rich.live.Live``.

For runners who do not want a browser. Feed it the same update dicts as the live page
(:meth:`gait.feedback.FeedbackSession.add_steps`) through :meth:`TerminalView.publish`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from gait.contract.metric_defs import KMH_PER_MPS, METRICS, fmt, with_unit

#: The metrics drawn as big numbers, in order (labels, units and scales from the table).
BIG_METRICS: tuple[str, ...] = ("cadence", "gct_left", "gct_right", "gct_balance", "speed")

# A 3-row block font so the key numbers read from a treadmill a metre or two away.
_FONT: dict[str, tuple[str, str, str]] = {
    "0": ("█▀█", "█ █", "▀▀▀"),
    "1": (" ▄█", "  █", "  ▀"),
    "2": ("▀▀█", "█▀▀", "▀▀▀"),
    "3": ("▀▀█", " ▀█", "▀▀▀"),
    "4": ("█ █", "▀▀█", "  ▀"),
    "5": ("█▀▀", "▀▀█", "▀▀▀"),
    "6": ("█▀▀", "█▀█", "▀▀▀"),
    "7": ("▀▀█", "  █", "  ▀"),
    "8": ("█▀█", "█▀█", "▀▀▀"),
    "9": ("█▀█", "▀▀█", "▀▀▀"),
    ".": ("   ", "   ", " ▀ "),
    "-": ("   ", "▀▀▀", "   "),
    " ": ("   ", "   ", "   "),
}


def big(text: str, style: str = "bold") -> Text:
    """``text`` (digits, '.', '-') in the 3-row block font; other characters stay small."""
    if not text or any(c not in _FONT for c in text):
        return Text(text, style=style)
    rows = [" ".join(_FONT[c][r] for c in text) for r in range(3)]
    return Text("\n".join(rows), style=style)


def _num(name: str, v: Any) -> str:
    """A stored value of ``name`` as the table shows it, without the unit ("-" when missing)."""
    return fmt(name, v, unit=False, missing="-")


def cell_label(name: str) -> str:
    """Small label above a big number: ``"cadence spm"``, ``"contact time left ms"``."""
    return with_unit(name, METRICS[name].label)


def big_cells(metrics: Mapping[str, Any], band: Any = None) -> list[tuple[str, str, str, str]]:
    """The big numbers as text: ``(metric, label with unit, value, note)`` per cell.

    Parameters
    ----------
    metrics : mapping
        Rolling metrics in stored units (:func:`gait.feedback.window_metrics`).
    band : (float, float), optional
        Cadence target band, steps/min.

    Returns
    -------
    list of tuple of str
        Labels, units, scales and decimals from :mod:`gait.contract.metric_defs`; speed only when
        measured, with km/h as its note.
    """
    cells = []
    for name in BIG_METRICS:
        v = metrics.get(name)
        note = ""
        if name == "cadence":
            note = f"target {band[0]:.0f}-{band[1]:.0f}" if band else "learning baseline"
        elif name == "speed":
            if v is None:
                continue
            note = f"{float(v) * KMH_PER_MPS:.1f} km/h"
        cells.append((name, cell_label(name), _num(name, v), note))
    return cells


def render(state: Mapping[str, Any]) -> RenderableType:
    """The whole terminal screen for one state.

    Parameters
    ----------
    state : mapping
        A view update (``metrics``, ``cue``, ``cues``, ``target``, ``sensors``,
        ``metronome_spm``, ``t``) as :meth:`gait.feedback.FeedbackSession.add_steps` returns.

    Returns
    -------
    rich renderable
    """
    m = state.get("metrics") or {}
    band = (state.get("target") or {}).get("cadence")
    cad = m.get("cadence")
    cad_style = "bold"
    if band and cad is not None:
        cad_style = "bold green" if band[0] <= cad <= band[1] else "bold yellow"
    cells = [
        (label, big(value, cad_style if name == "cadence" else "bold"), note)
        for name, label, value, note in big_cells(m, band)
    ]
    grid = Table.grid(expand=True, padding=(0, 2))
    for _ in cells:
        grid.add_column(justify="center")
    grid.add_row(*[Text(label, style="dim") for label, _, _ in cells])
    grid.add_row(*[value for _, value, _ in cells])
    grid.add_row(*[Text(note, style="dim") for _, _, note in cells])
    strike = m.get("strike")
    extra = Text()
    if strike:
        share = m.get("rear_share")
        heel = (
            f" ({fmt('rear_share', share)} {METRICS['rear_share'].label})"
            if share is not None
            else ""
        )
        extra.append(f"strike: {strike}{heel}   ")
    if state.get("metronome_spm"):
        extra.append(f"metronome {fmt('cadence', state['metronome_spm'])}   ", style="cyan")
    t = float(state.get("t") or 0.0)
    extra.append(f"time {int(t) // 60}:{int(t) % 60:02d}", style="dim")
    cue = state.get("cue")
    if cue:
        style = "bold black on yellow" if cue.get("level") == "warn" else "bold black on green"
        cue_panel = Panel(Text(cue.get("text", ""), style=style, justify="center"), title="cue")
    else:
        cue_panel = Panel(Text("steady - no cue", style="dim", justify="center"), title="cue")
    others = [
        c.get("text", "")
        for c in state.get("cues") or []
        if not cue or (c.get("drill"), c.get("metric")) != (cue.get("drill"), cue.get("metric"))
    ]
    sensors = Text()
    for name, info in (state.get("sensors") or {}).items():
        status = str(info.get("status", "?"))
        colour = (
            "green" if status == "ok" else ("red" if status in ("dropped", "lost") else "yellow")
        )
        gaps = (
            f" ({info['gaps']} gaps, {info.get('gap_s', 0):.1f} s missing)"
            if info.get("gaps")
            else ""
        )
        sensors.append(f"● {name}: {status}{gaps}   ", style=colour)
    parts: list[RenderableType] = [cue_panel]
    parts += [Text("also: " + o, style="yellow") for o in others]
    parts += [grid, extra]
    if len(sensors):
        parts.append(sensors)
    for c in state.get("input_checks") or []:
        parts.append(Text(f"input check: {c.get('message', '')}", style="bold red"))
    for metric, why in (state.get("missing") or {}).items():
        if m.get(metric) is None:  # shown only while the number is missing
            parts.append(
                Text(
                    f"{METRICS[metric].label if metric in METRICS else metric}: {why}", style="dim"
                )
            )
    for metric, why in (state.get("withheld") or {}).items():
        label = "GCT balance" if metric == "gct_balance" else metric
        parts.append(Text(f"{label} not shown: {why}", style="dim"))
    return Panel(Group(*parts), title="gait live", border_style="blue")


class TerminalView:
    """A live-updating terminal screen; use as a context manager.

    Parameters
    ----------
    console : rich.console.Console, optional
        Where to draw (default: the terminal).
    refresh_per_second : float
        Redraw rate, Hz.
    """

    def __init__(self, console: Console | None = None, refresh_per_second: float = 4.0) -> None:
        self.console = console or Console()
        self.state: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._live = Live(
            render(self.state),
            console=self.console,
            refresh_per_second=refresh_per_second,
            transient=False,
        )

    def publish(self, update: Mapping[str, Any]) -> None:
        """Merge an update (same dict as the live page takes) and redraw (any thread)."""
        with self._lock:
            for k, v in update.items():
                if k == "sensors":
                    self.state["sensors"] = {**self.state.get("sensors", {}), **v}
                else:
                    self.state[k] = v
            screen = render(self.state)
        self._live.update(screen)

    def __enter__(self) -> TerminalView:
        self._live.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._live.__exit__(exc_type, exc, tb)

"""Plotly figures of the session report, one function per figure.

Each takes the step table (and its rolling :func:`gait.feedback.metrics_table`) and
returns a ``go.Figure``; none reads files or knows about HTML.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from gait.contract.metric_defs import METRICS, label_with_unit
from gait.feedback.cues import CueEvent

#: Colours used across figures (left, right, cadence, target band).
LEFT, RIGHT, CADENCE, BAND = "#e6772e", "#7a5cd6", "#1f77b4", "rgba(44,160,44,0.18)"
#: Garmin GCT-balance bands, % left (Garmin owner's manuals, "Running dynamics"): green
#: within, orange beyond.
BALANCE_GREEN = (49.3, 50.7)
BALANCE_ORANGE = (47.8, 52.2)


def _layout(fig: go.Figure, title: str, y: str, x: str = "time (s)") -> go.Figure:
    fig.update_layout(
        title={"text": title},
        template="plotly_white",
        height=360,
        margin={"l": 60, "r": 20, "t": 50, "b": 45},
        legend={"orientation": "h", "y": -0.2},
        xaxis_title=x,
        yaxis_title=y,
    )
    return fig


def cadence_figure(
    steps: pd.DataFrame, rolling: pd.DataFrame, band: tuple[float, float] | None
) -> go.Figure:
    """Cadence over time: per-step values, the rolling mean and the target band.

    Parameters
    ----------
    steps : DataFrame
        Step table (``t_ic`` s, ``cadence`` steps/min).
    rolling : DataFrame
        :func:`gait.feedback.metrics_table` of the same steps.
    band : tuple of float or None
        Target cadence band (steps/min); None draws none.
    """
    fig = go.Figure()
    if band is not None and all(math.isfinite(b) for b in band):
        fig.add_hrect(y0=band[0], y1=band[1], fillcolor=BAND, line_width=0, layer="below")
        # An invisible trace so the band has a legend entry.
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=f"target {band[0]:.0f}–{band[1]:.0f}",
                marker={"color": "rgba(44,160,44,0.5)", "size": 12, "symbol": "square"},
            )
        )
    fig.add_trace(
        go.Scatter(
            x=steps["t_ic"],
            y=steps["cadence"],
            mode="markers",
            name="per step",
            marker={"size": 3, "color": "rgba(31,119,180,0.35)"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=rolling["t"],
            y=rolling["cadence"],
            mode="lines",
            name="rolling (20 steps)",
            line={"color": CADENCE, "width": 2.5},
        )
    )
    return _layout(fig, "Cadence over time", label_with_unit("cadence"))


def contact_figure(steps: pd.DataFrame, rolling: pd.DataFrame) -> go.Figure:
    """Ground contact time per side: per-step points and rolling means (display unit of ``gct``)."""
    scale = METRICS["gct"].scale
    fig = go.Figure()
    for side, colour, col in (("left", LEFT, "gct_left"), ("right", RIGHT, "gct_right")):
        s = steps[steps["side"] == side]
        fig.add_trace(
            go.Scatter(
                x=s["t_ic"],
                y=s["gct"] * scale,
                mode="markers",
                name=f"{side} per step",
                marker={"size": 3, "color": colour, "opacity": 0.35},
            )
        )
        fig.add_trace(
            go.Scatter(
                x=rolling["t"],
                y=rolling[col] * scale,
                mode="lines",
                name=f"{side} rolling",
                line={"color": colour, "width": 2.5},
            )
        )
    return _layout(
        fig,
        f"{METRICS['gct'].label[:1].upper()}{METRICS['gct'].label[1:]} per side",
        label_with_unit("gct"),
    )


def balance_figure(rolling: pd.DataFrame) -> go.Figure:
    """GCT balance (% left) over time with Garmin's green and orange bands."""
    fig = go.Figure()
    fig.add_hrect(
        y0=BALANCE_ORANGE[0], y1=BALANCE_ORANGE[1], fillcolor="rgba(255,165,0,0.12)", line_width=0
    )
    fig.add_hrect(y0=BALANCE_GREEN[0], y1=BALANCE_GREEN[1], fillcolor=BAND, line_width=0)
    fig.add_hline(y=50, line_dash="dot", line_color="grey")
    fig.add_trace(
        go.Scatter(
            x=rolling["t"],
            y=rolling["gct_balance"],
            mode="lines",
            name=f"{METRICS['gct_balance'].label} (20 steps)",
            line={"color": "#333", "width": 2.5},
        )
    )
    vals = rolling["gct_balance"].to_numpy(dtype=np.float64)
    span = np.nanmax(np.abs(vals - 50)) if np.isfinite(vals).any() else 3.0
    half = max(3.0, float(span) + 0.5)
    fig.update_yaxes(range=[50 - half, 50 + half])
    u = METRICS["gct_balance"].display_unit
    return _layout(
        fig,
        f"{METRICS['gct_balance'].label} over time "
        f"(green {BALANCE_GREEN[0]}–{BALANCE_GREEN[1]} {u}, "
        f"orange to {BALANCE_ORANGE[1]} {u})",
        label_with_unit("gct_balance"),
    )


def strike_figure(steps: pd.DataFrame) -> go.Figure | None:
    """Foot strike pattern distribution per side; None when strike is not measured."""
    if "strike" not in steps.columns or steps["strike"].isna().all():
        return None
    fig = go.Figure()
    order = ["rear", "mid", "fore"]
    for side, colour in (("left", LEFT), ("right", RIGHT)):
        s = steps.loc[steps["side"] == side, "strike"]
        counts = s.value_counts().reindex(order, fill_value=0)
        total = max(int(counts.sum()), 1)
        fig.add_trace(
            go.Bar(
                x=order,
                y=METRICS["rear_share"].scale * counts / total,
                name=side,
                marker_color=colour,
                text=[f"{c}" for c in counts],
                textposition="outside",
            )
        )
    fig.update_layout(barmode="group")
    return _layout(
        fig, "Foot strike pattern", f"steps ({METRICS['rear_share'].display_unit})", x="strike"
    )


def drift_figure(drift: pd.DataFrame) -> go.Figure:
    """Change from the first to the last third of the run, % per metric."""
    fig = go.Figure(
        go.Bar(
            x=drift["metric"],
            y=drift["change_pct"],
            marker_color="#5b7d9a",  # neutral: whether a change is good depends on the metric
            text=[f"{v:+.1f}%" for v in drift["change_pct"]],
            textposition="outside",
            # a list of rows keeps numbers numbers beside the unit text (np.c_ would make all text)
            customdata=[
                [float(f), float(la), str(u)]
                for f, la, u in zip(
                    drift["first"], drift["last"], drift.get("unit", [""] * len(drift)), strict=True
                )
            ],
            hovertemplate=(
                "%{x}: %{customdata[0]:.3g} → %{customdata[1]:.3g} %{customdata[2]} "
                "(%{y:+.1f}%)<extra></extra>"
            ),
        )
    )
    return _layout(fig, "Drift: last third vs first third of the run", "change (%)", x="metric")


def cue_timeline_figure(cues: Sequence[CueEvent], t_end: float) -> go.Figure:
    """Cue timeline: bars while each drill check was warning, markers at each change."""
    fig = go.Figure()
    rows = sorted({f"{c.drill}: {c.metric}" for c in cues})
    open_at: dict[str, CueEvent] = {}
    spans: list[tuple[str, float, float, str]] = []
    for c in sorted(cues, key=lambda e: e.t):
        key = f"{c.drill}: {c.metric}"
        if key in open_at:
            spans.append((key, open_at.pop(key).t, c.t, ""))
        if c.level == "warn":
            open_at[key] = c
    spans += [(k, e.t, t_end, "") for k, e in open_at.items()]
    for key, t0, t1, _ in spans:
        fig.add_trace(
            go.Scatter(
                x=[t0, t1],
                y=[key, key],
                mode="lines",
                showlegend=False,
                line={"color": "rgba(255,140,0,0.55)", "width": 14},
                hoverinfo="skip",
            )
        )
    for level, colour, symbol in (
        ("warn", "#ff8c00", "triangle-down"),
        ("ok", "#2ca02c", "circle"),
    ):
        ev = [c for c in cues if c.level == level]
        if ev:
            fig.add_trace(
                go.Scatter(
                    x=[c.t for c in ev],
                    y=[f"{c.drill}: {c.metric}" for c in ev],
                    mode="markers",
                    name="cue" if level == "warn" else "back on target",
                    marker={"color": colour, "size": 12, "symbol": symbol},
                    text=[c.text for c in ev],
                    hovertemplate="%{x:.0f} s: %{text}<extra></extra>",
                )
            )
    fig.update_yaxes(categoryorder="array", categoryarray=rows)
    fig = _layout(fig, "Cue timeline (orange: cue in force)", "drill check")
    fig.update_layout(height=max(220, 90 + 45 * len(rows)))
    fig.update_xaxes(range=[0, max(t_end, 1.0)])
    return fig

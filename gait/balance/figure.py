"""The balance figure: sway paths with 95 % ellipses per leg, over a time plot of the trials.

Per leg the AP-vs-ML sway path with its 95 % ellipse, side by side, and below a time plot
of the trials with touch-down markers. Reused by reports and the live page (it only needs
the trials' :class:`~gait.balance.series.TrialSeries`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from gait.balance.series import TrialSeries
from gait.balance.sway import ellipse

#: Samples per second kept in the figure (keeps HTML small; sway is below 5 Hz).
PLOT_RATE = 25.0
COLORS = {"open": "#1f77b4", "closed": "#d62728", None: "#7f7f7f"}


def _decimate(t: np.ndarray, *ys: np.ndarray) -> list[np.ndarray]:
    if t.size < 2:
        return [t, *ys]
    step = max(1, round(1.0 / (np.median(np.diff(t)) * PLOT_RATE)))
    return [t[::step]] + [y[::step] for y in ys]


def ellipse_xy(ml: np.ndarray, ap: np.ndarray, n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Outline of the 95 % prediction ellipse of an ML/AP scatter.

    Parameters
    ----------
    ml, ap : ndarray
        Mean-removed series (m/s²).
    n : int
        Points on the outline.

    Returns
    -------
    (ndarray, ndarray)
        ML and AP coordinates, m/s².
    """
    e = ellipse(ap, ml)
    s = np.linspace(0, 2 * np.pi, n)
    ca, sa = np.cos(e["angle"]), np.sin(e["angle"])
    x = e["a"] * np.cos(s) * ca - e["b"] * np.sin(s) * sa + e["c_ml"]
    y = e["a"] * np.cos(s) * sa + e["b"] * np.sin(s) * ca + e["c_ap"]
    return x, y


def balance_figure(series: Sequence[TrialSeries]) -> go.Figure:
    """Build the figure of a balance session from its trials.

    Parameters
    ----------
    series : sequence of TrialSeries
        The trials' signals (:attr:`gait.balance.result.BalanceResult.series`).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    fig = make_subplots(
        rows=2,
        cols=2,
        row_heights=[0.6, 0.4],
        vertical_spacing=0.12,
        specs=[[{}, {}], [{"colspan": 2}, None]],
        subplot_titles=(
            "Left leg: sway path (95% ellipse)",
            "Right leg: sway path (95% ellipse)",
            "Trials over time (AP and ML, m/s²) with touch-downs",
        ),
    )
    lim = 0.0
    lim_t = 0.0  # time-plot range from the stance sway, so a hop's landing spike does not squash it
    for ser in series:
        if ser.kind != "stance":
            continue
        col = 1 if ser.leg == "left" else 2
        w = (ser.t >= ser.window[0]) & (ser.t <= ser.window[1])
        ap, ml = ser.ap[w] - ser.ap[w].mean(), ser.ml[w] - ser.ml[w].mean()
        _tt, ap_d, ml_d = _decimate(ser.t[w], ap, ml)
        color = COLORS.get(ser.eyes, "#7f7f7f")
        name = f"{ser.leg or '?'} eyes {ser.eyes or '?'} (trial {ser.trial})"
        fig.add_trace(
            go.Scatter(
                x=ml_d,
                y=ap_d,
                mode="lines",
                line={"width": 1, "color": color},
                opacity=0.55,
                name=name,
                legendgroup=name,
            ),
            row=1,
            col=col,
        )
        ex, ey = ellipse_xy(ml, ap)
        fig.add_trace(
            go.Scatter(
                x=ex,
                y=ey,
                mode="lines",
                line={"width": 2.5, "color": color},
                name=f"{name} ellipse",
                legendgroup=name,
                showlegend=False,
            ),
            row=1,
            col=col,
        )
        lim = max(lim, float(np.max(np.abs(np.concatenate([ex, ey])))))
        t_d, ap_all, ml_all = _decimate(ser.t, ser.ap - ser.ap.mean(), ser.ml - ser.ml.mean())
        lim_t = max(lim_t, float(np.percentile(np.abs(np.concatenate([ap_all, ml_all])), 99.5)))
        fig.add_trace(
            go.Scatter(
                x=t_d,
                y=ap_all,
                mode="lines",
                line={"width": 1, "color": color},
                name=f"{name} AP",
                legendgroup=name,
                showlegend=False,
            ),
            row=2,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=t_d,
                y=ml_all,
                mode="lines",
                line={"width": 1, "color": color, "dash": "dot"},
                name=f"{name} ML",
                legendgroup=name,
                showlegend=False,
            ),
            row=2,
            col=1,
        )
        if ser.touchdowns.size:
            fig.add_trace(
                go.Scatter(
                    x=ser.touchdowns,
                    y=np.zeros(ser.touchdowns.size),
                    mode="markers",
                    marker={"symbol": "x", "size": 12, "color": "black"},
                    name="touch-down",
                    legendgroup="td",
                    showlegend=False,
                    hovertemplate="touch-down %{x:.2f} s<extra></extra>",
                ),
                row=2,
                col=1,
            )
    for ser in series:
        if ser.kind == "hop":
            t_d, m_d = _decimate(ser.t, ser.ap)
            fig.add_trace(
                go.Scatter(
                    x=t_d,
                    y=m_d,
                    mode="lines",
                    line={"color": "#2ca02c"},
                    name=f"{ser.leg or '?'} hop: moving RMS (TTS {ser.tts:.2f} s)",
                ),
                row=2,
                col=1,
            )
            fig.add_trace(
                go.Scatter(
                    x=[ser.window[0] + ser.tts],
                    y=[2 * ser.baseline],
                    mode="markers",
                    marker={"symbol": "diamond", "size": 10, "color": "#2ca02c"},
                    showlegend=False,
                    name="stable",
                ),
                row=2,
                col=1,
            )
    # A legend entry for touch-downs even when a trial had none shown first.
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker={"symbol": "x", "color": "black"},
            name="touch-down",
            legendgroup="td",
        ),
        row=2,
        col=1,
    )
    lim = lim * 1.1 if lim > 0 else 1.0
    for col in (1, 2):
        fig.update_xaxes(title_text="ML (m/s²)", range=[-lim, lim], row=1, col=col)
        fig.update_yaxes(
            title_text="AP (m/s²)", range=[-lim, lim], scaleanchor=f"x{col}", row=1, col=col
        )
    fig.update_xaxes(title_text="time (s)", row=2, col=1)
    if lim_t > 0:
        fig.update_yaxes(range=[-1.5 * lim_t, 2.5 * lim_t], title_text="m/s²", row=2, col=1)
    # The verdict is page text next to the figure: as a figure title a long one is clipped.
    fig.update_layout(
        title={
            "text": "Single-leg balance: sway per leg and trials over time",
            "font": {"size": 14},
        },
        height=800,
        autosize=True,
        margin={"l": 60, "r": 20, "t": 70, "b": 60},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.08},
    )
    return fig

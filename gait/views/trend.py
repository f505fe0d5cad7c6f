"""Trend figures over weeks for ``gait history --trend``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go


@dataclass(frozen=True)
class TargetBand:
    """A shaded band on a trend plot (e.g. a drill's target), labelled as guidance."""

    label: str
    low: float
    high: float


def trend_figure(
    trend: pd.DataFrame, metric: str, bands: Sequence[TargetBand] = (), title: str | None = None
) -> go.Figure:
    """Plot one metric per session over time, with optional target bands.

    Parameters
    ----------
    trend : DataFrame
        Columns ``started_at`` (datetime), ``value`` and optionally ``athlete`` and ``series``
        (one line each, e.g. ``left leg, eyes open`` for balance trends).
    metric : str
        Axis title: the metric's label and display unit
        (``gait.contract.metric_defs.summary_label``, e.g. ``"cadence (spm)"``), or a raw key the
        metric table does not define.
    bands : sequence of TargetBand
        Shaded horizontal bands drawn behind the data.
    title : str, optional
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    fig = go.Figure()
    for band in bands:
        fig.add_hrect(
            y0=band.low,
            y1=band.high,
            fillcolor="seagreen",
            opacity=0.15,
            line_width=0,
            annotation_text=band.label,
            annotation_position="top left",
        )
    keys = [k for k in ("athlete", "series") if k in trend]
    groups = trend.groupby(keys) if keys else [((), trend)]
    for name, df in groups:
        label = " · ".join(str(n) for n in (name if isinstance(name, tuple) else (name,)) if str(n))
        fig.add_trace(
            go.Scatter(
                x=df["started_at"], y=df["value"], mode="lines+markers", name=label or metric
            )
        )
    weekly = trend.set_index("started_at")["value"].resample("W-MON", label="left").mean().dropna()
    # a weekly mean over legs and eyes conditions would mix different things: none then
    if len(weekly) > 1 and "series" not in trend:
        fig.add_trace(
            go.Scatter(
                x=weekly.index,
                y=weekly.to_numpy(),
                mode="lines",
                name="weekly mean",
                line={"dash": "dot", "color": "grey"},
            )
        )
    fig.update_layout(
        title=title or f"{metric} over time",
        xaxis_title="date",
        yaxis_title=metric,
        template="plotly_white",
        legend={"orientation": "h"},
    )
    return fig


def volume_figure(volume: pd.DataFrame) -> go.Figure:
    """Weekly running volume bars; weeks growing > 10 % are coloured and labelled (guidance).

    Parameters
    ----------
    volume : DataFrame
        Output of :meth:`gait.apps.history.store.History.weekly_volume`.
    """
    colors = ["darkorange" if f else "steelblue" for f in volume["flag"]]
    fig = go.Figure(go.Bar(x=volume["week"], y=volume["duration_min"], marker_color=colors))
    fig.update_layout(
        title=(
            "Weekly running time (orange: > 10 % more than the week before; guidance, not a rule)"
        ),
        xaxis_title="week",
        yaxis_title="minutes",
        template="plotly_white",
    )
    return fig

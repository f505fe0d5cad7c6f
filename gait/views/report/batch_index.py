"""The batch ``index.html``: per file a headline and out-of-band flags, trend charts, links.

Offline like the reports: the charts use the batch's shared ``plotly.min.js`` (copied from the
plotly package next to the index), never a CDN.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from gait.contract.metric_defs import METRICS, fmt, with_unit
from gait.util.jsonsafe import finite_float

#: Contact-time balance band, % left: Garmin's green zone (within 49.3–50.7 %), the one
#: the symmetry drill uses (Garmin Forerunner/Enduro owner's manuals, "Running dynamics").
GCT_BALANCE_BAND = (49.3, 50.7)

#: (``summary.csv`` column, metric of :data:`gait.contract.metric_defs.METRICS`) of the trend charts
#: and the headline; the column holds the summary's value (``summary_key``).
_TREND_METRICS: tuple[tuple[str, str], ...] = (
    ("cadence_spm", "cadence"),
    ("gct_ms", "gct"),
    ("gct_balance_pct", "gct_balance"),
)
#: (column, label, unit, decimals, factor from the column's unit to the display unit) of the
#: trend charts and the headline, all from the metric table.
TREND_COLUMNS: tuple[tuple[str, str, str, int, float], ...] = tuple(
    (
        col,
        METRICS[name].label,
        METRICS[name].display_unit,
        METRICS[name].decimals,
        METRICS[name].scale / METRICS[name].summary_scale,
    )
    for col, name in _TREND_METRICS
)

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;\
max-width:1150px;padding:1rem 1.5rem;color:#222}
h2{margin-top:2rem;border-bottom:1px solid #ddd}table{border-collapse:collapse;font-size:.9rem}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}\
th{background:#f0f2f5}
td.n{text-align:right;white-space:nowrap}\
.flag{display:inline-block;background:#fff3cd;border-radius:.3rem;padding:.05rem .4rem;\
margin:.1rem}
.wrap{overflow-x:auto;max-width:100%}\
.trends{display:grid;grid-template-columns:repeat(auto-fill,minmax(350px,1fr));gap:.5rem}
.trends .fig{width:350px;max-width:100%;overflow:hidden}
td.head{overflow-wrap:anywhere}.check{color:#8a5a00;font-size:.85rem;margin-top:.15rem}
"""


def _read_summary(out: Path, folder: str) -> Mapping[str, Any]:
    try:
        data = json.loads((out / folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def row_flags(row: Mapping[Any, Any], summary: Mapping[str, Any] | None = None) -> list[str]:
    """Out-of-band and quality flags of one analysed file.

    Parameters
    ----------
    row : mapping
        A ``summary.csv`` row (:meth:`gait.apps.outcome.SessionOutcome.headline`).
    summary : mapping, optional
        The file's ``summary.json``; its ``flags`` are added.

    Returns
    -------
    list of str
        Contact-time balance outside :data:`GCT_BALANCE_BAND`, then the analysis flags.
    """
    flags = []
    bal = finite_float(row.get("gct_balance_pct"))
    lo, hi = GCT_BALANCE_BAND
    if bal is not None and not lo <= bal <= hi:
        side = "left" if bal > hi else "right"
        d = METRICS["gct_balance"]  # summary, stored and display units are all % left
        flags.append(
            f"{d.label} {fmt('gct_balance', bal)}: {side} foot on the ground longer "
            f"(band {with_unit('gct_balance', f'{lo}–{hi}')})"
        )
    for f in (summary or {}).get("flags") or []:
        if str(f) not in flags:
            flags.append(str(f))
    return flags


def row_checks(summary: Mapping[str, Any] | None) -> list[str]:
    """The file's input-check findings, short.

    Each is shortened by :func:`gait.analysis.quality.plausibility.finding_short`.

    Parameters
    ----------
    summary : mapping or None
        The file's ``summary.json``.

    Returns
    -------
    list of str
        One line per finding, e.g. ``"foot: side unknown (give --side left or --side right)"``.
    """
    from gait.analysis.quality.plausibility import finding_short

    checks = (summary or {}).get("input_checks") or []
    return [finding_short(c) for c in checks if isinstance(c, Mapping)]


def row_headline(row: Mapping[Any, Any]) -> str:
    """One line saying what a file holds and its key numbers.

    Parameters
    ----------
    row : mapping
        A ``summary.csv`` row.

    Returns
    -------
    str
        E.g. ``"run, 12.0 min, 1990 steps, cadence 166 spm, ground contact time 251 ms, GCT
        balance 50.2 % L"`` (labels, units and decimals of :mod:`gait.contract.metric_defs`);
        for a balance session its verdict.
    """
    act = str(row.get("activity") or "unknown")
    verdict = row.get("verdict")
    if act == "balance" or (isinstance(verdict, str) and verdict):
        return f"balance: {verdict}" if isinstance(verdict, str) and verdict else "balance session"
    parts = [act]
    dur = finite_float(row.get("duration_s"))
    if dur is not None:
        parts.append(f"{dur / 60:.1f} min")
    steps = finite_float(row.get("steps"))
    if steps is not None:
        parts.append(f"{round(steps):d} steps")
    for col, label, unit, dec, factor in TREND_COLUMNS:
        v = finite_float(row.get(col))
        if v is not None:
            parts.append(f"{label} {v * factor:.{dec}f} {unit}")
    return ", ".join(parts)


def trend_figures(summary: pd.DataFrame) -> list[go.Figure]:
    """Small charts of the main gait metrics across the batch's files (in table order).

    Parameters
    ----------
    summary : DataFrame
        ``summary.csv`` rows.

    Returns
    -------
    list of Figure
        One per metric of :data:`TREND_COLUMNS` measured in at least two files, one line
        per activity (run, walk ...), files in table order.
    """
    figs = []
    names = [Path(str(p)).name for p in summary.get("path", pd.Series(dtype=str))]
    acts = [str(a) for a in summary.get("activity", pd.Series([""] * len(summary)))]
    for col, label, unit, _, factor in TREND_COLUMNS:
        if col not in summary.columns:
            continue
        y = [None if (x := finite_float(v)) is None else x * factor for v in summary[col]]
        keep = [(n, v, a) for n, v, a in zip(names, y, acts, strict=True) if v is not None]
        if len(keep) < 2:
            continue
        fig = go.Figure()
        # One line per activity: a walk's cadence is not a point on a run's trend.
        for act in sorted({a for *_, a in keep}):
            pts = [(n, v) for n, v, a in keep if a == act]
            fig.add_trace(
                go.Scatter(
                    x=[n for n, _ in pts],
                    y=[v for _, v in pts],
                    mode="lines+markers",
                    name=act,
                    hovertemplate=f"%{{x}}: %{{y:.1f}} {unit}<extra>{act}</extra>",
                )
            )
        if col == "gct_balance_pct":
            fig.add_hrect(
                y0=GCT_BALANCE_BAND[0],
                y1=GCT_BALANCE_BAND[1],
                fillcolor="#2ca02c",
                opacity=0.12,
                line_width=0,
            )
        # A fixed small size: the charts sit in a grid and must not overflow their cell.
        fig.update_layout(
            title={"text": f"{label} ({unit})", "font": {"size": 13}},
            height=260,
            width=350,
            margin={"l": 50, "r": 10, "t": 40, "b": 60},
            template="plotly_white",
            showlegend=len(fig.data) > 1,
            legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
        )
        fig.update_xaxes(type="category", tickangle=-30, automargin=True)
        figs.append(fig)
    return figs


def index_html(
    out: Path, summary: pd.DataFrame, errors: pd.DataFrame, skipped: pd.DataFrame
) -> str:
    """The batch index page.

    Parameters
    ----------
    out : Path
        Batch output folder (reads each file's ``summary.json`` for its flags).
    summary, errors, skipped : DataFrame
        ``summary.csv``, ``errors.csv`` and ``skipped.csv``.

    Returns
    -------
    str
        HTML; scripts load only ``plotly.min.js`` next to it.
    """
    rows = []
    for r in summary.to_dict(orient="records"):
        folder = str(r.get("folder") or "")
        name = Path(str(r["path"])).name
        link = f"files/{Path(folder).name}/report.html"
        file_summary = _read_summary(out, folder) if folder else {}
        flags = row_flags(r, file_summary)
        flag_html = "".join(f'<span class="flag">{html.escape(f)}</span>' for f in flags) or "none"
        checks = "".join(
            f'<div class="check">input check: {html.escape(c)}</div>'
            for c in row_checks(file_summary)
        )
        rows.append(
            f"<tr><td><a href='{html.escape(link)}'>{html.escape(name)}</a></td>"
            f"<td class='head'>{html.escape(row_headline(r))}{checks}</td><td>{flag_html}</td></tr>"
        )
    figs = "".join(
        '<div class="fig">'
        + pio.to_html(
            f,
            full_html=False,
            include_plotlyjs=False,
            div_id=f"trend-{i}",
            config={"displaylogo": False},
        )
        + "</div>"
        for i, f in enumerate(trend_figures(summary))
    )
    parts = [
        f"<h1>Batch results</h1><p>{len(summary)} analysed, {len(errors)} failed, "
        f"{len(skipped)} skipped.</p>"
    ]
    if figs:
        parts.append(f'<h2>Trends across files</h2><div class="trends" id="trends">{figs}</div>')
    if rows:
        parts.append(
            '<h2>Files</h2><div class="wrap"><table id="files"><tr><th>file (report)</th>'
            "<th>headline</th>"
            f"<th>out of band / flags</th></tr>{''.join(rows)}</table></div>"
        )
    if len(errors):
        err = "".join(
            f"<tr><td>{html.escape(str(e['path']))}</td><td>{html.escape(str(e['error_type']))}</td>"
            f"<td>{html.escape(str(e['error']))}</td></tr>"
            for e in errors.to_dict(orient="records")
        )
        parts.append(
            '<h2>Errors</h2><div class="wrap"><table id="errors"><tr><th>file</th><th>type</th>'
            f"<th>message</th></tr>{err}</table></div>"
        )
    if len(skipped):
        sk = "".join(
            f"<tr><td>{html.escape(str(k['path']))}</td><td>{html.escape(str(k['reason']))}</td></tr>"
            for k in skipped.to_dict(orient="records")
        )
        parts.append(
            '<h2>Skipped (not files)</h2><div class="wrap"><table id="skipped"><tr><th>path</th>'
            f"<th>reason</th></tr>{sk}</table></div>"
        )
    script = '<script src="plotly.min.js"></script>' if figs else ""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Batch results</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_CSS}</style>{script}"
        f"</head><body>{''.join(parts)}</body></html>"
    )

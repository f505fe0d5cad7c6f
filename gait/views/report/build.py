"""Assemble the session report: one self-contained, offline HTML file."""

from __future__ import annotations

import html
import math
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from gait.contract.metric_defs import KMH_PER_MPS, METRICS, fmt, label_with_unit, with_unit
from gait.contract.result import GaitResult
from gait.contract.summary_types import RunSummary
from gait.feedback.cues import CueEvent, replay_cues
from gait.feedback.drills import load_drills
from gait.feedback.metrics import metrics_table, window_metrics
from gait.util.jsonsafe import finite_float
from gait.views.report import figures as F
from gait.views.report.tables import INTERVAL_COLUMNS, drift_table, interval_table

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;\
max-width:1150px;padding:1rem 1.5rem;color:#222}
h1{margin:.2rem 0}.sub{color:#666}\
h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.6rem;\
margin:1rem 0}
.card{background:#f5f7fa;border-radius:.5rem;padding:.6rem .8rem}\
.card .k{color:#666;font-size:.85rem}
.card .v{font-size:1.6rem;font-weight:700}\
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}th{background:#f0f2f5}\
td.l,th.l{text-align:left}
.note{color:#666;font-size:.9rem}\
.flag{display:inline-block;background:#fff3cd;border-radius:.3rem;padding:.1rem .4rem;margin:.1rem}
.fig{margin:.5rem 0 1rem}.wrap{overflow-x:auto;max-width:100%}
.fix{background:#fff8e6;border-left:4px solid #e0a100;border-radius:.4rem;padding:.6rem 1rem;\
margin:1rem 0}
.fix h2{margin:.2rem 0 .4rem;border:0}.fix ol{margin:.2rem 0;padding-left:1.4rem}\
.fix li{margin:.35rem 0}
.fix .drill{color:#444;font-size:.92rem}
.checks{background:#fdecea;border-left:4px solid #c62828;border-radius:.4rem;padding:.6rem 1rem;\
margin:1rem 0}
.checks h2{margin:.2rem 0 .4rem;border:0}\
.verdict{font-size:1.05rem;overflow-wrap:anywhere;max-width:100%}
"""


def _label_unit(metric: str) -> tuple[str, str]:
    """Label and display unit of a drill metric (the metric table; the name when unknown)."""
    d = METRICS.get(metric)
    return (d.label, d.display_unit) if d is not None else (metric, "")


#: A drill check counts as a finding when its metric was in band less than this share of the
#: time, %.
FIX_BELOW_PCT = 80.0


#: Balance trial columns shown in the report (the CSV keeps them all): column, header with
#: unit, format. Only columns present and measured in some trial are shown.
#: Metric columns take their header, unit and decimals from
#: :data:`gait.contract.metric_defs.METRICS`.
TRIAL_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("trial", "trial", "d"),
    ("kind", "test", "s"),
    ("leg", "leg", "s"),
    ("eyes", "eyes", "s"),
    ("duration", "length (s)", ".0f"),
    *(
        (m, label_with_unit(m), "d" if METRICS[m].decimals == 0 else f".{METRICS[m].decimals}f")
        for m in (
            "rms",
            "jerk",
            "ellipse_area",
            "mean_velocity",
            "f50",
            "n_touchdowns",
            "time_to_failure",
        )
    ),
    ("completed", "held to the end", "b"),
    (
        "stabilization_time",
        label_with_unit("stabilization_time"),
        f".{METRICS['stabilization_time'].decimals}f",
    ),
    ("flag", "note", "s"),
)


def _cue(c: CueEvent | Mapping[str, Any]) -> CueEvent:
    if isinstance(c, CueEvent):
        return c
    return CueEvent(
        t=float(c["t"]),
        drill=str(c["drill"]),
        metric=str(c["metric"]),
        state=str(c["state"]),
        text=str(c.get("text", "")),
        level=str(c.get("level", "warn")),
        value=float(c.get("value", np.nan)),
    )


def default_cadence_band(
    rolling: pd.DataFrame, baseline_s: float = 60.0
) -> tuple[float, float] | None:
    """Target cadence band of the default cadence drill, from the run's own baseline.

    Parameters
    ----------
    rolling : DataFrame
        :func:`gait.feedback.metrics_table` output (``t`` s, ``cadence`` steps/min).
    baseline_s : float
        The baseline is the median rolling cadence over the first ``baseline_s`` seconds
        of the run (the first third when the run is shorter than three times that).

    Returns
    -------
    tuple of float or None
        ``(low, high)`` steps/min, or None without any cadence.
    """
    cad = rolling["cadence"].to_numpy(dtype=np.float64)
    t = rolling["t"].to_numpy(dtype=np.float64)
    ok = np.isfinite(cad) & np.isfinite(t)
    if not ok.any():
        return None
    t0, t1 = t[ok][0], t[ok][-1]
    span = min(baseline_s, (t1 - t0) / 3.0) if t1 > t0 else 0.0
    base = float(np.median(cad[ok & (t <= t0 + span)]))
    band = load_drills()["cadence"].checks[0].band(base)
    return None if band is None else (float(band[0]), float(band[1]))


def _fig_html(fig: go.Figure, div_id: str) -> str:
    body = pio.to_html(
        fig,
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )
    return f'<div class="fig">{body}</div>'


def _plotly_tag(plotly_js: str, out: Path) -> str:
    from gait.views.live_page import plotly_js_path

    src = plotly_js_path()
    if plotly_js == "inline":
        code = src.read_text(encoding="utf-8")
        # A literal closing tag inside the script would end it early.
        return "<script>" + code.replace("</script", "<\\/script") + "</script>"
    if plotly_js.startswith("shared:"):
        rel = plotly_js.removeprefix("shared:")
        if not rel or Path(rel).is_absolute():
            raise ValueError(
                f"plotly_js 'shared:<relative path>' needs a relative path, got {plotly_js!r}"
            )
        target = out.parent / rel
        if not target.is_file() or target.stat().st_size != src.stat().st_size:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
        return f'<script src="{html.escape(Path(rel).as_posix())}"></script>'
    raise ValueError(f"plotly_js must be 'inline' or 'shared:<relative path>', got {plotly_js!r}")


#: Names of the left/right comparisons in the report's "not shown" list.
_SYM_LABELS = {
    "gct": "contact time",
    "gct_balance": "contact-time balance",
    "flight": "flight time",
    "double_support": "double support",
    "step_time": "step time",
    "duty_factor": "duty factor",
    "foot_strike_angle": "foot strike angle",
    "braking": "braking",
    "impact": "impact",
}


def _cards(items: Sequence[tuple[str, str]]) -> str:
    cells = "".join(
        f'<div class="card"><div class="k">{html.escape(k)}</div>'
        f'<div class="v">{html.escape(v)}</div></div>'
        for k, v in items
    )
    return f'<div class="cards">{cells}</div>'


def _fmt(v: Any, scale: float = 1.0, digits: int = 1) -> str:
    f = finite_float(v)
    return "—" if f is None else f"{f * scale:.{digits}f}"


def _interval_html(tab: pd.DataFrame) -> str:
    cols = [c for c in INTERVAL_COLUMNS if c[0] in tab.columns and tab[c[0]].notna().any()]
    head = (
        "<tr><th>interval</th><th>steps</th>"
        + "".join(f"<th>{html.escape(lbl)}</th>" for _, lbl, _, _ in cols)
        + "</tr>"
    )
    body = []
    for rd in tab.to_dict("records"):
        cells = "".join(f"<td>{_fmt(rd[c], s, d)}</td>" for c, _, s, d in cols)
        body.append(
            f"<tr><td class='l'>{rd['start_s'] / 60:.0f}–{rd['end_s'] / 60:.0f} min</td>"
            f"<td>{rd['steps']}</td>{cells}</tr>"
        )
    return f'<table id="intervals">{head}{"".join(body)}</table>'


def _cue_list(cues: Sequence[CueEvent]) -> str:
    if not cues:
        return (
            '<p class="note">No cues were given: every drill check stayed in its band '
            "(or had no baseline yet).</p>"
        )
    rows = "".join(
        f"<tr><td>{c.t:.0f} s</td><td class='l'>{html.escape(c.drill)}</td>"
        f"<td class='l'>{html.escape(c.level)}</td>"
        f"<td class='l'>{html.escape(c.text)}</td></tr>"
        for c in cues
    )
    return (
        '<table id="cues"><tr><th>time</th><th class="l">drill</th><th class="l">level</th>'
        f'<th class="l">cue</th></tr>{rows}</table>'
    )


def _drill_html(drills: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for d in drills:
        for c in d.get("checks", []):
            band = c.get("band") or [None, None]
            pct = finite_float(c.get("time_in_band_pct"))
            m = str(c["metric"])
            nd = METRICS[m].decimals + 1 if m in METRICS else 2  # one digit finer than a value
            scale = c.get("scale", 1.0)
            rows.append(
                f"<tr><td class='l'>{html.escape(str(d.get('title', d.get('name'))))}</td>"
                f"<td class='l'>{html.escape(label_with_unit(m) if m in METRICS else m)}</td>"
                f"<td>{_fmt(band[0], scale, nd)} – {_fmt(band[1], scale, nd)}</td>"
                f"<td>{'—' if pct is None else f'{pct:.0f}%'}</td></tr>"
            )
    if not rows:
        return ""
    return (
        '<table id="drills"><tr><th class="l">drill</th><th class="l">metric</th>'
        "<th>target band</th>"
        f"<th>time in band</th></tr>{''.join(rows)}</table>"
    )


def _cell(v: Any, fmt: str) -> str:
    if fmt == "b":
        return (
            "—"
            if v is None or (isinstance(v, float) and not math.isfinite(v))
            else ("yes" if bool(v) else "no")
        )
    if fmt == "s":
        return (
            ""
            if v is None or (isinstance(v, float) and not math.isfinite(v))
            else html.escape(str(v))
        )
    f = finite_float(v)
    if f is None:
        return "—"
    return f"{round(f):d}" if fmt == "d" else format(f, fmt)


def trial_table_html(trials: pd.DataFrame) -> str:
    """The balance trials as an HTML table with human headers and units.

    Parameters
    ----------
    trials : DataFrame
        :attr:`gait.balance.BalanceResult.trials`.

    Returns
    -------
    str
        ``<table id="trials">`` with the :data:`TRIAL_COLUMNS` present and measured.
    """
    cols = [
        (c, h, f)
        for c, h, f in TRIAL_COLUMNS
        if c in trials.columns and any(_cell(v, f) not in ("", "—") for v in trials[c])
    ]
    head = "".join(
        f"<th{' class=l' if f in 'sb' else ''}>{html.escape(h)}</th>" for _, h, f in cols
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=l' if f in 'sb' else ''}>{_cell(r[c], f)}</td>" for c, _, f in cols)
        + "</tr>"
        for r in trials.to_dict("records")
    )
    return f'<table id="trials" class="trials"><tr>{head}</tr>{body}</table>'


def _balance_html(balance: Any, start_id: int) -> list[str]:
    parts: list[str] = []
    verdict = getattr(balance, "verdict", None)
    if verdict:
        # The verdict leads, as page text that wraps (a figure title is clipped at the
        # figure's edge).
        parts.append(
            f'<p class="verdict" id="verdict"><b>Verdict:</b> {html.escape(str(verdict))}</p>'
        )
    figs = balance.figure() if hasattr(balance, "figure") else []
    if isinstance(figs, go.Figure):
        figs = [figs]
    for i, fig in enumerate(figs):
        parts.append(_fig_html(fig, f"fig-balance-{start_id + i}"))
    trials = getattr(balance, "trials", None)
    if isinstance(trials, pd.DataFrame) and not trials.empty:
        parts.append(f'<div class="wrap">{trial_table_html(trials)}</div>')
    return parts


def fix_findings(
    drills: Sequence[Mapping[str, Any]], limit: int = 3, *, relative: bool = True
) -> list[dict[str, Any]]:
    """The drill checks most often out of band: what to fix first.

    Parameters
    ----------
    drills : sequence of dict
        Drill state (:meth:`gait.feedback.CueEngine.state`).
    limit : int
        Most findings returned.
    relative : bool
        Include checks whose target is relative to the run's own baseline (cadence +5–10 %).
        Such a target is a drill to practise, not a fault, so it counts only when the runner
        did the drill (a live session's drill state), not in a replay of an ordinary run.

    Returns
    -------
    list of dict
        ``drill`` (name), ``title``, ``metric``, ``pct`` (time in band, %), ``value`` (last
        rolling value) and ``band`` (``(low, high)``, None for an open side; display units)
        for each check in band less than :data:`FIX_BELOW_PCT` % of its measured time, least
        time in band first.
    """
    found: list[dict[str, Any]] = []
    known = load_drills()
    for d in drills:
        spec = known.get(str(d.get("name", "")))
        rel = {c.metric for c in spec.checks if c.relative} if spec is not None else set()
        for c in d.get("checks", []):
            pct = finite_float(c.get("time_in_band_pct"))
            if pct is None or pct >= FIX_BELOW_PCT or (not relative and c["metric"] in rel):
                continue
            scale = float(c.get("scale", 1.0) or 1.0)
            band = c.get("band") or [None, None]
            lo, hi = (finite_float(band[0]), finite_float(band[1]))
            found.append(
                {
                    "drill": str(d.get("name", "")),
                    "title": str(d.get("title", d.get("name", ""))),
                    "metric": str(c["metric"]),
                    "pct": pct,
                    "value": None
                    if finite_float(c.get("value")) is None
                    else float(c["value"]) * scale,
                    "band": (
                        None if lo is None else lo * scale,
                        None if hi is None else hi * scale,
                    ),
                }
            )
    found.sort(key=lambda f: f["pct"])
    return found[:limit]


def _fix_html(findings: Sequence[Mapping[str, Any]], source: str) -> str:
    if not findings:
        items = (
            "<p>Nothing to fix: every drill check was in its target band at least "
            f"{FIX_BELOW_PCT:.0f}% of the time.</p>"
        )
    else:
        drills = load_drills()
        lis = []
        for f in findings:
            label, unit = _label_unit(f["metric"])
            u = f" {unit}" if unit else ""
            lo, hi = f["band"]
            band = (
                ""
                if lo is None and hi is None
                else f"; target ≤ {hi:.3g}{u}"
                if lo is None
                else f"; target ≥ {lo:.3g}{u}"
                if hi is None
                else f"; target {lo:.3g}–{hi:.3g}{u}"
            )
            last = "" if f["value"] is None else f", {f['value']:.3g}{u} at the end"
            d = drills.get(f["drill"])
            how = html.escape(d.description) if d is not None and d.description else ""
            lis.append(
                f"<li><b>{html.escape(label[:1].upper() + label[1:])}</b>: in its target band "
                f"{f['pct']:.0f}% of the time{html.escape(band + last)}."
                f'<div class="drill">Drill: <b>{html.escape(f["title"])}</b>. {how}</div></li>'
            )
        items = f"<ol>{''.join(lis)}</ol>"
    return (
        f'<section class="fix" id="fix"><h2>What to fix first</h2>{items}'
        f'<p class="note">{html.escape(source)}</p></section>'
    )


def input_checks_html(summary: Mapping[str, Any]) -> str:
    """The "Input checks" block: each plausibility finding, the metrics it affects, what to do.

    Parameters
    ----------
    summary : mapping
        The gait summary (``input_checks``, ``units_inferred``).

    Returns
    -------
    str
        HTML ``<section id="input-checks">``; empty when nothing was found or inferred.
    """
    from gait.analysis.quality.plausibility import finding_action, metric_labels

    checks = [c for c in summary.get("input_checks") or [] if isinstance(c, Mapping)]
    units = summary.get("units_inferred") or {}
    if not checks and not units:
        return ""
    rows = []
    for c in checks:
        affects = ", ".join(metric_labels(list(c.get("metrics") or []))) or "—"
        rows.append(
            f"<tr><td class='l'>{html.escape(str(c.get('message', '')))}</td>"
            f"<td class='l'>{html.escape(affects)}</td>"
            f"<td class='l'>{html.escape(finding_action(c) or 'see the finding')}</td></tr>"
        )
    table = (
        (
            "<div class='wrap'><table><tr><th class='l'>found</th><th class='l'>affects</th>"
            f"<th class='l'>what to do</th></tr>{''.join(rows)}</table></div>"
        )
        if rows
        else ""
    )
    info = "".join(
        f"<p class='note'>{html.escape(str(name))}: "
        f"{html.escape(str(what).replace(',', ', '))} inferred "
        "from the signal (gravity, angular rate); give the option to set it.</p>"
        for name, what in (units.items() if isinstance(units, Mapping) else ())
    )
    lead = (
        (
            "<p>The input does not fit what the numbers below assume; the metrics named are "
            "wrong or not reported until the input is fixed.</p>"
        )
        if rows
        else ""
    )
    return (
        '<section class="checks" id="input-checks"><h2>Input checks</h2>'
        f"{lead}{table}{info}</section>"
    )


def report_title(
    result: GaitResult | None, balance: Any = None, source: str | Path | None = None
) -> str:
    """Page title: the activity and the recording's file name.

    Parameters
    ----------
    result : GaitResult or None
        Gait analysis; its summary's ``activity`` names the session (run, walk ...).
    balance : BalanceResult, optional
        Present for a balance session.
    source : str or Path, optional
        The recording's file; only its name is shown.

    Returns
    -------
    str
        E.g. ``"Walk session: park.csv"``; ``"Balance session"`` without a file.
    """
    if result is None or (balance is not None and result.steps.empty):
        what = "Balance"
    else:
        act = str(result.summary.get("activity") or "").strip()
        what = {"run": "Run", "walk": "Walk", "balance": "Balance"}.get(
            act, act.capitalize() if act and act != "unknown" else "Gait"
        )
    name = Path(str(source)).name if source else ""
    return f"{what} session: {name}" if name else f"{what} session"


def build_report(
    result: GaitResult | None,
    *,
    cues: Sequence[CueEvent | Mapping[str, Any]] | None = None,
    balance: Any = None,
    path: str | Path,
    plotly_js: str = "inline",
    cadence_band: tuple[float, float] | None = None,
    drills: Sequence[Mapping[str, Any]] | None = None,
    title: str | None = None,
    interval_s: float = 60.0,
    source: str | Path | None = None,
) -> Path:
    """Write the session report as one offline HTML file.

    Parameters
    ----------
    result : GaitResult or None
        The gait analysis (None for a balance-only session).
    cues : sequence of CueEvent (or their dicts), optional
        Cue events for the cue timeline (live session, or :func:`gait.feedback.replay_cues`).
    balance : BalanceResult, optional
        Adds its figures (``figure()``), trial table and verdict.
    path : str or Path
        Output HTML file.
    plotly_js : str
        ``"inline"`` embeds plotly.js (self-contained, about 5 MB); ``"shared:<relative
        path>"`` references one shared copy, written next to the report when missing.
    cadence_band : (float, float), optional
        Target cadence band, steps/min; default: the default cadence drill's band
        (+5–10%) around this run's own baseline (:func:`default_cadence_band`).
    drills : sequence of dict, optional
        Drill state (:meth:`gait.feedback.CueEngine.state`) for the time-in-band table.
    title : str, optional
        Report title; default :func:`report_title` (activity and file name).
    interval_s : float
        Length of the per-interval table's rows, s.
    source : str or Path, optional
        The recording's file, named in the default title.

    Returns
    -------
    Path
        The written file.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    script = _plotly_tag(plotly_js, out)
    cue_list = sorted((_cue(c) for c in (cues or [])), key=lambda e: e.t)
    steps = result.steps if result is not None else pd.DataFrame()
    page = _Page()
    if result is not None and not steps.empty and {"t_ic", "side", "gct"} <= set(steps.columns):
        _gait_sections(
            page,
            result,
            steps.sort_values("t_ic", kind="stable").reset_index(drop=True),
            _GaitOptions(cues is not None, cue_list, cadence_band, drills, interval_s),
        )
    elif result is not None:
        page.sections.append('<p class="note">No step table for this session (summary only).</p>')
    if balance is not None:
        page.sections.append("<h2>Single-leg balance</h2>")
        page.sections += _balance_html(balance, page.n_fig + 1)
    if result is not None:
        page.sections += _flags_html(result)
    checks = input_checks_html(result.summary) if result is not None else ""
    heading = title or report_title(result, balance, source)
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    doc = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(heading)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_CSS}</style>{script}</head>"
        f'<body><h1>{html.escape(heading)}</h1><div class="sub">report written {made}; '
        "works offline</div>"
        f"{checks}{page.fix}{_cards(page.headline) if page.headline else ''}"
        f"{''.join(page.sections)}</body></html>"
    )
    out.write_text(doc, encoding="utf-8")
    return out


@dataclass
class _Page:
    """What the report's steps add to the page: headline cards, fix list, sections."""

    headline: list[tuple[str, str]] = field(default_factory=list)
    fix: str = ""
    sections: list[str] = field(default_factory=list)
    n_fig: int = 0

    def figure(self, fig: go.Figure) -> None:
        """Add ``fig`` as the next numbered figure."""
        self.n_fig += 1
        self.sections.append(_fig_html(fig, f"fig-{self.n_fig}"))


@dataclass(frozen=True)
class _GaitOptions:
    """The gait sections' inputs besides the result (see :func:`build_report`)."""

    has_cue_log: bool
    cues: list[CueEvent]
    cadence_band: tuple[float, float] | None
    drills: Sequence[Mapping[str, Any]] | None
    interval_s: float


_Figure = tuple[str, "go.Figure | None", str]


def _gait_sections(page: _Page, result: GaitResult, steps: pd.DataFrame, opt: _GaitOptions) -> None:
    """Headline, fix list and the gait sections of a session with a step table."""
    summary = result.summary
    rolling = metrics_table(steps)
    whole = window_metrics(steps, window=len(steps), min_steps=2)
    t_end = float(steps["t_ic"].max())
    band = opt.cadence_band if opt.cadence_band is not None else default_cadence_band(rolling)
    # left/right comparisons the sensors cannot support are not shown; the report says why
    sym_status: dict[str, str] = dict(summary.get("symmetry_status") or {})
    no_balance = sym_status.get("gct_balance")
    page.headline = _headline(steps, whole, summary, no_balance, t_end)
    figs = _gait_figures(steps, rolling, band, opt.cadence_band is not None)
    _note_left_out(figs, page.headline, summary.get("contact_time_left_out"))
    if no_balance is not None:
        _note_no_balance(figs, no_balance)
    page.fix = _fix_section(steps, opt.drills, no_balance)
    drift = drift_table(steps)
    if not drift.empty:
        figs.append(
            (
                "Drift",
                F.drift_figure(drift),
                "Positive: the metric grew towards the end of the run.",
            )
        )
    for name, fig, note in figs:
        _figure_section(page, name, fig, note)
    _cue_sections(page, opt, t_end)
    page.sections += _not_shown_html(sym_status)
    page.sections.append(f"<h2>Per interval ({opt.interval_s:.0f} s)</h2>")
    page.sections.append(_interval_html(interval_table(steps, opt.interval_s)))


def _headline(
    steps: pd.DataFrame,
    whole: Mapping[str, Any],
    summary: RunSummary,
    no_balance: str | None,
    t_end: float,
) -> list[tuple[str, str]]:
    """The headline cards: duration, steps, cadence, contact time, balance, strike, speed.

    Then overstriding; labels, units, scales and decimals: the metric table.
    """
    headline = [
        ("duration", f"{t_end / 60:.1f} min"),
        ("steps", str(len(steps))),
        (METRICS["cadence"].label, fmt("cadence", whole["cadence"], missing="—")),
        (
            f"{METRICS['gct'].label} L / R",
            f"{fmt('gct_left', whole['gct_left'], unit=False, missing='—')} / "
            f"{fmt('gct_right', whole['gct_right'], missing='—')}",
        ),
        (METRICS["gct_balance"].label, fmt("gct_balance", whole["gct_balance"], missing="—")),
    ]
    if no_balance is not None:
        headline[-1] = ("contact-time balance", "not shown (sensors not comparable)")
    if whole.get("strike"):
        headline.append(
            (
                "strike",
                f"{whole['strike']} ({fmt('rear_share', whole['rear_share'], missing='—')} "
                f"{METRICS['rear_share'].label})",
            )
        )
    if whole.get("speed") is not None:
        headline.append(
            (
                METRICS["speed"].label,
                f"{fmt('speed', whole['speed'])} ({whole['speed'] * KMH_PER_MPS:.1f} km/h)",
            )
        )
    over = (summary.get("overstride") or {}).get("overstriding") or {}
    if over.get("flag") is not None:  # absolute check, no baseline (gait.analysis.overstride)
        why = ", ".join(
            f"{METRICS[r['metric']].label} {fmt(r['metric'], r['value'])} > "
            f"{fmt(r['metric'], r['threshold'])}"
            for r in over.get("reasons", [])
        )
        headline.append(("overstriding", f"yes: {why}" if over["flag"] else "not seen"))
    return headline


def _gait_figures(
    steps: pd.DataFrame,
    rolling: pd.DataFrame,
    band: tuple[float, float] | None,
    band_given: bool,
) -> list[_Figure]:
    """(title, figure or None, note) of the cadence, contact, balance and strike sections."""
    cadence_note = (
        ""
        if band_given or band is None
        else f"Target band {with_unit('cadence', f'{band[0]:.0f}–{band[1]:.0f}')}: +5–10% "
        "over this run's first-minute cadence."
    )
    return [
        ("Cadence", F.cadence_figure(steps, rolling, band), cadence_note),
        ("Contact time per side", F.contact_figure(steps, rolling), ""),
        (
            "Contact-time balance",
            F.balance_figure(rolling),
            "Left foot's share of the total ground contact time (50% = even). Form feedback, "
            "not injury prediction: asymmetry did not raise injury risk in 836 recreational "
            "runners (Malisoux et al. 2024, BMJ Open Sport Exerc Med 10:e001787).",
        ),
        ("Foot strike pattern", F.strike_figure(steps), ""),
    ]


def _note_left_out(
    figs: list[_Figure],
    headline: list[tuple[str, str]],
    left_out: Mapping[str, Any] | None,
) -> None:
    """Say why contact times are missing: the detector could not time them."""
    if not left_out:
        return
    why = (
        f"contact time left out on {left_out.get('steps')} of {left_out.get('of')} steps: "
        f"{left_out.get('reason')}."
    )
    title, fig, _ = figs[1]
    figs[1] = (title, fig, ("Not shown: " + why) if fig is None else why[:1].upper() + why[1:])
    if headline[3][1].count("—") == 2:  # both sides empty
        headline[3] = (
            headline[3][0],
            f"left out on {left_out.get('steps')} of {left_out.get('of')} steps",
        )
    if headline[4][1] == "—":  # a balance of contact times that were left out
        headline[4] = (headline[4][0], "— (no contact times)")


def _note_no_balance(figs: list[_Figure], why: str) -> None:
    """The balance figure is withheld (sensors not comparable); the contact figure says so."""
    figs[2] = ("Contact-time balance", None, "Not shown: " + why + ".")
    figs[1] = (
        figs[1][0],
        figs[1][1],
        "The two sides were measured by sensors that are not comparable "
        "(see the contact-time balance below): compare each side with itself over time, "
        "not with the other side.",
    )


def _fix_section(
    steps: pd.DataFrame, drills: Sequence[Mapping[str, Any]] | None, no_balance: str | None
) -> str:
    """The "what to fix" list from the drill checks (replayed when no drill state is given)."""
    state = (
        list(drills) if drills else replay_cues(steps, load_drills(), baseline_s=60.0)[1].state()
    )
    findings = fix_findings(state, relative=bool(drills))
    if no_balance is not None:
        findings = [f for f in findings if f["metric"] != "gct_balance"]
    return _fix_html(
        findings,
        "From the drill checks over the whole run"
        + ("." if drills else " (replayed: what the cues would have said)."),
    )


def _figure_section(page: _Page, name: str, fig: go.Figure | None, note: str) -> None:
    """A titled section with its note and figure (or why there is none)."""
    page.sections.append(f"<h2>{html.escape(name)}</h2>")
    if note:
        page.sections.append(f'<p class="note">{html.escape(note)}</p>')
    if fig is None and not note.startswith("Not shown: "):
        page.sections.append('<p class="note">Not measured from this sensor placement.</p>')
    elif fig is not None:  # else the note above says why
        page.figure(fig)


def _cue_sections(page: _Page, opt: _GaitOptions, t_end: float) -> None:
    """The drills' time in band, the cue timeline and the cue list."""
    page.sections.append("<h2>Cues</h2>")
    if opt.drills:
        page.sections.append(_drill_html(opt.drills))
    if not opt.has_cue_log:
        page.sections.append('<p class="note">No cue log for this session.</p>')
        return
    if opt.cues:
        page.figure(F.cue_timeline_figure(opt.cues, t_end))
    page.sections.append(_cue_list(opt.cues))


def _not_shown_html(sym_status: Mapping[str, str]) -> list[str]:
    """The left/right comparisons not shown, grouped by reason."""
    if not sym_status:
        return []
    by_reason: dict[str, list[str]] = {}
    for m, why in sym_status.items():
        by_reason.setdefault(why, []).append(_SYM_LABELS.get(m, m))
    items = "".join(
        f"<li><b>{html.escape(', '.join(ms))}</b>: {html.escape(why)}.</li>"
        for why, ms in by_reason.items()
    )
    return [f"<h2>Left/right comparisons not shown</h2><ul>{items}</ul>"]


def _flags_html(result: GaitResult) -> list[str]:
    """The quality flags of the result and its summary."""
    flags = list(result.flags) + [
        str(f) for f in result.summary.get("flags", []) if f not in result.flags
    ]
    if not flags:
        return []
    spans = "".join(f'<span class="flag">{html.escape(f)}</span>' for f in flags)
    return [f"<h2>Quality flags</h2>{spans}"]

"""``BalanceResult``: the per-trial table, the session comparison, the verdict and outputs."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gait.balance.bands import GUIDANCE
from gait.balance.series import TrialSeries
from gait.contract.metric_defs import METRICS, fmt
from gait.util.jsonsafe import to_jsonable

if TYPE_CHECKING:
    import plotly.graph_objects as go


@dataclass
class BalanceResult:
    """Result of :func:`gait.balance.analyze_balance`.

    Parameters
    ----------
    trials : DataFrame
        One row per trial: labels, span, the sway metrics (m/s² based and ``lean_*`` in
        degrees), touch-downs, time to failure, BESS errors, hop stabilization and a ``flag``
        ("" when fine).
    session : dict
        Left/right symmetry, Romberg ratios, bands (population guidance) and context.
    verdict : str
        A short plain-language summary.
    flags : list of str
        Warnings about the analysis (inferred labels, nominal heading, dropped trials).
    series : list of TrialSeries
        Signals for :meth:`figure`.
    duration : float
        Recording length, s.
    """

    trials: pd.DataFrame
    session: dict[str, Any]
    verdict: str
    flags: list[str] = field(default_factory=list)
    series: list[TrialSeries] = field(default_factory=list)
    duration: float = 0.0

    # ------------------------------------------------------------------ text
    def render_text(self) -> str:
        """Per-leg table, comparisons with bands and the verdict, for the terminal.

        Returns
        -------
        str
        """
        lines = [
            f"Single-leg balance ({self.session.get('stream', '?')} sensor, "
            f"{len(self.trials)} trials)",
            "",
        ]
        lines += self._table_lines()
        lines.append("")
        lines += self._comparison_lines()
        lines.append(f"Bands are {GUIDANCE}.")
        for fl in self.flags:
            lines.append(f"note: {fl}")
        lines += ["", f"Verdict: {self.verdict}"]
        return "\n".join(lines)

    def _table_lines(self) -> list[str]:
        """Header and one line per trial, left leg first, then right, then unlabelled."""
        hdr = f"{'trial':<22}" + "".join(f"{h:>{w}}" for _, h, w in _TEXT_COLUMNS) + "  note"
        lines = [
            hdr,
            f"{'':<22}" + "".join(f"{METRICS[c].display_unit:>{w}}" for c, _, w in _TEXT_COLUMNS),
            "-" * len(hdr),
        ]
        for leg in ("left", "right", None):
            sub = (
                self.trials[self.trials["leg"].isna()]
                if leg is None
                else self.trials[self.trials["leg"] == leg]
            )
            lines += [_trial_line(leg, d) for d in sub.to_dict("records")]
        return lines

    def _comparison_lines(self) -> list[str]:
        """Symmetry, Romberg ratios, hop stabilization and short times to failure, with bands."""
        lines: list[str] = []
        for eyes, mets in self.session.get("symmetry", {}).items():
            s = mets["rms"]
            lines.append(
                f"Symmetry, eyes {eyes}: RMS SI {s['si_pct']:+.0f}% (+ = right sways more) "
                f"→ {s['band']['zone']}; ellipse SI {mets['ellipse_area']['si_pct']:+.0f}%"
            )
        for leg, r in self.session.get("romberg", {}).items():
            lines.append(
                f"Romberg (eyes closed / open), {leg}: RMS {r['rms']:.2f}×, "
                f"ellipse {r['ellipse_area']:.2f}× ({r['band']['zone']})"
            )
        hop = self.session.get("hop", {})
        for leg in ("left", "right"):
            if leg in hop:
                stable = fmt("stabilization_time", hop[leg]["value"])
                lines.append(f"Hop landing, {leg}: stable after {stable} → {hop[leg]['zone']}")
        ttf = self.session.get("time_to_failure", {})
        short = {k: v for k, v in ttf.items() if v["zone"] and "below" in v["zone"]}
        for k, v in short.items():
            lines.append(
                f"{METRICS['time_to_failure'].label.capitalize()} {k.replace('_', ' eyes ')}: "
                f"{fmt('time_to_failure', v['value'])} → {v['zone']}"
            )
        if short:
            lines.append(f"  ({next(iter(short.values()))['note']})")
        return lines

    # ------------------------------------------------------------------ data
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: session, verdict, flags and the trial table (NaN → null).

        Returns
        -------
        dict
        """
        doc = {
            "verdict": self.verdict,
            "session": self.session,
            "flags": self.flags,
            "trials": self.trials.to_dict("records"),
        }
        return dict(to_jsonable(doc))

    def write_outputs(
        self,
        table_csv: str | Path | None = None,
        summary_json: str | Path | None = None,
        figure: str | Path | None = None,
    ) -> list[Path]:
        """Write the trial table (CSV), the summary (JSON) and the figure (HTML, plotly.js inline).

        Parameters
        ----------
        table_csv, summary_json, figure : path, optional
            Where to write each output; None skips it. A figure path ending in ``.json``
            writes the plotly JSON instead of HTML.

        Returns
        -------
        list of Path
            The files written.
        """
        out: list[Path] = []
        if table_csv is not None:
            p = Path(table_csv)
            p.parent.mkdir(parents=True, exist_ok=True)
            self.trials.to_csv(p, index=False)
            out.append(p)
        if summary_json is not None:
            p = Path(summary_json)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
            out.append(p)
        if figure is not None:
            p = Path(figure)
            p.parent.mkdir(parents=True, exist_ok=True)
            fig = self.figure()
            if p.suffix.lower() == ".json":
                p.write_text(fig.to_json() or "", encoding="utf-8")
            else:
                # plotly.js is embedded from the installed plotly package: works offline, no CDN.
                fig.write_html(p, include_plotlyjs=True, full_html=True)
            out.append(p)
        return out

    def figure(self) -> go.Figure:
        """Sway paths with 95 % ellipses per leg, side by side, over a time plot with touch-downs.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        from gait.balance.figure import balance_figure  # plotly loads only for a figure

        return balance_figure(self.series)


#: Columns of the terminal table: (column, short header, width); units and decimals from
#: gait.contract.metric_defs.
_TEXT_COLUMNS = (
    ("rms_ap", "RMS AP", 8),
    ("rms_ml", "RMS ML", 8),
    ("ellipse_area", "ellipse", 9),
    ("jerk", "jerk", 8),
    ("f50", "F50", 6),
    ("lean_rms_ml", "lean ML", 8),
    ("time_to_failure", "TTF", 7),
    ("n_touchdowns", "touch", 6),
)


def _number(v: Any, spec: str) -> str:
    """``v`` formatted with ``spec``, or a dash when it is missing or not finite."""
    return format(v, spec) if isinstance(v, int | float) and math.isfinite(v) else "–"


def _cell(d: Mapping[Any, Any], col: str, width: int) -> str:
    """One metric of a trial row in display units, ``width`` wide."""
    v = d.get(col)
    v = v * METRICS[col].scale if isinstance(v, int | float) and not isinstance(v, bool) else v
    return _number(v, f"{width}.{METRICS[col].decimals}f")


def _trial_line(leg: str | None, d: Mapping[Any, Any]) -> str:
    """One trial of the terminal table: a hop shows its stabilization time as the note."""
    if d["kind"] == "hop":
        name = f"{leg or '?'} hop"
        note = d["flag"] or f"stable after {fmt('stabilization_time', d.get('stabilization_time'))}"
        blank = "".join(" " * w for _, _, w in _TEXT_COLUMNS)
        return f"{name:<22}{blank}  {note}"
    famil = " (famil.)" if d["familiarisation"] else ""
    name = f"{leg or '?'} eyes {d['eyes'] or '?'}" + famil
    cells = "".join(_cell(d, c, w).rjust(w) for c, _, w in _TEXT_COLUMNS)
    return f"{name:<22}{cells}  {d['flag']}"

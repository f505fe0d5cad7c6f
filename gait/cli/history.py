"""``gait history``: list past sessions, draw trends over weeks, export."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gait.contract.metric_defs import for_summary_key, summary_label

if TYPE_CHECKING:
    import pandas as pd

    from gait.apps.history.store import History
    from gait.views.trend import TargetBand


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``history`` verb."""
    p = sub.add_parser(
        "history",
        help="list saved sessions, plot trends over weeks, export",
        description=(
            "Sessions saved by 'gait analyze', 'gait live', 'gait balance' and 'gait batch' "
            "(unless --no-save). The database stays on this machine."
        ),
    )
    p.add_argument("--db", type=Path, help="history database (default: user data dir or $GAIT_DB)")
    p.add_argument("--athlete", help="only this athlete's sessions")
    p.add_argument(
        "--trend",
        metavar="METRIC",
        help="plot METRIC over time, e.g. cadence_spm, gct_balance_pct, gct_ms.mean, sway_area "
        "(balance metrics per leg and eyes condition)",
    )
    p.add_argument(
        "--activity",
        choices=["run", "walk", "balance"],
        help="only sessions of this activity for --trend (default: the metric's activity: "
        "run for gait metrics, balance for balance metrics)",
    )
    p.add_argument(
        "--volume", action="store_true", help="weekly running volume with the 10%% rule flag"
    )
    p.add_argument(
        "--out", type=Path, help="HTML file for --trend/--volume (default: in the current folder)"
    )
    p.add_argument(
        "--export", type=Path, metavar="CSV", help="write the session list (or trend) as CSV"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``gait history``."""
    from gait.apps.history.store import History

    with History(args.db) as h:
        if args.trend:
            return _trend(h, args)
        if args.volume:
            return _volume(h, args)
        df = h.sessions(args.athlete)
    if args.export:
        df.to_csv(args.export, index=False)
        print(f"wrote {len(df)} sessions to {args.export}")
    if args.json:
        print(df.to_json(orient="records", date_format="iso"))
        return 0
    if df.empty:
        print("no sessions saved yet (analyze a file with 'gait analyze FILE' to start)")
        return 0
    _print_table(_display(df), "Sessions")
    return 0


def _display(df: pd.DataFrame) -> pd.DataFrame:
    """A compact, readable view of the session list for the terminal."""
    out = df.copy()
    out["started_at"] = out["started_at"].dt.strftime("%Y-%m-%d %H:%M")
    out["minutes"] = (out.pop("duration_s") / 60.0).round(1)
    out["source"] = out["source"].map(lambda p: Path(str(p)).name)
    if out["distance_m"].isna().all():
        out = out.drop(columns=["distance_m"])
    out = out.drop(columns=["kind"])
    # headline metrics: labels and display units from the metric table
    keys = {
        "cadence_spm": "cadence_spm",
        "gct_ms": "gct_ms.mean",
        "gct_balance_pct": "gct_balance_pct",
    }
    for col, key in keys.items():
        if col in out:
            out[col] = display_values(key, out[col])
    return out.rename(
        columns={"started_at": "date", **{col: summary_label(key) for col, key in keys.items()}}
    )


def display_values(key: str, values: pd.Series) -> pd.Series:
    """Saved values of summary key ``key`` in the metric table's display unit.

    Parameters
    ----------
    key : str
        Flattened summary key (``gct_ms.mean``, ``duty_factor``, ``conditions.left_open.rms``).
    values : Series
        Values as saved (the summary's unit).

    Returns
    -------
    Series
        Scaled by :attr:`MetricDef.scale` / :attr:`MetricDef.summary_scale`; unchanged for a
        key the table does not define.
    """
    import pandas as pd

    d = for_summary_key(key)
    if d is None:
        return values
    return pd.to_numeric(values, errors="coerce") * (d.scale / d.summary_scale)


def _bands(metric: str, values: list[float]) -> list[TargetBand]:
    """Target bands of the drills (gait/feedback/drills.toml) that train ``metric``.

    ``values`` are in the metric table's display unit. Relative targets (cadence +5–10 %)
    are placed on the median of the first three sessions in ``values``, the runner's own
    early baseline: pass the values of one activity only. Absolute targets are in the
    stored unit and shown on the display scale.
    """
    from gait.feedback.drills import load_drills
    from gait.views.trend import TargetBand

    d = for_summary_key(metric)
    if d is None or d.kind != "gait" or not values:
        return []
    want = d.name
    early = sorted(values[:3])
    base = early[len(early) // 2]
    out = []
    for drill in load_drills().values():
        for check in drill.checks:
            if check.metric != want:
                continue
            lo, hi = (
                (check.low * base, check.high * base)
                if check.relative
                else (check.low * d.scale, check.high * d.scale)
            )
            if lo == lo and hi == hi:  # both bounds set
                out.append(TargetBand(f"{drill.title} drill target (guidance)", lo, hi))
    return out


def _trend(h: History, args: argparse.Namespace) -> int:
    from gait.apps.history.store import HistoryError
    from gait.contract.summary_types import upgrade_metric_name
    from gait.views.trend import trend_figure

    # a name of the first summary layout (stride_length, drift.cadence.change) still works
    args.trend = upgrade_metric_name(args.trend) or args.trend

    activity = args.activity or h.default_activity(args.trend)
    if activity is None and args.trend != "sway_area":
        # not a session-level metric: maybe a per-condition balance one (rms, ellipse_area ...)
        activity = "balance"
    df = None
    if activity == "balance" and "." not in args.trend:
        try:
            df = h.balance_trend(args.trend, args.athlete)
        except HistoryError:
            df = None  # not a per-condition metric: one value per session below
    if df is None:
        df = h.trend(args.trend, args.athlete, activity=activity or "balance")
    label = summary_label(args.trend)  # "cadence (spm)": the table's label and display unit
    shown = df.assign(value=display_values(args.trend, df["value"]))
    bands = [] if "series" in df else _bands(args.trend, shown["value"].tolist())
    fig = trend_figure(shown, label, bands, title=f"{label} over time ({activity} sessions)")
    out = args.out or Path(f"trend-{args.trend}.html")
    fig.write_html(out, include_plotlyjs=True)
    if args.export:
        df.to_csv(args.export, index=False)
    if args.json:
        print(df.to_json(orient="records", date_format="iso"))
    else:
        _print_table(shown.rename(columns={"value": label}), f"Trend of {label}")
        print(f"trend plot: {out}")
    return 0


def _volume(h: History, args: argparse.Namespace) -> int:
    from gait.views.trend import volume_figure

    vol = h.weekly_volume(args.athlete)
    if args.json:
        print(json.dumps(json.loads(vol.to_json(orient="records", date_format="iso"))))
        return 0
    if vol.empty:
        print("no running sessions saved yet")
        return 0
    out = args.out or Path("weekly-volume.html")
    volume_figure(vol).write_html(out, include_plotlyjs=True)
    _print_table(vol, "Weekly running volume (flag: > 10% growth; guidance, not a rule)")
    print(f"volume plot: {out}")
    return 0


def _print_table(df: pd.DataFrame, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from gait.util.safe_text import markup_safe

    table = Table(title=markup_safe(title))
    for c in df.columns:
        table.add_column(markup_safe(c))
    for row in df.itertuples(index=False):
        table.add_row(*[_fmt(v) for v in row])
    Console(file=sys.stdout, width=None if sys.stdout.isatty() else 140, highlight=False).print(
        table
    )


def _fmt(v: object) -> str:
    """A cell as inert text: saved metadata ('[/oops]', escape sequences) prints literally."""
    from gait.util.safe_text import markup_safe

    if isinstance(v, float):
        return "" if v != v else f"{v:.4g}"
    return markup_safe(v)

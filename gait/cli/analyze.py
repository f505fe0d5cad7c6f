"""``gait analyze``: steps, cadence, contact time, overstriding and asymmetry of recordings."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from gait.cli.options import add_history_options, add_reader_options

if TYPE_CHECKING:
    from gait.contract.recording import Recording
    from gait.contract.summary_types import AnalyzeOutput, RunSummary, WatchRow


def register(subparsers: Any) -> None:
    """Add the ``analyze`` verb to ``subparsers``."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "analyze",
        help="detect steps and summarise a run or walk (or a balance session)",
        description=(
            "Detect every step in one or more recordings and report cadence, ground contact "
            "time, GCT balance, symmetry, drift and overstriding indicators."
        ),
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="recording file(s)")
    add_reader_options(p)
    p.add_argument(
        "--activity",
        choices=["auto", "run", "walk", "balance"],
        default="auto",
        help="force the activity (default: detect per bout; 'balance' runs the balance analysis)",
    )
    p.add_argument(
        "--window-steps", type=int, default=20, metavar="N", help="steps per summary window"
    )
    p.add_argument("--steps-csv", metavar="OUT.csv", help="write the step table (one row per step)")
    p.add_argument("--summary-json", metavar="OUT.json", help="write the session summary")
    p.add_argument(
        "--figure",
        metavar="OUT.html",
        help="balance sessions: write the sway figure (for a run or walk use 'gait report FILE')",
    )
    p.add_argument(
        "--json", action="store_true", help="print the summary as JSON instead of a table"
    )
    p.add_argument(
        "--compare-fit",
        metavar="WATCH.fit",
        help="compare with a Garmin FIT file of the same run (the watch's running dynamics)",
    )
    add_history_options(p)
    p.set_defaults(func=run)


def _out_path(base: str | None, index: int, total: int) -> Path | None:
    """Output path for file ``index`` of ``total`` (suffix ``-N`` when several inputs)."""
    if base is None:
        return None
    p = Path(base)
    return p if total == 1 else p.with_name(f"{p.stem}-{index + 1}{p.suffix}")


def _recordings(args: argparse.Namespace) -> Iterator[tuple[int, str, Recording]]:
    """Every input as ``(index, name, recording)``, one at a time (so memory holds one).

    All inputs are checked first (a bad file fails before any work is done). A ``.gaitrec``
    is opened in place, its samples read chunk by chunk during the analysis (see
    :mod:`gait.io.canonical_stream`); other formats are read whole.
    """
    from gait.cli.options import read_options
    from gait.io import read
    from gait.io.canonical_reader import sniff

    opts = read_options(args)
    names = [str(f) for f in args.files]
    in_place = []
    for name in names:
        p = Path(name)
        in_place.append(
            args.format in (None, "gaitrec") and p.is_file() and p.stat().st_size > 0 and sniff(p)
        )
    # read the others up front, as every verb does (the same file may be named twice)
    eager = {
        i: read(n, opts)
        for i, (n, lazy) in enumerate(zip(names, in_place, strict=True))
        if not lazy
    }
    for i, (name, lazy) in enumerate(zip(names, in_place, strict=True)):
        if lazy:
            from gait.io.canonical_stream import open_recording

            yield i, name, open_recording(name, reference=False)
        else:
            yield i, name, eager.pop(i)


def run(args: argparse.Namespace) -> int:
    """Analyse every file; returns 0 when all succeeded."""
    from gait.apps.outcome import SessionOutcome
    from gait.cli.options import save_to_history, units_inferred, warn_input_checks
    from gait.contract.errors import AnalysisError

    if args.window_steps < 1:
        raise AnalysisError("--window-steps must be at least 1")
    total = len(args.files)
    all_json: list[AnalyzeOutput] = []
    for i, name, rec in _recordings(args):
        steps_csv = _out_path(args.steps_csv, i, total)
        summary_json = _out_path(args.summary_json, i, total)
        if args.activity == "balance" or (
            args.activity == "auto" and rec.meta.activity == "balance"
        ):
            bal = _run_balance(rec, steps_csv, summary_json, _out_path(args.figure, i, total))
            save_to_history(args, SessionOutcome(rec, balance=bal), name)
            warn_input_checks(name, {"units_inferred": units_inferred(rec)})
            continue
        from gait.analysis.pipeline import analyze

        res = analyze(
            rec,
            activity=None if args.activity == "auto" else args.activity,
            window_steps=args.window_steps,
        )
        save_to_history(args, SessionOutcome(rec, gait=res), name)
        warn_input_checks(name, res.summary)
        if args.figure:
            import sys

            print(
                f"{name}: --figure draws balance sessions only; for this "
                f"{res.summary.get('activity', 'gait')} "
                "session use 'gait report FILE' (cadence, contact time, strike figures)",
                file=sys.stderr,
            )
        summary: AnalyzeOutput = {**res.summary, "file": name}
        if args.compare_fit:
            summary["watch_comparison"] = _compare_fit(args.compare_fit, res.summary)
        if steps_csv is not None:
            steps_csv.parent.mkdir(parents=True, exist_ok=True)
            from gait.util.table_csv import write_csv

            write_csv(res.steps, steps_csv, decimals=4)
        if summary_json is not None:
            summary_json.parent.mkdir(parents=True, exist_ok=True)
            summary_json.write_text(json.dumps(summary, indent=2))
        if args.json:
            all_json.append(summary)
        else:
            _print_summary(name, summary)
            if args.compare_fit:
                _print_comparison(summary["watch_comparison"])
    if args.json:
        print(json.dumps(all_json[0] if len(all_json) == 1 else all_json, indent=2))
    return 0


def _compare_fit(path: str, ours: RunSummary) -> list[WatchRow]:
    """Rows of ours-versus-watch for the same run (see :mod:`gait.apps.watch`)."""
    from gait.apps.watch import compare, watch_summary
    from gait.contract.errors import InputFileError
    from gait.io import read

    watch = read(path).channel("watch")
    if watch is None:
        raise InputFileError(path, "not a FIT activity with running dynamics")
    table = compare(ours, watch_summary(watch))
    return [
        cast(
            "WatchRow",
            {str(k): (None if isinstance(v, float) and v != v else v) for k, v in row.items()},
        )
        for row in table.to_dict(orient="records")
    ]


def comparison_rows(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, str, str]]:
    """``(metric (unit), ours, watch, difference)`` text of the watch comparison.

    Values are already in the display unit (:func:`gait.apps.watch.compare`); they are shown
    with the metric table's decimals.
    """
    from gait.contract.metric_defs import METRICS

    out = []
    for r in rows:
        nd = METRICS[r["name"]].decimals if r.get("name") in METRICS else 1
        out.append(
            (
                f"{r['metric']} ({r['unit']})",
                _fmt(r["ours"], nd=nd),
                _fmt(r["watch"], nd=nd),
                _fmt(r["difference"], nd=nd),
            )
        )
    return out


def _print_comparison(rows: Sequence[Mapping[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title="ours vs the watch (same run; devices differ, compare trends)")
    for c in ("metric", "ours", "watch", "difference"):
        t.add_column(c, justify="left" if c == "metric" else "right")
    for r in comparison_rows(rows):
        t.add_row(*r)
    Console().print(t)


def _run_balance(
    rec: Any,
    table: Path | None,
    summary: Path | None,
    figure: Path | None,
) -> Any:
    """Hand a balance session to the balance analysis."""
    from gait.balance import analyze_balance

    res = analyze_balance(rec)
    print(res.render_text())
    res.write_outputs(table_csv=table, summary_json=summary, figure=figure)
    return res


def _fmt(x: Any, unit: str = "", nd: int = 1) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{nd}f}{unit}"
    return f"{x}{unit}"


#: Rows of the terminal table (metric-table names; a walk shows double support, a run flight).
SUMMARY_ROWS: tuple[str, ...] = (
    "cadence",
    "gct",
    "gct_balance",
    "duty_factor",
    "flight",
    "double_support",
    "stride_length",
    "speed",
    "foot_strike_angle",
    "shank_angle_ic",
    "braking",
    "braking_share",
    "foot_ahead",
    "impact",
    "vertical_oscillation",
    "vertical_ratio",
)


def summary_rows(s: RunSummary) -> list[tuple[str, str, str, str]]:
    """The terminal table of one summary: ``(metric, value, left, right)`` text per row.

    Labels, units, scales and decimals come from :mod:`gait.contract.metric_defs`; a metric the
    session did not measure is left out, symmetry rows follow (left and right means).

    Parameters
    ----------
    s : dict
        A session summary.

    Returns
    -------
    list of tuple of str
    """
    from gait.contract.metric_defs import METRICS, fmt, summary_value

    rows = []
    for name in SUMMARY_ROWS:
        v = summary_value(s, name)
        if v is None:
            continue
        left = right = ""
        if name == "gct":
            left, right = (
                fmt("gct_left", summary_value(s, "gct_left")),
                fmt("gct_right", summary_value(s, "gct_right")),
            )
        rows.append((METRICS[name].label, fmt(name, v), left, right))
    for m, r in (s.get("symmetry") or {}).items():
        flag = " ⚠" if r.get("asymmetry") else ""
        label = METRICS[m].label if m in METRICS else m
        left, right = (
            (fmt(m, r.get("left")), fmt(m, r.get("right")))
            if m in METRICS
            else (_fmt(r.get("left"), "", 3), _fmt(r.get("right"), "", 3))
        )
        rows.append((f"SI {label}", _fmt(r.get("si_pct"), " %", 2) + flag, left, right))
    status = s.get("symmetry_status") or {}
    for m in status:  # withheld: a mark that points to the reason printed below the table
        label = METRICS[m].label if m in METRICS else m
        if m == "gct_balance":
            rows = [(r[0], "not shown ¹", *r[2:]) if r[0] == label else r for r in rows]
            if not any(r[0] == label for r in rows):
                rows.append((label, "not shown ¹", "", ""))
        else:
            rows.append((f"SI {label}", "not shown ¹", "", ""))
    return rows


def summary_notes(s: RunSummary) -> list[str]:
    """Lines below the table (strike pattern, overstriding, asymmetry, drift), in table units.

    Parameters
    ----------
    s : dict
        A session summary.

    Returns
    -------
    list of str
        Rich markup.
    """
    from rich.markup import escape

    from gait.contract.metric_defs import METRICS, fmt, with_unit

    lines = []
    by_reason: dict[str, list[str]] = {}
    for m, why in (s.get("symmetry_status") or {}).items():
        by_reason.setdefault(why, []).append(METRICS[m].label if m in METRICS else m)
    for why, labels in by_reason.items():  # say why instead of a number the sensors cannot support
        lines.append(escape(f"¹ {', '.join(labels)} not shown: {why}"))
    o = s.get("overstride") or {}
    if o.get("strike"):
        st = o["strike"]
        lines.append(
            "strike: "
            + "  ".join(
                f"{METRICS[f'{k}_share'].label} {fmt(f'{k}_share', st[k])}"
                for k in ("rear", "mid", "fore")
            )
        )
    over = o.get("overstriding") or {}
    if over.get("flag"):
        lines.append(
            "[yellow]overstriding[/]: "
            + ", ".join(
                f"{METRICS[r['metric']].label} {fmt(r['metric'], r['value'])} > "
                f"{fmt(r['metric'], r['threshold'])}"
                for r in over.get("reasons", [])
            )
        )
    for a in s.get("asymmetry") or []:
        label = METRICS[a["metric"]].label if a["metric"] in METRICS else a["metric"]
        lines.append(
            f"[yellow]asymmetry[/]: {label} SI {a['si_pct']} % ({a['longer']} higher), "
            "beyond within-limb variability"
        )
    d = s.get("drift") or {}
    dc = d["cadence_spm"]["change"] if "cadence_spm" in d else None
    dg = d["gct_ms"]["change"] if "gct_ms" in d else None
    if dc is not None and dg is not None:
        # the summary keeps drift changes in its own units (spm, ms): back to stored, then shown
        dc /= METRICS["cadence"].summary_scale
        dg /= METRICS["gct"].summary_scale
        lines.append(
            f"drift first→last: {METRICS['cadence'].label} "
            f"{with_unit('cadence', format(dc * METRICS['cadence'].scale, '+.1f'))}, "
            f"{METRICS['gct'].label} {with_unit('gct', format(dg * METRICS['gct'].scale, '+.1f'))}"
        )
    lo = s.get("contact_time_left_out")
    if lo:  # say why the contact-time rows are empty
        lines.append(f"contact time left out on {lo['steps']} of {lo['of']} steps: {lo['reason']}")
    if s.get("flags"):
        lines.append(f"[dim]flags: {', '.join(s['flags'])}[/]")
    return lines


def _print_summary(name: str, s: RunSummary) -> None:
    """Readable terminal summary (rich table)."""
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"{name} — {s.get('activity')}, {s.get('steps')} steps", show_header=True)
    t.add_column("metric")
    t.add_column("value", justify="right")
    t.add_column("left", justify="right")
    t.add_column("right", justify="right")
    for row in summary_rows(s):
        t.add_row(*row)
    con.print(t)
    for line in summary_notes(s):
        con.print(line)

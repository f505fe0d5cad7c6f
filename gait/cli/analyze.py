"""``gait analyze``: steps, cadence, contact time, overstriding and asymmetry of recordings."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gait.cli.options import add_history_options, add_reader_options

if TYPE_CHECKING:
    from gait.recording import Recording


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
    p.add_argument("--window-steps", type=int, default=20, metavar="N", help="steps per summary window")
    p.add_argument("--steps-csv", metavar="OUT.csv", help="write the step table (one row per step)")
    p.add_argument("--summary-json", metavar="OUT.json", help="write the session summary")
    p.add_argument("--figure", metavar="OUT.html",
                   help="balance sessions: write the sway figure (for a run or walk use 'gait report FILE')")
    p.add_argument("--json", action="store_true", help="print the summary as JSON instead of a table")
    p.add_argument(
        "--compare-fit", metavar="WATCH.fit",
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
        in_place.append(args.format in (None, "gaitrec") and p.is_file() and p.stat().st_size > 0
                        and sniff(p))
    # read the others up front, as every verb does (the same file may be named twice)
    eager = {i: read(n, opts) for i, (n, lazy) in enumerate(zip(names, in_place, strict=True))
             if not lazy}
    for i, (name, lazy) in enumerate(zip(names, in_place, strict=True)):
        if lazy:
            from gait.io.canonical_stream import open_recording

            yield i, name, open_recording(name, reference=False)
        else:
            yield i, name, eager.pop(i)


def run(args: argparse.Namespace) -> int:
    """Analyse every file; returns 0 when all succeeded."""
    from gait.cli.options import save_to_history
    from gait.errors import AnalysisError
    from gait.sessions import SessionOutcome

    if args.window_steps < 1:
        raise AnalysisError("--window-steps must be at least 1")
    total = len(args.files)
    all_json: list[dict[str, Any]] = []
    for i, name, rec in _recordings(args):
        steps_csv = _out_path(args.steps_csv, i, total)
        summary_json = _out_path(args.summary_json, i, total)
        if args.activity == "balance" or (args.activity == "auto" and rec.meta.activity == "balance"):
            bal = _run_balance(rec, args, steps_csv, summary_json, _out_path(args.figure, i, total))
            save_to_history(args, SessionOutcome(rec, balance=bal), name)
            continue
        from gait.pipeline import analyze

        res = analyze(rec, activity=None if args.activity == "auto" else args.activity,
                      window_steps=args.window_steps)
        save_to_history(args, SessionOutcome(rec, gait=res), name)
        if args.figure:
            import sys

            print(f"{name}: --figure draws balance sessions only; for this {res.summary.get('activity', 'gait')} "
                  "session use 'gait report FILE' (cadence, contact time, strike figures)", file=sys.stderr)
        summary = dict(res.summary)
        summary["file"] = name
        if args.compare_fit:
            summary["watch_comparison"] = _compare_fit(args.compare_fit, res.summary)
        if steps_csv is not None:
            steps_csv.parent.mkdir(parents=True, exist_ok=True)
            from gait.table_csv import write_csv

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


def _compare_fit(path: str, ours: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of ours-versus-watch for the same run (see :mod:`gait.watch`)."""
    from gait.errors import InputFileError
    from gait.io import read
    from gait.watch import compare, watch_summary

    watch = read(path).channel("watch")
    if watch is None:
        raise InputFileError(path, "not a FIT activity with running dynamics")
    table = compare(ours, watch_summary(watch))
    return [
        {str(k): (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        for row in table.to_dict(orient="records")
    ]


def _print_comparison(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title="ours vs the watch (same run; devices differ, compare trends)")
    for c in ("metric", "ours", "watch", "difference"):
        t.add_column(c, justify="left" if c == "metric" else "right")
    for r in rows:
        t.add_row(f"{r['metric']} ({r['unit']})", _fmt(r["ours"]), _fmt(r["watch"]), _fmt(r["difference"]))
    Console().print(t)


def _run_balance(
    rec: Any, args: argparse.Namespace, table: Path | None, summary: Path | None, figure: Path | None
) -> Any:
    """Hand a balance session to the balance analysis."""
    from gait.errors import AnalysisError

    try:
        from gait.balance import analyze_balance  # type: ignore[attr-defined, import-not-found, unused-ignore]
    except ImportError as exc:
        raise AnalysisError("balance analysis is not available in this installation") from exc
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


def _print_summary(name: str, s: dict[str, Any]) -> None:
    """Readable terminal summary (rich table)."""
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"{name} — {s.get('activity')}, {s.get('steps')} steps", show_header=True)
    t.add_column("metric")
    t.add_column("value", justify="right")
    t.add_column("left", justify="right")
    t.add_column("right", justify="right")
    g = s.get("gct_ms") or {}
    t.add_row("cadence", _fmt(s.get("cadence_spm"), " spm"), "", "")
    t.add_row("ground contact", _fmt(g.get("mean"), " ms"), _fmt(g.get("left"), " ms"),
              _fmt(g.get("right"), " ms"))
    status = s.get("symmetry_status") or {}
    t.add_row("GCT balance", "not shown ¹" if "gct_balance" in status else _fmt(s.get("gct_balance_pct"), " % L", 2),
              "", "")
    t.add_row("duty factor", _fmt(s.get("duty_factor"), "", 3), "", "")
    if s.get("double_support_ms") is not None:  # a walk has double support, not flight
        t.add_row("double support", _fmt(s.get("double_support_ms"), " ms"), "", "")
    else:
        t.add_row("flight", _fmt(s.get("flight_ms"), " ms"), "", "")
    for key, label, unit in (("stride_length", "stride length", " m"), ("speed", "speed", " m/s"),
                             ("foot_strike_angle", "foot strike angle", "°"),
                             ("vertical_oscillation", "vertical oscillation", " m")):
        if s.get(key) is not None:
            t.add_row(label, _fmt(s.get(key), unit, 2), "", "")
    for m, r in (s.get("symmetry") or {}).items():
        flag = " ⚠" if r.get("asymmetry") else ""
        t.add_row(f"SI {m}", _fmt(r.get("si_pct"), " %", 2) + flag,
                  _fmt(r.get("left"), "", 3), _fmt(r.get("right"), "", 3))
    for m in status:
        if m != "gct_balance":
            t.add_row(f"SI {m}", "not shown ¹", "", "")
    con.print(t)
    if status:
        # say why instead of printing a number the sensors cannot support
        by_reason: dict[str, list[str]] = {}
        for m, why in status.items():
            by_reason.setdefault(why, []).append(m)
        for why, ms in by_reason.items():
            con.print(f"¹ {', '.join(ms)} not shown: {why}", markup=False)
    o = s.get("overstride") or {}
    if o.get("strike"):
        st = o["strike"]
        con.print(f"strike: rear {st['rear']:.0%}  mid {st['mid']:.0%}  fore {st['fore']:.0%}")
    over = o.get("overstriding") or {}
    if over.get("flag"):
        con.print("[yellow]overstriding[/]: " + ", ".join(
            f"{r['metric']} {r['value']:g} > {r['threshold']:g}" for r in over.get("reasons", [])))
    if s.get("asymmetry"):
        for a in s["asymmetry"]:
            con.print(f"[yellow]asymmetry[/]: {a['metric']} SI {a['si_pct']} % ({a['longer']} higher), "
                      "beyond within-limb variability")
    d = s.get("drift") or {}
    if "gct_ms" in d and "cadence" in d:
        con.print(f"drift first→last: cadence {d['cadence']['change']:+.1f} spm, "
                  f"GCT {d['gct_ms']['change']:+.1f} ms")
    if s.get("flags"):
        con.print(f"[dim]flags: {', '.join(s['flags'])}[/]")

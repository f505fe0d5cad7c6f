"""``gait report``: one self-contained offline HTML report of a recording or capture file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gait.cli.options import add_drill_options, add_reader_options


def register(subparsers: Any) -> None:
    """Add the ``report`` verb to ``subparsers``."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="write an offline HTML report of a recording or capture file",
        description=(
            "Analyse one recording (any supported file, or a capture from 'gait record' / "
            "'gait live') and write one self-contained HTML report: cadence with its target band, "
            "contact time per side, GCT balance, strike pattern, drift, the cues the drills would "
            "have given, a per-interval table, and the balance figures for balance sessions. "
            "The report opens with no internet."
        ),
    )
    p.add_argument("file", metavar="FILE_OR_CAPTURE", help="recording or capture file")
    add_reader_options(p)
    p.add_argument(
        "--out", metavar="REPORT.html", help="output file (default: <file name>.report.html here)"
    )
    p.add_argument(
        "--activity",
        choices=["auto", "run", "walk", "balance"],
        default="auto",
        help="force the activity (default: from the file)",
    )
    add_drill_options(p, default_drills="all")
    p.add_argument("--no-cues", action="store_true", help="leave out the cue replay")
    p.add_argument(
        "--plotly-js",
        default="inline",
        metavar="inline|shared:PATH",
        help="embed plotly.js (default) or share one copy at a path relative to the report",
    )
    p.add_argument("--title", help="report title")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Read, analyse and write the report; returns 0 on success."""
    from gait.apps.outcome import analyze_recording
    from gait.cli.options import coach_from_args, read_options, units_inferred, warn_input_checks
    from gait.contract.errors import GaitError
    from gait.feedback import replay_cues
    from gait.feedback.drills import coach_drills
    from gait.io import read
    from gait.views.report import build_report

    if not (args.plotly_js == "inline" or args.plotly_js.startswith("shared:")):
        raise GaitError(f"--plotly-js must be 'inline' or 'shared:PATH', got {args.plotly_js!r}")
    settings, defined = coach_from_args(args)
    drills, baseline = coach_drills(defined, settings)
    rec = read(args.file, read_options(args))
    outcome = analyze_recording(rec, activity=None if args.activity == "auto" else args.activity)
    out = (
        Path(args.out)
        if args.out
        else Path.cwd() / (Path(args.file.split("::", 1)[0]).name + ".report.html")
    )
    cues = drill_state = band = None
    gait_res = outcome.gait
    # inferred units (info) and input-check findings (warnings) on stderr
    warn_input_checks(
        args.file,
        gait_res.summary if gait_res is not None else {"units_inferred": units_inferred(rec)},
    )
    if gait_res is not None and not gait_res.steps.empty and not args.no_cues:
        t_ic = gait_res.steps["t_ic"]
        # A short recording still gets baselines: at most its first third is used to learn them.
        baseline_s = min(
            settings.baseline_s or 60.0, max(float(t_ic.max() - t_ic.min()) / 3.0, 5.0)
        )
        events, engine = replay_cues(
            gait_res.steps, drills, baseline=baseline, baseline_s=baseline_s
        )
        cues, drill_state, band = events, engine.state(), engine.band("cadence")
    if settings.cadence_target:
        band = settings.cadence_target
    path = build_report(
        gait_res,
        cues=cues,
        balance=outcome.balance,
        path=out,
        plotly_js=args.plotly_js,
        cadence_band=band,
        drills=drill_state,
        title=args.title,
        source=args.file,
    )
    n = 0 if gait_res is None else len(gait_res.steps)
    what = "balance session" if outcome.balance is not None else f"{n} steps"
    cue_note = "" if cues is None else f", {sum(c.level == 'warn' for c in cues)} cue(s)"
    print(f"report: {path} ({what}{cue_note})")
    return 0

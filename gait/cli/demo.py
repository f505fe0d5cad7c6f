"""``gait demo``: the whole live path on a simulated 2-minute treadmill run."""

from __future__ import annotations

import argparse

from gait.cli.options import add_drill_options


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` verb."""
    p = subparsers.add_parser(
        "demo",
        help="simulated live session end to end (virtual sensors → page → report)",
        description=(
            "Run a simulated 2-minute treadmill run: virtual left/right foot sensors and a "
            "sacrum sensor on the virtual radio, with a cadence drop and a left/right "
            "contact-time asymmetry halfway. Records the capture file, analyses it live with "
            "the streaming engine, shows the live page (or the terminal view) and writes the "
            "session report. Ends by itself and prints where the report is."
        ),
    )
    p.add_argument(
        "--speed-up",
        type=float,
        default=4.0,
        metavar="X",
        help="simulated seconds per wall second (default 4: about 30 s)",
    )
    view = p.add_mutually_exclusive_group()
    view.add_argument("--terminal", action="store_true", help="terminal view instead of the page")
    view.add_argument("--page", action="store_true", help="serve the live page (default)")
    p.add_argument(
        "--duration", type=float, default=120.0, metavar="S", help="simulated seconds (default 120)"
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default: ./gait-demo)")
    p.add_argument("--port", type=int, default=0, help="live page port (default: a free one)")
    p.add_argument(
        "--save", action="store_true", help="also save the session into the history database"
    )
    p.add_argument("--seed", type=int, default=7, help="seed of the synthetic runner")
    add_drill_options(p, default_drills="cadence and symmetry")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo; prints the page URL and the report path. Returns 0."""
    from pathlib import Path

    from gait.apps.live.cli_common import run_with_view
    from gait.apps.live.demo import demo_config
    from gait.cli.options import coach_from_args
    from gait.contract.errors import GaitError

    if not (args.speed_up > 0 and args.duration >= 20):
        raise GaitError("--speed-up must be > 0 and --duration at least 20 s")
    out = Path(args.out or "gait-demo")
    cfg = demo_config(
        out, duration=args.duration, speed_up=args.speed_up, seed=args.seed, save=args.save
    )
    cfg.coach, cfg.drill_defs = coach_from_args(args)
    print(
        f"gait demo: a simulated {args.duration:g} s treadmill run at {args.speed_up:g}x speed "
        f"(cadence drop and L/R asymmetry at {args.duration / 2:g} s)",
        flush=True,
    )
    result = run_with_view(cfg, terminal=args.terminal, lan=False, port=args.port)
    _explain(result, args.duration / 2)
    return 0


def _explain(result: object, t_change: float) -> None:
    """Print what the report found before/after the change and the cues given."""
    import json

    import pandas as pd

    from gait.apps.live.demo import describe_change

    written = getattr(result, "written", {})
    if "steps" in written:
        print("what changed halfway (from the report):")
        for line in describe_change(pd.read_csv(written["steps"]), t_change):
            print(line)
    if "cues" in written:
        cues = json.loads(written["cues"].read_text())
        for c in cues:
            print(f"  cue at {c['t']:5.0f} s  [{c['drill']}] {c['text']}")
    print(
        f"open the report: {written['report'].resolve()}" if "report" in written else "", flush=True
    )

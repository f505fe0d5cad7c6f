"""``gait balance``: the guided single-leg balance protocol, live, simulated or on a file."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from gait.cli.options import add_history_options, add_reader_options

#: Placements the simulated runner can wear.
SIM_PLACEMENTS = ("sacrum", "phone-belt", "phone-sternum", "foot-left", "foot-right")


def register(subparsers: Any) -> None:
    """Add the ``balance`` verb."""
    p = subparsers.add_parser(
        "balance",
        help="guided single-leg balance test (live, --simulate, or --file)",
        description=(
            "Guided single-leg balance session: stand on the left then the right leg, eyes open "
            "then closed (30 s each by default), optional practice trial, hop-and-stick drill. "
            "Prompts are printed (and spoken with espeak-ng when --speak is given). Then the "
            "per-leg table and a verdict are printed. With --file, analyse a recording instead "
            "(same as 'gait analyze FILE --activity balance')."
        ),
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--file", metavar="FILE", help="analyse a recorded balance session")
    src.add_argument(
        "--simulate",
        action="store_true",
        help="run the protocol on a simulated runner (synthetic sensor data)",
    )
    g = p.add_argument_group("protocol")
    g.add_argument(
        "--trial-length",
        type=float,
        default=None,
        metavar="S",
        help="seconds per stance trial (default 30)",
    )
    g.add_argument(
        "--familiarisation", action="store_true", help="start with an unscored practice trial"
    )
    g.add_argument("--no-hop", action="store_true", help="skip the hop-and-stick drill")
    g.add_argument(
        "--transition",
        type=float,
        default=8.0,
        metavar="S",
        help="seconds between trials, including the countdown (default 8)",
    )
    g.add_argument(
        "--countdown", type=int, default=3, metavar="N", help="countdown seconds before GO"
    )
    g.add_argument("--speak", action="store_true", help="speak prompts with espeak-ng if installed")
    g.add_argument("--quiet", action="store_true", help="do not print prompts")
    s = p.add_argument_group("simulation")
    s.add_argument(
        "--speed-up",
        type=float,
        default=1.0,
        metavar="X",
        help="run the simulated session X times faster than real time",
    )
    s.add_argument(
        "--sim-placements",
        default="sacrum",
        help=f"comma-separated simulated sensors from {','.join(SIM_PLACEMENTS)}",
    )
    s.add_argument("--sim-rate", type=float, default=100.0, metavar="HZ", help="simulated rate")
    s.add_argument("--seed", type=int, default=0, help="simulation seed")
    s.add_argument(
        "--asym",
        type=float,
        default=0.0,
        metavar="PCT",
        help="simulated runner: left leg sways PCT %% more than right",
    )
    s.add_argument("--acc-only", action="store_true", help="simulate accelerometer-only sensors")
    o = p.add_argument_group("outputs")
    o.add_argument("--save-recording", metavar="OUT.gaitrec", help="save the session recording")
    o.add_argument("--table-csv", metavar="OUT.csv", help="per-trial table")
    o.add_argument("--summary-json", metavar="OUT.json", help="session summary")
    o.add_argument("--figure", metavar="OUT.html", help="figure (offline HTML, plotly.js inline)")
    o.add_argument("--json", action="store_true", help="print the summary as JSON instead of text")
    add_reader_options(p)
    add_history_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the protocol or analyse a file; print the table and verdict; write outputs."""
    from gait.balance import analyze_balance
    from gait.contract.errors import GaitError

    if args.file:
        from gait.cli.options import read_options
        from gait.io import read

        rec = read(args.file, read_options(args))
    elif args.simulate:
        rec = _simulate(args)
    else:
        raise GaitError(
            "live capture needs a connected sensor source, which this build does not provide yet; "
            "use --simulate to try the protocol, or --file FILE to analyse a recording"
        )
    if args.save_recording:
        from gait.io.canonical_format import write_recording

        write_recording(rec, args.save_recording)
        print(f"recording written to {args.save_recording}", file=sys.stderr)
    res = analyze_balance(rec, trial_length=args.trial_length)
    if args.json:
        print(json.dumps(res.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(res.render_text())
    for path in res.write_outputs(
        table_csv=args.table_csv, summary_json=args.summary_json, figure=args.figure
    ):
        print(f"wrote {path}", file=sys.stderr)
    from gait.apps.outcome import SessionOutcome
    from gait.cli.options import save_to_history

    save_to_history(
        args, SessionOutcome(rec, balance=res), args.file or "balance protocol (simulated)"
    )
    return 0


def _simulate(args: argparse.Namespace) -> Any:
    from gait.balance.protocol import (
        ConsolePrompter,
        ListPrompter,
        ProtocolConfig,
        ProtocolEngine,
        ScaledClock,
        SimulatedSource,
        build_protocol,
    )
    from gait.contract.errors import GaitError

    placements = tuple(x.strip() for x in args.sim_placements.split(",") if x.strip())
    bad = [x for x in placements if x not in SIM_PLACEMENTS]
    if bad or not placements:
        raise GaitError(
            f"--sim-placements: unknown {bad or placements}; "
            f"choose from {', '.join(SIM_PLACEMENTS)}"
        )
    if args.speed_up <= 0:
        raise GaitError(f"--speed-up must be positive, got {args.speed_up}")
    length = args.trial_length if args.trial_length is not None else 30.0
    if not 10.0 <= length <= 120.0:
        raise GaitError(f"--trial-length must be 10–120 s for the protocol, got {length}")
    if args.transition < args.countdown + 1:
        raise GaitError("--transition must exceed the countdown by at least 1 s")
    cfg = ProtocolConfig(
        trial_length=length,
        familiarisation=args.familiarisation,
        hop=not args.no_hop,
        transition=args.transition,
        countdown=args.countdown,
    )
    try:
        source = SimulatedSource(
            build_protocol(cfg),
            cfg,
            placements=placements,
            rate=args.sim_rate,
            seed=args.seed,
            asym_pct=args.asym,
            acc_only=args.acc_only,
        )
    except ValueError as exc:
        raise GaitError(f"simulation: {exc}") from exc
    prompter = (
        ListPrompter()
        if args.quiet
        else ConsolePrompter(out=sys.stderr, speak=args.speak and args.speed_up == 1.0)
    )
    engine = ProtocolEngine(cfg, source, ScaledClock(args.speed_up), prompter)
    return engine.run()

"""``gait live``: a live session with drill feedback, then the session report."""

from __future__ import annotations

import argparse

from gait.cli.options import add_drill_options, add_history_options
from gait.cli.scan import RADIO_HELP


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``live`` verb."""
    p = subparsers.add_parser(
        "live",
        help="live session: sensors → live page with drill cues → report",
        description=(
            "Connect to the sensors (or virtual ones with --simulate), record every "
            "notification into a capture file, analyse the steps live with the streaming "
            "engine and show them with drill cues on the live page (127.0.0.1; --lan with a "
            "token) or in the terminal. A sensor that drops out is shown and the session "
            "goes on. At the end the report is written from the capture file and the "
            "session is saved in the history."
        ),
    )
    p.add_argument(
        "--device",
        action="append",
        required=True,
        metavar="NAME|ADDRESS[=PLACEMENT[:SIDE]]",
        help="a sensor, e.g. 'Polar Sense B5A1=foot:left' (repeat for more); a phone: "
        "'phone:sensorlogger=belt' (receives Sensor Logger's HTTP push) or "
        "'phone:phyphox@PHONE-IP:8080=armband' (polls phyphox remote access)",
    )
    p.add_argument(
        "--simulate",
        action="store_true",
        help="run virtual sensors (synthetic run) in this process; names must match a "
        "profile, e.g. 'gait-imu L=foot:left', 'Polar H10 S=sacrum'",
    )
    p.add_argument("--radio", metavar="RADIO", help=RADIO_HELP)
    p.add_argument(
        "--speed-up",
        type=float,
        default=1.0,
        metavar="X",
        help="with --simulate: simulated seconds per wall second (default 1)",
    )
    add_drill_options(p, default_drills="cadence")
    p.add_argument(
        "--duration",
        type=float,
        default=600.0,
        metavar="S",
        help="session length, s (default 600; Ctrl-C ends earlier)",
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default: ./gait-live)")
    p.add_argument(
        "--lan", action="store_true", help="serve the page on the network (prints a token)"
    )
    p.add_argument("--port", type=int, default=0, help="live page port (default: a free one)")
    p.add_argument("--terminal", action="store_true", help="terminal view instead of the page")
    p.add_argument("--belt-speed", type=float, metavar="M/S", help="treadmill belt speed, if known")
    p.add_argument(
        "--scan-timeout",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds to look for the sensors",
    )
    p.add_argument(
        "--seed", type=int, default=0, help="with --simulate: seed of the synthetic runner"
    )
    add_history_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the live session; prints the page URL and the report path. Returns 0."""
    from pathlib import Path

    from gait.apps.live.cli_common import run_with_view
    from gait.apps.live.runtime import LiveConfig
    from gait.cli.options import coach_from_args
    from gait.contract.errors import GaitError

    if args.speed_up != 1.0 and not args.simulate:
        raise GaitError("--speed-up only applies to --simulate")
    if args.belt_speed is not None and not args.belt_speed > 0:
        raise GaitError("--belt-speed must be > 0 m/s")
    from devices.phone.spec import with_lan

    coach, defined = coach_from_args(args)

    cfg = LiveConfig(
        devices=[with_lan(d) for d in args.device] if args.lan else list(args.device),
        out=Path(args.out or "gait-live"),
        duration=args.duration,
        drills=["cadence"],
        coach=coach,
        drill_defs=defined,
        simulate=args.simulate,
        radio=args.radio,
        speed_up=args.speed_up,
        seed=args.seed,
        treadmill_speed=args.belt_speed,
        save=not args.no_save,
        history_db=Path(args.db) if args.db else None,
        athlete=args.athlete,
        scan_timeout=args.scan_timeout,
    )
    run_with_view(cfg, terminal=args.terminal, lan=args.lan, port=args.port)
    return 0

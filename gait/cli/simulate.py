"""``gait simulate``: run a virtual sensor (and the radio hub) for other processes to find.

Type commands on standard input while it runs: ``drop`` (drop the link now),
``loss P``, ``jitter S``, ``refuse CODE`` / ``accept``, ``quit``.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from gait.analysis.placements.registry import is_leg
from gait.cli.options import DeprecatedAlias

if TYPE_CHECKING:
    import asyncio

    from devices.virtual import VirtualDevice

PLACEMENTS = ("foot", "shank", "sacrum")
SCENARIOS = ("run", "walk")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` verb."""
    p = subparsers.add_parser(
        "simulate",
        help="run a virtual sensor on the virtual radio",
        description=(
            "Emulate a sensor byte-for-byte on bumble's virtual radio, streaming synthetic "
            "running data. Starts the radio hub (127.0.0.1) when none runs, so "
            "'gait scan --radio virtual' and 'gait record --radio virtual' in another "
            "terminal find it. Commands on stdin: drop, loss P, jitter S, refuse CODE, "
            "accept, quit."
        ),
    )
    p.add_argument(
        "--profile",
        required=True,
        metavar="ID",
        help="firmware profile id (see 'gait profiles'), or a phone app: sensorlogger, phyphox",
    )
    p.add_argument(
        "--placement", choices=PLACEMENTS, default="foot", help="where the sensor is worn"
    )
    p.add_argument("--side", choices=("left", "right"), help="body side of a foot or shank sensor")
    p.add_argument("--scenario", choices=SCENARIOS, default="run", help="what the runner does")
    p.add_argument(
        "--rate", type=float, metavar="HZ", help="sampling rate (default: the profile's)"
    )
    p.add_argument("--name", help="advertised name (default: a typical name of the profile)")
    p.add_argument("--address", help="random static BLE address (default: random)")
    p.add_argument(
        "--radio",
        default=None,
        metavar="virtual[:HOST:PORT]",
        help="radio hub address (default virtual = 127.0.0.1:47555, or GAIT_RADIO)",
    )
    p.add_argument(
        "--faults",
        action="append",
        metavar="KEY=VALUE[,...]",
        help="fault injection: drop_every=S, outage=S, loss=P, jitter=S, refuse_start=CODE, "
        "seed=N; phones: outage_every=S, outage=S, burst_every=S, burst=S, late=P, duplicate=P, "
        "clock_jump_at=S, clock_jump=S",
    )
    p.add_argument(
        "--speed-up",
        type=float,
        default=1.0,
        metavar="X",
        help="simulated seconds per wall second (default 1)",
    )
    p.add_argument(
        "--speed",
        type=float,
        dest="speed_up",
        action=DeprecatedAlias,
        new="--speed-up",
        default=argparse.SUPPRESS,
        help=argparse.SUPPRESS,
    )
    p.add_argument(
        "--length",
        type=float,
        default=120.0,
        metavar="S",
        help="seconds of synthetic signal, replayed in a loop (default 120)",
    )
    p.add_argument(
        "--seconds",
        type=float,
        metavar="S",
        help="stop after this many wall seconds (default: until quit/Ctrl-C)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed of the synthetic runner")
    p.add_argument(
        "--replay",
        metavar="FILE",
        help="stream a recording (any readable file, e.g. a capture) instead of synthetic data; "
        "the stream is chosen by --placement/--side",
    )
    from gait.cli.simulate_phone import add_arguments

    add_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the virtual sensor until ``--seconds`` elapse, ``quit`` or Ctrl-C."""
    import asyncio

    from gait.cli.simulate_phone import PHONE_PROFILES, run_phone

    if args.profile in PHONE_PROFILES:
        return run_phone(args)
    asyncio.run(_simulate(args))
    return 0


def _source(args: argparse.Namespace, profile: object) -> object:
    """Synthetic signals for the profile (footpods: speed and cadence)."""
    import numpy as np

    from devices.errors import DeviceError
    from devices.virtual import SampleSource, constant_rsc_source
    from gait.synth import SensorParams, synthesize

    rate = float(args.rate or profile.rate)  # type: ignore[attr-defined]
    if getattr(args, "replay", None):
        return _replay_source(args, profile)
    if is_leg(args.placement) and args.side is None:
        raise DeviceError(f"--side left|right is needed for a {args.placement} sensor")
    if "rsc" in profile.streams:  # type: ignore[attr-defined]
        return constant_rsc_source(args.length, rate=rate)
    spec = args.placement if args.placement == "sacrum" else f"{args.placement}-{args.side}"
    # the virtual device quantises like the real one, so the generator must not
    rec = synthesize(
        activity=args.scenario,
        placements=(spec,),
        duration=args.length,
        rate=rate,
        seed=args.seed,
        sensor=SensorParams(quantize=False),
    )
    s = rec.streams[0]
    t = np.asarray(s.t, dtype=float)
    return SampleSource(t=t - t[0], acc=s.acc, gyr=s.gyr if "gyr" in profile.streams else None)  # type: ignore[attr-defined]


def _replay_source(args: argparse.Namespace, profile: object) -> object:
    """Signals of one stream of a recorded file (the device re-stamps them at its own rate)."""
    import numpy as np

    from devices.errors import DeviceError
    from devices.virtual import SampleSource
    from gait.io import ReadOptions, read

    rec = read(args.replay, ReadOptions())
    side = args.side if is_leg(args.placement) else None
    streams = [
        s for s in rec.streams if s.placement == args.placement and (side is None or s.side == side)
    ]
    if not streams:
        have = [f"{s.placement}:{s.side}" if s.side else s.placement for s in rec.streams]
        raise DeviceError(
            f"{args.replay}: no {args.placement} {side or ''} stream to replay; it has {have}"
        )
    s = streams[0]
    t = np.asarray(s.t, dtype=float)
    gyr = s.gyr if "gyr" in profile.streams else None  # type: ignore[attr-defined]
    return SampleSource(t=t - t[0], acc=s.acc, gyr=gyr)


def _radio_spec(args: argparse.Namespace) -> str:
    """The virtual radio to run on, after checking the numeric options."""
    import os

    from devices.ble.radio import RADIO_ENV
    from devices.errors import DeviceError

    if args.speed_up <= 0 or args.length <= 0:
        raise DeviceError("--speed-up and --length must be > 0")
    spec: str = args.radio or os.environ.get(RADIO_ENV) or "virtual"
    if spec.lower() == "ble":
        raise DeviceError(
            "gait simulate runs on the virtual radio; use --radio virtual[:HOST:PORT]"
        )
    return spec


async def _simulate(args: argparse.Namespace) -> None:
    import asyncio

    from devices.ble.radio import open_radio
    from devices.profiles import get_profile
    from devices.virtual import VirtualDevice, parse_faults

    spec = _radio_spec(args)
    profile = get_profile(args.profile)
    faults = parse_faults(args.faults)
    source = _source(args, profile)
    radio = await open_radio(spec, serve=True)
    dev = VirtualDevice(
        profile,
        source,  # type: ignore[arg-type]
        radio,
        name=args.name,
        address=args.address,
        speed=args.speed_up,
        faults=faults,
        loop=True,
    )
    await dev.start()
    role = "running the hub" if radio.hub is not None else "joined the hub"
    print(
        f"simulating {dev.name} [{dev.address}] profile {profile.id} on {radio.spec} ({role})",
        flush=True,
    )
    console = _Console(dev, asyncio.get_running_loop())
    console.listen()
    try:
        await console.wait(args.seconds)
    finally:
        await dev.stop()
        await radio.aclose()
        print(f"stopped: {dev.sent} notifications sent, {dev.connections} connections", flush=True)


class _Console:
    """The commands typed on standard input while the virtual sensor runs."""

    def __init__(self, dev: VirtualDevice, loop: asyncio.AbstractEventLoop) -> None:
        import asyncio

        self.dev = dev
        self.loop = loop
        self.quit = asyncio.Event()
        # Strong references to running drop tasks (the loop keeps only weak ones).
        self.pending: set[asyncio.Task[None]] = set()

    def command(self, line: str) -> None:
        """Apply one command line; print ``ok ...`` or the problem."""
        words = line.split()
        if not words:
            return
        dev = self.dev
        try:
            if words[0] == "quit":
                self.quit.set()
            elif words[0] == "drop":
                seconds = float(words[1]) if len(words) > 1 else None
                task = self.loop.create_task(dev.drop_link(seconds))
                self.pending.add(task)
                task.add_done_callback(self.pending.discard)
            elif words[0] == "loss":
                dev.faults.loss = float(words[1])
            elif words[0] == "jitter":
                dev.faults.jitter = float(words[1])
            elif words[0] == "refuse":
                dev.faults.refuse_start = int(words[1])
            elif words[0] == "accept":
                dev.faults.refuse_start = None
            else:
                print(f"unknown command {words[0]!r}", file=sys.stderr, flush=True)
                return
            print(f"ok {line.strip()}", flush=True)
        except (IndexError, ValueError):
            print(f"bad command {line.strip()!r}", file=sys.stderr, flush=True)

    def listen(self) -> None:
        """Read standard input in a daemon thread, handing each line to the event loop."""
        import threading

        threading.Thread(target=self._read_stdin, daemon=True).start()

    def _read_stdin(self) -> None:
        for line in sys.stdin:
            self.loop.call_soon_threadsafe(self.command, line)

    async def wait(self, seconds: float | None) -> None:
        """Return on ``quit``, or after ``seconds`` (None: no limit)."""
        import asyncio

        try:
            if seconds is not None:
                await asyncio.wait_for(self.quit.wait(), seconds)
            else:
                await self.quit.wait()
        except TimeoutError:
            pass

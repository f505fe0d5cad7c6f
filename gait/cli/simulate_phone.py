"""``gait simulate --profile sensorlogger|phyphox``: a simulated phone over loopback HTTP.

``sensorlogger`` pushes the app's JSON batches to ``--url`` (the receiver URL ``gait live
--device phone:sensorlogger=...`` prints); ``phyphox`` serves the app's remote-access API
on ``--port`` (127.0.0.1) for ``gait live --device phone:phyphox@127.0.0.1:PORT=...``.
Both stream a synthetic run (``--mount`` decides how the phone moves) with optional faults.
"""

from __future__ import annotations

import argparse
from urllib.parse import urlsplit

PHONE_PROFILES = ("sensorlogger", "phyphox")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Phone-only options of ``gait simulate``."""
    g = p.add_argument_group("simulated phone (--profile sensorlogger or phyphox)")
    g.add_argument(
        "--url",
        help="sensorlogger: receiver URL printed by 'gait live' (http://127.0.0.1:PORT/push...)",
    )
    g.add_argument(
        "--port", type=int, default=8080, help="phyphox: port to serve on 127.0.0.1 (default 8080)"
    )
    g.add_argument(
        "--mount",
        default="belt",
        choices=("belt", "armband", "hand", "pocket"),
        help="how the simulated phone is carried (default belt)",
    )
    g.add_argument(
        "--batch",
        type=float,
        default=0.5,
        metavar="S",
        help="sensorlogger: batch period (default 0.5 s)",
    )
    g.add_argument("--ios", action="store_true", help="sensorlogger: push with iOS signs")


def run_phone(args: argparse.Namespace) -> int:
    """Run the simulated phone until ``--seconds`` elapse or Ctrl-C."""
    import asyncio  # here, not at the top: `gait --help` builds every verb's parser

    asyncio.run(_run(args))
    return 0


async def _run(args: argparse.Namespace) -> None:
    import asyncio

    import numpy as np

    from devices.errors import DeviceError
    from devices.phone.simulator import (
        PhyphoxServer,
        parse_phone_faults,
        push_schedule,
        sensorlogger_schedule,
        serve,
    )
    from devices.virtual import SampleSource
    from gait.apps.live.phone import SIM_PLACEMENT
    from gait.synth import SensorParams, synthesize

    if args.speed_up <= 0 or args.length <= 0:
        raise DeviceError("--speed-up and --length must be > 0")
    faults = parse_phone_faults(args.faults)
    rec = synthesize(
        activity=args.scenario,
        placements=(SIM_PLACEMENT[args.mount],),
        duration=args.length,
        rate=float(args.rate or 100.0),
        seed=args.seed,
        sensor=SensorParams(quantize=False),
    )
    s = rec.streams[0]
    t = np.asarray(s.t, dtype=float)
    source = SampleSource(t=t - t[0], acc=s.acc)
    loop = asyncio.get_running_loop()
    limit = args.seconds if args.seconds is not None else args.length / args.speed_up + 5.0
    if args.profile == "sensorlogger":
        if not args.url:
            raise DeviceError(
                "--url is needed: the receiver URL "
                "'gait live --device phone:sensorlogger=...' prints"
            )
        u = urlsplit(args.url)
        if u.scheme != "http" or not u.hostname:
            raise DeviceError(f"--url {args.url!r}: give http://HOST:PORT/push[/TOKEN]")
        sched = sensorlogger_schedule(
            source, batch=args.batch, platform="ios" if args.ios else "android", faults=faults
        )
        print(
            f"pushing {len(sched.sends)} Sensor Logger batches to {args.url} "
            f"({args.mount}, faults {dict(sched.faults) or 'none'})",
            flush=True,
        )
        stop = asyncio.Event()
        loop.call_later(limit, stop.set)
        counts = await push_schedule(
            sched, u.hostname, u.port or 80, u.path or "/push", speed=args.speed_up, stop=stop
        )
        print(f"stopped: {dict(counts)}", flush=True)
        return
    origin = loop.time()
    pauses = []
    if faults.outage_every > 0 and faults.outage > 0:
        pauses = [
            (k * faults.outage_every, k * faults.outage_every + faults.outage)
            for k in range(1, int(args.length / faults.outage_every) + 1)
        ]
    server = PhyphoxServer(
        source, clock=lambda: (loop.time() - origin) * args.speed_up, pauses=pauses
    )
    task = asyncio.create_task(
        serve(
            server,
            "127.0.0.1",
            args.port,
            lambda port: print(
                f"phyphox remote access on http://127.0.0.1:{port} ({args.mount})", flush=True
            ),
        )
    )
    try:
        await asyncio.wait_for(asyncio.shield(task), limit)
    except TimeoutError:
        pass
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        print(f"stopped: {dict(server.requests)}", flush=True)

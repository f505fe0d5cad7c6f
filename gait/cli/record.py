"""``gait record``: record several sensors at once into a crash-safe capture file."""

from __future__ import annotations

import argparse
import json
import sys

from gait.cli.scan import RADIO_HELP


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``record`` verb."""
    p = subparsers.add_parser(
        "record",
        help="record sensors into a capture file",
        description=(
            "Connect to one or more sensors, start their streams and write every "
            "notification to a capture file as it arrives. Lost links are reconnected "
            "with backoff; what was written stays written. Ctrl-C stops early."
        ),
    )
    p.add_argument(
        "--device",
        action="append",
        required=True,
        metavar="NAME|ADDRESS[=PLACEMENT[:SIDE]]",
        help="a sensor to record, e.g. 'Polar Sense B5A1=foot:left' (repeat for more)",
    )
    p.add_argument("--duration", type=float, required=True, metavar="S", help="seconds to record")
    p.add_argument("--out", required=True, metavar="CAPTURE", help="capture file to write")
    p.add_argument("--radio", metavar="RADIO", help=RADIO_HELP)
    p.add_argument(
        "--scan-timeout",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds to look for the sensors",
    )
    p.add_argument("--json", action="store_true", help="print per-device statistics as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Record; prints per-device statistics. Returns 0."""
    import asyncio

    from devices.errors import DeviceError

    if args.duration <= 0:
        raise DeviceError(f"--duration must be > 0 s, got {args.duration}")
    stats = asyncio.run(_record(args))
    if args.json:
        print(json.dumps(stats, indent=2))
    else:
        print(
            f"{'DEVICE':<24} {'PACKETS':>8} {'SAMPLES':>8} {'RATE Hz':>8} "
            f"{'LOST':>6} {'RECONN':>6}  NOTE"
        )
        for name, s in stats.items():
            note = "vanished" if s["vanished"] else ""
            print(
                f"{name:<24} {s['packets']:>8} {s['samples']:>8} {s['rate_hz']:>8.1f} "
                f"{s['lost_samples']:>6} {s['reconnects']:>6}  {note}"
            )
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


async def _record(args: argparse.Namespace) -> dict[str, dict[str, object]]:
    import asyncio
    import contextlib
    import signal

    from bleak.exc import BleakError

    from devices.ble.backends import bluetooth_unavailable, open_backends, radio_name
    from devices.ble_recorder import Session, parse_device_spec
    from devices.capture import CaptureWriter

    specs = [parse_device_spec(d) for d in args.device]
    backends = await open_backends(radio_name(args.radio))
    writer = CaptureWriter(args.out, meta={"tool": "gait record", "radio": radio_name(args.radio)})
    try:
        session = Session(
            specs,
            writer,
            scanner_backend=backends.scanner,
            client_backend=backends.client,
            backend_kwargs=backends.kwargs,
            scan_timeout=args.scan_timeout,
            on_status=lambda msg: print(msg, file=sys.stderr),
        )
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            # Ctrl-C ends the recording early, cleanly, with statistics
            loop.add_signal_handler(signal.SIGINT, session.stop)
        try:
            result = await session.run(args.duration)
        except (BleakError, OSError) as exc:
            raise bluetooth_unavailable(exc) from exc
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signal.SIGINT)
    finally:
        writer.close()  # keeps everything already written
        await backends.aclose()
    return {name: s.as_dict() for name, s in result.items()}

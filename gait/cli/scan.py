"""``gait scan``: list nearby supported devices with their matched profile and RSSI."""

from __future__ import annotations

import argparse
import json
import sys

RADIO_HELP = (
    "radio: 'ble' (this machine's Bluetooth, default) or 'virtual[:HOST:PORT]' "
    "(devices run by 'gait simulate'); default from GAIT_RADIO"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``scan`` verb."""
    p = subparsers.add_parser(
        "scan",
        help="list nearby supported sensors with their profile and RSSI",
        description="Scan for BLE sensors and show which firmware profile each one matches.",
    )
    p.add_argument("--radio", metavar="RADIO", help=RADIO_HELP)
    p.add_argument(
        "--timeout", type=float, default=5.0, metavar="S", help="seconds to scan (default 5)"
    )
    p.add_argument("--all", action="store_true", help="also list devices no profile supports")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Scan and print the table; returns 0 (1 when nothing supported was found)."""
    import asyncio

    rows = asyncio.run(_scan(args))
    if args.json:
        print(json.dumps(rows, indent=2))
    elif not rows:
        print("no supported device found", file=sys.stderr)
    else:
        print(f"{'NAME':<24} {'ADDRESS':<18} {'RSSI':>5}  PROFILE")
        for r in rows:
            print(f"{r['name']:<24} {r['address']:<18} {r['rssi']:>5}  {r['profile'] or '-'}")
    return 0 if any(r["profile"] for r in rows) else 1


async def _scan(args: argparse.Namespace) -> list[dict[str, object]]:
    from bleak.exc import BleakError

    from devices.ble.backends import bluetooth_unavailable, open_backends, radio_name
    from devices.ble_recorder import scan
    from devices.errors import DeviceError
    from devices.profiles import match_profile

    if args.timeout <= 0:
        raise DeviceError(f"--timeout must be > 0 s, got {args.timeout}")
    backends = await open_backends(radio_name(args.radio))
    try:
        seen = await scan(args.timeout, backend=backends.scanner, **backends.kwargs)
    except (BleakError, OSError) as exc:
        raise bluetooth_unavailable(exc) from exc
    finally:
        await backends.aclose()
    rows = []
    for dev, adv in seen.values():
        prof = match_profile(adv.local_name or dev.name, adv.service_uuids)
        if prof is None and not args.all:
            continue
        rows.append(
            {
                "name": adv.local_name or dev.name or "",
                "address": dev.address,
                "rssi": adv.rssi,
                "profile": prof.id if prof else None,
            }
        )
    rows.sort(key=lambda r: -int(r["rssi"]))  # type: ignore[call-overload]
    return rows

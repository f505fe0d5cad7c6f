"""``gait profiles [--json]``: the firmware profiles this installation can record from."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``profiles`` verb."""
    p = subparsers.add_parser(
        "profiles",
        help="list supported sensors (firmware profiles)",
        description=(
            "List the firmware profiles shipped with gait: id, name, decoder, nominal placement, "
            "rate and what each streams. Add a device of a known kind by dropping a TOML file "
            "into the firmware_profiles package."
        ),
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--check", metavar="TOML", help="validate a profile file and print it")
    p.set_defaults(func=run)


def _row(prof: Any) -> dict[str, Any]:
    return {
        "id": prof.id,
        "name": prof.name,
        "decoder": prof.decoder,
        "placement": prof.placement,
        "streams": list(prof.streams),
        "rate_hz": prof.rate,
        "acc_range_m_s2": None if prof.acc_range is None else round(prof.acc_range, 2),
        "gyr_range_rad_s": None if prof.gyr_range is None else round(prof.gyr_range, 3),
        "mtu_min": prof.mtu_min,
        "service": prof.service,
        "description": prof.description,
    }


def run(args: argparse.Namespace) -> int:
    """List profiles (or validate one file); returns the exit status."""
    from devices.profiles import load_profile, load_profiles

    profiles = [load_profile(args.check)] if args.check else load_profiles()
    rows = [_row(p) for p in profiles]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(show_header=True, header_style="bold")
    for col in ("id", "name", "decoder", "placement", "streams", "rate Hz"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["id"],
            r["name"],
            r["decoder"],
            str(r["placement"] or "-"),
            "+".join(r["streams"]),
            f"{r['rate_hz']:g}",
        )
    Console().print(table)
    return 0

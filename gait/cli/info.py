"""``gait info FILE...``: streams, rates, duration, gaps, saturation and reference of files."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from gait.cli.options import add_reader_options


def register(subparsers: Any) -> None:
    """Add the ``info`` verb."""
    p = subparsers.add_parser(
        "info",
        help="describe recordings: streams, rates, gaps, saturation, reference",
        description=(
            "Describe each file: streams (placement, side, mount, gyro), nominal and measured "
            "rates, duration, gaps (intervals > 1.5x the nominal period: count and longest), "
            "saturated samples (at 99%% of the known range, else a repeated max |value|), "
            "low-rate channels and the reference it carries. A Mobilise-D test is picked with "
            "'data.mat::Test11'."
        ),
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="recording files (or export folders)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    add_reader_options(p)
    p.set_defaults(func=run)


def _fmt(x: float | None, nd: int = 2) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def _print_tables(info: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    head = f"[bold]{info['file']}[/bold]  source={info['source']}  activity={info['activity']}  duration={info['duration_s']:.1f} s"
    if info["start_time"]:
        head += f"  start={info['start_time']}"
    console.print(head)
    # One column per stream, one row per fact: fits a terminal even with many facts.
    t = Table(show_header=True, header_style="bold")
    t.add_column("stream")
    streams = info["streams"]
    for st in streams:
        t.add_column(st["name"])
    rows: list[tuple[str, str]] = [
        ("placement", "placement"), ("side", "side"), ("mount", "mount"), ("gyro", "has_gyr"),
        ("samples", "samples"), ("rate Hz", "rate_nominal_hz"), ("measured Hz", "rate_measured_hz"),
        ("duration s", "duration_s"), ("gaps", "gaps"), ("longest gap s", "longest_gap_s"),
        ("saturated acc", "acc_saturated"), ("saturated gyr", "gyr_saturated"),
    ]
    for label, key in rows:
        cells = []
        for st in streams:
            v = st[key]
            if isinstance(v, bool):
                cells.append("yes" if v else "no")
            elif isinstance(v, float):
                cells.append(_fmt(v, 3 if key == "longest_gap_s" else 2))
            else:
                cells.append("-" if v is None else str(v))
        t.add_row(label, *cells)
    console.print(t)
    for c in info["channels"]:
        console.print(f"  channel {c['name']}: {c['samples']} samples, {', '.join(c['series'])}, {c['rate_measured_hz']:.2f} Hz")
    ref = info["reference"]
    if ref is None:
        console.print("  reference: none")
    else:
        sides = ", ".join(f"{k} {v}" for k, v in ref["events_by_side"].items())
        tables = ", ".join(f"{k} ({v} rows)" for k, v in ref["tables"].items()) or "none"
        console.print(
            f"  reference: {ref['kind']}, {ref['events']} steps ({sides}), {ref['with_tc']} with t_tc; "
            f"tables: {tables}; {ref['source']}"
        )


def run(args: argparse.Namespace) -> int:
    """Describe every file; a file that cannot be read is reported and makes the exit status 2."""
    from gait.cli.options import read_options
    from gait.errors import GaitError
    from gait.io import read
    from gait.io.describe import describe

    opts = read_options(args)
    infos = []
    rc = 0
    for f in args.files:
        try:
            rec = read(f, opts)
        except GaitError as exc:
            print(f"gait info: error: {exc}", file=sys.stderr)
            rc = 2
            continue
        info = describe(rec, str(f))
        infos.append(info)
        if not args.json:
            _print_tables(info)
    if args.json:
        print(json.dumps(infos, indent=2, default=str))
    return rc

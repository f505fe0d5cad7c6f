"""``gait info FILE...``: streams, rates, duration, gaps, saturation and reference of files."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from gait.cli.options import add_reader_options
from gait.util.safe_text import error_line, markup_safe


def register(subparsers: Any) -> None:
    """Add the ``info`` verb."""
    p = subparsers.add_parser(
        "info",
        help="describe recordings: streams, rates, gaps, saturation, reference",
        description=(
            "Describe each file: streams (placement, side, mount, gyro), nominal and measured "
            "rates, duration, gaps (intervals > 1.5x the nominal period: count and longest), "
            "saturated samples (at 99% of the known range, else a repeated max |value|), "
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

    # Everything printed from the file goes through markup_safe: a '[/oops]' athlete name
    # or an escape sequence in a device name must print as text, not act on the terminal.
    q = markup_safe
    console = Console(highlight=False)
    head = (
        f"[bold]{q(info['file'])}[/bold]  source={q(info['source'])}  "
        f"activity={q(info['activity'])}  duration={info['duration_s']:.1f} s"
    )
    if info["start_time"]:
        head += f"  start={q(info['start_time'])}"
    console.print(head)
    if info.get("athlete"):
        console.print(f"  athlete: {q(info['athlete'])}")
    if info.get("notes"):
        console.print(f"  notes: {q(info['notes'], 300)}")
    # One column per stream, one row per fact: fits a terminal even with many facts.
    t = Table(show_header=True, header_style="bold")
    t.add_column("stream")
    streams = info["streams"]
    for st in streams:
        t.add_column(q(st["name"]))
    rows: list[tuple[str, str]] = [
        ("placement", "placement"),
        ("side", "side"),
        ("mount", "mount"),
        ("gyro", "has_gyr"),
        ("samples", "samples"),
        ("rate Hz", "rate_nominal_hz"),
        ("measured Hz", "rate_measured_hz"),
        ("duration s", "duration_s"),
        ("gaps", "gaps"),
        ("longest gap s", "longest_gap_s"),
        ("saturated acc", "acc_saturated"),
        ("saturated gyr", "gyr_saturated"),
        ("dropped (time glitch)", "dropped_samples"),
        ("device", "device_name"),
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
                cells.append("-" if v is None else q(v))
        t.add_row(label, *cells)
    console.print(t)
    for c in info["channels"]:
        series = ", ".join(map(str, c["series"]))
        console.print(
            f"  channel {q(c['name'])}: {c['samples']} samples, {q(series, 300)}, "
            f"{c['rate_measured_hz']:.2f} Hz"
        )
    for note in info.get("warnings", []):
        console.print(f"  warning: {q(note, 300)}")
    ref = info["reference"]
    if ref is None:
        console.print("  reference: none")
    else:
        sides = ", ".join(f"{k} {v}" for k, v in ref["events_by_side"].items())
        tables = ", ".join(f"{k} ({v} rows)" for k, v in ref["tables"].items()) or "none"
        console.print(
            f"  reference: {q(ref['kind'])}, {ref['events']} steps ({q(sides, 200)}), "
            f"{ref['with_tc']} with t_tc; "
            f"tables: {q(tables, 300)}; {q(ref['source'], 300)}"
        )


def run(args: argparse.Namespace) -> int:
    """Describe every file; a file that cannot be read is reported and makes the exit status 2."""
    from devices.errors import DeviceLayerError
    from gait.cli.options import read_options
    from gait.contract.errors import GaitError
    from gait.io import read
    from gait.io.describe import describe

    opts = read_options(args)
    infos = []
    rc = 0
    for f in args.files:
        try:
            rec = read(f, opts)
        except (GaitError, DeviceLayerError) as exc:
            print(f"gait info: error: {error_line(exc)}", file=sys.stderr)
            rc = 2
            continue
        info = describe(rec, str(f))
        infos.append(info)
        if not args.json:
            _print_tables(info)
    if args.json:
        print(json.dumps(infos, indent=2, default=str))
    return rc

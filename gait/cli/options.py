"""Options shared by every verb that reads files."""

from __future__ import annotations

import argparse

from gait.io import READERS, ReadOptions
from gait.recording import PHONE_MOUNTS, PLACEMENTS, SIDES, Recording


def add_reader_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--format --time-unit --acc-unit --gyr-unit --rate --placement --side --mount``."""
    g = parser.add_argument_group("reading files")
    g.add_argument("--format", choices=[n for n, _ in READERS], help="force a reader instead of sniffing")
    g.add_argument("--time-unit", choices=["s", "ms", "us", "ns"], help="unit of a 'timestamp' column")
    g.add_argument("--acc-unit", choices=["g", "m/s2"], help="accelerometer unit of a generic CSV (default m/s2)")
    g.add_argument("--gyr-unit", choices=["deg/s", "rad/s"], help="gyroscope unit of a generic CSV (default rad/s)")
    g.add_argument("--rate", type=float, metavar="HZ", help="sampling rate when the file has no time column")
    g.add_argument("--placement", choices=PLACEMENTS, help="where the sensor was worn")
    g.add_argument("--side", choices=SIDES, help="body side of a foot or shank sensor")
    g.add_argument("--mount", choices=PHONE_MOUNTS, help="how a phone was carried")


def read_options(args: argparse.Namespace) -> ReadOptions:
    """The :class:`ReadOptions` given on the command line."""
    return ReadOptions(
        format=args.format,
        time_unit=args.time_unit,
        acc_unit=args.acc_unit,
        gyr_unit=args.gyr_unit,
        rate=args.rate,
        placement=args.placement,
        side=args.side,
        mount=args.mount,
    )


def read_files(args: argparse.Namespace, attr: str = "files") -> list[tuple[str, Recording]]:
    """Read every file named in ``args.<attr>``; errors propagate as typed GaitErrors."""
    from gait.io import read

    opts = read_options(args)
    return [(str(f), read(f, opts)) for f in getattr(args, attr)]

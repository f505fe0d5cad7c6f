"""Options shared by every verb that reads files."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from gait.io import READERS, ReadOptions
from gait.vocabulary import PHONE_MOUNTS, PLACEMENTS, SIDES

if TYPE_CHECKING:
    from gait.sessions import SessionOutcome


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


def add_history_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--no-save --db --athlete`` (sessions are saved to the history by default)."""
    g = parser.add_argument_group("history")
    g.add_argument("--no-save", action="store_true", help="do not record the session in the history")
    g.add_argument("--db", metavar="PATH", help="history database (default: user data dir or $GAIT_DB)")
    g.add_argument("--athlete", metavar="NAME", help="athlete name to file the session under")


def save_to_history(args: argparse.Namespace, outcome: SessionOutcome, source: str) -> int | None:
    """Record ``outcome`` in the history unless ``--no-save``; returns the session id.

    The content hash of ``source`` (when it is a file) lets a re-analysis replace the earlier
    entry instead of duplicating it.
    """
    if getattr(args, "no_save", False):
        return None
    import sys
    from pathlib import Path

    from gait.batch import content_hash
    from gait.sessions import save_outcome

    src = Path(source)
    digest = content_hash([src], read_options(args)) if src.is_file() else None
    if getattr(args, "athlete", None):
        outcome.recording.meta.athlete = args.athlete
    report = save_outcome(outcome, getattr(args, "db", None), source=str(source), content_hash=digest)
    if report.message:
        print(report.message, file=sys.stderr)
    return report.session_id

"""Options shared by every verb that reads files."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING

from gait.contract.vocabulary import PHONE_MOUNTS, PLACEMENTS, SIDES
from gait.io import READERS, ReadOptions

if TYPE_CHECKING:
    from gait.apps.outcome import SessionOutcome
    from gait.contract.recording import Recording
    from gait.feedback.drills import CoachSettings, Drill


def add_reader_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--format --time-unit --acc-unit --gyr-unit --rate --placement --side --mount``."""
    g = parser.add_argument_group("reading files")
    g.add_argument(
        "--format", choices=[n for n, _ in READERS], help="force a reader instead of sniffing"
    )
    g.add_argument(
        "--time-unit", choices=["s", "ms", "us", "ns"], help="unit of a 'timestamp' column"
    )
    g.add_argument(
        "--acc-unit",
        choices=["g", "m/s2"],
        help="accelerometer unit of a generic CSV (default m/s2)",
    )
    g.add_argument(
        "--gyr-unit",
        choices=["deg/s", "rad/s"],
        help="gyroscope unit of a generic CSV (default rad/s)",
    )
    g.add_argument(
        "--rate", type=float, metavar="HZ", help="sampling rate when the file has no time column"
    )
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


def input_check_lines(name: str, summary: Mapping[str, object]) -> list[str]:
    """The stderr lines for one analysed file: inferred units (info), then findings (warnings).

    Parameters
    ----------
    name : str
        File name that starts each line.
    summary : mapping
        The gait summary (``units_inferred``: stream → ``'acc_unit=g,...'``;
        ``input_checks``: :meth:`gait.analysis.quality.plausibility.Check.as_dict` records).

    Returns
    -------
    list of str
        E.g. ``'run.csv: info: foot: acc_unit=g inferred from gravity (give --acc-unit to
        set it)'`` and ``'run.csv: warning: ...'``.
    """
    lines = []
    units = summary.get("units_inferred") or {}
    for stream, what in units.items() if isinstance(units, Mapping) else ():
        opts = " ".join(
            f"--{str(w).split('=', 1)[0].replace('_', '-')}" for w in str(what).split(",")
        )
        lines.append(
            f"{name}: info: {stream}: {str(what).replace(',', ', ')} inferred from the signal "
            f"(give {opts} to set it)"
        )
    checks = summary.get("input_checks") or []
    for c in checks if isinstance(checks, list) else []:
        lines.append(f"{name}: warning: {c['message']}")
    return lines


def units_inferred(rec: Recording) -> dict[str, str]:
    """Stream → units the reader inferred from the signal (``'acc_unit=g'`` ...).

    For a session without a gait summary (a balance session).
    """
    return {
        st.name: str(st.device["units_inferred"])
        for st in rec.streams
        if st.device.get("units_inferred")
    }


def warn_input_checks(name: str, summary: Mapping[str, object]) -> None:
    """Print :func:`input_check_lines` on stderr.

    The same findings are in ``summary['flags']`` (and in ``--summary-json``); this makes
    them visible where the numbers are read.
    """
    import sys

    for line in input_check_lines(name, summary):
        print(line, file=sys.stderr)


def add_history_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--no-save --db --athlete`` (sessions are saved to the history by default)."""
    g = parser.add_argument_group("history")
    g.add_argument(
        "--no-save", action="store_true", help="do not record the session in the history"
    )
    g.add_argument(
        "--db", metavar="PATH", help="history database (default: user data dir or $GAIT_DB)"
    )
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

    from gait.apps.batch.run import content_hash
    from gait.apps.outcome import save_outcome

    src = Path(source)
    digest = content_hash([src], read_options(args)) if src.is_file() else None
    if getattr(args, "athlete", None):
        outcome.recording.meta.athlete = args.athlete
    report = save_outcome(
        outcome, getattr(args, "db", None), source=str(source), content_hash=digest
    )
    if report.message:
        print(report.message, file=sys.stderr)
    return report.session_id


def _band(text: str) -> tuple[float, float]:
    """Parse ``LO-HI`` (e.g. ``170-176`` steps/min or ``2.5-3.1`` m/s)."""
    try:
        lo, hi = (float(x) for x in text.replace("–", "-").split("-", 1))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected LO-HI such as 170-176, got {text!r}") from exc
    if not 0 < lo <= hi:
        raise argparse.ArgumentTypeError(f"need 0 < LO <= HI, got {text!r}")
    return lo, hi


def add_drill_options(parser: argparse.ArgumentParser, *, default_drills: str) -> None:
    """Add ``--drills --drill --cadence-target --baseline-cadence --pace-band --baseline-s``.

    Parameters
    ----------
    parser : ArgumentParser
        The verb's parser.
    default_drills : str
        Help wording of the drills run when none are named.
    """
    g = parser.add_argument_group("drills (command line wins over the drills file's [coach] table)")
    g.add_argument(
        "--drills",
        metavar="DRILLS.toml",
        help="drill definitions and [coach] settings (default: the shipped drills)",
    )
    g.add_argument(
        "--drill",
        action="append",
        metavar="NAME",
        help=f"drill to run (repeatable; default: {default_drills}): cadence, overstride, "
        "symmetry, easy_pace or one from --drills",
    )
    g.add_argument(
        "--cadence-target",
        type=_band,
        metavar="LO-HI",
        help="fixed cadence band in steps/min (default: +5-10%% over the baseline cadence)",
    )
    g.add_argument(
        "--baseline-cadence",
        type=float,
        metavar="SPM",
        help="your usual cadence at this speed (default: learned over the first --baseline-s)",
    )
    g.add_argument(
        "--pace-band",
        type=_band,
        metavar="LO-HI",
        help="easy-pace band in m/s, e.g. 2.5-3.1; without it pace is not judged",
    )
    g.add_argument(
        "--baseline-s",
        type=float,
        metavar="S",
        help="seconds at the start used to learn baselines not given (default 60)",
    )


def coach_from_args(args: argparse.Namespace) -> tuple[CoachSettings, dict[str, Drill]]:
    """The coach settings (file's ``[coach]`` table, then the command line) and drills.

    Returns
    -------
    settings : CoachSettings
        Merged settings; ``drills`` is None when neither names any.
    drills : dict of str to Drill
        Every drill defined in ``--drills`` (or the shipped file).
    """
    from gait.contract.errors import GaitError
    from gait.feedback.drills import CoachSettings, load_coach

    if args.baseline_cadence is not None and not args.baseline_cadence > 0:
        raise GaitError("--baseline-cadence must be > 0 steps/min")
    if args.baseline_s is not None and not args.baseline_s > 0:
        raise GaitError("--baseline-s must be > 0 s")
    drills, from_file = load_coach(args.drills)
    cli = CoachSettings(
        drills=tuple(args.drill) if args.drill else None,
        cadence_target=args.cadence_target,
        baseline_cadence=args.baseline_cadence,
        pace_band=args.pace_band,
        baseline_s=args.baseline_s,
    )
    return from_file.merged(cli), drills


class DeprecatedAlias(argparse.Action):
    """A hidden old spelling of an option: stores like the new one and says it is deprecated.

    Parameters
    ----------
    new : str
        The option to use instead (e.g. ``--speed-up``).
    """

    def __init__(self, option_strings: list[str], dest: str, *, new: str, **kwargs: object) -> None:
        self.new = new
        super().__init__(option_strings, dest, **kwargs)  # type: ignore[arg-type]

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        """Store ``values`` under the new option's name and warn on stderr."""
        import sys

        print(f"{parser.prog}: {option_string} is deprecated, use {self.new}", file=sys.stderr)
        setattr(namespace, self.dest, values)

"""The ``gait`` command: one verb per job.

Each verb lives in ``gait/cli/<verb>.py`` with ``register(subparsers)``; keep module
top-level imports light (import numpy-heavy code inside the handler) so ``gait --help``
stays fast.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from importlib import import_module

#: Verb modules in the order ``--help`` lists them.
VERBS: tuple[str, ...] = (
    "demo",
    "analyze",
    "balance",
    "report",
    "batch",
    "history",
    "info",
    "synth",
    "scan",
    "record",
    "live",
    "simulate",
    "profiles",
)


def build_parser(verbs: Sequence[str] = VERBS) -> argparse.ArgumentParser:
    """The top-level parser with every verb (or only ``verbs``)."""
    parser = argparse.ArgumentParser(
        prog="gait",
        description=(
            "Gait and balance analyzer for runners: capture from BLE sensors, detect steps, "
            "measure cadence, contact time, overstriding, asymmetry and single-leg balance, "
            "and turn them into drill feedback and reports."
        ),
        epilog="Run 'gait VERB --help' for the options of one verb.",
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for verb in verbs:
        import_module(f"gait.cli.{verb}").register(sub)
    return parser


#: ``np.float64(1.5)``, ``np.int64(3)``, ``np.True_`` ...: numpy 2 reprs that leak into messages
#: through containers or ``!r``.
_NUMPY_REPR = re.compile(
    r"\bnp\.(?:float|int|uint|bool|complex|str)_?\d*\(([^()]*)\)|\bnp\.(True|False)_"
)


def plain_numbers(text: str) -> str:
    """``text`` with numpy scalar reprs shown as plain numbers (``np.float64(1.0)`` → ``1.0``).

    Parameters
    ----------
    text : str
        A message for the user.

    Returns
    -------
    str
    """
    return _NUMPY_REPR.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gait`` console script; returns the process exit status."""
    from devices.errors import DeviceLayerError
    from gait.contract.errors import GaitError

    args_list = list(sys.argv[1:] if argv is None else argv)
    # A known verb first: import only that verb's module (the others cost ~70 ms of imports).
    parser = build_parser((args_list[0],) if args_list and args_list[0] in VERBS else VERBS)
    args = parser.parse_args(args_list)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        rc = args.func(args)
    except (GaitError, DeviceLayerError) as exc:
        from gait.util.safe_text import error_line

        print(f"gait {args.verb}: error: {plain_numbers(error_line(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"gait {args.verb}: interrupted", file=sys.stderr)
        return 130
    return int(rc or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

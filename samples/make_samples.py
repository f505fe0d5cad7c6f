"""Regenerate every sample recording in this folder, deterministically.

Run from the project root: ``python samples/make_samples.py``. Each sample is made by the
``gait synth`` command printed next to it (the same command is in samples/README.md),
so the files can also be recreated one by one from the shell.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: (file stem, gait synth arguments). Keep these in step with README.md.
SAMPLES: list[tuple[str, str]] = [
    ("treadmill_run",
     "--activity run --placements foot-left,foot-right,sacrum --duration 60 --rate 200 "
     "--seed 1 --speed 3.2 --cadence 164 --gct-asym 6 --strike-angle 12 --belt-dip 0.1"),
    ("phone_belt_run",
     "--activity run --placements phone-belt --duration 60 --rate 100 --seed 2 "
     "--speed 3.0 --cadence 170"),
    ("walk",
     "--activity walk --placements foot-left,foot-right,sacrum --duration 60 --rate 100 "
     "--seed 3 --overground"),
    ("balance",
     "--activity balance --placements sacrum --duration 30 --rate 50 --seed 4"),
]


def main() -> int:
    """Write every sample and its truth CSV; return the exit status."""
    from gait.cli import main as gait_main

    for stem, args in SAMPLES:
        argv = ["synth", *shlex.split(args), "--out", str(HERE / f"{stem}.gaitrec")]
        print("gait " + " ".join(shlex.quote(a) for a in argv[:-2]) + f" --out samples/{stem}.gaitrec")
        rc = gait_main(argv)
        if rc:
            return rc
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    sys.exit(main())

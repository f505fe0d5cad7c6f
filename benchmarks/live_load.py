"""``gait demo`` alone and beside busy processes: wall time, and whether the results stay true.

The simulated clock waits for the engine, so load must make the demo slower, never
wrong: same steps, no gap, cadence before/after the change within 2 spm of the truth.
Runs ``gait demo --terminal`` in a fresh process for each case and prints a table.

    python benchmarks/live_load.py [--speed-up 10] [--busy 0 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from load_helpers import busy_processes

from gait.apps.live.demo import CADENCE
from gait.io import ReadOptions, read


def run_case(busy: int, speed_up: float) -> dict[str, float]:
    """Run the demo beside ``busy`` busy processes; return its numbers."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        cmd = [
            sys.executable,
            "-m",
            "gait",
            "demo",
            "--terminal",
            "--speed-up",
            str(speed_up),
            "--out",
            str(out),
        ]
        t0 = time.monotonic()
        with busy_processes(busy):
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.monotonic() - t0
        if proc.returncode != 0:
            raise SystemExit(f"gait demo failed:\n{proc.stderr[-2000:]}")
        steps = pd.read_csv(out / "steps.csv")
        live = pd.read_csv(out / "live_steps.csv")
        holes = max(
            float(np.diff(s.t).max()) for s in read(out / "session.gaitcap", ReadOptions()).streams
        )
        row = {
            "busy": busy,
            "wall_s": wall,
            "live_steps": len(live),
            "report_steps": len(steps),
            "largest_hole_s": holes,
        }
        for label, part in (
            ("before", steps[steps["t_ic"] < 55]),
            ("after", steps[steps["t_ic"] > 65]),
        ):
            row[f"cadence_{label}"] = 120.0 / float(part["stride_time"].median())
            row[f"live_{label}"] = float(
                live.loc[
                    (live["t_ic"] < 55) if label == "before" else (live["t_ic"] > 65), "cadence"
                ].median()
            )
        return row


def main() -> None:
    """Print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speed-up", type=float, default=10.0)
    ap.add_argument("--busy", type=int, nargs="+", default=[0, 2])
    args = ap.parse_args()
    print(
        f"gait demo --speed-up {args.speed_up:g} (120 s simulated); truth {CADENCE[0]:g} → "
        f"{CADENCE[1]:g} spm"
    )
    print(
        "| busy processes | wall s | live steps | report steps | largest hole s | report cadence "
        "before / after (strides) | live cadence before / after (steps) |"
    )
    print("|---|---|---|---|---|---|---|")
    for busy in args.busy:
        r = run_case(busy, args.speed_up)
        print(
            f"| {busy} | {r['wall_s']:.1f} | {r['live_steps']} | {r['report_steps']} | "
            f"{r['largest_hole_s']:.3f} | {r['cadence_before']:.1f} / {r['cadence_after']:.1f} | "
            f"{r['live_before']:.1f} / {r['live_after']:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

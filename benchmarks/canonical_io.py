"""Write and read speed of the canonical .gaitrec format.

Generates a synthetic run with two feet + sacrum at 200 Hz (acc + gyro), writes it and
reads it back, each in a fresh process so peak RSS is per operation.

Usage: python benchmarks/canonical_io.py [--hours 1 4]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time
from benchmarks._peak_memory import peak_rss_mb
from pathlib import Path
mode, path, hours = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
if mode == "write":
    from gait.synth import synthesize
    from gait.io import write_recording
    rec = synthesize("run", placements=("foot-left", "foot-right", "sacrum"), duration=hours * 3600,
                     rate=200, seed=1)
    t = time.perf_counter(); write_recording(rec, path); dt = time.perf_counter() - t
    n = sum(s.n for s in rec.streams)
else:
    from gait.io import read_recording
    t = time.perf_counter(); rec = read_recording(path); dt = time.perf_counter() - t
    n = sum(s.n for s in rec.streams)
print(json.dumps({"s": dt, "samples": n,
                  "rss_mb": peak_rss_mb()}))
"""


def run(mode: str, path: Path, hours: float) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(path), str(hours)],
        cwd=Path(__file__).resolve().parents[1],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hours", type=float, nargs="+", default=[1.0])
    args = ap.parse_args()
    print(
        f"{'hours':>6}{'samples':>12}{'file MB':>9}{'write s':>9}{'read s':>8}"
        f"{'read Msamp/s':>14}{'read peak RSS MB':>18}"
    )
    with tempfile.TemporaryDirectory() as d:
        for h in args.hours:
            path = Path(d) / f"run{h:g}h.gaitrec"
            w = run("write", path, h)
            r = run("read", path, h)
            mb = path.stat().st_size / 1e6
            print(
                f"{h:>6g}{int(r['samples']):>12}{mb:>9.1f}{w['s']:>9.2f}{r['s']:>8.2f}"
                f"{r['samples'] / r['s'] / 1e6:>14.1f}{r['rss_mb']:>18.0f}"
            )


if __name__ == "__main__":
    main()

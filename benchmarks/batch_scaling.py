"""Batch scaling: files per second and speed-up, in process, local workers and dask.

The rows are in process, 1 and 2 supervised local workers, and a dask cluster; the speed-up
is relative to the first row.

Generates N synthetic 10-minute runs (two feet + sacrum, 200 Hz) once into a cache
folder, then times ``gait.apps.batch.run.run_batch`` on them with fresh output folders.

Usage: python benchmarks/batch_scaling.py [--n 200] [--minutes 10]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from gait.apps.batch.dask_cluster import DaskExecutor
from gait.apps.batch.run import run_batch
from gait.io import write_recording
from gait.synth import synthesize


def make_inputs(folder: Path, n: int, minutes: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        path = folder / f"run{i:03d}.gaitrec"
        if not path.exists():
            rec = synthesize(
                "run",
                placements=("foot-left", "foot-right", "sacrum"),
                duration=minutes * 60,
                rate=200,
                seed=i,
            )
            write_recording(rec, path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "gait-batch-bench")
    args = ap.parse_args()
    inputs = args.cache / f"n{args.n}-m{args.minutes:g}"
    t0 = time.perf_counter()
    make_inputs(inputs, args.n, args.minutes)
    print(
        f"inputs: {args.n} × {args.minutes:g} min runs in {inputs} "
        f"({time.perf_counter() - t0:.0f} s)"
    )
    rows = []
    base = None
    for label, kw in (
        ("in process", {"workers": 0}),
        ("1 worker", {"workers": 1}),
        ("2 workers", {"workers": 2}),
        ("dask local (2 workers)", {"executor": DaskExecutor("local")}),
    ):
        out = Path(tempfile.mkdtemp(prefix="gait-batch-out-"))
        t = time.perf_counter()
        summary, errors = run_batch([inputs], out, **kw)  # type: ignore[arg-type]
        dt = time.perf_counter() - t
        shutil.rmtree(out)
        base = base or dt
        rows.append((label, len(summary), len(errors), dt, len(summary) / dt, base / dt))
    print(f"\n{'mode':<24}{'files':>7}{'failed':>8}{'wall s':>9}{'files/s':>9}{'speed-up':>10}")
    for label, ok, bad, dt, fps, su in rows:
        print(f"{label:<24}{ok:>7}{bad:>8}{dt:>9.1f}{fps:>9.2f}{su:>10.2f}")


if __name__ == "__main__":
    main()

"""Reader speed: a 1-hour 200 Hz generic CSV (6 axes) and every real file; prints a table.

Run: ``python benchmarks/bench_readers.py``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from gait.io import read

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


def _time(path: str | Path, repeat: int = 3) -> tuple[float, int]:
    best = float("inf")
    n = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        rec = read(path)
        best = min(best, time.perf_counter() - t0)
        n = sum(s.n for s in rec.streams)
    return best, n


def main() -> None:
    rows: list[tuple[str, float, int, float]] = []
    with tempfile.TemporaryDirectory() as d:
        rate, seconds = 200.0, 3600
        n = int(rate * seconds)
        rng = np.random.default_rng(0)
        data = np.column_stack(
            [np.arange(n) / rate, rng.normal(0, 3, (n, 6)) + np.array([0, 0, 9.81, 0, 0, 0])]
        )
        p = Path(d) / "hour.csv"
        np.savetxt(
            p,
            data,
            delimiter=",",
            header="t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z",
            comments="",
            fmt="%.6f",
        )
        size = p.stat().st_size / 1e6
        sec, samples = _time(p, repeat=2)
        rows.append((f"generic CSV 1 h 200 Hz ({size:.0f} MB)", sec, samples, samples / sec))
    for name, path in [
        ("gaitmap imu_sample.csv", REAL / "gaitmap_feet_walk" / "imu_sample.csv"),
        ("ipol trial 2-3 (3 files + json)", REAL / "ipol_feet_lowerback_walk" / "2-3.json"),
        (
            "mobgap data.mat::Test11",
            f"{REAL / 'mobgap_lowerback_walk' / 'lab' / 'HA' / '001' / 'data.mat'}::Test11",
        ),
        ("oxford bag", REAL / "oxford_phone_walk" / "user1_bag_1506423095164.csv"),
    ]:
        sec, samples = _time(path)
        rows.append((name, sec, samples, samples / sec))
    print(f"{'file':44s} {'read s':>8s} {'samples':>9s} {'samples/s':>11s}")
    for name, sec, samples, sps in rows:
        print(f"{name:44s} {sec:8.3f} {samples:9d} {sps:11.3g}")


if __name__ == "__main__":
    main()

"""Capture write / read / replay throughput for a 3-device session; prints a table.

Usage: ``python benchmarks/capture_replay.py [--minutes M]`` (default 10 simulated minutes of
two gait-imu feet at 200 Hz and a Polar Verity Sense at 52 Hz).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devices.capture import CaptureWriter, read_capture
from devices.decoders import make_encoder
from devices.profiles import get_profile
from devices.replay import replay


def main() -> int:
    """Run the benchmark and print one row per stage."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=10.0)
    args = ap.parse_args()
    dur = args.minutes * 60.0
    rng = np.random.default_rng(0)
    packets = []
    for k, pid in enumerate(("gait-imu", "gait-imu", "polar-verity")):
        p = get_profile(pid)
        t = np.arange(int(dur * p.rate)) / p.rate
        acc = rng.normal(0, 5, (t.size, 3))
        gyr = rng.normal(0, 2, (t.size, 3))
        for x in make_encoder(p, device_clock=6e8).encode(t, acc, gyr):
            packets.append((x.t + 0.005 + rng.exponential(0.005), k, p.uuid(x.char), x.data))
    packets.sort(key=lambda r: r[0])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.gaitcap"
        t0 = time.perf_counter()
        with CaptureWriter(path, fsync_interval=1.0) as w:
            for i, (pid, side) in enumerate(
                (("gait-imu", "left"), ("gait-imu", "right"), ("polar-verity", None))
            ):
                w.add_device(f"AA:{i}", pid, pid, "foot" if side else "sacrum", side)
            base = w.now_ns()
            for ta, k, uuid, data in packets:
                w.write(k, uuid, data, base + int(ta * 1e9))
        t_write = time.perf_counter() - t0
        size = path.stat().st_size
        t0 = time.perf_counter()
        cap = read_capture(path)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = replay(cap)
        t_replay = time.perf_counter() - t0
    n_rec = len(packets)
    n_samp = sum(d.t.size for d in out)
    rows.append(("write (flush per record)", t_write, f"{n_rec / t_write:,.0f} records/s"))
    rows.append(("read_capture", t_read, f"{n_rec / t_read:,.0f} records/s"))
    rows.append(("replay (decode + times)", t_replay, f"{n_samp / t_replay:,.0f} samples/s"))
    print(
        f"session: {args.minutes:g} min, {n_rec:,} notifications, {n_samp:,} samples, file "
        f"{size / 1e6:.1f} MB"
    )
    print(f"{'stage':<26} {'seconds':>8}  throughput")
    for name, sec, thr in rows:
        print(f"{name:<26} {sec:>8.2f}  {thr}")
    print(f"real-time factor of replay: {dur / t_replay:,.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

r"""Streaming engine memory over a long simulated session (issue 6 item 1).

One synthetic minute (left foot, right foot, sacrum) is cut into 1-s blocks and fed
repeatedly with shifted times, so the benchmark itself stays flat. Prints, at
checkpoints, the process RSS, the peak traced allocations since the previous
checkpoint (``--trace``: slower), the engine's own footprint (rings, contacts, step
tail) and the steps emitted.

    PYTHONPATH=. .venv/bin/python benchmarks/stream_memory.py [--minutes 120] [--rate 200] \
        [--hop 0.5]
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

import psutil

from gait.analysis.stream import StreamEngine, specs_from_recording
from gait.synth import synthesize


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=int, default=120, help="simulated session length, min")
    ap.add_argument("--rate", type=float, default=200.0, help="sampling rate of every sensor, Hz")
    ap.add_argument("--hop", type=float, default=0.5, help="engine hop, s")
    ap.add_argument(
        "--trace", action="store_true", help="also trace Python allocations (about 3x slower)"
    )
    args = ap.parse_args()

    rec = synthesize(
        activity="run",
        placements=("foot-left", "foot-right", "sacrum"),
        duration=60.0,
        rate=args.rate,
        seed=2,
    )
    blocks = []
    for k in range(60):
        for s in rec.streams:
            m = (s.t >= k) & (s.t < k + 1)
            blocks.append((s.name, s.t[m], s.acc[m], s.gyr[m]))  # type: ignore[index]
    eng = StreamEngine(specs_from_recording(rec), hop=args.hop)
    proc = psutil.Process()
    if args.trace:
        tracemalloc.start()
    checkpoints = sorted({1, 5, 10, 20, 30, 60, 90, args.minutes} & set(range(1, args.minutes + 1)))
    print(
        f"streaming engine memory: 3 sensors x {args.rate:.0f} Hz, hop {args.hop:g} s, "
        f"{args.minutes} min"
    )
    print(
        f"{'minute':>6} {'RSS MB':>8} {'peak traced MB':>14} {'engine KB':>9} {'steps':>7} "
        f"{'wall s':>7}"
    )
    steps = 0
    t0 = time.perf_counter()
    rss20 = None
    for minute in range(args.minutes):
        for name, t, acc, gyr in blocks:
            steps += len(eng.push(name, t + 60.0 * minute, acc, gyr))
        if minute + 1 in checkpoints:
            gc.collect()
            rss = proc.memory_info().rss / 2**20
            peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.trace else float("nan")
            if args.trace:
                tracemalloc.reset_peak()
            if minute + 1 == 20:
                rss20 = rss
            print(
                f"{minute + 1:>6} {rss:>8.1f} {peak:>14.2f} {eng.footprint() / 1024:>9.0f} "
                f"{steps:>7} {time.perf_counter() - t0:>7.1f}",
                flush=True,
            )
    if rss20 is not None:
        print(
            f"RSS growth from minute 20 to minute {args.minutes}: "
            f"{proc.memory_info().rss / 2**20 - rss20:+.1f} MB"
        )


if __name__ == "__main__":
    main()

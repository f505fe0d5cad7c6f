"""Fuzz every reader with mutated files; print outcomes per mutation class and format.

Usage::

    nice python benchmarks/fuzz_files.py [--files N] [--workers W] [--seed S] [--timeout SEC]

Each worker process writes one small valid seed file per format
(:func:`gait.io.fuzzing.seed_files`), then repeatedly writes a mutant of a random seed
(:func:`gait.io.fuzzing.mutant`: byte flips, truncations, splices, rebuilt ZIPs, header
edits, time-column edits, size bombs) and reads it with :func:`gait.io.read`, the path
``gait info`` and ``gait analyze`` take. Outcomes:

``ok``
    the file read (a mutation can leave it valid, or a glitch was dropped and counted);
``typed``
    one of the project's typed errors (:class:`gait.contract.errors.GaitError`);
``untyped``
    any other exception — a traceback for the user; the first few are saved;
``slow``
    more than ``--timeout`` seconds (30) for one file; the read is interrupted.

Per file, the wall time is measured; per worker, the peak RSS (``ru_maxrss``) after
every file, so the largest value is the peak over all files. Targets: 0 untyped, 0 slow,
peak RSS <= 500 MB.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import signal
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gait.contract.errors import GaitError
from gait.io import read
from gait.io.fuzzing import CLASSES, mutant, seed_files

_STATE: dict[str, Any] = {}


class _Slow(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:  # noqa: ARG001 - signal.signal's handler signature
    raise _Slow()


def _init(root: str, crash_dir: str) -> None:
    """Worker set-up: its own scratch folder with every seed, warmed imports."""
    warnings.simplefilter("ignore")
    folder = Path(tempfile.mkdtemp(prefix=f"w{os.getpid()}-", dir=root))
    seeds = seed_files(folder)
    _STATE.update(
        folder=folder,
        seeds={k: (p, p.read_bytes()) for k, p in seeds.items()},
        cache={},
        crash_dir=Path(crash_dir),
    )
    signal.signal(signal.SIGALRM, _alarm)
    for p, _ in _STATE["seeds"].values():
        read(p)  # import every reader once, outside the measurements


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _one(fmt: str, kind: str, rng: np.random.Generator, timeout: int) -> tuple[str, str, float]:
    seed_path, seed_bytes = _STATE["seeds"][fmt]
    data, name = mutant(seed_bytes, fmt, kind, rng, _STATE["cache"])
    path = seed_path if name is None else _STATE["folder"] / name
    path.write_bytes(data)
    # If this process dies in C code, the parent finds the culprit from this marker.
    (_STATE["crash_dir"] / f"inflight-{os.getpid()}.txt").write_text(f"{fmt} {kind} {path}")
    outcome, detail = "ok", ""
    t0 = time.perf_counter()
    signal.alarm(timeout)
    try:
        read(path)
    except GaitError as exc:
        outcome, detail = "typed", type(exc).__name__
    except _Slow:
        outcome, detail = "slow", ""
    # What the fuzzer hunts: anything untyped is a bug, recorded with its traceback.
    except Exception as exc:  # noqa: BLE001
        outcome, detail = "untyped", f"{type(exc).__name__}: {exc}"[:300]
        crash = _STATE["crash_dir"]
        if len(list(crash.glob("*"))) < 200:
            stem = f"{fmt}-{kind}-{os.getpid()}-{int(time.time() * 1e6)}"
            (crash / (stem + (path.suffix or ".bin"))).write_bytes(data)
            (crash / (stem + ".txt")).write_text(traceback.format_exc())
    finally:
        signal.alarm(0)
    dt = time.perf_counter() - t0
    if name is None:
        path.write_bytes(seed_bytes)  # siblings of multi-file formats stay valid
    else:
        path.unlink(missing_ok=True)
    return outcome, detail, dt


def _chunk(args: tuple[int, int, int, int]) -> dict[str, Any]:
    """Run ``n`` mutants; return counts and timings per (class, format)."""
    n, seed, timeout, _ = args
    rng = np.random.default_rng(seed)
    fmts = sorted(_STATE["seeds"])
    rows: list[tuple[str, str, str, str, float]] = []
    peak = (0.0, "")
    for _ in range(n):
        kind = CLASSES[int(rng.integers(0, len(CLASSES)))]
        fmt = fmts[int(rng.integers(0, len(fmts)))]
        before = _rss_mb()
        outcome, detail, dt = _one(fmt, kind, rng, timeout)
        after = _rss_mb()
        if after > before and after > peak[0]:
            peak = (after, f"{fmt}/{kind}")
        rows.append((kind, fmt, outcome, detail, dt))
    return {"rows": rows, "peak_rss_mb": _rss_mb(), "peak_at": peak[1]}


def main() -> None:
    """Run the fuzzer and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100_000, help="mutated files in total")
    ap.add_argument(
        "--workers", type=int, default=2, help="worker processes (1-2 on a shared machine)"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=int, default=30, help="seconds allowed per file")
    ap.add_argument("--chunk", type=int, default=500, help="files per task")
    ap.add_argument(
        "--crashes",
        type=Path,
        default=Path("fuzz-crashes"),
        help="where untyped failures are saved",
    )
    args = ap.parse_args()
    args.crashes.mkdir(parents=True, exist_ok=True)
    root = Path(
        tempfile.mkdtemp(
            prefix="fuzz-files-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None
        )
    )
    tasks = []
    left, k = args.files, 0
    while left > 0:
        m = min(args.chunk, left)
        tasks.append((m, args.seed * 1_000_003 + k, args.timeout, k))
        left -= m
        k += 1
    t0 = time.perf_counter()
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    by_fmt: dict[str, Counter[str]] = defaultdict(Counter)
    times: dict[str, list[float]] = defaultdict(list)
    details: Counter[str] = Counter()
    peak, peak_at, done = 0.0, "", 0
    died = 0
    for res in _run_all(tasks, args.workers, root, args.crashes):
        if res is None:  # a worker process died (killed, or crashed in C code)
            died += 1
            continue
        for kind, fmt, outcome, detail, dt in res["rows"]:
            counts[(kind, outcome)]["n"] += 1
            by_fmt[fmt][outcome] += 1
            times[kind].append(dt)
            if outcome in ("untyped", "typed"):
                details[f"{outcome}: {detail.split(':')[0]}"] += 1
        if res["peak_rss_mb"] > peak:
            peak, peak_at = res["peak_rss_mb"], res["peak_at"]
        done += len(res["rows"])
        print(
            f"  {done}/{args.files} files, {time.perf_counter() - t0:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    wall = time.perf_counter() - t0

    print(
        f"\nfuzz_files: {done} mutated files, {args.workers} workers, {wall:.0f} s wall, seed "
        f"{args.seed}\n"
    )
    print(
        f"| class | files | ok | typed error | untyped (traceback) | slow (> {args.timeout} s) | "
        "median ms | max s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    total: Counter[str] = Counter()
    for kind in CLASSES:
        c = {o: counts[(kind, o)]["n"] for o in ("ok", "typed", "untyped", "slow")}
        n = sum(c.values())
        total.update(c)
        ts = np.array(times[kind]) if times[kind] else np.zeros(1)
        print(
            f"| {kind} | {n} | {c['ok']} | {c['typed']} | {c['untyped']} | {c['slow']} | "
            f"{1e3 * float(np.median(ts)):.1f} | {float(ts.max()):.2f} |"
        )
    alltimes = np.concatenate([np.array(v) for v in times.values()]) if times else np.zeros(1)
    print(
        f"| **all** | {sum(total.values())} | {total['ok']} | {total['typed']} | "
        f"{total['untyped']} | {total['slow']} | {1e3 * float(np.median(alltimes)):.1f} | "
        f"{float(alltimes.max()):.2f} |"
    )
    print(
        f"\npeak RSS of a worker: {peak:.0f} MB (high-water mark set by a {peak_at or 'seed'} file)"
    )
    print("\n| format | files | ok | typed | untyped | slow |")
    print("|---|---:|---:|---:|---:|---:|")
    for fmt in sorted(by_fmt):
        c = by_fmt[fmt]
        print(
            f"| {fmt} | {sum(c.values())} | {c['ok']} | {c['typed']} | {c['untyped']} | "
            f"{c['slow']} |"
        )
    print("\nmost common outcomes:")
    for d, n in details.most_common(25):
        print(f"  {n:7d}  {d}")
    if total["untyped"]:
        print(f"\nuntyped failures saved in {args.crashes}/")
    print(f"\nworker processes that died mid-chunk: {died}")


def _keep_culprits(crashes: Path) -> None:
    """Copy the file each dead worker was reading into ``crashes`` (named died-...)."""
    import shutil

    for marker in crashes.glob("inflight-*.txt"):
        pid = int(marker.stem.split("-")[1])
        try:
            os.kill(pid, 0)
            continue  # still alive
        except OSError:
            pass
        fmt, kind, path = marker.read_text().split(" ", 2)
        if Path(path).exists():
            shutil.copy(path, crashes / f"died-{fmt}-{kind}-{pid}{Path(path).suffix}")
        marker.rename(crashes / f"died-{fmt}-{kind}-{pid}.txt")


def _run_all(
    tasks: list[tuple[int, int, int, int]], workers: int, root: Path, crashes: Path
) -> Any:
    """Yield each chunk's result; None for a chunk whose worker died (the pool is rebuilt)."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = mp.get_context("fork")
    pending = list(reversed(tasks))
    while pending:
        with ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_init, initargs=(str(root), str(crashes))
        ) as ex:
            running = {}
            broken = False
            while (pending or running) and not broken:
                while pending and len(running) < 2 * workers:
                    task = pending.pop()
                    running[ex.submit(_chunk, task)] = task
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    running.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        broken = True
                        _keep_culprits(crashes)
                        yield None
            # Chunks still queued when the pool broke are run again in a new pool.
            pending.extend(running.values())


if __name__ == "__main__":
    main()

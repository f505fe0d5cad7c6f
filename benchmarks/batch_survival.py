"""How long the batch and history guards take to act (wall-clock; the tests check behaviour).

Measures, on synthetic 20-second runs in a temporary folder:

* discovery of ``'DIR/**'`` over a tree with two symbolic-link loops: our walker, and
  Python's ``glob(recursive=True)`` for comparison (stopped after ``--glob-timeout`` s);
* a batch whose worker is SIGKILLed on one file: wall time and what ``errors.csv`` says;
* SIGKILL of the batch process: seconds until its (hung) workers are gone;
* ``gait analyze`` with the history database held by another process for longer than
  the save may wait: wall time and the one line it prints.

Usage: python benchmarks/batch_survival.py [--glob-timeout 30]
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _runs(folder: Path, n: int) -> list[Path]:
    from gait.io import write_recording
    from gait.synth import synthesize

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        out.append(folder / f"run{i:02d}.gaitrec")
        write_recording(
            synthesize(
                "run", placements=("foot-left", "foot-right"), duration=20, rate=100, seed=i
            ),
            out[-1],
        )
    return out


def loops(tmp: Path, glob_timeout: float) -> list[tuple[str, str, str]]:
    from gait.apps.batch.run import discover
    from gait.io import ReadOptions

    root = tmp / "loops"
    _runs(root / "a", 2)
    (root / "a" / "up").symlink_to("..")
    (root / "b").mkdir()
    (root / "b" / "back").symlink_to("..")
    t = time.perf_counter()
    found = discover([f"{root}/**"], ReadOptions())
    ours = time.perf_counter() - t
    code = f"from glob import glob; print(len(glob({str(root) + '/**'!r}, recursive=True)))"
    t = time.perf_counter()
    try:
        r = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=glob_timeout
        )
        glob_res = f"{time.perf_counter() - t:.1f} s, {r.stdout.strip()} paths"
    except subprocess.TimeoutExpired:
        glob_res = f"not done after {glob_timeout:g} s (stopped)"
    return [
        (
            "'DIR/**' with 2 link loops: gait discover",
            f"{ours:.3f} s",
            f"{len(found.items)} recordings, {len(found.skipped)} loops listed",
        ),
        ("'DIR/**' with 2 link loops: glob(recursive=True)", glob_res, ""),
    ]


def dead_worker(tmp: Path) -> list[tuple[str, str, str]]:
    _runs(tmp / "dw", 4)
    env = {**ENV, "GAIT_BATCH_TEST_FAULT": "run01.gaitrec=kill"}
    t = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "gait",
            "batch",
            str(tmp / "dw"),
            "--out",
            str(tmp / "dw-out"),
            "--workers",
            "2",
            "--no-save",
        ],
        env=env,
        capture_output=True,
        check=False,
    )
    dt = time.perf_counter() - t
    err = pd.read_csv(tmp / "dw-out" / "errors.csv")
    ok = len(pd.read_csv(tmp / "dw-out" / "summary.csv"))
    return [
        (
            "batch of 4, one worker SIGKILLed (2 workers)",
            f"{dt:.1f} s",
            f"{ok} analysed; {err['error_type'].iloc[0]}: {err['error'].iloc[0]}",
        )
    ]


def killed_parent(tmp: Path) -> list[tuple[str, str, str]]:
    _runs(tmp / "kp", 2)
    env = {**ENV, "GAIT_BATCH_TEST_FAULT": "run00.gaitrec=hang,run01.gaitrec=hang"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gait",
            "batch",
            str(tmp / "kp"),
            "--out",
            str(tmp / "kp-out"),
            "--workers",
            "2",
            "--no-save",
            "--timeout",
            "0",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[psutil.Process] = []
    while len(workers) < 2:
        workers = [
            p
            for p in psutil.Process(proc.pid).children(recursive=True)
            if "spawn_main" in " ".join(p.cmdline())
        ]
        time.sleep(0.05)
    time.sleep(3)  # let them take their (hanging) files
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    t = time.perf_counter()

    def alive(p: psutil.Process) -> bool:
        try:
            return p.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    while any(alive(w) for w in workers) and time.perf_counter() - t < 120:
        time.sleep(0.01)
    left = sum(alive(w) for w in workers)
    return [
        (
            "SIGKILL of the batch: its 2 hung workers gone after",
            f"{time.perf_counter() - t:.2f} s",
            f"{left} still running",
        )
    ]


def locked_history(tmp: Path) -> list[tuple[str, str, str]]:
    from gait.apps.history.store import History

    (f,) = _runs(tmp / "lh", 1)
    db = tmp / "h.sqlite"
    History(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None);"
            "c.execute('BEGIN IMMEDIATE'); print('held', flush=True); time.sleep(120)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    t = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "gait", "analyze", str(f), "--db", str(db), "--json"],
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    dt = time.perf_counter() - t
    holder.kill()
    holder.wait()
    lines = r.stderr.strip().splitlines()
    con = sqlite3.connect(db)
    n = con.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
    return [
        (
            "gait analyze, history held by another process",
            f"{dt:.1f} s",
            f"exit {r.returncode}, {len(lines)} line: {lines[-1] if lines else ''} [{n} in db]",
        )
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--glob-timeout", type=float, default=30.0)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for step in (
            lambda: loops(tmp, args.glob_timeout),
            lambda: dead_worker(tmp),
            lambda: killed_parent(tmp),
            lambda: locked_history(tmp),
        ):
            rows += step()
    print(f"| {'case':<52} | {'wall':<28} | result")
    print(f"|{'-' * 54}|{'-' * 30}|-------")
    for case, wall, res in rows:
        print(f"| {case:<52} | {wall:<28} | {res}")


if __name__ == "__main__":
    main()

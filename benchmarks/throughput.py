"""Throughput of the full gait pipeline: two feet + sacrum at 200 Hz, 10 min / 1 h / 4 h.

Each size is generated with :func:`gait.synth.synthesize` in one subprocess and written
as a ``.gaitrec``; a *fresh* subprocess then reads it and runs :func:`gait.analyze`, so
the peak RSS printed belongs to reading + analysing alone.  Targets (issue 3): ≤ 2 s of
analysis per recording-hour, ≤ 500 MB peak RSS for 1 h, cost growing linearly.

Usage::

    python benchmarks/throughput.py [--sizes 10m,1h,4h] [--rate 200]

Prints a table: size, samples, steps, read s, analyse s, analyse s per recording-hour (wall
and CPU), peak RSS after reading the file (imports + data + the reader's transient buffers)
and peak RSS of the whole child (read + analyse).

A second table is what a user waits for: the whole ``gait analyze FILE --steps-csv
--summary-json`` process (interpreter start, imports, reading chunk by chunk, analysis,
outputs, history save into a temporary database): wall and CPU time (user + sys, from
``wait4``) and the process's own peak RSS (``VmHWM``), plus ``gait --help`` and ``gait info``
of each file.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLACEMENTS = ("foot-left", "foot-right", "sacrum")


def _seconds(size: str) -> float:
    """'10m' → 600, '1h' → 3600, '90s' → 90."""
    unit = size[-1]
    return float(size[:-1]) * {"s": 1.0, "m": 60.0, "h": 3600.0}[unit]


def generate(path: str, duration: float, rate: float) -> None:
    """Child: synthesize a running session and write it to ``path``."""
    import warnings

    from gait.io.canonical_format import write_recording
    from gait.synth import synthesize

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = synthesize("run", PLACEMENTS, duration=duration, rate=rate, seed=1)
    write_recording(rec, path)


def analyse(path: str) -> None:
    """Child: read and analyse ``path``; print timings and peak RSS as JSON."""
    import time
    import warnings

    from benchmarks._peak_memory import peak_rss_mb

    warnings.simplefilter("ignore")
    # imports outside the timed region
    import gait
    import gait.analysis.pipeline
    import gait.analysis.placements.foot
    import gait.analysis.placements.sacrum
    from gait.io.canonical_format import read_recording

    t0 = time.perf_counter()
    rec = read_recording(path)
    t1 = time.perf_counter()
    rss_read = peak_rss_mb()
    c1 = time.process_time()
    res = gait.analysis.pipeline.analyze(rec)
    t2 = time.perf_counter()
    c2 = time.process_time()
    rss = peak_rss_mb()
    n = sum(s.n for s in rec.streams)
    print(
        json.dumps(
            {
                "read_s": t1 - t0,
                "analyse_s": t2 - t1,
                "analyse_cpu_s": c2 - c1,
                "rss_mb": rss,
                "rss_read_mb": rss_read,
                "samples": n,
                "steps": len(res.steps),
                "hours": rec.duration / 3600.0,
            }
        )
    )


_CLI = (
    "import sys\nfrom gait.cli import main\ntry:\n    rc = main(sys.argv[1:])\n"
    "except SystemExit as e:\n    rc = e.code\n"
    "from benchmarks._peak_memory import peak_rss_mb\nprint(peak_rss_mb())\nsys.exit(0)"
)


def whole_process(*args: str) -> dict[str, float]:
    """``gait ARGS`` in a fresh process: wall s, CPU s (user + sys) and its peak RSS MB."""
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        PYTHONWARNINGS="ignore",
    )
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", _CLI, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"gait {' '.join(args)} failed")
    rss = float(out.strip().splitlines()[-1])
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss": rss}


def _child(*args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=True
    )
    return out.stdout


def main(argv: list[str] | None = None) -> int:
    """Run every size and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10m,1h,4h", help="comma-separated sizes (s, m or h)")
    ap.add_argument("--rate", type=float, default=200.0, help="sampling rate, Hz")
    ap.add_argument("--_generate", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--_analyse", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._generate:
        generate(args._generate[0], float(args._generate[1]), float(args._generate[2]))
        return 0
    if args._analyse:
        analyse(args._analyse)
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            path = str(Path(tmp) / f"run_{size}.gaitrec")
            _child("--_generate", path, str(_seconds(size)), str(args.rate))
            r = json.loads(_child("--_analyse", path).strip().splitlines()[-1])
            r["size"] = size
            out = Path(tmp) / size
            out.mkdir()
            r["cli"] = whole_process(
                "analyze",
                path,
                "--steps-csv",
                str(out / "steps.csv"),
                "--summary-json",
                str(out / "summary.json"),
                "--db",
                str(Path(tmp) / "history.db"),
            )
            r["info"] = whole_process("info", path)
            rows.append(r)
            Path(path).unlink()
        help_ = whole_process("--help")
    # CPU s per recording-hour as well: on a busy machine the wall figure is inflated
    print(
        f"{'size':>5} {'samples':>10} {'steps':>7} {'read s':>7} {'analyse s':>10} "
        f"{'s / rec-h':>10} {'CPU s / rec-h':>14} {'RSS after read MB':>18} {'peak RSS MB':>12}"
    )
    for r in rows:
        print(
            f"{r['size']:>5} {r['samples']:>10d} {r['steps']:>7d} {r['read_s']:>7.2f} "
            f"{r['analyse_s']:>10.2f} {r['analyse_s'] / r['hours']:>10.2f} "
            f"{r['analyse_cpu_s'] / r['hours']:>14.2f} "
            f"{r['rss_read_mb']:>18.0f} {r['rss_mb']:>12.0f}"
        )
    print()
    print("whole process: gait analyze FILE --steps-csv --summary-json (history save included)")
    print(
        f"{'size':>5} {'wall s':>7} {'CPU s':>7} {'peak RSS MB':>12} {'info wall s':>12} "
        f"{'info CPU s':>11}"
    )
    for r in rows:
        c, i = r["cli"], r["info"]
        print(
            f"{r['size']:>5} {c['wall']:>7.2f} {c['cpu']:>7.2f} {c['rss']:>12.0f} "
            f"{i['wall']:>12.2f} {i['cpu']:>11.2f}"
        )
    print(
        f"gait --help: wall {help_['wall']:.2f} s, CPU {help_['cpu']:.2f} s, "
        f"peak RSS {help_['rss']:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

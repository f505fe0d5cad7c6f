"""Helper run in subprocesses by test_cli_memory.

``build HOURS PATH``: write ``HOURS`` of two feet + sacrum at 200 Hz (real walking recordings
repeated, see ``_pipeline_long.build``) as a ``.gaitrec``.
``run PATH OUTDIR``: run ``gait analyze PATH --steps-csv --summary-json`` in this process, the
way the console script does, and print one JSON line: this process's peak RSS (MB), that peak
less the file-backed pages resident at the end (libraries), and the number of step rows written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    mode = sys.argv[1]
    if mode == "build":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from _pipeline_long import build

        from gait.io.canonical_format import write_recording

        write_recording(build(float(sys.argv[2])), sys.argv[3])
        return
    from benchmarks._peak_memory import file_backed_mb, peak_rss_mb
    from gait.cli import main as gait_main

    out = Path(sys.argv[3])
    rc = gait_main(
        [
            "analyze",
            sys.argv[2],
            "--steps-csv",
            str(out / "steps.csv"),
            "--summary-json",
            str(out / "summary.json"),
            "--db",
            str(out / "history.db"),
        ]
    )
    rows = sum(1 for _ in (out / "steps.csv").open()) - 1
    peak = peak_rss_mb()
    print(
        json.dumps(
            {
                "rc": rc,
                "rss_peak_mb": peak,
                "private_peak_mb": peak - file_backed_mb(),
                "steps": rows,
            }
        )
    )


if __name__ == "__main__":
    main()

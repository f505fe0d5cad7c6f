"""``gait batch``: analyse folders of recordings into tables, reports and an index page."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from gait.apps.batch.pool import DEFAULT_TIMEOUT_S
from gait.cli.options import add_reader_options, read_options

if TYPE_CHECKING:
    import pandas as pd

    from gait.apps.batch.run import BatchOutcome


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``batch`` verb."""
    p = sub.add_parser(
        "batch",
        help="analyse every recording in folders/globs: tables, reports, index page",
        description=(
            "Analyse every supported recording found in DIR_OR_GLOB (folders are searched "
            "recursively). Writes OUT/summary.csv and .parquet, OUT/errors.csv, per-file step "
            "tables, summaries and HTML reports sharing one plotly.min.js, and OUT/index.html. "
            "Rerunning skips files whose results are current, so a killed batch resumes. "
            "Each file runs in a worker process with a time and a memory limit; a worker that "
            "dies or overruns fails only its file (listed in OUT/errors.csv) and is replaced. "
            "FIFOs, sockets and symbolic-link loops are skipped without being opened and listed "
            "in OUT/skipped.csv. Exit status 1 when any file failed."
        ),
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="DIR_OR_GLOB",
        help=(
            "folders (searched recursively) or globs such as '~/runs/*.csv' "
            "(quote them; ~ is expanded)"
        ),
    )
    p.add_argument("--out", type=Path, required=True, metavar="OUTDIR", help="output folder")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help=f"local worker processes (default: {os.cpu_count()}; 0 = analyse in this "
        "process, without limits or crash protection, for debugging)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help="time one file may take before its worker is stopped and the file fails "
        "(default: %(default)g; 0 = no limit)",
    )
    p.add_argument(
        "--max-memory",
        type=int,
        default=None,
        metavar="MIB",
        help="address-space limit per worker in MiB; a file needing more fails with "
        "MemoryLimit instead of waking the OOM killer (default: 80%% of RAM divided "
        "by the workers, at least 2048; 0 = no limit)",
    )
    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="run on a dask.distributed cluster ('local' starts one on 127.0.0.1)",
    )
    p.add_argument("--db", type=Path, help="history database (default: user data dir or $GAIT_DB)")
    p.add_argument("--no-save", action="store_true", help="do not record sessions in the history")
    add_reader_options(p)
    p.set_defaults(func=run)


def _progress(
    stream_ok: bool,
) -> tuple[Callable[[int], Callable[[BatchOutcome], None]], Callable[[], None]]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    prog = Progress(
        TextColumn("[bold]analysing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[last]}"),
        disable=not stream_ok,
    )

    def start(total: int) -> Callable[[BatchOutcome], None]:
        prog.start()
        task = prog.add_task("batch", total=total, last="")

        def tick(o: BatchOutcome) -> None:
            mark = (
                "skipped (current)" if o.skipped else ("ok" if o.ok else f"FAILED: {o.error_type}")
            )
            prog.update(task, advance=1, last=f"{Path(o.path).name}: {mark}")

        return tick

    return start, prog.stop


def expand_inputs(inputs: list[str]) -> list[str]:
    """``~`` and ``~user`` expanded in every input, also inside a quoted glob the shell left alone.

    Parameters
    ----------
    inputs : list of str
        Folders, globs or files as typed.

    Returns
    -------
    list of str
    """
    import os

    return [os.path.expanduser(i) for i in inputs]


def _print_input_checks(out: Path, summary: pd.DataFrame) -> None:
    """Print each analysed file's inferred units and input-check findings on stderr.

    Units are printed as info, findings as warnings; both are read from each file's
    ``summary.json`` (the worker processes do not print).
    """
    import json

    from gait.cli.options import input_check_lines

    for r in summary.to_dict(orient="records"):
        folder = str(r.get("folder") or "")
        try:
            s = (
                json.loads((out / folder / "summary.json").read_text(encoding="utf-8"))
                if folder
                else {}
            )
        except (OSError, ValueError):
            continue
        for line in input_check_lines(Path(str(r["path"])).name, s if isinstance(s, dict) else {}):
            print(line, file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Run ``gait batch``."""
    import pandas as pd

    from gait.apps.batch.dask_cluster import DaskExecutor
    from gait.apps.batch.run import run_batch
    from gait.apps.history import pending as history_pending
    from gait.apps.history.store import default_db_path

    start, stop = _progress(sys.stderr.isatty())
    db = None if args.no_save else (args.db or default_db_path())
    memory = -1 if args.max_memory is None else (args.max_memory or None)
    try:
        summary, errors = run_batch(
            expand_inputs(args.inputs),
            args.out,
            options=read_options(args),
            workers=args.workers,
            executor=DaskExecutor(args.scheduler) if args.scheduler else None,
            save_db=db,
            progress=start,
            timeout_s=args.timeout or None,
            memory_mb=memory,
        )
    finally:
        stop()
    skipped = pd.read_csv(args.out / "skipped.csv")
    print(
        f"{len(summary)} analysed, {len(errors)} failed, {len(skipped)} skipped "
        f"-> {args.out / 'index.html'}"
    )
    _print_input_checks(args.out, summary)
    for e in errors.itertuples(index=False):
        print(f"  FAILED {e.path}: {e.error_type}: {e.error}", file=sys.stderr)
    for k in skipped.itertuples(index=False):
        print(f"  skipped {k.path}: {k.reason}", file=sys.stderr)
    if db is not None and (kept := len(history_pending.read(db)[0])):
        print(
            f"history database locked: {kept} session(s) kept in "
            f"{history_pending.pending_path(db)}, saved on the next run",
            file=sys.stderr,
        )
    return 1 if len(errors) else 0

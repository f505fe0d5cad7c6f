"""Batch analysis of many recordings: restartable, parallel, and failure-tolerant.

Layout of the output folder::

    OUTDIR/
      summary.csv, summary.parquet   one row per file that succeeded
      errors.csv                     one row per file that failed (path, error type, message)
      skipped.csv                    paths not analysed: FIFOs, sockets, link loops (path, reason)
      index.html                     links to every report
      plotly.min.js                  shared by all reports
      files/<stem>-<hash>/           steps.csv, summary.json, report.html, done.json

A file's results are *current* when its ``done.json`` holds the same content hash
(file bytes, reader options and analysis version). ``done.json`` is written last and
atomically, so a killed batch resumes with the files it had not finished.

Files run in worker processes supervised by :func:`gait.apps.batch.pool.run_supervised`: a worker
that dies (the OOM killer, a crash in native code) fails only its file, with the signal in
``errors.csv``, and is replaced; each file has a time limit and each worker a memory
limit; workers die with the batch process.

Test-only fault injection: when ``GAIT_BATCH_TEST_FAULT`` is set to ``NAME=ACTION[,...]``,
a *worker process* (never the in-process ``workers=0`` path) about to analyse a file
named ``NAME`` does ``kill`` (SIGKILL itself, as the OOM killer would), ``hang`` (block
forever) or ``alloc`` (ask for 64 GiB, as a runaway analysis would). The tests use it to
make a worker die or stall deterministically; it does nothing unless set.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from gait.apps.batch.discovery import Skipped, find
from gait.apps.batch.pool import DEFAULT_TIMEOUT_S, Limits, Lost, run_supervised
from gait.apps.batch.tasks import BatchExecutor, BatchItem, BatchOutcome
from gait.contract.errors import GaitError
from gait.io import ReadOptions

#: Bump when analysis results change, so earlier batch results are recomputed.
ANALYSIS_VERSION = "2"  # 2: reports lead with what to fix, titled by file
_SKIP_NAMES = {"LICENSE", "README.md", "README", "COPYING"}
#: Environment variable of the test-only fault injection (see the module docstring).
TEST_FAULT_ENV = "GAIT_BATCH_TEST_FAULT"
# Set in worker processes by _worker_init: fault injection and the memory-limit message.
_IN_WORKER = False
_MEMORY_MB: int | None = None


def default_memory_mb(workers: int) -> int:
    """Default per-worker memory limit: 80 % of physical memory shared by the workers.

    Parameters
    ----------
    workers : int
        Worker processes.

    Returns
    -------
    int
        MiB of address space per worker, at least 2048 (a worker's Python, numpy,
        pandas and plotly map about 0.6 GiB before any file is read).
    """
    import psutil

    return max(2048, int(0.8 * psutil.virtual_memory().total / max(1, workers)) >> 20)


@dataclass
class Discovery:
    """What :func:`discover` found."""

    items: list[BatchItem]
    #: Inputs that matched nothing or could not be read (reported as errors).
    errors: list[BatchOutcome]
    #: Paths not analysed because they are not files (FIFOs, sockets, link loops).
    skipped: list[Skipped]


def content_hash(files: Iterable[Path], options: ReadOptions) -> str:
    """SHA-256 over the files' bytes, the reader options and :data:`ANALYSIS_VERSION`.

    Parameters
    ----------
    files : iterable of Path
        Every file the recording is read from.
    options : ReadOptions
        Reader options (they change the result, so they are part of the key).

    Returns
    -------
    str
        Hex digest.
    """
    h = hashlib.sha256(ANALYSIS_VERSION.encode())
    h.update(json.dumps(asdict(options), sort_keys=True).encode())
    for f in sorted(files):
        h.update(f.name.encode())
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _group_files(path: Path) -> tuple[str, tuple[Path, ...]]:
    """Group key and member files of the recording that ``path`` belongs to."""
    from gait.io import group_of

    return group_of(path)


def discover(inputs: Sequence[str | Path], options: ReadOptions) -> Discovery:
    """Find every supported recording under folders, globs and file names.

    Parameters
    ----------
    inputs : sequence of str or Path
        Folders (searched recursively, following links to folders once), glob patterns
        (``**`` for any depth) or files.
    options : ReadOptions
        Reader options; with ``format`` set every file is taken as that format.

    Returns
    -------
    Discovery
        One item per recording (multi-file trials counted once); inputs that matched
        nothing and unreadable paths as error outcomes; skipped special files and loops.
    """
    from gait.io import sniff_any

    found = find(list(inputs))
    errors = [
        BatchOutcome(m, "", ok=False, error_type="NotFound", error="no file or folder matches")
        for m in found.missing
    ]
    errors += [
        BatchOutcome(u.path, "", ok=False, error_type=u.error_type, error=u.error)
        for u in found.unreadable
    ]
    items: dict[str, BatchItem] = {}
    for f, explicit in found.files:
        if f.name in _SKIP_NAMES or f.name.startswith("."):
            continue
        if not explicit and options.format is None and not sniff_any(f):
            continue
        key, members = _group_files(f)
        # A recording spread over a folder (a phone-app export) is read from the folder.
        read_path = Path(key) if Path(key).is_dir() else f
        items.setdefault(key, BatchItem(path=read_path, files=members, key=key))
    return Discovery(list(items.values()), errors, found.skipped)


def _slug(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", path.stem)[:60]


def analyze_item(
    item: BatchItem, out_dir: str, options: ReadOptions, save_db: str | None
) -> BatchOutcome:
    """Analyse one recording and write its outputs (runs in a worker process).

    Never raises: a failure is returned as an outcome with the error type and message.
    Errors of the input (:class:`GaitError`) and of the system (``OSError`` such as
    ``PermissionError``; ``MemoryError`` under the worker's memory limit) are named as
    such; anything else is marked ``(bug)``.
    """
    t0 = time.perf_counter()
    try:
        _test_fault(item)
        digest = content_hash(item.files, options)
        folder = Path(out_dir) / "files" / f"{_slug(item.path)}-{digest[:10]}"
        done = folder / "done.json"
        if done.is_file():
            prev = json.loads(done.read_text())
            if prev.get("hash") == digest:
                return BatchOutcome(
                    str(item.path), item.key, ok=True, skipped=True, row=prev["row"]
                )
        folder.mkdir(parents=True, exist_ok=True)
        row = _analyze_to(folder, item.path, options, digest, save_db)
        tmp = done.with_suffix(".tmp")
        tmp.write_text(json.dumps({"hash": digest, "row": row}, default=str))
        os.replace(tmp, done)
        return BatchOutcome(
            str(item.path), item.key, ok=True, row=row, seconds=time.perf_counter() - t0
        )
    except MemoryError:
        limit = (
            f"the {_MEMORY_MB} MiB per-worker limit (--max-memory)"
            if _MEMORY_MB
            else "available memory"
        )
        return BatchOutcome(
            str(item.path),
            item.key,
            ok=False,
            error_type="MemoryLimit",
            error=f"needed more memory than {limit}",
            seconds=time.perf_counter() - t0,
        )
    # Isolation boundary: whatever one file raises is reported in its row, and the batch goes
    # on with the other files.
    except Exception as exc:  # noqa: BLE001
        return BatchOutcome(
            str(item.path),
            item.key,
            ok=False,
            error_type=_error_kind(exc),
            error=_error_text(exc),
            seconds=time.perf_counter() - t0,
        )


def _error_kind(exc: Exception) -> str:
    if isinstance(exc, GaitError | OSError):
        return type(exc).__name__
    return f"{type(exc).__name__} (bug)"


def _error_text(exc: Exception) -> str:
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename or ''}".rstrip(": ")
    return str(exc)


def _test_fault(item: BatchItem) -> None:
    """Test-only fault injection in worker processes (see the module docstring)."""
    spec = os.environ.get(TEST_FAULT_ENV)
    if not spec or not _IN_WORKER:
        return
    actions = dict(part.split("=", 1) for part in spec.split(",") if "=" in part)
    action = actions.get(item.path.name)
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "hang":
        import threading

        threading.Event().wait()
    elif action == "alloc":
        bytearray(64 << 30)


def _analyze_to(
    folder: Path, path: Path, options: ReadOptions, digest: str, save_db: str | None
) -> dict[str, Any]:
    from gait.apps.outcome import analyze_recording
    from gait.io import read

    rec = read(path, options)
    outcome = analyze_recording(rec)
    outcome.write(folder, plotly_js="shared:../../plotly.min.js", name=path.name)
    if save_db:
        from gait.apps.outcome import save_outcome

        # A locked database keeps the session in its pending file (reported by the CLI).
        save_outcome(outcome, save_db, source=str(path), content_hash=digest)
    row: dict[str, Any] = {
        "path": str(path),
        "hash": digest,
        "folder": str(folder.relative_to(folder.parents[1])),
    }
    row.update(outcome.headline())
    return row


ProgressFn = Callable[[BatchOutcome], None]


def _worker_init(limits: Limits) -> None:
    """Runs once in each worker process, before its memory limit is applied."""
    global _IN_WORKER, _MEMORY_MB
    _IN_WORKER, _MEMORY_MB = True, limits.memory_mb
    import pyarrow

    # Arrow's default allocator reserves about 1 GiB of address space up front, which an
    # address-space limit would count; the system allocator reserves only what it uses.
    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    # Import the analysis now so that the per-file time limit measures the file.
    import gait.analysis.pipeline
    import gait.apps.outcome
    import gait.balance
    import gait.io
    import gait.views.report  # noqa: F401


def _pool_task(args: tuple[BatchItem, str, ReadOptions, str | None]) -> BatchOutcome:
    return analyze_item(*args)


def run_batch(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    *,
    options: ReadOptions | None = None,
    workers: int | None = None,
    executor: BatchExecutor | None = None,
    save_db: str | Path | None = None,
    progress: Callable[[int], ProgressFn] | None = None,
    timeout_s: float | None = DEFAULT_TIMEOUT_S,
    memory_mb: int | None = -1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Analyse every recording found in ``inputs`` and write the batch outputs.

    Parameters
    ----------
    inputs : sequence of str or Path
        Folders, globs or files.
    out_dir : str or Path
        Output folder (created).
    options : ReadOptions, optional
        Reader options applied to every file.
    workers : int, optional
        Worker processes; default: CPU count. 0 runs in this process, without the time
        and memory limits and without protection from a crash (for debugging).
    executor : BatchExecutor, optional
        Runs the files elsewhere, e.g. :class:`gait.apps.batch.dask_cluster.DaskExecutor` on a
        dask.distributed cluster (dask restarts dead workers itself); ``workers`` and the
        limits here do not apply then. Default: this machine's supervised worker pool.
    save_db : str or Path, optional
        History database to record every session into.
    progress : callable, optional
        Called with the number of items; returns a callback called once per finished item.
    timeout_s : float, optional
        Seconds one file may take before its worker is stopped and the file failed
        (``TimeLimit``); None: no limit.
    memory_mb : int, optional
        Address-space limit per worker, MiB (a file over it fails with ``MemoryLimit``);
        -1 (default): :func:`default_memory_mb`; None: no limit.

    Returns
    -------
    summary : DataFrame
        One row per successful file.
    errors : DataFrame
        ``path, error_type, error`` for each failed file. ``OUTDIR/skipped.csv`` lists the
        paths skipped as not files.
    """
    options = options or ReadOptions()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    found = discover(inputs, options)
    items, outcomes = found.items, list(found.errors)
    tick = progress(len(items)) if progress else (lambda _o: None)
    db = str(save_db) if save_db else None
    n_workers = (os.cpu_count() or 1) if workers is None else workers
    if executor is not None:
        outcomes += executor(
            partial(analyze_item, out_dir=str(out), options=options, save_db=db), items, tick
        )
    elif n_workers <= 0:
        for item in items:
            outcomes.append(analyze_item(item, str(out), options, db))
            tick(outcomes[-1])
    elif items:
        limits = Limits(
            timeout_s=timeout_s,
            memory_mb=default_memory_mb(n_workers) if memory_mb == -1 else memory_mb,
        )
        tasks = [(it, str(out), options, db) for it in items]
        for i, res in run_supervised(
            _pool_task, tasks, workers=n_workers, limits=limits, initializer=_worker_init
        ):
            if isinstance(res, Lost):
                res = BatchOutcome(
                    str(items[i].path),
                    items[i].key,
                    ok=False,
                    error_type=res.kind,
                    error=res.message,
                )
            outcomes.append(res)
            tick(res)
    return _write_tables(out, outcomes, found.skipped)


def _write_tables(
    out: Path, outcomes: list[BatchOutcome], skipped: Sequence[Skipped] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    ok = sorted((o for o in outcomes if o.ok), key=lambda o: o.path)
    bad = sorted((o for o in outcomes if not o.ok), key=lambda o: o.path)
    summary = pd.DataFrame([o.row for o in ok])
    errors = pd.DataFrame(
        [{"path": o.path, "error_type": o.error_type, "error": o.error} for o in bad],
        columns=["path", "error_type", "error"],
    )
    summary.to_csv(out / "summary.csv", index=False)
    summary.to_parquet(out / "summary.parquet", index=False)
    errors.to_csv(out / "errors.csv", index=False)
    skips = pd.DataFrame(
        [asdict(k) for k in sorted(skipped, key=lambda k: k.path)], columns=["path", "reason"]
    )
    skips.to_csv(out / "skipped.csv", index=False)
    _write_plotly_js(out)
    _write_index(out, summary, errors, skips)
    return summary, errors


def _write_plotly_js(out: Path) -> None:
    from plotly.offline import get_plotlyjs

    target = out / "plotly.min.js"
    if not target.is_file():
        target.write_text(get_plotlyjs(), encoding="utf-8")


def _write_index(
    out: Path, summary: pd.DataFrame, errors: pd.DataFrame, skipped: pd.DataFrame
) -> None:
    from gait.views.report.batch_index import index_html

    (out / "index.html").write_text(index_html(out, summary, errors, skipped), encoding="utf-8")

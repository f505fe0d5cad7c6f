"""Batch analysis of many recordings: restartable, parallel, and failure-tolerant.

Layout of the output folder::

    OUTDIR/
      summary.csv, summary.parquet   one row per file that succeeded
      errors.csv                     one row per file that failed (path, error type, message)
      index.html                     links to every report
      plotly.min.js                  shared by all reports
      files/<stem>-<hash>/           steps.csv, summary.json, report.html, done.json

A file's results are *current* when its ``done.json`` holds the same content hash
(file bytes, reader options and analysis version). ``done.json`` is written last and
atomically, so a killed batch resumes with the files it had not finished.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from glob import glob
from pathlib import Path
from typing import Any

import pandas as pd

from gait.errors import GaitError
from gait.io import ReadOptions

#: Bump when analysis results change, so earlier batch results are recomputed.
ANALYSIS_VERSION = "1"
_SKIP_NAMES = {"LICENSE", "README.md", "README", "COPYING"}


@dataclass(frozen=True)
class BatchItem:
    """One unit of work: a recording (possibly several files of one trial)."""

    path: Path
    files: tuple[Path, ...]
    key: str


@dataclass
class BatchOutcome:
    """What happened to one item."""

    path: str
    key: str
    ok: bool
    skipped: bool = False
    row: dict[str, Any] = field(default_factory=dict)
    error_type: str = ""
    error: str = ""
    seconds: float = 0.0


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


def discover(inputs: Sequence[str | Path], options: ReadOptions) -> tuple[list[BatchItem], list[BatchOutcome]]:
    """Find every supported recording under folders, globs and file names.

    Parameters
    ----------
    inputs : sequence of str or Path
        Folders (searched recursively), glob patterns or files.
    options : ReadOptions
        Reader options; with ``format`` set every file is taken as that format.

    Returns
    -------
    items : list of BatchItem
        One per recording, multi-file trials counted once.
    missing : list of BatchOutcome
        Inputs that matched nothing (reported as errors).
    """
    from gait.io import sniff_any

    candidates: list[tuple[Path, bool]] = []  # (path, named explicitly)
    missing: list[BatchOutcome] = []
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            candidates += [(f, False) for f in sorted(p.rglob("*")) if f.is_file()]
        elif p.is_file():
            candidates.append((p, True))
        else:
            matched = sorted(Path(m) for m in glob(str(raw), recursive=True))
            files = [m for m in matched if m.is_file()]
            if not files:
                missing.append(BatchOutcome(str(raw), "", ok=False, error_type="NotFound",
                                            error="no file or folder matches"))
            candidates += [(f, False) for f in files]
    items: dict[str, BatchItem] = {}
    for f, explicit in candidates:
        if f.name in _SKIP_NAMES or f.name.startswith("."):
            continue
        if not explicit and options.format is None and not sniff_any(f):
            continue
        key, members = _group_files(f)
        # A recording spread over a folder (a phone-app export) is read from the folder.
        read_path = Path(key) if Path(key).is_dir() else f
        items.setdefault(key, BatchItem(path=read_path, files=members, key=key))
    return list(items.values()), missing


def _slug(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", path.stem)[:60]


def analyze_item(item: BatchItem, out_dir: str, options: ReadOptions, save_db: str | None) -> BatchOutcome:
    """Analyse one recording and write its outputs (runs in a worker process).

    Never raises: a failure is returned as an outcome with the error type and message.
    """
    t0 = time.perf_counter()
    try:
        digest = content_hash(item.files, options)
        folder = Path(out_dir) / "files" / f"{_slug(item.path)}-{digest[:10]}"
        done = folder / "done.json"
        if done.is_file():
            prev = json.loads(done.read_text())
            if prev.get("hash") == digest:
                return BatchOutcome(str(item.path), item.key, ok=True, skipped=True, row=prev["row"])
        folder.mkdir(parents=True, exist_ok=True)
        row = _analyze_to(folder, item.path, options, digest, save_db)
        tmp = done.with_suffix(".tmp")
        tmp.write_text(json.dumps({"hash": digest, "row": row}, default=str))
        os.replace(tmp, done)
        return BatchOutcome(str(item.path), item.key, ok=True, row=row,
                            seconds=time.perf_counter() - t0)
    except Exception as exc:  # a failing file must not stop the batch
        kind = type(exc).__name__ if isinstance(exc, GaitError) else f"{type(exc).__name__} (bug)"
        return BatchOutcome(str(item.path), item.key, ok=False, error_type=kind, error=str(exc),
                            seconds=time.perf_counter() - t0)


def _analyze_to(folder: Path, path: Path, options: ReadOptions, digest: str, save_db: str | None) -> dict[str, Any]:
    from gait.io import read
    from gait.sessions import analyze_recording

    rec = read(path, options)
    outcome = analyze_recording(rec)
    outcome.write(folder, plotly_js="shared:../../plotly.min.js")
    if save_db:
        from gait.history import History

        with History(save_db) as h:
            h.save(outcome.session_record(source=str(path), content_hash=digest))
    row: dict[str, Any] = {"path": str(path), "hash": digest, "folder": str(folder.relative_to(folder.parents[1]))}
    row.update(outcome.headline())
    return row


ProgressFn = Callable[[BatchOutcome], None]


def run_batch(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    *,
    options: ReadOptions | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    save_db: str | Path | None = None,
    progress: Callable[[int], ProgressFn] | None = None,
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
        Local process-pool size; 1 runs in this process; default: CPU count.
    scheduler : str, optional
        ``tcp://host:port`` of a dask.distributed scheduler, or ``"local"`` for a
        LocalCluster; needs the ``distributed`` extra.
    save_db : str or Path, optional
        History database to record every session into.
    progress : callable, optional
        Called with the number of items; returns a callback called once per finished item.

    Returns
    -------
    summary : DataFrame
        One row per successful file.
    errors : DataFrame
        ``path, error_type, error`` for each failed file.
    """
    options = options or ReadOptions()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items, outcomes = discover(inputs, options)
    tick = progress(len(items)) if progress else (lambda _o: None)
    db = str(save_db) if save_db else None
    if scheduler:
        from gait.distributed import map_on_dask

        outcomes += map_on_dask(scheduler, items, str(out), options, db, tick)
    elif (workers or os.cpu_count() or 1) <= 1 or len(items) <= 1:
        for item in items:
            outcomes.append(analyze_item(item, str(out), options, db))
            tick(outcomes[-1])
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
            futs = [pool.submit(analyze_item, it, str(out), options, db) for it in items]
            for fut in as_completed(futs):
                outcomes.append(fut.result())
                tick(outcomes[-1])
    return _write_tables(out, outcomes)


def _write_tables(out: Path, outcomes: list[BatchOutcome]) -> tuple[pd.DataFrame, pd.DataFrame]:
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
    _write_plotly_js(out)
    _write_index(out, summary, errors)
    return summary, errors


def _write_plotly_js(out: Path) -> None:
    from plotly.offline import get_plotlyjs

    target = out / "plotly.min.js"
    if not target.is_file():
        target.write_text(get_plotlyjs(), encoding="utf-8")


def _write_index(out: Path, summary: pd.DataFrame, errors: pd.DataFrame) -> None:
    rows = []
    for r in summary.to_dict(orient="records"):
        link = f"files/{Path(str(r['folder'])).name}/report.html"
        cells = "".join(
            f"<td>{html.escape(_fmt(r.get(c)))}</td>" for c in ("activity", "cadence_spm", "gct_ms", "gct_balance_pct", "steps")
        )
        rows.append(f"<tr><td><a href='{html.escape(link)}'>{html.escape(str(r['path']))}</a></td>{cells}</tr>")
    err_rows = "".join(
        f"<tr><td>{html.escape(str(e['path']))}</td><td>{html.escape(str(e['error_type']))}</td>"
        f"<td>{html.escape(str(e['error']))}</td></tr>"
        for e in errors.to_dict(orient="records")
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Batch results</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px}}</style></head><body>
<h1>Batch results</h1><p>{len(summary)} analysed, {len(errors)} failed.</p>
<table><tr><th>file</th><th>activity</th><th>cadence (spm)</th><th>contact time (ms)</th>
<th>GCT balance (% left)</th><th>steps</th></tr>{''.join(rows)}</table>
<h2>Errors</h2><table><tr><th>file</th><th>type</th><th>message</th></tr>{err_rows}</table>
</body></html>"""
    (out / "index.html").write_text(page, encoding="utf-8")


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return f"{v:.1f}" if isinstance(v, float) else str(v)

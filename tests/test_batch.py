"""Batch analysis: same results serially, on a process pool and on dask; resume; failures."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import pytest

from gait.apps.batch.dask_cluster import DaskExecutor
from gait.apps.batch.run import discover, run_batch
from gait.cli import main
from gait.io import ReadOptions
from gait.synth import synthesize

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"
SAMPLES = ROOT / "samples"
COMPARED = [
    "path",
    "hash",
    "activity",
    "duration_s",
    "cadence_spm",
    "gct_ms",
    "gct_balance_pct",
    "steps",
]


def _table(summary: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in COMPARED if c in summary]
    return summary[cols].sort_values("path").reset_index(drop=True)


@pytest.mark.realdata
def test_discovery_groups_multi_file_trials_and_skips_non_recordings() -> None:
    found = discover([REAL], ReadOptions())
    assert not found.errors
    assert not found.skipped
    items = found.items
    names = sorted(p.path.name for p in items)
    # ipol: one item per trial, not one per sensor file; no LICENSE, README, reference CSVs.
    trials = len(list((REAL / "ipol_feet_lowerback_walk").glob("*.json")))
    assert trials >= 10
    assert sum(1 for it in items if "ipol" in str(it.path)) == trials
    assert not any(
        n in {"LICENSE", "README.md", "stride_events_sample.csv", "infoForAlgo.mat"} for n in names
    )
    assert sum(1 for n in names if n == "data.mat") == 2
    assert sum(1 for it in items if "oxford" in str(it.path)) == 6


@pytest.mark.slow
@pytest.mark.realdata
def test_serial_pool_and_dask_agree(tmp_path: Path) -> None:
    inputs = [SAMPLES, REAL]
    serial, err1 = run_batch(inputs, tmp_path / "serial", workers=1)
    pool, err2 = run_batch(inputs, tmp_path / "pool", workers=2)
    dask, err3 = run_batch(inputs, tmp_path / "dask", executor=DaskExecutor("local"))
    # The three modes fail the same files the same way, and only with typed input errors
    # (the shared data folder holds a .mat that is not a Mobilise-D data.mat).
    for err in (err2, err3):
        pd.testing.assert_frame_equal(
            err1.sort_values("path").reset_index(drop=True),
            err.sort_values("path").reset_index(drop=True),
        )
    assert not err1["error_type"].str.contains("bug|Worker|Limit").any(), err1
    assert len(serial) >= 24
    pd.testing.assert_frame_equal(_table(serial), _table(pool))
    pd.testing.assert_frame_equal(_table(serial), _table(dask))
    out = tmp_path / "serial"
    index = (out / "index.html").read_text()
    assert index.count("report.html") == len(serial)
    reports = sorted(out.glob("files/*/report.html"))
    assert len(reports) == len(serial)
    # Reports share one plotly.min.js instead of inlining 3–5 MB each.
    assert (out / "plotly.min.js").stat().st_size > 1_000_000
    assert all(r.stat().st_size < 1_500_000 for r in reports)
    assert pd.read_parquet(out / "summary.parquet").shape[0] == len(serial)


def _make_runs(folder: Path, n: int) -> None:
    from gait.io import write_recording

    folder.mkdir()
    for i in range(n):
        rec = synthesize(
            "run", placements=("foot-left", "foot-right"), duration=20, rate=100, seed=i
        )
        write_recording(rec, folder / f"run{i:02d}.gaitrec")


def test_corrupt_file_is_reported_and_others_complete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "in"
    _make_runs(data, 2)
    (data / "broken.csv").write_text("t,acc_x,acc_y,acc_z\n0,0,0,9.8\n0.01,0,zz,9.8\n")
    blob = (data / "run00.gaitrec").read_bytes()
    (data / "cut.gaitrec").write_bytes(blob[: len(blob) // 3])
    rc = main(["batch", str(data), "--out", str(tmp_path / "out"), "--workers", "1", "--no-save"])
    assert rc == 1
    errors = pd.read_csv(tmp_path / "out" / "errors.csv")
    assert sorted(Path(p).name for p in errors["path"]) == ["broken.csv", "cut.gaitrec"]
    assert (
        "line 3"
        in errors.set_index(errors["path"].map(lambda p: Path(p).name)).loc["broken.csv", "error"]
    )
    assert len(pd.read_csv(tmp_path / "out" / "summary.csv")) == 2
    assert "2 analysed, 2 failed, 0 skipped" in capsys.readouterr().out


@pytest.mark.realtime
@pytest.mark.slow
def test_killed_batch_resumes_without_redoing_finished_files(tmp_path: Path) -> None:
    data = tmp_path / "in"
    _make_runs(data, 8)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gait",
            "batch",
            str(data),
            "--out",
            str(out),
            "--workers",
            "1",
            "--no-save",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(list(out.glob("files/*/done.json"))) < 3 and time.monotonic() < deadline:
        assert proc.poll() is None, "batch ended before it could be killed"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.parent.name for p in out.glob("files/*/done.json")}
    assert 3 <= len(finished) < 8
    stamps = {name: (out / "files" / name / "report.html").stat().st_mtime_ns for name in finished}
    skipped: list[str] = []

    def progress(total: int):  # type: ignore[no-untyped-def]
        assert total == 8
        return lambda o: skipped.append(o.path) if o.skipped else None

    summary, errors = run_batch([data], out, workers=1, progress=progress)
    assert errors.empty
    assert len(summary) == 8
    assert len(skipped) == len(finished)
    for name, mtime in stamps.items():  # finished files were not rewritten
        assert (out / "files" / name / "report.html").stat().st_mtime_ns == mtime


def test_batch_records_sessions_in_history(tmp_path: Path) -> None:
    from gait.apps.history.store import History

    data = tmp_path / "in"
    _make_runs(data, 2)
    db = tmp_path / "h.sqlite"
    assert (
        main(["batch", str(data), "--out", str(tmp_path / "o"), "--workers", "1", "--db", str(db)])
        == 0
    )
    with History(db) as h:
        df = h.sessions()
    assert len(df) == 2
    assert (df["cadence_spm"] > 140).all()


def test_folders_of_phone_app_exports(tmp_path: Path) -> None:
    """Each Sensor Logger export folder (several CSVs) is one recording in a batch."""
    import numpy as np

    root = tmp_path / "exports"
    rec = synthesize("run", placements=("phone-belt",), duration=20, rate=100, seed=3)
    s = rec.streams[0]
    for k in range(2):
        folder = root / f"Run-{k}"
        folder.mkdir(parents=True)
        t_ns = 1_700_000_000_000_000_000 + k * 10**12 + np.round(s.t * 1e9).astype(np.int64)

        def csv(xyz: np.ndarray, t_ns: np.ndarray = t_ns) -> str:
            rows = [
                f"{tn},{(tn - t_ns[0]) / 1e9},{r[2]!r},{r[1]!r},{r[0]!r}"
                for tn, r in zip(t_ns, xyz.tolist(), strict=True)
            ]
            return "\n".join(["time,seconds_elapsed,z,y,x", *rows]) + "\n"

        (folder / "TotalAcceleration.csv").write_text(csv(s.acc))
        assert s.gyr is not None
        (folder / "Gyroscope.csv").write_text(csv(s.gyr))
        (folder / "Metadata.csv").write_text(
            "version,device name,recording time,platform\n3,Pixel,2023-11-14_22-13-20,android\n"
        )
    items = discover([root], ReadOptions(mount="belt")).items
    assert sorted(it.path.name for it in items) == ["Run-0", "Run-1"]
    summary, errors = run_batch(
        [root], tmp_path / "out", options=ReadOptions(mount="belt"), workers=1
    )
    assert errors.empty
    assert len(summary) == 2
    assert (summary["cadence_spm"] > 150).all()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.realtime
def test_batch_on_a_scheduler_and_workers_started_on_localhost(tmp_path: Path) -> None:
    """The --scheduler path against a real `dask scheduler` + `dask worker` on 127.0.0.1."""
    from distributed import Client

    data = tmp_path / "in"
    _make_runs(data, 3)
    serial, _ = run_batch([data], tmp_path / "serial", workers=1)
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    bin_dir = Path(sys.executable).parent
    from gait.apps.batch.dask_cluster import WORKER_CONFIG_YAML

    conf = tmp_path / "dask-config"
    conf.mkdir()
    (conf / "gait.yaml").write_text(WORKER_CONFIG_YAML)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DASK_CONFIG": str(conf)}
    procs = [
        subprocess.Popen(
            [
                str(bin_dir / "dask"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-dashboard",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        procs += [
            subprocess.Popen(
                [
                    str(bin_dir / "dask"),
                    "worker",
                    addr,
                    "--nthreads",
                    "1",
                    "--host",
                    "127.0.0.1",
                    "--no-dashboard",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        with Client(addr, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
            # The documented worker setting unsets dask's malloc trim threshold.
            envs = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
            assert set(envs.values()) == {None}
        remote, errors = run_batch([data], tmp_path / "remote", executor=DaskExecutor(addr))
        assert errors.empty
        pd.testing.assert_frame_equal(_table(serial), _table(remote))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def test_local_cluster_unsets_malloc_trim_threshold() -> None:
    import dask
    from distributed import Client, LocalCluster

    from gait.apps.batch.dask_cluster import DASK_CONFIG

    with (
        dask.config.set(DASK_CONFIG),
        LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        ) as cluster,
        Client(cluster) as client,
    ):
        envs = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert set(envs.values()) == {None}


def test_run_batch_hands_every_item_to_the_executor(tmp_path: Path) -> None:
    """An executor gets one picklable task per item and its outcomes are the batch's."""
    import pickle

    from gait.apps.batch.tasks import BatchItem, BatchOutcome, BatchTask

    seen: list[str] = []

    def reversed_executor(
        task: BatchTask, items: Sequence[BatchItem], tick: Callable[[BatchOutcome], None]
    ) -> list[BatchOutcome]:
        pickle.dumps(task)  # what a remote executor (dask) has to do with it
        outcomes = []
        for it in reversed(items):  # completion order is the executor's to choose
            seen.append(it.path.name)
            outcomes.append(task(it))
            tick(outcomes[-1])
        return outcomes

    inputs = [SAMPLES / "walk.gaitrec", SAMPLES / "treadmill_run.gaitrec"]
    ticks: list[str] = []
    summary, errors = run_batch(
        inputs,
        tmp_path / "ex",
        executor=reversed_executor,
        progress=lambda _n: lambda o: ticks.append(o.path),
    )
    serial, _ = run_batch(inputs, tmp_path / "serial", workers=0)
    assert errors.empty
    assert sorted(seen) == ["treadmill_run.gaitrec", "walk.gaitrec"]
    assert sorted(ticks) == sorted(str(p) for p in inputs)
    pd.testing.assert_frame_equal(_table(summary), _table(serial))

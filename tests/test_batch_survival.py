"""A batch that survives: dead workers, stalls, memory hogs, a killed parent, odd files.

Worker deaths and stalls are made deterministic with the test-only fault hook
``GAIT_BATCH_TEST_FAULT`` (see :mod:`gait.apps.batch.run`) or with a FIFO, which blocks whoever
opens it. No test depends on how fast this machine is: time limits are only exercised on
tasks that block forever, next to tasks that take microseconds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from gait.apps.batch.pool import Limits, Lost, describe_exit, run_supervised
from gait.apps.batch.run import TEST_FAULT_ENV, BatchItem, analyze_item, discover, run_batch
from gait.cli import main
from gait.io import ReadOptions
from gait.synth import synthesize

ROOT = Path(__file__).resolve().parents[1]


def _make_runs(folder: Path, n: int, duration: float = 20) -> list[Path]:
    from gait.io import write_recording

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        rec = synthesize(
            "run", placements=("foot-left", "foot-right"), duration=duration, rate=100, seed=i
        )
        paths.append(folder / f"run{i:02d}.gaitrec")
        write_recording(rec, paths[-1])
    return paths


def _by_name(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index(df["path"].map(lambda p: Path(str(p)).name))


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_dead_worker_fails_only_its_file_and_is_replaced(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    workers: int,
) -> None:
    _make_runs(tmp_path / "in", 4)
    monkeypatch.setenv(TEST_FAULT_ENV, "run01.gaitrec=kill")
    out = tmp_path / "out"
    rc = main(
        ["batch", str(tmp_path / "in"), "--out", str(out), "--workers", str(workers), "--no-save"]
    )
    assert rc == 1
    errors = _by_name(pd.read_csv(out / "errors.csv"))
    assert list(errors.index) == ["run01.gaitrec"]
    assert errors.loc["run01.gaitrec", "error_type"] == "WorkerDied"
    assert "killed by signal 9 (SIGKILL; out of memory?)" in str(
        errors.loc["run01.gaitrec", "error"]
    )
    # With one worker, the files after the dead one ran on its replacement.
    summary = pd.read_csv(out / "summary.csv")
    assert sorted(Path(p).name for p in summary["path"]) == [
        "run00.gaitrec",
        "run02.gaitrec",
        "run03.gaitrec",
    ]
    assert "3 analysed, 1 failed, 0 skipped" in capsys.readouterr().out


@pytest.mark.slow
def test_resume_after_a_dead_worker_redoes_only_the_failed_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_runs(tmp_path / "in", 3)
    out = tmp_path / "out"
    monkeypatch.setenv(TEST_FAULT_ENV, "run02.gaitrec=kill")
    _, errors = run_batch([tmp_path / "in"], out, workers=1)
    assert len(errors) == 1
    monkeypatch.delenv(TEST_FAULT_ENV)
    done: list[tuple[str, bool]] = []
    summary, errors = run_batch(
        [tmp_path / "in"],
        out,
        workers=1,
        progress=lambda _n: lambda o: done.append((Path(o.path).name, o.skipped)),
    )
    assert errors.empty
    assert len(summary) == 3
    assert sorted(done) == [
        ("run00.gaitrec", True),
        ("run01.gaitrec", True),
        ("run02.gaitrec", False),
    ]
    # The resumed tables are byte-identical to those of a batch that never failed.
    run_batch([tmp_path / "in"], tmp_path / "clean", workers=1)
    for name in ("summary.csv", "errors.csv", "skipped.csv"):
        assert (out / name).read_bytes() == (tmp_path / "clean" / name).read_bytes(), name
    for f in (tmp_path / "clean" / "files").glob("*/*"):
        if f.suffix in {".csv", ".json"}:
            assert (out / "files" / f.parent.name / f.name).read_bytes() == f.read_bytes(), f


def test_memory_limit_fails_the_file_not_the_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_runs(tmp_path / "in", 3)
    monkeypatch.setenv(TEST_FAULT_ENV, "run01.gaitrec=alloc")  # asks for 64 GiB
    summary, errors = run_batch([tmp_path / "in"], tmp_path / "out", workers=1, memory_mb=2048)
    errors = _by_name(errors)
    assert list(errors.index) == ["run01.gaitrec"]
    assert errors.loc["run01.gaitrec", "error_type"] == "MemoryLimit"
    assert "2048 MiB per-worker limit" in str(errors.loc["run01.gaitrec", "error"])
    # The others ran in the same worker under the same 2 GiB limit.
    assert len(summary) == 2


def _echo_or_block(task: str) -> str:
    """Pool task: return the task, or open the FIFO it names (blocks: nobody writes)."""
    if task.startswith("fifo:"):
        with open(task[5:], "rb") as fh:
            fh.read()
    if task == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    return task.upper()


@pytest.mark.slow
def test_pool_time_limit_stops_a_blocked_task_and_goes_on(tmp_path: Path) -> None:
    fifo = tmp_path / "blocks.csv"
    os.mkfifo(fifo)
    tasks = ["a", f"fifo:{fifo}", "b", "die", "c"]
    results = dict(run_supervised(_echo_or_block, tasks, workers=1, limits=Limits(timeout_s=2.0)))
    assert results[0] == "A"
    assert results[2] == "B"
    assert results[4] == "C"
    assert results[1] == Lost("TimeLimit", "took longer than the 2 s limit; worker stopped")
    assert isinstance(results[3], Lost)
    assert results[3].kind == "WorkerDied"


def test_batch_time_limit_on_a_file_that_blocks(tmp_path: Path) -> None:
    """A FIFO that slipped past discovery (named in a BatchItem) blocks its worker's open."""
    from gait.apps.batch.run import _pool_task

    fifo = tmp_path / "stuck.csv"
    os.mkfifo(fifo)
    item = BatchItem(path=fifo, files=(fifo,), key=str(fifo))
    ((i, res),) = run_supervised(
        _pool_task,
        [(item, str(tmp_path / "out"), ReadOptions(), None)],
        workers=1,
        limits=Limits(timeout_s=1.0),
    )
    assert i == 0
    assert isinstance(res, Lost)
    assert res.kind == "TimeLimit"


def test_describe_exit() -> None:
    assert describe_exit(-9) == "worker died: killed by signal 9 (SIGKILL; out of memory?)"
    assert describe_exit(-6) == "worker died: killed by signal 6 (SIGABRT; over the memory limit?)"
    assert describe_exit(3) == "worker died: exit status 3"


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _alive(p: psutil.Process) -> bool:
    try:
        return p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.realtime
@pytest.mark.slow
def test_killing_the_batch_stops_its_workers(tmp_path: Path) -> None:
    _make_runs(tmp_path / "in", 2)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        TEST_FAULT_ENV: "run00.gaitrec=hang,run01.gaitrec=hang",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gait",
            "batch",
            str(tmp_path / "in"),
            "--out",
            str(tmp_path / "out"),
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
    deadline = time.monotonic() + 120
    workers: list[psutil.Process] = []
    while len(workers) < 2 and time.monotonic() < deadline:
        assert proc.poll() is None, "batch ended before it could be killed"
        workers = [p for p in _descendants(proc.pid) if "spawn_main" in " ".join(p.cmdline())]
        time.sleep(0.1)
    assert len(workers) == 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # The workers hang forever by design: only their parent's death can end them.
    deadline = time.monotonic() + 60
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)


def _make_loops(root: Path) -> None:
    """Two symbolic-link loops, a self-loop, a broken link, and a link to a real folder."""
    _make_runs(root / "a", 1)
    _make_runs(root / "b", 2)
    (root / "a" / "up").symlink_to("..")  # loop 1: back to root
    (root / "b" / "side").symlink_to("../a")  # not a loop: a folder reached twice
    (root / "b" / "deep").mkdir()
    (root / "b" / "deep" / "back").symlink_to("../..")  # loop 2
    (root / "self").symlink_to("self")  # ELOOP
    (root / "gone").symlink_to("nowhere")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("pattern", ["", "/**", "/**/*.gaitrec"])
def test_symlink_loops_end_and_are_listed(tmp_path: Path, pattern: str) -> None:
    root = tmp_path / "in"
    _make_loops(root)
    found = discover([f"{root}{pattern}"], ReadOptions())
    assert sorted(str(Path(it.path).relative_to(root)) for it in found.items) == [
        "a/run00.gaitrec",
        "b/run00.gaitrec",
        "b/run01.gaitrec",
    ]
    reasons = {str(Path(k.path).relative_to(root)): k.reason for k in found.skipped}
    assert reasons["self"].startswith("symbolic link loop")
    assert reasons["a/up"].startswith("symbolic link loop")
    assert reasons["b/deep/back"].startswith("symbolic link loop")
    assert reasons["gone"].startswith("broken symbolic link")
    assert not found.errors


@pytest.mark.timeout(120)
def test_fifo_and_socket_are_skipped_without_opening(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "in"
    _make_runs(root, 1)
    os.mkfifo(root / "pipe.csv")  # opening it would block until someone writes
    sock = socket.socket(socket.AF_UNIX)
    sock_path = root / "s.csv"
    try:
        sock.bind(str(sock_path))
    except OSError:  # path too long for AF_UNIX in a deep tmp folder: bind from inside it
        cwd = os.getcwd()
        os.chdir(root)
        try:
            sock.bind("s.csv")
        finally:
            os.chdir(cwd)
    try:
        rc = main(
            [
                "batch",
                str(root),
                str(root / "pipe.csv"),
                "--out",
                str(tmp_path / "out"),
                "--workers",
                "1",
                "--no-save",
            ]
        )
    finally:
        sock.close()
    assert rc == 0
    skipped = _by_name(pd.read_csv(tmp_path / "out" / "skipped.csv"))
    assert sorted(skipped.index) == ["pipe.csv", "pipe.csv", "s.csv"]  # walked and named
    assert str(skipped.loc["s.csv", "reason"]).startswith("a socket")
    assert all(r.startswith("a FIFO") for r in skipped.loc[["pipe.csv"], "reason"])
    assert "1 analysed, 0 failed, 3 skipped" in capsys.readouterr().out
    assert "Skipped (not files)" in (tmp_path / "out" / "index.html").read_text()


def test_permission_denied_is_named_in_discovery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests run as root, which reads chmod-000 files, so the denial is made at os.open."""
    root = tmp_path / "in"
    paths = _make_runs(root, 2)
    real_open = os.open

    def deny(path: object, flags: int, *a: object, **k: object) -> int:
        if Path(str(path)) == paths[1]:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", deny)
    found = discover([root], ReadOptions())
    assert [it.path for it in found.items] == [paths[0]]
    assert [(e.path, e.error_type, e.error) for e in found.errors] == [
        (str(paths[1]), "PermissionError", "permission denied: cannot read this file")
    ]


def test_permission_denied_in_the_worker_is_not_a_bug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that became unreadable after discovery (denied at open(), as root is not)."""
    import builtins

    (path,) = _make_runs(tmp_path / "in", 1)
    real_open = builtins.open

    def deny(file: object, *a: object, **k: object) -> object:
        if Path(str(file)) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **k)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", deny)
    o = analyze_item(
        BatchItem(path, (path,), str(path)), str(tmp_path / "out"), ReadOptions(), None
    )
    assert not o.ok
    assert o.error_type == "PermissionError"
    assert o.error == f"permission denied: {path}"


def test_pool_stops_busy_workers_when_the_caller_stops(tmp_path: Path) -> None:
    """Leaving the loop early (an exception or Ctrl-C in the batch) kills the busy workers."""
    fifo = tmp_path / "blocks"
    os.mkfifo(fifo)
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    gen = run_supervised(_echo_or_block, ["a", f"fifo:{fifo}", f"fifo:{fifo}"], workers=2)
    assert next(gen) == (0, "A")
    workers = [
        p
        for p in psutil.Process().children(recursive=True)
        if p.pid not in before and "spawn_main" in " ".join(p.cmdline())
    ]
    assert workers
    gen.close()
    assert not any(_alive(w) for w in workers)

"""A process pool that survives its workers: per-task time and memory limits, dead workers replaced.

:class:`concurrent.futures.ProcessPoolExecutor` cannot say which task a dead worker was
running (one worker killed by the OOM killer breaks every pending future with
``BrokenProcessPool``), cannot stop a task that runs too long, and leaves its workers
running when the parent is killed. This pool gives each worker its own pipe, so:

* a worker that dies fails only the task it was running (:class:`Lost`, with the signal
  that killed it) and a fresh worker takes its place;
* a task that runs past ``timeout_s`` has its worker killed and replaced;
* each worker's address space is capped with ``RLIMIT_AS`` (``memory_mb``), so a task
  that needs too much memory gets a ``MemoryError`` inside the worker instead of waking
  the kernel's OOM killer for the whole machine;
* workers die with their parent: on Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)``, elsewhere
  a thread that watches ``os.getppid()``; and they ignore SIGINT, so Ctrl-C reaches the
  parent, which stops them.

Results travel back over the pipe pickled; only our own worker processes write to it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

#: Default per-file time limit of a batch, s (the CLI reads it without importing pandas).
DEFAULT_TIMEOUT_S = 600.0

T = TypeVar("T")
R = TypeVar("R")

#: Workers that may die in a row before finishing start-up before the pool gives up.
_MAX_FAILED_STARTS = 3
#: How often the fallback parent watchdog (non-Linux) checks that the parent lives, seconds.
_WATCH_PERIOD_S = 1.0


#: Likely causes, by signal number, added to a dead worker's message.
_SIGNAL_HINTS = {
    int(signal.SIGKILL): "; out of memory?",
    int(signal.SIGABRT): "; over the memory limit?",
    int(signal.SIGSEGV): "; a crash in native code",
}


@dataclass(frozen=True)
class Limits:
    """Per-task limits applied by :func:`run_supervised`.

    Parameters
    ----------
    timeout_s : float, optional
        Wall-clock seconds one task may run (None: no limit).
    memory_mb : int, optional
        Address-space limit of each worker process, MiB (None: no limit).
    """

    timeout_s: float | None = None
    memory_mb: int | None = None


@dataclass(frozen=True)
class Lost:
    """A task that returned nothing: its worker died or ran out of time."""

    kind: str  #: ``WorkerDied`` or ``TimeLimit``
    message: str


@dataclass
class _Slot(Generic[T]):
    proc: Any
    conn: Connection
    ready: bool = False  # the worker finished starting up
    task: int | None = None
    started: float | None = None  # monotonic time the worker acknowledged the task


def describe_exit(exitcode: int | None) -> str:
    """Plain words for a worker's exit status (negative: killed by that signal).

    Parameters
    ----------
    exitcode : int or None
        :attr:`multiprocessing.Process.exitcode`.

    Returns
    -------
    str
        e.g. ``worker died: killed by signal 9 (SIGKILL; out of memory?)``.
    """
    if exitcode is None:
        return "worker died: exit status unknown"
    if exitcode < 0:
        sig = -exitcode
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = "unknown signal"
        hint = _SIGNAL_HINTS.get(sig, "")
        return f"worker died: killed by signal {sig} ({name}{hint})"
    return f"worker died: exit status {exitcode}"


def _die_with_parent(parent_pid: int) -> None:
    """Make this process end when ``parent_pid`` ends (it is its parent)."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    else:

        def watch() -> None:
            while os.getppid() == parent_pid:
                time.sleep(_WATCH_PERIOD_S)
            os._exit(1)

        threading.Thread(target=watch, daemon=True, name="parent-watch").start()
    # The parent may have died before prctl took effect: then we were re-parented already.
    if os.getppid() != parent_pid:
        os._exit(1)


def _limit_memory(memory_mb: int | None) -> None:
    if memory_mb is None:
        return
    import resource

    limit = int(memory_mb) << 20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _worker_main(
    conn: Connection,
    parent_pid: int,
    fn: Callable[[Any], Any],
    initializer: Callable[[Limits], None] | None,
    limits: Limits,
) -> None:
    """Worker loop: receive ``(index, task)``, acknowledge, run ``fn(task)``, send the result."""
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(limits)
    _limit_memory(limits.memory_mb)
    conn.send(("ready", None))
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        index, task = msg
        conn.send(("started", index))
        try:
            result = fn(task)
        # Isolation boundary: fn should not raise; if it does, report it and stay alive for
        # the next task (even SystemExit or KeyboardInterrupt from the task's code).
        except BaseException as exc:  # noqa: BLE001
            conn.send(("raised", (index, f"{type(exc).__name__}: {exc}")))
            continue
        conn.send(("done", (index, result)))


def run_supervised(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    *,
    workers: int,
    limits: Limits = Limits(),
    initializer: Callable[[Limits], None] | None = None,
) -> Iterator[tuple[int, R | Lost]]:
    """Run ``fn`` on every task in worker processes, yielding results as they finish.

    Parameters
    ----------
    fn : callable
        A module-level function (workers are spawned and import it). It should catch its
        own errors; one that escapes is yielded as ``Lost("Raised", ...)``.
    tasks : sequence
        Picklable tasks.
    workers : int
        Worker processes (at most one per task).
    limits : Limits
        Per-task time and per-worker memory limits.
    initializer : callable, optional
        Module-level function run once in each worker with ``limits`` (e.g. warm-up imports
        so that the time limit measures the task, not the imports).

    Yields
    ------
    (int, result or Lost)
        The task's index in ``tasks`` and what ``fn`` returned, or why nothing came back.
    """
    pool = _Supervisor(fn, tasks, limits, initializer)
    try:
        pool.spawn(workers)
        while pool.busy():
            pool.dispatch()
            pool.wait()
            yield from pool.collect()
    finally:
        pool.shutdown()


class _Supervisor(Generic[T, R]):
    """State of one :func:`run_supervised` call: the task queue and one slot per worker."""

    def __init__(
        self,
        fn: Callable[[T], R],
        tasks: Sequence[T],
        limits: Limits,
        initializer: Callable[[Limits], None] | None,
    ) -> None:
        import multiprocessing as mp

        self.ctx = mp.get_context("spawn")
        self.fn = fn
        self.tasks = tasks
        self.limits = limits
        self.initializer = initializer
        self.queue = deque(range(len(tasks)))
        self.slots: list[_Slot[T]] = []
        # The slots of the collection round under way (see shutdown).
        self.current: list[_Slot[T]] = []
        self.failed_starts = 0

    def start(self) -> _Slot[T]:
        """Spawn one worker with its own pipe."""
        parent_end, child_end = self.ctx.Pipe()
        proc = self.ctx.Process(
            target=_worker_main,
            args=(child_end, os.getpid(), self.fn, self.initializer, self.limits),
            daemon=True,
            name="gait-worker",
        )
        proc.start()
        child_end.close()
        return _Slot(proc, parent_end)

    def spawn(self, workers: int) -> None:
        """Start the workers: ``workers`` of them, at least one, at most one per task."""
        self.slots = [self.start() for _ in range(max(1, min(workers, len(self.tasks))))]

    def busy(self) -> bool:
        """True while a task waits in the queue or runs in a worker."""
        return bool(self.queue) or any(s.task is not None for s in self.slots)

    def dispatch(self) -> None:
        """Hand a queued task to every idle worker that has started up."""
        for s in self.slots:
            if s.ready and s.task is None and self.queue:
                s.task = self.queue.popleft()
                s.started = None
                try:
                    s.conn.send((s.task, self.tasks[s.task]))
                except OSError:
                    # Died while idle: the task goes back, the worker is replaced in collect.
                    self.queue.appendleft(s.task)
                    s.task = None

    def wait(self) -> None:
        """Block until a worker sends something or dies, or the earliest time limit ends."""
        timeout = None
        if self.limits.timeout_s is not None:
            now = time.monotonic()
            ends = [
                s.started + self.limits.timeout_s - now for s in self.slots if s.started is not None
            ]
            timeout = max(0.0, min(ends)) if ends else None
        wait([s.conn for s in self.slots] + [s.proc.sentinel for s in self.slots], timeout)

    def collect(self) -> Iterator[tuple[int, R | Lost]]:
        """Read every worker's messages; replace dead and overdue workers.

        Yields
        ------
        (int, result or Lost)
            Finished tasks, and the tasks of workers that were lost.
        """
        self.current, self.slots = self.slots, []
        for s in self.current:
            self.slots.append(s)
            yield from self._receive(s)
            lost = self._lost(s)
            if lost is not None:
                yield from self._replace(s, lost)

    def _receive(self, s: _Slot[T]) -> Iterator[tuple[int, R | Lost]]:
        """Handle the messages waiting in one worker's pipe."""
        try:
            while s.conn.poll():
                kind, payload = s.conn.recv()
                if kind == "ready":
                    s.ready = True
                    self.failed_starts = 0
                elif kind == "started":
                    s.started = time.monotonic()
                elif kind == "done":
                    s.task = s.started = None
                    yield payload[0], payload[1]
                elif kind == "raised":
                    s.task = s.started = None
                    yield payload[0], Lost("Raised", payload[1])
        except (EOFError, OSError):
            pass  # the worker is gone; its sentinel says how

    def _lost(self, s: _Slot[T]) -> Lost | None:
        """Why a worker must be replaced (it died, or its task ran out of time), or None."""
        timeout_s = self.limits.timeout_s
        if not s.proc.is_alive():
            s.proc.join()
            return Lost("WorkerDied", describe_exit(s.proc.exitcode))
        if (
            timeout_s is not None
            and s.started is not None
            and time.monotonic() - s.started > timeout_s
        ):
            return Lost("TimeLimit", f"took longer than the {timeout_s:g} s limit; worker stopped")
        return None

    def _replace(self, s: _Slot[T], lost: Lost) -> Iterator[tuple[int, R | Lost]]:
        """Stop the last collected worker, start another if work remains, report its task."""
        task = s.task
        s.proc.kill()
        s.proc.join()
        s.conn.close()
        self.slots.pop()
        if not s.ready:
            self.failed_starts += 1
            if self.failed_starts > _MAX_FAILED_STARTS:  # broken set-up: do not respawn forever
                raise RuntimeError(f"batch workers cannot start ({lost.message})")
        if self.queue:
            self.slots.append(self.start())
        if task is not None:
            yield task, lost

    def shutdown(self) -> None:
        """Stop every worker.

        Normal end: every worker is idle and leaves on None. Early end (an exception or
        Ctrl-C in the parent, or the caller stopped iterating): busy workers are killed.
        """
        slots = self.slots
        slots += [s for s in self.current if s not in slots and s.proc.exitcode is None]
        for s in slots:
            if s.task is not None:
                s.proc.kill()
            else:
                try:
                    s.conn.send(None)
                except (OSError, ValueError):
                    s.proc.kill()
        for s in slots:
            s.proc.join(timeout=10)
            if s.proc.is_alive():
                s.proc.kill()
                s.proc.join()
            s.conn.close()

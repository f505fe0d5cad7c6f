"""Test-wide settings: a private history database, a clear failure when real data are missing.

Markers (registered in ``pyproject.toml``; ``make test-fast`` deselects the first four):

* ``slow``: one test (or its module fixture) takes more than about 5 s on a loaded 2-core machine;
* ``browser``: launches Debian's chromium (``tests/browser_helpers.py``);
* ``realdata``: reads the public recordings in ``../shared/data/real`` (see :data:`REAL_DATA`);
* ``realtime``: runs servers, sockets, subprocesses or asyncio on the wall clock (live
  sessions, the demo, the virtual BLE radio, phone loopback, dask workers).

``make test`` runs the suite on both cores with pytest-xdist (``-n 2``). Two more rules keep
that honest (:func:`_machine_share`):

* ``exclusive``: the test sets the machine's load itself (it starts busy processes), so no other
  test runs beside it: it waits for the other worker's test to end, and that worker waits
  for it;
* ``browser`` tests run one at a time (one chromium at a time).

``make test`` runs the ``realtime`` tests in a second pytest run without coverage: what they
check runs on the wall clock, and a traced live session (pytest-cov also traces the processes
it starts) fell behind its simulated clock beside two busy processes where an untraced one
kept up.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

#: Where the tests read the public recordings: ``shared/data/real`` beside the project folder.
REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
#: The datasets the ``realdata`` tests read, one folder each, and the public source of its files.
REAL_DATASETS = {
    "alcantara_sacrum_run": (
        "github.com/alcantarar/Recurrent_GRF_Prediction data/ (Alcantara et al. 2022)"
    ),
    "bach_shank_run_walk": (
        "github.com/marlow17/PredictingGroundReactionForces data/walk+run.mat (Bach et al. 2022)"
    ),
    "gaitmap_feet_walk": "github.com/mad-lab-fau/gaitmap v2.6.0 example_data/",
    "ipol_feet_lowerback_walk": "github.com/CyrilVoisard/ipol_dataset_1 GaitData/",
    "mobgap_lowerback_walk": "github.com/mobilise-d/mobgap v1.2.0 example_data/data/lab/HA",
    "oxford_phone_walk": "github.com/Oxford-step-counter/DataSet validation/",
}


def missing_real_data(root: Path = REAL_DATA) -> str | None:
    """Say what is missing of the real recordings, or ``None`` when they are all there.

    Parameters
    ----------
    root : Path
        Folder expected to hold one sub-folder per dataset of :data:`REAL_DATASETS`.

    Returns
    -------
    str or None
        A message naming the expected folder, the missing datasets and how to get them.
    """
    if root.is_dir():
        gone = [name for name in REAL_DATASETS if not (root / name).is_dir()]
        if not gone:
            return None
        what = f"missing datasets {', '.join(gone)} in {root}"
    else:
        gone = list(REAL_DATASETS)
        what = f"no folder {root}"
    sources = "; ".join(f"{name} from {REAL_DATASETS[name]}" for name in gone)
    return (
        f"real recordings not found: {what}. The 'realdata' tests read the public recordings "
        f"from shared/data/real beside the project folder (../shared/data/real from the project "
        f"root; from a git worktree, link the shared folder beside the worktree). The files "
        f"come from public sources: {sources}. To run without them: pytest -m 'not realdata' "
        f"(or make test-fast)."
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail, never skip, a ``realdata`` test when the recordings are not there.

    ``tryfirst`` so that this runs before the skip marks are evaluated: a parametrization
    over files that are not there would otherwise end as an empty-parameter-set skip.
    """
    if item.get_closest_marker("realdata") is not None:
        message = missing_real_data()
        if message is not None:
            pytest.fail(message, pytrace=False)


@pytest.fixture
def real_data() -> Path:
    """The folder of the public recordings; fails with :func:`missing_real_data`'s message."""
    message = missing_real_data()
    if message is not None:
        pytest.fail(message, pytrace=False)
    return REAL_DATA


@pytest.fixture(autouse=True)
def _private_history(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    db = tmp_path_factory.mktemp("history") / "history.sqlite"
    monkeypatch.setenv("GAIT_DB", str(db))
    return db


@contextlib.contextmanager
def _machine_share(item: pytest.Item) -> Iterator[None]:
    """Hold the machine shared for a test, or whole for an ``exclusive`` test, across xdist workers.

    A readers-writer lock on files in the run's temporary folder, which the workers of one run
    share: every test takes ``machine.lock`` shared, an ``exclusive`` test takes it exclusive. The
    turnstile (``turnstile.lock``) gives the exclusive taker priority: once an ``exclusive``
    test holds it, the other worker starts no new test, so it cannot starve the ``exclusive`` test
    by running one shared test after another. A ``browser`` test also takes ``browser.lock``
    exclusive: one chromium at a time. (A lock, not an ``xdist_group``: pytest-xdist 3.8 puts
    the group into ``item._nodeid``, which pytest 9.2 no longer reads, so ``--dist loadgroup``
    spreads a group over the workers.) Without xdist this does nothing.

    The locks are always taken in the same order (turnstile, machine, browser), so two workers
    cannot each hold one and wait for the other's.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    # a worker's basetemp is <the run's basetemp>/popen-gwN: its parent is the run's
    folder = item.config._tmp_path_factory.getbasetemp().parent  # type: ignore[attr-defined]
    exclusive = item.get_closest_marker("exclusive") is not None
    with contextlib.ExitStack() as held:
        turnstile = held.enter_context(open(folder / "turnstile.lock", "a"))
        machine = held.enter_context(open(folder / "machine.lock", "a"))
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(machine, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        finally:
            if not exclusive:
                fcntl.flock(turnstile, fcntl.LOCK_UN)
        # closing a file releases its lock; the stack closes them in reverse order
        if item.get_closest_marker("browser") is not None:
            browser = held.enter_context(open(folder / "browser.lock", "a"))
            fcntl.flock(browser, fcntl.LOCK_EX)
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """Run each test's setup, call and teardown under :func:`_machine_share`."""
    with _machine_share(item):
        return (yield)

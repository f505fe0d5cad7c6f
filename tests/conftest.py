"""Test-wide settings: a private history database, a clear failure when real data are missing.

Markers (registered in ``pyproject.toml``; ``make test-fast`` deselects the four of them):

* ``slow``: one test (or its module fixture) takes more than about 5 s on a loaded 2-core machine;
* ``browser``: launches Debian's chromium (``tests/browser_helpers.py``);
* ``realdata``: reads the public recordings in ``../shared/data/real`` (see :data:`REAL_DATA`);
* ``realtime``: runs servers, sockets, subprocesses or asyncio on the wall clock (live
  sessions, the demo, the virtual BLE radio, phone loopback, dask workers).
"""

from __future__ import annotations

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

"""Activity bouts (still / walk / run) with start and stop, on synthetic recordings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gait.analysis.bouts import BOUT_COLUMNS, WINDOW, detect_bouts
from gait.contract.recording import Stream
from gait.io import read
from gait.synth import SensorParams, synthesize

G = 9.80665
#: stand 0–10 s, walk 10–30 s, run 30–50 s, stand 50–60 s
SEGMENTS = [
    (0.0, "stand"),
    (10.0, {"activity": "walk"}),
    (30.0, {"activity": "run"}),
    (50.0, "stand"),
]


def _label_at(bouts: pd.DataFrame, t: float) -> str:
    row = bouts[(bouts["t_start"] <= t) & (bouts["t_end"] >= t)]
    return str(row["activity"].iloc[0]) if len(row) else "none"


@pytest.mark.parametrize(
    "placement", ["sacrum", "foot-left", "shank-right", "phone-pocket", "phone-belt"]
)
def test_start_stop_walk_run(placement: str) -> None:
    rec = synthesize(
        activity="walk",
        placements=(placement,),
        duration=60.0,
        rate=100.0,
        seed=2,
        segments=SEGMENTS,
        sensor=SensorParams(rotation="uniform"),
    )
    bouts = detect_bouts(rec.streams[0])
    assert list(bouts.columns) == list(BOUT_COLUMNS)
    assert set(bouts["activity"]) <= {"still", "walk", "run"}
    # bouts tile the stream in time order without overlap
    assert np.all(np.diff(bouts["t_start"].to_numpy()) > 0)
    assert np.all(bouts["t_end"].to_numpy()[:-1] <= bouts["t_start"].to_numpy()[1:] + 1e-9)
    # well inside each true segment the label is right
    for t, want in [
        (5.0, "still"),
        (15.0, "walk"),
        (25.0, "walk"),
        (35.0, "run"),
        (45.0, "run"),
        (56.0, "still"),
    ]:
        assert _label_at(bouts, t) == want, (t, bouts)
    # the walk starts and the run stops within one window of the truth: a window holding the
    # first contact's impact is moving (a shank's larger impact reaches 2.005 s back through
    # the band-pass filter), so a boundary can lead by up to a window, never more.
    walk_start = bouts.loc[bouts["activity"] == "walk", "t_start"].to_numpy()
    assert np.min(np.abs(walk_start - 10.0)) <= WINDOW
    run_end = bouts.loc[bouts["activity"] == "run", "t_end"].to_numpy()
    assert np.min(np.abs(run_end - 50.0)) <= WINDOW


def test_all_still_is_one_still_bout() -> None:
    t = np.arange(0, 30, 0.01)
    acc = np.tile([0.3, -0.2, G], (t.size, 1)) + np.random.default_rng(1).normal(
        0, 0.02, (t.size, 3)
    )
    bouts = detect_bouts(Stream("sacrum", None, t, acc, rate=100.0))
    assert list(bouts["activity"]) == ["still"]
    assert bouts["t_start"].iloc[0] == pytest.approx(0.0)
    assert bouts["t_end"].iloc[0] == pytest.approx(t[-1])


def test_too_short_gives_empty_frame() -> None:
    t = np.arange(0, 1.0, 0.01)
    bouts = detect_bouts(Stream("sacrum", None, t, np.tile([0, 0, G], (t.size, 1)), rate=100.0))
    assert bouts.empty
    assert list(bouts.columns) == list(BOUT_COLUMNS)


def test_non_finite_samples_raise_typed_error() -> None:
    from gait.contract.errors import AnalysisError

    t = np.arange(0, 10, 0.01)
    acc = np.tile([0.0, 0.0, G], (t.size, 1))
    acc[100, 2] = np.nan
    with pytest.raises(AnalysisError):
        detect_bouts(Stream("sacrum", None, t, acc, rate=100.0))


def test_gap_splits_bouts() -> None:
    """A long hole in the timestamps is not covered by any bout."""
    rec = synthesize(activity="run", placements=("sacrum",), duration=30.0, rate=100.0, seed=5)
    s = rec.streams[0]
    keep = (s.t < 12.0) | (s.t > 18.0)
    holed = Stream("sacrum", None, s.t[keep], s.acc[keep], rate=s.rate)
    bouts = detect_bouts(holed)
    inside = (bouts["t_start"] < 17.5) & (bouts["t_end"] > 12.5)
    assert not inside.any()
    assert set(bouts["activity"]) == {"run"}


@pytest.mark.realdata
def test_real_shank_running_and_walking_labelled_as_such() -> None:
    """Bach et al.'s clipped (±8 g) real shank running reads as running, their walks as walking."""
    real = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
    mat = real / "bach_shank_run_walk" / "walk+run_dev.mat"
    if not mat.is_file():
        pytest.fail(f"real shank data missing: {mat}")
    for k in range(1, int(read(mat).meta.extra["trials"]) + 1):
        rec = read(f"{mat}::{k}")
        bouts = detect_bouts(rec.streams[0])
        moving = bouts[bouts["activity"] != "still"]
        share = (moving["t_end"] - moving["t_start"]).groupby(moving["activity"]).sum()
        assert share.idxmax() == rec.meta.activity, (k, share.to_dict())
        assert share.get(rec.meta.activity, 0.0) >= 0.9 * share.sum(), (k, share.to_dict())

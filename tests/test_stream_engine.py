"""Streaming engine = batch pipeline on the same input (issue 6 item 1).

A synthetic run is fed chunk by chunk in random chunk sizes; the emitted step table
must equal ``gait.analyze`` on the whole recording: same steps, events within one
sample, every step-table column equal (edges excepted).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gait
from gait.analysis.pipeline import analyze
from gait.analysis.stream import (
    RingBuffer,
    SensorSpec,
    StreamEngine,
    replay_recording,
    specs_from_recording,
)
from gait.contract.errors import AnalysisError
from gait.contract.result import STEP_COLUMNS
from gait.synth import synthesize

RATE = 200.0
EDGE = 3.0  # s at each end where the two may legitimately differ


def _compare(batch: pd.DataFrame, live: pd.DataFrame, t0: float, t1: float) -> None:
    inner = (batch["t_ic"] > t0 + EDGE) & (batch["t_ic"] < t1 - EDGE)
    b = batch[inner].reset_index(drop=True)
    lt = live["t_ic"].to_numpy(dtype=float)
    assert np.all(np.diff(lt) > 0), "live steps must come out in time order, once each"
    ln = live[(live["t_ic"] > t0 + EDGE - 0.5) & (live["t_ic"] < t1 - EDGE + 0.5)]
    lt_in = ln["t_ic"].to_numpy(dtype=float)
    bt = b["t_ic"].to_numpy(dtype=float)
    j = np.clip(np.searchsorted(lt_in, bt), 1, len(lt_in) - 1)
    k = np.where(np.abs(lt_in[j] - bt) < np.abs(lt_in[j - 1] - bt), j, j - 1)
    assert np.abs(lt_in[k] - bt).max() <= 1.0 / RATE  # events within one sample
    assert len(np.unique(k)) == len(bt)  # one live step per batch step
    # nothing extra inside either: every live step has a batch step within one sample
    ball = batch["t_ic"].to_numpy(dtype=float)
    inner_live = ln[(ln["t_ic"] > t0 + EDGE) & (ln["t_ic"] < t1 - EDGE)]["t_ic"].to_numpy(
        dtype=float
    )
    jj = np.clip(np.searchsorted(ball, inner_live), 1, len(ball) - 1)
    assert (
        np.minimum(np.abs(ball[jj] - inner_live), np.abs(ball[jj - 1] - inner_live)).max()
        <= 1.0 / RATE
    )
    m = ln.reset_index(drop=True).iloc[k].reset_index(drop=True)
    assert list(m["side"]) == list(b["side"])
    for col in STEP_COLUMNS[2:]:
        x, y = b[col].to_numpy(dtype=float), m[col].to_numpy(dtype=float)
        same = np.isclose(x, y, atol=1.5 / RATE, rtol=1e-3) | (np.isnan(x) & np.isnan(y))
        assert same.all(), f"{col}: {int((~same).sum())} steps differ"


@pytest.mark.parametrize(
    ("placements", "seed"),
    [(("foot-left", "foot-right", "sacrum"), 3), (("foot-left", "foot-right"), 5)],
)
def test_random_chunks_match_batch(placements: tuple[str, ...], seed: int) -> None:
    # a cadence change mid-run, so the window has something to get wrong
    rec = synthesize(
        activity="run",
        placements=placements,
        duration=60.0,
        rate=RATE,
        seed=seed,
        segments=[(30.0, {"cadence": 178.0})],
    )
    batch = analyze(rec).steps
    live, eng = replay_recording(rec, (0.005, 0.6), seed=seed)
    t0 = min(float(s.t[0]) for s in rec.streams)
    t1 = max(float(s.t[-1]) for s in rec.streams)
    assert len(batch) > 120
    _compare(batch, live, t0, t1)
    # the stage functions ran every hop, not on every block
    n_blocks = 60.0 / 0.3
    assert eng.runs < len(rec.streams) * n_blocks / 2
    assert set(live["activity"]) <= {"run", "walk", "unknown"}


def test_steps_are_final_soon_after_their_data() -> None:
    """A step comes out once the detector context and the next contacts are in."""
    rec = synthesize(
        activity="run", placements=("foot-left", "foot-right"), duration=30.0, rate=RATE, seed=1
    )
    eng = StreamEngine(specs_from_recording(rec))
    lag = []
    for k in range(int(30 / 0.1)):
        for s in rec.streams:
            m = (s.t >= k * 0.1) & (s.t < (k + 1) * 0.1)
            new = eng.push(s.name, s.t[m], s.acc[m], s.gyr[m])  # type: ignore[index]
            if len(new):
                lag.extend(((k + 1) * 0.1 - new["t_ic"]).tolist())
    assert len(lag) > 50
    # context (4 s) + one stride + one hop, never more than a few seconds beyond
    assert max(lag) < eng.context + 2 * 1.0 + 2 * eng.hop


def test_a_lost_sensor_is_reported_and_steps_continue() -> None:
    rec = synthesize(
        activity="run",
        placements=("foot-left", "foot-right", "sacrum"),
        duration=40.0,
        rate=RATE,
        seed=4,
    )
    eng = StreamEngine(specs_from_recording(rec))
    times = []
    for k in range(400):
        for s in rec.streams:
            if s.name == "foot_right" and k * 0.1 >= 15.0:
                continue  # the right foot sensor drops out at 15 s
            m = (s.t >= k * 0.1) & (s.t < (k + 1) * 0.1)
            new = eng.push(s.name, s.t[m], s.acc[m], s.gyr[m])  # type: ignore[index]
            times.extend(new["t_ic"].tolist())
    assert eng.status()["foot_right"] == "lost"
    assert eng.status()["foot_left"] == "ok"
    t = np.asarray(times)
    assert (t > 25.0).sum() > 20  # the session goes on with the others


def test_bad_input_is_a_typed_error() -> None:
    eng = StreamEngine([SensorSpec("foot_left", "foot", "left", 100.0)])
    with pytest.raises(AnalysisError, match="unknown live sensor"):
        eng.push("sacrum", np.zeros(3), np.zeros((3, 3)), np.zeros((3, 3)))
    with pytest.raises(AnalysisError, match="times but"):
        eng.push("foot_left", np.zeros(3), np.zeros((4, 3)), np.zeros((4, 3)))
    with pytest.raises(AnalysisError):
        StreamEngine([])
    # replayed (not newer) samples are dropped and flagged, not appended twice
    t = np.arange(10) / 100.0
    eng.push("foot_left", t, np.ones((10, 3)), np.ones((10, 3)))
    eng.push("foot_left", t, np.ones((10, 3)), np.ones((10, 3)))
    assert "out_of_order:foot_left" in eng.flags


def test_ring_buffer_keeps_the_newest_rows() -> None:
    rb = RingBuffer(5, 1)
    rb.append(np.arange(3.0), np.arange(3.0)[:, None])
    rb.append(np.arange(3.0, 7.0), np.arange(3.0, 7.0)[:, None])
    t, x = rb.since(-np.inf)
    assert t.tolist() == [2.0, 3.0, 4.0, 5.0, 6.0]
    assert x[:, 0].tolist() == t.tolist()
    assert rb.since(4.5)[0].tolist() == [5.0, 6.0]
    rb.append(np.arange(10.0, 20.0), np.zeros((10, 1)))  # larger than the capacity
    assert rb.since(-np.inf)[0].tolist() == [15.0, 16.0, 17.0, 18.0, 19.0]
    assert len(rb) == 5
    assert rb.total == 17


def test_a_contact_emitted_from_one_sensor_is_not_emitted_again_from_another() -> None:
    """Fusion may time a contact from the sacrum after the foot's version went out."""
    from gait.analysis.stream.engine import SAME_CONTACT, _drop_repeats

    emitted = pd.DataFrame(
        {"side": ["left", "right"], "t_ic": [23.431, 23.785], "source": ["foot_left", "foot_right"]}
    )
    new = pd.DataFrame(
        {
            "side": ["right", "left", "right"],
            "t_ic": [23.7945, 24.151, 24.503],
            "source": ["sacrum", "foot_left", "sacrum"],
        }
    )
    kept = _drop_repeats(new, emitted)
    assert kept["t_ic"].tolist() == [24.151, 24.503]
    assert _drop_repeats(new, emitted.iloc[:0]).equals(new)
    # the next stride of the same side (≥ 0.5 s later) is never taken for a repeat
    assert SAME_CONTACT < 0.5


def test_a_belt_phone_replays_as_in_batch() -> None:
    # the replayed phone keeps its mount (a belt phone is timed like a sacrum), and live
    # labels the steps' activity by batch's rule (the signal's bouts, not the duty factor)
    rec = gait.read(Path(__file__).resolve().parents[1] / "samples" / "phone_belt_run.gaitrec")
    batch = analyze(rec).steps
    live, _ = replay_recording(rec, (0.005, 0.6), seed=1)
    assert len(batch) > 150
    assert len(live) == len(batch)
    dt = np.abs(live["t_ic"].to_numpy(dtype=float) - batch["t_ic"].to_numpy(dtype=float))
    assert dt.max() <= 1.0 / rec.streams[0].rate
    assert list(live["activity"]) == list(batch["activity"])

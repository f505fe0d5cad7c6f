"""Orientation: vertical from gravity, forward from the motion, invariant to the mounting."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from benchmarks._scoring import match_events
from gait.analysis.orient import gravity_direction, to_body_frame, vertical_acceleration
from gait.analysis.placements.sacrum import detect_events
from gait.contract.recording import Stream
from gait.synth import SensorParams, synthesize

G = 9.80665


def _rotated(s: Stream, rot: Rotation) -> Stream:
    m = rot.as_matrix()
    gyr = None if s.gyr is None else s.gyr @ m.T
    return Stream(s.placement, s.side, s.t, s.acc @ m.T, gyr, rate=s.rate, mount=s.mount)


def test_vertical_is_gravity_at_rest() -> None:
    t = np.arange(0, 10, 0.01)
    up_true = Rotation.from_euler("xyz", [30, -50, 10], degrees=True).apply([0, 0, 1])
    acc = np.tile(G * up_true, (t.size, 1))
    up = gravity_direction(acc, 100.0)
    assert np.allclose(up, up_true, atol=1e-6)
    assert np.allclose(vertical_acceleration(acc, 100.0), G, atol=1e-6)


@pytest.mark.parametrize("activity", ["run", "walk"])
def test_body_frame_does_not_depend_on_mounting(activity: str) -> None:
    rec = synthesize(
        activity=activity,
        placements=("sacrum",),
        duration=20.0,
        rate=200.0,
        seed=7,
        sensor=SensorParams(rotation="none"),
    )
    s = rec.streams[0]
    base = to_body_frame(s.acc, s.rate, s.gyr)
    rng = np.random.default_rng(0)
    for rot in Rotation.random(5, random_state=rng):
        r = _rotated(s, rot)
        bf = to_body_frame(r.acc, r.rate, r.gyr)
        assert np.abs(bf.acc - base.acc).max() < 1e-6
        assert bf.gyr is not None
        assert base.gyr is not None
        assert np.abs(bf.gyr - base.gyr).max() < 1e-6
    # z is up: mean vertical specific force is 1 g, horizontal means are ~0
    assert base.acc[:, 2].mean() == pytest.approx(G, rel=0.02)
    assert abs(base.acc[:, 0].mean()) < 0.3
    assert abs(base.acc[:, 1].mean()) < 0.3


def test_forward_axis_and_sign_found_for_running() -> None:
    """With the device mounted straight, the found forward axis is the device x axis."""
    rec = synthesize(
        activity="run",
        placements=("sacrum",),
        duration=20.0,
        rate=200.0,
        seed=1,
        sensor=SensorParams(rotation="none"),
    )
    s = rec.streams[0]
    ev = detect_events(s)
    # the detector's braking is positive only if forward points forward
    assert ev["braking"].median() > 0
    a_v = vertical_acceleration(s.acc, s.rate)
    from scipy.signal import find_peaks

    peaks, _ = find_peaks(a_v, distance=int(0.25 * s.rate), prominence=5.0)
    bf = to_body_frame(s.acc, s.rate, s.gyr, anchors=peaks, sign_rule="brake_before_peak")
    assert bf.forward @ np.array([1.0, 0.0, 0.0]) > 0.95
    assert bf.forward_strength > 0.8


@pytest.mark.parametrize("activity", ["run", "walk"])
def test_sacrum_events_invariant_to_random_rotation(activity: str) -> None:
    rec = synthesize(
        activity=activity,
        placements=("sacrum",),
        duration=20.0,
        rate=200.0,
        seed=11,
        sensor=SensorParams(rotation="none"),
    )
    s = rec.streams[0]
    base = detect_events(s)
    for rot in Rotation.random(4, random_state=np.random.default_rng(3)):
        ev = detect_events(_rotated(s, rot))
        m = match_events(base["t_ic"], ev["t_ic"], 0.005)
        assert m.tp == len(base) == len(ev)
        assert m.mae < 1e-4
        assert (ev["side"].to_numpy() == base["side"].to_numpy()).all()
        gct_b = (base["t_tc"] - base["t_ic"]).to_numpy()
        gct_r = (ev["t_tc"] - ev["t_ic"]).to_numpy()
        assert np.nanmax(np.abs(gct_b - gct_r)) < 1e-3
        assert np.allclose(
            ev["vertical_oscillation"], base["vertical_oscillation"], atol=1e-4, equal_nan=True
        )
        assert np.allclose(ev["braking"], base["braking"], atol=1e-4, equal_nan=True)

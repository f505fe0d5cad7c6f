"""Walking left/right of the lower-back detector does not depend on how the sensor is worn.

The yaw cue uses the vertical from gravity, the roll cue the forward axis found from the data
with its sign checked by two independent votes (gait.analysis.placements.trunk_side). Rotating the
device frame must therefore leave the sides unchanged, on synthetic and on real data (IPOL
trial 3-3 is one where the body frame's own forward sign rule picks the reversed axis).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks._scoring import score_steps
from gait.analysis.orient import BodyFrame, gravity_direction
from gait.analysis.placements.sacrum import detect_events
from gait.analysis.placements.trunk_side import walking_side_scores
from gait.contract.recording import Stream
from gait.io import read
from gait.synth import SensorParams, synthesize

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


def _rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    """Rotation matrix about a unit ``axis`` by ``angle`` rad (Rodrigues)."""
    a = axis / np.linalg.norm(axis)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * (k @ k)


def _rotated(stream: Stream, rot: np.ndarray) -> Stream:
    """The same motion seen by a sensor mounted with the extra rotation ``rot``."""
    gyr = None if stream.gyr is None else stream.gyr @ rot.T
    return dataclasses.replace(stream, acc=stream.acc @ rot.T, gyr=gyr)


def _mean_up(stream: Stream) -> np.ndarray:
    up = gravity_direction(stream.acc, stream.rate).mean(axis=0)
    return np.asarray(up / np.linalg.norm(up))


def _same_sides(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Share of the contacts of ``a`` matched in ``b`` (±20 ms) that got the same side."""
    a = a.sort_values("t_ic").reset_index(drop=True)
    b = b.sort_values("t_ic").reset_index(drop=True)
    sc = score_steps(a, b, 0.02)
    sa = a["side"].to_numpy()[sc.ic.ref_idx]
    sb = b["side"].to_numpy()[sc.ic.det_idx]
    assert sc.ic.ref_idx.size >= 0.95 * len(a)
    return float(np.mean(sa == sb))


@pytest.mark.parametrize("angle_deg", [90.0, 180.0])
def test_synthetic_walk_rotated_about_vertical_keeps_sides(angle_deg: float) -> None:
    rec = synthesize(
        activity="walk",
        placements=("sacrum",),
        duration=30.0,
        rate=100.0,
        seed=3,
        sensor=SensorParams(rotation="uniform"),
    )
    s = rec.streams[0]
    assert rec.reference is not None
    base = detect_events(s)
    turned = detect_events(_rotated(s, _rotation(_mean_up(s), np.radians(angle_deg))))
    assert _same_sides(base, turned) >= 0.99
    assert score_steps(rec.reference.events, turned, 0.1).side_accuracy >= 0.9


def test_synthetic_walk_upside_down_keeps_sides() -> None:
    rec = synthesize(
        activity="walk",
        placements=("sacrum",),
        duration=30.0,
        rate=100.0,
        seed=4,
        sensor=SensorParams(rotation="uniform"),
    )
    s = rec.streams[0]
    horizontal = np.cross(_mean_up(s), [0.3, 0.5, 0.8])  # any axis perpendicular to up
    flipped = detect_events(_rotated(s, _rotation(horizontal, np.pi)))
    assert _same_sides(detect_events(s), flipped) >= 0.99


def test_roll_cue_follows_the_forward_sign_check() -> None:
    """A body frame with its forward axis reversed (x, y negated) gives the same scores.

    It has no sign evidence of its own: the contact-locked a_fwd/a_v vote restores the roll
    sign.
    """
    rng = np.random.default_rng(0)
    fs, n = 100.0, 3000
    t = np.arange(n) / fs
    f_step = 1.8  # steps/s; left contacts on even steps
    ic = np.arange(1.0, 28.0, 1 / f_step)
    idx = np.round(ic * fs).astype(int)
    phase = 2 * np.pi * f_step * t
    # Loading after each contact (a_v up) while the trunk brakes (a_fwd down): anti-correlated.
    a_v = 9.81 + 2.0 * np.cos(phase - 0.5) + 0.1 * rng.standard_normal(n)
    a_f = -1.0 * np.cos(phase - 0.5) + 0.1 * rng.standard_normal(n)
    # Stride-rate yaw (negative before a left contact) and roll (positive after it).
    yaw = 0.3 * np.sin(np.pi * f_step * t)
    roll = 0.3 * np.sin(np.pi * f_step * t - 1.0)
    acc = np.column_stack([a_f, 0.2 * rng.standard_normal(n), a_v])
    gyr = np.column_stack([roll, 0.05 * rng.standard_normal(n), yaw])
    up = np.tile([0.0, 0.0, 1.0], (n, 1))
    fwd = np.array([1.0, 0.0, 0.0])
    bf = BodyFrame(acc, gyr, up, fwd, 0.9, 0.0)
    flip = np.array([-1.0, -1.0, 1.0])
    bf_rev = BodyFrame(acc * flip, gyr * flip, up, -fwd, 0.9, 0.0)
    s0 = walking_side_scores(bf, idx, fs)
    s1 = walking_side_scores(bf_rev, idx, fs)
    np.testing.assert_allclose(s0, s1, atol=1e-9)
    # the scores alternate from step to step, as the sides do
    assert np.mean(s0[1:] * s0[:-1] < 0) >= 0.9


@pytest.mark.realdata
@pytest.mark.parametrize(("trial", "angle_deg"), [("3-3", 180.0), ("5-3", 180.0), ("1-1", 90.0)])
def test_real_lower_back_rotated_keeps_sides(trial: str, angle_deg: float) -> None:
    """IPOL dev trials: the sides match the reference and survive a turned sensor."""
    path = REAL / "ipol_feet_lowerback_walk" / f"{trial}_lb.txt"
    assert path.is_file(), f"real data missing: {path}"
    rec = read(path)
    s = next(x for x in rec.streams if x.placement == "sacrum")
    assert rec.reference is not None
    ref = rec.reference.events
    base = detect_events(s)
    turned = detect_events(_rotated(s, _rotation(_mean_up(s), np.radians(angle_deg))))
    assert _same_sides(base, turned) >= 0.99
    for det in (base, turned):
        sc = score_steps(ref, det, 0.1)
        assert sc.side_accuracy >= 0.97, (trial, sc.side_accuracy)

"""Synthetic signals agree with their own ground truth by physics.

Integrating the pelvis acceleration reproduces the vertical oscillation, the vertical
velocity is periodic, strapdown + zero-velocity integration of the foot gives the stride
length, impacts and left/right sway are where the truth says.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import cumulative_trapezoid
from scipy.spatial.transform import Rotation

from gait.synth import GaitParams, SensorParams, synthesize
from gait.synth.generate import build_body

IDEAL = SensorParams.ideal()
G = 9.80665


def _world_acc(rec, body, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Pelvis acceleration in the lab frame (gravity removed) from the ideal sensor."""
    s = rec.stream(name)
    pos = body.trunk.position(s.t)
    rot = Rotation.from_euler(
        "ZYX", np.column_stack([pos["yaw"][0], pos["pitch"][0], pos["roll"][0]])
    )
    a = rot.apply(s.acc)
    a[:, 2] -= G
    return a


@pytest.mark.parametrize(("activity", "cv"), [("run", 0.0), ("walk", 0.0), ("run", 0.03)])
def test_pelvis_vo_by_double_integration_matches_truth(activity: str, cv: float) -> None:
    gait = GaitParams(treadmill=True, stride_cv=cv, strike_angle_sd=0.0 if cv == 0 else 1.5)
    kw = {"activity": activity, "duration": 8.0, "seed": 4, "gait": gait}
    rec = synthesize(placements=("sacrum",), sensor=IDEAL, rate=1000.0, **kw)
    body, _ = build_body(activity, 8.0, 4, gait)
    a = _world_acc(rec, body, "sacrum")
    t = rec.stream("sacrum").t
    ev = rec.reference.events.dropna(subset=["step_time", "vertical_oscillation"])
    dv, err = [], []
    for t0, st, vo in zip(ev["t_ic"], ev["step_time"], ev["vertical_oscillation"], strict=True):
        m = (t >= t0) & (t <= t0 + st)
        v = cumulative_trapezoid(a[m, 2], t[m], initial=0.0)
        dv.append(v[-1])
        z = cumulative_trapezoid(v - v.mean(), t[m], initial=0.0)
        z -= np.linspace(0, z[-1], z.size)  # the height returns each step
        err.append((z.max() - z.min()) - vo)
    if cv == 0:
        # Steady gait: the vertical velocity is periodic step to step. (With stride
        # variability the landing speed follows each flight time, as it should.)
        assert np.abs(dv).max() < 0.03
    assert np.abs(err).max() < 0.003  # VO within 3 mm
    lo, hi = (0.04, 0.10) if activity == "run" else (0.02, 0.05)
    assert lo < ev["vertical_oscillation"].mean() < hi


def test_running_pelvis_is_near_free_fall_in_flight_and_loaded_in_stance() -> None:
    rec = synthesize(placements=("sacrum",), sensor=IDEAL, duration=10.0, seed=1)
    body, _ = build_body("run", 10.0, 1)
    a = _world_acc(rec, body, "sacrum")
    t = rec.stream("sacrum").t
    ev = rec.reference.events.dropna(subset=["flight"])
    fl = np.zeros(t.size, bool)
    st = np.zeros(t.size, bool)
    reached = []
    for ic, tc, nx in zip(ev["t_ic"], ev["t_tc"], ev["t_ic"] + ev["step_time"], strict=True):
        one = (t > tc + 0.01) & (t < nx - 0.01)
        fl |= one
        reached.append(np.abs(a[one, 2] + G).min())
        # Mid-stance after the impact sag, which ends at 35 % of stance (real sacra dip
        # to about 1 g there too, Alcantara et al. 2022).
        st |= (t > ic + 0.4 * (tc - ic)) & (t < ic + 0.7 * (tc - ic))
    # Flight: unloaded, and in free fall (-1 g) for part of every flight; the trunk
    # reaches it some tens of ms after take-off, as real sacra do (Alcantara et al. 2022).
    assert np.abs(a[fl, 2] + G).max() < 0.35 * G
    assert max(reached) < 0.6
    assert a[st, 2].min() > 0.5 * G  # loaded in mid-stance


def test_pelvis_braking_truth_matches_integrated_forward_acceleration() -> None:
    rec = synthesize(
        placements=("sacrum",), sensor=IDEAL, duration=10.0, seed=2, gait=GaitParams(braking=0.2)
    )
    body, _ = build_body("run", 10.0, 2, GaitParams(braking=0.2))
    a = _world_acc(rec, body, "sacrum")
    t = rec.stream("sacrum").t
    ev = rec.reference.events.dropna(subset=["gct"])
    got = []
    for ic, tc in zip(ev["t_ic"], ev["t_tc"], strict=True):
        m = (t >= ic) & (t <= tc)
        v = cumulative_trapezoid(a[m, 0], t[m], initial=0.0)
        got.append(v[0] - v.min())
    np.testing.assert_allclose(got, ev["braking"], atol=0.01)


def test_pelvis_sway_alternates_with_the_stance_side() -> None:
    rec = synthesize(placements=("sacrum",), sensor=IDEAL, duration=12.0, seed=3)
    body, _ = build_body("run", 12.0, 3)
    s = rec.stream("sacrum")
    ev = rec.reference.events.dropna(subset=["gct"])
    mid = (ev["t_ic"] + ev["t_tc"]) / 2
    is_left = (ev["side"] == "left").to_numpy()
    world = np.interp(mid, s.t, _world_acc(rec, body, "sacrum")[:, 1])
    # Mid-stance ML acceleration points away from the stance foot, every single step...
    assert world[is_left].max() < 0 < world[~is_left].min()
    # ...and the sensor's own lateral axis (with pelvic drop tilting gravity in) still
    # separates the sides by sign, which is what L/R assignment from a sacrum needs.
    dev = np.interp(mid, s.t, s.acc[:, 1])
    assert np.sign(dev[is_left]).tolist() == [np.sign(dev[is_left][0])] * is_left.sum()
    assert np.sign(dev[~is_left]).tolist() == [-np.sign(dev[is_left][0])] * (~is_left).sum()


@pytest.mark.parametrize("treadmill", [False, True])
def test_zupt_integration_of_the_foot_gives_the_stride_length(treadmill: bool) -> None:
    gait = GaitParams(speed=3.5, treadmill=treadmill)
    rec = synthesize(
        placements=("foot-right",), sensor=IDEAL, duration=10.0, seed=5, rate=200.0, gait=gait
    )
    s = rec.stream("foot_right")
    ev = rec.reference.events
    right = ev[ev.side == "right"].dropna(subset=["stride_length", "gct"])
    w = -s.gyr[:, 1]
    th = cumulative_trapezoid(w, s.t, initial=0.0)
    mids = ((right["t_ic"] + right["t_tc"]) / 2).to_numpy()
    for k in range(len(mids) - 1):
        m = (s.t >= mids[k]) & (s.t <= mids[k + 1])
        t = s.t[m]
        ang = th[m] - th[m][0]  # the foot is flat at mid-stance
        ax = np.cos(ang) * s.acc[m, 0] - np.sin(ang) * s.acc[m, 2]
        v0 = -3.5 if treadmill else 0.0  # stance foot moves with the belt
        v = v0 + cumulative_trapezoid(ax, t, initial=0.0)
        x = np.trapezoid(v, t) - v0 * (t[-1] - t[0])
        assert x == pytest.approx(right["stride_length"].iloc[k], abs=0.01)


def test_foot_impact_at_contact_and_rearfoot_hits_harder() -> None:
    peaks = {}
    for fsa in (14.0, -5.0):
        rec = synthesize(
            placements=("foot-left", "shank-left"),
            sensor=IDEAL,
            duration=8.0,
            seed=6,
            rate=1000.0,
            gait=GaitParams(foot_strike_angle=fsa),
        )
        ev = rec.reference.events
        left = ev[ev.side == "left"]
        foot, shank = rec.stream("foot_left"), rec.stream("shank_left")
        fp, sp = [], []
        for ic in left["t_ic"]:
            m = (foot.t >= ic) & (foot.t <= ic + 0.03)
            fp.append(np.linalg.norm(foot.acc[m], axis=1).max())
            sp.append(np.linalg.norm(shank.acc[m], axis=1).max())
        np.testing.assert_allclose(fp, left["impact"], rtol=0.03)
        assert 5 * G < np.median(sp) < 16 * G  # PTA in the published 5-15 g band
        peaks[fsa] = np.median(fp)
    assert peaks[14.0] > 1.3 * peaks[-5.0]


def test_swing_pitch_rate_peak_is_realistic_for_running() -> None:
    for speed, lo, hi in ((2.5, 8.0, 14.0), (5.0, 10.0, 20.0)):
        rec = synthesize(
            placements=("foot-left",),
            sensor=IDEAL,
            duration=8.0,
            seed=1,
            gait=GaitParams(speed=speed, cadence=170 if speed < 4 else 185),
        )
        w = -rec.stream("foot_left").gyr[:, 1]
        assert lo < np.percentile(w, 99.5) < hi


def test_ideal_imu_rotates_like_scipy_and_gives_body_rates() -> None:
    from gait.synth.body import Motion, ideal_imu

    rng = np.random.default_rng(0)
    n = 500
    acc = rng.normal(size=(n, 3))
    ang = [(rng.normal(size=n), rng.normal(size=n), np.zeros(n)) for _ in range(3)]
    got, _ = ideal_imu(Motion(acc, ang[0], ang[1], ang[2]))
    f = acc + np.array([0.0, 0.0, G])
    rot = Rotation.from_euler("ZYX", np.column_stack([ang[0][0], ang[1][0], ang[2][0]]))
    np.testing.assert_allclose(got, rot.inv().apply(f), atol=1e-12)
    # Body rates: integrate a smooth attitude and compare with scipy's finite rotation.
    t = np.linspace(0.0, 1.0, 20001)
    yaw = (0.3 * np.sin(3 * t), 0.9 * np.cos(3 * t), -2.7 * np.sin(3 * t))
    pitch = (0.2 * t**2, 0.4 * t, 0.4 * np.ones_like(t))
    roll = (0.1 * np.sin(5 * t), 0.5 * np.cos(5 * t), -2.5 * np.sin(5 * t))
    _, gyr = ideal_imu(Motion(np.zeros((t.size, 3)), yaw, pitch, roll))
    r = Rotation.from_euler("ZYX", np.column_stack([yaw[0], pitch[0], roll[0]]))
    dt = t[1] - t[0]
    fd = (r[:-1].inv() * r[1:]).as_rotvec() / dt  # body-frame rate between samples
    np.testing.assert_allclose(fd, 0.5 * (gyr[:-1] + gyr[1:]), atol=1e-4)

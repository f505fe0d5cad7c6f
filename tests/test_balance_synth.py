"""The synthetic balance generator: truth tables, determinism, physics and options."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from gait.synth.balance import (
    BalanceParams,
    G,
    Segment,
    SensorOptions,
    synthesize_balance,
)


@pytest.fixture(scope="module")
def rec():
    return synthesize_balance(
        ("sacrum", "phone-sternum", "foot-left", "foot-right"),
        rate=100.0,
        seed=3,
        touchdowns_open=1,
        touchdowns_closed=2,
    )


def test_truth_tables_and_meta(rec):
    assert rec.meta.activity == "balance"
    ref = rec.reference
    assert ref.kind == "synthetic"
    assert list(ref.events.columns) == ["side", "t_ic", "t_tc"]
    assert ref.events.empty
    tr = ref.tables["balance_trials"]
    assert list(tr["kind"]) == ["stance"] * 4 + ["hop"] * 2
    assert list(zip(tr["leg"][:4], tr["eyes"][:4], strict=True)) == [
        ("left", "open"),
        ("right", "open"),
        ("left", "closed"),
        ("right", "closed"),
    ]
    np.testing.assert_allclose((tr["t_end"] - tr["t_start"])[:4], 30.0, atol=0.02)
    # eyes closed sways romberg (1.6) times more; ML = 1.2 x AP by default
    np.testing.assert_allclose(tr["rms_ap"][2] / tr["rms_ap"][0], 1.6, rtol=1e-6)
    np.testing.assert_allclose(tr["rms_ml"][:4] / tr["rms_ap"][:4], 1.2, rtol=1e-6)
    td = ref.tables["touchdowns"]
    assert len(td) == 6
    assert list(tr["n_touchdowns"][:4]) == [1, 1, 2, 2]
    for row in td.itertuples():
        trial = tr.iloc[row.trial]
        assert trial.t_start + 3.0 <= row.t <= trial.t_end - 3.0
        assert row.leg == trial.leg
    assert np.isfinite(tr["stabilization_time"][4:]).all()
    assert {s.name for s in rec.streams} == {"sacrum", "phone_sternum", "foot_left", "foot_right"}
    assert ref.params["truth_stream"] == "sacrum"
    import json

    json.dumps(ref.params)  # every injected parameter is JSON-able


def test_deterministic_per_seed():
    a = synthesize_balance(("sacrum",), rate=50.0, seed=11)
    b = synthesize_balance(("sacrum",), rate=50.0, seed=11)
    c = synthesize_balance(("sacrum",), rate=50.0, seed=12)
    np.testing.assert_array_equal(a.streams[0].acc, b.streams[0].acc)
    assert not np.allclose(a.streams[0].acc, c.streams[0].acc)


def test_rotation_keeps_norms_and_acc_only():
    kw = {"rate": 100.0, "seed": 5}
    flat = synthesize_balance(
        ("sacrum",),
        sensor=SensorOptions(rotation=False, acc_noise=0.0, gyr_noise=0.0, gyr_bias=0.0),
        **kw,
    )
    rot = synthesize_balance(
        ("sacrum",),
        sensor=SensorOptions(rotation=True, acc_noise=0.0, gyr_noise=0.0, gyr_bias=0.0),
        **kw,
    )
    np.testing.assert_allclose(
        np.linalg.norm(flat.streams[0].acc, axis=1),
        np.linalg.norm(rot.streams[0].acc, axis=1),
        atol=1e-9,
    )
    q = rot.streams[0].device["mount_rotation_quat"]
    np.testing.assert_allclose(
        Rotation.from_quat(q).apply(rot.streams[0].acc), flat.streams[0].acc, atol=1e-9
    )
    acc_only = synthesize_balance(("sacrum",), acc_only=True, **kw)
    assert acc_only.streams[0].gyr is None


def test_designed_sway_reaches_the_unrotated_sensor():
    """Without rotation/noise the horizontal body axes carry the designed sway (+ gravity tilt)."""
    rec = synthesize_balance(
        ("sacrum",),
        rate=100.0,
        seed=2,
        sensor=SensorOptions(rotation=False, acc_noise=0.0, gyr_noise=0.0, gyr_bias=0.0),
    )
    tr = rec.reference.tables["balance_trials"].iloc[0]
    s = rec.streams[0]
    w = (s.t >= tr.win_start) & (s.t <= tr.win_end)
    a = s.acc[w]
    # nearly upright: vertical axis carries ~g, the horizontal ones the designed RMS
    assert abs(a[:, 2].mean() - G) < 0.01
    np.testing.assert_allclose(a[:, 0].std(), tr.rms_ap, rtol=0.01)
    np.testing.assert_allclose(a[:, 1].std(), tr.rms_ml, rtol=0.01)


def test_hop_has_flight_and_impact():
    rec = synthesize_balance(("sacrum",), rate=200.0, seed=1, sensor=SensorOptions(acc_noise=0.0))
    tr = rec.reference.tables["balance_trials"]
    hop = tr[tr["kind"] == "hop"].iloc[0]
    s = rec.streams[0]
    mag = np.linalg.norm(s.acc, axis=1)
    flight = (s.t > hop.t_land - 0.25) & (s.t < hop.t_land - 0.05)
    assert mag[flight].max() < 0.5
    after = (s.t >= hop.t_land) & (s.t < hop.t_land + 0.15)
    assert mag[after].max() > 2 * G


def test_explicit_plan_and_bad_options():
    plan = [
        Segment("stand", 3.0),
        Segment(
            "stance", 12.0, leg="right", eyes="closed", rms_ap=0.2, rms_ml=0.1, touchdowns=(5.0,)
        ),
        Segment("stand", 3.0),
    ]
    rec = synthesize_balance(("phone-belt",), rate=60.0, seed=0, balance=BalanceParams(plan=plan))
    tr = rec.reference.tables["balance_trials"]
    assert len(tr) == 1
    assert tr.leg[0] == "right"
    assert tr.rms_ap[0] == pytest.approx(0.2)
    assert rec.streams[0].placement == "phone"
    assert rec.streams[0].mount == "belt"
    with pytest.raises(ValueError, match="trunk"):
        synthesize_balance(("foot-left",))
    with pytest.raises(ValueError, match="unsupported"):
        synthesize_balance(("sacrum", "wrist"))
    with pytest.raises(TypeError, match="unexpected option"):
        synthesize_balance(("sacrum",), wobble=3)
    with pytest.raises(ValueError, match="segments"):
        synthesize_balance(("sacrum",), segments=[(0.0, {})])

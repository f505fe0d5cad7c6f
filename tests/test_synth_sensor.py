"""Sensor effects of the synthetic generator.

Mounting rotation, saturation, packet loss, clock drift and jitter, accelerometer-only
sensors and sampling rates.
"""

from __future__ import annotations

import numpy as np
import pytest

from gait.synth import GaitParams, SensorParams, synthesize
from gait.synth.body import PLACEMENT_SPECS

IDEAL = SensorParams.ideal()
G = 9.80665


def _ideal(**kw) -> SensorParams:  # type: ignore[no-untyped-def]
    return SensorParams(**{**IDEAL.to_dict(), **kw})


def test_random_rotation_keeps_norms_and_is_recorded() -> None:
    places = tuple(
        p
        for p in PLACEMENT_SPECS
        if p != "phone-hand" and not p.startswith("phone-a") and not p.startswith("phone-p")
    )
    a = synthesize(placements=places, duration=6, seed=1, sensor=IDEAL)
    b = synthesize(placements=places, duration=6, seed=1, sensor=_ideal(rotation="uniform"))
    for sa, sb in zip(a.streams, b.streams, strict=True):
        np.testing.assert_allclose(
            np.linalg.norm(sa.acc, axis=1), np.linalg.norm(sb.acc, axis=1), rtol=1e-9, atol=1e-9
        )
        np.testing.assert_allclose(
            np.linalg.norm(sa.gyr, axis=1), np.linalg.norm(sb.gyr, axis=1), rtol=1e-9, atol=1e-9
        )
        assert not np.allclose(sa.acc, sb.acc)
        m = np.array(b.reference.params["streams"][sb.name]["mount_matrix"])
        m0 = np.array(a.reference.params["streams"][sa.name]["mount_matrix"])  # nominal
        # Undo both mountings with the recorded truth: the same segment-frame signal.
        np.testing.assert_allclose(sb.acc @ m.T, sa.acc @ m0.T, atol=1e-9)
        np.testing.assert_allclose(m @ m.T, np.eye(3), atol=1e-12)


def test_small_rotation_stays_near_the_nominal_mounting() -> None:
    rec = synthesize(
        placements=("sacrum",),
        duration=4,
        seed=2,
        sensor=_ideal(rotation="small", small_rotation_deg=10.0),
    )
    m = np.array(rec.reference.params["streams"]["sacrum"]["mount_matrix"])
    angle = np.degrees(np.arccos((np.trace(m) - 1) / 2))
    assert 0 < angle <= 10.0


def test_saturation_clips_and_is_counted() -> None:
    rng = 4 * G
    rec = synthesize(
        placements=("foot-left",), duration=6, seed=1, sensor=_ideal(acc_range=rng, gyr_range=5.0)
    )
    s = rec.stream("foot_left")
    assert np.abs(s.acc).max() <= rng
    assert np.abs(s.gyr).max() <= 5.0
    assert np.isclose(np.abs(s.acc).max(), rng)
    assert np.isclose(np.abs(s.gyr).max(), 5.0)
    info = rec.reference.params["streams"]["foot_left"]
    assert info["acc_saturated"] > 0
    assert info["gyr_saturated"] > 0
    assert s.acc_range == rng


def test_dropped_packets_remove_samples_and_are_recorded() -> None:
    sp = _ideal(drop_rate=0.05, packet_samples=4, burst=2.0)
    rec = synthesize(placements=("sacrum",), duration=60, seed=3, rate=100, sensor=sp)
    s = rec.stream("sacrum")
    info = rec.reference.params["streams"]["sacrum"]
    assert info["samples"] == 6001
    assert info["kept"] == s.n
    assert info["dropped"] == 6001 - s.n
    assert 0.02 < info["dropped"] / 6001 < 0.09
    drops = rec.reference.tables["drops"]
    assert drops["n"].sum() == info["dropped"]
    assert (drops["n"] % 4 == 0).sum() >= len(drops) - 1  # whole packets
    gaps = np.diff(s.t)
    assert (gaps > 1.5 / 100).sum() == len(drops)  # every loss is a visible gap
    clean = synthesize(placements=("sacrum",), duration=60, seed=3, rate=100, sensor=IDEAL)
    keep = np.round(s.t * 100).astype(int)
    np.testing.assert_allclose(s.acc, clean.stream("sacrum").acc[keep])


def test_clock_drift_stamps_in_sensor_time_and_truth_stays_true() -> None:
    ppm = 2000.0
    rec = synthesize(
        placements=("foot-left",), duration=30, seed=4, rate=200, sensor=_ideal(drift_ppm=ppm)
    )
    drift = rec.reference.params["streams"]["foot_left"]["drift_ppm"]
    assert 0 < abs(drift) <= ppm
    s = rec.stream("foot_left")
    np.testing.assert_allclose(s.t, np.arange(s.n) / 200.0)
    # The pitch-rate minimum at a late contact sits at t_true * (1 + drift) on the sensor clock.
    ev = rec.reference.events
    ic = ev[ev.side == "left"]["t_ic"].iloc[-3]
    expect = ic * (1 + drift * 1e-6)
    m = np.abs(s.t - expect) < 0.02
    t_min = s.t[m][np.argmin(-s.gyr[m, 1])]
    assert abs(t_min - expect) < 0.006
    assert abs(t_min - ic) > 0.02  # the raw sensor time is off by tens of ms


def test_jitter_keeps_time_increasing_and_bounded() -> None:
    rec = synthesize(
        placements=("sacrum",), duration=10, seed=5, rate=500, sensor=_ideal(jitter=0.002)
    )
    t = rec.stream("sacrum").t
    assert np.all(np.diff(t) > 0)
    dev = t - np.arange(t.size) / 500
    assert 0 < np.abs(dev).max() <= 0.45 / 500 + 1e-12


def test_accelerometer_only_streams() -> None:
    rec = synthesize(
        placements=("foot-right", "phone-belt"),
        duration=5,
        seed=1,
        sensor=SensorParams(no_gyro=True),
    )
    assert all(s.gyr is None and s.gyr_range is None for s in rec.streams)


def test_noise_bias_and_quantization() -> None:
    rec = synthesize(
        placements=("sacrum",),
        duration=20,
        seed=6,
        segments=[(0.0, "stand")],
        sensor=SensorParams(rotation="none", acc_noise=0.05, acc_bias=0.2),
    )
    s = rec.stream("sacrum").slice_time(2.0, 20.0)  # the runner stops at t = 0
    info = rec.reference.params["streams"]["sacrum"]
    bias = np.array(info["acc_bias"])
    assert np.all(np.abs(bias) <= 0.2)
    np.testing.assert_allclose(s.acc.mean(axis=0), np.array([0, 0, G]) + bias, atol=0.01)
    assert s.acc[:, 0].std() == pytest.approx(0.05, rel=0.1)
    lsb = 2.0**-8  # 16 g / 32768 rounded down to a power of two
    np.testing.assert_allclose(s.acc / lsb, np.round(s.acc / lsb), atol=1e-9)


@pytest.mark.parametrize("rate", [50.0, 100.0, 333.0, 1000.0])
def test_sampling_rates_work(rate: float) -> None:
    rec = synthesize(
        placements=("foot-left", "sacrum"),
        duration=10,
        seed=2,
        rate=rate,
        sensor=IDEAL,
        gait=GaitParams(cadence=170),
    )
    for s in rec.streams:
        assert s.n == int(10 * rate) + 1
        assert s.rate == rate
    # The swing peak survives the rate (the boxcar anti-alias filter barely touches it).
    w = -rec.stream("foot_left").gyr[:, 1]
    assert 8.0 < w.max() < 14.0
    az = rec.stream("sacrum").acc[:, 2]
    f = np.fft.rfftfreq(az.size, 1 / rate)
    spec = np.abs(np.fft.rfft(az - az.mean()))
    assert f[np.argmax(spec * (f > 1.5))] * 60 == pytest.approx(170, rel=0.03)


@pytest.mark.parametrize("mount", ["belt", "armband", "hand", "pocket"])
def test_phone_streams_move_at_step_or_stride_frequency(mount: str) -> None:
    rec = synthesize(
        activity="walk",
        placements=(f"phone-{mount}",),
        duration=30,
        seed=1,
        rate=100,
        gait=GaitParams(cadence=110),
    )
    s = rec.streams[0]
    assert s.placement == "phone"
    assert s.mount == mount
    assert s.side is None
    norm = np.linalg.norm(s.acc, axis=1)
    f = np.fft.rfftfreq(norm.size, 1 / 100)
    spec = np.abs(np.fft.rfft(norm - norm.mean()))
    peak = f[np.argmax(spec * (f > 0.5))]
    step_hz = 110 / 60
    assert min(abs(peak - step_hz), abs(peak - step_hz / 2), abs(peak - 2 * step_hz)) < 0.1

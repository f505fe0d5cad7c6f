"""Live sample times (gait.apps.live.clock): device clock at nominal rate, offset from arrivals.

Packets are made by hand as the decoders would return them; arrival times carry a
latency (≥ 0, with a backlog at the start), so the times must come from the device
clock or counter and the arrival envelope, never from arrival times directly.
"""

from __future__ import annotations

import numpy as np

from devices.decoders import Samples
from gait.apps.live.clock import WARMUP, DeviceClock

RATE = 100.0
N = 5  # samples per packet


def _packets(
    seconds: float, *, counter0: int = 0, backlog: float = 0.0, seed: int = 0, kind: str = "imu"
) -> list[tuple[Samples, np.ndarray]]:
    """Packets of N samples with true sample times k/RATE; arrival = last sample + latency."""
    rng = np.random.default_rng(seed)
    out = []
    n_pk = int(seconds * RATE / N)
    for p in range(n_pk):
        k = np.arange(p * N, (p + 1) * N)
        t_true = k / RATE
        # a queue at connection time that drains over the first second, then 2–20 ms
        lat = backlog * max(0.0, 1.0 - t_true[-1]) + rng.uniform(0.002, 0.02)
        x = np.column_stack([np.sin(t_true), np.cos(t_true), t_true])
        acc = x if kind in ("imu", "acc") else None
        gyr = x * 2 if kind in ("imu", "gyr") else None
        s = Samples(
            sensor=kind,
            host_time=1000.0 + t_true[-1] + lat,
            acc=acc,
            gyr=gyr,
            counter=(k + counter0).astype(np.int64),
        )
        out.append((s, t_true))
    return out


def _run(
    clock: DeviceClock, packets: list[tuple[Samples, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    ts = []
    for s, _ in packets:
        b = clock.add(s)
        if b is not None:
            ts.append(b.t)
    truth = np.concatenate([tt for _, tt in packets])
    return np.concatenate(ts), truth


def test_times_follow_the_device_counter_not_the_arrivals() -> None:
    clock = DeviceClock(RATE, t0=1000.0, has_gyr=True)
    t, truth = _run(clock, _packets(20.0, counter0=777, backlog=0.5))
    assert t.size == truth.size  # nothing lost while the clock warmed up
    # even spacing at the nominal rate, and on the session clock within the latency floor
    assert np.allclose(np.diff(t), 1.0 / RATE)
    err = t - truth
    assert err.max() - err.min() < 1e-9  # one offset for the whole stream (after warm-up)
    assert 0.0 <= err[0] < 0.01  # the lower envelope of latency, not its mean


def test_the_first_samples_wait_for_the_clock_to_settle() -> None:
    clock = DeviceClock(RATE, t0=1000.0, has_gyr=True)
    got = [clock.add(s) for s, _ in _packets(3.0, backlog=0.5)]
    assert all(b is None for b in got[: WARMUP - 1])
    assert any(b is not None for b in got)


def test_a_counter_restart_is_reanchored_on_arrival() -> None:
    clock = DeviceClock(RATE, t0=1000.0, has_gyr=True)
    first = _packets(10.0)
    t1, _ = _run(clock, first)
    # the device restarts its counter at 0 after a 5 s outage
    later = [
        (
            Samples(
                sensor=s.sensor,
                host_time=s.host_time + 15.0,
                acc=s.acc,
                gyr=s.gyr,
                counter=s.counter,
            ),
            tt,
        )
        for s, tt in _packets(5.0, seed=1)
    ]
    t2, _ = _run(clock, later)
    assert t2[0] > t1[-1] + 4.0  # after the outage, not back at the start
    assert np.allclose(np.diff(t2), 1.0 / RATE)


def test_separate_gyroscope_packets_are_merged_onto_accelerometer_times() -> None:
    clock = DeviceClock(RATE, t0=1000.0, has_gyr=True)
    acc = _packets(5.0, kind="acc")
    gyr = _packets(5.0, kind="gyr")
    blocks = []
    for (a, _), (g, _) in zip(acc, gyr, strict=True):
        for s in (a, g):
            b = clock.add(s)
            if b is not None:
                blocks.append(b)
    t = np.concatenate([b.t for b in blocks])
    gy = np.concatenate([b.gyr for b in blocks if b.gyr is not None])
    ac = np.concatenate([b.acc for b in blocks])
    assert t.size > 0.9 * 5.0 * RATE
    assert np.all(np.diff(t) > 0)
    ok = np.isfinite(gy).all(axis=1)
    assert ok.mean() > 0.95
    # the gyroscope (2 × the same signal) lands on the accelerometer's sample instants
    assert np.allclose(gy[ok], 2 * ac[ok], atol=1e-6)


def test_accelerated_clock_scales_arrivals_to_session_time() -> None:
    clock = DeviceClock(RATE, t0=1000.0, has_gyr=True, clock_scale=10.0)
    pk = _packets(30.0)
    # a device 10x faster than real time: arrivals come 10x closer together
    fast = [
        (
            Samples(
                sensor=s.sensor,
                host_time=1000.0 + (s.host_time - 1000.0) / 10.0,
                acc=s.acc,
                gyr=s.gyr,
                counter=s.counter,
            ),
            tt,
        )
        for s, tt in pk
    ]
    t, truth = _run(clock, fast)
    assert np.all(np.diff(t) > 0.5 / RATE)
    assert abs(np.median(np.diff(t)) - 1.0 / RATE) < 1e-9
    err = t - truth
    # latency x 10 at most
    assert 0.0 <= err.min()
    assert err.max() < 0.25


def test_clock_drift_is_followed_over_a_long_session() -> None:
    """Device clocks 100 ppm slow or fast: live times stay within a few ms over 30 min."""
    for ppm in (-100.0, 100.0):
        clock = DeviceClock(RATE, t0=1000.0, has_gyr=True)
        rng = np.random.default_rng(5)
        worst = 0.0
        n_pk = int(1800 * RATE / N)
        lat = rng.uniform(0.002, 0.02, n_pk)
        for p in range(n_pk):
            k = np.arange(p * N, (p + 1) * N)
            t_true = k / RATE * (1.0 + ppm * 1e-6)  # the device's sample period is off
            s = Samples(
                sensor="imu",
                host_time=1000.0 + t_true[-1] + lat[p],
                acc=np.zeros((N, 3)),
                gyr=np.zeros((N, 3)),
                counter=k.astype(np.int64),
            )
            b = clock.add(s)
            if b is not None:
                worst = max(worst, float(np.abs(b.t[-1] - t_true[-1])))
        # 100 ppm over 30 min is 180 ms: without following the drift the error would grow so
        assert worst < 0.03, (ppm, worst)

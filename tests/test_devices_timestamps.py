"""Sample-time reconstruction: counters, device clocks, arrival fits, drift, gaps, restarts."""

from __future__ import annotations

import numpy as np
import pytest

from devices.timestamps import reconstruct, robust_line


def _arrivals(t_last: np.ndarray, rng: np.random.Generator, interval: float = 0.0075) -> np.ndarray:
    """BLE-like arrival: wait for the next connection event, plus 2-40 ms of random queueing."""
    t = t_last + 0.004 + rng.exponential(0.006, t_last.size)
    t = np.ceil(t / interval) * interval + rng.uniform(0, 2e-4, t_last.size)
    return np.maximum.accumulate(t)  # a BLE link delivers in order


def test_robust_line_follows_lower_envelope() -> None:
    rng = np.random.default_rng(0)
    x = np.linspace(0, 100, 2000)
    y = 3.0 + 1.0001 * x + 0.005 + rng.exponential(0.01, x.size)
    a, b = robust_line(x, y)
    assert b == pytest.approx(1.0001, abs=5e-6)
    assert a == pytest.approx(3.005, abs=1e-3)
    assert np.all(y >= a + b * x - 1e-9)  # the line stays under every arrival


def test_counter_times_with_drift_and_lost_packets() -> None:
    rng = np.random.default_rng(1)
    rate, spp, drift = 200.0, 4, 80e-6
    n_pk = 3000  # 60 s
    k = np.arange(n_pk * spp)
    true_t = 100.0 + k / rate * (1 + drift)
    last = true_t[spp - 1 :: spp]
    host = _arrivals(last, rng)
    keep = np.ones(n_pk, dtype=bool)
    keep[1000:1003] = False  # three packets lost on the air
    counter = k.reshape(n_pk, spp)[keep].ravel()
    tb = reconstruct(host[keep], np.full(keep.sum(), spp), rate, counter=counter)
    assert tb.method == "counter"
    err = tb.t - true_t.reshape(n_pk, spp)[keep].ravel()
    # Shape of the time axis within 2.5 ms over 60 s (arrivals quantised to 7.5 ms
    # connection events make the latency floor itself wobble by ~1-2 ms).
    assert np.ptp(err) < 3e-3  # measured 2.3 ms
    assert 0.0 <= np.median(err) < 0.015  # offset = minimum latency, a few ms
    assert tb.drift_ppm == pytest.approx(80, abs=50)  # measured 42 ppm
    assert len(tb.gaps) == 1
    assert tb.gaps[0].lost == 12
    assert tb.gaps[0].t_end - tb.gaps[0].t_start == pytest.approx(13 / rate, abs=1e-3)


def test_arrival_fit_finds_lost_packets_without_counter() -> None:
    rng = np.random.default_rng(2)
    rate = 100.0
    n = 6000  # one sample per packet, 60 s (Thingy-like)
    true_t = 5.0 + np.arange(n) / rate * (1 - 50e-6)
    host = _arrivals(true_t, rng)
    keep = np.ones(n, dtype=bool)
    keep[2500:2505] = False
    keep[4000:4020] = False
    tb = reconstruct(host[keep], np.ones(keep.sum(), dtype=np.int64), rate)
    assert tb.method == "arrival"
    err = tb.t - true_t[keep]
    assert np.ptp(err) < 3e-3
    lost = sorted(g.lost for g in tb.gaps)
    assert lost == [5, 20]
    # Raw arrival times would be much worse than the fit.
    assert np.ptp(host[keep] - true_t[keep]) > 5 * np.ptp(err)


def test_device_time_mapped_to_host_clock() -> None:
    rng = np.random.default_rng(3)
    rate, spf = 52.0, 26
    n_fr = 120
    dev = 7e8 + np.arange(n_fr * spf) / rate  # device clock, s
    host_true = 1.7e9 + (dev - dev[0]) * (1 - 30e-6)
    host = _arrivals(host_true[spf - 1 :: spf], rng)
    tb = reconstruct(host, np.full(n_fr, spf), rate, device_time=dev)
    assert tb.method == "device_time"
    err = tb.t - host_true
    assert np.ptp(err) < 4e-3  # only 120 frames to fit
    # Within a frame the device's own spacing is kept exactly.
    np.testing.assert_allclose(np.diff(tb.t[:spf]), (1 - 30e-6) / rate, rtol=1e-4)
    assert tb.gaps == []


def test_accelerated_replay_keeps_device_time() -> None:
    rate, spf = 200.0, 36
    n_fr = 100
    dev = np.arange(n_fr * spf) / rate  # 18 s of device time
    host = 50.0 + dev[spf - 1 :: spf] / 10.0 + 0.002  # delivered 10x faster than real time
    tb = reconstruct(host, np.full(n_fr, spf), rate, device_time=dev)
    np.testing.assert_allclose(np.diff(tb.t), 1 / rate, rtol=1e-9)
    assert any("nominal rate" in n for n in tb.notes)


def test_counter_restart_makes_a_segment_gap() -> None:
    rate, spp = 200.0, 4
    k1 = np.arange(400)
    k2 = np.arange(400)  # device restarted its counter after a reconnect
    t1 = k1 / rate
    t2 = 3.0 + k2 / rate
    host = np.concatenate([t1[spp - 1 :: spp], t2[spp - 1 :: spp]]) + 0.01
    tb = reconstruct(host, np.full(200, spp), rate, counter=np.concatenate([k1, k2]))
    assert len(tb.gaps) == 1
    assert tb.gaps[0].lost == -1
    assert tb.gaps[0].t_start == pytest.approx(t1[-1] + 0.01, abs=1e-6)
    assert tb.gaps[0].t_end == pytest.approx(3.0 + 0.01, abs=1e-6)
    assert np.all(np.diff(tb.t) > 0)


def test_empty_and_tiny_inputs() -> None:
    tb = reconstruct(np.zeros(0), np.zeros(0, dtype=np.int64), 100.0)
    assert tb.t.size == 0
    tb = reconstruct(np.array([1.0]), np.array([3]), 100.0)
    np.testing.assert_allclose(tb.t, [0.98, 0.99, 1.0])

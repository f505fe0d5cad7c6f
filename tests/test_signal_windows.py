"""Vectorised per-window helpers of ``gait.analysis.placements._signal`` against plain loops."""

from __future__ import annotations

import numpy as np

from gait.analysis.placements._signal import (
    drift_free_integral,
    first_above,
    flat_windows,
    segment_arg,
)


def _windows() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = rng.normal(size=200)
    starts = np.array([3, 20, 21, 90, 150])
    ends = np.array([20, 21, 60, 150, 199])
    return x, starts, ends


def test_flat_windows_lays_windows_end_to_end() -> None:
    _, starts, ends = _windows()
    idx, seg, first = flat_windows(starts, ends)
    loops = [np.arange(s, e) for s, e in zip(starts, ends, strict=True)]
    assert np.array_equal(idx, np.concatenate(loops))
    assert np.array_equal(seg, np.concatenate([np.full(len(w), k) for k, w in enumerate(loops)]))
    assert np.array_equal(idx[first], starts)


def test_window_extrema_and_crossings_match_loops() -> None:
    x, starts, ends = _windows()
    pairs = list(zip(starts, ends, strict=True))
    assert np.array_equal(segment_arg(x, starts, ends), [s + np.argmin(x[s:e]) for s, e in pairs])
    assert np.array_equal(
        segment_arg(x, starts, ends, mode="max"), [s + np.argmax(x[s:e]) for s, e in pairs]
    )
    thr = np.full(starts.size, 1.5)
    want = [
        s + (np.argmax(x[s:e] >= 1.5) if (x[s:e] >= 1.5).any() else np.argmax(x[s:e]))
        for s, e in pairs
    ]
    assert np.array_equal(first_above(x, starts, ends, thr), want)


def test_drift_free_integral_starts_at_zero_and_removes_the_drift() -> None:
    x, starts, ends = _windows()
    cum = np.concatenate(([0.0], np.cumsum(x)))
    idx, seg, first = flat_windows(starts, ends)
    got = drift_free_integral(cum, starts, ends, idx, seg)
    for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
        run = cum[s:e] - cum[s]
        want = run - np.arange(e - s) / (e - s) * (cum[e] - cum[s])
        assert np.allclose(got[seg == k], want, atol=1e-12)
    assert np.allclose(got[first], 0.0)

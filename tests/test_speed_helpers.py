"""The shortcuts of issue 15 give exactly what the plain computations give.

* :func:`gait.analysis.placements._signal.finite_rows` (a one-pass sum test before the row mask);
* :func:`gait.analysis.placements._signal.butter_sos` (Butterworth designs cached, copies handed
  out);
* :func:`gait.io.describe.saturated` (plateau medians only for candidate axes);
* ``gait VERB`` builds a parser with that verb only, ``gait --help`` still lists them all.
"""

from __future__ import annotations

import numpy as np
import pytest

from gait.analysis.placements._signal import butter_sos, finite_rows, lowpass
from gait.cli import VERBS, build_parser
from gait.io import describe
from gait.util.scipy_signal import signal


def _plain_mask(*arrays: np.ndarray | None) -> np.ndarray:
    mask = None
    for a in arrays:
        if a is None:
            continue
        ok = np.isfinite(a) if a.ndim == 1 else np.isfinite(a).all(axis=1)
        mask = ok if mask is None else mask & ok
    assert mask is not None
    return mask


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_finite_rows_matches_row_mask(bad: float) -> None:
    rng = np.random.default_rng(1)
    t = np.arange(500) / 100.0
    acc = rng.normal(0, 9.8, (500, 3))
    gyr = rng.normal(0, 3.0, (500, 3))
    assert finite_rows(t, acc, gyr) is None
    assert finite_rows(t, acc, None) is None
    acc[17, 2] = bad
    gyr[400, 0] = bad
    t[250] = bad
    got = finite_rows(t, acc, gyr)
    assert got is not None
    assert np.array_equal(got, _plain_mask(t, acc, gyr))
    assert int((~got).sum()) == 3


def test_finite_rows_huge_finite_values_are_finite() -> None:
    # the sum overflows to inf, yet every value is finite: the exact test decides
    x = np.full((10, 3), 1.5e308)
    assert finite_rows(x) is None
    x[3, 1] = -np.inf
    got = finite_rows(x)
    assert got is not None
    assert np.array_equal(got, _plain_mask(x))


def test_butter_sos_is_scipys_design_and_a_fresh_copy() -> None:
    a = butter_sos(2, 4.0, 200.0)
    assert np.array_equal(a, signal.butter(2, 4.0, btype="low", fs=200.0, output="sos"))
    band = butter_sos(2, (0.5, 8.0), 100.0, "band")
    assert np.array_equal(band, signal.butter(2, [0.5, 8.0], btype="band", fs=100.0, output="sos"))
    a[0, 0] = 123.0  # a caller's change does not reach the cache
    assert butter_sos(2, 4.0, 200.0)[0, 0] != 123.0
    x = np.random.default_rng(2).normal(size=(2000, 3))
    ref = signal.sosfiltfilt(signal.butter(4, 10.0, fs=100.0, output="sos"), x, axis=0, padlen=15)
    assert np.array_equal(lowpass(x, 100.0, 10.0, order=4), ref)


def _plain_saturated(x: np.ndarray) -> int:
    a = np.abs(x)
    peak = a.max(axis=0)
    at_peak = (a >= peak * (1.0 - describe._PLATEAU_TOL)) & (peak > 0)
    axes = (at_peak.sum(axis=0) >= describe.PLATEAU_MIN) & (peak > 2.0 * np.median(a, axis=0))
    return int(at_peak[:, axes].any(axis=1).sum())


def test_saturated_matches_plain_rule() -> None:
    rng = np.random.default_rng(3)
    seen = set()
    for trial in range(120):
        x = rng.normal(size=(1500, 3)) * rng.uniform(0.1, 5.0, 3)
        if trial % 2:
            k = int(rng.integers(0, 3))
            x[rng.integers(0, 1500, 40), k] = np.abs(x).max() * rng.choice([1.0, -1.0])
        if trial % 5 == 0:
            x[:, 1] = 9.81  # a constant axis sits at its peak but is not saturated
        got = describe.saturated(x, None)
        assert got == _plain_saturated(x)
        seen.add(got > 0)
    assert seen == {True, False}


def test_one_verb_parser_and_full_help() -> None:
    full = build_parser()
    one = build_parser(("analyze",))
    args = one.parse_args(["analyze", "f.csv", "--placement", "sacrum"])
    assert args.verb == "analyze"
    assert args.func is not None
    assert vars(args) == vars(full.parse_args(["analyze", "f.csv", "--placement", "sacrum"]))
    help_text = full.format_help()
    assert all(v in help_text for v in ("analyze", "info", "synth"))
    assert len(VERBS) > 5

"""The shared event matching of benchmarks._scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks._scoring import match_events, score_steps, step_count_error, within


def test_perfect_and_shifted_match() -> None:
    ref = np.arange(10) * 0.5
    m = match_events(ref, ref + 0.02, 0.1)
    assert (m.tp, m.fp, m.fn) == (10, 0, 0)
    assert m.f1 == 1.0
    assert m.mae == pytest.approx(0.02)
    assert m.bias == pytest.approx(0.02)
    m = match_events(ref, ref + 0.15, 0.1)
    assert m.tp == 0
    assert m.f1 == 0.0
    assert np.isnan(m.mae)


def test_one_to_one() -> None:
    """Two detections near one reference: one pair, one false positive."""
    m = match_events([1.0], [0.98, 1.03], 0.1)
    assert (m.tp, m.fp, m.fn) == (1, 1, 0)
    assert m.errors[0] == pytest.approx(-0.02)
    m = match_events([1.0, 1.05], [1.02], 0.1)
    assert (m.tp, m.fp, m.fn) == (1, 0, 1)


def test_missing_extra_and_empty() -> None:
    ref = [1.0, 2.0, 3.0, 4.0]
    m = match_events(ref, [1.01, 2.5, 3.0], 0.1)
    assert (m.tp, m.fp, m.fn) == (2, 1, 2)
    assert m.precision == pytest.approx(2 / 3)
    assert m.recall == pytest.approx(0.5)
    assert m.f1 == pytest.approx(2 * 2 / (4 + 3))
    assert match_events([], [], 0.1).f1 == 1.0
    assert match_events(ref, [np.nan], 0.1).fn == 4
    with pytest.raises(ValueError, match=r"tolerance must be > 0 s, got 0\.0"):
        match_events(ref, ref, 0.0)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(0, 100), min_size=1, max_size=40, unique=True),
    st.floats(-0.04, 0.04),
)
def test_small_shift_matches_everything(times: list[float], shift: float) -> None:
    ref = np.sort(np.array(times))
    if ref.size > 1 and np.diff(ref).min() < 0.2:
        ref = np.cumsum(np.full(ref.size, 0.3))
    m = match_events(ref, ref[::-1] + shift, 0.1)
    assert m.tp == ref.size
    assert np.allclose(m.errors, shift)


def test_within_regions() -> None:
    mask = within([0.5, 1.5, 2.5, 3.5], [[0, 1], [2, 3]])
    assert mask.tolist() == [True, False, True, False]
    assert not within([1.0], np.empty((0, 2))).any()


def test_score_steps_sides_tc_and_region() -> None:
    ref = pd.DataFrame(
        {
            "side": ["left", "right", "left", "right"],
            "t_ic": [1.0, 1.5, 2.0, 2.5],
            "t_tc": [1.7, 2.2, 2.7, np.nan],
        }
    )
    det = pd.DataFrame(
        {
            "side": ["left", "left", "left", "unknown"],
            "t_ic": [1.01, 1.49, 2.02, 2.5],
            "t_tc": [1.68, 2.25, np.nan, 3.0],
        }
    )
    sc = score_steps(ref, det, 0.1)
    assert sc.f1 == 1.0
    assert sc.side_known == 3
    assert sc.side_correct == 2
    assert sorted(np.round(sc.tc_errors, 3)) == [-0.02, 0.05]
    sc = score_steps(ref, det, 0.1, region=[[0.0, 1.8]])
    assert sc.ic.n_ref == 2
    assert sc.ic.n_det == 2


def test_step_count_error() -> None:
    assert step_count_error(100, 97) == pytest.approx(0.03)
    assert np.isnan(step_count_error(0, 5))

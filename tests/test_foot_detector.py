"""The foot detector as a configurable object (issue 11, item 2) and its step confidence.

The per-step confidence is item 5; parameters change the result and are recorded with it.
"""

from __future__ import annotations

import numpy as np
import pytest

from gait.analysis.placements import get_detector
from gait.analysis.placements.foot import FootDetector, step_confidence
from gait.contract.errors import AnalysisError
from gait.synth import synthesize


@pytest.fixture(scope="module")
def stream():  # type: ignore[no-untyped-def]
    return synthesize(
        activity="run", placements=("foot-left",), duration=12.0, rate=100.0, seed=3
    ).streams[0]


def test_tc_recovery_moves_toe_off_and_is_recorded(stream) -> None:  # type: ignore[no-untyped-def]
    base = FootDetector()(stream)
    late = get_detector("foot", tc_recovery=0.4)(stream)
    assert base.attrs["detector"]["params"]["tc_recovery"] == 0.7
    assert late.attrs["detector"] == {
        "detector": "FootDetector",
        "placement": "foot",
        "params": {**base.attrs["detector"]["params"], "tc_recovery": 0.4},
    }
    assert np.allclose(base["t_ic"], late["t_ic"])  # only the toe-off depends on it
    d = (late["t_tc"] - base["t_tc"]).dropna().to_numpy()
    # a lower share is reached later in the recovery
    assert d.size >= 10
    assert np.all(d > 0)


def test_swing_floor_is_used(stream) -> None:  # type: ignore[no-untyped-def]
    assert len(FootDetector()(stream)) >= 10
    # no running swing reaches 100 rad/s: with that floor nothing is a step
    assert len(FootDetector(swing_floor=100.0)(stream)) == 0


def test_unknown_foot_parameter_is_a_typed_error() -> None:
    with pytest.raises(AnalysisError, match="tc_recover"):
        get_detector("foot", tc_recover=0.5)


def test_step_confidence_ranks_atypical_steps_lower() -> None:
    one = np.ones(5)
    conf = step_confidence(
        swing=np.array([1.2, 1.0, 0.5, 1.0, 1.0]),
        gct=np.array([1.0, 1.1, 1.0, 1.0, np.nan]),
        slope=np.array([1.3, 1.0, 1.0, 0.25, np.nan]),
        has_tc=np.array([True, True, True, True, False]),
        gct_tolerance=0.2,
        slope_share=0.5,
        no_tc_factor=0.5,
    )
    assert conf[0] == 1.0  # typical (a strong swing is not more than sure)
    assert conf[1] == pytest.approx(1 - np.log(1.1) / 0.2)  # contact 10 % longer than typical
    assert conf[2] == 0.5  # half the typical swing
    assert conf[3] == 0.5  # recovery at half the share of the typical slope
    assert conf[4] == 0.5  # no toe-off
    assert np.all((conf >= 0) & (conf <= one))


@pytest.mark.parametrize(
    ("activity", "fsa"), [("run", 20.0), ("run", 25.0), ("run", 30.0), ("walk", 25.0)]
)
def test_steep_heel_strike_keeps_the_pitch_sign(activity: str, fsa: float) -> None:
    # A steep heel strike lifts the toes about as far as push-off lowers them; the pitch-axis
    # sign then comes from their order (toes-down first after mid-stance), not their size.
    from gait.synth import GaitParams

    rec = synthesize(
        activity=activity,
        placements=("foot-left",),
        duration=20.0,
        rate=200.0,
        seed=3,
        gait=GaitParams(foot_strike_angle=fsa),
    )
    got = FootDetector()(rec.streams[0])["foot_strike_angle"].median()
    assert got == pytest.approx(fsa, abs=7.0)

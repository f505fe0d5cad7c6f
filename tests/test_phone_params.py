"""Phone detector parameters: a non-default value changes the result and is recorded."""

from __future__ import annotations

import numpy as np

from gait.analysis.placements import get_detector
from gait.analysis.placements.phone import PhoneDetector
from gait.contract.recording import Stream
from gait.synth import synthesize


def _pocket_stream() -> Stream:
    rec = synthesize(activity="walk", placements=("phone-belt",), duration=20.0, rate=100.0, seed=2)
    s = rec.streams[0]
    return Stream(
        name=s.name,
        placement=s.placement,
        side=s.side,
        t=s.t,
        acc=s.acc,
        gyr=s.gyr,
        rate=s.rate,
        mount="pocket",
    )


def test_cadence_only_confidence_is_a_parameter() -> None:
    s = _pocket_stream()
    base = get_detector("phone")(s)
    low = get_detector("phone", cadence_only_confidence=0.3)(s)
    assert len(base) > 10
    assert np.allclose(base["t_ic"], low["t_ic"])
    assert (base["confidence"] == PhoneDetector().cadence_only_confidence).all()
    assert (low["confidence"] == 0.3).all()
    assert low.attrs["detector"]["params"]["cadence_only_confidence"] == 0.3


def test_moving_threshold_changes_the_steps() -> None:
    s = _pocket_stream()
    base = PhoneDetector()(s)
    # a threshold above any carried phone's motion finds no step
    none = PhoneDetector(moving_rms=1e3)(s)
    assert len(base) > 10
    assert len(none) == 0
    assert none.attrs["detector"]["params"]["moving_rms"] == 1e3


def test_belt_mount_goes_through_the_sacrum_detector_with_its_factor() -> None:
    rec = synthesize(activity="run", placements=("phone-belt",), duration=12.0, rate=100.0, seed=2)
    s = rec.streams[0]
    a = PhoneDetector()(s)
    b = PhoneDetector(belt_confidence=0.3)(s)
    assert len(a) > 10
    assert np.allclose(b["confidence"], a["confidence"] * 0.5)
    assert a["quality"].str.contains("phone_belt").all()

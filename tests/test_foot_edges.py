"""Foot detector at the edges of a walk: weak half steps, and the contact the data's end cuts."""

from __future__ import annotations

import warnings

import numpy as np

from gait.analysis.placements.foot import FootDetector, edge_swings, midswing_peaks
from gait.synth import GaitParams, synthesize

FS = 200.0


def _bump(t: np.ndarray, t0: float, height: float, width: float = 0.08) -> np.ndarray:
    return height * np.exp(-(((t - t0) / width) ** 2))


def test_edge_swings_keeps_half_steps_next_to_a_walk_only() -> None:
    """A weak swing one stride before the walk is a step.

    A bump inside a stride and one far from any walking are not.
    """
    t = np.arange(0.0, 20.0, 1.0 / FS)
    regular = np.arange(4.0, 12.0, 1.1)
    p = sum((_bump(t, tk, 6.0) for tk in regular), np.zeros_like(t))
    p += _bump(t, regular[0] - 1.1, 1.5)  # starting half step
    p += _bump(t, regular[3] + 0.45, 1.5)  # a bump inside a regular stride
    p += _bump(t, 18.5, 1.5)  # fidgeting long after the walk
    strong = midswing_peaks(p, FS)
    np.testing.assert_allclose(t[strong], regular, atol=0.01)
    extra = edge_swings(p, FS, strong)
    np.testing.assert_allclose(t[extra], [regular[0] - 1.1], atol=0.01)


def test_contact_cut_short_by_the_end_of_the_data() -> None:
    """The last contact, less than a stride after the last swing, is found at its time."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = synthesize(
            "run",
            ("foot-left", "foot-right"),
            duration=25.0,
            rate=FS,
            seed=0,
            gait=GaitParams(speed=2.5, cadence=160.0),
        )
    assert rec.reference is not None
    last_gap = []
    for st in rec.streams:
        ref = rec.reference.events
        r = np.sort(ref[ref["side"] == st.side]["t_ic"].to_numpy())
        r = r[r > st.t[0] + 1.0]  # a contact before the first swing has no cycle
        det = np.sort(FootDetector()(st)["t_ic"].to_numpy())
        err = det[np.argmin(np.abs(det[:, None] - r[None, :]), axis=0)] - r
        assert np.all(np.abs(err) <= 0.015), (st.name, r[np.abs(err) > 0.015])
        last_gap.append(st.t[-1] - r[-1])
    # the case under test: on one foot the data end soon (< 0.5 stride) after the last IC
    assert min(last_gap) < 0.35

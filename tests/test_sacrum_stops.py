"""Sacrum detector at walking stops: the soft closing step before standing still.

When a walker stops, the trailing foot is placed beside the other with almost no trunk
loading, so there is no loading peak to anchor it; the detector adds it one step period after
the last step when the trunk is still afterwards (``quality == 'closing_step'``). The synthetic
generator models stops the same way (its last contact of a walking bout is such a step), and
the real IPOL trials end on one (checked by ``tests/test_validate_real.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks._scoring import match_events
from gait.analysis.placements.sacrum import detect_events
from gait.synth import synthesize

#: walk 0–20 s, stand 20–30 s, walk 30–45 s, stand to 60 s.
STOPS = [(20.0, "stand"), (30.0, {"activity": "walk"}), (45.0, "stand")]


def _walk_with_stops(seed: int, rate: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rec = synthesize("walk", ("sacrum",), duration=60.0, rate=rate, seed=seed, segments=STOPS)
    assert rec.reference is not None
    bouts = rec.reference.tables["bouts"]
    return rec.reference.events, detect_events(rec.streams[0]), bouts


@pytest.mark.parametrize(("seed", "rate"), [(0, 200.0), (1, 100.0)])
def test_closing_steps_found_with_side(seed: int, rate: float) -> None:
    ref, det, bouts = _walk_with_stops(seed, rate)
    still_starts = bouts.loc[bouts["activity"] == "still", "t_start"].to_numpy(float)
    ref_t = ref["t_ic"].to_numpy(float)
    closing = det[det["quality"] == "closing_step"]
    assert len(closing) == len(still_starts) == 2
    for t0 in still_starts:
        # the last reference contact before standing still
        k = int(np.flatnonzero(ref_t <= t0 + 1e-6)[-1])
        j = int(np.argmin(np.abs(closing["t_ic"].to_numpy(float) - ref_t[k])))
        assert abs(closing["t_ic"].iloc[j] - ref_t[k]) < 0.05
        assert closing["side"].iloc[j] == ref["side"].iloc[k]
        assert np.isnan(closing["t_tc"].iloc[j])
        assert closing["confidence"].iloc[j] <= 0.5
    m = match_events(ref_t, det["t_ic"], 0.1)
    # without the closing steps this is 63 of 66 (F1 0.977); the first step after standing
    # still is the one left.
    assert m.f1 >= 0.99, (m.tp, m.fp, m.fn)


def test_no_closing_step_while_walking_on() -> None:
    """Continuous walking to the end of the file: nothing is added."""
    rec = synthesize("walk", ("sacrum",), duration=40.0, rate=200.0, seed=3)
    det = detect_events(rec.streams[0])
    assert not (det["quality"] == "closing_step").any()

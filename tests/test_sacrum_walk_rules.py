"""Sacrum walking rules: extra trunk bumps between steps, and the rhythm at the ends of a walk.

``_drop_extra_walk_steps`` removes a walking contact that splits one step interval in two
(a trunk bump at a turn exit or a shuffle), but keeps regular steps, short or long, and
running steps. ``_consensus`` arbitrates between two IC estimates by the step rhythm; at the
first and last step of a walk it extrapolates the rhythm from the one neighbouring side, and
with ``end_early`` the last step before a stop takes the clearly earlier estimate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gait.analysis.placements.sacrum import END_EARLY, _consensus, _drop_extra_walk_steps


def _steps(t: np.ndarray, activity: str = "walk") -> pd.DataFrame:
    return pd.DataFrame({"t_ic": t, "activity": activity})


def test_extra_bump_between_steps_dropped() -> None:
    regular = np.arange(20) * 0.6
    bumped = np.sort(np.append(regular, 6.25))  # between the steps at 6.0 and 6.6
    out = _drop_extra_walk_steps(_steps(bumped), 1.5)
    np.testing.assert_allclose(out["t_ic"].to_numpy(), regular)


def test_regular_steps_kept_whatever_their_period() -> None:
    # slow walking, fast shuffles and a change of pace: no contact is an extra one
    t = np.concatenate(
        [np.arange(10) * 1.1, 11.0 + np.arange(10) * 0.25, 14.0 + np.arange(10) * 0.5]
    )
    out = _drop_extra_walk_steps(_steps(t), 1.5)
    assert len(out) == t.size


def test_running_steps_not_dropped() -> None:
    t = np.sort(np.append(np.arange(20) * 0.35, 3.6))
    out = _drop_extra_walk_steps(_steps(t, "run"), 1.5)
    assert len(out) == t.size


def test_consensus_uses_extrapolated_rhythm_at_walk_ends() -> None:
    primary = np.array([10.0, 10.6, 11.2, 11.8, 12.55])  # the last IC 150 ms late
    backup = np.array([10.0, 10.6, 11.2, 11.8, 12.42])
    out = _consensus(primary, backup)
    # the rhythm predicts 12.4 for the last step: the backup is nearer and replaces it
    assert out[-1] == backup[-1]
    np.testing.assert_allclose(out[:-1], primary[:-1])
    # the same for a first step, and for a walk after a long pause
    first = _consensus(primary[::-1] * -1, backup[::-1] * -1)
    assert first[0] == -backup[-1]
    both = np.concatenate([primary, 20.0 + primary])
    out2 = _consensus(both, np.concatenate([backup, 20.0 + backup]))
    assert out2[4] == backup[-1]
    assert out2[-1] == 20.0 + backup[-1]


def test_end_early_takes_clearly_earlier_last_step_only() -> None:
    primary = np.array([10.0, 10.6, 11.2, 11.8, 12.4])
    early = primary.copy()
    early[-1] -= END_EARLY + 0.03  # clearly earlier: taken although off the rhythm
    assert _consensus(primary, early, end_early=True)[-1] == early[-1]
    assert _consensus(primary, early)[-1] == primary[-1]
    slightly = primary.copy()
    slightly[-1] -= END_EARLY - 0.03  # within the margin: the rhythm decides (keeps primary)
    assert _consensus(primary, slightly, end_early=True)[-1] == primary[-1]
    # an earlier estimate in the middle of a walk is not taken
    mid = primary.copy()
    mid[2] -= END_EARLY + 0.03
    assert _consensus(primary, mid, end_early=True)[2] == primary[2]

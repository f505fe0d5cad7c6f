"""Sacrum walking rules: extra trunk bumps between steps, and the rhythm at the ends of a walk.

``_drop_extra_walk_steps`` removes a walking contact that splits one step interval in two
(a trunk bump at a turn exit or a shuffle), but keeps regular steps, short or long, and
running steps. ``_consensus`` arbitrates between two IC estimates by the step rhythm; at the
first and last step of a walk it extrapolates the rhythm from the one neighbouring side, and
with ``end_early`` the last step before a stop takes the clearly earlier estimate.
``_weight_acceptance`` does not take a vertical rise that leads the braking onset (push-off)
as the weight acceptance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gait.analysis.placements.sacrum import (
    BRAKE_AGREE,
    END_EARLY,
    _consensus,
    _drop_extra_walk_steps,
    _weight_acceptance,
)


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


def _jerk_steps(push_off_at: float, heel_at: float, fs: float = 100.0) -> tuple[np.ndarray, ...]:
    """Ten 0.6 s steps: a push-off jerk bump and a weight-acceptance jerk bump before each peak.

    ``push_off_at`` and ``heel_at`` are the bump times relative to the loading peak (s, < 0);
    the push-off bump is the taller one. Returns ``t``, ``jerk``, the (K, W) search windows
    (0.2 s before each peak to the peak) and the braking onset 20 ms before the heel bump.
    """
    t = np.arange(int(7.0 * fs)) / fs
    peaks = (np.arange(1, 11) * 0.6 * fs).astype(np.intp)
    jerk = np.zeros_like(t)
    for p in peaks:
        jerk += 80.0 * np.exp(-0.5 * ((t - t[p] - push_off_at) / 0.015) ** 2)
        jerk += 50.0 * np.exp(-0.5 * ((t - t[p] - heel_at) / 0.015) ** 2)
    win = peaks[:, None] + np.arange(-int(0.2 * fs), 1)[None, :]
    top = peaks + int((heel_at - 0.02) * fs)
    return t, jerk, win, top


def test_weight_acceptance_not_before_the_braking_onset() -> None:
    """A steeper rise ahead of the braking onset is push-off: the later jerk peak is taken."""
    t, jerk, win, top = _jerk_steps(push_off_at=-0.17, heel_at=-0.06)
    got = t[_weight_acceptance(t, jerk, win, top, 100.0)] - t[win[:, -1]]
    np.testing.assert_allclose(got, -0.06, atol=0.011)


def test_weight_acceptance_after_the_braking_onset_unchanged() -> None:
    """When the steepest rise follows the braking onset (most walkers), it is the IC cue."""
    t, jerk, win, top = _jerk_steps(push_off_at=-0.05, heel_at=-0.10)
    # braking onset 20 ms before the smaller bump at -0.10 s; the steepest rise (-0.05 s)
    # follows it: the rule keeps the steepest rise
    got = t[_weight_acceptance(t, jerk, win, top, 100.0)] - t[win[:, -1]]
    np.testing.assert_allclose(got, -0.05, atol=0.011)
    # a lead within the two cues' agreement (BRAKE_AGREE) is not acted on either
    t, jerk, win, _ = _jerk_steps(push_off_at=-0.12, heel_at=-0.06)
    top = win[:, -1] - int((0.12 - BRAKE_AGREE + 0.01) * 100)
    got = t[_weight_acceptance(t, jerk, win, top, 100.0)] - t[win[:, -1]]
    np.testing.assert_allclose(got, -0.12, atol=0.011)

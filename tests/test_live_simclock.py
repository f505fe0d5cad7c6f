"""The simulated clock (issue 16): runs ``speed`` × the wall, waits for its consumer, never jumps.

Wall time is a fake clock here, so nothing depends on how fast the machine is.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from devices.errors import DeviceError
from devices.virtual import SimClock
from gait.analysis.stream.gaps import drop_near_gaps, find_gaps, mask_steps_across_gaps


class FakeWall:
    """Stands in for ``time.monotonic`` in :mod:`devices.virtual.clock`."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def wall(monkeypatch: pytest.MonkeyPatch) -> FakeWall:
    fake = FakeWall()
    monkeypatch.setattr("devices.virtual.clock.time.monotonic", fake)
    return fake


def test_runs_at_speed_and_waits_for_the_consumer(wall: FakeWall) -> None:
    limit = [math.inf]
    clock = SimClock(10.0, epoch_ns=0, limit=lambda: limit[0])
    assert clock.now() == 0.0  # not started
    clock.start()
    wall.t += 0.1
    assert clock.now() == pytest.approx(1.0)
    # the consumer has only got to 1.5 s: the clock stops there however long the wall runs
    limit[0] = 1.5
    for _ in range(20):
        wall.t += 0.1
        assert clock.now() == pytest.approx(1.5)
    assert clock.held == pytest.approx(1.95)
    # once the consumer catches up the clock goes on at speed, with no burst to catch up
    limit[0] = math.inf
    wall.t += 0.1
    assert clock.now() == pytest.approx(2.5)
    assert clock.now_ns() == round(2.5e9)


def test_a_blocked_loop_does_not_make_time_jump(wall: FakeWall) -> None:
    clock = SimClock(10.0, max_step=0.25)
    clock.start()
    wall.t += 5.0  # the event loop was blocked for 5 wall seconds
    assert clock.now() == pytest.approx(2.5)  # 0.25 wall s at 10x, not 50 s
    assert clock.held == pytest.approx(4.75)


def test_time_never_goes_back_when_the_limit_does(wall: FakeWall) -> None:
    limit = [math.inf]
    clock = SimClock(4.0, limit=lambda: limit[0])
    clock.start()
    wall.t += 0.25
    assert clock.now() == pytest.approx(1.0)
    limit[0] = 0.5  # a consumer that fell back (a sensor re-anchored)
    wall.t += 0.25
    assert clock.now() == pytest.approx(1.0)


@pytest.mark.parametrize("speed", [0.0, -1.0, math.inf, math.nan])
def test_bad_speed_is_a_clear_error(speed: float) -> None:
    with pytest.raises(DeviceError, match="speed"):
        SimClock(speed)


def test_find_gaps_in_and_between_blocks() -> None:
    t = np.arange(0.0, 1.0, 0.005)
    assert find_gaps(t, -math.inf) == []
    assert find_gaps(t + 2.0, float(t[-1])) == [(pytest.approx(0.995), 2.0)]
    holed = np.concatenate([t[:100], t[130:]])  # 150 ms missing inside the block
    assert find_gaps(holed, -math.inf) == [(pytest.approx(t[99]), pytest.approx(t[130]))]
    lost_packet = np.concatenate([t[:100], t[104:]])  # 20 ms: one BLE packet, not a gap
    assert find_gaps(lost_packet, -math.inf) == []


def _steps(t_ic: np.ndarray) -> pd.DataFrame:
    from gait.analysis.steps import build_step_table

    side = np.where(np.arange(t_ic.size) % 2 == 0, "left", "right")
    return build_step_table(pd.DataFrame({"side": side, "t_ic": t_ic, "t_tc": t_ic + 0.25}))


def test_no_step_is_timed_across_a_gap() -> None:
    t_ic = np.arange(0.0, 10.0, 0.35)  # 171 steps/min
    # a hole between two contacts: what happened in it is unknown, so the step across
    # it has no time, however plausible (here it would read the right cadence by luck)
    gap = (3.95, 4.15)
    raw = _steps(t_ic)
    assert raw["cadence"].iloc[:-1].notna().all()
    steps = mask_steps_across_gaps(raw, [gap])
    cad = steps["cadence"].to_numpy(dtype=float)
    assert np.nanmax(np.abs(cad - 60 / 0.35)) < 1e-6
    across = steps["quality"].astype(str).str.contains("gap").to_numpy()
    # flagged: the rows whose stride spans the gap, and the one whose step does
    assert across.sum() >= 2
    assert np.isnan(cad[across]).sum() == 1
    assert steps.loc[across, "stride_time"].isna().all()
    assert not steps["quality"].astype(str).str.contains("gap,gap").any()
    # steps away from the gap keep their times (the last has no next step)
    far = ((steps["t_ic"] < 3.0) | (steps["t_ic"] > 5.5)) & (steps.index < len(steps) - 1)
    assert steps.loc[far, "cadence"].notna().all()


def test_contacts_at_a_gaps_edges_are_dropped() -> None:
    ev = pd.DataFrame({"t_ic": [1.0, 3.8, 4.7, 6.0], "t_tc": [1.25, 4.05, 4.95, 6.25]})
    kept = drop_near_gaps(ev, [(4.0, 4.5)], edge=0.3)
    assert kept["t_ic"].tolist() == [1.0, 6.0]
    assert drop_near_gaps(ev, []).equals(ev)

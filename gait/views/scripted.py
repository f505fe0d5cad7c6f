"""A scripted source of steps and view updates, for demos and browser tests.

:func:`scripted_steps` makes a plausible step table from piecewise-linear profiles
(cadence, contact time, GCT balance, strike, speed) without any signal processing, and
:func:`play` feeds it through a :class:`gait.feedback.FeedbackSession` into a sink such
as :meth:`gait.views.live_page.LivePage.publish`, in (optionally accelerated) real time.
It stands in for the streaming engine where only the views are under test.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from gait.feedback.updates import FeedbackSession

#: A constant, or ``[(t_s, value), ...]`` knots interpolated linearly (held at the ends).
Profile = float | Sequence[tuple[float, float]]


def _profile(p: Profile, t: np.ndarray) -> np.ndarray:
    if isinstance(p, int | float):
        return np.full(t.shape, float(p))
    knots = np.asarray(p, dtype=np.float64)
    return np.interp(t, knots[:, 0], knots[:, 1])


def scripted_steps(
    duration: float = 120.0,
    *,
    cadence: Profile = 166.0,
    gct: Profile = 0.26,
    balance: Profile = 50.0,
    rear_share: Profile = 0.3,
    speed: Profile | None = None,
    vertical_oscillation: Profile | None = 0.085,
    braking: Profile | None = 0.12,
    noise: float = 0.01,
    seed: int = 0,
) -> pd.DataFrame:
    """A step table following the given profiles.

    Parameters
    ----------
    duration : float
        Session length, s.
    cadence : float or knots
        Cadence, steps/min.
    gct : float or knots
        Mean ground contact time of both feet, s.
    balance : float or knots
        GCT balance, % of total contact time on the left foot.
    rear_share : float or knots
        Probability that a step is a rearfoot strike (0–1); the rest split mid/fore.
    speed : float or knots, optional
        Running speed, m/s; None leaves ``speed`` and ``stride_length`` out (unknown).
    vertical_oscillation : float or knots, optional
        Vertical oscillation, m; None leaves the column out.
    braking : float or knots, optional
        Step speed loss, m/s; None leaves the column out.
    noise : float
        Relative step-to-step variability (standard deviation as a fraction).
    seed : int
        Random seed; the same arguments give the same table.

    Returns
    -------
    DataFrame
        :data:`gait.contract.result.STEP_COLUMNS` plus ``strike``, ``foot_strike_angle`` and
        the optional columns asked for, one row per step, alternating left/right.
    """
    rng = np.random.default_rng(seed)
    # Steps sit where the integrated step phase crosses whole numbers (no per-step loop).
    grid = np.arange(0.0, duration + 0.01, 0.01)
    phase = np.concatenate([[0.0], np.cumsum(_profile(cadence, grid[:-1]) / 60.0 * 0.01)])
    k = np.arange(1, int(phase[-1]))
    t_ic = np.interp(k, phase, grid)
    t_ic = t_ic + rng.normal(0.0, noise * 0.02, t_ic.shape)  # a little timing jitter
    t_ic = np.sort(t_ic)
    n = t_ic.size
    side = np.where(np.arange(n) % 2 == 0, "left", "right")
    g = _profile(gct, t_ic) * (1.0 + rng.normal(0.0, noise, n))
    b = _profile(balance, t_ic) / 100.0
    gct_side = np.where(side == "left", 2.0 * g * b, 2.0 * g * (1.0 - b))
    step_time = np.append(np.diff(t_ic), np.nan)
    stride_time = np.append(t_ic[2:] - t_ic[:-2], [np.nan, np.nan])
    t_tc = t_ic + gct_side
    rear = rng.random(n) < _profile(rear_share, t_ic)
    strike = np.where(rear, "rear", np.where(rng.random(n) < 0.7, "mid", "fore"))
    fsa = np.where(strike == "rear", 15.0, np.where(strike == "mid", 2.0, -8.0)) + rng.normal(
        0, 2.0, n
    )
    cols: dict[str, Any] = {
        "side": side,
        "t_ic": t_ic,
        "t_tc": t_tc,
        "gct": gct_side,
        "flight": np.append(t_ic[1:] - t_tc[:-1], np.nan),
        "step_time": step_time,
        "stride_time": stride_time,
        "duty_factor": gct_side / stride_time,
        "cadence": 60.0 / step_time,
        "strike": strike,
        "foot_strike_angle": fsa,
    }
    if speed is not None:
        v = _profile(speed, t_ic) * (1.0 + rng.normal(0.0, noise, n))
        cols["speed"] = v
        cols["stride_length"] = v * stride_time  # same-foot IC to IC (two steps), m
    if vertical_oscillation is not None:
        cols["vertical_oscillation"] = _profile(vertical_oscillation, t_ic) * (
            1.0 + rng.normal(0.0, noise, n)
        )
    if braking is not None:
        cols["braking"] = _profile(braking, t_ic) * (1.0 + rng.normal(0.0, 3 * noise, n))
    return pd.DataFrame(cols)


def play(
    steps: pd.DataFrame,
    session: FeedbackSession,
    sink: Callable[[dict[str, Any]], None],
    *,
    speedup: float = 1.0,
    stop: threading.Event | None = None,
    sensors: Sequence[tuple[float, str, str]] = (),
) -> int:
    """Feed ``steps`` to ``session`` at their own times and send each update to ``sink``.

    Parameters
    ----------
    steps : DataFrame
        Step table in time order (e.g. from :func:`scripted_steps`).
    session : FeedbackSession
        Turns steps into updates.
    sink : callable
        Receives each update dict (e.g. ``LivePage.publish``).
    speedup : float
        Session seconds per wall-clock second; ``inf`` plays as fast as possible.
    stop : threading.Event, optional
        Set it to end early.
    sensors : sequence of (t_s, name, status)
        Sensor status changes to apply at session times (e.g. a drop-out).

    Returns
    -------
    int
        Number of steps played.
    """
    t0 = time.monotonic()
    pending = sorted(sensors)
    times = steps["t_ic"].to_numpy(dtype=np.float64)
    for i in range(len(steps)):  # one iteration per step, paced like a live session
        if stop is not None and stop.is_set():
            return i
        if np.isfinite(speedup):
            delay = t0 + times[i] / speedup - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        while pending and pending[0][0] <= times[i]:
            _, name, status = pending.pop(0)
            session.set_sensor(name, status)
        update = session.add_steps(steps.iloc[i : i + 1])
        update["arrival"] = time.time()
        sink(update)
    return len(steps)

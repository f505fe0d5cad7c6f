"""The exact ground-truth step table of a synthetic session."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gait.contract.result import STEP_COLUMNS
from gait.synth.body import Body, ideal_imu
from gait.synth.landing import braking_time
from gait.synth.timeline import Timeline

#: Foot strike classes from the strike angle (deg): rearfoot above 8, forefoot below -1.6
#: (Altman & Davis style cut-offs; a design choice of this generator).
REAR_ABOVE = 8.0
#: Window after IC in which the foot impact peak is taken, s.
IMPACT_WINDOW = 0.03
FORE_BELOW = -1.6


def strike_class(fsa: np.ndarray) -> np.ndarray:
    """'rear', 'mid' or 'fore' from foot strike angles in degrees."""
    return np.where(fsa > REAR_ABOVE, "rear", np.where(fsa < FORE_BELOW, "fore", "mid"))


def _braking_time(tl: Timeline, gct: np.ndarray) -> np.ndarray:
    """Running steps' braking duration, s (gait.synth.landing); NaN for walking and stops."""
    out = np.full(tl.n, np.nan)
    for k in range(tl.n):
        if tl.mode[k] == "run" and np.isfinite(gct[k]):
            out[k] = braking_time(float(tl.overstride[k]), float(tl.speed[k]), float(gct[k]))
    return out


def step_table(body: Body, duration: float) -> pd.DataFrame:
    """One row per step with IC inside ``[0, duration]``; times are true times, s.

    Columns: :data:`~gait.contract.result.STEP_COLUMNS`, then ``foot_strike_angle`` (deg, + toes
    up), ``strike``, ``braking`` (pelvis speed loss, m/s), ``impact`` (peak specific
    force norm of an ideal foot sensor, m/s², within 30 ms after IC, gravity included),
    ``vertical_oscillation`` (pelvis, m), ``stride_length`` (m, relative to the ground/belt),
    ``speed`` (m/s, mean true belt/ground speed over the stride), ``shank_angle_ic`` (deg),
    ``foot_ahead`` (m, heel ahead of the pelvis at IC: the overstride itself),
    ``braking_time`` (s, contact to the pelvis's lowest forward speed; running), ``activity``
    and ``quality`` ('' or 'stop': the foot stays down for a stand, so contact-derived
    values are NaN).
    """
    tl = body.tl
    n = tl.n
    ic, tc = tl.t_ic, tl.t_tc.copy()
    same_bout_next = np.zeros(n, dtype=bool)
    same_bout_next[:-1] = (tl.bout[1:] == tl.bout[:-1]) & ~tl.stop[:-1]
    step = np.full(n, np.nan)
    step[:-1] = np.where(same_bout_next[:-1], ic[1:] - ic[:-1], np.nan)
    stride = np.full(n, np.nan)
    ok2 = (tl.bout[2:] == tl.bout[:-2]) & ~tl.stop[:-2] & ~tl.stop[1:-1]
    stride[:-2] = np.where(ok2, ic[2:] - ic[:-2], np.nan)
    gct = np.where(tl.stop, np.nan, tc - ic)
    nxt = np.full(n, np.nan)
    nxt[:-1] = ic[1:]
    flight = np.where(np.isfinite(step), np.maximum(nxt - tc, 0.0), np.nan)
    flight = np.where(tl.stop, np.nan, flight)
    # Stride length: the foot's own landing-to-landing displacement (what ZUPT measures).
    stride_len = np.full(n, np.nan)
    for foot in body.feet:
        idx = foot.idx
        sl = np.full(idx.size, np.nan)
        sl[:-1] = np.diff(foot.x_heel)
        stride_len[idx] = sl
    stride_len = np.where(np.isfinite(stride), stride_len, np.nan)
    # Pelvis VO and braking per step.
    vo, br = body.trunk.truth_per_step()
    shank = np.full(n, np.nan)
    impact = np.full(n, np.nan)
    grid = np.linspace(0.0, IMPACT_WINDOW, 61)
    for spec, foot in zip(("foot-left", "foot-right"), body.feet, strict=True):
        shank[foot.idx] = foot.truth_shank_ic()
        tt = ic[foot.idx, None] + grid[None, :]
        acc, _ = ideal_imu(body.motion(spec, tt.ravel()))
        impact[foot.idx] = np.linalg.norm(acc, axis=1).reshape(tt.shape).max(axis=1)
    df = pd.DataFrame(
        {
            "side": np.where(tl.side == 0, "left", "right"),
            "t_ic": ic,
            "t_tc": tc,
            "gct": gct,
            "flight": flight,
            "step_time": step,
            "stride_time": stride,
            "duty_factor": gct / stride,
            "cadence": 60.0 / step,
            "foot_strike_angle": tl.fsa,
            "strike": strike_class(tl.fsa),
            "braking": np.where(tl.stop, np.nan, br),
            "impact": impact,
            "vertical_oscillation": np.where(np.isfinite(step), vo, np.nan),
            "stride_length": stride_len,
            "speed": stride_len / stride,
            "shank_angle_ic": shank,
            "foot_ahead": np.where(tl.stop, np.nan, tl.overstride),
            "braking_time": _braking_time(tl, gct),
            "activity": tl.mode,
            "quality": np.where(tl.stop, "stop", ""),
        }
    )
    assert list(df.columns[: len(STEP_COLUMNS)]) == list(STEP_COLUMNS)
    keep = (ic >= 0) & (ic <= duration) & ~(np.isfinite(tc) & (tc > duration))
    df = df[keep].reset_index(drop=True)
    # Values that need events beyond the end of the recording are unknown to a detector.
    for col, need in (("step_time", 1), ("stride_time", 2)):
        later = np.full(len(df), np.inf)
        pos = np.flatnonzero(keep)
        j = pos + need
        later[j < n] = ic[j[j < n]]
        df.loc[later > duration, col] = np.nan
    df["cadence"] = 60.0 / df["step_time"]
    df["duty_factor"] = df["gct"] / df["stride_time"]
    df.loc[df["step_time"].isna(), ["flight", "vertical_oscillation"]] = np.nan
    df.loc[df["stride_time"].isna(), ["stride_length", "speed"]] = np.nan
    return df


def bouts_table(body: Body, duration: float) -> pd.DataFrame:
    """Activity bouts clipped to the recording: ``t_start, t_end, activity``."""
    rows = []
    for t0, t1, act in body.tl.bouts:
        a, b = max(float(t0), 0.0), min(float(t1), duration)
        if b > a:
            rows.append({"t_start": a, "t_end": b, "activity": act})
    return pd.DataFrame(rows, columns=["t_start", "t_end", "activity"])

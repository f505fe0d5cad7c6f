"""The step timeline: when each foot lands and leaves, bout by bout.

The timeline is generated step by step (a loop over steps, not samples) from the gait
parameters in force at each moment, with stride variability, asymmetry, fatigue drift,
parameter segments and standing still. Every later stage (kinematics, sensors, truth)
reads these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gait.synth.params import GaitParams, SynthParamError, check_gait, contact_time

F = NDArray[np.float64]
I = NDArray[np.int64]  # noqa: E741

#: Seconds of gait simulated before t = 0 and after the end, so the recording starts and
#: ends mid-stride (the truth keeps only events inside the recording).
PAD = 3.0


@dataclass
class Segment:
    """Gait in force from ``t_start`` on: its mode and resolved parameters."""

    t_start: float
    mode: str  # 'run' | 'walk' | 'stand'
    params: GaitParams
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class Timeline:
    """Per-step arrays, one entry per initial contact, in true time (s).

    Attributes
    ----------
    t_ic, t_tc : ndarray
        Initial and terminal contact; ``t_tc`` is the actual lift-off (after a stand it is
        when the foot leaves again) or NaN when the foot never leaves.
    side : ndarray of int
        0 = left, 1 = right.
    gct_nom : ndarray
        Contact time the step was generated with, s (equals t_tc - t_ic for normal steps).
    stop : ndarray of bool
        Step ends in standing still (its contact lasts through the stand).
    bout : ndarray of int
        Index into ``bouts`` of the moving bout the step belongs to.
    mode : list of str
        'run' or 'walk' per step.
    fsa, braking, overstride, impact_g, speed, belt_dip, vo : ndarray
        Per-step parameters: strike angle (deg), braking (m/s), overstride (m), impact
        peak (g), set speed (m/s), belt dip (m/s), walking VO (m).
    bouts : list of (t_start, t_end, activity)
        Activity bouts ('run', 'walk', 'still') covering the padded time span.
    speed_knots : list of (t, speed)
        Set speed changes (smoothly ramped), for the belt/ground speed curve.
    treadmill : bool
        Treadmill (True) or overground.
    """

    t_ic: F
    t_tc: F
    side: I
    gct_nom: F
    stop: NDArray[np.bool_]
    bout: I
    mode: list[str]
    fsa: F
    braking: F
    overstride: F
    impact_g: F
    speed: F
    belt_dip: F
    vo: F
    bouts: list[tuple[float, float, str]]
    speed_knots: list[tuple[float, float]]
    treadmill: bool

    @property
    def n(self) -> int:
        """Number of steps."""
        return int(self.t_ic.size)


def make_segments(
    activity: str, base: GaitParams, segments: list[tuple[float, Any]] | None
) -> list[Segment]:
    """Resolve the base parameters and each ``(t_start, overrides)`` segment.

    Parameters
    ----------
    activity : {'run', 'walk'}
        Activity before the first segment.
    base : GaitParams
        Base parameters; each segment's overrides apply to these (not cumulatively).
    segments : list of (t_start, dict or 'stand'), optional
        ``overrides`` may hold gait fields plus ``activity`` ('run', 'walk', 'stand');
        the string ``'stand'`` is short for ``{'activity': 'stand'}``.

    Returns
    -------
    list of Segment
        Sorted by start time, the first starting at ``-inf``.
    """
    out = [Segment(-np.inf, activity, base.resolved(activity))]
    for item in sorted(segments or [], key=lambda s: float(s[0])):
        t0, ov = item
        ov = {"activity": "stand"} if ov == "stand" else dict(ov)
        mode = str(ov.pop("activity", activity))
        if mode not in ("run", "walk", "stand"):
            raise SynthParamError(f"segment activity must be run, walk or stand, got {mode!r}")
        if mode == activity or mode == "stand":
            p = base.with_overrides(ov).resolved(activity)
        else:
            # Another activity: its missing speed, cadence, ... take that activity's defaults.
            generic = {k: v for k, v in base.to_dict().items() if k not in _ACTIVITY_FIELDS}
            p = GaitParams(**generic).with_overrides(ov).resolved(mode)
        out.append(Segment(float(t0), mode, p, dict(ov)))
    for s in out:
        if s.mode != "stand":
            check_gait(s.params, s.mode)
    return out


_ACTIVITY_FIELDS = (
    "speed",
    "cadence",
    "gct",
    "duty_factor",
    "foot_strike_angle",
    "braking",
    "overstride",
    "impact_g",
    "vertical_oscillation",
)


def _segment_at(segs: list[Segment], t: float) -> tuple[int, Segment]:
    i = max(j for j, s in enumerate(segs) if s.t_start <= t)
    return i, segs[i]


def _next_moving(segs: list[Segment], i: int) -> Segment | None:
    for s in segs[i + 1 :]:
        if s.mode != "stand":
            return s
    return None


def build_timeline(
    segs: list[Segment], duration: float, rng: np.random.Generator, first_side: int = 0
) -> Timeline:
    """Generate the steps from ``-PAD`` to ``duration + PAD``.

    Parameters
    ----------
    segs : list of Segment
        From :func:`make_segments`.
    duration : float
        Recording length, s (fatigue drift is linear over it).
    rng : numpy.random.Generator
        Source of the step-to-step variability.
    first_side : int
        Side of the first simulated step (0 left, 1 right).

    Returns
    -------
    Timeline
    """
    walk = _StepWalk(segs, duration, rng, t=-PAD, side=first_side)
    walk.run()
    if not walk.rows:
        raise SynthParamError("the recording holds no steps (standing all the time?)")
    return _to_timeline(walk, bool(segs[0].params.treadmill))


@dataclass
class _StepWalk:
    """The state of :func:`build_timeline` while it steps from ``-PAD`` to ``duration + PAD``.

    Parameters
    ----------
    segs, duration, rng
        As for :func:`build_timeline`.
    t : float
        Time of the next initial contact, s.
    side : int
        Side of the next step (0 left, 1 right).
    """

    segs: list[Segment]
    duration: float
    rng: np.random.Generator
    t: float
    side: int
    rows: list[dict[str, Any]] = field(default_factory=list)  # one per step (see _step)
    bouts: list[tuple[float, float, str]] = field(default_factory=list)
    speed_knots: list[tuple[float, float]] = field(default_factory=list)
    bout_start: float = -PAD
    bout_mode: str | None = None  # mode of the moving bout under way (None: none yet)
    standing_from: float | None = None  # start of the current standing period

    @property
    def t_end(self) -> float:
        """End of the padded span, s."""
        return self.duration + PAD

    def run(self) -> None:
        """Generate every step, stop and restart, and close the last bout."""
        while self.t < self.t_end:
            i, seg = _segment_at(self.segs, self.t)
            if seg.mode != "stand":
                self._move(seg)
            elif not self._stand(i):
                break
        if self.bout_mode is not None:
            self.bouts.append((self.bout_start, self.t_end, self.bout_mode))

    def _move(self, seg: Segment) -> None:
        """One step of a moving segment (a change of mode starts a new bout)."""
        if self.bout_mode is None:
            self.bout_mode = seg.mode
        elif seg.mode != self.bout_mode:
            self.bouts.append((self.bout_start, self.t, self.bout_mode))
            self.bout_mode = seg.mode
            self.bout_start = self.t
        self.rows.append(_step(seg, self.t, self.side, self.duration, self.rng))
        if not self.speed_knots or self.speed_knots[-1][1] != self.rows[-1]["speed"]:
            self.speed_knots.append((self.t, self.rows[-1]["speed"]))
        self.t = self.t + self.rows[-1]["step_time"]
        self.side = 1 - self.side

    def _stand(self, i: int) -> bool:
        """Stand from ``t`` until segment ``i`` is followed by a moving one; False: to the end."""
        standing_from = self._stop()
        self.speed_knots.append((self.t, 0.0))
        nxt = _next_moving(self.segs, i)
        if nxt is None or nxt.t_start >= self.t_end:
            self.bouts.append((standing_from, self.t_end, "still"))
            return False
        self.bouts.append((standing_from, nxt.t_start, "still"))
        self._restart(nxt)
        return True

    def _stop(self) -> float:
        """Close the moving bout: the foot in the air lands, the stance feet stay down.

        Returns
        -------
        float
            When standing began, s.
        """
        rows = self.rows
        if rows and self.bout_mode is not None:
            last = rows[-1]
            rows.append(dict(last, t_ic=self.t, side=self.side, t_tc=np.nan, stop=True))
            if self.bout_mode == "run":
                # The other foot is in the air too: it lands one step later.
                rows.append(dict(last, t_ic=self.t + last["step_time"], t_tc=np.nan, stop=True))
            else:
                rows[-2]["t_tc"] = np.nan
                rows[-2]["stop"] = True
            self.bouts.append((self.bout_start, rows[-1]["t_ic"], self.bout_mode))
            self.standing_from = rows[-1]["t_ic"]
        elif self.standing_from is None:
            self.standing_from = -PAD
        return self.standing_from

    def _restart(self, nxt: Segment) -> None:
        """Lift the standing feet so that steps resume in time for ``nxt`` to start."""
        te = nxt.t_start
        p = nxt.params
        assert p.cadence is not None
        step = 60.0 / p.cadence
        c = contact_time(p)
        # Restart as if the other foot had landed at tb: the foot that landed first
        # leaves at te, the other one at tb + c, and the first foot lands at tb + step.
        tb = te - (c - step)
        stance = [r for r in self.rows if r["stop"] and np.isnan(r["t_tc"])]
        if stance:
            stance.sort(key=lambda r: r["t_ic"])
            stance[0]["t_tc"] = te
            if len(stance) > 1:
                stance[1]["t_tc"] = tb + c
            self.side = stance[0]["side"]
        self.t = tb + step
        self.bout_start = te
        self.bout_mode = None
        self.standing_from = None


def _to_timeline(walk: _StepWalk, treadmill: bool) -> Timeline:
    """The steps as per-step arrays, each assigned to its moving bout."""
    rows, bouts = walk.rows, walk.bouts
    bout_of = np.searchsorted([b[0] for b in bouts], [r["t_ic"] for r in rows], side="right") - 1
    # The closing landing before a stand belongs to the moving bout it ends.
    for k in range(len(rows)):
        b = bout_of[k]
        if bouts[b][2] == "still" and b > 0:
            bout_of[k] = b - 1
    return Timeline(
        t_ic=np.array([r["t_ic"] for r in rows]),
        t_tc=np.array([r["t_tc"] for r in rows], dtype=np.float64),
        side=np.array([r["side"] for r in rows], dtype=np.int64),
        gct_nom=np.array([r["gct"] for r in rows]),
        stop=np.array([r["stop"] for r in rows], dtype=bool),
        bout=np.asarray(bout_of, dtype=np.int64),
        mode=[r["mode"] for r in rows],
        fsa=np.array([r["fsa"] for r in rows]),
        braking=np.array([r["braking"] for r in rows]),
        overstride=np.array([r["overstride"] for r in rows]),
        impact_g=np.array([r["impact_g"] for r in rows]),
        speed=np.array([r["speed"] for r in rows]),
        belt_dip=np.array([r["belt_dip"] for r in rows]),
        vo=np.array([r["vo"] for r in rows]),
        bouts=bouts,
        speed_knots=walk.speed_knots,
        treadmill=treadmill,
    )


def _step(
    seg: Segment, t: float, side: int, duration: float, rng: np.random.Generator
) -> dict[str, Any]:
    """One step's timing and parameters at time ``t`` (side 0 = left)."""
    p = seg.params
    assert p.cadence is not None
    assert p.speed is not None
    assert p.foot_strike_angle is not None
    frac = float(np.clip(t / duration, 0.0, 1.0)) if duration > 0 else 0.0
    cad = p.cadence * (1 + p.fatigue_cadence_pct / 100 * frac)
    gct = contact_time(p) * (1 + p.fatigue_gct_pct / 100 * frac)
    step = 60.0 / cad
    # Step k ends at the other foot's contact: a step ending on the left is a "left step".
    a = p.step_asym_pct / 100
    step *= (1 + a / 2) if side == 1 else (1 - a / 2)
    g = p.gct_asym_pct / 100
    gct *= (2 + 2 * g) / (2 + g) if side == 0 else 2 / (2 + g)
    # Stride CV sigma -> per-step sigma sqrt(2)*cv (a stride is two independent steps).
    cv = p.stride_cv * np.sqrt(2.0)
    step *= 1 + cv * float(np.clip(rng.standard_normal(), -3, 3))
    gct *= 1 + p.stride_cv * float(np.clip(rng.standard_normal(), -3, 3))
    if seg.mode == "run":
        gct = min(gct, 0.92 * step)
    else:
        gct = float(np.clip(gct, 1.05 * step, 1.9 * step))
    fsa = p.foot_strike_angle + p.strike_angle_sd * float(np.clip(rng.standard_normal(), -3, 3))
    if p.impact_g is not None:
        imp = float(p.impact_g)
    elif seg.mode == "run":
        imp = 5.0 + 0.3 * max(fsa, 0.0)
    else:
        imp = 4.0 + 0.2 * max(fsa, 0.0)
    return {
        "t_ic": t,
        "t_tc": t + gct,
        "side": side,
        "gct": gct,
        "step_time": step,
        "stop": False,
        "mode": seg.mode,
        "fsa": fsa,
        "braking": float(p.braking or 0.0),
        "overstride": float(p.overstride or 0.0),
        "impact_g": imp,
        "speed": float(p.speed),
        "belt_dip": float(p.belt_dip) if p.treadmill else 0.0,
        "vo": float(p.vertical_oscillation or 0.0),
    }

"""Synthetic single-leg balance sessions with exact ground truth.

A session is a plan of segments (two-leg standing, a few walking steps with a turn,
single-leg stance trials, hop-and-stick landings). The trunk is modelled as an inverted
pendulum about the ankle: the *designed* quantity is the horizontal specific force at the
trunk sensor in the gravity-aligned frame, ``d_AP(t)``, ``d_ML(t)`` (m/s²), i.e. what an
ideal gravity-aligned accelerometer shows. The lean angle ``θ`` that produces it follows
from the linearised pendulum ``d = h·θ̈ − g·θ`` (solved exactly in the frequency domain),
and the sensor signals are then built from the exact (non-linear) kinematics: position
``h·R(θ)·ẑ``, acceleration by differentiation and the specific force rotated into the
tilted body frame, so gravity leaks into the horizontal axes exactly as it does on a body.

Truth (``rec.reference``, kind ``"synthetic"``):

* ``tables["balance_trials"]``: one row per trial (stance and hop) with ``t_start``,
  ``t_end`` (s), ``leg``, ``eyes``, ``kind`` (stance|hop), ``familiarisation``,
  ``win_start``/``win_end`` (the metric window: the middle of the trial), true
  ``rms_ap``, ``rms_ml`` (m/s²), ``ellipse_area`` (m²/s⁴, 95 % prediction ellipse),
  ``path`` (m/s²), ``jerk`` (m²/s⁵), ``lean_rms_ap``/``lean_rms_ml`` (deg), ``f50``
  (Hz, of the designed spectrum), ``n_touchdowns``, ``time_to_failure`` (s) and, for hops,
  ``t_land`` and ``stabilization_time`` (s).
* ``tables["touchdowns"]``: ``t`` (impact time, s), ``trial`` (row index), ``leg``.
* ``tables["bouts"]``: every segment with ``t_start``, ``t_end``, ``activity``.
* ``params``: every injected parameter.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from gait.contract.constants import G
from gait.contract.recording import Recording, Reference, SessionMeta, Stream
from gait.util.jsonsafe import to_jsonable

FloatArray = NDArray[np.float64]

Leg = Literal["left", "right"]
Eyes = Literal["open", "closed"]

#: Height of each trunk placement above the ankle (m), the pendulum length.
SENSOR_HEIGHT: dict[str, float] = {"sacrum": 1.0, "phone-belt": 1.0, "phone-sternum": 1.35}
#: Trunk placements in the order the analysis prefers them; truth refers to the first present.
TRUNK_ORDER: tuple[str, ...] = ("sacrum", "phone-belt", "phone-sternum")
FOOT_SPECS: tuple[str, ...] = ("foot-left", "foot-right")


def metric_margin(length: float) -> float:
    """Seconds dropped at each end of a trial of ``length`` s before metrics are computed.

    The truth window is the middle of the trial: the middle 20 s of a 30 s trial, as in
    single-leg COP analysis.

    Parameters
    ----------
    length : float
        Trial duration, s.

    Returns
    -------
    float
        ``clip((length - 20) / 2, 1, 5)`` s: 5 s for a 30 s trial (middle 20 s).
    """
    return float(min(5.0, max(1.0, (length - 20.0) / 2.0)))


@dataclass
class Segment:
    """One piece of a balance session plan.

    Parameters
    ----------
    kind : {'stand', 'walk', 'stance', 'hop'}
        ``stand`` = two-leg quiet standing; ``walk`` = a few steps with a 180° turn;
        ``stance`` = single-leg stance trial; ``hop`` = hop-and-stick landing then
        single-leg stance for ``duration`` s after landing.
    duration : float
        Segment length, s (for ``hop``: the stance time after landing).
    leg, eyes : str
        Stance leg and eyes condition (stance and hop).
    rms_ap, rms_ml : float
        Designed RMS of the horizontal specific force at the truth sensor over the metric
        window, m/s² (stance, hop and stand).
    band : tuple of float
        Pass band of the sway spectrum, Hz.
    touchdowns : tuple of float
        Touch-down times from the segment start, s.
    impact : float
        Peak vertical trunk impact of each touch-down, m/s².
    familiarisation : bool
        The trial is a familiarisation trial (not scored).
    stabilization_time : float
        Hop only: true time to stabilization after landing, s.
    """

    kind: Literal["stand", "walk", "stance", "hop"]
    duration: float
    leg: Leg | None = None
    eyes: Eyes | None = None
    rms_ap: float = 0.03
    rms_ml: float = 0.03
    band: tuple[float, float] = (0.3, 2.5)
    touchdowns: tuple[float, ...] = ()
    familiarisation: bool = False
    stabilization_time: float = 1.5
    impact: float = 3.0


@dataclass
class BalanceParams:
    """Options of a synthetic balance session.

    Parameters
    ----------
    trials : sequence of (leg, eyes)
        Stance trials in order; default left/right × eyes open then closed:
        ``(left, open), (right, open), (left, closed), (right, closed)``.
    rms_open : float
        Sway RMS per axis with eyes open on the reference leg, m/s².
    romberg : float
        Eyes-closed / eyes-open sway ratio.
    asym_pct : float
        Left leg sways this percent more than the right (negative: right more).
    ml_ratio : float
        ML RMS / AP RMS.
    band : tuple of float
        Sway pass band, Hz.
    touchdowns_open, touchdowns_closed : int
        Touch-downs per eyes-open / eyes-closed trial at random times.
    touchdown_impact : float
        Peak vertical trunk impact of a touch-down, m/s².
    familiarisation : bool
        Add an unscored familiarisation trial first (left, eyes open).
    hop_legs : sequence of str
        Legs of the hop-and-stick drills (empty for none).
    hop_duration : float
        Single-leg stance after each landing, s (≥ 11: the analysis window is a fixed 10 s).
    stabilization_time : float
        True hop time to stabilization, s.
    walk_time, stand_before, stand_after : float
        Transition timing, s.
    plan : list of Segment or None
        An explicit plan; overrides everything above (used by the guided protocol).
    """

    trials: tuple[tuple[Leg, Eyes], ...] = (
        ("left", "open"),
        ("right", "open"),
        ("left", "closed"),
        ("right", "closed"),
    )
    rms_open: float = 0.12
    romberg: float = 1.6
    asym_pct: float = 0.0
    ml_ratio: float = 1.2
    band: tuple[float, float] = (0.3, 2.5)
    touchdowns_open: int = 0
    touchdowns_closed: int = 1
    touchdown_impact: float = 3.0
    familiarisation: bool = False
    hop_legs: tuple[str, ...] = ("left", "right")
    hop_duration: float = 11.0
    stabilization_time: float = 1.5
    walk_time: float = 5.0
    stand_before: float = 3.0
    stand_after: float = 2.0
    plan: list[Segment] | None = None


@dataclass
class SensorOptions:
    """Sensor imperfections applied to every stream.

    Parameters
    ----------
    rotation : bool
        Random (uniform) mounting rotation per stream.
    acc_noise : float
        White accelerometer noise SD, m/s².
    gyr_noise : float
        White gyroscope noise SD, rad/s.
    gyr_bias : float
        Constant gyro bias SD per axis, rad/s.
    acc_only : bool
        Streams without a gyroscope.
    """

    rotation: bool = True
    acc_noise: float = 0.02
    gyr_noise: float = 0.005
    gyr_bias: float = 0.01
    acc_only: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def default_plan(p: BalanceParams, duration: float, rng: np.random.Generator) -> list[Segment]:
    """The segment plan for :class:`BalanceParams` with trials of ``duration`` s.

    Parameters
    ----------
    p : BalanceParams
        Session options.
    duration : float
        Stance trial length, s.
    rng : numpy.random.Generator
        Random source for touch-down times.

    Returns
    -------
    list of Segment
    """
    plan: list[Segment] = [Segment("stand", 2.0)]

    def amp(leg: str, eyes: str) -> tuple[float, float]:
        a = p.rms_open * (p.romberg if eyes == "closed" else 1.0)
        # asym_pct: left sways asym_pct % more than right; split it around the base value.
        k = 1.0 + p.asym_pct / 100.0
        a *= math.sqrt(k) if leg == "left" else 1.0 / math.sqrt(k)
        return a, a * p.ml_ratio

    def transition() -> None:
        plan.append(Segment("walk", p.walk_time))
        plan.append(Segment("stand", p.stand_before))

    trials: list[tuple[str, str, bool]] = [(leg, eyes, False) for leg, eyes in p.trials]
    if p.familiarisation:
        trials.insert(0, ("left", "open", True))
    for leg, eyes, fam in trials:
        transition()
        n_td = p.touchdowns_closed if eyes == "closed" else p.touchdowns_open
        tds = _touchdown_times(n_td, duration, rng)
        ap, ml = amp(leg, eyes)
        plan.append(
            Segment(
                "stance",
                duration,
                leg=leg,  # type: ignore[arg-type]
                eyes=eyes,  # type: ignore[arg-type]
                rms_ap=ap,
                rms_ml=ml,
                band=p.band,
                touchdowns=tds,
                familiarisation=fam,
                impact=p.touchdown_impact,
            )
        )
        plan.append(Segment("stand", p.stand_after))
    for leg in p.hop_legs:
        transition()
        ap, ml = amp(leg, "open")
        plan.append(
            Segment(
                "hop",
                p.hop_duration,
                leg=leg,  # type: ignore[arg-type]
                eyes="open",
                rms_ap=ap,
                rms_ml=ml,
                band=p.band,
                stabilization_time=p.stabilization_time,
            )
        )
        plan.append(Segment("stand", p.stand_after))
    plan.append(Segment("walk", p.walk_time))
    plan.append(Segment("stand", 2.0))
    return plan


def _touchdown_times(n: int, duration: float, rng: np.random.Generator) -> tuple[float, ...]:
    """``n`` touch-down times in a trial, at least 4 s apart and 3 s from either end."""
    if n <= 0:
        return ()
    lo, hi = 3.0, duration - 3.0
    if hi - lo < 4.0 * (n - 1):
        raise ValueError(f"cannot fit {n} touch-downs into a {duration} s trial")
    # Place n points with a 4 s minimum gap: draw in the reduced range then spread.
    free = (hi - lo) - 4.0 * (n - 1)
    u = np.sort(rng.uniform(0.0, free, n))
    return tuple(float(x) for x in lo + u + 4.0 * np.arange(n))


# ----------------------------------------------------------------------------- signals


def _band_noise(
    n: int, rate: float, band: tuple[float, float], rng: np.random.Generator
) -> FloatArray:
    """Periodic unit-RMS Gaussian noise with a flat spectrum in ``band`` (cosine edges)."""
    f = np.fft.rfftfreq(n, 1.0 / rate)
    lo, hi = band
    edge = 0.15  # Hz of cosine taper on each side keeps the series smooth
    gain = np.clip((f - (lo - edge)) / (2 * edge), 0.0, 1.0) * np.clip(
        ((hi + edge) - f) / (2 * edge), 0.0, 1.0
    )
    gain = np.sin(0.5 * np.pi * gain) ** 2
    spec = gain * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size))
    spec[0] = 0.0
    x = np.fft.irfft(spec, n)
    return np.asarray(x / np.sqrt(np.mean(x**2)), dtype=np.float64)


def _lean_from_force(d: FloatArray, rate: float, h: float) -> FloatArray:
    """Lean angle θ (rad) whose linear pendulum force ``h·θ̈ − g·θ`` equals ``d`` (periodic)."""
    n = d.size
    w = 2.0 * np.pi * np.fft.rfftfreq(n, 1.0 / rate)
    theta = np.fft.irfft(-np.fft.rfft(d) / (h * w**2 + G), n)
    return np.asarray(theta, dtype=np.float64)


def _taper(n: int, rate: float, ramp: float = 0.75) -> FloatArray:
    """Window that is 1 except for raised-cosine ramps of ``ramp`` s at both ends."""
    w = np.ones(n)
    k = min(int(ramp * rate), n // 2)
    if k > 0:
        r = 0.5 - 0.5 * np.cos(np.pi * np.arange(k) / k)
        w[:k] = r
        w[n - k :] = r[::-1]
    return w


def _gain_profile(t_rel: FloatArray, touchdowns: tuple[float, ...], down: float) -> FloatArray:
    """Sway gain around touch-downs: build-up ×2.5 over 1 s before, ×0.3 on two legs after."""
    g = np.ones_like(t_rel)
    for td in touchdowns:
        pre = (t_rel >= td - 1.0) & (t_rel < td)
        g[pre] *= 1.0 + 1.5 * (t_rel[pre] - (td - 1.0))
        on2 = (t_rel >= td) & (t_rel < td + down)
        g[on2] *= 0.3
        post = (t_rel >= td + down) & (t_rel < td + down + 0.5)
        g[post] *= 0.3 + 0.7 * (t_rel[post] - (td + down)) / 0.5
    return g


def _half_sine(t: FloatArray, t0: float, width: float) -> FloatArray:
    """Half-sine pulse of unit height centred at ``t0`` with total ``width`` s."""
    x = (t - t0) / width + 0.5
    return np.where((x > 0) & (x < 1), np.sin(np.pi * np.clip(x, 0, 1)), 0.0)


@dataclass
class _Timeline:
    t: FloatArray
    rate: float
    starts: list[float]
    plan: list[Segment]


def _timeline(plan: list[Segment], rate: float) -> _Timeline:
    starts: list[float] = []
    t0 = 0.0
    for seg in plan:
        starts.append(t0)
        t0 += seg.duration + (_HOP_LEAD if seg.kind == "hop" else 0.0)
    n = round(t0 * rate)
    return _Timeline(np.arange(n) / rate, rate, starts, plan)


#: Hop segments start with this much approach before the landing (s): push-off + flight.
_HOP_LEAD = 1.0
_TD_DOWN = 1.5  # s on two legs after a touch-down
_STEP_FREQ = 1.8  # Hz while walking
_TTS_K = math.sqrt(8.0)  # envelope = √8 × baseline  <=>  moving RMS = 3 × baseline
_TTS_TAU = 0.6  # s, decay of the landing oscillation
_HOP_OSC_F = 2.5  # Hz
_HOP_WINDOW = 10.0  # s: fixed hop analysis window the stabilization criterion refers to


def synthesize_balance(
    placements: tuple[str, ...] | list[str] = ("sacrum",),
    duration: float = 30.0,
    rate: float = 100.0,
    seed: int = 0,
    gait: Any = None,  # noqa: ARG001 - keeps the positional order of synthesize()
    sensor: Any = None,
    segments: Any = None,
    *,
    balance: BalanceParams | None = None,
    **options: Any,
) -> Recording:
    """Synthesize a single-leg balance session with exact ground truth.

    Parameters
    ----------
    placements : sequence of str
        Any of ``sacrum``, ``phone-belt``, ``phone-sternum`` (trunk) and ``foot-left``,
        ``foot-right`` (lifted-foot IMUs). At least one trunk placement.
    duration : float
        Length of each stance trial, s (default 30).
    rate : float
        Sampling rate, Hz.
    seed : int
        Random seed; the output is deterministic for a seed.
    gait : None
        Accepted for signature compatibility with :func:`gait.synth.synthesize`; unused.
    sensor : SensorOptions or object, optional
        Sensor imperfections. Foreign parameter objects are read by attribute name
        (``rotation``/``random_rotation``, ``acc_noise``/``noise``, ``gyr_noise``,
        ``gyr_bias``, ``acc_only``/``no_gyro``).
    segments : None
        Must be None (balance sessions are planned with ``balance.plan``).
    balance : BalanceParams, optional
        Session options (trials, sway amplitudes, touch-downs, hops, transitions).
    **options
        Shortcuts for :class:`BalanceParams` and :class:`SensorOptions` fields, e.g.
        ``asym_pct=35``, ``acc_only=True``, ``rotation=False``.

    Returns
    -------
    Recording
        ``meta.activity == "balance"``, one stream per placement, truth in ``reference``.
    """
    if segments is not None:
        raise ValueError(
            "segments are not used for balance sessions; pass balance=BalanceParams(plan=...)"
        )
    bp, so = _session_options(balance, sensor, options)
    specs, trunk = _placement_specs(placements)
    if rate < 20:
        raise ValueError(f"rate must be at least 20 Hz, got {rate}")
    rng = np.random.default_rng(seed)
    plan = list(bp.plan) if bp.plan is not None else default_plan(bp, duration, rng)
    tl = _timeline(plan, rate)
    design = _Design.zeros(tl.t.size, SENSOR_HEIGHT[trunk[0]])
    for seg, t0 in zip(plan, tl.starts, strict=True):
        design.add_segment(seg, t0, tl.t, rate, rng, so.acc_noise)
    streams = [design.stream(spec, tl.t, rate, trunk, so, rng) for spec in specs]
    params: dict[str, Any] = {
        "activity": "balance",
        "placements": specs,
        "truth_stream": _stream_name(trunk[0]),
        "duration": duration,
        "rate": rate,
        "seed": seed,
        # The caller's parameters echoed as given: a NaN or inf they passed stays one.
        "balance": to_jsonable(asdict(bp), nonfinite="keep"),
        "sensor": to_jsonable(asdict(so), nonfinite="keep"),
        "plan": [to_jsonable(asdict(s), nonfinite="keep") for s in plan],
        "sensor_height_m": {s: SENSOR_HEIGHT[s] for s in trunk},
        "touchdown_down_s": _TD_DOWN,
        "hop": {
            "tau_s": _TTS_TAU,
            "criterion": "envelope = sqrt(8) x baseline RMS (moving RMS = 3 x baseline)",
        },
        "truth_definition": (
            "rms/ellipse/path/jerk of the designed horizontal specific force at the truth stream "
            "in the gravity-aligned frame over the window [win_start, win_end)"
        ),
    }
    ref = Reference(
        kind="synthetic",
        events=pd.DataFrame(
            {
                "side": pd.Series(dtype=str),
                "t_ic": pd.Series(dtype=float),
                "t_tc": pd.Series(dtype=float),
            }
        ),
        tables={
            "balance_trials": _trials_table(design.rows, design.tds),
            "touchdowns": pd.DataFrame(design.tds, columns=["t", "trial", "leg"]),
            "bouts": _bouts_table(plan, tl.starts),
        },
        params=params,
        source="gait.synth.balance",
    )
    meta = SessionMeta(
        activity="balance", source="synthetic", notes="synthetic single-leg balance session"
    )
    return Recording(meta=meta, streams=streams, reference=ref)


def _session_options(
    balance: BalanceParams | None, sensor: Any, options: dict[str, Any]
) -> tuple[BalanceParams, SensorOptions]:
    """Session and sensor options, each shortcut in ``options`` applied to the one that has it."""
    bp = balance if balance is not None else BalanceParams()
    so = _sensor_options(sensor)
    for k, v in options.items():
        if hasattr(bp, k):
            bp = _replace(bp, k, v)
        elif hasattr(so, k):
            setattr(so, k, v)
        else:
            raise TypeError(f"synthesize_balance() got an unexpected option {k!r}")
    return bp, so


def _placement_specs(placements: tuple[str, ...] | list[str]) -> tuple[list[str], list[str]]:
    """The placements as given and the trunk ones in order of preference (truth: the first)."""
    specs = [str(p) for p in placements]
    unknown = [s for s in specs if s not in TRUNK_ORDER and s not in FOOT_SPECS]
    if unknown:
        raise ValueError(
            f"unsupported balance placements {unknown}; use {TRUNK_ORDER + FOOT_SPECS}"
        )
    trunk = [s for s in TRUNK_ORDER if s in specs]
    if not trunk:
        raise ValueError(
            "a balance session needs a trunk placement (sacrum, phone-belt or phone-sternum)"
        )
    return specs, trunk


@dataclass
class _Design:
    """The designed session, filled segment by segment, all on one time grid.

    Parameters
    ----------
    h_ref : float
        Pendulum height of the truth sensor (the first trunk placement), m.
    d, theta : ndarray
        (n, 2) designed horizontal force at the truth sensor (m/s²) and AP, ML lean (rad).
    extra_f, extra_w : ndarray
        (n, 3) body-frame additive specific force (walk, impacts, hop; m/s²) and angular
        rate (rad/s).
    flight : ndarray of bool
        Hop flight: the accelerometer reads no specific force.
    rows : list of dict
        Truth of each trial (:func:`_truth_row`).
    tds : list of dict
        Touch-downs: ``t``, ``trial`` (row index), ``leg``.
    foot_events : list of (kind, side, t0, t1)
        What the lifted-foot IMUs see (:func:`_foot_signals`).
    """

    h_ref: float
    d: FloatArray
    theta: FloatArray
    extra_f: FloatArray
    extra_w: FloatArray
    flight: NDArray[np.bool_]
    rows: list[dict[str, Any]] = field(default_factory=list)
    tds: list[dict[str, Any]] = field(default_factory=list)
    foot_events: list[tuple[str, str, float, float]] = field(default_factory=list)

    @classmethod
    def zeros(cls, n: int, h_ref: float) -> _Design:
        """An empty design of ``n`` samples for a truth sensor ``h_ref`` m above the ankle."""
        return cls(
            h_ref=h_ref,
            d=np.zeros((n, 2)),
            theta=np.zeros((n, 2)),
            extra_f=np.zeros((n, 3)),
            extra_w=np.zeros((n, 3)),
            flight=np.zeros(n, dtype=bool),
        )

    def add_segment(
        self,
        seg: Segment,
        t0: float,
        t: FloatArray,
        rate: float,
        rng: np.random.Generator,
        acc_noise: float,
    ) -> None:
        """Design one segment starting at ``t0`` s: walking, or sway plus its trial's events."""
        i0 = round(t0 * rate)
        lead = _HOP_LEAD if seg.kind == "hop" else 0.0
        i1 = min(t.size, round((t0 + lead + seg.duration) * rate))
        if seg.kind == "walk":
            _add_walk(t, i0, i1, rate, rng, self.extra_f, self.extra_w)
            self.foot_events.append(("walk", "both", t0, t0 + seg.duration))
            return
        s0 = i0 + round(lead * rate)
        wa, wb = self._sway(seg, t, s0, i1, rate, rng)
        if seg.kind == "stand":
            return
        self.rows.append(_truth_row(seg, t, s0, i1, wa, wb, self.d, self.theta, rate))
        if seg.kind == "stance":
            self._stance_events(seg, t, s0, i1)
        else:
            t_land = t[s0]
            _add_hop(
                t, s0, i1, rate, seg, self.theta, self.h_ref, self.extra_f, acc_noise, self.flight
            )
            self.foot_events.append(("lifted", _other(seg.leg), t[i0], t[i1 - 1]))
            self.foot_events.append(("landing", str(seg.leg), t_land, t_land))

    def _sway(
        self, seg: Segment, t: FloatArray, s0: int, i1: int, rate: float, rng: np.random.Generator
    ) -> tuple[int, int]:
        """Designed force and lean of samples ``s0:i1``; returns the metric window in them."""
        m = i1 - s0
        t_rel = t[s0:i1] - t[s0]
        tdt = seg.touchdowns if seg.kind == "stance" else ()
        gain = _gain_profile(t_rel, tdt, _TD_DOWN)
        # Lifting the foot changes sway within a fraction of a second; two-leg standing ramps
        # slowly.
        win = _taper(m, rate, 0.3 if seg.kind == "stance" else 0.75)
        if seg.kind in ("stance", "hop"):
            margin = metric_margin(seg.duration) if seg.kind == "stance" else 0.0
            wa, wb = round(margin * rate), m - round(margin * rate)
        else:
            wa, wb = 0, m
        # Correlated AP/ML sway so the ellipse is tilted and mixing axes changes results.
        corr = rng.uniform(-0.4, 0.4)
        z1 = _band_noise(m, rate, seg.band, rng)
        z2 = _band_noise(m, rate, seg.band, rng)
        comp = np.column_stack([z1, corr * z1 + math.sqrt(1 - corr**2) * z2]) * gain[:, None]
        # Losing balance: a sideways excursion of the trunk towards the free leg before contact.
        towards = 1.0 if seg.leg == "left" else -1.0
        for td in tdt:
            comp[:, 1] -= towards * 2.0 * _half_sine(t_rel, td - 0.4, 0.8)
        for ax, target in enumerate((seg.rms_ap, seg.rms_ml)):
            th = _lean_from_force(comp[:, ax], rate, self.h_ref) * win
            # Rescale so the realised force (after the taper) has the designed RMS in the window.
            dk = _linear_force(th, rate, self.h_ref)
            seg_w = dk[wa:wb] - dk[wa:wb].mean()
            scale = target / float(np.sqrt(np.mean(seg_w**2)))
            self.theta[s0:i1, ax] = th * scale
            self.d[s0:i1, ax] = dk * scale
        return wa, wb

    def _stance_events(self, seg: Segment, t: FloatArray, s0: int, i1: int) -> None:
        """Foot lift, touch-downs and the foot put down at the end of a stance trial."""
        ridx = len(self.rows) - 1
        # Foot lift at the start (a small weight shift) and the foot put down at the end (an
        # impact at t_end, smaller than an uncontrolled touch-down).
        self.extra_f[:, 2] += 0.8 * _half_sine(t, t[s0] + 0.1, 0.2) + 2.0 * _half_sine(
            t, t[i1 - 1], 0.06
        )
        for td in seg.touchdowns:
            tt = t[s0] + td
            self.extra_f[:, 2] += seg.impact * _half_sine(t, tt, 0.06)
            # (vertical only: a horizontal jolt would be outside the designed sway truth)
            self.tds.append({"t": tt, "trial": ridx, "leg": seg.leg})
            self.foot_events.append(("touchdown", _other(seg.leg), tt, tt + _TD_DOWN))
        self.foot_events.append(("lifted", _other(seg.leg), t[s0], t[i1 - 1]))

    def stream(
        self,
        spec: str,
        t: FloatArray,
        rate: float,
        trunk: list[str],
        so: SensorOptions,
        rng: np.random.Generator,
    ) -> Stream:
        """The sensor stream of one placement: pendulum kinematics (trunk) or a foot IMU."""
        if spec in FOOT_SPECS:
            foot_side = spec.split("-")[1]
            f_b, w_b = _foot_signals(t, rate, foot_side, self.foot_events, rng)
            return _finish(spec, "foot", foot_side, None, t, f_b, w_b, rate, so, rng)
        h = SENSOR_HEIGHT[spec]
        f_b, w_b = _pendulum(self.theta, rate, h)
        # Walking/impacts were designed at the truth sensor; scale by height like a rigid trunk.
        f_b += self.extra_f * (h / self.h_ref if spec != trunk[0] else 1.0)
        f_b[self.flight] = 0.0
        w_b += self.extra_w
        placement = "sacrum" if spec == "sacrum" else "phone"
        mount = None if spec == "sacrum" else spec.split("-")[1]
        return _finish(spec, placement, None, mount, t, f_b, w_b, rate, so, rng)


def _trials_table(rows: list[dict[str, Any]], tds: list[dict[str, Any]]) -> pd.DataFrame:
    """The truth rows with each trial's touch-down count and time to failure (s)."""
    trials = pd.DataFrame(rows)
    if trials.empty:
        return trials
    trials["n_touchdowns"] = [sum(1 for x in tds if x["trial"] == i) for i in range(len(trials))]
    first = {
        i: min((x["t"] for x in tds if x["trial"] == i), default=math.nan)
        for i in range(len(trials))
    }
    t0s, t1s = trials["t_start"].to_numpy(float), trials["t_end"].to_numpy(float)
    trials["time_to_failure"] = [
        (first[i] - t0s[i]) if not math.isnan(first[i]) else (t1s[i] - t0s[i])
        for i in range(len(trials))
    ]
    return trials


def _bouts_table(plan: list[Segment], starts: list[float]) -> pd.DataFrame:
    """Every segment of the plan with its span (s) and kind."""
    return pd.DataFrame(
        [
            {
                "t_start": t0,
                "t_end": t0 + s.duration + (_HOP_LEAD if s.kind == "hop" else 0.0),
                "activity": s.kind,
            }
            for s, t0 in zip(plan, starts, strict=True)
        ]
    )


# ----------------------------------------------------------------------------- helpers


def _replace(bp: BalanceParams, key: str, value: Any) -> BalanceParams:
    d = asdict(bp)
    d[key] = value
    d["plan"] = bp.plan if key != "plan" else value
    return BalanceParams(**d)


def _sensor_options(sensor: Any) -> SensorOptions:
    if sensor is None:
        return SensorOptions()
    if isinstance(sensor, SensorOptions):
        return SensorOptions(**asdict(sensor))
    so = SensorOptions()

    def pick(*names: str) -> Any:
        for nm in names:
            if hasattr(sensor, nm):
                return getattr(sensor, nm)
        return None

    rot = pick("rotation", "random_rotation", "mount_rotation")
    if rot is not None:
        so.rotation = bool(rot)
    for attr, names in (
        ("acc_noise", ("acc_noise", "noise", "acc_noise_sd")),
        ("gyr_noise", ("gyr_noise", "gyr_noise_sd")),
        ("gyr_bias", ("gyr_bias", "bias")),
    ):
        v = pick(*names)
        if isinstance(v, int | float):
            setattr(so, attr, float(v))
    acc_only = pick("acc_only", "no_gyro")
    if acc_only is not None:
        so.acc_only = bool(acc_only)
    return so


def _other(leg: str | None) -> str:
    return "right" if leg == "left" else "left"


def _stream_name(spec: str) -> str:
    return spec.replace("-", "_")


def _linear_force(theta: FloatArray, rate: float, h: float) -> FloatArray:
    """``h·θ̈ − g·θ`` with the same second difference the kinematics use."""
    dt = 1.0 / rate
    acc = np.gradient(np.gradient(theta, dt), dt)
    return np.asarray(h * acc - G * theta, dtype=np.float64)


def _pendulum(theta: FloatArray, rate: float, h: float) -> tuple[FloatArray, FloatArray]:
    """Exact body-frame specific force and angular rate of an inverted pendulum of height ``h``."""
    dt = 1.0 / rate
    # Leaning forward = rotation about +y (left); leaning left = rotation about −x.
    rot = Rotation.from_rotvec(np.column_stack([-theta[:, 1], theta[:, 0], np.zeros(len(theta))]))
    pos = h * rot.apply(np.array([0.0, 0.0, 1.0]))
    acc_w = np.gradient(np.gradient(pos, dt, axis=0), dt, axis=0)
    acc_w[:, 2] += G
    f_b = rot.apply(acc_w, inverse=True)
    w_b = np.column_stack(
        [-np.gradient(theta[:, 1], dt), np.gradient(theta[:, 0], dt), np.zeros(len(theta))]
    )
    return np.asarray(f_b, dtype=np.float64), w_b


def _truth_row(
    seg: Segment,
    t: FloatArray,
    s0: int,
    i1: int,
    wa: int,
    wb: int,
    d: FloatArray,
    theta: FloatArray,
    rate: float,
) -> dict[str, Any]:
    """Truth of one trial from the designed force (computed independently of gait.balance)."""
    x = d[s0 + wa : s0 + wb]
    x = x - x.mean(axis=0)
    cov = np.cov(x.T, bias=True)
    lam = np.linalg.eigvalsh(cov)
    th = np.degrees(theta[s0 + wa : s0 + wb])
    th = th - th.mean(axis=0)
    dx = np.diff(x, axis=0)
    vel = dx * rate
    hop = seg.kind == "hop"
    nan = math.nan
    row: dict[str, Any] = {
        "t_start": float(t[s0]),
        "t_end": float(t[i1 - 1]),
        "leg": seg.leg,
        "eyes": seg.eyes,
        "kind": seg.kind,
        "familiarisation": bool(seg.familiarisation),
        "win_start": float(t[s0 + wa]),
        "win_end": float(t[s0 + wb - 1]),
        "rms_ap": nan if hop else float(np.sqrt(np.mean(x[:, 0] ** 2))),
        "rms_ml": nan if hop else float(np.sqrt(np.mean(x[:, 1] ** 2))),
        "ellipse_area": nan if hop else float(np.pi * 5.991 * np.sqrt(max(lam[0], 0.0) * lam[1])),
        "path": nan if hop else float(np.sum(np.hypot(dx[:, 0], dx[:, 1]))),
        "jerk": nan if hop else float(0.5 * np.sum(vel**2) / rate),
        "lean_rms_ap": nan if hop else float(np.sqrt(np.mean(th[:, 0] ** 2))),
        "lean_rms_ml": nan if hop else float(np.sqrt(np.mean(th[:, 1] ** 2))),
        "f50": nan if hop else _band_median(seg.band),
        "t_land": float(t[s0]) if seg.kind == "hop" else math.nan,
        "stabilization_time": float(seg.stabilization_time) if seg.kind == "hop" else math.nan,
    }
    return row


def _band_median(band: tuple[float, float]) -> float:
    """Median frequency of the flat band spectrum with symmetric edges (Hz)."""
    return 0.5 * (band[0] + band[1])


def _add_walk(
    t: FloatArray,
    i0: int,
    i1: int,
    rate: float,
    rng: np.random.Generator,
    f: FloatArray,
    w: FloatArray,
) -> None:
    """A few steps and a 180° turn: trunk force at the step frequency (AP, V), half of it (ML)."""
    tt = t[i0:i1] - t[i0]
    env = _taper(i1 - i0, rate, 0.5)
    fs = _STEP_FREQ * rng.uniform(0.92, 1.08)
    ph = rng.uniform(0, 2 * np.pi)
    f[i0:i1, 0] += env * (
        1.5 * np.sin(2 * np.pi * fs * tt + ph) + 0.4 * np.sin(4 * np.pi * fs * tt)
    )
    f[i0:i1, 1] += env * 0.8 * np.sin(np.pi * fs * tt + ph)
    f[i0:i1, 2] += env * 2.5 * np.sin(2 * np.pi * fs * tt + ph + 0.6)
    w[i0:i1, 0] += env * 0.3 * np.cos(np.pi * fs * tt + ph)
    # Turn through 180° in the middle second of the segment (yaw rate only).
    mid = 0.5 * (tt[-1] if tt.size else 0.0)
    w[i0:i1, 2] += np.pi * _half_sine(tt, mid, 2.0) * (np.pi / 4.0)


def _add_hop(
    t: FloatArray,
    s0: int,
    i1: int,
    rate: float,
    seg: Segment,
    theta: FloatArray,
    h: float,
    f: FloatArray,
    acc_noise: float,
    flight_mask: NDArray[np.bool_],
) -> float:
    """Push-off, flight (zero specific force), landing impact and a decaying oscillation.

    The oscillation envelope ``A·exp(−t/τ)`` falls to √8 × the baseline RMS at the true
    stabilization time, i.e. the moving RMS of the deviation reaches 3 × baseline.
    Returns ``A`` (m/s²).
    """
    t_land = t[s0]
    # Push-off 0.45–0.15 s before landing lifts the body; flight 0.3 s has zero force.
    f[:, 2] += 6.0 * _half_sine(t, t_land - 0.6, 0.3)
    flight = (t >= t_land - 0.3) & (t < t_land - 0.02)
    f[:, 2] += 25.0 * _half_sine(t, t_land + 0.03, 0.08)
    f[:, 0] += 6.0 * _half_sine(t, t_land + 0.03, 0.08)
    # Baseline RMS of the trunk deviation in the last 3 s of the fixed window (sway + noise).
    base_f, _ = _pendulum(theta[s0:i1], rate, h)
    # The criterion refers to a fixed window of _HOP_WINDOW s after landing (last 3 s = baseline).
    e = min(base_f.shape[0], round(_HOP_WINDOW * rate))
    last = base_f[e - int(3 * rate) : e]
    b = float(np.sqrt(np.mean(np.sum((last - last.mean(axis=0)) ** 2, axis=1)) + 3 * acc_noise**2))
    amp = _TTS_K * b * math.exp(seg.stabilization_time / _TTS_TAU)
    tt = t[s0:i1] - t_land
    env = amp * np.exp(-tt / _TTS_TAU)
    # AP and vertical 90° apart: |p|² = env² exactly, so the moving RMS has no ripple.
    f[s0:i1, 0] += env * np.sin(2 * np.pi * _HOP_OSC_F * tt)
    f[s0:i1, 2] += env * np.cos(2 * np.pi * _HOP_OSC_F * tt)
    flight_mask |= flight
    return amp


def _foot_signals(
    t: FloatArray,
    rate: float,
    side: str,
    events: list[tuple[str, str, float, float]],
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """Foot IMU: still on the ground, pitched and moving when lifted, impacts at touch-downs."""
    n = t.size
    pitch = np.zeros(n)
    f_extra = np.zeros((n, 3))
    w = np.zeros((n, 3))
    lifted = np.zeros(n, dtype=bool)
    for kind, s, t0, t1 in events:
        if kind == "lifted" and s == side:
            lifted |= (t >= t0) & (t <= t1)
    for kind, s, t0, t1 in events:
        if kind == "touchdown" and s == side:
            lifted &= ~((t >= t0) & (t < t1))
            f_extra[:, 2] += 18.0 * _half_sine(t, t0, 0.04)
        elif kind == "landing" and s == side:
            f_extra[:, 2] += 35.0 * _half_sine(t, t0, 0.05)
        elif kind == "walk":
            tt = t - t0
            m = (t >= t0) & (t < t1)
            ph = 0.0 if side == "left" else np.pi
            step = 0.5 * _STEP_FREQ
            f_extra[m, 0] += 4.0 * np.sin(2 * np.pi * step * tt[m] + ph)
            f_extra[m, 2] += 3.0 * np.sin(2 * np.pi * step * tt[m] + ph + 1.0)
            w[m, 1] += 4.0 * np.cos(2 * np.pi * step * tt[m] + ph)
    # Smooth the lifted state into a pitch angle (knee flexed: foot pitched 30° toes down).
    k = max(1, int(0.3 * rate))
    lift_s = np.convolve(lifted.astype(float), np.ones(k) / k, mode="same")
    wobble = _band_noise(n, rate, (0.5, 3.0), rng) * 0.03
    pitch = np.radians(30.0) * lift_s + wobble * lift_s
    rot = Rotation.from_rotvec(np.column_stack([np.zeros(n), pitch, np.zeros(n)]))
    f_b = rot.apply(np.array([0.0, 0.0, G]), inverse=True) + f_extra
    w[:, 1] += np.gradient(pitch, 1.0 / rate)
    return np.asarray(f_b, dtype=np.float64), w


def _finish(
    spec: str,
    placement: str,
    side: str | None,
    mount: str | None,
    t: FloatArray,
    f_b: FloatArray,
    w_b: FloatArray,
    rate: float,
    so: SensorOptions,
    rng: np.random.Generator,
) -> Stream:
    """Mounting rotation, noise and bias; build the Stream."""
    rot = Rotation.random(random_state=rng) if so.rotation else Rotation.identity()
    acc = rot.apply(f_b, inverse=True) + so.acc_noise * rng.standard_normal(f_b.shape)
    gyr = None
    if not so.acc_only:
        bias = so.gyr_bias * rng.standard_normal(3)
        gyr = rot.apply(w_b, inverse=True) + bias + so.gyr_noise * rng.standard_normal(w_b.shape)
    return Stream(
        placement=placement,  # type: ignore[arg-type]
        side=side,  # type: ignore[arg-type]
        t=t.copy(),
        acc=acc,
        gyr=gyr,
        rate=rate,
        device={"model": "synthetic", "mount_rotation_quat": [float(q) for q in rot.as_quat()]},
        mount=mount,
        acc_range=16 * G,
        gyr_range=2000 * np.pi / 180,
        name=_stream_name(spec),
    )

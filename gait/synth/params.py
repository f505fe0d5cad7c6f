"""Parameters of the synthetic generator: what the body does and what the sensors add.

Every field is JSON-serialisable so the exact values used end up in
``Recording.reference.params``. ``None`` means "the default for the activity"; the
resolved value is what gets recorded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

from gait.contract.errors import GaitError
from gait.synth.landing import REF_BRAKING, REF_OVERSTRIDE, default_braking

#: Defaults per activity: speed m/s, cadence steps/min, duty factor, foot strike angle deg,
#: braking m/s, overstride m, walking vertical oscillation m. A run's braking default is
#: not fixed: it follows the landing distance (:func:`gait.synth.landing.default_braking`;
#: 0.22 m/s at the default overstride).
ACTIVITY_DEFAULTS: dict[str, dict[str, float]] = {
    "run": {
        "speed": 3.0,
        "cadence": 168.0,
        "duty_factor": 0.36,
        "foot_strike_angle": 10.0,
        "braking": REF_BRAKING,
        "overstride": REF_OVERSTRIDE,
        "vertical_oscillation": 0.0,
    },
    "walk": {
        "speed": 1.3,
        "cadence": 110.0,
        "duty_factor": 0.61,
        "foot_strike_angle": 20.0,
        "braking": 0.10,
        "overstride": 0.30,
        "vertical_oscillation": 0.035,
    },
}

Mode = Literal["run", "walk", "stand"]


class SynthParamError(GaitError):
    """A synthetic-generator parameter is out of its valid range."""


@dataclass(frozen=True)
class GaitParams:
    """What the simulated runner or walker does.

    Parameters
    ----------
    speed : float, optional
        Belt (treadmill) or ground speed, m/s. Default 3.0 running, 1.3 walking.
    cadence : float, optional
        Steps per minute (both feet). Default 168 running, 110 walking.
    gct : float, optional
        Ground contact time, s. Overrides ``duty_factor`` when given.
    duty_factor : float, optional
        Contact time / stride time. Default 0.36 running, 0.61 walking.
    gct_asym_pct : float
        Left contact longer than right by this many percent (negative: right longer);
        the mean contact time is kept.
    step_asym_pct : float
        Left step time (right IC to left IC) longer than the right one by this many percent.
    foot_strike_angle : float, optional
        Foot pitch at initial contact, deg, positive = toes up (rearfoot strike).
    strike_angle_sd : float
        Step-to-step SD of the foot strike angle, deg.
    braking : float, optional
        Forward speed loss of the pelvis during each stance, m/s. Default: walking 0.10;
        running 0.22 at the default overstride, more for a landing further ahead
        (:func:`gait.synth.landing.default_braking`).
    overstride : float, optional
        Heel ahead of the pelvis at initial contact, m (default 0.20 running, 0.30
        walking). It sets the shank angle at contact and the braking duration
        (:mod:`gait.synth.landing`).
    impact_g : float, optional
        Size of the foot's touch-down transient, g (default from the strike angle:
        running 5 + 0.3·max(FSA, 0), walking 4 + 0.2·max(FSA, 0)).
    vertical_oscillation : float, optional
        Walking only: pelvis vertical excursion per step, m (running VO follows from
        contact and flight times by ballistics).
    stride_cv : float
        Coefficient of variation of stride time (fraction, e.g. 0.02).
    fatigue_cadence_pct : float
        Cadence change from the start to the end of the recording, percent (linear).
    fatigue_gct_pct : float
        Contact-time change from the start to the end, percent (linear).
    belt_dip : float
        Treadmill belt-speed dip at each contact, m/s (0 = ideal belt).
    treadmill : bool
        On a treadmill (the stance foot moves backwards with the belt) or overground.
    """

    speed: float | None = None
    cadence: float | None = None
    gct: float | None = None
    duty_factor: float | None = None
    gct_asym_pct: float = 0.0
    step_asym_pct: float = 0.0
    foot_strike_angle: float | None = None
    strike_angle_sd: float = 1.5
    braking: float | None = None
    overstride: float | None = None
    impact_g: float | None = None
    vertical_oscillation: float | None = None
    stride_cv: float = 0.015
    fatigue_cadence_pct: float = 0.0
    fatigue_gct_pct: float = 0.0
    belt_dip: float = 0.0
    treadmill: bool = True

    def resolved(self, activity: str) -> GaitParams:
        """A copy with every ``None`` replaced by the default for ``activity`` ('run'/'walk')."""
        d = ACTIVITY_DEFAULTS["walk" if activity == "walk" else "run"]
        upd: dict[str, Any] = {}
        # impact_g stays None: its default follows each step's strike angle.
        for k in (
            "speed",
            "cadence",
            "foot_strike_angle",
            "braking",
            "overstride",
            "vertical_oscillation",
        ):
            if getattr(self, k) is None:
                upd[k] = d[k]
        if self.gct is None and self.duty_factor is None:
            upd["duty_factor"] = d["duty_factor"]
        out = replace(self, **upd)
        if self.braking is None and activity != "walk":
            # Braking lasts until the pelvis passes over the foot: a landing further ahead
            # brakes longer at the same mean force (gait.synth.landing).
            assert out.overstride is not None
            assert out.speed is not None
            b = default_braking(out.overstride, out.speed, contact_time(out))
            out = replace(out, braking=round(b, 4))
        return out

    def with_overrides(self, overrides: dict[str, Any]) -> GaitParams:
        """A copy with the fields in ``overrides`` replaced (unknown keys raise)."""
        names = {f.name for f in fields(self)}
        bad = sorted(set(overrides) - names)
        if bad:
            raise SynthParamError(f"unknown gait parameter(s) {bad}; known: {sorted(names)}")
        return replace(self, **overrides)

    def to_dict(self) -> dict[str, Any]:
        """The parameters as a JSON-able dict."""
        return asdict(self)


@dataclass(frozen=True)
class SensorParams:
    """What the sensors add to the true motion.

    Parameters
    ----------
    rotation : {'none', 'small', 'uniform'}
        Mounting rotation per sensor: none, a random tilt up to ``small_rotation_deg``
        around the nominal mounting, or a uniformly random rotation.
    small_rotation_deg : float
        Largest tilt of the 'small' rotation, deg.
    acc_noise : float
        White noise SD of the accelerometer, m/s² (phones get twice this).
    gyr_noise : float
        White noise SD of the gyroscope, rad/s.
    acc_bias : float
        Largest constant accelerometer bias per axis, m/s² (uniform in ±acc_bias).
    gyr_bias : float
        Largest constant gyroscope bias per axis, rad/s.
    acc_range : float, optional
        Accelerometer full scale, m/s²; samples beyond are clipped. Default 16 g
        (8 g for phones).
    gyr_range : float, optional
        Gyroscope full scale, rad/s; default 2000 deg/s.
    quantize : bool
        Round samples to a 16-bit LSB of the full scale.
    drop_rate : float
        Fraction of packets lost (0–0.5).
    packet_samples : int
        Samples per packet; a lost packet removes this many consecutive samples.
    burst : float
        Mean number of consecutive packets lost in one drop event (>= 1).
    jitter : float
        SD of the timestamp jitter, s (truncated to ±0.45 sample so time stays ordered).
    drift_ppm : float
        Sensor clock drift, parts per million (positive: the sensor clock runs fast).
        Each sensor draws its drift uniformly in ±drift_ppm.
    no_gyro : bool
        Accelerometer-only sensors (gyr is None).
    """

    rotation: Literal["none", "small", "uniform"] = "small"
    small_rotation_deg: float = 15.0
    acc_noise: float = 0.05
    gyr_noise: float = 0.005
    acc_bias: float = 0.1
    gyr_bias: float = 0.01
    acc_range: float | None = None
    gyr_range: float | None = None
    quantize: bool = True
    drop_rate: float = 0.0
    packet_samples: int = 4
    burst: float = 1.0
    jitter: float = 0.0
    drift_ppm: float = 0.0
    no_gyro: bool = False

    @classmethod
    def ideal(cls) -> SensorParams:
        """Perfect sensors: nominal mounting, no noise, bias, quantization, drops or clock error."""
        return cls(
            rotation="none",
            acc_noise=0.0,
            gyr_noise=0.0,
            acc_bias=0.0,
            gyr_bias=0.0,
            quantize=False,
            acc_range=1e9,
            gyr_range=1e9,
        )

    def to_dict(self) -> dict[str, Any]:
        """The parameters as a JSON-able dict."""
        return asdict(self)


def check_gait(p: GaitParams, mode: str) -> None:
    """Raise :class:`SynthParamError` when resolved gait parameters are impossible.

    Parameters
    ----------
    p : GaitParams
        Resolved parameters (no ``None`` for speed, cadence, duty factor).
    mode : {'run', 'walk'}
        Running needs a flight phase (contact shorter than a step); walking needs double
        support (contact longer than a step).
    """
    assert p.speed is not None
    assert p.cadence is not None
    if not 0.2 <= p.speed <= 8.0:
        raise SynthParamError(f"speed {p.speed} m/s is outside 0.2–8 m/s")
    if not 40.0 <= p.cadence <= 240.0:
        raise SynthParamError(f"cadence {p.cadence} spm is outside 40–240 spm")
    step = 60.0 / p.cadence
    gct = contact_time(p)
    lo, hi = gct * (1 - abs(p.gct_asym_pct) / 100), gct * (1 + abs(p.gct_asym_pct) / 100)
    if mode == "run" and not (0.05 < lo and hi < 0.95 * step):
        raise SynthParamError(
            f"running needs 0.05 s < contact time < step time ({step:.3f} s); got {gct:.3f} s "
            f"(±{abs(p.gct_asym_pct)}%): lower the duty factor or the cadence"
        )
    if mode == "walk" and not (1.05 * step < lo and hi < 1.9 * step):
        raise SynthParamError(
            f"walking needs step time < contact time < 2 step times (step {step:.3f} s); "
            f"got {gct:.3f} s: use a duty factor between 0.53 and 0.9"
        )
    if not 0 <= p.stride_cv <= 0.15:
        raise SynthParamError(f"stride_cv {p.stride_cv} is outside 0–0.15")
    if abs(p.gct_asym_pct) > 40 or abs(p.step_asym_pct) > 40:
        raise SynthParamError("asymmetry beyond ±40% is not supported")
    if not -25 <= (p.foot_strike_angle or 0.0) <= 35:
        raise SynthParamError(f"foot strike angle {p.foot_strike_angle} deg is outside −25..35")
    if p.belt_dip < 0 or p.belt_dip > 0.3 * p.speed:
        raise SynthParamError(f"belt_dip {p.belt_dip} m/s must be in 0..0.3×speed")


def contact_time(p: GaitParams) -> float:
    """Mean contact time in s from ``gct`` or ``duty_factor`` and the cadence."""
    if p.gct is not None:
        return float(p.gct)
    assert p.duty_factor is not None
    assert p.cadence is not None
    return float(p.duty_factor) * 120.0 / float(p.cadence)


def check_sensor(s: SensorParams, rate: float) -> None:
    """Raise :class:`SynthParamError` for impossible sensor parameters.

    Parameters
    ----------
    s : SensorParams
        The sensor parameters.
    rate : float
        Nominal sampling rate, Hz (10–2000).
    """
    if not 10.0 <= rate <= 2000.0:
        raise SynthParamError(f"rate {rate} Hz is outside 10–2000 Hz")
    if s.rotation not in ("none", "small", "uniform"):
        raise SynthParamError(f"rotation must be none, small or uniform, got {s.rotation!r}")
    if not 0.0 <= s.drop_rate <= 0.5:
        raise SynthParamError(f"drop_rate {s.drop_rate} is outside 0–0.5")
    if s.packet_samples < 1 or s.burst < 1:
        raise SynthParamError("packet_samples and burst must be >= 1")
    for name in ("acc_noise", "gyr_noise", "acc_bias", "gyr_bias", "jitter"):
        if getattr(s, name) < 0:
            raise SynthParamError(f"{name} must be >= 0")
    if abs(s.drift_ppm) > 1e4:
        raise SynthParamError(f"drift_ppm {s.drift_ppm} is beyond ±10000 ppm")
    for name in ("acc_range", "gyr_range"):
        v = getattr(s, name)
        if v is not None and v <= 0:
            raise SynthParamError(f"{name} must be > 0")

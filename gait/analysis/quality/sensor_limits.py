"""What each sensor can resolve, and whether the two legs were measured comparably.

A step's times are known only to about one sample period of the sensor that timed it,
and an accelerometer that clips at its full scale flattens the impact on which initial
contact is found. Both are properties of the stream, not of the leg: a 52 Hz sensor
clipping at ±8 g on one foot and a 200 Hz ±16 g one on the other give different
contact times and strike angles for two identical legs (issue 12, "Mixed sensors").
This module turns each stream into a :class:`SensorLimits` record (rate, ranges, share
of clipped samples, time resolution), derives a confidence factor for the steps that
stream timed, and says for each left/right metric whether the two sides are comparable
(:func:`side_comparison`). An asymmetry is only reported when they are.

The bounds below are project thresholds (none is taken from a study); each is chosen so
that a sensor difference cannot produce an index of the size a runner would act on:

* :data:`MAX_RATE_RATIO` 1.5: two sensors whose rates differ by more time their events
  with a different rounding (one sample = 5 ms at 200 Hz, 19 ms at 52 Hz): on a 250 ms
  contact that is more than the contact-time balance band the symmetry drill uses
  (49.3–50.7 % left, an SI of about 3 %).
* :data:`MAX_SATURATED_SHARE` 0.1 %: the share of samples at full scale that already
  earns the ``saturated:<stream>`` flag (:mod:`gait.analysis.pipeline`). A clipping side makes
  the acceleration magnitudes (:data:`ACC_MAGNITUDE_METRICS`: impact, braking)
  incomparable, and every metric when its sensor has no gyroscope (accelerometer-only
  detectors time events on the acceleration peaks that clipping flattens). A gyroscope
  detector's times are not moved by clipping (see :data:`SATURATED_CONFIDENCE`).
* :data:`RESOLUTION_PERIODS` 1: a left/right difference of a time metric smaller than one
  sample period of the coarser sensor is below what that sensor can time.
* :data:`FULL_RATE_HZ` 100 Hz: the rate from which the timing term of the confidence is 1
  (half a sample = 5 ms, under 2 % of a 250 ms contact). On the 40 s synthetic run of
  ``tests/test_mixed_sensors.py`` (seed 2; true contact 257 ms, strike angle 10°) the foot detector
  gave 261 ms / 12.6° at 200 Hz, 264 ms / 14.9° at 100 Hz and 311 ms / 29.5° at 52 Hz.
* :data:`SATURATED_CONFIDENCE` 0.9: on the same run, clipping at ±8 g instead of ±16 g
  (7 % of samples) changed neither contact time nor strike angle, and the Bach et al.
  running shank trials (±8 g, about 1 % clipped) meet the contact-time target; clipping
  caps the impact value, though, so it costs a little. A first value of 0.5 pushed every
  clipped Bach running step into the lowest confidence band of
  ``tests/test_shank_confidence.py``; 0.9 was set after seeing that, on the same data
  (not validated out of sample).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from gait.analysis.placements.registry import is_leg, timing_rank
from gait.contract.constants import G

#: Samples within this fraction of full scale count as clipped.
SATURATION_FRACTION = 0.98
#: Share of clipped samples that earns a ``saturated`` flag and makes a side incomparable.
MAX_SATURATED_SHARE = 0.001
#: Largest ratio of the two sides' sample rates for a comparable pair.
MAX_RATE_RATIO = 1.5
#: A time metric's left/right difference must exceed this many sample periods of the
#: coarser sensor to be shown.
RESOLUTION_PERIODS = 1.0
#: Sample rate from which the timing term of a step's confidence is 1, Hz.
FULL_RATE_HZ = 100.0
#: Confidence factor of the steps of a stream that clips (its impacts are flattened).
SATURATED_CONFIDENCE = 0.9
#: Metrics that are acceleration magnitudes: a clipped sensor caps them.
ACC_MAGNITUDE_METRICS: frozenset[str] = frozenset({"impact", "braking"})
#: Step-table metrics that are times (s) or, for the duty factor, a ratio of times.
TIME_METRICS: frozenset[str] = frozenset({"gct", "flight", "step_time", "double_support"})


@dataclass(frozen=True)
class SensorLimits:
    """What one stream can resolve.

    Attributes
    ----------
    name : str
        Stream name.
    placement : str
        'foot', 'shank', 'sacrum' or 'phone'.
    side : str or None
        Leg of a leg sensor.
    rate_hz : float
        Sample rate, Hz.
    has_gyr : bool
        True when the stream has a gyroscope (the detectors then use a different method).
    acc_range_g : float or None
        Accelerometer full scale, g (None when not stated).
    gyr_range_dps : float or None
        Gyroscope full scale, deg/s (None when not stated).
    acc_saturated : float
        Share of samples with an accelerometer axis at ≥ 98 % of full scale (0–1).
    gyr_saturated : float
        Same for the gyroscope.
    """

    name: str
    placement: str
    side: str | None
    rate_hz: float
    has_gyr: bool
    acc_range_g: float | None
    gyr_range_dps: float | None
    acc_saturated: float
    gyr_saturated: float

    @property
    def resolution_ms(self) -> float:
        """Time resolution of an event: one sample period, ms (inf without a rate)."""
        return 1000.0 / self.rate_hz if self.rate_hz > 0 else math.inf

    @property
    def saturated(self) -> bool:
        """True when either sensor clipped in :data:`MAX_SATURATED_SHARE` of its samples or more.

        This is the rule of the ``saturated:<stream>`` quality flag.
        """
        return max(self.acc_saturated, self.gyr_saturated) >= MAX_SATURATED_SHARE

    def confidence_factor(self) -> float:
        """Factor (0–1] on the confidence of every step this stream timed.

        ``min(1, rate / FULL_RATE_HZ)`` times :data:`SATURATED_CONFIDENCE` when the stream
        clips: 0.47 for a 52 Hz sensor clipping at its range, 1 for 100 Hz and up unclipped.
        """
        rate = min(1.0, self.rate_hz / FULL_RATE_HZ) if self.rate_hz > 0 else 0.0
        return rate * (SATURATED_CONFIDENCE if self.saturated else 1.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record (shares in %, rounded) with the resolution and factor."""
        d = asdict(self)
        d["acc_saturated_pct"] = round(100.0 * d.pop("acc_saturated"), 3)
        d["gyr_saturated_pct"] = round(100.0 * d.pop("gyr_saturated"), 3)
        d["resolution_ms"] = round(self.resolution_ms, 2)
        d["confidence_factor"] = round(self.confidence_factor(), 3)
        return d


def clipped_rows(x: np.ndarray | None, full_scale: float | None) -> int:
    """Rows of ``x`` with any component at ≥ :data:`SATURATION_FRACTION` of ``full_scale``.

    Parameters
    ----------
    x : ndarray, shape (N, 3) or None
        Samples (non-finite rows are not counted).
    full_scale : float or None
        Full scale in the unit of ``x``; None or ≤ 0: nothing can be counted.

    Returns
    -------
    int
    """
    if x is None or not full_scale or full_scale <= 0 or x.size == 0:
        return 0
    thr = SATURATION_FRACTION * float(full_scale)
    if float(max(x.max(), -x.min())) < thr:  # cheap test first: below it no row can count
        return 0
    with np.errstate(invalid="ignore"):
        return int(((x >= thr) | (x <= -thr)).any(axis=1).sum())


def make_limits(stream: Any, n: int, acc_clipped: int, gyr_clipped: int) -> SensorLimits:
    """A limit record from a stream's metadata and counts of clipped rows.

    Parameters
    ----------
    stream : Stream
        Supplies ``name``, ``placement``, ``side``, ``rate`` (Hz), ``acc_range`` (m/s²),
        ``gyr_range`` (rad/s) and whether it has a gyroscope.
    n : int
        Samples counted.
    acc_clipped, gyr_clipped : int
        Rows at full scale (:func:`clipped_rows`).

    Returns
    -------
    SensorLimits
    """
    # ``has_gyr``, never ``gyr``: a file-backed stream would load every sample to answer
    has_gyr = bool(stream.has_gyr)
    acc_range = getattr(stream, "acc_range", None)
    gyr_range = getattr(stream, "gyr_range", None)
    return SensorLimits(
        name=str(stream.name),
        placement=str(stream.placement),
        side=stream.side,
        rate_hz=float(stream.rate),
        has_gyr=has_gyr,
        acc_range_g=round(float(acc_range) / G, 2) if acc_range else None,
        gyr_range_dps=round(math.degrees(float(gyr_range)), 0) if gyr_range else None,
        acc_saturated=acc_clipped / n if n > 0 else 0.0,
        gyr_saturated=gyr_clipped / n if n > 0 else 0.0,
    )


def stream_limits(stream: Any) -> SensorLimits:
    """The limit record of a stream held in memory.

    Parameters
    ----------
    stream : Stream
        Samples (``acc`` m/s², ``gyr`` rad/s) with their stated ranges.

    Returns
    -------
    SensorLimits
    """
    n = int(stream.t.shape[0])
    return make_limits(
        stream,
        n,
        clipped_rows(stream.acc, stream.acc_range),
        clipped_rows(stream.gyr, stream.gyr_range),
    )


def apply_limits(steps: pd.DataFrame, limits: Mapping[str, SensorLimits]) -> pd.DataFrame:
    """Multiply each step's ``confidence`` by the factor of the stream that timed it.

    Parameters
    ----------
    steps : DataFrame
        Step table with ``source`` (stream name) and ``confidence`` (0–1).
    limits : mapping of str to SensorLimits
        Stream name → limits.

    Returns
    -------
    DataFrame
        ``steps`` itself when there is nothing to apply, else a copy.
    """
    if len(steps) == 0 or "source" not in steps or "confidence" not in steps or not limits:
        return steps
    mapped = steps["source"].map({k: v.confidence_factor() for k, v in limits.items()})
    factor = mapped.fillna(1.0).to_numpy(dtype=np.float64)
    if np.all(factor == 1.0):
        return steps
    return steps.assign(confidence=steps["confidence"].to_numpy(dtype=np.float64) * factor)


def side_sources(steps: pd.DataFrame) -> dict[str, str]:
    """The stream that timed most of each side's steps.

    Parameters
    ----------
    steps : DataFrame
        Step table with ``side`` and ``source``.

    Returns
    -------
    dict
        'left'/'right' → stream name (a side without steps or sources is absent).
    """
    out: dict[str, str] = {}
    if "source" not in steps or len(steps) == 0:
        return out
    for side in ("left", "right"):
        src = steps.loc[steps["side"] == side, "source"].dropna()
        if len(src):
            out[side] = str(src.mode().iat[0])
    return out


def _fmt_rate(x: float) -> str:
    # a live rate is estimated from arrival times (199.9 Hz): whole Hz from 20 Hz up
    return f"{x:.0f} Hz" if x >= 20.0 or abs(x - round(x)) < 0.05 else f"{x:.1f} Hz"


def _sat_text(side: str, lim: SensorLimits) -> str:
    if lim.acc_saturated >= MAX_SATURATED_SHARE:
        rng = f"±{lim.acc_range_g:g} g" if lim.acc_range_g else "full"
        return (
            f"the {side} sensor ({lim.name}) clipped {100 * lim.acc_saturated:.1f} % of its "
            f"samples at its {rng} range (comparable: under {100 * MAX_SATURATED_SHARE:g} %)"
        )
    rng = f"±{lim.gyr_range_dps:g} deg/s" if lim.gyr_range_dps else "full"
    return (
        f"the {side} gyroscope ({lim.name}) clipped {100 * lim.gyr_saturated:.1f} % of its samples "
        f"at its {rng} range (comparable: under {100 * MAX_SATURATED_SHARE:g} %)"
    )


def sensor_mismatch(
    left: SensorLimits, right: SensorLimits, metric: str | None = None
) -> str | None:
    """Why two sides' sensors do not measure ``metric`` comparably, or None when they do.

    Checked in order: placement kind, gyroscope presence, rate ratio
    (≤ :data:`MAX_RATE_RATIO`), clipping (under :data:`MAX_SATURATED_SHARE` each; for a
    gyroscope sensor only when ``metric`` is an acceleration magnitude or not given).

    Parameters
    ----------
    left, right : SensorLimits
        The sensors that timed each side (the same record twice for a trunk sensor).
    metric : str, optional
        The step-table column compared; None: any metric (clipping always counts).

    Returns
    -------
    str or None
        A sentence for the report.
    """
    if left.placement != right.placement:
        return (
            f"left measured by a {left.placement} sensor, right by a {right.placement} sensor: "
            "different placements see a leg differently"
        )
    if left.has_gyr != right.has_gyr:
        which = "left" if left.has_gyr else "right"
        return (
            f"only the {which} sensor has a gyroscope: "
            "the two sides are detected by different methods"
        )
    lo, hi = sorted((left.rate_hz, right.rate_hz))
    if lo <= 0 or hi / lo > MAX_RATE_RATIO:
        return (
            f"left sampled at {_fmt_rate(left.rate_hz)}, right at {_fmt_rate(right.rate_hz)} "
            f"(ratio {hi / lo if lo > 0 else math.inf:.1f} > {MAX_RATE_RATIO:g}): events are "
            f"timed with a different resolution "
            f"({left.resolution_ms:.1f} vs {right.resolution_ms:.1f} ms)"
        )
    for side, lim in (("left", left), ("right", right)):
        if lim.saturated and (metric is None or metric in ACC_MAGNITUDE_METRICS or not lim.has_gyr):
            return _sat_text(side, lim)
    return None


def resolution_reason(
    metric: str,
    left_mean: float,
    right_mean: float,
    coarse: SensorLimits,
    stride_time: float | None = None,
) -> str | None:
    """Why a time metric's difference is below what the coarser sensor resolves, or None.

    Parameters
    ----------
    metric : str
        Step-table column (times in s; ``duty_factor`` a ratio).
    left_mean, right_mean : float
        Side means in the column's unit.
    coarse : SensorLimits
        The sensor with the lower rate of the two.
    stride_time : float, optional
        Mean stride time, s (turns the resolution into duty-factor units).

    Returns
    -------
    str or None
    """
    diff = abs(right_mean - left_mean)
    period = coarse.resolution_ms / 1000.0
    if metric in TIME_METRICS:
        if diff < RESOLUTION_PERIODS * period:
            return (
                f"the left/right difference ({1000 * diff:.1f} ms) is smaller than one sample "
                f"period of the coarser sensor "
                f"({coarse.resolution_ms:.1f} ms at {_fmt_rate(coarse.rate_hz)})"
            )
    elif metric == "duty_factor" and stride_time and stride_time > 0:
        if diff < RESOLUTION_PERIODS * period / stride_time:
            return (
                f"the left/right difference ({diff:.4f}) is smaller than one sample period of the "
                f"coarser sensor over a stride ({period / stride_time:.4f})"
            )
    return None


def _side_limits(
    steps: pd.DataFrame, limits: Mapping[str, SensorLimits]
) -> tuple[SensorLimits, SensorLimits] | None:
    """The limits of the streams that timed the left and the right steps (None if unknown)."""
    src = side_sources(steps)
    if "left" not in src or "right" not in src:
        return None
    left, right = limits.get(src["left"]), limits.get(src["right"])
    if left is None or right is None:
        return None
    return left, right


def sides_mismatch(
    steps: pd.DataFrame, limits: Mapping[str, SensorLimits], metric: str | None = None
) -> str | None:
    """Why the left and right steps were not measured comparably (None: they were, or unknown).

    Parameters
    ----------
    steps : DataFrame
        Step table with ``side`` and ``source``.
    limits : mapping of str to SensorLimits
        Stream name → limits. A side whose stream is unknown is not judged.
    metric : str, optional
        The metric compared (see :func:`sensor_mismatch`).

    Returns
    -------
    str or None
        :func:`sensor_mismatch` of the two sides' main streams.
    """
    pair = _side_limits(steps, limits)
    if pair is None or pair[0].name == pair[1].name:
        return None  # one sensor (a trunk sensor) measures both sides alike
    return sensor_mismatch(*pair, metric)


def side_comparison(
    steps: pd.DataFrame,
    limits: Mapping[str, SensorLimits],
    metric: str,
    left_mean: float,
    right_mean: float,
) -> str | None:
    """Reason an asymmetry of ``metric`` must not be shown, or None when it may.

    Parameters
    ----------
    steps : DataFrame
        Step table with ``side`` and ``source`` (and ``stride_time`` for the duty factor).
    limits : mapping of str to SensorLimits
        Stream name → limits. A side whose stream is unknown is not judged.
    metric : str
        Step-table column compared.
    left_mean, right_mean : float
        The two sides' means.

    Returns
    -------
    str or None
        :func:`sensor_mismatch`, else :func:`resolution_reason`.
    """
    pair = _side_limits(steps, limits)
    if pair is None:
        return None
    left, right = pair
    # one sensor (a trunk sensor) measures both sides alike: only its resolution counts
    why = None if left.name == right.name else sensor_mismatch(left, right, metric)
    if why is not None:
        return why
    coarse = left if left.rate_hz <= right.rate_hz else right
    stride = None
    if "stride_time" in steps:
        v = steps["stride_time"].to_numpy(dtype=np.float64)
        v = v[np.isfinite(v)]
        stride = float(v.mean()) if v.size else None
    return resolution_reason(metric, left_mean, right_mean, coarse, stride)


def spec_limits(
    name: str,
    placement: str,
    side: str | None,
    rate_hz: float,
    has_gyr: bool,
    acc_range: float | None = None,
    gyr_range: float | None = None,
) -> SensorLimits:
    """The limits a sensor is known to have before any sample arrives (nothing clipped yet).

    Parameters
    ----------
    name, placement, side : str
        Stream name, placement and leg.
    rate_hz : float
        Sample rate, Hz.
    has_gyr : bool
        True with a gyroscope.
    acc_range, gyr_range : float, optional
        Full scales, m/s² and rad/s.

    Returns
    -------
    SensorLimits
    """
    return SensorLimits(
        name,
        placement,
        side,
        float(rate_hz),
        bool(has_gyr),
        round(acc_range / G, 2) if acc_range else None,
        round(math.degrees(gyr_range), 0) if gyr_range else None,
        0.0,
        0.0,
    )


def leg_pair_mismatch(limits: list[SensorLimits]) -> str | None:
    """Why the left and right leg sensors of a session are not comparable (None: they are).

    The sensor that times each side is chosen as :func:`gait.analysis.fuse.fuse` does (foot before
    shank); with no leg sensor on a side (a trunk sensor times both) nothing is compared.

    Parameters
    ----------
    limits : list of SensorLimits
        Every sensor of the session.

    Returns
    -------
    str or None
        :func:`sensor_mismatch` of the two sides (any metric).
    """
    best: dict[str, SensorLimits] = {}
    legs = (x for x in limits if is_leg(x.placement))
    for lim in sorted(legs, key=lambda x: timing_rank(x.placement)):
        if lim.side in ("left", "right"):
            best.setdefault(lim.side, lim)
    if len(best) < 2:
        return None
    return sensor_mismatch(best["left"], best["right"], "gct")

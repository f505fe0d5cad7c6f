"""The stage functions the batch pipeline and the streaming engine share.

:func:`gait.analysis.pipeline.analyze` runs them on a whole recording (or on its chunks) and
:class:`gait.analysis.stream.StreamEngine` on a sliding window, so the two turn the same samples
into the same steps:

* :func:`stream_flags`: quality flags of one stream (saturation, gaps, non-finite samples);
* :func:`finite_only`: the stream a detector sees (non-finite and out-of-order samples
  dropped like lost packets);
* :func:`contacts_to_steps`: every sensor's contacts → fusion (:func:`gait.analysis.fuse.fuse`) →
  step table (:func:`gait.analysis.steps.build_step_table`) with the ``source`` of each step and,
  where the sensors' limits are known, their effect on its confidence.

The activity of the steps follows one rule too, :func:`gait.analysis.bouts.activity_bouts`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from gait.analysis.fuse import Fused, SensorEvents, fuse
from gait.analysis.placements._signal import finite_rows
from gait.analysis.quality.sensor_limits import (
    MAX_SATURATED_SHARE,
    SATURATION_FRACTION,
    SensorLimits,
    apply_limits,
)
from gait.analysis.steps import build_step_table
from gait.contract.recording import Stream

#: Share of saturated samples that earns a flag (samples within
#: :data:`gait.analysis.quality.sensor_limits.SATURATION_FRACTION` of full scale count as
#: saturated). [G]
SATURATION_FLAG_SHARE = MAX_SATURATED_SHARE
#: A hole in the sample times longer than this (s) is flagged as a gap. [G]
GAP_FLAG_S = 0.25


def stream_flags(stream: Stream) -> list[str]:
    """Quality flags of one stream: saturation, gaps, non-finite samples.

    Parameters
    ----------
    stream : Stream
        Samples.

    Returns
    -------
    list of str
        E.g. ``'saturated:foot_left'`` (≥ 0.1 % of samples at full scale),
        ``'gap:sacrum'`` (a hole > 0.25 s), ``'too_short:foot_left'``.
    """
    if stream.n < 2:
        return [f"too_short:{stream.name}"]
    flags: list[str] = []
    finite = finite_rows(stream.acc, stream.gyr)  # None: every sample finite
    if finite is not None:
        flags.append(f"nonfinite:{stream.name}:{int((~finite).sum())}")
    acc = stream.acc if finite is None else stream.acc[finite]
    if acc.shape[0] == 0:
        return flags
    if _acc_saturated(stream, acc):
        flags.append(f"saturated:{stream.name}")
    if stream.gyr is not None and stream.gyr_range:
        gyr = stream.gyr if finite is None else stream.gyr[finite]
        if _gyr_saturated(gyr, stream.gyr_range):
            flags.append(f"gyr_saturated:{stream.name}")
    dt = np.diff(stream.t)
    if dt.size and (dt > GAP_FLAG_S).any():
        flags.append(f"gap:{stream.name}")
    if dt.size and (dt <= 0).any():
        flags.append(f"time_order:{stream.name}:{int((dt <= 0).sum())}")
    return flags


def _acc_saturated(stream: Stream, acc: np.ndarray) -> bool:
    """True when the finite acceleration ``acc`` of ``stream`` sits at full scale too often."""
    peak = float(max(acc.max(), -acc.min()))  # cheap test first; counting only if needed
    if stream.acc_range:
        thr = SATURATION_FRACTION * stream.acc_range
        return peak >= thr and _share_at_or_above(acc, thr) >= SATURATION_FLAG_SHARE
    if stream.n > 100 and peak > 2 * 9.81:
        # Without a stated range, a flat top on the largest value is clipping.
        return _share_at_or_above(acc, 0.999 * peak) * acc.shape[0] >= max(5, 0.001 * stream.n)
    return False


def _gyr_saturated(gyr: np.ndarray, gyr_range: float) -> bool:
    """True when the finite angular rate ``gyr`` sits at its full scale (rad/s) too often."""
    gthr = SATURATION_FRACTION * gyr_range
    return bool(
        gyr.size
        and max(gyr.max(), -gyr.min()) >= gthr
        and (_share_at_or_above(gyr, gthr) >= SATURATION_FLAG_SHARE)
    )


def _share_at_or_above(x: np.ndarray, thr: float) -> float:
    """Share of rows of ``x`` with any |component| ≥ ``thr``."""
    return float(((x >= thr) | (x <= -thr)).any(axis=1).mean())


def finite_only(stream: Stream) -> Stream:
    """The stream a detector sees: finite samples only, in strictly increasing time order.

    Non-finite samples are dropped like lost packets (:func:`stream_flags` has flagged them);
    a repeated or backward time stamp drops its sample.

    Parameters
    ----------
    stream : Stream
        Samples as read or received.

    Returns
    -------
    Stream
        ``stream`` itself when it is already clean, else a copy without the bad samples.
    """
    finite = finite_rows(stream.t, stream.acc, stream.gyr)  # None: every sample finite
    if finite is None and (stream.n < 2 or bool(np.all(np.diff(stream.t) > 0))):
        return stream
    ok = np.ones(stream.n, dtype=bool) if finite is None else finite
    # keep a sample only if it is later than every kept sample before it
    t = np.where(ok, stream.t, -np.inf)
    run_max = np.maximum.accumulate(t)
    ok &= np.concatenate(([True], t[1:] > run_max[:-1]))
    return Stream(
        placement=stream.placement,
        side=stream.side,
        t=stream.t[ok],
        acc=stream.acc[ok],
        gyr=None if stream.gyr is None else stream.gyr[ok],
        rate=stream.rate,
        device=dict(stream.device),
        mount=stream.mount,
        acc_range=stream.acc_range,
        gyr_range=stream.gyr_range,
        name=stream.name,
    )


def contacts_to_steps(
    sensors: list[SensorEvents], limits: Mapping[str, SensorLimits] | None = None
) -> tuple[Fused, pd.DataFrame]:
    """Fuse the sensors' contacts and derive the step table, each step with its source.

    Parameters
    ----------
    sensors : list of SensorEvents
        Every stream's contacts (empty frames allowed).
    limits : mapping of str to SensorLimits, optional
        Stream name → its rate and clipping (:mod:`gait.analysis.quality.sensor_limits`); when
        given, each step's confidence carries the limits of the sensor that timed it. The live
        engine has no whole stream to measure them on and passes None.

    Returns
    -------
    fused : Fused
        The fused contacts, whether one leg only is covered, and the source of each side.
    steps : DataFrame
        :func:`gait.analysis.steps.build_step_table` of the fused contacts plus ``source`` (the
        stream that timed each step) when there are steps; no ``activity`` column yet.
    """
    fused = fuse(sensors)
    steps = build_step_table(fused.contacts, single_side=fused.single_side)
    if "source" in fused.contacts.columns and len(steps):
        steps["source"] = fused.contacts["source"].to_numpy()
        if limits is not None:
            steps = apply_limits(steps, limits)
    return fused, steps


__all__ = [
    "SATURATION_FLAG_SHARE",
    "contacts_to_steps",
    "finite_only",
    "stream_flags",
]

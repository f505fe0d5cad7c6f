"""What a recording holds, for ``gait info``: streams, rates, gaps, saturation, reference.

Definitions (all vectorised over the samples):

gap
    an interval between consecutive samples longer than ``GAP_FACTOR`` (1.5) times the
    nominal period ``1 / rate``; reported as a count and the longest interval, s.
saturated sample
    a sample with any axis at or above ``SAT_FRACTION`` (99%) of the stream's full scale
    (``acc_range`` m/s², ``gyr_range`` rad/s) when known. Without a known range, a
    *plateau* at the largest absolute value: when at least ``PLATEAU_MIN`` (3) samples sit
    within 0.1% of an axis's max |value| and that max is above twice the axis's median
    |value|, those samples count as saturated (a sensor
    that clips repeats its extreme value; a real peak rarely repeats exactly).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gait.contract.recording import FloatArray, Recording, Stream

GAP_FACTOR = 1.5
SAT_FRACTION = 0.99
PLATEAU_MIN = 3
_PLATEAU_TOL = 1e-3


def gaps(t: FloatArray, rate: float) -> tuple[int, float]:
    """Count of gaps and the longest interval, s.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Sample times, s.
    rate : float
        Nominal rate, Hz.

    Returns
    -------
    (int, float)
        Number of intervals above ``GAP_FACTOR / rate`` and the longest interval (s;
        0.0 when there is no gap).
    """
    if t.shape[0] < 2 or rate <= 0:
        return 0, 0.0
    dt = np.diff(t)
    big = dt > GAP_FACTOR / rate
    return int(big.sum()), float(dt[big].max()) if big.any() else 0.0


def saturated(x: FloatArray, full_scale: float | None) -> int:
    """Number of samples (rows of ``x``) with any axis at the sensor's limit.

    Parameters
    ----------
    x : ndarray, shape (N, 3)
        Samples (m/s² or rad/s).
    full_scale : float or None
        Sensor range in the same unit; None uses the plateau rule (module docstring).

    Returns
    -------
    int
        Count of saturated samples.
    """
    if x.shape[0] == 0:
        return 0
    if full_scale is not None and full_scale > 0:
        thr = SAT_FRACTION * full_scale
        # the largest |value| first (two cheap passes): below the limit nothing is counted
        if not max(float(np.max(x)), -float(np.min(x))) >= thr and np.isfinite(np.sum(x)):
            return 0
        return int((np.abs(x) >= thr).any(axis=1).sum())
    a = np.abs(x)
    peak = a.max(axis=0)
    at_peak = (a >= peak * (1.0 - _PLATEAU_TOL)) & (peak > 0)
    plateau_axes = at_peak.sum(axis=0) >= PLATEAU_MIN
    if not plateau_axes.any():
        return 0  # no axis sits at its peak long enough: the medians below are not needed
    # A plateau only counts when the peak stands well above the axis's typical level, so
    # an axis that just carries gravity (constant) is not "saturated".
    typical = np.median(a[:, plateau_axes], axis=0)
    plateau_axes[plateau_axes] = peak[plateau_axes] > 2.0 * typical
    return int((at_peak[:, plateau_axes]).any(axis=1).sum())


def describe_stream(s: Stream) -> dict[str, Any]:
    """Facts about one stream (see the module docstring for gap and saturation rules).

    ``dropped_samples`` counts samples a reader dropped as isolated time glitches (a
    repeated or slightly out-of-order timestamp).
    """
    n_gaps, longest = gaps(s.t, s.rate)
    measured = float(1.0 / np.median(np.diff(s.t))) if s.n > 1 else 0.0
    return {
        "name": s.name,
        "placement": s.placement,
        "side": s.side,
        "mount": s.mount,
        "has_gyr": s.has_gyr,
        "samples": s.n,
        "rate_nominal_hz": float(s.rate),
        "rate_measured_hz": measured,
        "duration_s": s.duration,
        "gaps": n_gaps,
        "longest_gap_s": longest,
        "acc_saturated": saturated(s.acc, s.acc_range),
        "gyr_saturated": saturated(s.gyr, s.gyr_range) if s.gyr is not None else None,
        "acc_range": s.acc_range,
        "gyr_range": s.gyr_range,
        "dropped_samples": _count(s.device.get("dropped_samples")),
        "device_name": next(
            (
                str(s.device[k])
                for k in ("device", "name", "model", "app")
                if isinstance(s.device.get(k), str)
            ),
            None,
        ),
        "device": {
            k: v for k, v in s.device.items() if isinstance(v, (str, int, float, bool)) or v is None
        },
    }


def _count(v: Any) -> int:
    """A sample count from free-form device info (0 when absent or not a count)."""
    return int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0 else 0


def describe(rec: Recording, path: str = "") -> dict[str, Any]:
    """A JSON-ready summary of a recording.

    Parameters
    ----------
    rec : Recording
        What a reader returned.
    path : str
        The file it came from (echoed back).

    Returns
    -------
    dict
        ``file, source, activity, start_time, duration_s, streams[], channels[], reference``.
    """
    channels = []
    for c in rec.channels:
        rate = float(1.0 / np.median(np.diff(c.t))) if c.t.shape[0] > 1 else 0.0
        channels.append(
            {
                "name": c.name,
                "samples": int(c.t.shape[0]),
                "series": sorted(c.values),
                "rate_measured_hz": rate,
            }
        )
    ref: dict[str, Any] | None = None
    if rec.reference is not None:
        ev = rec.reference.events
        sides = (
            ev["side"].fillna("unknown").astype(str).value_counts().to_dict()
            if "side" in ev
            else {}
        )
        ref = {
            "kind": rec.reference.kind,
            "source": rec.reference.source,
            "events": len(ev),
            "events_by_side": {str(k): int(v) for k, v in sides.items()},
            "with_tc": int(ev["t_tc"].notna().sum()) if "t_tc" in ev else 0,
            "tables": {k: len(v) for k, v in rec.reference.tables.items()},
        }
    return {
        "file": path,
        "source": rec.meta.source,
        "activity": rec.meta.activity,
        "athlete": rec.meta.athlete,
        "notes": rec.meta.notes,
        "start_time": rec.meta.start_time,
        "duration_s": rec.duration,
        "streams": [describe_stream(s) for s in rec.streams],
        "channels": channels,
        "reference": ref,
    }

"""``synthesize``: a complete synthetic Recording with exact ground truth."""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from gait.contract.constants import G
from gait.contract.recording import Recording, Reference, SessionMeta, Stream
from gait.synth.body import PLACEMENT_SPECS, Body, ideal_imu
from gait.synth.params import GaitParams, SensorParams, SynthParamError, check_sensor
from gait.synth.sensor import (
    PHONE_NOMINAL,
    apply_effects,
    draw_sensor,
    drop_mask,
    drop_table,
    stamp,
    true_sample_times,
)
from gait.synth.timeline import Segment, build_timeline, make_segments
from gait.synth.truth import bouts_table, step_table

#: Internal evaluation rate, Hz: lower sensor rates average sub-samples (a boxcar
#: anti-alias filter, as MEMS sensors decimate internally).
INTERNAL_RATE = 1000.0
#: Samples evaluated at once (bounds memory for long sessions).
CHUNK = 100_000


def synthesize(
    activity: str = "run",
    placements: Sequence[str] = ("foot-left", "foot-right", "sacrum"),
    duration: float = 60.0,
    rate: float = 200.0,
    seed: int = 0,
    gait: GaitParams | None = None,
    sensor: SensorParams | None = None,
    segments: list[tuple[float, Any]] | None = None,
    **kwargs: Any,
) -> Recording:
    """Simulate a running, walking or balance session with exact ground truth.

    Parameters
    ----------
    activity : {'run', 'walk', 'balance'}
        What the session holds. ``'balance'`` is delegated to
        :func:`gait.synth.balance.synthesize_balance` with every other argument.
    placements : sequence of str
        Sensors: ``foot-left, foot-right, shank-left, shank-right, sacrum, phone-belt,
        phone-armband, phone-hand, phone-pocket``.
    duration : float
        Recording length, s.
    rate : float
        Nominal sampling rate of every sensor, Hz (10–2000; 50–1000 is typical).
    seed : int
        Random seed; the same arguments and seed give identical recordings.
    gait : GaitParams, optional
        Gait parameters (defaults per activity).
    sensor : SensorParams, optional
        Sensor effects (default: small mounting tilt, noise, bias, 16-bit quantization).
    segments : list of (t_start, dict or 'stand'), optional
        Parameter changes over time; each dict overrides ``gait`` fields (not cumulative)
        and may set ``activity`` to 'run', 'walk' or 'stand'.

    Returns
    -------
    Recording
        Streams in device axes and sensor time; ``reference`` (kind 'synthetic') holds the
        step table in true time, ``tables['bouts']``, ``tables['drops']`` and every
        parameter in ``params``.

    Raises
    ------
    SynthParamError
        A parameter is out of range (a :class:`~gait.contract.errors.GaitError`).
    """
    if activity == "balance":
        from gait.synth.balance import synthesize_balance

        # The balance module reads sensor options by attribute; hand it a plain view of
        # ours (its 'rotation' is a yes/no switch).
        so = None
        if sensor is not None:
            so = SimpleNamespace(
                rotation=sensor.rotation != "none",
                acc_noise=sensor.acc_noise,
                gyr_noise=sensor.gyr_noise,
                gyr_bias=sensor.gyr_bias,
                no_gyro=sensor.no_gyro,
            )
        try:
            return synthesize_balance(
                placements=tuple(placements),
                duration=duration,
                rate=rate,
                seed=seed,
                sensor=so,
                segments=segments,
                **kwargs,
            )
        except (ValueError, TypeError) as exc:
            raise SynthParamError(f"balance: {exc}") from exc
    if kwargs:
        raise SynthParamError(f"unexpected arguments {sorted(kwargs)}")
    if activity not in ("run", "walk"):
        raise SynthParamError(f"activity must be run, walk or balance, got {activity!r}")
    if not 1.0 <= duration <= 6 * 3600:
        raise SynthParamError(f"duration {duration} s is outside 1 s–6 h")
    specs = list(placements)
    bad = [p for p in specs if p not in PLACEMENT_SPECS]
    if bad or not specs:
        raise SynthParamError(f"unknown placement(s) {bad}; choose from {list(PLACEMENT_SPECS)}")
    if len(set(specs)) != len(specs):
        raise SynthParamError(f"placements repeat: {specs}")
    if sum(PLACEMENT_SPECS[p][0] == "phone" for p in specs) > 1:
        raise SynthParamError("at most one phone per session")
    gait = gait or GaitParams()
    sensor = sensor or SensorParams()
    check_sensor(sensor, rate)

    ss = np.random.SeedSequence(seed)
    rng_streams = [np.random.default_rng(s) for s in ss.spawn(1 + len(PLACEMENT_SPECS))][1:]
    body, segs = build_body(activity, duration, seed, gait, segments)

    streams: list[Stream] = []
    drops: list[dict[str, Any]] = []
    stream_params: dict[str, Any] = {}
    for spec in specs:
        # One generator per placement name (fixed order), so a stream does not change
        # when other placements are added.
        rng = rng_streams[list(PLACEMENT_SPECS).index(spec)]
        st, info, dr = _make_stream(body, spec, duration, rate, sensor, rng)
        streams.append(st)
        stream_params[st.name] = info
        drops += [dict(d, stream=st.name) for d in dr]

    events = step_table(body, duration)
    tables = {
        "bouts": bouts_table(body, duration),
        "drops": pd.DataFrame(
            drops, columns=["stream", "i_start", "n", "t_start", "t_end", "t_sensor_start"]
        ),
    }
    base = segs[0].params
    speeds = events["speed"].dropna()
    params: dict[str, Any] = {
        "generator": "gait.synth",
        "activity": activity,
        "placements": specs,
        "duration": duration,
        "rate": rate,
        "seed": seed,
        "gait": base.to_dict(),
        "segments": [
            {
                "t_start": s.t_start,
                "activity": s.mode,
                "overrides": s.overrides,
                "params": s.params.to_dict(),
            }
            for s in segs[1:]
        ],
        "sensor": sensor.to_dict(),
        "streams": stream_params,
        "time": "events are in true time; stream t is the sensor clock: "
        "t_true = i / (rate * (1 + drift_ppm*1e-6)) for sample index i, "
        "t_sensor = i / rate + jitter",
        "strike_thresholds_deg": {"rear_above": 8.0, "fore_below": -1.6},
        "mean_true_speed": float(speeds.mean()) if len(speeds) else None,
        "impact_definition": "peak |specific force| of an ideal foot sensor (2 kHz) within "
        "30 ms after IC, m/s², gravity included",
    }
    ref = Reference(
        kind="synthetic",
        events=events,
        tables=tables,
        params=params,
        source=f"gait.synth seed={seed}",
    )
    meta = SessionMeta(
        activity=activity,  # type: ignore[arg-type]
        treadmill_speed=float(base.speed) if base.treadmill and base.speed else None,
        height=1.78,
        leg_length=0.92,
        source="synthetic",
        notes=f"gait synth --activity {activity} --seed {seed}",
        extra={"treadmill": bool(base.treadmill)},
    )
    return Recording(meta=meta, streams=streams, reference=ref)


def build_body(
    activity: str,
    duration: float,
    seed: int,
    gait: GaitParams | None = None,
    segments: list[tuple[float, Any]] | None = None,
) -> tuple[Body, list[Segment]]:
    """The simulated body (timeline and segment models) behind :func:`synthesize`.

    Same arguments give the same body as ``synthesize`` uses, so tests and benchmarks can
    read the true segment motion (e.g. the pelvis orientation) of a synthetic recording.

    Parameters
    ----------
    activity : {'run', 'walk'}
        Activity before the first segment.
    duration : float
        Recording length, s.
    seed : int
        Random seed.
    gait : GaitParams, optional
        Gait parameters.
    segments : list of (t_start, dict or 'stand'), optional
        Parameter changes over time.

    Returns
    -------
    body : Body
        Timeline plus foot, trunk and belt models.
    segs : list of Segment
        The resolved segments.
    """
    ss = np.random.SeedSequence(seed)
    rng_tl = np.random.default_rng(ss.spawn(1 + len(PLACEMENT_SPECS))[0])
    segs = make_segments(activity, gait or GaitParams(), segments)
    tl = build_timeline(segs, duration, rng_tl)
    return Body(tl), segs


def _make_stream(
    body: Body,
    spec: str,
    duration: float,
    rate: float,
    sp: SensorParams,
    rng: np.random.Generator,
) -> tuple[Stream, dict[str, Any], list[dict[str, Any]]]:
    placement, side, mount = PLACEMENT_SPECS[spec]
    is_phone = placement == "phone"
    nominal = PHONE_NOMINAL[mount] if is_phone and mount else None
    draw = draw_sensor(sp, rng, nominal)
    acc_range = sp.acc_range or (8 * G if is_phone else 16 * G)
    gyr_range = sp.gyr_range or math.radians(2000.0)
    n = math.floor(duration * rate) + 1
    t_true = true_sample_times(n, rate, draw.drift_ppm)
    q = max(1, math.ceil(INTERNAL_RATE / rate))
    off = (np.arange(q) - (q - 1) / 2) / (q * rate * (1 + draw.drift_ppm * 1e-6))
    acc = np.empty((n, 3))
    gyr = np.empty((n, 3))
    step = max(1, CHUNK // q)
    for i0 in range(0, n, step):
        tt = (t_true[i0 : i0 + step, None] + off[None, :]).ravel()
        m = body.motion(spec, tt)
        a, g = ideal_imu(m)
        acc[i0 : i0 + step] = a.reshape(-1, q, 3).mean(axis=1)
        gyr[i0 : i0 + step] = g.reshape(-1, q, 3).mean(axis=1)
    acc, gyr, counts = apply_effects(
        acc, gyr, sp, draw, rng, acc_range, gyr_range, noise_scale=2.0 if is_phone else 1.0
    )
    keep = drop_mask(n, sp, rng)
    k = np.flatnonzero(keep)
    t_sensor = stamp(k, rate, sp, rng)
    drops = drop_table(keep, t_true, np.arange(n) / rate)
    name = {
        "foot": f"foot_{side}",
        "shank": f"shank_{side}",
        "sacrum": "sacrum",
        "phone": f"phone_{mount}",
    }[placement]
    st = Stream(
        placement=placement,  # type: ignore[arg-type]
        side=side,  # type: ignore[arg-type]
        t=t_sensor,
        acc=acc[k],
        gyr=None if sp.no_gyro else gyr[k],
        rate=rate,
        device={"model": "synthetic", "spec": spec},
        mount=mount,
        acc_range=acc_range,
        gyr_range=None if sp.no_gyro else gyr_range,
        name=name,
    )
    info = dict(
        draw.to_dict(),
        **counts,
        samples=n,
        kept=int(k.size),
        dropped=int(n - k.size),
        spec=spec,
        anti_alias_subsamples=q,
    )
    return st, info, drops

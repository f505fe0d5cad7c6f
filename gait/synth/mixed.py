"""Synthetic sessions whose sensors differ: each placement with its own rate and range.

Real sessions mix sensors (a 52 Hz ±8 g Polar Verity Sense on one shoe, a 200 Hz ±16 g
IMU on the other). :func:`synthesize_mixed` makes such a recording from one simulated
body: :func:`gait.synth.synthesize` is called once per distinct (rate, range) with the
same seed and gait, which gives the same body and the same per-placement noise streams
whatever else is simulated, and the streams are put together. The truth is the body's,
so it is the same for every sensor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from gait.contract.constants import G
from gait.contract.recording import Recording
from gait.synth.generate import synthesize
from gait.synth.params import SensorParams, SynthParamError


def parse_stream_option(text: str) -> tuple[str, float, float | None]:
    """Parse ``PLACEMENT=RATE[:RANGE_G]`` (e.g. ``foot-left=52:8``).

    Parameters
    ----------
    text : str
        The option value.

    Returns
    -------
    placement : str
    rate : float
        Hz.
    acc_range_g : float or None
        Accelerometer full scale, g.

    Raises
    ------
    SynthParamError
        Malformed text or a non-positive number.
    """
    place, sep, spec = text.partition("=")
    rate_s, _, rng_s = spec.partition(":")
    try:
        if not sep or not place.strip():
            raise ValueError
        rate = float(rate_s)
        rng = float(rng_s) if rng_s.strip() else None
    except ValueError:
        raise SynthParamError(
            f"--stream {text!r}: expected PLACEMENT=RATE[:RANGE_G], e.g. foot-left=52:8"
        ) from None
    if not rate > 0 or (rng is not None and not rng > 0):
        raise SynthParamError(f"--stream {text!r}: rate and range must be positive")
    return place.strip(), rate, rng


def synthesize_mixed(
    placements: Sequence[str],
    streams: Mapping[str, tuple[float, float | None]],
    *,
    rate: float = 200.0,
    sensor: SensorParams | None = None,
    **kwargs: Any,
) -> Recording:
    """A run or walk whose placements have their own sample rate and accelerometer range.

    Parameters
    ----------
    placements : sequence of str
        All sensors, as for :func:`gait.synth.synthesize`.
    streams : mapping of str to (float, float or None)
        Placement → (rate Hz, accelerometer full scale in g or None for the default).
        Placements not named use ``rate`` and ``sensor``.
    rate : float
        Rate of the other placements, Hz.
    sensor : SensorParams, optional
        Sensor effects of every placement (its ``acc_range`` replaced where given).
    **kwargs
        ``activity``, ``duration``, ``seed``, ``gait``, ``segments`` of
        :func:`gait.synth.synthesize` (not a balance session).

    Returns
    -------
    Recording
        Streams in the order of ``placements``; the reference of the body (the same for
        every group) with ``params['streams']`` of every stream and
        ``params['stream_overrides']``.

    Raises
    ------
    SynthParamError
        A named placement that is not simulated, or a balance session.
    """
    if kwargs.get("activity") == "balance":
        raise SynthParamError("--stream applies to runs and walks, not to balance sessions")
    unknown = [p for p in streams if p not in placements]
    if unknown:
        raise SynthParamError(
            f"--stream names {unknown}, which are not among the placements {list(placements)}"
        )
    base = sensor or SensorParams()
    groups: dict[tuple[float, float | None], list[str]] = {}
    for p in placements:
        r, g = streams.get(p, (rate, None))
        groups.setdefault((float(r), None if g is None else float(g)), []).append(p)
    recs = []
    for (r, g), places in groups.items():
        sp = base if g is None else dataclasses.replace(base, acc_range=g * G)
        recs.append(synthesize(placements=places, rate=r, sensor=sp, **kwargs))
    by_name = {s.name: s for rec in recs for s in rec.streams}
    # keep the order asked for (a synthesized stream is named after its placement)
    rank = {p.replace("-", "_"): i for i, p in enumerate(placements)}
    names = sorted(by_name, key=lambda n: rank.get(n, len(rank)))
    first = recs[0]
    ref = first.reference
    if ref is not None:
        params = dict(ref.params)
        params["streams"] = {
            k: v
            for rec in recs
            if rec.reference is not None
            for k, v in rec.reference.params.get("streams", {}).items()
        }
        params["placements"] = list(placements)
        params["stream_overrides"] = {
            p: {"rate": r, "acc_range_g": g} for p, (r, g) in streams.items()
        }
        ref = dataclasses.replace(ref, params=params)
    return Recording(meta=first.meta, streams=[by_name[n] for n in names], reference=ref)

"""Feed a whole recording through the streaming engine in chunks (tests, benchmarks)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gait.analysis.stream.engine import SensorSpec, StreamEngine
from gait.contract.recording import Recording


def specs_from_recording(rec: Recording) -> list[SensorSpec]:
    """One :class:`SensorSpec` per stream of ``rec``.

    Parameters
    ----------
    rec : Recording
        Any recording with streams.

    Returns
    -------
    list of SensorSpec
    """
    return [
        SensorSpec(
            s.name,
            s.placement,
            s.side,
            float(s.rate),
            s.gyr is not None,
            s.acc_range,
            s.gyr_range,
            mount=s.mount,  # a phone's method depends on how it is carried, as in batch
        )
        for s in rec.streams
    ]


def replay_recording(
    rec: Recording,
    chunk_s: float | tuple[float, float] = 0.05,
    *,
    seed: int = 0,
    **engine_kwargs: Any,
) -> tuple[pd.DataFrame, StreamEngine]:
    """Push ``rec`` through a :class:`StreamEngine` block by block, interleaving sensors.

    Parameters
    ----------
    rec : Recording
        The session.
    chunk_s : float or (float, float)
        Block length, s; a (low, high) pair draws each block's length at random.
    seed : int
        Seed of the random block lengths.
    **engine_kwargs
        Passed to :class:`StreamEngine` (``context``, ``hop`` ...).

    Returns
    -------
    steps : DataFrame
        Every emitted step row in order.
    engine : StreamEngine
        The engine after :meth:`~StreamEngine.flush`.
    """
    from gait.analysis.pipeline import reference_speed

    eng = StreamEngine(specs_from_recording(rec), speed=reference_speed(rec), **engine_kwargs)
    rng = np.random.default_rng(seed)
    t0 = min(float(s.t[0]) for s in rec.streams)
    t1 = max(float(s.t[-1]) for s in rec.streams)
    pos = dict.fromkeys(range(len(rec.streams)), 0)
    out: list[pd.DataFrame] = []
    t = t0
    while t <= t1:
        step = float(rng.uniform(*chunk_s)) if isinstance(chunk_s, tuple) else float(chunk_s)
        t += step
        for i, s in enumerate(rec.streams):
            j = int(np.searchsorted(s.t, t, side="left"))
            if j > pos[i]:
                sl = slice(pos[i], j)
                got = eng.push(s.name, s.t[sl], s.acc[sl], None if s.gyr is None else s.gyr[sl])
                pos[i] = j
                if len(got):
                    out.append(got)
    last = eng.flush()
    if len(last):
        out.append(last)
    steps = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
    return steps, eng

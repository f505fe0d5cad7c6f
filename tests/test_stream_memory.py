"""Streaming engine memory stays flat over a 2-hour simulated session (issue 6 item 1).

One synthetic minute (two feet + sacrum, 50 Hz so the test stays fast) is cut into
1-s blocks once and fed 120 times with shifted times, so the test itself holds only
that minute. The engine's own buffers (rings, contacts, step tail) must not grow
between 20 min and 2 h, and the process's resident memory may grow by at most a few MB.
"""

from __future__ import annotations

import gc

import numpy as np
import psutil
import pytest

from gait.analysis.stream import StreamEngine, specs_from_recording
from gait.synth import synthesize

pytestmark = pytest.mark.slow

MINUTES = 120
RATE = 50.0
#: Largest RSS growth accepted between minute 20 and minute 120, bytes.
RSS_BOUND = 8 * 2**20


def test_memory_flat_over_two_hours() -> None:
    rec = synthesize(
        activity="run",
        placements=("foot-left", "foot-right", "sacrum"),
        duration=60.0,
        rate=RATE,
        seed=2,
    )
    blocks = []
    for k in range(60):
        for s in rec.streams:
            m = (s.t >= k) & (s.t < k + 1)
            blocks.append((s.name, s.t[m], s.acc[m], s.gyr[m]))  # type: ignore[index]
    # a long hop keeps the test fast; memory does not depend on how often stages run
    eng = StreamEngine(specs_from_recording(rec), hop=20.0)
    proc = psutil.Process()
    steps = 0
    fp: dict[int, int] = {}
    rss: dict[int, int] = {}
    last_t = -np.inf
    for minute in range(MINUTES):
        for name, t, acc, gyr in blocks:
            new = eng.push(name, t + 60.0 * minute, acc, gyr)
            if len(new):
                assert new["t_ic"].iloc[0] > last_t
                last_t = float(new["t_ic"].iloc[-1])
                steps += len(new)
        if minute + 1 in (20, MINUTES):
            gc.collect()
            fp[minute + 1] = eng.footprint()
            rss[minute + 1] = proc.memory_info().rss
    assert steps > 150 * MINUTES  # steps kept coming for the whole two hours
    # the engine's own state: bounded by capacity, identical in size at 20 min and 2 h
    assert fp[MINUTES] <= 1.1 * fp[20]
    assert fp[MINUTES] < 2 * 2**20
    assert rss[MINUTES] - rss[20] < RSS_BOUND, f"RSS grew {(rss[MINUTES] - rss[20]) / 2**20:.1f} MB"

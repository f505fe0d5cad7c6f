"""Foot detector on the real walking recordings (gaitmap and ipol feet) against their references.

These are regression bounds at the level measured when the detector was written; the
issue's real-data targets (F1 ≥ 0.98, IC error ≤ 20 ms) are tracked by
``tests/test_validate_real.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gait.io import read
from gait.placements.foot import detect_events
from gait.recording import Stream

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
GAITMAP = REAL / "gaitmap_feet_walk" / "imu_sample.csv"
IPOL = REAL / "ipol_feet_lowerback_walk"


def match(det: np.ndarray, ref: np.ndarray, tol: float = 0.15) -> tuple[int, np.ndarray]:
    """Greedy nearest matching: number of true positives and IC errors (s)."""
    if det.size == 0 or ref.size == 0:
        return 0, np.zeros(0)
    j = np.clip(np.searchsorted(det, ref), 1, max(det.size - 1, 1))
    j0 = np.clip(j - 1, 0, det.size - 1)
    j1 = np.clip(j, 0, det.size - 1)
    near = np.where(np.abs(det[j0] - ref) <= np.abs(det[j1] - ref), j0, j1)
    err = det[near] - ref
    ok = np.abs(err) <= tol
    # one detection may match only one reference
    _, first = np.unique(near[ok], return_index=True)
    return int(first.size), err[ok][first]


def f1_and_error(stream: Stream, ref: pd.DataFrame, span: tuple[float, float]) -> tuple[float, float]:
    ev = detect_events(stream)
    det = ev["t_ic"].to_numpy()
    det = det[(det >= span[0]) & (det <= span[1])]
    r = ref["t_ic"].to_numpy()
    tp, err = match(np.sort(det), np.sort(r))
    f1 = 2 * tp / (det.size + r.size)
    return f1, float(np.mean(np.abs(err))) if err.size else float("inf")


def test_gaitmap_feet_events() -> None:
    rec = read(GAITMAP)
    assert rec.reference is not None
    ref = rec.reference.events
    for st in rec.streams:
        r = ref[ref["side"] == st.side]
        f1, mae = f1_and_error(st, r, (r["t_ic"].min() - 0.3, r["t_ic"].max() + 0.3))
        assert f1 >= 0.98, (st.name, f1)
        assert mae <= 0.040, (st.name, mae)


@pytest.mark.parametrize("trial", ["1-1", "1-3", "1-5", "2-2", "2-4"])
def test_ipol_feet_events(trial: str) -> None:
    rec = read(IPOL / f"{trial}_lf.txt")
    assert rec.reference is not None
    ref = rec.reference.events
    for st in rec.by_placement("foot"):
        r = ref[ref["side"] == st.side]
        f1, mae = f1_and_error(st, r, (r["t_ic"].min() - 0.3, r["t_ic"].max() + 0.3))
        assert f1 >= 0.9, (trial, st.name, f1)
        assert mae <= 0.035, (trial, st.name, mae)


def test_gaitmap_stride_length_and_strike() -> None:
    """Walking at ~1.2 m/s: ZUPT stride length in a plausible band; heel strikes are 'rear'."""
    rec = read(GAITMAP)
    ev = detect_events(rec.streams[0])
    sl = ev["stride_length"].dropna().to_numpy()
    assert 1.0 < np.median(sl) < 1.6
    assert (ev["strike"] == "rear").mean() > 0.8
    assert np.median(ev["foot_strike_angle"]) > 10.0

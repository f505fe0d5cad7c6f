"""Sacrum running: detector parameters change and are recorded; confidence orders the TC error.

Synthetic running recordings with exact ground truth (:func:`gait.synth.synthesize`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks._scoring import score_steps
from gait.analysis.placements import get_detector
from gait.analysis.placements.sacrum import SacrumDetector
from gait.contract.recording import Stream
from gait.synth import GaitParams, SensorParams, synthesize


def _matched(ref: pd.DataFrame, det: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    sc = score_steps(ref, det, 0.1)
    r = ref.sort_values("t_ic").reset_index(drop=True).iloc[sc.ic.ref_idx].reset_index(drop=True)
    d = det.sort_values("t_ic").reset_index(drop=True).iloc[sc.ic.det_idx].reset_index(drop=True)
    return r, d


def test_non_default_unloading_time_moves_tc_and_is_recorded() -> None:
    rec = synthesize(
        activity="run",
        placements=("sacrum",),
        duration=12.0,
        rate=200.0,
        seed=4,
        sensor=SensorParams(rotation="uniform"),
    )
    base = get_detector("sacrum")(rec.streams[0])
    longer = get_detector("sacrum", tc_unload=0.085)(rec.streams[0])
    assert longer.attrs["detector"]["params"]["tc_unload"] == 0.085
    assert base.attrs["detector"]["params"]["tc_unload"] == SacrumDetector().tc_unload
    b, lo = _matched(base, longer)
    assert len(b) >= 0.95 * len(base)
    # IC does not depend on it; TC moves by the 40 ms difference on the contacts timed by
    # the unloading rule (nearly all on clean synthetic running)
    assert np.allclose(b["t_ic"], lo["t_ic"])
    shift = (lo["t_tc"] - b["t_tc"]).to_numpy()
    assert np.mean(np.isclose(shift, 0.04, atol=1e-6)) >= 0.9


@pytest.mark.xfail(
    strict=True,
    reason=(
        "Detector weakness shown by the realistic sacral impact (issue 11 item 6): on the clean "
        "half the contact time is off by ~9 ms (IC ~7 ms early: the zero-phase edge filter spreads "
        "the sharp impact peak forward in time; real Alcantara RFS trials show -5 to -12 ms IC "
        "bias too), so the degraded half is only ~2x worse (17 vs 9 ms), not 3x; and as a real "
        "trunk dips below free fall late in the flight, the +0.25 g bias barely lowers the "
        "confidence (0.93 vs 0.99). Detector logic is out of this change's scope."
    ),
)
def test_confidence_orders_the_contact_time_error() -> None:
    """A sensor that stops showing free fall (damped strap, tilted) gets lower confidence.

    Its contact times are worse: the confidence ranks the per-step GCT error.
    """
    dur = 30.0
    rec = synthesize(
        activity="run",
        placements=("sacrum",),
        duration=dur,
        rate=200.0,
        seed=5,
        gait=GaitParams(speed=3.5),
        sensor=SensorParams(),
    )
    assert rec.reference is not None
    s = rec.streams[0]
    acc = s.acc.copy()
    # second half: a +2.5 m/s² bias along the mean specific force (the flight no longer reads
    # ~0 g), ramped in over 2 s so that gravity tracking is not the point
    up = acc.mean(axis=0) / np.linalg.norm(acc.mean(axis=0))
    ramp = np.clip((s.t - dur / 2) / 2.0, 0.0, 1.0)
    acc += 2.5 * ramp[:, None] * up[None, :]
    degraded = Stream(
        name=s.name,
        placement=s.placement,
        side=s.side,
        t=s.t,
        acc=acc,
        gyr=s.gyr,
        rate=s.rate,
        mount=s.mount,
    )
    det = SacrumDetector()(degraded)
    ref = rec.reference.events
    keep = (ref["t_ic"] > 0.5) & (ref["t_ic"] < dur - 0.5)
    r, d = _matched(ref[keep], det[(det["t_ic"] > 0.5) & (det["t_ic"] < dur - 0.5)])
    err = np.abs((d["t_tc"] - d["t_ic"]) - (r["t_tc"] - r["t_ic"])).to_numpy()
    conf = d["confidence"].to_numpy()
    ok = np.isfinite(err)
    err, conf = err[ok], conf[ok]
    lo = conf <= np.median(conf)
    assert lo.sum() >= 10
    assert (~lo).sum() >= 10
    # the less trusted half of the steps is off by clearly more than the trusted half
    assert np.mean(err[lo]) > 3.0 * np.mean(err[~lo]), (np.mean(err[lo]), np.mean(err[~lo]))

"""The toes-up peak of ``benchmarks/foot_ic_definitions.py`` is the pitch-rate zero crossing.

That benchmark scores a second candidate IC (the toes-up peak of the foot) against the real
references; here, on a synthetic walk, the event it computes must lie where the pitch rate
crosses zero from toes-up to toes-down, shortly before every detected (impact) IC.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

from gait.analysis.placements._signal import lowpass
from gait.analysis.placements.foot import FootDetector, pitch_axis
from gait.synth import synthesize

ROOT = Path(__file__).resolve().parents[1]


def _bench() -> ModuleType:
    name = "foot_ic_definitions"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_toes_up_peak_is_the_zero_crossing_before_the_impact() -> None:
    rec = synthesize(placements=["foot-left"], activity="walk", rate=200.0, duration=20.0, seed=2)
    st = rec.streams[0]
    assert st.gyr is not None
    det = FootDetector().detect(st)
    t_ic = det["t_ic"].to_numpy(np.float64)
    assert t_ic.size >= 10
    tz = _bench().toes_up_peak(st, t_ic)
    assert np.isfinite(tz).all()
    lead = t_ic - tz
    assert (lead >= 0).all(), lead
    assert (lead < 0.15).all(), lead
    # the pitch rate (toes up positive) changes sign there: positive just before, not after
    p = lowpass(st.gyr @ pitch_axis(st.gyr, st.rate), st.rate, 30.0)
    before = np.interp(tz - 0.01, st.t, p)
    after = np.interp(tz + 0.002, st.t, p)
    assert (before > 0).all(), before
    assert (after <= 0).all(), after

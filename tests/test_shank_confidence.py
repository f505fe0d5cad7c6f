"""Issue 11 item 5 at the shank: a step's ``confidence`` orders its contact-time error.

Real Bach et al. shank recordings (benchmarks/validate_running.py: trials 3-5 running,
1, 2, 6, 7 walking, one ±8 g accelerometer against the same leg's force plate).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import validate_running as vr  # noqa: E402


def test_higher_confidence_bands_have_smaller_contact_time_error() -> None:
    if not (vr.REAL_DIR / vr.BACH).is_dir():
        pytest.fail(f"real shank data missing under {vr.REAL_DIR / vr.BACH}")
    cases = [c for c in vr.load_cases() if c.dataset == vr.BACH]
    table = pd.DataFrame([vr.score_case(c) for c in cases])
    bands = vr.confidence_table(table)
    assert len(bands) >= 2, bands
    mae = bands["gct_mae_ms"].to_numpy()
    # bands come lowest confidence first: the error must fall band by band
    assert (np.diff(mae) < 0).all(), bands
    # the trusted band meets the running contact-time target
    assert mae[-1] <= 1000 * vr.GCT_MAE_MAX, bands

"""Memory bound: one hour of two feet + sacrum at 200 Hz analysed in < 500 MB peak RSS.

Runs in a fresh subprocess so the peak RSS belongs to this job alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.realdata

HERE = Path(__file__).resolve().parent


def test_one_hour_feet_and_sacrum_peak_rss_below_500_mb() -> None:
    env = dict(os.environ, PYTHONPATH=str(HERE.parent), PYTHONWARNINGS="ignore")
    out = subprocess.run(
        [sys.executable, str(HERE / "_pipeline_long.py"), "1.0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["rss_peak_mb"] < 500, res
    # 1 h of walking at ~109 steps/min (both feet) → about 6500 steps
    assert 5000 < res["steps"] < 7000, res

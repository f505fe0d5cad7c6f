"""Memory flat in length: ``gait analyze`` of 1 h and of 4 h of two feet + sacrum at 200 Hz.

Issue 15's bounds: peak RSS ≤ 300 MB for 1 h, ≤ 330 MB for 4 h, and the two within 10 % of
each other. Each analysis runs the command in a fresh subprocess (steps CSV, summary JSON and
the history save included), so the peak belongs to that job alone. A ``.gaitrec`` is read chunk
by chunk (:mod:`gait.io.canonical_stream`), so the samples never all sit in memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ENV = dict(os.environ, PYTHONPATH=str(HERE.parent), PYTHONWARNINGS="ignore")


def _child(*args: str) -> str:
    out = subprocess.run([sys.executable, str(HERE / "_cli_memory.py"), *args],
                         capture_output=True, text=True, env=ENV, timeout=600, check=True)
    return out.stdout


@pytest.fixture(scope="module")
def peaks(tmp_path_factory: pytest.TempPathFactory) -> dict[float, dict[str, float]]:
    res = {}
    for hours in (1.0, 4.0):
        d = tmp_path_factory.mktemp(f"h{hours:g}")
        path = d / "session.gaitrec"
        _child("build", str(hours), str(path))
        res[hours] = json.loads(_child("run", str(path), str(d)).strip().splitlines()[-1])
        path.unlink()
    return res


def test_one_hour_peak_rss_at_most_300_mb(peaks: dict[float, dict[str, float]]) -> None:
    r = peaks[1.0]
    assert r["rc"] == 0
    assert r["rss_peak_mb"] <= 300, r
    # 1 h of walking at ~109 steps/min (both feet) → about 6500 steps
    assert 5000 < r["steps"] < 7000, r


def test_four_hours_peak_rss_at_most_330_mb(peaks: dict[float, dict[str, float]]) -> None:
    r = peaks[4.0]
    assert r["rc"] == 0
    assert r["rss_peak_mb"] <= 330, r
    assert 4 * 5000 < r["steps"] < 4 * 7000, r


def test_peak_rss_flat_in_length(peaks: dict[float, dict[str, float]]) -> None:
    one, four = peaks[1.0]["rss_peak_mb"], peaks[4.0]["rss_peak_mb"]
    assert four <= 1.10 * one, (one, four)

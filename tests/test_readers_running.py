"""Readers for the two real running datasets: units, frames, trial selection, force contacts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gait.contract.errors import InputFileError
from gait.io import ReadOptions, read
from gait.io._events import contacts_from_force
from gait.io.units import G

pytestmark = pytest.mark.realdata

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
BACH = REAL / "bach_shank_run_walk" / "walk+run_dev.mat"
ALC = REAL / "alcantara_sacrum_run" / "Accelerometer_dev.csv"


def _stance_halves(rec: object, axis: int) -> tuple[float, float]:
    """Mean of one body axis over the first and the last 10–40 % of every reference stance."""
    s = rec.streams[0]  # type: ignore[attr-defined]
    ev = rec.reference.events.dropna(subset=["t_tc"])  # type: ignore[attr-defined]
    early, late = [], []
    for a, b in zip(ev.t_ic, ev.t_tc, strict=True):
        d = b - a
        early.append(s.acc[(s.t >= a + 0.1 * d) & (s.t < a + 0.4 * d), axis].mean())
        late.append(s.acc[(s.t >= b - 0.4 * d) & (s.t < b - 0.1 * d), axis].mean())
    return float(np.mean(early)), float(np.mean(late))


def test_force_contacts_fill_gaps_and_drop_flicker() -> None:
    fs = 1000.0
    f = np.zeros(3000)
    f[100:400] = 500.0  # contact 1: 0.1-0.4 s
    f[250:270] = 0.0  # 20 ms dip inside it: filled
    f[800:850] = 500.0  # 50 ms brush: dropped
    f[1200:1500] = 500.0
    f[2900:] = 500.0  # still under way at the end: TC unknown
    ev = contacts_from_force(f, fs, 50.0)
    assert len(ev) == 3
    assert ev.t_ic.iloc[0] == pytest.approx(0.0991, abs=2e-3)
    assert ev.t_tc.iloc[0] == pytest.approx(0.3991, abs=2e-3)
    assert np.isnan(ev.t_tc.iloc[2])
    # a 40 ms gap is a real flight phase and stays
    f2 = np.zeros(2000)
    f2[100:400] = f2[440:700] = 500.0
    assert len(contacts_from_force(f2, fs, 50.0)) == 2
    # a contact already under way at the first sample has no IC
    f3 = np.zeros(1000)
    f3[:300] = 500.0
    assert len(contacts_from_force(f3, fs, 50.0)) == 0


@pytest.mark.parametrize("trial", range(1, 8))
def test_bach_trial_units_frame_and_contacts(trial: int) -> None:
    rec = read(f"{BACH}::{trial}")
    assert rec.meta.source == "bach"
    assert rec.meta.extra["trial"] == trial
    s = rec.streams[0]
    assert (s.placement, s.side, s.has_gyr) == ("shank", None, False)
    assert s.rate == pytest.approx(142.857, abs=1e-3)
    assert s.acc_range == pytest.approx(8 * G)
    # gravity: the median norm of a shank during gait is 1-2 g (running swings harder)
    assert 0.9 * G < np.median(np.linalg.norm(s.acc, axis=1)) < 2.0 * G
    assert 3 <= s.device["padding_dropped"] <= 9
    assert np.all(np.any(s.acc != 0, axis=1))
    ev = rec.reference.events  # type: ignore[union-attr]
    gct = (ev.t_tc - ev.t_ic).dropna()
    running = rec.meta.activity == "run"
    assert rec.meta.activity == ("run" if trial in (3, 4, 5) else "walk")
    assert rec.meta.treadmill_speed == pytest.approx(
        {True: 8.5, False: 4.5 if trial < 6 else 5.0}[running] / 3.6
    )
    # one leg's contacts over 20-35 s of treadmill gait; stance 0.25-0.33 s running,
    # 0.55-0.8 s walking
    assert 20 <= len(ev) <= 40
    lo, hi = (0.25, 0.33) if running else (0.55, 0.8)
    assert gct.between(lo, hi).all()
    assert (np.diff(ev.t_ic) > gct.to_numpy()[: len(ev) - 1].min()).all()
    # frame: z up (stance mean > 0.5 g) and x forward (shank rotates ankle-ahead -> ankle-behind)
    up = _stance_halves(rec, 2)
    assert min(up) > 0.5 * G
    early, late = _stance_halves(rec, 0)
    assert early > late + 0.1 * G


def test_bach_selector_errors_and_default() -> None:
    assert read(BACH).meta.extra["trial"] == 1
    with pytest.raises(InputFileError, match=r"choose 1\.\.7"):
        read(f"{BACH}::8")
    with pytest.raises(InputFileError):
        read(f"{BACH}::abc")
    assert read(f"{BACH}::2", ReadOptions(side="left")).streams[0].side == "left"


@pytest.mark.parametrize("trial", range(1, 17))
def test_alcantara_trial_units_frame_and_contacts(trial: int) -> None:
    rec = read(f"{ALC}::{trial}")
    assert rec.meta.source == "alcantara"
    assert rec.meta.activity == "run"
    s = rec.streams[0]
    assert (s.placement, s.side, s.rate, s.n) == ("sacrum", None, 500.0, 2480)
    assert np.all(s.acc[:, 1] == 0.0)
    # gravity: the trunk's vertical specific force averages 1 g over whole strides (the
    # authors' clipping of the flight phase at 0 g raises it a little)
    assert 0.95 * G < s.acc[:, 2].mean() < 1.35 * G
    ev = rec.reference.events  # type: ignore[union-attr]
    gct = (ev.t_tc - ev.t_ic).dropna()
    assert 12 <= len(ev) <= 19
    assert gct.between(0.17, 0.29).all()
    assert ev.side.isna().all()
    # x forward: the pelvis brakes in early stance and is pushed forward in late stance
    early, late = _stance_halves(rec, 0)
    assert early < late
    assert rec.meta.treadmill_speed in (2.5, 3.33, 4.17)
    assert rec.meta.extra["foot_strike"] in ("RFS", "MFS")


def test_alcantara_labels_and_selector() -> None:
    r11 = read(f"{ALC}::11")
    assert r11.meta.extra["slope_pct"] == 10.0
    assert r11.meta.extra["foot_strike"] == "MFS"
    assert read(ALC).meta.extra["trial"] == 1
    with pytest.raises(InputFileError, match=r"choose 1\.\.16"):
        read(f"{ALC}::17")
    force = read(f"{ALC}::3").reference.tables["force"]  # type: ignore[union-attr]
    # body weights
    assert isinstance(force, pd.DataFrame)
    assert 0.9 < force.fz.mean() < 1.1

"""Overstriding metrics against truth (synthetic sweeps) and foot-strike labels (real).

Run: ``.venv/bin/python benchmarks/overstride_validation.py``

Synthetic: one 30 s run per (placement set, gait) with default (non-ideal) sensors, seed 3;
per row the generator's truth (mean over steps) and the session value of
``summary["overstride"]``, and the absolute overstride flag (no baseline).

Real (``../shared/data/real/alcantara_sacrum_run``, 16 trials of one runner, 2-axis sacral
accelerometer): per trial the labelled foot strike shares, speed and slope, and the sacral
braking, impact and vertical oscillation the analyzer gives. Nothing is tuned on them.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import gait
from gait.io import read
from gait.synth import GaitParams, SensorParams, synthesize

REAL = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real" / "alcantara_sacrum_run"
)

PLACEMENTS: tuple[tuple[str, ...], ...] = (
    ("foot-left", "foot-right", "sacrum"),
    ("foot-left", "foot-right"),
    ("shank-left", "shank-right"),
    ("sacrum",),
)
GAITS: tuple[dict[str, Any], ...] = (
    {},
    {"overstride": 0.35, "foot_strike_angle": 3.0, "braking": 0.3},
    {"overstride": 0.40, "foot_strike_angle": 20.0, "braking": 0.4},
    {"overstride": 0.40, "foot_strike_angle": 3.0, "braking": 0.6},
    {"overstride": 0.10, "foot_strike_angle": -5.0, "braking": 0.08},
)


def synthetic() -> pd.DataFrame:
    """One row per (placements, gait): truth and estimate of each overstride metric."""
    rows = []
    for pl in PLACEMENTS:
        for g in GAITS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rec = synthesize(
                    "run",
                    pl,
                    duration=30.0,
                    rate=200.0,
                    seed=3,
                    gait=GaitParams(**g),
                    sensor=SensorParams(),
                )
                o = gait.analyze(rec).summary["overstride"]
            assert rec.reference is not None
            ref = rec.reference.events
            vr = 100 * ref["vertical_oscillation"] / (ref["stride_length"] / 2)
            rows.append(
                {
                    "placements": "+".join(dict.fromkeys(p.split("-")[0] for p in pl)),
                    "foot_ahead_m": round(float(ref["foot_ahead"].mean()), 2),
                    "fsa_true": round(float(ref["foot_strike_angle"].mean()), 1),
                    "fsa_est": o.get("foot_strike_angle_deg"),
                    "shank_true": round(float(ref["shank_angle_ic"].mean()), 1),
                    "shank_est": o.get("shank_angle_ic_deg"),
                    "brake_true": round(float(ref["braking"].mean()), 3),
                    "brake_est": o.get("braking_mps"),
                    "share_true": round(float(100 * (ref["braking_time"] / ref["gct"]).mean()), 1),
                    "share_est": o.get("braking_share_pct"),
                    "ahead_est": o.get("foot_ahead_m"),
                    "vr_true": round(float(np.nanmean(vr)), 2),
                    "vr_est": o.get("vertical_ratio_pct"),
                    "flag": o["overstriding"]["flag"],
                }
            )
    return pd.DataFrame(rows)


def real() -> pd.DataFrame:
    """Per Alcantara trial: labels and the sacral metrics."""
    info = pd.read_csv(REAL / "Sub_Info_dev.csv")
    rows = []
    for i in range(len(info)):
        res = gait.analyze(read(f"{REAL / 'Accelerometer_dev.csv'}::{i + 1}"), activity="run")
        o = res.summary["overstride"]
        rows.append(
            {
                "trial": i + 1,
                "RFS_pct": round(float(info["RFS"][i])),
                "speed": info["Speed"][i],
                "slope_pct": info["Slope"][i],
                "steps": len(res.steps),
                "braking": o.get("braking_mps"),
                "share_pct": o.get("braking_share_pct"),
                "ahead_m": o.get("foot_ahead_m"),
                "impact_g": round(o["impact_ms2"] / 9.80665, 2) if o.get("impact_ms2") else None,
                "vo_cm": (
                    round(100 * o["vertical_oscillation_m"], 3)
                    if o.get("vertical_oscillation_m") is not None
                    else None
                ),
                "flag": o["overstriding"]["flag"],
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    """Print both tables."""
    pd.set_option("display.width", 200)
    print(synthetic().to_string(index=False))
    print()
    if REAL.is_dir():
        print(real().to_string(index=False))


if __name__ == "__main__":
    main()

"""Mixed sensors: which left/right pairings show an asymmetry, and why the others do not.

Run: ``.venv/bin/python benchmarks/mixed_sensors.py``

One synthetic 60 s run (seed 2, strike angle 10°) per pairing of a left and a right foot
sensor (rate, accelerometer range), with no true asymmetry and with the left contact 8 %
longer. Per row: each side's mean contact time and strike angle, the contact-time SI and
GCT balance the summary gives (``hidden`` when withheld) and the first reason in
``symmetry_status``. Nothing here is tuned: the bounds are those of
:mod:`gait.analysis.quality.sensor_limits`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from gait.analysis.pipeline import analyze
from gait.synth import GaitParams
from gait.synth.mixed import synthesize_mixed

#: (name, rate Hz, range g) of the sensors paired.
SENSORS: dict[str, tuple[float, float]] = {
    "imu200/16g": (200.0, 16.0),
    "imu100/16g": (100.0, 16.0),
    "imu200/8g": (200.0, 8.0),
    "polar52/8g": (52.0, 8.0),
    "imu52/16g": (52.0, 16.0),
}
PAIRS: tuple[tuple[str, str], ...] = (
    ("imu200/16g", "imu200/16g"),
    ("imu100/16g", "imu200/16g"),
    ("imu200/8g", "imu200/16g"),
    ("polar52/8g", "imu200/16g"),
    ("imu52/16g", "imu200/16g"),
    ("polar52/8g", "polar52/8g"),
)


def row(left: str, right: str, gct_asym: float, seed: int = 2) -> dict[str, Any]:
    """Analyse one pairing; the table row."""
    rec = synthesize_mixed(
        ["foot-left", "foot-right"],
        {"foot-left": SENSORS[left], "foot-right": SENSORS[right]},
        duration=60.0,
        seed=seed,
        gait=GaitParams(foot_strike_angle=10.0, gct_asym_pct=gct_asym),
    )
    res = analyze(rec)
    s = res.summary
    by_side = res.steps.groupby("side")
    si = (s["symmetry"].get("gct") or {}).get("si_pct")
    why = s["symmetry_status"].get("gct", "")
    return {
        "left": left,
        "right": right,
        "true_gct_asym_pct": gct_asym,
        "gct_L_ms": round(1000 * by_side["gct"].mean()["left"], 1),
        "gct_R_ms": round(1000 * by_side["gct"].mean()["right"], 1),
        "fsa_L_deg": round(by_side["foot_strike_angle"].mean()["left"], 1),
        "fsa_R_deg": round(by_side["foot_strike_angle"].mean()["right"], 1),
        "conf_L": round(by_side["confidence"].mean()["left"], 2),
        "conf_R": round(by_side["confidence"].mean()["right"], 2),
        "SI_gct_pct": "hidden" if si is None else si,
        "balance_pct_L": "hidden" if s["gct_balance_pct"] is None else s["gct_balance_pct"],
        "flagged": ",".join(a["metric"] for a in s["asymmetry"]) or "-",
        "why_hidden": why[:60] + ("…" if len(why) > 60 else ""),
    }


def main() -> None:
    """Print the pairing table as a markdown table."""
    table = pd.DataFrame([row(a, b, asym) for a, b in PAIRS for asym in (0.0, 8.0)])
    cols = list(table.columns)
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for rec in table.to_dict("records"):
        print("| " + " | ".join(str(rec[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()

"""Foot detector at a low sampling rate: synthetic truth and real recordings resampled to 52 Hz.

Run: ``.venv/bin/python benchmarks/foot_low_rate.py [--rate 52]``

Three tables. First, synthetic 40 s runs (seeds 1–3, strike angle 10°, both feet) sampled at
52, 100 and 200 Hz: mean IC and TC error against the exact truth, mean contact time and
strike angle. Second, the strike-angle error by true angle (20° to −8°) at 52 and 200 Hz.
Third, the real foot recordings of ``benchmarks/validate_real.py`` (IPOL feet,
gaitmap; 100–200 Hz) scored as recorded and after resampling to ``--rate`` (a Polar Verity
Sense streams 52 Hz) with :func:`scipy.signal.resample_poly`, whose polyphase FIR filter is
the anti-alias filter a sensor decimating internally would apply. Same matching and regions
as ``validate_real.py`` (±100 ms). Nothing is tuned here.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from validate_real import load_cases, score_detections, split_of

from gait.analysis.placements.foot import FootDetector
from gait.contract.recording import Stream
from gait.synth import GaitParams, synthesize


def resample(stream: Stream, rate: float) -> Stream:
    """The stream resampled to ``rate`` Hz, lost packets kept lost.

    The samples are first put on the stream's own uniform grid (lost packets, a few tens of
    ms in the IPOL files, filled by linear interpolation over time), then resampled with the
    anti-alias FIR of :func:`scipy.signal.resample_poly`; new samples farther than one
    original period from any received sample are dropped again, so the detector sees the
    gaps as it would from the sensor.
    """
    from scipy.signal import resample_poly

    t = stream.t
    grid = t[0] + np.arange(round(float(t[-1] - t[0]) * stream.rate) + 1) / stream.rate
    ratio = Fraction(rate / stream.rate).limit_denominator(200)
    up, down = ratio.numerator, ratio.denominator

    def one(x: np.ndarray) -> np.ndarray:
        u = np.column_stack([np.interp(grid, t, x[:, k]) for k in range(x.shape[1])])
        return np.asarray(resample_poly(u, up, down, axis=0), dtype=np.float64)

    acc = one(stream.acc)
    gyr = None if stream.gyr is None else one(stream.gyr)
    new_rate = stream.rate * up / down
    t_new = t[0] + np.arange(acc.shape[0]) / new_rate
    j = np.clip(np.searchsorted(t, t_new), 1, t.size - 1)
    near = np.minimum(np.abs(t[j] - t_new), np.abs(t[j - 1] - t_new)) <= 1.0 / stream.rate
    return dataclasses.replace(
        stream, t=t_new[near], acc=acc[near], gyr=None if gyr is None else gyr[near], rate=new_rate
    )


def synthetic_table(rates: tuple[float, ...] = (52.0, 100.0, 200.0)) -> pd.DataFrame:
    """Mean IC/TC error (ms), contact time (ms) and strike angle (deg) per rate vs the truth."""
    rows = []
    for rate in rates:
        ic_err, tc_err, gct, fsa, true_gct, true_fsa = [], [], [], [], [], []
        for seed in (1, 2, 3):
            rec = synthesize(
                placements=["foot-left", "foot-right"],
                activity="run",
                rate=rate,
                duration=40.0,
                seed=seed,
                gait=GaitParams(foot_strike_angle=10.0),
            )
            assert rec.reference is not None
            ev = rec.reference.events
            for s in rec.streams:
                det = FootDetector().detect(s)
                tr = ev[ev["side"] == s.side].sort_values("t_ic")
                t_true = tr["t_ic"].to_numpy()
                j = np.abs(t_true[:, None] - det["t_ic"].to_numpy()[None, :]).argmin(axis=0)
                ok = np.abs(t_true[j] - det["t_ic"].to_numpy()) < 0.1
                m = tr.iloc[j[ok]]
                d = det[ok]
                ic_err.append(1000 * (d["t_ic"].to_numpy() - m["t_ic"].to_numpy()))
                tc_err.append(1000 * (d["t_tc"].to_numpy() - m["t_tc"].to_numpy()))
                gct.append(1000 * (d["t_tc"] - d["t_ic"]).to_numpy())
                fsa.append(d["foot_strike_angle"].to_numpy())
                true_gct.append(1000 * m["gct"].to_numpy())
                true_fsa.append(m["foot_strike_angle"].to_numpy())
        rows.append(
            {
                "rate_hz": rate,
                "ic_err_ms": np.nanmean(np.concatenate(ic_err)),
                "tc_err_ms": np.nanmean(np.concatenate(tc_err)),
                "gct_ms": np.nanmean(np.concatenate(gct)),
                "true_gct_ms": np.nanmean(np.concatenate(true_gct)),
                "fsa_deg": np.nanmean(np.concatenate(fsa)),
                "true_fsa_deg": np.nanmean(np.concatenate(true_fsa)),
            }
        )
    return pd.DataFrame(rows).round(1)


def strike_table(
    rate: float = 200.0, angles: tuple[float, ...] = (20.0, 10.0, 5.0, 0.0, -8.0)
) -> pd.DataFrame:
    """Strike-angle error (deg) and pattern agreement per true angle at ``rate``.

    The error is the mean and SD over steps.
    """
    rows = []
    for angle in angles:
        err, same = [], []
        for seed in (1, 2, 3):
            rec = synthesize(
                placements=["foot-left", "foot-right"],
                activity="run",
                rate=rate,
                duration=40.0,
                seed=seed,
                gait=GaitParams(foot_strike_angle=angle),
            )
            assert rec.reference is not None
            ev = rec.reference.events
            for s in rec.streams:
                det = FootDetector().detect(s)
                tr = ev[ev["side"] == s.side]
                t_true = tr["t_ic"].to_numpy()
                j = np.abs(t_true[:, None] - det["t_ic"].to_numpy()[None, :]).argmin(axis=0)
                ok = np.abs(t_true[j] - det["t_ic"].to_numpy()) < 0.1
                m, d = tr.iloc[j[ok]], det[ok]
                err.append(d["foot_strike_angle"].to_numpy() - m["foot_strike_angle"].to_numpy())
                same.append(d["strike"].to_numpy() == m["strike"].to_numpy())
        e = np.concatenate(err)
        rows.append(
            {
                "rate_hz": rate,
                "true_deg": angle,
                "fsa_err_deg": round(float(np.nanmean(e)), 1),
                "fsa_sd_deg": round(float(np.nanstd(e)), 1),
                "pattern_pct": round(100 * float(np.mean(np.concatenate(same))), 1),
            }
        )
    return pd.DataFrame(rows)


def real_table(rate: float) -> pd.DataFrame:
    """F1, IC/TC mean absolute error and IC bias of the real foot recordings.

    Each recording is scored at its native rate and resampled to ``rate``.
    """
    acc: dict[tuple[str, str, str], dict[str, list[float]]] = {}
    for case in load_cases():
        if case.dataset not in ("ipol_feet_lowerback_walk", "gaitmap_feet_walk"):
            continue
        ref = case.reference.copy()
        for s in case.recording.streams:
            if s.placement != "foot":
                continue
            r = ref[ref["side"] == s.side] if s.side is not None else ref
            for label, st in (("native", s), (f"{rate:g} Hz", resample(s, rate))):
                det = FootDetector().detect(st)
                sc = score_detections(r, det, 0.1, case.region, case.unscored)
                key = (case.dataset, split_of(case.dataset, case.subject), label)
                d = acc.setdefault(key, {"tp": [], "fp": [], "fn": [], "ic": [], "tc": []})
                d["tp"].append(sc.tp)
                d["fp"].append(sc.fp)
                d["fn"].append(sc.fn)
                d["ic"].extend(sc.ic_err.tolist())
                d["tc"].extend(sc.tc_err[np.isfinite(sc.tc_err)].tolist())
    rows = []
    for (dataset, split, label), d in sorted(acc.items()):
        tp, fp, fn = sum(d["tp"]), sum(d["fp"]), sum(d["fn"])
        ic, tc = np.asarray(d["ic"]), np.asarray(d["tc"])
        rows.append(
            {
                "dataset": dataset,
                "split": split,
                "rate": label,
                "f1": round(2 * tp / max(2 * tp + fp + fn, 1), 3),
                "ic_mae_ms": round(1000 * float(np.mean(np.abs(ic))), 1),
                "ic_bias_ms": round(1000 * float(np.mean(ic)), 1),
                "tc_mae_ms": round(1000 * float(np.mean(np.abs(tc))), 1) if tc.size else np.nan,
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument(
        "--rate", type=float, default=52.0, help="rate the real recordings are resampled to, Hz"
    )
    args = ap.parse_args(argv)
    print("Synthetic run, strike angle 10°, seeds 1–3 (truth exact)\n")
    print(synthetic_table().to_string(index=False))
    print("\nStrike angle by true angle, synthetic runs, seeds 1–3\n")
    print(
        pd.concat([strike_table(52.0), strike_table(200.0)], ignore_index=True).to_string(
            index=False
        )
    )
    print(
        f"\nReal foot recordings, native rate and resampled to {args.rate:g} Hz (±100 ms "
        "matching)\n"
    )
    print(real_table(args.rate).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

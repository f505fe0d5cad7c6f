"""Lower-back step detection on Mobilise-D: this project against mobgap's own detectors.

Run: ``make compare-mobgap`` (a venv of its own, ``.venv-compare``: mobgap brings a pytest plugin
and numba, which stay out of the test venv).

The recordings are the Mobilise-D lab files in ``../shared/data/real/mobgap_lowerback_walk``
(Test5 straight walking, Test11 simulated daily living). Both sides are scored with the
rules of ``validate_real.py`` (INDIP MicroWBs as the scored region, spans of untimed INDIP
ICs unscored, one-to-one matching) at three tolerances:

* this project: :func:`gait.analysis.placements.sacrum.detect_events` on the whole recording;
* mobgap 1.2.0 (the Mobilise-D consortium's Python pipeline): its three initial-contact
  detectors ``IcdIonescu``, ``IcdShinImproved`` and ``IcdHKLeeImproved`` with their
  defaults, run the way mobgap's own ICD validation runs them, on each *reference* walking
  bout (so they are given the bout borders; each bout is padded by ``PAD`` s, because the
  bout starts exactly on its first IC).

A second table explains this project's misses: every reference IC is put in one context
class from the reference itself and the trunk gyroscope, and the share missed per class is
printed. Classes (first that applies): ``turn`` (mean yaw rate over ±0.5 s above
``TURN_DEG_S``), ``isolated`` (no other reference IC within ``ISOLATED_S`` on either side),
``shuffle`` (a neighbouring IC closer than ``SHUFFLE_S``), else ``walk``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import validate_real as vr  # noqa: E402

from benchmarks._scoring import score_steps  # noqa: E402
from gait.analysis.orient import gravity_direction  # noqa: E402
from gait.analysis.placements import get_detector  # noqa: E402

TOLERANCES = (0.1, 0.2, 0.3)
#: Seconds added before and after each reference bout handed to mobgap's detectors.
PAD = 1.0
TURN_DEG_S = 30.0
ISOLATED_S = 1.2
SHUFFLE_S = 0.3


def mobgap_detections(root: Path) -> dict[tuple[str, str], np.ndarray]:
    """IC times (s, trial clock) of mobgap's detectors, keyed by (detector, case name)."""
    from mobgap.data import GenericMobilisedDataset
    from mobgap.initial_contacts import IcdHKLeeImproved, IcdIonescu, IcdShinImproved
    from mobgap.utils.conversions import to_body_frame

    files = sorted((root / "mobgap_lowerback_walk" / "lab").glob("*/*/data.mat"))
    ds = GenericMobilisedDataset(
        files,
        test_level_names=("time_measure", "test", "trial"),
        parent_folders_as_metadata=["cohort", "participant_id"],
        measurement_condition="laboratory",
        reference_system="INDIP",
    )
    out: dict[tuple[str, str], np.ndarray] = {}
    for dp in ds:
        ref = dp.reference_parameters_
        if ref is None or ref.wb_list.empty:
            continue
        g = dp.group_label
        name = f"{g.participant_id}/{g.time_measure}/{g.test}/{g.trial}"
        fs = float(dp.sampling_rate_hz)
        data = to_body_frame(dp.data_ss)
        pad = int(PAD * fs)
        for algo in (IcdIonescu(), IcdShinImproved(), IcdHKLeeImproved()):
            found = []
            for _, wb in ref.wb_list.iterrows():
                start = max(int(wb["start"]) - pad, 0)
                seg = data.iloc[start : int(wb["end"]) + pad]
                ic = algo.clone().detect(seg, sampling_rate_hz=fs).ic_list_["ic"].to_numpy()
                found.append((ic + start) / fs)
            out[(type(algo).__name__, name)] = np.unique(np.concatenate(found))
    return out


def score_table(
    detections: dict[tuple[str, str], np.ndarray], cases: dict[str, vr.RealCase]
) -> pd.DataFrame:
    """F1 and IC MAE per detector and tolerance, over all cases and per test."""
    rows = []
    for detector in sorted({d for d, _ in detections}, key=lambda d: (d != "this project", d)):
        for tol in TOLERANCES:
            for part in ("all", "Test5", "Test11"):
                tp = fp = fn = 0
                errs = []
                for name, case in cases.items():
                    if part != "all" and f"/{part}/" not in name:
                        continue
                    ref = case.reference.assign(side=case.reference["side"].fillna("unknown"))
                    det = pd.DataFrame({"t_ic": detections[(detector, name)], "side": "unknown"})
                    sc = vr.score_detections(ref, det, tol, case.region, case.unscored)
                    tp, fp, fn = tp + sc.tp, fp + sc.fp, fn + sc.fn
                    errs.append(sc.ic_err)
                e = np.concatenate(errs)
                rows.append(
                    {
                        "detector": detector,
                        "tolerance_ms": round(1000 * tol),
                        "tests": part,
                        "ref_steps": tp + fn,
                        "tp": tp,
                        "fp": fp,
                        "fn": fn,
                        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan"),
                        "ic_mae_ms": 1000 * float(np.mean(np.abs(e))) if e.size else float("nan"),
                    }
                )
    return pd.DataFrame(rows)


def miss_contexts(case: vr.RealCase, det_ic: np.ndarray) -> pd.DataFrame:
    """Context class and hit/miss (±100 ms) of every scored reference IC of one case."""
    stream = case.recording.streams[0]
    ref = case.reference
    ref = ref[np.isfinite(ref["t_ic"].to_numpy(float))].sort_values("t_ic").reset_index(drop=True)
    det = pd.DataFrame({"t_ic": det_ic, "side": "unknown"})
    keep = ~vr.within(det_ic, case.unscored) if len(case.unscored) else np.ones(det_ic.size, bool)
    match = score_steps(
        ref.assign(side="unknown"), det[keep].reset_index(drop=True), vr.TOLERANCE
    ).ic
    hit = np.zeros(len(ref), dtype=bool)
    hit[match.ref_idx] = True
    t_ref = ref["t_ic"].to_numpy(float)
    assert stream.gyr is not None, "Mobilise-D lower-back files carry a gyroscope"
    up = gravity_direction(stream.acc, stream.rate)
    yaw = np.degrees(np.abs(np.einsum("ij,ij->i", stream.gyr, up)))
    csum = np.concatenate(([0.0], np.cumsum(yaw)))
    lo = np.searchsorted(stream.t, t_ref - 0.5)
    hi = np.searchsorted(stream.t, t_ref + 0.5)
    yaw_mean = (csum[hi] - csum[lo]) / np.maximum(hi - lo, 1)
    gaps = np.diff(t_ref)
    prev = np.concatenate(([np.inf], gaps))
    nxt = np.concatenate((gaps, [np.inf]))
    context = np.select(
        [
            yaw_mean > TURN_DEG_S,
            np.minimum(prev, nxt) > ISOLATED_S,
            np.minimum(prev, nxt) < SHUFFLE_S,
        ],
        ["turn", "isolated", "shuffle"],
        default="walk",
    )
    scored = vr.within(t_ref, case.region)
    return pd.DataFrame({"case": case.name, "t_ic": t_ref, "context": context, "hit": hit})[scored]


def main(argv: list[str] | None = None) -> int:
    """Print both tables; exit 2 when mobgap is not installed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--root", type=Path, default=vr.REAL_DIR, help="folder of the real data")
    args = ap.parse_args(argv)
    if importlib.util.find_spec("mobgap") is None:
        print("mobgap is not installed: run  make compare-mobgap", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore")  # mobgap's loaders warn about every unused field
    cases = {c.name: c for c in vr.load_cases(args.root) if c.dataset == "mobgap_lowerback_walk"}
    detect = get_detector("sacrum")
    ours = {
        name: detect(c.recording.streams[0])["t_ic"].to_numpy(float) for name, c in cases.items()
    }
    detections = {("this project", n): t for n, t in ours.items()} | mobgap_detections(args.root)
    table = score_table(detections, cases)
    print("Step detection on Mobilise-D lab recordings (lower back), scored as validate_real.py\n")
    print(table.to_markdown(index=False, floatfmt=".3f"))

    ctx = pd.concat([miss_contexts(c, ours[n]) for n, c in cases.items()], ignore_index=True)
    by = ctx.groupby("context")["hit"].agg(ref_ics="size", missed=lambda h: int((~h).sum()))
    by["missed_pct"] = 100 * by["missed"] / by["ref_ics"]
    print(
        f"\nThis project's misses at ±{1000 * vr.TOLERANCE:.0f} ms by context of the reference IC\n"
    )
    print(by.reset_index().to_markdown(index=False, floatfmt=".1f"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

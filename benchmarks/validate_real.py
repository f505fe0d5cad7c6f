"""Validate the step detectors on the public walking recordings in ``../shared/data/real``.

Run: ``.venv/bin/python benchmarks/validate_real.py [--per-subject] [--per-file]``

Out of sample by construction. The detectors' constants and rules are the model; every
subject on which one of them was chosen or inspected is a *development* subject, written in
:data:`DEV_SUBJECTS`, and every other subject is a *test* subject, scored out of sample. The
headline rows (and the targets of issue 11) are the test subjects'; development rows are
printed beside them, labelled ``dev``, never pooled with them. A constant retuned later must be
chosen on development subjects only. Where a data set has no subject left out (gaitmap,
Mobilise-D, Oxford: one or two people, all used while writing the detectors) its rows are
``dev`` and in-sample, and say so.

Prints one row per data set, placement, condition (Mobilise-D: ``Test5`` straight walk,
``Test11`` daily-living walk) and split, and with ``--per-subject`` one row per subject: step
F1, mean absolute IC and TC error against the data set's own reference, left/right agreement,
and for phones the step-count error of the worst file. Targets (issue 11), on test subjects:

* IPOL feet: F1 ≥ 0.98, TC error ≤ 30 ms; IPOL lower back: F1 ≥ 0.97, left/right ≥ 97 %;
* Mobilise-D lower back: Test5 F1 ≥ 0.98; Test11 F1 ≥ 0.85 at ±100 ms (also shown at ±200 ms);
* phones: step-count error ≤ 2 % in every file;
* IC error ≤ 20 ms (feet) and ≤ 40 ms (lower back) (issue 3).

Matching (``benchmarks._scoring``): one-to-one, mutual nearest neighbours within ±100 ms of the
reference IC (±250 ms for phones in a hand, pocket, bag, armband or neck pouch, whose events
mark the step rhythm rather than the contact instant). Matching runs over the whole recording; then
reference ICs count (TP or FN) inside the scored region, and an unmatched detection counts as
a false positive only inside it (the reference annotates nothing, or only a few events,
outside it). So an event on a region edge can be matched from just across the edge. A
reference TC is scored only when it lies in the same scored interval as its IC (an IPOL
stance before the U-turn is otherwise paired with a toe-off after it). Regions:

* ipol: inside ``TrialBoundaries``, the U-turn (``UTurnBoundaries``) excluded, because the
  reference marks only a few, hand-picked events there. The trial ends *on* the last heel
  strike, so that event sits on the region edge;
* gaitmap: from the first to the last reference IC ±0.3 s (the reference annotates the
  strides of the straight walk only);
* mobgap: inside the INDIP MicroWBs, which by the Mobilise-D definition run from their first
  to their last IC. Where INDIP lists an IC with a side but without a time (NaN in
  ``InitialContact_Event``; mobgap drops these), a step happened at an unknown time, so the
  span between the neighbouring timed ICs (less the tolerance at both ends) is not scored;
* Oxford: the whole file.

The recordings are read with :func:`gait.io.read` (the project's readers). The test
``tests/test_validate_real.py`` calls :func:`evaluate` and fails when a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT, ROOT / "benchmarks"):  # run as a script from anywhere; validate_running beside
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from benchmarks._scoring import score_steps, step_count_error, within  # noqa: E402
from gait.analysis.placements import get_detector  # noqa: E402
from gait.contract.recording import Recording, Stream  # noqa: E402
from gait.io import read  # noqa: E402

#: ``../shared/data/real`` next to the project root.
REAL_DIR = ROOT.parent / "shared" / "data" / "real"

#: IC matching tolerance, s, for contact-level detectors and for cadence-only phone events.
TOLERANCE = 0.1
PHONE_TOLERANCE = 0.25
#: Second, wider tolerance reported for the Mobilise-D daily-living walk (issue 11), s.
WIDE_TOLERANCE = 0.2

#: Development subjects per data set: the detectors' constants and rules were chosen, or their
#: failures inspected, on these. Every subject not listed is a test subject, scored out of
#: sample. The detectors as of issue 3 were tuned on IPOL subjects 1–2, gaitmap, Mobilise-D
#: 001/002 and Oxford user1; issue 11 inspected IPOL subjects 3–5 too (foot pitch sign,
#: lower-back left/right and timing). IPOL subjects 6–10 were never used to choose anything.
DEV_SUBJECTS: dict[str, frozenset[str]] = {
    "gaitmap_feet_walk": frozenset({"gaitmap"}),
    "ipol_feet_lowerback_walk": frozenset({"1", "2", "3", "4", "5"}),
    "mobgap_lowerback_walk": frozenset({"001", "002"}),
    "oxford_phone_walk": frozenset({"user1"}),
    # The running detectors' rules were written while inspecting these trials (branch
    # running); neither folder holds a held-out running subject.
    "bach_shank_run_walk": frozenset({"M80-176", "M60-180"}),
    "alcantara_sacrum_run": frozenset({"alcantara_runner"}),
}

#: Targets of issue 3 (all data): F1 minimum, IC MAE maximum (s) per placement.
F1_MIN = 0.98
IC_MAE_MAX = {"feet": 0.020, "lower back": 0.040}
#: Targets of issue 11, on test subjects: (dataset, placement, condition) → bounds.
#: Keys: ``f1`` minimum, ``tc_mae_ms`` maximum, ``side_pct`` minimum.
TEST_TARGETS: dict[tuple[str, str, str], dict[str, float]] = {
    ("ipol_feet_lowerback_walk", "feet", ""): {"f1": 0.98, "tc_mae_ms": 30.0},
    ("ipol_feet_lowerback_walk", "lower back", ""): {"f1": 0.97, "side_pct": 97.0},
}
#: Mobilise-D F1 minimum per test at ±100 ms (issue 11; the data set has no held-out subject).
MOBGAP_F1_MIN = {"Test5": 0.98, "Test11": 0.85}
#: Phone step-count error maximum, per file (issue 11).
COUNT_ERR_MAX = 0.02


def split_of(dataset: str, subject: str) -> str:
    """``'dev'`` when ``subject`` of ``dataset`` is in :data:`DEV_SUBJECTS`, else ``'test'``."""
    return "dev" if subject in DEV_SUBJECTS.get(dataset, frozenset()) else "test"


@dataclass
class RealCase:
    """One recording with the part of its reference that is scored.

    Attributes
    ----------
    dataset : str
        Folder name.
    name : str
        Recording name.
    recording : Recording
        As read by :func:`gait.io.read`.
    region : ndarray, shape (K, 2)
        Scored intervals, s.
    unscored : ndarray, shape (M, 2)
        Spans inside ``region`` where the reference has a step of unknown time, s;
        detections there are not scored.
    steps_total : int or None
        Reference step count (phone files).
    subject : str
        Person the recording comes from (the unit of the dev/test split).
    condition : str
        Protocol part scored separately (Mobilise-D ``Test5`` / ``Test11``), else ``''``.
    """

    dataset: str
    name: str
    recording: Recording
    region: np.ndarray
    steps_total: int | None = None
    unscored: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    notes: list[str] = field(default_factory=list)
    subject: str = ""
    condition: str = ""

    @property
    def reference(self) -> pd.DataFrame:
        """Reference steps (``side``, ``t_ic``, ``t_tc`` in s)."""
        assert self.recording.reference is not None
        return self.recording.reference.events


def load_cases(root: Path = REAL_DIR) -> list[RealCase]:
    """Every real recording with its scored region (see the module docstring)."""
    cases: list[RealCase] = []
    # gaitmap: two feet in the raw sensor frame
    rec = read(root / "gaitmap_feet_walk" / "imu_sample_not_rotated.csv")
    ic = _ref(rec)["t_ic"]
    cases.append(
        RealCase(
            "gaitmap_feet_walk",
            "imu_sample_not_rotated",
            rec,
            np.array([[ic.min() - 0.3, ic.max() + 0.3]]),
            subject="gaitmap",
        )
    )
    # ipol: one recording per trial (both feet + lower back)
    for js in sorted((root / "ipol_feet_lowerback_walk").glob("*.json")):
        rec = read(root / "ipol_feet_lowerback_walk" / f"{js.stem}_lb.txt")
        seg = _tables(rec)["segments"].set_index("segment")
        t0, t1 = seg.loc["trial", ["t_start", "t_end"]]
        u0, u1 = seg.loc["u_turn", ["t_start", "t_end"]]
        region = np.array([[t0, u0], [u1, t1]], float)
        subject = js.stem.split("-")[0]  # files are named subject-trial
        cases.append(RealCase("ipol_feet_lowerback_walk", js.stem, rec, region, subject=subject))
    # mobgap: every test with an INDIP walking bout
    for mat in sorted((root / "mobgap_lowerback_walk" / "lab").glob("*/*/data.mat")):
        first = read(mat)
        for test in first.meta.extra.get("tests", []):
            rec = read(Path(f"{mat}::{test}"))
            bouts = _tables(rec).get("bouts")
            if rec.reference is None or bouts is None or bouts.empty:
                continue
            region = bouts[["t_start", "t_end"]].to_numpy(float)
            gaps = untimed_ic_spans(mat, test, TOLERANCE)
            cases.append(
                RealCase(
                    "mobgap_lowerback_walk",
                    f"{mat.parent.name}/{test}",
                    rec,
                    region,
                    unscored=gaps,
                    subject=mat.parent.name,
                    condition=next((k for k in test.split("/") if k.startswith("Test")), ""),
                )
            )
    # Oxford: phone in six carry positions
    for csv in sorted((root / "oxford_phone_walk").glob("*.csv")):
        rec = read(csv)
        counts = _tables(rec)["step_counts"].set_index("source")["steps"]
        s = rec.streams[0]
        cases.append(
            RealCase(
                "oxford_phone_walk",
                csv.stem.split("_")[1],  # carry position as in the file name
                rec,
                np.array([[s.t[0], s.t[-1]]]),
                steps_total=int(counts["groundtruth"]),
                subject=csv.stem.split("_")[0],  # user1_<position>.csv
            )
        )
    return cases


def untimed_ic_spans(mat: Path, test: str, margin: float) -> np.ndarray:
    """Spans of a Mobilise-D trial where INDIP lists an IC without a time.

    Parameters
    ----------
    mat : Path
        ``data.mat``.
    test : str
        Trial key as in ``meta.extra['tests']`` (``TimeMeasure1/Test11/Trial1``).
    margin : float
        Trimmed from both ends of each span, s (the matching tolerance), so that detections
        of the neighbouring timed ICs stay scored.

    Returns
    -------
    ndarray, shape (M, 2)
        ``[start, end]`` in s (trial clock, as the reader's reference times).
    """
    import scipy.io

    node = scipy.io.loadmat(str(mat), simplify_cells=True)["data"]
    for key in test.split("/"):
        node = node[key]
    wbs = node.get("Standards", {}).get("INDIP", {}).get("MicroWB", [])
    spans = []
    for wb in [wbs] if isinstance(wbs, dict) else list(np.atleast_1d(wbs)):
        ic = np.atleast_1d(np.asarray(wb.get("InitialContact_Event", []), dtype=np.float64))
        timed = np.flatnonzero(np.isfinite(ic))
        for k in np.flatnonzero(~np.isfinite(ic)):
            before, after = timed[timed < k], timed[timed > k]
            lo = ic[before[-1]] if before.size else float(wb.get("Start", np.nan))
            hi = ic[after[0]] if after.size else float(wb.get("End", np.nan))
            if hi - lo > 2 * margin:
                spans.append((lo + margin, hi - margin))
    return np.asarray(spans, dtype=np.float64).reshape(-1, 2)


def _ref(rec: Recording) -> pd.DataFrame:
    if rec.reference is None:
        raise ValueError("recording has no reference events")
    return rec.reference.events


def _tables(rec: Recording) -> dict[str, pd.DataFrame]:
    return {} if rec.reference is None else rec.reference.tables


def _group(stream: Stream) -> str:
    return {"foot": "feet", "sacrum": "lower back", "phone": "phone", "shank": "shank"}[
        stream.placement
    ]


def tolerances(case: RealCase, stream: Stream) -> tuple[float, ...]:
    """Matching tolerances a stream of ``case`` is scored at, s (the first is the headline)."""
    if stream.placement == "phone" and stream.mount != "belt":
        return (PHONE_TOLERANCE,)
    if case.dataset == "mobgap_lowerback_walk":
        return (TOLERANCE, WIDE_TOLERANCE)
    return (TOLERANCE,)


def score_case(case: RealCase) -> list[dict[str, object]]:
    """Score every stream of one recording against its reference.

    Returns
    -------
    list of dict
        One row per stream and matching tolerance (``tol_ms``): dataset, group, subject,
        split, condition, file, counts (tp/fp/fn), IC/TC errors (s), side agreement and, for
        phones, reference and detected step counts. ``seconds`` (detector time) is given on
        the first tolerance's row only.
    """
    ref = case.reference.copy()
    ref["side"] = ref["side"].fillna("unknown")
    rows: list[dict[str, object]] = []
    for s in case.recording.streams:
        error = ""
        try:
            detect = get_detector(s.placement)  # imported outside the timing
            t0 = time.perf_counter()
            det = detect(s)
        # A detector crash of any kind is scored as a miss and reported in the row, so the
        # other files are still scored.
        except Exception as exc:  # noqa: BLE001
            t0 = time.perf_counter()
            det = pd.DataFrame({"side": [], "t_ic": [], "t_tc": []})
            error = f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - t0
        r = ref
        if s.placement in ("foot", "shank") and s.side is not None:
            r = ref[ref["side"] == s.side]  # one foot sensor sees its own contacts
        for k, tol in enumerate(tolerances(case, s)):
            sc = score_detections(r, det, tol, case.region, case.unscored)
            rows.append(
                {
                    "dataset": case.dataset,
                    "group": _group(s),
                    "subject": case.subject,
                    "split": split_of(case.dataset, case.subject),
                    "condition": case.condition,
                    "tol_ms": round(1000 * tol),
                    "file": f"{case.name}:{s.name}",
                    "n_ref": sc.tp + sc.fn,
                    "n_det": sc.tp + sc.fp,
                    "tp": sc.tp,
                    "fp": sc.fp,
                    "fn": sc.fn,
                    "ic_err": sc.ic_err,
                    "tc_err": sc.tc_err,
                    "ic_conf": sc.ic_conf,
                    "tc_conf": sc.tc_conf,
                    "side_correct": sc.side_correct,
                    "side_known": sc.side_known,
                    "steps_ref": case.steps_total,
                    "steps_det": len(det) if case.steps_total is not None else None,
                    "seconds": elapsed if k == 0 else 0.0,
                    "duration": s.duration if k == 0 else 0.0,
                    "error": error,
                }
            )
    return rows


@dataclass
class Score:
    """Counts and errors of one stream against its reference (see :func:`score_detections`)."""

    tp: int
    fp: int
    fn: int
    ic_err: np.ndarray
    tc_err: np.ndarray
    side_correct: int
    side_known: int
    #: Detector confidence of each step in ``ic_err`` / ``tc_err`` (NaN when it gives none).
    ic_conf: np.ndarray = field(default_factory=lambda: np.empty(0))
    tc_conf: np.ndarray = field(default_factory=lambda: np.empty(0))


def score_detections(
    ref: pd.DataFrame, det: pd.DataFrame, tol: float, region: np.ndarray, unscored: np.ndarray
) -> Score:
    """Score one stream against its reference inside the scored region.

    Detected and reference ICs are matched one to one over the whole recording (a detection
    may match a reference event just across a region edge); then a reference IC counts (TP or
    FN) when it lies inside ``region``, and an unmatched detection is a false positive only
    inside ``region`` (nothing is annotated outside it) and outside ``unscored``. A detection
    matched to a reference IC outside the region is neither. IC and TC errors and the side
    agreement are taken over the counted pairs.
    """
    ref = (
        ref[np.isfinite(ref["t_ic"].to_numpy(float))]
        .sort_values("t_ic", kind="stable")
        .reset_index(drop=True)
    )
    t = det["t_ic"].to_numpy(float)
    keep = np.isfinite(t)
    if len(unscored):
        keep &= ~within(t, unscored)
    det = det[keep].sort_values("t_ic", kind="stable").reset_index(drop=True)
    sc = score_steps(ref, det, tol)
    m = sc.ic
    r_in = within(ref["t_ic"].to_numpy(float), region)
    d_in = within(det["t_ic"].to_numpy(float), region)
    counted = r_in[m.ref_idx]
    matched_det = np.zeros(len(det), dtype=bool)
    matched_det[m.det_idx] = True
    ri, di = m.ref_idx[counted], m.det_idx[counted]
    tc_err = np.empty(0)
    conf = det["confidence"].to_numpy(float) if "confidence" in det else np.full(len(det), np.nan)
    tc_conf = np.empty(0)
    if "t_tc" in ref and "t_tc" in det:
        r_ic, r_tc = ref["t_ic"].to_numpy(float)[ri], ref["t_tc"].to_numpy(float)[ri]
        tc_err = det["t_tc"].to_numpy(float)[di] - r_tc
        scored = np.isfinite(tc_err) & same_interval(r_ic, r_tc, region)
        tc_err, tc_conf = tc_err[scored], conf[di][scored]
    rs = ref["side"].astype(str).to_numpy()[ri] if "side" in ref else np.full(ri.size, "unknown")
    ds = det["side"].astype(str).to_numpy()[di] if "side" in det else np.full(di.size, "unknown")
    known = np.isin(rs, ("left", "right")) & np.isin(ds, ("left", "right"))
    tp = int(counted.sum())
    return Score(
        tp=tp,
        fp=int(np.sum(~matched_det & d_in)),
        fn=int(r_in.sum()) - tp,
        ic_err=m.errors[counted],
        tc_err=tc_err,
        side_correct=int(np.sum(known & (rs == ds))),
        side_known=int(np.sum(known)),
        ic_conf=conf[di],
        tc_conf=tc_conf,
    )


def same_interval(a: np.ndarray, b: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Whether ``a[k]`` and ``b[k]`` (s) lie in one and the same interval of ``region``."""
    reg = np.asarray(region, dtype=np.float64).reshape(-1, 2)
    ina = (a[:, None] >= reg[None, :, 0]) & (a[:, None] <= reg[None, :, 1])
    inb = (b[:, None] >= reg[None, :, 0]) & (b[:, None] <= reg[None, :, 1])
    return np.asarray((ina & inb).any(axis=1))


#: Columns of the summary (one row per data set, placement, condition, split, tolerance) and
#: of the per-subject table.
SUMMARY_KEYS = ["dataset", "placement", "condition", "split", "tol_ms"]
SUBJECT_KEYS = ["dataset", "placement", "condition", "subject", "split", "tol_ms"]


def evaluate(root: Path = REAL_DIR) -> pd.DataFrame:
    """Run every detector on every real recording.

    Returns
    -------
    DataFrame
        One row per stream and matching tolerance (see :func:`score_case`; the placement
        group is in ``placement``). Aggregate with :func:`summarize`.
    """
    cases = sorted(
        load_cases(root), key=lambda c: (c.dataset, _natural(c.subject), _natural(c.name))
    )
    rows = [row for case in cases for row in score_case(case)]
    return pd.DataFrame(rows).rename(columns={"group": "placement"})


def _natural(name: str) -> tuple[object, ...]:
    """Sort key that puts subject 10 after subject 9."""
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def summarize(per_file: pd.DataFrame, keys: list[str] | None = None) -> pd.DataFrame:
    """Pool the per-stream rows of :func:`evaluate` by ``keys`` (default :data:`SUMMARY_KEYS`).

    Returns
    -------
    DataFrame
        ``keys`` plus ``subjects``, ``files``, ``ref_steps``, ``tp``, ``fp``, ``fn``, ``f1``,
        ``ic_mae_ms``, ``ic_bias_ms``, ``tc_mae_ms``, ``side_pct``, ``count_err_pct``
        (largest per-file phone step-count error), ``ms_per_min`` (detector time per minute
        of data), ``errors``.
    """
    keys = SUMMARY_KEYS if keys is None else keys
    out = []
    for vals, g in per_file.groupby(keys, sort=False):
        tp, fp, fn = int(g["tp"].sum()), int(g["fp"].sum()), int(g["fn"].sum())
        ic = np.concatenate(list(g["ic_err"])) if len(g) else np.empty(0)
        tc = np.concatenate(list(g["tc_err"])) if len(g) else np.empty(0)
        known = int(g["side_known"].sum())
        cnt = [
            step_count_error(int(a), int(b))
            for a, b in zip(g["steps_ref"], g["steps_det"], strict=True)
            if a is not None and not pd.isna(a)
        ]
        row = dict(zip(keys, vals if isinstance(vals, tuple) else (vals,), strict=True))
        row.update(
            {
                "subjects": g["subject"].nunique(),
                "files": len(g),
                "ref_steps": int(g["n_ref"].sum()),
                "tp": tp,
                "fp": fp,
                "fn": fn,
                "f1": 2 * tp / (2 * tp + fp + fn) if (tp + fp + fn) else 1.0,
                "ic_mae_ms": 1000 * float(np.mean(np.abs(ic))) if ic.size else float("nan"),
                "ic_bias_ms": 1000 * float(np.mean(ic)) if ic.size else float("nan"),
                "tc_mae_ms": 1000 * float(np.mean(np.abs(tc))) if tc.size else float("nan"),
                "side_pct": 100 * int(g["side_correct"].sum()) / known if known else float("nan"),
                "count_err_pct": 100 * max(cnt) if cnt else float("nan"),
                "ms_per_min": (
                    1000 * float(g["seconds"].sum()) / (float(g["duration"].sum()) / 60)
                    if float(g["duration"].sum()) > 0
                    else float("nan")
                ),
                "errors": "; ".join(e for e in g["error"] if e),
            }
        )
        out.append(row)
    return pd.DataFrame(out)


def running_summary(
    root: Path = REAL_DIR, keys: tuple[str, ...] = ("dataset", "activity", "split")
) -> pd.DataFrame:
    """The running data sets (shank and sacrum against force plates), pooled by ``keys``.

    Scores come from ``benchmarks/validate_running.py`` (its readers, matching and reference
    contacts; one row per trial), pooled here: F1 from the pooled counts, IC MAE weighted by
    the matched steps, GCT MAE over every matched step with a contact time, TC coverage (share
    of matched steps with a contact time), worst per-trial cadence error (steps/min).
    ``keys`` may include ``subject``.
    """
    import validate_running

    table = validate_running.evaluate(root)
    if table.empty:
        return pd.DataFrame()
    table = table.assign(
        split=[split_of(d, s) for d, s in zip(table["dataset"], table["subject"], strict=True)]
    )
    table["tp"] = np.rint(table["f1"] * (table["n_ref"] + table["n_det"]) / 2)
    out = []
    for vals, g in table.groupby(list(keys), sort=False):
        tp, n_ref, n_det = float(g["tp"].sum()), int(g["n_ref"].sum()), int(g["n_det"].sum())
        gct = np.concatenate(list(g["abs_gct_err"])) if len(g) else np.empty(0)
        row = dict(zip(keys, vals if isinstance(vals, tuple) else (vals,), strict=True))
        row.update(
            {
                "placement": "shank"
                if g["dataset"].iloc[0] == validate_running.BACH
                else "lower back",
                "subjects": g["subject"].nunique(),
                "files": len(g),
                "ref_steps": n_ref,
                "f1": 2 * tp / (n_ref + n_det) if (n_ref + n_det) else 1.0,
                "ic_mae_ms": float(np.average(g["ic_mae_ms"], weights=g["tp"]))
                if tp
                else float("nan"),
                "gct_mae_ms": 1000 * float(np.mean(gct)) if gct.size else float("nan"),
                "tc_coverage_pct": 100 * float(np.average(g["tc_coverage"], weights=g["tp"]))
                if tp
                else float("nan"),
                "cadence_err_spm": float(g["cadence_err_spm"].max()),
            }
        )
        out.append(row)
    return pd.DataFrame(out)


def check_targets(summary: pd.DataFrame) -> list[str]:
    """Human-readable list of missed targets (empty when all are met).

    ``summary`` is :func:`summarize` with the default keys. Checked: no detector error; issue
    3's IC error bounds and F1 ≥ 0.98 where issue 11 sets no other F1 target; issue 11's
    targets on test subjects (:data:`TEST_TARGETS`), per Mobilise-D test
    (:data:`MOBGAP_F1_MIN`) and per phone file (:data:`COUNT_ERR_MAX`).
    """
    missed = []
    for _, r in summary.iterrows():
        cond = str(r.get("condition", ""))
        name = (
            f"{r['dataset']} / {r['placement']}"
            + (f" / {cond}" if cond else "")
            + f" / {r.get('split', '')}"
        )
        if r["errors"]:
            missed.append(f"{name}: detector error {r['errors']}")
        if r.get("tol_ms", 100) not in (100, 1000 * PHONE_TOLERANCE):
            continue  # wider tolerances are reported, not targets
        key = (str(r["dataset"]), str(r["placement"]), cond)
        if r["dataset"] == "mobgap_lowerback_walk":
            f1_min = MOBGAP_F1_MIN.get(cond, F1_MIN)
        elif key in TEST_TARGETS:
            f1_min = TEST_TARGETS[key]["f1"] if r.get("split") == "test" else float("nan")
        else:
            f1_min = F1_MIN
        if f1_min == f1_min and not r["f1"] >= f1_min:
            missed.append(f"{name}: F1 {r['f1']:.3f} < {f1_min}")
        lim = IC_MAE_MAX.get(str(r["placement"]))
        if lim is not None and not r["ic_mae_ms"] <= 1000 * lim:
            missed.append(f"{name}: IC error {r['ic_mae_ms']:.1f} ms > {1000 * lim:.0f} ms")
        bounds = TEST_TARGETS.get(key, {}) if r.get("split") == "test" else {}
        if "tc_mae_ms" in bounds and not r["tc_mae_ms"] <= bounds["tc_mae_ms"]:
            missed.append(
                f"{name}: TC error {r['tc_mae_ms']:.1f} ms > {bounds['tc_mae_ms']:.0f} ms"
            )
        if "side_pct" in bounds and not r["side_pct"] >= bounds["side_pct"]:
            missed.append(f"{name}: left/right {r['side_pct']:.1f} % < {bounds['side_pct']:.0f} %")
        if r["placement"] == "phone" and not r["count_err_pct"] <= 100 * COUNT_ERR_MAX:
            missed.append(
                f"{name}: step-count error {r['count_err_pct']:.1f} % > {100 * COUNT_ERR_MAX:.0f} %"
            )
    return missed


#: Confidence band edges per placement for :func:`confidence_table` (the last edge is above 1
#: so that confidence 1.0 falls in the top band).
CONFIDENCE_EDGES: dict[str, tuple[float, ...]] = {
    "feet": (0.0, 0.5, 0.8, 1.01),
}
DEFAULT_CONFIDENCE_EDGES: tuple[float, ...] = (0.0, 0.35, 0.45, 0.55, 0.7, 1.01)


def confidence_table(
    per_file: pd.DataFrame,
    keys: tuple[str, ...] = ("dataset", "placement", "split"),
    edges: dict[str, tuple[float, ...]] | None = None,
) -> pd.DataFrame:
    """Per-step IC and TC errors by confidence band (does the detector's confidence predict error?).

    Parameters
    ----------
    per_file : DataFrame
        :func:`evaluate` output; only the headline tolerance (±100 ms, ±250 ms for phones) is used.
    keys : tuple of str
        Columns the steps are pooled by before banding.
    edges : dict, optional
        Band edges per placement; default :data:`CONFIDENCE_EDGES`.

    Returns
    -------
    DataFrame
        ``keys`` plus ``band`` (``[lo, hi)`` of the step confidence), ``steps`` (matched
        steps), ``ic_mae_ms``, ``ic_p90_ms``, ``tc_steps``, ``tc_mae_ms``, ``tc_p90_ms``
        (absolute errors, ms).
    """
    head = per_file[
        per_file["tol_ms"].isin((round(1000 * TOLERANCE), round(1000 * PHONE_TOLERANCE)))
    ]
    rows = []
    for vals, g in head.groupby(list(keys), sort=False):
        ic = np.abs(np.concatenate(list(g["ic_err"]))) * 1000
        tc = np.abs(np.concatenate(list(g["tc_err"]))) * 1000
        ic_c, tc_c = np.concatenate(list(g["ic_conf"])), np.concatenate(list(g["tc_conf"]))
        placement = str(dict(zip(keys, vals, strict=True)).get("placement", ""))
        cuts = (CONFIDENCE_EDGES if edges is None else edges).get(
            placement, DEFAULT_CONFIDENCE_EDGES
        )
        for lo, hi in pairwise(cuts):
            mi, mt = (ic_c >= lo) & (ic_c < hi), (tc_c >= lo) & (tc_c < hi)
            if not mi.any():
                continue
            row = dict(zip(keys, vals, strict=True))
            row.update(
                {
                    "band": f"[{lo:.2f}, {min(hi, 1.0):.2f}" + ("]" if hi > 1.0 else ")"),
                    "steps": int(mi.sum()),
                    "ic_mae_ms": float(np.mean(ic[mi])),
                    "ic_p90_ms": float(np.percentile(ic[mi], 90)),
                    "tc_steps": int(mt.sum()),
                    "tc_mae_ms": float(np.mean(tc[mt])) if mt.any() else float("nan"),
                    "tc_p90_ms": float(np.percentile(tc[mt], 90)) if mt.any() else float("nan"),
                }
            )
            rows.append(row)
    return pd.DataFrame(rows)


def _fmt(v: object, spec: str) -> str:
    return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, spec)


def render(table: pd.DataFrame) -> str:
    """Markdown table of :func:`summarize` output (any keys)."""
    keys = [k for k in (*SUBJECT_KEYS, "activity") if k in table.columns]
    cols = [
        *keys,
        "subjects",
        "files",
        "ref_steps",
        "f1",
        "ic_mae_ms",
        "ic_bias_ms",
        "tc_mae_ms",
        "gct_mae_ms",
        "tc_coverage_pct",
        "side_pct",
        "count_err_pct",
        "cadence_err_spm",
        "ms_per_min",
    ]
    cols = [c for c in cols if c in table.columns]
    spec = {
        "f1": ".3f",
        "ic_mae_ms": ".1f",
        "ic_bias_ms": "+.1f",
        "tc_mae_ms": ".1f",
        "side_pct": ".1f",
        "count_err_pct": ".1f",
        "ms_per_min": ".1f",
        "gct_mae_ms": ".1f",
        "tc_coverage_pct": ".0f",
        "cadence_err_spm": ".2f",
    }
    head = "| " + " | ".join(c.replace("_", " ") for c in cols) + " |\n|" + "---|" * len(cols)
    lines = [head]
    for _, r in table.iterrows():
        lines.append("| " + " | ".join(_fmt(r[c], spec.get(c, "")) for c in cols) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the validation tables; exit status 0 (1 with ``--strict`` when a target is missed)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--per-subject", action="store_true", help="also print one row per subject")
    ap.add_argument("--per-file", action="store_true", help="also print one row per stream")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--root", type=Path, default=REAL_DIR, help="folder of the real data")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    per_file = evaluate(args.root)
    summary = summarize(per_file)
    print(render(summary))
    running = running_summary(args.root)
    print(
        "\nRunning data sets (scored by benchmarks/validate_running.py; GCT = contact time, TC - "
        "IC)\n"
    )
    print(render(running))
    if args.per_subject:
        print()
        print(render(summarize(per_file, SUBJECT_KEYS)))
        print()
        print(render(running_summary(args.root, ("dataset", "activity", "subject", "split"))))
    if args.per_file:
        cols = [
            "dataset",
            "split",
            "tol_ms",
            "file",
            "n_ref",
            "tp",
            "fp",
            "fn",
            "steps_ref",
            "steps_det",
            "error",
        ]
        pf = per_file[cols].copy()
        pf["ic_mae_ms"] = [
            1000 * np.mean(np.abs(e)) if len(e) else np.nan for e in per_file["ic_err"]
        ]
        pf["tc_mae_ms"] = [
            1000 * np.mean(np.abs(e)) if len(e) else np.nan for e in per_file["tc_err"]
        ]
        print(pf.to_string(index=False))
    print("\nPer-step absolute error by detector confidence (headline tolerance)\n")
    print(per_file.pipe(confidence_table).to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    missed = check_targets(summary)
    print(
        f"\nmatching: ±{1000 * TOLERANCE:.0f} ms (phones carried off-trunk "
        f"±{1000 * PHONE_TOLERANCE:.0f} ms); dev = subjects the detectors were tuned or inspected "
        f"on, test = out of sample; total {time.perf_counter() - t0:.1f} s"
    )
    print("targets: all met" if not missed else "targets missed:\n  " + "\n  ".join(missed))
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    raise SystemExit(main())

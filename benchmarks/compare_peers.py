"""Whole-process speed and memory, side by side with other open gait pipelines.

Run: ``make compare-peers`` (a venv of its own, ``.venv-peers``: the peers bring numba,
scikit-learn, lightgbm and pytest plugins, which stay out of the test venv).

Each side runs as a fresh process on the same file, the way a user runs it, and is timed
from start to exit: wall time, CPU time (user + sys, less sensitive to a busy machine) and
peak RSS (``ru_maxrss`` of the child). Sides alternate A B A B ... over ``--runs`` pairs
(``--slow-runs`` for the slow peers) and the table gives the medians and the median of the
per-pair ratios peer / ours.

Data (built once into a temporary folder from ``../shared/data/real/``):

* **lumbar hour**: the IPOL lower-back trials (XSens MTw, 100 Hz; Voisard et al. 2023, IPOL
  13:155) concatenated in file order, tiled to 3600 s, written as one CSV with columns
  ``t, acc_x.., gyr_x..`` in g and deg/s (the units of a typical logger export).
  This project: ``gait analyze FILE --placement sacrum --acc-unit g --gyr-unit deg/s
  --steps-csv --summary-json --no-save``. scikit-digital-health 0.17:
  ``ReadCSV`` → ``PredictGaitLumbarLgbm`` → ``GaitLumbar`` (its documented lumbar pipeline),
  results saved to CSV. mobgap 1.2: ``MobilisedPipelineUniversal`` on the same samples (acc in
  m/s², gyr in deg/s, the sensor's X axis is vertical as Mobilise-D expects), results saved
  to CSV.
* **two-feet hour**: gaitmap's own example recording (two foot IMUs, 204.8 Hz, gaitmap's foot
  frame) tiled to 3600 s in gaitmap's two-row-header CSV. This project: ``gait analyze FILE
  --format gaitmap --steps-csv --summary-json --no-save``. gaitmap 2.6 (with gaitmap_mad): its
  MaD pipeline, gravity alignment → ``BarthDtw`` → ``RamppEventDetection`` →
  ``StrideLevelTrajectory`` → temporal and spatial parameters, saved to CSV.

Peers run with their defaults; the subject height handed to those that want one is the median
height of the IPOL subjects used (skdh, mobgap) or 1.75 m (gaitmap needs none).

Usage::

    python benchmarks/compare_peers.py [--runs 5] [--slow-runs 2] [--peers skdh,mobgap,gaitmap]
        [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"
IPOL = REAL / "ipol_feet_lowerback_walk"
GAITMAP = REAL / "gaitmap_feet_walk" / "imu_sample.csv"
HOUR = 3600.0
#: Standard gravity, m/s² (the unit conversion of the lumbar CSV).
G = 9.80665


# ---------------------------------------------------------------- data


def build_lumbar_csv(out: Path) -> float:
    """Write the lumbar hour; returns the median subject height, m."""
    import numpy as np

    files = sorted(IPOL.glob("*_lb.txt"))
    if not files:
        raise SystemExit(f"no IPOL lower-back files in {IPOL}")
    blocks = []
    heights = []
    for f in files:
        # header: 'Acquisition frequency: 100 Hz', then PacketCounter Acc_X.. Gyr_X.. Mag_X..
        a = np.loadtxt(f, skiprows=2, usecols=range(1, 7), dtype=np.float64)
        blocks.append(a)
        meta = json.loads(f.with_name(f.name.replace("_lb.txt", ".json")).read_text())
        if isinstance(meta.get("Height"), int | float) and meta["Height"] == meta["Height"]:
            heights.append(float(meta["Height"]) / 100.0)
    one = np.concatenate(blocks)
    fs = 100.0
    n = int(HOUR * fs)
    data = np.concatenate([one] * (n // len(one) + 1))[:n]
    t = np.arange(n) / fs
    cols = np.column_stack([t, data[:, :3] / G, np.degrees(data[:, 3:6])])
    np.savetxt(
        out,
        cols,
        delimiter=",",
        fmt="%.6f",
        header="t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z",
        comments="",
    )
    return float(np.median(heights))


def build_feet_csv(out: Path) -> None:
    """Write the two-feet hour in gaitmap's CSV layout (sample number in the first column)."""
    lines = GAITMAP.read_text().splitlines()
    head, body = lines[:2], [ln.split(",", 1)[1] for ln in lines[2:] if ln]
    n = int(HOUR * 204.8)
    with out.open("w") as fh:
        fh.write("\n".join(head) + "\n")
        for i in range(n):
            fh.write(f"{i},{body[i % len(body)]}\n")


# ---------------------------------------------------------------- peers (run in a child)


def peer_skdh(csv: str, out: str, height: float) -> None:
    """scikit-digital-health's lumbar pipeline on the CSV."""
    from skdh import Pipeline
    from skdh.context import PredictGaitLumbarLgbm
    from skdh.gait import GaitLumbar
    from skdh.io import ReadCSV

    p = Pipeline()
    p.add(
        ReadCSV(
            time_col_name="t",
            column_names={
                "accel": ["acc_x", "acc_y", "acc_z"],
                "gyro": ["gyr_x", "gyr_y", "gyr_z"],
            },
            to_datetime_kwargs={"unit": "s"},
            ext_error="skip",
        )
    )
    p.add(PredictGaitLumbarLgbm())
    p.add(GaitLumbar(), save_file=str(Path(out) / "skdh_gait.csv"))
    p.run(file=csv, height=height)


def peer_mobgap(csv: str, out: str, height: float) -> None:
    """Run mobgap's MobilisedPipelineUniversal on the same samples."""
    import numpy as np
    import pandas as pd
    from mobgap.data import GaitDatasetFromData
    from mobgap.pipeline import MobilisedPipelineUniversal

    df = pd.read_csv(csv)
    data = pd.DataFrame(
        {
            c: df[c].to_numpy() * (G if c.startswith("acc") else 1.0)
            for c in ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
        }
    )
    data.index.name = "samples"
    ds = GaitDatasetFromData(
        {("p1",): {"LowerBack": data}},
        100.0,
        {("p1",): {"height_m": height, "sensor_height_m": 0.53 * height, "cohort": "HA"}},
        {("p1",): {"measurement_condition": "free_living"}},
        single_sensor_name="LowerBack",
        index_cols=["participant"],
    )
    res = MobilisedPipelineUniversal().safe_run(ds[0])
    per_wb = res.per_wb_parameters_
    per_wb.to_csv(Path(out) / "mobgap_wb.csv")
    del np


def peer_gaitmap(csv: str, out: str, height: float) -> None:
    """Run gaitmap's MaD pipeline on the two-feet CSV."""
    import pandas as pd
    from gaitmap.event_detection import RamppEventDetection
    from gaitmap.parameters import SpatialParameterCalculation, TemporalParameterCalculation
    from gaitmap.preprocessing import sensor_alignment
    from gaitmap.stride_segmentation import BarthDtw
    from gaitmap.trajectory_reconstruction import StrideLevelTrajectory
    from gaitmap.utils.coordinate_conversion import convert_to_fbf

    fs = 204.8
    data = pd.read_csv(csv, header=[0, 1], index_col=0)
    data = data.sort_index(axis=1)
    aligned = sensor_alignment.align_dataset_to_gravity(data, fs)
    bf = convert_to_fbf(aligned, left_like="left_", right_like="right_")
    dtw = BarthDtw().segment(data=bf, sampling_rate_hz=fs)
    ed = RamppEventDetection().detect(data=bf, stride_list=dtw.stride_list_, sampling_rate_hz=fs)
    traj = StrideLevelTrajectory().estimate(
        data=aligned, stride_event_list=ed.min_vel_event_list_, sampling_rate_hz=fs
    )
    temporal = TemporalParameterCalculation().calculate(
        stride_event_list=ed.min_vel_event_list_, sampling_rate_hz=fs
    )
    spatial = SpatialParameterCalculation().calculate(
        stride_event_list=ed.min_vel_event_list_,
        positions=traj.position_,
        orientations=traj.orientation_,
        sampling_rate_hz=fs,
    )
    for side, t in temporal.parameters_.items():
        t.join(spatial.parameters_[side], rsuffix="_s").to_csv(Path(out) / f"gaitmap_{side}.csv")
    del height


PEERS = {"skdh": peer_skdh, "mobgap": peer_mobgap, "gaitmap": peer_gaitmap}
#: Which data each peer runs on.
DATA = {"skdh": "lumbar", "mobgap": "lumbar", "gaitmap": "feet"}
LABEL = {
    "skdh": "scikit-digital-health 0.17 (PredictGaitLumbarLgbm → GaitLumbar)",
    "mobgap": "mobgap 1.2 (MobilisedPipelineUniversal)",
    "gaitmap": "gaitmap 2.6 (MaD: BarthDtw → Rampp → trajectory → parameters)",
}


# ---------------------------------------------------------------- timing


def run_process(cmd: list[str]) -> dict[str, float]:
    """Run ``cmd`` to completion; wall s, CPU s (user + sys) and peak RSS MB of the child."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd[:4])} ... failed:\n{err.decode(errors='replace')[-3000:]}"
        )
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss": ru.ru_maxrss / 1024.0}


def ours_cmd(kind: str, data: Path, out: Path) -> list[str]:
    """The command line a user types, for this project."""
    opts = (
        ["--placement", "sacrum", "--acc-unit", "g", "--gyr-unit", "deg/s"]
        if kind == "lumbar"
        else ["--format", "gaitmap"]
    )
    return [
        sys.executable,
        "-m",
        "gait",
        "analyze",
        str(data),
        *opts,
        "--steps-csv",
        str(out / "steps.csv"),
        "--summary-json",
        str(out / "summary.json"),
        "--no-save",
    ]


def compare(peer: str, data: Path, height: float, runs: int, out: Path) -> dict[str, float]:
    """Alternate ours and ``peer`` ``runs`` times; medians and median per-pair ratios."""
    ours, theirs = [], []
    peer_cmd = [sys.executable, __file__, "--_peer", peer, str(data), str(out), str(height)]
    for _ in range(runs):
        ours.append(run_process(ours_cmd(DATA[peer], data, out)))
        theirs.append(run_process(peer_cmd))
    med = statistics.median
    row = {f"ours_{k}": med(r[k] for r in ours) for k in ("wall", "cpu", "rss")}
    row.update({f"peer_{k}": med(r[k] for r in theirs) for k in ("wall", "cpu", "rss")})
    for k in ("wall", "cpu", "rss"):
        row[f"ratio_{k}"] = med(t[k] / o[k] for o, t in zip(ours, theirs, strict=True))
    return row


def main(argv: list[str] | None = None) -> int:
    """Build the data, run every pair and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="A B pairs for skdh (default 5)")
    ap.add_argument(
        "--slow-runs",
        type=int,
        default=2,
        help="A B pairs for mobgap and gaitmap (default 2: minutes and GBs per run)",
    )
    ap.add_argument("--peers", default="skdh,mobgap,gaitmap", help="comma-separated peers")
    ap.add_argument("--keep", metavar="DIR", help="build the data here and keep it")
    ap.add_argument("--_peer", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._peer:
        name, data, out, height = args._peer
        PEERS[name](data, out, float(height))
        return 0
    peers = [p for p in args.peers.split(",") if p]
    for p in peers:
        if p not in PEERS:
            raise SystemExit(f"unknown peer {p!r}; choose from {sorted(PEERS)}")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="peers-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        lumbar, feet = work / "lumbar_1h.csv", work / "feet_1h.csv"
        height = 1.75
        if any(DATA[p] == "lumbar" for p in peers):
            if not lumbar.exists() or not (work / "height.txt").exists():
                (work / "height.txt").write_text(str(build_lumbar_csv(lumbar)))
            height = float((work / "height.txt").read_text())
        if any(DATA[p] == "feet" for p in peers) and not feet.exists():
            build_feet_csv(feet)
        rows = []
        for p in peers:
            out = work / f"out_{p}"
            out.mkdir(exist_ok=True)
            data = lumbar if DATA[p] == "lumbar" else feet
            runs = args.runs if p == "skdh" else args.slow_runs
            rows.append((p, runs, compare(p, data, height, runs, out)))
            print(f"[done] {p}", file=sys.stderr, flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("whole process, medians of alternating runs (ratio = peer / ours, median per pair)")
    print(
        "| data | peer | runs | ours wall s | peer wall s | wall ratio | ours CPU s | peer CPU s | "
        "CPU ratio | ours peak MB | peer peak MB | RSS ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for p, runs, r in rows:
        print(
            f"| {DATA[p]} 1 h | {LABEL[p]} | {runs} | {r['ours_wall']:.2f} | {r['peer_wall']:.2f} "
            f"| {r['ratio_wall']:.1f}× | {r['ours_cpu']:.2f} | {r['peer_cpu']:.2f} | "
            f"{r['ratio_cpu']:.1f}× | {r['ours_rss']:.0f} | {r['peer_rss']:.0f} | "
            f"{r['ratio_rss']:.2f}× |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

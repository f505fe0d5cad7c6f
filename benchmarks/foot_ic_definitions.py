"""Which foot event each real reference calls initial contact (why gaitmap reads +21 ms).

Run: ``.venv/bin/python benchmarks/foot_ic_definitions.py``

The foot detector times IC at the impact (:func:`gait.analysis.placements.foot._contact_index`).
This scores that IC and a second candidate event against the reference ICs of the real foot
recordings (gaitmap: motion capture; IPOL: detected, then checked by hand), per data set and
subject: the **toes-up peak** of the foot, i.e. the last positive-to-negative zero crossing of
the pitch rate (30 Hz low-pass, as the detector's) at or before the detected IC, interpolated
between samples. Same matching and scored regions as ``benchmarks/validate_real.py`` (±100 ms,
one-to-one). Nothing is tuned here: it measures how far apart the two references' definitions
of IC lie, which bounds what one detector can match on both.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from validate_real import load_cases, score_detections, split_of

from gait.analysis.placements._signal import lowpass
from gait.analysis.placements.foot import FootDetector, pitch_axis
from gait.contract.recording import Stream

#: Data sets with foot sensors and reference ICs.
FOOT_SETS = ("gaitmap_feet_walk", "ipol_feet_lowerback_walk")


def toes_up_peak(stream: Stream, t_ic: np.ndarray) -> np.ndarray:
    """Time of the toes-up peak of the foot at or before each IC, s.

    Parameters
    ----------
    stream : Stream
        Foot stream with a gyroscope (rad/s), uniformly sampled.
    t_ic : ndarray
        Detected initial contacts, s.

    Returns
    -------
    ndarray
        The last positive-to-negative zero crossing of the pitch rate (toes up positive,
        30 Hz low-pass) at or before each IC, linearly interpolated, s; NaN where none.
    """
    assert stream.gyr is not None
    fs = float(stream.rate)
    p = lowpass(stream.gyr @ pitch_axis(stream.gyr, fs), fs, min(30.0, 0.4 * fs))
    idx = np.arange(p.size)
    last_pos = np.maximum.accumulate(np.where(p > 0, idx, -1))
    i = np.clip(np.searchsorted(stream.t, t_ic, side="right") - 1, 0, p.size - 2)
    k = last_pos[i]
    ok = (k >= 0) & (k < p.size - 1)
    k = np.clip(k, 0, p.size - 2)
    den = np.where(p[k] != p[k + 1], p[k] - p[k + 1], 1.0)
    frac = np.clip(p[k] / den, 0.0, 1.0)
    t = stream.t[k] + frac * (stream.t[k + 1] - stream.t[k])
    return np.where(ok, t, np.nan)


def evaluate() -> pd.DataFrame:
    """Signed IC errors of the detector's IC and of the toes-up peak, per data set and subject.

    Returns
    -------
    DataFrame
        ``dataset``, ``subject``, ``split``, ``event`` (``impact (detector)`` or ``toes-up
        peak``), ``steps`` (matched), ``bias_ms`` and ``mae_ms`` against the reference IC.
    """
    errs: dict[tuple[str, str, str], list[np.ndarray]] = {}
    detector = FootDetector()
    for case in load_cases():
        if case.dataset not in FOOT_SETS:
            continue
        for s in case.recording.streams:
            if s.placement != "foot" or s.gyr is None:
                continue
            det = detector(s)
            ref = case.reference[case.reference["side"] == s.side]
            zc = det.assign(t_ic=toes_up_peak(s, det["t_ic"].to_numpy(np.float64)))
            zc = zc[np.isfinite(zc["t_ic"].to_numpy(np.float64))]
            for event, d in (("impact (detector)", det), ("toes-up peak", zc)):
                sc = score_detections(ref, d, 0.1, case.region, case.unscored)
                errs.setdefault((case.dataset, case.subject, event), []).append(sc.ic_err)
    rows = []
    for (dataset, subject, event), e in errs.items():
        x = 1000 * np.concatenate(e)
        rows.append(
            {
                "dataset": dataset,
                "subject": subject,
                "split": split_of(dataset, subject),
                "event": event,
                "steps": x.size,
                "bias_ms": float(np.mean(x)) if x.size else float("nan"),
                "mae_ms": float(np.mean(np.abs(x))) if x.size else float("nan"),
            }
        )
    table = pd.DataFrame(rows)
    order = [int(x) if x.isdigit() else -1 for x in table["subject"]]
    return table.assign(_o=order).sort_values(["dataset", "_o"], kind="stable").drop(columns="_o")


def main() -> int:
    """Print the table: one row per data set, subject and event."""
    table = evaluate()
    wide = table.pivot_table(
        index=["dataset", "subject", "split"],
        columns="event",
        values=["bias_ms", "mae_ms"],
        sort=False,
    )
    print(wide.round(1).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

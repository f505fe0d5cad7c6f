"""Compare a balance analysis with synthetic ground truth (used by tests and the benchmark)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: Match window for touch-downs, s.
TD_TOL = 0.1


def pair_trials(found: pd.DataFrame, truth: pd.DataFrame) -> list[tuple[int, int]]:
    """Pairs (found row, truth row) of the same kind whose spans overlap most.

    Parameters
    ----------
    found, truth : DataFrame
        Trial tables with ``t_start``, ``t_end`` and ``kind``.

    Returns
    -------
    list of (int, int)
        Positional indices.
    """
    pairs = []
    fk, tk = found["kind"].to_numpy(str), truth["kind"].to_numpy(str)
    f0, f1 = found["t_start"].to_numpy(float), found["t_end"].to_numpy(float)
    r0, r1 = truth["t_start"].to_numpy(float), truth["t_end"].to_numpy(float)
    for i in range(len(found)):
        ov = np.minimum(f1[i], r1) - np.maximum(f0[i], r0)
        ov[tk != fk[i]] = -np.inf
        if ov.size and ov.max() > 0:
            pairs.append((i, int(np.argmax(ov))))
    return pairs


def metric_errors(found: pd.DataFrame, truth: pd.DataFrame) -> dict[str, list[float]]:
    """Relative errors (%) of RMS AP/ML, ellipse area and lean RMS; absolute TTS error (s).

    Parameters
    ----------
    found : DataFrame
        ``BalanceResult.trials``.
    truth : DataFrame
        ``reference.tables["balance_trials"]``.

    Returns
    -------
    dict
        ``rms`` (AP and ML pooled), ``ellipse_area``, ``lean_rms`` (%), ``tts`` (s),
        ``labels_ok`` (1.0 per correctly labelled trial, else 0.0).
    """
    out: dict[str, list[float]] = {
        "rms": [],
        "ellipse_area": [],
        "lean_rms": [],
        "tts": [],
        "labels_ok": [],
    }
    for i, j in pair_trials(found, truth):
        f, r = found.iloc[i], truth.iloc[j]
        out["labels_ok"].append(
            float(f["leg"] == r["leg"] and (f["kind"] == "hop" or f["eyes"] == r["eyes"]))
        )
        if f["kind"] == "hop":
            if np.isfinite(f.get("stabilization_time", np.nan)):
                out["tts"].append(
                    abs(float(f["stabilization_time"]) - float(r["stabilization_time"]))
                )
            continue
        if f["flag"]:
            continue
        for c in ("rms_ap", "rms_ml"):
            out["rms"].append(abs(f[c] / r[c] - 1) * 100)
        out["ellipse_area"].append(abs(f["ellipse_area"] / r["ellipse_area"] - 1) * 100)
        for c in ("lean_rms_ap", "lean_rms_ml"):
            out["lean_rms"].append(abs(f[c] / r[c] - 1) * 100)
    return out


def match_touchdowns(
    found: pd.DataFrame, truth: pd.DataFrame, tol: float = TD_TOL
) -> dict[str, Any]:
    """Match found touch-downs to true ones within ``tol`` s (greedy by time).

    Parameters
    ----------
    found : DataFrame
        ``BalanceResult.trials`` (``touchdown_times`` as ';'-joined seconds).
    truth : DataFrame
        ``reference.tables["touchdowns"]`` with ``t``.
    tol : float
        Match window, s.

    Returns
    -------
    dict
        ``tp``, ``fp``, ``fn`` counts and ``dt`` (found − true, s) of the matches.
    """
    times: list[float] = []
    if "touchdown_times" in found:
        for s in found["touchdown_times"]:
            if isinstance(s, str) and s:
                times += [float(x) for x in s.split(";")]
    est = np.sort(np.asarray(times))
    ref = np.sort(truth["t"].to_numpy(float))
    used = np.zeros(est.size, dtype=bool)
    dt: list[float] = []
    for r in ref:
        if est.size == 0:
            break
        d = np.abs(est - r)
        d[used] = np.inf
        k = int(np.argmin(d))
        if d[k] <= tol:
            used[k] = True
            dt.append(float(est[k] - r))
    tp = len(dt)
    return {"tp": tp, "fp": int(est.size - tp), "fn": int(ref.size - tp), "dt": dt}

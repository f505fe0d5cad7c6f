"""Per-session comparison: left vs right (limb symmetry index), eyes closed vs open (Romberg).

Symmetry index (Robinson, Herzog & Nigg 1987, J Manipulative Physiol Ther 10(4):172):
``SI = (X_R − X_L) / (0.5·(X_R + X_L)) × 100`` — positive means the right leg sways more.
The verdict uses the plainer "left leg sways N % more than right" = ``(X_L / X_R − 1) × 100``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from gait.balance.bands import GUIDANCE, mark

COMPARE = ("rms", "ellipse_area", "jerk")


def symmetry_index(left: float, right: float) -> float:
    """``(R − L) / (0.5 (R + L)) × 100`` (%); NaN when undefined.

    Parameters
    ----------
    left, right : float
        The metric on each leg.

    Returns
    -------
    float
    """
    s = 0.5 * (left + right)
    if not (math.isfinite(left) and math.isfinite(right)) or s <= 0:
        return math.nan
    return float((right - left) / s * 100.0)


def _scored(trials: pd.DataFrame) -> pd.DataFrame:
    if trials.empty:
        return trials
    ok = (trials["kind"] == "stance") & (~trials["familiarisation"]) & (trials["flag"] == "")
    return trials[ok]


def condition_means(trials: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Mean metrics per ``<leg>_<eyes>`` condition over the scored stance trials.

    Parameters
    ----------
    trials : DataFrame
        The per-trial table.

    Returns
    -------
    dict
    """
    sc = _scored(trials)
    out: dict[str, dict[str, float]] = {}
    cols = [
        "rms_ap",
        "rms_ml",
        "rms",
        "ellipse_area",
        "path",
        "jerk",
        "f50",
        "lean_rms_ap",
        "lean_rms_ml",
        "time_to_failure",
        "n_touchdowns",
        "bess_errors",
    ]
    for (leg, eyes), g in sc.groupby(["leg", "eyes"]):
        out[f"{leg}_{eyes}"] = {c: float(g[c].mean()) for c in cols if c in g}
        out[f"{leg}_{eyes}"]["n_trials"] = float(len(g))
    return out


def compare(trials: pd.DataFrame) -> dict[str, Any]:
    """Left/right symmetry, Romberg ratios, touch-downs and hop stabilization with bands.

    Parameters
    ----------
    trials : DataFrame
        The per-trial table.

    Returns
    -------
    dict
        ``conditions``, ``symmetry`` {eyes: {metric: {...}}}, ``romberg`` {leg: {...}},
        ``touchdowns`` {leg: n}, ``time_to_failure`` {condition: marked value},
        ``hop`` {leg: marked TTS, 'si_pct'}, ``guidance``.
    """
    cond = condition_means(trials)
    sym: dict[str, dict[str, Any]] = {}
    for eyes in ("open", "closed"):
        left, right = cond.get(f"left_{eyes}"), cond.get(f"right_{eyes}")
        if not left or not right:
            continue
        sym[eyes] = {}
        for m in COMPARE:
            lv, rv = left[m], right[m]
            si = symmetry_index(lv, rv)
            more = "left" if lv > rv else "right"
            pct_more = (max(lv, rv) / min(lv, rv) - 1.0) * 100.0 if min(lv, rv) > 0 else math.nan
            sym[eyes][m] = {
                "left": lv,
                "right": rv,
                "si_pct": si,
                "more_leg": more,
                "pct_more": pct_more,
                "band": mark("symmetry_index", si),
            }
    romberg: dict[str, dict[str, Any]] = {}
    for leg in ("left", "right"):
        eo, ec = cond.get(f"{leg}_open"), cond.get(f"{leg}_closed")
        if not eo or not ec:
            continue
        romberg[leg] = {m: (ec[m] / eo[m] if eo[m] > 0 else math.nan) for m in COMPARE}
        romberg[leg]["band"] = mark("romberg", romberg[leg]["rms"])
    sc = _scored(trials)
    touch = {leg: int(sc.loc[sc["leg"] == leg, "n_touchdowns"].sum()) for leg in ("left", "right")}
    ttf = {k: mark("time_to_failure", v["time_to_failure"]) for k, v in cond.items()}
    bess = {k: mark("bess_errors", v["bess_errors"]) for k, v in cond.items()}
    hop: dict[str, Any] = {}
    if not trials.empty:
        hops = trials[(trials["kind"] == "hop") & (trials["flag"] == "")]
        for leg in ("left", "right"):
            v = hops.loc[hops["leg"] == leg, "stabilization_time"]
            if len(v):
                hop[leg] = mark("hop_tts", float(np.nanmean(v)))
        if "left" in hop and "right" in hop:
            hop["si_pct"] = symmetry_index(hop["left"]["value"], hop["right"]["value"])
    return {
        "conditions": cond,
        "symmetry": sym,
        "romberg": romberg,
        "touchdowns": touch,
        "time_to_failure": ttf,
        "bess_errors": bess,
        "hop": hop,
        "sway_band": mark("sway", math.nan),
        "guidance": GUIDANCE,
    }


def verdict(session: dict[str, Any]) -> str:
    """A short plain-language verdict a runner understands.

    Parameters
    ----------
    session : dict
        Output of :func:`compare`.

    Returns
    -------
    str
    """
    parts: list[str] = []
    sym = session.get("symmetry", {})
    for eyes in ("closed", "open"):
        s = sym.get(eyes, {}).get("rms")
        if not s:
            continue
        other = "right" if s["more_leg"] == "left" else "left"
        if s["pct_more"] >= 10.0:
            parts.append(
                f"{s['more_leg'].capitalize()} leg sways {s['pct_more']:.0f}% more than "
                f"{other} with eyes {eyes}."
            )
        else:
            parts.append(
                f"Both legs sway about the same with eyes {eyes} "
                f"({s['more_leg']} {s['pct_more']:.0f}% more)."
            )
        break
    rom = session.get("romberg", {})
    if rom:
        txt = ", ".join(f"{leg} {v['rms']:.1f}×" for leg, v in rom.items())
        parts.append(f"Closing the eyes changes sway by {txt}.")
    td = session.get("touchdowns", {})
    if any(td.values()):
        parts.append("Touch-downs: " + ", ".join(f"{leg} {n}" for leg, n in td.items()) + ".")
    elif session.get("conditions"):
        parts.append("No touch-downs.")
    hop = session.get("hop", {})
    legs = [leg for leg in ("left", "right") if leg in hop]
    if legs:
        parts.append(
            "Hop landing stable after "
            + ", ".join(f"{hop[leg]['value']:.1f} s ({leg})" for leg in legs)
            + "."
        )
    if not parts:
        return "No scoreable balance trials."
    return " ".join(parts)


def compare_sessions(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Progress between two sessions: per condition, the change of the main sway metrics.

    Parameters
    ----------
    before, after : DataFrame
        ``BalanceResult.trials`` of the earlier and the later session.

    Returns
    -------
    DataFrame
        One row per condition present in both (``left_open`` ...) and metric, with
        ``before``, ``after`` and ``change_pct`` (negative = less sway = better). Trunk-sway
        test-retest needs several repetitions for ICC 0.85 (PLoS ONE 2019, e0211051); treat
        changes of a few percent as noise.
    """
    a, b = condition_means(before), condition_means(after)
    rows = []
    for cond in sorted(set(a) & set(b)):
        for m in ("rms", "ellipse_area", "jerk", "time_to_failure", "n_touchdowns"):
            x, y = a[cond].get(m, math.nan), b[cond].get(m, math.nan)
            pct = (y / x - 1.0) * 100.0 if math.isfinite(x) and x > 0 else math.nan
            rows.append(
                {"condition": cond, "metric": m, "before": x, "after": y, "change_pct": pct}
            )
    return pd.DataFrame(rows, columns=["condition", "metric", "before", "after", "change_pct"])

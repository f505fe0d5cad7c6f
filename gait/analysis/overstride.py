"""Overstriding indicators: cadence vs own baseline, strike, braking, shank angle, VO/VR.

Each indicator is present only when the placement measured it: foot sensors give the
foot strike angle and pattern, shank sensors the shank angle at initial contact, trunk
sensors (sacrum, belt phone) the braking speed loss, the braking time and its share of
stance, and vertical oscillation. The absolute checks in :func:`overstride_flag` need no
baseline of the runner; thresholds and their sources are in ``docs/metrics.md``. No single
IMU sees the foot's landing position relative to the body, but its timing shows: braking
lasts until the pelvis passes over the foot, so speed × braking time estimates how far
ahead the foot landed (``foot_ahead_m``). The synthetic truth has the heel's distance
(``foot_ahead``) and the braking time for validation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from gait.contract.metric_defs import METRICS, vertical_ratio_pct
from gait.contract.summary_types import (
    CadenceVsBaseline,
    Overstride,
    OverstrideCheck,
    OverstrideReason,
)

#: Shank inclination at initial contact above which the foot lands well ahead of the knee,
#: deg. Project threshold; a near-vertical shank at contact is the guidance of Souza (2016)
#: and shank angle was the strongest landing predictor of braking in Lieberman et al. (2015).
SHANK_IC_MAX_DEG = 10.0
#: Pelvis forward speed loss per step above which braking is high, m/s. Project threshold
#: (braking impulse / body mass; higher braking impulse was linked to injury by Napier et
#: al. 2018), set above the level and uphill trial means of the one real runner we have
#: (0.24–0.44 m/s, docs/metrics.md); not validated out of sample.
BRAKING_MAX_MPS = 0.50
#: Foot strike angle above which the heel lands with the toes high, deg: twice the
#: rearfoot cut-off of Altman & Davis (2012), a project threshold. A heel strike alone is
#: not overstriding; a steep one usually comes with the foot far ahead.
STEEP_STRIKE_MIN_DEG = 16.0


#: Share of stance spent braking (contact to the pelvis's lowest forward speed) above which
#: the foot landed far ahead, 0-1. Braking lasts until the pelvis passes over the foot, so a
#: landing further ahead brakes longer (Lieberman et al. 2015 tie braking to the foot's
#: landing position relative to the hip). Project threshold: at 3 m/s and 0.26 s contact it
#: is a pelvis travel of 0.27 m (the synthetic model's heel 0.30 m ahead, gait.synth.landing);
#: the one real runner we have (Alcantara et al. 2022, 16 treadmill trials) reads 0.16-0.32
#: per trial (docs/metrics.md). Not validated out of sample.
BRAKING_SHARE_MAX = 0.35


#: Forward lean of the shank (knee ahead of the ankle) at mid-stance, deg: a project
#: assumption. The shank detector integrates the pitch rate from IC to mid-stance, which
#: gives the shank angle at IC plus this lean (the absolute tilt of a sensor with unknown
#: mounting is not observable).
MIDSTANCE_SHANK_LEAN_DEG = 8.0


def add_overstride_columns(steps: pd.DataFrame) -> pd.DataFrame:
    """Post-detection overstride columns of a step table (in place, also returned).

    The shank detectors' ``shank_angle_ic`` is the shank's swing-back from initial
    contact to mid-stance; the shank angle at IC is that minus
    :data:`MIDSTANCE_SHANK_LEAN_DEG`. Applied once, where the step table is built, so the
    summary, report, live page and drills read the same value.

    Parameters
    ----------
    steps : DataFrame
        Step table as built from fused contacts.

    Returns
    -------
    DataFrame
        ``steps`` with ``shank_angle_ic`` in deg from vertical (+ foot ahead of the knee).
    """
    if {"braking_time", "gct"} <= set(steps.columns):
        bt = pd.to_numeric(steps["braking_time"], errors="coerce").to_numpy(np.float64)
        gct = pd.to_numeric(steps["gct"], errors="coerce").to_numpy(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = bt / gct
        # The end of braking must fall inside the contact. The steps have no activity yet:
        # overstride_indicators leaves walking steps out (a walker brakes in double support,
        # where the pelvis-over-foot reading does not hold).
        col = np.where((share > 0) & (share < 1), share, np.nan)
        if "braking_share" in steps.columns:
            steps["braking_share"] = col
        else:  # in the step table's column order: right after braking_time
            at = list(steps.columns).index("braking_time") + 1
            steps.insert(at, "braking_share", col)
    if "shank_angle_ic" in steps.columns and not steps.attrs.get("shank_angle_ic_absolute"):
        steps["shank_angle_ic"] = (
            pd.to_numeric(steps["shank_angle_ic"], errors="coerce") - MIDSTANCE_SHANK_LEAN_DEG
        )
        steps.attrs["shank_angle_ic_absolute"] = True
    return steps


def _mean(steps: pd.DataFrame, col: str) -> float:
    if col not in steps.columns:
        return float("nan")
    v = steps[col].to_numpy(dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else float("nan")


def _col(steps: pd.DataFrame, col: str) -> NDArray[np.float64]:
    if col not in steps.columns:
        return np.full(len(steps), np.nan)
    return pd.to_numeric(steps[col], errors="coerce").to_numpy(np.float64)


def _r(x: float, nd: int = 3) -> float | None:
    return round(x, nd) if math.isfinite(x) else None


def baseline_cadence(baseline: Any, speed: float | None) -> float | None:
    """The runner's own cadence (spm) at ``speed`` from a stored baseline.

    Parameters
    ----------
    baseline : mapping, DataFrame or None
        ``{"cadence_spm": c}`` (one value), ``{"cadence_spm": c, "speed": v}`` or a table
        with columns ``speed`` (m/s) and ``cadence`` (spm) from earlier runs; the
        cadence is interpolated linearly in speed (clamped at the ends).
    speed : float or None
        Session speed, m/s.

    Returns
    -------
    float or None
        Baseline cadence, spm; None when no baseline applies.
    """
    if baseline is None:
        return None
    if isinstance(baseline, pd.DataFrame):
        if not {"speed", "cadence"} <= set(baseline.columns) or len(baseline) == 0:
            return None
        b = baseline.sort_values("speed")
        if speed is None or not math.isfinite(speed):
            return float(b["cadence"].median())
        return float(np.interp(speed, b["speed"].to_numpy(float), b["cadence"].to_numpy(float)))
    if isinstance(baseline, Mapping):
        c = baseline.get("cadence_spm", baseline.get("cadence"))
        if c is None:
            return None
        bs = baseline.get("speed")
        # A baseline at a clearly different speed is not a like-for-like comparison. [G]
        if bs is not None and speed is not None and abs(float(bs) - speed) > 0.3:
            return None
        return float(c)
    if isinstance(baseline, int | float):
        return float(baseline)
    return None


def overstride_indicators(
    steps: pd.DataFrame,
    *,
    cadence: float,
    speed: float | None = None,
    baseline: Any = None,
) -> Overstride:
    """Overstriding proxies of a session.

    Parameters
    ----------
    steps : DataFrame
        Step table (running steps).
    cadence : float
        Session cadence, spm.
    speed : float, optional
        Session speed, m/s (belt, RSC or foot ZUPT).
    baseline : optional
        See :func:`baseline_cadence`.

    Returns
    -------
    Overstride
        ``cadence`` {baseline_spm, relative_pct}; ``strike`` {rear, mid, fore shares 0–1,
        n}; ``foot_strike_angle_deg``; ``braking_mps``; ``shank_angle_ic_deg``;
        ``impact_ms2``; ``vertical_oscillation_m``; ``vertical_ratio_pct`` — each only when
        measured (the session means of these metrics: the summary has them here only);
        ``overstriding``: the absolute check of :func:`overstride_flag` (no baseline needed).
    """
    out: dict[str, Any] = {}  # an Overstride, filled in its key order
    base = baseline_cadence(baseline, speed)
    out["cadence"] = CadenceVsBaseline(
        baseline_spm=_r(base, 2) if base is not None else None,
        relative_pct=_r(100.0 * (cadence - base) / base, 2) if base else None,
    )
    if "strike" in steps.columns:
        s = steps["strike"].dropna()
        s = s[s.isin(["rear", "mid", "fore"])]
        if len(s):
            share = s.value_counts(normalize=True)
            out["strike"] = {k: round(float(share.get(k, 0.0)), 3) for k in ("rear", "mid", "fore")}
            out["strike"]["n"] = len(s)
    # key and unit in the summary as the metric table defines them
    if "braking_share" in steps.columns and "activity" in steps.columns:
        # braking share reads the pelvis passing over the foot: running steps only
        steps = steps.assign(braking_share=steps["braking_share"].where(steps["activity"] == "run"))
    for col in (
        "foot_strike_angle",
        "braking",
        "braking_share",
        "shank_angle_ic",
        "impact",
        "vertical_oscillation",
    ):
        d = METRICS[col]
        m = _mean(steps, col)
        if math.isfinite(m) and d.summary_key is not None:
            out[d.summary_key.removeprefix("overstride.")] = _r(
                d.summary_scale * m, _DECIMALS.get(col, 3)
            )
    bt = _mean(steps[np.isfinite(_col(steps, "braking_share"))], "braking_time")
    if speed and math.isfinite(speed) and math.isfinite(bt):
        # Braking ends when the pelvis is over the foot: the travel until then is how far
        # ahead the foot (its centre of pressure) landed.
        out["foot_ahead_m"] = _r(speed * bt, 3)
    vr = _session_vertical_ratio(steps, cadence, speed)
    if math.isfinite(vr):
        out["vertical_ratio_pct"] = _r(vr, 3)
    walking = (
        "activity" in steps.columns and bool(len(steps)) and not (steps["activity"] == "run").any()
    )
    # The thresholds are running ones: a walker's heel strikes steeply by nature (~20°) and
    # brakes in double support, so a walk is not checked (flag None, nothing measured).
    out["overstriding"] = (
        OverstrideCheck(flag=None, reasons=[], measured=[]) if walking else overstride_flag(out)
    )
    return cast(Overstride, out)


#: Decimals of a session mean in the summary where 3 is too coarse: vertical oscillation in
#: m to 0.1 mm.
_DECIMALS: dict[str, int] = {"vertical_oscillation": 4}


def _session_vertical_ratio(steps: pd.DataFrame, cadence: float, speed: float | None) -> float:
    """Vertical ratio of a session on the step scale, %.

    The mean of the per-step ratios (as the rolling metrics compute it, so the summary,
    report and live page agree); a trunk-only session without stride lengths uses the
    session speed: step length = speed × 60 / cadence.
    """
    if {"vertical_oscillation", "stride_length"} <= set(steps.columns):
        per = vertical_ratio_pct(
            steps["vertical_oscillation"].to_numpy(np.float64),
            steps["stride_length"].to_numpy(np.float64),
        )
        per = per[np.isfinite(per)]
        if per.size:
            return float(per.mean())
    vo = _mean(steps, "vertical_oscillation")
    if speed and math.isfinite(cadence) and cadence > 0 and math.isfinite(vo):
        return 100.0 * vo / (speed * 60.0 / cadence)
    return float("nan")


def overstride_flag(ind: Mapping[str, Any]) -> OverstrideCheck:
    """Absolute overstriding check of a session (no baseline needed).

    Parameters
    ----------
    ind : mapping
        Indicators as returned by :func:`overstride_indicators` (``shank_angle_ic_deg``,
        ``braking_mps``, ``braking_share_pct``, ``foot_strike_angle_deg``; any may be
        missing).

    Returns
    -------
    OverstrideCheck
        ``flag`` (True when any measured indicator is beyond its threshold, False when
        all measured ones are within, None when none was measured), ``reasons`` (list of
        ``{"metric", "value", "threshold"}``) and ``measured`` (indicators checked).
    """
    share = ind.get("braking_share_pct")
    checks = (
        ("shank_angle_ic", ind.get("shank_angle_ic_deg"), SHANK_IC_MAX_DEG),
        ("braking", ind.get("braking_mps"), BRAKING_MAX_MPS),
        (
            "braking_share",
            None if share is None else round(share / 100.0, 3),
            BRAKING_SHARE_MAX,
        ),
        ("foot_strike_angle", ind.get("foot_strike_angle_deg"), STEEP_STRIKE_MIN_DEG),
    )
    measured = [m for m, v, _ in checks if v is not None]
    reasons = [
        OverstrideReason(metric=m, value=v, threshold=th)
        for m, v, th in checks
        if v is not None and v > th
    ]
    return OverstrideCheck(
        flag=bool(reasons) if measured else None, reasons=reasons, measured=measured
    )

"""Session and per-window summaries of a step table (definitions: docs/metrics.md).

All functions are pure functions of a step table, so they run the same on a whole
session or on a sliding window of steps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, cast

import numpy as np
import pandas as pd

from gait.analysis.quality.sensor_limits import SensorLimits, side_comparison, sides_mismatch
from gait.contract.summary_types import (
    AsymmetryEntry,
    ContactTimeLeftOut,
    Drift,
    GctBlock,
    SessionSummary,
    SymmetryEntry,
    WindowRow,
)

#: Metrics compared left vs right, with the unit used in the summary.
SYMMETRY_METRICS: tuple[str, ...] = (
    "gct",
    "flight",
    "step_time",
    "duty_factor",
    "foot_strike_angle",
    "braking",
    "impact",
)

#: ``symmetry_status`` reason of a metric whose index :func:`symmetry` does not give.
NEAR_ZERO_REASON = (
    "mean near zero or the sides on both sides of zero: an index of a near-zero "
    "quantity is not meaningful"
)

#: Fraction of the steps that forms the "first" and "last" part for drift. [G]
DRIFT_FRACTION = 0.2

#: Optional step-table column → its key, with unit (docs/summary.md), in the window rows and
#: drift; the session means of all but stride length are in the overstride block.
OPTIONAL_MEANS: dict[str, str] = {
    "stride_length": "stride_length_m",
    "speed": "speed_mps",
    "foot_strike_angle": "foot_strike_angle_deg",
    "braking": "braking_mps",
    "impact": "impact_ms2",
    "vertical_oscillation": "vertical_oscillation_m",
    "shank_angle_ic": "shank_angle_ic_deg",
}


def is_walk(steps: pd.DataFrame) -> bool:
    """True when the steps have no flight phase: the median "flight" is negative.

    In walking the next foot lands before this one leaves the ground, so ``flight`` (next
    IC − this TC, s) is minus the double-support time; in running it is the flight time.

    Parameters
    ----------
    steps : DataFrame
        Step table with a ``flight`` column (s).

    Returns
    -------
    bool
        False when no flight value is known.
    """
    if "flight" not in steps or len(steps) == 0:
        return False
    v = steps["flight"].to_numpy(dtype=np.float64)
    v = v[np.isfinite(v)]
    return bool(v.size and np.median(v) < 0)


def with_double_support(steps: pd.DataFrame) -> pd.DataFrame:
    """``steps`` plus ``double_support`` (s, = −flight): the overlap of the two feet's contacts.

    Parameters
    ----------
    steps : DataFrame
        Step table with ``flight`` (s).

    Returns
    -------
    DataFrame
        A copy with the extra column (NaN where ``flight`` is unknown).
    """
    return steps.assign(double_support=-steps["flight"].to_numpy(dtype=np.float64))


def _f(x: float | np.floating[Any] | None, nd: int = 3) -> float | None:
    """JSON-safe rounded float (None for NaN)."""
    if x is None:
        return None
    v = float(x)
    return None if not math.isfinite(v) else round(v, nd)


def _mean(x: pd.Series) -> float:
    v = x.to_numpy(dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else float("nan")


def _cv(x: pd.Series) -> float:
    """Coefficient of variation, % (NaN with fewer than 3 values)."""
    v = x.to_numpy(dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size < 3 or v.mean() == 0:
        return float("nan")
    return float(100.0 * v.std(ddof=1) / abs(v.mean()))


def cadence_spm(steps: pd.DataFrame) -> float:
    """Cadence, steps/min: 60 / mean step time over steps with a valid step time.

    Parameters
    ----------
    steps : DataFrame
        Step table.

    Returns
    -------
    float
        NaN when no step time is valid.
    """
    st = steps["step_time"].to_numpy(dtype=np.float64) if len(steps) else np.zeros(0)
    st = st[np.isfinite(st)]
    return float(60.0 / st.mean()) if st.size else float("nan")


def symmetry(steps: pd.DataFrame, metric: str) -> SymmetryEntry | None:
    """Left/right comparison of one metric against within-limb variability.

    SI = (X_R − X_L) / (0.5 (X_R + X_L)) × 100 (Robinson et al. 1987).  Within-limb variability is
    the mean of the two sides' CV (%).  The ``asymmetry`` flag is set only when |SI|
    exceeds that variability *and* the side means differ by more than twice their
    standard error (so a long noisy run is not flagged by chance).

    Parameters
    ----------
    steps : DataFrame
        Step table with ``side`` and the metric column.
    metric : str
        Column name.

    Returns
    -------
    SymmetryEntry or None
        ``left``, ``right`` (means, metric unit), ``si_pct``, ``variability_pct``,
        ``cv_left_pct``, ``cv_right_pct``, ``n_left``, ``n_right``, ``asymmetry`` (bool),
        ``longer`` ('left'|'right'); None when either side has fewer than 3 values, when the
        two sides' means have opposite signs, or when their mean is within one within-side
        SD of zero (an index of a near-zero quantity is not meaningful).
    """
    if metric not in steps.columns:
        return None
    vals: dict[str, np.ndarray] = {}
    for side in ("left", "right"):
        v = steps.loc[steps["side"] == side, metric].to_numpy(dtype=np.float64)
        vals[side] = v[np.isfinite(v)]
    L, R = vals["left"], vals["right"]
    if L.size < 3 or R.size < 3:
        return None
    ml, mr = float(L.mean()), float(R.mean())
    denom = 0.5 * (mr + ml)
    sdl, sdr = float(L.std(ddof=1)), float(R.std(ddof=1))
    # An index relative to a mean that is near zero (a midfoot strike angle, a walk's
    # "flight") is noise divided by noise: not shown when the mean is within one typical
    # within-side SD of zero, or when the sides lie on both sides of zero.
    if abs(denom) <= 0.5 * (sdl + sdr) or ml * mr <= 0:
        return None
    si = 100.0 * (mr - ml) / denom
    cvl = 100.0 * sdl / abs(ml) if ml else float("nan")
    cvr = 100.0 * sdr / abs(mr) if mr else float("nan")
    # Angles can be near zero, so the CV of a signed metric is meaningless: use SD relative
    # to the mean magnitude of both sides instead.
    scale = abs(denom) if abs(denom) > 1e-9 else float("nan")
    variability = 100.0 * 0.5 * (sdl + sdr) / scale
    se = math.sqrt(sdl**2 / L.size + sdr**2 / R.size)
    significant = abs(mr - ml) > 2.0 * se
    flag = bool(math.isfinite(si) and abs(si) > variability and significant)
    return {
        "left": _f(ml, 4),
        "right": _f(mr, 4),
        "si_pct": _f(si, 2),
        "variability_pct": _f(variability, 2),
        "cv_left_pct": _f(cvl, 2),
        "cv_right_pct": _f(cvr, 2),
        "n_left": int(L.size),
        "n_right": int(R.size),
        "asymmetry": flag,
        "longer": "right" if mr > ml else "left",
    }


def _both_sides(steps: pd.DataFrame, metric: str) -> bool:
    """True when both sides have at least 3 finite values of ``metric``."""
    if metric not in steps.columns:
        return False
    for side in ("left", "right"):
        v = steps.loc[steps["side"] == side, metric].to_numpy(dtype=np.float64)
        if np.isfinite(v).sum() < 3:
            return False
    return True


def gct_summary(steps: pd.DataFrame) -> tuple[GctBlock, float | None]:
    """Ground contact time, ms (mean, left, right, CV %) and GCT balance, % left.

    Parameters
    ----------
    steps : DataFrame
        Step table.

    Returns
    -------
    gct_ms : GctBlock
        ``mean``, ``left``, ``right`` (ms), ``cv_pct``.
    balance : float or None
        GCT_L / (GCT_L + GCT_R) × 100, % (docs/metrics.md); None without both sides.
    """
    if "gct" not in steps or len(steps) == 0:
        return {"mean": None, "left": None, "right": None, "cv_pct": None}, None
    g = steps["gct"]
    left = _mean(g[steps["side"] == "left"])
    right = _mean(g[steps["side"] == "right"])
    bal = (
        100.0 * left / (left + right) if math.isfinite(left + right) and left + right > 0 else None
    )
    return (
        {
            "mean": _f(1000 * _mean(g), 1),
            "left": _f(1000 * left, 1),
            "right": _f(1000 * right, 1),
            "cv_pct": _f(_cv(g), 2),
        },
        _f(bal, 2),
    )


def window_table(steps: pd.DataFrame, window_steps: int = 20) -> pd.DataFrame:
    """Per-window summaries over consecutive blocks of ``window_steps`` steps.

    Parameters
    ----------
    steps : DataFrame
        Step table.
    window_steps : int
        Steps per window (the last, shorter block is kept when it has ≥ half a window).

    Returns
    -------
    DataFrame
        One row per window: ``t_start_s``, ``t_end_s``, ``n_steps``, ``cadence_spm``,
        ``gct_ms``, ``gct_left_ms``, ``gct_right_ms``, ``gct_balance_pct``,
        ``duty_factor``, ``flight_ms`` (NaN in a walking window), ``double_support_ms``
        (NaN in a running window), ``gct_cv_pct`` and means of any optional metric, named
        with their unit (:data:`OPTIONAL_MEANS`; ``docs/summary.md``).
    """
    cols = [
        "t_start_s",
        "t_end_s",
        "n_steps",
        "cadence_spm",
        "gct_ms",
        "gct_left_ms",
        "gct_right_ms",
        "gct_balance_pct",
        "duty_factor",
        "flight_ms",
        "double_support_ms",
        "gct_cv_pct",
    ]
    n = len(steps)
    if n == 0 or window_steps < 1:
        return pd.DataFrame(columns=cols)
    w = np.arange(n) // window_steps
    last = w == w[-1]
    if last.sum() < max(1, window_steps // 2) and w[-1] > 0:
        w[last] = w[-1] - 1  # fold a short tail into the previous window
    df = steps.assign(
        _w=w,
        _gct_l=steps["gct"].where(steps["side"] == "left"),
        _gct_r=steps["gct"].where(steps["side"] == "right"),
    )
    g = df.groupby("_w", sort=True)
    out = pd.DataFrame(
        {
            "t_start_s": g["t_ic"].min(),
            "t_end_s": g["t_ic"].max(),
            "n_steps": g.size(),
            "cadence_spm": 60.0 / g["step_time"].mean(),
            "gct_ms": 1000 * g["gct"].mean(),
            "gct_left_ms": 1000 * g["_gct_l"].mean(),
            "gct_right_ms": 1000 * g["_gct_r"].mean(),
            "duty_factor": g["duty_factor"].mean(),
            "flight_ms": 1000 * g["flight"].mean(),
            "gct_cv_pct": 100 * g["gct"].std() / g["gct"].mean(),
        }
    )
    out["gct_balance_pct"] = 100 * out["gct_left_ms"] / (out["gct_left_ms"] + out["gct_right_ms"])
    # A window whose median "flight" is negative is walking: it has double support instead.
    walking = (g["flight"].median() < 0).to_numpy()
    out["double_support_ms"] = np.where(walking, -out["flight_ms"], np.nan)
    out["flight_ms"] = np.where(walking, np.nan, out["flight_ms"])
    for c, key in OPTIONAL_MEANS.items():
        if c in steps.columns:
            out[key] = g[c].mean()
    return out.reset_index(drop=True)[cols + [c for c in out.columns if c not in cols]]


def drift(steps: pd.DataFrame, fraction: float = DRIFT_FRACTION) -> Drift:
    """Change from the first to the last part of the run (fatigue).

    Parameters
    ----------
    steps : DataFrame
        Step table (one activity, e.g. the running steps).
    fraction : float
        Share of the steps that forms each part.

    Returns
    -------
    dict
        Per metric (``cadence_spm``, ``gct_ms``, ``duty_factor``, ``gct_balance_pct``,
        ``flight_ms`` or, for a walk, ``double_support_ms``, and the optional metrics of
        :data:`OPTIONAL_MEANS` but shank angle and stride length): ``first``, ``last``,
        ``change``, ``change_pct``; empty when fewer than 20 steps.
    """
    n = len(steps)
    if n < 20:
        return {}
    k = max(5, int(fraction * n))
    parts = (steps.iloc[:k], steps.iloc[-k:])
    out: dict[str, Any] = {"n_per_part": k}  # a Drift, keyed by name below
    walk = is_walk(steps)

    def metrics(p: pd.DataFrame) -> dict[str, float]:
        _, bal = gct_summary(p)
        m = {
            "cadence_spm": cadence_spm(p),
            "gct_ms": 1000 * _mean(p["gct"]),
            "duty_factor": _mean(p["duty_factor"]),
            ("double_support_ms" if walk else "flight_ms"): (-1000 if walk else 1000)
            * _mean(p["flight"]),
            "gct_balance_pct": float("nan") if bal is None else bal,
        }
        for c in ("foot_strike_angle", "vertical_oscillation", "braking", "impact", "speed"):
            if c in p.columns:
                m[OPTIONAL_MEANS[c]] = _mean(p[c])
        return m

    a, b = metrics(parts[0]), metrics(parts[1])
    for key in a:
        first, last = a[key], b[key]
        if not (math.isfinite(first) and math.isfinite(last)):
            continue
        out[key] = {
            "first": _f(first, 3),
            "last": _f(last, 3),
            "change": _f(last - first, 3),
            "change_pct": _f(100 * (last - first) / first, 2) if first else None,
        }
    return cast(Drift, out)


#: Why a ``tc_uncertain`` contact time is left out, as the summaries say it.
TC_UNCERTAIN_REASON = (
    "the sensor cannot time toe-off reliably on these steps (flag tc_uncertain, "
    "e.g. an accelerometer-only shank in walking): no contact time rather than a wrong one"
)


def _uncertain_tc(steps: pd.DataFrame) -> pd.Series:
    """Mask of the steps whose detector flagged their terminal contact ``tc_uncertain``."""
    if "quality" not in steps or len(steps) == 0:
        return pd.Series(np.zeros(len(steps), dtype=bool), index=steps.index)
    return steps["quality"].fillna("").astype(str).str.contains("tc_uncertain", regex=False)


def tc_left_out(steps: pd.DataFrame) -> ContactTimeLeftOut | None:
    """How many steps' contact times the summaries leave out as untrustworthy, and why.

    Parameters
    ----------
    steps : DataFrame
        Step table with ``quality`` flags.

    Returns
    -------
    ContactTimeLeftOut or None
        ``steps`` (count left out), ``of`` (all steps) and ``reason`` (text); None when no
        step is flagged ``tc_uncertain``.
    """
    bad = _uncertain_tc(steps)
    if not bad.any():
        return None
    return {"steps": int(bad.sum()), "of": len(steps), "reason": TC_UNCERTAIN_REASON}


def _drop_uncertain_tc(steps: pd.DataFrame) -> pd.DataFrame:
    """``steps`` without the TC-derived values of contacts flagged ``tc_uncertain``.

    A detector flags a terminal contact it cannot time (e.g. an accelerometer-only shank
    in walking); its contact time, duty factor and flight must not enter the summaries.
    """
    bad = _uncertain_tc(steps)
    if not bad.any():
        return steps
    cols = {c: steps[c].where(~bad) for c in ("gct", "duty_factor", "flight") if c in steps}
    return steps.assign(**cols)


def session_summary(
    steps: pd.DataFrame, *, window_steps: int = 20, limits: Mapping[str, SensorLimits] | None = None
) -> SessionSummary:
    """Session-level numbers of a step table.

    Parameters
    ----------
    steps : DataFrame
        Step table.
    window_steps : int
        Steps per window for the per-window rows.
    limits : mapping of str to SensorLimits, optional
        Stream name → what it resolves (:mod:`gait.analysis.quality.sensor_limits`). With it, a
        left/right index is only given when the two sides' sensors measure comparably.

    Returns
    -------
    SessionSummary
        JSON-serialisable (keys and units: ``docs/summary.md``): ``steps``, ``cadence_spm``,
        ``cadence_cv_pct``, ``gct_ms``, ``gct_balance_pct``, ``duty_factor``, ``flight_ms``
        (None for a walk, which has no flight), ``double_support_ms`` (None for a run),
        ``symmetry`` (metric → details), ``asymmetry`` (flagged metrics), ``symmetry_status``
        (metric → why its index is not shown: sensors not comparable, a difference below
        their time resolution, or a mean near zero; ``gct_balance`` too when
        ``gct_balance_pct`` is withheld because the sensors are not comparable), ``drift``,
        ``contact_time_left_out`` (:func:`tc_left_out`), ``windows`` (records) and
        ``stride_length_m`` where measured.
    """
    left_out = tc_left_out(steps)
    steps = _drop_uncertain_tc(steps)
    gct_ms, bal = gct_summary(steps)
    walk = is_walk(steps)
    sym_steps = with_double_support(steps) if walk else steps
    sym, status = _symmetries(sym_steps, walk, limits)
    if limits:
        mismatch = sides_mismatch(sym_steps, limits, "gct")
        if mismatch is not None and bal is not None:
            # the balance is the same left/right comparison of contact time on another scale;
            # a difference merely below the time resolution leaves it (it then reads "even")
            bal = None
            status["gct_balance"] = mismatch
    flight = _mean(steps["flight"]) if len(steps) else float("nan")
    windows = window_table(steps, window_steps)
    summary: SessionSummary = {
        "steps": len(steps),
        "cadence_spm": _f(cadence_spm(steps), 2) if len(steps) else None,
        "cadence_cv_pct": _f(_cv(steps["cadence"]), 2) if len(steps) else None,
        "gct_ms": gct_ms,
        "gct_balance_pct": bal,
        "duty_factor": _f(_mean(steps["duty_factor"]), 4) if len(steps) else None,
        "flight_ms": None if walk else _f(1000 * flight, 1),
        "double_support_ms": _f(-1000 * flight, 1) if walk else None,
        "symmetry": sym,
        "symmetry_status": status,
        "asymmetry": [
            AsymmetryEntry(metric=m, si_pct=r["si_pct"], longer=r["longer"])
            for m, r in sym.items()
            if r["asymmetry"]
        ],
        "drift": drift(steps),
        "contact_time_left_out": left_out,
        "windows": [
            cast(WindowRow, {k: (_f(v, 4) if isinstance(v, float) else v) for k, v in rec.items()})
            for rec in windows.to_dict(orient="records")
        ],
    }
    if "stride_length" in steps.columns:
        summary["stride_length_m"] = _f(_mean(steps["stride_length"]), 4)
    return summary


def _symmetries(
    sym_steps: pd.DataFrame, walk: bool, limits: Mapping[str, SensorLimits] | None
) -> tuple[dict[str, SymmetryEntry], dict[str, str]]:
    """Left/right comparisons of :data:`SYMMETRY_METRICS` and why any is not shown."""
    sym: dict[str, SymmetryEntry] = {}
    status: dict[str, str] = {}
    for m in SYMMETRY_METRICS:
        m = "double_support" if (walk and m == "flight") else m
        r = symmetry(sym_steps, m)
        if r is None:
            if _both_sides(sym_steps, m):
                status[m] = NEAR_ZERO_REASON
            continue
        why = (
            side_comparison(sym_steps, limits, m, float(r["left"] or 0.0), float(r["right"] or 0.0))
            if limits
            else None
        )
        if why is not None:
            status[m] = why
            continue
        sym[m] = r
    return sym, status

"""``analyze_balance``: from a Recording to per-trial sway metrics and a session verdict."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from gait.balance.activity import ActivityProfile, activity_profile
from gait.balance.compare import compare, verdict
from gait.balance.errors import BalanceInputError
from gait.balance.frames import Heading, heading_from_walking, nominal_heading, plane_signals
from gait.balance.hop import hop_path, stabilization
from gait.balance.resample import uniform
from gait.balance.result import BalanceResult
from gait.balance.series import TrialSeries
from gait.balance.sway import (
    PENDULUM_H,
    lean_from_acc,
    lean_from_gyro,
    lowpass,
    metric_margin,
    spectral,
    time_metrics,
)
from gait.balance.touchdowns import bess_errors, foot_touchdowns, lifted_foot, trunk_touchdowns
from gait.balance.trials import (
    HOP_WINDOW,
    MIN_TRIAL,
    TrialMark,
    find_trials,
    hop_landings,
    label_by_protocol,
)
from gait.contract.recording import Recording, Stream

#: Trunk placements in order of preference: (placement, phone mount).
TRUNK_PREFERENCE: tuple[tuple[str, str | None], ...] = (
    ("sacrum", None),
    ("phone", "belt"),
    ("phone", "sternum"),
    ("phone", None),
)
#: Columns of the per-trial table, in order (units: m/s² family for sway, deg for lean_*, s).
TRIAL_COLUMNS: tuple[str, ...] = (
    "trial",
    "kind",
    "leg",
    "eyes",
    "familiarisation",
    "labels",
    "t_start",
    "t_end",
    "duration",
    "win_start",
    "win_end",
    "rms_ap",
    "rms_ml",
    "rms",
    "range_ap",
    "range_ml",
    "dist",
    "path",
    "mean_velocity",
    "jerk",
    "area_rate",
    "mean_freq",
    "ellipse_area",
    "f50",
    "f95",
    "cf",
    "fd",
    "pwr",
    "f50_ap",
    "f50_ml",
    "lean_rms_ap",
    "lean_rms_ml",
    "lean_rms",
    "lean_ellipse_area",
    "lean_path",
    "lean_mean_velocity",
    "lean_jerk",
    "lean_method",
    "n_touchdowns",
    "touchdown_times",
    "touchdown_method",
    "completed",
    "time_to_failure",
    "bess_errors",
    "t_land",
    "stabilization_time",
    "hop_baseline",
    "hop_path",
    "flag",
    "flag_note",
)
#: A trial is "not still" when more than this share of it is non-quiet movement.
MAX_MOVING_SHARE = 0.3


def trunk_stream(rec: Recording) -> Stream:
    """The trunk stream to analyse (sacrum, else phone in a belt, at the sternum, unknown mount).

    Parameters
    ----------
    rec : Recording

    Returns
    -------
    Stream

    Raises
    ------
    BalanceInputError
        ``reason="not_trunk"`` when no stream is on the trunk.
    """
    for placement, mount in TRUNK_PREFERENCE:
        for s in rec.streams:
            if s.placement == placement and s.mount == mount and s.n > 1:
                return s
    have = (
        ", ".join(f"{s.placement}{'/' + s.mount if s.mount else ''}" for s in rec.streams) or "none"
    )
    raise BalanceInputError(
        "not_trunk",
        f"balance needs a sensor on the trunk (sacrum/lower back, or a phone in a waist belt or "
        f"against the sternum); this recording has: {have}",
    )


def analyze_balance(
    rec: Recording,
    *,
    trial_length: float | None = None,
    trials: pd.DataFrame | Sequence[TrialMark | dict[str, Any]] | None = None,
) -> BalanceResult:
    """Analyse a single-leg balance session.

    Trials come from, in order: ``trials``; protocol marks in ``rec.meta.extra
    ["balance_trials"]``; a *measured* reference table ``balance_trials`` (a protocol run
    that recorded its marks); otherwise they are found automatically (quiet single-leg
    stance between transitions; hop landings) and labelled in the protocol order.

    Parameters
    ----------
    rec : Recording
        A session with a trunk stream (sacrum or phone at belt/sternum); optional foot
        streams on the lifted foot.
    trial_length : float, optional
        Configured stance trial length, s. Trials shorter than half of it are flagged.
    trials : DataFrame or sequence of TrialMark or dict, optional
        Trial marks with ``t_start``, ``t_end`` (s) and optionally ``kind`` (stance|hop),
        ``leg``, ``eyes``, ``familiarisation``.

    Returns
    -------
    BalanceResult

    Raises
    ------
    BalanceInputError
        No trunk sensor, walking only, never still, no single-leg trial, or every trial too short.
    """
    stream, in_gap = uniform(trunk_stream(rec))
    profile = activity_profile(stream.acc, float(stream.rate))
    heading, flags = _heading(stream, profile)
    marks, mark_flags = _trial_marks(rec, trials, stream, profile)
    flags += mark_flags
    rows, series = _trial_rows(marks, stream, in_gap, profile, heading, rec, trial_length)
    table = _trial_table(rows)
    _raise_if_none_scoreable(table)
    flags += [
        f"trial {r['trial']} ({r['leg']} {r['eyes']} {r['kind']}): {r['flag']}"
        for r in rows
        if r["flag"]
    ]
    session = compare(table)
    session.update(
        {
            "stream": stream.name,
            "heading": {"source": heading.source, "quality": heading.quality},
            "walking_s": profile.walking_time,
            "n_trials": len(table),
        }
    )
    return BalanceResult(
        trials=table,
        session=session,
        verdict=verdict(session),
        flags=flags,
        series=series,
        duration=rec.duration,
    )


def _heading(stream: Stream, profile: ActivityProfile) -> tuple[Heading, list[str]]:
    """AP/ML heading from the walking between trials, else the sensor axes (with a flag)."""
    acc, rate = stream.acc, float(stream.rate)
    heading = heading_from_walking(acc, rate, profile.walking_runs)
    if heading is None or heading.quality < 0.6:
        flag = (
            "no clear walking between trials: AP/ML taken from the sensor axes "
            "(RMS total, ellipse area and frequencies are unaffected)"
        )
        return nominal_heading(acc.mean(axis=0)), [flag]
    return heading, []


def _trial_marks(
    rec: Recording,
    trials: pd.DataFrame | Sequence[TrialMark | dict[str, Any]] | None,
    stream: Stream,
    profile: ActivityProfile,
) -> tuple[list[TrialMark], list[str]]:
    """The given or recorded trial marks, else trials found and labelled (with a flag)."""
    marks = _given_marks(rec, trials)
    if marks is not None:
        return marks, []
    found, info = find_trials(stream.t, stream.acc, profile)
    if not found:
        _raise_no_trials(profile, info, stream)
    marks = _label(found, rec, float(stream.rate))
    if any(m.labels == "inferred" for m in marks):
        flag = (
            "trials found automatically; leg/eyes labels assume the protocol order "
            "(left, right with eyes open, then eyes closed; hops left, right)"
        )
    else:
        flag = "trials found automatically; stance leg from the lifted-foot sensors"
    return marks, [flag]


def _trial_rows(
    marks: list[TrialMark],
    stream: Stream,
    in_gap: NDArray[np.bool_],
    profile: ActivityProfile,
    heading: Heading,
    rec: Recording,
    trial_length: float | None,
) -> tuple[list[dict[str, Any]], list[TrialSeries]]:
    """One table row per trial (flagged when a data gap falls inside it), and the series."""
    t, rate = stream.t, float(stream.rate)
    rows: list[dict[str, Any]] = []
    series: list[TrialSeries] = []
    for k, m in enumerate(marks):
        g0, g1 = np.searchsorted(t, [m.t_start, m.t_end])
        if in_gap[g0:g1].any():
            gap = float(in_gap[g0:g1].sum() / rate)
            row, ser = _base_row(k, m), None
            row["flag"] = f"data gap of {gap:.1f} s inside the trial (not interpolated)"
        elif m.kind == "hop":
            row, ser = _hop_row(k, m, stream, profile)
        else:
            row, ser = _stance_row(k, m, stream, profile, heading, rec, trial_length)
        rows.append(row)
        if ser is not None:
            series.append(ser)
    return rows, series


def _trial_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as a table with :data:`TRIAL_COLUMNS`; text columns without NaN."""
    table = pd.DataFrame(rows).reindex(columns=list(TRIAL_COLUMNS))
    for col in ("flag", "flag_note", "touchdown_times"):
        table[col] = table[col].astype(object).where(table[col].notna(), "").astype(str)
    table["familiarisation"] = table["familiarisation"].astype(bool)
    return table


def _raise_if_none_scoreable(table: pd.DataFrame) -> None:
    """Raise when every trial is flagged, with the reason they share (if they share one)."""
    if not (table["flag"] != "").all():
        return
    reasons = "; ".join(sorted(set(table["flag"])))
    flags_all = list(table["flag"])
    reason: Literal["too_short", "never_still", "no_trials"] = "no_trials"
    if all(f.startswith("too short") for f in flags_all):
        reason = "too_short"
    elif all(f.startswith("not still") for f in flags_all):
        reason = "never_still"
    raise BalanceInputError(reason, f"no scoreable balance trial ({reasons})")


# ------------------------------------------------------------------------------ marks


def _given_marks(
    rec: Recording, trials: pd.DataFrame | Sequence[TrialMark | dict[str, Any]] | None
) -> list[TrialMark] | None:
    src: Any = None
    labels = "given"
    if trials is not None:
        src = trials
    elif rec.meta.extra.get("balance_trials"):
        src, labels = rec.meta.extra["balance_trials"], "protocol"
    elif (
        rec.reference is not None
        and rec.reference.kind == "measured"
        and "balance_trials" in rec.reference.tables
    ):
        src, labels = rec.reference.tables["balance_trials"], "protocol"
    if src is None:
        return None
    items = src.to_dict("records") if isinstance(src, pd.DataFrame) else list(src)
    out: list[TrialMark] = []
    for it in items:
        if isinstance(it, TrialMark):
            out.append(it)
            continue
        try:
            t0, t1 = float(it["t_start"]), float(it["t_end"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BalanceInputError(
                "no_trials", f"trial marks need numeric t_start and t_end: {it!r}"
            ) from exc
        out.append(
            TrialMark(
                t_start=t0,
                t_end=t1,
                kind=str(it.get("kind") or "stance"),
                leg=it.get("leg"),
                eyes=it.get("eyes"),
                familiarisation=bool(it.get("familiarisation") or False),
                labels=labels,
            )
        )
    if not out:
        raise BalanceInputError("no_trials", "the trial list is empty")
    return sorted(out, key=lambda m: m.t_start)


def _label(marks: list[TrialMark], rec: Recording, rate: float) -> list[TrialMark]:
    """Protocol-order labels; the stance leg from lifted-foot IMUs when both feet are worn."""
    marks = label_by_protocol(marks)
    feet = {s.side: s for s in rec.by_placement("foot") if s.side}
    if set(feet) != {"left", "right"}:
        return marks
    out: list[TrialMark] = []
    seen: dict[str, int] = {}
    for m in marks:
        if m.kind != "stance" or m.familiarisation:
            out.append(m)
            continue
        up = lifted_foot({s: f.slice_time(m.t_start, m.t_end).acc for s, f in feet.items()}, rate)
        if up is None:
            out.append(m)
            continue
        leg = "right" if up == "left" else "left"
        n = seen.get(leg, 0)
        seen[leg] = n + 1
        out.append(replace(m, leg=leg, eyes="open" if n == 0 else "closed", labels="foot sensor"))
    return out


def _raise_no_trials(profile: ActivityProfile, info: dict[str, float], stream: Stream) -> None:
    dur = stream.duration
    if profile.longest_quiet < 3.0:
        if profile.walking_time > 0.3 * dur:
            raise BalanceInputError(
                "walking",
                f"walking or running detected for {profile.walking_time:.0f} of {dur:.0f} s and no "
                "still period: this is not a balance session, or the sensor is not on the trunk",
            )
        raise BalanceInputError(
            "never_still",
            f"the runner never stood still (longest still period {profile.longest_quiet:.1f} s "
            f"in {dur:.0f} s); stand on one leg for {MIN_TRIAL:.0f}–30 s per trial",
        )
    if profile.walking_time > 0.4 * dur:
        raise BalanceInputError(
            "walking",
            f"mostly walking ({profile.walking_time:.0f} of {dur:.0f} s) and no single-leg stance: "
            "this is not a balance session, or the sensor is not on the trunk",
        )
    if info["short_s"] > 0:
        raise BalanceInputError(
            "too_short",
            f"single-leg stance lasted at most {info['short_s']:.1f} s; a trial needs at least "
            f"{MIN_TRIAL:.0f} s (30 s recommended)",
        )
    raise BalanceInputError(
        "no_trials",
        f"no single-leg balance trial found in {dur:.0f} s (still periods look like two-leg "
        f"standing: {info['two_leg_s']:.0f} s)",
    )


# ------------------------------------------------------------------------------ rows


def _base_row(k: int, m: TrialMark) -> dict[str, Any]:
    return {
        "trial": k,
        "kind": m.kind,
        "leg": m.leg,
        "eyes": m.eyes,
        "familiarisation": bool(m.familiarisation),
        "labels": m.labels,
        "t_start": m.t_start,
        "t_end": m.t_end,
        "duration": m.duration,
        "flag": "",
    }


def _moving_share(profile: ActivityProfile, i0: int, i1: int) -> float:
    if i1 <= i0:
        return 1.0
    from gait.balance.activity import QUIET_SD

    return float(np.mean(profile.sd[i0:i1] >= QUIET_SD))


def _stance_row(
    k: int,
    m: TrialMark,
    stream: Stream,
    profile: ActivityProfile,
    heading: Heading,
    rec: Recording,
    trial_length: float | None,
) -> tuple[dict[str, Any], TrialSeries | None]:
    row = _base_row(k, m)
    rate = float(stream.rate)
    i0, i1 = (int(x) for x in np.searchsorted(stream.t, [m.t_start, m.t_end], side="right"))
    i0 = max(i0 - 1, 0)
    if m.duration < MIN_TRIAL or i1 - i0 < int(MIN_TRIAL * rate * 0.9):
        row["flag"] = f"too short ({m.duration:.1f} s < {MIN_TRIAL:.0f} s)"
        return row, None
    share = _moving_share(profile, i0, i1)
    if share > MAX_MOVING_SHARE:
        row["flag"] = f"not still: moving {share * 100:.0f}% of the trial (walking or fidgeting)"
        return row, None
    if trial_length and m.duration < 0.5 * trial_length:
        row["flag_note"] = f"shorter than the configured {trial_length:.0f} s"
    t = stream.t[i0:i1]
    ps = plane_signals(
        stream.acc[i0:i1], None if stream.gyr is None else stream.gyr[i0:i1], heading
    )
    ap, ml = lowpass(ps.ap, rate), lowpass(ps.ml, rate)
    margin = metric_margin(m.duration)
    w = (t >= m.t_start + margin) & (t <= m.t_end - margin)
    row["win_start"], row["win_end"] = float(t[w][0]), float(t[w][-1])
    row.update(time_metrics(ap[w], ml[w], rate))
    row.update(spectral(ap[w] - ap[w].mean(), ml[w] - ml[w].mean(), rate))
    if ps.gyr_ap is not None and ps.gyr_ml is not None:
        lap, lml = lean_from_gyro(ps.gyr_ap, ps.gyr_ml, rate)
        row["lean_method"] = "gyroscope"
    else:
        h = PENDULUM_H.get(stream.mount if stream.placement == "phone" else "sacrum", 1.0)
        lap, lml = lean_from_acc(ap, ml, rate, h)
        row["lean_method"] = f"accelerometer (pendulum model, h = {h:.2f} m)"
    lean = time_metrics(lap[w], lml[w], rate, prefix="lean_")
    row.update(
        {
            k2: lean[k2]
            for k2 in (
                "lean_rms_ap",
                "lean_rms_ml",
                "lean_rms",
                "lean_ellipse_area",
                "lean_path",
                "lean_mean_velocity",
                "lean_jerk",
            )
        }
    )
    # Touch-downs: the lifted-foot IMU when worn, else the trunk.
    up = None if m.leg is None else ("right" if m.leg == "left" else "left")
    foot = next((s for s in rec.by_placement("foot", up) if up), None)
    if foot is not None and foot.n > 1:
        fs = foot.slice_time(m.t_start, m.t_end)
        tds = foot_touchdowns(fs.t, fs.acc, float(foot.rate))
        row["touchdown_method"] = f"lifted-foot IMU ({foot.name})"
    else:
        tds = trunk_touchdowns(t, ps.v, ap, ml, rate)
        row["touchdown_method"] = "trunk impact + sway change"
    row["n_touchdowns"] = int(tds.size)
    row["touchdown_times"] = ";".join(f"{x:.2f}" for x in tds)
    row["completed"] = bool(tds.size == 0)
    row["time_to_failure"] = float(tds[0] - m.t_start) if tds.size else float(m.duration)
    row["bess_errors"] = bess_errors(int(tds.size))
    ser = TrialSeries(
        trial=k,
        kind="stance",
        leg=m.leg,
        eyes=m.eyes,
        t=t,
        ap=ap,
        ml=ml,
        window=(row["win_start"], row["win_end"]),
        touchdowns=tds,
    )
    return row, ser


def _hop_row(
    k: int, m: TrialMark, stream: Stream, profile: ActivityProfile
) -> tuple[dict[str, Any], TrialSeries | None]:
    row = _base_row(k, m)
    rate = float(stream.rate)
    t_land = m.t_land
    if not math.isfinite(t_land):
        lands = [x for x in hop_landings(profile, stream.t) if m.t_start - 1.0 <= x <= m.t_end]
        if not lands:
            row["flag"] = "no hop landing found in the trial"
            return row, None
        t_land = lands[0]
    row["t_land"] = t_land
    seg = stream.slice_time(t_land, t_land + HOP_WINDOW)
    if seg.duration < HOP_WINDOW - 2.0 / rate or m.t_end - t_land < HOP_WINDOW - 1.0:
        row["flag"] = (
            f"too short: the stick phase lasted {m.t_end - t_land:.1f} s of the fixed "
            f"{HOP_WINDOW:.0f} s window"
        )
        return row, None
    tts, moving, base = stabilization(seg.acc, rate)
    row["stabilization_time"] = tts
    row["hop_baseline"] = base
    row["hop_path"] = hop_path(seg.acc, rate)
    row["n_touchdowns"] = 0
    ser = TrialSeries(
        trial=k,
        kind="hop",
        leg=m.leg,
        eyes=m.eyes,
        t=seg.t,
        ap=moving,
        ml=np.zeros(0),
        window=(t_land, t_land + HOP_WINDOW),
        touchdowns=np.zeros(0),
        tts=tts,
        baseline=base,
    )
    return row, ser

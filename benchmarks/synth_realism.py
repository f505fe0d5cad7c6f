"""How realistic is the synthetic generator? Compare synthetic WALKING with real walking.

For each real dataset in ``../shared/data/real/`` (all walking) and the matching
placement, simulate a walk with the same placement, sampling rate and cadence (taken from
the dataset's reference events), then compare, per recording and as medians:

* ``peak@IC``: peak |acc| (m/s², gravity included) from 20 ms before to 80 ms after each
  reference initial contact (phones: ±150 ms around each reference step);
* ``gyr p99``: 99th percentile of |gyr| (rad/s), the angular-rate range;
* ``acc sd``: SD of |acc| (m/s²), the overall dynamic level;
* ``f_dom/f_step``: dominant frequency of |acc| in 0.5–5 Hz divided by the step frequency
  (1 = step frequency, 0.5 = stride frequency);
* ``bp <3``, ``bp 3-10``, ``bp >10``: fractions of the |acc| power (0.5 Hz to Nyquist, at
  most 25 Hz) in the bands 0.5–3, 3–10 and 10–25 Hz (Welch spectrum).

A second table compares synthetic RUNNING with the real running data (Bach shank at ±8 g,
Alcantara sacrum): ``peak@IC``, ``clipped %`` (samples at ≥ 98 % of full scale), ``acc sd``,
the band powers, and ``TC sign. ms``: how long after the true terminal contact the signal
feature that marks take-off comes (shank: the extreme of the sagittal tilt, the feature the
accelerometer-only shank detector uses when clipped; sacrum: the trunk reaching free fall).

A third table (:func:`sacrum_before_after`) compares the sacrum's stance-normalised
vertical and AP profiles with the 16 Alcantara et al. (2022) trials, each matched by a
synthetic run and filtered and clipped as the authors did: vertical peak timing and size,
mid-stance peak, unloading, vertical at take-off, AP braking minimum and propulsion maximum,
for the trunk model before this comparison (:data:`BEFORE_COMMIT`) and now.

Norms are used so that no axis convention or mounting matters (except in the sacrum table,
which uses the sensors' own vertical and AP axes). Files are read with
``gait.io.read`` (the project's readers). Run: ``python benchmarks/synth_realism.py``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import welch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gait.contract.recording import Stream  # noqa: E402
from gait.io import read  # noqa: E402
from gait.synth import GaitParams, SensorParams, synthesize  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"
METRICS = ("peak@IC", "gyr p99", "acc sd", "f_dom/f_step", "bp <3", "bp 3-10", "bp >10")


@dataclass
class Case:
    """One real recording's stream, its contact times and walking window."""

    dataset: str
    placement: str  # synth placement spec
    stream: Stream
    ic: np.ndarray
    t0: float
    t1: float
    step_time: float


def metrics(
    s: Stream, ic: np.ndarray, t0: float, t1: float, step_time: float, phone: bool
) -> dict[str, float]:
    """The comparison metrics of one stream over the walking window [t0, t1] (s)."""
    m = (s.t >= t0) & (s.t <= t1)
    t, acc = s.t[m], s.acc[m]
    an = np.linalg.norm(acc, axis=1)
    lo, hi = (-0.15, 0.15) if phone else (-0.02, 0.08)
    peaks = [
        an[(t >= c + lo) & (t <= c + hi)].max()
        for c in ic
        if t0 <= c + lo and c + hi <= t1 and np.any((t >= c + lo) & (t <= c + hi))
    ]
    out = {"peak@IC": float(np.median(peaks)) if peaks else np.nan, "acc sd": float(an.std())}
    if s.gyr is not None:
        out["gyr p99"] = float(np.percentile(np.linalg.norm(s.gyr[m], axis=1), 99))
    else:
        out["gyr p99"] = np.nan
    fs = float(s.rate)
    f, p = welch(an - an.mean(), fs=fs, nperseg=min(an.size, int(8 * fs)))
    band = (f >= 0.5) & (f <= 5.0)
    out["f_dom/f_step"] = float(f[band][np.argmax(p[band])] * step_time)
    top = min(25.0, fs / 2)
    tot = p[(f >= 0.5) & (f <= top)].sum()
    out["bp <3"] = float(p[(f >= 0.5) & (f < 3)].sum() / tot)
    out["bp 3-10"] = float(p[(f >= 3) & (f < 10)].sum() / tot)
    out["bp >10"] = float(p[(f >= 10) & (f <= top)].sum() / tot)
    return out


def _step_time(ic: np.ndarray) -> float:
    d = np.diff(np.sort(ic))
    d = d[(d > 0.3) & (d < 1.2)]
    return float(np.median(d))


def real_cases() -> list[Case]:
    """Streams of the real datasets with their reference contacts and walking windows."""
    cases: list[Case] = []
    rec = read(REAL / "gaitmap_feet_walk" / "imu_sample.csv")
    ev = rec.reference.events if rec.reference is not None else None
    assert ev is not None
    for s in rec.streams:
        ic = ev[ev.side == s.side]["t_ic"].to_numpy()
        cases.append(
            Case(
                "gaitmap_feet_walk",
                f"foot-{s.side}",
                s,
                ic,
                ic.min() - 0.5,
                ic.max() + 0.5,
                _step_time(ev["t_ic"].to_numpy()),
            )
        )
    for lf in sorted((REAL / "ipol_feet_lowerback_walk").glob("*_lf.txt")):
        rec = read(lf)
        assert rec.reference is not None
        ev = rec.reference.events
        seg = rec.reference.tables["segments"].set_index("segment")
        # Straight walking only: from the trial start to the U-turn.
        t0 = float(seg.loc["trial", "t_start"])
        t1 = (
            float(seg.loc["u_turn", "t_start"])
            if "u_turn" in seg.index
            else float(seg.loc["trial", "t_end"])
        )
        st = _step_time(ev["t_ic"].to_numpy())
        for s in rec.streams:
            if s.placement == "foot":
                ic = ev[ev.side == s.side]["t_ic"].to_numpy()
                spec = f"foot-{s.side}"
            else:
                ic = ev["t_ic"].to_numpy()
                spec = "sacrum"
            cases.append(Case("ipol_feet_lowerback_walk", spec, s, ic, t0, t1, st))
    for mat in sorted((REAL / "mobgap_lowerback_walk").rglob("data.mat")):
        rec = read(mat)
        assert rec.reference is not None
        ev = rec.reference.events
        if ev.empty:
            continue
        b = rec.reference.tables.get("bouts")
        if b is not None and "t_start" in b and len(b):
            t0, t1 = float(b["t_start"].min()), float(b["t_end"].max())
        else:
            t0, t1 = float(ev["t_ic"].min()), float(ev["t_ic"].max())
        cases.append(
            Case(
                "mobgap_lowerback_walk",
                "sacrum",
                rec.streams[0],
                ev["t_ic"].to_numpy(),
                t0,
                t1,
                _step_time(ev["t_ic"].to_numpy()),
            )
        )
    carry = {
        "hand": "phone-hand",
        "armband": "phone-armband",
        "frontpocket": "phone-pocket",
        "backpocket": "phone-pocket",
    }
    for f in sorted((REAL / "oxford_phone_walk").glob("*.csv")):
        key = f.name.split("_")[1]
        if key not in carry:
            continue
        rec = read(f)
        assert rec.reference is not None
        ic = rec.reference.events["t_ic"].to_numpy()
        cases.append(
            Case(
                f"oxford_phone_walk ({key})",
                carry[key],
                rec.streams[0],
                ic,
                float(ic.min()),
                float(ic.max()),
                _step_time(ic),
            )
        )
    return cases


def synthetic_for(case: Case, seed: int) -> dict[str, float]:
    """Metrics of a synthetic walk matched to ``case`` (placement, rate, cadence)."""
    cadence = float(np.clip(60.0 / case.step_time, 80, 135))
    rate = float(case.stream.rate)
    rec = synthesize(
        activity="walk",
        placements=(case.placement,),
        duration=40.0,
        rate=rate,
        seed=seed,
        gait=GaitParams(cadence=cadence, treadmill=False),
    )
    s = rec.streams[0]
    if case.stream.gyr is None:
        s = Stream(
            placement=s.placement,
            side=s.side,
            t=s.t,
            acc=s.acc,
            gyr=None,
            rate=s.rate,
            mount=s.mount,
        )
    assert rec.reference is not None
    ev = rec.reference.events
    ic = ev["t_ic"].to_numpy()
    if case.placement.startswith("foot"):
        ic = ev[ev.side == case.placement.split("-")[1]]["t_ic"].to_numpy()
    return metrics(s, ic, 2.0, 38.0, 60.0 / cadence, case.placement.startswith("phone"))


# --------------------------------------------------------------------------- running
RUN_METRICS = ("peak@IC", "clipped %", "acc sd", "bp 3-10", "bp >10", "TC sign. ms")


def tc_signature(s: Stream, ic: np.ndarray, tc: np.ndarray) -> float:
    """Median delay (ms) from each true TC to the signal feature that marks take-off.

    Shank: the extreme of the sagittal tilt of the specific force
    (:func:`gait.analysis.placements.leg.tilt_tc`, run on the true ICs). Sacrum: the first sample
    after the loading peak where the vertical specific force comes within 0.1 g of the
    flight level (free fall), i.e. how long the trunk lags the take-off.
    """
    from gait.analysis.orient import gravity_direction
    from gait.analysis.placements._signal import contiguous_segments, lowpass
    from gait.analysis.placements.leg import tilt_tc

    ok = np.isfinite(tc)
    ic, tc = ic[ok], tc[ok]
    if s.placement == "shank":
        seg = contiguous_segments(s.t, s.acc, None, s.rate)[0][0]
        i = np.clip(np.searchsorted(seg.t, ic), 0, seg.t.size - 1)
        got, good, _ = tilt_tc(seg, i.astype(np.intp))
        return float(1000 * np.median(seg.t[got[good]] - tc[good])) if good.any() else np.nan
    fs = float(s.rate)
    a_v = lowpass(np.einsum("ij,ij->i", s.acc, gravity_direction(s.acc, fs)), fs, 30.0)
    out = []
    nxt = np.append(ic[1:], np.inf)
    for a, b, c in zip(ic, tc, nxt, strict=True):
        # This stance's loading peak, and the flight up to the next contact at most: with a
        # short flight, TC + 0.15 s reaches into the next stance, whose impact peak may be
        # higher and whose contact may dip below the flight level.
        i0, ib, i1 = np.searchsorted(s.t, [a, b, min(b + 0.15, c)])
        if i1 >= s.t.size or ib - i0 < 5 or i1 - ib < 2:
            continue
        pk = i0 + int(np.argmax(a_v[i0:ib]))
        base = float(np.min(a_v[pk:i1]))
        below = np.flatnonzero(a_v[pk:i1] < base + 0.1 * 9.80665)
        if below.size:
            out.append(s.t[pk + below[0]] - b)
    return float(1000 * np.median(out)) if out else np.nan


def run_metrics(s: Stream, ic: np.ndarray, tc: np.ndarray) -> dict[str, float]:
    """Running comparison metrics of one stream (norms, so no axis convention matters)."""
    t0, t1 = float(ic.min()) - 0.2, float(np.nanmax(tc)) + 0.2
    m = metrics(
        s, ic, t0, t1, _step_time(ic) if s.placement == "sacrum" else _step_time(ic) / 2, False
    )
    scale = s.acc_range or float(np.abs(s.acc).max())
    m["clipped %"] = float(100 * np.mean((np.abs(s.acc) >= 0.98 * scale).any(axis=1)))
    m["TC sign. ms"] = tc_signature(s, ic, tc)
    return m


def running_rows() -> list[tuple[str, str, dict[str, float], dict[str, float]]]:
    """Real running trials (Bach shank, Alcantara sacrum) against matched synthetic runs."""
    rows = []
    bach = REAL / "bach_shank_run_walk" / "walk+run_dev.mat"
    for k in range(1, 8):
        rec = read(f"{bach}::{k}")
        if rec.meta.activity != "run" or rec.reference is None:
            continue
        ev = rec.reference.events
        real = run_metrics(rec.streams[0], ev["t_ic"].to_numpy(), ev["t_tc"].to_numpy())
        cad = 120.0 / float(np.median(np.diff(ev["t_ic"].to_numpy())))
        syn = synthesize(
            "run",
            ("shank-left",),
            duration=30.0,
            rate=float(rec.streams[0].rate),
            seed=k,
            gait=GaitParams(speed=rec.meta.treadmill_speed, cadence=cad),
            sensor=SensorParams(no_gyro=True, acc_range=8 * 9.80665, rotation="uniform"),
        )
        sev = syn.reference.events if syn.reference is not None else None
        assert sev is not None
        sev = sev[sev.side == "left"]
        rows.append(
            (
                "bach_shank_run_walk",
                "shank",
                real,
                run_metrics(syn.streams[0], sev["t_ic"].to_numpy(), sev["t_tc"].to_numpy()),
            )
        )
    alc = REAL / "alcantara_sacrum_run" / "Accelerometer_dev.csv"
    for k in range(1, 17):
        rec = read(f"{alc}::{k}")
        if rec.reference is None:
            continue
        ev = rec.reference.events
        real = run_metrics(rec.streams[0], ev["t_ic"].to_numpy(), ev["t_tc"].to_numpy())
        cad = 60.0 / float(np.median(np.diff(ev["t_ic"].to_numpy())))
        syn = synthesize(
            "run",
            ("sacrum",),
            duration=20.0,
            rate=500.0,
            seed=k,
            gait=GaitParams(speed=rec.meta.treadmill_speed, cadence=cad),
            sensor=SensorParams(no_gyro=True),
        )
        sev = syn.reference.events if syn.reference is not None else None
        assert sev is not None
        rows.append(
            (
                "alcantara_sacrum_run",
                "sacrum",
                real,
                run_metrics(syn.streams[0], sev["t_ic"].to_numpy(), sev["t_tc"].to_numpy()),
            )
        )
    return rows


def print_running() -> None:
    """Print the real-vs-synthetic running table (medians over trials; real | synthetic)."""
    groups: dict[tuple[str, str], list[tuple[dict[str, float], dict[str, float]]]] = {}
    for ds, pl, r, s in running_rows():
        groups.setdefault((ds, pl), []).append((r, s))
    print("\nSynthetic RUNNING vs real running (medians over trials; real | synthetic)")
    head = f"{'dataset':<34}{'placement':<15}{'n':>3}  " + "  ".join(
        f"{m:>15}" for m in RUN_METRICS
    )
    print(head)
    print("-" * len(head))
    for (ds, pl), rows in groups.items():
        cells = []
        for m in RUN_METRICS:
            rv = [r[m] for r, _ in rows if np.isfinite(r[m])]
            sv = [s[m] for _, s in rows if np.isfinite(s[m])]
            cells.append(
                f"{np.median(rv):7.2f}|{np.median(sv):<7.2f}" if rv and sv else "n/a".rjust(15)
            )
        print(f"{ds:<34}{pl:<15}{len(rows):>3}  " + "  ".join(cells))


def shank_impact_before_after() -> None:
    """Print the shank impact (peak@IC, clipped %) of the real running trials vs the synthetic.

    The synthetic shank is shown with the foot's impact transient alone (before, gain 1) and
    with the shank's own gain (after, :data:`gait.synth.body.SHANK_IMPACT_GAIN`).
    """
    from unittest import mock

    import gait.synth.body as body

    bach = REAL / "bach_shank_run_walk" / "walk+run_dev.mat"
    rows: dict[str, list[dict[str, float]]] = {"real": [], "before": [], "after": []}
    for k in range(1, 8):
        rec = read(f"{bach}::{k}")
        if rec.meta.activity != "run" or rec.reference is None:
            continue
        ev = rec.reference.events
        rows["real"].append(
            run_metrics(rec.streams[0], ev["t_ic"].to_numpy(), ev["t_tc"].to_numpy())
        )
        cad = 120.0 / float(np.median(np.diff(ev["t_ic"].to_numpy())))
        for label, gain in (("before", 1.0), ("after", body.SHANK_IMPACT_GAIN)):
            with mock.patch.object(body, "SHANK_IMPACT_GAIN", gain):
                syn = synthesize(
                    "run",
                    ("shank-left",),
                    duration=30.0,
                    rate=float(rec.streams[0].rate),
                    seed=k,
                    gait=GaitParams(speed=rec.meta.treadmill_speed, cadence=cad),
                    sensor=SensorParams(no_gyro=True, acc_range=8 * 9.80665, rotation="uniform"),
                )
            assert syn.reference is not None
            sev = syn.reference.events[syn.reference.events.side == "left"]
            rows[label].append(
                run_metrics(syn.streams[0], sev["t_ic"].to_numpy(), sev["t_tc"].to_numpy())
            )
    print("\nShank impact, Bach running at ±8 g (medians over trials)")
    print(f"{'':<34}{'peak@IC':>10}{'clipped %':>11}")
    names = {
        "real": "real",
        "before": "synthetic, gain 1 (before)",
        "after": f"synthetic, gain {body.SHANK_IMPACT_GAIN} (after)",
    }
    for label, ms in rows.items():
        print(
            f"{names[label]:<34}{np.median([m['peak@IC'] for m in ms]):>10.1f}"
            f"{np.median([m['clipped %'] for m in ms]):>11.2f}"
        )


# --------------------------------------------------------------------------- sacrum profile
#: Stance-normalised sacral features compared with Alcantara et al. (2022): vertical peak
#: (time as fraction of stance, g), impact peak in the first 35 % of stance, active peak
#: from 35 % to 80 %, unloading (first fraction after the active peak where the vertical
#: falls below 1 g) and the vertical at take-off (last 5 % of stance); AP (trial mean
#: removed) braking minimum and propulsion maximum.
SACRUM_FEATURES = (
    "v_peak_t",
    "v_peak_g",
    "v_imp_t",
    "v_imp_g",
    "v_act_g",
    "v_unload_t",
    "v_tc_g",
    "ap_min_t",
    "ap_min_g",
    "ap_max_t",
    "ap_max_g",
)
#: The commit whose trunk model is "before" in :func:`sacrum_before_after`.
BEFORE_COMMIT = "0aa8b37ba123fd274fac32337688d333ee1d0ca6"
#: Foot-strike angle (deg) given to the synthetic runner for each strike label of a trial.
STRIKE_FSA = {"RFS": 14.0, "MFS": 3.0, "FFS": -8.0}
ALCANTARA_FC = 20.0
_GRID = np.linspace(0.0, 1.0, 101)


def sacrum_profiles(
    t: np.ndarray, vert_g: np.ndarray, ap_g: np.ndarray, ic: np.ndarray, tc: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Median stance-normalised vertical and AP profiles (g) on 101 points from IC to TC.

    Parameters
    ----------
    t : ndarray
        Sample times, s.
    vert_g, ap_g : ndarray
        Vertical (gravity included) and anteroposterior (trial mean removed) specific
        force, g.
    ic, tc : ndarray
        Initial and terminal contacts, s (stances with a NaN TC or outside ``t`` are skipped).
    """
    pv, pa = [], []
    for a, b in zip(ic, tc, strict=True):
        if not np.isfinite(b) or a < t[0] or b > t[-1]:
            continue
        tt = a + _GRID * (b - a)
        pv.append(np.interp(tt, t, vert_g))
        pa.append(np.interp(tt, t, ap_g))
    return np.median(pv, axis=0), np.median(pa, axis=0)


def sacrum_features(pv: np.ndarray, pa: np.ndarray) -> dict[str, float]:
    """The :data:`SACRUM_FEATURES` of one pair of stance profiles (fractions of stance, g)."""
    imp = _GRID <= 0.35
    act = (_GRID > 0.35) & (_GRID <= 0.8)
    k_act = int(np.flatnonzero(act)[np.argmax(pv[act])])
    below = np.flatnonzero(pv[k_act:] < 1.0)
    return {
        "v_peak_t": float(_GRID[np.argmax(pv)]),
        "v_peak_g": float(pv.max()),
        "v_imp_t": float(_GRID[imp][np.argmax(pv[imp])]),
        "v_imp_g": float(pv[imp].max()),
        "v_act_g": float(pv[k_act]),
        "v_unload_t": float(_GRID[k_act + below[0]]) if below.size else 1.0,
        "v_tc_g": float(pv[_GRID >= 0.95].mean()),
        "ap_min_t": float(_GRID[np.argmin(pa)]),
        "ap_min_g": float(pa.min()),
        "ap_max_t": float(_GRID[np.argmax(pa)]),
        "ap_max_g": float(pa.max()),
    }


def stance_speed_loss(t: np.ndarray, ap: np.ndarray, ic: np.ndarray, tc: np.ndarray) -> float:
    """Median over stances of the AP speed lost from IC (m/s): ``v(IC) - min v`` over stance.

    ``ap`` is the AP acceleration in m/s² with its trial mean removed; this is the
    generator's definition of ``braking`` applied to a sensor's AP axis.
    """
    out = []
    for a, b in zip(ic, tc, strict=True):
        m = (t >= a) & (t <= b)
        if not np.isfinite(b) or m.sum() < 5:
            continue
        v = np.concatenate([[0.0], np.cumsum((ap[m][1:] + ap[m][:-1]) / 2 * np.diff(t[m]))])
        out.append(-v.min())
    return float(np.median(out))


def alcantara_like(s: Stream) -> tuple[np.ndarray, np.ndarray]:
    """Vertical and AP (g, AP mean removed) of a synthetic sacrum prepared as Alcantara's.

    The authors of the Alcantara data low-passed at 20 Hz and clipped the vertical at 0 g
    below; we apply a zero-lag Butterworth at 20 Hz
    (:func:`gait.analysis.placements._signal.lowpass`, order 2 run forward and backward: our
    assumption of their filter) and the same clip.

    The synthetic sensor stays in its nominal frame. The real sensor's pitch cannot be
    read reliably from its means (they give 10-37 deg on level running, and its whole-stride
    mean vertical is 1.18 g where the treadmill force averages 1.00 BW), so no tilt is
    imposed; the AP mean is removed from both.
    """
    from gait.analysis.placements._signal import lowpass

    acc = lowpass(s.acc, float(s.rate), ALCANTARA_FC) / 9.80665
    return np.maximum(acc[:, 2], 0.0), acc[:, 0] - acc[:, 0].mean()


def sacrum_rows(trunk: type | None = None) -> list[dict[str, object]]:
    """Real and matched synthetic sacral features, one dict per Alcantara trial.

    Each synthetic run copies the trial's belt speed, cadence and contact time (from its
    force contacts), its strike label (:data:`STRIKE_FSA`) and its measured AP speed loss
    (:func:`stance_speed_loss`) as ``braking``, no gyroscope, sensor in its nominal frame,
    then filtered and clipped as the authors did (:func:`alcantara_like`).
    ``trunk`` replaces the generator's trunk model class (for the "before" model).
    """
    from unittest import mock

    import gait.synth.body as body

    alc = REAL / "alcantara_sacrum_run" / "Accelerometer_dev.csv"
    rows: list[dict[str, object]] = []
    for k in range(1, 17):
        rec = read(f"{alc}::{k}")
        if rec.reference is None:
            continue
        s = rec.streams[0]
        ev = rec.reference.events
        ic, tc = ev["t_ic"].to_numpy(), ev["t_tc"].to_numpy()
        ap_real = s.acc[:, 0] - s.acc[:, 0].mean()
        real = sacrum_features(
            *sacrum_profiles(s.t, s.acc[:, 2] / 9.80665, ap_real / 9.80665, ic, tc)
        )
        brk = stance_speed_loss(s.t, ap_real, ic, tc)
        gct = float(np.nanmedian(tc - ic))
        cad = 60.0 / float(np.median(np.diff(ic)))
        label = str(rec.meta.extra.get("foot_strike") or "RFS")
        gp = GaitParams(
            speed=rec.meta.treadmill_speed,
            cadence=cad,
            gct=gct,
            braking=brk,
            foot_strike_angle=STRIKE_FSA.get(label, 14.0),
        )
        with mock.patch.object(body, "TrunkModel", trunk or body.TrunkModel):
            syn = synthesize(
                "run",
                ("sacrum",),
                duration=20.0,
                rate=500.0,
                seed=k,
                gait=gp,
                sensor=SensorParams(no_gyro=True, rotation="none"),
            )
        assert syn.reference is not None
        sev = syn.reference.events
        v, ap = alcantara_like(syn.streams[0])
        synf = sacrum_features(
            *sacrum_profiles(
                syn.streams[0].t, v, ap, sev["t_ic"].to_numpy(), sev["t_tc"].to_numpy()
            )
        )
        rows.append(
            {
                "trial": k,
                "slope": rec.meta.extra.get("slope_pct"),
                "strike": label,
                "braking": brk,
                "real": real,
                "synthetic": synf,
            }
        )
    return rows


def _before_trunk() -> type:
    """The trunk model class as of :data:`BEFORE_COMMIT` (read with ``git show``)."""
    import subprocess
    import types

    src = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{BEFORE_COMMIT}:gait/synth/trunk.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    mod = types.ModuleType("trunk_before")
    sys.modules["trunk_before"] = mod  # dataclasses look their module up
    exec(compile(src, "trunk_before.py", "exec"), mod.__dict__)
    return mod.TrunkModel  # type: ignore[no-any-return]


def sacrum_before_after() -> None:
    """Print the sacral stance features: real, the synthetic model before, and now.

    Real is the median over the 16 Alcantara trials; before is the synthetic model before
    this change (:data:`BEFORE_COMMIT`); the rows are matched per trial.
    """
    after = sacrum_rows()
    before = sacrum_rows(_before_trunk())
    print(
        "\nSacrum stance profile, Alcantara running (medians over 16 trials; t = fraction of "
        "stance, g)"
    )
    print(f"{'':<22}" + "".join(f"{f:>11}" for f in SACRUM_FEATURES))
    for name, rows, key in (
        ("real", after, "real"),
        ("synthetic before", before, "synthetic"),
        ("synthetic after", after, "synthetic"),
    ):
        vals = [np.median([r[key][f] for r in rows]) for f in SACRUM_FEATURES]  # type: ignore[index]
        print(f"{name:<22}" + "".join(f"{v:>11.3f}" for v in vals))
    print(
        "real AP speed loss used as braking (m/s): median "
        f"{np.median([float(r['braking']) for r in after]):.3f}"
    )  # type: ignore[arg-type]


def main() -> int:
    """Print the real-vs-synthetic tables (walking, then running); return 0."""
    cases = real_cases()
    groups: dict[tuple[str, str], list[tuple[dict[str, float], dict[str, float]]]] = {}
    for i, c in enumerate(cases):
        r = metrics(c.stream, c.ic, c.t0, c.t1, c.step_time, c.placement.startswith("phone"))
        s = synthetic_for(c, seed=i)
        groups.setdefault(
            (c.dataset, c.placement.replace("-left", "").replace("-right", "")), []
        ).append((r, s))
    print("Synthetic WALKING vs real walking (medians over recordings; real | synthetic)")
    head = f"{'dataset':<34}{'placement':<15}{'n':>3}  " + "  ".join(f"{m:>15}" for m in METRICS)
    print(head)
    print("-" * len(head))
    for (ds, pl), rows in groups.items():
        cells = []
        for m in METRICS:
            rvals = [r[m] for r, _ in rows if np.isfinite(r[m])]
            svals = [s[m] for _, s in rows if np.isfinite(s[m])]
            if not rvals or not svals:
                cells.append("n/a".rjust(15))
                continue
            cells.append(f"{np.median(rvals):7.2f}|{np.median(svals):<7.2f}")
        print(f"{ds:<34}{pl:<15}{len(rows):>3}  " + "  ".join(cells))
    print_running()
    shank_impact_before_after()
    sacrum_before_after()
    return 0


if __name__ == "__main__":
    sys.exit(main())

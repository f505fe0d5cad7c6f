"""False alarms of the input checks (:mod:`gait.analysis.quality.plausibility`) on real recordings.

Run: ``.venv/bin/python benchmarks/input_checks.py [--pipeline] [--live] [--root DIR]``

Every stream of every public recording in ``../shared/data/real`` (read by the project's
readers, so in SI units with correct labels) goes through the checks four ways, each of which
must hold:

* ``grav``: the gravity estimate in m/s² and the unit it implies for the numbers as stored
  in SI (must be ``m/s2``) and divided by g (must be ``g``), i.e. a user handing in the same
  data in either unit without ``--acc-unit`` gets it right;
* ``gyr``: 99th percentile of |gyr| (rad/s) and the unit :func:`resolve_gyr_unit` infers for
  the numbers in rad/s (must be ``rad/s``) and in °/s (must be ``deg/s``);
* ``placement``: the placement verdict for the true label (must be none: a false alarm
  otherwise) — gyroscope streams only;
* with ``--pipeline``, the full :func:`gait.analysis.pipeline.analyze` (about 20 s for all): its
  ``input_checks`` must be empty (side and step-count checks included), except the true
  findings of :func:`expected_codes` (one shank without a side is one leg).

* with ``--live``, the live checks (:mod:`gait.apps.live.reasons`) on every whole 20 s window
  of every stream: false alarms with the true label, and how often a swapped label (leg read
  as sacrum, sacrum read as foot) is caught; then the same without the gyroscope, as a live
  phone streams (acceleration only): every trunk stream labelled as a belt phone (must be
  silent) and every leg stream labelled as a belt phone (caught how often).

Prints one row per stream and a last line counting the failures; exits 1 if there are any.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT, ROOT / "benchmarks"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from gait.analysis.quality.plausibility import (  # noqa: E402
    acc_unit_from_gravity,
    gravity_estimate,
    gyro_motion,
    placement_suspect,
    resolve_gyr_unit,
)
from gait.contract.recording import Recording, Stream  # noqa: E402
from gait.io.units import G  # noqa: E402

REAL_DIR = ROOT.parent / "shared" / "data" / "real"


def recordings(root: Path) -> list[tuple[str, str, Recording]]:
    """``(dataset, name, recording)`` of every real walking and running recording."""
    import validate_real
    import validate_running

    out = [(c.dataset, c.name, c.recording) for c in validate_real.load_cases(root)]
    out += [(c.dataset, c.name, c.recording) for c in validate_running.load_cases(root)]
    return out


def stream_row(st: Stream) -> dict[str, object]:
    """The checks of one correctly labelled SI stream, and which of them fail."""
    grav = gravity_estimate(st.acc, st.rate)
    row: dict[str, object] = {
        "stream": st.name,
        "placement": st.placement,
        "grav_ms2": grav,
        "as_ms2": acc_unit_from_gravity(grav),
        "as_g": acc_unit_from_gravity(grav / G),
    }
    fails = [] if row["as_ms2"] == "m/s2" else ["acc m/s2 read as " + str(row["as_ms2"])]
    if row["as_g"] != "g":
        fails.append("acc g read as " + str(row["as_g"]))
    motion = gyro_motion(st.gyr)
    if st.gyr is not None and motion is not None:
        rad = resolve_gyr_unit(st.gyr, None)
        deg = resolve_gyr_unit(st.gyr * 180.0 / np.pi, None)
        p = np.sqrt(np.einsum("ij,ij->i", st.gyr, st.gyr))
        row.update(
            gyr_p99=float(np.percentile(p[np.isfinite(p)], 99)),
            gyr_rad=rad,
            gyr_deg=deg,
            moving_p99=motion[1],
        )
        fails += [f"gyr rad/s read as {rad}"] if rad != "rad/s" else []
        fails += [f"gyr deg/s read as {deg}"] if deg != "deg/s" else []
        verdict = placement_suspect(st.placement, st.mount, *motion)
        row["placement"] = f"{st.placement}: {verdict or 'ok'}"
        if verdict:
            fails.append(f"placement {verdict}")
    row["fails"] = "; ".join(fails)
    return row


def expected_codes(rec: Recording) -> set[str]:
    """Checks that are true findings for a correctly labelled recording.

    A recording of one leg sensor alone (Bach et al.: one shank, side not given) is one leg,
    side unknown.
    """
    legs = [s for s in rec.streams if s.placement in ("foot", "shank")]
    if len(legs) == 1 and len(rec.streams) == 1:
        return {"one_leg"} | ({"side_unknown"} if legs[0].side is None else set())
    return set()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=REAL_DIR, help="folder of the real data")
    ap.add_argument("--pipeline", action="store_true", help="also run the full analysis (slow)")
    ap.add_argument(
        "--live",
        action="store_true",
        help="also run the live checks on every 20 s window (with and without the gyroscope)",
    )
    args = ap.parse_args(argv)
    n_streams = n_fail = n_rec = 0
    grav_all: dict[str, list[float]] = {}
    p99_all: dict[str, list[float]] = {}
    print(
        f"{'recording':44s} {'stream':13s} {'grav m/s²':>9s} {'gyr p99':>8s} {'moving p99':>10s}  "
        "result"
    )
    for dataset, name, rec in recordings(args.root):
        n_rec += 1
        label = f"{dataset[:24]}/{name}"[:44]
        for st in rec.streams:
            r = stream_row(st)
            n_streams += 1
            n_fail += bool(r["fails"])
            grav_all.setdefault(st.placement, []).append(float(r["grav_ms2"]))  # type: ignore[arg-type]
            if "moving_p99" in r:
                p99_all.setdefault(st.placement, []).append(float(r["moving_p99"]))  # type: ignore[arg-type]
            gp = f"{r['gyr_p99']:8.2f}" if "gyr_p99" in r else f"{'–':>8s}"
            mp = f"{r['moving_p99']:10.2f}" if "moving_p99" in r else f"{'–':>10s}"
            print(f"{label:44s} {st.name:13s} {r['grav_ms2']:9.2f} {gp} {mp}  {r['fails'] or 'ok'}")
        if args.pipeline:
            from gait.analysis.pipeline import analyze
            from gait.contract.errors import AnalysisError

            try:
                checks = analyze(rec).summary.get("input_checks") or []
            except AnalysisError as exc:
                print(f"{label:44s} {'(pipeline)':13s} not analysed: {exc}")
                continue
            expected = expected_codes(rec)
            wrong = [c for c in checks if c["code"] not in expected]
            n_fail += bool(wrong)
            codes = ", ".join(f"{c['code']}:{c['stream']}" for c in checks) or "none"
            verdict = "FALSE ALARM" if wrong else "ok"
            print(f"{label:44s} {'(pipeline)':13s} input_checks: {codes} ({verdict})")
    print()
    for pl in sorted(grav_all):
        g = np.array(grav_all[pl])
        p = np.array(p99_all.get(pl, []))
        gyr = f", moving gyr p99 {p.min():.2f}–{p.max():.2f} rad/s" if p.size else ""
        print(f"{pl:7s}: {g.size:3d} streams, gravity {g.min():.2f}–{g.max():.2f} m/s²{gyr}")
    print(f"{n_rec} recordings, {n_streams} streams, {n_fail} false alarm(s)")
    if args.live:
        n_fail += live_windows(args.root)
    return 1 if n_fail else 0


def live_windows(root: Path) -> int:
    """Run the live checks (:mod:`gait.apps.live.reasons`) on every whole ``CHECK_S`` window.

    Every window of every stream is checked as if a live session started there: false alarms
    with the true label, and how often a swapped label (foot/shank read as sacrum, sacrum read
    as foot) is caught.

    Returns
    -------
    int
        Number of false alarms.
    """
    from gait.apps.live.reasons import CHECK_S, window_checks

    n = alarms = swapped = caught = 0
    for _, _, rec in recordings(root):
        for st in rec.streams:
            k = int(CHECK_S * st.rate)
            wrong = {"foot": "sacrum", "shank": "sacrum", "sacrum": "foot"}.get(st.placement)
            for s0 in range(0, st.n - k + 1, k):
                acc, gyr = st.acc[s0 : s0 + k], None if st.gyr is None else st.gyr[s0 : s0 + k]
                n += 1
                alarms += bool(window_checks(st.name, st.placement, st.mount, acc, gyr, st.rate))
                if wrong is not None and gyr is not None:
                    swapped += 1
                    caught += bool(window_checks(st.name, wrong, None, acc, gyr, st.rate))
    print(
        f"live ({CHECK_S:.0f} s windows): {n} windows, {alarms} false alarm(s); "
        f"swapped label caught in {caught} of {swapped} gyroscope windows"
    )
    return alarms + acc_only_windows(root)


def acc_only_windows(root: Path) -> int:
    """The live checks without the gyroscope, as a phone streams: trunk and leg as a belt phone.

    Returns
    -------
    int
        Number of false alarms (a trunk stream judged as a belt phone that raises a finding).
    """
    from gait.analysis.placements.registry import is_leg, sees_both_legs
    from gait.apps.live.reasons import CHECK_S, window_checks

    trunk = trunk_alarms = legs = caught = 0
    for _, _, rec in recordings(root):
        for st in rec.streams:
            k = int(CHECK_S * st.rate)
            if st.placement == "phone" or not (
                is_leg(st.placement) or sees_both_legs(st.placement)
            ):
                continue  # carried phones are not judged as trunks (their mount is not a belt)
            for s0 in range(0, st.n - k + 1, k):
                found = window_checks(st.name, "phone", "belt", st.acc[s0 : s0 + k], None, st.rate)
                if is_leg(st.placement):
                    legs += 1
                    caught += bool(found)
                else:
                    trunk += 1
                    trunk_alarms += bool(found)
    print(
        f"live without gyroscope (as a belt phone): {trunk} trunk windows, {trunk_alarms} false "
        f"alarm(s); a leg taken for a belt phone caught in {caught} of {legs} windows"
    )
    return trunk_alarms


if __name__ == "__main__":
    raise SystemExit(main())

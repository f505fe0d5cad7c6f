"""``gait synth``: write a synthetic recording with exact ground truth."""

from __future__ import annotations

import argparse
import math
from typing import Any

from gait.contract.constants import G

PLACEMENT_HELP = (
    "comma-separated sensors: foot-left, foot-right, shank-left, shank-right, sacrum, "
    "phone-belt, phone-armband, phone-hand, phone-pocket (balance: sacrum, phone-belt, "
    "phone-sternum, foot-left, foot-right)"
)


def register(sub: Any) -> None:
    """Add the ``synth`` verb to the CLI."""
    p = sub.add_parser(
        "synth",
        help="make a synthetic run, walk or balance recording with exact ground truth",
        description=(
            "Simulate sensors on a runner or walker (or a single-leg balance session) and "
            "write a .gaitrec file plus the true step table as <out stem>.truth.csv."
        ),
    )
    p.add_argument(
        "--activity",
        choices=["run", "walk", "balance"],
        default="run",
        help="what the synthetic subject does (default run)",
    )
    p.add_argument(
        "--placements",
        default=None,
        help=PLACEMENT_HELP + " (default foot-left,foot-right,sacrum; balance: sacrum)",
    )
    p.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="S",
        help="seconds (default 60; balance: seconds per trial, default 30)",
    )
    p.add_argument(
        "--rate",
        type=float,
        default=None,
        metavar="HZ",
        help="sampling rate (default 200; balance 100)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("-o", "--out", required=True, metavar="FILE", help="output .gaitrec file")
    g = p.add_argument_group("gait (run/walk; defaults depend on the activity)")
    g.add_argument("--speed", type=float, metavar="M/S", help="belt or ground speed")
    g.add_argument("--cadence", type=float, metavar="SPM", help="steps per minute")
    g.add_argument("--gct", type=float, metavar="S", help="contact time (overrides duty factor)")
    g.add_argument("--duty-factor", type=float, help="contact time / stride time")
    g.add_argument(
        "--gct-asym",
        type=float,
        default=0.0,
        metavar="PCT",
        help="left contact longer than right by PCT percent",
    )
    g.add_argument(
        "--step-asym",
        type=float,
        default=0.0,
        metavar="PCT",
        help="left step time longer than right by PCT percent",
    )
    g.add_argument(
        "--strike-angle",
        type=float,
        metavar="DEG",
        help="foot strike angle, + = toes up (rearfoot)",
    )
    g.add_argument("--braking", type=float, metavar="M/S", help="pelvis speed loss per step")
    g.add_argument("--overstride", type=float, metavar="M", help="heel ahead of pelvis at contact")
    g.add_argument("--impact", type=float, metavar="G", help="foot impact peak")
    g.add_argument("--stride-cv", type=float, default=0.015, help="stride time CV (fraction)")
    g.add_argument(
        "--fatigue-cadence",
        type=float,
        default=0.0,
        metavar="PCT",
        help="cadence change from start to end",
    )
    g.add_argument(
        "--fatigue-gct",
        type=float,
        default=0.0,
        metavar="PCT",
        help="contact time change from start to end",
    )
    g.add_argument(
        "--belt-dip",
        type=float,
        default=0.0,
        metavar="M/S",
        help="treadmill belt speed dip at each contact",
    )
    g.add_argument("--overground", action="store_true", help="overground instead of treadmill")
    g.add_argument(
        "--segment",
        action="append",
        default=[],
        metavar="T:SPEC",
        help="change parameters from time T: 'T:stand', 'T:activity=walk', "
        "'T:cadence=160,gct_asym_pct=8' (GaitParams field names); repeatable",
    )
    s = p.add_argument_group("sensors")
    s.add_argument(
        "--rotation",
        choices=["none", "small", "uniform"],
        default="small",
        help="mounting rotation per sensor",
    )
    s.add_argument(
        "--acc-noise",
        type=float,
        default=0.05,
        metavar="M/S2",
        help="accelerometer white noise SD (default 0.05)",
    )
    s.add_argument(
        "--gyr-noise",
        type=float,
        default=0.005,
        metavar="RAD/S",
        help="gyroscope white noise SD (default 0.005)",
    )
    s.add_argument(
        "--acc-bias",
        type=float,
        default=0.1,
        metavar="M/S2",
        help="accelerometer bias range (default 0.1)",
    )
    s.add_argument(
        "--gyr-bias",
        type=float,
        default=0.01,
        metavar="RAD/S",
        help="gyroscope bias range (default 0.01)",
    )
    s.add_argument("--acc-range", type=float, metavar="G", help="accelerometer full scale")
    s.add_argument("--gyr-range", type=float, metavar="DEG/S", help="gyroscope full scale")
    s.add_argument(
        "--stream",
        action="append",
        default=[],
        metavar="PLACEMENT=HZ[:G]",
        help="one placement's own sampling rate and accelerometer range, e.g. "
        "'foot-left=52:8' (a Polar Verity Sense beside 200 Hz sensors); repeatable",
    )
    s.add_argument("--drop-rate", type=float, default=0.0, help="fraction of packets lost")
    s.add_argument("--jitter", type=float, default=0.0, metavar="MS", help="timestamp jitter SD")
    s.add_argument("--drift", type=float, default=0.0, metavar="PPM", help="clock drift bound")
    s.add_argument("--no-gyro", action="store_true", help="accelerometer-only sensors")
    s.add_argument(
        "--ideal",
        action="store_true",
        help="perfect sensors (no rotation, noise, bias, quantization)",
    )
    p.set_defaults(func=run)


def parse_segment(text: str) -> tuple[float, Any]:
    """Parse ``'T:stand'`` or ``'T:key=value,key=value'`` into ``(T, overrides)``.

    Raises
    ------
    SynthParamError
        On malformed text.
    """
    from gait.synth.params import SynthParamError

    t_text, sep, spec = text.partition(":")
    try:
        t0 = float(t_text)
    except ValueError:
        raise SynthParamError(
            f"--segment {text!r}: start time {t_text!r} is not a number"
        ) from None
    if not sep or not spec:
        raise SynthParamError(f"--segment {text!r}: expected T:stand or T:key=value,...")
    if spec.strip() == "stand":
        return t0, "stand"
    out: dict[str, Any] = {}
    for item in spec.split(","):
        k, eq, v = item.partition("=")
        if not eq:
            raise SynthParamError(f"--segment {text!r}: {item!r} is not key=value")
        k = k.strip().replace("-", "_")
        v = v.strip()
        if k == "activity":
            out[k] = v
        elif v.lower() in ("true", "false"):
            out[k] = v.lower() == "true"
        else:
            try:
                out[k] = float(v)
            except ValueError:
                raise SynthParamError(f"--segment {text!r}: {k}={v!r} is not a number") from None
    return t0, out


def run(args: argparse.Namespace) -> int:
    """Generate, write the recording and the truth CSV, print what was written."""
    from pathlib import Path

    from gait.io.canonical_format import write_recording
    from gait.synth import GaitParams, SensorParams, SynthParamError, synthesize

    out = Path(args.out)
    if not out.parent.exists():
        raise SynthParamError(f"--out {out}: folder {out.parent} does not exist")
    balance = args.activity == "balance"
    default_places = "sacrum" if balance else "foot-left,foot-right,sacrum"
    places = [p.strip() for p in (args.placements or default_places).split(",") if p.strip()]
    rate = args.rate if args.rate is not None else (100.0 if balance else 200.0)
    duration = args.duration if args.duration is not None else (30.0 if balance else 60.0)
    if args.ideal:
        sensor = SensorParams.ideal()
        if args.no_gyro:
            sensor = SensorParams(**{**sensor.to_dict(), "no_gyro": True})
    else:
        sensor = SensorParams(
            rotation=args.rotation,
            acc_noise=args.acc_noise,
            gyr_noise=args.gyr_noise,
            acc_bias=args.acc_bias,
            gyr_bias=args.gyr_bias,
            acc_range=None if args.acc_range is None else args.acc_range * G,
            gyr_range=None if args.gyr_range is None else math.radians(args.gyr_range),
            drop_rate=args.drop_rate,
            jitter=args.jitter / 1000.0,
            drift_ppm=args.drift,
            no_gyro=args.no_gyro,
        )
    if balance and args.stream:
        raise SynthParamError("--stream applies to runs and walks, not to balance sessions")
    if balance:
        rec = synthesize(
            activity="balance",
            placements=places,
            duration=duration,
            rate=rate,
            seed=args.seed,
            sensor=sensor,
        )
    else:
        gait = GaitParams(
            speed=args.speed,
            cadence=args.cadence,
            gct=args.gct,
            duty_factor=args.duty_factor,
            gct_asym_pct=args.gct_asym,
            step_asym_pct=args.step_asym,
            foot_strike_angle=args.strike_angle,
            braking=args.braking,
            overstride=args.overstride,
            impact_g=args.impact,
            stride_cv=args.stride_cv,
            fatigue_cadence_pct=args.fatigue_cadence,
            fatigue_gct_pct=args.fatigue_gct,
            belt_dip=args.belt_dip,
            treadmill=not args.overground,
        )
        segs = [parse_segment(s) for s in args.segment]
        if args.stream:
            from gait.synth.mixed import parse_stream_option, synthesize_mixed

            own = {p: (r, g) for p, r, g in map(parse_stream_option, args.stream)}
            rec = synthesize_mixed(
                places,
                own,
                rate=rate,
                sensor=sensor,
                activity=args.activity,
                duration=duration,
                seed=args.seed,
                gait=gait,
                segments=segs or None,
            )
        else:
            rec = synthesize(
                activity=args.activity,
                placements=places,
                duration=duration,
                rate=rate,
                seed=args.seed,
                gait=gait,
                sensor=sensor,
                segments=segs or None,
            )
    path = write_recording(rec, out)
    stem = out.name.split(".")[0]
    truth = out.with_name(stem + ".truth.csv")
    assert rec.reference is not None
    ref = rec.reference
    # Gait: the step table. Balance: no steps, so the per-trial truth (and touch-downs).
    table = ref.events
    if table.empty and "balance_trials" in ref.tables:
        table = ref.tables["balance_trials"]
        if "touchdowns" in ref.tables:
            td = out.with_name(stem + ".touchdowns.csv")
            ref.tables["touchdowns"].to_csv(td, index=False, float_format="%.6f")
            print(f"wrote {td}: {len(ref.tables['touchdowns'])} touch-downs")
    table.to_csv(truth, index=False, float_format="%.6f")
    print(
        f"wrote {path} ({path.stat().st_size / 1024:.0f} KB): {rec.meta.activity}, "
        f"{rec.duration:.1f} s"
    )
    for st in rec.streams:
        gyr = "acc+gyr" if st.gyr is not None else "acc only"
        print(f"  {st.name:<14} {st.placement:<7} {st.rate:g} Hz  {st.n} samples  {gyr}")
    print(f"wrote {truth}: {len(table)} reference rows")
    return 0

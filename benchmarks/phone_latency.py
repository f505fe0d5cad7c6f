"""Phones as live sensors: latency, loss and memory of the Sensor Logger path.

1. **Loopback, real time** (``--seconds`` per row): a simulated phone at 100 Hz pushes
   Sensor Logger batches every 0.2, 0.5 and 1 s over real HTTP to the receiver →
   capture file → clock → streaming engine → feedback → live page → headless chromium
   (/usr/bin/chromium). Latency is from the arrival of the push that completed a step to
   the page receiving the update (the page records ``receive time − arrival``). Loss is
   the samples in the pushes the phone sent minus the samples the session decoded.
2. **One hour on simulated time** (``--hours``): the same path without sockets (the pushes
   go straight into the receiver's ASGI app with their simulated arrival times; capture
   file, engine, feedback and page state included), with faults injected (outages,
   bursts, late and duplicated pushes, a clock jump). Prints RSS along the way and the
   samples lost outside the injected outages.

    .venv/bin/python benchmarks/phone_latency.py [--seconds 40] [--hours 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import psutil

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _n_acc(body: bytes) -> int:
    return sum(1 for e in json.loads(body)["payload"] if e["name"] == "accelerometer")


def loopback(batch: float, seconds: float) -> None:
    """One real-time row: latency and loss over loopback HTTP."""
    from playwright.sync_api import sync_playwright

    from gait.live.phone import record_phone_live
    from gait.live.session import LiveConfig, LiveSession, make_feedback
    from gait.synth import GaitParams
    from gait.views.live_page import LivePage

    page = LivePage(title="phone latency", max_rate_hz=40.0)
    url = page.start(announce=None)
    fb = make_feedback(["cadence"])
    sim: dict[str, Any] = {}
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        cfg = LiveConfig(
            devices=["phone:sensorlogger=belt"],
            out=Path(tmp),
            duration=seconds,
            simulate=True,
            speed_up=1.0,
            seed=1,
            save=False,
            gait=GaitParams(cadence=170.0, speed=3.0),
        )
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        bp = browser.new_page()
        bp.goto(url)
        bp.wait_for_function("() => window.gaitLive && window.gaitLive.messages >= 1")

        def factory(t0: float, clock: Callable[[], float]) -> LiveSession:
            return LiveSession(fb, page, t0, clock_scale=1.0, speed=3.0, clock=clock)

        th = threading.Thread(
            target=lambda: out.update(
                r=asyncio.run(
                    record_phone_live(cfg, factory, lambda m: None, sim_batch=batch, sim_out=sim)
                )
            )
        )
        th.start()
        th.join()
        time.sleep(0.5)
        lat = np.asarray(bp.evaluate("window.gaitLive.latencies"), dtype=np.float64) * 1000.0
        browser.close()
    page.stop()
    live, stats, _ = out["r"]
    st = next(iter(stats.values()))
    sched = sim["schedules"][0]
    n_sent = sum(sim["pushes"][0].values())
    sent_samples = sum(_n_acc(b) for _, b in sched.sends[:n_sent])
    lost = sent_samples - st["samples"]
    print(
        f"{batch:>7.1f} {n_sent:>7} {st['packets']:>7} {sent_samples:>8} {lost:>5} {len(live.live_steps()):>6} "
        f"{lat.size:>6} {np.percentile(lat, 50):>7.1f} {np.percentile(lat, 99):>7.1f} {lat.max():>7.1f} "
        f"{1000 * batch + 50:>9.0f}"
    )


def one_hour(hours: float) -> None:
    """The whole path on simulated time for ``hours``, with faults: RSS and loss."""
    from devices.capture import CaptureWriter
    from devices.decoders import make_decoder
    from devices.phone.fuzzing import asgi_request
    from devices.phone.profiles import phone_profile
    from devices.phone.receiver import PushReceiver, Reorder
    from devices.phone.simulator import PhoneFaults, sensorlogger_schedule
    from devices.virtual import SampleSource
    from gait.feedback import FeedbackSession, load_drills
    from gait.live.clock import DeviceClock
    from gait.stream import SensorSpec, StreamEngine
    from gait.synth import GaitParams, SensorParams, synthesize
    from gait.views.live_page import LivePage

    chunk = 600.0
    rec = synthesize(
        activity="run",
        placements=("phone-belt",),
        duration=chunk,
        rate=100.0,
        seed=3,
        gait=GaitParams(cadence=170.0, speed=3.0),
        sensor=SensorParams(quantize=False),
    )
    s0 = rec.streams[0]
    t_src = np.asarray(s0.t, dtype=float) - float(s0.t[0])
    proc = psutil.Process()
    host0 = 1.75e9
    dec: Any = make_decoder(phone_profile("sensorlogger"))
    clock = DeviceClock(100.0, host0, has_gyr=False)
    eng = StreamEngine([SensorSpec("phone", "phone", None, 100.0, False, mount="belt")])
    fb = FeedbackSession(load_drills())
    page = LivePage()  # not served: its state and bounded histories are what a session keeps
    reorder = Reorder(hold=1.0)
    got = [0]
    steps = [0]

    def consume(items: list[Any]) -> None:
        for b, h in items:
            smp = dec.feed_parsed(b, h)
            if smp is None:
                continue
            got[0] += smp.n
            blk = clock.add(smp)
            if blk is not None:
                new = eng.push("phone", blk.t, blk.acc)
                steps[0] += len(new)
                page.publish(fb.add_steps(new, t_now=float(blk.t[-1])))

    now = [0.0]
    n_chunks = round(hours * 3600 / chunk)
    print(f"{'sim. min':>8} {'RSS MB':>7} {'steps':>6} {'pushes':>7}")
    expected = 0
    injected: dict[str, int] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        CaptureWriter(Path(tmp) / "s.gaitcap", fsync_interval=0) as w,
    ):
        idx = w.add_device(
            "phone:sensorlogger", "phone:sensorlogger", "phone-sensorlogger", "phone"
        )
        uuid = phone_profile("sensorlogger").uuid("data")

        def on_batch(b: Any, body: bytes, ns: int) -> None:
            w.write(idx, uuid, body, ns)
            consume(reorder.push(b.session_id, b.message_id, (b, ns / 1e9), ns / 1e9))

        rx = PushReceiver(on_batch, lambda: int((host0 + now[0]) * 1e9))

        async def post(body: bytes) -> None:
            status = await asgi_request(rx, "POST", "/push", body)
            if status != 200:
                raise AssertionError(f"push rejected: {status}")

        async def run() -> None:
            nonlocal expected
            n_push = 0
            jumped = 0.0  # the phone clock keeps its jump in the following chunks
            for k in range(n_chunks):
                src = SampleSource(t=t_src + k * chunk, acc=s0.acc)
                f = PhoneFaults(
                    outage_every=250.0,
                    outage=2.0,
                    burst_every=90.0,
                    burst=1.5,
                    late=0.05,
                    duplicate=0.05,
                    clock_jump_at=(k * chunk + 300.0) if k == 1 else 0.0,
                    clock_jump=2.0 if k == 1 else 0.0,
                    seed=k,
                )
                sched = sensorlogger_schedule(
                    src, batch=0.5, faults=f, session_id=f"s{k}", epoch=1.7e9 + jumped
                )
                jumped += f.clock_jump
                expected += int((~sched.lost).sum())
                for key, v in sched.faults.items():
                    injected[key] = injected.get(key, 0) + v
                for ts, body in sched.sends:
                    consume(reorder.due(host0 + ts))
                    now[0] = ts
                    await post(body)
                    n_push += 1
                consume(reorder.due(host0 + now[0] + 5.0))
                if (k + 1) % max(1, n_chunks // 6) == 0 or k == 0:
                    print(
                        f"{(k + 1) * chunk / 60:>8.0f} {proc.memory_info().rss / 1e6:>7.1f} {steps[0]:>6} "
                        f"{n_push:>7}",
                        flush=True,
                    )

        asyncio.run(run())
    lost = expected - got[0]
    print(f"faults injected: {injected}")
    print(
        f"samples expected outside outages {expected}, decoded {got[0]}, lost {lost}; "
        f"receiver accepted {rx.stats.accepted}, rejected {dict(rx.stats.rejected)}; "
        f"reordered {reorder.reordered}, duplicates dropped {dec.stats.reasons.get('ignored: duplicate batch', 0)}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--seconds", type=float, default=40.0, help="real-time session per batch period, s"
    )
    ap.add_argument(
        "--hours", type=float, default=1.0, help="simulated-time session length, h (0: skip)"
    )
    ap.add_argument("--batches", default="0.2,0.5,1.0", help="batch periods, s")
    args = ap.parse_args()
    if args.seconds > 0:
        print(
            f"loopback, real time, 100 Hz waist phone, {args.seconds:.0f} s per row; latency push -> page (ms)"
        )
        print(
            f"{'batch s':>7} {'pushes':>7} {'recv':>7} {'samples':>8} {'lost':>5} {'steps':>6} {'msgs':>6} "
            f"{'p50':>7} {'p99':>7} {'max':>7} {'target ms':>9}"
        )
        for b in (float(x) for x in args.batches.split(",")):
            loopback(b, args.seconds)
    if args.hours > 0:
        print(
            f"\n{args.hours:g} h on simulated time (receiver ASGI, capture, engine, feedback, page state), faults on"
        )
        one_hour(args.hours)


if __name__ == "__main__":
    main()

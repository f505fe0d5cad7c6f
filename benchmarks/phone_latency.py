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
from typing import TYPE_CHECKING, Any

import numpy as np
import psutil

if TYPE_CHECKING:
    from devices.phone.simulator import PhoneFaults

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

    from gait.apps.live.phone import record_phone_live
    from gait.apps.live.runtime import LiveConfig, LiveSession, make_feedback
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
                    record_phone_live(
                        cfg,
                        factory,
                        lambda m: None,  # noqa: ARG005 - status messages are not shown here
                        sim_batch=batch,
                        sim_out=sim,
                    )
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
    p50, p99 = np.percentile(lat, 50), np.percentile(lat, 99)
    print(
        f"{batch:>7.1f} {n_sent:>7} {st['packets']:>7} {sent_samples:>8} {lost:>5} "
        f"{len(live.live_steps()):>6} {lat.size:>6} {p50:>7.1f} {p99:>7.1f} {lat.max():>7.1f} "
        f"{1000 * batch + 50:>9.0f}"
    )


def one_hour(hours: float) -> None:
    """The whole path on simulated time for ``hours``, with faults: RSS and loss."""
    from devices.capture import CaptureWriter
    from devices.phone.profiles import phone_profile
    from devices.phone.receiver import PushReceiver

    chunk = 600.0
    hour = _Hour(chunk, n_chunks=round(hours * 3600 / chunk))
    print(f"{'sim. min':>8} {'RSS MB':>7} {'steps':>6} {'pushes':>7}")
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
            hour.consume(hour.reorder.push(b.session_id, b.message_id, (b, ns / 1e9), ns / 1e9))

        rx = PushReceiver(on_batch, lambda: int((hour.host0 + hour.now) * 1e9))
        asyncio.run(hour.replay(rx))
    lost = hour.expected - hour.got
    duplicates = hour.dec.stats.reasons.get("ignored: duplicate batch", 0)
    print(f"faults injected: {hour.injected}")
    print(
        f"samples expected outside outages {hour.expected}, decoded {hour.got}, lost {lost}; "
        f"receiver accepted {rx.stats.accepted}, rejected {dict(rx.stats.rejected)}; "
        f"reordered {hour.reorder.reordered}, duplicates dropped {duplicates}"
    )


class _Hour:
    """The simulated-time session: a synthetic phone, decoder, clock, engine and page state."""

    host0 = 1.75e9  # host clock at simulated time 0, s since the epoch

    def __init__(self, chunk: float, n_chunks: int) -> None:
        from devices.decoders import make_decoder
        from devices.phone.profiles import phone_profile
        from devices.phone.receiver import Reorder
        from gait.analysis.stream import SensorSpec, StreamEngine
        from gait.apps.live.clock import DeviceClock
        from gait.feedback import FeedbackSession, load_drills
        from gait.synth import GaitParams, SensorParams, synthesize
        from gait.views.live_page import LivePage

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
        self.t_src = np.asarray(s0.t, dtype=float) - float(s0.t[0])
        self.acc = s0.acc
        self.chunk = chunk
        self.n_chunks = n_chunks
        self.proc = psutil.Process()
        self.dec: Any = make_decoder(phone_profile("sensorlogger"))
        self.clock = DeviceClock(100.0, self.host0, has_gyr=False)
        self.eng = StreamEngine([SensorSpec("phone", "phone", None, 100.0, False, mount="belt")])
        self.fb = FeedbackSession(load_drills())
        # Not served: its state and bounded histories are what a session keeps.
        self.page = LivePage()
        self.reorder = Reorder(hold=1.0)
        self.got = 0  # samples decoded
        self.steps = 0
        self.now = 0.0  # simulated time of the push being sent, s
        self.expected = 0  # samples sent outside the injected outages
        self.injected: dict[str, int] = {}

    def consume(self, items: list[Any]) -> None:
        """Decode released pushes and run them through the clock, engine and feedback."""
        for b, h in items:
            smp = self.dec.feed_parsed(b, h)
            if smp is None:
                continue
            self.got += smp.n
            blk = self.clock.add(smp)
            if blk is not None:
                new = self.eng.push("phone", blk.t, blk.acc)
                self.steps += len(new)
                self.page.publish(self.fb.add_steps(new, t_now=float(blk.t[-1])))

    async def replay(self, rx: Any) -> None:
        """Post every chunk's pushes to the receiver's ASGI app at their simulated times."""
        from devices.phone.fuzzing import asgi_request
        from devices.phone.simulator import sensorlogger_schedule
        from devices.virtual import SampleSource

        n_push = 0
        jumped = 0.0  # the phone clock keeps its jump in the following chunks
        for k in range(self.n_chunks):
            src = SampleSource(t=self.t_src + k * self.chunk, acc=self.acc)
            faults = _chunk_faults(k, self.chunk)
            sched = sensorlogger_schedule(
                src, batch=0.5, faults=faults, session_id=f"s{k}", epoch=1.7e9 + jumped
            )
            jumped += faults.clock_jump
            self.expected += int((~sched.lost).sum())
            for key, v in sched.faults.items():
                self.injected[key] = self.injected.get(key, 0) + v
            for ts, body in sched.sends:
                self.consume(self.reorder.due(self.host0 + ts))
                self.now = ts
                status = await asgi_request(rx, "POST", "/push", body)
                if status != 200:
                    raise AssertionError(f"push rejected: {status}")
                n_push += 1
            self.consume(self.reorder.due(self.host0 + self.now + 5.0))
            if (k + 1) % max(1, self.n_chunks // 6) == 0 or k == 0:
                rss = self.proc.memory_info().rss / 1e6
                minutes = (k + 1) * self.chunk / 60
                print(f"{minutes:>8.0f} {rss:>7.1f} {self.steps:>6} {n_push:>7}", flush=True)


def _chunk_faults(k: int, chunk: float) -> PhoneFaults:
    """Faults of chunk ``k``: outages, bursts, late and duplicate pushes; chunk 1 a clock jump."""
    from devices.phone.simulator import PhoneFaults

    return PhoneFaults(
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
            f"loopback, real time, 100 Hz waist phone, {args.seconds:.0f} s per row; "
            "latency push -> page (ms)"
        )
        print(
            f"{'batch s':>7} {'pushes':>7} {'recv':>7} {'samples':>8} {'lost':>5} {'steps':>6} "
            f"{'msgs':>6} {'p50':>7} {'p99':>7} {'max':>7} {'target ms':>9}"
        )
        for b in (float(x) for x in args.batches.split(",")):
            loopback(b, args.seconds)
    if args.hours > 0:
        print(
            f"\n{args.hours:g} h on simulated time "
            "(receiver ASGI, capture, engine, feedback, page state), faults on"
        )
        one_hour(args.hours)


if __name__ == "__main__":
    main()

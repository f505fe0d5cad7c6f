r"""Live page latency: from a sensor notification's arrival to the page receiving the metric.

Three virtual sensors (left foot, right foot, sacrum) at 200 Hz send a notification of 10
samples every 50 ms. Each notification is decoded (int16 → SI, as the packed-struct decoders
do) into a per-sensor ring buffer; when a notification completes a step (steps scripted by
:func:`gait.views.scripted.scripted_steps`, standing in for the streaming engine's step
detection, which is not measured here), the step goes through
:class:`gait.feedback.FeedbackSession` and :meth:`gait.views.live_page.LivePage.publish`
with the notification's arrival time. Headless chromium (/usr/bin/chromium) shows the page;
the page records ``receive time - arrival`` for every message.

Prints p50/p95/p99 latency (ms) and the CPU of this Python process (feeder, feedback and
page server; chromium excluded) as % of one core.

    PYTHONPATH=. .venv/bin/python benchmarks/live_latency.py [--seconds 60] \
        [--path real|scripted|both]

``--path real`` (the default) measures the whole live path instead: three virtual sensors
(``gait-imu`` left and right foot, Polar H10 sacrum; 200 Hz each, in real time) on the
in-process virtual radio → :class:`devices.ble_recorder.Session` (capture file written) →
:class:`gait.apps.live.runtime.LiveSession` (timestamps, :class:`gait.analysis.stream.StreamEngine`,
feedback) → :class:`LivePage` → chromium. Latency is from the arrival of the notification
that completed a step to the page receiving the update. CPU is shown for the whole
process (which also runs the three emulated sensors and the emulated BLE stack), for the
engine + feedback work in the notification callbacks, and for the page server thread.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import psutil
from playwright.sync_api import sync_playwright

from gait.feedback import FeedbackSession, load_drills
from gait.views.live_page import LivePage
from gait.views.scripted import scripted_steps

RATE = 200.0
PER_PACKET = 10
SENSORS = ("foot_left", "foot_right", "sacrum")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="session length, s")
    ap.add_argument(
        "--path",
        choices=("real", "scripted", "both"),
        default="real",
        help="real: virtual BLE sensors through the streaming engine (default); "
        "scripted: scripted steps (views only)",
    )
    args = ap.parse_args()
    if args.path in ("scripted", "both"):
        scripted(args)
    if args.path in ("real", "both"):
        real(args)


def scripted(args: argparse.Namespace) -> None:
    """Scripted steps: decode + ring buffer + feedback + page (no step detection)."""
    rng = np.random.default_rng(0)
    steps = scripted_steps(args.seconds + 5, cadence=172.0, speed=3.0, seed=1)
    t_steps = steps["t_tc"].to_numpy()  # a step is final once its toe-off is in
    ring = {s: np.zeros((int(RATE * 10), 6)) for s in SENSORS}  # 10 s ring buffer per sensor
    heads = dict.fromkeys(SENSORS, 0)
    payloads = {
        s: rng.integers(-2000, 2000, size=(PER_PACKET, 6), dtype=np.int16).tobytes()
        for s in SENSORS
    }
    scale = np.array([9.80665 / 2048] * 3 + [np.deg2rad(1 / 16.4)] * 3)

    page = LivePage(title="latency benchmark")
    url = page.start(announce=None)
    sess = FeedbackSession(load_drills())
    for s in SENSORS:
        sess.set_sensor(s, "ok", rate=RATE)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        bp = browser.new_page()
        bp.goto(url)
        bp.wait_for_function("() => window.gaitLive && window.gaitLive.messages >= 1")
        proc = psutil.Process()
        cpu0, wall0 = proc.cpu_times(), time.perf_counter()
        t0 = time.perf_counter()
        n_packets = n_updates = 0
        next_step = 0
        k = 0
        while True:
            t_session = k * PER_PACKET / RATE
            if t_session > args.seconds:
                break
            delay = t0 + t_session - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            for s in SENSORS:  # one notification per sensor every 50 ms
                arrival = time.time()
                samples = np.frombuffer(payloads[s], dtype="<i2").reshape(PER_PACKET, 6) * scale
                h = heads[s] % ring[s].shape[0]
                ring[s][h : h + PER_PACKET] = samples
                heads[s] += PER_PACKET
                n_packets += 1
                end = np.searchsorted(t_steps, t_session, side="right")
                if s != "sacrum" and end > next_step:
                    upd = sess.add_steps(steps.iloc[next_step:end])
                    upd["arrival"] = arrival
                    page.publish(upd)
                    next_step = int(end)
                    n_updates += 1
            k += 1
        time.sleep(0.5)
        cpu1, wall1 = proc.cpu_times(), time.perf_counter()
        lat = np.asarray(bp.evaluate("window.gaitLive.latencies"), dtype=np.float64) * 1000.0
        browser.close()
    page.stop()
    cpu = 100.0 * ((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)) / (wall1 - wall0)
    print(
        f"live page latency, {len(SENSORS)} sensors x {RATE:.0f} Hz, {args.seconds:.0f} s session"
    )
    print(
        f"{'notifications':>14} {'updates':>8} {'messages':>9} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7} {'CPU % core':>10}"
    )
    print(
        f"{n_packets:>14} {n_updates:>8} {lat.size:>9} {np.percentile(lat, 50):>7.1f} "
        f"{np.percentile(lat, 95):>7.1f} {np.percentile(lat, 99):>7.1f} {lat.max():>7.1f} "
        f"{cpu:>10.1f}"
    )


def real(args: argparse.Namespace) -> None:
    """The whole live path with three virtual sensors in real time."""
    import asyncio
    import tempfile
    import threading
    from collections.abc import Callable
    from pathlib import Path

    from devices.decoders import Samples
    from gait.apps.live.demo import DEVICES
    from gait.apps.live.run import record_live
    from gait.apps.live.runtime import LiveConfig, LiveSession, make_feedback

    page = LivePage(title="latency benchmark (real path)", max_rate_hz=40.0)
    url = page.start(announce=None)
    fb = make_feedback(["cadence", "symmetry"])
    busy = {"engine_s": 0.0, "calls": 0}
    holder: dict[str, object] = {}

    def factory(t0: float, clock: Callable[[], float]) -> LiveSession:
        live = LiveSession(fb, page, t0, clock_scale=1.0, speed=3.0, clock=clock)
        inner = live.on_samples

        def timed(index: int, samples: Samples) -> None:
            c0 = time.thread_time()
            inner(index, samples)
            busy["engine_s"] += time.thread_time() - c0
            busy["calls"] += 1

        live.on_samples = timed  # type: ignore[method-assign]
        holder["live"] = live
        return live

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        cfg = LiveConfig(
            devices=list(DEVICES),
            out=Path(tmp),
            duration=args.seconds,
            drills=["cadence", "symmetry"],
            simulate=True,
            speed_up=1.0,
            seed=1,
            save=False,
            treadmill_speed=3.0,
        )
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        bp = browser.new_page()
        bp.goto(url)
        bp.wait_for_function("() => window.gaitLive && window.gaitLive.messages >= 1")
        proc = psutil.Process()
        page_tid = page._thread.native_id if page._thread is not None else None

        def page_cpu() -> float:
            return sum(th.user_time + th.system_time for th in proc.threads() if th.id == page_tid)

        cpu0, pc0, wall0 = proc.cpu_times(), page_cpu(), time.perf_counter()
        out: dict[str, object] = {}
        # the live session runs its own asyncio loop; playwright's sync API keeps its own
        th = threading.Thread(
            target=lambda: out.update(r=asyncio.run(record_live(cfg, factory, lambda _: None)))
        )
        th.start()
        th.join()
        time.sleep(0.5)
        cpu1, pc1, wall1 = proc.cpu_times(), page_cpu(), time.perf_counter()
        lat = np.asarray(bp.evaluate("window.gaitLive.latencies"), dtype=np.float64) * 1000.0
        browser.close()
    page.stop()
    live = holder["live"]
    assert isinstance(live, LiveSession)
    wall = wall1 - wall0
    cpu = 100.0 * ((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)) / wall
    eng = 100.0 * busy["engine_s"] / wall
    pcpu = 100.0 * (pc1 - pc0) / wall
    steps = len(live.live_steps())
    print(
        f"live latency, real path: 3 virtual sensors x 200 Hz -> capture -> engine -> page, "
        f"{args.seconds:.0f} s session"
    )
    print(
        f"{'notifications':>14} {'steps':>6} {'updates':>8} {'messages':>9} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'CPU % process':>13} {'engine+fb %':>11} "
        f"{'page srv %':>10}"
    )
    print(
        f"{busy['calls']:>14} {steps:>6} {live.updates:>8} {lat.size:>9} "
        f"{np.percentile(lat, 50):>7.1f} {np.percentile(lat, 95):>7.1f} "
        f"{np.percentile(lat, 99):>7.1f} {lat.max():>7.1f} {cpu:>13.1f} {eng:>11.1f} {pcpu:>10.1f}"
    )


if __name__ == "__main__":
    main()

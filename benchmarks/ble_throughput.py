"""BLE throughput over the virtual radio: notifications/s and CPU for three sensors at 200 Hz.

Three virtual sensors (gait-imu left and right foot, Polar H10 on the sacrum, 200 Hz)
stream in real time and a recording session (bleak API, bumble backend) writes every
notification to a capture file. Two layouts are measured:

* ``one process``: sensors and recorder share one process and event loop;
* ``hub``: the sensors run in a child process, the recorder in this one, joined by the
  TCP hub; the recorder's CPU is what an application pays.

A third run drops every link every 5 s and reports the reconnect times. The target is
a recorder CPU below 10 % of one core.

Usage: ``python benchmarks/ble_throughput.py [--seconds 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devices.ble import BumbleClient, BumbleScanner, open_radio  # noqa: E402
from devices.ble.radio import VirtualRadio  # noqa: E402
from devices.ble_recorder import DeviceSpec, Session  # noqa: E402
from devices.capture import CaptureWriter  # noqa: E402
from devices.profiles import get_profile  # noqa: E402
from devices.virtual import Faults, SampleSource, VirtualDevice  # noqa: E402

RATE = 200.0
SETUP = [("gait-imu", "gait-imu L"), ("gait-imu", "gait-imu R"), ("polar-h10", "Polar H10 S")]
#: Worst case for the radio: one sample per notification (Thingy:52 raw-data layout, whose
#: configuration accepts up to 200 Hz).
SETUP_1 = [("thingy52", "Thingy L"), ("thingy52", "Thingy R"), ("thingy52", "Thingy S")]


def _source(seconds: float, seed: int, gyr: bool) -> SampleSource:
    t = np.arange(int(seconds * RATE)) / RATE
    rng = np.random.default_rng(seed)
    acc = np.clip(rng.normal(0, 15, (t.size, 3)), -70, 70)
    return SampleSource(t, acc, np.clip(rng.normal(0, 3, (t.size, 3)), -30, 30) if gyr else None)


async def _devices(
    radio: VirtualRadio,
    seconds: float,
    faults: Faults | None = None,
    setup: list[tuple[str, str]] = SETUP,
) -> list[VirtualDevice]:
    devs = [
        VirtualDevice(
            get_profile(pid),
            _source(seconds + 30, i, pid != "polar-h10"),
            radio,
            name=name,
            faults=faults or Faults(),
        )
        for i, (pid, name) in enumerate(setup)
    ]
    for d in devs:
        await d.start()
    return devs


async def _record(
    radio: VirtualRadio, seconds: float, setup: list[tuple[str, str]] = SETUP
) -> tuple[dict, float, float]:
    with tempfile.TemporaryDirectory() as tmp, CaptureWriter(Path(tmp) / "b.gaitcap") as w:
        s = Session(
            [DeviceSpec(n) for _, n in setup],
            w,
            scanner_backend=BumbleScanner,
            client_backend=BumbleClient,
            backend_kwargs={"radio": radio},
        )
        proc = psutil.Process()
        c0, t0 = proc.cpu_times(), time.monotonic()
        stats = await s.run(seconds)
        c1, t1 = proc.cpu_times(), time.monotonic()
    cpu = (c1.user - c0.user + c1.system - c0.system) / (t1 - t0)
    return stats, cpu, t1 - t0


async def one_process(
    seconds: float, faults: Faults | None = None, setup: list[tuple[str, str]] = SETUP
) -> tuple[dict, float, float]:
    """Sensors and recorder in this process."""
    radio = await open_radio("local")
    devs = await _devices(radio, seconds, faults, setup)
    try:
        return await _record(radio, seconds, setup)
    finally:
        for d in devs:
            await d.stop()


async def serve(port: int, seconds: float) -> None:
    """Child process: host the three sensors and the hub."""
    radio = await open_radio(f"virtual:127.0.0.1:{port}", serve=True)
    devs = await _devices(radio, seconds)
    print("ready", flush=True)
    await asyncio.sleep(seconds + 15)
    for d in devs:
        await d.stop()
    await radio.aclose()


async def via_hub(seconds: float) -> tuple[dict, float, float, float]:
    """Sensors in a child process, recorder here; returns the child's CPU too."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port), "--seconds", str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        cp = psutil.Process(child.pid)
        k0 = cp.cpu_times()
        radio = await open_radio(f"virtual:127.0.0.1:{port}")
        stats, cpu, wall = await _record(radio, seconds)
        k1 = cp.cpu_times()
        await radio.aclose()
        return stats, cpu, (k1.user - k0.user + k1.system - k0.system) / wall, wall
    finally:
        child.kill()
        child.wait()


def _row(label: str, stats: dict, cpu: float, wall: float) -> str:
    notes = sum(s.packets for s in stats.values())
    rates = ", ".join(f"{s.rate:.0f}" for s in stats.values())
    return f"{label:<34} {notes / wall:>9.0f} {rates:>16} {100 * cpu:>9.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="recording length per run, s")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.seconds))
        return
    print(f"three sensors at {RATE:.0f} Hz, {args.seconds:.0f} s per run, real time")
    print(f"{'layout':<34} {'notif/s':>9} {'sample Hz':>16} {'CPU %':>9}")
    logging.getLogger("bumble").setLevel(
        logging.ERROR
    )  # teardown chatter of the virtual controller
    stats, cpu, wall = asyncio.run(one_process(args.seconds))
    print(_row("one process (sensors + recorder)", stats, cpu, wall))
    stats, rec_cpu, child_cpu, wall = asyncio.run(via_hub(args.seconds))
    print(_row("hub: recorder process", stats, rec_cpu, wall))
    print(f"{'hub: sensor process':<34} {'':>9} {'':>16} {100 * child_cpu:>9.1f}")
    stats, cpu1, wall = asyncio.run(one_process(args.seconds, setup=SETUP_1))
    print(_row("one process, 1 sample/notification", stats, cpu1, wall))
    stats, cpu, wall = asyncio.run(one_process(args.seconds, Faults(drop_every=5.0, outage=0.2)))
    rt = np.array([x for s in stats.values() for x in s.reconnect_times])
    print(_row("one process, drop every 5 s", stats, cpu, wall))
    if rt.size:
        print(
            f"reconnects: {rt.size}, link loss to streaming again: median "
            f"{1000 * np.median(rt):.0f} ms, max {1000 * rt.max():.0f} ms (includes the 200 ms "
            "the sensor stays silent)"
        )
    verdict = "met" if rec_cpu < 0.10 else "NOT met"
    print(
        f"target: recorder CPU < 10 % of one core: {verdict} ({100 * rec_cpu:.1f} % with the "
        "sensors in another process)"
    )


if __name__ == "__main__":
    main()

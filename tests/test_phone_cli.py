"""The README's two-terminal phone examples, over loopback.

``gait simulate --profile phyphox|sensorlogger`` in another process, ``gait live --device
phone:...`` here.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from gait.apps.live.run import run_live
from gait.apps.live.runtime import LiveConfig

pytestmark = [pytest.mark.realtime, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gait(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gait", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_phyphox_simulator_process_polled_by_live(tmp_path: Path) -> None:
    sim = _gait(
        "simulate",
        "--profile",
        "phyphox",
        "--port",
        "0",
        "--mount",
        "armband",
        "--speed-up",
        "2",
        "--length",
        "60",
        "--seconds",
        "40",
    )
    try:
        assert sim.stdout is not None
        line = sim.stdout.readline()
        assert "phyphox remote access on http://127.0.0.1:" in line, line
        port = int(line.split("127.0.0.1:")[1].split()[0])
        cfg = LiveConfig(
            devices=[f"phone:phyphox@127.0.0.1:{port}=armband"],
            out=tmp_path,
            duration=12.0,
            save=False,
        )
        r = run_live(cfg, None, announce=lambda _m: None)
    finally:
        sim.terminate()
        sim.wait(10)
    st = next(iter(r.device_stats.values()))
    assert st["packets"] > 10
    assert st["samples"] > 500
    assert st["bad"] == 0
    assert len(r.live_steps) > 5
    assert (r.live_steps["side"] == "unknown").all()  # armband: cadence only


def test_sensorlogger_simulator_process_pushes_to_live(tmp_path: Path) -> None:
    port = _free_port()
    cfg = LiveConfig(
        devices=[f"phone:sensorlogger@127.0.0.1:{port}=belt"],
        out=tmp_path,
        duration=25.0,
        save=False,
    )
    out: dict[str, object] = {}
    th = threading.Thread(
        target=lambda: out.update(r=run_live(cfg, None, announce=lambda _m: None))
    )
    th.start()
    for _ in range(200):  # the receiver listens before the phone starts pushing
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    sim = _gait(
        "simulate",
        "--profile",
        "sensorlogger",
        "--url",
        f"http://127.0.0.1:{port}/push",
        "--speed-up",
        "2",
        "--length",
        "60",
        "--seconds",
        "18",
        "--faults",
        "duplicate=0.2,late=0.1,seed=3",
    )
    try:
        sim.wait(60)
        th.join(90)
    finally:
        sim.kill()
    assert sim.stdout is not None
    text = sim.stdout.read()
    assert "pushing" in text, text
    assert "stopped" in text, text
    r = out["r"]
    st = next(iter(r.device_stats.values()))  # type: ignore[attr-defined]
    assert st["packets"] > 10
    assert st["bad"] == 0
    assert not st["rejected"]
    steps = r.live_steps  # type: ignore[attr-defined]
    assert len(steps) > 10
    assert np.isfinite(steps["cadence"]).any()

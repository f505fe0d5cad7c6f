"""Cross-process: ``gait simulate`` in one process, ``gait scan``/``gait record`` in others."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from devices.capture import read_capture
from devices.replay import replay

pytestmark = pytest.mark.realtime

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("GAIT_RADIO", None)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gait(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gait", *args],
        capture_output=True,
        text=True,
        env=env or _env(),
        timeout=timeout,
        cwd=ROOT,
    )


def _wait_line(proc: subprocess.Popen[str], prefix: str, timeout: float = 30) -> str:
    assert proc.stdout is not None
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if line.startswith(prefix):
            return line
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"no '{prefix}' line; stderr: {proc.stderr.read() if proc.stderr else ''}")


@pytest.mark.slow
def test_simulate_then_scan_and_record_from_other_processes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = _free_port()
    radio = f"virtual:127.0.0.1:{port}"
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gait",
            "simulate",
            "--profile",
            "gait-imu",
            "--placement",
            "foot",
            "--side",
            "left",
            "--scenario",
            "run",
            "--radio",
            radio,
            "--seconds",
            "60",
            "--length",
            "30",
            "--name",
            "gait-imu LEFT",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=ROOT,
    )
    try:
        assert "running the hub" in _wait_line(sim, "simulating")
        scan = _gait("scan", "--radio", radio, "--timeout", "1", "--json")
        assert scan.returncode == 0, scan.stderr
        assert '"profile": "gait-imu"' in scan.stdout
        assert "gait-imu LEFT" in scan.stdout

        out = tmp_path / "x.gaitcap"
        env = _env()
        env["GAIT_RADIO"] = radio  # the environment variable selects the radio too
        # drop the link half-way through, from the simulator's command line
        rec = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gait",
                "record",
                "--device",
                "gait-imu LEFT=foot:left",
                "--duration",
                "3",
                "--out",
                str(out),
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert rec.stderr is not None
        first = ""
        while "streaming" not in first:  # wait until the recorder streams
            line = rec.stderr.readline()
            assert line, first
            first += line
        time.sleep(0.5)
        assert sim.stdin is not None
        sim.stdin.write("drop\n")
        sim.stdin.flush()
        stdout, stderr = rec.communicate(timeout=60)
        stderr = first + stderr
        assert rec.returncode == 0, stderr
        assert "reconnected after" in stderr
        stats = __import__("json").loads(stdout)["gait-imu LEFT"]
        assert stats["reconnects"] == 1
        assert stats["packets"] > 100
        cap = read_capture(out)
        assert [e.kind for e in cap.events if e.kind in ("gap", "reconnect")] == [
            "gap",
            "reconnect",
        ]
        (data,) = replay(cap)
        assert data.acc is not None
        assert data.acc.shape[0] > 200 * 2
        assert np.isfinite(data.acc).all()
        assert data.gaps

        # Ctrl-C stops a recording early and cleanly: statistics, intact file
        out2 = tmp_path / "y.gaitcap"
        rec = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gait",
                "record",
                "--device",
                "gait-imu LEFT",
                "--duration",
                "600",
                "--out",
                str(out2),
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert rec.stderr is not None
        while "streaming" not in (line := rec.stderr.readline()):
            assert line
        time.sleep(0.5)
        rec.send_signal(signal.SIGINT)
        stdout, stderr = rec.communicate(timeout=30)
        assert rec.returncode == 0, stderr
        assert __import__("json").loads(stdout)["gait-imu LEFT"]["packets"] > 10
        assert not read_capture(out2).truncated

        sim.stdin.write("quit\n")
        sim.stdin.flush()
        assert sim.wait(timeout=20) == 0
    finally:
        if sim.poll() is None:
            sim.kill()
            sim.wait()


def test_cli_errors_are_clear_messages(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from gait.cli import main

    monkeypatch.delenv("GAIT_RADIO", raising=False)
    cases = [
        (
            ["scan", "--radio", f"virtual:127.0.0.1:{_free_port()}", "--timeout", "0.5"],
            "no virtual radio hub",
        ),
        (
            ["record", "--device", "x=elbow", "--duration", "1", "--out", str(tmp_path / "a")],
            "placement must be one of",
        ),
        (
            ["record", "--device", "x", "--duration", "0", "--out", str(tmp_path / "a")],
            "--duration must be > 0",
        ),
        (["simulate", "--profile", "no-such", "--seconds", "1"], "unknown profile 'no-such'"),
        (
            ["simulate", "--profile", "gait-imu", "--side", "left", "--faults", "loss=3"],
            "loss must be a probability",
        ),
        (["simulate", "--profile", "gait-imu", "--radio", "ble"], "runs on the virtual radio"),
        (["simulate", "--profile", "gait-imu", "--seconds", "1"], "--side left|right is needed"),
        (["scan", "--radio", "bluetooth"], "unknown radio"),
        (["scan", "--radio", "ble", "--timeout", "0.5"], "Bluetooth is not available"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err, (argv, err)
        assert "Traceback" not in err, (argv, err)

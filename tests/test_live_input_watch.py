"""Live input checks for the whole session, for phones and BLE sensors (issue 12 item 3).

Wrong units, a phone on the wrong body part and a sensor that slips mid-run must be reported
live (announce line, live page state, report flag), once each; a right session reports nothing.
Everything runs on simulated time: the simulated Sensor Logger phone's pushes are decoded by
the real decoder and handed to the live session with their simulated arrival times, and the
BLE sensor's notifications come from a synthetic run, so the wall clock never matters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from devices.decoders import Samples, make_decoder
from devices.phone.profiles import phone_profile
from devices.phone.sensorlogger import parse_sensorlogger
from devices.phone.simulator import sensorlogger_schedule
from devices.phone.spec import parse_phone_spec
from devices.virtual import SampleSource
from gait.apps.live.phone import PhoneLiveSession
from gait.apps.live.reasons import CHECK_S, InputWatch
from gait.apps.live.report import add_live_checks
from gait.apps.live.runtime import LiveSession, make_feedback
from gait.io.units import G
from gait.synth import GaitParams, SensorParams, synthesize

HOST0 = 1_750_000_000.0  # host clock at simulated time 0, s
RATE = 100.0
#: Engine hop, s: the steps are not what these tests look at, so the detectors run rarely.
HOP = 20.0


def _run(placements: tuple[str, ...], duration: float, seed: int = 7) -> dict[str, Any]:
    rec = synthesize(
        activity="run",
        placements=placements,
        duration=duration,
        rate=RATE,
        seed=seed,
        gait=GaitParams(cadence=168.0, speed=3.0),
        sensor=SensorParams(quantize=False),
    )
    return {p: s for p, s in zip(placements, rec.streams, strict=True)}


@dataclass
class _PhoneTarget:
    """What :class:`PhoneLiveSession` reads of a phone target."""

    phone: Any
    profile: Any
    index: int = 0


@dataclass
class _Sim:
    """A live session on a simulated clock, with everything it told the user."""

    live: LiveSession
    now: list[float]
    said: list[str] = field(default_factory=list)

    def page(self) -> list[dict[str, Any]]:
        """The input checks the live page and the terminal view would show."""
        return list(self.live.fb.add_steps(_empty_steps())["input_checks"])


def _empty_steps() -> Any:
    import pandas as pd

    return pd.DataFrame()


def _phone_session(device: str, acc: np.ndarray) -> _Sim:
    """A simulated Sensor Logger phone pushing ``acc`` (declared m/s²) to a live session."""
    spec = parse_phone_spec(device)
    prof = phone_profile(spec.app)
    now = [0.0]
    said: list[str] = []
    live = PhoneLiveSession(
        make_feedback(["cadence"]),
        None,
        HOST0,
        clock=lambda: HOST0 + now[0],
        hop=HOP,
        announce=said.append,
    )
    live.targets = lambda: [_PhoneTarget(spec, prof)]
    sim = _Sim(live, now, said)
    source = SampleSource(t=np.arange(acc.shape[0]) / RATE, acc=acc)
    dec: Any = make_decoder(prof)
    for ts, body in sensorlogger_schedule(source, batch=0.5).sends:
        now[0] = ts
        s = dec.feed_parsed(parse_sensorlogger(body), HOST0 + ts)
        if s is not None:
            live.on_samples(0, s)
    return sim


def test_phone_in_g_declared_m_s2_is_reported_once() -> None:
    belt = _run(("phone-belt",), 65.0)["phone-belt"]
    sim = _phone_session("phone:sensorlogger=belt", np.asarray(belt.acc) / G)
    checks = sim.page()
    assert [c["code"] for c in checks] == ["acc_unit_suspect"]
    msg = checks[0]["message"]
    assert "gravity reads 1.0" in msg
    assert "m/s²" in msg
    assert "unit setting" in msg
    assert checks[0]["flag"] == "input_check:acc_unit_suspect:phone"
    # three windows judged, one warning on the terminal
    assert sim.live.input_watch[0].windows == 3
    assert sum(s.startswith("warning: phone: gravity reads") for s in sim.said) == 1


def test_phone_labelled_belt_on_a_foot_is_reported() -> None:
    foot = _run(("foot-left",), 50.0)["foot-left"]
    sim = _phone_session("phone:sensorlogger=belt", np.asarray(foot.acc))
    checks = sim.page()
    assert [c["code"] for c in checks] == ["placement_suspect"]
    msg = checks[0]["message"]
    assert "labelled phone (belt)" in msg
    assert "foot, leg or arm" in msg
    assert "--device phone:APP=belt" in msg
    assert checks[0]["flag"] == "placement_suspect:phone:looks_like_leg"
    assert sum("warning: phone: labelled phone (belt)" in s for s in sim.said) == 1


def test_a_right_phone_session_is_judged_and_reports_nothing() -> None:
    belt = _run(("phone-belt",), 65.0)["phone-belt"]
    sim = _phone_session("phone:sensorlogger=belt", np.asarray(belt.acc))
    assert sim.live.input_watch[0].windows == 3  # judged, not skipped
    assert sim.page() == []
    assert not any(s.startswith("warning") for s in sim.said)


def test_an_armband_phone_is_not_judged_as_a_trunk() -> None:
    arm = _run(("phone-armband",), 45.0)["phone-armband"]
    sim = _phone_session("phone:sensorlogger=armband", np.asarray(arm.acc))
    assert sim.live.input_watch[0].windows == 2
    assert sim.page() == []


@dataclass
class _BleTarget:
    """What :meth:`LiveSession.setup` reads of a BLE target."""

    profile: Any
    spec: Any
    adv: Any
    device: Any
    index: int = 0


@dataclass
class _Obj:
    placement: str | None = None
    side: str | None = None
    mount: str | None = None
    streams: tuple[str, ...] = ("acc", "gyr")
    rate: float = RATE
    acc_range: float | None = 16.0
    gyr_range: float | None = 2000.0
    local_name: str = "imu S"
    address: str = "AA"


def _ble_session(label: str, acc: np.ndarray, gyr: np.ndarray, block: float = 0.1) -> _Sim:
    """One BLE IMU labelled ``label`` sending ``acc``, ``gyr`` in notifications of ``block`` s."""
    now = [0.0]
    said: list[str] = []
    live = LiveSession(
        make_feedback(["cadence"]),
        None,
        HOST0,
        clock=lambda: HOST0 + now[0],
        hop=HOP,
        announce=said.append,
    )
    target = _BleTarget(_Obj(label), _Obj(label), _Obj(), _Obj())
    live.targets = lambda: [target]
    k = round(block * RATE)
    for i in range(0, acc.shape[0] - k + 1, k):
        now[0] = (i + k) / RATE
        dt = np.arange(i, i + k) / RATE
        live.on_samples(
            0,
            Samples("imu", HOST0 + now[0], acc=acc[i : i + k], gyr=gyr[i : i + k], device_time=dt),
        )
    return _Sim(live, now, said)


def test_ble_sensor_that_moves_mid_session_is_reported_once() -> None:
    """A sacrum sensor that ends up on a foot after 20 s (slipped, or swapped at a stop)."""
    run = _run(("sacrum", "foot-left"), 65.0)
    sac, foot = run["sacrum"], run["foot-left"]
    cut = int(20.0 * RATE)
    acc = np.vstack([np.asarray(sac.acc)[:cut], np.asarray(foot.acc)[cut:]])
    gyr = np.vstack([np.asarray(sac.gyr)[:cut], np.asarray(foot.gyr)[cut:]])
    sim = _ble_session("sacrum", acc, gyr)
    checks = sim.page()
    assert [c["code"] for c in checks] == ["placement_suspect"]
    assert sim.live.input_watch[0].windows == 3
    msg = checks[0]["message"]
    assert "labelled sacrum but it swings like a foot or shank" in msg
    assert "seen from 20 s into the session" in msg
    assert checks[0]["t"] == pytest.approx(40.0, abs=1.0)  # found at the end of that window
    # windows 2 and 3 both show it: one warning
    assert sum(s.startswith("warning: sacrum: labelled sacrum") for s in sim.said) == 1


def test_a_right_ble_session_reports_nothing_all_session() -> None:
    sac = _run(("sacrum",), 65.0)["sacrum"]
    sim = _ble_session("sacrum", np.asarray(sac.acc), np.asarray(sac.gyr))
    assert sim.live.input_watch[0].windows == 3
    assert sim.page() == []
    assert sim.said == []


def test_a_reconnected_sensor_starts_a_fresh_window() -> None:
    sac = _run(("sacrum",), 30.0)["sacrum"]
    w = InputWatch("s", "sacrum", RATE)
    n = int(15 * RATE)
    assert w.add(np.asarray(sac.acc)[:n], np.asarray(sac.gyr)[:n], 15.0) is None
    w.restart()  # what LiveSession.on_status does on "reconnected"
    assert w.add(np.asarray(sac.acc)[n:], np.asarray(sac.gyr)[n:], 6.0) is None  # 6 s, not 21
    assert w.windows == 0
    # bounded memory: a judged window keeps nothing
    assert w.add(np.asarray(sac.acc)[: int(CHECK_S * RATE)], None, CHECK_S) == []
    assert w.acc == []
    assert w.gyr == []


def test_live_findings_reach_the_report() -> None:
    summary: Any = {
        "input_checks": [{"code": "one_leg", "stream": None, "message": "m", "metrics": []}],
        "flags": [],
    }
    flags: list[str] = []
    live: list[dict[str, Any]] = [
        {
            "code": "placement_suspect",
            "stream": "phone",
            "message": "phone: labelled phone (belt) but ...",
            "metrics": ["cadence_spm"],
            "flag": "placement_suspect:phone:looks_like_leg",
            "t": 0.0,
        },
        {"code": "one_leg", "stream": None, "message": "m", "metrics": [], "flag": None},
    ]
    add_live_checks(summary, flags, live)
    assert [c["code"] for c in summary["input_checks"]] == ["one_leg", "placement_suspect"]
    assert set(summary["input_checks"][1]) == {"code", "stream", "message", "metrics"}
    assert flags == ["placement_suspect:phone:looks_like_leg"]
    assert summary["flags"] == flags

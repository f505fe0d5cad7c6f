"""Phones as live sensors: receiver, simulated time, loopback sessions.

Receiver security and counting, the whole path on simulated time, and end-to-end sessions
over loopback (simulated phone → receiver/poller → engine → page).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from devices.phone.fuzzing import asgi_request
from devices.phone.profiles import phone_profile
from devices.phone.receiver import PushReceiver, Reorder
from devices.phone.sensorlogger import build_sensorlogger
from devices.phone.simulator import PhoneFaults, PhyphoxServer, sensorlogger_schedule
from devices.virtual import SampleSource
from gait.analysis.stream import SensorSpec, StreamEngine
from gait.apps.live.clock import DeviceClock
from gait.synth import GaitParams, SensorParams, synthesize

HOST0 = 1_750_000_000.0  # host clock at simulated time 0, s


def _valid(mid: int = 0) -> bytes:
    t = np.array([1_700_000_000_000_000_000 + mid * 10**7], dtype=np.int64)
    return build_sensorlogger(
        mid, "s", "d", {"totalacceleration": (t, np.array([[0.0, 0.0, 9.81]]))}
    )


def test_receiver_accepts_valid_and_counts_every_rejection() -> None:
    got: list[Any] = []
    rx = PushReceiver(lambda b, _body, _ns: got.append(b), lambda: 0)
    cases = [
        (("POST", "/push", _valid()), 200),
        (("POST", "/push", b"{not json"), 400),
        (("POST", "/push", b"[]"), 400),
        (("POST", "/push", b"x" * 1_000_001), 413),
        (("GET", "/push", b""), 405),
        (("POST", "/elsewhere", _valid()), 404),
        (("POST", "/push/sometoken", _valid()), 404),
    ]
    for (m, p, b), want in cases:
        assert asyncio.run(asgi_request(rx, m, p, b)) == want
    assert (
        asyncio.run(asgi_request(rx, "POST", "/push", _valid(), {"origin": "http://evil.example"}))
        == 403
    )
    assert (
        asyncio.run(asgi_request(rx, "POST", "/push", _valid(), {"host": "evil.example:8000"}))
        == 403
    )
    assert (
        asyncio.run(asgi_request(rx, "POST", "/push", b"{}", {"content-length": "99999999"})) == 413
    )
    assert len(got) == 1
    assert rx.stats.accepted == 1
    assert rx.stats.total == len(cases) + 3
    assert rx.stats.rejected["browser_origin"] == 1
    assert rx.stats.rejected["bad_host"] == 1


def test_lan_receiver_needs_the_token() -> None:
    rx = PushReceiver(lambda _b, _body, _ns: None, lambda: 0, token="s3cret", loopback=False)
    assert rx.path() == "/push/s3cret"
    assert asyncio.run(asgi_request(rx, "POST", "/push", _valid())) == 403
    assert (
        asyncio.run(asgi_request(rx, "POST", "/push/wrong", _valid(), {"host": "192.168.1.5:8000"}))
        == 403
    )
    assert (
        asyncio.run(
            asgi_request(rx, "POST", "/push/s3cret", _valid(), {"host": "192.168.1.5:8000"})
        )
        == 200
    )
    assert rx.stats.rejected["bad_token"] == 2


def test_receiver_survives_a_failing_consumer() -> None:
    def boom(*_: Any) -> None:
        raise RuntimeError("bug downstream")

    rx = PushReceiver(boom, lambda: 0)
    assert asyncio.run(asgi_request(rx, "POST", "/push", _valid())) == 500
    assert rx.stats.rejected["internal"] == 1


def test_reorder_passes_in_order_at_once_and_waits_for_a_missing_push() -> None:
    r = Reorder(hold=1.0)
    assert r.push("s", 0, "a", 0.0) == ["a"]
    assert r.push("s", 2, "c", 0.1) == []  # 1 is missing: wait
    assert r.push("s", 1, "b", 0.3) == ["b", "c"]
    assert r.push("s", 4, "e", 1.0) == []
    assert r.due(1.5) == []
    assert r.due(2.1) == ["e"]  # 3 never came: given up after the hold
    assert r.push("s", 3, "d", 2.2) == ["d"]  # too late: handed on, the decoder drops old samples
    assert r.reordered == 2
    assert r.given_up == 1


def _source(
    mount: str, cadence: float, duration: float, seed: int = 5
) -> tuple[SampleSource, float]:
    rec = synthesize(
        activity="run",
        placements=(f"phone-{mount}",),
        duration=duration,
        rate=100.0,
        seed=seed,
        gait=GaitParams(cadence=cadence, speed=3.0),
        sensor=SensorParams(quantize=False),
    )
    s = rec.streams[0]
    t = np.asarray(s.t, dtype=float)
    assert rec.reference is not None
    ic = np.sort(rec.reference.events["t_ic"].to_numpy(dtype=float))
    ic = ic[(ic > 10.0) & (ic < duration - 5.0)]
    return SampleSource(t=t - t[0], acc=s.acc), 60.0 / float(np.median(np.diff(ic)))


def _run_simulated(
    source: SampleSource, faults: PhoneFaults, batch: float, mount: str
) -> dict[str, Any]:
    """Schedule → receiver (ASGI) → reorder → decoder → clock → engine, all on simulated time."""
    from devices.decoders import make_decoder

    sched = sensorlogger_schedule(source, batch=batch, faults=faults)
    dec: Any = make_decoder(phone_profile("sensorlogger"))
    clock = DeviceClock(100.0, HOST0, has_gyr=False)
    eng = StreamEngine([SensorSpec("phone", "phone", None, 100.0, False, mount=mount)])
    reorder = Reorder(hold=1.0)
    now = [0.0]
    steps: list[Any] = []
    received: list[np.ndarray] = []

    def consume(items: list[Any]) -> None:
        for b, h in items:
            s = dec.feed_parsed(b, h)
            if s is None:
                continue
            received.append(s.device_time)
            blk = clock.add(s)
            if blk is not None:
                steps.append(eng.push("phone", blk.t, blk.acc))

    def on_batch(b: Any, _body: bytes, ns: int) -> None:
        consume(reorder.push(b.session_id, b.message_id, (b, ns / 1e9), ns / 1e9))

    rx = PushReceiver(on_batch, lambda: int((HOST0 + now[0]) * 1e9))

    async def go() -> None:
        for ts, body in sched.sends:
            consume(reorder.due(HOST0 + ts))
            now[0] = ts
            assert await asgi_request(rx, "POST", "/push", body) == 200
        consume(reorder.due(float("inf")))

    asyncio.run(go())
    steps.append(eng.flush())
    import pandas as pd

    st = pd.concat([s for s in steps if len(s)], ignore_index=True)
    return {
        "steps": st,
        "sched": sched,
        "received": int(sum(r.size for r in received)),
        "rx": rx,
        "dec": dec,
    }


def test_waist_phone_cadence_within_1_spm_and_nothing_lost_outside_outages() -> None:
    """Outages, bursts, late and duplicate pushes, a clock jump, 300 ppm drift; simulated time."""
    source, truth = _source("belt", 171.0, 80.0)
    faults = PhoneFaults(
        outage_every=25.0,
        outage=2.0,
        burst_every=17.0,
        burst=1.5,
        late=0.1,
        duplicate=0.1,
        clock_jump_at=40.0,
        clock_jump=3.0,
        drift_ppm=300.0,
        seed=2,
    )
    r = _run_simulated(source, faults, batch=0.5, mount="belt")
    sched = r["sched"]
    assert sched.faults["late"] > 0
    assert sched.faults["duplicate"] > 0
    assert sched.faults["outage_pushes"] > 0
    # every sample outside the injected outages reached the engine, once
    assert r["received"] == int((~sched.lost).sum())
    assert r["rx"].stats.accepted == len(sched.sends)
    assert not r["rx"].stats.rejected
    st = r["steps"]
    live = st[(st["t_ic"] > 10.0) & (st["t_ic"] < 75.0)]
    assert abs(float(np.nanmedian(live["cadence"])) - truth) <= 1.0
    assert live["quality"].astype(str).str.contains("phone_belt").all()


def test_phone_clock_stepping_back_loses_nothing() -> None:
    source, truth = _source("belt", 168.0, 60.0)
    r = _run_simulated(
        source,
        PhoneFaults(clock_jump_at=30.0, clock_jump=-2.0, late=0.05, seed=4),
        batch=0.5,
        mount="belt",
    )
    assert r["received"] == int((~r["sched"].lost).sum())
    assert r["dec"].stats.reasons["phone clock stepped back"] == 1
    st = r["steps"]
    live = st[(st["t_ic"] > 10.0) & (st["t_ic"] < 55.0)]
    assert abs(float(np.nanmedian(live["cadence"])) - truth) <= 1.0


def test_armband_phone_gives_cadence_only() -> None:
    source, truth = _source("armband", 164.0, 60.0)
    r = _run_simulated(source, PhoneFaults(), batch=1.0, mount="armband")
    st = r["steps"]
    live = st[(st["t_ic"] > 10.0) & (st["t_ic"] < 55.0)]
    assert abs(float(np.nanmedian(live["cadence"])) - truth) <= 2.0
    assert live["gct"].isna().all()
    assert (live["side"] == "unknown").all()


def test_phyphox_server_answers_incremental_gets() -> None:
    source, _ = _source("belt", 170.0, 20.0)
    now = [5.0]
    srv = PhyphoxServer(source, clock=lambda: now[0], pauses=[(8.0, 9.0)])
    from devices.phone.phyphox import parse_get_reply

    full = parse_get_reply(srv.get("acc_time=full&accX=full", now[0]))
    assert full.buffers["acc_time"][-1] <= 5.0
    assert full.buffers["acc_time"].size == full.buffers["accX"].size
    last = float(full.buffers["acc_time"][-1])
    now[0] = 10.0
    inc = parse_get_reply(srv.get(f"acc_time={last}&accX={last}|acc_time", now[0]))
    t = inc.buffers["acc_time"]
    assert t[0] > last
    assert t.size == inc.buffers["accX"].size
    assert not ((t >= 8.0) & (t < 9.0)).any()  # paused: no data
    assert asyncio.run(asgi_request(srv, "GET", "/nope")) == 404


@pytest.mark.slow
@pytest.mark.realtime
@pytest.mark.parametrize(
    "device", ["phone:sensorlogger=waist", "phone:phyphox@127.0.0.1:8080=armband"]
)
def test_live_session_over_loopback_with_page(tmp_path: Path, device: str) -> None:
    """Simulated phone → receiver/poller over real sockets → engine → live page → report."""
    from gait.apps.live.run import run_live
    from gait.apps.live.runtime import LiveConfig
    from gait.views.live_page import LivePage

    page = LivePage(port=0)
    page.start(announce=None)
    try:
        cfg = LiveConfig(
            devices=[device],
            out=tmp_path,
            duration=30.0,
            simulate=True,
            speed_up=3.0,
            save=False,
            gait=GaitParams(cadence=168.0, speed=3.0),
            seed=4,
        )
        r = run_live(cfg, page, announce=lambda _m: None)
        import urllib.request

        with urllib.request.urlopen(
            page.url.rstrip("/") + "/api/state", timeout=10
        ) as resp:  # over loopback
            state = json.loads(resp.read())
    finally:
        page.stop()
    stats = next(iter(r.device_stats.values()))
    assert stats["packets"] > 10
    assert stats["bad"] == 0
    assert not stats["rejected"]
    assert len(r.live_steps) > 40
    assert abs(float(np.nanmedian(r.live_steps["cadence"])) - 168.0) < 3.0
    phone = state["sensors"]["phone"]
    assert phone["status"] == "ok"
    if "armband" in device:
        assert "cadence only" in phone["note"]
        assert state["metrics"].get("gct_left") is None
    else:
        assert "waist" in phone["note"]
    summary = json.loads(r.written["summary"].read_text())
    assert abs(float(summary["cadence_spm"]) - 168.0) < 3.0  # the report, replayed from the capture

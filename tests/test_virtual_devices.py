"""Virtual devices emulate every shipped profile byte-for-byte, with control points and faults."""

from __future__ import annotations

import asyncio
import math
import time
from unittest import mock

import numpy as np
import pytest
from ble_helpers import find_window, gait_like_source, record, run
from bleak import BleakClient

from devices.ble import BumbleClient, open_radio
from devices.ble_recorder import DeviceSpec
from devices.decoders import make_encoder
from devices.decoders.polar_pmd import parse_settings
from devices.errors import DeviceError
from devices.profiles import get_profile, load_profiles
from devices.replay import replay
from devices.virtual import (
    Faults,
    SimClock,
    VirtualDevice,
    constant_rsc_source,
    default_name,
    parse_faults,
)

# Tests that run on the wall clock (a radio, sockets, a live session) carry the realtime
# mark one by one; the parsing and table checks here do not need it.

IMU_PROFILES = [p.id for p in load_profiles() if "rsc" not in p.streams]


@pytest.mark.realtime
@pytest.mark.parametrize("pid", IMU_PROFILES)
def test_every_imu_profile_streams_exact_samples(pid: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Start sequence, notifications and decoding agree with the source within one LSB."""
    prof = get_profile(pid)
    src = gait_like_source(20.0, prof.rate, seed=1, gyr="gyr" in prof.streams)
    out = tmp_path / "one.gaitcap"

    async def main() -> dict:
        radio = await open_radio("local")
        dev = VirtualDevice(prof, src, radio, speed=4.0)
        await dev.start()
        try:
            return await record(radio, [DeviceSpec(dev.name, "foot", "left")], 1.5, out)
        finally:
            await dev.stop()

    stats = run(main())
    (st,) = stats.values()
    assert st.bad == 0
    assert st.packets > 5
    (data,) = replay(out)
    assert data.device.profile == pid
    assert data.device.placement == "foot"
    assert data.device.side == "left"
    q = make_encoder(prof, rate=prof.rate).quantum()
    assert data.acc is not None
    assert data.acc.shape[0] > 50
    i0 = find_window(src.acc, data.acc, q["acc"] / 2 + 1e-9)  # type: ignore[arg-type]
    assert i0 is not None, f"{pid}: decoded acc matches no window of the source"
    n = min(data.acc.shape[0], src.t.size - i0)
    assert np.abs(data.acc[:n] - src.acc[i0 : i0 + n]).max() <= q["acc"] / 2 + 1e-9  # type: ignore[index]
    if (
        "gyr" in prof.streams
        and data.gyr is not None
        and "gyr resampled" not in " ".join(data.notes)
    ):
        assert np.abs(data.gyr[:n] - src.gyr[i0 : i0 + n]).max() <= q["gyr"] / 2 + 1e-9  # type: ignore[index]


@pytest.mark.realtime
def test_footpod_speed_and_cadence(tmp_path) -> None:  # type: ignore[no-untyped-def]
    prof = get_profile("rsc-footpod")
    out = tmp_path / "pod.gaitcap"

    async def main() -> None:
        radio = await open_radio("local")
        dev = VirtualDevice(
            prof, constant_rsc_source(60, speed=3.5, cadence=180, rate=2), radio, speed=5
        )
        await dev.start()
        try:
            await record(radio, [DeviceSpec(dev.name)], 1.0, out)
        finally:
            await dev.stop()

    run(main())
    (data,) = replay(out)
    rsc = data.channels["rsc"]
    assert rsc["speed"].size >= 5
    assert np.allclose(rsc["speed"], 3.5, atol=1 / 256)
    assert np.allclose(rsc["cadence"], 180)


@pytest.mark.realtime
def test_pmd_control_point_byte_for_byte() -> None:
    """Feature read, GET settings, START/STOP answers, and silence before the CCCDs are on."""
    prof = get_profile("polar-verity")
    ctl, data_uuid = prof.uuid("control"), prof.uuid("data")

    async def main() -> None:
        radio = await open_radio("local")
        dev = VirtualDevice(prof, gait_like_source(10, prof.rate), radio)
        await dev.start()
        answers: asyncio.Queue[bytes] = asyncio.Queue()
        frames: list[bytes] = []
        async with BleakClient(dev.address, backend=BumbleClient, radio=radio) as c:
            feat = bytes(await c.read_gatt_char(ctl))
            # ACC and GYRO
            assert feat[0] == 0x0F
            assert feat[1] & (1 << 2)
            assert feat[1] & (1 << 5)
            await c.start_notify(ctl, lambda _ch, d: answers.put_nowait(bytes(d)))
            # without PMD data notifications the firmware does not answer
            await c.write_gatt_char(ctl, b"\x01\x02", response=True)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(answers.get(), 0.3)
            await c.start_notify(data_uuid, lambda _ch, d: frames.append(bytes(d)))
            await c.write_gatt_char(ctl, b"\x01\x02", response=True)
            get = await asyncio.wait_for(answers.get(), 2)
            assert get[:4] == bytes([0xF0, 0x01, 0x02, 0x00])
            assert parse_settings(get[5:])[0] == [prof.rate]  # SAMPLE_RATE offered
            await c.write_gatt_char(ctl, b"\x07\x02", response=True)
            assert (await asyncio.wait_for(answers.get(), 2))[:4] == bytes([0xF0, 0x07, 0x02, 0x01])
            await c.write_gatt_char(ctl, prof.start[0].data, response=True)
            ok = await asyncio.wait_for(answers.get(), 2)
            assert ok.startswith(prof.start[0].expect or b"")
            await c.write_gatt_char(ctl, prof.start[0].data, response=True)  # already started
            assert (await asyncio.wait_for(answers.get(), 2))[3] == 6
            await asyncio.sleep(1.0)
            # only ACC frames: GYRO not started
            assert frames
            assert {f[0] for f in frames} == {2}
            await c.write_gatt_char(ctl, b"\x03\x02", response=True)
            assert (await asyncio.wait_for(answers.get(), 2))[:4] == bytes([0xF0, 0x03, 0x02, 0x00])
            n = len(frames)
            await asyncio.sleep(0.5)
            assert len(frames) <= n + 1  # stopped (one frame may be in flight)
        await dev.stop()

    run(main())


@pytest.mark.realtime
def test_pmd_invalid_mtu_and_refused_start_give_clear_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    prof = get_profile("polar-h10")

    async def attempt(**kw) -> str:  # type: ignore[no-untyped-def]
        radio = await open_radio("local")
        dev = VirtualDevice(prof, gait_like_source(10, prof.rate, gyr=False), radio, **kw)
        await dev.start()
        try:
            with pytest.raises(DeviceError) as exc:
                await record(radio, [DeviceSpec(dev.name)], 1.0, tmp_path / "x.gaitcap")
            return str(exc.value)
        finally:
            await dev.stop()

    msg = run(attempt(max_mtu=23))
    assert "refused start command" in msg
    assert "invalid MTU" in msg
    assert "MTU 23" in msg
    msg = run(attempt(faults=Faults(refuse_start=13)))
    assert "refused start command" in msg
    assert "charger" in msg.lower()


@pytest.mark.realtime
def test_packet_loss_is_counted_by_the_decoder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    prof = get_profile("gait-imu")
    out = tmp_path / "loss.gaitcap"

    async def main() -> VirtualDevice:
        radio = await open_radio("local")
        dev = VirtualDevice(
            prof, gait_like_source(30, 200), radio, speed=4, faults=Faults(loss=0.2, jitter=0.01)
        )
        await dev.start()
        try:
            await record(
                radio,
                [DeviceSpec(dev.name)],
                1.5,
                out,
                on_samples=lambda _i, smp: live.append(smp.n),
            )
        finally:
            await dev.stop()
        return dev

    live: list[int] = []
    dev = run(main())
    (data,) = replay(out)
    assert sum(live) == data.stats.samples  # live callback saw every decoded sample
    assert dev.lost > 10
    # every packet lost on purpose shows up as missing counter values (4 samples each)
    assert data.stats.lost_samples == 4 * dev.lost or data.stats.lost_samples >= 4 * (dev.lost - 1)
    assert data.stats.counter_gaps > 0


def test_fault_options_parse_and_validate() -> None:
    f = parse_faults(["drop_every=10,outage=0.5", "loss=0.1", "refuse_start=13"])
    assert (f.drop_every, f.outage, f.loss, f.refuse_start) == (10.0, 0.5, 0.1, 13)
    for bad in (["loss=2"], ["speed=3"], ["loss"], ["jitter=x"]):
        with pytest.raises(DeviceError):
            parse_faults(bad)


def test_default_names_match_their_profiles() -> None:
    from devices.profiles import match_profile

    for p in load_profiles():
        name = default_name(p)
        assert p.match.matches(name, ()), (p.id, name)
        assert match_profile(name, [p.service]) is p, (p.id, name)


@pytest.mark.realtime
def test_replaying_a_recorded_capture_reproduces_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A capture drives a virtual device again (``gait simulate --replay``): same samples out."""
    from argparse import Namespace

    from gait.cli.simulate import _replay_source

    prof = get_profile("gait-imu")
    first, second = tmp_path / "first.gaitcap", tmp_path / "second.gaitcap"

    async def rec(source, out, name):  # type: ignore[no-untyped-def]
        radio = await open_radio("local")
        dev = VirtualDevice(prof, source, radio, name=name, speed=4.0)
        await dev.start()
        try:
            await record(radio, [DeviceSpec(name, "foot", "left")], 1.5, out)
        finally:
            await dev.stop()

    run(rec(gait_like_source(20, prof.rate, seed=4), first, "gait-imu one"))
    src = _replay_source(Namespace(replay=str(first), placement="foot", side="left"), prof)
    run(rec(src, second, "gait-imu two"))
    (a,), (b,) = replay(first), replay(second)
    assert a.acc is not None
    assert b.acc is not None
    i0 = find_window(a.acc, b.acc, 1e-9)
    assert i0 is not None  # exact: already quantised values survive a second pass unchanged
    n = min(b.acc.shape[0], a.acc.shape[0] - i0)
    assert n > 100
    assert np.array_equal(a.acc[i0 : i0 + n], b.acc[:n])
    with pytest.raises(DeviceError, match="no sacrum"):
        _replay_source(Namespace(replay=str(first), placement="sacrum", side=None), prof)


@pytest.mark.realtime
def test_sensors_on_one_body_share_one_clock() -> None:
    """Devices started with one clock origin agree on simulated time; by default each has one."""
    prof = get_profile("gait-imu")

    def clock() -> SimClock:
        # no stall clamp: simulated time is exactly 50 × the wall time since the origin
        return SimClock(50, max_step=math.inf)

    async def main() -> None:
        radio = await open_radio("local")
        origin = asyncio.get_running_loop().time()
        shared = [
            VirtualDevice(prof, gait_like_source(10, prof.rate), radio, name=f"s{i}", clock=clock())
            for i in range(2)
        ]
        for dev in shared:
            await dev.start(clock_origin=origin)
            await asyncio.sleep(0.02)  # 1 s of simulated time between the two starts
        own = VirtualDevice(prof, gait_like_source(10, prof.rate), radio, name="own", clock=clock())
        await own.start()
        # all three read at one wall instant, so a busy machine between the reads is not seen
        with mock.patch("time.monotonic", return_value=time.monotonic()):
            a, b, c = (d.sim_time() for d in (*shared, own))
        assert a == pytest.approx(b, abs=0.05)
        assert a - c > 0.5  # the later device's own clock lags by the wait above
        for dev in (*shared, own):
            await dev.stop()

    run(main())

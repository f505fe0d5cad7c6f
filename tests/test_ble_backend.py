"""The bleak backend on bumble: scan, connect, GATT I/O, notifications, errors, hub relay."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError
from bumble import core, hci, ll

from devices.ble import BumbleClient, BumbleScanner, open_radio, parse_radio_spec
from devices.ble.advertising import build_advertising_data, parse_advertising_data
from devices.ble.errors import to_bleak_error
from devices.ble.radio import VirtualRadio, random_static_address
from devices.errors import DeviceError
from devices.hub import connect_hub, decode_pdu, encode_pdu, start_hub
from devices.profiles import get_profile
from devices.virtual import Faults, SampleSource, VirtualDevice, constant_rsc_source

# Tests that run on the wall clock (a radio, sockets, a live session) carry the realtime
# mark one by one; the parsing and table checks here do not need it.

RSC_MEAS = "00002a53-0000-1000-8000-00805f9b34fb"
RSC_FEATURE = "00002a54-0000-1000-8000-00805f9b34fb"
GAIT_IMU = get_profile("gait-imu")


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(asyncio.wait_for(coro, 60))


async def discover(
    radio: VirtualRadio, timeout: float, **kw: Any
) -> dict[str, tuple[BLEDevice, AdvertisementData]]:
    """``BleakScanner`` with the bumble backend on ``radio`` (public bleak API only)."""
    extra: dict[str, Any] = {"radio": radio, **kw}
    async with BleakScanner(backend=BumbleScanner, **extra) as scanner:
        await asyncio.sleep(timeout)
    return scanner.discovered_devices_and_advertisement_data


def imu_source(seconds: float = 10.0, rate: float = 200.0) -> SampleSource:
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(3)
    return SampleSource(t, rng.normal(0, 10, (t.size, 3)), rng.normal(0, 2, (t.size, 3)))


def test_advertising_data_round_trip_and_limit() -> None:
    data = build_advertising_data("gait-imu 01", [GAIT_IMU.service, "1814"])
    assert len(data) <= 31
    adv = parse_advertising_data(data)
    assert adv.local_name == "gait-imu 01"
    assert "00001814-0000-1000-8000-00805f9b34fb" in adv.service_uuids
    # a name that fills the packet leaves no room for a 128-bit UUID: name kept, UUID dropped
    long_adv = parse_advertising_data(
        build_advertising_data("Polar Sense B5A13C2A", [GAIT_IMU.service])
    )
    assert long_adv.local_name == "Polar Sense B5A13C2A"
    assert long_adv.service_uuids == []
    # malformed tail: length byte running past the end is ignored, not raised
    assert parse_advertising_data(data + b"\x09\x09ab").local_name == "gait-imu 01"


def test_error_mapping() -> None:
    assert isinstance(to_bleak_error(core.TimeoutError(), "x"), TimeoutError)
    from bumble.att import ATT_Error

    err = to_bleak_error(ATT_Error(0x03), "write")
    assert isinstance(err, BleakGATTProtocolError)
    assert err.args[0] == 0x03
    assert isinstance(to_bleak_error(core.InvalidStateError(), "x"), BleakError)
    plain = ValueError("x")
    assert to_bleak_error(plain, "x") is plain


def test_radio_spec_parsing() -> None:
    assert parse_radio_spec("virtual") == ("virtual", "127.0.0.1", 47555)
    assert parse_radio_spec("virtual:10.0.0.2:9000") == ("virtual", "10.0.0.2", 9000)
    for bad in ("bluetooth", "virtual:host", "virtual:h:99999"):
        with pytest.raises(DeviceError):
            parse_radio_spec(bad)
    assert random_static_address()[0] in "CDEF"  # two top bits set


def test_pdu_codec_round_trip() -> None:
    a, b = hci.Address("C1:02:03:04:05:06"), hci.Address("D1:02:03:04:05:06")
    for pdu in (
        ll.AdvInd(advertiser_address=a, data=b"\x02\x01\x06"),
        ll.ConnectInd(initiator_address=a, advertiser_address=b, interval=8, latency=0, timeout=42),
        ll.TerminateInd(error_code=0x08),
    ):
        back = decode_pdu(encode_pdu(pdu))
        assert back == pdu
    with pytest.raises(ValueError, match=r"unknown PDU kind 'os\.system'"):
        decode_pdu({"k": "os.system", "f": {}})


@pytest.mark.realtime
def test_scan_connect_read_notify_disconnect() -> None:
    async def main() -> None:
        radio = await open_radio("local")
        dev = VirtualDevice(
            get_profile("rsc-footpod"),
            constant_rsc_source(60, rate=4),
            radio,
            name="Stryd",
            speed=5,
        )
        await dev.start()
        found = await discover(radio, 0.3)
        ((bd, adv),) = found.values()
        assert adv.local_name == "Stryd"
        assert adv.rssi < 0
        assert "00001814-0000-1000-8000-00805f9b34fb" in adv.service_uuids
        # the service filter of the scanner uses the advertised UUIDs
        none = await discover(radio, 0.2, service_uuids=[GAIT_IMU.service])
        assert none == {}
        got: list[bytes] = []
        lost = asyncio.Event()
        async with BleakClient(
            bd, backend=BumbleClient, radio=radio, disconnected_callback=lambda _c: lost.set()
        ) as c:
            assert c.mtu_size == 247
            assert bytes(await c.read_gatt_char(RSC_FEATURE)) == b"\x05\x00"
            # properties are enforced although bumble's GATT server does not check them
            with pytest.raises(BleakGATTProtocolError) as refused:
                await c.write_gatt_char(RSC_FEATURE, b"\x00\x00", response=True)
            assert refused.value.args[0] == 0x03  # Write Not Permitted
            with pytest.raises(BleakGATTProtocolError) as unreadable:
                await c.read_gatt_char(RSC_MEAS)
            assert unreadable.value.args[0] == 0x02  # Read Not Permitted
            await c.start_notify(RSC_MEAS, lambda _ch, d: got.append(bytes(d)))
            await asyncio.sleep(0.6)
            assert len(got) >= 5
            await dev.drop_link()
            await asyncio.wait_for(lost.wait(), 2)
            assert not c.is_connected
            with pytest.raises(BleakError):
                await c.read_gatt_char(RSC_FEATURE)
        # RSC measurement: flags, speed 1/256 m/s, cadence
        assert got[0][0] & 0x01
        assert abs(int.from_bytes(got[0][1:3], "little") / 256 - 3.2) < 0.01
        await dev.stop()

    run(main())


@pytest.mark.realtime
def test_connect_to_absent_device_times_out_cleanly() -> None:
    async def main() -> None:
        radio = await open_radio("local")
        client = BleakClient(
            random_static_address(), backend=BumbleClient, radio=radio, timeout=0.3
        )
        with pytest.raises(BleakDeviceNotFoundError):
            await client.connect()
        # the cancelled attempt released its controller (no hang, nothing left on the link)
        assert not radio.link.controllers

    run(main())


@pytest.mark.realtime
def test_write_refused_maps_to_bleak_protocol_error() -> None:
    async def main() -> None:
        radio = await open_radio("local")
        prof = get_profile("thingy52")
        dev = VirtualDevice(prof, imu_source(rate=prof.rate), radio, name="Thingy")
        await dev.start()
        async with BleakClient(dev.address, backend=BumbleClient, radio=radio) as c:
            cfg = prof.uuid("config")
            with pytest.raises(BleakGATTProtocolError) as exc:
                await c.write_gatt_char(
                    cfg, bytes.fromhex("e8 03 e8 03 e8 03 2c 01 00"), response=True
                )  # 300 Hz
            assert exc.value.args[0] == 0x03  # Write Not Permitted, as the firmware answers
            await c.write_gatt_char(cfg, bytes.fromhex("e8 03 e8 03 e8 03 64 00 00"), response=True)
            assert bytes(await c.read_gatt_char(cfg)) == bytes.fromhex("e8 03 e8 03 e8 03 64 00 00")
        await dev.stop()

    run(main())


@pytest.mark.realtime
def test_hub_relays_between_links() -> None:
    """A device on the hub's link is found and streamed from a client link over TCP."""

    async def main() -> None:
        hub = await start_hub("127.0.0.1", 0)
        client_link = await connect_hub("127.0.0.1", hub.port)
        dev_radio = VirtualRadio(hub.link, hub=hub, spec="hub")
        app_radio = VirtualRadio(client_link, spec="virtual")
        dev = VirtualDevice(
            GAIT_IMU, imu_source(), dev_radio, name="gait-imu hub", speed=2, faults=Faults()
        )
        await dev.start()
        found = await discover(app_radio, 0.4)
        assert [a.local_name for _, a in found.values()] == ["gait-imu hub"]
        got: list[bytes] = []
        lost = asyncio.Event()
        async with BleakClient(
            dev.address,
            backend=BumbleClient,
            radio=app_radio,
            disconnected_callback=lambda _c: lost.set(),
        ) as c:
            await c.start_notify(GAIT_IMU.uuid("control"), lambda _ch, d: got.append(bytes(d)))
            await c.start_notify(GAIT_IMU.uuid("data"), lambda _ch, d: got.append(bytes(d)))
            await c.write_gatt_char(GAIT_IMU.uuid("control"), GAIT_IMU.start[0].data, response=True)
            await asyncio.sleep(0.5)
            assert got[0] == bytes.fromhex("80 01 00")  # the start response
            assert len(got) > 20
            assert all(len(p) == 2 + 4 * 12 for p in got[1:])
            # the device's process vanishing (hub gone) is a link loss for the client
            await hub.aclose()
            await asyncio.wait_for(lost.wait(), 2)
            assert not c.is_connected
        await dev.stop()
        await app_radio.aclose()

    run(main())


@pytest.mark.realtime
def test_connect_hub_without_hub_is_a_clear_error() -> None:
    async def main() -> None:
        with pytest.raises(DeviceError, match="no virtual radio hub"):
            await connect_hub("127.0.0.1", 1, timeout=0.5)

    run(main())


@pytest.mark.realtime
def test_hub_drops_malformed_frames_and_keeps_the_link() -> None:
    async def main() -> None:
        import json
        import struct

        hub = await start_hub("127.0.0.1", 0)
        _reader, writer = await asyncio.open_connection("127.0.0.1", hub.port)
        for body in (
            b"not json",
            json.dumps({"op": "adv", "pdu": {"k": "Nope", "f": {}}}).encode(),
            json.dumps({"op": "acl", "src": {"a": "zz"}}).encode(),
        ):
            writer.write(struct.pack(">I", len(body)) + body)
        await writer.drain()
        await asyncio.sleep(0.2)
        assert len(hub.link.peers) == 1  # still connected, frames dropped
        # a well-formed advertisement from that neighbour still reaches the hub's link
        a = hci.Address("C1:02:03:04:05:06")
        ok = json.dumps(
            {"op": "adv", "pdu": encode_pdu(ll.AdvInd(advertiser_address=a, data=b""))}
        ).encode()
        writer.write(struct.pack(">I", len(ok)) + ok)
        await writer.drain()
        await asyncio.sleep(0.1)
        assert str(a) in hub.link.peers[0].addresses
        writer.close()
        await hub.aclose()

    run(main())


@pytest.mark.realtime
def test_hub_cuts_off_a_neighbour_announcing_an_oversized_frame() -> None:
    async def main() -> None:
        import json
        import struct

        from devices.hub import MAX_FRAME

        hub = await start_hub("127.0.0.1", 0)

        async def until(cond: Callable[[], bool]) -> None:
            # polls: no assumption on how fast a loaded machine gets there
            for _ in range(1000):
                if cond():
                    return
                await asyncio.sleep(0.01)
            raise AssertionError("condition not reached in 10 s")

        _good_r, good_w = await asyncio.open_connection("127.0.0.1", hub.port)
        bad_r, bad_w = await asyncio.open_connection("127.0.0.1", hub.port)
        await until(lambda: len(hub.link.peers) == 2)
        # 4 GiB announced: the hub must not wait for (or buffer) it, it hangs up
        bad_w.write(struct.pack(">I", 0xFFFF_FFF0) + b"x" * 1000)
        await bad_w.drain()
        assert await asyncio.wait_for(bad_r.read(), 30.0) == b""  # closed by the hub
        await until(lambda: len(hub.link.peers) == 1)
        assert hub.link.oversized == 1
        # one byte over the limit is refused too; the limit itself is not a parse problem
        _r2, w2 = await asyncio.open_connection("127.0.0.1", hub.port)
        w2.write(struct.pack(">I", MAX_FRAME + 1))
        await w2.drain()
        assert await asyncio.wait_for(_r2.read(), 30.0) == b""
        assert hub.link.oversized == 2
        # the other neighbour is unaffected: its advertisement still arrives
        a = hci.Address("C1:02:03:04:05:07")
        ok = json.dumps(
            {"op": "adv", "pdu": encode_pdu(ll.AdvInd(advertiser_address=a, data=b""))}
        ).encode()
        good_w.write(struct.pack(">I", len(ok)) + ok)
        await good_w.drain()
        await until(lambda: str(a) in hub.link.peers[0].addresses)
        good_w.close()
        bad_w.close()
        w2.close()
        await hub.aclose()

    run(main())


@pytest.mark.realtime
def test_device_process_vanishing_behind_the_hub_drops_the_link() -> None:
    """Device and app in two client processes (links); the device's one goes away."""

    async def main() -> None:
        hub = await start_hub("127.0.0.1", 0)
        dev_radio = VirtualRadio(await connect_hub("127.0.0.1", hub.port), spec="virtual")
        app_radio = VirtualRadio(await connect_hub("127.0.0.1", hub.port), spec="virtual")
        dev = VirtualDevice(GAIT_IMU, imu_source(), dev_radio, name="gait-imu far")
        await dev.start()
        lost = asyncio.Event()
        async with BleakClient(
            dev.address,
            backend=BumbleClient,
            radio=app_radio,
            disconnected_callback=lambda _c: lost.set(),
        ) as c:
            assert c.is_connected
            await dev_radio.aclose()  # the device's process is gone: hub tells the others
            await asyncio.wait_for(lost.wait(), 2)
        await dev.stop()
        await app_radio.aclose()
        await hub.aclose()

    run(main())

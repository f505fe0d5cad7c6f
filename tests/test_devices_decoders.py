"""Decoders against hand-built vectors from the published formats; encode → decode round trips."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.decoders import make_decoder, make_encoder
from devices.decoders.base import DEG
from devices.decoders.polar_pmd import (
    POLAR_EPOCH_NS,
    decode_deltas,
    encode_deltas,
    parse_settings,
    to_unix_ns,
)
from devices.profiles import get_profile, load_profiles
from devices.units import G


def _bits_lsb_first(values: list[int], width: int) -> bytes:
    """Independent bit packer (pure Python ints) for hand-made PMD delta blocks."""
    acc = 0
    for i, v in enumerate(values):
        acc |= (v & ((1 << width) - 1)) << (i * width)
    nbytes = (len(values) * width + 7) // 8
    return acc.to_bytes(nbytes, "little")


# ----------------------------------------------------------------------------- RSC


def test_rsc_measurement_all_fields() -> None:
    dec = make_decoder(get_profile("rsc-footpod"))
    # flags: stride + distance + running; 3.2 m/s is sent as 819 (RSC speed unit 1/256 m/s).
    payload = struct.pack("<BHBHI", 0x07, 819, 172, 118, 12345)
    s = dec.feed(payload, 10.0, "data")
    assert s is not None
    assert s.sensor == "rsc"
    assert s.values["speed"][0] == pytest.approx(819 / 256)
    assert s.values["cadence"][0] == 172
    assert s.values["stride_length"][0] == pytest.approx(1.18)
    assert s.values["distance"][0] == pytest.approx(1234.5)
    assert s.values["running"][0] == 1.0


def test_rsc_optional_fields_follow_flag_order() -> None:
    dec = make_decoder(get_profile("rsc-footpod"))
    s = dec.feed(struct.pack("<BHBI", 0x02, 512, 90, 77), 0.0, "data")  # distance only
    assert s is not None
    assert np.isnan(s.values["stride_length"][0])
    assert s.values["distance"][0] == pytest.approx(7.7)
    assert s.values["running"][0] == 0.0


@pytest.mark.parametrize(
    "payload",
    [b"", b"\x00\x01\x02", struct.pack("<BHB", 0x01, 1, 2), struct.pack("<BHBH", 0x00, 1, 2, 3)],
)
def test_rsc_bad_lengths_are_counted_not_raised(payload: bytes) -> None:
    dec = make_decoder(get_profile("rsc-footpod"))
    assert dec.feed(payload, 0.0, "data") is None
    assert dec.stats.bad == 1
    assert dec.stats.packets == 1


def test_rsc_control_point_response() -> None:
    dec = make_decoder(get_profile("rsc-footpod"))
    assert dec.feed(bytes([0x10, 0x01, 0x01]), 0.0, "control") is None
    assert dec.responses[-1].ok
    assert dec.responses[-1].opcode == 1
    r = dec.feed_response(bytes([0x10, 0x03, 0x03]), "control")
    assert r is not None
    assert not r.ok
    assert r.message == "invalid parameter"


# ----------------------------------------------------------------------------- Polar PMD


def test_h10_start_command_matches_protocols_md() -> None:
    p = get_profile("polar-h10")
    assert p.start[0].data == bytes.fromhex("02020001C80001011000020108 00".replace(" ", ""))
    assert p.start[0].expect == bytes.fromhex("f0020200")


def test_pmd_raw_acc_type1_and_timestamps() -> None:
    dec = make_decoder(get_profile("polar-h10"))
    ts = 700_000_000_000_000_000  # ns since 2000
    mg = np.array([[1000, -2000, 1000], [0, 0, 1000], [-1, 2, -3]], dtype="<i2")
    frame = struct.pack("<BQB", 2, ts, 0x01) + mg.tobytes()
    s = dec.feed(frame, 1.0, "data")
    assert s is not None
    assert s.sensor == "acc"
    assert s.acc is not None
    assert s.device_time is not None
    np.testing.assert_allclose(s.acc, mg * G / 1000)
    # First frame: samples counted back from the last-sample time at 1/rate (200 Hz).
    np.testing.assert_allclose(s.device_time, (ts - np.array([10e6, 5e6, 0])) * 1e-9)
    # Next frame 15 ms later with 3 samples: spread evenly since the previous frame.
    s2 = dec.feed(struct.pack("<BQB", 2, ts + 15_000_000, 0x01) + mg.tobytes(), 1.1, "data")
    assert s2 is not None
    assert s2.device_time is not None
    np.testing.assert_allclose(s2.device_time, (ts + np.array([5e6, 10e6, 15e6])) * 1e-9)
    assert to_unix_ns(0) == POLAR_EPOCH_NS


def test_pmd_raw_acc_type0_and_type2() -> None:
    dec = make_decoder(get_profile("polar-h10"))
    s = dec.feed(struct.pack("<BQB", 2, 10**12, 0) + bytes([1, 0xFF, 0x7F]), 0.0, "data")
    assert s is not None
    assert s.acc is not None
    np.testing.assert_allclose(s.acc[0], np.array([1, -1, 127]) * G / 1000)
    body = (
        (-5 & 0xFFFFFF).to_bytes(3, "little")
        + (70000).to_bytes(3, "little")
        + (0).to_bytes(3, "little")
    )
    s = dec.feed(struct.pack("<BQB", 2, 2 * 10**12, 2) + body, 0.0, "data")
    assert s is not None
    assert s.acc is not None
    np.testing.assert_allclose(s.acc[0], np.array([-5, 70000, 0]) * G / 1000)


def test_pmd_delta_frame_hand_built() -> None:
    ref = [1000, -20, 3]
    deltas = [[1, -1, 2], [-8, 7, 0], [3, 3, -3]]
    blk1 = bytes([4, 2]) + _bits_lsb_first([v for d in deltas[:2] for v in d], 4)
    blk2 = bytes([3, 1]) + _bits_lsb_first(deltas[2], 3)
    payload = struct.pack("<3h", *ref) + blk1 + blk2
    want = np.cumsum(np.array([ref, *deltas]), axis=0)
    np.testing.assert_array_equal(decode_deltas(payload), want)
    # Our encoder produces frames the independent reading above accepts too.
    np.testing.assert_array_equal(decode_deltas(encode_deltas(want, block_samples=2)), want)


def test_pmd_compressed_acc_uses_factor_from_start_response() -> None:
    p = get_profile("polar-verity")
    dec = make_decoder(p)
    # START response for ACC with FACTOR = 0.5 (float32 TLV, setting type 5).
    resp = bytes([0xF0, 0x02, 0x02, 0x00, 0x00, 0x05, 0x01]) + struct.pack("<f", 0.5)
    assert dec.feed(resp, 0.0, "control") is None
    assert dec.responses[-1].ok
    assert dec.stats.responses == 1
    ref = [100, 200, -300]
    payload = struct.pack("<3h", *ref) + bytes([2, 1]) + _bits_lsb_first([1, -1, 0], 2)
    frame = struct.pack("<BQB", 2, 5 * 10**15, 0x81) + payload
    s = dec.feed(frame, 0.0, "data")
    assert s is not None
    assert s.acc is not None
    np.testing.assert_allclose(s.acc, np.array([ref, [101, 199, -300]]) * 0.5 * G / 1000)


def test_pmd_compressed_gyro_and_type_0x80_acc_in_g() -> None:
    p = get_profile("polar-verity")
    dec = make_decoder(p)
    f = p.decoder_params["gyr_factor"]
    gyr_frame = struct.pack("<BQB", 5, 10**15, 0x80) + struct.pack("<3h", 1000, -1000, 0)
    s = dec.feed(gyr_frame, 0.0, "data")
    assert s is not None
    assert s.sensor == "gyr"
    assert s.gyr is not None
    np.testing.assert_allclose(s.gyr[0], np.array([1000, -1000, 0]) * f * DEG)
    acc_frame = struct.pack("<BQB", 2, 10**15, 0x80) + struct.pack("<3h", 1, 0, -1)
    s = dec.feed(acc_frame, 0.0, "data")
    assert s is not None
    assert s.acc is not None
    np.testing.assert_allclose(s.acc[0], np.array([1, 0, -1]) * 1.0 * 1000 * G / 1000)


def test_pmd_control_errors_and_stop_message() -> None:
    dec = make_decoder(get_profile("polar-verity"))
    r = dec.feed_response(bytes([0xF0, 0x02, 0x02, 0x0A, 0x00]), "control")
    assert r is not None
    assert not r.ok
    assert r.status == 10
    assert r.message == "invalid MTU"
    r = dec.feed_response(bytes([0x01, 0x02]), "control")
    assert r is not None
    assert not r.ok
    assert "stopped" in r.message
    assert parse_settings(
        bytes.fromhex("00 01 34 00 01 01 10 00 02 01 08 00 04 01 03".replace(" ", ""))
    ) == {
        0: [52.0],
        1: [16.0],
        2: [8.0],
        4: [3.0],
    }


@pytest.mark.parametrize(
    "frame",
    [
        struct.pack("<BQB", 2, 1, 0x81) + b"\x01\x00",  # short reference
        struct.pack("<BQB", 2, 1, 0x81) + b"\x00" * 6 + bytes([4, 3]) + b"\x00",  # truncated block
        struct.pack("<BQB", 2, 1, 0x81) + b"\x00" * 6 + bytes([0, 3]),  # zero bit width
        struct.pack("<BQB", 2, 1, 0x01) + b"\x00" * 7,  # raw length not a multiple of 6
        struct.pack("<BQB", 0x3F, 1, 0x01) + b"\x00" * 6,  # impossible type
        b"\x02\x00",
    ],
)
def test_pmd_bad_frames_are_dropped(frame: bytes) -> None:
    dec = make_decoder(get_profile("polar-verity"))
    assert dec.feed(frame, 0.0, "data") is None
    assert dec.stats.bad == 1


def test_pmd_ecg_frames_are_ignored_not_bad() -> None:
    dec = make_decoder(get_profile("polar-h10"))
    assert dec.feed(struct.pack("<BQB", 0, 1, 0) + b"\x00" * 9, 0.0, "data") is None
    assert dec.stats.ignored == 1
    assert dec.stats.bad == 0


# ----------------------------------------------------------------------------- Movesense


def test_movesense_imu6_packet() -> None:
    p = get_profile("movesense")
    dec = make_decoder(p)
    acc = np.array([[0.1, 0.2, 9.8], [0.3, 0.4, 9.7]], dtype="<f4")
    gyr = np.array([[10.0, -20.0, 30.0], [0.0, 0.5, -0.5]], dtype="<f4")
    pkt = bytes([2, 0x63]) + struct.pack("<I", 123456) + acc.tobytes() + gyr.tobytes()
    s = dec.feed(pkt, 5.0, "data")
    assert s is not None
    assert s.sensor == "imu"
    assert s.acc is not None
    assert s.gyr is not None
    np.testing.assert_allclose(s.acc, acc.astype(np.float64))
    np.testing.assert_allclose(s.gyr, gyr.astype(np.float64) * DEG)
    assert s.device_time is not None
    np.testing.assert_allclose(s.device_time, 123.456 + np.arange(2) / p.rate)
    assert dec.feed(bytes([1, 0x63, 0xC8, 0x00]), 5.0, "data") is None
    assert dec.responses[-1].ok
    assert dec.responses[-1].status == 200
    assert dec.feed(bytes([2, 0x63]) + struct.pack("<I", 1) + b"\x00" * 25, 0.0, "data") is None
    assert dec.stats.bad == 1


# ----------------------------------------------------------------------------- MetaWear


def test_metawear_single_and_packed() -> None:
    dec = make_decoder(get_profile("metawear"))
    s = dec.feed(bytes([0x03, 0x04]) + struct.pack("<3h", 4096, -4096, 0), 0.0, "data")
    assert s is not None
    assert s.sensor == "acc"
    assert s.acc is not None
    np.testing.assert_allclose(s.acc[0], [G, -G, 0])
    s = dec.feed(
        bytes([0x13, 0x07]) + struct.pack("<9h", 164, 0, 0, 0, 164, 0, 0, 0, -164), 0.0, "data"
    )
    assert s is not None
    assert s.sensor == "gyr"
    assert s.gyr is not None
    assert s.gyr.shape == (3, 3)
    np.testing.assert_allclose(np.diag(s.gyr), np.array([10, 10, -10]) * DEG)
    assert dec.feed(bytes([0x03, 0x80, 0x01, 0x01]), 0.0, "data") is None  # module info reply
    assert dec.stats.responses == 1
    assert dec.feed(bytes([0x03, 0x1C, 0x00]), 0.0, "data") is None
    assert dec.stats.bad == 1


# ----------------------------------------------------------------------------- packed


def test_thingy_raw_scaling() -> None:
    dec = make_decoder(get_profile("thingy52"))
    s = dec.feed(struct.pack("<9h", 1024, -512, 0, 32, -64, 3200, 1, 2, 3), 0.0, "data")
    assert s is not None
    assert s.sensor == "imu"
    assert s.acc is not None
    assert s.gyr is not None
    np.testing.assert_allclose(s.acc[0], [G, -G / 2, 0])
    np.testing.assert_allclose(s.gyr[0], np.array([1, -2, 100]) * DEG)
    assert dec.feed(b"\x00" * 17, 0.0, "data") is None
    assert dec.stats.bad == 1


def test_gait_imu_counter_gaps_and_wrap() -> None:
    p = get_profile("gait-imu")
    dec = make_decoder(p)
    body = b"\x00" * 48

    def pkt(c: int) -> bytes:
        return struct.pack("<H", c) + body

    counters = []
    for c in (65528, 65532, 0, 8, 12):  # wrap is continuous; 4..7 missing
        s = dec.feed(pkt(c), 0.0, "data")
        assert s is not None
        assert s.counter is not None
        counters.append(s.counter)
    allc = np.concatenate(counters)
    assert allc[0] == 65528
    assert allc[8] == 65536
    assert allc[12] == 65544
    assert dec.stats.counter_gaps == 1
    assert dec.stats.lost_samples == 4


def test_axis_map_and_packet_counter() -> None:
    import tomllib
    from importlib import resources

    from devices.profiles import parse_profile

    d = tomllib.loads(resources.files("firmware_profiles").joinpath("gait-imu.toml").read_text())
    d["decoder_params"]["axes"] = ["-y", "x", "z"]
    d["decoder_params"]["counter_unit"] = "packet"
    p = parse_profile(d, "test")
    dec = make_decoder(p)
    raw = np.zeros((4, 6), dtype="<i2")
    raw[:, 0] = 2048  # device x = 1 g
    raw[:, 1] = -2048  # device y = -1 g
    s = dec.feed(struct.pack("<H", 7) + raw.tobytes(), 0.0, "data")
    assert s is not None
    assert s.acc is not None
    assert s.counter is not None
    np.testing.assert_allclose(s.acc[0], [G, G, 0])  # out x = -dev y, out y = dev x
    assert s.counter[0] == 28
    enc = make_encoder(p)
    back = make_decoder(p)
    t = np.arange(8) / 200
    acc = np.tile([1.0, 2.0, 3.0], (8, 1))
    outs = [back.feed(k.data, k.t, k.char) for k in enc.encode(t, acc, np.zeros((8, 3)))]
    got = np.concatenate([o.acc for o in outs if o is not None and o.acc is not None])
    np.testing.assert_allclose(got, acc, atol=G / 2048)


# ----------------------------------------------------------------------------- round trips


IMU_PROFILES = [p.id for p in load_profiles() if "acc" in p.streams]


@pytest.mark.parametrize("profile_id", IMU_PROFILES)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), scale=st.floats(0.01, 1.0))
def test_encode_decode_round_trip(profile_id: str, seed: int, n: int, scale: float) -> None:
    p = get_profile(profile_id)
    rng = np.random.default_rng(seed)
    assert p.acc_range is not None
    acc = rng.uniform(-1, 1, (n, 3)) * p.acc_range * scale * 0.95
    gyr = rng.uniform(-1, 1, (n, 3)) * (p.gyr_range or 1.0) * scale * 0.95
    t = np.arange(n) / p.rate
    enc = make_encoder(p, device_clock=6.5e8)
    dec = make_decoder(p)
    packets = enc.encode(t[: n // 2], acc[: n // 2], gyr[: n // 2]) + enc.encode(
        t[n // 2 :], acc[n // 2 :], gyr[n // 2 :]
    )
    packets += enc.flush()
    out = [dec.feed(pk.data, pk.t, pk.char) for pk in packets]
    assert dec.stats.bad == 0
    assert dec.stats.counter_gaps == 0
    q = enc.quantum()
    for kind, ref in (("acc", acc), ("gyr", gyr)):
        if kind not in p.streams:
            continue
        parts = [getattr(o, kind) for o in out if o is not None and getattr(o, kind) is not None]
        got = np.concatenate(parts) if parts else np.zeros((0, 3))
        # Packets hold whole samples: formats without short packets may keep a remainder.
        assert n - got.shape[0] < 10
        tol = q[kind] / 2 + 1e-6 * (p.acc_range if kind == "acc" else p.gyr_range or 1.0)
        np.testing.assert_allclose(got, ref[: got.shape[0]], atol=tol, rtol=0)


def test_rsc_round_trip() -> None:
    p = get_profile("rsc-footpod")
    enc, dec = make_encoder(p), make_decoder(p)
    t = np.arange(20.0)
    vals = {
        "speed": np.linspace(2.0, 5.0, 20),
        "cadence": np.linspace(150, 190, 20),
        "stride_length": np.linspace(0.8, 1.6, 20),
        "distance": np.cumsum(np.full(20, 3.3)),
    }
    got = [dec.feed(pk.data, pk.t, pk.char) for pk in enc.encode(t, values=vals)]
    q = enc.quantum()
    for k, v in vals.items():
        dv = np.array([g.values[k][0] for g in got if g is not None])
        np.testing.assert_allclose(dv, v, atol=q[k] / 2 + 1e-12)


@pytest.mark.parametrize("profile_id", [p.id for p in load_profiles()])
def test_virtual_answers_satisfy_start_and_stop_expectations(profile_id: str) -> None:
    p = get_profile(profile_id)
    enc, dec = make_encoder(p), make_decoder(p)
    for cmd in (*p.start, *p.stop):
        answers = enc.respond(cmd.char, cmd.data)
        if cmd.expect is None:
            continue
        assert answers, f"no answer to {cmd.data.hex()}"
        assert answers[0].char == (cmd.response_char or cmd.char)
        assert answers[0].data.startswith(cmd.expect)
        r = dec.feed_response(answers[0].data, answers[0].char)
        assert r is not None
        assert r.ok


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    start=st.integers(0, 65535),
    unit=st.sampled_from(["sample", "packet"]),
    bits=st.sampled_from([16, 12, 8]),
)
def test_packed_batch_path_equals_per_packet_path(
    seed: int, start: int, unit: str, bits: int
) -> None:
    """The vectorized replay path gives the same samples, counters and statistics."""
    import tomllib
    from importlib import resources

    from devices.decoders.base import batches_from_samples
    from devices.profiles import parse_profile

    d = tomllib.loads(resources.files("firmware_profiles").joinpath("gait-imu.toml").read_text())
    d["decoder_params"]["counter_unit"] = unit
    d["decoder_params"]["counter_bits"] = bits
    p = parse_profile(d, "test")
    rng = np.random.default_rng(seed)
    n_pk = int(rng.integers(1, 120))
    mod = 1 << bits
    step = 1 if unit == "packet" else 4
    counters = (start + step * np.arange(n_pk)) % mod
    # Losses, a restart and bad packets.
    if n_pk > 10:
        counters[rng.integers(1, n_pk) :] += step * int(rng.integers(1, 5))
        r = int(rng.integers(1, n_pk))
        counters[r:] = step * np.arange(counters[r:].size)
    counters %= mod
    payloads = []
    for c in counters.tolist():
        body = rng.integers(-30000, 30000, 24).astype("<i2").tobytes()
        payloads.append(struct.pack("<H", c) + body)
    for j in rng.integers(0, len(payloads), int(rng.integers(0, 4))).tolist():
        payloads[j] = payloads[j][: int(rng.integers(0, 49))]
    host = np.cumsum(rng.uniform(0.001, 0.03, len(payloads)))
    a, b = make_decoder(p), make_decoder(p)
    a.feed(struct.pack("<H", (start - step) % mod) + b"\x00" * 48, 0.0, "data")  # prior state
    b.feed(struct.pack("<H", (start - step) % mod) + b"\x00" * 48, 0.0, "data")
    per = [a.feed(x, h, "data") for x, h in zip(payloads, host.tolist(), strict=True)]
    want = batches_from_samples([s for s in per if s is not None])
    got = b.feed_batch(payloads, host, "data")
    assert a.stats.as_dict() == b.stats.as_dict()
    assert len(want) == len(got)
    for w, g in zip(want, got, strict=True):
        np.testing.assert_array_equal(w.host_time, g.host_time)
        np.testing.assert_array_equal(w.n, g.n)
        np.testing.assert_array_equal(w.counter, g.counter)
        assert w.acc is not None
        assert g.acc is not None
        assert w.gyr is not None
        assert g.gyr is not None
        np.testing.assert_allclose(w.acc, g.acc)
        np.testing.assert_allclose(w.gyr, g.gyr)


def test_pmd_multi_part_response_is_concatenated() -> None:
    p = get_profile("polar-verity")
    dec = make_decoder(p)
    # START response split in two indications (more = 1, then 0); FACTOR in the second part.
    part1 = bytes([0xF0, 0x02, 0x05, 0x00, 0x01, 0x00, 0x01, 0x34, 0x00])
    part2 = bytes([0xF0, 0x02, 0x05, 0x00, 0x00, 0x05, 0x01]) + struct.pack("<f", 0.25)
    dec.feed(part1, 0.0, "control")
    dec.feed(part2, 0.0, "control")
    assert dec.settings[5] == {0: [52.0], 5: [0.25]}  # type: ignore[attr-defined]
    s = dec.feed(struct.pack("<BQB", 5, 10**15, 0x80) + struct.pack("<3h", 4, 0, -4), 0.0, "data")
    assert s is not None
    assert s.gyr is not None
    np.testing.assert_allclose(s.gyr[0], np.array([1.0, 0, -1.0]) * DEG)

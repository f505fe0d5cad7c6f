"""Our vectorized PMD decoder against the independent ``polar-python`` package, same frames."""

from __future__ import annotations

import struct

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from polar_python.constants import TIMESTAMP_OFFSET
from polar_python.models import ACCData, GyroData, PmdDataFrame

from devices.decoders import make_decoder, make_encoder
from devices.decoders.base import DEG
from devices.decoders.polar_pmd import POLAR_EPOCH_NS, PMDDecoder, PMDEncoder
from devices.profiles import get_profile, parse_profile
from devices.units import G

MG = G / 1000.0


def _reference(frame: bytes, factor: float) -> tuple[int, np.ndarray, str]:
    df = PmdDataFrame.from_bytes(bytearray(frame), lambda _t: factor)
    if frame[0] == 2:
        acc = ACCData.from_dataframe(df)
        return acc.timestamp, np.array(acc.data, dtype=np.float64), "acc"
    gyr = GyroData.from_dataframe(df)
    return gyr.timestamp, np.array(gyr.data, dtype=np.float64), "gyr"


def _bits(values: np.ndarray, width: int) -> bytes:
    acc = 0
    for i, v in enumerate(values.ravel().tolist()):
        acc |= (int(v) & ((1 << width) - 1)) << (i * width)
    return acc.to_bytes((values.size * width + 7) // 8, "little")


def _profile_with(frame_acc: int, factor: float):  # type: ignore[no-untyped-def]
    import tomllib
    from importlib import resources

    d = tomllib.loads(
        resources.files("firmware_profiles").joinpath("polar-verity.toml").read_text()
    )
    d["decoder_params"]["acc_frame"] = frame_acc
    d["decoder_params"]["acc_factor"] = factor
    return parse_profile(d, "test")


def test_epoch_matches_reference() -> None:
    assert POLAR_EPOCH_NS == TIMESTAMP_OFFSET


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 36))
def test_h10_raw_frames_match(seed: int, n: int) -> None:
    p = get_profile("polar-h10")
    rng = np.random.default_rng(seed)
    acc = rng.uniform(-7.9, 7.9, (n, 3)) * G
    frames = (
        make_encoder(p, device_clock=6e8).encode(np.arange(n) / p.rate, acc)
        + make_encoder(p).flush()
    )
    dec = make_decoder(p)
    for f in frames:
        s = dec.feed(f.data, 0.0, "data")
        ts, ref, kind = _reference(f.data, 1.0)
        assert s is not None
        assert s.acc is not None
        assert s.device_time is not None
        assert kind == "acc"
        np.testing.assert_array_equal(np.round(s.acc / MG), ref)
        assert abs(s.device_time[-1] * 1e9 + POLAR_EPOCH_NS - ts) < 1000  # float64 s → 1 µs


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    frame=st.sampled_from([0x80, 0x81]),
    factor=st.sampled_from([1.0, 0.5, 0.244140625, 1.5e-3]),
    block=st.integers(1, 30),
)
def test_compressed_acc_frames_match(seed: int, frame: int, factor: float, block: int) -> None:
    p = _profile_with(frame, factor)
    rng = np.random.default_rng(seed)
    n = 26
    amp = rng.uniform(0.05, 7.5) * G
    acc = np.clip(np.cumsum(rng.normal(0, amp / 5, (n, 3)), axis=0), -amp, amp)
    enc = make_encoder(p)
    assert isinstance(enc, PMDEncoder)
    enc.block = block  # exercise many block layouts
    frames = [f for f in enc.encode(np.arange(n) / p.rate, acc) if f.data[0] == 2]
    dec = make_decoder(p)
    assert frames
    for f in frames:
        s = dec.feed(f.data, 0.0, "data")
        _, ref, _ = _reference(f.data, factor)
        assert s is not None
        assert s.acc is not None
        # polar-python truncates to integer mg; we keep the exact scaled value.
        np.testing.assert_array_less(np.abs(s.acc / MG - ref), 1.0 + 1e-9)
        assert np.all(np.trunc(np.round(s.acc / MG, 6)) == ref)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), factor=st.sampled_from([0.06103515625, 0.1, 1.0]))
def test_compressed_gyro_frames_match(seed: int, factor: float) -> None:
    p = get_profile("polar-verity")
    rng = np.random.default_rng(seed)
    n = 26
    gyr = np.clip(np.cumsum(rng.normal(0, 0.4, (n, 3)), axis=0), -30, 30)
    enc = make_encoder(p)
    dec = make_decoder(p)
    assert isinstance(enc, PMDEncoder)
    assert isinstance(dec, PMDDecoder)
    enc.factor["gyr"] = factor
    dec.factor["gyr"] = factor  # as if learnt from the START response
    frames = [f for f in enc.encode(np.arange(n) / p.rate, np.zeros((n, 3)), gyr) if f.data[0] == 5]
    assert frames
    for f in frames:
        s = dec.feed(f.data, 0.0, "data")
        _, ref, kind = _reference(f.data, factor)
        assert s is not None
        assert s.gyr is not None
        assert kind == "gyr"
        np.testing.assert_allclose(s.gyr / DEG, ref, rtol=1e-12, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), widths=st.lists(st.integers(2, 20), min_size=0, max_size=5))
def test_hand_built_delta_frames_match(seed: int, widths: list[int]) -> None:
    """Frames not made by our encoder: arbitrary bit widths and block sizes."""
    rng = np.random.default_rng(seed)
    ref = rng.integers(-2000, 2000, 3)
    payload = struct.pack("<3h", *ref.tolist())
    for w in widths:
        cnt = int(rng.integers(1, 12))
        deltas = rng.integers(-(1 << (w - 1)), 1 << (w - 1), (cnt, 3))
        payload += bytes([w, cnt]) + _bits(deltas, w)
    frame = struct.pack("<BQB", 2, int(rng.integers(0, 2**62)), 0x81) + payload
    dec = make_decoder(_profile_with(0x81, 1.0))
    s = dec.feed(frame, 0.0, "data")
    _, want, _ = _reference(frame, 1.0)
    assert s is not None
    assert s.acc is not None
    np.testing.assert_array_equal(np.round(s.acc / MG), want)

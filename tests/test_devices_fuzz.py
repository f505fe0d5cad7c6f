"""Fuzz every decoder with random and mutated packets: zero crashes, sane outputs.

A bounded run for CI; ``benchmarks/fuzz_decoders.py`` runs millions of packets.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.decoders import Samples, make_decoder
from devices.fuzzing import mutate, valid_packets
from devices.profiles import get_profile, load_profiles

PROFILES = [p.id for p in load_profiles()]
ROLES = ["data", "control", "0000feed-0000-1000-8000-00805f9b34fb"]


def _check(out: Samples | None) -> None:
    if out is None:
        return
    n = out.n
    assert n >= 1
    for a in (out.acc, out.gyr):
        if a is not None:
            assert a.shape == (n, 3)
            assert np.all(np.isfinite(a))
    for v in out.values.values():
        assert v.shape == (n,)
    if out.device_time is not None:
        assert out.device_time.shape == (n,)
        assert np.all(np.isfinite(out.device_time))
    if out.counter is not None:
        assert out.counter.shape == (n,)


def _no_unexpected(dec) -> None:  # type: ignore[no-untyped-def]
    # Every drop must come from explicit validation, not from the catch-all safety net.
    crashes = {k: v for k, v in dec.stats.reasons.items() if k.startswith("error:")}
    assert not crashes, crashes


@pytest.mark.parametrize("profile_id", PROFILES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**63 - 1))
def test_mutated_packets_never_crash(profile_id: str, seed: int) -> None:
    p = get_profile(profile_id)
    rng = np.random.default_rng(seed)
    valid = [d for _, d in valid_packets(p, rng, n_samples=int(rng.integers(8, 120)))]
    dec = make_decoder(p)
    fed = 0
    for _ in range(300):
        pkt = mutate(valid[int(rng.integers(0, len(valid)))], rng, valid)
        role = ROLES[int(rng.integers(0, len(ROLES)))] if rng.random() < 0.3 else "data"
        _check(dec.feed(pkt, float(fed) * 0.01, role))
        dec.feed_response(pkt, role)
        fed += 1
    assert dec.stats.packets == fed
    assert dec.stats.bad + dec.stats.ignored + dec.stats.responses <= fed
    _no_unexpected(dec)


@pytest.mark.parametrize("profile_id", PROFILES)
@settings(max_examples=60, deadline=None)
@given(payload=st.binary(max_size=260), role=st.sampled_from(ROLES), host=st.floats(-1e9, 1e12))
def test_random_bytes_never_crash(profile_id: str, payload: bytes, role: str, host: float) -> None:
    dec = make_decoder(get_profile(profile_id))
    _check(dec.feed(payload, host, role))
    dec.feed_response(payload, role)
    assert dec.stats.packets == 1
    _no_unexpected(dec)


@pytest.mark.parametrize("profile_id", PROFILES)
def test_valid_stream_interleaved_with_garbage_still_decodes(profile_id: str) -> None:
    p = get_profile(profile_id)
    rng = np.random.default_rng(7)
    valid = [(r, d) for r, d in valid_packets(p, rng, 200) if r == "data"]
    clean = make_decoder(p)
    expected = sum(clean.feed(d, float(i), role) is not None for i, (role, d) in enumerate(valid))
    assert expected >= len(valid) // 2
    dec = make_decoder(p)
    good = 0
    for i, (role, d) in enumerate(valid):
        if dec.feed(d, float(i), role) is not None:
            good += 1
        dec.feed(
            rng.integers(0, 256, int(rng.integers(0, 30)), dtype=np.uint8).tobytes(),
            float(i),
            "data",
        )
    # Garbage between packets must not poison the decoder's state for valid ones.
    assert good == expected
    _no_unexpected(dec)

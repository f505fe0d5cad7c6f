"""Packet generators for fuzzing the decoders (used by tests and ``benchmarks/fuzz_decoders.py``).

Valid packets come from each profile's encoder; mutations flip bits, truncate, extend,
overwrite header bytes and splice packets, so the fuzzer spends its time near the
formats' edges rather than on random noise alone.
"""

from __future__ import annotations

import numpy as np

from devices.decoders import make_encoder
from devices.profiles import Profile


def valid_packets(
    profile: Profile, rng: np.random.Generator, n_samples: int = 240
) -> list[tuple[str, bytes]]:
    """Well-formed notifications (role, bytes) of ``profile``, including control answers.

    Parameters
    ----------
    profile : Profile
        Device profile.
    rng : numpy.random.Generator
        Source of the random signal.
    n_samples : int
        Samples to encode.

    Returns
    -------
    list of (str, bytes)
    """
    enc = make_encoder(profile, device_clock=float(rng.uniform(0, 8e8)))
    t = np.arange(n_samples) / profile.rate
    amp = float(rng.uniform(0.01, 1.0))
    acc = rng.normal(0, 1, (n_samples, 3)).cumsum(axis=0) * amp
    acc = np.clip(acc, -(profile.acc_range or 100.0), profile.acc_range or 100.0)
    gyr = np.clip(
        rng.normal(0, 2, (n_samples, 3)), -(profile.gyr_range or 30.0), profile.gyr_range or 30.0
    )
    vals = {
        "speed": rng.uniform(0, 7, n_samples),
        "cadence": rng.uniform(0, 220, n_samples),
        "stride_length": rng.uniform(0, 2.5, n_samples),
        "distance": np.cumsum(rng.uniform(0, 7, n_samples)),
    }
    out = [(p.char, p.data) for p in enc.encode(t, acc, gyr, vals) + enc.flush()]
    for cmd in (*profile.start, *profile.stop):
        out += [(p.char, p.data) for p in enc.respond(cmd.char, cmd.data)]
    return out


def mutate(packet: bytes, rng: np.random.Generator, others: list[bytes] | None = None) -> bytes:
    """One random mutation of ``packet``.

    Parameters
    ----------
    packet : bytes
        A valid packet.
    rng : numpy.random.Generator
        Randomness.
    others : list of bytes, optional
        Pool for splicing.

    Returns
    -------
    bytes
    """
    b = bytearray(packet)
    op = int(rng.integers(0, 8))
    if op == 0 and b:  # flip 1-4 bits anywhere
        for _ in range(int(rng.integers(1, 5))):
            i = int(rng.integers(0, len(b)))
            b[i] ^= 1 << int(rng.integers(0, 8))
    elif op == 1:  # truncate
        b = b[: int(rng.integers(0, len(b) + 1))]
    elif op == 2:  # extend with random bytes
        b += rng.integers(0, 256, int(rng.integers(1, 40)), dtype=np.uint8).tobytes()
    elif op == 3 and b:  # overwrite a header byte with an edge value
        i = int(rng.integers(0, min(len(b), 12)))
        b[i] = int(
            rng.choice(
                [0x00, 0x01, 0x02, 0x05, 0x0F, 0x10, 0x20, 0x3F, 0x7F, 0x80, 0x81, 0xF0, 0xFF]
            )
        )
    elif op == 4 and others:  # splice two packets
        o = others[int(rng.integers(0, len(others)))]
        b = b[: int(rng.integers(0, len(b) + 1))] + o[int(rng.integers(0, len(o) + 1)) :]
    elif op == 5 and len(b) > 2:  # delete a run
        i = int(rng.integers(0, len(b) - 1))
        del b[i : i + int(rng.integers(1, 8))]
    elif op == 6:  # fully random, length near the original
        b = bytearray(
            rng.integers(
                0, 256, max(0, len(b) + int(rng.integers(-3, 4))), dtype=np.uint8
            ).tobytes()
        )
    else:  # set a byte run to 0xFF (max widths, max counts)
        if b:
            i = int(rng.integers(0, len(b)))
            b[i : i + int(rng.integers(1, 6))] = b"\xff" * len(b[i : i + int(rng.integers(1, 6))])
    return bytes(b)

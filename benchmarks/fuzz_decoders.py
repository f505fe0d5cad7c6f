"""Fuzz every decoder with millions of random and mutated packets; print packets/s and crashes.

Usage: ``python benchmarks/fuzz_decoders.py [--packets N] [--seed S]`` (N per profile,
default 300 000, i.e. ~2.1 million in total over the 7 shipped profiles).
A crash is an exception escaping ``Decoder.feed`` or a drop that only the decoder's
catch-all safety net caught (an unvalidated failure mode). Both must be zero.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devices.decoders import make_decoder
from devices.fuzzing import mutate, valid_packets
from devices.profiles import load_profiles

ROLES = ("data", "data", "data", "control", "0000feed-0000-1000-8000-00805f9b34fb")


def run(profile, n: int, seed: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Feed ``n`` packets (70 % mutated valid, 30 % random) to a fresh decoder per 10 000."""
    rng = np.random.default_rng(seed)
    pool = [d for _, d in valid_packets(profile, rng, 400)]
    # Pre-generate in blocks so the timing measures the decoder, not the mutator.
    escaped = 0
    safety_net = 0
    bad = 0
    fed = 0
    spent = 0.0
    while fed < n:
        m = min(10_000, n - fed)
        pkts = []
        for _ in range(m):
            if rng.random() < 0.7:
                pkts.append(mutate(pool[int(rng.integers(0, len(pool)))], rng, pool))
            else:
                pkts.append(
                    rng.integers(0, 256, int(rng.integers(0, 260)), dtype=np.uint8).tobytes()
                )
        roles = [ROLES[i] for i in rng.integers(0, len(ROLES), m)]
        dec = make_decoder(profile)
        t0 = time.perf_counter()
        for i, (pk, role) in enumerate(zip(pkts, roles, strict=True)):
            try:
                dec.feed(pk, float(i) * 0.005, role)
            # What the fuzzer hunts: the contract says feed never raises, so any exception
            # is counted as an escape rather than stopping the run.
            except Exception:  # noqa: BLE001
                escaped += 1
        spent += time.perf_counter() - t0
        safety_net += sum(v for k, v in dec.stats.reasons.items() if k.startswith("error:"))
        bad += dec.stats.bad
        fed += m
    return {
        "packets": fed,
        "seconds": spent,
        "escaped": escaped,
        "safety_net": safety_net,
        "bad": bad,
    }


def main() -> int:
    """Run the fuzz campaign and print a table; exit 1 on any crash."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--packets", type=int, default=300_000, help="packets per profile")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    print(f"{'profile':<14} {'packets':>10} {'packets/s':>11} {'dropped':>9} {'crashes':>8}")
    total = 0
    crashes = 0
    for k, p in enumerate(load_profiles()):
        r = run(p, args.packets, args.seed + k)
        c = int(r["escaped"] + r["safety_net"])
        crashes += c
        total += int(r["packets"])
        print(
            f"{p.id:<14} {int(r['packets']):>10} {r['packets'] / r['seconds']:>11.0f} "
            f"{int(r['bad']):>9} {c:>8}"
        )
    print(f"{'total':<14} {total:>10} {'':>11} {'':>9} {crashes:>8}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())

"""Fuzz the phone paths: ≥ 10⁵ Sensor Logger POST bodies and ≥ 10⁵ phyphox replies.

Pushes go straight into the receiver's ASGI app (no sockets, so it is fast) and on
through the reorder buffer and the decoder; replies go through the parser and the
decoder. One in four bodies is valid, the rest are mutated (bytes and structure; see
:mod:`devices.phone.fuzzing`). Prints one row per path: bodies, accepted, rejected (4xx
or typed error), 5xx/crashes, decoder defence-in-depth hits, seconds.

    .venv/bin/python benchmarks/fuzz_phone.py [--n 100000] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

from devices.phone.fuzzing import fuzz_receiver, fuzz_replies


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="bodies per path (default 100000)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(
        f"{'path':<28} {'bodies':>8} {'accepted':>9} {'rejected':>9} {'5xx/crash':>9} "
        f"{'dec. errors':>11} {'s':>6}"
    )
    t = time.perf_counter()
    crashes = 0
    try:
        r = fuzz_receiver(args.n, args.seed)
    except Exception as exc:  # reported, not hidden: the row shows the crash
        crashes += 1
        print(f"receiver crashed: {exc!r}")
        raise
    dt = time.perf_counter() - t
    five = sum(v for k, v in r["statuses"].items() if k.startswith("5"))
    rej = sum(r["rejected"].values())
    assert r["accepted"] + rej == args.n, "a push was not counted"
    print(
        f"{'Sensor Logger POST':<28} {args.n:>8} {r['accepted']:>9} {rej:>9} {five + crashes:>9} "
        f"{r['decoder_errors']:>11} {dt:>6.1f}"
    )
    print(f"  statuses {dict(sorted(r['statuses'].items()))}; reasons {r['rejected']}")
    t = time.perf_counter()
    q = fuzz_replies(args.n, args.seed + 1)
    dt = time.perf_counter() - t
    rej = sum(q["rejected"].values())
    assert q["parsed"] + rej == args.n, "a reply was not counted"
    print(
        f"{'phyphox /get reply':<28} {args.n:>8} {q['parsed']:>9} {rej:>9} {0:>9} "
        f"{q['decoder_errors']:>11} {dt:>6.1f}"
    )
    print(f"  reasons {q['rejected']}")


if __name__ == "__main__":
    main()

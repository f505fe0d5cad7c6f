"""Fuzzed Sensor Logger pushes and phyphox replies: no crash, no 5xx, every one counted."""

from __future__ import annotations

from devices.phone.fuzzing import fuzz_receiver, fuzz_replies


def test_fuzzed_pushes_are_all_answered_and_counted() -> None:
    r = fuzz_receiver(3000, seed=11)
    assert sum(r["statuses"].values()) == 3000
    assert r["accepted"] + sum(r["rejected"].values()) == 3000
    assert all(s == "200" or s.startswith("4") for s in r["statuses"])  # never a 5xx
    # the valid ones still flow
    assert r["accepted"] > 300
    assert r["decoded"] > 0
    assert r["decoder_errors"] == 0


def test_fuzzed_phyphox_replies_are_all_counted() -> None:
    r = fuzz_replies(3000, seed=12)
    assert r["parsed"] + sum(r["rejected"].values()) == 3000
    assert r["decoder_packets"] == 3000
    assert r["decoder_errors"] == 0
    assert r["decoder_samples"] > 0

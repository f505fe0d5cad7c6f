"""Shared by the report tests: a small mixed batch and a real balance result.

The batch has runs, a walk and a balance session; the balance result comes from the
synthetic protocol.
"""

from __future__ import annotations

from pathlib import Path

from gait.apps.batch.run import run_batch
from gait.balance.analyze import analyze_balance
from gait.balance.result import BalanceResult
from gait.io import write_recording
from gait.synth import synthesize
from gait.synth.balance import synthesize_balance


def balance_result() -> BalanceResult:
    """A full synthetic single-leg protocol (four stances, two hops) on a sacrum sensor."""
    rec = synthesize_balance(
        ("sacrum",), rate=100.0, seed=3, touchdowns_open=1, touchdowns_closed=2
    )
    return analyze_balance(rec)


def mixed_batch(root: Path) -> Path:
    """Run a serial batch over two runs, a walk and a balance session; returns the output folder."""
    data = root / "in"
    data.mkdir()
    for i in range(2):
        write_recording(
            synthesize(
                "run", placements=("foot-left", "foot-right"), duration=40, rate=100, seed=i
            ),
            data / f"tempo{i}.gaitrec",
        )
    write_recording(
        synthesize("walk", placements=("foot-left", "foot-right"), duration=40, rate=100, seed=5),
        data / "park_walk.gaitrec",
    )
    write_recording(synthesize_balance(("sacrum",), rate=100.0, seed=3), data / "balance.gaitrec")
    out = root / "out"
    run_batch([data], out, workers=0)
    return out

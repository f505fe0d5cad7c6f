"""Real loggers' time glitches: isolated repeats or swaps are dropped, counted and shown."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from gait.cli import main
from gait.contract.errors import TimeOrderError
from gait.io import read
from gait.io._csv import GLITCH_MAX_FRACTION, drop_time_glitches
from gait.io.fuzzing import seed_files


def test_isolated_repeat_and_swap_are_dropped() -> None:
    t = np.arange(1000, dtype=float)
    t[100] = t[99]  # repeat
    t[[500, 501]] = t[[501, 500]]  # a sample one step late
    keep, dropped = drop_time_glitches(t, Path("x"), 2, "t")
    assert dropped == 2
    assert keep.sum() == 998
    assert np.all(np.diff(t[keep]) > 0)


def test_systematic_disorder_raises_with_the_line() -> None:
    t = np.arange(1000, dtype=float)
    t[300:] -= 50.0  # a jump 50 steps back: files joined or clock reset
    with pytest.raises(TimeOrderError, match="goes backwards") as ei:
        drop_time_glitches(t, Path("x"), 2, "t")
    assert ei.value.line == 302
    assert ei.value.column == "t"


def test_too_many_glitches_is_systematic() -> None:
    n = 1000
    t = np.arange(n, dtype=float)
    allowed = int(GLITCH_MAX_FRACTION * n)
    idx = np.arange(1, n, n // (allowed + 2))[: allowed + 1]
    t[idx] = t[idx - 1]
    with pytest.raises(TimeOrderError, match="tolerated"):
        drop_time_glitches(t, Path("x"), 2, "t")
    t2 = np.arange(n, dtype=float)
    t2[idx[:allowed]] = t2[idx[:allowed] - 1]
    assert drop_time_glitches(t2, Path("x"), 2, "t")[1] == allowed


@pytest.mark.realdata
def test_ipol_repeated_packet_counter_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One repeated PacketCounter (as in a real IPOL file) no longer refuses the whole trial."""
    seeds = seed_files(tmp_path)
    lb = seeds["ipol_lb"]
    lines = lb.read_text().splitlines()
    cells = lines[402].split("\t")
    cells[0] = lines[401].split("\t")[0]
    lines[402] = "\t".join(cells)
    lb.write_text("\n".join(lines) + "\n")
    rec = read(lb)
    sacrum = rec.stream("sacrum")
    assert sacrum.n == 999
    assert sacrum.device["dropped_samples"] == 1
    assert rec.meta.extra["dropped_samples"] == 1
    assert rec.stream("foot_left").n == 1000
    assert main(["info", "--json", str(lb)]) == 0
    info = json.loads(capsys.readouterr().out)[0]
    assert {s["name"]: s["dropped_samples"] for s in info["streams"]} == {
        "foot_left": 0,
        "foot_right": 0,
        "sacrum": 1,
    }
    assert main(["info", str(lb)]) == 0
    out = capsys.readouterr().out
    assert "dropped (time glitch)" in out


@pytest.mark.realdata
def test_real_ipol_files_still_read(tmp_path: Path) -> None:
    src = (
        Path(__file__).resolve().parents[1]
        / ".."
        / "shared"
        / "data"
        / "real"
        / "ipol_feet_lowerback_walk"
    )
    trial = sorted(src.glob("*_lb.txt"))[:1]
    assert trial, "real IPOL data missing"
    for f in sorted(src.glob(trial[0].name.replace("_lb.txt", "*"))):
        shutil.copy(f, tmp_path / f.name)
    lb = tmp_path / trial[0].name
    lines = lb.read_text().splitlines()
    k = 500  # repeat one PacketCounter, as the XSens logger sometimes does
    cells = lines[k].split("\t")
    cells[0] = lines[k - 1].split("\t")[0]
    lines[k] = "\t".join(cells)
    lb.write_text("\n".join(lines) + "\n")
    rec = read(lb)
    assert rec.stream("sacrum").device["dropped_samples"] == 1

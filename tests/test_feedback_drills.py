"""Drills are data: the shipped TOML loads, a coach's TOML adds or tunes one, bad files fail."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from gait.contract.errors import GaitError, InputFileError
from gait.feedback import CueEngine, DrillFileError, load_drills


def test_default_drills_cover_the_brief() -> None:
    d = load_drills()
    assert list(d) == ["cadence", "overstride", "symmetry", "easy_pace"]
    cad = d["cadence"].checks[0]
    assert cad.metric == "cadence"
    assert cad.relative
    assert (cad.low, cad.high) == (1.05, 1.10)  # baseline +5–10% (Heiderscheit et al. 2011)
    assert d["cadence"].metronome
    assert cad.band(160.0) == pytest.approx((168.0, 176.0))
    assert cad.band(None) is None  # relative target without a baseline yet
    assert {c.metric for c in d["overstride"].checks} == {
        "shank_angle_ic",
        "braking",
        "braking_share",
        "foot_strike_angle",
        "vertical_ratio",
    }
    sym = d["symmetry"].checks[0]
    assert sym.metric == "gct_balance"
    assert (sym.low, sym.high) == (49.3, 50.7)
    assert d["easy_pace"].checks[0].metric == "speed"
    for drill in d.values():
        for c in drill.checks:
            assert c.hold > 0, "every check needs a hold time so cues cannot flicker"
            if not math.isnan(c.low):
                assert c.cues["low"]
            if not math.isnan(c.high):
                assert c.cues["high"]


COACH_TOML = """
[[drill]]
name = "duty"
title = "Shorter ground contact share"
  [[drill.check]]
  metric = "duty_factor"
  target = [nan, 0.36]
  tolerance = 0.01
  hold = 2.0
  high = "duty factor {value:.0f}%: quick off the ground"
  ok = "light feet"
  scale = 100.0
"""


def test_coach_adds_a_drill_without_code(tmp_path: Path) -> None:
    f = tmp_path / "my_drills.toml"
    f.write_text(COACH_TOML)
    drills = load_drills(f)
    assert list(drills) == ["duty"]
    eng = CueEngine(drills)
    events = []
    for i in range(10):
        events += eng.update(float(i), {"duty_factor": 0.35 if i < 4 else 0.40})
    assert [(e.t, e.state, e.text) for e in events] == [
        (6.0, "high", "duty factor 40%: quick off the ground")
    ]


def test_with_target_sets_a_fixed_cadence_band() -> None:
    cad = load_drills()["cadence"].with_target("cadence", 170, 176)
    c = cad.checks[0]
    assert not c.relative
    assert c.band(None) == (170.0, 176.0)
    with pytest.raises(KeyError):
        cad.with_target("speed", 1, 2)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            "[[drill]]\nname = 'x'\n  [[drill.check]]\n  metric = 'bogus'\n  target = [1, 2]\n",
            "unknown metric 'bogus'",
        ),
        (
            "[[drill]]\nname = 'x'\n  [[drill.check]]\n  metric = 'cadence'\n"
            "  target = [180, 170]\n  low='a'\n  high='b'\n",
            "above high",
        ),
        (
            "[[drill]]\nname = 'x'\n  [[drill.check]]\n  metric = 'cadence'\n"
            "  target = [170, 180]\n  low='a'\n",
            "no 'high' cue",
        ),
        (
            "[[drill]]\nname = 'x'\n  [[drill.check]]\n  metric = 'cadence'\n"
            "  target = [nan, nan]\n",
            "at least one bound",
        ),
        ("[[drill]]\nname = 'x'\n", "no [[drill.check]]"),
        ("title = 'no drills'\n", "no [[drill]]"),
        (
            "[[drill]]\nname = 'x'\n  [[drill.check]]\n  metric = 'cadence'\n  target = 'fast'\n",
            "target must be",
        ),
    ],
)
def test_bad_drill_files_raise_a_typed_error(tmp_path: Path, text: str, needle: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(DrillFileError) as err:
        load_drills(f)
    assert needle in str(err.value)
    assert str(f) in str(err.value)
    assert isinstance(err.value, InputFileError)
    assert isinstance(err.value, GaitError)


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    f = tmp_path / "broken.toml"
    f.write_text("[[drill]]\nname = 'x'\ntarget = = [1, 2]\n")
    with pytest.raises(DrillFileError) as err:
        load_drills(f)
    assert err.value.line == 3
    with pytest.raises(DrillFileError, match="cannot read"):
        load_drills(tmp_path / "missing.toml")

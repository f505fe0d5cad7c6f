"""Coach controls: the same drill options on live, demo and report; nothing judged unasked."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from gait.apps.live.runtime import LiveConfig, make_feedback
from gait.cli import build_parser
from gait.contract.errors import GaitError
from gait.feedback.drills import (
    CoachSettings,
    DrillFileError,
    coach_drills,
    load_coach,
    load_drills,
)

DRILL_OPTIONS = (
    "--drills",
    "--drill",
    "--cadence-target",
    "--baseline-cadence",
    "--pace-band",
    "--baseline-s",
)


def _options(verb: str) -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "verb")
    p = sub.choices[verb]  # type: ignore[index]
    return {s for a in p._actions for s in a.option_strings}


@pytest.mark.parametrize("verb", ["live", "demo", "report"])
def test_every_session_verb_has_the_drill_options(verb: str) -> None:
    assert set(DRILL_OPTIONS) <= _options(verb)


def test_easy_pace_judges_nothing_without_a_pace_band() -> None:
    fb = make_feedback(["easy_pace"])
    for t in range(0, 60):
        fb.engine.update(float(t), {"speed": 3.2})
    assert fb.engine.events == []
    assert fb.engine.band("speed") is None


def test_easy_pace_with_a_pace_band_judges() -> None:
    fb = make_feedback(["easy_pace"], CoachSettings(pace_band=(2.5, 3.0)))
    for t in range(0, 60):
        fb.engine.update(float(t), {"speed": 3.4})
    assert [e.state for e in fb.engine.events] == ["high"]


@pytest.mark.parametrize(
    "settings",
    [CoachSettings(baseline_cadence=160.0), CoachSettings(cadence_target=(168.0, 176.0))],
)
def test_given_baseline_or_target_means_no_learning(settings: CoachSettings) -> None:
    fb = make_feedback(["cadence"], settings)
    band = fb.engine.band("cadence")
    assert band is not None
    assert all(math.isfinite(b) for b in band)
    # a cadence well below the band is cued after the hold, not after a 60 s learning period
    for t in range(0, 10):
        fb.engine.update(float(t), {"cadence": 150.0})
    assert fb.engine.events
    assert fb.engine.events[0].t < 10


def test_without_baseline_cadence_is_learned_first() -> None:
    fb = make_feedback(["cadence"])
    assert fb.engine.band("cadence") is None


def test_coach_table_in_a_drills_file(tmp_path: Path) -> None:
    shipped = (Path(__file__).parents[1] / "gait/feedback/drills.toml").read_text()
    f = tmp_path / "mine.toml"
    f.write_text(
        '[coach]\ndrills = ["easy_pace", "cadence"]\npace_band = [2.6, 3.0]\n'
        "baseline_cadence = 162\n\n" + shipped
    )
    defined, settings = load_coach(f)
    assert settings.drills == ("easy_pace", "cadence")
    assert settings.pace_band == (2.6, 3.0)
    drills, baseline = coach_drills(defined, settings)
    assert list(drills) == ["easy_pace", "cadence"]
    assert baseline == {"cadence": 162.0}
    assert drills["easy_pace"].checks[0].band(None) == (2.6, 3.0)
    # the command line wins over the file
    merged = settings.merged(CoachSettings(pace_band=(2.2, 2.8)))
    assert merged.pace_band == (2.2, 2.8)
    assert merged.baseline_cadence == 162


def test_bad_coach_table(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(
        "[coach]\npace_band = [3.1, 2.5]\n"
        + (Path(__file__).parents[1] / "gait/feedback/drills.toml").read_text()
    )
    with pytest.raises(DrillFileError, match="pace_band"):
        load_coach(f)
    with pytest.raises(GaitError, match="unknown drill"):
        coach_drills(load_drills(), CoachSettings(drills=("nope",)))


def test_gait_live_passes_the_options_to_the_session(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}

    def fake_run(cfg: LiveConfig, **_kw: Any) -> None:
        seen["cfg"] = cfg

    monkeypatch.setattr("gait.apps.live.cli_common.run_with_view", fake_run)
    args = build_parser().parse_args(
        [
            "live",
            "--simulate",
            "--device",
            "gait-imu L=foot:left",
            "--out",
            str(tmp_path),
            "--drill",
            "cadence",
            "--drill",
            "easy_pace",
            "--baseline-cadence",
            "165",
            "--pace-band",
            "2.5-3.1",
        ]
    )
    assert args.func(args) == 0
    cfg = seen["cfg"]
    fb = make_feedback(cfg.drills, cfg.coach, cfg.drill_defs)
    assert fb.engine.baseline == {"cadence": 165.0}
    assert fb.engine.band("speed") == (2.5, 3.1)


def test_simulated_live_page_is_titled_a_live_session(tmp_path: Path) -> None:
    from gait.apps.live.cli_common import page_title
    from gait.apps.live.demo import demo_config

    assert page_title(LiveConfig(devices=["x"], out=tmp_path, simulate=True)).startswith(
        "gait live"
    )
    assert page_title(demo_config(tmp_path)) == "gait demo"


def _demo_cadence_cue_times(
    out: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> list[float]:
    import re

    from gait.cli import main

    rc = main(
        [
            "demo",
            "--speed-up",
            "20",
            "--duration",
            "40",
            "--out",
            str(out),
            "--drill",
            "cadence",
            *extra,
        ]
    )
    assert rc == 0
    return [
        float(t) for t in re.findall(r"cue at\s+([\d.]+) s\s+\[cadence\]", capsys.readouterr().out)
    ]


@pytest.mark.realtime
@pytest.mark.slow
def test_demo_with_a_given_baseline_cues_before_a_minute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """End to end on simulated time: --baseline-cadence means no 60 s of learning first."""
    from gait.apps.live.demo import CADENCE

    base = CADENCE[0] / 0.95  # the runner is 5 % below the baseline, so below the +5-10 % band
    said = _demo_cadence_cue_times(tmp_path / "given", capsys, "--baseline-cadence", f"{base:.1f}")
    assert said
    assert min(said) < 40
    # without it the first 60 s learn the baseline: a 40 s session says nothing about cadence
    assert _demo_cadence_cue_times(tmp_path / "learned", capsys) == []


def test_a_check_without_target_needs_both_cue_texts(tmp_path: Path) -> None:
    f = tmp_path / "d.toml"
    f.write_text('[[drill]]\nname = "p"\n[[drill.check]]\nmetric = "speed"\nhigh = "fast"\n')
    with pytest.raises(DrillFileError, match="without target"):
        load_drills(f)
    f.write_text(
        '[[drill]]\nname = "p"\n[[drill.check]]\nmetric = "speed"\nhigh = "fast"\nlow = "slow"\n'
    )
    assert load_drills(f)["p"].checks[0].band(None) is None

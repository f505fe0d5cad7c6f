"""Consistent CLI words: help for every option, --speed-up everywhere, no numpy reprs."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from gait.cli import VERBS, build_parser, main


def _parsers(
    parser: argparse.ArgumentParser, path: str = "gait"
) -> list[tuple[str, argparse.ArgumentParser]]:
    """Every parser under ``parser`` (verbs and their sub-verbs) with its command path."""
    out = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out += _parsers(sub, f"{path} {name}")
    return out


ALL = _parsers(build_parser())


def test_every_verb_is_walked() -> None:
    names = {p.split()[1] for p, _ in ALL if len(p.split()) > 1}
    assert names == set(VERBS)


@pytest.mark.parametrize(("path", "parser"), ALL, ids=[p for p, _ in ALL])
def test_every_option_has_help(path: str, parser: argparse.ArgumentParser) -> None:
    missing = [
        "/".join(a.option_strings) or a.dest
        for a in parser._actions
        if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
        and a.help != argparse.SUPPRESS  # deliberately hidden (deprecated aliases)
        and not (a.help or "").strip()
    ]
    assert not missing, f"{path}: options without help: {missing}"


@pytest.mark.parametrize(("path", "parser"), ALL, ids=[p for p, _ in ALL])
def test_help_renders_without_doubled_percent(path: str, parser: argparse.ArgumentParser) -> None:
    text = parser.format_help()
    assert "%%" not in text, f"{path} --help shows a literal %%"


def test_time_acceleration_is_spelled_speed_up_everywhere() -> None:
    for path, parser in ALL:
        for a in parser._actions:
            if a.help == argparse.SUPPRESS:
                continue
            if "per wall second" in (a.help or ""):
                assert "--speed-up" in a.option_strings, (
                    f"{path}: {a.option_strings} accelerates time"
                )


def test_simulate_keeps_speed_as_a_hidden_deprecated_alias(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = build_parser()
    args = parser.parse_args(["simulate", "--profile", "x", "--speed", "3"])
    assert args.speed_up == 3.0
    assert "deprecated" in capsys.readouterr().err
    assert parser.parse_args(["simulate", "--profile", "x", "--speed-up", "2"]).speed_up == 2.0
    assert parser.parse_args(["simulate", "--profile", "x"]).speed_up == 1.0


NUMPY_REPR = re.compile(r"np\.(float|int|bool|True|False)\w*|numpy\.\w+\(")


def test_no_numpy_reprs_in_messages(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import numpy as np

    from gait.contract.errors import GaitError

    def fails(_args: argparse.Namespace) -> int:
        raise GaitError(
            f"band {(np.float64(1.0), np.float64(2.5))} has {[np.int64(3)]} steps, ok={np.True_!r}"
        )

    monkeypatch.setattr("gait.cli.info.run", fails)
    import gait.cli.info as info

    real = info.register

    def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
        real(sub)
        sub.choices["info"].set_defaults(func=fails)

    monkeypatch.setattr(info, "register", register)
    assert main(["info", "x"]) == 2
    err = capsys.readouterr().err
    assert not NUMPY_REPR.search(err), err
    assert "band (1.0, 2.5) has [3] steps, ok=True" in err


def test_analyze_figure_on_a_run_says_why_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = tmp_path / "r.gaitrec"
    assert main(["synth", "--activity", "run", "--duration", "20", "--out", str(rec)]) == 0
    fig = tmp_path / "fig.html"
    assert main(["analyze", str(rec), "--figure", str(fig), "--no-save"]) == 0
    err = capsys.readouterr().err
    assert "--figure draws balance sessions only" in err
    assert "gait report" in err
    assert not fig.exists()


def test_batch_expands_tilde_inside_a_quoted_glob(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from gait.apps.batch.discovery import find
    from gait.cli.batch import expand_inputs

    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "a.csv").write_text("t,ax\n0,1\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    inputs = expand_inputs(["~/runs/*.csv"])
    assert inputs == [f"{tmp_path}/runs/*.csv"]
    assert [f.name for f, _ in find(list(inputs)).files] == ["a.csv"]

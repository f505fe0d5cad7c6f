"""``gait synth``: writes the recording and its truth CSV; bad options exit 2 cleanly."""

from __future__ import annotations

import pandas as pd
import pytest

from gait.cli import main
from gait.cli.synth import parse_segment
from gait.io.canonical_format import read_recording


def test_synth_writes_recording_and_truth(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "run.gaitrec"
    rc = main(
        [
            "synth",
            "--activity",
            "run",
            "--placements",
            "foot-left,foot-right,sacrum",
            "--duration",
            "8",
            "--rate",
            "100",
            "--seed",
            "3",
            "--out",
            str(out),
            "--cadence",
            "175",
            "--gct-asym",
            "8",
            "--drop-rate",
            "0.01",
            "--drift",
            "50",
            "--segment",
            "4:cadence=160",
        ]
    )
    assert rc == 0
    rec = read_recording(out)
    assert [s.name for s in rec.streams] == ["foot_left", "foot_right", "sacrum"]
    truth = pd.read_csv(tmp_path / "run.truth.csv")
    assert len(truth) == len(rec.reference.events) > 10
    assert rec.reference.params["gait"]["cadence"] == 175
    assert rec.reference.params["segments"][0]["params"]["cadence"] == 160
    printed = capsys.readouterr().out
    assert "run.gaitrec" in printed
    assert "run.truth.csv" in printed


def test_synth_walk_no_gyro_and_balance(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "walk.gaitrec"
    assert (
        main(
            [
                "synth",
                "--activity",
                "walk",
                "--placements",
                "phone-pocket",
                "--duration",
                "5",
                "--no-gyro",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert read_recording(out).streams[0].gyr is None
    out = tmp_path / "bal.gaitrec"
    assert (
        main(
            [
                "synth",
                "--activity",
                "balance",
                "--duration",
                "10",
                "--rate",
                "50",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert read_recording(out).meta.activity == "balance"


@pytest.mark.parametrize(
    "extra",
    [
        ["--cadence", "400"],
        ["--placements", "nose"],
        ["--segment", "x:stand"],
        ["--segment", "5:cadence=fast"],
        ["--segment", "5:bogus=1"],
        ["--drop-rate", "0.9"],
        ["--activity", "balance", "--placements", "shank-left"],
    ],
)
def test_bad_options_exit_2_without_traceback(tmp_path, capsys, extra) -> None:  # type: ignore[no-untyped-def]
    rc = main(["synth", "--duration", "3", "--out", str(tmp_path / "x.gaitrec"), *extra])
    assert rc == 2
    err = capsys.readouterr().err
    assert "error" in err
    assert "Traceback" not in err


def test_parse_segment() -> None:
    assert parse_segment("12:stand") == (12.0, "stand")
    assert parse_segment("3.5:cadence=160,gct-asym-pct=8,activity=walk,treadmill=false") == (
        3.5,
        {"cadence": 160.0, "gct_asym_pct": 8.0, "activity": "walk", "treadmill": False},
    )

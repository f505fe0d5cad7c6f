"""``gait analyze`` command line: outputs, JSON mode, errors without traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from gait.cli import main
from gait.contract.result import STEP_COLUMNS

pytestmark = pytest.mark.realdata

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
GAITMAP = REAL / "gaitmap_feet_walk" / "imu_sample.csv"
IPOL = REAL / "ipol_feet_lowerback_walk" / "1-1_lf.txt"


def test_analyze_writes_steps_and_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv, js = tmp_path / "steps.csv", tmp_path / "summary.json"
    rc = main(["analyze", str(GAITMAP), "--steps-csv", str(csv), "--summary-json", str(js)])
    assert rc == 0
    steps = pd.read_csv(csv)
    assert list(steps.columns[: len(STEP_COLUMNS)]) == list(STEP_COLUMNS)
    assert len(steps) > 50
    s = json.loads(js.read_text())
    for key in (
        "cadence_spm",
        "gct_ms",
        "gct_balance_pct",
        "symmetry",
        "summary_version",
        "duty_factor",
        "steps",
        "activity",
        "windows",
    ):
        assert key in s
    assert "cadence" in capsys.readouterr().out


def test_analyze_json_mode_feet_and_lower_back(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(IPOL), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["sources"] == {"left": "foot_left", "right": "foot_right"}
    assert 90 < s["cadence_spm"] < 130


def test_analyze_bad_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("time,acc\n1,2\n")
    assert main(["analyze", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "error" in err
    assert "Traceback" not in err


def test_analyze_bad_window_option() -> None:
    assert main(["analyze", str(GAITMAP), "--window-steps", "0"]) == 2


def test_balance_session_goes_to_balance_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import warnings

    from gait.io.canonical_format import write_recording
    from gait.synth import synthesize

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = synthesize("balance", ("sacrum",), duration=60.0, seed=1)
    f = tmp_path / "bal.gaitrec"
    write_recording(rec, f)
    js = tmp_path / "bal.json"
    assert main(["analyze", str(f), "--summary-json", str(js)]) == 0
    assert "balance" in capsys.readouterr().out.lower()
    assert "trials" in json.loads(js.read_text())


def test_several_files_get_numbered_outputs(tmp_path: Path) -> None:
    js = tmp_path / "s.json"
    assert main(["analyze", str(GAITMAP), str(GAITMAP), "--summary-json", str(js), "--json"]) == 0
    assert (tmp_path / "s-1.json").exists()
    assert (tmp_path / "s-2.json").exists()

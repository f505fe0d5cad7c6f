"""Garmin FIT files: running dynamics read with the official SDK, compared with ours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from garmin_fit_sdk import Encoder, Profile

from gait.apps.outcome import analyze_recording
from gait.apps.watch import compare
from gait.contract.errors import InputFileError
from gait.io import read
from gait.io.fit import sniff

T0 = datetime(2026, 9, 7, 7, 0, tzinfo=UTC)


def write_fit(path: Path, n: int = 120) -> Path:
    enc = Encoder()
    enc.on_mesg(
        Profile["mesg_num"]["FILE_ID"],
        {
            "type": "activity",
            "manufacturer": "garmin",
            "product": 1,
            "time_created": T0,
            "serial_number": 1234,
        },
    )
    for i in range(n):
        enc.on_mesg(
            Profile["mesg_num"]["RECORD"],
            {
                "timestamp": T0 + timedelta(seconds=i),
                "cadence": 85,
                "fractional_cadence": 0.5,  # strides/min → 171 steps/min
                "stance_time": 250.0 + (i % 2) * 10.0,  # ms
                "stance_time_balance": 50.8,
                "vertical_oscillation": 85.0,  # mm
                "step_length": 1100.0,  # mm
                "vertical_ratio": 7.5,
                "enhanced_speed": 3.2,
                "distance": 3.2 * i,
            },
        )
    path.write_bytes(enc.close())
    return path


def test_fit_running_dynamics_in_si(tmp_path: Path) -> None:
    p = write_fit(tmp_path / "run.fit")
    assert sniff(p)
    rec = read(p)
    watch = rec.channel("watch")
    assert watch is not None
    assert not rec.streams
    np.testing.assert_allclose(watch.values["cadence"], 171.0)
    np.testing.assert_allclose(watch.values["gct"][:2], [0.250, 0.260])
    np.testing.assert_allclose(watch.values["vertical_oscillation"], 0.085)
    np.testing.assert_allclose(watch.values["step_length"], 1.1)
    assert watch.t[-1] == 119.0
    assert rec.meta.start_time is not None
    assert rec.meta.start_time.startswith("2026-09-07T07:00")


def test_watch_summary_and_comparison(tmp_path: Path) -> None:
    rec = read(write_fit(tmp_path / "run.fit"))
    outcome = analyze_recording(rec)
    assert outcome.gait is not None
    s = outcome.gait.summary
    assert s["cadence_spm"] == pytest.approx(171.0)
    assert s["gct_ms"]["mean"] == pytest.approx(255.0)
    assert s["overstride"]["vertical_oscillation_m"] == pytest.approx(0.085)
    ours = {"cadence_spm": 168.0, "gct_ms": {"mean": 262.0}, "gct_balance_pct": 51.0}
    table = compare(ours, s).set_index("metric")
    assert table.loc["cadence", "difference"] == pytest.approx(-3.0)
    assert table.loc["ground contact time", "difference"] == pytest.approx(7.0)
    assert np.isnan(table.loc["vertical ratio", "ours"])


def test_truncated_fit_is_a_clear_error(tmp_path: Path) -> None:
    p = write_fit(tmp_path / "run.fit")
    data = p.read_bytes()
    cut = tmp_path / "cut.fit"
    cut.write_bytes(data[: len(data) - 40])
    with pytest.raises(InputFileError, match=r"cut\.fit"):
        read(cut)


def test_analyze_cli_compares_with_watch_and_saves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from gait.apps.history.store import History
    from gait.cli import main

    fit = write_fit(tmp_path / "watch.fit")
    sample = Path(__file__).resolve().parents[1] / "samples" / "treadmill_run.gaitrec"
    db = tmp_path / "h.sqlite"
    assert (
        main(
            [
                "analyze",
                str(sample),
                "--compare-fit",
                str(fit),
                "--json",
                "--db",
                str(db),
                "--athlete",
                "kim",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    rows = {r["metric"]: r for r in out["watch_comparison"]}
    assert rows["cadence"]["watch"] == pytest.approx(171.0)
    assert rows["cadence"]["ours"] == pytest.approx(out["cadence_spm"])
    with History(db) as h:
        df = h.sessions("kim")
    assert len(df) == 1
    assert df["cadence_spm"].iloc[0] == pytest.approx(out["cadence_spm"])
    assert main(["analyze", str(sample), "--no-save", "--db", str(db), "--athlete", "kim"]) == 0
    with History(db) as h:
        assert len(h.sessions()) == 1

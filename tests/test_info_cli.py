"""``gait info`` on every supported file type, its gap/saturation rules, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gait.cli import main
from gait.io.describe import gaps, saturated
from gait.io.units import G

pytestmark = pytest.mark.realdata

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
FILES = {
    "gaitmap": REAL / "gaitmap_feet_walk" / "imu_sample.csv",
    "ipol": REAL / "ipol_feet_lowerback_walk" / "2-3_rf.txt",
    "mobgap": REAL / "mobgap_lowerback_walk" / "lab" / "HA" / "001" / "data.mat",
    "oxford": REAL / "oxford_phone_walk" / "user1_bag_1506423095164.csv",
}


def _generic(tmp_path: Path) -> Path:
    t = np.arange(500) / 100.0
    t[250:] += 0.5  # one 0.51 s gap
    acc = np.column_stack([np.zeros(500), np.zeros(500), np.full(500, G)])
    acc[100:105, 0] = 78.0  # a clipped plateau
    p = tmp_path / "gen.csv"
    p.write_text(
        "t,acc_x,acc_y,acc_z\n"
        + "\n".join(f"{a},{b},{c},{d}" for a, (b, c, d) in zip(t, acc, strict=True))
        + "\n"
    )
    return p


def _phyphox(tmp_path: Path) -> Path:
    t = np.arange(100) / 100.0
    p = tmp_path / "Raw Data.csv"
    p.write_text(
        '"Time (s)","Acceleration x (m/s^2)","Acceleration y (m/s^2)","Acceleration z (m/s^2)"\n'
        + "\n".join(f"{v},0.1,0.2,9.8" for v in t)
        + "\n"
    )
    return p


def _sensorlogger(tmp_path: Path) -> Path:
    d = tmp_path / "sl"
    d.mkdir()
    t = 1_700_000_000_000_000_000 + np.arange(100) * 10_000_000
    (d / "TotalAcceleration.csv").write_text(
        "time,seconds_elapsed,z,y,x\n"
        + "\n".join(f"{v},{i / 100},9.8,0.1,0.2" for i, v in enumerate(t))
        + "\n"
    )
    return d


def test_info_json_every_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = [*FILES.values(), _generic(tmp_path), _phyphox(tmp_path), _sensorlogger(tmp_path)]
    rc = main(["info", "--json", *map(str, paths)])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert [i["source"] for i in out] == [
        "gaitmap",
        "ipol",
        "mobgap",
        "oxford",
        "csv",
        "phyphox",
        "sensorlogger",
    ]
    by = {i["source"]: i for i in out}
    assert [s["name"] for s in by["ipol"]["streams"]] == ["foot_left", "foot_right", "sacrum"]
    assert by["ipol"]["streams"][2]["gaps"] == 171  # dropped packets in 2-3_lb
    assert by["gaitmap"]["reference"]["events"] == 57
    assert by["gaitmap"]["streams"][0]["rate_nominal_hz"] == 204.8
    assert by["mobgap"]["reference"]["tables"] == {"bouts": 1, "strides": 7}
    assert by["oxford"]["streams"][0]["has_gyr"] is False
    assert by["oxford"]["reference"]["events"] == 346
    gen = by["csv"]["streams"][0]
    assert gen["gaps"] == 1
    assert gen["longest_gap_s"] == pytest.approx(0.51)
    assert gen["acc_saturated"] == 5
    assert by["csv"]["reference"] is None


def test_info_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(FILES["ipol"])]) == 0
    out = capsys.readouterr().out
    for word in (
        "foot_left",
        "foot_right",
        "sacrum",
        "measured Hz",
        "longest gap s",
        "reference: measured, 34 steps",
    ):
        assert word in out


def test_info_mobgap_selector(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "--json", f"{FILES['mobgap']}::Test11"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["reference"]["tables"]["bouts"] == 6


def test_info_bad_files_exit_nonzero_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("t,acc_x,acc_y,acc_z\n0,1,2,3\n0.01,1,x,3\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    rc = main(["info", str(bad), str(empty), str(tmp_path / "missing.csv"), str(FILES["gaitmap"])])
    cap = capsys.readouterr()
    assert rc == 2
    assert "Traceback" not in cap.err
    assert "bad.csv, line 3, column 'acc_y'" in cap.err
    assert "empty.csv: the file is empty" in cap.err
    assert "missing.csv: no such file" in cap.err
    assert "foot_left" in cap.out  # the good file is still described


def test_info_rate_option_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "norate.csv"
    p.write_text("acc_x,acc_y,acc_z\n" + "0,0,9.8\n" * 20)
    assert main(["info", str(p)]) == 2
    assert "--rate" in capsys.readouterr().err
    assert main(["info", "--rate", "0", str(p)]) == 2
    assert main(["info", "--json", "--rate", "50", str(p)]) == 0
    assert json.loads(capsys.readouterr().out)[0]["streams"][0]["rate_nominal_hz"] == 50.0


def test_gap_and_saturation_rules() -> None:
    t = np.array([0.0, 0.01, 0.02, 0.034, 0.044, 0.1])
    assert gaps(t, 100.0) == (1, pytest.approx(0.056))  # 0.014 is under 1.5x the period: not a gap
    x = np.zeros((10, 3))
    x[2:4, 0] = 5.0
    assert saturated(x, None) == 0  # a peak held twice is not a plateau
    x[6, 0] = 5.0
    assert saturated(x, None) == 3
    assert saturated(x, 5.0) == 3
    assert saturated(x, 100.0) == 0


def test_info_gaitrec_with_channel_and_known_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pandas as pd

    from gait.contract.recording import Channel, Recording, Reference, SessionMeta, Stream
    from gait.io import write_recording

    t = np.arange(1000) / 200.0
    acc = np.tile([0.0, 0.0, G], (1000, 1))
    acc[10:14, 2] = 156.9  # at a 16 g full scale
    s = Stream(
        placement="foot",
        side="left",
        t=t,
        acc=acc,
        gyr=np.zeros((1000, 3)),
        rate=200.0,
        acc_range=156.9,
        gyr_range=34.9,
    )
    ch = Channel(
        name="rsc",
        t=np.arange(5.0),
        values={"speed": np.full(5, 3.0), "cadence": np.full(5, 170.0)},
    )
    ref = Reference(
        kind="synthetic", events=pd.DataFrame({"side": ["left"], "t_ic": [1.0], "t_tc": [1.2]})
    )
    p = write_recording(
        Recording(meta=SessionMeta(activity="run"), streams=[s], channels=[ch], reference=ref),
        tmp_path / "r.gaitrec",
    )
    assert main(["info", "--json", str(p)]) == 0
    info = json.loads(capsys.readouterr().out)[0]
    st = info["streams"][0]
    assert st["acc_saturated"] == 4
    assert st["gyr_saturated"] == 0
    assert st["rate_measured_hz"] == pytest.approx(200.0)
    assert info["channels"][0]["series"] == ["cadence", "speed"]
    assert info["channels"][0]["rate_measured_hz"] == 1.0
    assert info["reference"]["kind"] == "synthetic"
    assert info["reference"]["with_tc"] == 1
    assert main(["info", str(p)]) == 0
    assert "channel rsc" in capsys.readouterr().out


def test_info_unknown_unit_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = _generic(tmp_path)
    with pytest.raises(
        SystemExit
    ) as ei:  # argparse rejects it before reading: exit 2, no traceback
        main(["info", "--acc-unit", "furlong/s2", str(p)])
    assert ei.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'furlong/s2'" in err
    assert "Traceback" not in err

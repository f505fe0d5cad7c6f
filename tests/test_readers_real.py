"""The four real formats in ../shared/data/real: streams, times and reference events."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gait.contract.errors import InputFileError, MissingColumnError, UnsupportedFormatError
from gait.io import ReadOptions, group_of, read

pytestmark = pytest.mark.realdata

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
GAITMAP = REAL / "gaitmap_feet_walk"
IPOL = REAL / "ipol_feet_lowerback_walk"
MOBGAP = REAL / "mobgap_lowerback_walk" / "lab" / "HA"
OXFORD = REAL / "oxford_phone_walk"


def test_gaitmap_two_feet_and_reference() -> None:
    rec = read(GAITMAP / "imu_sample.csv")
    assert rec.meta.source == "gaitmap"
    assert [s.name for s in rec.streams] == ["foot_left", "foot_right"]
    for s in rec.streams:
        assert s.rate == 204.8
        assert s.n == 7928
        assert s.has_gyr
        np.testing.assert_allclose(np.diff(s.t), 1 / 204.8, rtol=1e-9)
    ev = rec.reference.events  # type: ignore[union-attr]
    assert rec.reference.kind == "measured"  # type: ignore[union-attr]
    assert len(ev) == 57
    assert set(ev["side"]) == {"left", "right"}
    # first left stride in the file: ic=657, next tc=803 (samples at 204.8 Hz)
    left = ev[ev.side == "left"].iloc[0]
    assert left.t_ic == pytest.approx(657 / 204.8)
    assert left.t_tc == pytest.approx(803 / 204.8)
    assert (ev.t_tc.dropna() > ev.loc[ev.t_tc.notna(), "t_ic"]).all()


def test_gaitmap_raw_frame_maps_onto_foot_frame() -> None:
    a = read(GAITMAP / "imu_sample.csv")
    b = read(GAITMAP / "imu_sample_not_rotated.csv")
    for sa, sb in zip(a.streams, b.streams, strict=True):
        np.testing.assert_allclose(sb.acc, sa.acc, atol=1e-9)
        np.testing.assert_allclose(sb.gyr, sa.gyr, atol=1e-9)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["1-1_lf.txt", "1-1_rf.txt", "1-1_lb.txt", "1-1.json"])
def test_ipol_any_file_reads_the_trial(name: str) -> None:
    rec = read(IPOL / name)
    assert [(s.placement, s.side) for s in rec.streams] == [
        ("foot", "left"),
        ("foot", "right"),
        ("sacrum", None),
    ]
    ev = rec.reference.events  # type: ignore[union-attr]
    # 1-1.json: 17 left and 18 right [toe_off, heel_strike] pairs -> 35 steps
    assert len(ev) == 35
    assert (ev.side == "left").sum() == 17
    assert ev.t_ic.iloc[0] == pytest.approx(5.07)  # right heel strike at counter 507
    seg = rec.reference.tables["segments"].set_index("segment")  # type: ignore[union-attr]
    assert seg.loc["u_turn", "t_start"] == pytest.approx(13.16)
    assert rec.meta.height == pytest.approx(1.75)


def test_ipol_dropped_packets_stay_as_gaps() -> None:
    rec = read(IPOL / "2-3_lb.txt")
    lb = rec.stream("sacrum")
    assert lb.n == 3919
    assert lb.t[-1] == pytest.approx(42.09)  # counter 4209 at 100 Hz: drops keep their time
    assert np.diff(lb.t).max() > 0.015
    key, files = group_of(IPOL / "2-3_rf.txt")
    assert key.endswith("2-3")
    assert len(files) == 4


def test_mobgap_default_and_selected_tests() -> None:
    p = MOBGAP / "001" / "data.mat"
    first = read(p)
    assert first.meta.extra["test"] == "TimeMeasure1/Test5/Trial1"
    assert first.meta.start_time == "2020-12-10T13:57:44.733000+01:00"
    s = first.streams[0]
    assert s.placement == "sacrum"
    assert s.n == 1246
    assert s.rate == 100.0
    ev = first.reference.events  # type: ignore[union-attr]
    assert len(ev) == 9
    assert ev.t_ic.iloc[0] == pytest.approx(5.05)
    assert ev.side.iloc[0] == "left"
    assert ev.t_tc.iloc[0] == pytest.approx(5.98)
    sel = read(f"{p}::Test11")
    assert sel.meta.extra["test"] == "TimeMeasure1/Test11/Trial1"
    assert sel.streams[0].n == 13759
    assert len(sel.reference.tables["bouts"]) == 6  # type: ignore[union-attr]
    assert read(f"{p}::Test5/Trial2").streams[0].n == 1075
    with pytest.raises(InputFileError, match="available: TimeMeasure1/Test5/Trial1"):
        read(f"{p}::Test99")


def test_mobgap_not_a_data_mat() -> None:
    # Sniffing looks for the 'data' struct, so a sibling .mat is not taken for a recording ...
    with pytest.raises(UnsupportedFormatError, match="not a recognised recording format"):
        read(MOBGAP / "001" / "infoForAlgo.mat")
    # ... and forcing the reader names what is missing.
    with pytest.raises(MissingColumnError, match="data"):
        read(MOBGAP / "001" / "infoForAlgo.mat", ReadOptions(format="mobgap"))


def test_oxford_phone_and_step_reference() -> None:
    rec = read(OXFORD / "user1_armband_1506423438471.csv")
    s = rec.streams[0]
    assert (s.placement, s.mount, s.has_gyr) == ("phone", "armband", False)
    assert s.device["dropped_samples"] == 1  # one repeated timestamp in this file
    assert np.all(np.diff(s.t) > 0)
    ev = rec.reference.events  # type: ignore[union-attr]
    assert len(ev) == 335
    assert ev.side.isna().all()
    assert ev.t_tc.isna().all()
    assert rec.meta.start_time == "2017-09-26T10:57:18.471000+00:00"
    assert read(OXFORD / "user1_neckpouch_1506422851785.csv").streams[0].mount == "sternum"
    assert (
        read(OXFORD / "user1_hand_1506421989895.csv", ReadOptions(mount="belt")).streams[0].mount
        == "belt"
    )

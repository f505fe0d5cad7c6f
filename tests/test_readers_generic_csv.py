"""Generic CSV reader: good files, every bad-input case, and property tests with hypothesis."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gait.contract.errors import (
    BadValueError,
    EmptyFileError,
    MissingColumnError,
    RateError,
    TimeOrderError,
    TruncatedFileError,
    UnitError,
)
from gait.io import ReadOptions, read
from gait.io.units import G

HEADER = "t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z"


def _rows(n: int, rate: float = 100.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate
    acc = rng.normal(0, 1, (n, 3)) + np.array([0.0, 0.0, G])
    gyr = rng.normal(0, 0.5, (n, 3))
    return np.column_stack([t, acc, gyr])


def _write(path: Path, header: str, data: np.ndarray, newline_at_end: bool = True) -> Path:
    lines = [header] + [",".join(repr(float(v)) for v in row) for row in data]
    path.write_text("\n".join(lines) + ("\n" if newline_at_end else ""))
    return path


def test_reads_values_exactly(tmp_path: Path) -> None:
    data = _rows(200)
    rec = read(
        _write(tmp_path / "a.csv", HEADER, data), ReadOptions(placement="shank", side="left")
    )
    s = rec.streams[0]
    assert (s.placement, s.side, s.name) == ("shank", "left", "shank_left")
    np.testing.assert_array_equal(s.t, data[:, 0])
    np.testing.assert_array_equal(s.acc, data[:, 1:4])
    np.testing.assert_array_equal(s.gyr, data[:, 4:7])
    assert s.rate == pytest.approx(100.0)
    assert rec.meta.source == "csv"


def test_units_and_timestamp(tmp_path: Path) -> None:
    data = _rows(100)
    data[:, 1:4] /= G  # acc in g
    data[:, 4:7] = np.degrees(data[:, 4:7])  # gyr in deg/s
    ts = (1.7e9 + data[:, 0]) * 1000.0  # epoch ms
    body = np.column_stack([ts, data[:, 1:]])
    p = _write(tmp_path / "b.csv", HEADER.replace("t,", "timestamp,"), body)
    rec = read(p, ReadOptions(time_unit="ms", acc_unit="g", gyr_unit="deg/s"))
    s = rec.streams[0]
    np.testing.assert_allclose(s.t, data[:, 0], atol=1e-6)
    np.testing.assert_allclose(np.median(np.linalg.norm(s.acc, axis=1)), G, rtol=0.2)
    np.testing.assert_allclose(s.gyr, np.radians(data[:, 4:7]), rtol=1e-12)
    assert rec.meta.start_time is not None
    assert rec.meta.start_time.startswith("2023-11-14")


def test_no_time_column_uses_rate_and_acc_only(tmp_path: Path) -> None:
    data = _rows(50)[:, 1:4]
    p = _write(tmp_path / "c.csv", "acc_x,acc_y,acc_z", data)
    s = read(p, ReadOptions(rate=50.0)).streams[0]
    assert s.gyr is None
    assert s.rate == 50.0
    assert s.t[-1] == pytest.approx(49 / 50.0)
    with pytest.raises(RateError, match="--rate"):
        read(p, ReadOptions())


@pytest.mark.parametrize("rate", [0.0, -5.0])
def test_rate_must_be_positive(tmp_path: Path, rate: float) -> None:
    p = _write(tmp_path / "d.csv", HEADER, _rows(20))
    with pytest.raises(RateError, match="> 0"):
        read(p, ReadOptions(rate=rate))


def test_rate_contradicting_time_column(tmp_path: Path) -> None:
    p = _write(tmp_path / "e.csv", HEADER, _rows(50, rate=100.0))
    with pytest.raises(RateError, match="contradicts"):
        read(p, ReadOptions(rate=200.0))
    assert read(p, ReadOptions(rate=101.0)).streams[0].rate == 101.0  # within 10%: user wins


def test_missing_and_renamed_columns(tmp_path: Path) -> None:
    p = _write(tmp_path / "f.csv", "t,acc_x,acc_y,accz,gyr_x,gyr_y,gyr_z", _rows(10))
    with pytest.raises(MissingColumnError) as ei:
        read(p)
    assert ei.value.column == "acc_z"
    assert ei.value.path == p
    assert "f.csv" in str(ei.value)
    p2 = _write(tmp_path / "g.csv", "t,acc_x,acc_y,acc_z,gyr_x,gyr_y", _rows(10)[:, :6])
    with pytest.raises(MissingColumnError) as ei2:
        read(p2, ReadOptions(format="csv"))
    assert ei2.value.column == "gyr_z"


def test_non_numeric_cell_names_line_and_column(tmp_path: Path) -> None:
    p = _write(tmp_path / "h.csv", HEADER, _rows(30))
    lines = p.read_text().splitlines()
    cells = lines[10].split(",")
    cells[3] = "abc"
    lines[10] = ",".join(cells)
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(BadValueError) as ei:
        read(p)
    assert ei.value.line == 11
    assert ei.value.column == "acc_z"
    assert "line 11" in str(ei.value)
    assert "'abc'" in str(ei.value)


@pytest.mark.parametrize("token", ["", "nan", "NaN", "inf"])
def test_nan_or_empty_cells(tmp_path: Path, token: str) -> None:
    p = _write(tmp_path / "i.csv", HEADER, _rows(30))
    lines = p.read_text().splitlines()
    cells = lines[5].split(",")
    cells[6] = token
    lines[5] = ",".join(cells)
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(BadValueError) as ei:
        read(p)
    assert (ei.value.line, ei.value.column) == (6, "gyr_z")


def test_empty_and_header_only(tmp_path: Path) -> None:
    p = tmp_path / "empty.csv"
    p.write_text("")
    with pytest.raises(EmptyFileError):
        read(p, ReadOptions(format="csv"))
    p2 = tmp_path / "header.csv"
    p2.write_text(HEADER + "\n")
    with pytest.raises(EmptyFileError, match="no data rows"):
        read(p2)


def test_truncated_last_line(tmp_path: Path) -> None:
    p = _write(tmp_path / "j.csv", HEADER, _rows(40))
    text = p.read_text()
    cut = text.rstrip("\n")
    cut = cut[: cut.rfind(",") - 3]  # cut the last row in its 6th field
    p.write_text(cut)
    with pytest.raises(TruncatedFileError) as ei:
        read(p)
    assert ei.value.line == 41


@pytest.mark.parametrize(("mode", "word"), [("repeat", "repeats"), ("back", "backwards")])
def test_time_order(tmp_path: Path, mode: str, word: str) -> None:
    # Systematic disorder: two repeats in 30 rows (1 tolerated), or a jump 50 steps back.
    data = _rows(30)
    if mode == "repeat":
        data[12, 0] = data[11, 0]
        data[20, 0] = data[19, 0]
    else:
        data[12, 0] = data[11, 0] - 0.5
    p = _write(tmp_path / "k.csv", HEADER, data)
    with pytest.raises(TimeOrderError, match=word) as ei:
        read(p)
    assert ei.value.line == 14
    assert ei.value.column == "t"


@pytest.mark.parametrize("mode", ["repeat", "swap"])
def test_isolated_time_glitch_is_dropped_and_counted(tmp_path: Path, mode: str) -> None:
    data = _rows(300)
    if mode == "repeat":
        data[120, 0] = data[119, 0]
    else:  # one sample a step late: row 121 before row 120
        data[[120, 121], 0] = data[[121, 120], 0]
    rec = read(_write(tmp_path / "g.csv", HEADER, data))
    s = rec.streams[0]
    assert s.n == 299
    assert s.device["dropped_samples"] == 1
    assert rec.meta.extra["dropped_samples"] == 1
    assert np.all(np.diff(s.t) > 0)


def test_unknown_unit_and_contradicting_unit(tmp_path: Path) -> None:
    data = _rows(50)
    p = _write(tmp_path / "l.csv", HEADER, data)
    with pytest.raises(UnitError, match="unknown accelerometer unit"):
        read(p, ReadOptions(acc_unit="furlong/s2"))
    with pytest.raises(UnitError, match="unknown gyroscope unit"):
        read(p, ReadOptions(gyr_unit="rpm"))
    data_g = data.copy()
    data_g[:, 1:4] /= G
    p2 = _write(tmp_path / "m.csv", HEADER, data_g)
    # without --acc-unit the unit comes from gravity; a contradicting one names the option
    s2 = read(p2).streams[0]
    assert s2.device["acc_unit"] == "g"
    assert "acc_unit=g" in s2.device["units_inferred"]
    np.testing.assert_allclose(s2.acc, data[:, 1:4], atol=1e-9)
    with pytest.raises(UnitError, match=r"--acc-unit m/s2 contradicts .* use --acc-unit g"):
        read(p2, ReadOptions(acc_unit="m/s2"))
    with pytest.raises(UnitError, match=r"--acc-unit g contradicts .* use --acc-unit m/s2"):
        read(p, ReadOptions(acc_unit="g"))
    p3 = _write(tmp_path / "n.csv", HEADER.replace("t,", "timestamp,"), data)
    with pytest.raises(UnitError, match="--time-unit"):
        read(p3)


def test_extra_field_in_a_row(tmp_path: Path) -> None:
    p = _write(tmp_path / "o.csv", HEADER, _rows(20))
    lines = p.read_text().splitlines()
    lines[8] += ",7.0"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(BadValueError) as ei:
        read(p)
    assert ei.value.line == 9


def test_bom_crlf_and_extra_columns(tmp_path: Path) -> None:
    data = _rows(20)
    lines = ["T,ACC_X,acc_y,acc_z,temp"] + [
        ",".join(repr(float(v)) for v in r[:4]) + ",21.5" for r in data
    ]
    p = tmp_path / "p.csv"
    p.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    s = read(p).streams[0]
    np.testing.assert_array_equal(s.acc, data[:, 1:4])
    assert s.gyr is None


# ---------------------------------------------------------------- property tests


@st.composite
def frames(draw: st.DrawFn) -> np.ndarray:
    """Random sensor tables: size, rate and a seed drawn by hypothesis, values by numpy (fast)."""
    n = draw(st.integers(min_value=12, max_value=80))
    rate = draw(st.sampled_from([50.0, 100.0, 204.8, 400.0]))
    scale = draw(st.sampled_from([1e-3, 1.0, 30.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    vals = rng.normal(0.0, scale, (n, 6))
    vals[:, 2] += 3 * G  # keep |acc| clearly in m/s² so the unit check stays quiet
    vals[:, 3:] = np.clip(vals[:, 3:], -20.0, 20.0)  # |gyr| < 40: still rad/s, not inferred °/s
    return np.column_stack([np.arange(n) / rate, vals])


SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(data=frames(), sep=st.sampled_from([",", ";", "\t"]))
def test_property_round_trip(tmp_path: Path, data: np.ndarray, sep: str) -> None:
    p = tmp_path / "prop.csv"
    p.write_text(
        "\n".join([HEADER.replace(",", sep)] + [sep.join(repr(float(v)) for v in r) for r in data])
        + "\n"
    )
    s = read(p).streams[0]
    np.testing.assert_array_equal(s.acc, data[:, 1:4])
    np.testing.assert_array_equal(s.gyr, data[:, 4:7])
    np.testing.assert_allclose(s.t, data[:, 0] - data[0, 0], rtol=0, atol=1e-12)


@SETTINGS
@given(
    data=frames(),
    where=st.tuples(st.floats(0, 0.999), st.integers(0, 6)),
    token=st.sampled_from(["x", "1.2.3", "--", "nan", "", "1e", "0x1"]),
)
def test_property_bad_cell_is_located(
    tmp_path: Path, data: np.ndarray, where: tuple[float, int], token: str
) -> None:
    row = int(where[0] * len(data))
    col = where[1]
    lines = [HEADER] + [",".join(repr(float(v)) for v in r) for r in data]
    cells = lines[row + 1].split(",")
    cells[col] = token
    lines[row + 1] = ",".join(cells)
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(BadValueError) as ei:
        read(p)
    assert ei.value.line == row + 2
    assert ei.value.column == HEADER.split(",")[col]


@SETTINGS
@given(data=frames(), drop=st.integers(0, 6))
def test_property_missing_column(tmp_path: Path, data: np.ndarray, drop: int) -> None:
    names = HEADER.split(",")
    keep = [i for i in range(7) if i != drop]
    p = tmp_path / "miss.csv"
    p.write_text(
        "\n".join(
            [",".join(names[i] for i in keep)]
            + [",".join(repr(float(r[i])) for i in keep) for r in data]
        )
        + "\n"
    )
    if drop == 0:  # no time column: needs --rate, and with it reads fine
        with pytest.raises(RateError):
            read(p)
        assert read(p, ReadOptions(rate=100.0)).streams[0].n == len(data)
        return
    with pytest.raises(MissingColumnError) as ei:
        read(p, ReadOptions(format="csv"))
    assert ei.value.column == names[drop]


@SETTINGS
@given(data=frames(), i=st.floats(0.1, 0.999), back=st.floats(0.0, 1.0))
def test_property_time_order(tmp_path: Path, data: np.ndarray, i: float, back: float) -> None:
    k = max(1, int(i * len(data)))
    data = data.copy()
    # More than GLITCH_MAX_LAG steps back: a systematic disorder, never a dropped glitch.
    step = float(np.median(np.diff(data[:, 0])))
    data[k, 0] = data[k - 1, 0] - 2.5 * step - back
    p = tmp_path / "order.csv"
    p.write_text("\n".join([HEADER] + [",".join(repr(float(v)) for v in r) for r in data]) + "\n")
    with pytest.raises(TimeOrderError) as ei:
        read(p)
    assert ei.value.line == k + 2


@SETTINGS
@given(data=frames(), frac=st.floats(0.05, 0.95))
def test_property_truncation(tmp_path: Path, data: np.ndarray, frac: float) -> None:
    text = "\n".join([HEADER] + [",".join(repr(float(v)) for v in r) for r in data])
    last_start = text.rfind("\n") + 1
    last = text[last_start:]
    cut = last_start + max(1, math.floor(frac * len(last)))
    p = tmp_path / "trunc.csv"
    p.write_text(text[:cut])
    fields = text[last_start:cut].count(",") + 1
    if fields < 7:
        with pytest.raises(TruncatedFileError) as ei:
            read(p)
        assert ei.value.line == len(data) + 1
    else:  # cut inside the last number: either still a number (a shorter valid file) or caught
        error: TruncatedFileError | None = None
        try:
            rec = read(p)
        except TruncatedFileError as exc:
            error = exc
        if error is None:
            assert rec.streams[0].n == len(data)
        else:
            assert error.line == len(data) + 1
            assert error.column == "gyr_z"

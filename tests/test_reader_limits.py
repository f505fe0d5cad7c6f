"""The limits of gait.io.limits: budgets, unit guessing, and that every reader applies them."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from gait.contract.errors import LimitError, TimeUnitError
from gait.contract.recording import Recording, SessionMeta, Stream
from gait.io import ReadOptions, read
from gait.io import limits as L
from gait.io.canonical_format import write_recording
from gait.io.fuzzing import zip_bomb


def test_budget_is_relative_above_a_floor() -> None:
    assert L.decoded_budget(0) == L.MIN_BUDGET_BYTES
    assert L.decoded_budget(10 << 20) == L.MAX_EXPANSION * (10 << 20)
    assert L.decoded_budget(1 << 40) == L.MAX_DECODED_BYTES
    L.check_decoded("f", "x", L.MIN_BUDGET_BYTES, 1)
    with pytest.raises(LimitError) as ei:
        L.check_decoded("f", "x", L.MIN_BUDGET_BYTES + 1, 1)
    assert ei.value.limit == "MAX_EXPANSION"
    assert "limit MAX_EXPANSION" in str(ei.value)


@pytest.mark.parametrize(
    ("t", "unit"),
    [
        (np.arange(100) / 100.0, "s"),
        (np.arange(100) * 10.0, "ms"),
        (1.7e12 + np.arange(100) * 10.0, "ms"),
        (1.7e15 + np.arange(100) * 1e4, "us"),
        (1.7e18 + np.arange(100) * 1e7, "ns"),
        (1.7e9 + np.arange(100) / 52.0, "s"),
    ],
)
def test_guess_time_unit(t: np.ndarray, unit: str) -> None:
    assert L.guess_time_unit(t) == unit


def test_guess_time_unit_none_when_nothing_fits() -> None:
    assert L.guess_time_unit(np.array([0.0, 1e30])) is None
    assert L.guess_time_unit(np.zeros(5)) is None


def test_time_span_names_the_limit_when_no_unit_fits() -> None:
    with pytest.raises(LimitError) as ei:
        L.check_time_span("f", np.array([0.0, 1e-12, 2e-12, 1e40]), "s", "t")
    assert ei.value.limit in ("MAX_DURATION_S", "MAX_RATE_HZ")


def test_stream_size_limits() -> None:
    L.check_stream_size("f", "s", 1000, 10.0, 100.0)
    for n, dur, rate, limit in [
        (10, L.MAX_DURATION_S + 1, 100.0, "MAX_DURATION_S"),
        (10, 1.0, L.MAX_RATE_HZ * 2, "MAX_RATE_HZ"),
        (L.MAX_SAMPLES + 1, 10.0, 100.0, "MAX_SAMPLES"),
        (10, L.MAX_DURATION_S, L.MAX_RATE_HZ, "MAX_SAMPLES"),  # the resampled grid
        (10, float("nan"), 100.0, "MAX_DURATION_S"),
    ]:
        with pytest.raises(LimitError) as ei:
            L.check_stream_size("f", "s", n, dur, rate)
        assert ei.value.limit == limit


def _const_stream(n: int) -> Stream:
    t = np.arange(n) / 100.0
    return Stream(
        placement="foot", side="left", t=t, acc=np.tile([0.0, 0.0, 9.81], (n, 1)), rate=100.0
    )


def test_gaitrec_row_count_checked_from_the_footer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = write_recording(Recording(SessionMeta(), [_const_stream(5000)]), tmp_path / "c.gaitrec")
    assert read(p).streams[0].n == 5000
    monkeypatch.setattr(L, "MAX_SAMPLES", 4999)
    with pytest.raises(LimitError) as ei:
        read(p)
    assert ei.value.limit == "MAX_SAMPLES"


def test_gaitrec_expansion_checked_from_the_footer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 200 000 rows with constant acc (6.4 MB decoded) compress well: legal under the floor,
    # refused once the floor and the allowed ratio are lowered below what the file needs.
    p = write_recording(Recording(SessionMeta(), [_const_stream(200_000)]), tmp_path / "c.gaitrec")
    assert read(p).streams[0].n == 200_000
    monkeypatch.setattr(L, "MIN_BUDGET_BYTES", 1 << 20)
    monkeypatch.setattr(L, "MAX_EXPANSION", 2)
    with pytest.raises(LimitError) as ei:
        read(p)
    assert ei.value.limit == "MAX_EXPANSION"


def test_zip_bomb_helper_declares_what_it_inflates_to() -> None:
    data = zip_bomb("a.csv", b"x,y\n", 8 << 20)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo("a.csv")
    start = info.header_offset + 30 + len("a.csv")
    out = zlib.decompressobj(-15).decompress(data[start : start + info.compress_size])
    assert info.file_size == len(out) == 4 + 7 * (1 << 20)  # the head, then the whole MiBs that fit
    assert out.startswith(b"x,y\n0000")
    assert len(data) < 20_000


def test_phyphox_zip_bomb_refused(tmp_path: Path) -> None:
    p = tmp_path / "phyphox.zip"
    p.write_bytes(zip_bomb("Accelerometer.csv", b'"Time (s)","Acceleration x (m/s^2)"\n', 2 << 30))
    with pytest.raises(LimitError):
        read(p)


def test_csv_rate_without_time_column_is_bounded(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text("acc_x,acc_y,acc_z\n" + "0,0,9.81\n" * 50)
    assert read(p, ReadOptions(rate=100.0)).streams[0].n == 50
    with pytest.raises(LimitError) as ei:
        read(p, ReadOptions(rate=1e7))
    assert ei.value.limit == "MAX_RATE_HZ"


def test_timestamp_column_with_wrong_unit_suggests_the_right_one(tmp_path: Path) -> None:
    t = 1.7e12 + np.arange(300) * 10.0  # epoch ms at 100 Hz
    p = tmp_path / "ts.csv"
    p.write_text("timestamp,acc_x,acc_y,acc_z\n" + "\n".join(f"{v:.0f},0,0,9.81" for v in t) + "\n")
    with pytest.raises(TimeUnitError, match="look like ms"):
        read(p, ReadOptions(time_unit="us"))
    rec = read(p, ReadOptions(time_unit="ms"))
    assert rec.streams[0].rate == pytest.approx(100.0)

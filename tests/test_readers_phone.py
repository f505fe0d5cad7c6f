"""phyphox and Sensor Logger exports, written here in the apps' documented layouts."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from gait.contract.errors import BadValueError, InputFileError, TimeOrderError
from gait.io import ReadOptions, read
from gait.io.units import G

RATE = 100.0
N = 300


def _signals(n: int = N, rate: float = RATE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.arange(n) / rate
    acc = np.column_stack(
        [0.5 * np.sin(2 * np.pi * 2 * t), 0.2 * np.cos(t), G + np.sin(2 * np.pi * 1.5 * t)]
    )
    gyr = np.column_stack([0.3 * np.sin(t), 0.1 * t, -0.2 * np.cos(2 * t)])
    return t, acc, gyr


def _phyphox_csv(
    t: np.ndarray, xyz: np.ndarray, label: str, unit: str, sep: str = ",", dec: str = "."
) -> str:
    head = sep.join(
        f'"{h}"'
        for h in ["Time (s)", *(f"{label} {a} ({unit})" for a in "xyz"), f"Absolute ({unit})"]
    )
    absval = np.linalg.norm(xyz, axis=1)
    rows = [
        sep.join(f"{v:.9E}".replace(".", dec) for v in (tt, *r, a))
        for tt, r, a in zip(t, xyz, absval, strict=True)
    ]
    return "\n".join([head, *rows]) + "\n"


@pytest.mark.parametrize(("sep", "dec"), [(",", "."), ("\t", "."), (";", ","), ("\t", ",")])
def test_phyphox_acceleration_with_g(tmp_path: Path, sep: str, dec: str) -> None:
    t, acc, _ = _signals()
    p = tmp_path / "Raw Data.csv"
    p.write_text(_phyphox_csv(t, acc, "Acceleration", "m/s^2", sep, dec))
    rec = read(p, ReadOptions(mount="hand"))
    s = rec.streams[0]
    assert rec.meta.source == "phyphox"
    assert (s.placement, s.mount, s.has_gyr) == ("phone", "hand", False)
    np.testing.assert_allclose(s.acc, acc, rtol=1e-8)
    assert s.rate == pytest.approx(RATE)


def test_phyphox_combined_file_with_two_time_columns(tmp_path: Path) -> None:
    t, acc, gyr = _signals()
    tg = t[:200] * 1.0 + 0.0025  # gyroscope on its own clock, shorter
    gyr_g = gyr[:200]
    head = (
        '"Time (s)","Acceleration x (m/s^2)","Acceleration y (m/s^2)","Acceleration z (m/s^2)",'
        '"Time (s)","Gyroscope x (rad/s)","Gyroscope y (rad/s)","Gyroscope z (rad/s)"'
    )
    rows = []
    for i in range(N):
        left = [t[i], *acc[i]]
        right = [tg[i], *gyr_g[i]] if i < 200 else ["", "", "", ""]
        rows.append(",".join(str(v) for v in (*left, *right)))
    p = tmp_path / "combined.csv"
    p.write_text("\n".join([head, *rows]) + "\n")
    s = read(p).streams[0]
    assert s.has_gyr
    inside = (t >= tg[0]) & (t <= tg[-1])
    assert s.device["trimmed_samples"] == int((~inside).sum())
    np.testing.assert_allclose(s.acc, acc[inside])
    np.testing.assert_allclose(s.gyr[:, 0], np.interp(t[inside], tg, gyr_g[:, 0]))  # type: ignore[index]


def test_phyphox_zip_export_with_gyroscope_and_start_time(tmp_path: Path) -> None:
    t, acc, gyr = _signals()
    z = tmp_path / "Multi 2024-05-01.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("Accelerometer.csv", _phyphox_csv(t, acc, "Acceleration", "m/s^2"))
        zf.writestr("Gyroscope.csv", _phyphox_csv(t, gyr, "Gyroscope", "rad/s"))
        zf.writestr(
            "meta/time.csv",
            '"event","experiment time","system time","system time text"\n'
            '"START",0.0,1714557600.0,"2024-05-01 10:00:00.000 UTC+00:00"\n',
        )
    rec = read(z)
    s = rec.streams[0]
    np.testing.assert_allclose(s.gyr, gyr, atol=1e-8)  # type: ignore[arg-type]
    assert rec.meta.start_time == "2024-05-01T10:00:00+00:00"


def test_phyphox_linear_acceleration_refused(tmp_path: Path) -> None:
    t, acc, _ = _signals()
    p = tmp_path / "lin.csv"
    p.write_text(_phyphox_csv(t, acc - [0, 0, G], "Linear Acceleration", "m/s^2"))
    with pytest.raises(InputFileError, match="gravity removed"):
        read(p, ReadOptions(format="phyphox"))


def test_phyphox_bad_cell(tmp_path: Path) -> None:
    t, acc, _ = _signals(20)
    lines = _phyphox_csv(t, acc, "Acceleration", "m/s^2").splitlines()
    lines[7] = lines[7].replace(lines[7].split(",")[2], "oops")
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(BadValueError) as ei:
        read(p)
    assert ei.value.line == 8
    assert "Acceleration y" in str(ei.value.column)


def _sl_csv(t_ns: np.ndarray, xyz: np.ndarray, t0_ns: int) -> str:
    rows = [
        f"{tn},{(tn - t0_ns) / 1e9},{float(r[2])!r},{float(r[1])!r},{float(r[0])!r}"
        for tn, r in zip(t_ns, xyz, strict=True)
    ]
    return "\n".join(["time,seconds_elapsed,z,y,x", *rows]) + "\n"


def _sl_export(folder: Path, android: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t, acc, gyr = _signals()
    t0 = 1_700_000_000_000_000_000
    t_ns = t0 + np.round(t * 1e9).astype(np.int64)
    grav = np.tile([0.0, 0.0, G], (N, 1))
    folder.mkdir()
    if android:
        (folder / "TotalAcceleration.csv").write_text(_sl_csv(t_ns, acc, t0))
    (folder / "Accelerometer.csv").write_text(_sl_csv(t_ns, acc - grav, t0))
    (folder / "Gravity.csv").write_text(_sl_csv(t_ns, grav, t0))
    tg = t_ns + 3_000_000  # gyroscope 3 ms later
    (folder / "Gyroscope.csv").write_text(_sl_csv(tg, gyr, t0))
    (folder / "Metadata.csv").write_text(
        "version,device name,recording time,platform\n3,Pixel 7,2023-11-14_22-13-20,android\n"
    )
    return t_ns, acc, gyr


@pytest.mark.parametrize("android", [True, False])
def test_sensorlogger_folder_and_zip(tmp_path: Path, android: bool) -> None:
    folder = tmp_path / "Run-2023-11-14"
    t_ns, acc, gyr = _sl_export(folder, android)
    rec = read(folder, ReadOptions(mount="belt"))
    s = rec.streams[0]
    assert rec.meta.source == "sensorlogger"
    assert s.device["acc_source"] == ("TotalAcceleration" if android else "Accelerometer + Gravity")
    assert s.device["platform"] == "android"
    assert s.device["trimmed_samples"] == 1
    np.testing.assert_allclose(s.acc, acc[1:], atol=1e-9)
    t = (t_ns - t_ns[0]) / 1e9
    np.testing.assert_allclose(s.gyr[:, 1], np.interp(t[1:], t + 0.003, gyr[:, 1]), atol=1e-12)  # type: ignore[index]
    assert rec.meta.start_time == "2023-11-14T22:13:20.010000+00:00"
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f"Run/{f.name}")
    np.testing.assert_array_equal(read(z).streams[0].acc, s.acc)


def test_sensorlogger_gravity_free_only_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    _sl_export(folder)
    for name in ("TotalAcceleration.csv", "Gravity.csv"):
        (folder / name).unlink()
    with pytest.raises(InputFileError, match="without gravity"):
        read(folder)


def test_sensorlogger_duplicates_dropped_single_csv(tmp_path: Path) -> None:
    t, acc, _ = _signals(50)
    t_ns = 1_700_000_000_000_000_000 + np.round(t * 1e9).astype(np.int64)
    t_ns[10] = t_ns[9]  # a row logged twice
    p = tmp_path / "TotalAcceleration.csv"
    p.write_text(_sl_csv(t_ns, acc, int(t_ns[0])))
    s = read(p).streams[0]
    assert s.n == 49
    assert s.device["dropped_samples"] == 1


def test_phyphox_time_backwards(tmp_path: Path) -> None:
    t, acc, _ = _signals(30)
    t[15] = t[10]  # five steps back: systematic, not an isolated glitch
    p = tmp_path / "back.csv"
    p.write_text(_phyphox_csv(t, acc, "Acceleration", "m/s^2"))
    with pytest.raises(TimeOrderError) as ei:
        read(p)
    assert ei.value.line == 17


def test_phyphox_isolated_glitch_is_dropped(tmp_path: Path) -> None:
    t, acc, _ = _signals(300)
    t[150] = t[149]  # one sample logged with the previous time
    p = tmp_path / "glitch.csv"
    p.write_text(_phyphox_csv(t, acc, "Acceleration", "m/s^2"))
    rec = read(p)
    assert rec.streams[0].n == 299
    assert rec.streams[0].device["dropped_samples"] == 1


def test_sensorlogger_ios_signs_flipped(tmp_path: Path) -> None:
    folder = tmp_path / "ios"
    _, acc, _ = _sl_export(folder, android=False)
    t_ns = np.asarray(pd_read_time(folder / "Accelerometer.csv"))
    # iOS writes inertial force: both files negated relative to Android
    grav = np.tile([0.0, 0.0, G], (N, 1))
    (folder / "Accelerometer.csv").write_text(_sl_csv(t_ns, -(acc - grav), int(t_ns[0])))
    (folder / "Gravity.csv").write_text(_sl_csv(t_ns, -grav, int(t_ns[0])))
    (folder / "Metadata.csv").write_text(
        "version,device name,recording time,platform\n3,iPhone 15,2023-11-14_22-13-20,ios\n"
    )
    s = read(folder).streams[0]
    assert s.device["acc_sign"] == "negated (iOS convention)"
    np.testing.assert_allclose(s.acc, acc[1:], atol=1e-9)  # gravity back on +z


def pd_read_time(path: Path) -> np.ndarray:
    import pandas as pd

    return pd.read_csv(path)["time"].to_numpy()

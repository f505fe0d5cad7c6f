"""Capture files read as Recordings through ``gait.io.read`` (and the CLI)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from devices.capture import CaptureWriter
from devices.decoders import make_encoder
from devices.profiles import get_profile
from gait.cli import main
from gait.contract.errors import EmptyFileError, InputFileError
from gait.io import ReadOptions, read

DEVICES = [
    ("gait-imu", "foot", "left"),
    ("polar-verity", "foot", "right"),
    ("thingy52", "sacrum", None),
    ("metawear", "shank", "left"),
    ("movesense", "shank", "right"),
    ("rsc-footpod", "foot", "left"),
]
DURATION = 20.0


def _signal(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    acc = np.column_stack(
        [
            12 * np.sin(2 * np.pi * 1.4 * t),
            4 * np.cos(2 * np.pi * 0.7 * t),
            9.81 + 8 * np.sin(2 * np.pi * 2.8 * t),
        ]
    )
    gyr = np.column_stack(
        [
            4 * np.sin(2 * np.pi * 1.4 * t + 1),
            np.cos(2 * np.pi * 0.7 * t),
            0.5 * np.sin(2 * np.pi * 2.8 * t),
        ]
    )
    return acc, gyr


def _write(
    path: Path, drop: slice | None = None, seed: int = 0
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Encode each device's signal, deliver with BLE-like latency, record; returns the truth."""
    rng = np.random.default_rng(seed)
    truth = {}
    with CaptureWriter(path, meta={"activity": "run", "athlete": "test"}, fsync_interval=0) as w:
        t0 = w.now_ns()
        for pid, placement, side in DEVICES:
            p = get_profile(pid)
            d = w.add_device(
                f"AA:{pid}", f"{pid} unit", pid, placement, side, dict(p.characteristics)
            )
            enc = make_encoder(p, device_clock=float(rng.uniform(1e6, 7e8)))
            t = 0.5 + np.arange(int(DURATION * p.rate)) / p.rate
            acc, gyr = _signal(t)
            truth[pid] = (t, acc, gyr)
            for cmd in p.start:  # control answers are recorded too (PMD FACTOR lives there)
                for r in enc.respond(cmd.char, cmd.data):
                    w.write(d, p.uuid(r.char), r.data, t0)
            vals = {
                "speed": 3.0 + 0.1 * np.sin(t),
                "cadence": np.full(t.size, 172.0),
                "stride_length": np.full(t.size, 1.05),
                "distance": 3 * t,
            }
            pk = enc.encode(t, acc, gyr, vals)
            if drop is not None and pid == "gait-imu":
                pk = pk[: drop.start] + pk[drop.stop :]
            lat = 0.004 + rng.exponential(0.004, len(pk))
            arrive = np.maximum.accumulate(np.array([x.t for x in pk]) + lat)
            for x, a in zip(pk, arrive, strict=True):
                w.write(d, p.uuid(x.char), x.data, t0 + int(a * 1e9))
    return truth


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("cap") / "session.gaitcap"
    return path, _write(path)


def test_capture_reads_as_recording(capture: tuple[Path, dict]) -> None:
    path, truth = capture
    rec = read(path)
    assert rec.meta.source == "capture"
    assert rec.meta.activity == "run"
    assert rec.meta.athlete == "test"
    names = {s.name: s for s in rec.streams}
    assert set(names) == {"foot_left", "foot_right", "sacrum", "shank_left", "shank_right"}
    by_profile = {s.device["profile"]: s for s in rec.streams}
    for pid, placement, side in DEVICES:
        if pid == "rsc-footpod":
            continue
        s = by_profile[pid]
        p = get_profile(pid)
        t, acc, gyr = truth[pid]
        assert (s.placement, s.side) == (placement, side)
        # Packets hold whole samples (MetaWear: 3); a short remainder is never sent.
        assert 0 <= t.size - s.n < 3, pid
        t, acc, gyr = t[: s.n], acc[: s.n], gyr[: s.n]
        q = make_encoder(p).quantum()
        np.testing.assert_allclose(s.acc, acc, atol=q["acc"] / 2 + 1e-5)
        assert s.gyr is not None
        # MetaWear and Polar send acc and gyro in separate packets: the gyro is put on the
        # accelerometer's clock and resampled onto its times, exactly.
        np.testing.assert_allclose(s.gyr, gyr, atol=q["gyr"] / 2 + 1e-5)
        # Times: the same axis up to a constant latency offset, within 1 ms.
        off = s.t - t
        assert np.ptp(off) < 1e-3, (pid, np.ptp(off))
        assert 0.0 <= np.median(off) < 0.02
        assert s.rate == pytest.approx(p.rate, rel=1e-3)
        assert s.acc_range == p.acc_range
        assert s.device["decoder_bad"] == 0
    rsc = rec.channel("rsc")
    assert rsc is not None
    assert rsc.t.size == truth["rsc-footpod"][0].size
    np.testing.assert_allclose(
        rsc.values["speed"], 3.0 + 0.1 * np.sin(truth["rsc-footpod"][0]), atol=1 / 512 + 1e-9
    )
    assert set(rsc.values) >= {"speed", "cadence", "stride_length", "distance"}


def test_gap_is_marked(tmp_path: Path) -> None:
    path = tmp_path / "gap.gaitcap"
    _write(path, drop=slice(500, 510))  # 10 gait-imu packets = 40 samples lost
    rec = read(path)
    s = next(s for s in rec.streams if s.device["profile"] == "gait-imu")
    assert s.device["gaps"]
    assert s.device["gaps"][0][2] == 40
    assert s.device["decoder_lost_samples"] == 40
    assert s.n == int(DURATION * 200) - 40
    t0, t1 = s.device["gaps"][0][:2]
    assert t1 - t0 == pytest.approx(41 / 200, abs=1e-3)


def test_truncated_capture_reads_with_a_note(capture: tuple[Path, dict], tmp_path: Path) -> None:
    path, _ = capture
    cut = tmp_path / "cut.gaitcap"
    data = path.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.6) + 3])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = read(cut)
    assert rec.meta.extra["capture"]["truncated"] is True
    assert "ends inside a record" in rec.meta.notes
    assert any("ends inside a record" in str(w.message) for w in caught)
    assert rec.streams  # what was written before the cut is there


def test_bad_captures_give_clear_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.gaitcap"
    with CaptureWriter(empty) as w:
        w.add_device("A", "x", "gait-imu", "foot", "left")
    with pytest.raises(EmptyFileError, match="no decodable samples"):
        read(empty)
    unknown = tmp_path / "unknown.gaitcap"
    with CaptureWriter(unknown) as w:
        d = w.add_device("A", "x", "garmin-9000", "foot", "left")
        w.write(d, "2a53", b"\x00\x00\x01\x02")
    with pytest.raises(InputFileError, match="unknown profile 'garmin-9000'"):
        read(unknown)
    junk = tmp_path / "junk.gaitcap"
    junk.write_bytes(b"GAITCAP\x09 nope")
    with pytest.raises(InputFileError, match="unsupported capture version"):
        read(junk)


def test_placement_option_fills_missing(tmp_path: Path) -> None:
    path = tmp_path / "noplace.gaitcap"
    p = get_profile("thingy52")
    enc = make_encoder(p)
    t = np.arange(300) / p.rate
    acc, gyr = _signal(t)
    with CaptureWriter(path, fsync_interval=0) as w:
        d = w.add_device("A", "Thingy", "thingy52")
        for x in enc.encode(t, acc, gyr):
            w.write(d, p.uuid(x.char), x.data, 10**18 + int(x.t * 1e9) + 5_000_000)
    rec = read(path, ReadOptions(placement="shank", side="right"))
    assert (rec.streams[0].placement, rec.streams[0].side) == ("shank", "right")
    rec = read(path)
    assert rec.streams[0].placement == "sacrum"  # the profile's nominal placement


def test_cli_info_accepts_capture(
    capture: tuple[Path, dict], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = capture
    assert main(["info", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "foot_left" in out
    assert "capture" in out


def test_analyze_capture_matches_source_recording(tmp_path: Path) -> None:
    """A synthetic run recorded through three gait-imu devices analyses like the original."""
    import contextlib
    import io
    import json

    from gait.io.canonical_format import write_recording
    from gait.synth import synthesize

    rec = synthesize("run", ("foot-left", "foot-right", "sacrum"), duration=30, rate=200, seed=3)
    src = tmp_path / "src.gaitrec"
    write_recording(rec, src)
    cap = tmp_path / "run.gaitcap"
    p = get_profile("gait-imu")
    rng = np.random.default_rng(0)
    with CaptureWriter(cap, meta={"activity": "run"}, fsync_interval=0) as w:
        t0 = w.now_ns()
        for s in rec.streams:
            d = w.add_device(
                s.name, f"gait-imu {s.name}", p.id, s.placement, s.side, dict(p.characteristics)
            )
            pk = make_encoder(p).encode(s.t, s.acc, s.gyr)
            arrive = np.maximum.accumulate(
                np.array([x.t for x in pk]) + 0.004 + rng.exponential(0.004, len(pk))
            )
            for x, a in zip(pk, arrive, strict=True):
                w.write(d, p.uuid(x.char), x.data, t0 + int(a * 1e9))
    outs = []
    for f in (src, cap):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main(["analyze", "--json", str(f)]) == 0
        outs.append(json.loads(buf.getvalue()))
    a, b = outs
    assert a["steps"] == b["steps"] > 60
    assert b["cadence_spm"] == pytest.approx(a["cadence_spm"], abs=0.1)
    assert b["gct_ms"]["mean"] == pytest.approx(a["gct_ms"]["mean"], abs=1.0)


def test_recorder_gap_events_are_kept(tmp_path: Path) -> None:
    """An outage logged by the recorder marks a gap even where the samples cannot show it."""
    p = get_profile("rsc-footpod")
    path = tmp_path / "rsc.gaitcap"
    enc = make_encoder(p)
    t = np.arange(30.0)
    vals = {"speed": np.full(30, 3.0), "cadence": np.full(30, 170.0)}
    with CaptureWriter(path, fsync_interval=0) as w:
        t0 = w.now_ns()
        d = w.add_device("A", "Stryd", p.id, "foot", "left")
        for x in enc.encode(t, values=vals):
            w.write(d, p.uuid(x.char), x.data, t0 + int((x.t + 0.01) * 1e9))
        w.event(
            "gap",
            device=d,
            host_time_ns=t0 + 12 * 10**9,
            start_ns=t0 + 10 * 10**9,
            end_ns=t0 + 12 * 10**9,
        )
    from devices.replay import replay

    (data,) = replay(path)
    assert len(data.gaps) == 1
    assert data.gaps[0].lost == -1
    assert (data.gaps[0].t_start, data.gaps[0].t_end) == pytest.approx((10.0, 12.0), abs=0.01)
    rec = read(path)
    assert rec.channel("rsc") is not None
    assert rec.streams == []
    events = rec.meta.extra["capture"]["events"]
    assert events[0]["kind"] == "gap"
    assert events[0]["t"] == pytest.approx(12.0, abs=0.01)

"""Hostile or broken files: every case of the hostile-file report gives a typed error, fast.

Each case is a file crafted the way the report describes (a header that is a list, a
string rate, fake sync markers, a FIFO named ``*.csv`` ...). The readers must answer with
one of the project's typed errors, or read the file and flag what they dropped.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from devices.capture import MAGIC, SYNC, CaptureWriter, read_capture
from gait.cli import main
from gait.contract.errors import (
    GaitError,
    HeaderError,
    InputFileError,
    LimitError,
    MissingColumnError,
    NotARegularFileError,
    TimeUnitError,
)
from gait.contract.recording import Recording, SessionMeta, Stream
from gait.io import read
from gait.io.canonical_format import write_recording

ROOT = Path(__file__).resolve().parents[1]


def _stream(n: int = 2000, rate: float = 100.0, seed: int = 0) -> Stream:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate
    acc = rng.normal(0, 1, (n, 3)) + np.array([0.0, 0.0, 9.81])
    return Stream(
        placement="foot", side="left", t=t, acc=acc, gyr=rng.normal(0, 1, (n, 3)), rate=rate
    )


def _gaitrec(tmp_path: Path, name: str = "r.gaitrec", **meta: Any) -> Path:
    return write_recording(
        Recording(SessionMeta(activity="run", **meta), [_stream()]), tmp_path / name
    )


def _edit_header(src: Path, dst: Path, edit: Any) -> Path:
    """Copy a .gaitrec with ``recording.json`` replaced by ``edit(header)`` (dict or bytes)."""
    with zipfile.ZipFile(src) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    header = json.loads(entries["recording.json"])
    new = edit(header)
    entries["recording.json"] = new if isinstance(new, bytes) else json.dumps(new).encode()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as z:
        for n, b in entries.items():
            z.writestr(n, b)
    return dst


def _set(path: str, value: Any) -> Any:
    def edit(h: dict[str, Any]) -> dict[str, Any]:
        node: Any = h
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        node[keys[-1]] = value
        return h

    return edit


def _drop(path: str) -> Any:
    def edit(h: dict[str, Any]) -> dict[str, Any]:
        node: Any = h
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        del node[keys[-1]]
        return h

    return edit


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda h: [h], "(top level)"),
        (_drop("streams"), "streams"),
        (_drop("meta"), "meta"),
        (_drop("streams.0.has_gyr"), "streams[0].has_gyr"),
        (_set("version", "2"), "version"),
        (_set("version", 2), "version"),
        (_set("meta.mood", "happy"), "meta.mood"),
        (_set("streams.0.rate", "fast"), "streams[0].rate"),
        (_set("streams.0.placement", "elbow"), "streams[0].placement"),
        (_set("streams.0.name", "../../etc"), "streams[0].name"),
        (_set("reference", {"kind": "measured"}), None),  # tables optional: then events missing
        (_set("reference", {"kind": "measured", "tables": "x"}), "reference.tables"),
    ],
)
def test_recording_json_schema_errors_name_the_field(
    tmp_path: Path, edit: Any, field: str | None
) -> None:
    bad = _edit_header(_gaitrec(tmp_path), tmp_path / "bad.gaitrec", edit)
    with pytest.raises(InputFileError) as ei:
        read(bad)
    if field is not None:
        assert isinstance(ei.value, HeaderError)
        assert ei.value.field == field
        assert f"'{field}'" in str(ei.value)


def test_recording_json_not_utf8(tmp_path: Path) -> None:
    bad = _edit_header(
        _gaitrec(tmp_path), tmp_path / "bad.gaitrec", lambda _h: b'{"format": "gaitrec\xff\xfe"}'
    )
    with pytest.raises(HeaderError, match="UTF-8"):
        read(bad)


def test_stream_parquet_missing_a_column(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = _gaitrec(tmp_path)
    with zipfile.ZipFile(src) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    name = next(n for n in entries if n.startswith("streams/"))
    table = pq.read_table(pa.BufferReader(entries[name])).drop_columns(["acc_y"])
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    entries[name] = sink.getvalue().to_pybytes()
    bad = tmp_path / "nocol.gaitrec"
    with zipfile.ZipFile(bad, "w") as z:
        for n, b in entries.items():
            z.writestr(n, b)
    with pytest.raises(MissingColumnError) as ei:
        read(bad)
    assert ei.value.column == "acc_y"


def _peak_rss_mb(code: str) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter; its peak RSS (MB) and what it printed."""
    # VmHWM, not ru_maxrss: Linux carries a large parent's (pytest's) peak over exec
    wrapper = (
        code + "\nfrom benchmarks._peak_memory import peak_rss_mb\nprint('RSS', peak_rss_mb())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if x.startswith("RSS"))
    return float(line.split()[1]), out.stdout


def test_parquet_of_constant_rows_is_refused_before_decoding(tmp_path: Path) -> None:
    """25 M constant rows compress to a few hundred KB; reading them would need 1.4 GB."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows, batch = 25_000_000, 1_000_000
    schema = pa.schema([(c, pa.float64()) for c in ("t", "acc_x", "acc_y", "acc_z")])
    sink = pa.BufferOutputStream()
    one = pa.table({c: np.zeros(batch) for c in schema.names}, schema=schema)
    with pq.ParquetWriter(sink, schema, compression="zstd") as w:
        for _ in range(rows // batch):
            w.write_table(one)
    header = {
        "format": "gaitrec",
        "version": 1,
        "meta": {"activity": "run"},
        "channels": [],
        "reference": None,
        "streams": [
            {
                "name": "foot_left",
                "placement": "foot",
                "side": "left",
                "rate": 100.0,
                "has_gyr": False,
            }
        ],
    }
    bomb = tmp_path / "bomb.gaitrec"
    with zipfile.ZipFile(bomb, "w") as z:
        z.writestr("recording.json", json.dumps(header))
        z.writestr("streams/foot_left.parquet", sink.getvalue().to_pybytes())
    assert bomb.stat().st_size < 5_000_000
    rss, out = _peak_rss_mb(
        "from gait.io import read\nfrom gait.contract.errors import LimitError\n"
        f"try:\n    read({str(bomb)!r})\nexcept LimitError as e:\n    print('LIMIT', e.limit)\n"
    )
    assert "LIMIT MAX_SAMPLES" in out
    assert rss < 400


@pytest.mark.slow
def test_zip_entry_inflating_to_gigabytes_is_refused(tmp_path: Path) -> None:
    """A Sensor Logger ZIP whose CSV entry declares 3 GB from a 3 MB deflate stream."""
    size = 3 << 30
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"0" * (1 << 20)
    head = b"time,seconds_elapsed,z,y,x\n"
    body = comp.compress(head) + b"".join(
        comp.compress(chunk) for _ in range((size - len(head)) >> 20)
    )
    body += comp.compress(b"0" * ((size - len(head)) % (1 << 20))) + comp.flush()
    crc = 0  # the reader must refuse before it could check the CRC
    name = b"TotalAcceleration.csv"
    local = (
        struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(body),
            0xFFFFFFFF & size,
            len(name),
            0,
        )
        + name
    )
    central = (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(body),
            0xFFFFFFFF & size,
            len(name),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + name
    )
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(body), 0)
    bomb = tmp_path / "export.zip"
    bomb.write_bytes(local + body + central + end)
    assert bomb.stat().st_size < 5_000_000
    with zipfile.ZipFile(bomb) as z:
        assert z.getinfo("TotalAcceleration.csv").file_size == size
    with pytest.raises(LimitError) as ei:
        read(bomb)
    assert ei.value.limit in ("MAX_EXPANSION", "MAX_DECODED_BYTES")


def test_tiny_step_then_long_span_is_refused(tmp_path: Path) -> None:
    """1 kHz for a second, then one sample 7 h later: a 25 M-sample uniform grid."""
    t = np.concatenate([np.arange(1000) * 1e-3, [25_000.0]])
    rng = np.random.default_rng(1)
    s = Stream(
        placement="foot",
        side="left",
        t=t,
        acc=rng.normal(0, 1, (t.size, 3)) + np.array([0.0, 0.0, 9.81]),
        rate=1000.0,
    )
    p = write_recording(Recording(SessionMeta(), [s]), tmp_path / "span.gaitrec")
    with pytest.raises(LimitError) as ei:
        read(p)
    assert ei.value.limit == "MAX_SAMPLES"


@pytest.mark.parametrize(
    ("unit", "factor", "offset"), [("ns", 1e9, 1.7e18), ("us", 1e6, 1.7e15), ("ms", 1e3, 1.7e12)]
)
def test_epoch_timestamps_in_t_column_suggest_the_unit(
    tmp_path: Path, unit: str, factor: float, offset: float
) -> None:
    n = 500
    rng = np.random.default_rng(2)
    t = offset + np.arange(n) / 100.0 * factor
    acc = rng.normal(0, 1, (n, 3)) + np.array([0.0, 0.0, 9.81])
    p = tmp_path / "epoch.csv"
    p.write_text(
        "t,acc_x,acc_y,acc_z\n"
        + "\n".join(f"{a:.0f},{b},{c},{d}" for a, (b, c, d) in zip(t, acc, strict=True))
        + "\n"
    )
    with pytest.raises(TimeUnitError) as ei:
        read(p)
    assert f"--time-unit {unit}" in str(ei.value)
    # Renamed as the message says, the file reads with the wall-clock start kept.
    p.write_text(p.read_text().replace("t,acc_x", "timestamp,acc_x", 1))
    from gait.io import ReadOptions

    rec = read(p, ReadOptions(time_unit=unit))
    assert rec.streams[0].n == n
    assert rec.streams[0].duration == pytest.approx((n - 1) / 100.0, rel=1e-6)
    assert rec.meta.start_time is not None
    assert rec.meta.start_time.startswith("2023")


def _capture(path: Path, header: dict[str, Any] | None = None, records: bytes = b"") -> Path:
    """A capture file with the given header JSON and raw record bytes."""
    h = header or {
        "format": "gait-capture",
        "version": 1,
        "start_time_ns": 1_700_000_000_000_000_000,
        "meta": {},
    }
    hb = json.dumps(h).encode()
    path.write_bytes(
        MAGIC + struct.pack("<I", len(hb)) + hb + struct.pack("<I", zlib.crc32(hb)) + records
    )
    return path


def _record(rtype: bytes, body: bytes) -> bytes:
    head = struct.pack("<2sBI", SYNC, rtype[0], len(body))
    return head + body + struct.pack("<I", zlib.crc32(body, zlib.crc32(head[2:])))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start_time_ns", "1700000000"),
        ("start_time_ns", 10**25),
        ("start_time_ns", -5),
        ("version", "1"),
        ("meta", [1]),
    ],
)
def test_capture_header_schema(tmp_path: Path, field: str, value: Any) -> None:
    h = {
        "format": "gait-capture",
        "version": 1,
        "start_time_ns": 1_700_000_000_000_000_000,
        "meta": {},
    }
    h[field] = value
    p = _capture(tmp_path / "h.gaitcap", h)
    with pytest.raises(HeaderError) as ei:
        read(p)
    assert ei.value.field == field


def _device_record(index: int = 0) -> bytes:
    d = {
        "index": index,
        "address": "AA",
        "name": "x",
        "profile": "polar-verity",
        "placement": "foot",
        "side": "left",
        "characteristics": {},
        "info": {},
    }
    return _record(b"D", json.dumps(d).encode())


def test_repeated_device_records_are_ignored_and_counted(tmp_path: Path) -> None:
    p = _capture(tmp_path / "dup.gaitcap", records=_device_record() * 20_000)
    cap = read_capture(p)
    assert len(cap.devices) == 1
    assert any("20000" not in x and "19999 repeated" in x for x in cap.problems)
    with pytest.raises(GaitError):
        read(p)  # no samples: a typed error, not 20 000 decodes


def test_three_copies_of_a_device_record(tmp_path: Path) -> None:
    src = tmp_path / "ok.gaitcap"
    with CaptureWriter(src, meta={"activity": "run"}, fsync_interval=0) as w:
        w.add_device("AA", "Polar", "polar-verity", "foot", "left")
    raw = src.read_bytes()
    p = tmp_path / "three.gaitcap"
    p.write_bytes(raw + _device_record() + _device_record())
    cap = read_capture(p)
    assert len(cap.devices) == 1
    assert any("2 repeated" in x for x in cap.problems)


def test_fake_sync_markers_cost_little(tmp_path: Path) -> None:
    """5 MB of sync markers each declaring a 64 KiB device record: bounded checksum work."""
    fake = (SYNC + b"D" + struct.pack("<I", 60_000)) * (5_000_000 // 7)
    p = _capture(tmp_path / "fake.gaitcap", records=_device_record() + fake)
    import time

    t0 = time.process_time()
    cap = read_capture(p)
    cpu = time.process_time() - t0
    assert cap.truncated
    assert any("_RESYNC_WORK" in x for x in cap.problems)
    assert cpu < 20.0  # was 122 s; a loose bound so a loaded machine never fails it
    assert len(cap.devices) == 1  # what came before the noise is kept


def test_markup_and_escapes_in_metadata_print_inertly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = _gaitrec(tmp_path, athlete="[/oops] \x1b[2J\x1b]0;pwned\x07", notes="[bold]x[/bold]\x9b31m")
    assert main(["info", str(p)]) == 0
    out = capsys.readouterr().out
    assert "[/oops]" in out
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\x9b" not in out
    assert "\\x1b" in out


def test_markup_in_saved_history_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    from gait.apps.history.store import History, SessionRecord

    db = tmp_path / "h.sqlite"
    with History(db) as h:
        h.save(
            SessionRecord(
                athlete="[/oops]\x1b[31m",
                started_at=datetime(2026, 1, 5, tzinfo=UTC),
                source="[/x].gaitrec",
                activity="run",
                summary={"cadence_spm": 170.0},
                duration_s=60.0,
                steps=pd.DataFrame({"side": ["left"], "t_ic": [0.0]}),
            )
        )
    assert main(["history", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "[/oops]" in out
    assert "\x1b" not in out


def test_long_multiline_error_is_one_capped_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("t,acc_x,acc_y,acc_z\n0," + "x" * 5000 + "\x1b[2J\n2,3,4,5\n")
    assert main(["info", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert len(err) <= 460
    assert "\x1b" not in err


def test_fifo_named_csv_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(NotARegularFileError, match="FIFO"):
        read(fifo)


def test_unreadable_file_says_permission(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = _gaitrec(tmp_path)
    p.chmod(0)
    if os.geteuid() == 0:  # root reads whatever the mode: make access() answer as for a user
        monkeypatch.setattr(os, "access", lambda *_a, **_k: False)
    with pytest.raises(NotARegularFileError, match="permission"):
        read(p)

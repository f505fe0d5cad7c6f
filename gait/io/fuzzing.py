"""Seed files of every format and their mutations, for fuzzing the readers.

Used by ``tests/test_reader_fuzz.py`` (a few hundred files) and
``benchmarks/fuzz_files.py`` (10⁵ and more). :func:`seed_files` writes one small valid
file per format; :func:`mutant` turns a seed into a damaged or hostile variant of one of
the classes in :data:`CLASSES`:

``flip``
    1–16 random bytes overwritten.
``truncate``
    the file cut at a random offset.
``splice``
    a random chunk deleted, duplicated or replaced by random bytes.
``rezip``
    a ZIP (``.gaitrec``, phone export) unpacked, one entry damaged, and repacked with
    stored or deflated entries.
``header``
    a header field edited: ``recording.json`` or a capture header (with a valid CRC) set
    to a wrong type, an out-of-range or hostile value, or deleted; a CSV header renamed.
``time``
    the time column edited: a repeated or swapped sample, a unit change (ms, ns,
    epoch), a huge jump.
``bomb``
    a size bomb: a Parquet table declaring 25 M rows, a ZIP entry declaring gigabytes,
    fake capture sync markers, repeated device records, a tiny step before a long span.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gait.contract.recording import Channel, Recording, Reference, SessionMeta, Stream

CLASSES = ("flip", "truncate", "splice", "rezip", "header", "time", "bomb")

#: Values a header edit may put into a field.
HOSTILE_VALUES: tuple[Any, ...] = (
    None,
    "",
    "2",
    "fast",
    "elbow",
    "[/oops]",
    "\x1b[2J\x1b]0;x\x07",
    -1,
    0,
    1e308,
    10**25,
    -(10**19),
    [],
    [1, 2],
    {},
    {"a": {"b": {"c": [1]}}},
    True,
    "x" * 5000,
    1.5,
    "../../x",
)

_RATE = 100.0
_G = np.array([0.0, 0.0, 9.81])
_N = 1000  # 10 s at 100 Hz: enough for every reader, small enough to read in milliseconds


def _signal(rng: np.random.Generator, n: int = _N) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.arange(n) / _RATE
    acc = rng.normal(0, 1, (n, 3)) + _G
    gyr = rng.normal(0, 0.5, (n, 3))
    return t, acc, gyr


def _csv(header: str, cols: list[np.ndarray], fmt: str = "{:.6g}", sep: str = ",") -> bytes:
    rows = np.column_stack(cols)
    body = "\n".join(sep.join(fmt.format(v) for v in r) for r in rows)
    return (header + "\n" + body + "\n").encode()


def _zip(entries: dict[str, bytes], deflate: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED) as z:
        for n, b in entries.items():
            z.writestr(n, b)
    return buf.getvalue()


def _gaitrec(rng: np.random.Generator) -> bytes:
    from gait.io.canonical_format import recording_to_bytes

    t, acc, gyr = _signal(rng)
    streams = [
        Stream(
            placement="foot",
            side="left",
            t=t,
            acc=acc,
            gyr=gyr,
            rate=_RATE,
            device={"name": "IMU [a]"},
        ),
        Stream(placement="sacrum", side=None, t=t, acc=acc[::-1].copy(), gyr=None, rate=_RATE),
    ]
    ch = Channel("rsc", t[::100], {"speed": np.full(10, 3.0), "cadence": np.full(10, 170.0)})
    ref = Reference(
        kind="synthetic",
        events=pd.DataFrame(
            {
                "side": ["left", "right"] * 5,
                "t_ic": np.arange(10) * 0.9,
                "t_tc": np.arange(10) * 0.9 + 0.25,
            }
        ),
        tables={"bouts": pd.DataFrame({"t_start": [0.0], "t_end": [9.0]})},
        params={"seed": 1},
        source="fuzz seed",
    )
    meta = SessionMeta(activity="run", athlete="seed", notes="fuzz seed", extra={"k": [1, 2]})
    return recording_to_bytes(Recording(meta, streams, [ch], ref))


def _capture(path: Path, rng: np.random.Generator) -> None:
    from devices.capture import CaptureWriter
    from devices.decoders import make_encoder
    from devices.profiles import get_profile

    with CaptureWriter(path, meta={"activity": "run", "athlete": "seed"}, fsync_interval=0) as w:
        t0 = w.now_ns()
        for pid, placement, side in (
            ("polar-verity", "foot", "left"),
            ("gait-imu", "sacrum", None),
        ):
            p = get_profile(pid)
            d = w.add_device(
                f"AA:{pid}", f"{pid} unit", pid, placement, side, dict(p.characteristics)
            )
            enc = make_encoder(p, device_clock=float(rng.uniform(1e6, 7e8)))
            t = 0.5 + np.arange(int(5.0 * p.rate)) / p.rate
            acc = rng.normal(0, 1, (t.size, 3)) + _G
            gyr = rng.normal(0, 0.5, (t.size, 3))
            for cmd in p.start:
                for r in enc.respond(cmd.char, cmd.data):
                    w.write(d, p.uuid(r.char), r.data, t0)
            pk = enc.encode(t, acc, gyr, {})
            arrive = np.maximum.accumulate(
                np.array([x.t for x in pk]) + 0.004 + rng.exponential(0.004, len(pk))
            )
            for x, a in zip(pk, arrive, strict=True):
                w.write(d, p.uuid(x.char), x.data, t0 + int(a * 1e9))


def _fit() -> bytes:
    from garmin_fit_sdk import Encoder, Profile

    t0 = datetime(2026, 9, 7, 7, 0, tzinfo=UTC)
    enc = Encoder()
    enc.on_mesg(
        Profile["mesg_num"]["FILE_ID"],
        {
            "type": "activity",
            "manufacturer": "garmin",
            "product": 1,
            "time_created": t0,
            "serial_number": 1234,
        },
    )
    for i in range(60):
        enc.on_mesg(
            Profile["mesg_num"]["RECORD"],
            {
                "timestamp": t0 + timedelta(seconds=i),
                "cadence": 85,
                "fractional_cadence": 0.5,
                "stance_time": 250.0,
                "stance_time_balance": 50.8,
                "vertical_oscillation": 85.0,
                "step_length": 1100.0,
                "vertical_ratio": 7.5,
                "enhanced_speed": 3.2,
                "distance": 3.2 * i,
            },
        )
    return bytes(enc.close())


def _mat(path: Path, rng: np.random.Generator) -> None:
    from scipy.io import savemat

    t, acc, gyr = _signal(rng)
    wb = {
        "Start": 1.0,
        "End": 8.0,
        "NumberStrides": 6,
        "WalkingSpeed": 1.2,
        "Cadence": 100.0,
        "AverageStrideLength": 1.3,
        "InitialContact_Event": np.arange(1.0, 8.0),
        "InitialContact_LeftRight": np.array(["Left", "Right"] * 3 + ["Left"], dtype=object),
        "FinalContact_Event": np.arange(1.0, 8.0) + 0.6,
        "FinalContact_LeftRight": np.array(["Left", "Right"] * 3 + ["Left"], dtype=object),
    }
    trial = {
        "SU": {
            "LowerBack": {
                "Acc": acc[:, [2, 1, 0]] / 9.81,
                "Gyr": np.degrees(gyr),
                "Fs": {"Acc": 100.0},
                "Timestamp": 1.7e9 + t,
            }
        },
        "Standards": {"INDIP": {"MicroWB": wb}},
        "StartDateTime": "2023-11-14T22:13:20",
    }
    # Uncompressed, so byte flips reach the struct parsing rather than fail in zlib.
    savemat(path, {"data": {"TimeMeasure1": {"Test5": {"Trial1": trial}}}}, do_compression=False)


def seed_files(folder: Path, seed: int = 0) -> dict[str, Path]:
    """Write one small valid file per reader format into ``folder``.

    Parameters
    ----------
    folder : Path
        An existing folder; multi-file formats (IPOL, gaitmap) get their siblings there.
    seed : int
        Seed of the random signals.

    Returns
    -------
    dict of str to Path
        ``{format: file to mutate}``; every one reads without error.
    """
    rng = np.random.default_rng(seed)
    t, acc, gyr = _signal(rng)
    out: dict[str, Path] = {}

    def put(name: str, fmt: str, data: bytes) -> None:
        p = folder / name
        p.write_bytes(data)
        out[fmt] = p

    put("seed.gaitrec", "gaitrec", _gaitrec(rng))
    cap = folder / "seed.gaitcap"
    _capture(cap, rng)
    out["capture"] = cap
    put("seed.fit", "fit", _fit())
    mat = folder / "data.mat"
    _mat(mat, rng)
    out["mobgap"] = mat
    put("seed.csv", "csv", _csv("t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z", [t, acc, gyr]))
    ns = (1_700_000_000_000_000_000 + t * 1e9).astype(np.int64)
    sl = {
        "TotalAcceleration.csv": _sensorlogger_csv(ns, t, acc),
        "Gyroscope.csv": _sensorlogger_csv(ns, t, gyr),
        "Metadata.csv": b"device name,platform,appVersion\nPixel,android,1.0\n",
    }
    put("sensorlogger.zip", "sensorlogger", _zip(sl))
    put("TotalAcceleration.csv", "sensorlogger_csv", sl["TotalAcceleration.csv"])
    ph_head = (
        '"Time (s)","Acceleration x (m/s^2)","Acceleration y (m/s^2)","Acceleration z (m/s^2)"'
    )
    ph = _csv(ph_head, [t, acc])
    put("Raw Data.csv", "phyphox", ph)
    gy_head = '"Time (s)","Gyroscope x (rad/s)","Gyroscope y (rad/s)","Gyroscope z (rad/s)"'
    put(
        "phyphox.zip",
        "phyphox_zip",
        _zip(
            {
                "Accelerometer.csv": ph,
                "Gyroscope.csv": _csv(gy_head, [t, gyr]),
                "meta/time.csv": b"event,experiment time,system time\nSTART,0,1700000000\n",
            }
        ),
    )
    steps = np.floor(t * 1.8)
    ox = np.column_stack([(5e11 + t * 1e9).astype(np.int64), acc, steps, steps, steps])
    put(
        "u1_hand_1700000000000.csv",
        "oxford",
        "\n".join(
            ",".join([str(int(r[0]))] + [f"{v:.6g}" for v in r[1:4]] + [str(int(v)) for v in r[4:]])
            for r in ox
        ).encode()
        + b"\n",
    )
    head = "PacketCounter\tAcc_X\tAcc_Y\tAcc_Z\tGyr_X\tGyr_Y\tGyr_Z"
    for part in ("lf", "rf", "lb"):
        data = b"Acquisition frequency: 100 Hz\n" + _csv(
            head, [np.arange(_N) + 100.0, acc, gyr], sep="\t"
        )
        put(f"1-1_{part}.txt", f"ipol_{part}", data)
    put(
        "1-1.json",
        "ipol_json",
        json.dumps(
            {
                "LeftFootEvents": [[150, 200], [350, 400]],
                "RightFootEvents": [[250, 300]],
                "TrialBoundaries": [110, 900],
                "UTurnBoundaries": [500, 600],
                "Height": 175,
                "Subject": 1,
            }
        ).encode(),
    )
    for k in ("ipol_lf", "ipol_rf", "ipol_json"):
        out.pop(k)  # siblings of the trial; the lower-back file is the one mutated
    cols = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
    gm_head = (
        "sensor,"
        + ",".join(["left_sensor"] * 6 + ["right_sensor"] * 6)
        + "\naxis,"
        + ",".join(cols * 2)
    )
    put(
        "imu_sample.csv",
        "gaitmap",
        _csv(gm_head, [np.arange(_N), acc, np.degrees(gyr), acc, np.degrees(gyr)]),
    )
    (folder / "stride_events_sample.csv").write_bytes(
        b"s_id,foot,ic,tc\n0,left,100,160\n1,right,200,260\n"
    )
    return out


def _sensorlogger_csv(ns: np.ndarray, t: np.ndarray, xyz: np.ndarray) -> bytes:
    """Sensor Logger layout: integer ns epoch time, seconds elapsed, then z, y, x."""
    rows = (
        f"{a},{b:.6f},{z:.6g},{y:.6g},{x:.6g}"
        for a, b, (x, y, z) in zip(ns.tolist(), t, xyz, strict=True)
    )
    return ("time,seconds_elapsed,z,y,x\n" + "\n".join(rows) + "\n").encode()


# ---------------------------------------------------------------------------- mutations


def _flip(data: bytes, rng: np.random.Generator) -> bytes:
    b = bytearray(data)
    if not b:
        return bytes(b)
    for _ in range(int(rng.integers(1, 17))):
        b[int(rng.integers(0, len(b)))] = int(rng.integers(0, 256))
    return bytes(b)


def _truncate(data: bytes, rng: np.random.Generator) -> bytes:
    return data[: int(rng.integers(0, max(len(data), 1)))]


def _splice(data: bytes, rng: np.random.Generator) -> bytes:
    if len(data) < 2:
        return data + rng.bytes(8)
    a = int(rng.integers(0, len(data)))
    b = min(len(data), a + int(rng.integers(1, 2048)))
    mode = int(rng.integers(0, 3))
    if mode == 0:
        return data[:a] + data[b:]
    if mode == 1:
        return data[:b] + data[a:b] + data[b:]
    return data[:a] + rng.bytes(b - a) + data[b:]


def _entries(data: bytes) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return {n: z.read(n) for n in z.namelist()}
    except (
        zipfile.BadZipFile,
        OSError,
        KeyError,
        EOFError,
        zlib.error,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ):
        return None


def _rezip(data: bytes, rng: np.random.Generator) -> bytes:
    entries = _entries(data)
    if not entries:
        return _flip(data, rng)
    names = sorted(entries)
    victim = names[int(rng.integers(0, len(names)))]
    op = int(rng.integers(0, 5))
    if op == 0:
        entries[victim] = _flip(entries[victim], rng)
    elif op == 1:
        entries[victim] = _truncate(entries[victim], rng)
    elif op == 2:
        del entries[victim]
    elif op == 3 and victim.endswith(".parquet"):
        entries[victim] = _parquet_edit(entries[victim], rng)
    else:
        entries[victim] = _splice(entries[victim], rng)
    return _zip(entries, deflate=bool(rng.integers(0, 2)))


def _parquet_edit(data: bytes, rng: np.random.Generator) -> bytes:
    """Drop, retype or NaN a column of a Parquet table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError):
        return _flip(data, rng)
    if table.num_columns == 0:
        return data
    col = table.column_names[int(rng.integers(0, table.num_columns))]
    op = int(rng.integers(0, 4))
    if op == 0:
        table = table.drop_columns([col])
    elif op == 1:
        table = table.set_column(
            table.column_names.index(col), col, pa.array(["x"] * table.num_rows)
        )
    elif op == 2:
        arr = np.full(table.num_rows, np.nan)
        table = table.set_column(table.column_names.index(col), col, pa.array(arr))
    else:
        table = table.slice(0, int(rng.integers(0, max(table.num_rows, 1))))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())


def _json_edit(doc: Any, rng: np.random.Generator) -> Any:
    """Set, delete or add one field somewhere in a JSON document."""
    paths: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                paths.append((node, k))
                walk(v)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                paths.append((node, i))
                walk(v)

    walk(doc)
    if not paths or rng.random() < 0.05:
        return HOSTILE_VALUES[int(rng.integers(0, len(HOSTILE_VALUES)))]
    parent, key = paths[int(rng.integers(0, len(paths)))]
    op = rng.random()
    if op < 0.2 and isinstance(parent, dict):
        del parent[key]
    elif op < 0.3 and isinstance(parent, dict):
        parent["unknown_" + str(int(rng.integers(0, 99)))] = HOSTILE_VALUES[
            int(rng.integers(0, len(HOSTILE_VALUES)))
        ]
    else:
        parent[key] = HOSTILE_VALUES[int(rng.integers(0, len(HOSTILE_VALUES)))]
    return doc


def _capture_parts(data: bytes) -> tuple[dict[str, Any], bytes] | None:
    from devices.capture import MAGIC

    if data[: len(MAGIC)] != MAGIC or len(data) < 12:
        return None
    (hlen,) = struct.unpack_from("<I", data, 8)
    try:
        return json.loads(data[12 : 12 + hlen]), data[12 + hlen + 4 :]
    except ValueError:
        return None


def _capture_bytes(header: Any, records: bytes) -> bytes:
    from devices.capture import MAGIC

    hb = json.dumps(header).encode()
    return MAGIC + struct.pack("<I", len(hb)) + hb + struct.pack("<I", zlib.crc32(hb)) + records


def capture_record(rtype: bytes, body: bytes) -> bytes:
    """One capture record with a valid checksum (see :mod:`devices.capture`)."""
    from devices.capture import SYNC

    head = struct.pack("<2sBI", SYNC, rtype[0], len(body))
    return head + body + struct.pack("<I", zlib.crc32(body, zlib.crc32(head[2:])))


def _header(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    if fmt == "gaitrec":
        entries = _entries(data)
        if entries and "recording.json" in entries:
            try:
                doc = json.loads(entries["recording.json"])
            except ValueError:
                doc = {}
            entries["recording.json"] = json.dumps(_json_edit(doc, rng)).encode()
            return _zip(entries, deflate=False)
    if fmt == "capture" and (parts := _capture_parts(data)) is not None:
        header, records = parts
        if rng.random() < 0.5:
            return _capture_bytes(_json_edit(header, rng), records)
        dev = {
            "index": 0,
            "address": "AA",
            "name": "x",
            "profile": "polar-verity",
            "placement": "foot",
            "side": "left",
            "characteristics": {},
            "info": {},
        }
        return _capture_bytes(
            header, capture_record(b"D", json.dumps(_json_edit(dev, rng)).encode()) + records
        )
    if fmt in ("ipol_lb",) and rng.random() < 0.3:
        return (
            b"Acquisition frequency: "
            + str(HOSTILE_VALUES[int(rng.integers(0, len(HOSTILE_VALUES)))]).encode()
            + b" Hz\n"
            + data.split(b"\n", 1)[-1]
        )
    # Text formats: rename, drop or duplicate a header column.
    lines = data.split(b"\n", 2)
    if len(lines) < 2:
        return _flip(data, rng)
    i = 1 if fmt in ("ipol_lb", "gaitmap") else 0
    sep = b"\t" if fmt == "ipol_lb" else b","
    cells = lines[i].split(sep)
    j = int(rng.integers(0, len(cells)))
    op = int(rng.integers(0, 3))
    if op == 0:
        cells[j] = str(HOSTILE_VALUES[int(rng.integers(0, len(HOSTILE_VALUES)))]).encode()
    elif op == 1:
        del cells[j]
    else:
        cells.insert(j, cells[j])
    lines[i] = sep.join(cells)
    return b"\n".join(lines)


def _time(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    """Edit the first column of a text table (its time for every text format here)."""
    if fmt in ("gaitrec", "capture", "fit", "mobgap", "sensorlogger", "phyphox_zip"):
        return _flip(data, rng)
    skip = {"ipol_lb": 2, "gaitmap": 2, "oxford": 0}.get(fmt, 1)
    lines = data.decode(errors="replace").split("\n")
    sep = "\t" if fmt == "ipol_lb" else ","
    body = [ln for ln in lines[skip:] if ln]
    if len(body) < 3:
        return data
    try:
        col = np.array([float(ln.split(sep)[0]) for ln in body])
    except ValueError:
        return data
    op = int(rng.integers(0, 6))
    k = int(rng.integers(1, len(col) - 1))
    if op == 0:
        col[k] = col[k - 1]  # an isolated repeat
    elif op == 1:
        col[[k, k + 1]] = col[[k + 1, k]]  # a swap
    elif op == 2:
        col = col * float(rng.choice([1e3, 1e6, 1e9]))  # another unit
    elif op == 3:
        col = col + float(rng.choice([1.7e9, 1.7e12, 1.7e18]))  # epoch
    elif op == 4:
        col[k:] += float(rng.choice([-5.0, 1e6, 1e12]))  # a jump
    else:
        col[int(rng.integers(0, len(col)))] = float(rng.choice([np.nan, np.inf, -1e300, 1e300]))
    new = []
    for v, ln in zip(col, body, strict=True):
        as_int = fmt == "oxford" and np.isfinite(v) and abs(v) < 2**63
        first = str(int(v)) if as_int else repr(float(v))
        new.append(sep.join([first, *ln.split(sep)[1:]]))
    return ("\n".join(lines[:skip] + new) + "\n").encode()


#: Size bombs and the file name each is written under.
BOMBS = {
    "parquet_rows": "bomb.gaitrec",
    "zip_entry": "bomb.zip",
    "fake_sync": "bomb.gaitcap",
    "device_repeats": "bomb.gaitcap",
    "tiny_step": "bomb.csv",
    "epoch_ns": "bomb.csv",
}


def _bomb(rng: np.random.Generator, cache: dict[str, bytes]) -> tuple[bytes, str]:
    """A small file declaring a huge amount of work (cached: building one takes a second)."""
    kinds = sorted(BOMBS)
    kind = kinds[int(rng.integers(0, len(kinds)))]
    if kind not in cache:
        cache[kind] = _build_bomb(kind)
    data = cache[kind]
    # Keep most bombs intact (they must be refused as built); damage a few more.
    return (data if rng.random() < 0.7 else _flip(data, rng)), BOMBS[kind]


def _build_bomb(kind: str) -> bytes:
    if kind == "parquet_rows":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([(c, pa.float64()) for c in ("t", "acc_x", "acc_y", "acc_z")])
        one = pa.table({c: np.zeros(1_000_000) for c in schema.names}, schema=schema)
        sink = pa.BufferOutputStream()
        with pq.ParquetWriter(sink, schema, compression="zstd") as w:
            for _ in range(25):
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
        return _zip(
            {
                "recording.json": json.dumps(header).encode(),
                "streams/foot_left.parquet": sink.getvalue().to_pybytes(),
            },
            deflate=False,
        )
    if kind == "zip_entry":
        return zip_bomb("TotalAcceleration.csv", b"time,seconds_elapsed,z,y,x\n", 3 << 30)
    if kind == "fake_sync":
        from devices.capture import SYNC

        header = {
            "format": "gait-capture",
            "version": 1,
            "start_time_ns": 1_700_000_000_000_000_000,
            "meta": {},
        }
        return _capture_bytes(header, (SYNC + b"D" + struct.pack("<I", 60_000)) * 400_000)
    if kind == "device_repeats":
        header = {
            "format": "gait-capture",
            "version": 1,
            "start_time_ns": 1_700_000_000_000_000_000,
            "meta": {},
        }
        dev = {
            "index": 0,
            "address": "AA",
            "name": "x",
            "profile": "polar-verity",
            "placement": "foot",
            "side": "left",
        }
        return _capture_bytes(header, capture_record(b"D", json.dumps(dev).encode()) * 20_000)
    n = 2000
    rng = np.random.default_rng(0)
    acc = rng.normal(0, 1, (n, 3)) + _G
    if kind == "tiny_step":
        t = np.concatenate([np.arange(n - 1) * 1e-6, [25_000.0]])
    else:  # epoch ns in a 't' column
        t = 1.7e18 + np.arange(n) * 1e7
    return _csv("t,acc_x,acc_y,acc_z", [t, acc], "{!r}")


def zip_bomb(name: str, head: bytes, size: int) -> bytes:
    """A one-entry ZIP whose deflated entry ``name`` (``head``, zeros) inflates to ``size`` bytes.

    The deflate stream is built from one compressed MiB of zeros repeated, so making a
    3 GB bomb takes milliseconds; the CRC field is left 0 (a reader must refuse it before).
    """
    mib = 1 << 20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    block_c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = block_c.compress(b"0" * mib) + block_c.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = tail.compress(b"") + tail.flush()
    count = (size - len(head)) // mib
    body = first + block * count + last
    total = len(head) + count * mib
    nm = name.encode()
    size32 = min(total, 0xFFFFFFFF)
    local = (
        struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, 0, len(body), size32, len(nm), 0)
        + nm
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
            0,
            len(body),
            size32,
            len(nm),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + nm
    )
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(body), 0)
    return local + body + central + end


_MUTATORS: dict[str, Callable[[bytes, np.random.Generator], bytes]] = {
    "flip": _flip,
    "truncate": _truncate,
    "splice": _splice,
    "rezip": _rezip,
}


def mutant(
    data: bytes,
    fmt: str,
    kind: str,
    rng: np.random.Generator,
    cache: dict[str, bytes] | None = None,
) -> tuple[bytes, str | None]:
    """A damaged or hostile variant of a seed file.

    Parameters
    ----------
    data : bytes
        The seed file's bytes.
    fmt : str
        Its format key from :func:`seed_files`.
    kind : str
        One of :data:`CLASSES`.
    rng : numpy.random.Generator
        Source of randomness.
    cache : dict, optional
        Reused bombs (building one takes up to a second).

    Returns
    -------
    data : bytes
        The mutated file.
    name : str or None
        File name to write it under (bombs have their own format), or None for the seed's.
    """
    if kind == "bomb":
        return _bomb(rng, cache if cache is not None else {})
    if kind == "header":
        out = _header(data, fmt, rng)
    elif kind == "time":
        out = _time(data, fmt, rng)
    elif kind == "rezip" and not data.startswith(b"PK"):
        out = _splice(data, rng)
    else:
        out = _MUTATORS[kind](data, rng)
    if fmt == "fit" and rng.random() < 0.7:
        out = _fit_checksums(out)  # so most mutants get past the CRC into the decoder
    return out, None


def _fit_checksums(data: bytes) -> bytes:
    """Recompute a FIT file's header CRC (bytes 12-13) and trailing file CRC."""
    from garmin_fit_sdk.crc_calculator import CrcCalculator

    if len(data) < 16:
        return data
    b = bytearray(data)
    if b[0] >= 14:
        b[12:14] = struct.pack("<H", CrcCalculator.calculate_crc(bytes(b), 0, 12))
    b[-2:] = struct.pack("<H", CrcCalculator.calculate_crc(bytes(b), 0, len(b) - 2))
    return bytes(b)

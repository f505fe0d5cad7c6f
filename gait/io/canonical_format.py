"""The canonical recording file, ``*.gaitrec``: a ZIP of Parquet tables plus one JSON.

Layout inside the archive (entries are *stored*, not deflated: Parquet compresses
itself, and stored entries can be read without copying):

``recording.json``
    Format name and version, session metadata, one descriptor per stream and channel,
    and the reference's kind, source and parameters.
``streams/<name>.parquet``
    Columns ``t, acc_x, acc_y, acc_z`` and, when present, ``gyr_x, gyr_y, gyr_z``
    (float64, SI units: s, m/s², rad/s).
``channels/<name>.parquet``
    ``t`` plus one column per low-rate series.
``reference/events.parquet`` and ``reference/<table>.parquet``
    The reference step events and further tables.

Every table reads with pandas alone::

    import zipfile, pandas as pd
    with zipfile.ZipFile("run.gaitrec") as z:
        foot = pd.read_parquet(z.open("streams/foot_left.parquet"))

The round trip is lossless: float64 values are stored unchanged and the JSON keeps
floats exactly (Python writes the shortest repr that round-trips).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from devices.schema import Field, Obj, SchemaError, opt, req, validate
from gait.contract.errors import (
    BadValueError,
    HeaderError,
    InputFileError,
    LimitError,
    MissingColumnError,
    TimeOrderError,
    TruncatedFileError,
)
from gait.contract.recording import (
    ACTIVITIES,
    PLACEMENTS,
    SIDES,
    Channel,
    Recording,
    Reference,
    SessionMeta,
    Stream,
)
from gait.io._bundle import ZIP_ERRORS
from gait.io.limits import MAX_RATE_HZ, MAX_STREAMS, check_decoded, check_rows

FORMAT_NAME = "gaitrec"
FORMAT_VERSION = 1
SUFFIX = ".gaitrec"
_ACC = ["acc_x", "acc_y", "acc_z"]
_GYR = ["gyr_x", "gyr_y", "gyr_z"]


#: Largest ``recording.json`` accepted, bytes (a real one is a few KB).
MAX_HEADER_BYTES = 1 << 20
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


def _entry_name(value: str) -> str | None:
    """A problem with a stream/channel/table name used in an entry path, or None."""
    return (
        None
        if _NAME.match(value)
        else "must be 1-64 letters, digits, '_', '.' or '-' (it names a ZIP entry)"
    )


_META = Obj(
    {
        "activity": Field((str,), required=False, choices=ACTIVITIES),
        "athlete": opt(str),
        "start_time": opt(str),
        "treadmill_speed": opt(float, low=0.0, high=30.0),
        "height": opt(float, low=0.0, high=3.0),
        "leg_length": opt(float, low=0.0, high=2.0),
        "source": Field((str,), required=False),
        "notes": Field((str,), required=False),
        "extra": Field((dict,), required=False),
    }
)
_STREAM = Obj(
    {
        "name": req(str, check=_entry_name),
        "placement": req(str, choices=PLACEMENTS),
        "side": opt(str, choices=SIDES),
        "rate": req(float, low=0.0, high=MAX_RATE_HZ),
        "device": Field((dict,), required=False),
        "mount": opt(str),
        "acc_range": opt(float, low=0.0),
        "gyr_range": opt(float, low=0.0),
        "has_gyr": req(bool),
    }
)
_CHANNEL = Obj({"name": req(str, check=_entry_name), "device": Field((dict,), required=False)})
_REFERENCE = Obj(
    {
        "kind": req(str, choices=("synthetic", "measured")),
        "source": Field((str,), required=False),
        "params": Field((dict,), required=False),
        "tables": Field((list,), required=False, items=req(str, check=_entry_name)),
    }
)


def _unique_names(items: list[dict[str, Any]]) -> str | None:
    names = [d.get("name") for d in items if isinstance(d, dict)]
    dup = next((n for n in names if names.count(n) > 1), None)
    return None if dup is None else f"name {dup!r} appears more than once"


#: Schema of ``recording.json`` (format version 1).
HEADER_SCHEMA = Obj(
    {
        "format": req(str, choices=(FORMAT_NAME,)),
        "version": req(int, choices=(FORMAT_VERSION,)),
        "meta": req(dict, schema=_META),
        "streams": req(list, items=req(dict, schema=_STREAM), check=_unique_names, high=None),
        "channels": Field(
            (list,), required=False, items=req(dict, schema=_CHANNEL), check=_unique_names
        ),
        "reference": opt(dict, schema=_REFERENCE),
    }
)


def validate_header(doc: Any, path: str | Path) -> dict[str, Any]:
    """Check a parsed ``recording.json`` against :data:`HEADER_SCHEMA`.

    Parameters
    ----------
    doc : Any
        What ``json.loads`` returned.
    path : str or Path
        The file, for the message.

    Returns
    -------
    dict
        ``doc``, known to fit the schema.

    Raises
    ------
    HeaderError
        Naming the first field that does not fit.
    """
    try:
        validate(doc, HEADER_SCHEMA)
    except SchemaError as exc:
        raise HeaderError(path, exc.problem, field=exc.field) from None
    if len(doc["streams"]) > MAX_STREAMS:
        raise LimitError(path, f"{len(doc['streams'])} streams", limit="MAX_STREAMS")
    return doc


def _table_bytes(table: pa.Table) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    # zstd at a low level keeps writing fast while shrinking the timestamp columns.
    pq.write_table(table, sink, compression="zstd", compression_level=1)
    return sink.getvalue()


def _stream_table(s: Stream) -> pa.Table:
    cols: dict[str, Any] = {"t": s.t}
    for i, c in enumerate(_ACC):
        cols[c] = s.acc[:, i]
    if s.gyr is not None:
        for i, c in enumerate(_GYR):
            cols[c] = s.gyr[:, i]
    return pa.table(cols)


def _frame_table(df: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(df, preserve_index=False)


def write_recording(rec: Recording, path: str | Path) -> Path:
    """Write ``rec`` to ``path`` as a ``.gaitrec`` file, atomically.

    Parameters
    ----------
    rec : Recording
        The recording to save.
    path : str or Path
        Destination; the parent folder must exist. Written to a temporary file first and
        renamed, so an interrupted write never leaves a half file at ``path``.

    Returns
    -------
    Path
        The written path.
    """
    path = Path(path)
    header: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "meta": asdict(rec.meta),
        "streams": [
            {
                "name": s.name,
                "placement": s.placement,
                "side": s.side,
                "rate": s.rate,
                "device": s.device,
                "mount": s.mount,
                "acc_range": s.acc_range,
                "gyr_range": s.gyr_range,
                "has_gyr": s.gyr is not None,
            }
            for s in rec.streams
        ],
        "channels": [{"name": c.name, "device": c.device} for c in rec.channels],
        "reference": None,
    }
    entries: list[tuple[str, pa.Buffer | bytes]] = []
    for s in rec.streams:
        entries.append((f"streams/{s.name}.parquet", _table_bytes(_stream_table(s))))
    for c in rec.channels:
        entries.append((f"channels/{c.name}.parquet", _table_bytes(pa.table(c.to_frame()))))
    if rec.reference is not None:
        ref = rec.reference
        header["reference"] = {
            "kind": ref.kind,
            "source": ref.source,
            "params": ref.params,
            "tables": sorted(ref.tables),
        }
        entries.append(("reference/events.parquet", _table_bytes(_frame_table(ref.events))))
        for name, df in ref.tables.items():
            entries.append((f"reference/{name}.parquet", _table_bytes(_frame_table(df))))
    blob = json.dumps(header, indent=1, allow_nan=True).encode()

    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as z:
            z.writestr(_entry("recording.json"), blob)
            for name, data in entries:
                with z.open(_entry(name), "w", force_zip64=True) as out:
                    out.write(memoryview(data))
        # mkstemp creates 0600; give the file the mode a plain open() would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:  # any exit: no temporary file left behind; re-raised
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _entry(name: str) -> zipfile.ZipInfo:
    """A stored entry with a fixed date, so equal recordings give byte-identical files."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def _entry_bytes(z: zipfile.ZipFile, name: str, path: Path) -> bytes:
    try:
        info = z.getinfo(name)
    except KeyError:
        raise TruncatedFileError(
            path, f"entry {name!r} listed in recording.json is missing"
        ) from None
    check_decoded(path, f"entry {name!r}", info.file_size, info.compress_size)
    try:
        return z.read(name)
    except KeyError:
        raise TruncatedFileError(
            path, f"entry {name!r} listed in recording.json is missing"
        ) from None
    except ZIP_ERRORS as exc:
        raise TruncatedFileError(path, f"entry {name!r} is damaged: {exc}") from None


def _parquet(data: bytes, name: str, path: Path) -> pq.ParquetFile:
    """Open a Parquet entry after checking the sizes its footer declares.

    The footer states the row count and each row group's uncompressed size; both are
    checked against :mod:`gait.io.limits` before any column is decoded, so a few KB of
    constant-value pages cannot unpack into gigabytes.
    """
    try:
        pf = pq.ParquetFile(pa.BufferReader(data))
        md = pf.metadata
        rows, ncols = int(md.num_rows), int(md.num_columns)
        declared = sum(
            max(int(md.row_group(i).total_byte_size), 0) for i in range(md.num_row_groups)
        )
    except (pa.ArrowException, OSError, ValueError, IndexError) as exc:
        raise InputFileError(path, f"entry {name!r} is not valid Parquet: {exc}") from None
    check_rows(path, f"entry {name!r}", rows)
    check_decoded(path, f"entry {name!r}", max(declared, rows * ncols * 8), len(data))
    return pf


def _read_table(z: zipfile.ZipFile, name: str, path: Path) -> pd.DataFrame:
    """A small Parquet entry (channel, reference table) as a DataFrame."""
    data = _entry_bytes(z, name, path)
    pf = _parquet(data, name, path)
    try:
        return pf.read(use_threads=False).to_pandas()
    except (pa.ArrowException, OSError, ValueError, TypeError, OverflowError, KeyError) as exc:
        # KeyError: damaged pandas metadata in the schema (pyarrow reads it unchecked).
        raise InputFileError(path, f"entry {name!r} is not valid Parquet: {exc}") from None


#: Rows decoded per Parquet batch when a stream is read whole.
_READ_BATCH_ROWS = 65536


def _read_columns(
    z: zipfile.ZipFile, name: str, path: Path, groups: list[list[str]]
) -> list[np.ndarray]:
    """Column groups of a stream entry as float64 arrays, decoded a batch of rows at a time.

    Only one stream's compressed bytes and one batch of decoded rows are alive besides the
    output, which keeps the peak memory of reading a long session near its final size.
    (Batches also decode about three times faster than whole columns.)
    """
    data = _entry_bytes(z, name, path)
    pf = _parquet(data, name, path)
    schema = pf.schema_arrow
    have = set(schema.names)
    for c in (c for cols in groups for c in cols):
        if c not in have:
            raise MissingColumnError(path, f"entry {name!r} has no column {c!r}", column=c)
    try:
        for c in (c for cols in groups for c in cols):
            typ = schema.field(c).type
            if not (pa.types.is_floating(typ) or pa.types.is_integer(typ)):
                raise BadValueError(path, f"entry {name!r}: column is {typ}, not numeric", column=c)
        rows = pf.metadata.num_rows
        out = [np.empty((rows, len(cols)), dtype=np.float64) for cols in groups]
        flat = [(k, i, c) for k, cols in enumerate(groups) for i, c in enumerate(cols)]
        names = [c for _, _, c in flat]
        r0 = 0
        for batch in pf.iter_batches(batch_size=_READ_BATCH_ROWS, columns=names, use_threads=False):
            r1 = r0 + batch.num_rows
            if r1 > rows:
                raise ValueError(f"more rows than the {rows} declared")
            for j, (k, i, _) in enumerate(flat):
                out[k][r0:r1, i] = batch.column(j).to_numpy(zero_copy_only=False)
            r0 = r1
        if r0 != rows:
            raise ValueError(f"{r0} rows, {rows} declared")
        return out
    except (pa.ArrowException, OSError, KeyError, ValueError, TypeError) as exc:
        raise InputFileError(path, f"entry {name!r} is not valid Parquet: {exc}") from None


def is_canonical(path: str | Path) -> bool:
    """True when ``path`` looks like a ``.gaitrec`` archive (checks the ZIP magic and entry)."""
    try:
        with zipfile.ZipFile(path) as z:
            return "recording.json" in z.namelist()
    except ZIP_ERRORS:
        return False


def read_recording(path: str | Path) -> Recording:
    """Read a ``.gaitrec`` file written by :func:`write_recording`.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    Recording

    Raises
    ------
    InputFileError
        The file is not a gaitrec archive, is truncated, or its header is inconsistent.
    """
    path = Path(path)
    with open_archive(path) as z:
        header = read_header(z, path)
        streams = []
        for d in header["streams"]:
            groups = [["t"], _ACC] + ([_GYR] if d["has_gyr"] else [])
            t2, acc, *rest = _read_columns(z, f"streams/{d['name']}.parquet", path, groups)
            t_col = t2[:, 0]
            if t_col.size and (not np.isfinite(t_col).all() or not (np.diff(t_col) > 0).all()):
                raise TimeOrderError(
                    path, f"stream {d['name']!r}: times are not finite and increasing", column="t"
                )
            gyr = rest[0] if rest else None
            streams.append(
                Stream(
                    placement=d["placement"],
                    side=d.get("side"),
                    t=t_col,
                    acc=acc,
                    gyr=gyr,
                    rate=float(d["rate"]),
                    device=d.get("device") or {},
                    mount=d.get("mount"),
                    acc_range=d.get("acc_range"),
                    gyr_range=d.get("gyr_range"),
                    name=d["name"],
                )
            )
        channels = read_channels(z, header, path)
        reference = read_reference(z, header, path)
    return Recording(
        meta=SessionMeta(**header["meta"]), streams=streams, channels=channels, reference=reference
    )


def open_archive(path: Path) -> zipfile.ZipFile:
    """Open a ``.gaitrec`` ZIP, with typed errors for a truncated or unreadable file."""
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise TruncatedFileError(path, "not a complete .gaitrec (ZIP) archive") from None
    except ZIP_ERRORS as exc:
        raise InputFileError(
            path, f"cannot open: {getattr(exc, 'strerror', None) or exc}"
        ) from None


def read_header(z: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    """``recording.json`` of an open archive, size-checked and schema-validated."""
    try:
        info = z.getinfo("recording.json")
    except KeyError:
        raise InputFileError(path, "no recording.json inside; not a .gaitrec file") from None
    if info.file_size > MAX_HEADER_BYTES:
        raise LimitError(
            path, f"recording.json declares {info.file_size} bytes", limit="MAX_HEADER_BYTES"
        )
    raw = _entry_bytes(z, "recording.json", path)
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise HeaderError(
            path, f"recording.json is not valid UTF-8 JSON: {exc}", field="recording.json"
        ) from None
    validate_header(header, path)
    return header


def read_channels(z: zipfile.ZipFile, header: dict[str, Any], path: Path) -> list[Channel]:
    """The channels listed in a validated header."""
    channels = []
    for d in header.get("channels", []):
        where = f"channels/{d['name']}.parquet"
        df = _read_table(z, where, path)
        if "t" not in df:
            raise MissingColumnError(path, f"entry {where!r} has no time column", column="t")
        t = df.pop("t").to_numpy()
        try:
            channels.append(
                Channel(
                    name=d["name"],
                    t=t,
                    values={str(k): df[k].to_numpy() for k in df},
                    device=d.get("device") or {},
                )
            )
        except (ValueError, TypeError) as exc:
            raise BadValueError(path, f"entry {where!r}: {exc}") from None
    return channels


def read_reference(z: zipfile.ZipFile, header: dict[str, Any], path: Path) -> Reference | None:
    """The reference listed in a validated header, or None."""
    reference = None
    if (r := header.get("reference")) is not None:
        events = _read_table(z, "reference/events.parquet", path)
        for c in ("side", "t_ic"):
            if len(events) and c not in events:
                raise MissingColumnError(
                    path, "entry 'reference/events.parquet' lacks a column", column=c
                )
        if len(events) and events["t_ic"].dtype.kind not in "fiu":
            raise BadValueError(
                path, "entry 'reference/events.parquet': t_ic is not numeric", column="t_ic"
            )
        tables = {n: _read_table(z, f"reference/{n}.parquet", path) for n in r.get("tables", [])}
        reference = Reference(
            kind=r["kind"],
            events=events,
            tables=tables,
            params=r.get("params") or {},
            source=r.get("source", ""),
        )
    return reference


def recording_to_bytes(rec: Recording) -> bytes:
    """Serialise to bytes (for tests and network transfer); same layout as the file."""
    with tempfile.TemporaryDirectory() as d:
        p = write_recording(rec, Path(d) / ("x" + SUFFIX))
        return p.read_bytes()


__all__ = ["SUFFIX", "is_canonical", "read_recording", "recording_to_bytes", "write_recording"]

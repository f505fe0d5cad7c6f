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
import tempfile
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from gait.errors import InputFileError, TruncatedFileError
from gait.recording import Channel, Recording, Reference, SessionMeta, Stream

FORMAT_NAME = "gaitrec"
FORMAT_VERSION = 1
SUFFIX = ".gaitrec"
_ACC = ["acc_x", "acc_y", "acc_z"]
_GYR = ["gyr_x", "gyr_y", "gyr_z"]


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
    except BaseException:
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
        return z.read(name)
    except KeyError:
        raise TruncatedFileError(path, f"entry {name!r} listed in recording.json is missing") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise TruncatedFileError(path, f"entry {name!r} is damaged: {exc}") from None


def _read_table(z: zipfile.ZipFile, name: str, path: Path) -> pa.Table:
    """A small Parquet entry (channel, reference table) as an Arrow table."""
    data = _entry_bytes(z, name, path)
    try:
        return pq.read_table(pa.BufferReader(data))
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(path, f"entry {name!r} is not valid Parquet: {exc}") from None


def _read_columns(z: zipfile.ZipFile, name: str, path: Path, groups: list[list[str]]) -> list[np.ndarray]:
    """Column groups of a stream entry as float64 arrays, decoding one column at a time.

    Only one stream's compressed bytes and one decoded column are alive besides the
    output, which keeps the peak memory of reading a long session near its final size.
    """
    data = _entry_bytes(z, name, path)
    try:
        pf = pq.ParquetFile(pa.BufferReader(data))
        out = []
        for cols in groups:
            arr = np.empty((pf.metadata.num_rows, len(cols)), dtype=np.float64)
            for i, c in enumerate(cols):
                arr[:, i] = pf.read(columns=[c], use_threads=False).column(0).to_numpy()
            out.append(arr)
        return out
    except (pa.ArrowInvalid, OSError, KeyError) as exc:
        raise InputFileError(path, f"entry {name!r} is not valid Parquet: {exc}") from None


def is_canonical(path: str | Path) -> bool:
    """True when ``path`` looks like a ``.gaitrec`` archive (checks the ZIP magic and entry)."""
    try:
        with zipfile.ZipFile(path) as z:
            return "recording.json" in z.namelist()
    except (zipfile.BadZipFile, OSError):
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
    try:
        z = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise TruncatedFileError(path, "not a complete .gaitrec (ZIP) archive") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot open: {exc.strerror or exc}") from None
    with z:
        try:
            header = json.loads(z.read("recording.json"))
        except KeyError:
            raise InputFileError(path, "no recording.json inside; not a .gaitrec file") from None
        except (json.JSONDecodeError, zipfile.BadZipFile) as exc:
            raise InputFileError(path, f"recording.json is corrupt: {exc}") from None
        if header.get("format") != FORMAT_NAME or header.get("version", 0) > FORMAT_VERSION:
            raise InputFileError(
                path, f"unsupported format {header.get('format')!r} v{header.get('version')}"
            )
        streams = []
        for d in header["streams"]:
            groups = [["t"], _ACC] + ([_GYR] if d["has_gyr"] else [])
            t2, acc, *rest = _read_columns(z, f"streams/{d['name']}.parquet", path, groups)
            t_col = t2[:, 0]
            gyr = rest[0] if rest else None
            streams.append(
                Stream(
                    placement=d["placement"],
                    side=d["side"],
                    t=t_col,
                    acc=acc,
                    gyr=gyr,
                    rate=d["rate"],
                    device=d["device"],
                    mount=d["mount"],
                    acc_range=d["acc_range"],
                    gyr_range=d["gyr_range"],
                    name=d["name"],
                )
            )
        channels = []
        for d in header["channels"]:
            df = _read_table(z, f"channels/{d['name']}.parquet", path).to_pandas()
            t = df.pop("t").to_numpy()
            channels.append(
                Channel(name=d["name"], t=t, values={k: df[k].to_numpy() for k in df}, device=d["device"])
            )
        reference = None
        if (r := header.get("reference")) is not None:
            events = _read_table(z, "reference/events.parquet", path).to_pandas()
            tables = {
                n: _read_table(z, f"reference/{n}.parquet", path).to_pandas() for n in r["tables"]
            }
            reference = Reference(
                kind=r["kind"], events=events, tables=tables, params=r["params"], source=r["source"]
            )
    return Recording(
        meta=SessionMeta(**header["meta"]), streams=streams, channels=channels, reference=reference
    )


def recording_to_bytes(rec: Recording) -> bytes:
    """Serialise to bytes (for tests and network transfer); same layout as the file."""
    with tempfile.TemporaryDirectory() as d:
        p = write_recording(rec, Path(d) / ("x" + SUFFIX))
        return p.read_bytes()


__all__ = ["SUFFIX", "is_canonical", "read_recording", "recording_to_bytes", "write_recording"]

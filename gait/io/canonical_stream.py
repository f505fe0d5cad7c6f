"""A ``.gaitrec`` opened without loading its samples: analysis memory independent of length.

:func:`open_recording` returns a :class:`~gait.contract.recording.Recording` whose streams are
:class:`FileStream` objects. Metadata, channels and the reference are read at once (they are
small); the samples stay in the file. :meth:`FileStream.windows` then hands out the stream as
consecutive overlapping pieces, decoding the Parquet pages once and in order, so only one piece
(about ten minutes of one sensor) is in memory at a time. The batch pipeline uses it for long
streams (see :func:`gait.analysis.pipeline.analyze`); anything else that touches ``t``, ``acc``
or ``gyr`` loads the whole stream, exactly as :func:`gait.io.canonical_format.read_recording` would.

The archive's entries are *stored* (see :mod:`gait.io.canonical_format`), so a stream's Parquet
bytes are one contiguous range of the file and are read in place through a small file window.
"""

from __future__ import annotations

import io
import queue
import struct
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from gait.contract.errors import InputFileError, TruncatedFileError
from gait.contract.recording import FloatArray, Recording, SessionMeta, Stream
from gait.io.canonical_format import (
    _ACC,
    _GYR,
    _entry_bytes,
    _read_columns,
    open_archive,
    read_channels,
    read_header,
    read_reference,
)
from gait.io.limits import check_rows

#: Rows decoded per Parquet batch (about 1.5 MB of one stream at 7 columns).
BATCH_ROWS = 32768
#: Batches decoded ahead of the analysis (about 6 MB at 7 columns).
AHEAD = 4
#: Read buffer per column chunk, bytes.
BUFFER_BYTES = 1 << 20
#: Size of a ZIP local file header before its name and extra field, bytes.
_LOCAL_HEADER = 30


class UnorderedStreamError(InputFileError):
    """A stream has non-finite samples or time stamps out of order: read it whole instead."""


class _Window(io.RawIOBase):
    """Read-only, seekable view of bytes ``[offset, offset + size)`` of a file."""

    def __init__(self, path: Path, offset: int, size: int) -> None:
        super().__init__()
        self._f = open(path, "rb")  # closed in close()
        self._offset, self._size, self._pos = offset, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, min(self._size, base + pos))
        return self._pos

    def readinto(self, b: Any) -> int:
        n = min(len(b), self._size - self._pos)
        if n <= 0:
            return 0
        self._f.seek(self._offset + self._pos)
        got = self._f.readinto(memoryview(b)[:n]) or 0
        self._pos += got
        return got

    def close(self) -> None:
        self._f.close()
        super().close()


class FileStream(Stream):
    """A stream of a ``.gaitrec`` whose samples stay in the file until asked for.

    ``t``, ``acc`` and ``gyr`` load (and keep) the whole stream on first access; ``n``,
    ``duration`` and ``has_gyr`` come from the file's metadata; :meth:`windows` reads it piece
    by piece.
    """

    def __init__(
        self,
        path: Path,
        entry: str,
        desc: dict[str, Any],
        span: tuple[int, float, float],
        location: tuple[int, int] | None,
    ) -> None:
        # Stream's dataclass __init__ would need the arrays: set the metadata fields directly.
        self.placement = desc["placement"]
        self.side = desc["side"]
        self.rate = float(desc["rate"])
        self.device = desc["device"]
        self.mount = desc["mount"]
        self.acc_range = desc["acc_range"]
        self.gyr_range = desc["gyr_range"]
        self.name = desc["name"]
        self._path, self._entry, self._location = path, entry, location
        self._has_gyr = bool(desc["has_gyr"])
        self._n, self._t_first, self._t_last = span
        self._data: tuple[FloatArray, FloatArray, FloatArray | None] | None = None

    # ---- the arrays, loaded whole on demand
    def _load(self) -> tuple[FloatArray, FloatArray, FloatArray | None]:
        if self._data is None:
            with zipfile.ZipFile(self._path) as z:
                groups = [["t"], _ACC] + ([_GYR] if self._has_gyr else [])
                t2, acc, *rest = _read_columns(z, self._entry, self._path, groups)
            self._data = (np.ascontiguousarray(t2[:, 0]), acc, rest[0] if rest else None)
        return self._data

    @property
    def t(self) -> FloatArray:
        """Sample times, s (read from the file on first use)."""
        return self._load()[0]

    @t.setter
    def t(self, value: FloatArray) -> None:
        self._data = (value, *self._load()[1:])

    @property
    def acc(self) -> FloatArray:
        """Acceleration, (n, 3) m/s² (read from the file on first use)."""
        return self._load()[1]

    @acc.setter
    def acc(self, value: FloatArray) -> None:
        t, _, g = self._load()
        self._data = (t, value, g)

    @property
    def gyr(self) -> FloatArray | None:
        """Angular rate, (n, 3) rad/s, or None (read from the file on first use)."""
        return self._load()[2] if self._has_gyr else None

    @gyr.setter
    def gyr(self, value: FloatArray | None) -> None:
        t, a, _ = self._load()
        self._data = (t, a, value)
        self._has_gyr = value is not None

    @property
    def has_gyr(self) -> bool:
        """True when the stream has a gyroscope (known without reading the arrays)."""
        return self._has_gyr

    @property
    def n(self) -> int:
        """Number of samples (known without reading the arrays)."""
        return self._n

    @property
    def duration(self) -> float:
        """Time from the first to the last sample, s (known without reading the arrays)."""
        return float(self._t_last - self._t_first) if self._n > 1 else 0.0

    @property
    def t_first(self) -> float:
        """Time of the first sample, s."""
        return self._t_first

    @property
    def t_last(self) -> float:
        """Time of the last sample, s."""
        return self._t_last

    # ---- piece by piece
    def _parquet(self) -> tuple[pq.ParquetFile, Any]:
        if self._location is None:  # a deflated entry (not written by us): decode from memory
            with zipfile.ZipFile(self._path) as z:
                src: Any = pa.BufferReader(_entry_bytes(z, self._entry, self._path))
        else:
            src = _Window(self._path, *self._location)
        # buffered: a column chunk is read a MB at a time, never whole
        return pq.ParquetFile(src, buffer_size=BUFFER_BYTES, pre_buffer=False), src

    def windows(
        self, cores: list[tuple[float, float]], overlap: float
    ) -> Iterator[tuple[Stream, int, int]]:
        """The stream as overlapping pieces, one per core interval, read in order.

        Parameters
        ----------
        cores : list of (float, float)
            Increasing, adjacent core intervals ``[a, b)`` in s (the first may start at
            ``-inf``, the last end at ``inf``), e.g. from
            :func:`gait.analysis.pipeline.chunk_bounds`.
        overlap : float
            Extra context on each side, s.

        Yields
        ------
        piece : Stream
            Samples with ``a - overlap <= t < b + overlap``, exactly what
            ``stream.slice_time(a - overlap, b + overlap)`` gives.
        c0, c1 : int
            The core's samples ``a <= t < b`` are ``piece`` rows ``c0:c1``.

        Raises
        ------
        UnorderedStreamError
            A non-finite value or a time stamp not after the previous one was met (the
            caller then loads the whole stream; nothing is lost).
        """
        cols = ["t", *_ACC, *(_GYR if self._has_gyr else [])]
        groups = 3 if self._has_gyr else 2  # t, acc[, gyr]: each kept as its own C array
        pf, src = self._parquet()
        ahead = _Decoder(pf, cols, groups, self._path, self.name)
        try:
            held: list[list[np.ndarray]] = []  # per group, blocks not yet dropped
            done = False
            for a, b in cores:
                lo, hi = a - overlap, b + overlap
                while not done and (not held or held[-1][0][-1] < hi):
                    parts = ahead.next()
                    if parts is None:
                        done = True
                        break
                    held.append(parts)
                if len(held) > 1:
                    bufs = [np.concatenate([h[g] for h in held]) for g in range(groups)]
                elif held:
                    bufs = held[0]
                else:
                    bufs = [np.empty(0)] + [np.empty((0, 3)) for _ in range(groups - 1)]
                held = [bufs] if bufs[0].shape[0] else []
                t = bufs[0]
                i0, i1 = np.searchsorted(t, [lo, hi])
                c0, c1 = np.searchsorted(t, [a, b])
                # row slices of C arrays: the Stream keeps them as they are (no copy)
                piece = Stream(
                    placement=self.placement,
                    side=self.side,
                    t=t[i0:i1],
                    acc=bufs[1][i0:i1],
                    gyr=bufs[2][i0:i1] if self._has_gyr else None,
                    rate=self.rate,
                    device=dict(self.device),
                    mount=self.mount,
                    acc_range=self.acc_range,
                    gyr_range=self.gyr_range,
                    name=self.name,
                )
                yield piece, int(c0 - i0), int(c1 - i0)
                # the next core starts at b: keep only what its window reaches back to
                keep = int(np.searchsorted(t, b - overlap))
                if held:
                    held = [[x[keep:] for x in held[0]]] if keep < held[0][0].shape[0] else []
        finally:
            ahead.stop()
            src.close()


class _Decoder:
    """Decodes a stream's batches on a second thread, a few batches ahead of the analysis.

    Decoding (Parquet pages, the float64 copies, the order and finiteness checks) then runs
    while the detectors work on the previous piece: on an idle two-core machine the read costs
    almost no wall time. Batches come out in file order; an error is raised by :meth:`next` at
    the batch where it occurred, as if the batches were decoded on the caller's thread.
    """

    def __init__(
        self, pf: pq.ParquetFile, cols: list[str], groups: int, path: Path, name: str
    ) -> None:
        self._queue: queue.Queue[list[np.ndarray] | BaseException | None] = queue.Queue(AHEAD)
        self._halt = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(pf, cols, groups, path, name), daemon=True
        )
        self._thread.start()

    def _run(self, pf: pq.ParquetFile, cols: list[str], groups: int, path: Path, name: str) -> None:
        item: list[np.ndarray] | BaseException | None
        try:
            last_t = -np.inf
            for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=cols, use_threads=False):
                # own float64 copies (Arrow's zero-copy views are read-only)
                tb = np.array(batch.column(0).to_numpy(), dtype=np.float64)
                if not tb.size:
                    continue
                parts = [tb] + [
                    np.column_stack(
                        [batch.column(i).to_numpy() for i in range(1 + 3 * g, 4 + 3 * g)]
                    ).astype(np.float64, copy=False)
                    for g in range(groups - 1)
                ]
                if (
                    not all(_all_finite(x) for x in parts)
                    or tb[0] <= last_t
                    or (np.diff(tb) <= 0).any()
                ):
                    raise UnorderedStreamError(path, f"stream {name!r} needs cleaning")
                last_t = float(tb[-1])
                if not self._put(parts):
                    return
            item = None
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread, raised there
            item = exc
        self._put(item)

    def _put(self, item: list[np.ndarray] | BaseException | None) -> bool:
        """Queue ``item``, waiting for room; False when the reader has stopped."""
        while not self._halt.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def next(self) -> list[np.ndarray] | None:
        """The next batch's ``[t, acc(, gyr)]`` arrays, or None after the last one.

        Raises
        ------
        UnorderedStreamError
            A non-finite value or a time stamp not after the previous one.
        """
        item = self._queue.get()
        if isinstance(item, BaseException):
            self._queue.put(None)  # a later call ends instead of waiting
            raise item
        if item is None:
            self._queue.put(None)
        return item

    def stop(self) -> None:
        """Stop decoding and wait for the thread (before the file is closed)."""
        self._halt.set()
        self._thread.join()


def _all_finite(x: np.ndarray) -> bool:
    """True when every value is finite.

    A finite sum proves it in one pass; the exact test runs only when the sum is not
    finite, which an overflow can cause too.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(x)):
            return True
    return bool(np.isfinite(x).all())


def _data_location(path: Path, info: zipfile.ZipInfo) -> tuple[int, int] | None:
    """(offset, size) of a stored entry's bytes in the archive, or None when compressed."""
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        head = f.read(_LOCAL_HEADER)
    if len(head) < _LOCAL_HEADER or head[:4] != b"PK\x03\x04":
        raise TruncatedFileError(path, f"entry {info.filename!r} is damaged")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    return info.header_offset + _LOCAL_HEADER + name_len + extra_len, info.file_size


def _span(path: Path, entry: str, location: tuple[int, int] | None) -> tuple[int, float, float]:
    """Rows, first and last time of a stream, reading only its ``t`` column batch by batch."""
    if location is None:
        with zipfile.ZipFile(path) as z:
            src: Any = pa.BufferReader(_entry_bytes(z, entry, path))
    else:
        src = _Window(path, *location)
    try:
        pf = pq.ParquetFile(src, buffer_size=BUFFER_BYTES, pre_buffer=False)
        n = pf.metadata.num_rows
        check_rows(path, f"entry {entry!r}", n)
        if n == 0:
            return 0, 0.0, 0.0
        first = last = None
        for k in sorted({0, pf.metadata.num_row_groups - 1}):  # one group: read it once
            for batch in pf.iter_batches(
                batch_size=BATCH_ROWS, row_groups=[k], columns=["t"], use_threads=False
            ):
                col = batch.column(0).to_numpy()
                if col.size:
                    first = float(col[0]) if first is None else first
                    last = float(col[-1])
        return (
            n,
            float(first if first is not None else 0.0),
            float(last if last is not None else 0.0),
        )
    except (pa.ArrowException, OSError, KeyError, ValueError, IndexError) as exc:
        raise InputFileError(path, f"entry {entry!r} is not valid Parquet: {exc}") from None
    finally:
        src.close()


def open_recording(path: str | Path, *, reference: bool = True) -> Recording:
    """Open a ``.gaitrec`` with :class:`FileStream` streams (samples left in the file).

    Parameters
    ----------
    path : str or Path
        The file.
    reference : bool
        Read the reference events and tables too (analysis does not need them; they grow
        with the recording's length).

    Returns
    -------
    Recording
        Metadata, channels and reference as :func:`gait.io.canonical_format.read_recording` gives
        them; each stream a :class:`FileStream`.

    Raises
    ------
    InputFileError
        The file is not a gaitrec archive, is truncated, or its header is inconsistent.
    """
    path = Path(path)
    with open_archive(path) as z:
        header = read_header(z, path)
        streams: list[Stream] = []
        for d in header["streams"]:
            entry = f"streams/{d['name']}.parquet"
            try:
                info = z.getinfo(entry)
            except KeyError:
                raise TruncatedFileError(
                    path, f"entry {entry!r} listed in recording.json is missing"
                ) from None
            loc = _data_location(path, info)
            fs = FileStream(path, entry, d, _span(path, entry, loc), loc)
            if fs.rate > 0:
                streams.append(fs)
            else:  # the rate comes from the whole stream's time stamps: load it
                streams.append(
                    Stream(
                        placement=fs.placement,
                        side=fs.side,
                        t=fs.t,
                        acc=fs.acc,
                        gyr=fs.gyr,
                        rate=0.0,
                        device=fs.device,
                        mount=fs.mount,
                        acc_range=fs.acc_range,
                        gyr_range=fs.gyr_range,
                        name=fs.name,
                    )
                )
        channels = read_channels(z, header, path)
        ref = read_reference(z, header, path) if reference else None
    return Recording(
        meta=SessionMeta(**header["meta"]), streams=streams, channels=channels, reference=ref
    )


__all__ = ["FileStream", "UnorderedStreamError", "open_recording"]

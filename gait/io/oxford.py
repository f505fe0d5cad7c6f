"""Oxford step-counter phone CSV (Oxford-step-counter/DataSet ``validation/``).

No header; seven columns per row: ``timestamp_ns, accx, accy, accz, algo_steps,
groundtruth_steps, hw_steps``. Acceleration is the Android accelerometer in m/s² with
gravity (median norm ≈ 9.8–10.6 m/s² across the six files, checked in the tests), device
axes kept (x right, y up the screen, z out of the screen). The timestamp counts from the
phone's boot, so the wall-clock start comes from the file name
``<user>_<position>_<epoch_ms>.csv`` when it has one.

Sampling is irregular (~100 Hz). The files contain a few repeated timestamps (a sample
logged twice, then a ~0.2 s hole); we drop samples whose time does not increase and
count them in ``stream.device['dropped_samples']`` and ``meta.extra['dropped_samples']``
instead of rejecting the file.

Reference: every increment of ``groundtruth_steps`` is one step at that sample's time;
the side is unknown (None) and there is no terminal contact (``t_tc`` NaN).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gait.contract.errors import BadValueError
from gait.contract.recording import Recording, Reference, SessionMeta, Stream
from gait.io._csv import head_text, increasing_mask, numeric_block, parse_table
from gait.io.generic_csv import stream_identity
from gait.io.limits import check_time_span
from gait.io.units import epoch_iso

if TYPE_CHECKING:
    from gait.io import ReadOptions

NAME = "oxford"
_NAME_RE = re.compile(
    r"^(?P<user>[^_]+)_(?P<position>[a-z]+)_(?P<epoch>\d{12,14})\.csv$", re.IGNORECASE
)
#: Carry position in the file name -> our phone mount.
MOUNTS = {
    "hand": "hand",
    "frontpocket": "pocket",
    "backpocket": "pocket",
    "pocket": "pocket",
    "armband": "armband",
    "neckpouch": "sternum",
    "bag": "bag",
}
#: More ground-truth steps than this between two ~100 Hz samples is a damaged count.
MAX_STEPS_PER_SAMPLE = 10
_COLS = ["timestamp_ns", "accx", "accy", "accz", "algo_steps", "groundtruth_steps", "hw_steps"]


def sniff(path: Path) -> bool:
    """True for a headerless CSV whose lines have 7 numeric fields and an integer ns timestamp."""
    if not path.is_file() or path.suffix.lower() != ".csv":
        return False
    lines = head_text(path, 2048).splitlines()[:5]
    if len(lines) < 2:
        return False
    for ln in lines[:-1]:  # the last line of the chunk may be cut
        parts = ln.split(",")
        if len(parts) != 7 or not parts[0].strip().isdigit():
            return False
        try:
            [float(p) for p in parts]
        except ValueError:
            return False
    return True


def read(path: Path, options: ReadOptions) -> Recording:
    """Read an Oxford phone CSV as one ``phone`` stream plus ground-truth step times.

    Parameters
    ----------
    path : Path
        The CSV.
    options : ReadOptions
        ``mount`` overrides the carry position from the file name; ``placement`` too.

    Returns
    -------
    Recording
        Accelerometer-only ``phone`` stream (m/s², s from the first sample), reference steps.
    """
    df = parse_table(path, sep=",", header=None, names=_COLS, dtype={"timestamp_ns": "Int64"})
    ts = df["timestamp_ns"]
    if ts.isna().any():
        row = int(np.flatnonzero(ts.isna().to_numpy())[0])
        raise BadValueError(path, "missing timestamp", line=row + 1, column="timestamp_ns")
    block = numeric_block(df, _COLS[1:], path, first_line=1)
    t_ns = ts.to_numpy(dtype=np.int64)
    keep = increasing_mask(t_ns)
    dropped = int((~keep).sum())
    t_ns, block = t_ns[keep], block[keep]
    check_time_span(path, t_ns.astype(np.float64), "ns", "timestamp_ns")
    t = (t_ns - t_ns[0]).astype(np.float64) * 1e-9

    m = _NAME_RE.match(path.name)
    position = m.group("position").lower() if m else None
    start_time = epoch_iso(int(m.group("epoch")) / 1000.0) if m else None
    ident = stream_identity(options, "phone")
    if ident["placement"] == "phone" and options.mount is None and position in MOUNTS:
        ident["mount"] = MOUNTS[position]
    stream = Stream(
        t=t,
        acc=block[:, 0:3],
        gyr=None,
        rate=100.0,
        device={
            "model": "Samsung S6 (Oxford dataset)",
            "position": position,
            "source_file": path.name,
            "dropped_samples": dropped,
        },
        **ident,
    )
    gt = block[:, 4]
    inc = np.diff(gt, prepend=gt[0])
    if inc.size and inc.max() > MAX_STEPS_PER_SAMPLE:
        row = int(np.argmax(inc))
        raise BadValueError(
            path,
            f"groundtruth_steps jumps by {inc[row]:g} in one sample",
            column="groundtruth_steps",
        )
    inc = np.where(inc > 0, inc, 0).astype(np.int64)
    step_t = np.repeat(t, inc)
    events = pd.DataFrame(
        {"side": pd.Series([None] * step_t.size, dtype=object), "t_ic": step_t, "t_tc": np.nan}
    )
    tables = {
        "step_counts": pd.DataFrame(
            {
                "source": ["groundtruth", "algo", "hw"],
                "steps": [gt[-1] - gt[0], block[-1, 3] - block[0, 3], block[-1, 5] - block[0, 5]],
            }
        )
    }
    ref = Reference(
        kind="measured",
        events=events,
        tables=tables,
        params={"side_known": False},
        source="Oxford step-counter dataset: increments of groundtruth_steps",
    )
    meta = SessionMeta(
        activity="walk",
        source=NAME,
        start_time=start_time,
        extra={"dropped_samples": dropped, "position": position},
    )
    return Recording(meta=meta, streams=[stream], reference=ref)

"""gaitmap example CSV: two IMUs on the feet, a two-row header, 204.8 Hz.

Layout (gaitmap v2.6 ``example_data``)::

    sensor,left_sensor,right_sensor,...      <- row 1: sensor of each column
    axis,acc_x,acc_x,...                     <- row 2: axis of each column
    0,0.88,0.31,...                          <- sample number, values

Units: acc m/s², gyr deg/s (converted to rad/s here). ``imu_sample.csv`` is in gaitmap's
foot sensor frame (x forward along the foot, y left, z up with the foot flat), which is
our frame, so it is taken as is. ``imu_sample_not_rotated.csv`` holds the raw sensor
axes; both feet's sensors had x up, and the left one y forward / z left, the right one
y backward / z right, so we map them onto the foot frame (the test checks that the
mapped raw file equals ``imu_sample.csv``).

Reference: ``stride_events_sample.csv`` next to the data (per stride ``ic``/``tc``
in samples, from motion capture) becomes one row per step.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gait.contract.errors import MissingColumnError, RateError
from gait.contract.recording import Recording, Reference, SessionMeta, Stream
from gait.io._csv import drop_time_glitches, head_text, numeric_block, parse_table
from gait.io._events import pair_contacts
from gait.io.generic_csv import stream_identity
from gait.io.limits import MAX_RATE_HZ, check_time_span
from gait.io.units import gyr_factor

if TYPE_CHECKING:
    from gait.io import ReadOptions

NAME = "gaitmap"
RATE = 204.8
EVENTS_FILE = "stride_events_sample.csv"
_AXES = ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")

#: Raw-to-foot-frame maps for the not-rotated file: foot = R @ raw, per side.
RAW_TO_FOOT = {
    "left": np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]),
    "right": np.array([[0.0, -1.0, 0.0], [0.0, 0.0, -1.0], [1.0, 0.0, 0.0]]),
}


def sniff(path: Path) -> bool:
    """True for a two-row ``sensor,...`` / ``axis,...`` header."""
    if not path.is_file():
        return False
    lines = head_text(path, 2048).splitlines()
    return len(lines) >= 2 and lines[0].startswith("sensor,") and lines[1].startswith("axis,")


def _reference(path: Path, rate: float) -> Reference | None:
    ev_path = path.with_name(EVENTS_FILE)
    if not ev_path.is_file():
        return None
    ev = parse_table(ev_path, sep=",", header=0)
    for c in ("foot", "ic", "tc"):
        if c not in ev.columns:
            raise MissingColumnError(ev_path, "required column missing", line=1, column=c)
    vals = numeric_block(ev, ["ic", "tc"], ev_path, first_line=2)
    side = ev["foot"].astype(str).to_numpy()
    events = pair_contacts(side, vals[:, 0] / rate, side, vals[:, 1] / rate)
    return Reference(
        kind="measured",
        events=events,
        tables={"strides": ev},
        params={"rate": rate, "units": "stride table in samples at 204.8 Hz"},
        source=f"gaitmap {EVENTS_FILE} (motion capture)",
    )


def read(path: Path, options: ReadOptions) -> Recording:
    """Read a gaitmap foot-IMU CSV as two foot streams (left, right) plus its reference.

    Parameters
    ----------
    path : Path
        ``imu_sample.csv`` or ``imu_sample_not_rotated.csv`` (or any file with that layout).
    options : ReadOptions
        ``rate`` overrides the 204.8 Hz; placement/side options do not apply (the file says).

    Returns
    -------
    Recording
        Streams ``foot_left`` and ``foot_right`` in the foot frame (x forward, y left,
        z up), acc m/s², gyr rad/s; reference events from ``stride_events_sample.csv``.
    """
    rate = float(options.rate) if options.rate else RATE
    if not 0 < rate <= MAX_RATE_HZ:
        raise RateError(f"{path}: --rate must be in (0, {MAX_RATE_HZ:g}] Hz, got {rate:g}")
    df = parse_table(path, sep=",", header=[0, 1], index_col=0)
    rotated = "not_rotated" not in path.name
    streams = []
    k_gyr = gyr_factor("deg/s")
    for side in ("left", "right"):
        sensor = f"{side}_sensor"
        cols = [(sensor, a) for a in _AXES]
        for c in cols:
            if c not in df.columns:
                raise MissingColumnError(
                    path, "required column missing", line=2, column=f"{c[0]}/{c[1]}"
                )
        block = numeric_block(df, cols, path, first_line=3)  # type: ignore[arg-type]
        idx = numeric_block(pd.DataFrame({"sample": df.index.to_numpy()}), ["sample"], path, 3)[
            :, 0
        ]
        keep, dropped = drop_time_glitches(idx, path, 3, "sample")
        idx, block = idx[keep], block[keep]
        check_time_span(path, idx / rate, "s", "sample")
        acc, gyr = block[:, 0:3], block[:, 3:6] * k_gyr
        if not rotated:
            r = RAW_TO_FOOT[side]
            acc, gyr = acc @ r.T, gyr @ r.T
        ident = stream_identity(options, "foot", side)
        ident["side"] = side  # the file says which foot
        streams.append(
            Stream(
                t=(idx - idx[0]) / rate,
                acc=acc,
                gyr=gyr,
                rate=rate,
                device={
                    "source_file": path.name,
                    "sensor": sensor,
                    "frame": "gaitmap foot sensor frame",
                    "dropped_samples": dropped,
                },
                **ident,
            )
        )
    meta = SessionMeta(activity="walk", source=NAME)
    return Recording(meta=meta, streams=streams, reference=_reference(path, rate))

"""Put a stream on a uniform time grid (filters and windows assume one), bridging only short gaps.

Real recordings jitter and drop packets. Gaps up to :data:`MAX_BRIDGE` s are bridged by
linear interpolation; longer gaps are never interpolated across: their samples are marked
so trials that contain them are flagged instead of measured.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from gait.contract.recording import Stream

#: Longest gap bridged by interpolation, s.
MAX_BRIDGE = 0.1


def uniform(stream: Stream) -> tuple[Stream, NDArray[np.bool_]]:
    """The stream on a uniform grid at its nominal rate, and a mask of samples inside long gaps.

    Parameters
    ----------
    stream : Stream
        Any stream with at least two samples; ``rate`` in Hz.

    Returns
    -------
    stream : Stream
        Same stream when already uniform (within 1 % jitter), else resampled.
    in_gap : ndarray of bool
        True for grid samples further than :data:`MAX_BRIDGE` / 2 s from any recorded sample.
    """
    t = stream.t
    rate = float(stream.rate)
    dt = np.diff(t)
    if t.size < 2 or (np.all(np.abs(dt * rate - 1.0) < 0.01)):
        return stream, np.zeros(t.size, dtype=bool)
    grid = t[0] + np.arange(int(np.floor((t[-1] - t[0]) * rate)) + 1) / rate
    acc = np.column_stack([np.interp(grid, t, stream.acc[:, k]) for k in range(3)])
    gyr = None
    if stream.gyr is not None:
        g = stream.gyr
        gyr = np.column_stack([np.interp(grid, t, g[:, k]) for k in range(3)])
    # Distance from each grid point to the nearest recorded sample.
    j = np.clip(np.searchsorted(t, grid), 1, t.size - 1)
    near = np.minimum(np.abs(grid - t[j - 1]), np.abs(t[j] - grid))
    return replace(stream, t=grid, acc=acc, gyr=gyr), near > MAX_BRIDGE / 2

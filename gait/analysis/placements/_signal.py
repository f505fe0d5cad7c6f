"""Vectorised signal helpers shared by the placement detectors.

Everything here works on whole arrays (no per-sample Python loops) so the same
functions run on a full recording or on a sliding window.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gait.contract.constants import G
from gait.util.scipy_signal import signal

_sosfilt: Any
try:  # the compiled section filter behind scipy.signal.sosfilt (private: SciPy is the fallback)
    from scipy.signal._sosfilt import _sosfilt
except ImportError:  # pragma: no cover - other SciPy layouts
    _sosfilt = None

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: A hole in the timestamps longer than this (s) splits the stream; shorter holes
#: (a few dropped packets) are bridged by linear resampling.  [G]
MAX_BRIDGED_GAP = 0.25


@dataclass
class Segment:
    """A contiguous, uniformly resampled piece of a stream.

    Attributes
    ----------
    t : ndarray, shape (M,)
        Uniform sample times, s.
    acc : ndarray, shape (M, 3)
        Specific force, m/s².
    gyr : ndarray, shape (M, 3) or None
        Angular rate, rad/s.
    fs : float
        Sampling rate of the grid, Hz.
    bridged : int
        Number of short holes (dropped packets) bridged inside this segment.
    hole_times : ndarray
        Start times (s) of those holes.
    """

    t: FloatArray
    acc: FloatArray
    gyr: FloatArray | None
    fs: float
    bridged: int
    hole_times: FloatArray = field(default_factory=lambda: np.zeros(0))


def contiguous_segments(
    t: FloatArray,
    acc: FloatArray,
    gyr: FloatArray | None,
    rate: float,
    *,
    max_gap: float = MAX_BRIDGED_GAP,
    min_duration: float = 1.0,
) -> tuple[list[Segment], int]:
    """Split samples at long gaps and resample each piece onto a uniform grid.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Sample times, s, increasing.
    acc : ndarray, shape (N, 3)
        Specific force, m/s².
    gyr : ndarray, shape (N, 3) or None
        Angular rate, rad/s.
    rate : float
        Nominal sampling rate, Hz; used for the grid unless the median timestamp step
        disagrees with it by more than 1 %.
    max_gap : float
        Holes longer than this (s) split the data; never interpolated across.
    min_duration : float
        Pieces shorter than this (s) are dropped.

    Returns
    -------
    segments : list of Segment
        The usable pieces.
    n_gaps : int
        Number of long gaps found.
    """
    # Non-finite samples (corrupt packets) are dropped like lost packets.
    finite = finite_rows(t, acc, gyr)
    if finite is not None:
        t, acc = t[finite], acc[finite]
        gyr = None if gyr is None else gyr[finite]
    if t.size < 2:
        return [], 0
    dt = np.diff(t)
    # The timestamps are the truth; the nominal rate only breaks ties with jittery clocks.
    measured = float(1.0 / np.median(dt))
    fs = float(rate) if rate and rate > 0 and abs(measured / rate - 1.0) < 0.01 else measured
    cut = np.flatnonzero(dt > max(max_gap, 3.0 / fs)) + 1
    bounds = np.concatenate(([0], cut, [t.size]))
    segs: list[Segment] = []
    for i0, i1 in itertools.pairwise(bounds):  # one iteration per gap, not per sample
        ts = t[i0:i1]
        if ts.size < 2 or ts[-1] - ts[0] < min_duration:
            continue
        dts = dt[i0 : i1 - 1]
        bridged = int(np.count_nonzero(dts > 1.5 / fs))
        if np.abs(dts * fs - 1.0).max() < 0.01:
            # Already uniform: use views, no copy (memory matters for hour-long runs).
            g0 = None if gyr is None else gyr[i0:i1]
            segs.append(Segment(ts, acc[i0:i1], g0, fs, 0))
            continue
        holes = ts[:-1][dts > 1.5 / fs]
        grid = ts[0] + np.arange(int(np.floor((ts[-1] - ts[0]) * fs)) + 1) / fs
        a = _interp_cols(grid, ts, acc[i0:i1])
        g = None if gyr is None else _interp_cols(grid, ts, gyr[i0:i1])
        segs.append(Segment(grid, a, g, fs, bridged, holes))
    return segs, int(cut.size)


def _interp_cols(grid: FloatArray, t: FloatArray, x: FloatArray) -> FloatArray:
    """Linear interpolation of every column of ``x`` onto ``grid``."""
    out = np.empty((grid.size, x.shape[1]), dtype=np.float64)
    for j in range(x.shape[1]):
        out[:, j] = np.interp(grid, t, x[:, j])
    return out


def near_holes(seg: Segment, t_ic: FloatArray, t_tc: FloatArray, pad: float = 0.3) -> np.ndarray:
    """True for contacts with a bridged hole within ``pad`` s of ``[t_ic, t_tc]``.

    Parameters
    ----------
    seg : Segment
        The segment the contacts come from.
    t_ic, t_tc : ndarray
        Contact times, s (``t_tc`` may be NaN).
    pad : float
        Margin, s.

    Returns
    -------
    ndarray of bool
    """
    h = np.sort(seg.hole_times)
    if h.size == 0:
        return np.zeros(t_ic.size, dtype=bool)
    end = np.where(np.isfinite(t_tc), t_tc, t_ic)
    i0 = np.searchsorted(h, t_ic - pad)
    i1 = np.searchsorted(h, end + pad, side="right")
    return np.asarray(i1 > i0)


def finite_rows(*arrays: FloatArray | None) -> NDArray[np.bool_] | None:
    """Rows (first axis) where every given array is finite; ``None`` when all of them are.

    Parameters
    ----------
    *arrays : ndarray or None
        Arrays with the same first dimension (e.g. times in s, shape (N,), and samples,
        shape (N, 3)); ``None`` entries are skipped.

    Returns
    -------
    ndarray of bool, shape (N,), or None
        ``None`` when no array holds a NaN or an infinity (the usual case), else the mask.
    """
    present = [a for a in arrays if a is not None]
    # A NaN or an infinity anywhere makes the sum non-finite, so a finite sum proves every
    # element finite in one contiguous pass (``isfinite(x).all(axis=1)`` is several times
    # slower on (N, 3) arrays).  A finite sum that overflows only sends us to the exact test.
    with np.errstate(invalid="ignore", over="ignore"):
        if all(np.isfinite(np.sum(a)) for a in present):
            return None
    mask: NDArray[np.bool_] | None = None
    for a in present:
        fin = np.isfinite(a)
        ok = np.asarray(
            fin.all(axis=tuple(range(1, fin.ndim))) if fin.ndim > 1 else fin, dtype=bool
        )
        mask = ok if mask is None else mask & ok
    if mask is None or mask.all():
        return None
    return mask


@functools.lru_cache(maxsize=128)
def _butter_sos_cached(
    order: int, fc: float | tuple[float, float], fs: float, btype: str
) -> FloatArray:
    kind: Any = btype  # one of SciPy's btype literals, checked by butter itself
    sos = np.asarray(signal.butter(order, fc, btype=kind, fs=fs, output="sos"), dtype=np.float64)
    sos.flags.writeable = False
    return sos


def butter_sos(
    order: int, fc: float | tuple[float, float], fs: float, btype: str = "low"
) -> FloatArray:
    """Butterworth second-order sections, designed once per (order, cut-off, rate, type).

    Parameters
    ----------
    order : int
        Filter order.
    fc : float or (float, float)
        Cut-off, Hz (a pair for ``btype='band'``).
    fs : float
        Sampling rate, Hz.
    btype : str
        ``'low'``, ``'high'`` or ``'band'``.

    Returns
    -------
    ndarray, shape (n_sections, 6)
        A fresh copy (SciPy's filters want a writable array); the design itself, a
        pole placement costing milliseconds, is done once per parameter set.
    """
    return _butter_sos_cached(order, fc, fs, btype).copy()


@functools.lru_cache(maxsize=128)
def _sos_zi_cached(key: bytes, n_sections: int) -> FloatArray:
    """``signal.sosfilt_zi`` of the sections whose bytes are ``key`` (one design, one call)."""
    zi = np.asarray(signal.sosfilt_zi(np.frombuffer(key).reshape(n_sections, 6)), dtype=np.float64)
    zi.flags.writeable = False
    return zi


def filtfilt_sos(sos: FloatArray, x: FloatArray, padlen: int) -> FloatArray:
    """``signal.sosfiltfilt(sos, x, axis=0, padlen=padlen)`` (odd padding), without its overhead.

    SciPy's ``sosfiltfilt`` spends more time validating, reshaping and copying than filtering a
    1-D signal of a few hundred thousand samples. This does the same steps (odd extension, the
    steady-state initial conditions scaled by the first and last values, a forward pass, a
    backward pass) with the same compiled section filter on the same memory layout, so the
    result is bit for bit SciPy's, in the same strides. Any other input goes to SciPy.

    Parameters
    ----------
    sos : ndarray, shape (n_sections, 6)
        Second-order sections (``sos[:, 3] == 1``).
    x : ndarray, shape (N,) or (N, C)
        Signal (any unit), filtered along axis 0.
    padlen : int
        Samples of odd extension at each end, ``1 <= padlen < N``.

    Returns
    -------
    ndarray
        Filtered signal, same unit and shape.
    """
    sos = np.asarray(sos)
    ok = (
        _sosfilt is not None
        and x.dtype == np.float64
        and sos.dtype == np.float64
        and x.ndim in (1, 2)
        and sos.ndim == 2
        and sos.shape[1] == 6
        and 1 <= padlen < x.shape[0]
        and bool(np.all(sos[:, 3] == 1))
    )
    if not ok:
        return np.asarray(signal.sosfiltfilt(sos, x, axis=0, padlen=padlen))
    n = int(padlen)
    # odd extension, the same expression as scipy.signal._arraytools.odd_ext
    ext = np.concatenate((2 * x[0:1] - x[n:0:-1], x, 2 * x[-1:] - x[-2 : -(n + 2) : -1]), axis=0)
    sos = np.ascontiguousarray(sos)
    zi = _sos_zi_cached(sos.tobytes(), sos.shape[0])
    # sosfilt works on a C-ordered (signals, samples) copy; zi per signal is zi × first value
    buf = np.array(ext.T if ext.ndim == 2 else ext[None, :], dtype=np.float64, order="C")
    z = np.ascontiguousarray(zi[None, :, :] * buf[:, 0][:, None, None])
    _sosfilt(sos, buf, z)
    back = np.array(buf[:, ::-1], order="C")
    z = np.ascontiguousarray(zi[None, :, :] * buf[:, -1][:, None, None])
    _sosfilt(sos, back, z)
    y = back.T if ext.ndim == 2 else back[0]
    return np.asarray(y[::-1][n:-n])


def lowpass(x: FloatArray, fs: float, fc: float, order: int = 2) -> FloatArray:
    """Zero-phase Butterworth low-pass along axis 0.

    Parameters
    ----------
    x : ndarray
        Signal, any unit.
    fs : float
        Sampling rate, Hz.
    fc : float
        Cut-off, Hz (clipped below Nyquist).
    order : int
        Filter order (doubled by the forward-backward pass).

    Returns
    -------
    ndarray
        Filtered signal, same unit and shape.
    """
    fc = min(fc, 0.45 * fs)
    sos = butter_sos(int(order), float(fc), float(fs))
    padlen = min(3 * (2 * len(sos) + 1), x.shape[0] - 1)
    return np.asarray(filtfilt_sos(sos, x, padlen), dtype=np.float64)


def flat_windows(starts: IntArray, ends: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Non-overlapping windows laid end to end, for per-window work without a Python loop.

    Parameters
    ----------
    starts, ends : ndarray of int, shape (K,)
        Half-open, non-overlapping windows (sample indices).

    Returns
    -------
    idx : ndarray of int, shape (L,)
        Sample index of every window sample, window after window (L = total length).
    seg : ndarray of int, shape (L,)
        Window number of each entry of ``idx``.
    first : ndarray of int, shape (K,)
        Position of each window's first sample in ``idx`` (the ``indices`` of
        ``np.ufunc.reduceat``).
    """
    lengths = ends - starts
    first = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    idx = np.arange(int(lengths.sum())) + np.repeat(starts - first, lengths)
    seg = np.repeat(np.arange(starts.size), lengths)
    return idx, seg, first


def drift_free_integral(
    cum: FloatArray, starts: IntArray, ends: IntArray, idx: IntArray, seg: IntArray
) -> FloatArray:
    """Running integral inside each window, from 0 at its start, with its linear drift removed.

    Parameters
    ----------
    cum : ndarray, shape (N + 1,)
        Running integral of the integrand with a leading 0 (e.g. rad for a rate in rad/s).
    starts, ends : ndarray of int, shape (K,)
        Non-empty windows; the integral is forced back to 0 at ``ends``.
    idx, seg : ndarray of int, shape (L,)
        Samples and their window numbers, as from :func:`flat_windows`.

    Returns
    -------
    ndarray, shape (L,)
        Integral at each of ``idx``, in the units of ``cum``.
    """
    s, e = starts[seg], ends[seg]
    return np.asarray(cum[idx] - cum[s] - (idx - s) / (e - s) * (cum[e] - cum[s]))


def segment_arg(
    values: FloatArray, starts: IntArray, ends: IntArray, *, mode: str = "min"
) -> IntArray:
    """Index of the minimum (or maximum) of ``values[starts[k]:ends[k]]`` for every k.

    Parameters
    ----------
    values : ndarray, shape (N,)
        Signal.
    starts, ends : ndarray of int, shape (K,)
        Half-open windows; every window must be non-empty and windows must not overlap.
    mode : {'min', 'max'}
        Which extremum.

    Returns
    -------
    ndarray of int, shape (K,)
        Absolute sample indices; the first one when the extremum repeats.
    """
    if starts.size == 0:
        return np.zeros(0, dtype=np.intp)
    v = values if mode == "min" else -values
    # Gather all windows into one flat array (windows do not overlap, so total ≤ N).
    flat_idx, seg_id, first = flat_windows(starts, ends)
    flat = v[flat_idx]
    mins = np.minimum.reduceat(flat, first)
    hit = np.flatnonzero(flat == mins[seg_id])
    _, pos = np.unique(seg_id[hit], return_index=True)
    return np.asarray(flat_idx[hit[pos]], dtype=np.intp)


def first_above(values: FloatArray, starts: IntArray, ends: IntArray, thr: FloatArray) -> IntArray:
    """First index in each window ``[starts[k], ends[k])`` where ``values >= thr[k]``.

    Parameters
    ----------
    values : ndarray, shape (N,)
        Signal.
    starts, ends : ndarray of int, shape (K,)
        Non-overlapping, non-empty windows.
    thr : ndarray, shape (K,)
        Threshold per window (a window without a crossing returns its argmax).

    Returns
    -------
    ndarray of int, shape (K,)
    """
    if starts.size == 0:
        return np.zeros(0, dtype=np.intp)
    flat_idx, seg, first = flat_windows(starts, ends)
    hit = values[flat_idx] >= thr[seg]
    # position of the first hit per window via a min over "index if hit else +inf"
    pos = np.where(hit, flat_idx, np.iinfo(np.intp).max)
    best = np.minimum.reduceat(pos, first)
    fallback = segment_arg(values, starts, ends, mode="max")
    return np.asarray(np.where(best == np.iinfo(np.intp).max, fallback, best), dtype=np.intp)


def segment_ids(n: int, starts: IntArray, ends: IntArray) -> IntArray:
    """Per-sample window id (−1 outside every window) for non-overlapping windows.

    Parameters
    ----------
    n : int
        Number of samples.
    starts, ends : ndarray of int
        Half-open windows, sorted and non-overlapping.

    Returns
    -------
    ndarray of int, shape (n,)
    """
    marks = np.zeros(n + 1, dtype=np.intp)
    np.add.at(marks, starts, 1)
    np.add.at(marks, ends, -1)
    inside = np.cumsum(marks[:-1]) > 0
    ids = np.searchsorted(starts, np.arange(n), side="right") - 1
    return np.where(inside, ids, -1).astype(np.intp)


#: Samples within this share of the accelerometer's full scale count as clipped
#: (the pipeline's saturation flag uses the same share). [G]
CLIP_FRACTION = 0.98


def clipped_samples(acc: FloatArray, acc_range: float | None) -> NDArray[np.bool_]:
    """Samples where any axis is clipped at the accelerometer's full scale.

    Parameters
    ----------
    acc : ndarray, shape (N, 3)
        Specific force, m/s².
    acc_range : float or None
        Full scale, m/s².  Without it, a flat top is clipping: at least
        ``max(5, 0.1 %)`` samples within 0.1 % of the largest magnitude, when that
        exceeds 2 g (free motion never repeats its peak that exactly).

    Returns
    -------
    ndarray of bool, shape (N,)
    """
    mag = np.abs(acc)
    if acc_range:
        return np.asarray((mag >= CLIP_FRACTION * acc_range).any(axis=1))
    n = acc.shape[0]
    peak = float(mag.max()) if n else 0.0
    if peak <= 2 * G:
        return np.zeros(n, dtype=bool)
    hit = np.asarray((mag >= 0.999 * peak).any(axis=1), dtype=bool)
    return hit if int(hit.sum()) >= max(5, 0.001 * n) else np.zeros(n, dtype=bool)


def window_any(mask: NDArray[np.bool_], starts: IntArray, ends: IntArray) -> NDArray[np.bool_]:
    """Whether ``mask`` has a True sample in each window ``[starts[k], ends[k])``.

    The windows are clipped to the data.

    Parameters
    ----------
    mask : ndarray of bool, shape (N,)
    starts, ends : ndarray of int, shape (K,)
        Windows, may overlap.

    Returns
    -------
    ndarray of bool, shape (K,)
    """
    cum = np.concatenate(([0], np.cumsum(mask, dtype=np.intp)))
    a = np.clip(starts, 0, mask.size)
    b = np.clip(ends, 0, mask.size)
    return np.asarray(cum[np.maximum(a, b)] > cum[a])


def add_flag(
    quality: NDArray[np.object_], mask: NDArray[np.bool_], flag: str
) -> NDArray[np.object_]:
    """Append ``flag`` to the comma-separated quality strings where ``mask`` is True.

    Parameters
    ----------
    quality : ndarray of str (object)
        Current flags, ``''`` for none.
    mask : ndarray of bool
        Rows that get the flag.
    flag : str

    Returns
    -------
    ndarray of str (object)
    """
    if not mask.any():
        return quality
    joined = np.where(quality == "", flag, quality.astype(object) + ("," + flag))
    return np.asarray(np.where(mask, joined, quality), dtype=object)

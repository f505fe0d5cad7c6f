"""Sample times from device counters, device clocks or a drift-corrected fit of arrival times.

Raw host arrival times are never used as sample times: BLE delivers notifications in
bursts (one or more per connection interval) with latency jitter of tens of ms. Instead:

* ``device_time``: the device stamps its samples (Polar PMD, Movesense). Its clock is
  mapped to the host clock by a robust line through the *lower envelope* of
  (device time, arrival time), because arrival = send + latency and latency ≥ 0.
* ``counter``: the device numbers its samples (gait-imu). Same fit with the counter.
* ``arrival``: neither (Thingy:52, MetaWear, RSC). Samples are numbered by their
  position in the stream, lost packets are found as persistent steps in the arrival
  latency floor, and the same fit maps sample numbers to host time.

When the fitted clock rate differs from the nominal one by more than ``max_drift``
(no crystal drifts by 1 %), the device clock is trusted at its nominal rate and only
the offset comes from the host; this also keeps time right when a virtual device
replays faster than real time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import minimum_filter1d

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Gap:
    """A stretch with missing samples.

    Parameters
    ----------
    t_start : float
        Time of the last sample before the gap, s.
    t_end : float
        Time of the first sample after it, s.
    lost : int
        Estimated number of missing samples (-1 when unknown, e.g. a device restart).
    """

    t_start: float
    t_end: float
    lost: int


@dataclass
class TimeBase:
    """Reconstructed sample times.

    Attributes
    ----------
    t : ndarray, shape (N,)
        Sample times on the host clock, s (same clock as the arrival times given).
    method : {'device_time', 'counter', 'arrival'}
        Which source the times come from.
    rate : float
        Effective sampling rate in host seconds, Hz.
    drift_ppm : float
        Device clock rate error relative to nominal, parts per million.
    gaps : list of Gap
        Detected gaps.
    latency_jitter : float
        Spread (IQR) of arrival latency around the fit, s.
    notes : list of str
        Decisions worth telling the user (fallbacks, restarts).
    x : ndarray, shape (N,)
        The device-side axis the times were fitted on: device time (s), sample counter,
        or stream position including lost samples (arrival method).
    """

    t: FloatArray
    method: str
    rate: float
    drift_ppm: float = 0.0
    gaps: list[Gap] = field(default_factory=list)
    latency_jitter: float = 0.0
    notes: list[str] = field(default_factory=list)
    x: FloatArray = field(default_factory=lambda: np.zeros(0))


def robust_line(x: FloatArray, y: FloatArray, bins: int = 256) -> tuple[float, float]:
    """Line ``y ≈ a + b·x`` along the lower envelope of the points.

    Arrival = send + latency with latency ≥ 0, so the best clock line lies *under*
    every point and touches the fastest deliveries. Among such lines, the one with the
    smallest total latency is the edge of the lower convex hull above the mean of ``x``
    (a linear programme whose optimum sits on a hull edge). The points are first reduced
    to the minimum of each of ``bins`` slices of ``x`` (vectorized), so the hull walk is
    short whatever the recording length.

    Parameters
    ----------
    x, y : ndarray, shape (P,)
        Abscissa (device time, s, or sample number), increasing, and arrival time, s.
    bins : int
        Slices used to thin the points.

    Returns
    -------
    (a, b) : tuple of float
        Intercept (s) and slope (s per unit of x).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size == 0:
        return 0.0, 0.0
    if x.size == 1 or np.ptp(x) == 0:
        return float(np.min(y)), 0.0
    # Centre both axes: epoch-sized numbers would lose precision in the products.
    x0, y0 = float(x[0]), float(y[0])
    xc, yc = x - x0, y - y0
    order = np.argsort(xc, kind="stable")
    xc, yc = xc[order], yc[order]
    edges = np.linspace(xc[0], xc[-1], bins + 1)
    idx = np.clip(np.searchsorted(edges, xc, side="right") - 1, 0, bins - 1)
    starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
    # Index of the minimum of y within each occupied slice.
    seg = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, xc.size]))
    key = seg * (np.ptp(yc) + 1.0) * 4 + (yc - yc.min())
    pick = np.sort(np.argsort(key, kind="stable")[starts])
    px, py = xc[pick], yc[pick]
    # Lower hull by the monotone chain over at most ``bins`` points.
    hull: list[int] = []
    for i in range(px.size):
        while len(hull) >= 2:
            i1, i2 = hull[-2], hull[-1]
            cross = (px[i2] - px[i1]) * (py[i] - py[i1]) - (py[i2] - py[i1]) * (px[i] - px[i1])
            if cross <= 0:
                hull.pop()
            else:
                break
        hull.append(i)
    hx, hy = px[hull], py[hull]
    if hx.size == 1:
        return y0 + float(hy[0]) - 0.0 * x0, 0.0
    # Slope of the hull's chord over the middle two thirds: one short hull edge is
    # noisy, a long chord of the floor is not (measured on simulated BLE arrivals:
    # worst case 2.3 ms over 60 s against 4.8 ms for the single edge). The line then
    # drops until it is under every point, touching the fastest delivery.
    q1, q2 = hx[0] + np.ptp(hx) / 6.0, hx[-1] - np.ptp(hx) / 6.0
    h1, h2 = np.interp([q1, q2], hx, hy)
    b = float((h2 - h1) / (q2 - q1))
    a = float(np.min(yc - b * xc))
    return y0 + a - b * x0, b


def _lost_from_arrivals(
    host: FloatArray, last_index: FloatArray, period: float, n_packet: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Samples lost before each packet, from persistent steps in the latency floor.

    A lost packet shifts every later packet's index down, so their apparent latency
    ``host - index·period`` rises by the lost time and *stays* up, while ordinary
    jitter only raises single packets. Comparing the minimum latency over a window
    after each packet with the one before it separates the two.
    """
    p = host.size
    lost = np.zeros(p, dtype=np.int64)
    if p < 3:
        return lost
    r = host - last_index * period
    # Window ~1 s of packets (at least 5) so a burst of jitter cannot fake a step.
    per_packet = float(np.median(n_packet)) * period
    w = int(max(5, min(200, round(1.0 / max(per_packet, 1e-6)))))
    size = 2 * w + 1
    # Forward-looking minimum over [i, i+w] and backward-looking over [i-w, i-1].
    fwd = minimum_filter1d(r, size=size, origin=-w, mode="nearest")
    bwd = np.empty_like(r)
    bwd[0] = r[0]
    bwd[1:] = minimum_filter1d(r, size=size, origin=w, mode="nearest")[:-1]
    step = fwd - bwd
    half = 0.5 * np.maximum(n_packet, 1) * period
    cand = step > half
    if not np.any(cand):
        return lost
    # A step shows on a run of consecutive packets; its size is the run's largest step,
    # and the loss sits where the step first reaches that size (a slow packet just
    # before the loss can start the run early with a partial step).
    # Near the end the forward window holds too few packets to know the floor.
    cand[max(0, p - max(10, w // 4)) :] = False
    starts = np.flatnonzero(cand & ~np.r_[False, cand[:-1]])
    ends = np.flatnonzero(cand & ~np.r_[cand[1:], False]) + 1
    peak = np.maximum.reduceat(step, starts) if starts.size else np.zeros(0)
    for s0, e0, pk in zip(
        starts.tolist(), ends.tolist(), peak.tolist(), strict=True
    ):  # one per gap
        j = s0 + int(np.argmax(step[s0:e0] >= pk - half[s0]))
        lost[j] = max(0, round(pk / period))
    return lost


def reconstruct(
    host_time: FloatArray,
    n_per_packet: NDArray[np.int64],
    rate: float,
    device_time: FloatArray | None = None,
    counter: NDArray[np.int64] | None = None,
    max_drift: float = 0.01,
) -> TimeBase:
    """Sample times of one sensor stream.

    Parameters
    ----------
    host_time : ndarray, shape (P,)
        Arrival time of each packet, s (monotonic host clock).
    n_per_packet : ndarray of int, shape (P,)
        Samples in each packet (sum = N).
    rate : float
        Nominal sampling rate, Hz.
    device_time : ndarray, shape (N,), optional
        Per-sample device time, s.
    counter : ndarray of int, shape (N,), optional
        Per-sample counter (unwrapped).
    max_drift : float
        Largest plausible relative clock error; beyond it the device clock is used at
        its nominal rate.

    Returns
    -------
    TimeBase
    """
    host = np.asarray(host_time, dtype=np.float64)
    npk = np.asarray(n_per_packet, dtype=np.int64)
    n = int(npk.sum())
    if n == 0 or host.size == 0:
        return TimeBase(t=np.zeros(0), method="arrival", rate=float(rate))
    period = 1.0 / float(rate)
    last = np.cumsum(npk) - 1  # index of each packet's last sample
    notes: list[str] = []
    if device_time is not None:
        x = np.asarray(device_time, dtype=np.float64)
        method, unit = "device_time", 1.0
    elif counter is not None:
        x = np.asarray(counter, dtype=np.float64)
        method, unit = "counter", period
    else:
        # Position in stream, with samples lost inside the stream added back.
        lost = _lost_from_arrivals(host, last.astype(np.float64), period, npk)
        shift = np.repeat(np.cumsum(lost), npk)
        x = np.arange(n, dtype=np.float64) + shift
        method, unit = "arrival", period
    # Restarts (x going backwards) split the stream into segments fitted separately.
    back = np.flatnonzero(np.diff(x) <= 0) + 1
    seg_starts = np.concatenate([[0], back])
    seg_ends = np.concatenate([back, [n]])
    t = np.empty(n, dtype=np.float64)
    gaps: list[Gap] = []
    drifts: list[float] = []
    resid_all: list[FloatArray] = []
    # Packet → segment via the packet's last sample; segments are few (restarts only).
    for s0, s1 in zip(seg_starts, seg_ends, strict=True):
        pk = (last >= s0) & (last < s1)
        xs = x[s0:s1]
        if not np.any(pk):
            t[s0:s1] = host[min(np.searchsorted(last, s0), host.size - 1)] + (xs - xs[-1]) * unit
            continue
        xp, hp = x[last[pk]], host[pk]
        a, b = robust_line(xp, hp)
        rel = b / unit - 1.0 if xp.size > 1 and np.ptp(xp) > 0 else 0.0
        if xp.size < 2 or np.ptp(xp) * unit < 2.0 or abs(rel) > max_drift:
            if abs(rel) > max_drift and np.ptp(xp) * unit >= 2.0:
                notes.append(
                    f"arrival times imply a clock {rel * 100:+.1f}% off nominal; "
                    "kept the device clock at its nominal rate"
                )
            b = unit
            a = float(np.percentile(hp - b * xp, 2.0))
            rel = 0.0
        drifts.append(rel)
        t[s0:s1] = a + b * xs
        resid_all.append(hp - (a + b * xp))
        # Steps in sample periods whatever the unit of x (seconds or counts).
        steps = np.diff(xs) * (unit / period)
        jumps = np.flatnonzero(steps > 1.5)
        for j in jumps:
            gaps.append(Gap(float(t[s0 + j]), float(t[s0 + j + 1]), round(float(steps[j]) - 1)))
    for s in seg_starts[1:]:
        gaps.append(Gap(float(t[s - 1]), float(t[s]), -1))
        notes.append("device counter/clock restarted; segments aligned on arrival times")
    gaps.sort(key=lambda g: g.t_start)
    # Keep times increasing across segments even if a restart fit overlaps.
    if n > 1 and np.any(np.diff(t) <= 0):
        t = np.maximum.accumulate(t)
        bad = np.flatnonzero(np.diff(t) <= 0) + 1
        t[bad] = t[bad - 1] + 1e-9
        t = np.maximum.accumulate(t)
    resid = np.concatenate(resid_all) if resid_all else np.zeros(1)
    q75, q25 = np.percentile(resid, [75, 25])
    span = t[-1] - t[0]
    eff_rate = (n - 1 + sum(max(g.lost, 0) for g in gaps)) / span if span > 0 else float(rate)
    return TimeBase(
        t=t,
        method=method,
        rate=float(eff_rate),
        drift_ppm=float(np.median(drifts) * 1e6) if drifts else 0.0,
        gaps=gaps,
        latency_jitter=float(q75 - q25),
        notes=notes,
        x=x,
    )

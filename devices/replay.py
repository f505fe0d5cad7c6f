"""Capture → per-device decoded arrays: profiles + decoders + timestamp reconstruction.

The same path serves a live session (feed notifications as they arrive) and a replayed
capture file, so a recorded session decodes bit-for-bit as it did live.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from devices.capture import Capture, CaptureDevice, read_capture
from devices.decoders import Decoder, Samples, make_decoder
from devices.decoders.base import Batch, DecoderStats, batches_from_samples
from devices.errors import CaptureFileError, ProfileError
from devices.profiles import Profile, get_profile
from devices.timestamps import Gap, TimeBase, reconstruct

FloatArray = NDArray[np.float64]


@dataclass
class DeviceData:
    """Everything decoded for one device of a session.

    Attributes
    ----------
    device : CaptureDevice
        Address, name, profile id, placement and side.
    profile : Profile
        The profile used.
    t : ndarray, shape (N,)
        Sample times, s since the session start (capture header time).
    acc : ndarray, shape (N, 3) or None
        Specific force, m/s², device frame.
    gyr : ndarray, shape (N, 3) or None
        Angular rate, rad/s, device frame (resampled onto ``t`` when sent separately).
    channels : dict of str to dict of str to ndarray
        Low-rate series, e.g. ``{"rsc": {"t": ..., "speed": ..., "cadence": ...}}``.
    stats : DecoderStats
        Packet counts of the decoder.
    gaps : list of Gap
        Gaps in session time, s.
    timebase : dict of str to TimeBase
        Per sensor kind (``imu``, ``acc``, ``gyr``, ``rsc``), how times were rebuilt.
    notes : list of str
        Decisions and warnings.
    """

    device: CaptureDevice
    profile: Profile
    t: FloatArray
    acc: FloatArray | None
    gyr: FloatArray | None
    channels: dict[str, dict[str, FloatArray]] = field(default_factory=dict)
    stats: DecoderStats = field(default_factory=DecoderStats)
    gaps: list[Gap] = field(default_factory=list)
    timebase: dict[str, TimeBase] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Effective sampling rate of the main stream, Hz."""
        for k in ("imu", "acc", "gyr"):
            if k in self.timebase:
                return self.timebase[k].rate
        return float(self.profile.rate)


def _extrap_interp(x: FloatArray, xp: FloatArray, fp: FloatArray) -> FloatArray:
    """Linear interpolation that extends the end segments instead of clamping."""
    y = np.interp(x, xp, fp)
    lo, hi = x < xp[0], x > xp[-1]
    if np.any(lo):
        y[lo] = fp[0] + (x[lo] - xp[0]) * (fp[1] - fp[0]) / (xp[1] - xp[0])
    if np.any(hi):
        y[hi] = fp[-1] + (x[hi] - xp[-1]) * (fp[-1] - fp[-2]) / (xp[-1] - xp[-2])
    return y


def _share_clock(
    acc: TimeBase, gyr: TimeBase, t_acc: FloatArray, t_gyr: FloatArray, rate: float
) -> FloatArray:
    """Gyro times on the accelerometer's fitted clock when both come from one sensor clock.

    Separately fitted streams disagree by a fraction of a millisecond, which matters when
    gyro samples are resampled onto accelerometer times. With device time stamps the
    device axis is shared directly; without them, both sensors still sample on one ODR
    clock, so their instants differ by a whole number of samples (found from the two
    fits) and the gyro axis maps through the accelerometer's.
    """
    xa, xg = acc.x, gyr.x
    if xa.size < 2 or xg.size < 1 or acc.method != gyr.method or not np.all(np.diff(xa) > 0):
        return t_gyr
    if acc.method == "device_time":
        return _extrap_interp(xg, xa, t_acc)
    period = 1.0 / rate
    base = _extrap_interp(xg, xa, t_acc)
    shift = float(np.median(t_gyr - base)) / period
    k0 = round(shift)
    if abs(shift - k0) > 0.3:
        return t_gyr  # not one clock after all: keep the independent fit
    return _extrap_interp(xg + k0, xa, t_acc)


def assemble(
    batches: list[Samples] | list[Batch],
    profile: Profile,
    device: CaptureDevice,
    stats: DecoderStats,
    t0: float = 0.0,
) -> DeviceData:
    """Turn a device's decoded packets into time-stamped arrays.

    Parameters
    ----------
    batches : list of Samples or list of Batch
        Decoder output in arrival order (per packet, or already grouped per sensor).
    profile : Profile
        Device profile (nominal rate).
    device : CaptureDevice
        Device table entry.
    stats : DecoderStats
        The decoder's counts, kept in the result.
    t0 : float
        Session start on the host clock, s; subtracted from every time.

    Returns
    -------
    DeviceData
    """
    grouped: list[Batch] = [b for b in batches if isinstance(b, Batch)]
    grouped += batches_from_samples([b for b in batches if isinstance(b, Samples)])
    groups: dict[str, list[Batch]] = {}
    for bt in grouped:
        groups.setdefault(bt.sensor, []).append(bt)
    out = DeviceData(device=device, profile=profile, t=np.zeros(0), acc=None, gyr=None, stats=stats)
    series: dict[str, tuple[FloatArray, FloatArray | None, FloatArray | None]] = {}
    axes: dict[str, TimeBase] = {}
    rate = float(profile.rate)
    for kind, gs in groups.items():
        b = gs[0] if len(gs) == 1 else _merge(gs)
        if kind == "rsc":
            # RSC values are per notification (~1 Hz); arrival order is the clock.
            tb = reconstruct(b.host_time, b.n, rate)
            out.channels["rsc"] = {"t": tb.t - t0, **b.values}
            out.timebase[kind] = tb
            continue
        tb = reconstruct(
            b.host_time,
            b.n,
            rate,
            device_time=b.device_time,
            counter=None if b.device_time is not None else b.counter,
        )
        axes[kind] = tb
        out.timebase[kind] = tb
        out.notes.extend(f"{kind}: {n}" for n in tb.notes)
        out.gaps.extend(Gap(g.t_start - t0, g.t_end - t0, g.lost) for g in tb.gaps)
        series[kind] = (tb.t - t0, b.acc, b.gyr)
    if "imu" in series:
        out.t, out.acc, out.gyr = series["imu"]
    elif "acc" in series:
        out.t, out.acc, _ = series["acc"]
        if "gyr" in series:
            tg, _, g = series["gyr"]
            tg = _share_clock(axes["acc"], axes["gyr"], out.t, tg, rate)
            if g is not None and tg.size > 1:
                # Separate gyro packets: bring them onto the accelerometer's times.
                out.gyr = np.column_stack([np.interp(out.t, tg, g[:, i]) for i in range(3)])
                out.notes.append("gyr resampled onto acc times (separate streams)")
    elif "gyr" in series:
        out.t, _, out.gyr = series["gyr"]
        out.notes.append("no accelerometer packets")
    out.gaps.sort(key=lambda g: g.t_start)
    return out


def _merge(gs: list[Batch]) -> Batch:
    """One batch from several of the same sensor, in arrival order."""
    order = np.argsort(np.concatenate([g.host_time for g in gs]), kind="stable")

    def cat(parts: list[FloatArray | None]) -> FloatArray | None:
        return None if any(p is None for p in parts) else np.concatenate(parts)  # type: ignore[arg-type]

    # Samples follow their packets: reorder packets, then expand to samples.
    n = np.concatenate([g.n for g in gs])
    starts = np.concatenate([[0], np.cumsum(n)[:-1]])
    idx = (
        np.concatenate([np.arange(s, s + k) for s, k in zip(starts[order], n[order], strict=True)])
        if n.size
        else np.zeros(0, dtype=np.int64)
    )

    def pick(a: FloatArray | None) -> FloatArray | None:
        return None if a is None else a[idx]

    keys = set.intersection(*(set(g.values) for g in gs)) if gs else set()
    return Batch(
        sensor=gs[0].sensor,
        host_time=np.concatenate([g.host_time for g in gs])[order],
        n=n[order],
        acc=pick(cat([g.acc for g in gs])),
        gyr=pick(cat([g.gyr for g in gs])),
        values={k: np.concatenate([g.values[k] for g in gs])[idx] for k in keys},
        device_time=pick(cat([g.device_time for g in gs])),
        counter=None
        if any(g.counter is None for g in gs)
        else np.concatenate([g.counter for g in gs if g.counter is not None])[idx],
    )


def decode_device(
    capture: Capture, device: CaptureDevice, profile: Profile | None = None
) -> DeviceData:
    """Decode every notification of one device of a capture.

    Parameters
    ----------
    capture : Capture
        The capture read back.
    device : CaptureDevice
        One entry of ``capture.devices``.
    profile : Profile, optional
        Override the profile named in the capture.

    Returns
    -------
    DeviceData

    Raises
    ------
    ProfileError
        The capture names a profile that is not installed.
    """
    prof = profile or get_profile(device.profile)
    dec: Decoder = make_decoder(prof)
    t0 = capture.start_time_ns * 1e-9
    sel = np.flatnonzero(capture.device == device.index)
    uuids = capture.chars.get(device.index, [])
    # Roles resolved once per characteristic; a recorded UUID unknown to the profile
    # but listed in the device's table keeps the recorded role.
    recorded = {v.lower(): k for k, v in device.characteristics.items()}
    roles = [prof.role_of(u) or recorded.get(u.lower()) or u for u in uuids]
    host = capture.host_time_ns[sel] * 1e-9
    chars = capture.char[sel]
    batches: list[Samples] | list[Batch]
    if type(dec).feed_batch is not Decoder.feed_batch and "data" in roles:
        # Fixed-layout packets decode in one vectorized call; the decoder's control
        # responses do not change how its data decodes, so order between them is free.
        is_data = (
            np.array([r == "data" for r in roles], dtype=bool)[chars]
            if roles
            else np.zeros(0, bool)
        )
        di = sel[is_data]
        batches = dec.feed_batch([capture.payloads[i] for i in di.tolist()], host[is_data], "data")
        for i, h, c in zip(
            sel[~is_data].tolist(), host[~is_data].tolist(), chars[~is_data].tolist(), strict=True
        ):
            dec.feed(capture.payloads[i], h, roles[c])
    else:
        per_packet: list[Samples] = []
        for i, h, c in zip(sel.tolist(), host.tolist(), chars.tolist(), strict=True):
            s = dec.feed(capture.payloads[i], h, roles[c])
            if s is not None:
                per_packet.append(s)
        batches = per_packet
    data = assemble(batches, prof, device, dec.stats, t0=t0)
    _link_gaps(capture, device, data, t0)
    unknown = [u for u, r in zip(uuids, roles, strict=True) if r == u]
    for u in unknown:
        data.notes.append(f"unknown characteristic {u}: its notifications were dropped")
    return data


def _link_gaps(capture: Capture, device: CaptureDevice, data: DeviceData, t0: float) -> None:
    """Add link outages the recorder logged (``gap`` events) that the samples did not show.

    A reconnect after which the device clock and counters continue is already found in
    the samples; an outage of a device without either (or a tail outage) is not, so the
    recorder's own account is kept too.
    """
    for e in capture.events:
        if e.device != device.index or e.kind != "gap":
            continue
        try:
            a = float(e.info["start_ns"]) * 1e-9 - t0
            b = float(e.info["end_ns"]) * 1e-9 - t0
        except (KeyError, TypeError, ValueError):
            continue
        if not any(g.t_start <= b and a <= g.t_end for g in data.gaps):
            data.gaps.append(Gap(a, b, -1))
            data.notes.append(f"link lost {a:.3f}-{b:.3f} s (recorder event)")
    data.gaps.sort(key=lambda g: g.t_start)


def replay(capture: Capture | str | Path) -> list[DeviceData]:
    """Decode a whole capture, one :class:`DeviceData` per device.

    Parameters
    ----------
    capture : Capture or path
        A capture, or a capture file to read.

    Returns
    -------
    list of DeviceData
        In device-table order.

    Raises
    ------
    CaptureFileError
        Unreadable file, or a device with an unknown profile.
    """
    cap = capture if isinstance(capture, Capture) else read_capture(capture)
    out = []
    for d in cap.devices:
        try:
            out.append(decode_device(cap, d))
        except ProfileError as exc:
            raise CaptureFileError(f"{cap.path}: device {d.index} ({d.name}): {exc}") from None
    return out


def summary(data: DeviceData) -> dict[str, Any]:
    """Per-device statistics as plain JSON (packets, drops, samples, rate, gaps)."""
    return {
        "device": data.device.name,
        "address": data.device.address,
        "profile": data.profile.id,
        "placement": data.device.placement,
        "side": data.device.side,
        "samples": int(data.t.size),
        "rate_hz": round(data.rate, 3),
        "gaps": len(data.gaps),
        "lost_samples": int(sum(max(g.lost, 0) for g in data.gaps)),
        **{f"decoder_{k}": v for k, v in data.stats.as_dict().items()},
    }

"""The batch gait pipeline, :func:`analyze`: recording → step table and summaries.

Stages (each a pure function, so the streaming engine reuses them on a window; the ones
both call are in :mod:`gait.analysis.stages`): quality checks → per-stream detectors
(:mod:`gait.analysis.placements`) → fusion and step table
(:func:`gait.analysis.stages.contacts_to_steps`) → activity bouts
(:func:`gait.analysis.bouts.activity_bouts`) → summaries (:mod:`gait.analysis.summary`,
:mod:`gait.analysis.overstride`). Nothing here branches on a placement's name: what a placement
means is in its :class:`~gait.analysis.placements.registry.PlacementSpec`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, cast

import numpy as np
import pandas as pd

from gait.analysis.bouts import activity_bouts, bout_source, core_bouts, label_steps, merge_bouts
from gait.analysis.fuse import SensorEvents
from gait.analysis.overstride import overstride_indicators
from gait.analysis.placements import check_events, get_detector
from gait.analysis.placements.registry import is_leg, sees_both_legs
from gait.analysis.quality.plausibility import gyro_motion, input_checks, placement_suspect
from gait.analysis.quality.sensor_limits import (
    FULL_RATE_HZ,
    SATURATION_FRACTION,
    SensorLimits,
    clipped_rows,
    make_limits,
    stream_limits,
)
from gait.analysis.stages import SATURATION_FLAG_SHARE, contacts_to_steps, finite_only, stream_flags
from gait.analysis.summary import session_summary
from gait.contract.errors import AnalysisError, InputFileError
from gait.contract.recording import Recording, Stream
from gait.contract.result import GaitResult
from gait.contract.summary_types import SUMMARY_VERSION, InputCheckRecord, RunSummary, SensorRecord
from gait.util.heap import release_free_memory
from gait.util.jsonsafe import to_jsonable

#: Long streams are analysed in chunks of this many seconds (bounded memory for any
#: recording length; the stage functions are window-pure so results do not depend on it).
CHUNK_SECONDS = 600.0
#: Each chunk sees this much extra data on both sides so every contact of its core has
#: complete cycles around it; events are kept only from the core. [G]
CHUNK_OVERLAP = 10.0


def reference_speed(rec: Recording) -> float | None:
    """Known speed, m/s: treadmill belt speed, else the median RSC speed, else None.

    Parameters
    ----------
    rec : Recording
        The session.

    Returns
    -------
    float or None
    """
    if rec.meta.treadmill_speed:
        return float(rec.meta.treadmill_speed)
    for ch in rec.channels:
        v = ch.values.get("speed")
        if v is not None and v.size and np.isfinite(v).any():
            med = float(np.nanmedian(v))
            if med > 0:
                return med
    return None


class _StreamScan:
    """Stream flags and placement check of a clean stream seen one chunk core at a time.

    :func:`gait.analysis.stages.stream_flags` and :func:`placement_check` give the same results
    on the whole stream (the flags' counts and shares are the same integer counts and float
    divisions; the 99th percentile is taken over the same values).
    """

    def __init__(self, stream: Stream) -> None:
        self.st = stream
        self.peak = -np.inf
        self.sat = 0  # rows with any |acc| ≥ the stated range's threshold
        self.near_peak: list[np.ndarray] = []  # row max |acc| that may reach 0.999 × peak
        self.gyr_peak = -np.inf
        self.gyr_sat = 0
        self.rows = 0  # samples seen so far (global index of the next core's first sample)
        self.last_t = np.nan
        self.gap = False
        self.sub_rows = 0  # samples of gyr[::4]
        self.moving: list[np.ndarray] = []  # |gyr[::4]| of the moving ones

    def update(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray | None) -> None:
        """Account for the next core's samples (time order, no overlap)."""
        if t.size == 0:
            return
        st = self.st
        core_peak = float(max(acc.max(), -acc.min()))
        self.peak = max(self.peak, core_peak)
        if st.acc_range:
            self.sat += clipped_rows(acc, st.acc_range)
        else:
            rmax = np.abs(acc).max(axis=1)
            cand = rmax[rmax >= 0.999 * self.peak]
            self.near_peak = [c[c >= 0.999 * self.peak] for c in self.near_peak] + [cand]
        if gyr is not None:
            core_gpeak = float(max(gyr.max(), -gyr.min()))
            self.gyr_peak = max(self.gyr_peak, core_gpeak)
            self.gyr_sat += clipped_rows(gyr, st.gyr_range)
            sub = np.nan_to_num(gyr[(-self.rows) % 4 :: 4])
            g = np.sqrt(np.einsum("ij,ij->i", sub, sub))
            self.sub_rows += g.size
            self.moving.append(g[g > 0.5])
        dt = np.diff(t)
        self.gap = self.gap or bool((dt > 0.25).any()) or bool(t[0] - self.last_t > 0.25)
        self.last_t = float(t[-1])
        self.rows += t.size

    def flags(self) -> list[str]:
        """What :func:`stream_flags` gives for the whole (clean) stream."""
        st, n, out = self.st, self.rows, []
        if st.acc_range:
            thr = SATURATION_FRACTION * st.acc_range
            if self.peak >= thr and self.sat / n >= SATURATION_FLAG_SHARE:
                out.append(f"saturated:{st.name}")
        elif n > 100 and self.peak > 2 * 9.81:
            hits = sum(int((c >= 0.999 * self.peak).sum()) for c in self.near_peak)
            if (hits / n) * n >= max(5, 0.001 * n):
                out.append(f"saturated:{st.name}")
        if st.has_gyr and st.gyr_range:
            gthr = SATURATION_FRACTION * st.gyr_range
            if self.gyr_peak >= gthr and self.gyr_sat / n >= SATURATION_FLAG_SHARE:
                out.append(f"gyr_saturated:{st.name}")
        if self.gap:
            out.append(f"gap:{st.name}")
        return out

    def placement(self) -> str | None:
        """What :func:`placement_check` gives for the whole stream."""
        st = self.st
        if not st.has_gyr or self.rows < 200 or self.sub_rows == 0:
            return None
        g = np.concatenate(self.moving)
        share = g.size / self.sub_rows
        p99 = float(np.percentile(g, 99)) if g.size else 0.0
        verdict = placement_suspect(st.placement, st.mount, share, p99)
        return None if verdict is None else f"placement_suspect:{st.name}:{verdict}"


def _windowed(st: Stream) -> bool:
    """True for a long stream that can be read piece by piece (and has not failed to)."""
    return (
        hasattr(st, "windows")
        and not getattr(st, "unordered", False)
        and st.duration > CHUNK_SECONDS + 2 * CHUNK_OVERLAP
    )


class _BoutPass:
    """Activity bouts gathered chunk by chunk during a stream's detection pass.

    The stream is read once; the bouts are the same as :func:`_bouts_of`'s.
    """

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []
        self.failed = False

    def add(self, chunk: Stream, a: float, b: float) -> None:
        """Add the bouts of one chunk with core ``[a, b)``.

        A chunk with non-finite samples gives no bouts at all (then the duty-factor rule
        labels the steps).
        """
        if self.failed:
            return
        try:
            piece = core_bouts(chunk, a, b)
        except AnalysisError:
            self.failed, self.parts = True, []
            return
        if piece is not None:
            self.parts.append(piece)

    def result(self) -> pd.DataFrame | None:
        """The merged bouts, or None (then the duty-factor fallback applies)."""
        return None if self.failed else _merged_bouts(self.parts)


class _ChunkDetector:
    """One stream's detector run chunk by chunk, keeping each chunk's core contacts.

    After a detector error the detector stops (the rest of the pass still scans the stream
    for its flags) and :meth:`result` gives the error.
    """

    def __init__(self, st: Stream, speed: float | None) -> None:
        self.name = st.name
        self.speed = speed
        self.frames: list[pd.DataFrame] = []
        self.problem: AnalysisError | None = None
        self.detector: Any = None
        try:
            self.detector = get_detector(st.placement)
        except AnalysisError as exc:
            self.problem = exc

    def add(self, piece: Stream, a: float, b: float) -> bool:
        """Detect contacts in ``piece`` and keep those with ``t_ic`` in ``[a, b)``.

        Returns True when the detector ran.
        """
        if self.detector is None or piece.n < 2:
            return False
        try:
            ev = self.detector(piece, speed=self.speed)
        except AnalysisError as exc:
            self.detector, self.problem = None, exc
            return False
        kept = ev[(ev["t_ic"] >= a) & (ev["t_ic"] < b)]
        if len(kept) or not self.frames:
            self.frames.append(kept)
        return True

    def result(self) -> pd.DataFrame | AnalysisError:
        """The checked contacts of the whole stream, or the error that stopped them."""
        if self.problem is not None:
            return self.problem
        try:
            frames = [f for f in self.frames if len(f)] or self.frames[:1]
            return check_events(pd.concat(frames, ignore_index=True), self.name)
        except AnalysisError as exc:
            return exc


def _analyze_windowed(
    st: Stream,
    speed: float | None,
    flags: list[str],
    bouts: _BoutPass | None = None,
    limits: dict[str, SensorLimits] | None = None,
) -> list[SensorEvents]:
    """Quality flags and events of a piece-by-piece stream in one pass over its chunks.

    The same flags, in the same order, and the same events as the whole-stream path of
    :func:`analyze` (``stream_flags`` → ``placement_check`` → ``detect_chunked``); only one
    chunk of samples is in memory at a time. With ``bouts``, each chunk's activity bouts
    are gathered there too.

    Raises
    ------
    InputFileError
        The stream has non-finite samples or unordered time (nothing is added to ``flags``).
    """
    scan = _StreamScan(st)
    run = _ChunkDetector(st, speed)
    cores = chunk_bounds(st.t_first, st.t_last)  # type: ignore[attr-defined]
    for (a, b), (piece, c0, c1) in zip(cores, st.windows(cores, CHUNK_OVERLAP), strict=True):  # type: ignore[attr-defined]
        scan.update(
            piece.t[c0:c1], piece.acc[c0:c1], None if piece.gyr is None else piece.gyr[c0:c1]
        )
        if bouts is not None:
            bouts.add(piece, a, b)
        if run.add(piece, a, b):
            del piece
            release_free_memory()  # the next chunk reuses pages, not fragments: flat peak memory
    flags.extend(scan.flags())
    if limits is not None:
        limits[st.name] = make_limits(st, scan.rows, scan.sat, scan.gyr_sat)
    suspect = scan.placement()
    if suspect:
        flags.append(suspect)
    return _sensor_events(st, run.result(), flags)


def _analyze_whole(
    st: Stream, speed: float | None, flags: list[str], limits: dict[str, SensorLimits]
) -> list[SensorEvents]:
    """Quality flags, limits and events of a stream held in memory (detected chunk by chunk)."""
    flags.extend(stream_flags(st))
    if st.n < 2:
        return []
    suspect = placement_check(st)
    if suspect:
        flags.append(suspect)
    st = finite_only(st)
    limits[st.name] = stream_limits(st)
    try:
        detector = get_detector(st.placement)
        ev: pd.DataFrame | AnalysisError = check_events(
            detect_chunked(detector, st, speed), st.name
        )
    except AnalysisError as exc:
        ev = exc
    return _sensor_events(st, ev, flags)


def _sensor_events(
    st: Stream, ev: pd.DataFrame | AnalysisError, flags: list[str]
) -> list[SensorEvents]:
    """The stream's events as a one-item list, flagging no detector or no steps."""
    if isinstance(ev, AnalysisError):
        flags.append(f"no_detector:{st.name}")
        flags.append(f"error:{st.name}:{ev}")
        return []
    if len(ev) == 0:
        flags.append(f"no_steps:{st.name}")
    return [SensorEvents(st.name, st.placement, st.side, ev)]


def _detect_streams(
    rec: Recording,
    speed: float | None,
    flags: list[str],
    limits: dict[str, SensorLimits],
    want_bouts: bool,
) -> tuple[list[SensorEvents], _BoutPass | None]:
    """Every stream's flags, limits and events.

    With ``want_bouts``, a piece-by-piece bout stream also gives its activity bouts during
    its detection pass (read once); they are returned, else None.
    """
    bout_st = _bout_stream(rec) if want_bouts else None
    bout_pass: _BoutPass | None = None
    sensors: list[SensorEvents] = []
    for st in rec.streams:
        if _windowed(st):
            bp = _BoutPass() if st is bout_st else None
            try:
                sensors.extend(_analyze_windowed(st, speed, flags, bp, limits))
                bout_pass = bp if bp is not None else bout_pass
                continue
            except InputFileError:
                # non-finite samples or unordered time: the whole-stream path below (which
                # also reports a damaged file)
                st.unordered = True  # type: ignore[attr-defined]
        sensors.extend(_analyze_whole(st, speed, flags, limits))
    return sensors, bout_pass


def _low_rate_flags(limits: dict[str, SensorLimits]) -> list[str]:
    """``low_rate:<name>:<Hz>`` for each leg sensor sampled below full rate.

    A leg's events are timed to one sample: at 52 Hz a foot's contacts came out 50 ms long
    and its strike angles 20° steep on the synthetic runs
    (:mod:`gait.analysis.quality.sensor_limits`).
    """
    return [
        f"low_rate:{name}:{lim.rate_hz:.0f}Hz"
        for name, lim in limits.items()
        if is_leg(lim.placement) and lim.rate_hz < FULL_RATE_HZ
    ]


def _step_bouts(
    rec: Recording,
    steps: pd.DataFrame,
    activity: str | None,
    bout_pass: _BoutPass | None,
    flags: list[str],
) -> pd.DataFrame:
    """The bouts that label the steps.

    One bout of the forced ``activity``, else the rule of
    :func:`gait.analysis.bouts.activity_bouts` (flagged when it falls back to the duty factor).
    """
    if activity in ("run", "walk"):
        return pd.DataFrame(
            {
                "t_start": [steps["t_ic"].min() if len(steps) else 0.0],
                "t_end": [steps["t_ic"].max() if len(steps) else 0.0],
                "activity": [activity],
            }
        )
    signal = bout_pass.result() if bout_pass is not None else _bouts_of(rec)
    bouts, fallback = activity_bouts(signal, steps)
    if fallback:
        flags.append("activity:duty_factor_fallback")
    return bouts


def _check_request(recording: Recording, activity: str | None) -> None:
    """Raise AnalysisError for a recording :func:`analyze` cannot take."""
    if not recording.streams:
        raise AnalysisError("the recording has no sensor streams")
    if activity == "balance" or (
        activity in (None, "auto") and recording.meta.activity == "balance"
    ):
        raise AnalysisError("this is a balance session: use gait.balance.analyze_balance")


def placement_check(stream: Stream) -> str | None:
    """Flag a placement label that contradicts the signal (a foot labelled sacrum, ...).

    Only judged with a gyroscope and when the stream moves at all; the rule is
    :func:`gait.analysis.quality.plausibility.placement_suspect`.

    Parameters
    ----------
    stream : Stream
        Samples.

    Returns
    -------
    str or None
        ``'placement_suspect:<name>:looks_like_leg'`` / ``'...:looks_like_trunk'`` or None.
    """
    if stream.gyr is None or stream.n < 200:
        return None
    motion = gyro_motion(stream.gyr)
    if motion is None:
        return None
    verdict = placement_suspect(stream.placement, stream.mount, *motion)
    return None if verdict is None else f"placement_suspect:{stream.name}:{verdict}"


def chunk_bounds(t0: float, t1: float, chunk: float = CHUNK_SECONDS) -> list[tuple[float, float]]:
    """Core intervals ``[a, b)`` tiling ``[t0, t1]`` in pieces of ``chunk`` seconds.

    Parameters
    ----------
    t0, t1 : float
        First and last sample time, s.
    chunk : float
        Core length, s.

    Returns
    -------
    list of (float, float)
        The last core is open-ended (``b = inf``).
    """
    n = max(1, int(np.ceil((t1 - t0) / chunk)))
    edges = [t0 + k * chunk for k in range(n)] + [np.inf]
    edges[0] = -np.inf
    return list(itertools.pairwise(edges))


def detect_chunked(
    detector: Any,
    stream: Stream,
    speed: float | None,
    *,
    chunk: float = CHUNK_SECONDS,
    overlap: float = CHUNK_OVERLAP,
) -> pd.DataFrame:
    """Run ``detector`` on overlapping time chunks and keep each contact once.

    Parameters
    ----------
    detector : callable
        ``detect_events(stream, *, speed=None)``.
    stream : Stream
        Samples (chunks are views, not copies).
    speed : float or None
        Reference speed, m/s.
    chunk, overlap : float
        Core length and extra context on each side, s.

    Returns
    -------
    DataFrame
        The detector's events with ``t_ic`` in each chunk's core, concatenated.
    """
    if stream.duration <= chunk + 2 * overlap:
        out: pd.DataFrame = detector(stream, speed=speed)
        return out
    frames: list[pd.DataFrame] = []
    for a, b in chunk_bounds(float(stream.t[0]), float(stream.t[-1]), chunk):
        piece = stream.slice_time(a - overlap, b + overlap)
        if piece.n < 2:
            continue
        ev = detector(piece, speed=speed)
        kept = ev[(ev["t_ic"] >= a) & (ev["t_ic"] < b)]
        if len(kept) or not frames:
            frames.append(kept)
    frames = [f for f in frames if len(f)] or frames[:1]
    return pd.concat(frames, ignore_index=True)


def _bout_stream(rec: Recording) -> Stream | None:
    """The stream the activity bouts are taken from (:func:`gait.analysis.bouts.bout_source`)."""
    i = bout_source([s.placement for s in rec.streams])
    return None if i is None else rec.streams[i]


def _bouts_of(rec: Recording) -> pd.DataFrame | None:
    """Activity bouts (:func:`gait.analysis.bouts.detect_bouts`) of the recording's bout stream.

    Taken chunk by chunk; None when there are none or the stream has non-finite samples.
    """
    st = _bout_stream(rec)
    if st is None:
        return None
    try:
        parts = []
        for (a, b_), chunk in _chunks(st):
            piece = core_bouts(chunk, a, b_)
            del chunk
            release_free_memory()
            if piece is not None:
                parts.append(piece)
    except InputFileError:
        if not _windowed(st):
            return None
        st.unordered = True  # type: ignore[attr-defined]
        return _bouts_of(rec)  # the whole-stream way
    except AnalysisError:  # non-finite acceleration: no bouts, the duty-factor rule applies
        return None
    return _merged_bouts(parts)


def _merged_bouts(parts: list[pd.DataFrame]) -> pd.DataFrame | None:
    """The chunks' bouts merged, or None when there are none."""
    return merge_bouts(pd.concat(parts, ignore_index=True)) if parts else None


def _chunks(st: Stream) -> Iterator[tuple[tuple[float, float], Stream]]:
    """``((a, b), st.slice_time(a - CHUNK_OVERLAP, b + CHUNK_OVERLAP))`` for every chunk core.

    A stream that reads piece by piece (:class:`gait.io.canonical_stream.FileStream`) is read
    so; it raises :class:`~gait.contract.errors.InputFileError` if it turns out not to be clean.
    """
    if st.n < 2:
        return
    if _windowed(st):
        cores = chunk_bounds(st.t_first, st.t_last)  # type: ignore[attr-defined]
        pieces = st.windows(cores, CHUNK_OVERLAP)  # type: ignore[attr-defined]
        for core, (piece, _, _) in zip(cores, pieces, strict=True):
            yield core, piece
        return
    for a, b in chunk_bounds(float(st.t[0]), float(st.t[-1])):
        yield (a, b), st.slice_time(a - CHUNK_OVERLAP, b + CHUNK_OVERLAP)


def analyze(
    recording: Recording,
    *,
    activity: str | None = None,
    window_steps: int = 20,
    baseline: Any = None,
) -> GaitResult:
    """Detect steps and summarise a running or walking session.

    Parameters
    ----------
    recording : Recording
        Session with one or more foot, shank, sacrum or phone streams.
    activity : {'run', 'walk', 'auto'} or None
        Force the activity of every step; None/'auto' detects it per bout.
    window_steps : int
        Steps per summary window.
    baseline : optional
        The runner's own cadence baseline (see :func:`gait.analysis.overstride.baseline_cadence`).

    Returns
    -------
    GaitResult
        Step table, JSON-serialisable summary, window rows, bouts and quality flags.

    Raises
    ------
    AnalysisError
        With no streams, for a balance session, or when no stream has a usable detector.
    """
    _check_request(recording, activity)
    flags: list[str] = []
    speed_ref = reference_speed(recording)
    limits: dict[str, SensorLimits] = {}
    sensors, bout_pass = _detect_streams(
        recording, speed_ref, flags, limits, want_bouts=activity not in ("run", "walk")
    )
    if not sensors:
        raise AnalysisError(
            "no stream could be analysed: "
            + ", ".join(f for f in flags if f.startswith("no_detector"))
        )
    flags.extend(_low_rate_flags(limits))
    fused, steps = contacts_to_steps(sensors, limits)
    if fused.single_side:
        flags.append("single_side")
    _check_placement_consistency(recording, sensors, flags)
    checks = input_checks(
        recording,
        [(s.name, s.placement, s.side, len(s.events)) for s in sensors],
        fused.single_side,
        flags,
        sources=fused.sources,
        skip_gravity=[st.name for st in recording.streams if _windowed(st)],
    )
    flags.extend(c.flag for c in checks if c.flag not in flags)

    bouts = _step_bouts(recording, steps, activity, bout_pass, flags)
    steps["activity"] = label_steps(steps, bouts)
    if len(steps) == 0:
        flags.append("no_steps")

    # Summaries over the moving steps of the dominant activity.
    moving = steps[steps["activity"].isin(["run", "walk"])]
    dominant = moving["activity"].mode().iat[0] if len(moving) else "still"
    part = steps[steps["activity"] == dominant] if len(moving) else steps
    base = session_summary(part, window_steps=window_steps, limits=limits)
    speed_sess = speed_ref
    if speed_sess is None and "speed" in part.columns:
        sp = part["speed"].to_numpy(dtype=np.float64)
        sp = sp[np.isfinite(sp)]
        speed_sess = float(np.median(sp)) if sp.size else None
    cad = base["cadence_spm"]
    summary: RunSummary = {
        "summary_version": SUMMARY_VERSION,
        **base,
        "activity": str(dominant) if len(steps) else "still",
        "activity_steps": {str(k): int(v) for k, v in steps["activity"].value_counts().items()},
        "overstride": overstride_indicators(
            part,
            cadence=float("nan") if cad is None else float(cad),
            speed=speed_sess,
            baseline=baseline,
        ),
        "speed_mps": speed_sess,
        "sources": fused.sources,
        "sensors": {name: cast(SensorRecord, lim.to_dict()) for name, lim in limits.items()},
        "flags": flags,
        "input_checks": [cast(InputCheckRecord, c.as_dict()) for c in checks],
        # units read from the signal (no --acc-unit/--gyr-unit): the CLI announces them
        "units_inferred": {
            st.name: str(st.device["units_inferred"])
            for st in recording.streams
            if st.device.get("units_inferred")
        },
    }
    _withhold(summary, checks)
    summary = cast(RunSummary, to_jsonable(summary))
    return GaitResult(steps=steps, summary=summary, bouts=bouts, flags=flags)


def _withhold(summary: RunSummary, checks: list[Any]) -> None:
    """Blank the two-leg metrics a one-leg recording cannot measure (never a silent number)."""
    if not any(c.code in ("one_leg", "sides_ambiguous", "side_twice") for c in checks):
        return
    summary["flight_ms"] = None
    summary["double_support_ms"] = None
    summary["gct_balance_pct"] = None
    summary["symmetry"] = {}
    summary["asymmetry"] = []


def _check_placement_consistency(
    rec: Recording, sensors: list[SensorEvents], flags: list[str]
) -> None:
    """Flag streams whose step count disagrees with the others (a wrong placement label)."""
    counts = {s.name: len(s.events) for s in sensors}
    legs = [s for s in sensors if is_leg(s.placement)]
    trunk = [s for s in sensors if sees_both_legs(s.placement)]
    for s in legs:
        for tr in trunk:
            # a trunk sensor sees both legs: about twice a leg sensor's contacts
            if counts[tr.name] > 0 and counts[s.name] > 0:
                ratio = counts[tr.name] / counts[s.name]
                if ratio < 1.3 or ratio > 2.7:
                    flags.append(f"placement_mismatch:{s.name}:{tr.name}")
    del rec

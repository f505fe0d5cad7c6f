"""Activity bouts: standing still, walking and running, from one inertial stream.

The stream is cut into overlapping windows (``WINDOW`` s long, one per ``HOP`` s). For each:

* **still vs moving**: the RMS of the 0.5–8 Hz band of the acceleration magnitude (orientation
  free; gravity and slow posture changes fall outside the band);
* **cadence**: the dominant frequency of the magnitude in the window (a foot or shank sensor
  sees its own stride, so its frequency is doubled to steps);
* **run vs walk**: a running gait has a flight phase, in which a trunk-worn sensor is in free
  fall (``|acc|`` near 0) — the flight signature — and a cadence that walking rarely reaches;
  a window is running when it shows the flight signature (trunk and phone) or a cadence of at
  least ``RUN_CADENCE`` with the impact level of running for that placement.

Window labels are smoothed with a 3-window majority filter and merged into bouts, so a start
or stop shows as still → walk/run → still with boundaries to within about one hop.

The steps' activity follows one rule in batch and live (:func:`activity_bouts`): the bouts of
the signal of one stream (:func:`bout_source` picks it) when there are any, else the
duty-factor rule on the step table (:func:`duty_factor_bouts`); :func:`label_steps` gives
each step the activity of the bout it falls in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from gait.analysis.placements._signal import butter_sos, contiguous_segments
from gait.analysis.placements.registry import bout_rank, find_spec, is_leg, sees_both_legs
from gait.contract.constants import G
from gait.contract.errors import AnalysisError
from gait.contract.recording import Stream
from gait.util.scipy_signal import signal

#: Window length and hop, s.
WINDOW = 2.5
HOP = 0.5
#: Band RMS of |acc| above which a window is moving, m/s². [G]
STILL_RMS = 0.5
#: Cadence from which a window with running-level impacts counts as running, steps/min. [G]
RUN_CADENCE = 140.0
#: Share of samples with |acc| < 0.3 g that marks a flight phase at the trunk. [G]
FLIGHT_SHARE = 0.04
#: 95th percentile of |acc| (in g) typical of running at a placement not in the registry;
#: each registered placement has its own (``PlacementSpec.run_peak_g``, with its sources in
#: :mod:`gait.analysis.placements.registry`). [G]
DEFAULT_RUN_PEAK_G = 2.0

#: Duty factor separating running (< 0.5, a flight phase exists) from walking. [G]
RUN_DF = 0.5

BOUT_COLUMNS = ("t_start", "t_end", "activity")


def window_features(stream: Stream) -> pd.DataFrame:
    """Per-window features used for the activity labels.

    Parameters
    ----------
    stream : Stream
        Any placement; acc in m/s².

    Returns
    -------
    DataFrame
        One row per window: ``t_start``, ``t_end`` (s), ``rms`` (band RMS of ``|acc|``, m/s²),
        ``cadence`` (steps/min), ``flight_share`` (0–1), ``peak_g`` (95th percentile of
        ``|acc|``, g).
    """
    segs, _ = contiguous_segments(stream.t, stream.acc, None, stream.rate, min_duration=WINDOW)
    rows = []
    for seg in segs:  # one iteration per gap-free piece, not per sample
        fs = seg.fs
        mag = np.linalg.norm(seg.acc, axis=1)
        w = round(WINDOW * fs)
        hop = max(round(HOP * fs), 1)
        if mag.size < w:
            continue
        sos = butter_sos(2, (0.5, float(min(8.0, 0.45 * fs))), float(fs), "band")
        band = signal.sosfiltfilt(sos, mag)
        bw = sliding_window_view(band, w)[::hop]
        mw = sliding_window_view(mag, w)[::hop]
        starts = np.arange(bw.shape[0]) * hop
        rms = np.sqrt(np.mean(bw**2, axis=1))
        # Dominant frequency per window from a zero-padded, Hann-windowed spectrum.
        nfft = int(2 ** np.ceil(np.log2(max(w, int(8 * fs)))))
        freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
        leg = is_leg(stream.placement)
        if leg:
            band_sel = (freqs >= 0.4) & (freqs <= 2.0)  # own stride
            mult = 2.0
        else:
            band_sel = (freqs >= 0.67) & (freqs <= 4.0)
            mult = 1.0
        # Only bins up to twice the band's top are ever looked at (the band and its double):
        # the power of the rest of the spectrum, most of it, is not computed.
        top = freqs[band_sel][-1] if band_sel.any() else freqs[-1]
        nbin = min(freqs.size, int(np.searchsorted(freqs, 2 * top)) + 1)
        spec = np.abs(np.fft.rfft(bw * np.hanning(w), n=nfft, axis=1)[:, :nbin]) ** 2
        f_dom = freqs[band_sel][np.argmax(spec[:, band_sel[:nbin]], axis=1)]
        if not leg:
            # A swinging phone or an asymmetric trunk can peak at the stride: double slow ones
            # when the double has comparable power.
            j2 = np.clip(np.searchsorted(freqs, 2 * f_dom), 0, freqs.size - 1)
            p1 = spec[np.arange(spec.shape[0]), np.searchsorted(freqs, f_dom)]
            p2 = spec[np.arange(spec.shape[0]), j2]
            f_dom = np.where((f_dom < 1.4) & (p2 > 0.5 * p1), 2 * f_dom, f_dom)
        rows.append(
            pd.DataFrame(
                {
                    "t_start": seg.t[starts],
                    "t_end": seg.t[np.minimum(starts + w - 1, seg.t.size - 1)],
                    "rms": rms,
                    "cadence": 60.0 * mult * f_dom,
                    "flight_share": np.mean(mw < 0.3 * G, axis=1),
                    "peak_g": np.percentile(mw, 95, axis=1) / G,
                }
            )
        )
    if not rows:
        return pd.DataFrame(
            columns=["t_start", "t_end", "rms", "cadence", "flight_share", "peak_g"]
        )
    return pd.concat(rows, ignore_index=True)


def classify_windows(features: pd.DataFrame, placement: str) -> np.ndarray:
    """Label each window 'still', 'walk' or 'run'.

    Parameters
    ----------
    features : DataFrame
        From :func:`window_features`.
    placement : str
        Sensor placement (its :class:`~gait.analysis.placements.registry.PlacementSpec` gives the
        running impact level and whether the trunk's flight signature applies).

    Returns
    -------
    ndarray of str
        One label per window, after a 3-window majority filter.
    """
    if features.empty:
        return np.empty(0, dtype=object)
    moving = features["rms"].to_numpy() > STILL_RMS
    spec = find_spec(placement)
    run_peak_g = DEFAULT_RUN_PEAK_G if spec is None else spec.run_peak_g
    flight = sees_both_legs(placement) & (features["flight_share"].to_numpy() > FLIGHT_SHARE)
    fast = (features["cadence"].to_numpy() >= RUN_CADENCE) & (
        features["peak_g"].to_numpy() >= run_peak_g
    )
    code = np.where(~moving, 0, np.where(flight | fast, 2, 1))
    if code.size >= 3:
        padded = np.concatenate(([code[0]], code, [code[-1]]))
        trip = sliding_window_view(padded, 3)
        # majority of three: the middle value unless both neighbours agree on another one
        code = np.where(trip[:, 0] == trip[:, 2], trip[:, 0], trip[:, 1])
    return np.array(["still", "walk", "run"], dtype=object)[code]


def detect_bouts(stream: Stream) -> pd.DataFrame:
    """Split a stream into bouts of standing still, walking and running.

    Parameters
    ----------
    stream : Stream
        One inertial stream (any placement, any mounting), acc in m/s².

    Returns
    -------
    DataFrame
        Columns ``t_start``, ``t_end`` (s, stream clock) and ``activity``
        ('run', 'walk' or 'still'), one row per bout in time order. Consecutive windows
        with the same label form one bout; each window is attributed to the middle
        ``HOP`` seconds it centres on, so bouts tile the covered time without overlap.
        Empty when the stream is shorter than one window.

    Raises
    ------
    AnalysisError
        When the acceleration holds NaN or infinite samples.
    """
    if stream.acc.size and not np.all(np.isfinite(stream.acc)):
        raise AnalysisError(f"stream {stream.name!r} has non-finite acceleration samples")
    feats = window_features(stream)
    labels = classify_windows(feats, stream.placement)
    if labels.size == 0:
        return pd.DataFrame(
            {c: pd.Series([], dtype=float if c != "activity" else object) for c in BOUT_COLUMNS}
        )
    mid = 0.5 * (feats["t_start"].to_numpy() + feats["t_end"].to_numpy())
    lo = mid - HOP / 2
    hi = mid + HOP / 2
    # Stretch the first and last window to the window edges so the bouts cover the stream.
    seg_break = np.concatenate(
        ([True], feats["t_start"].to_numpy()[1:] - feats["t_start"].to_numpy()[:-1] > 1.5 * HOP)
    )
    seg_end = np.concatenate((seg_break[1:], [True]))
    lo = np.where(seg_break, feats["t_start"].to_numpy(), lo)
    hi = np.where(seg_end, feats["t_end"].to_numpy(), hi)
    change = np.concatenate(([True], labels[1:] != labels[:-1])) | seg_break
    first = np.flatnonzero(change)
    last = np.append(first[1:] - 1, labels.size - 1)
    return pd.DataFrame(
        {"t_start": lo[first], "t_end": hi[last], "activity": labels[first]}
    ).reset_index(drop=True)


def core_bouts(chunk: Stream, a: float, b: float) -> pd.DataFrame | None:
    """Bouts of one chunk of a stream clipped to its core ``[a, b)`` (chunks tile the time).

    Parameters
    ----------
    chunk : Stream
        The core's samples plus context on both sides (the windows at the core's edges see
        their neighbours).
    a, b : float
        Core start and end, s (``-inf`` / ``inf`` for an open end).

    Returns
    -------
    DataFrame or None
        :func:`detect_bouts` rows inside the core; None when there are none.

    Raises
    ------
    AnalysisError
        When the acceleration holds NaN or infinite samples.
    """
    piece = detect_bouts(chunk)
    if not len(piece):
        return None
    piece = piece.assign(t_start=piece["t_start"].clip(lower=a), t_end=piece["t_end"].clip(upper=b))
    return piece[piece["t_end"] > piece["t_start"]]


def merge_bouts(bouts: pd.DataFrame, max_gap: float = 1.0) -> pd.DataFrame:
    """Join consecutive bouts of the same activity separated by less than ``max_gap`` s.

    Parameters
    ----------
    bouts : DataFrame
        ``t_start``, ``t_end``, ``activity``, sorted by ``t_start``.
    max_gap : float
        Largest hole (s) bridged.

    Returns
    -------
    DataFrame
    """
    if len(bouts) < 2:
        return bouts.reset_index(drop=True)
    b = bouts.sort_values("t_start").reset_index(drop=True)
    act = b["activity"].to_numpy()
    new = np.ones(len(b), dtype=bool)
    new[1:] = (act[1:] != act[:-1]) | (
        b["t_start"].to_numpy()[1:] - b["t_end"].to_numpy()[:-1] > max_gap
    )
    grp = np.cumsum(new) - 1
    g = b.groupby(grp)
    return pd.DataFrame(
        {
            "t_start": g["t_start"].min(),
            "t_end": g["t_end"].max(),
            "activity": g["activity"].first(),
        }
    ).reset_index(drop=True)


def bout_source(placements: Sequence[str]) -> int | None:
    """Index of the stream the activity bouts are taken from.

    The first stream of the best ``bout_rank`` (:mod:`gait.analysis.placements.registry`: trunk
    first, then phone, feet, shanks).

    Parameters
    ----------
    placements : sequence of str
        The placement of each stream, in session order.

    Returns
    -------
    int or None
        None when there is no stream.
    """
    if not placements:
        return None
    return min(range(len(placements)), key=lambda i: bout_rank(placements[i]))


def duty_factor_bouts(steps: pd.DataFrame) -> pd.DataFrame:
    """Fallback activity bouts from the step table: DF < 0.5 run, else walk.

    Consecutive steps with the same class form a bout; a step-time gap (NaN step time)
    or a pause ends it.

    Parameters
    ----------
    steps : DataFrame
        Step table.

    Returns
    -------
    DataFrame
        ``t_start``, ``t_end`` (s), ``activity`` ('run' | 'walk').
    """
    if len(steps) == 0:
        return pd.DataFrame(columns=["t_start", "t_end", "activity"])
    df = steps["duty_factor"].to_numpy(dtype=np.float64)
    # Smooth over 5 steps so one odd step does not split a bout.
    sm = pd.Series(df).rolling(5, center=True, min_periods=1).median().to_numpy()
    fill = np.nanmedian(sm) if np.isfinite(sm).any() else 0.6
    cls = np.where(np.nan_to_num(sm, nan=fill) < RUN_DF, "run", "walk")
    t = steps["t_ic"].to_numpy()
    end = t + np.nan_to_num(steps["step_time"].to_numpy(dtype=np.float64), nan=0.0)
    brk = np.flatnonzero((cls[1:] != cls[:-1]) | (t[1:] - end[:-1] > 1.0)) + 1
    starts = np.concatenate(([0], brk))
    stops = np.concatenate((brk, [len(cls)])) - 1
    return pd.DataFrame(
        {"t_start": t[starts], "t_end": np.maximum(end[stops], t[stops]), "activity": cls[starts]}
    )


def activity_bouts(
    signal_bouts: pd.DataFrame | None, steps: pd.DataFrame
) -> tuple[pd.DataFrame, bool]:
    """The bouts that give the steps their activity: one rule for batch and live.

    The signal's bouts (:func:`detect_bouts` of the :func:`bout_source` stream) when there
    are any; else the duty-factor rule on the steps (:func:`duty_factor_bouts`). Batch and
    live call it with what they have: the batch pipeline the bouts of the whole stream and the
    whole step table; the streaming engine, which keeps no full-length signal, the bouts of
    the cores it has analysed and the steps of its look-back (so a live fallback is decided
    on the last ``lookback`` seconds, not the session).

    Parameters
    ----------
    signal_bouts : DataFrame or None
        ``t_start``, ``t_end`` (s), ``activity`` from the signal; None when the bout stream
        gave none (too short, non-finite samples, lost).
    steps : DataFrame
        Step table (``t_ic``, ``step_time``, ``duty_factor``) for the fallback.

    Returns
    -------
    bouts : DataFrame
        ``t_start``, ``t_end``, ``activity``.
    fallback : bool
        True when the duty-factor rule made them.
    """
    if signal_bouts is not None:
        return signal_bouts, False
    return duty_factor_bouts(steps), True


def label_steps(steps: pd.DataFrame, bouts: pd.DataFrame) -> np.ndarray:
    """Activity of each step from the bout containing its ``t_ic`` ('unknown' outside).

    Parameters
    ----------
    steps : DataFrame
        Step table.
    bouts : DataFrame
        ``t_start``, ``t_end``, ``activity``.

    Returns
    -------
    ndarray of object
    """
    out = np.full(len(steps), "unknown", dtype=object)
    if len(bouts) == 0 or len(steps) == 0:
        return out
    b = bouts.sort_values("t_start")
    t = steps["t_ic"].to_numpy()
    i = np.searchsorted(b["t_start"].to_numpy(), t, side="right") - 1
    ok = (i >= 0) & (t <= b["t_end"].to_numpy()[np.clip(i, 0, None)] + 1e-9)
    out[ok] = b["activity"].to_numpy()[i[ok]]
    return out


__all__ = [
    "BOUT_COLUMNS",
    "RUN_DF",
    "activity_bouts",
    "bout_source",
    "classify_windows",
    "core_bouts",
    "detect_bouts",
    "duty_factor_bouts",
    "label_steps",
    "merge_bouts",
    "window_features",
]

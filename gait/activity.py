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
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from gait._scipy_signal import signal
from gait.constants import G
from gait.errors import AnalysisError
from gait.placements._signal import butter_sos, contiguous_segments
from gait.recording import Stream

#: Window length and hop, s.
WINDOW = 2.5
HOP = 0.5
#: Band RMS of |acc| above which a window is moving, m/s². [G]
STILL_RMS = 0.5
#: Cadence from which a window with running-level impacts counts as running, steps/min. [G]
RUN_CADENCE = 140.0
#: Share of samples with |acc| < 0.3 g that marks a flight phase at the trunk. [G]
FLIGHT_SHARE = 0.04
#: 95th percentile of |acc| (in g) typical of running, per placement. [G]
#: The shank's 3.0 g sits between real walking (1.9–2.2 g) and real running read by a ±8 g
#: accelerometer that clips its impacts (3.4–3.9 g) in the shank recordings of Bach et al.
#: (2 people, in-sample); an unclipped shank reads more in running (synthetic 4.6–6.7 g).
#: At the shank the window cadence of real walking reads at the step rate doubled (both
#: heels strike visibly), so the impact level, not the cadence, tells the two apart there.
RUN_PEAK_G = {"sacrum": 2.0, "phone": 2.0, "shank": 3.0, "foot": 5.0}

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
        if stream.placement in ("foot", "shank"):
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
        if stream.placement not in ("foot", "shank"):
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
        Sensor placement ('foot', 'shank', 'sacrum', 'phone').

    Returns
    -------
    ndarray of str
        One label per window, after a 3-window majority filter.
    """
    if features.empty:
        return np.empty(0, dtype=object)
    moving = features["rms"].to_numpy() > STILL_RMS
    trunk = placement in ("sacrum", "phone")
    flight = trunk & (features["flight_share"].to_numpy() > FLIGHT_SHARE)
    fast = (features["cadence"].to_numpy() >= RUN_CADENCE) & (
        features["peak_g"].to_numpy() >= RUN_PEAK_G.get(placement, 2.0)
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


__all__ = ["BOUT_COLUMNS", "classify_windows", "detect_bouts", "window_features"]

"""Event matching for validation: detected events against reference events.

Shared by the tests and ``benchmarks/validate_real.py`` so that every accuracy number in the
project is computed the same way. Matching is one-to-one within a tolerance window: a
detected event and a reference event are paired when each is the other's nearest neighbour
and they are at most ``tolerance`` seconds apart (mutual nearest neighbours, as in gaitmap's
event matching). Everything else counts as a false positive (detected) or a false negative
(reference).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: Default matching window for walking and running steps, s.
DEFAULT_TOLERANCE = 0.1


@dataclass(frozen=True)
class MatchResult:
    """One-to-one pairing of detected and reference events.

    Attributes
    ----------
    ref_idx, det_idx : ndarray of int
        Indices (into the sorted inputs) of the matched pairs, same length.
    errors : ndarray of float
        Signed timing error ``detected - reference`` of each pair, s.
    n_ref, n_det : int
        Number of reference and detected events considered.
    """

    ref_idx: IntArray
    det_idx: IntArray
    errors: FloatArray
    n_ref: int
    n_det: int

    @property
    def tp(self) -> int:
        """Matched pairs (true positives)."""
        return int(self.ref_idx.size)

    @property
    def fp(self) -> int:
        """Detected events without a reference partner (false positives)."""
        return self.n_det - self.tp

    @property
    def fn(self) -> int:
        """Reference events without a detected partner (false negatives)."""
        return self.n_ref - self.tp

    @property
    def precision(self) -> float:
        """Share of detections that are true, tp / n_det.

        1.0 when nothing was detected and nothing was expected.
        """
        return self.tp / self.n_det if self.n_det else float(self.n_ref == 0)

    @property
    def recall(self) -> float:
        """Share of reference events detected, tp / n_ref (1.0 when there is no reference event)."""
        return self.tp / self.n_ref if self.n_ref else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall, 2·tp / (n_ref + n_det)."""
        total = self.n_ref + self.n_det
        return 2.0 * self.tp / total if total else 1.0

    @property
    def mae(self) -> float:
        """Mean absolute timing error of the matched pairs, s (NaN without pairs)."""
        return float(np.mean(np.abs(self.errors))) if self.errors.size else float("nan")

    @property
    def bias(self) -> float:
        """Mean signed timing error ``detected - reference`` of the pairs, s."""
        return float(np.mean(self.errors)) if self.errors.size else float("nan")


def match_events(
    reference: ArrayLike, detected: ArrayLike, tolerance: float = DEFAULT_TOLERANCE
) -> MatchResult:
    """Pair detected with reference event times, one to one, within a tolerance.

    Parameters
    ----------
    reference : array_like, shape (R,)
        Reference event times, s. NaNs are ignored.
    detected : array_like, shape (D,)
        Detected event times, s. NaNs are ignored.
    tolerance : float, default 0.1
        Largest accepted ``|detected - reference|``, s.

    Returns
    -------
    MatchResult
        Matched index pairs into the *sorted, NaN-free* inputs, their signed errors
        (s) and the counts needed for precision, recall and F1.

    Notes
    -----
    Pairs are mutual nearest neighbours, so each event is used at most once and the
    result does not depend on the order of the inputs. Runs in O((R + D) log(R + D)).
    """
    if tolerance <= 0:
        raise ValueError(f"tolerance must be > 0 s, got {tolerance}")
    ref = np.sort(_finite(reference))
    det = np.sort(_finite(detected))
    empty = np.empty(0, dtype=np.intp)
    if ref.size == 0 or det.size == 0:
        return MatchResult(empty, empty, np.empty(0), int(ref.size), int(det.size))
    near_det = _nearest(det, ref)  # for each reference: index of the nearest detection
    near_ref = _nearest(ref, det)  # for each detection: index of the nearest reference
    r_idx = np.arange(ref.size)
    mutual = near_ref[near_det] == r_idx
    err = det[near_det] - ref
    ok = mutual & (np.abs(err) <= tolerance)
    return MatchResult(
        r_idx[ok].astype(np.intp),
        near_det[ok].astype(np.intp),
        err[ok],
        int(ref.size),
        int(det.size),
    )


def _finite(x: ArrayLike) -> FloatArray:
    a = np.asarray(x, dtype=np.float64).ravel()
    return a[np.isfinite(a)]


def _nearest(sorted_values: FloatArray, queries: FloatArray) -> IntArray:
    """Index into ``sorted_values`` of the element nearest to each query."""
    pos = np.searchsorted(sorted_values, queries)
    lo = np.clip(pos - 1, 0, sorted_values.size - 1)
    hi = np.clip(pos, 0, sorted_values.size - 1)
    pick_hi = np.abs(sorted_values[hi] - queries) < np.abs(queries - sorted_values[lo])
    return np.where(pick_hi, hi, lo).astype(np.intp)


def within(times: ArrayLike, intervals: ArrayLike) -> NDArray[np.bool_]:
    """Mask of times that fall inside any of the given intervals.

    Parameters
    ----------
    times : array_like, shape (N,)
        Event times, s.
    intervals : array_like, shape (K, 2)
        ``[start, end]`` rows in s (inclusive). Overlapping intervals are fine.

    Returns
    -------
    ndarray of bool, shape (N,)
    """
    t = np.asarray(times, dtype=np.float64).ravel()
    iv = np.asarray(intervals, dtype=np.float64).reshape(-1, 2)
    if iv.size == 0:
        return np.zeros(t.shape, dtype=bool)
    # Count interval starts at or before t minus ends strictly before t: > 0 means inside.
    starts = np.sort(iv[:, 0])
    ends = np.sort(iv[:, 1])
    open_count = np.searchsorted(starts, t, side="right") - np.searchsorted(ends, t, side="left")
    return np.asarray(open_count > 0)


@dataclass(frozen=True)
class StepScore:
    """Step-level validation of a detected event table against a reference table.

    Attributes
    ----------
    ic : MatchResult
        Matching of initial contacts (defines the step F1).
    tc_errors : ndarray of float
        ``detected - reference`` terminal-contact errors (s) of matched steps where both
        sides have a finite ``t_tc``.
    side_correct : int
        Matched steps whose side agrees (both sides known).
    side_known : int
        Matched steps where both sides are known ('left' or 'right').
    """

    ic: MatchResult
    tc_errors: FloatArray
    side_correct: int
    side_known: int

    @property
    def f1(self) -> float:
        """Step-detection F1 from the initial contacts."""
        return self.ic.f1

    @property
    def ic_mae(self) -> float:
        """Mean absolute IC error, s."""
        return self.ic.mae

    @property
    def tc_mae(self) -> float:
        """Mean absolute TC error, s (NaN when no TC could be compared)."""
        return float(np.mean(np.abs(self.tc_errors))) if self.tc_errors.size else float("nan")

    @property
    def side_accuracy(self) -> float:
        """Share of matched steps with the correct side (NaN when none is comparable)."""
        return self.side_correct / self.side_known if self.side_known else float("nan")


def score_steps(
    reference: pd.DataFrame,
    detected: pd.DataFrame,
    tolerance: float = DEFAULT_TOLERANCE,
    *,
    region: ArrayLike | None = None,
) -> StepScore:
    """Score detected steps against reference steps.

    Parameters
    ----------
    reference, detected : DataFrame
        One row per step with ``t_ic`` (s) and optionally ``t_tc`` (s) and ``side``.
    tolerance : float, default 0.1
        IC matching window, s. TC errors are taken on the IC-matched steps.
    region : array_like, shape (K, 2), optional
        Scored intervals ``[start, end]`` in s; steps whose ``t_ic`` falls outside are
        dropped from both tables before matching.

    Returns
    -------
    StepScore
    """
    ref = _prepare(reference, region)
    det = _prepare(detected, region)
    m = match_events(ref["t_ic"].to_numpy(), det["t_ic"].to_numpy(), tolerance)
    r_rows = ref.iloc[m.ref_idx]
    d_rows = det.iloc[m.det_idx]
    if "t_tc" in ref and "t_tc" in det:
        tc_err = d_rows["t_tc"].to_numpy(float) - r_rows["t_tc"].to_numpy(float)
        tc_err = tc_err[np.isfinite(tc_err)]
    else:
        tc_err = np.empty(0)
    if "side" in ref and "side" in det:
        rs = r_rows["side"].astype(str).to_numpy()
        ds = d_rows["side"].astype(str).to_numpy()
        known = np.isin(rs, ("left", "right")) & np.isin(ds, ("left", "right"))
        side_correct = int(np.sum(known & (rs == ds)))
        side_known = int(np.sum(known))
    else:
        side_correct = side_known = 0
    return StepScore(m, tc_err, side_correct, side_known)


def _prepare(table: pd.DataFrame, region: ArrayLike | None) -> pd.DataFrame:
    """Rows with a finite ``t_ic``, inside ``region`` when given, sorted by ``t_ic``."""
    if "t_ic" not in table:
        raise ValueError("event table needs a 't_ic' column (s)")
    t = table["t_ic"].to_numpy(dtype=np.float64)
    keep = np.isfinite(t)
    if region is not None:
        keep &= within(t, region)
    return table.loc[keep].sort_values("t_ic", kind="stable").reset_index(drop=True)


def step_count_error(reference_count: int, detected_count: int) -> float:
    """Relative step-count error ``|detected - reference| / reference``.

    Parameters
    ----------
    reference_count, detected_count : int
        Step counts.

    Returns
    -------
    float
        Fraction (0.03 = 3 %); NaN when the reference count is 0.
    """
    if reference_count <= 0:
        return float("nan")
    return abs(detected_count - reference_count) / reference_count


__all__ = [
    "DEFAULT_TOLERANCE",
    "MatchResult",
    "StepScore",
    "match_events",
    "score_steps",
    "step_count_error",
    "within",
]

"""The detector contract of :mod:`gait.analysis.placements`, checked on every registry detector.

Column names and dtypes, output sorted by ``t_ic``, an exact empty table on still input, and a
typed :class:`gait.contract.errors.AnalysisError` on input with no usable sample (issue 11, item 2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gait.analysis.placements import EVENT_COLUMNS, REGISTRY, get_detector
from gait.analysis.placements.registry import is_leg
from gait.contract.errors import AnalysisError
from gait.contract.recording import Stream
from gait.synth import synthesize

#: The synthetic sensor used for each placement's walking and running input.
SYNTH_SENSOR = {
    "foot": "foot-left",
    "shank": "shank-left",
    "sacrum": "sacrum",
    "phone": "phone-belt",
}
FLOAT_COLUMNS = ("t_ic", "t_tc", "confidence")


def _stream(placement: str, acc: np.ndarray, gyr: np.ndarray | None, fs: float = 100.0) -> Stream:
    t = np.arange(acc.shape[0]) / fs
    side = "left" if is_leg(placement) else None
    mount = "belt" if placement == "phone" else None
    return Stream(
        name=f"{placement}_test",
        placement=placement,
        side=side,
        t=t,
        acc=acc,
        gyr=gyr,  # type: ignore[arg-type]
        rate=fs,
        mount=mount,
    )


def _check_columns(df: pd.DataFrame) -> None:
    assert list(df.columns[: len(EVENT_COLUMNS)]) == list(EVENT_COLUMNS)
    # object or pandas' string dtype (pandas 3 infers it for a column of str)
    assert df["side"].dtype == object or pd.api.types.is_string_dtype(df["side"]), df["side"].dtype
    for c in FLOAT_COLUMNS:
        assert df[c].dtype == np.float64, (c, df[c].dtype)
    assert set(df["side"]) <= {"left", "right", "unknown"}


@pytest.mark.parametrize("placement", sorted(REGISTRY))
def test_still_input_gives_the_exact_empty_table(placement: str) -> None:
    rng = np.random.default_rng(1)
    n = 2000
    acc = np.tile([0.0, 0.0, 9.81], (n, 1)) + rng.normal(0, 0.01, (n, 3))
    gyr = rng.normal(0, 0.002, (n, 3))
    df = get_detector(placement)(_stream(placement, acc, gyr))
    assert len(df) == 0
    _check_columns(df)


@pytest.mark.parametrize("activity", ["walk", "run"])
@pytest.mark.parametrize("placement", sorted(REGISTRY))
def test_real_gait_gives_sorted_typed_contacts(placement: str, activity: str) -> None:
    rec = synthesize(
        activity=activity, placements=(SYNTH_SENSOR[placement],), duration=15.0, rate=100.0, seed=2
    )
    df = get_detector(placement)(rec.streams[0])
    assert len(df) >= 10, len(df)
    _check_columns(df)
    t = df["t_ic"].to_numpy()
    assert np.all(np.isfinite(t)), "non-finite t_ic"
    assert np.all(np.diff(t) >= 0), "not sorted by t_ic"
    tc = df["t_tc"].to_numpy()
    ok = np.isfinite(tc)
    assert np.all(tc[ok] > t[ok]), "a TC before its IC"
    conf = df["confidence"].to_numpy()
    assert np.all((conf >= 0) & (conf <= 1))


@pytest.mark.parametrize("placement", sorted(REGISTRY))
def test_no_usable_sample_is_a_typed_error(placement: str) -> None:
    n = 1000
    acc = np.full((n, 3), np.nan)
    detect = get_detector(placement)
    if placement == "shank":
        # The shank detector (gait/analysis/placements/shank.py) drops non-finite samples like lost
        # packets and returns the empty table; it never raises anything but AnalysisError.
        try:
            df = detect(_stream(placement, acc, None))
        except AnalysisError:
            return
        assert len(df) == 0
        _check_columns(df)
        return
    with pytest.raises(AnalysisError):
        detect(_stream(placement, acc, None))


def test_unknown_placement_is_a_typed_error() -> None:
    with pytest.raises(AnalysisError):
        get_detector("wrist")


@pytest.mark.parametrize("placement", sorted(REGISTRY))
def test_result_records_the_detector_and_its_parameters(placement: str) -> None:
    rec = synthesize(
        activity="run", placements=(SYNTH_SENSOR[placement],), duration=8.0, rate=100.0, seed=3
    )
    detector = get_detector(placement)
    df = detector(rec.streams[0])
    assert df.attrs["detector"] == detector.describe()
    assert df.attrs["detector"]["placement"] == placement
    assert df.attrs["detector"]["params"] == detector.params()


@pytest.mark.parametrize("placement", sorted(REGISTRY))
def test_unknown_parameter_is_a_typed_error(placement: str) -> None:
    with pytest.raises(AnalysisError, match="bad parameter"):
        get_detector(placement, no_such_parameter=1.0)

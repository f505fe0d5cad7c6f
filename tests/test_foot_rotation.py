"""Rotation invariance: the mounting never matters (random rotations → same steps)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from gait.analysis.placements.foot import FootDetector
from gait.contract.recording import Stream
from gait.io import read

pytestmark = pytest.mark.realdata

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
GAITMAP = REAL / "gaitmap_feet_walk" / "imu_sample.csv"


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("with_gyr", [True, False])
def test_random_rotation_same_events(seed: int, with_gyr: bool) -> None:
    st = read(GAITMAP).streams[seed % 2]
    gyr = st.gyr if with_gyr else None
    base = FootDetector()(Stream("foot", st.side, st.t, st.acc, gyr, rate=st.rate))
    R = Rotation.random(random_state=seed).as_matrix()
    rot = Stream(
        "foot", st.side, st.t, st.acc @ R.T, None if gyr is None else gyr @ R.T, rate=st.rate
    )
    ev = FootDetector()(rot)
    assert len(ev) == len(base)
    np.testing.assert_allclose(ev["t_ic"], base["t_ic"], atol=0.006)
    np.testing.assert_allclose(ev["t_tc"], base["t_tc"], atol=0.006)
    gct = (ev["t_tc"] - ev["t_ic"]).to_numpy()
    gct0 = (base["t_tc"] - base["t_ic"]).to_numpy()
    np.testing.assert_array_equal(np.isnan(gct), np.isnan(gct0))
    assert np.nanmean(np.abs(gct - gct0)) < 0.003
    if with_gyr:
        np.testing.assert_allclose(ev["foot_strike_angle"], base["foot_strike_angle"], atol=1.0)
        np.testing.assert_allclose(ev["stride_length"], base["stride_length"], rtol=0.02)

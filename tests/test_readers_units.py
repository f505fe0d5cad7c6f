"""Units and axes of the real recordings, verified from the data itself.

- accelerometer unit: the stillest 1 s window has |acc| ≈ 9.81 m/s² (gravity);
- vertical axis: at rest gravity lies on +z for sources mapped to our frame;
- gyroscope unit: integrating the yaw rate over the IPOL 180° U-turns gives ≈ 180°,
  the Mobilise-D free walk holds two 180° turns (≈ -360°), and the gaitmap foot pitches
  by ≈ -80° over each swing (a rad/s vs deg/s mix-up would be off by a factor of 57);
- sample rate: the median interval of the timestamps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from gait.contract.recording import Stream
from gait.io import read

pytestmark = pytest.mark.realdata

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
IPOL_TRIALS = ["1-1", "1-2", "1-3", "1-4", "1-5", "1-6", "2-1", "2-2", "2-3", "2-4"]
OXFORD = sorted((REAL / "oxford_phone_walk").glob("*.csv"))
MOBGAP = REAL / "mobgap_lowerback_walk" / "lab" / "HA"


def stillest(s: Stream, seconds: float = 1.0) -> tuple[float, np.ndarray]:
    """Mean |acc| (m/s²) and mean acc vector in the 1 s window where |acc| varies least."""
    n = int(seconds * s.rate)
    norm = np.linalg.norm(s.acc, axis=1)
    i = int(np.argmin(sliding_window_view(norm, n).std(axis=1)))
    return float(norm[i : i + n].mean()), s.acc[i : i + n].mean(axis=0)


@pytest.mark.parametrize("trial", IPOL_TRIALS)
def test_ipol_gravity_and_u_turn(trial: str) -> None:
    rec = read(REAL / "ipol_feet_lowerback_walk" / f"{trial}.json")
    for s in rec.streams:
        g, _ = stillest(s)
        assert 9.5 < g < 10.6, (s.name, g)  # m/s²
        assert abs(1.0 / np.median(np.diff(s.t)) - 100.0) < 0.01
    lb = rec.stream("sacrum")
    _, g_vec = stillest(lb)
    up = g_vec / np.linalg.norm(g_vec)
    seg = rec.reference.tables["segments"].set_index("segment")  # type: ignore[union-attr]
    i0, i1 = np.searchsorted(
        lb.t, [seg.loc["u_turn", "t_start"] - 1.0, seg.loc["u_turn", "t_end"] + 1.0]
    )
    yaw_rate = lb.gyr[i0:i1] @ up  # type: ignore[index]
    turned = np.degrees(np.sum(yaw_rate * np.diff(lb.t[i0 : i1 + 1])))
    assert 160.0 < abs(turned) < 200.0, turned  # gyr is in rad/s


def test_gaitmap_gravity_up_and_swing_pitch_in_degrees() -> None:
    rec = read(REAL / "gaitmap_feet_walk" / "imu_sample.csv")
    ev = rec.reference.events  # type: ignore[union-attr]
    for s in rec.streams:
        g, vec = stillest(s)
        assert 9.6 < g < 10.0
        assert vec[2] > 0.9 * g  # foot frame: z up at rest
        ics = np.sort(ev.loc[ev.side == s.side, "t_ic"].to_numpy())
        pitch = []
        for tc in ev.loc[ev.side == s.side, "t_tc"].dropna():
            nxt = ics[ics > tc]
            if nxt.size:
                i0, i1 = np.searchsorted(s.t, [tc, nxt[0]])
                pitch.append(np.degrees(s.gyr[i0:i1, 1].sum() / s.rate))  # type: ignore[index]
        # toe-off (toes down) to heel strike (toes up) about +y (left): negative, about 80°
        assert 60.0 < -np.median(pitch) < 100.0


def test_mobgap_units_axes_and_turns() -> None:
    for subject in ("001", "002"):
        s = read(MOBGAP / subject / "data.mat").streams[0]
        g, vec = stillest(s)
        assert 9.4 < g < 10.0  # g converted to m/s²
        assert vec[2] > 0.9 * g  # sensor x (up) mapped to body z
        assert abs(1.0 / np.median(np.diff(s.t)) - 100.0) < 0.01
    s = read(f"{MOBGAP / '001' / 'data.mat'}::Test11").streams[0]
    yaw = np.degrees(np.cumsum(s.gyr[:, 2]) / s.rate)  # type: ignore[index]
    assert 320.0 < -yaw.min() < 400.0  # two 180° turns: deg/s converted to rad/s


@pytest.mark.parametrize("path", OXFORD, ids=[p.stem.split("_")[1] for p in OXFORD])
def test_oxford_gravity_and_rate(path: Path) -> None:
    s = read(path).streams[0]
    g, _ = stillest(s)
    assert 9.5 < g < 10.2
    assert abs(1.0 / np.median(np.diff(s.t)) - 100.0) < 0.1

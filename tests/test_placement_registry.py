"""A placement is one detector module plus one registry entry (issue 14, item 2).

A made-up ``wrist`` placement with a trivial detector is registered (monkeypatch) and runs
through :func:`gait.analyze` end to end, with no other edit; the built-in entries carry what
the stages used to branch on by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

import gait
from gait.analysis.bouts import bout_source, classify_windows
from gait.analysis.fuse import SensorEvents, fuse
from gait.analysis.placements import EVENT_COLUMNS, get_detector
from gait.analysis.placements.base import EventDetector
from gait.analysis.placements.registry import REGISTRY, PlacementSpec, placement_spec
from gait.analysis.quality.plausibility import placement_suspect, side_checks
from gait.analysis.stream import SensorSpec, StreamEngine
from gait.apps.live.reasons import missing_reasons
from gait.contract.constants import G
from gait.contract.errors import AnalysisError
from gait.contract.recording import Recording, SessionMeta, Stream
from gait.contract.vocabulary import PLACEMENTS, Placement
from gait.synth import synthesize


@dataclass(frozen=True)
class WristDetector(EventDetector):
    """One contact at each impact peak of ``|acc|`` (a toy, not a method)."""

    placement: ClassVar[str] = "wrist"
    min_peak_g: float = 1.4
    min_interval_s: float = 0.25

    def detect(self, stream: Stream, *, speed: float | None = None) -> pd.DataFrame:
        """Impact peaks of the acceleration magnitude, one contact each."""
        del speed
        from scipy.signal import find_peaks

        mag = np.linalg.norm(stream.acc, axis=1)
        peaks, _ = find_peaks(
            mag,
            height=self.min_peak_g * G,
            distance=max(1, round(self.min_interval_s * stream.rate)),
        )
        t = stream.t[peaks]
        return pd.DataFrame(
            {
                "side": np.full(t.size, "unknown", dtype=object),
                "t_ic": t.astype(np.float64),
                "t_tc": np.full(t.size, np.nan),
                "confidence": np.ones(t.size),
            }
        )


WRIST = PlacementSpec(
    name="wrist",
    body="trunk",
    detector=f"{__name__}:WristDetector",
    rank=4,
    bout_rank=4,
    run_peak_g=2.0,
)


@pytest.fixture
def wrist(monkeypatch: pytest.MonkeyPatch) -> PlacementSpec:
    monkeypatch.setitem(REGISTRY, "wrist", WRIST)
    return WRIST


def _wrist_recording(seed: int = 2) -> tuple[Recording, float]:
    """A synthetic sacrum signal worn as a 'wrist' sensor, and its true cadence (steps/min)."""
    rec = synthesize(activity="run", placements=("sacrum",), duration=40.0, rate=100.0, seed=seed)
    s = rec.streams[0]
    stream = Stream(
        placement="wrist",  # type: ignore[arg-type]
        side=None,
        t=s.t,
        acc=s.acc,
        gyr=s.gyr,
        rate=s.rate,
        name="wrist",
    )
    assert rec.reference is not None
    ic = np.sort(rec.reference.events["t_ic"].to_numpy(dtype=float))
    cadence = 60.0 / float(np.median(np.diff(ic)))
    return Recording(SessionMeta(activity="run"), [stream]), cadence


def test_an_unregistered_placement_is_refused() -> None:
    assert "wrist" not in REGISTRY
    with pytest.raises(ValueError, match="placement must be one of"):
        _wrist_recording()
    with pytest.raises(AnalysisError, match="no step detector for placement 'wrist'"):
        get_detector("wrist")


def test_a_registered_placement_runs_end_to_end(wrist: PlacementSpec) -> None:
    rec, cadence = _wrist_recording()
    assert isinstance(get_detector(wrist.name), WristDetector)
    res = gait.analyze(rec)
    assert not [f for f in res.flags if f.startswith(("no_detector", "error:", "no_steps"))]
    steps = res.steps
    assert len(steps) > 80
    assert set(steps["source"]) == {"wrist"}
    assert list(steps.columns[:2]) == ["side", "t_ic"]
    # the toy detector finds the impacts of a run: the session's cadence within 3 %
    assert res.summary["cadence_spm"] == pytest.approx(cadence, rel=0.03)
    # activity from the wrist's own signal (its spec's thresholds), not the fallback
    assert "activity:duty_factor_fallback" not in res.flags
    assert res.summary["activity"] == "run"
    assert res.summary["sources"] == {"trunk": "wrist"}


def test_a_registered_placement_runs_live(wrist: PlacementSpec) -> None:
    rec, _ = _wrist_recording(seed=3)
    s = rec.streams[0]
    eng = StreamEngine([SensorSpec("wrist", wrist.name, None, float(s.rate), True)])
    out = [
        eng.push("wrist", s.t[i : i + 20], s.acc[i : i + 20], s.gyr[i : i + 20])
        for i in range(0, s.n, 20)
    ]  # type: ignore[index]
    out.append(eng.flush())
    live = pd.concat([o for o in out if len(o)], ignore_index=True)
    batch = gait.analyze(rec).steps
    assert abs(len(live) - len(batch)) <= 4
    # the activity from the wrist's signal, as in batch; the last window's end depends on
    # where the last core starts, so the final second may stay unlabelled
    inner = live[live["t_ic"] < s.t[-1] - 1.0]
    assert set(inner["activity"]) == {"run"}
    assert set(batch["activity"]) == {"run"}


@pytest.mark.usefixtures("wrist")
def test_the_registry_drives_fusion_and_bouts() -> None:
    assert PLACEMENTS == ("foot", "shank", "sacrum", "phone")  # the built-ins, in order
    assert set(PLACEMENTS) == set(Placement.__args__)  # type: ignore[attr-defined]
    assert [REGISTRY[p].rank for p in PLACEMENTS] == [0, 1, 2, 3]
    # bouts come from the trunk first: sacrum, phone, foot, shank, then the made-up one
    assert bout_source(["wrist", "shank", "foot", "phone"]) == 3
    assert bout_source(["wrist", "shank"]) == 1
    assert bout_source([]) is None
    # a sensor that sees both legs fills the side no leg sensor covers
    ev = pd.DataFrame(
        {"side": ["unknown"] * 3, "t_ic": [0.0, 0.4, 0.8], "t_tc": [np.nan] * 3, "confidence": 1.0}
    )
    fused = fuse([SensorEvents("wrist", "wrist", None, ev[list(EVENT_COLUMNS)])])
    assert fused.sources == {"trunk": "wrist"}
    assert not fused.single_side
    # the flight signature counts for a trunk-kind placement, not for a leg one
    feats = pd.DataFrame(
        {
            "t_start": [0.0],
            "t_end": [2.5],
            "rms": [3.0],
            "cadence": [120.0],
            "flight_share": [0.2],
            "peak_g": [1.0],
        }
    )
    assert list(classify_windows(feats, "wrist")) == ["run"]
    assert list(classify_windows(feats, "foot")) == ["walk"]
    assert placement_spec("shank").adds_columns == ("shank_angle_ic",)


def test_a_registered_leg_placement_is_a_leg_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    # the input checks and the live reasons ask the registry, not a list of names
    ankle = PlacementSpec("ankle", "leg", f"{__name__}:WristDetector", 5, 5, 3.0)
    monkeypatch.setitem(REGISTRY, "ankle", ankle)
    assert placement_suspect("ankle", None, moving_share=0.5, p99=2.0) == "looks_like_trunk"
    assert placement_suspect("wrist", None, moving_share=0.5, p99=2.0) is None  # unregistered
    reasons = missing_reasons([("ankle", "left", True)], speed_source=True)
    assert "gct_right" in reasons
    assert "gct_left" not in reasons
    checks = side_checks([("a", "ankle", None, 40)], single_side=True)
    assert [c.code for c in checks] == ["side_unknown", "one_leg"]

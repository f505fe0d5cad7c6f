"""The shipped gait samples are exactly what ``samples/make_samples.py`` regenerates."""

from __future__ import annotations

import importlib.util
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gait.cli import main
from gait.io.canonical_format import read_recording

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _recipes() -> list[tuple[str, str]]:
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return list(mod.SAMPLES)


@pytest.mark.parametrize(("stem", "args"), [r for r in _recipes() if r[0] != "balance"])
def test_sample_matches_its_recipe(tmp_path: Path, stem: str, args: str) -> None:
    shipped = read_recording(SAMPLES / f"{stem}.gaitrec")
    out = tmp_path / f"{stem}.gaitrec"
    assert main(["synth", *shlex.split(args), "--out", str(out)]) == 0
    fresh = read_recording(out)
    for a, b in zip(shipped.streams, fresh.streams, strict=True):
        assert a.name == b.name
        np.testing.assert_array_equal(a.t, b.t)
        np.testing.assert_array_equal(a.acc, b.acc)
        np.testing.assert_array_equal(a.gyr, b.gyr)
    pd.testing.assert_frame_equal(shipped.reference.events, fresh.reference.events)
    truth = pd.read_csv(SAMPLES / f"{stem}.truth.csv")
    assert len(truth) == len(fresh.reference.events)
    assert (SAMPLES / f"{stem}.gaitrec").stat().st_size < 800_000


def test_samples_folder_is_small_and_documented() -> None:
    files = list(SAMPLES.iterdir())
    assert sum(f.stat().st_size for f in files) < 5_000_000
    readme = (SAMPLES / "README.md").read_text()
    for stem, args in _recipes():
        assert (SAMPLES / f"{stem}.gaitrec").exists()
        assert f"{stem}.gaitrec" in readme
        assert args.split()[1] in readme

"""Mutated files of every format: readers raise only the project's typed errors.

A small, seeded version of ``benchmarks/fuzz_files.py`` (which runs 10⁵ files): every
reader, every mutation class, a few hundred files in all. Anything but a successful read
or a :class:`gait.contract.errors.GaitError` fails the test with the mutant's class and format.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gait.contract.errors import GaitError
from gait.io import read
from gait.io.fuzzing import CLASSES, mutant, seed_files


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, bytes]]:
    folder = tmp_path_factory.mktemp("fuzz")
    return {k: (p, p.read_bytes()) for k, p in seed_files(folder).items()}


_BOMBS: dict[str, bytes] = {}


def _try(
    seeds: dict[str, tuple[Path, bytes]], fmt: str, kind: str, rng: np.random.Generator
) -> str:
    path, original = seeds[fmt]
    data, name = mutant(original, fmt, kind, rng, _BOMBS)
    target = path if name is None else path.with_name(name)
    target.write_bytes(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            read(target)
        return "ok"
    except GaitError:
        return "typed"
    finally:
        if name is None:
            path.write_bytes(original)
        else:
            target.unlink(missing_ok=True)


def test_seeds_read(seeds: dict[str, tuple[Path, bytes]]) -> None:
    for fmt, (path, _) in seeds.items():
        assert read(path) is not None, fmt


@pytest.mark.parametrize("kind", CLASSES)
def test_every_format_and_class_gives_typed_errors(
    seeds: dict[str, tuple[Path, bytes]], kind: str
) -> None:
    rng = np.random.default_rng(CLASSES.index(kind))
    outcomes = {"ok": 0, "typed": 0}
    for fmt in sorted(seeds):
        for _ in range(4 if kind != "bomb" else 1):
            outcomes[_try(seeds, fmt, kind, rng)] += 1
    assert sum(outcomes.values()) > 0
    if kind == "bomb":
        assert outcomes["ok"] == 0  # every bomb is refused


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fmt_i=st.integers(0, 100),
    kind=st.sampled_from([c for c in CLASSES if c != "bomb"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_hypothesis_mutants(
    seeds: dict[str, tuple[Path, bytes]], fmt_i: int, kind: str, seed: int
) -> None:
    fmts = sorted(seeds)
    _try(seeds, fmts[fmt_i % len(fmts)], kind, np.random.default_rng(seed))

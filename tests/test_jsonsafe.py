"""`gait.util.jsonsafe`: the one JSON-safe conversion."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

import gait
from gait.util.jsonsafe import finite_float, json_default, to_jsonable


def test_nested_numpy_nan_path_and_missing_values_become_plain_python() -> None:
    doc = {
        1: np.float32(1.5),
        "b": np.bool_(True),
        "i": np.int64(7),
        "nan": float("nan"),
        "inf": np.float64(-np.inf),
        "arr": np.array([[1.0, np.nan], [2.0, 3.0]]),
        "t": (np.int32(1), [pd.NA, pd.NaT, None]),
        "p": Path("a") / "b.csv",
        "s": np.str_("x"),
    }
    out = to_jsonable(doc)
    assert out == {
        "1": 1.5,
        "b": True,
        "i": 7,
        "nan": None,
        "inf": None,
        "arr": [[1.0, None], [2.0, 3.0]],
        "t": [1, [None, None, None]],
        "p": str(Path("a") / "b.csv"),
        "s": "x",
    }
    assert type(out["b"]) is bool
    assert type(out["i"]) is int
    assert type(out["s"]) is str
    json.dumps(out, allow_nan=False)  # raises if anything non-JSON is left


def test_keep_leaves_non_finite_floats() -> None:
    out = to_jsonable({"a": [np.float64("nan"), float("inf"), 1.0]}, nonfinite="keep")
    assert math.isnan(out["a"][0])
    assert out["a"][1] == math.inf
    assert out["a"][2] == 1.0


def test_unknown_objects_are_returned_as_is() -> None:
    df = pd.DataFrame({"a": [1]})
    assert to_jsonable({"w": df})["w"] is df


def test_the_pipeline_summary_is_already_plain_json() -> None:
    # gait.analyze converts its summary with to_jsonable (its own near-twin is gone): the
    # result is plain Python that json writes strictly, and converting again changes nothing.
    from gait.analysis import pipeline

    assert not hasattr(pipeline, "_jsonable")
    res = gait.analyze(
        gait.synthesize(
            "run", placements=("foot-left", "foot-right", "sacrum"), duration=20.0, seed=5
        )
    )
    text = json.dumps(res.summary, allow_nan=False, sort_keys=True)
    assert json.loads(text) == res.summary
    assert to_jsonable(res.summary) == res.summary


def test_json_default_hook() -> None:
    t = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    doc = {
        "x": np.float32(0.5),
        "a": np.arange(3),
        "t": t,
        "ts": pd.Timestamp(t),
        "p": Path("q"),
        "nan": float("nan"),
    }
    s = json.dumps(doc, default=json_default)
    assert json.loads(s.replace("NaN", "null")) == {
        "x": 0.5,
        "a": [0, 1, 2],
        "t": t.isoformat(),
        "ts": pd.Timestamp(t).isoformat(),
        "p": "q",
        "nan": None,
    }
    assert '"nan": NaN' in s  # the hook does not touch floats json writes itself


def test_finite_float() -> None:
    assert finite_float("2.5") == 2.5
    assert finite_float(np.int8(3)) == 3.0
    assert finite_float(None) is None
    assert finite_float("x") is None
    assert finite_float(np.nan) is None
    assert finite_float(float("-inf")) is None


def test_module_imports_neither_numpy_nor_pandas() -> None:
    code = (
        "import sys, gait.util.jsonsafe; "
        "print([m for m in ('numpy', 'pandas') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

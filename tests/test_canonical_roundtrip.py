"""Property tests: a Recording survives write → read unchanged (.gaitrec format)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gait.contract.errors import InputFileError, TruncatedFileError
from gait.contract.recording import Channel, Recording, Reference, SessionMeta, Stream
from gait.io.canonical_format import read_recording, write_recording

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
placements = st.sampled_from(
    [("foot", "left"), ("foot", "right"), ("shank", "left"), ("sacrum", None), ("phone", None)]
)


@st.composite
def streams(draw: st.DrawFn, name: str) -> Stream:
    placement, side = draw(placements)
    n = draw(st.integers(0, 300))
    t = np.cumsum(draw(arrays(np.float64, n, elements=st.floats(1e-4, 1.0)))) if n else np.zeros(0)
    acc = draw(arrays(np.float64, (n, 3), elements=finite))
    gyr = draw(st.one_of(st.none(), arrays(np.float64, (n, 3), elements=finite)))
    return Stream(
        placement=placement,
        side=side,
        t=t,
        acc=acc,
        gyr=gyr,
        rate=draw(st.floats(1.0, 2000.0)),
        device={"model": draw(st.text(max_size=12)), "fw": draw(st.integers(0, 9))},
        mount=draw(st.sampled_from([None, "belt", "hand"])),
        acc_range=draw(st.one_of(st.none(), st.floats(10.0, 400.0))),
        name=name,
    )


@st.composite
def recordings(draw: st.DrawFn) -> Recording:
    k = draw(st.integers(1, 3))
    ss = [draw(streams(f"s{i}")) for i in range(k)]
    channels = []
    if draw(st.booleans()):
        m = draw(st.integers(0, 20))
        channels.append(
            Channel(
                "rsc",
                np.arange(m, dtype=float),
                {"speed": draw(arrays(np.float64, m, elements=finite))},
                {"name": "Stryd"},
            )
        )
    reference = None
    if draw(st.booleans()):
        m = draw(st.integers(0, 30))
        ev = pd.DataFrame(
            {
                "side": draw(st.lists(st.sampled_from(["left", "right"]), min_size=m, max_size=m)),
                "t_ic": draw(arrays(np.float64, m, elements=finite)),
                "t_tc": draw(arrays(np.float64, m, elements=st.floats(allow_infinity=False))),
            }
        )
        reference = Reference(
            kind="synthetic",
            events=ev,
            tables={"bouts": pd.DataFrame({"t_start": [0.0], "t_end": [1.5], "activity": ["run"]})},
            params={"speed": draw(finite), "nested": {"a": [1, 2.5]}},
            source="test",
        )
    meta = SessionMeta(
        activity=draw(st.sampled_from(["run", "walk", "balance", "unknown"])),
        athlete=draw(st.one_of(st.none(), st.text(max_size=20))),
        treadmill_speed=draw(st.one_of(st.none(), st.floats(0.5, 7.0))),
        notes=draw(st.text(max_size=40)),
        extra={"k": draw(st.integers())},
    )
    return Recording(meta=meta, streams=ss, channels=channels, reference=reference)


def assert_same(a: Recording, b: Recording) -> None:
    assert a.meta == b.meta
    assert len(a.streams) == len(b.streams)
    for s, r in zip(a.streams, b.streams, strict=True):
        assert (s.name, s.placement, s.side, s.rate, s.device, s.mount, s.acc_range) == (
            r.name,
            r.placement,
            r.side,
            r.rate,
            r.device,
            r.mount,
            r.acc_range,
        )
        np.testing.assert_array_equal(s.t, r.t)
        np.testing.assert_array_equal(s.acc, r.acc)
        assert (s.gyr is None) == (r.gyr is None)
        if s.gyr is not None:
            np.testing.assert_array_equal(s.gyr, r.gyr)
    assert [c.name for c in a.channels] == [c.name for c in b.channels]
    for c, d in zip(a.channels, b.channels, strict=True):
        np.testing.assert_array_equal(c.t, d.t)
        assert c.values.keys() == d.values.keys()
        for k in c.values:
            np.testing.assert_array_equal(c.values[k], d.values[k])
        assert c.device == d.device
    assert (a.reference is None) == (b.reference is None)
    if a.reference is not None and b.reference is not None:
        pd.testing.assert_frame_equal(a.reference.events, b.reference.events, check_dtype=False)
        assert a.reference.params == b.reference.params
        assert a.reference.kind == b.reference.kind
        for k, df in a.reference.tables.items():
            pd.testing.assert_frame_equal(df, b.reference.tables[k], check_dtype=False)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rec=recordings())
def test_roundtrip_is_lossless(rec: Recording, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("rt") / "x.gaitrec"
    write_recording(rec, path)
    assert_same(rec, read_recording(path))


def test_tables_read_with_pandas_alone(tmp_path: Path) -> None:
    n = 500
    s = Stream("sacrum", None, np.arange(n) / 100.0, np.ones((n, 3)), rate=100.0)
    path = write_recording(Recording(SessionMeta(activity="run"), [s]), tmp_path / "a.gaitrec")
    with zipfile.ZipFile(path) as z:
        df = pd.read_parquet(z.open("streams/sacrum.parquet"))
    assert list(df.columns) == ["t", "acc_x", "acc_y", "acc_z"]
    assert len(df) == n


def test_truncated_file_gives_typed_error(tmp_path: Path) -> None:
    n = 2000
    s = Stream("foot", "left", np.arange(n) / 200.0, np.random.default_rng(1).normal(size=(n, 3)))
    path = write_recording(Recording(SessionMeta(), [s]), tmp_path / "a.gaitrec")
    data = path.read_bytes()
    cut = tmp_path / "cut.gaitrec"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(TruncatedFileError, match=r"cut\.gaitrec"):
        read_recording(cut)


def test_not_a_recording_gives_typed_error(tmp_path: Path) -> None:
    p = tmp_path / "x.gaitrec"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("other.txt", "hello")
    with pytest.raises(InputFileError, match=r"recording\.json"):
        read_recording(p)


def test_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    s = Stream("foot", "left", np.arange(10) / 200.0, np.zeros((10, 3)))
    rec = Recording(SessionMeta(), [s])
    rec.meta.extra = {"bad": object()}  # not JSON-serialisable: the write fails early
    with pytest.raises(TypeError):
        write_recording(rec, tmp_path / "a.gaitrec")
    assert list(tmp_path.iterdir()) == []

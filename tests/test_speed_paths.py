"""The fast paths of issue 15 give exactly what the plain paths give.

* :func:`gait.util.table_csv.write_csv` writes the bytes of
  ``DataFrame.to_csv(float_format='%.4f')``;
* a ``.gaitrec`` analysed piece by piece (:mod:`gait.io.canonical_stream`) gives the same steps,
  summary and flags as the same file read whole, also with saturation, gaps and non-finite
  samples (the last fall back to the whole-stream path);
* ``gait --help`` imports neither numpy nor pandas; :mod:`gait.util.scipy_signal` leaves
  ``scipy.stats`` unimported and intact.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gait.analysis.pipeline import CHUNK_OVERLAP, analyze, chunk_bounds
from gait.io.canonical_format import read_recording, write_recording
from gait.io.canonical_stream import FileStream, open_recording
from gait.util.table_csv import format_fixed, write_csv

ROOT = Path(__file__).resolve().parents[1]


def test_format_fixed_matches_python_percent_format() -> None:
    rng = np.random.default_rng(3)
    x = np.concatenate(
        [
            rng.normal(0, 10, 20000),
            rng.normal(0, 1e-4, 2000),
            rng.integers(-(10**6), 10**6, 5000) / 2.0 ** rng.integers(0, 12, 5000),
            [
                0.5,
                -0.0,
                1.03125,
                -1.03125,
                2.5e-5,
                -2.5e-5,
                0.99995,
                9.99995,
                1e15,
                -1e20,
                np.inf,
                -np.inf,
                np.nan,
                123456789.12345,
            ],
        ]
    )
    for d in (0, 2, 4, 6):
        assert format_fixed(x, d) == ["" if v != v else f"%.{d}f" % v for v in x]


def test_write_csv_is_byte_identical_to_pandas(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    n = 9000  # more than one block of rows
    df = pd.DataFrame(
        {
            "side": pd.array(rng.choice(["left", "right", None], n), dtype="string"),
            "t": rng.normal(0, 100, n),
            "i": np.arange(n),
            "ok": rng.random(n) > 0.5,
            "q": rng.choice(["", 'a,"b"', "x\ny", "plain"], n).astype(object),
        }
    )
    df.loc[::7, "t"] = np.nan
    for frame in (df, df.iloc[:0], pd.DataFrame({"a": [1.5, 2.5], "b": [1.0, "x"]})):
        frame.to_csv(tmp_path / "a.csv", index=False, float_format="%.4f")
        write_csv(frame, tmp_path / "b.csv", decimals=4)
        assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


@pytest.fixture(scope="module")
def long_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """25 min of two feet + sacrum at 50 Hz with a gap and clipped samples (> one chunk)."""
    from gait.synth import synthesize

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = synthesize(
            "run", ("foot-left", "foot-right", "sacrum"), duration=1500.0, rate=50.0, seed=5
        )
    st = rec.streams[0]
    keep = (st.t < 700.0) | (st.t > 700.6)  # a 0.6 s hole
    rec.streams[0] = type(st)(
        st.placement, st.side, st.t[keep], st.acc[keep], st.gyr[keep], rate=st.rate, name=st.name
    )
    rec.streams[1].acc[1000:1400] = np.clip(rec.streams[1].acc[1000:1400], -25.0, 25.0)
    rec.streams[1].acc_range = 25.0 / 0.98
    path = tmp_path_factory.mktemp("long") / "run.gaitrec"
    write_recording(rec, path)
    return path


def _same(a: object, b: object) -> None:
    ra, rb = a, b
    assert ra.steps.equals(rb.steps)  # type: ignore[attr-defined]
    assert json.dumps(ra.summary, sort_keys=True) == json.dumps(rb.summary, sort_keys=True)  # type: ignore[attr-defined]
    assert ra.flags == rb.flags  # type: ignore[attr-defined]


@pytest.mark.slow
def test_windows_equal_slice_time(long_file: Path) -> None:
    whole = read_recording(long_file)
    lazy = open_recording(long_file)
    for s_whole, s_lazy in zip(whole.streams, lazy.streams, strict=True):
        assert isinstance(s_lazy, FileStream)
        assert (s_lazy.n, s_lazy.duration) == (s_whole.n, s_whole.duration)
        cores = chunk_bounds(float(s_whole.t[0]), float(s_whole.t[-1]))
        assert len(cores) == 3
        for (a, b), (piece, c0, c1) in zip(
            cores, s_lazy.windows(cores, CHUNK_OVERLAP), strict=True
        ):
            ref = s_whole.slice_time(a - CHUNK_OVERLAP, b + CHUNK_OVERLAP)
            assert np.array_equal(piece.t, ref.t)
            assert np.array_equal(piece.acc, ref.acc)
            assert np.array_equal(piece.gyr, ref.gyr)
            assert ((piece.t[c0:c1] >= a) & (piece.t[c0:c1] < b)).all()


def test_piecewise_analysis_equals_whole(long_file: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = analyze(read_recording(long_file))
        lazy = analyze(open_recording(long_file))
    assert any(f.startswith("gap:") for f in whole.flags)
    assert any(f.startswith("saturated:") for f in whole.flags)
    _same(whole, lazy)


def test_nonfinite_stream_falls_back_to_whole(long_file: Path, tmp_path: Path) -> None:
    rec = read_recording(long_file)
    rec.streams[2].acc[5000, 1] = np.nan
    path = tmp_path / "nan.gaitrec"
    write_recording(rec, path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = analyze(read_recording(path))
        lazy = analyze(open_recording(path))
    assert any(f.startswith("nonfinite:") for f in whole.flags)
    _same(whole, lazy)


def test_windows_decoder_thread_stops_and_raises_in_order(long_file: Path, tmp_path: Path) -> None:
    # the pieces are decoded on a second thread: closing the generator early stops it, and a
    # bad sample is raised by the piece that reaches it, after the good pieces before it
    import threading

    from gait.io.canonical_stream import UnorderedStreamError

    before = threading.active_count()
    st = open_recording(long_file).streams[0]
    cores = chunk_bounds(st.t_first, st.t_last)
    gen = st.windows(cores, CHUNK_OVERLAP)  # type: ignore[attr-defined]
    next(gen)
    gen.close()
    assert threading.active_count() == before
    rec = read_recording(long_file)
    bad_t = 1450.0  # in the last core and in the last batch of 32768 rows (655 s at 50 Hz)
    rec.streams[0].acc[np.searchsorted(rec.streams[0].t, bad_t), 0] = np.inf
    path = tmp_path / "inf.gaitrec"
    write_recording(rec, path)
    st = open_recording(path).streams[0]
    gen = st.windows(cores, CHUNK_OVERLAP)  # type: ignore[attr-defined]
    good = [next(gen) for _ in cores[:-1]]
    assert good[-1][0].t[-1] > 1200.0
    with pytest.raises(UnorderedStreamError):
        next(gen)
    assert threading.active_count() == before


def test_help_imports_no_numpy_or_pandas() -> None:
    code = (
        "import sys; from gait.cli import build_parser; build_parser().format_help(); "
        "print(sorted(m for m in ('numpy', 'pandas', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert out.stdout.strip() == "[]"


def test_light_scipy_signal_keeps_stats_real() -> None:
    code = (
        "import sys; from gait.util.scipy_signal import signal; "
        "assert 'scipy.stats' not in sys.modules; "
        "import scipy.stats; assert hasattr(scipy.stats, 'norm'); "
        "import numpy as np; x = np.sin(np.linspace(0, 20, 200)); "
        "print(len(signal.find_peaks_cwt(x, [5, 10])), signal.find_peaks(x)[0].tolist())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert out.stdout.split()[0] != "0"


def test_light_scipy_signal_defers_interpolate_optimize_spatial() -> None:
    # scipy.signal's functions that need them still work, and give the plain import's result
    code = (
        "import sys; from gait.util.scipy_signal import signal; "
        "mods = ('scipy.interpolate', 'scipy.optimize', 'scipy.spatial'); "
        "assert not any(m in sys.modules for m in mods), sorted(sys.modules); "
        "import numpy as np; "
        "o = signal.buttord(0.2, 0.3, 3, 40); "
        "p = signal.cheb2ord([0.1, 0.6], [0.2, 0.5], 3, 60); "
        "q = signal.unique_roots([1.0, 1.0 + 1e-9, 2.0])[1].tolist(); "
        "r = signal.dlsim(([1.0], [1.0, -0.5], 1.0), [1.0, 0, 0, 0], t=[0, 1, 2, 3])[1].ravel(); "
        "import scipy.interpolate, scipy.optimize, scipy.spatial; "
        "assert all(type(sys.modules[m]).__name__ == 'module' for m in mods); "
        "print(repr((int(o[0]), float(o[1]), int(p[0]), p[1].tolist(), q, r.tolist())))"
    )
    plain = code.replace(
        "from gait.util.scipy_signal import signal", "import scipy.signal as signal"
    )
    plain = plain.replace(
        "assert not any(m in sys.modules for m in mods), sorted(sys.modules); ", ""
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    light = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    ref = subprocess.run(
        [sys.executable, "-c", plain], capture_output=True, text=True, check=True, env=env
    )
    assert light.stdout == ref.stdout
    assert light.stdout.strip()


def test_filtfilt_sos_is_scipys_sosfiltfilt_bit_for_bit() -> None:
    from gait.analysis.placements._signal import butter_sos, filtfilt_sos
    from gait.util.scipy_signal import signal

    rng = np.random.default_rng(8)
    big = rng.normal(0, 10, (3001, 7))
    inputs = [
        big[:, 0].copy(),
        big[:, 1:4],
        np.ascontiguousarray(big[:, 4:7]),
        big[::-1, 3],
        big[:40, 2],
    ]
    designs = [
        butter_sos(2, 90.0, 200.0),
        butter_sos(4, 10.0, 200.0),
        butter_sos(1, 3.0, 50.0),
        butter_sos(2, (0.5, 8.0), 100.0, "band"),
    ]
    for sos in designs:
        for x in inputs:
            for pad in (1, 9, min(27, x.shape[0] - 1)):
                want = np.asarray(signal.sosfiltfilt(sos, x, axis=0, padlen=pad))
                got = filtfilt_sos(sos, x, pad)
                # same values and the same memory layout (downstream reductions see the same order)
                assert got.shape == want.shape
                assert got.strides == want.strides
                assert got.tobytes() == want.tobytes()
    # what it does not handle itself goes to SciPy (and raises what SciPy raises)
    with pytest.raises(ValueError, match="must be greater than padlen"):
        filtfilt_sos(designs[0], big[:5, 0], 5)
    short = filtfilt_sos(designs[0], big[:5, 0], 0)
    assert (
        short.tobytes()
        == np.asarray(signal.sosfiltfilt(designs[0], big[:5, 0], padlen=0)).tobytes()
    )


def test_gyro_usable_fast_path_decides_like_np_std() -> None:
    from gait.analysis.placements.foot import _gyro_usable

    rng = np.random.default_rng(9)
    for sd in (0.0, 0.01, 0.0499, 0.05, 0.0501, 0.2, 3.0):
        g = rng.normal(0, 1, (5000, 3))
        g = (g - g.mean(axis=0)) / g.std(axis=0) * sd + rng.normal(0, 5, 3)
        assert _gyro_usable(g) == bool(np.std(g, axis=0).max() > 0.05), sd

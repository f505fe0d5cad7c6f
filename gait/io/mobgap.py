"""Mobilise-D ``data.mat`` (MATLAB v5, as shipped in mobgap's example data).

The file holds ``data.<TimeMeasure>.<Test>.<Trial>`` structs; each has the lower-back
IMU (``SU.LowerBack``: ``Acc`` in g, ``Gyr`` in deg/s, ``Timestamp`` in s since the epoch,
``Fs``) and references under ``Standards``; we read the INDIP one.

Choosing a test: ``path/data.mat`` reads the first trial in file order;
``path/data.mat::Test11`` (or ``::Test5/Trial2``, ``::TimeMeasure1/Test5/Trial2``)
reads the first trial whose key contains those parts in that order. The error for a
selector that matches nothing lists the available keys.

Axes: the Mobilise-D sensor frame is x up, y right, z forward (mobgap's coordinate-system
guide; the tests check that x carries +1 g at rest). We map it to ours (x forward,
y left, z up): ``body = (z, -y, x)``, a proper rotation, applied to acc and gyr.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gait.contract.errors import BadValueError, InputFileError, MissingColumnError
from gait.contract.recording import Recording, Reference, SessionMeta, Stream
from gait.io._csv import drop_time_glitches
from gait.io._events import pair_contacts
from gait.io._matscan import MAT_ERRORS, check_mat, is_mat5
from gait.io._selector import SEP
from gait.io._selector import split_selector as split_file_selector
from gait.io.limits import MAX_RATE_HZ, check_time_span
from gait.io.units import G, gyr_factor

if TYPE_CHECKING:
    from gait.io import ReadOptions

NAME = "mobgap"
#: Mobilise-D sensor (x up, y right, z forward) to body (x forward, y left, z up):
#: body = R @ sensor.
SENSOR_TO_BODY = np.array([[0.0, 0.0, 1.0], [0.0, -1.0, 0.0], [1.0, 0.0, 0.0]])


def split_selector(path: Path) -> tuple[Path, list[str]]:
    """Split ``file.mat::Test5/Trial2`` into the file and the selector parts."""
    base, sel = split_file_selector(path)
    return base, [p for p in (sel or "").replace("\\", "/").split("/") if p]


def sniff(path: Path) -> bool:
    """True for a MATLAB 5 MAT-file holding a ``data`` struct (optionally a ``::Test`` selector).

    ``scipy.io.whosmat`` lists the variables without loading them, so sibling files such as
    ``infoForAlgo.mat`` are not mistaken for recordings.
    """
    base, _ = split_selector(path)
    if not is_mat5(base):
        return False
    from scipy.io import whosmat

    try:
        return any(name == "data" for name, _, _ in whosmat(base))
    except MAT_ERRORS:
        return False


def _trials(data: dict[str, Any]) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every struct that has ``SU`` (a trial), with its key path, in file order."""
    out: list[tuple[tuple[str, ...], dict[str, Any]]] = []

    def walk(node: Any, key: tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            return
        if "SU" in node:
            out.append((key, node))
            return
        for k, v in node.items():
            walk(v, (*key, k))

    walk(data, ())
    return out


def _matches(key: tuple[str, ...], sel: list[str]) -> bool:
    it = iter(key)
    return all(any(part == k for k in it) for part in sel)


def _wb_list(node: Any) -> list[dict[str, Any]]:
    if node is None:
        return []
    if isinstance(node, dict):
        return [node]
    return [w for w in np.atleast_1d(node) if isinstance(w, dict)]


def _f(x: Any) -> np.ndarray:
    return np.atleast_1d(np.asarray(x, dtype=np.float64))


def _s(x: Any) -> np.ndarray:
    return np.atleast_1d(np.asarray(x, dtype=object)).astype(str)


def _reference(trial: dict[str, Any], fs: float) -> Reference | None:
    indip = trial.get("Standards", {}).get("INDIP")
    if not isinstance(indip, dict):
        return None
    wbs = _wb_list(indip.get("MicroWB"))
    events, bouts, strides = [], [], []
    for i, wb in enumerate(wbs):
        ic_t = _f(wb.get("InitialContact_Event", []))
        ic_s = np.char.lower(_s(wb.get("InitialContact_LeftRight", [])))
        fc_t = _f(wb.get("FinalContact_Event", []))
        fc_s = np.char.lower(_s(wb.get("FinalContact_LeftRight", [])))
        ok = np.isfinite(ic_t)
        ev = pair_contacts(ic_s[ok], ic_t[ok], fc_s[np.isfinite(fc_t)], fc_t[np.isfinite(fc_t)])
        ev["bout"] = i
        events.append(ev)
        bouts.append(
            {
                "bout": i,
                "t_start": float(wb.get("Start", np.nan)),
                "t_end": float(wb.get("End", np.nan)),
                "n_strides": int(wb.get("NumberStrides", 0)),
                "speed": float(wb.get("WalkingSpeed", np.nan)),
                "cadence": float(wb.get("Cadence", np.nan)),
                "stride_length": float(wb.get("AverageStrideLength", np.nan)),
            }
        )
        sic = np.asarray(
            wb.get("Stride_InitialContacts", np.empty((0, 2))), dtype=np.float64
        ).reshape(-1, 2)
        if sic.size:
            st = pd.DataFrame({"bout": i, "t_start": sic[:, 0] / fs, "t_end": sic[:, 1] / fs})
            for col, name in (
                ("Stride_Duration", "stride_time"),
                ("Stride_Length", "stride_length"),
                ("Stride_Speed", "speed"),
                ("Stance_Duration", "stance_time"),
                ("Swing_Duration", "swing_time"),
            ):
                v = _f(wb.get(col, []))
                st[name] = v if v.size == len(st) else np.nan
            strides.append(st)
    ev_all = (
        pd.concat(events, ignore_index=True)
        if events
        else pd.DataFrame({"side": pd.Series(dtype=object), "t_ic": [], "t_tc": [], "bout": []})
    )
    tables = {"bouts": pd.DataFrame(bouts)}
    if strides:
        tables["strides"] = pd.concat(strides, ignore_index=True)
    return Reference(
        kind="measured",
        events=ev_all,
        tables=tables,
        params={"system": "INDIP", "level": "MicroWB"},
        source="Mobilise-D INDIP reference (data.mat Standards.INDIP.MicroWB)",
    )


def read(path: Path, options: ReadOptions) -> Recording:  # noqa: ARG001 - the reader interface
    """Read one trial of a Mobilise-D ``data.mat`` with its INDIP reference.

    Parameters
    ----------
    path : Path
        ``data.mat`` or ``data.mat::<selector>`` (see the module docstring).
    options : ReadOptions
        Not used (the file says placement and units).

    Returns
    -------
    Recording
        One ``sacrum`` stream in the body frame (acc m/s², gyr rad/s), the wall-clock
        start in ``meta.start_time``, the trial key in ``meta.extra['test']`` and the
        INDIP steps, bouts and strides as the reference.
    """
    import scipy.io

    base, sel = split_selector(path)
    try:
        check_mat(base)  # bounds what loadmat will allocate
        mat = scipy.io.loadmat(str(base), simplify_cells=True)
    except MAT_ERRORS as exc:
        raise InputFileError(base, f"cannot read the MAT-file ({exc})") from None
    if "data" not in mat or not isinstance(mat["data"], dict):
        raise MissingColumnError(base, "no 'data' struct: not a Mobilise-D data.mat", column="data")
    trials = _trials(mat["data"])
    if not trials:
        raise InputFileError(base, "no trial with sensor data ('SU') in 'data'")
    found = [(k, v) for k, v in trials if _matches(k, sel)]
    if not found:
        keys = ", ".join("/".join(k) for k, _ in trials)
        raise InputFileError(base, f"no trial matches {SEP}{'/'.join(sel)}; available: {keys}")
    key, trial = found[0]
    try:
        return _read_trial(base, key, trial, trials)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        # MAT structs are untyped: a field of the wrong shape or type is a damaged file.
        raise BadValueError(
            base, f"{'/'.join(key)}: malformed trial ({type(exc).__name__}: {exc})"
        ) from None


def _read_trial(
    base: Path,
    key: tuple[str, ...],
    trial: dict[str, Any],
    trials: list[tuple[tuple[str, ...], dict[str, Any]]],
) -> Recording:
    """One trial's lower-back stream and INDIP reference (see :func:`read`)."""
    imu = trial["SU"].get("LowerBack")
    if not isinstance(imu, dict) or "Acc" not in imu:
        raise MissingColumnError(
            base, f"{'/'.join(key)} has no SU.LowerBack.Acc", column="LowerBack"
        )
    fs_node = imu.get("Fs", 100.0)
    fs = float(fs_node["Acc"] if isinstance(fs_node, dict) else fs_node)
    if not 0 < fs <= MAX_RATE_HZ:
        raise BadValueError(
            base, f"{'/'.join(key)}: sampling rate Fs = {fs!r} Hz is not in (0, {MAX_RATE_HZ:g}]"
        )
    acc = np.asarray(imu["Acc"], dtype=np.float64).reshape(-1, 3) * G
    gyr = (
        np.asarray(imu["Gyr"], dtype=np.float64).reshape(-1, 3) * gyr_factor("deg/s")
        if "Gyr" in imu
        else None
    )
    n = acc.shape[0]
    ts = np.asarray(imu.get("Timestamp", np.arange(n) / fs), dtype=np.float64).reshape(-1)
    if ts.shape[0] != n or not np.all(np.isfinite(ts)):
        ts = np.arange(n) / fs  # keep the nominal clock when the timestamps are unusable
    keep, dropped = drop_time_glitches(ts, base, 1, f"{'/'.join(key)}/Timestamp")
    if dropped:
        ts, acc = ts[keep], acc[keep]
        gyr = None if gyr is None else gyr[keep]
    check_time_span(base, ts, "s", f"{'/'.join(key)}/Timestamp")
    stream = Stream(
        placement="sacrum",
        side=None,
        t=ts - ts[0],
        acc=acc @ SENSOR_TO_BODY.T,
        gyr=None if gyr is None else gyr @ SENSOR_TO_BODY.T,
        rate=fs,
        device={
            "model": "Mobilise-D lower-back IMU",
            "source_file": base.name,
            "frame": "body (from x up, y right, z forward)",
            "dropped_samples": dropped,
        },
    )
    start = trial.get("StartDateTime")
    start_time = None
    if isinstance(start, str):
        try:
            start_time = datetime.fromisoformat(start).isoformat()
        except ValueError:
            start_time = None
    meta = SessionMeta(
        activity="walk",
        source=NAME,
        start_time=start_time,
        extra={"test": "/".join(key), "tests": ["/".join(k) for k, _ in trials]},
    )
    return Recording(meta=meta, streams=[stream], reference=_reference(trial, fs))

"""Bach, Dominici & Daffertshofer (2022) shank accelerometer with ground reaction force.

The MAT-file (MATLAB v5) holds a struct array ``data``; each element is one treadmill
trial with ``Accelerometer`` (N×3, g, clipping at ±8 g), ``GroundReactionForce``
(N, newtons, negative while loading, the instrumented leg only), ``Condition``
(``running`` / ``walking``) and ``SamplingRate`` (142.857 Hz). A sibling
``<stem>_INFO.csv`` gives sex, mass, height and treadmill speed (km/h) per trial.
Bach et al., bioRxiv 2022, doi:10.1101/2022.02.14.480318.

Choosing a trial: ``walk+run_dev.mat`` reads trial 1; ``walk+run_dev.mat::3`` reads the
third (1-based, the ``Index`` of the INFO file). A selector out of range lists the
trials.

Axes: the authors give x vertical, y mediolateral, z anteroposterior, but the mounting
differs between trials, so each trial's frame is found from its own data:

* up is ±x: gravity makes its mean −1 g in one mounting and +1 g in the other;
* forward is the direction across the shank (in the sensor's y-z plane) along which
  the acceleration varies most below ~7 Hz: at the shank the sagittal rotation
  dominates (trials 1–2 and 6–7: close to z and to y respectively; in the running
  trials about 35° from z, the sensor sat on the anteromedial face of the tibia);
* its sign: over each force-plate stance the shank rotates from ankle-ahead to
  ankle-behind, so the forward component of gravity is higher in the first half of
  stance than in the second (the tests check this for every trial);
* left = up × forward (a proper rotation).

The trials end with 3–9 all-zero rows (padding); they are dropped and counted in
``device['padding_dropped']``.

Reference: contacts where the vertical force exceeds 50 N, flicker removed by
:func:`gait.io._events.contacts_from_force`; the side of the instrumented leg is not
given, so the stream and the steps have side None.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gait.contract.errors import InputFileError, MissingColumnError
from gait.contract.recording import Recording, Reference, SessionMeta, Stream
from gait.io._events import contacts_from_force
from gait.io._matscan import MAT_ERRORS, check_mat, is_mat5
from gait.io._selector import SEP, split_selector
from gait.io.units import G

if TYPE_CHECKING:
    from gait.io import ReadOptions

NAME = "bach"
#: Accelerometer full scale, g (the data clip at ±7.97 g).
ACC_RANGE_G = 8.0
#: Contact threshold on the vertical ground reaction force, N.
FORCE_THRESHOLD_N = 50.0
_FIELDS = ("Accelerometer", "GroundReactionForce")
_ACTIVITY = {"running": "run", "walking": "walk"}


def _load(base: Path) -> list[dict[str, Any]]:
    import scipy.io

    check_mat(base)  # bounds what loadmat will allocate on a damaged file
    try:
        mat = scipy.io.loadmat(str(base), simplify_cells=True, variable_names=["data"])
    except MAT_ERRORS as exc:
        raise InputFileError(base, f"cannot read the MAT-file ({exc})") from None
    data = mat.get("data")
    trials = (
        [data] if isinstance(data, dict) else list(np.atleast_1d(data)) if data is not None else []
    )
    if not trials or not all(isinstance(t, dict) and all(f in t for f in _FIELDS) for t in trials):
        raise MissingColumnError(
            base, "no 'data' struct array with Accelerometer and GroundReactionForce", column="data"
        )
    return trials


def sniff(path: Path) -> bool:
    """True for a MATLAB 5 MAT-file whose ``data`` structs hold accelerometer and force data.

    The ``data`` struct array must have the fields ``Accelerometer`` and
    ``GroundReactionForce``.

    Checked before the Mobilise-D reader, which also looks for a ``data`` struct.
    """
    base, _ = split_selector(path)
    if not is_mat5(base):
        return False
    from scipy.io import whosmat

    try:
        info = [v for v in whosmat(base) if v[0] == "data" and v[2] == "struct"]
        if not info:
            return False
        # a Mobilise-D data.mat is one (1, 1) nested struct of many MB; look inside only
        # struct arrays or small files so that sniffing stays cheap
        if int(np.prod(info[0][1])) <= 1 and base.stat().st_size > 4 * 2**20:
            return False
        _load(base)
    except (*MAT_ERRORS, InputFileError):
        return False
    return True


def _info(base: Path) -> pd.DataFrame | None:
    info_path = base.with_name(f"{base.stem}_INFO.csv")
    if not info_path.is_file():
        return None
    df = pd.read_csv(info_path)
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _smooth(x: np.ndarray, fs: float) -> np.ndarray:
    """Moving average over 0.15 s (first zero of its response at ~7 Hz), per column."""
    w = max(1, round(0.15 * fs))
    k = np.ones(w) / w
    return np.column_stack([np.convolve(x[:, i], k, mode="same") for i in range(x.shape[1])])


def body_axes(acc: np.ndarray, fs: float, contacts: pd.DataFrame | None = None) -> np.ndarray:
    """Map one trial's sensor axes to the body frame (x forward, y left, z up).

    Parameters
    ----------
    acc : ndarray, shape (N, 3)
        Accelerometer in the sensor axes (x along the shank), any unit.
    fs : float
        Sampling rate, Hz.
    contacts : DataFrame, optional
        Force-plate contacts (``t_ic``, ``t_tc`` in s) that fix the forward sign; without
        them the forward axis is the one with a positive mean over the gait cycle.

    Returns
    -------
    ndarray, shape (N, 3)
        The same samples in the body frame (a proper rotation of the input).
    """
    up = np.zeros(3)
    up[0] = 1.0 if float(np.mean(acc[:, 0])) >= 0.0 else -1.0
    lp = _smooth(acc, fs)
    # forward: the direction across the shank (sensor y-z plane) that varies most
    c = lp[:, 1:] - lp[:, 1:].mean(axis=0)
    _, vecs = np.linalg.eigh(c.T @ c)
    fwd = np.concatenate(([0.0], vecs[:, -1]))
    proj = lp @ fwd
    drop = float(np.mean(proj))
    if contacts is not None and len(contacts):
        ev = contacts.dropna(subset=["t_tc"])
        i0 = np.round(ev["t_ic"].to_numpy() * fs).astype(int)
        i1 = np.round(ev["t_tc"].to_numpy() * fs).astype(int)
        ok = i1 < proj.size
        early = [
            proj[a + (b - a) // 10 : a + 4 * (b - a) // 10].mean()
            for a, b in zip(i0[ok], i1[ok], strict=True)
        ]
        late = [
            proj[b - 4 * (b - a) // 10 : b - (b - a) // 10].mean()
            for a, b in zip(i0[ok], i1[ok], strict=True)
        ]
        if early:
            drop = float(np.mean(early) - np.mean(late))
    if drop < 0:
        fwd = -fwd
    left = np.cross(up, fwd)
    return acc @ np.column_stack((fwd, left, up))


def read(path: Path, options: ReadOptions) -> Recording:
    """Read one trial of the Bach et al. shank file with its force-plate contacts.

    Parameters
    ----------
    path : Path
        ``walk+run_dev.mat`` or ``walk+run_dev.mat::<trial>`` (1-based).
    options : ReadOptions
        ``side`` names the instrumented leg (not stated by the file).

    Returns
    -------
    Recording
        One accelerometer-only ``shank`` stream in the body frame (m/s², ±8 g full scale
        in ``acc_range``), the condition as the activity, the treadmill speed (m/s),
        height (m) and the force-plate contacts and force (N) as the reference.

    Raises
    ------
    InputFileError
        Unreadable file or a selector that names no trial.
    """
    base, sel = split_selector(path)
    trials = _load(base)
    try:
        k = int(sel) if sel is not None else 1
    except ValueError:
        k = 0
    if not 1 <= k <= len(trials):
        raise InputFileError(base, f"no trial {SEP}{sel}; choose 1..{len(trials)}")
    trial = trials[k - 1]
    fs = float(trial.get("SamplingRate", 1000.0 / 7.0))
    raw = np.asarray(trial["Accelerometer"], dtype=np.float64).reshape(-1, 3)
    grf = np.asarray(trial["GroundReactionForce"], dtype=np.float64).reshape(-1)
    if grf.size != raw.shape[0]:
        raise InputFileError(
            base, f"trial {k}: {raw.shape[0]} accelerometer and {grf.size} force samples"
        )
    # the trials end with a few all-zero accelerometer rows (padding, not samples: a
    # working accelerometer never reads exactly 0 on all three axes); drop them
    live = np.flatnonzero(np.any(raw != 0.0, axis=1))
    n_pad = raw.shape[0] - (int(live[-1]) + 1 if live.size else 0)
    raw, grf = raw[: raw.shape[0] - n_pad], grf[: grf.size - n_pad]
    if raw.shape[0] < 2:
        raise InputFileError(base, f"trial {k} has no accelerometer samples")
    condition = str(trial.get("Condition", "")).strip().lower()
    side = options.side
    n = raw.shape[0]
    t = np.arange(n) / fs
    load = -grf  # loading positive
    events = contacts_from_force(load, fs, FORCE_THRESHOLD_N, side=side)
    stream = Stream(
        placement="shank",
        side=side,  # type: ignore[arg-type]
        t=t,
        acc=body_axes(raw, fs, events) * G,
        gyr=None,
        rate=fs,
        acc_range=ACC_RANGE_G * G,
        device={
            "model": "shank accelerometer (Bach et al. 2022)",
            "source_file": base.name,
            "trial": k,
            "padding_dropped": n_pad,
            "frame": "body (up = ±x from gravity, forward from the data, see gait.io.bach)",
        },
    )
    ref = Reference(
        kind="measured",
        events=events,
        tables={"force": pd.DataFrame({"t": t, "fz": load})},
        params={"threshold_n": FORCE_THRESHOLD_N, "leg": "instrumented leg only", "trial": k},
        source="Bach et al. 2022 vertical ground reaction force (> 50 N, flicker removed)",
    )
    extra: dict[str, Any] = {"trial": k, "trials": len(trials), "condition": condition}
    speed = height = None
    info = _info(base)
    if info is not None and "Index" in info and (info["Index"] == k).any():
        row = info.loc[info["Index"] == k].iloc[0]
        speed = float(row["Speed [km/h]"]) / 3.6 if "Speed [km/h]" in row else None
        height = float(row["Height [cm]"]) / 100.0 if "Height [cm]" in row else None
        extra.update(
            {
                "mass_kg": float(row.get("Weight [kg]", np.nan)),
                "sex": str(row.get("Gender", "")),
                "original_trial": int(row.get("OriginalTrial", -1)),
            }
        )
        # the two people differ in mass and height; this identifies them without a name
        mass, height = int(row.get("Weight [kg]", 0)), int(row.get("Height [cm]", 0))
        extra["subject"] = f"{row.get('Gender', '')}{mass}-{height}"
    meta = SessionMeta(
        activity=_ACTIVITY.get(condition, "unknown"),  # type: ignore[arg-type]
        source=NAME,
        treadmill_speed=speed,
        height=height,
        extra=extra,
    )
    return Recording(meta=meta, streams=[stream], reference=ref)

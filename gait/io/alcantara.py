"""Alcantara et al. (2022) sacral accelerometer with treadmill vertical force.

``Accelerometer_<name>.csv`` has no header and one treadmill running trial per row:
2480 vertical samples, then 2480 anteroposterior samples, in g, at 500 Hz (4.96 s),
low-passed at 20 Hz and clipped at 0 g below by the authors. ``GRF_<name>.csv`` holds
the treadmill's vertical force in body weights, one trial per row on the same grid;
``Sub_Info_<name>.csv`` gives speed (m/s), slope (%), height (cm), mass (kg) and the
share of rearfoot / midfoot / forefoot strikes (``RFS``/``MFS``/``FFS``, %) per row.
Alcantara et al., PeerJ 10:e12752 (2022).

Choosing a trial: ``Accelerometer_dev.csv`` reads row 1; ``Accelerometer_dev.csv::5``
reads row 5 (1-based). A selector out of range lists the rows.

Axes: the vertical axis reads about +1 g on average, so it points up. The
anteroposterior axis points forward: over each stance it is lower in the first half
than in the second (the pelvis brakes, then is pushed forward), checked for every
trial in the tests. There is no mediolateral channel; body y is set to 0.

Reference: contacts where the force exceeds 0.05 BW, flicker removed by
:func:`gait.io._events.contacts_from_force`. The treadmill force sums both feet, so
the side of each contact is unknown (None).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gait.contract.errors import InputFileError
from gait.contract.recording import Recording, Reference, SessionMeta, Stream
from gait.io._csv import head_text
from gait.io._events import contacts_from_force
from gait.io._selector import SEP, split_selector
from gait.io.units import G

if TYPE_CHECKING:
    from gait.io import ReadOptions

NAME = "alcantara"
RATE = 500.0
#: Contact threshold on the vertical force, body weights.
FORCE_THRESHOLD_BW = 0.05
_NAME_RE = re.compile(r"^Accelerometer(?P<suffix>.*)\.csv$", re.IGNORECASE)


def sniff(path: Path) -> bool:
    """True for ``Accelerometer*.csv`` whose first line is an even number (≥ 100) of numbers."""
    base, _ = split_selector(path)
    if not base.is_file() or not _NAME_RE.match(base.name):
        return False
    first = head_text(base, 2048).split("\n", 1)[0]
    parts = first.split(",")
    try:
        float(parts[0])
    except ValueError:
        return False
    if "\n" in head_text(base, 2048):
        return len(parts) >= 100 and len(parts) % 2 == 0
    return True  # a long first line: the 2 KB head holds only part of it


def _rows(path: Path) -> np.ndarray:
    try:
        arr = np.loadtxt(path, delimiter=",", ndmin=2)
    except ValueError as exc:
        raise InputFileError(path, f"not a numeric trial-per-row CSV ({exc})") from None
    return arr


def _sibling(base: Path, prefix: str) -> Path:
    m = _NAME_RE.match(base.name)
    suffix = m.group("suffix") if m else ""
    return base.with_name(f"{prefix}{suffix}.csv")


def read(path: Path, options: ReadOptions) -> Recording:
    """Read one row (trial) of the Alcantara et al. sacral running data with its force contacts.

    Parameters
    ----------
    path : Path
        ``Accelerometer_dev.csv`` or ``Accelerometer_dev.csv::<row>`` (1-based).
    options : ReadOptions
        ``rate`` overrides the 500 Hz.

    Returns
    -------
    Recording
        One accelerometer-only ``sacrum`` stream in the body frame (m/s², y = 0), activity
        ``run``, treadmill speed (m/s), slope and foot-strike shares in ``meta.extra``, and
        the treadmill contacts and force (BW) as the reference.

    Raises
    ------
    InputFileError
        Unreadable file, odd row length, or a selector that names no row.
    """
    base, sel = split_selector(path)
    rate = float(options.rate) if options.rate else RATE
    acc_rows = _rows(base)
    try:
        k = int(sel) if sel is not None else 1
    except ValueError:
        k = 0
    if not 1 <= k <= acc_rows.shape[0]:
        raise InputFileError(base, f"no trial {SEP}{sel}; choose 1..{acc_rows.shape[0]}")
    row = acc_rows[k - 1]
    if row.size % 2:
        raise InputFileError(
            base, f"row {k} has {row.size} values; expected vertical then anteroposterior halves"
        )
    n = row.size // 2
    vert, ap = row[:n], row[n:]
    acc = np.column_stack((ap, np.zeros(n), vert)) * G
    t = np.arange(n) / rate
    stream = Stream(
        placement="sacrum",
        side=None,
        t=t,
        acc=acc,
        gyr=None,
        rate=rate,
        device={
            "model": "sacral accelerometer (Alcantara et al. 2022)",
            "source_file": base.name,
            "trial": k,
            "frame": "body; x = anteroposterior, z = vertical, no mediolateral channel (y = 0)",
            "lowpass_hz": 20.0,
            "clipped_below_g": 0.0,
        },
    )
    extra: dict[str, Any] = {
        "trial": k,
        "trials": int(acc_rows.shape[0]),
        "subject": "alcantara_runner",
    }
    speed = height = None
    info_path = _sibling(base, "Sub_Info")
    if info_path.is_file():
        info = pd.read_csv(info_path)
        if len(info) >= k:
            r = info.iloc[k - 1]
            speed = float(r["Speed"]) if pd.notna(r.get("Speed")) else None
            height = float(r["Height"]) / 100.0 if pd.notna(r.get("Height")) else None
            shares = {s: float(r[s]) for s in ("RFS", "MFS", "FFS") if s in r and pd.notna(r[s])}
            extra.update(
                {
                    "slope_pct": float(r["Slope"]) if pd.notna(r.get("Slope")) else None,
                    "mass_kg": float(r["Mass"]) if pd.notna(r.get("Mass")) else None,
                    "strike_shares": shares,
                    "foot_strike": max(shares, key=lambda s: shares[s]) if shares else None,
                }
            )
    ref = None
    grf_path = _sibling(base, "GRF")
    if grf_path.is_file():
        grf_rows = _rows(grf_path)
        if grf_rows.shape[0] >= k and grf_rows.shape[1] == n:
            fz = grf_rows[k - 1]
            ref = Reference(
                kind="measured",
                events=contacts_from_force(fz, rate, FORCE_THRESHOLD_BW),
                tables={"force": pd.DataFrame({"t": t, "fz": fz})},
                params={"threshold_bw": FORCE_THRESHOLD_BW, "trial": k},
                source=(
                    "Alcantara et al. 2022 treadmill vertical force (> 0.05 BW, flicker removed)"
                ),
            )
    meta = SessionMeta(
        activity="run", source=NAME, treadmill_speed=speed, height=height, extra=extra
    )
    return Recording(meta=meta, streams=[stream], reference=ref)

"""XSens MTw TSV files of the IPOL gait dataset (CyrilVoisard/ipol_dataset_1).

A trial ``N-M`` is three files, ``N-M_lf.txt`` (left foot), ``N-M_rf.txt`` (right foot)
and ``N-M_lb.txt`` (lower back), plus ``N-M.json``. Each TSV starts with
``Acquisition frequency: 100 Hz``, then a header ``PacketCounter Acc_X .. Gyr_X .. Mag_X ..``
(acc m/s², gyr rad/s, both checked from the data in the tests).

Naming any one of the files reads the whole trial as one Recording with three streams.
Time is ``PacketCounter / rate`` from the smallest first counter of the three, so
dropped packets (the counter skips) stay visible as gaps and the sensors share one clock.
The JSON event indices (``[toe_off, heel_strike]`` pairs per foot, ``TrialBoundaries``,
``UTurnBoundaries``) are read on that same counter base. The device axes of the MTw are
kept as recorded: the dataset does not document the mounting.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gait.contract.errors import BadValueError, InputFileError, MissingColumnError
from gait.contract.recording import Recording, Reference, SessionMeta, Stream
from gait.io._csv import drop_time_glitches, head_text, numeric_block, parse_table
from gait.io._events import pair_contacts
from gait.io.limits import MAX_RATE_HZ, check_time_span

if TYPE_CHECKING:
    from gait.io import ReadOptions

NAME = "ipol"
_TRIAL = re.compile(r"^(?P<trial>.+?)(?:_(?P<part>lf|rf|lb))?\.(?:txt|json)$")
_RATE = re.compile(r"Acquisition frequency:\s*([0-9.]+)\s*Hz")
PARTS: dict[str, tuple[str, str | None]] = {
    "lf": ("foot", "left"),
    "rf": ("foot", "right"),
    "lb": ("sacrum", None),
}
_COLS = ["PacketCounter", "Acc_X", "Acc_Y", "Acc_Z", "Gyr_X", "Gyr_Y", "Gyr_Z"]


def sniff(path: Path) -> bool:
    """True for a ``*_lf/_rf/_lb.txt`` with the XSens header, or an ``N-M.json`` beside one."""
    if not path.is_file():
        return False
    if path.suffix == ".json":
        m = _TRIAL.match(path.name)
        return bool(m) and path.with_name(f"{m.group('trial')}_lb.txt").is_file()  # type: ignore[union-attr]
    return head_text(path, 256).startswith("Acquisition frequency:")


def trial_files(path: Path) -> tuple[str, dict[str, Path], Path | None]:
    """The trial name, its existing sensor files by part and its JSON (or None)."""
    m = _TRIAL.match(path.name)
    if not m:
        raise InputFileError(
            path, "not an IPOL trial file name (expected N-M_lf.txt, _rf, _lb or N-M.json)"
        )
    trial = m.group("trial")
    files = {p: path.with_name(f"{trial}_{p}.txt") for p in PARTS}
    files = {p: f for p, f in files.items() if f.is_file()}
    js = path.with_name(f"{trial}.json")
    return trial, files, (js if js.is_file() else None)


def group(path: Path) -> tuple[str, list[Path]]:
    """The trial a file belongs to: key ``<folder>/<N-M>`` and all of its files (for batch runs)."""
    trial, files, js = trial_files(path)
    return str(path.resolve().with_name(trial)), [*files.values(), *([js] if js else [])]


def _read_sensor(path: Path) -> tuple[float, pd.DataFrame]:
    first = head_text(path, 256).splitlines()[:1]
    m = _RATE.search(first[0]) if first else None
    if not m:
        raise BadValueError(path, "first line should be 'Acquisition frequency: N Hz'", line=1)
    try:
        rate = float(m.group(1))
    except ValueError:
        rate = 0.0
    if not 0 < rate <= MAX_RATE_HZ:
        raise BadValueError(
            path, f"acquisition frequency {m.group(1)} Hz is not in (0, {MAX_RATE_HZ:g}]", line=1
        )
    df = parse_table(path, sep="\t", header=0, skiprows=1)
    for c in _COLS:
        if c not in df.columns:
            raise MissingColumnError(path, "required column missing", line=2, column=c)
    return rate, df


def _reference(js: Path, t0: float, rate: float) -> tuple[Reference, dict[str, Any]]:
    try:
        d = json.loads(js.read_text())
    except (OSError, ValueError, RecursionError) as exc:
        raise InputFileError(js, f"cannot read the events JSON ({exc})") from None
    if not isinstance(d, dict):
        raise BadValueError(js, f"the events JSON is a {type(d).__name__}, not an object")
    try:
        return _parse_reference(js, d, t0, rate)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        # Hand-edited or damaged event lists: name the file, not a Python frame.
        raise BadValueError(js, f"malformed event lists ({type(exc).__name__}: {exc})") from None


def _parse_reference(
    js: Path, d: dict[str, Any], t0: float, rate: float
) -> tuple[Reference, dict[str, Any]]:
    ic_side: list[str] = []
    ic_t: list[float] = []
    tc_side: list[str] = []
    tc_t: list[float] = []
    for key, side in (("LeftFootEvents", "left"), ("RightFootEvents", "right")):
        pairs = np.asarray(d.get(key, []), dtype=np.float64).reshape(-1, 2)
        tc_t += list((pairs[:, 0] - t0) / rate)
        ic_t += list((pairs[:, 1] - t0) / rate)
        tc_side += [side] * len(pairs)
        ic_side += [side] * len(pairs)
    events = pair_contacts(ic_side, ic_t, tc_side, tc_t)
    rows = []
    for key, name in (("TrialBoundaries", "trial"), ("UTurnBoundaries", "u_turn")):
        if key in d:
            a, b = d[key]
            rows.append({"segment": name, "t_start": (a - t0) / rate, "t_end": (b - t0) / rate})
    subject: dict[str, Any] = {
        k: d[k] for k in ("Subject", "Trial", "Age", "Gender", "Height", "Weight") if k in d
    }
    ref = Reference(
        kind="measured",
        events=events,
        tables={"segments": pd.DataFrame(rows)},
        params={
            "subject": subject,
            "event_pairs": "[toe_off, heel_strike] sample indices (PacketCounter)",
        },
        source=f"IPOL dataset {js.name} (detected then checked by hand)",
    )
    return ref, subject


def read(path: Path, options: ReadOptions) -> Recording:  # noqa: ARG001 - the reader interface
    """Read one IPOL trial (all of ``_lf``, ``_rf``, ``_lb`` that exist) with its events.

    Parameters
    ----------
    path : Path
        Any file of the trial (a sensor ``.txt`` or the ``.json``).
    options : ReadOptions
        Not used: the file names say placement and side.

    Returns
    -------
    Recording
        Streams ``foot_left``, ``foot_right``, ``sacrum`` (acc m/s², gyr rad/s, device axes),
        the reference steps and a ``segments`` table (trial and U-turn, s).
    """
    trial, files, js = trial_files(path)
    if not files:
        raise InputFileError(path, f"no sensor files {trial}_lf/_rf/_lb.txt next to it")
    parsed = {p: _read_sensor(f) for p, f in files.items()}
    rates = {r for r, _ in parsed.values()}
    rate = min(rates)
    blocks = {p: numeric_block(df, _COLS, files[p], first_line=3) for p, (_, df) in parsed.items()}
    t0 = min(float(b[0, 0]) for b in blocks.values())
    streams = []
    total_dropped = 0
    for part, (r, _) in parsed.items():
        block = blocks[part]
        keep, dropped = drop_time_glitches(block[:, 0], files[part], 3, "PacketCounter")
        block = block[keep]
        counter = block[:, 0]
        check_time_span(files[part], counter / r, "s", "PacketCounter")
        total_dropped += dropped
        placement, side = PARTS[part]
        streams.append(
            Stream(
                placement=placement,  # type: ignore[arg-type]
                side=side,  # type: ignore[arg-type]
                t=(counter - t0) / r,
                acc=block[:, 1:4],
                gyr=block[:, 4:7],
                rate=r,
                device={
                    "model": "XSens MTw",
                    "source_file": files[part].name,
                    "dropped_samples": dropped,
                },
            )
        )
    reference, subject = _reference(js, t0, rate) if js else (None, {})
    height = subject.get("Height")
    meta = SessionMeta(
        activity="walk",
        source=NAME,
        height=float(height) / 100.0
        if isinstance(height, (int, float)) and 0 < height < 300
        else None,
        extra={"trial": trial, **({"dropped_samples": total_dropped} if total_dropped else {})},
    )
    return Recording(meta=meta, streams=streams, reference=reference)

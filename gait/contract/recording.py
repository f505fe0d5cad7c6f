"""The data contract: a :class:`Recording` of one session, with one :class:`Stream` per sensor.

Units inside are SI: acceleration in m/s² (gravity included), angular rate in rad/s,
time in seconds (float64), lengths in metres. Readers and decoders convert at the edge.

The body frame is right-handed with x forward, y left and z up. Streams carry the
*device* axes as recorded: the pipeline finds vertical from gravity and forward from
the motion itself, so nothing here assumes a correct mounting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from gait.analysis.placements.registry import find_spec, placement_names

# The contract's vocabulary lives in a numpy-free module (the CLI offers it as choices);
# re-exported here.
from gait.contract.vocabulary import ACTIVITIES as ACTIVITIES
from gait.contract.vocabulary import PHONE_MOUNTS as PHONE_MOUNTS
from gait.contract.vocabulary import PLACEMENTS as PLACEMENTS
from gait.contract.vocabulary import SIDES as SIDES
from gait.contract.vocabulary import Activity as Activity
from gait.contract.vocabulary import PhoneMount as PhoneMount
from gait.contract.vocabulary import Placement as Placement
from gait.contract.vocabulary import Side as Side

FloatArray = NDArray[np.float64]


@dataclass
class Stream:
    """Samples of one inertial sensor.

    Parameters
    ----------
    placement : {'foot', 'shank', 'sacrum', 'phone'}
        Where the sensor sits on the body.
    side : {'left', 'right'} or None
        Body side for foot and shank sensors; None for trunk sensors and phones.
    t : ndarray, shape (N,)
        Sample times in seconds (float64, strictly increasing), from the session start.
    acc : ndarray, shape (N, 3)
        Specific force in the device frame, m/s² (gravity included).
    gyr : ndarray, shape (N, 3) or None
        Angular rate in the device frame, rad/s. None for accelerometer-only sensors.
    rate : float
        Nominal sampling rate in Hz.
    device : dict
        Free-form device information (name, model, address, firmware, profile ...).
    mount : str or None
        For phones, how it is carried (see :data:`PhoneMount`).
    acc_range : float or None
        Accelerometer full scale in m/s² (e.g. 16 g = 156.9), used to flag saturation.
    gyr_range : float or None
        Gyroscope full scale in rad/s.
    name : str
        Unique name within the recording; defaults to ``placement[_side]``.
    """

    placement: Placement
    side: Side | None
    t: FloatArray
    acc: FloatArray
    gyr: FloatArray | None = None
    rate: float = 0.0
    device: dict[str, Any] = field(default_factory=dict)
    mount: str | None = None
    acc_range: float | None = None
    gyr_range: float | None = None
    name: str = ""

    def __post_init__(self) -> None:
        self.t = np.ascontiguousarray(self.t, dtype=np.float64)
        self.acc = np.ascontiguousarray(self.acc, dtype=np.float64)
        if self.gyr is not None:
            self.gyr = np.ascontiguousarray(self.gyr, dtype=np.float64)
        # the registry read now, not a copy taken at import: a placement registered later counts
        if find_spec(self.placement) is None:
            raise ValueError(
                f"placement must be one of {placement_names()}, got {self.placement!r}"
            )
        if self.side is not None and self.side not in SIDES:
            raise ValueError(f"side must be one of {SIDES} or None, got {self.side!r}")
        n = self.t.shape[0]
        if self.t.ndim != 1 or self.acc.shape != (n, 3):
            raise ValueError(f"t must be (N,) and acc (N, 3); got {self.t.shape}, {self.acc.shape}")
        if self.gyr is not None and self.gyr.shape != (n, 3):
            raise ValueError(f"gyr must be (N, 3) like acc; got {self.gyr.shape}")
        if not self.name:
            self.name = self.placement + (f"_{self.side}" if self.side else "")
        if self.rate <= 0 and n > 1:
            self.rate = float(1.0 / np.median(np.diff(self.t)))

    @property
    def has_gyr(self) -> bool:
        """True when the stream has a gyroscope."""
        return self.gyr is not None

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.t.shape[0])

    @property
    def duration(self) -> float:
        """Time from first to last sample, s."""
        return float(self.t[-1] - self.t[0]) if self.n > 1 else 0.0

    def to_frame(self) -> pd.DataFrame:
        """Samples as a DataFrame with columns ``t, acc_x..acc_z[, gyr_x..gyr_z]`` (SI)."""
        cols: dict[str, FloatArray] = {"t": self.t}
        for i, ax in enumerate("xyz"):
            cols[f"acc_{ax}"] = self.acc[:, i]
        if self.gyr is not None:
            for i, ax in enumerate("xyz"):
                cols[f"gyr_{ax}"] = self.gyr[:, i]
        return pd.DataFrame(cols)

    def slice_time(self, t0: float, t1: float) -> Stream:
        """Samples with ``t0 <= t < t1`` as a new stream sharing metadata."""
        i0, i1 = np.searchsorted(self.t, [t0, t1])
        return Stream(
            placement=self.placement,
            side=self.side,
            t=self.t[i0:i1],
            acc=self.acc[i0:i1],
            gyr=None if self.gyr is None else self.gyr[i0:i1],
            rate=self.rate,
            device=dict(self.device),
            mount=self.mount,
            acc_range=self.acc_range,
            gyr_range=self.gyr_range,
            name=self.name,
        )


@dataclass
class Channel:
    """A low-rate channel, e.g. a footpod's RSC speed, cadence and stride length.

    Parameters
    ----------
    name : str
        Unique name, e.g. ``"rsc"``.
    t : ndarray, shape (M,)
        Times in seconds from the session start.
    values : dict of str to ndarray, shape (M,)
        Named series in SI-like units: ``speed`` (m/s), ``cadence`` (steps/min),
        ``stride_length`` (m), ``distance`` (m).
    device : dict
        Device information.
    """

    name: str
    t: FloatArray
    values: dict[str, FloatArray]
    device: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.t = np.ascontiguousarray(self.t, dtype=np.float64)
        self.values = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in self.values.items()}
        for k, v in self.values.items():
            if v.shape != self.t.shape:
                raise ValueError(
                    f"channel {self.name!r}: {k} has shape {v.shape}, t {self.t.shape}"
                )

    def to_frame(self) -> pd.DataFrame:
        """Channel as a DataFrame with ``t`` and one column per series."""
        return pd.DataFrame({"t": self.t, **self.values})


@dataclass
class SessionMeta:
    """Session metadata.

    Parameters
    ----------
    activity : {'run', 'walk', 'balance', 'unknown'}
        What the session holds.
    athlete : str or None
        Athlete name or id (kept on the user's machine only).
    start_time : str or None
        ISO 8601 wall-clock time of ``t = 0``.
    treadmill_speed : float or None
        Set belt speed, m/s, when on a treadmill.
    height : float or None
        Athlete height, m.
    leg_length : float or None
        Leg length, m.
    source : str
        Where the data came from (reader name, ``synthetic``, ``capture``).
    notes : str
        Free text.
    extra : dict
        Any further JSON-serialisable fields.
    """

    activity: Activity = "unknown"
    athlete: str | None = None
    start_time: str | None = None
    treadmill_speed: float | None = None
    height: float | None = None
    leg_length: float | None = None
    source: str = ""
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reference:
    """Reference events: exact ground truth (synthetic) or a dataset's own reference.

    Parameters
    ----------
    kind : {'synthetic', 'measured'}
        ``synthetic`` is exact by construction; ``measured`` comes from another system
        (motion capture, INDIP, hand-checked events, a step counter).
    events : DataFrame
        One row per step with at least ``side`` and ``t_ic`` (s); ``t_tc`` (s) where known,
        plus any per-step truth (``gct``, ``foot_strike_angle`` ...).
    tables : dict of str to DataFrame
        Further tables, e.g. ``balance_trials``, ``touchdowns``, ``bouts``.
    params : dict
        Every injected parameter (synthetic) or descriptive fields, JSON-serialisable.
    source : str
        Description of where the reference comes from.
    """

    kind: Literal["synthetic", "measured"]
    events: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    source: str = ""


@dataclass
class Recording:
    """One session: metadata, sensor streams, low-rate channels and an optional reference."""

    meta: SessionMeta
    streams: list[Stream]
    channels: list[Channel] = field(default_factory=list)
    reference: Reference | None = None

    def __post_init__(self) -> None:
        names = [s.name for s in self.streams]
        if len(set(names)) != len(names):
            raise ValueError(f"stream names must be unique, got {names}")

    def stream(self, name: str) -> Stream:
        """The stream called ``name``; raises KeyError listing the available names."""
        for s in self.streams:
            if s.name == name:
                return s
        raise KeyError(f"no stream {name!r}; have {[s.name for s in self.streams]}")

    def by_placement(self, placement: str, side: str | None = None) -> list[Stream]:
        """Streams at ``placement`` (and ``side`` when given)."""
        return [
            s for s in self.streams if s.placement == placement and (side is None or s.side == side)
        ]

    def channel(self, name: str) -> Channel | None:
        """The low-rate channel called ``name``, or None."""
        return next((c for c in self.channels if c.name == name), None)

    @property
    def duration(self) -> float:
        """Longest stream duration, s."""
        return max((s.duration for s in self.streams), default=0.0)

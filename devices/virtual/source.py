"""Sample sources that drive virtual devices: caller arrays or a replayed capture.

Sources are independent of ``gait``: the caller passes plain arrays (the gait CLI
passes the output of its synthetic generator).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from devices.errors import DeviceError

FloatArray = NDArray[np.float64]


@dataclass
class SampleSource:
    """Evenly sampled signals a virtual device streams.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Sample times, s, strictly increasing (simulated time, starting near 0).
    acc : ndarray, shape (N, 3) or None
        Specific force in the device frame, m/s².
    gyr : ndarray, shape (N, 3) or None
        Angular rate in the device frame, rad/s.
    values : dict of str to ndarray, shape (N,)
        Low-rate series for RSC footpods (``speed`` m/s, ``cadence`` steps/min,
        ``stride_length`` m).
    """

    t: FloatArray
    acc: FloatArray | None = None
    gyr: FloatArray | None = None
    values: dict[str, FloatArray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.t = np.asarray(self.t, dtype=np.float64)
        n = self.t.shape[0]
        if self.t.ndim != 1 or n < 2:
            raise DeviceError("sample source needs a 1-D time array with at least 2 samples")
        if not np.all(np.diff(self.t) > 0):
            raise DeviceError("sample source times must be strictly increasing")
        for name in ("acc", "gyr"):
            a = getattr(self, name)
            if a is not None:
                a = np.asarray(a, dtype=np.float64)
                if a.shape != (n, 3):
                    raise DeviceError(
                        f"sample source {name} must have shape ({n}, 3), got {a.shape}"
                    )
                setattr(self, name, a)
        self.values = {k: np.asarray(v, dtype=np.float64) for k, v in self.values.items()}
        for k, v in self.values.items():
            if v.shape != (n,):
                raise DeviceError(
                    f"sample source value {k!r} must have shape ({n},), got {v.shape}"
                )

    @property
    def rate(self) -> float:
        """Median sampling rate, Hz."""
        return float(1.0 / np.median(np.diff(self.t)))

    @property
    def duration(self) -> float:
        """Time of the last sample, s."""
        return float(self.t[-1])

    def index_range(self, t_from: float, t_to: float) -> slice:
        """Slice of the samples with ``t_from <= t < t_to``."""
        i0, i1 = np.searchsorted(self.t, [t_from, t_to], side="left")
        return slice(int(i0), int(i1))

    def chunk(
        self, sl: slice
    ) -> tuple[FloatArray, FloatArray | None, FloatArray | None, dict[str, FloatArray]]:
        """Arrays of one slice: (t, acc, gyr, values)."""
        return (
            self.t[sl],
            None if self.acc is None else self.acc[sl],
            None if self.gyr is None else self.gyr[sl],
            {k: v[sl] for k, v in self.values.items()},
        )


def constant_rsc_source(
    duration: float, speed: float = 3.2, cadence: float = 172.0, rate: float = 1.0
) -> SampleSource:
    """A footpod source with constant speed and cadence.

    Parameters
    ----------
    duration : float
        Length, s.
    speed : float
        Running speed, m/s.
    cadence : float
        Steps per minute.
    rate : float
        Measurements per second (footpods send about 1 Hz).

    Returns
    -------
    SampleSource
    """
    t = np.arange(0.0, duration, 1.0 / rate)
    n = t.shape[0]
    stride = 2.0 * speed / (cadence / 60.0)  # a stride is two steps
    return SampleSource(
        t=t,
        values={
            "speed": np.full(n, speed),
            "cadence": np.full(n, cadence),
            "stride_length": np.full(n, stride),
        },
    )

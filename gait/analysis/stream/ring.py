"""A bounded ring buffer of time-stamped multi-channel samples (one per live sensor)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


class RingBuffer:
    """Fixed-capacity FIFO of rows ``(t, x_0 .. x_{k-1})``; the oldest rows are overwritten.

    Memory is allocated once (``capacity × (1 + width)`` float64), so a session of any
    length uses the same memory.

    Parameters
    ----------
    capacity : int
        Rows kept (e.g. rate Hz × window s).
    width : int
        Channels per row besides the time (6 for acc + gyr).
    """

    def __init__(self, capacity: int, width: int) -> None:
        if capacity < 2 or width < 1:
            raise ValueError("a ring buffer needs capacity >= 2 and width >= 1")
        self.capacity = int(capacity)
        self.width = int(width)
        self._t = np.zeros(self.capacity)
        self._x = np.zeros((self.capacity, self.width))
        self._head = 0  # next row written
        self._count = 0
        self.total = 0  # rows ever appended

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        """Bytes allocated for the rows."""
        return int(self._t.nbytes + self._x.nbytes)

    @property
    def t_last(self) -> float:
        """Time of the newest row, s (NaN when empty)."""
        return float(self._t[(self._head - 1) % self.capacity]) if self._count else float("nan")

    @property
    def t_first(self) -> float:
        """Time of the oldest row kept, s (NaN when empty)."""
        return (
            float(self._t[(self._head - self._count) % self.capacity])
            if self._count
            else float("nan")
        )

    def append(self, t: FloatArray, x: FloatArray) -> None:
        """Append rows (vectorized; a block larger than the capacity keeps its tail).

        Parameters
        ----------
        t : ndarray, shape (n,)
            Sample times, s, increasing.
        x : ndarray, shape (n, width)
            Channel values.
        """
        n = int(t.shape[0])
        if n == 0:
            return
        self.total += n
        if n >= self.capacity:
            t, x, n = t[-self.capacity :], x[-self.capacity :], self.capacity
        idx = (self._head + np.arange(n)) % self.capacity
        self._t[idx] = t
        self._x[idx] = x
        self._head = (self._head + n) % self.capacity
        self._count = min(self.capacity, self._count + n)

    def since(self, t0: float) -> tuple[FloatArray, FloatArray]:
        """Copies of the rows with ``t >= t0``, oldest first.

        Parameters
        ----------
        t0 : float
            Earliest time wanted, s (``-inf`` for everything kept).

        Returns
        -------
        t : ndarray, shape (m,)
        x : ndarray, shape (m, width)
        """
        if self._count == 0:
            return np.zeros(0), np.zeros((0, self.width))
        start = (self._head - self._count) % self.capacity
        idx = (start + np.arange(self._count)) % self.capacity
        t = self._t[idx]
        k = int(np.searchsorted(t, t0, side="left"))
        return t[k:], self._x[idx[k:]]

"""Shared helpers of the BLE/virtual/session tests (not a test module)."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from devices.ble import BumbleClient, BumbleScanner
from devices.ble.radio import VirtualRadio
from devices.ble_recorder import DeviceSpec, DeviceStats, Session
from devices.capture import CaptureWriter
from devices.virtual import SampleSource

G = 9.80665


def gait_like_source(seconds: float, rate: float, seed: int = 0, gyr: bool = True) -> SampleSource:
    """Deterministic running-like signals: stride harmonics plus noise, within ±4 g / ±500 dps."""
    t = np.arange(round(seconds * rate)) / rate
    rng = np.random.default_rng(seed)
    f = 1.4 + 0.1 * seed  # stride frequency, Hz
    ph = rng.uniform(0, 2 * np.pi, (4, 3))
    k = np.arange(1, 5)[:, None, None]
    harm = np.sin(2 * np.pi * f * k * t[None, :, None] + ph[:, None, :]).sum(axis=0)
    acc = 1.2 * G * harm / 2 + rng.normal(0, 0.5, (t.size, 3))
    acc[:, 2] += G
    acc = np.clip(acc, -3.9 * G, 3.9 * G)
    g = np.clip(3.0 * harm / 2 + rng.normal(0, 0.2, (t.size, 3)), -8.0, 8.0) if gyr else None
    return SampleSource(t, acc, g)


async def record(
    radio: VirtualRadio, specs: list[DeviceSpec], seconds: float, out: Path, **kw: Any
) -> dict[str, DeviceStats]:
    """Record ``specs`` over ``radio`` for ``seconds`` wall seconds into ``out``."""
    with CaptureWriter(out) as w:
        s = Session(
            specs,
            w,
            scanner_backend=BumbleScanner,
            client_backend=BumbleClient,
            backend_kwargs={"radio": radio},
            scan_timeout=2.0,
            **kw,
        )
        return await s.run(seconds)


async def record_until_done(
    radio: VirtualRadio,
    specs: list[DeviceSpec],
    devices: list[Any],
    out: Path,
    limit: float = 60.0,
    quiet: float = 0.5,
    **kw: Any,
) -> dict[str, DeviceStats]:
    """Record until every device has streamed its whole source and the link is drained.

    Independent of machine load: an accelerated device that the event loop cannot keep
    up with only takes longer, it does not lose data.
    """
    with CaptureWriter(out) as w:
        s = Session(
            specs,
            w,
            scanner_backend=BumbleScanner,
            client_backend=BumbleClient,
            backend_kwargs={"radio": radio},
            scan_timeout=2.0,
            **kw,
        )

        async def stopper() -> None:
            await asyncio.gather(*(d.wait_finished() for d in devices))
            last = -1
            while s.packets != last:  # drained: nothing new for `quiet` seconds
                last = s.packets
                await asyncio.sleep(quiet)
            s.stop()

        task = asyncio.create_task(stopper())
        try:
            return await s.run(limit)
        finally:
            task.cancel()


def find_window(src: np.ndarray, dec: np.ndarray, tol: float, k: int = 8) -> int | None:
    """Index in ``src`` where the first ``k`` rows of ``dec`` match within ``tol``, or None."""
    if dec.shape[0] < k:
        return None
    win = sliding_window_view(src, (k, src.shape[1]))[:, 0]  # (N-k+1, k, 3)
    err = np.abs(win - dec[None, :k]).max(axis=(1, 2))
    i = int(np.argmin(err))
    return i if err[i] <= tol else None


def split_segments(t: np.ndarray, rate: float) -> list[slice]:
    """Runs of samples without a time jump larger than 1.5 sample periods."""
    jumps = np.flatnonzero(np.diff(t) > 1.5 / rate) + 1
    edges = [0, *jumps.tolist(), t.size]
    return [slice(a, b) for a, b in itertools.pairwise(edges) if b > a]


def run(coro: Any, timeout: float = 120) -> Any:
    """Run a coroutine with a hard timeout (a hung radio fails the test instead of the suite)."""
    return asyncio.run(asyncio.wait_for(coro, timeout))

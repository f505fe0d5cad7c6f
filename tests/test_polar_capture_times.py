"""PMD sample times: frames closer than 1.5 nominal frame durations are spread evenly.

A Polar frame carries the time of its last sample only. The decoder spreads a frame's
samples over the time since the previous frame when that interval is plausible; before
this fix a frame that came *sooner* than half its nominal duration was counted back from
its last sample at the nominal period instead, putting its first samples before the
previous frame's last one (time going backwards: "sample times go backwards" in
``gait live --simulate`` when a device streamed faster than its profile rate).
"""

from __future__ import annotations

import struct

import numpy as np

from devices.decoders import make_decoder
from devices.profiles import get_profile

T0 = 700_000_000_000_000_000  # ns since 2000-01-01
#: The bound under test: frames closer than 1.5 nominal frame durations are spread.
SPREAD_BELOW = 1.5


def _frame(ts: int, n: int) -> bytes:
    """A raw ACC frame (type 1, int16 mg) of ``n`` samples whose last sample is at ``ts`` ns."""
    mg = np.tile(np.array([0, 0, 1000], dtype="<i2"), (n, 1))
    return struct.pack("<BQB", 2, ts, 0x01) + mg.tobytes()


def _times(gaps_ns: list[int], n: int = 36) -> tuple[np.ndarray, object]:
    """Device times of consecutive frames of ``n`` samples ``gaps_ns`` apart (H10, 200 Hz)."""
    dec = make_decoder(get_profile("polar-h10"))
    ts, out = T0, []
    s = dec.feed(_frame(ts, n), 0.0, "data")
    assert s is not None
    assert s.device_time is not None
    out.append(s.device_time)
    for g in gaps_ns:
        ts += g
        s = dec.feed(_frame(ts, n), 0.0, "data")
        assert s is not None
        assert s.device_time is not None
        out.append(s.device_time)
    return np.concatenate(out), dec


def test_short_frame_interval_is_spread_evenly_and_stays_in_order() -> None:
    nominal = 36 * 5_000_000  # 36 samples at 200 Hz = 180 ms
    short = int(0.26 * nominal)  # the rate a 200 Hz stream has when decoded as 52 Hz
    t, dec = _times([short, short, short])
    assert np.all(np.diff(t) > 0), "sample times go backwards"
    # the samples of each later frame are spread evenly since the previous frame's last one
    np.testing.assert_allclose(np.diff(t[36:]), short / 36 * 1e-9, rtol=0, atol=1e-6)
    assert dec.stats.counter_gaps == 0
    assert dec.stats.lost_samples == 0


def test_interval_below_bound_is_spread_and_above_is_a_gap() -> None:
    nominal = 36 * 5_000_000
    below = int(0.98 * SPREAD_BELOW * nominal)
    t, dec = _times([below])
    np.testing.assert_allclose(np.diff(t[36:]), below / 36 * 1e-9, rtol=0, atol=1e-6)
    assert dec.stats.counter_gaps == 0
    # two frames' worth of time: one frame lost, samples counted back at the nominal period
    t, dec = _times([2 * nominal])
    np.testing.assert_allclose(np.diff(t[37:]), 5e-3, rtol=0, atol=1e-6)
    assert dec.stats.counter_gaps == 1
    assert dec.stats.lost_samples == 36

"""End to end over the virtual radio: three sensors at 200 Hz for 60 simulated seconds.

The devices stream the output of ``gait.synth.synthesize``. They run on an accelerated clock
(time stamps and counters stay in simulated time), are recorded through bleak's public API
into a capture file, decoded and read back as a Recording, and compared with the source
signals sample for sample.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from ble_helpers import find_window, record_until_done, run, split_segments

from devices.ble import open_radio
from devices.ble_recorder import DeviceSpec
from devices.capture import read_capture
from devices.decoders import make_encoder
from devices.profiles import get_profile
from devices.replay import replay
from devices.virtual import SampleSource, VirtualDevice
from gait.synth import SensorParams, synthesize

pytestmark = [pytest.mark.realtime, pytest.mark.slow]

RATE = 200.0
SIM_SECONDS = 60.0
SPEED = 10.0
SETUP = [
    ("gait-imu", "gait-imu L", "foot", "left"),
    ("gait-imu", "gait-imu R", "foot", "right"),
    ("polar-h10", "Polar H10 SACRUM", "sacrum", None),
]


def test_three_devices_sixty_seconds_sample_exact(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "e2e.gaitcap"
    # the project's synthetic runner drives the devices (the device quantises, not the generator)
    syn = synthesize(
        activity="run",
        placements=("foot-left", "foot-right", "sacrum"),
        duration=SIM_SECONDS,
        rate=RATE,
        seed=0,
        sensor=SensorParams(quantize=False),
    )
    by_place = {(s.placement, s.side): s for s in syn.streams}
    sources = {}
    for pid, name, placement, side in SETUP:
        s = by_place[(placement, side)]  # type: ignore[index]
        sources[name] = SampleSource(s.t - s.t[0], s.acc, s.gyr if pid == "gait-imu" else None)

    async def main() -> dict:
        radio = await open_radio("local")
        devs = [
            VirtualDevice(get_profile(pid), sources[name], radio, name=name, speed=SPEED)
            for pid, name, _, _ in SETUP
        ]
        await asyncio.gather(*(d.start() for d in devs))
        try:
            specs = [DeviceSpec(name, pl, side) for _, name, pl, side in SETUP]
            return await record_until_done(radio, specs, devs, out)
        finally:
            await asyncio.gather(*(d.stop() for d in devs))

    stats = run(main(), timeout=90)
    assert set(stats) == {name for _, name, _, _ in SETUP}
    for st in stats.values():
        assert st.bad == 0
        assert st.lost_samples == 0
        assert not st.reconnect_times
    cap = read_capture(out)
    assert not cap.truncated
    assert len(cap.devices) == 3

    for data in replay(cap):
        pid, name, placement, side = next(s for s in SETUP if s[1] == data.device.name)
        src = sources[name]
        q = make_encoder(get_profile(pid), rate=RATE).quantum()
        assert (data.device.placement, data.device.side) == (placement, side)
        assert data.acc is not None
        assert not data.gaps
        (_seg,) = split_segments(data.t, RATE)  # one continuous stream
        i0 = find_window(src.acc, data.acc, q["acc"] / 2 + 1e-9, k=50)  # type: ignore[arg-type]
        assert i0 is not None
        n = data.acc.shape[0]
        # the stream starts once scanned, connected and started (a few tenths of a wall
        # second, i.e. a few simulated seconds) and runs to the end of the source
        assert i0 < RATE * 10.0
        assert i0 + n >= src.t.size - 4 * 36
        idx = np.arange(i0, i0 + n)
        assert np.abs(data.acc - src.acc[idx]).max() <= q["acc"] / 2 + 1e-9  # type: ignore[index]
        if src.gyr is not None:
            assert data.gyr is not None
            assert np.abs(data.gyr - src.gyr[idx]).max() <= q["gyr"] / 2 + 1e-9
        # time stamps: within 1 ms of the source clock over the whole minute
        dt = (data.t - data.t[0]) - (src.t[idx] - src.t[i0])
        assert np.abs(dt).max() < 1e-3

    # read back through the gait reader as a Recording
    from gait.io import read

    rec = read(out)
    got = {(s.placement, s.side) for s in rec.streams}
    assert got == {("foot", "left"), ("foot", "right"), ("sacrum", None)}
    for s in rec.streams:
        assert s.rate == RATE or abs(s.rate - RATE) < 0.01
        assert s.t.size > RATE * (SIM_SECONDS - 10)

"""Virtual sensors for ``gait live --simulate`` and ``gait demo``, driven by :mod:`gait.synth`.

Each requested device becomes a :class:`devices.virtual.VirtualDevice` on the virtual
radio, streaming one stream of a synthetic run byte-for-byte as the real firmware
would, with the profile its advertised name matches (e.g. ``gait-imu L``: 6-axis with a
sample counter; ``Polar H10 S``: accelerometer with a device clock). On an accelerated clock
(``speed`` > 1) the device time stamps stay in simulated time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import numpy as np

from devices.ble_recorder import DeviceSpec
from devices.decoders import make_encoder
from devices.errors import DeviceError, ProfileError
from devices.profiles import Profile, match_profile
from gait.analysis.placements.registry import is_leg

#: Simulated seconds between two streaming steps of a virtual sensor, s.
SIM_TICK = 0.05
#: Placements a virtual sensor can be worn at.
SIM_PLACEMENTS = ("foot", "shank", "sacrum")


@dataclass(frozen=True)
class SimDevice:
    """One virtual sensor to run: what it emulates and where it is worn."""

    spec: DeviceSpec
    profile: Profile
    placement: str
    side: str | None

    @property
    def synth_name(self) -> str:
        """The :func:`gait.synth.synthesize` placement name."""
        return self.placement if self.side is None else f"{self.placement}-{self.side}"


def plan_devices(specs: list[DeviceSpec]) -> list[SimDevice]:
    """Decide the profile, placement and side of each virtual device.

    Parameters
    ----------
    specs : list of DeviceSpec
        ``--device NAME=placement[:side]`` requests.

    Returns
    -------
    list of SimDevice

    Raises
    ------
    DeviceError
        A name no profile matches, a foot/shank without side, or an unsupported placement.
    """
    out = []
    for spec in specs:
        prof = match_profile(spec.key, [])
        placement = spec.placement or (prof.placement if prof else None)
        if placement not in SIM_PLACEMENTS:
            raise DeviceError(
                f"--device {spec.key!r}: give a placement (foot, shank or sacrum) to simulate it"
            )
        if prof is None:
            raise DeviceError(
                f"--device {spec.key!r}: no firmware profile matches this name, so it cannot be "
                f"simulated; use a name such as 'gait-imu L' (foot) or 'Polar H10 S' (sacrum)"
            )
        side = spec.side or (prof.side if is_leg(placement) else None)
        if is_leg(placement) and side is None:
            raise DeviceError(
                f"--device {spec.key!r}: a {placement} sensor needs a side, e.g. ={placement}:left"
            )
        out.append(SimDevice(spec, prof, placement, side))
    return out


def make_sources(
    devices: list[SimDevice],
    duration: float,
    *,
    seed: int = 0,
    segments: list[tuple[float, Any]] | None = None,
    gait: Any = None,
) -> dict[str, Any]:
    """Synthetic signals for each device (one synthetic run shared by all of them).

    Parameters
    ----------
    devices : list of SimDevice
        What to simulate.
    duration : float
        Seconds of signal, s.
    seed : int
        Seed of the synthetic runner.
    segments : list, optional
        :func:`gait.synth.synthesize` segments (cadence drop, asymmetry ...).
    gait : GaitParams, optional
        Base gait parameters.

    Returns
    -------
    dict
        Device key → :class:`devices.virtual.SampleSource` (time from 0 s), sampled at the
        rate of the device's profile.
    """
    # lazy (as below): bumble's virtual radio and the synthesizer take more than a second to
    # import, and only a simulated session needs them
    from devices.virtual import SampleSource
    from gait.synth import SensorParams, synthesize

    # Each device samples at its own profile's rate (a 52 Hz Verity Sense beside a 200 Hz
    # gait-imu must not stream at 200 Hz). One synthetic run per rate: the same seed gives
    # the same body and each placement its own noise whatever else is simulated, so the
    # sensors still wear one body.
    by_rate: dict[float, list[SimDevice]] = {}
    for d in devices:
        by_rate.setdefault(float(d.profile.rate), []).append(d)
    by_place: dict[tuple[str, str | None, float], Any] = {}
    for rate, group in by_rate.items():
        placements = tuple(dict.fromkeys(d.synth_name for d in group))
        # the virtual device quantises like the real one, so the generator must not
        rec = synthesize(
            activity="run",
            placements=placements,
            duration=duration,
            rate=rate,
            seed=seed,
            gait=gait,
            segments=segments,
            sensor=SensorParams(quantize=False),
        )
        by_place.update({(s.placement, s.side, rate): s for s in rec.streams})
    out = {}
    for d in devices:
        s = by_place[(d.placement, d.side, float(d.profile.rate))]
        t = np.asarray(s.t, dtype=np.float64)
        gyr = s.gyr if "gyr" in d.profile.streams else None
        out[d.spec.key] = SampleSource(t=t - t[0], acc=s.acc, gyr=gyr)
    return out


def delivery_lag(profile: Profile, rate: float | None = None) -> float:
    """Longest simulated time a device holds samples before it sends them, s.

    A device sends a notification only when a frame is full: a Polar Verity Sense packs 26
    samples at 52 Hz, so its newest delivered sample is up to 0.5 s old. A simulated clock
    held to a smaller lead over what was delivered would wait for samples the device waits
    to sample: a deadlock (the 26-sample sessions of ``gait live --simulate`` with a Verity
    Sense alone). Measured by encoding two seconds of still samples with the profile's
    own encoder.

    Parameters
    ----------
    profile : Profile
        The device's profile.
    rate : float, optional
        Sample rate, Hz (default the profile's).

    Returns
    -------
    float
        Seconds (0 when the profile's encoder cannot tell, e.g. a footpod).
    """
    hz = float(rate or profile.rate)
    if not hz > 0 or "acc" not in profile.streams:
        return 0.0
    t = np.arange(0.0, 2.0, 1.0 / hz)
    still = np.tile([0.0, 0.0, 9.81], (t.size, 1))
    try:
        enc = make_encoder(profile, rate=hz)
        packets = enc.encode(t, still, np.zeros_like(still) if "gyr" in profile.streams else None)
    except ProfileError:  # a family that does not send packets (phyphox is polled): no lead
        return 0.0
    times = np.unique([p.t for p in packets if p.char != "control"])
    if times.size == 0:
        return 0.0
    # from the first sample to the first send, and between sends
    return float(max(times[0] - t[0], np.diff(times).max(initial=0.0)) + 1.0 / hz)


async def start_devices(
    devices: list[SimDevice], sources: dict[str, Any], radio: Any, clock: Any
) -> list[Any]:
    """Power on the virtual devices (advertising on ``radio``), all on one simulated clock.

    Parameters
    ----------
    devices : list of SimDevice
        What to run.
    sources : dict
        Device key → SampleSource (:func:`make_sources`).
    radio : VirtualRadio
        The radio to advertise on.
    clock : SimClock or float
        The shared simulated clock (or its speed, simulated s per wall s); started here.

    Returns
    -------
    list of VirtualDevice
        Started devices (call ``stop()`` on each when done).
    """
    from devices.virtual import SimClock, VirtualDevice

    sim = clock if isinstance(clock, SimClock) else SimClock(float(clock))
    # a streaming step every SIM_TICK simulated seconds whatever the speed-up: packets
    # then arrive within about one step of being sampled, as over a real link
    tick = min(0.02, max(0.002, SIM_TICK / sim.speed))
    devs = [
        VirtualDevice(d.profile, sources[d.spec.key], radio, name=d.spec.key, clock=sim, tick=tick)
        for d in devices
    ]
    # One body wears all the sensors: one simulated clock. Devices that started their own
    # clocks as each came up would be a few ms apart (tens of ms of simulated time when
    # accelerated), shifting the feet against each other.
    sim.start()
    await asyncio.gather(*(v.start() for v in devs))
    return devs

"""A live session: devices → capture file → streaming engine → feedback → view → report.

A recorder (:mod:`gait.apps.live.recorder`: :mod:`gait.apps.live.ble` for BLE sensors,
:mod:`gait.apps.live.phone` for phones) records every notification into the capture file and
hands each decoded batch to :meth:`LiveSession.on_samples`, which times it
(:class:`~gait.apps.live.clock.DeviceClock`), feeds the :class:`~gait.analysis.stream.StreamEngine`
and, when steps become final, pushes the :class:`~gait.feedback.FeedbackSession` update to the
view at once (latency). A 10 Hz timer publishes sensor status and session time, so a sensor
that drops out shows on the page while the others go on. :func:`gait.apps.live.run.run_live`
picks the recorder and at the end builds the report from the capture file
(:mod:`gait.apps.live.report`), exactly as ``gait report`` would.

This module is the base the recorders build on (:class:`LiveConfig`, :class:`LiveSession`);
it imports none of them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from devices.decoders import Samples
from devices.errors import DeviceError
from gait.analysis.placements.registry import find_spec
from gait.analysis.quality.sensor_limits import leg_pair_mismatch, spec_limits
from gait.analysis.stream import SensorSpec, StreamEngine
from gait.apps.live.clock import DeviceClock
from gait.apps.live.reasons import InputWatch, missing_reasons
from gait.contract.errors import GaitError
from gait.feedback import FeedbackSession, load_drills
from gait.feedback.drills import CoachSettings, Drill, coach_drills

#: Status publications per second (the page itself sends at most ~20 messages/s).
TICK_HZ = 10.0
#: A streaming sensor silent for this many wall seconds while another one delivers no
#: longer holds the simulated clock back.
SIM_STALL = 2.0


class View(Protocol):
    """What a live view offers: :class:`~gait.views.live_page.LivePage`, TerminalView."""

    def publish(self, update: Mapping[str, Any]) -> None:
        """Merge one update."""


@dataclass
class LiveConfig:
    """Everything a live session needs.

    Attributes
    ----------
    devices : list of str
        ``NAME|ADDRESS[=placement[:side]]`` requests.
    out : Path
        Output folder (capture, steps, summary, report).
    duration : float
        Session length, s of session time (simulated time on an accelerated clock).
    drills : list of str
        Drill names (see ``drills.toml``); ``coach.drills`` wins when set.
    coach : CoachSettings or None
        Targets and baselines asked for (cadence band or baseline, pace band); None:
        nothing beyond the drills' own bands.
    drill_defs : dict of str to Drill or None
        Drill definitions (a user drills file); None: the shipped drills.
    simulate : bool
        Run virtual sensors driven by :mod:`gait.synth` in this process.
    radio : str or None
        ``ble``, ``virtual[:HOST:PORT]`` (None: ``GAIT_RADIO`` or ble; ``local`` with simulate).
    speed_up : float
        Simulated seconds per wall second (simulate only).
    segments : list, optional
        Synthetic-run segments (simulate only), e.g. a cadence drop.
    gait : GaitParams, optional
        Base parameters of the synthetic runner (simulate only).
    seed : int
        Seed of the synthetic runner.
    treadmill_speed : float or None
        Known belt speed, m/s (passed to the detectors and shown).
    save : bool
        Record the session in the history database.
    history_db : Path or None
        History database (None: the default one).
    scan_timeout : float
        Seconds to look for the devices, s.
    drop : tuple of (str, float, float) or None
        Simulate only: (device key, session time s, outage s) of a forced link drop.
    athlete : str or None
        Athlete to file the session under in the history.
    title : str or None
        Live page title (None: "gait live", marked "(simulated)" with ``simulate``).
    """

    devices: list[str]
    out: Path
    duration: float = 60.0
    drills: list[str] = field(default_factory=lambda: ["cadence"])
    coach: CoachSettings | None = None
    drill_defs: dict[str, Drill] | None = None
    simulate: bool = False
    radio: str | None = None
    speed_up: float = 1.0
    segments: list[tuple[float, Any]] | None = None
    gait: Any = None
    seed: int = 0
    treadmill_speed: float | None = None
    save: bool = True
    history_db: Path | None = None
    scan_timeout: float = 5.0
    drop: tuple[str, float, float] | None = None
    athlete: str | None = None
    title: str | None = None


@dataclass
class LiveResult:
    """What a finished live session wrote and measured.

    Attributes
    ----------
    capture : Path
        The capture file.
    written : dict of str to Path
        ``steps``, ``summary``, ``report`` (and ``live_steps``).
    live_steps : DataFrame
        Steps the engine emitted live.
    updates : int
        View updates published.
    device_stats : dict
        Per-device statistics of the recording session.
    session_id : int or None
        History row id when saved.
    sensor_log : list of (float, str, str)
        (session time s, stream, status) changes shown to the user.
    feedback : FeedbackSession or None
        The session's drill feedback (cue events, drill state).
    """

    capture: Path
    written: dict[str, Path]
    live_steps: pd.DataFrame
    updates: int
    device_stats: dict[str, Any]
    session_id: int | None = None
    sensor_log: list[tuple[float, str, str]] = field(default_factory=list)
    feedback: FeedbackSession | None = None  #: the drill feedback (cues, drill state)


def stream_name(placement: str, side: str | None, taken: set[str], index: int) -> str:
    """Stream name as :mod:`gait.io.capture_reader` names it (``foot_left``, ``sacrum``)."""
    name = placement + (f"_{side}" if side else "")
    return f"{name}_{index}" if name in taken else name


class LiveSession:
    """The glue between the recording session, the engine, the feedback and a view.

    Parameters
    ----------
    feedback : FeedbackSession
        Drill feedback.
    view : View or None
        Where updates go.
    t0 : float
        Session start, host time s since the epoch (the capture start).
    clock_scale : float
        Session seconds per host second.
    speed : float or None
        Known speed for the detectors, m/s.
    clock : callable
        ``() -> float``: the host clock, s since the epoch (the capture's clock: the
        simulated clock of a simulated session).
    hop : float, optional
        Engine hop, s of session time (default grows with ``clock_scale``).
    announce : callable, optional
        Where a warning goes on the terminal (input-check findings, once each).
    """

    def __init__(
        self,
        feedback: FeedbackSession,
        view: View | None,
        t0: float,
        *,
        clock_scale: float = 1.0,
        speed: float | None = None,
        clock: Callable[[], float] = time.time,
        hop: float | None = None,
        announce: Callable[[str], None] | None = None,
    ) -> None:
        self.fb = feedback
        self.announce = announce
        self.view = view
        self.t0 = t0
        self.scale = clock_scale
        self.clock = clock
        self.hop = hop
        self.speed = speed
        self._rx: dict[int, float] = {}  # device index → monotonic wall time of its last samples
        self._gaps_seen: dict[str, tuple[int, float]] = {}
        self.engine: StreamEngine | None = None
        self.clocks: dict[int, DeviceClock] = {}
        #: Each device's input checks, on consecutive windows of its samples.
        self.input_watch: dict[int, InputWatch] = {}
        self.names: dict[int, str] = {}
        self.labels: dict[str, str] = {}  # advertised name → stream name
        self.steps: list[pd.DataFrame] = []
        self.updates = 0
        self.status: dict[str, str] = {}
        self.sensor_log: list[tuple[float, str, str]] = []
        self.errors = 0
        self.rsc_speed: float | None = None  # latest footpod speed, m/s
        #: The recording session's devices, once known (``Session.targets``).
        self.targets: Callable[[], list[Any]] = list

    def _ensure_setup(self) -> bool:
        """Build the engine as soon as the session has its devices (indexes assigned)."""
        if self.engine is None:
            targets = self.targets()
            if targets and all(t.index >= 0 for t in targets):
                self.setup(targets)
        return self.engine is not None

    def setup(self, targets: list[Any]) -> None:
        """Build the engine once the session knows its devices (``Session.targets``)."""
        specs: list[SensorSpec] = []
        taken: set[str] = set()
        for t in targets:
            prof = t.profile
            if not ({"acc"} & set(prof.streams)):
                continue  # RSC footpods: speed only, no samples for the engine
            placement = t.spec.placement or prof.placement
            side = t.spec.side or prof.side
            if find_spec(placement) is None:
                continue
            name = stream_name(placement, side, taken, t.index)
            taken.add(name)
            has_gyr = "gyr" in prof.streams
            specs.append(
                SensorSpec(
                    name, placement, side, float(prof.rate), has_gyr, prof.acc_range, prof.gyr_range
                )
            )
            self.input_watch[t.index] = InputWatch(
                name, placement, float(prof.rate), getattr(t.spec, "mount", None)
            )
            self.clocks[t.index] = DeviceClock(
                float(prof.rate), self.t0, has_gyr=has_gyr, clock_scale=self.scale
            )
            self.names[t.index] = name
            self.labels[t.adv.local_name or t.device.address] = name
        if not specs:
            raise DeviceError(
                "none of the devices sends accelerometer samples; nothing to analyse live"
            )
        # say under a "—" why these sensors cannot measure a metric (speed without a foot gyro ...)
        footpod = any("rsc" in t.profile.streams for t in targets)
        for metric, reason in missing_reasons(
            [(s.placement, s.side, s.has_gyr) for s in specs],
            speed_source=bool(self.speed) or footpod,
        ).items():
            self.fb.explain(metric, reason)
        # a left/right balance from sensors that time events differently is not shown or cued on
        why = leg_pair_mismatch(
            [
                spec_limits(
                    s.name, s.placement, s.side, s.rate, s.has_gyr, s.acc_range, s.gyr_range
                )
                for s in specs
            ]
        )
        if why is not None:
            self.fb.withhold("gct_balance", why)
        # in accelerated time the hop grows so the wall-clock CPU stays the same
        hop = self.hop if self.hop is not None else max(0.5, 0.25 * self.scale)
        self.engine = StreamEngine(specs, speed=self.speed, hop=hop)
        for s in specs:
            self._set_status(s.name, "connecting")

    def session_time(self) -> float:
        """Current session time, s."""
        return (self.clock() - self.t0) * self.scale

    def watermark(self) -> float:
        """Session time every streaming sensor has delivered samples up to, s.

        0 until every sensor has started streaming. After that, sensors that are not
        streaming (dropped, vanished) or have been silent for :data:`SIM_STALL` wall
        seconds longer than the freshest one do not count, so a lost sensor never stops
        the others (while a machine too busy to deliver anything holds them all);
        ``inf`` when no sensor counts.

        Returns
        -------
        float
            Session time, s (``inf``: nothing to wait for).
        """
        if self.engine is None or "connecting" in self.status.values():
            # until every sensor streams, simulated time stands still: scanning and
            # connecting take wall time that must not eat into the simulated run
            return 0.0
        streaming = [i for i in self.clocks if self.status.get(self.names[i]) == "ok"]
        freshest = max((self._rx.get(i, -math.inf) for i in streaming), default=-math.inf)
        marks = []
        for index in streaming:
            clock = self.clocks[index]
            if freshest - self._rx.get(index, -math.inf) > SIM_STALL:
                continue
            t = clock.received()
            if math.isfinite(t):
                marks.append(t)
        return min(marks) if marks else math.inf

    def _set_status(self, name: str, status: str) -> None:
        if self.status.get(name) != status:
            self.status[name] = status
            self.sensor_log.append((self.session_time(), name, status))
            self.fb.set_sensor(name, status, **self._gap_info(name))

    def _gap_info(self, name: str) -> dict[str, Any]:
        n, secs = self.engine.gaps().get(name, (0, 0.0)) if self.engine is not None else (0, 0.0)
        return {"gaps": n, "gap_s": round(secs, 2)} if n else {}

    def _check_gaps(self) -> None:
        """Show new holes in a sensor's samples on the views and in the sensor log."""
        if self.engine is None:
            return
        for name, (n, secs) in self.engine.gaps().items():
            seen_n, seen_s = self._gaps_seen.get(name, (0, 0.0))
            if n > seen_n:
                self._gaps_seen[name] = (n, secs)
                self.sensor_log.append((self.session_time(), name, f"gap {secs - seen_s:.2f} s"))
                self.fb.set_sensor(name, self.status.get(name, "ok"), **self._gap_info(name))

    def on_samples(self, index: int, samples: Samples) -> None:
        """Session callback: one decoded notification (runs in the event loop; stays quick)."""
        if not self._ensure_setup():
            return
        if samples.sensor == "rsc":
            # a footpod's speed is shown (and used by the easy-pace drill) when no belt speed is set
            v = samples.values.get("speed")
            if v is not None and v.size and np.isfinite(v[-1]) and v[-1] > 0:
                self.rsc_speed = float(v[-1])
            return
        clock = self.clocks.get(index)
        if clock is None or self.engine is None:
            return
        arrival = (
            time.time()
        )  # wall time, for the page's latency (the capture's clock may be simulated)
        self._rx[index] = time.monotonic()
        block = clock.add(samples)
        if block is None:
            return
        self._check_input(index, block)
        try:
            new = self.engine.push(self.names[index], block.t, block.acc, block.gyr)
        except GaitError:
            self.errors += 1  # counted, the session goes on
            return
        if len(new):
            self._publish(new, arrival=arrival)

    def _check_input(self, index: int, block: Any) -> None:
        """Unit and placement judged window by window, as gait analyze judges a file."""
        watch = self.input_watch.get(index)
        if watch is None or not block.t.size:
            return
        t0 = float(block.t[0])
        for c in watch.add(block.acc, block.gyr, block.t.size / watch.rate, t0=t0) or []:
            self.fb.add_input_check({**c.as_dict(), "flag": c.flag, "t": round(t0, 1)})
            if self.announce is not None:  # the terminal too, once, as gait analyze warns
                self.announce(f"warning: {c.message}")

    def on_status(self, msg: str) -> None:
        """Session callback: connect / link lost / reconnected / vanished messages."""
        self._ensure_setup()
        label, _, what = msg.partition(": ")
        name = self.labels.get(label)
        if name is None:
            return
        if what.startswith("link lost"):
            self._set_status(name, "dropped")
        elif what.startswith("vanished"):
            self._set_status(name, "vanished")
        elif what.startswith(("reconnected", "streaming")):
            self._set_status(name, "ok")
            if what.startswith("reconnected"):
                # possibly another sensor, or the same one put back elsewhere: a fresh window
                for index, n in self.names.items():
                    if n == name and index in self.input_watch:
                        self.input_watch[index].restart()

    def tick(self) -> None:
        """Timer: let lost sensors go stale, publish status and time."""
        if not self._ensure_setup() or self.engine is None:
            return
        for name, st in self.engine.status().items():
            if st == "lost" and self.status.get(name) == "ok":
                self._set_status(name, "no data")
            elif st == "ok" and self.status.get(name) in ("no data", "connecting"):
                self._set_status(name, "ok")
        self._check_gaps()
        new = self.engine.poll()
        self._publish(new)

    def finish(self) -> None:
        """End of data: flush the engine and publish the last steps."""
        if self.engine is not None:
            self._publish(self.engine.flush())

    def _publish(self, new: pd.DataFrame, arrival: float | None = None) -> None:
        if len(new):
            self.steps.append(new)
            if len(self.steps) > 256:  # one frame per update would pile up over a long run
                self.steps = [pd.concat(self.steps, ignore_index=True)]
        t_now = self.engine.newest() if self.engine is not None else math.nan
        speed = self.speed or self.rsc_speed
        extra = {"speed": speed} if speed else None
        update = self.fb.add_steps(new, t_now=t_now if math.isfinite(t_now) else None, extra=extra)
        if arrival is not None:
            update["arrival"] = arrival
        if self.view is not None:
            self.view.publish(update)
        self.updates += 1

    def live_steps(self) -> pd.DataFrame:
        """Every step emitted live, in order."""
        return pd.concat(self.steps, ignore_index=True) if self.steps else pd.DataFrame()


def make_feedback(
    drills: list[str], coach: CoachSettings | None = None, defined: dict[str, Drill] | None = None
) -> FeedbackSession:
    """A FeedbackSession with the named drills and the targets a coach asked for.

    Parameters
    ----------
    drills : list of str
        Drill names, used when ``coach.drills`` is not set.
    coach : CoachSettings, optional
        Cadence target or baseline (then no baseline is learned), pace band, baseline period.
    defined : dict of str to Drill, optional
        Drill definitions (default: the shipped ``drills.toml``).

    Raises
    ------
    GaitError
        An unknown drill name.
    """
    known = defined if defined is not None else load_drills()
    selected, baseline = coach_drills(known, coach or CoachSettings(), default=tuple(drills))
    base_s = coach.baseline_s if coach is not None and coach.baseline_s is not None else 60.0
    return FeedbackSession(list(selected.values()), baseline=baseline, baseline_s=base_s)

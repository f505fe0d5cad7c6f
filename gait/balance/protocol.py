"""The guided balance protocol: prompts, countdowns, trial marks and a pluggable sample source.

The engine is independent of where samples come from. A :class:`SampleSource` yields
chunks of samples in *session time* (s from the start); :class:`SimulatedSource` drives the
synthetic generator along the same timeline as the prompts, and a live BLE source from the
device layer plugs in with the same three methods. Time comes from an injectable
:class:`Clock`: :class:`SystemClock` (real time), :class:`ScaledClock` (``speed_up`` times
faster) or :class:`ManualClock` (tests: ``sleep`` returns at once and advances time).

The engine writes the marks it knows (go/stop times, leg, eyes, kind) into
``Recording.meta.extra["balance_trials"]``; :func:`gait.balance.analyze_balance` uses them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

import numpy as np
from numpy.typing import NDArray

from gait.contract.recording import Recording, SessionMeta, Stream

FloatArray = NDArray[np.float64]


# ------------------------------------------------------------------------------ clocks


class Clock(Protocol):
    """Time source of the protocol (seconds)."""

    def now(self) -> float:
        """Current time, s."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of protocol time."""
        ...


class SystemClock:
    """Wall-clock time (``time.monotonic``)."""

    def now(self) -> float:
        """Current time, s."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds``."""
        if seconds > 0:
            time.sleep(seconds)


class ScaledClock:
    """Protocol time running ``speed_up`` times faster than the wall clock.

    Parameters
    ----------
    speed_up : float
        Factor > 0; 1 is real time.
    """

    def __init__(self, speed_up: float = 1.0) -> None:
        if speed_up <= 0:
            raise ValueError(f"speed_up must be positive, got {speed_up}")
        self.speed_up = float(speed_up)
        self._t0 = time.monotonic()

    def now(self) -> float:
        """Scaled time since creation, s."""
        return (time.monotonic() - self._t0) * self.speed_up

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds / speed_up`` of wall time."""
        if seconds > 0:
            time.sleep(seconds / self.speed_up)


class ManualClock:
    """A clock that advances only when slept on (for tests: no real waiting)."""

    def __init__(self, start: float = 0.0) -> None:
        self.t = float(start)

    def now(self) -> float:
        """Current time, s."""
        return self.t

    def sleep(self, seconds: float) -> None:
        """Advance time by ``seconds`` at once."""
        self.t += max(0.0, seconds)


# ------------------------------------------------------------------------------ prompts


class Prompter(Protocol):
    """Where prompts go (screen, speech, a live page)."""

    def say(self, text: str, *, speak: bool = True) -> None:
        """Show (and optionally speak) ``text``."""
        ...


class ConsolePrompter:
    """Prompts on a text stream, spoken with ``espeak-ng`` when asked for and installed.

    Parameters
    ----------
    out : text stream
        Where to print (default stdout).
    speak : bool
        Speak the prompts marked as speakable.
    """

    def __init__(self, out: TextIO | None = None, speak: bool = False) -> None:
        self.out = out if out is not None else sys.stdout
        self.espeak = shutil.which("espeak-ng") if speak else None

    def say(self, text: str, *, speak: bool = True) -> None:
        """Print ``text``; speak it in the background when enabled."""
        print(text, file=self.out, flush=True)
        if speak and self.espeak:
            # Fire and forget: speech must never block or break the protocol.
            try:
                subprocess.Popen(
                    [self.espeak, text], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            except OSError:
                self.espeak = None


@dataclass
class ListPrompter:
    """Collects prompts in a list (tests, live page bridges)."""

    lines: list[str] = field(default_factory=list)

    def say(self, text: str, *, speak: bool = True) -> None:  # noqa: ARG002 - prompter interface
        """Append ``text``."""
        self.lines.append(text)


# ------------------------------------------------------------------------------ steps


@dataclass(frozen=True)
class ProtocolStep:
    """One trial of the protocol.

    Parameters
    ----------
    kind : {'stance', 'hop'}
    leg : {'left', 'right'}
    eyes : {'open', 'closed'}
    duration : float
        Stance time, s (hop: stick time after landing).
    familiarisation : bool
        Unscored practice trial.
    """

    kind: str
    leg: str
    eyes: str
    duration: float
    familiarisation: bool = False

    @property
    def instruction(self) -> str:
        """What the runner is told before the trial."""
        free = "right" if self.leg == "left" else "left"
        if self.kind == "hop":
            return (
                f"Hop drill: hop forward onto your {self.leg.upper()} leg, stick the landing and "
                f"hold still for {self.duration:.0f} seconds."
            )
        pre = "Practice trial. " if self.familiarisation else ""
        return (
            f"{pre}Stand on your {self.leg.upper()} leg, eyes {self.eyes.upper()}, hands on hips. "
            f"Lift your {free} foot at GO and hold for {self.duration:.0f} seconds."
        )


@dataclass(frozen=True)
class ProtocolConfig:
    """Options of the guided protocol.

    Parameters
    ----------
    trial_length : float
        Stance trial length, s.
    familiarisation : bool
        Start with an unscored practice trial (left, eyes open): scores improve over the
        first trials (Sway Medical acclimation study, Mummareddy et al.).
    hop : bool
        Add the hop-and-stick drill (one landing per leg).
    hop_stick : float
        Stance time after the hop landing, s (≥ the fixed 10 s analysis window + 1 s).
    legs, eyes : tuple of str
        Order of legs and eye conditions; eyes vary slowest (left/right eyes open, then closed).
    transition : float
        Time between trials (walk a few steps, turn, stand), s; the countdown ends it.
    countdown : int
        Seconds counted down before GO.
    """

    trial_length: float = 30.0
    familiarisation: bool = False
    hop: bool = True
    hop_stick: float = 11.0
    legs: tuple[str, ...] = ("left", "right")
    eyes: tuple[str, ...] = ("open", "closed")
    transition: float = 8.0
    countdown: int = 3


def build_protocol(cfg: ProtocolConfig) -> list[ProtocolStep]:
    """The ordered trials of a session.

    Parameters
    ----------
    cfg : ProtocolConfig

    Returns
    -------
    list of ProtocolStep
    """
    steps: list[ProtocolStep] = []
    if cfg.familiarisation:
        steps.append(ProtocolStep("stance", cfg.legs[0], "open", cfg.trial_length, True))
    for eyes in cfg.eyes:
        for leg in cfg.legs:
            steps.append(ProtocolStep("stance", leg, eyes, cfg.trial_length))
    if cfg.hop:
        for leg in cfg.legs:
            steps.append(ProtocolStep("hop", leg, "open", cfg.hop_stick))
    return steps


#: Time of the hop approach before landing that the simulated runner uses, s.
HOP_LEAD = 1.0
#: Two-leg standing after each trial, s.
AFTER = 2.0


def timeline(
    steps: list[ProtocolStep], cfg: ProtocolConfig
) -> list[tuple[ProtocolStep, float, float]]:
    """Planned (step, go time, stop time) in session time, s.

    Each trial is preceded by ``cfg.transition`` s (walk, turn, stand, countdown) and
    followed by :data:`AFTER` s on two legs. A hop's span includes :data:`HOP_LEAD`.

    Parameters
    ----------
    steps : list of ProtocolStep
    cfg : ProtocolConfig

    Returns
    -------
    list of (ProtocolStep, float, float)
    """
    out = []
    t = 0.0
    for st in steps:
        t += cfg.transition
        span = st.duration + (HOP_LEAD if st.kind == "hop" else 0.0)
        out.append((st, t, t + span))
        t += span + AFTER
    return out


# ------------------------------------------------------------------------------ sources


@dataclass
class Chunk:
    """New samples of one stream, in session time.

    Parameters
    ----------
    stream : str
        Stream name.
    t : ndarray, shape (n,)
        Times, s.
    acc : ndarray, shape (n, 3)
        m/s².
    gyr : ndarray, shape (n, 3) or None
        rad/s.
    """

    stream: str
    t: FloatArray
    acc: FloatArray
    gyr: FloatArray | None


class SampleSource(Protocol):
    """A live or simulated sample source the protocol engine pulls from."""

    def start(self) -> None:
        """Begin delivering samples (session time 0 = now)."""
        ...

    def read(self, until: float) -> list[Chunk]:
        """Samples that arrived with time ≤ ``until`` (session time, s) since the last read."""
        ...

    def stop(self) -> None:
        """Stop delivering samples."""
        ...

    def templates(self) -> list[Stream]:
        """One empty :class:`Stream` per sensor, carrying placement, side, mount, rate, device."""
        ...


class SimulatedSource:
    """Synthetic runner following the protocol timeline (drives :mod:`gait.synth.balance`).

    Parameters
    ----------
    steps : list of ProtocolStep
    cfg : ProtocolConfig
    placements : tuple of str
        Generator placements (e.g. ``("sacrum",)``, ``("phone-sternum",)``).
    rate : float
        Sampling rate, Hz.
    seed : int
        Random seed.
    options : dict
        Further :func:`gait.synth.balance.synthesize_balance` options (``asym_pct``,
        ``acc_only``, ``rms_open``, ...); touch-downs per trial via ``touchdowns_open`` /
        ``touchdowns_closed``.
    """

    def __init__(
        self,
        steps: list[ProtocolStep],
        cfg: ProtocolConfig,
        placements: tuple[str, ...] = ("sacrum",),
        rate: float = 100.0,
        seed: int = 0,
        **options: Any,
    ) -> None:
        from gait.synth.balance import synthesize_balance

        plan = self._plan(steps, cfg, seed, options)
        self.recording = synthesize_balance(placements, rate=rate, seed=seed, plan=plan, **options)
        self._pos = {s.name: 0 for s in self.recording.streams}

    @staticmethod
    def _plan(
        steps: list[ProtocolStep], cfg: ProtocolConfig, seed: int, options: dict[str, Any]
    ) -> list[Any]:
        from gait.synth.balance import BalanceParams, Segment, _touchdown_times

        bp = BalanceParams(
            **{k: v for k, v in options.items() if k in BalanceParams.__dataclass_fields__}
        )
        for k in list(options):
            if k in BalanceParams.__dataclass_fields__:
                options.pop(k)
        rng = np.random.default_rng(seed + 7919)
        walk = max(0.0, cfg.transition - 3.0)
        plan: list[Segment] = []
        for st in steps:
            plan.append(Segment("walk", walk) if walk > 0 else Segment("stand", 0.0))
            plan.append(Segment("stand", cfg.transition - walk))
            base = bp.rms_open * (bp.romberg if st.eyes == "closed" else 1.0)
            ratio = 1.0 + bp.asym_pct / 100.0
            base *= float(np.sqrt(ratio)) if st.leg == "left" else 1.0 / float(np.sqrt(ratio))
            if st.kind == "hop":
                plan.append(
                    Segment(
                        "hop",
                        st.duration,
                        leg=st.leg,  # type: ignore[arg-type]
                        eyes="open",
                        rms_ap=base,
                        rms_ml=base * bp.ml_ratio,
                        band=bp.band,
                        stabilization_time=bp.stabilization_time,
                    )
                )
            else:
                n_td = bp.touchdowns_closed if st.eyes == "closed" else bp.touchdowns_open
                plan.append(
                    Segment(
                        "stance",
                        st.duration,
                        leg=st.leg,  # type: ignore[arg-type]
                        eyes=st.eyes,  # type: ignore[arg-type]
                        rms_ap=base,
                        rms_ml=base * bp.ml_ratio,
                        band=bp.band,
                        touchdowns=_touchdown_times(n_td, st.duration, rng),
                        familiarisation=st.familiarisation,
                        impact=bp.touchdown_impact,
                    )
                )
            plan.append(Segment("stand", AFTER))
        plan.append(Segment("stand", 2.0))
        return [s for s in plan if s.duration > 0]

    def start(self) -> None:
        """Rewind to the session start."""
        self._pos = {s.name: 0 for s in self.recording.streams}

    def read(self, until: float) -> list[Chunk]:
        """Samples up to ``until`` s not delivered yet."""
        out = []
        for s in self.recording.streams:
            i0 = self._pos[s.name]
            i1 = int(np.searchsorted(s.t, until, side="right"))
            if i1 > i0:
                out.append(
                    Chunk(s.name, s.t[i0:i1], s.acc[i0:i1], None if s.gyr is None else s.gyr[i0:i1])
                )
                self._pos[s.name] = i1
        return out

    def stop(self) -> None:
        """Nothing to release."""

    def templates(self) -> list[Stream]:
        """Empty streams with the simulated sensors' metadata."""
        return [_empty_like(s) for s in self.recording.streams]

    @property
    def end_time(self) -> float:
        """Last sample time, s."""
        return self.recording.duration


def _empty_like(s: Stream) -> Stream:
    return Stream(
        placement=s.placement,
        side=s.side,
        t=np.zeros(0),
        acc=np.zeros((0, 3)),
        gyr=None if s.gyr is None else np.zeros((0, 3)),
        rate=s.rate,
        device=dict(s.device),
        mount=s.mount,
        acc_range=s.acc_range,
        gyr_range=s.gyr_range,
        name=s.name,
    )


# ------------------------------------------------------------------------------ engine


@dataclass
class ProtocolEngine:
    """Runs the guided protocol against a sample source.

    Parameters
    ----------
    cfg : ProtocolConfig
    source : SampleSource
    clock : Clock
    prompter : Prompter
    on_chunk : callable, optional
        Called with every chunk as it arrives (live page, terminal view).
    poll : float
        Seconds of protocol time between source reads.
    """

    cfg: ProtocolConfig
    source: SampleSource
    clock: Clock
    prompter: Prompter
    on_chunk: Callable[[Chunk], None] | None = None
    poll: float = 0.5
    _chunks: list[Chunk] = field(default_factory=list, init=False, repr=False)
    _t0: float = field(default=0.0, init=False, repr=False)
    _late: float = field(default=0.0, init=False, repr=False)

    def _now(self) -> float:
        return self.clock.now() - self._t0

    def _pump(self) -> None:
        for ch in self.source.read(self._now()):
            self._chunks.append(ch)
            if self.on_chunk is not None:
                self.on_chunk(ch)

    def _wait_until(self, t: float, ticks: dict[float, str] | None = None) -> None:
        """Sleep in small steps until session time ``t``; say ``ticks[x]`` when ``t - x`` passes."""
        pending = sorted((ticks or {}).items(), reverse=True)
        while True:
            now = self._now()
            while pending and now >= t - pending[0][0] - 1e-9:
                self.prompter.say(pending.pop(0)[1])
            if now >= t - 1e-9:
                break
            nxt = min([t] + [t - x for x, _ in pending if t - x > now])
            self.clock.sleep(min(self.poll, nxt - now))
            self._pump()
        self._pump()

    def run(self) -> Recording:
        """Run every step; return the session recording with the protocol marks.

        Returns
        -------
        Recording
            ``meta.activity = "balance"``, ``meta.extra["balance_trials"]`` = marks.
        """
        steps = build_protocol(self.cfg)
        plan = timeline(steps, self.cfg)
        self.source.start()
        self._t0 = self.clock.now()
        marks: list[dict[str, Any]] = []
        n = len(plan)
        try:
            for k, (st, go, stop) in enumerate(plan, start=1):
                self.prompter.say(f"[{k}/{n}] {st.instruction}")
                ticks = {float(c): str(c) for c in range(self.cfg.countdown, 0, -1)}
                self._wait_until(go, ticks)
                self.prompter.say("GO" if st.kind == "stance" else "HOP")
                t_go = self._now()
                half = {0.5 * (stop - go): "halfway"} if st.kind == "stance" else {}
                self._wait_until(stop, half | {3.0: "3 seconds"})
                t_stop = self._now()
                self.prompter.say("STOP. Put your foot down and relax.")
                # The schedule defines the trial: prompts fire at the planned times, so the
                # planned go/stop are the marks; how late a prompt was shown is kept as a check.
                self._late = max(self._late, t_go - go, t_stop - stop)
                marks.append(
                    {
                        "t_start": go,
                        "t_end": stop,
                        "kind": st.kind,
                        "leg": st.leg,
                        "eyes": st.eyes,
                        "familiarisation": st.familiarisation,
                    }
                )
            end = plan[-1][2] + AFTER if plan else 0.0
            self._wait_until(end)
        finally:
            self.source.stop()
        self.prompter.say("Session complete.")
        return self._recording(marks)

    def _recording(self, marks: list[dict[str, Any]]) -> Recording:
        streams = []
        for tpl in self.source.templates():
            mine = [c for c in self._chunks if c.stream == tpl.name]
            if not mine:
                continue
            t = np.concatenate([c.t for c in mine])
            acc = np.concatenate([c.acc for c in mine])
            gyr = None
            if all(c.gyr is not None for c in mine):
                gyr = np.concatenate([c.gyr for c in mine if c.gyr is not None])
            streams.append(
                Stream(
                    placement=tpl.placement,
                    side=tpl.side,
                    t=t,
                    acc=acc,
                    gyr=gyr,
                    rate=tpl.rate,
                    device=dict(tpl.device),
                    mount=tpl.mount,
                    acc_range=tpl.acc_range,
                    gyr_range=tpl.gyr_range,
                    name=tpl.name,
                )
            )
        meta = SessionMeta(
            activity="balance",
            source="protocol",
            extra={
                "balance_trials": marks,
                "protocol": {
                    "trial_length": self.cfg.trial_length,
                    "familiarisation": self.cfg.familiarisation,
                    "hop": self.cfg.hop,
                    "max_prompt_delay_s": round(self._late, 3),
                },
            },
        )
        return Recording(meta=meta, streams=streams)

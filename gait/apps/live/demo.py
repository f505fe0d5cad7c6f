"""The ``gait demo`` scenario: a simulated 2-minute treadmill run with a change halfway.

Virtual left and right foot sensors (``gait-imu``) and a sacrum sensor (Polar H10)
stream a synthetic run over the virtual radio. Halfway, the runner's cadence drops and
a left/right contact-time asymmetry appears (:mod:`gait.synth` segments).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from gait.apps.live.runtime import LiveConfig
from gait.contract.metric_defs import METRICS, fmt

#: The demo's virtual devices (advertised name = placement:side).
DEVICES: tuple[str, ...] = (
    "gait-imu L=foot:left",
    "gait-imu R=foot:right",
    "Polar H10 SACRUM=sacrum",
)
#: Cadence before and after the change, steps/min.
CADENCE = (170.0, 156.0)
#: Left contact longer than right after the change, percent.
GCT_ASYM_PCT = 12.0
#: Belt speed, m/s.
BELT_SPEED = 3.0


def demo_config(
    out: Path,
    *,
    duration: float = 120.0,
    speed_up: float = 4.0,
    seed: int = 7,
    save: bool = False,
    history_db: Path | None = None,
) -> LiveConfig:
    """The demo session.

    Parameters
    ----------
    out : Path
        Output folder.
    duration : float
        Simulated run length, s; the change comes at half of it.
    speed_up : float
        Simulated seconds per wall second.
    seed : int
        Seed of the synthetic runner.
    save : bool
        Save into the history database.
    history_db : Path, optional
        History database.

    Returns
    -------
    LiveConfig
    """
    from gait.synth import GaitParams  # lazy: the synthesizer is needed only to run the demo

    # The session clock starts with the devices' simulated clocks (the capture is opened
    # right after they power on), so simulated time t is session time t.
    half = duration / 2.0
    return LiveConfig(
        devices=list(DEVICES),
        out=out,
        duration=duration,
        drills=["cadence", "symmetry"],
        simulate=True,
        speed_up=speed_up,
        gait=GaitParams(cadence=CADENCE[0], speed=BELT_SPEED),
        segments=[
            (half, {"cadence": CADENCE[1], "speed": BELT_SPEED, "gct_asym_pct": GCT_ASYM_PCT})
        ],
        seed=seed,
        treadmill_speed=BELT_SPEED,
        save=save,
        history_db=history_db,
        athlete="demo",
        title="gait demo",
    )


def describe_change(steps: Any, t_change: float, margin: float = 5.0) -> list[str]:
    """Lines comparing the run before and after the injected change (from the report's steps).

    Parameters
    ----------
    steps : DataFrame
        Step table (``t_ic`` s, ``side``, ``stride_time`` s, ``gct`` s). Labels, units and
        decimals are those of :mod:`gait.contract.metric_defs`.
    t_change : float
        Session time of the change, s.
    margin : float
        Seconds left out on each side of the change.

    Returns
    -------
    list of str
    """
    lines = []
    for label, part in (
        ("before", steps[steps["t_ic"] < t_change - margin]),
        ("after", steps[steps["t_ic"] > t_change + margin]),
    ):
        if not len(part):
            continue
        gl = float(np.nanmedian(part.loc[part["side"] == "left", "gct"]))
        gr = float(np.nanmedian(part.loc[part["side"] == "right", "gct"]))
        # from stride times (two steps each): independent of how the two feet line up
        cad = 120.0 / float(np.nanmedian(part["stride_time"]))
        lines.append(
            f"  {label:<6} {t_change:>4.0f} s: {METRICS['cadence'].label} {fmt('cadence', cad)}, "
            f"{METRICS['gct_left'].label} {fmt('gct_left', gl)} / "
            f"{METRICS['gct_right'].label} {fmt('gct_right', gr)} "
            f"(L − R {100 * (gl - gr) / ((gl + gr) / 2):+.1f} % of the mean)"
        )
    return lines

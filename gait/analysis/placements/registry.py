"""The placement registry: one typed entry per sensor placement, read by every stage.

A placement is where a sensor is worn. Everything the stages need to know about it is in
its :class:`PlacementSpec` in :data:`REGISTRY`: the detector (imported only when used),
whether it sees one leg or the trunk, its timing rank in fusion, its rank as the source of
the activity bouts and its activity thresholds. No stage branches on a placement's name, so
a new placement is one detector module plus one entry here (docs/extending.md).

This module imports nothing heavy (no numpy, no pandas): the data contract
(:mod:`gait.contract.recording`) checks stream placements against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gait.contract.errors import AnalysisError

#: What a sensor at a placement sees: ``leg`` one leg's own stride (its contacts are one
#: side's), ``trunk`` both legs' steps and the flight phase of running, ``phone`` the same as
#: the trunk but carried loosely (belt, armband, hand, pocket).
BodyKind = Literal["leg", "trunk", "phone"]

#: Rank given to a placement that is not in the registry (after every known one).
UNRANKED = 9

#: Columns a trunk sensor contributes to the steps a leg sensor timed.
TRUNK_COLUMNS: tuple[str, ...] = ("vertical_oscillation", "braking", "t_braking_end")
#: Columns a shank contributes to the steps a foot sensor timed on its side.
SHANK_COLUMNS: tuple[str, ...] = ("shank_angle_ic",)


@dataclass(frozen=True)
class PlacementSpec:
    """Everything the stages need to know about one placement.

    Parameters
    ----------
    name : str
        The placement word in files and streams (``Stream.placement``).
    body : {'leg', 'trunk', 'phone'}
        What the sensor sees (:data:`BodyKind`).
    detector : str
        ``"module:Class"`` of its step detector, a subclass of
        :class:`gait.analysis.placements.base.EventDetector`; imported on first use.
    rank : int
        Timing precision in fusion, best first (:func:`gait.analysis.fuse.fuse` times each side from
        the best-ranked sensor that has contacts).
    bout_rank : int
        Preference as the source of the activity bouts, best first (a trunk sensor's flight
        phase is the clearest sign of running).
    run_peak_g : float
        95th percentile of ``|acc|`` typical of running at this placement, g
        (:func:`gait.analysis.bouts.classify_windows`).
    adds_columns : tuple of str
        Per-step columns this sensor adds to steps another sensor timed (a shank's angle at
        initial contact on a foot's steps; a trunk's vertical oscillation and braking).
    """

    name: str
    body: BodyKind
    detector: str
    rank: int
    bout_rank: int
    run_peak_g: float
    adds_columns: tuple[str, ...] = ()

    @property
    def is_leg(self) -> bool:
        """True when the sensor sees one leg's own stride (a foot or a shank)."""
        return self.body == "leg"

    @property
    def sees_both_legs(self) -> bool:
        """True when the sensor sees both legs' steps (trunk, phone), so also the flight phase."""
        return self.body != "leg"


#: Placement name → spec, in the order the placements are offered to users. ``run_peak_g``
#: values are [G]. The shank's 3.0 g sits between real walking (1.9–2.2 g) and real running
#: read by a ±8 g accelerometer that clips its impacts (3.4–3.9 g) in the shank recordings of
#: Bach et al. (2 people, in-sample); an unclipped shank reads more in running (synthetic
#: 4.6–6.7 g). At the shank the window cadence of real walking reads at the step rate
#: doubled (both heels strike visibly), so the impact level, not the cadence, tells the two
#: apart there.
REGISTRY: dict[str, PlacementSpec] = {
    "foot": PlacementSpec(
        "foot",
        "leg",
        "gait.analysis.placements.foot:FootDetector",
        rank=0,
        bout_rank=2,
        run_peak_g=5.0,
    ),
    "shank": PlacementSpec(
        "shank",
        "leg",
        "gait.analysis.placements.shank:ShankDetector",
        rank=1,
        bout_rank=3,
        run_peak_g=3.0,
        adds_columns=SHANK_COLUMNS,
    ),
    "sacrum": PlacementSpec(
        "sacrum",
        "trunk",
        "gait.analysis.placements.sacrum:SacrumDetector",
        rank=2,
        bout_rank=0,
        run_peak_g=2.0,
        adds_columns=TRUNK_COLUMNS,
    ),
    # A phone in a waist belt is analysed by the phone detector, which delegates to the
    # sacrum detector.
    "phone": PlacementSpec(
        "phone",
        "phone",
        "gait.analysis.placements.phone:PhoneDetector",
        rank=3,
        bout_rank=1,
        run_peak_g=2.0,
        adds_columns=TRUNK_COLUMNS,
    ),
}


def placement_names() -> tuple[str, ...]:
    """The registered placement names, in registry order.

    Returns
    -------
    tuple of str
    """
    return tuple(REGISTRY)


def find_spec(placement: str) -> PlacementSpec | None:
    """The spec of ``placement``, or None when it is not registered.

    Parameters
    ----------
    placement : str
        A placement name.

    Returns
    -------
    PlacementSpec or None
    """
    return REGISTRY.get(placement)


def placement_spec(placement: str) -> PlacementSpec:
    """The spec of ``placement``.

    Parameters
    ----------
    placement : str
        A placement name.

    Returns
    -------
    PlacementSpec

    Raises
    ------
    AnalysisError
        When the placement is not registered.
    """
    spec = REGISTRY.get(placement)
    if spec is None:
        raise AnalysisError(
            f"no step detector for placement {placement!r}; have {sorted(REGISTRY)}"
        )
    return spec


def is_leg(placement: str) -> bool:
    """True for a registered placement that sees one leg (False for unknown names).

    Parameters
    ----------
    placement : str
        A placement name.

    Returns
    -------
    bool
    """
    spec = REGISTRY.get(placement)
    return spec is not None and spec.is_leg


def sees_both_legs(placement: str) -> bool:
    """True for a registered placement that sees both legs (False for unknown names).

    Parameters
    ----------
    placement : str
        A placement name.

    Returns
    -------
    bool
    """
    spec = REGISTRY.get(placement)
    return spec is not None and spec.sees_both_legs


def timing_rank(placement: str) -> int:
    """Fusion timing rank of ``placement`` (:data:`UNRANKED` when not registered).

    Parameters
    ----------
    placement : str
        A placement name.

    Returns
    -------
    int
        Lower is more precise.
    """
    spec = REGISTRY.get(placement)
    return UNRANKED if spec is None else spec.rank


def bout_rank(placement: str) -> int:
    """Preference of ``placement`` as the activity-bout source (:data:`UNRANKED` if unknown).

    Parameters
    ----------
    placement : str
        A placement name.

    Returns
    -------
    int
        Lower is preferred.
    """
    spec = REGISTRY.get(placement)
    return UNRANKED if spec is None else spec.bout_rank


__all__ = [
    "REGISTRY",
    "SHANK_COLUMNS",
    "TRUNK_COLUMNS",
    "UNRANKED",
    "BodyKind",
    "PlacementSpec",
    "bout_rank",
    "find_spec",
    "is_leg",
    "placement_names",
    "placement_spec",
    "sees_both_legs",
    "timing_rank",
]

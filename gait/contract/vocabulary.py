"""The words of the data contract (placements, sides, activities, phone mounts).

Kept apart from :mod:`gait.contract.recording` so that the command line can offer them as choices
without importing numpy and pandas (``gait --help`` stays fast); :mod:`gait.contract.recording`
re-exports every name here.
"""

from __future__ import annotations

from typing import Literal, get_args

from gait.analysis.placements.registry import placement_names

#: The built-in placements, for type checkers; the placements themselves (and their order)
#: are those of :data:`gait.analysis.placements.registry.REGISTRY`.
Placement = Literal["foot", "shank", "sacrum", "phone"]
Side = Literal["left", "right"]
Activity = Literal["run", "walk", "balance", "unknown"]
#: How a phone is carried; a phone in a ``belt`` at the sacrum is analysed like a sacrum sensor.
PhoneMount = Literal["belt", "armband", "hand", "pocket", "sternum", "bag"]

PLACEMENTS: tuple[str, ...] = placement_names()
SIDES: tuple[str, ...] = get_args(Side)
ACTIVITIES: tuple[str, ...] = get_args(Activity)
PHONE_MOUNTS: tuple[str, ...] = get_args(PhoneMount)

__all__ = [
    "ACTIVITIES",
    "PHONE_MOUNTS",
    "PLACEMENTS",
    "SIDES",
    "Activity",
    "PhoneMount",
    "Placement",
    "Side",
]

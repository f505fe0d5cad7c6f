"""Physical constants shared by the analysis and the simulator.

Standard gravity is defined once, in :mod:`devices.units` (``devices`` imports nothing from
``gait``, so the lower layer holds it); this module is the analysis side's name for it and, like
that one, imports neither numpy nor pandas.
"""

from __future__ import annotations

from devices.units import G

__all__ = ["G"]

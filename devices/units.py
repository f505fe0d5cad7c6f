"""Physical constants of the acquisition layer, the single definition the analysis reuses.

``devices`` imports nothing from ``gait``, so the one definition lives here, in the lower layer;
:mod:`gait.contract.constants` re-exports it. This module imports nothing.
"""

from __future__ import annotations

#: Standard gravity, m/s². The conventional value fixed by the 3rd CGPM (1901) and adopted in
#: ISO 80000-3; phone APIs and IMU vendors use it to convert ``g`` to m/s².
G: float = 9.80665

"""Physical constants shared by the analysis, the simulator and the device decoders.

This module imports nothing, so every layer (``devices/`` included) can use it without
pulling numpy or pandas in.
"""

from __future__ import annotations

#: Standard gravity, m/s². The conventional value fixed by the 3rd CGPM (1901) and adopted in
#: ISO 80000-3; phone APIs and IMU vendors use it to convert ``g`` to m/s².
G: float = 9.80665

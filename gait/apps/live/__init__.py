"""Live sessions: devices → capture → streaming engine → feedback → view → report.

:func:`run_live` runs one session from a :class:`LiveConfig`; :func:`demo_config`
is the ``gait demo`` scenario; :class:`DeviceClock` times live samples.
"""

from gait.apps.live.clock import Block, DeviceClock
from gait.apps.live.demo import demo_config
from gait.apps.live.run import run_live
from gait.apps.live.runtime import LiveConfig, LiveResult, LiveSession

__all__ = [
    "Block",
    "DeviceClock",
    "LiveConfig",
    "LiveResult",
    "LiveSession",
    "demo_config",
    "run_live",
]

"""Live sessions: devices → capture → streaming engine → feedback → view → report.

:func:`run_live` runs one session from a :class:`LiveConfig`; :func:`demo_config`
is the ``gait demo`` scenario; :class:`DeviceClock` times live samples.
"""

from gait.live.clock import Block, DeviceClock
from gait.live.demo import demo_config
from gait.live.run import run_live
from gait.live.session import LiveConfig, LiveResult, LiveSession

__all__ = [
    "Block",
    "DeviceClock",
    "LiveConfig",
    "LiveResult",
    "LiveSession",
    "demo_config",
    "run_live",
]

"""Synthetic recordings with exact ground truth: the project's main test asset.

``synthesize(activity, placements, duration, rate, seed, gait=GaitParams(...),
sensor=SensorParams(...), segments=[...])`` returns a :class:`~gait.contract.recording.Recording`
whose ``reference`` holds the true step events and every injected parameter.
"""

from gait.synth.generate import synthesize
from gait.synth.params import GaitParams, SensorParams, SynthParamError

__all__ = ["GaitParams", "SensorParams", "SynthParamError", "synthesize"]

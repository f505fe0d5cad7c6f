"""The analysis stages: a Recording in, steps and summaries out.

Quality checks → placement detectors → fusion → step table → activity bouts →
summaries (:mod:`gait.analysis.pipeline`), and the streaming engine that runs the same
stages on a sliding window (:mod:`gait.analysis.stream`).
"""

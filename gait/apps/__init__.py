"""Applications built on the analysis; the CLI verbs call these.

The shared analyse-and-save ending (:mod:`gait.apps.outcome`), the session history,
batch runs, live sessions and the watch comparison.
"""

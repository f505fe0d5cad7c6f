"""Typed errors of the balance analysis, each with a machine-readable ``reason``."""

from __future__ import annotations

from typing import Literal

from gait.contract.errors import AnalysisError

Reason = Literal["not_trunk", "walking", "never_still", "no_trials", "too_short"]


class BalanceInputError(AnalysisError):
    """The recording cannot give any balance result.

    Parameters
    ----------
    reason : {'not_trunk', 'walking', 'never_still', 'no_trials', 'too_short'}
        Machine-readable cause, so callers (CLI, live page) can react.
    message : str
        Plain-language explanation for the runner.
    """

    def __init__(self, reason: Reason, message: str) -> None:
        self.reason: Reason = reason
        super().__init__(message)

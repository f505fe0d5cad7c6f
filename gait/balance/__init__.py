"""Single-leg balance: trials, sway metrics, touch-downs, hop stabilization, comparison.

Entry point: :func:`analyze_balance` (Recording → :class:`BalanceResult`). The guided
protocol lives in :mod:`gait.balance.protocol`.
"""

from gait.balance.analyze import analyze_balance, trunk_stream
from gait.balance.compare import compare_sessions
from gait.balance.errors import BalanceInputError
from gait.balance.result import BalanceResult
from gait.balance.series import TrialSeries
from gait.balance.trials import TrialMark

__all__ = [
    "BalanceInputError",
    "BalanceResult",
    "TrialMark",
    "TrialSeries",
    "analyze_balance",
    "compare_sessions",
    "trunk_stream",
]

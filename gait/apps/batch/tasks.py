"""The units of work of a batch and the contract of whatever runs them.

:func:`gait.apps.batch.run.run_batch` hands a :class:`BatchExecutor` one picklable task per
:class:`BatchItem`; the executor calls it where it likes (worker processes, a dask
cluster) and returns one :class:`BatchOutcome` per item. Runners such as
:class:`gait.apps.batch.dask_cluster.DaskExecutor` depend on this module only, never on
:mod:`gait.apps.batch.run`, so the batch and its runners do not import each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class BatchItem:
    """One unit of work: a recording (possibly several files of one trial)."""

    path: Path
    files: tuple[Path, ...]
    key: str


@dataclass
class BatchOutcome:
    """What happened to one item."""

    path: str
    key: str
    ok: bool
    skipped: bool = False
    row: dict[str, Any] = field(default_factory=dict)
    error_type: str = ""
    error: str = ""
    seconds: float = 0.0


#: Analyse one item; never raises (a failure is an outcome). Must pickle for other processes.
BatchTask = Callable[[BatchItem], BatchOutcome]


class BatchExecutor(Protocol):
    """Runs a batch task for every item (see :class:`gait.apps.batch.dask_cluster.DaskExecutor`)."""

    def __call__(
        self, task: BatchTask, items: Sequence[BatchItem], tick: Callable[[BatchOutcome], None]
    ) -> list[BatchOutcome]:
        """Run ``task`` on every item.

        Parameters
        ----------
        task : callable
            ``task(item) -> BatchOutcome``; picklable.
        items : sequence of BatchItem
            The work, in discovery order.
        tick : callable
            Called with each outcome as soon as it is known.

        Returns
        -------
        list of BatchOutcome
            One per item, in completion order. An item the executor could not run (its
            workers died) is a failed outcome, not an exception.
        """
        ...

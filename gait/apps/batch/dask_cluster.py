"""Run a batch on a dask.distributed cluster (optional extra: ``pip install .[distributed]``).

Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` in every worker, which slowed our
numpy work by about 28 % in this project's measurement. :data:`DASK_CONFIG` unsets it through
``distributed.nanny.pre-spawn-environ``. That setting acts where the nanny runs: we apply
it to the LocalCluster we start; for your own cluster put :data:`WORKER_CONFIG_YAML` in a
dask config folder on each worker machine (``~/.config/dask/gait.yaml``, or a folder named
by ``DASK_CONFIG``) before ``dask worker tcp://SCHEDULER:8786``. (An environment variable
cannot do it: dask lower-cases keys that come from the environment, and the nanny looks
the variable name up as written.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from gait.apps.batch.tasks import BatchItem, BatchOutcome, BatchTask
from gait.contract.errors import GaitError

#: Dask config applied before a LocalCluster starts (see the module docstring).
DASK_CONFIG: dict[str, Any] = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


#: The same setting as YAML, for the workers of a user's own cluster.
WORKER_CONFIG_YAML = """\
distributed:
  nanny:
    pre-spawn-environ:
      MALLOC_TRIM_THRESHOLD_: null
"""


def _client(scheduler: str) -> Any:
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise GaitError(
            "--scheduler needs dask.distributed: pip install 'runner-gait[distributed]'"
        ) from None
    dask.config.set(DASK_CONFIG)
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        )
        return Client(cluster)
    try:
        return Client(scheduler, timeout=15)
    except (OSError, TimeoutError) as exc:
        raise GaitError(f"cannot reach the dask scheduler at {scheduler}: {exc}") from None


def _outcome(fut: Any, item: BatchItem) -> BatchOutcome:
    """The future's outcome; a task whose workers kept dying fails only its file."""
    from distributed import KilledWorker

    try:
        return fut.result()
    except KilledWorker as exc:
        # Dask retried the task on fresh workers (distributed.scheduler.allowed-failures)
        # and every one of them died running it.
        return BatchOutcome(
            str(item.path),
            item.key,
            ok=False,
            error_type="WorkerDied",
            error=f"worker died on every try (dask: {exc})",
        )


class DaskExecutor:
    """Run a batch on a dask cluster: a :class:`gait.apps.batch.tasks.BatchExecutor`.

    Parameters
    ----------
    scheduler : str
        ``tcp://host:port``, or ``"local"`` to start a 2-worker LocalCluster on 127.0.0.1.
        The batch's output folder must be visible to every worker (a shared file system),
        as must the input files.
    """

    def __init__(self, scheduler: str) -> None:
        self.scheduler = scheduler

    def __call__(
        self, task: BatchTask, items: Sequence[BatchItem], tick: Callable[[BatchOutcome], None]
    ) -> list[BatchOutcome]:
        """Run ``task`` for every item on the cluster.

        Parameters
        ----------
        task : callable
            ``task(item) -> BatchOutcome`` (picklable; see
            :func:`gait.apps.batch.run.analyze_item`).
        items : sequence of BatchItem
            The work.
        tick : callable
            Called with each outcome as it completes. A file whose dask workers keep dying
            fails with ``WorkerDied``; the others complete.

        Returns
        -------
        list of BatchOutcome
            In completion order.

        Raises
        ------
        GaitError
            Without dask.distributed installed, or when the scheduler cannot be reached.
        """
        from distributed import as_completed  # dask is an optional extra, loaded only here

        client = _client(self.scheduler)
        try:
            futs = {client.submit(task, it, pure=False): it for it in items}
            outcomes = []
            for fut in as_completed(list(futs)):
                outcomes.append(_outcome(fut, futs[fut]))
                tick(outcomes[-1])
            return outcomes
        finally:
            cluster = client.cluster
            client.close()
            if self.scheduler == "local" and cluster is not None:
                cluster.close()

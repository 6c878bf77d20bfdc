"""Independent tasks of a study run in this process, in a local process pool or on a Dask
cluster, with one rule for BLAS threads and shared files (docs/threads.md)."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Callable, Iterable

__all__ = ["run_tasks"]


def run_tasks(task: Callable[[Any, Path | None, int | None], Any], items: Iterable,
              on_result: Callable[[Any, Any], None], *, backend: str,
              max_workers: int | None = None, client: Any = None,
              shared_dir: Path | None = None, worker_blas_threads: int | None = 1) -> None:
    """Call ``task(item, directory, blas_threads)`` for every item and ``on_result(item, result)``
    as each one finishes.

    Parameters
    ----------
    task : callable
        A picklable function (module level, or a ``functools.partial`` of one).
    items : iterable
        The tasks' first arguments.
    on_result : callable
        Called in this process, in the order the tasks finish.
    backend : {"serial", "local", "dask"}
        ``"serial"``: in this process (``directory`` = ``shared_dir``, no thread limit);
        ``"local"``: a process pool of ``max_workers`` (default: every core) sharing
        ``shared_dir``, each worker with ``worker_blas_threads`` BLAS threads (parallelism is
        across tasks); ``"dask"``: on the Dask ``client`` (a ``Client`` or a scheduler address;
        needs the ``dask`` extra), with ``directory`` None since the workers may not share this
        file system.

    Examples
    --------
    >>> from deterministic_risk.studies._dispatch import run_tasks
    >>> out = {}
    >>> run_tasks(lambda x, directory, threads: x * x, [1, 2, 3], out.__setitem__,
    ...           backend="serial")
    >>> out
    {1: 1, 2: 4, 3: 9}
    """
    items = list(items)
    if backend == "serial" or not items:
        for item in items:
            on_result(item, task(item, shared_dir, None))
    elif backend == "local":
        with ProcessPoolExecutor(max_workers=max_workers or os.cpu_count() or 1) as pool:
            futures = {pool.submit(task, item, shared_dir, worker_blas_threads): item
                       for item in items}
            for future in as_completed(futures):
                on_result(futures[future], future.result())
    else:
        try:
            from dask.distributed import Client, as_completed as dask_completed
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("backend='dask' needs the dask extra: "
                              "pip install 'deterministic_risk[dask]'") from exc
        if client is None:
            raise ValueError("backend='dask' needs client= (a Client or scheduler address)")
        own = not isinstance(client, Client)
        dask_client = Client(client) if own else client
        try:
            futures = {dask_client.submit(task, item, None, worker_blas_threads, pure=False): item
                       for item in items}
            for future in dask_completed(list(futures)):
                on_result(futures[future], future.result())
        finally:
            if own:
                dask_client.close()

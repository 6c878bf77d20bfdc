r"""BLAS threads: one thread inside the integrators' loops, parallelism across curves.

The integrators advance a state vector of 10³–10⁵ entries through thousands of small steps, each
a handful of dot products and element-wise operations. For vectors that short a multi-threaded
BLAS spends more time waking and synchronising its threads than computing, and on a machine whose
cores are busy (other processes, or the other workers of a pool) the threads wait for each other:
the same curve then takes one to two orders of magnitude longer. So

* the loops of :mod:`deterministic_risk.integrate` run inside :func:`blas_threads` ``(1)``, which
  limits the BLAS libraries loaded in the process (through ``threadpoolctl``) for the duration of
  the loop and restores the previous setting afterwards;
* large dense linear algebra (``eigh``, SVD, the deterministic equivalent's panels) is not
  limited and keeps the threads the user configured;
* a pool of independent jobs (:func:`~deterministic_risk.sweep`, the spectra of
  :func:`~deterministic_risk.compute_optimal`) gives each worker one BLAS thread by default:
  parallelism belongs at the level of independent curves (see ``docs/threads.md``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

from . import _validation as check

__all__ = ["blas_threads", "limit_worker_blas_threads"]

_controller: ThreadpoolController | None = None


def _blas_controller() -> ThreadpoolController:
    """A controller of the BLAS libraries loaded in this process.

    Creating one scans the loaded libraries (about 3 ms); it is done once, on first use, when
    numpy and scipy (and with them their BLAS) are already loaded.
    """
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller


@contextmanager
def blas_threads(limit: int | None = 1) -> Iterator[None]:
    """Limit the BLAS libraries of this process to ``limit`` threads inside a ``with`` block.

    The previous setting (an environment variable such as ``OPENBLAS_NUM_THREADS``, an outer
    ``threadpoolctl`` limit, or the library's default) is restored on exit, also after an
    exception.

    Parameters
    ----------
    limit : int or None, default 1
        Largest number of BLAS threads, >= 1; ``None`` leaves the setting unchanged.

    Raises
    ------
    TypeError, ValueError
        If ``limit`` is not None and not an integer >= 1.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> x = np.ones(10_000)
    >>> with dr.blas_threads(1):     # a loop of small vector operations
    ...     total = sum(float(x @ x) for _ in range(3))
    >>> total
    30000.0
    """
    if limit is None:
        yield
        return
    limit = check.positive_int("limit", limit)
    with _blas_controller().limit(limits=limit, user_api="blas"):
        yield


def limit_worker_blas_threads(limit: int | None = 1) -> None:
    """Limit the BLAS threads of the whole current process (an initializer for pool workers).

    Unlike :func:`blas_threads` this is not undone: it is meant for a worker process of a pool
    (``ProcessPoolExecutor(initializer=...)``, or a Dask task), where each worker should use one
    thread so that N workers do not start N² threads.

    Parameters
    ----------
    limit : int or None, default 1
        Largest number of BLAS threads, >= 1; ``None`` leaves the setting unchanged.

    Examples
    --------
    >>> from concurrent.futures import ProcessPoolExecutor
    >>> import deterministic_risk as dr
    >>> pool = ProcessPoolExecutor(2, initializer=dr.threads.limit_worker_blas_threads, initargs=(1,))
    >>> pool.shutdown()
    """
    if limit is not None:
        _blas_controller().limit(limits=check.positive_int("limit", limit), user_api="blas")

"""Memory and time guards: an estimate before a large allocation or a loop over iterations.

Computations whose cost grows with the horizon k or with d² (the exact recursion, the simulator,
the greedy SGD schedule, the spectrum of one sampled PLRF feature matrix) estimate their memory
and running time before they start, and raise :class:`ResourceLimitError` (a
:class:`ValueError`) with the estimate when it exceeds the current limits. The limits default to
``DEFAULT_MAX_MEMORY`` (4 GiB) and ``DEFAULT_MAX_SECONDS`` (10 minutes) and are changed for a
block of code with :func:`resource_limits`. Time estimates are optimistic (rates a fast machine
reaches), so a refused computation would really take at least that long. See
docs/errors_and_limits.md.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Iterator
from dataclasses import dataclass

from . import _validation as check

__all__ = ["ResourceLimitError", "ResourceLimits", "resource_limits", "current_limits",
           "check_resources", "DEFAULT_MAX_MEMORY", "DEFAULT_MAX_SECONDS"]

#: Default memory limit of one computation, in bytes (4 GiB).
DEFAULT_MAX_MEMORY = 4.0 * 2**30
#: Default running-time limit of one computation, in seconds (10 minutes).
DEFAULT_MAX_SECONDS = 600.0


class ResourceLimitError(ValueError):
    """A computation would need more memory or time than the current limits allow.

    Raised before the computation starts; the message gives the estimate and how to raise the
    limit (:func:`resource_limits`).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> issubclass(dr.ResourceLimitError, ValueError)
    True
    """


@dataclass(frozen=True)
class ResourceLimits:
    """Memory (bytes) and running time (seconds) one computation may take (``inf``: no limit).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> dr.current_limits().max_memory == dr.resources.DEFAULT_MAX_MEMORY
    True
    """

    max_memory: float = DEFAULT_MAX_MEMORY
    max_seconds: float = DEFAULT_MAX_SECONDS


_LIMITS: contextvars.ContextVar[ResourceLimits] = contextvars.ContextVar(
    "deterministic_risk_resource_limits", default=ResourceLimits())
_KEEP = object()


def _limit(name: str, value: object) -> float:
    if value is None:
        return math.inf
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == math.inf:
        return math.inf
    return check.positive_float(name, value)


@contextlib.contextmanager
def resource_limits(max_memory: float | None = _KEEP,   # type: ignore[assignment]
                    max_seconds: float | None = _KEEP   # type: ignore[assignment]
                    ) -> Iterator[ResourceLimits]:
    """Change the memory and time limits inside a ``with`` block.

    Parameters
    ----------
    max_memory : float or None, optional
        Bytes one computation may allocate (``None``: no limit). Unchanged if not given.
    max_seconds : float or None, optional
        Estimated seconds one computation may run (``None``: no limit). Unchanged if not given.

    Yields
    ------
    ResourceLimits
        The limits in force inside the block (the previous ones are restored after it).

    Notes
    -----
    The limits hold in this thread and process; :func:`~deterministic_risk.sweep` passes them
    on to its worker processes.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> spec = dr.Spectrum([1.0], [1.0])
    >>> exact = dr.solvers.ExactRecursion()
    >>> dr.risk_curve(spec, dr.SGD(0.1), [10**12], solver=exact)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    deterministic_risk.resources.ResourceLimitError: the exact recursion to k = 1e+12 would take ...
    >>> with dr.resource_limits(max_seconds=None) as limits:
    ...     limits.max_seconds
    inf
    """
    current = _LIMITS.get()
    new = ResourceLimits(
        current.max_memory if max_memory is _KEEP else _limit("max_memory", max_memory),
        current.max_seconds if max_seconds is _KEEP else _limit("max_seconds", max_seconds))
    token = _LIMITS.set(new)
    try:
        yield new
    finally:
        _LIMITS.reset(token)


def current_limits() -> ResourceLimits:
    """The limits in force (see :func:`resource_limits`).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> with dr.resource_limits(max_memory=2**20):
    ...     dr.current_limits().max_memory
    1048576.0
    """
    return _LIMITS.get()


def _bytes(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} bytes"


def _duration(s: float) -> str:
    for unit, size in (("years", 3.15e7), ("days", 86400.0), ("hours", 3600.0),
                       ("minutes", 60.0)):
        if s >= size:
            return f"{s / size:.3g} {unit}"
    return f"{s:.3g} s"


def check_resources(what: str, *, memory: float = 0.0, seconds: float = 0.0) -> None:
    """Raise :class:`ResourceLimitError` if ``what`` needs more than the current limits.

    Parameters
    ----------
    what : str
        The computation, as the message names it ("the exact recursion to k = 1e+09").
    memory : float
        Estimated peak memory in bytes.
    seconds : float
        Optimistic estimate of the running time.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> dr.resources.check_resources("a small job", memory=1e3, seconds=1e-3)   # passes
    >>> dr.resources.check_resources("a big job", memory=1e15)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    deterministic_risk.resources.ResourceLimitError: a big job would need about 909 TiB of memory...
    """
    limits = _LIMITS.get()
    if memory > limits.max_memory:
        raise ResourceLimitError(
            f"{what} would need about {_bytes(memory)} of memory, more than max_memory = "
            f"{_bytes(limits.max_memory)}; to proceed anyway, raise the limit: "
            f"`with dr.resource_limits(max_memory=...): ...` (bytes; None for no limit)")
    if seconds > limits.max_seconds:
        raise ResourceLimitError(
            f"{what} would take about {_duration(seconds)} (an optimistic estimate), more than "
            f"max_seconds = {_duration(limits.max_seconds)}; to proceed anyway, raise the limit: "
            f"`with dr.resource_limits(max_seconds=...): ...` (None for no limit)")

"""The contract every optimizer fulfils: a deterministic limit next to its finite-d update."""

from __future__ import annotations

import abc
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..schedules import Schedule


class Optimizer(abc.ABC):
    """Base class of the optimizers.

    An optimizer holds both its high-dimensional limit and its real update, so that the two are
    defined side by side and tested against each other. A subclass provides:

    ``lr``
        A :class:`~deterministic_risk.schedules.Schedule` (constructors accept a number or callable).
    ``batch``
        Minibatch size B (gradients are averaged over the batch).
    ``rotation_invariant``
        Class attribute: True if the update commutes with rotations of parameter space, so that
        the simulator may sample features in the eigenbasis of the covariance (exact in
        distribution); False if it must sample in the problem's own coordinates.
    ``_risk_curve(problem, steps, **options)``
        The deterministic limit: a :class:`~deterministic_risk.RiskCurve` at ``steps``.
    ``init_state(params)`` and ``update(params, grad, k, state)``
        The finite-d update, vectorised over independent runs: ``params`` and ``grad`` (the
        batch-averaged gradient at ``params``) have shape ``(n_runs, d)``; ``update`` returns the
        new parameters and state. The default state is ``None``.
    ``state_dependent``
        True if the step depends on the current excess risk (a
        :class:`~deterministic_risk.schedules.RiskSchedule`); the simulator then calls
        ``update(params, grad, k, state, excess_risk=...)`` with the exact excess risk of each run,
        shape ``(n_runs,)``. Default False.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> isinstance(dr.SGD(0.1), dr.Optimizer), dr.SGD.rotation_invariant, dr.SignSGD.rotation_invariant
    (True, True, False)
    """

    lr: Schedule
    batch: int = 1
    rotation_invariant: bool = False
    state_dependent: bool = False

    @abc.abstractmethod
    def _risk_curve(self, problem: Any, steps: NDArray[np.int64], **options: Any):
        """Deterministic risk curve at ``steps`` (see :func:`deterministic_risk.risk_curve`)."""

    def init_state(self, params: NDArray[np.float64]) -> Any:
        """Optimizer state before the first step (None for stateless optimizers)."""
        return None

    @abc.abstractmethod
    def update(self, params: NDArray[np.float64], grad: NDArray[np.float64], k: int,
               state: Any) -> tuple[NDArray[np.float64], Any]:
        """One step of the real optimizer on ``params`` given the batch-averaged ``grad``."""

    def describe(self) -> dict[str, Any]:
        """Short description stored in results."""
        return {"optimizer": type(self).__name__, "lr": repr(self.lr), "batch": self.batch}

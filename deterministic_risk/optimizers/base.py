"""The contract every optimizer fulfils: its deterministic limit next to its finite-d update."""

from __future__ import annotations

import abc
import dataclasses
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..schedules import Schedule
from ..solvers import DEFAULT_SOLVERS, LimitDynamics, Solver

__all__ = ["Optimizer", "STABLE_FRACTION"]

#: ``stable_lr`` is this fraction of ``max_stable_lr`` for every optimizer.
STABLE_FRACTION = 0.5


class Optimizer(abc.ABC):
    """Base class of the optimizers: the one place that knows an optimizer.

    An optimizer holds its high-dimensional limit and its real update side by side, and answers
    every question the studies ask about it (stable step, search interval, k → ∞ limit), so that
    :func:`~deterministic_risk.risk_curve`, :func:`~deterministic_risk.simulate`,
    :func:`~deterministic_risk.compute_optimal`, the learning-rate search and the command line
    never branch on its type. A subclass (a frozen dataclass) provides:

    ``lr``, ``batch``
        A :class:`~deterministic_risk.schedules.Schedule` (constructors accept a number or a
        callable) and the minibatch size B (gradients averaged; default 1).
    ``limit_dynamics(problem, *, <options>)``
        The deterministic limit: a :class:`~deterministic_risk.solvers.LimitDynamics`
        (renewal recursion, feedback modes or a mode ODE). Its keyword-only arguments are the
        options :func:`~deterministic_risk.risk_curve` accepts for this optimizer (anything
        else raises TypeError there).
    ``default_solver(dynamics, steps)``
        The solver used when ``risk_curve`` gets none (default: the first kind in
        ``dr.solvers.DEFAULT_SOLVERS`` that integrates ``dynamics``).
    ``max_stable_lr(problem, **reduction)``
        The largest useful constant step (SGD: kernel norm 1; signSGD, clipped SGD and Adam:
        the step whose limiting risk equals the initial one).
    ``limit(problem, **reduction)``
        The k → ∞ risk at the optimizer's constant step (floor included); with
        ``risk_bound`` (default: the limit at the peak step) it sets the level above which a
        curve counts as diverged.
    ``init_state(params)``, ``update(params, grad, k, state)``
        The finite-d update, vectorised over runs: ``params`` and the batch-averaged ``grad``
        have shape ``(n_runs, d)``; ``update`` returns the new parameters and state.
    ``rotation_invariant``
        Class attribute: True if the update commutes with rotations (the simulator may then
        sample in the eigenbasis of the covariance).

    and may override ``stable_lr`` (default ``STABLE_FRACTION`` · ``max_stable_lr``),
    ``lr_search_bounds``, ``risk_bound``, ``with_lr`` and ``describe``. ``**reduction`` stands for the keyword
    arguments ``spectrum_method`` and ``feature_seed`` (how a PLRF problem is reduced).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> isinstance(dr.SGD(0.1), dr.Optimizer), dr.SGD.rotation_invariant, dr.SignSGD.rotation_invariant
    (True, True, False)
    >>> dr.SGD(0.1).with_lr(0.2)
    SGD(lr=Constant(lr=0.2), batch=1)
    """

    lr: Schedule
    batch: int = 1
    rotation_invariant: bool = False
    state_dependent: bool = False

    # -- deterministic limit ---------------------------------------------------------------
    @abc.abstractmethod
    def limit_dynamics(self, problem: Any, **options: Any) -> LimitDynamics:
        """The limit dynamics of this optimizer on ``problem`` (see the class docstring)."""

    def default_solver(self, dynamics: LimitDynamics, steps: NDArray[np.int64]) -> Solver:
        """The solver ``risk_curve`` uses for ``dynamics`` when none is given."""
        for kind, solver in DEFAULT_SOLVERS:
            if isinstance(dynamics, kind):
                return solver
        raise TypeError(f"no default solver for {type(dynamics).__name__}; "
                        f"give solver= to risk_curve")

    # -- stability, learning rates and the k -> infinity limit -------------------------------
    def max_stable_lr(self, problem: Any, *, spectrum_method: str | None = None,
                      feature_seed: int | None = None) -> float:
        """The largest useful constant step on ``problem``."""
        raise NotImplementedError(f"{type(self).__name__} declares no stability bound "
                                  f"(max_stable_lr); give the learning-rate searches bounds=")

    def stable_lr(self, problem: Any, *, spectrum_method: str | None = None,
                  feature_seed: int | None = None) -> float:
        """The default constant step: ``STABLE_FRACTION`` (½) of :meth:`max_stable_lr`."""
        return STABLE_FRACTION * self.max_stable_lr(problem, spectrum_method=spectrum_method,
                                                    feature_seed=feature_seed)

    def lr_search_bounds(self, problem: Any, steps: int, *, spectrum_method: str | None = None,
                         feature_seed: int | None = None) -> tuple[float, float]:
        """Interval searched for the best constant step at horizon ``steps``: by default
        (1e-4, 1 − 1e-6) · :meth:`max_stable_lr`."""
        top = self.max_stable_lr(problem, spectrum_method=spectrum_method,
                                 feature_seed=feature_seed)
        return 1e-4 * top, (1.0 - 1e-6) * top

    def limit(self, problem: Any, *, spectrum_method: str | None = None,
              feature_seed: int | None = None) -> float:
        """The risk as k → ∞ at this optimizer's constant step (floor included)."""
        raise NotImplementedError(f"{type(self).__name__} declares no k -> infinity limit")

    def risk_bound(self, problem: Any, *, spectrum_method: str | None = None,
                   feature_seed: int | None = None) -> float | None:
        """The largest risk a convergent run with this optimizer's step can reach (floor
        included), or None if none is known; :func:`~deterministic_risk.risk_curve` reports a
        divergence only above ``DIVERGENCE_FACTOR`` times it (and R(0)).

        Default: :meth:`limit` at the peak of the step (``lr.max_lr``), None when the step has
        no finite peak, the optimizer declares no limit, or the limit is infinite."""
        peak = getattr(self.lr, "max_lr", np.inf)
        if not 0 < peak < np.inf:
            return None
        try:
            bound = self.with_lr(peak).limit(problem, spectrum_method=spectrum_method,
                                             feature_seed=feature_seed)
        except NotImplementedError:
            return None
        return float(bound) if np.isfinite(bound) else None

    def with_lr(self, lr: Any) -> "Optimizer":
        """A copy with another step (a number, schedule or callable)."""
        return dataclasses.replace(self, lr=lr)

    def _constant_lr(self) -> float:
        """The constant step, or ValueError for a schedule."""
        if not getattr(self.lr, "is_constant", False):
            raise ValueError(f"the k -> infinity limit needs a constant step, got {self.lr!r}")
        return float(self.lr(0.0))

    # -- finite-d update ---------------------------------------------------------------------
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

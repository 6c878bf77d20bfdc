r"""Solvers of the deterministic limits: small frozen objects holding their options and order.

An optimizer reduces a problem to one of four kinds of limit dynamics (docs/extending.md):
:class:`RenewalDynamics` (SGD's exact recursion on a spectrum), :class:`FeedbackModes` (linear
modes with a scalar feedback through the risk: signSGD, clipped SGD), :class:`ModeODE` (a
general ODE: the Adam candidate) and :class:`SampledPaths` (a stochastic model of the finite-d
run, averaged over sampled paths: signSGD's exact-drift homogenized SDE). A solver integrates the
kinds it declares in ``solves``; the numerical kernels live in :mod:`deterministic_risk.integrate`.
"""

from __future__ import annotations

import abc
import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy import integrate as scipy_integrate

from . import _validation as check
from .integrate import (DIVERGENCE_FACTOR, IntegrationResult, RenewalOptimizer, exact_recursion,
                        exponential_feedback_integrate, log_time_integrate)
from .resources import check_resources
from .schedules import Schedule
from .spectrum import Spectrum

__all__ = ["Solver", "ExactRecursion", "LogTimeBlocks", "ExponentialFeedback", "LSODA",
           "PathMean", "LimitDynamics", "RenewalDynamics", "FeedbackModes", "ModeODE",
           "SampledPaths"]


# -- the limit dynamics an optimizer reduces a problem to ----------------------------------------

@dataclass(frozen=True, eq=False)
class LimitDynamics:
    """Base of the limit dynamics: what the driver needs besides the equations.

    Attributes
    ----------
    floor : float
        Floor added to the solver's excess risk (0 where the full risk is infinite).
    info : dict
        Problem description stored in the :class:`~deterministic_risk.RiskCurve`.
    divergence_threshold : float or ndarray, optional (keyword)
        The solver's output above which the run counts as diverged (one per member). Default
        ``DIVERGENCE_FACTOR`` · max(output at k = 0, 1); :func:`~deterministic_risk.risk_curve`
        sets it from the optimizer's :meth:`~deterministic_risk.Optimizer.risk_bound`.
    """

    floor: float
    info: dict
    divergence_threshold: float | None = field(default=None, kw_only=True)

    #: True if the solver's output already includes the floor.
    includes_floor: ClassVar[bool] = False
    #: True if the risk is affine in the initial state and the floor, so that several members
    #: (columns of initial energies) share one solve (:meth:`with_members`).
    affine_in_initial_state: ClassVar[bool] = False

    @property
    def initial_excess(self) -> float:
        """Excess risk at k = 0."""
        raise NotImplementedError

    @property
    def initial_output(self) -> float:
        """The solver's output at k = 0 (the full risk if ``includes_floor``, else the excess)."""
        return self.initial_excess + (self.floor if self.includes_floor else 0.0)

    @property
    def threshold(self) -> float:
        """``divergence_threshold``, or ``DIVERGENCE_FACTOR`` · max(output at k = 0, 1)."""
        if self.divergence_threshold is not None:
            return self.divergence_threshold
        return DIVERGENCE_FACTOR * max(self.initial_output, 1.0)

    def with_members(self, weights: NDArray[np.float64],
                     floors: NDArray[np.float64]) -> "LimitDynamics":
        """The same dynamics started from the columns of ``weights`` (initial energies of each
        member) with the ``floors``, solved at once; only dynamics that are affine in their
        initial state allow it (TypeError otherwise)."""
        if not self.affine_in_initial_state:
            raise TypeError(f"{type(self).__name__} is not affine in its initial state, so its "
                            f"members cannot share one solve; solve each with risk_curve")
        return dataclasses.replace(self, weights=weights, floors=floors)


@dataclass(frozen=True, eq=False)
class RenewalDynamics(LimitDynamics):
    r"""The renewal recursion :math:`E_i(k+1) = q_k(\lambda_i)E_i(k) + c_k n_i\lambda_i^2R(k)` on
    a spectrum, :math:`R = R_\ast + \sum_iE_i` (docs/sgd.md, 'The exact recursion'; output includes
    the floor). ``coefficients`` supplies ``log_contraction(lr, lam)`` and
    ``kernel_coefficient(lr)``. With ``weights`` of shape (n_nodes, m) and ``floors`` of shape
    (m,) (:meth:`with_members`) the m members are solved together and the solver's risk has
    shape (n_steps, m): the recursion is linear in (E, R_*), so every member follows it with the
    same coefficients."""

    spectrum: Spectrum = None
    coefficients: RenewalOptimizer = None
    schedule: Schedule = None
    weights: NDArray[np.float64] | None = None
    floors: NDArray[np.float64] | None = None
    includes_floor: ClassVar[bool] = True
    affine_in_initial_state: ClassVar[bool] = True

    @property
    def initial_excess(self) -> float:
        return float(np.sum(self.spectrum.weights))


@dataclass(frozen=True, eq=False)
class FeedbackModes(LimitDynamics):
    r"""Linear modes with a scalar feedback, :math:`\dot v_j = -a(k,R)\lambda_jv_j +
    a(k,R)c(k,R)\kappa_j`, :math:`R = \sum_j\lambda_jv_j` (output: the excess R). ``rates(k, R)``
    returns (a, c); ``breakpoints(k_max)`` the iterations up to k_max where they jump."""

    eigenvalues: NDArray[np.float64] = None
    kappa: NDArray[np.float64] = None
    v0: NDArray[np.float64] = None
    rates: Callable[[float, float], tuple[float, float]] = None
    breakpoints: Callable[[float], NDArray[np.float64]] = lambda k_max: np.empty(0)

    @property
    def initial_excess(self) -> float:
        return float(np.asarray(self.eigenvalues) @ np.asarray(self.v0))


@dataclass(frozen=True, eq=False)
class ModeODE(LimitDynamics):
    r"""A general ODE :math:`\dot y = f(k, y)` with the excess risk read out as ``readout(y)``
    (``y`` of shape (n,) or (n, n_times)); ``size`` is the number of modes (absolute tolerance
    ``1e-3·rtol·R(0)/size``)."""

    rhs: Callable[[float, NDArray], NDArray] = None
    y0: NDArray[np.float64] = None
    readout: Callable[[NDArray], NDArray] = None
    size: int = 1

    @property
    def initial_excess(self) -> float:
        return float(self.readout(np.asarray(self.y0)))


@dataclass(frozen=True, eq=False)
class SampledPaths(LimitDynamics):
    r"""A stochastic model of the finite-d run (a homogenized SDE), known through sampled paths:
    ``sample(steps, n_runs, seed, dk)`` returns the risk of ``n_runs`` independent paths at
    ``steps`` (shape (n_runs, n_steps), floor included), their Gaussian increments drawn from
    ``np.random.default_rng(seed)`` with an Euler–Maruyama step of ``dk`` iterations.
    ``excess0`` is the excess risk at k = 0. The curve solved from it is a random estimate (the
    mean of the paths; :class:`PathMean`)."""

    sample: Callable[[NDArray[np.int64], int, int, float], NDArray[np.float64]] = None
    excess0: float = 0.0
    includes_floor: ClassVar[bool] = True

    @property
    def initial_excess(self) -> float:
        return float(self.excess0)


# -- solvers ---------------------------------------------------------------------------------------

#: Optimistic cost of the exact recursion (a fast machine; docs/errors_and_limits.md): seconds per
#: iteration, and per node and iteration.
EXACT_SECONDS_PER_ITERATION = 1e-6
EXACT_SECONDS_PER_NODE = 5e-10

@dataclass(frozen=True)
class Solver(abc.ABC):
    """Base of the solvers.

    A subclass is a frozen dataclass whose fields are its options (validated in
    ``__post_init__``), with

    ``order``
        Class attribute: the order p of the global error, err ∝ ``resolution``:sup:`p`
        (``math.inf`` for an exact method); ``tests/test_solvers.py`` fits it.
    ``solves``
        Class attribute: the tuple of :class:`LimitDynamics` kinds it integrates.
    ``_solve(dynamics, steps)``
        Returns an :class:`~deterministic_risk.integrate.IntegrationResult` (the excess risk, or
        the full risk for dynamics with ``includes_floor``; ``inf`` after a divergence).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> dr.solvers.LogTimeBlocks(grid_ratio=0.005).order
    3
    """

    order: ClassVar[float]
    solves: ClassVar[tuple[type, ...]] = ()

    def solve(self, dynamics: LimitDynamics, steps: NDArray[np.int64]) -> IntegrationResult:
        """Integrate ``dynamics`` to ``steps`` (sorted int64); TypeError if it is not of a kind
        this solver integrates."""
        if not isinstance(dynamics, self.solves):
            kinds = " or ".join(k.__name__ for k in self.solves)
            raise TypeError(f"{type(self).__name__} does not apply to {type(dynamics).__name__} "
                            f"(it integrates {kinds}); leave solver=None for the optimizer's "
                            f"default")
        return self._solve(dynamics, steps)

    @abc.abstractmethod
    def _solve(self, dynamics: LimitDynamics, steps: NDArray[np.int64]) -> IntegrationResult:
        """Integrate (``dynamics`` is of a kind in ``solves``)."""

    def describe(self) -> str:
        """Name and options, as stored in ``RiskCurve.info["solver"]``."""
        return repr(self)


def _ratio(name: str, value: float) -> float:
    value = check.positive_float(name, value)
    if value > 0.5:
        raise ValueError(f"{name} must be in (0, 0.5], got {value}")
    return value


@dataclass(frozen=True)
class ExactRecursion(Solver):
    """The renewal recursion iterated one step at a time: exact, cost O(n_nodes · max(steps)).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> curve = dr.risk_curve(dr.Spectrum([1.0], [1.0]), dr.SGD(0.25), [0, 2],
    ...                       solver=dr.solvers.ExactRecursion())
    >>> curve.risk.tolist()          # 0.6875² = (q + γ²λ²)²
    [1.0, 0.47265625]
    """

    order: ClassVar[float] = math.inf
    solves: ClassVar[tuple[type, ...]] = (RenewalDynamics,)

    def _solve(self, dynamics, steps):
        spectrum, k_max = dynamics.spectrum, float(steps[-1])
        members = 1 if dynamics.floors is None else np.size(dynamics.floors)
        check_resources(f"the exact recursion to k = {k_max:.6g}",
                        memory=8.0 * (6 * len(spectrum) * members
                                      + (0 if dynamics.schedule.is_constant else k_max)),
                        seconds=k_max * (EXACT_SECONDS_PER_ITERATION + EXACT_SECONDS_PER_NODE
                                         * len(spectrum) * members))
        return exact_recursion(spectrum, dynamics.coefficients, dynamics.schedule, steps,
                               weights=dynamics.weights, floor=dynamics.floors,
                               divergence_threshold=dynamics.divergence_threshold)


@dataclass(frozen=True)
class LogTimeBlocks(Solver):
    r"""The renewal recursion in blocks of h ≈ ``grid_ratio``·k iterations on a log grid
    (:func:`~deterministic_risk.integrate.log_time_integrate`): closed-form block sums, R
    interpolated through the last three block ends (a parabola) at a constant step and linearly
    with a schedule, an implicit step; cost per output point independent of k.

    Parameters
    ----------
    grid_ratio : float, optional
        Block length as a fraction of k, in (0, 0.5]. Default: the integrator's own, 0.03 at a
        constant step (error ∝ grid_ratio³, ≲ 1e-5 on power-law spectra) and 0.01 with a
        schedule (≲ 1e-4, tested in ``tests/test_sgd.py``).
    max_change : float, default 0.05
        A block is halved while R or the step changes by more than this across it.

    Notes
    -----
    ``order`` is 3, the order at a constant step (measured in ``tests/test_solvers.py``). With a
    learning-rate schedule R is linear across a block; on a cosine decay the error then falls
    more slowly than grid_ratio² late in the decay (3.9e-5, 3.0e-5, 2.2e-5 at grid_ratio 0.02,
    0.01, 0.005 on a d = 100 sampled PLRF spectrum), so no order is claimed for schedules.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> j = np.arange(1, 51.0)
    >>> spec = dr.Spectrum(j**-1.5, j**-2.0, floor=0.01)
    >>> blocks = dr.risk_curve(spec, dr.SGD(0.25), [10**4], solver=dr.solvers.LogTimeBlocks())
    >>> exact = dr.risk_curve(spec, dr.SGD(0.25), [10**4], solver=dr.solvers.ExactRecursion())
    >>> bool(abs(blocks.risk[0] / exact.risk[0] - 1) < 1e-8)
    True
    """

    grid_ratio: float | None = None
    max_change: float = 0.05
    order: ClassVar[float] = 3
    solves: ClassVar[tuple[type, ...]] = (RenewalDynamics,)

    def __post_init__(self) -> None:
        if self.grid_ratio is not None:
            object.__setattr__(self, "grid_ratio", _ratio("grid_ratio", self.grid_ratio))
        object.__setattr__(self, "max_change", check.positive_float("max_change", self.max_change))

    def _solve(self, dynamics, steps):
        return log_time_integrate(dynamics.spectrum, dynamics.coefficients, dynamics.schedule,
                                  steps, grid_ratio=self.grid_ratio, max_change=self.max_change,
                                  weights=dynamics.weights, floor=dynamics.floors,
                                  divergence_threshold=dynamics.divergence_threshold)


@dataclass(frozen=True)
class ExponentialFeedback(Solver):
    r"""Exponential integrator of linear modes with a scalar feedback, on log-spaced blocks
    (:func:`~deterministic_risk.integrate.exponential_feedback_integrate`; second order, error
    controlled by two independent second-order values of R).

    Parameters
    ----------
    grid_ratio : float, default 0.01
        Longest block as a fraction of k, in (0, 0.5].
    rtol : float, default 1e-5
        Local relative error allowed per block.
    max_change : float, default 0.5
        A block is halved while R changes by more than this across it.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> prob = dr.GaussianLeastSquares([1.0, 0.1], [1.0, 1.0], noise_std=0.1)
    >>> curve = dr.risk_curve(prob, dr.SignSGD(0.01), [0, 100],
    ...                       solver=dr.solvers.ExponentialFeedback(rtol=1e-7))
    >>> bool(curve.excess[1] < curve.excess[0])
    True
    """

    grid_ratio: float = 0.01
    rtol: float = 1e-5
    max_change: float = 0.5
    order: ClassVar[float] = 2
    solves: ClassVar[tuple[type, ...]] = (FeedbackModes,)

    def __post_init__(self) -> None:
        object.__setattr__(self, "grid_ratio", _ratio("grid_ratio", self.grid_ratio))
        object.__setattr__(self, "rtol", check.positive_float("rtol", self.rtol))
        object.__setattr__(self, "max_change", check.positive_float("max_change", self.max_change))

    def _solve(self, dynamics, steps):
        return exponential_feedback_integrate(
            dynamics.eigenvalues, dynamics.kappa, dynamics.v0, dynamics.rates, steps,
            breakpoints=dynamics.breakpoints(float(steps[-1])), grid_ratio=self.grid_ratio,
            max_change=self.max_change, rtol=self.rtol,
            divergence_threshold=dynamics.threshold)


@dataclass(frozen=True)
class LSODA(Solver):
    r"""``scipy.integrate.solve_ivp`` with LSODA (stiff/non-stiff switching), for a
    :class:`ModeODE` or, as an independent check, :class:`FeedbackModes`.

    Parameters
    ----------
    rtol : float, default 1e-8
        Relative tolerance (absolute tolerance 1e-3·rtol·R(0)/n_modes). The global error is
        about proportional to it (``order`` 1 in rtol).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> prob = dr.GaussianLeastSquares([1.0, 0.1], [1.0, 1.0], noise_std=0.1)
    >>> a = dr.risk_curve(prob, dr.SignSGD(0.01), [1000], solver=dr.solvers.LSODA(rtol=1e-10))
    >>> b = dr.risk_curve(prob, dr.SignSGD(0.01), [1000])
    >>> bool(abs(a.risk[0] / b.risk[0] - 1) < 1e-5)
    True
    """

    rtol: float = 1e-8
    order: ClassVar[float] = 1
    solves: ClassVar[tuple[type, ...]] = (ModeODE, FeedbackModes)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rtol", check.positive_float("rtol", self.rtol))

    def _solve(self, dynamics, steps):
        if isinstance(dynamics, FeedbackModes):
            dynamics = _as_mode_ode(dynamics)
        r0 = dynamics.initial_excess
        threshold = dynamics.threshold
        if steps[-1] == 0:   # nothing to integrate (solve_ivp needs a time span)
            return IntegrationResult(np.full(steps.size, r0), True, "LSODA, k = 0 only", 0)
        t_eval = steps.astype(np.float64)
        sol = scipy_integrate.solve_ivp(
            dynamics.rhs, (0.0, float(t_eval[-1])), np.asarray(dynamics.y0, dtype=np.float64),
            method="LSODA", t_eval=t_eval, rtol=self.rtol,
            atol=1e-3 * self.rtol * max(r0, 1e-300) / dynamics.size)
        risk = np.full(steps.size, np.inf)
        if sol.success:
            risk[:] = dynamics.readout(sol.y)
        success = bool(sol.success) and bool(np.all(risk <= threshold))
        message = f"LSODA, {sol.nfev} right-hand-side evaluations: {sol.message}"
        return IntegrationResult(risk, success, message, int(sol.nfev))


@dataclass(frozen=True)
class PathMean(Solver):
    r"""The mean of sampled paths of :class:`SampledPaths` dynamics: a random estimate, exact
    in expectation up to the Euler–Maruyama step, with a statistical error ∝ n_runs^(-1/2).

    Parameters
    ----------
    n_runs : int, default 32
        Number of independent paths (vectorised).
    seed : int or None, default 0
        Seed of their Gaussian increments (``None``: a fresh seed, recorded in the result). The
        same seed gives the same numbers.
    dk : float, default 1
        Euler–Maruyama step in iterations (> 0); 1 matches the optimizer's own steps.

    Notes
    -----
    ``order`` is ½ in the resolution 1/n_runs: the standard deviation of the mean over seeds
    falls as n_runs^(-1/2) (fitted in ``tests/test_solvers.py``). The result reports
    ``details`` = {"n_runs", "seed", "stderr"} (the standard error of the mean at each step),
    which :func:`~deterministic_risk.risk_curve` stores in ``RiskCurve.info``, and says in its
    message that the curve is random.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> prob = dr.GaussianLeastSquares([1.0, 0.5], [1.0, 1.0], noise_std=0.1)
    >>> curve = dr.risk_curve(prob, dr.SignSGD(0.01), [0, 100], model="homogenized",
    ...                       solver=dr.solvers.PathMean(n_runs=16, seed=1))
    >>> curve.info["n_runs"], curve.info["seed"], curve.info["stderr"].shape
    (16, 1, (2,))
    """

    n_runs: int = 32
    seed: int | None = 0
    dk: float = 1.0
    order: ClassVar[float] = 0.5
    solves: ClassVar[tuple[type, ...]] = (SampledPaths,)

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_runs", check.positive_int("n_runs", self.n_runs))
        object.__setattr__(self, "seed", check.seed("seed", self.seed, allow_none=True))
        object.__setattr__(self, "dk", check.positive_float("dk", self.dk))

    def _solve(self, dynamics, steps):
        seed = check.fresh_seed() if self.seed is None else self.seed
        runs = np.asarray(dynamics.sample(steps, self.n_runs, seed, self.dk), dtype=np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            risk = runs.mean(axis=0)
            stderr = (runs.std(axis=0, ddof=1) / math.sqrt(self.n_runs) if self.n_runs > 1
                      else np.full(steps.size, np.nan))
        bad = ~np.isfinite(risk) | (risk > dynamics.threshold)
        success = not bool(np.any(bad))
        if success:
            rel = float(np.max(stderr / risk)) if self.n_runs > 1 else math.nan
            message = (f"mean of {self.n_runs} sampled paths (seed {seed}, dk {self.dk:g}): a "
                       f"random estimate, standard error up to {rel:.2g} of the mean")
        else:
            first = int(np.argmax(bad))
            risk = np.where(np.arange(steps.size) >= first, np.inf, risk)
            message = (f"diverged: the mean of {self.n_runs} sampled paths (seed {seed}) "
                       f"exceeds {dynamics.threshold:.3g} at k = {int(steps[first])}")
        return IntegrationResult(risk, success, message, self.n_runs,
                                 {"n_runs": self.n_runs, "seed": seed, "stderr": stderr})


def _as_mode_ode(modes: FeedbackModes) -> ModeODE:
    lam = np.asarray(modes.eigenvalues, dtype=np.float64)
    kappa = np.asarray(modes.kappa, dtype=np.float64)

    def rhs(k: float, v: NDArray) -> NDArray:
        a, c = modes.rates(k, max(float(lam @ v), 0.0))
        return a * (c * kappa - lam * v)

    return ModeODE(modes.floor, modes.info, rhs, np.asarray(modes.v0, dtype=np.float64),
                   lambda y: lam @ y, lam.size, divergence_threshold=modes.divergence_threshold)



#: The solver used for each kind of dynamics when an optimizer does not choose one.
DEFAULT_SOLVERS: tuple[tuple[type, Solver], ...] = (
    (RenewalDynamics, LogTimeBlocks()), (FeedbackModes, ExponentialFeedback()), (ModeODE, LSODA()),
    (SampledPaths, PathMean()))

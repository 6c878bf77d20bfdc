r"""Step sizes chosen without tuning runs: oracle steps on the deterministic curve, greedy schedules.

Three ways to pick a step without a grid search over simulated runs:

* :func:`optimal_lr` — the "ODE-optimal" constant (or schedule-peak) step for a budget T:
  :math:`\gamma^\ast(T) = \arg\min_\gamma R(T;\gamma)` on the deterministic curve, by a coarse log
  grid and bounded Brent minimisation of :math:`\log R(T;\gamma)` in :math:`\log\gamma` (theory
  note ``extensions.md`` §9). This is the exact oracle that parameter-free methods approximate.
* :func:`greedy_risk_curve` — the schedule that maximises the instantaneous risk decrease.
  For signSGD (theory note ``signsgd.md`` §10.4, k-form)

  .. math:: \gamma^\ast = \frac{2\varphi(R)\sum_j\lambda_j^2v_j}{\sum_j\lambda_j\kappa_j},

  the maximiser of :math:`dR/dk = -2\gamma\varphi\sum_j\lambda_j^2v_j +
  \tfrac{\gamma^2}2\sum_j\lambda_j\kappa_j`. For SGD the one-step change of the exact expected
  risk (renewal recursion of ``sgd_plrf.md`` §4.1, :math:`E_i` the excess of node i, R the full
  risk) is quadratic in γ,

  .. math::

      R(k+1) - R(k) = -2\gamma S_1 + \gamma^2\Big[\big(1+\tfrac1B\big)S_2 + \tfrac{R}{B}T_2\Big],
      \quad S_m = \sum_i\lambda_i^mE_i,\ T_2 = \sum_in_i\lambda_i^2,

  so the greedy step is :math:`\gamma^\ast = S_1/[(1+1/B)S_2 + RT_2/B]` [derived here].
* the ALIAS rule, a finite-d optimizer (:class:`~deterministic_risk.ALIAS`), run with
  :func:`~deterministic_risk.simulate`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate, optimize

from . import _validation as check
from .optimizers.base import Optimizer
from .optimizers.sgd import SGD, max_stable_lr
from .optimizers.signsgd import SignSGD, _least_squares
from .results import RiskCurve
from .solve import risk_curve
from .threads import blas_threads

__all__ = ["StepSizeSearch", "GreedyCurve", "optimal_lr", "greedy_risk_curve", "sgd_greedy_step"]


@dataclass(frozen=True, eq=False)
class StepSizeSearch:
    """Result of :func:`optimal_lr`.

    Attributes
    ----------
    lr : float
        The step (constant, or the peak of the schedule built by ``make_optimizer``) with the
        lowest deterministic risk at ``budget``.
    risk : float
        That risk (floor included).
    budget : int
        Iteration count T.
    bounds : (float, float)
        Search interval.
    grid, grid_risk : ndarray, shape (n_grid,)
        The coarse log grid and its risks (``inf`` where the curve diverged).
    n_evaluations : int
        Risk curves computed.
    success : bool
        False if the best step lies on an end of ``bounds`` (widen them) or no step converged.
    message : str
    curve : RiskCurve or None
        The deterministic curve at the best step, at the ``steps`` given to :func:`optimal_lr`
        (None if none were given).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> spec = dr.Spectrum([1.0, 0.1, 0.01], [0.3, 0.3, 0.3], floor=0.01)
    >>> search = dr.optimal_lr(spec, lambda lr: dr.SGD(lr), 1000)
    >>> search.success, bool(search.risk < spec.initial_risk)
    (True, True)
    """

    lr: float
    risk: float
    budget: int
    bounds: tuple[float, float]
    grid: NDArray[np.float64] = field(repr=False)
    grid_risk: NDArray[np.float64] = field(repr=False)
    n_evaluations: int = 0
    success: bool = True
    message: str = ""
    curve: RiskCurve | None = field(default=None, repr=False)


def _default_bounds(problem: Any, optimizer: Optimizer, feature_seed: int) -> tuple[float, float]:
    from .problems import as_spectrum

    if isinstance(optimizer, SGD):
        limit = max_stable_lr(as_spectrum(problem, seed=feature_seed), optimizer.batch)
        return 1e-4 * limit, (1.0 - 1e-6) * limit
    if isinstance(optimizer, SignSGD):
        from .signsgd_theory import signsgd_modes
        scale = 1.0 / signsgd_modes(_least_squares(problem, feature_seed)).sum_sqrt_diagonal
        return 1e-6 * scale, 10.0 * scale
    raise ValueError(f"give bounds= for {type(optimizer).__name__} (defaults exist for SGD: "
                     f"(1e-4, 1)·max_stable_lr, and SignSGD: (1e-6, 10)/sum_i sqrt(K_ii))")


def optimal_lr(problem: Any, make_optimizer: Callable[[float], Optimizer], budget: int, *,
               bounds: tuple[float, float] | None = None, n_grid: int = 13, xatol: float = 1e-3,
               steps: ArrayLike | None = None, feature_seed: int = 0,
               **curve_options: Any) -> StepSizeSearch:
    r"""The step that minimises the deterministic risk at a budget ("ODE-optimal" step).

    Parameters
    ----------
    problem : Spectrum, GaussianLeastSquares or PLRF
    make_optimizer : callable
        ``lr -> Optimizer``: an optimizer class such as ``dr.SGD`` or ``dr.SignSGD`` for a
        constant step, or for example ``lambda p: dr.SGD(dr.schedules.WSD(p, T))`` for the peak
        of a schedule.
    budget : int
        Iteration count T at which the risk is minimised.
    bounds : (float, float), optional
        Search interval of the step. Defaults: SGD (1e-4, 1 − 1e-6)·``max_stable_lr``; SignSGD
        (1e-6, 10)/Σ√K_ii; other optimizers need it.
    n_grid : int, default 13
        Points of the coarse log grid over ``bounds`` (the minimiser is then refined on the two
        cells around the best grid point, which guards against a local minimum). ``0``: a single
        bounded Brent search over the whole interval.
    xatol : float, default 1e-3
        Tolerance of the refinement in log γ (relative tolerance of the step).
    steps : array_like of int, optional
        If given, the result holds the curve at the best step at these steps (one more
        evaluation); the search itself evaluates only ``budget``.
    feature_seed : int
        Seed of W for PLRF problems.
    **curve_options
        Passed to :func:`~deterministic_risk.risk_curve` (``method``, ``rtol`` ...).

    Returns
    -------
    StepSizeSearch

    Notes
    -----
    Minimises :math:`\log R(T;\gamma)` over :math:`\log\gamma`; steps whose curve diverges, or that
    a constructor or :func:`risk_curve` refuses (beyond a stability limit), count as
    :math:`+\infty`. Each evaluation is one deterministic curve (milliseconds for SGD on a
    spectrum; see ``docs/lr_selection.md``).

    References
    ----------
    Theory note ``extensions.md`` §9 (oracle constant step by golden-section search on the
    deterministic curve).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> spec = dr.Spectrum([1.0, 0.1], [0.5, 0.5], floor=0.01, counts=[50, 50])
    >>> best = dr.optimal_lr(spec, dr.SGD, 1000)
    >>> best.success, 0 < best.lr < dr.max_stable_lr(spec)
    (True, True)
    """
    budget = check.positive_int("budget", budget)
    n_grid = check.positive_int("n_grid", n_grid, minimum=0)
    xatol = check.positive_float("xatol", xatol)
    if 0 < n_grid < 3:
        raise ValueError(f"n_grid must be 0 or >= 3, got {n_grid}")
    if bounds is None:
        bounds = _default_bounds(problem, make_optimizer(1.0), feature_seed)
    lo, hi = (check.positive_float("bounds", b) for b in bounds)
    if not lo < hi:
        raise ValueError(f"bounds must satisfy lo < hi, got {bounds}")
    options = {"on_divergence": "return", "feature_seed": feature_seed, **curve_options}
    n_eval = 0

    def log_risk(log_lr: float) -> float:
        nonlocal n_eval
        n_eval += 1
        try:
            curve = risk_curve(problem, make_optimizer(float(np.exp(log_lr))), [budget], **options)
        except ValueError:               # beyond a stability limit
            return np.inf
        r = curve.risk[-1]
        return float(np.log(r)) if curve.success and r > 0 and np.isfinite(r) else np.inf

    a, b = math.log(lo), math.log(hi)
    if n_grid:
        grid = np.linspace(a, b, n_grid)
        grid_vals = np.array([log_risk(x) for x in grid])
        if not np.any(np.isfinite(grid_vals)):
            return StepSizeSearch(float("nan"), np.inf, budget, (lo, hi), np.exp(grid),
                                  np.exp(grid_vals), n_eval, False,
                                  "every step on the grid diverged; lower the bounds")
        i = int(np.argmin(grid_vals))
        a, b = grid[max(i - 1, 0)], grid[min(i + 1, n_grid - 1)]
    else:
        grid = np.empty(0)
        grid_vals = np.empty(0)
    res = optimize.minimize_scalar(log_risk, bounds=(a, b), method="bounded",
                                   options={"xatol": xatol})
    x, fx = float(res.x), float(res.fun)
    if n_grid and grid_vals[i] < fx:
        x, fx = float(grid[i]), float(grid_vals[i])
    best = float(np.exp(x))
    success = bool(np.isfinite(fx))
    message = "minimum inside the bounds"
    edge = (x - math.log(lo) < 2 * xatol) or (math.log(hi) - x < 2 * xatol)
    if edge:
        success = False
        message = "the best step is at an end of the bounds; widen them"
    if not np.isfinite(fx):
        message = "no step converged"
    curve = None
    if steps is not None and np.isfinite(fx):
        curve = risk_curve(problem, make_optimizer(best), steps, **options)
    return StepSizeSearch(best, float(np.exp(fx)), budget, (lo, hi), np.exp(grid),
                          np.exp(grid_vals), n_eval, success, message, curve)


# -- greedy schedules ------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class GreedyCurve:
    """Deterministic risk under the greedy schedule, with the schedule itself.

    Attributes
    ----------
    curve : RiskCurve
    lr : ndarray, shape (n,)
        The greedy step :math:`\\gamma^\\ast(k)` at ``curve.steps``.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> spec = dr.Spectrum([1.0, 0.1], [0.5, 0.5], floor=0.01)
    >>> greedy = dr.greedy_risk_curve(spec, "sgd", [0, 10, 100])
    >>> bool(greedy.curve.risk[-1] < greedy.curve.risk[0])
    True
    """

    curve: RiskCurve
    lr: NDArray[np.float64]


def sgd_greedy_step(eigenvalues: ArrayLike, counts: ArrayLike, excess: ArrayLike, risk: float,
                    batch: int = 1) -> float:
    r"""Greedy SGD step :math:`\gamma^\ast = S_1/[(1+1/B)S_2 + RT_2/B]` (module docstring).

    Parameters
    ----------
    eigenvalues, counts, excess : array_like, shape (n,)
        Node eigenvalues :math:`\lambda_i`, multiplicities :math:`n_i` and current excess
        :math:`E_i`.
    risk : float
        Current full risk R (floor included).
    batch : int

    Returns
    -------
    float

    Examples
    --------
    >>> from deterministic_risk.lr_selection import sgd_greedy_step
    >>> sgd_greedy_step([1.0], [1.0], [1.0], 1.0)     # 1/((1+1)·1 + 1·1)
    0.3333333333333333
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    n = np.asarray(counts, dtype=np.float64)
    E = np.asarray(excess, dtype=np.float64)
    s1, s2 = float(lam @ E), float((lam * lam) @ E)
    t2 = float(n @ (lam * lam))
    denominator = (1.0 + 1.0 / batch) * s2 + risk * t2 / batch
    return s1 / denominator if denominator > 0 else 0.0


def _greedy_sgd(problem: Any, steps: NDArray[np.int64], batch: int, spectrum_method,
                feature_seed: int) -> GreedyCurve:
    from .problems import as_spectrum

    spec = as_spectrum(problem, method=spectrum_method, seed=feature_seed)
    lam, n = spec.eigenvalues, spec.counts
    lam2 = lam * lam
    t2 = float(n @ lam2)
    a = n * lam2 / batch
    E = spec.weights.copy()
    floor = spec.floor
    risk_out = np.empty(steps.size)
    lr_out = np.empty(steps.size)
    out = 0
    with blas_threads(1):   # a loop of small vector operations (docs/threads.md)
        for k in range(int(steps[-1]) + 1):
            R = floor + E.sum()
            s1, s2 = float(lam @ E), float(lam2 @ E)
            denominator = (1.0 + 1.0 / batch) * s2 + R * t2 / batch
            g = s1 / denominator if denominator > 0 else 0.0
            if k == steps[out]:
                risk_out[out], lr_out[out] = R, g
                out += 1
                if out == steps.size:
                    break
            # exact renewal recursion (sgd_plrf.md §4.1) with the greedy step of this iteration
            E = (1.0 - 2.0 * g * lam + g * g * (1.0 + 1.0 / batch) * lam2) * E + g * g * a * R
    info = {"optimizer": "SGD", "lr": "greedy", "batch": batch, "method": "exact recursion",
            "d": spec.dimension}
    curve = RiskCurve(steps, risk_out, floor, True, f"exact recursion, {int(steps[-1])} "
                      f"iterations, greedy step", info)
    return GreedyCurve(curve, lr_out)


def _greedy_signsgd(problem: Any, steps: NDArray[np.int64], feature_seed: int,
                    rtol: float) -> GreedyCurve:
    from .signsgd_theory import signsgd_modes

    prob = _least_squares(problem, feature_seed)
    modes = signsgd_modes(prob)
    lam, kappa = np.asarray(modes.eigenvalues), np.asarray(modes.kappa)
    lam2 = lam * lam
    lk = float(lam @ kappa)
    phi = prob.noise.phi

    def gamma(v: NDArray) -> float:
        R = max(float(lam @ v), 0.0)
        return 2.0 * max(float(phi(R)), 1e-300) * float(lam2 @ v) / lk

    def rhs(k: float, v: NDArray) -> NDArray:
        # dv_j/dk = −2γφλ_j v_j + (γ²/2)κ_j at γ = γ*(v)   (signsgd.md §6.2, §10.4)
        R = max(float(lam @ v), 0.0)
        ph = max(float(phi(R)), 1e-300)
        g = 2.0 * ph * float(lam2 @ v) / lk
        return -2.0 * g * ph * lam * v + 0.5 * g * g * kappa

    v0 = np.asarray(modes.v0, dtype=np.float64)
    r0 = modes.initial_excess
    with blas_threads(1):   # a loop of small vector operations (docs/threads.md)
        sol = integrate.solve_ivp(rhs, (0.0, float(steps[-1])), v0, method="LSODA",
                                  t_eval=steps.astype(np.float64), rtol=rtol,
                                  atol=1e-3 * rtol * max(r0, 1e-300) / lam.size)
    if not sol.success:
        raise FloatingPointError(f"greedy signSGD ODE failed: {sol.message}")
    excess = lam @ sol.y
    lr = np.array([gamma(sol.y[:, i]) for i in range(steps.size)])
    floor = prob.floor if np.isfinite(prob.floor) else 0.0
    info = {"optimizer": "SignSGD", "lr": "greedy", "batch": 1, "method": "ode (LSODA)",
            "d": modes.d, "noise": repr(prob.noise)}
    return GreedyCurve(RiskCurve(steps, excess + floor, floor, True,
                                 f"LSODA, {sol.nfev} evaluations", info), lr)


def greedy_risk_curve(problem: Any, optimizer: str | Optimizer, steps: ArrayLike, *,
                      spectrum_method: str | None = None, feature_seed: int = 0,
                      rtol: float = 1e-8) -> GreedyCurve:
    r"""Deterministic risk under the greedy step that maximises the instantaneous risk decrease.

    Parameters
    ----------
    problem : Spectrum, GaussianLeastSquares or PLRF
        (signSGD needs a GaussianLeastSquares or PLRF problem.)
    optimizer : {"sgd", "signsgd"} or SGD / SignSGD instance
        Which dynamics; an ``SGD`` instance supplies its batch size (its step is ignored).
    steps : array_like of int
    spectrum_method : str, optional
        ``PLRF.spectrum`` method (SGD).
    feature_seed : int
    rtol : float, default 1e-8
        Relative tolerance of the signSGD ODE solver (LSODA).

    Returns
    -------
    GreedyCurve
        ``.curve`` and the greedy steps ``.lr`` at ``steps``.

    Notes
    -----
    SGD: the exact expected-risk recursion, one iteration at a time with
    :math:`\gamma_k = S_1/[(1+1/B)S_2 + RT_2/B]` (cost O(n_nodes · max(steps))). signSGD: the mode
    ODE with :math:`\gamma^\ast = 2\varphi(R)\sum_j\lambda_j^2v_j/\sum_j\lambda_j\kappa_j`
    (``signsgd.md`` §10.4). The greedy step depends on the whole mode state, not on R alone, so it
    is not a :class:`~deterministic_risk.schedules.RiskSchedule` and has no finite-d counterpart
    without an oracle. It is myopic: on an isotropic problem (one eigenvalue) it is the optimal
    schedule for every horizon, in general not.

    References
    ----------
    Theory note ``signsgd.md`` §10.4 (signSGD, derived); SGD analogue derived in this module's
    docstring from ``sgd_plrf.md`` §4.1.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> spec = dr.Spectrum([1.0], [1.0], counts=[100])
    >>> g = dr.greedy_risk_curve(spec, "sgd", [0, 1])
    >>> round(float(g.lr[0]), 12)              # 1/(2 + 100) with B = 1, no floor
    0.009803921569
    """
    steps = check.steps_array(steps)
    if isinstance(optimizer, str):
        if optimizer not in ("sgd", "signsgd"):
            raise ValueError(f"optimizer must be 'sgd', 'signsgd' or an SGD/SignSGD instance, "
                             f"got {optimizer!r}")
        kind, batch = optimizer, 1
    elif isinstance(optimizer, SGD):
        kind, batch = "sgd", optimizer.batch
    elif isinstance(optimizer, SignSGD):
        kind, batch = "signsgd", 1
    else:
        raise TypeError(f"optimizer must be 'sgd', 'signsgd' or an SGD/SignSGD instance, got "
                        f"{type(optimizer).__name__}")
    if kind == "sgd":
        return _greedy_sgd(problem, steps, batch, spectrum_method, feature_seed)
    return _greedy_signsgd(problem, steps, feature_seed, check.positive_float("rtol", rtol))

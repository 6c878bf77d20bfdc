r"""The learning-rate search: the step that minimises the deterministic risk at a budget.

:func:`optimal_lr` is the one search of the package (compute-optimal frontiers, comparisons and
the command line use it); :func:`greedy_risk_curve` runs the optimizer's greedy schedule. The
search interval and the greedy step are the optimizer's own (``lr_search_bounds``,
``greedy_curve``). Derivations in docs/lr_selection.md, 'Theory'.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from .. import _validation as check
from ..optimizers.base import Optimizer
from ..results import GreedyCurve, RiskCurve
from ..solve import risk_curve
from .fitting import isoflop_optimum

__all__ = ["StepSizeSearch", "BudgetStepSearch", "optimal_lr", "optimal_lrs", "schedule_peaks",
           "greedy_risk_curve"]

@dataclass(frozen=True, eq=False)
class StepSizeSearch:
    """Result of :func:`optimal_lr`.

    Attributes
    ----------
    lr : float
        The step (constant, or the peak of the ``schedule``) with the
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


def _candidates(optimizer: Optimizer | Callable[[float], Optimizer],
                schedule: Callable[[float, float], Any] | None, budget: int
                ) -> tuple[Callable[[float], Optimizer], Optimizer]:
    """``lr -> Optimizer`` and a template optimizer (to ask for the search interval)."""
    if isinstance(optimizer, Optimizer):
        if schedule is None:
            make = optimizer.with_lr
        else:
            def make(lr: float) -> Optimizer:
                return optimizer.with_lr(schedule(lr, budget))
        return make, optimizer
    if not callable(optimizer):
        raise TypeError(f"optimizer must be an Optimizer or a callable lr -> Optimizer, got "
                        f"{type(optimizer).__name__}")
    if schedule is not None:
        raise TypeError("schedule= goes with an Optimizer template, not with a callable")
    template = optimizer(1.0)
    if not isinstance(template, Optimizer):
        raise TypeError(f"optimizer(lr) must return an Optimizer, got {type(template).__name__}")
    return optimizer, template


def optimal_lr(problem: Any, optimizer: Optimizer | Callable[[float], Optimizer], budget: int,
               *, schedule: Callable[[float, float], Any] | None = None,
               bounds: tuple[float, float] | None = None, n_grid: int = 13, xatol: float = 1e-3,
               steps: ArrayLike | None = None, **curve_options: Any) -> StepSizeSearch:
    r"""The step that minimises the deterministic risk at a budget ("ODE-optimal" step).

    Parameters
    ----------
    problem : Spectrum, GaussianLeastSquares or PLRF
    optimizer : Optimizer or callable
        An optimizer whose step is searched (the candidates are ``optimizer.with_lr(lr)``), or a
        callable ``lr -> Optimizer`` such as ``dr.SGD``.
    budget : int
        Iteration count T at which the risk is minimised.
    schedule : callable, optional
        ``schedule(peak, budget) -> Schedule``: search the peak of this schedule (for example
        ``lambda p, n: dr.schedules.WSD.stable_decay(p, n, decay_frac=0.2)``).
    bounds : (float, float), optional
        Search interval of the step; default the optimizer's
        :meth:`~deterministic_risk.Optimizer.lr_search_bounds` (SGD: (1e-4, 1 − 1e-6) ·
        ``max_stable_lr``; signSGD: (1e-6, 10)/Σ√K_ii).
    n_grid : int, default 13
        Points of the coarse log grid over ``bounds`` (the minimiser is then refined on the two
        cells around the best grid point, which guards against a local minimum). ``0``: a single
        bounded Brent search over the whole interval.
    xatol : float, default 1e-3
        Tolerance of the refinement in log γ (relative tolerance of the step).
    steps : array_like of int, optional
        If given, the result holds the curve at the best step at these steps (one more
        evaluation); the search itself evaluates only ``budget``.
    **curve_options
        Passed to :func:`~deterministic_risk.risk_curve` (``solver``, ``spectrum_method``,
        ``feature_seed`` ...); ``spectrum_method`` and ``feature_seed`` also reach
        ``lr_search_bounds``.

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
    docs/lr_selection.md, 'The ODE-optimal and greedy steps' (oracle constant step found on the
    deterministic curve).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> spec = dr.Spectrum([1.0, 0.1], [0.5, 0.5], floor=0.01, counts=[50, 50])
    >>> best = dr.optimal_lr(spec, dr.SGD, 1000)
    >>> best.success, 0 < best.lr < dr.max_stable_lr(spec)
    (True, True)
    """
    budget = check.positive_int("budget", budget, maximum=2**62)
    n_grid = check.positive_int("n_grid", n_grid, minimum=0)
    xatol = check.positive_float("xatol", xatol)
    if 0 < n_grid < 3:
        raise ValueError(f"n_grid must be 0 or >= 3, got {n_grid}")
    make_optimizer, template = _candidates(optimizer, schedule, budget)
    if bounds is None:
        reduction = {k: curve_options[k] for k in ("spectrum_method", "feature_seed")
                     if k in curve_options}
        bounds = template.lr_search_bounds(problem, budget, **reduction)
    lo, hi = check.interval("bounds", bounds)
    options = {"on_divergence": "return", **curve_options}
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


@dataclass(frozen=True, eq=False)
class BudgetStepSearch:
    """Result of :func:`optimal_lrs`: the best constant step of each budget.

    Attributes
    ----------
    budgets : ndarray of int64, shape (m,)
    lr, risk : ndarray, shape (m,)
        Best step and its risk (floor included) at each budget.
    interior : ndarray of bool, shape (m,)
        False where the best step is at an end of the grid (then ``lr`` is that end and ``risk``
        an upper bound of the optimum); widen ``bounds`` there.
    grid : ndarray, shape (n,)
        The steps of the grid.
    grid_risk : ndarray, shape (n, m)
        Their risks at the budgets (``inf`` for a step that diverged or was refused, NaN where
        not computed: with ``unimodal``, at the budgets beyond a step's last needed one).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> spec = dr.Spectrum([1.0, 0.1, 0.01], [0.3, 0.3, 0.3], floor=0.01)
    >>> search = dr.studies.optimal_lrs(spec, dr.SGD(1.0), [10, 1000])
    >>> search.grid_risk.shape, search.interior.tolist()
    ((25, 2), [True, True])
    """

    budgets: NDArray[np.int64]
    lr: NDArray[np.float64]
    risk: NDArray[np.float64]
    interior: NDArray[np.bool_]
    grid: NDArray[np.float64] = field(repr=False)
    grid_risk: NDArray[np.float64] = field(repr=False)


def optimal_lrs(problem: Any, optimizer: Optimizer, budgets: ArrayLike, *,
                bounds: tuple[float, float] | None = None, points_per_decade: float = 6.0,
                unimodal: bool = False, extend_below: int = 0,
                **curve_options: Any) -> BudgetStepSearch:
    r"""The best constant step of every budget, from one log grid of steps.

    The curve of one constant step gives its risk at every budget, so a grid of n steps costs n
    curves however many budgets there are (:func:`optimal_lr` costs a search per budget). At each
    budget the best grid step is refined by the parabola in (log γ, log R) through it and its two
    neighbours (:func:`~deterministic_risk.studies.isoflop_optimum` with the steps in place of
    the model sizes); a vertex that claims more than :data:`VERTEX_CHECK` below the best grid
    risk is checked by a run at its step (next to a stability wall the parabola can lie far
    below every run).

    Parameters
    ----------
    problem : Spectrum, GaussianLeastSquares or PLRF
    optimizer : Optimizer
        Template: the candidates are ``optimizer.with_lr(γ)``.
    budgets : array_like of int
        Iteration counts.
    bounds : (float, float), optional
        Range of the grid; default the optimizer's
        :meth:`~deterministic_risk.Optimizer.lr_search_bounds` at the largest budget.
    points_per_decade : float
        Density of the log grid (the parabola's error in log R shrinks like its spacing cubed).
    unimodal : bool, default False
        Assume that the risk at each budget is unimodal along the grid: the steps are run from
        the smallest up, and a step's curve stops at the last budget where the risk has not yet
        risen from the step two below to the step below (at the others it lies beyond the best
        step and its right neighbour, which are all that the result uses). Each curve is then
        integrated up to that budget only, with the output budgets of the full curve up to it:
        where the assumption holds and the solver does not depend on the horizon (a ``solver``
        given, as in the phase maps; SGD's default switches with it), the result is the same.
    extend_below : int, default 0
        Up to this many decades by which the grid is extended below ``bounds``, about one decade
        at a time (same spacing), at the budgets whose best step is the smallest one so far; the new
        steps are run up to the last such budget only. The result equals that of a grid whose
        lower bound is lowered by the decades used (at the other budgets the best step and its
        neighbours are unchanged).
    **curve_options
        Passed to :func:`~deterministic_risk.risk_curve`.

    Returns
    -------
    BudgetStepSearch

    Notes
    -----
    A step that diverges or that a constructor or :func:`risk_curve` refuses counts as
    :math:`R = \infty` at every budget it was run to.
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer template such as dr.SGD(1.0), got "
                        f"{type(optimizer).__name__}")
    budgets = check.steps_array(budgets)
    if budgets[0] < 1:
        raise ValueError("budgets must be >= 1 iteration")
    density = check.positive_float("points_per_decade", points_per_decade)
    if bounds is None:
        reduction = {k: curve_options[k] for k in ("spectrum_method", "feature_seed")
                     if k in curve_options}
        bounds = optimizer.lr_search_bounds(problem, int(budgets[-1]), **reduction)
    lo, hi = check.interval("bounds", bounds)
    n = max(3, int(math.ceil(density * math.log10(hi / lo))) + 1)
    grid = np.geomspace(lo, hi, n)
    table = np.full((n, budgets.size), np.inf)
    options = {"on_divergence": "return", **curve_options}
    needed = np.ones(budgets.size, dtype=bool)
    for i, lr in enumerate(grid):
        if unimodal and i >= 2:
            # risen from step i-2 to i-1: this step and the larger ones are beyond the best
            # step's right neighbour at that budget
            needed &= ~(table[i - 1] > table[i - 2])
            if not needed.any():
                table[i:] = np.nan
                break
        stop = int(np.flatnonzero(needed)[-1]) + 1
        table[i, stop:] = np.nan
        try:
            # the output budgets up to ``stop`` are those of the full curve: so are its blocks
            curve = risk_curve(problem, optimizer.with_lr(float(lr)), budgets[:stop], **options)
        except ValueError:               # beyond a stability limit
            continue
        if curve.success:
            table[i, :stop] = curve.risk
    extend = check.positive_int("extend_below", extend_below, minimum=0)
    ratio = grid[1] / grid[0]
    per_decade = int(round(math.log(10.0) / math.log(ratio)))
    for _ in range(extend):
        ranked = np.where(np.isnan(table), np.inf, table)
        low = np.isfinite(ranked[0]) & (np.argmin(ranked, axis=0) == 0)
        if not low.any():
            break
        stop = int(np.flatnonzero(low)[-1]) + 1
        steps = grid[0] * ratio ** -np.arange(per_decade, 0, -1, dtype=np.float64)
        rows = np.full((steps.size, budgets.size), np.nan)
        for row, lr in zip(rows, steps):
            row[:stop] = np.inf
            curve = risk_curve(problem, optimizer.with_lr(float(lr)), budgets[:stop], **options)
            if curve.success:
                row[:stop] = curve.risk
        grid = np.concatenate([steps, grid])
        table = np.concatenate([rows, table])
    lr_best, risk, interior = isoflop_optimum(budgets.astype(np.float64), grid, table)
    ranked = np.where(np.isnan(table), np.inf, table)
    lr_best, risk = _checked_vertices(problem, lambda lr, n: optimizer.with_lr(lr), budgets,
                                      grid[np.argmin(ranked, axis=0)], ranked.min(axis=0),
                                      lr_best, risk, options)
    return BudgetStepSearch(budgets, lr_best, risk, interior, grid, table)


#: A parabola vertex that claims a risk more than this fraction below the best grid point is
#: checked by a run at its step (docs/signsgd_phase_plane.md, "The step refinement").
VERTEX_CHECK = 0.02


def _checked_vertices(problem: Any, make: Callable[[float, int], Optimizer],
                      budgets: NDArray[np.int64], grid_lr: NDArray, grid_risk: NDArray,
                      lr: NDArray, risk: NDArray, options: dict) -> tuple[NDArray, NDArray]:
    r"""Replace parabola vertices that are not supported by a run.

    The vertex of the parabola in (log γ, log R) through the best grid step and its neighbours
    is only an estimate; next to a stability wall (a neighbour's risk orders of magnitude above)
    the three points are far from a parabola and the vertex can lie far below every run (found:
    a factor 3.4 below the best grid risk for SGD at (α, β, d) = (1.35, 0.1, 800)). Where the
    vertex claims more than :data:`VERTEX_CHECK` below the best grid risk, the schedule is run at
    the vertex step: its risk is kept if it beats the grid, else the best grid step and risk.
    """
    lr, risk = lr.copy(), risk.copy()
    for j in np.flatnonzero(risk < grid_risk * (1 - VERTEX_CHECK)):
        n = int(budgets[j])
        try:
            curve = risk_curve(problem, make(float(lr[j]), n), [n], **options)
            run = float(curve.risk[-1]) if curve.success else np.inf
        except ValueError:               # beyond a stability limit
            run = np.inf
        if run < grid_risk[j]:
            risk[j] = run
        else:
            lr[j], risk[j] = grid_lr[j], grid_risk[j]
    return lr, risk


def schedule_peaks(problem: Any, optimizer: Optimizer, schedule: Callable[[float, float], Any],
                   budgets: ArrayLike, base_lrs: ArrayLike, *,
                   multipliers: ArrayLike = (1.0, 2.0, 4.0, 8.0),
                   **curve_options: Any) -> BudgetStepSearch:
    r"""The best peak of a schedule for every budget, from a few multiples of a reference step.

    A schedule that ends at its budget (WSD, stable–decay) needs one run per (peak, budget), so a
    log grid over the whole stable range (:func:`optimal_lrs`) costs too much; the best peak lies
    near the best constant step of the same budget, and above it (the decay removes the noise a
    larger step leaves behind). Each budget is run at ``base_lrs · multipliers`` and the best
    multiplier is refined by the parabola in (log m, log R) through it and its two neighbours
    (:func:`~deterministic_risk.studies.isoflop_optimum` with the multipliers in place of the
    model sizes), and checked by a run as in :func:`optimal_lrs`.

    Parameters
    ----------
    problem : Spectrum, GaussianLeastSquares or PLRF
    optimizer : Optimizer
        Template: the candidates are ``optimizer.with_lr(schedule(peak, budget))``.
    schedule : callable
        ``schedule(peak, total) -> Schedule``, for example ``dr.studies.STABLE_DECAY``.
    budgets : array_like of int, shape (m,)
        Iteration counts, increasing.
    base_lrs : array_like, shape (m,)
        Reference step of each budget (typically the best constant step, :func:`optimal_lrs`).
    multipliers : array_like, shape (n,)
        Increasing factors applied to ``base_lrs`` (at least 3).
    **curve_options
        Passed to :func:`~deterministic_risk.risk_curve`.

    Returns
    -------
    BudgetStepSearch
        ``lr`` the best peak of each budget; ``interior`` False where the best multiplier is an
        end of ``multipliers`` (``risk`` is then an upper bound); ``grid`` the multipliers and
        ``grid_risk`` their risks (``inf`` for a run that diverged or was refused).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> spec = dr.Spectrum([1.0, 0.1, 0.01], [0.3, 0.3, 0.3], floor=0.01)
    >>> const = dr.studies.optimal_lrs(spec, dr.SGD(1.0), [100, 1000])
    >>> wsd = dr.studies.schedule_peaks(spec, dr.SGD(1.0), dr.studies.STABLE_DECAY, [100, 1000],
    ...                                 const.lr, multipliers=[0.5, 1.0, 1.5, 1.9])
    >>> bool(np.all(wsd.risk <= const.risk))
    True
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer template such as dr.SGD(1.0), got "
                        f"{type(optimizer).__name__}")
    check.schedule_factory("schedule", schedule)
    budgets = check.steps_array(budgets)
    if budgets[0] < 1:
        raise ValueError("budgets must be >= 1 iteration")
    base = check.float_array("base_lrs", base_lrs, ndim=1)
    if base.shape != budgets.shape or np.any(~(base > 0)) or np.any(~np.isfinite(base)):
        raise ValueError(f"base_lrs must hold one finite step > 0 per budget ({budgets.size}), "
                         f"got shape {base.shape}")
    mult = check.increasing_positive("multipliers", multipliers, at_least=3)
    table = np.full((mult.size, budgets.size), np.inf)
    options = {"on_divergence": "return", **curve_options}
    for j, (n, b) in enumerate(zip(budgets, base)):
        for i, m in enumerate(mult):
            try:
                curve = risk_curve(problem, optimizer.with_lr(schedule(float(b * m), float(n))),
                                   [int(n)], **options)
            except ValueError:               # beyond a stability limit
                continue
            if curve.success:
                table[i, j] = curve.risk[-1]
    m_best, risk, interior = isoflop_optimum(budgets.astype(np.float64), mult, table)
    best = np.argmin(table, axis=0)
    peak, risk = _checked_vertices(
        problem, lambda p, n: optimizer.with_lr(schedule(p, float(n))), budgets, base * mult[best],
        table.min(axis=0), base * m_best, risk, options)
    return BudgetStepSearch(budgets, peak, risk, interior, mult, table)


# -- greedy schedules ------------------------------------------------------------------------------

def greedy_risk_curve(problem: Any, optimizer: Optimizer, steps: ArrayLike,
                      **options: Any) -> GreedyCurve:
    r"""Deterministic risk under the optimizer's greedy step, the one that maximises the
    instantaneous risk decrease (``optimizer.greedy_curve``; the optimizer's own step is not used).

    SGD: the exact recursion with :math:`\gamma_k = S_1/[(1+1/B)S_2 + RT_2/B]`
    (:func:`~deterministic_risk.optimizers.sgd.greedy_step`). signSGD: the mode ODE with
    :math:`\gamma^\ast = 2\varphi(R)\sum_j\lambda_j^2v_j/\sum_j\lambda_j\kappa_j` (docs/signsgd.md,
    'Limiting risk and schedules'). The greedy step depends on the whole mode state, not on R
    alone, so it has no finite-d counterpart without an oracle. It is myopic: on an isotropic
    problem (one eigenvalue) it is the optimal schedule for every horizon, in general not.

    Parameters
    ----------
    problem : Spectrum, GaussianLeastSquares or PLRF
    optimizer : Optimizer
        Which dynamics (``dr.SGD(1.0, batch=B)`` supplies B).
    steps : array_like of int
    **options
        Passed to ``optimizer.greedy_curve`` (``spectrum_method``, ``feature_seed``; ``rtol`` for
        signSGD).

    Returns
    -------
    GreedyCurve
        ``.curve`` and the greedy steps ``.lr`` at ``steps``.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> spec = dr.Spectrum([1.0], [1.0], counts=[100])
    >>> g = dr.studies.greedy_risk_curve(spec, dr.SGD(1.0), [0, 1])
    >>> round(float(g.lr[0]), 12)              # 1/(2 + 100) with B = 1, no floor
    0.009803921569
    """
    greedy = getattr(optimizer, "greedy_curve", None)
    if greedy is None:
        raise TypeError(f"{type(optimizer).__name__} has no greedy step (greedy_curve); it is "
                        f"derived for SGD and SignSGD")
    return greedy(problem, steps, **options)

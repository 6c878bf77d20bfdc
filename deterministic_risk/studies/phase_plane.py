r"""Measured phase diagrams: compute-optimal exponents on an (α, β) grid beside the symbolic ones.

:func:`phase_map` fits ξ and η at every admissible point of an (α, β) grid from the exact risk
curves (the frontier pipeline of :mod:`.frontier`: IsoFLOP optima over model sizes, power-law fits
with Student-t intervals) and sets them beside the symbolic exponents of
:func:`deterministic_risk.asymptotics.exponent_grid` and the distance of each point to the
nearest symbolic phase boundary (:func:`deterministic_risk.asymptotics.boundary_distance`).

The work is split into **columns** (α, d): the PLRF problems of one α and one model size differ
only in the target β, and share

* the deterministic-equivalent trace measure (nodes, m(x + i0), trace masses), computed once per
  (α, d) and stored on disk (:func:`~deterministic_risk.deterministic_equivalent.trace_measure`);
* for an optimizer whose limit is affine in its initial state (SGD's renewal recursion), one solve
  for every β of the column (:func:`~deterministic_risk.risk_curves`), whenever their steps agree
  (SGD's stable step depends on the eigenvalues and counts only); with a constant step one curve
  serves every budget;
* for signSGD, the inputs of the mode ODE that do not depend on β (the drift-model nodes and
  counts, the law of the diagonal and the noise forcing κ, cached in the worker); the ODE itself
  is solved for each β and step, because its feedback φ(R + R_*) is nonlinear and R_* depends on
  β. The steps are chosen per budget from one log grid of constant steps
  (:func:`~deterministic_risk.studies.optimal_lrs`), whose curves serve every budget.

docs/frontiers.md ("Measured phase maps") derives the sharing and reports its measured savings.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as check
from ..deterministic_equivalent import deterministic_spectrum_family
from ..optimizers.base import Optimizer
from ..problems import PLRF
from ..solve import risk_curve, risk_curves
from ..solvers import (ExponentialFeedback, FeedbackModes, LimitDynamics, LogTimeBlocks,
                       RenewalDynamics, Solver)
from ..spectrum import SpectrumFamily
from ..threads import limit_worker_blas_threads
from ._dispatch import run_tasks
from ._spectra import plrf_traces
from .fitting import isoflop_optimum
from .frontier import Frontier, budget_losses
from .lr_search import optimal_lrs, schedule_peaks
from .registry import name_of, optimizer_named

__all__ = ["PhaseMap", "phase_map", "symbolic_lr_rule", "DEFAULT_D_VALUES", "DEFAULT_FLOPS", "FIT_SIZES",
           "MAP_SOLVERS"]

#: Model sizes of a phase map: 12 values from 200 to 10⁵ (ratio ≈ 1.76).
DEFAULT_D_VALUES = np.unique(np.geomspace(200, 1e5, 12).astype(np.int64))
#: Budgets of a phase map: 10 per decade from 10⁴ to 10¹³.
DEFAULT_FLOPS = np.geomspace(1e4, 1e13, 91)
#: The exponents are fitted over the budgets whose IsoFLOP optimum d* lies in this range of the
#: largest model size: the largest budgets whose optimum is still well inside the sizes
#: (docs/frontiers.md, "Measured phase maps").
FIT_SIZES = (0.02, 0.5)
#: Solvers of a map's curves, by the kind of limit dynamics (any other kind: the optimizer's
#: default). A map fits exponents over decades of budgets, where a relative error of 1e-4 in the
#: risk does not show, so the blocks are longer than the defaults' (measured in
#: docs/frontiers.md: SGD curves move by <= 2e-4 and the fitted ξ, η by <= 2e-5, signSGD curves
#: by <= 2e-4 and ξ, η by < 1e-4; the solves are 1.5x and 4-12x shorter).
MAP_SOLVERS: tuple[tuple[type, Solver], ...] = (
    (RenewalDynamics, LogTimeBlocks(grid_ratio=0.05)),
    (FeedbackModes, ExponentialFeedback(grid_ratio=0.1, rtol=3e-4)))
#: Range of the step grid (``lr="grid"``) as fractions of the optimizer's ``max_stable_lr`` (the
#: default search interval of :meth:`~deterministic_risk.Optimizer.lr_search_bounds`).
GRID_BOUNDS = (1e-4, 1.0 - 1e-6)
#: Decades by which the step grid extends below ``lr_bounds`` at the budgets whose best step is
#: its smallest (``optimal_lrs(extend_below=...)``). signSGD's optimal step falls faster with d
#: than its largest stable one (e* − (1 − ω) = η/(2ξ), docs/signsgd_plrf.md): on the 20 × 20
#: map 10 % of the fitted cells at α ≥ 1.08 had their best step at 10⁻⁴·max_stable_lr
#: (docs/frontiers.md, 'signSGD, 20 × 20').
GRID_EXTENSION = 4


@dataclass(frozen=True, eq=False)
class PhaseMap:
    r"""Measured and symbolic compute-optimal exponents on an (α, β) grid.

    Arrays indexed ``[i, j]`` belong to ``(alphas[i], betas[j])``; points outside the admissible
    region 2α + 2β > 1 hold NaN.

    Attributes
    ----------
    optimizer : str
    alphas : ndarray, shape (na,)
    betas : ndarray, shape (nb,)
    d_values : ndarray, shape (nd,)
    flops : ndarray, shape (nf,)
    losses : ndarray, shape (na, nb, nd, nf)
        Risk of each model size at each budget (the frontier's loss table).
    lrs : ndarray, shape (na, nb, nd)
        Constant step of each model size (NaN with ``lr="grid"``).
    budget_lrs : ndarray, shape (na, nb, nd, nf), optional
        With ``lr="grid"``: the best step of each (d, budget).
    budget_lr_interior : ndarray of bool, shape (na, nb, nd, nf), optional
        With ``lr="grid"``: False where that step is at an end of the grid (the loss is then an
        upper bound of the optimum).
    xi, eta : ndarray, shape (na, nb)
        Measured exponents (IsoFLOP fit over the window; NaN if fewer than 3 budgets qualify).
    xi_ci, eta_ci : ndarray, shape (na, nb, 2)
        Their 95 % confidence intervals.
    windows : ndarray, shape (na, nb, 2)
        Flops window of each fit.
    n_budgets : ndarray of int, shape (na, nb)
        Budgets in each fit.
    xi_theory, eta_theory : ndarray, shape (na, nb)
        Symbolic exponents (NaN where the symbolic table has none).
    phases : ndarray of str, shape (na, nb)
        Symbolic phase names ("" on a boundary or outside the table).
    boundary_distance : ndarray, shape (na, nb)
        Distance to the nearest symbolic phase boundary (capped at 0.1).
    info : dict
        Settings and timings.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> pm = dr.phase_map([1.0, 1.2], [0.3, 0.8], "sgd", d_values=[20, 40, 80, 160, 320],
    ...                   flops=np.geomspace(1e3, 1e7, 25), fit_sizes=(0.05, 0.8),
    ...                   backend="serial")
    >>> pm.eta.shape, bool(np.all(np.abs(pm.eta - pm.eta_theory) < 0.2))
    ((2, 2), True)
    """

    optimizer: str
    alphas: NDArray[np.float64]
    betas: NDArray[np.float64]
    d_values: NDArray[np.float64]
    flops: NDArray[np.float64]
    losses: NDArray[np.float64] = field(repr=False)
    lrs: NDArray[np.float64] = field(repr=False)
    budget_lrs: NDArray[np.float64] | None = field(repr=False)
    budget_lr_interior: NDArray[np.bool_] | None = field(repr=False)
    xi: NDArray[np.float64]
    eta: NDArray[np.float64]
    xi_ci: NDArray[np.float64] = field(repr=False)
    eta_ci: NDArray[np.float64] = field(repr=False)
    windows: NDArray[np.float64] = field(repr=False)
    n_budgets: NDArray[np.int64] = field(repr=False)
    xi_theory: NDArray[np.float64] = field(repr=False)
    eta_theory: NDArray[np.float64] = field(repr=False)
    phases: NDArray[np.str_] = field(repr=False)
    boundary_distance: NDArray[np.float64] = field(repr=False)
    info: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def admissible(self) -> NDArray[np.bool_]:
        """2α + 2β > 1, shape (na, nb)."""
        return 2 * self.alphas[:, None] + 2 * self.betas[None, :] > 1

    def interior(self, margin: float = 0.05) -> NDArray[np.bool_]:
        """Admissible points with a symbolic η farther than ``margin`` from every phase
        boundary."""
        return self.admissible & np.isfinite(self.eta_theory) & (self.boundary_distance > margin)

    def accuracy(self, tol: float = 0.03, margin: float = 0.05) -> tuple[float, NDArray]:
        """Fraction of the interior points (:meth:`interior`) whose measured η is within ``tol``
        of the symbolic η, and the mask of the interior points that are not (a failed fit
        counts as a miss)."""
        inside = self.interior(margin)
        with np.errstate(invalid="ignore"):
            hit = inside & (np.abs(self.eta - self.eta_theory) <= tol)
        n = int(inside.sum())
        return (float(hit.sum()) / n if n else float("nan")), inside & ~hit

    def fitted_steps_at_edge(self) -> tuple[int, int]:
        """With ``lr="grid"``: how many of the (point, budget, size) cells that enter the fits
        (each budget of a fit window, its best size and the two neighbours of the IsoFLOP
        parabola) have their best step at an end of the step grid, and how many cells enter."""
        if self.budget_lr_interior is None:
            return 0, 0
        edge = total = 0
        for i, j in zip(*np.nonzero(self.admissible & (self.n_budgets > 0))):
            lo, hi = self.windows[i, j]
            cols = np.flatnonzero((self.flops >= lo) & (self.flops <= hi))
            best = np.argmin(np.where(np.isfinite(self.losses[i, j]), self.losses[i, j], np.inf),
                             axis=0)
            for c in cols:
                rows = [r for r in (best[c] - 1, best[c], best[c] + 1)
                        if 0 <= r < self.d_values.size]
                total += len(rows)
                edge += int(np.sum(~self.budget_lr_interior[i, j, rows, c]))
        return edge, total

    def frontier(self, i: int, j: int) -> Frontier:
        """The :class:`~deterministic_risk.Frontier` of ``(alphas[i], betas[j])`` (from the
        stored loss table, with the map's fit window)."""
        if not self.admissible[i, j]:
            raise ValueError(f"(alpha, beta) = ({self.alphas[i]}, {self.betas[j]}) is outside "
                             f"the admissible region 2*alpha + 2*beta > 1")
        window = tuple(self.windows[i, j])
        budget_lrs = None if self.budget_lrs is None else self.budget_lrs[i, j]
        return Frontier.from_losses(self.alphas[i], self.betas[j], self.optimizer, self.d_values,
                                    self.flops, self.losses[i, j], self.lrs[i, j],
                                    fit_window=window, budget_lrs=budget_lrs)

    def to_npz(self, path: str | Path) -> None:
        """Save the map to ``path`` (``.npz``)."""
        arrays = {k: getattr(self, k) for k in _ARRAYS}
        if self.budget_lrs is not None:
            arrays["budget_lrs"] = self.budget_lrs
            arrays["budget_lr_interior"] = self.budget_lr_interior
        np.savez(path, optimizer=self.optimizer, info=json.dumps(self.info), **arrays)

    @classmethod
    def from_npz(cls, path: str | Path) -> "PhaseMap":
        """Load a map written by :meth:`to_npz`.

        The measurements are read as stored; the symbolic exponents, phase names and boundary
        distances are recomputed by the current symbolic solver, so that a stored map is always
        compared with the package's present theory.
        """
        with np.load(path) as z:
            arrays = {k: z[k] for k in _ARRAYS}
            grid = {k: z[k] if k in z else None for k in ("budget_lrs", "budget_lr_interior")}
            name = str(z["optimizer"])
            info = json.loads(str(z["info"]))
        symbolic = _symbolic_columns(name, arrays["alphas"], arrays["betas"])
        for key, value in zip(("xi_theory", "eta_theory", "phases", "boundary_distance"),
                              symbolic):
            arrays[key] = value
        return cls(name, info=info, **grid, **arrays)

    def __repr__(self) -> str:
        share, _ = self.accuracy()
        return (f"PhaseMap({self.optimizer}, {self.alphas.size} x {self.betas.size} (alpha, beta), "
                f"{int(self.admissible.sum())} admissible, {int(self.interior().sum())} interior, "
                f"|eta - symbolic| <= 0.03 at {share:.0%} of them)")


_ARRAYS = ("alphas", "betas", "d_values", "flops", "losses", "lrs", "xi", "eta", "xi_ci",
           "eta_ci", "windows", "n_budgets", "xi_theory", "eta_theory", "phases",
           "boundary_distance")


def _symbolic_columns(name: str, alphas: NDArray, betas: NDArray):
    """ξ, η, phase names and boundary distances of the symbolic solver on the (α, β) grid (NaN
    and empty names for an optimizer without symbolic exponents)."""
    from .. import asymptotics      # sympy: imported when a map is made or loaded

    aa, bb = np.meshgrid(alphas, betas, indexing="ij")
    if name not in asymptotics.OPTIMIZERS:
        nan = np.full(aa.shape, np.nan)
        return nan, nan.copy(), np.full(aa.shape, ""), nan.copy()
    xi_t, eta_t, names = asymptotics.exponent_grid(name, aa, bb)
    distance = asymptotics.boundary_distance(name, aa, bb)
    phases = np.array(["" if n is None else str(n) for n in names.ravel()]).reshape(aa.shape)
    return xi_t, eta_t, phases, distance


@dataclass(frozen=True)
class _Column:
    """One unit of work: every β of one (α, d)."""

    optimizer: Optimizer
    alpha: float
    d: int
    v: int
    betas: tuple[float, ...]
    flops: tuple[float, ...]
    lr: str | float
    lr_bounds: tuple[float, float]
    points_per_decade: float
    solver: Solver | None
    curve_options: tuple[tuple[str, Any], ...]
    schedule: Any = None
    peak_multipliers: tuple[float, ...] = ()

    def key(self) -> str:
        parts = [_code_version(), repr(self.optimizer), self.alpha, self.d, self.v,
                 self.betas, self.flops, self.lr, self.lr_bounds,
                 self.points_per_decade, repr(self.solver), repr(self.curve_options)]
        if self.schedule is not None:
            parts += [repr(self.schedule), self.peak_multipliers]
        text = json.dumps(parts)
        return hashlib.sha1(text.encode()).hexdigest()[:20]


@functools.lru_cache(maxsize=1)
def _code_version() -> str:
    """Hash of the sources a column's numbers depend on (a change invalidates stored columns)."""
    root = Path(__file__).parent.parent
    h = hashlib.sha1()
    for path in sorted([*root.glob("*.py"), *root.glob("optimizers/*.py"),
                        *root.glob("signsgd/*.py"), *root.glob("studies/*.py")]):
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def _solve_column(column: _Column, traces_dir: Path | None = None,
                  worker_blas_threads: int | None = None) -> dict[str, NDArray]:
    """Losses (len(betas), len(flops)), steps and timing of one column."""
    limit_worker_blas_threads(worker_blas_threads)
    t0 = time.perf_counter()
    template = column.optimizer
    flops = np.asarray(column.flops)
    betas = column.betas
    k = flops / (column.d * template.batch)
    ok = k >= 1
    losses = np.full((len(betas), flops.size), np.inf)
    lrs = np.full(len(betas), np.nan)
    budget_lrs = np.full(losses.shape, np.nan) if column.lr == "grid" else None
    interior = np.zeros(losses.shape, dtype=bool) if column.lr == "grid" else None
    n_solves = 0
    if ok.any():
        options = dict(column.curve_options)
        reduction = {k_: options[k_] for k_ in ("spectrum_method", "feature_seed") if k_ in options}
        problems = [PLRF(column.alpha, b, column.d, v=column.v) for b in betas]
        family = None
        if template.rotation_invariant:
            # the limit depends on the spectrum alone: one trace measure for the column
            traces = plrf_traces([(column.alpha, column.d, column.v)], cache_dir=traces_dir)
            family = deterministic_spectrum_family(problems,
                                                   trace=traces[(column.alpha, column.d, column.v)])
            targets = [family.member(j) for j in range(len(betas))]
            reduction, options = {}, {}
        else:
            targets = problems
        if column.lr == "grid":
            n_b = np.maximum(1, np.rint(k[ok])).astype(np.int64)
            for j, target in enumerate(targets):
                top = template.max_stable_lr(target, **reduction)
                bounds = (column.lr_bounds[0] * top, column.lr_bounds[1] * top)
                solver = _solver(column.solver, template.with_lr(bounds[0]), target, n_b, options)
                search = optimal_lrs(target, template, n_b, bounds=bounds,
                                     points_per_decade=column.points_per_decade, unimodal=True,
                                     extend_below=GRID_EXTENSION, solver=solver, **options)
                n_solves += int(np.any(~np.isnan(search.grid_risk), axis=1).sum())
                if column.schedule is not None:
                    # the best peak of each budget near the best constant step of that budget
                    search = schedule_peaks(target, template, column.schedule, search.budgets,
                                            search.lr, multipliers=column.peak_multipliers,
                                            solver=solver, **options)
                    n_solves += search.grid_risk.size
                at = np.searchsorted(search.budgets, n_b)
                losses[j, ok] = search.risk[at]
                budget_lrs[j, ok] = search.lr[at]
                interior[j, ok] = search.interior[at]
        else:
            steps = np.unique(np.concatenate([[1], np.ceil(k[ok]).astype(np.int64)]))
            for j, target in enumerate(targets):
                lrs[j] = (template.stable_lr(target, **reduction) if column.lr == "stable"
                          else column.lr)
            for lr in np.unique(lrs):
                members = np.flatnonzero(lrs == lr)
                opt = template.with_lr(float(lr))
                first = targets[int(members[0])]
                solver = _solver(column.solver, opt, first, steps, options)
                if family is not None and opt.limit_dynamics(first).affine_in_initial_state:
                    group = SpectrumFamily(family.eigenvalues, family.weights[:, members],
                                           family.floors[members], counts=family.counts)
                    curves = risk_curves(group, opt, steps, on_divergence="return",
                                         solver=solver)
                    n_solves += 1
                else:
                    curves = [risk_curve(targets[j], opt, steps, on_divergence="return",
                                         solver=solver, **options) for j in members]
                    n_solves += members.size
                for j, curve in zip(members, curves):
                    losses[j, ok] = budget_losses(curve, k[ok])
    return {"losses": losses, "lrs": lrs, "budget_lrs": budget_lrs, "budget_lr_interior": interior,
            "seconds": time.perf_counter() - t0, "solves": n_solves}


def _solver(given: Solver | None, optimizer: Optimizer, target: Any, steps: NDArray[np.int64],
            options: dict) -> Solver:
    """``given``, else the :data:`MAP_SOLVERS` entry of the optimizer's dynamics on ``target``,
    else the optimizer's default solver."""
    if given is not None:
        return given
    dynamics: LimitDynamics = optimizer.limit_dynamics(target, **options)
    for kind, solver in MAP_SOLVERS:
        if isinstance(dynamics, kind):
            return solver
    return optimizer.default_solver(dynamics, steps)


def _load_column(path: Path) -> dict[str, NDArray] | None:
    try:
        with np.load(path) as z:
            out = {k: z[k] for k in ("losses", "lrs", "seconds", "solves")}
            for k in ("budget_lrs", "budget_lr_interior"):
                out[k] = z[k] if k in z else None
            return out
    except (OSError, KeyError, ValueError):   # unreadable or partial file: recompute it
        return None


def _save_column(path: Path, result: dict[str, NDArray]) -> None:
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **{k: v for k, v in result.items() if v is not None})
    os.replace(tmp, path)


def symbolic_lr_rule(name: str) -> str:
    """The step convention of the symbolic exponents: the stable step where the theory fixes the
    step scaling (SGD), else the best constant step of each budget (signSGD optimises it).

    Examples
    --------
    >>> from deterministic_risk.studies.phase_plane import symbolic_lr_rule
    >>> symbolic_lr_rule("sgd"), symbolic_lr_rule("signsgd")
    ('stable', 'grid')
    """
    from .. import asymptotics

    if name in asymptotics.OPTIMIZERS and len(asymptotics.problem(name).variables) == 1:
        return "stable"
    return "grid"


def phase_map(alphas: ArrayLike, betas: ArrayLike, optimizer: str | Optimizer = "sgd", *,
              d_values: ArrayLike = DEFAULT_D_VALUES, flops: ArrayLike = DEFAULT_FLOPS,
              lr: str | float | None = None, lr_bounds: tuple[float, float] = GRID_BOUNDS,
              points_per_decade: float = 4.0, schedule: Any = None,
              peak_multipliers: ArrayLike = (1.0, 2.0, 4.0, 8.0), fit_sizes: tuple[float, float] = FIT_SIZES,
              batch: int = 1, v_ratio: float = 4.0, solver: Solver | None = None,
              curve_options: dict[str, Any] | None = None, backend: str = "local",
              max_workers: int | None = None, client: Any = None,
              worker_blas_threads: int | None = 1, cache_dir: str | Path | None = None,
              progress: bool | None = None) -> PhaseMap:
    r"""Compute-optimal exponents measured on an (α, β) grid, with the symbolic ones.

    Every admissible point gets the frontier of :func:`~deterministic_risk.compute_optimal`
    (risk of every model size at every budget, IsoFLOP optimum, power-law fits), computed by
    (α, d) columns that share their work across β (module notes).

    Parameters
    ----------
    alphas, betas : array_like, 1-d
        Grid values; points with 2α + 2β ≤ 1 are left out (NaN).
    optimizer : str or Optimizer
        A registered name (``"sgd"``, ``"signsgd"``) or an optimizer template whose step the
        ``lr`` rule sets.
    d_values : array_like of int
        Model sizes (v = ``v_ratio``·d).
    flops : array_like
        Budgets f = d·B·k.
    lr : "stable", "grid" or float, optional
        ``"stable"``: the optimizer's stable step for each (α, β, d) (SGD: ½ of the kernel-norm
        limit, as the SGD phases assume). ``"grid"``: the best constant step of each (d, budget)
        from a log grid of ``points_per_decade`` over ``lr_bounds`` (fractions of
        ``max_stable_lr``), refined by a parabola (:func:`~deterministic_risk.studies.optimal_lrs`),
        as the signSGD phases assume. Default: the convention of the optimizer's symbolic
        exponents (``"stable"`` for SGD, ``"grid"`` for signSGD).
    lr_bounds : (float, float)
        Range of the step grid, as fractions of ``max_stable_lr``; at the budgets whose best step
        is the lowest, the grid extends below it by up to :data:`GRID_EXTENSION` decades.
    points_per_decade : float
        Density of the step grid.
    schedule : callable, optional
        ``schedule(peak, total) -> Schedule`` ending at each budget (for example
        ``dr.studies.STABLE_DECAY``, a WSD schedule with a 20 % linear decay; picklable, with a
        ``repr`` that identifies it, for the process pool and the cache). Needs ``lr="grid"``:
        each (d, budget) is then its own run, at the best constant step of that budget times
        each of ``peak_multipliers``, refined by a parabola
        (:func:`~deterministic_risk.studies.schedule_peaks`); ``budget_lrs`` holds the peaks.
    peak_multipliers : array_like
        Increasing factors of the best constant step tried as peaks (at least 3).
    fit_sizes : (float, float)
        The exponents are fitted over the budgets whose IsoFLOP optimum d* lies in
        [fit_sizes[0], fit_sizes[1]] · max(d_values).
    batch : int
        Batch size B (for a named optimizer).
    v_ratio : float
        v/d.
    solver : Solver, optional
        Solver of the risk curves (default: :data:`MAP_SOLVERS` by the kind of the optimizer's
        limit dynamics, else the optimizer's default solver).
    curve_options : dict, optional
        Further options of the optimizer's ``limit_dynamics`` (signSGD: ``n_nodes``).
    backend : {"local", "dask", "serial"}
        ``"local"``: a process pool (``max_workers``, default all cores, each with
        ``worker_blas_threads`` BLAS threads); ``"dask"``: a Dask distributed ``client`` (a
        ``Client`` or a scheduler address; needs the ``dask`` extra); ``"serial"``: this process.
    cache_dir : path, optional
        Each finished column is stored there (``columns/<key>.npz``) and loaded instead of
        recomputed, so an interrupted map resumes; with the local backends the trace measures go
        to its ``spectra`` subdirectory, where other β and other maps of the same (α, d) find them.
    progress : bool, optional
        tqdm progress bar over the columns (default: when standard error is a terminal).

    Returns
    -------
    PhaseMap

    Raises
    ------
    ValueError
        For an empty or non-finite grid, fewer than 3 model sizes, an unknown ``lr`` rule or
        backend, or no admissible point.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> pm = dr.phase_map([1.0], [0.3, 0.8], "sgd", d_values=[20, 40, 80, 160, 320],
    ...                   flops=np.geomspace(1e3, 1e7, 25), fit_sizes=(0.05, 0.8),
    ...                   backend="serial")
    >>> pm.phases.tolist(), np.round(pm.eta_theory, 4).tolist()
    ([['Ia', 'II']], [[0.5333, 0.7222]])
    """
    from tqdm import tqdm

    from .. import asymptotics

    alphas = check.float_array("alphas", alphas, ndim=1)
    betas = check.float_array("betas", betas, ndim=1)
    if alphas.size == 0 or betas.size == 0:
        raise ValueError("alphas and betas must each hold at least one value")
    if np.any(alphas <= 0):
        raise ValueError(f"alphas must be > 0, got {alphas.min()}")
    d_values = np.unique(np.asarray(d_values, dtype=np.int64))
    if d_values.size < 3 or d_values[0] < 1:
        raise ValueError("d_values must hold at least 3 distinct model sizes >= 1")
    flops = np.unique(check.float_array("flops", flops, ndim=1))
    if flops.size < 3 or np.any(flops <= 0):
        raise ValueError("flops must hold at least 3 budgets > 0")
    template = optimizer_named(optimizer, 1.0, batch) if isinstance(optimizer, str) else optimizer
    if not isinstance(template, Optimizer):
        raise TypeError(f"optimizer must be a name or an Optimizer, got {type(optimizer).__name__}")
    name = name_of(template)
    lr = symbolic_lr_rule(name) if lr is None else lr
    if isinstance(lr, str) and lr not in ("stable", "grid"):
        raise ValueError(f"lr must be 'stable', 'grid' or a number, got {lr!r}")
    if not isinstance(lr, str):
        lr = check.positive_float("lr", lr)
    multipliers: tuple[float, ...] = ()
    if schedule is not None:
        check.schedule_factory("schedule", schedule)
        if lr != "grid":
            raise ValueError(f"schedule needs lr='grid' (the peak is searched per budget), "
                             f"got lr={lr!r}")
        mult = check.increasing_positive("peak_multipliers", peak_multipliers, at_least=3)
        multipliers = tuple(float(m) for m in mult)
    lo, hi = check.interval("lr_bounds", lr_bounds)
    points_per_decade = check.positive_float("points_per_decade", points_per_decade)
    f_lo, f_hi = check.interval("fit_sizes", fit_sizes)
    v_ratio = check.positive_float("v_ratio", v_ratio)
    if v_ratio <= 1:
        raise ValueError(f"v_ratio must be > 1, got {v_ratio}")
    if backend not in ("local", "dask", "serial"):
        raise ValueError(f"backend must be 'local', 'dask' or 'serial', got {backend!r}")
    if worker_blas_threads is not None:
        worker_blas_threads = check.positive_int("worker_blas_threads", worker_blas_threads)
    admissible = 2 * alphas[:, None] + 2 * betas[None, :] > 1
    if not admissible.any():
        raise ValueError("no (alpha, beta) of the grid is admissible (2*alpha + 2*beta > 1)")
    options = tuple(sorted((curve_options or {}).items()))

    columns = []
    for i, a in enumerate(alphas):
        col_betas = tuple(float(b) for b in betas[admissible[i]])
        if not col_betas:
            continue
        for d in d_values:
            columns.append(_Column(template, float(a), int(d), int(round(v_ratio * d)), col_betas,
                                   tuple(float(f) for f in flops), lr, (lo, hi),
                                   points_per_decade, solver, options, schedule, multipliers))
    # the largest sizes and α (the most DE nodes) first, so that no worker is left with them
    columns.sort(key=lambda c: (-c.d, -c.alpha))
    cache = Path(cache_dir) if cache_dir is not None else None
    spectra_dir = cache / "spectra" if cache is not None else None
    results: dict[tuple[float, int], dict] = {}
    todo = []
    for col in columns:
        loaded = None
        if cache is not None:
            (cache / "columns").mkdir(parents=True, exist_ok=True)
            path = cache / "columns" / f"{col.key()}.npz"
            loaded = _load_column(path) if path.exists() else None
        if loaded is None:
            todo.append(col)
        else:
            results[(col.alpha, col.d)] = loaded
    show = sys.stderr.isatty() if progress is None else bool(progress)
    bar = tqdm(total=len(todo), disable=not show, desc=f"phase map ({name}), (alpha, d) columns")
    t0 = time.perf_counter()

    def done(col: _Column, result: dict) -> None:
        results[(col.alpha, col.d)] = result
        if cache is not None:
            _save_column(cache / "columns" / f"{col.key()}.npz", result)
        bar.update(1)

    try:
        run_tasks(_solve_column, todo, done, backend=backend, max_workers=max_workers,
                  client=client, shared_dir=spectra_dir, worker_blas_threads=worker_blas_threads)
    finally:
        bar.close()
    wall = time.perf_counter() - t0

    na, nb, nd, nf = alphas.size, betas.size, d_values.size, flops.size
    losses = np.full((na, nb, nd, nf), np.nan)
    lrs = np.full((na, nb, nd), np.nan)
    budget_lrs = np.full(losses.shape, np.nan) if lr == "grid" else None
    lr_interior = np.zeros(losses.shape, dtype=bool) if lr == "grid" else None
    column_seconds = 0.0
    solves = 0
    for i, a in enumerate(alphas):
        where = np.flatnonzero(admissible[i])
        for m, d in enumerate(d_values):
            res = results.get((float(a), int(d)))
            if res is None:
                continue
            losses[i, where, m] = res["losses"]
            lrs[i, where, m] = res["lrs"]
            if budget_lrs is not None:
                budget_lrs[i, where, m] = res["budget_lrs"]
                lr_interior[i, where, m] = res["budget_lr_interior"]
            column_seconds += float(res["seconds"])
            solves += int(res["solves"])
    xi = np.full((na, nb), np.nan)
    eta = np.full((na, nb), np.nan)
    xi_ci = np.full((na, nb, 2), np.nan)
    eta_ci = np.full((na, nb, 2), np.nan)
    windows = np.full((na, nb, 2), np.nan)
    n_budgets = np.zeros((na, nb), dtype=np.int64)
    sizes = (f_lo * d_values[-1], f_hi * d_values[-1])
    for i, j in zip(*np.nonzero(admissible)):
        table = losses[i, j]
        d_star, _, inside = isoflop_optimum(flops, d_values, table)
        use = inside & (d_star >= sizes[0]) & (d_star <= sizes[1])
        if use.any():
            windows[i, j] = flops[use].min(), flops[use].max()
        fit = Frontier.from_losses(alphas[i], betas[j], name, d_values, flops, table, lrs[i, j],
                                   fit_window=tuple(windows[i, j])).fits["isoflop"]
        xi[i, j], eta[i, j] = fit.xi, fit.eta
        xi_ci[i, j], eta_ci[i, j] = fit.xi_ci, fit.eta_ci
        n_budgets[i, j] = fit.n_budgets

    xi_t, eta_t, phases, distance = _symbolic_columns(name, alphas, betas)
    info = {"lr": lr, "lr_bounds": [lo, hi], "points_per_decade": points_per_decade,
            "schedule": None if schedule is None else repr(schedule),
            "peak_multipliers": list(multipliers),
            "fit_sizes": [f_lo, f_hi], "batch": int(template.batch), "v_ratio": v_ratio,
            "optimizer": repr(template), "solver": repr(solver), "curve_options": repr(options),
            "columns": len(columns), "columns_computed": len(todo), "solves": solves,
            "wall_seconds": wall, "column_seconds": column_seconds, "backend": backend}
    return PhaseMap(name, alphas, betas, d_values.astype(np.float64), flops, losses, lrs,
                    budget_lrs, lr_interior, xi, eta, xi_ci, eta_ci, windows, n_budgets, xi_t,
                    eta_t, phases, distance, info)

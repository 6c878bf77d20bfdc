r"""Optimizers side by side on PLRF at a compute budget, with steps searched on the risk ODEs.

:func:`compare_at_budget` finds the best constant and the best WSD step of each optimizer at one
budget; :func:`scaling_study` runs the frontier pipeline with a step searched for every
(d, budget) and fits the slope of the lower envelope (docs/signsgd_plrf.md, 'Theory' and 'The WSD
claim'; Kim, Song, Yun, arXiv 2603.02069).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as check
from ..optimizers.base import Optimizer
from ..problems import PLRF
from ..schedules import WSD
from ..solve import risk_curve
from .frontier import LOG_LR_TOL, Frontier, compute_optimal
from .lr_search import optimal_lr
from .registry import optimizer_named

__all__ = ["BudgetComparison", "compare_at_budget", "ScalingStudy", "scaling_study",
           "STABLE_DECAY"]

#: The default WSD of the comparisons: no warmup, linear decay to 0 over the last 20 % (the
#: "stable-decay" preset, docs/signsgd_plrf.md, 'PLRF as least squares with Gaussian noise').
STABLE_DECAY = functools.partial(WSD.stable_decay, decay_frac=0.2)

#: Search interval of the comparisons, as fractions of the optimizer's ``max_stable_lr``.
SEARCH_FRACTIONS = (1e-6, 0.99)


def _reduced(problem: PLRF, optimizer: Optimizer, spectrum_method: str | None
             ) -> tuple[Any, dict]:
    """The problem as the optimizer's limit needs it: the spectrum for a rotation-invariant
    optimizer, else the problem with its reduction option."""
    if optimizer.rotation_invariant:
        return problem.to_spectrum(method=spectrum_method), {}
    return problem, ({} if spectrum_method is None else {"spectrum_method": spectrum_method})


def _takes(optimizer: Optimizer, option: str) -> bool:
    return option in inspect.signature(optimizer.limit_dynamics).parameters


def _best_lr(problem: PLRF, optimizer: Optimizer, steps: int, schedule, spectrum_method,
             n_nodes) -> tuple[float, float]:
    target, options = _reduced(problem, optimizer, spectrum_method)
    if n_nodes is not None and _takes(optimizer, "n_nodes"):
        options["n_nodes"] = n_nodes
    top = optimizer.max_stable_lr(target, **{k: v for k, v in options.items()
                                             if k == "spectrum_method"})
    search = optimal_lr(target, optimizer, steps, schedule=schedule,
                        bounds=(SEARCH_FRACTIONS[0] * top, SEARCH_FRACTIONS[1] * top), n_grid=0,
                        xatol=LOG_LR_TOL, **options)
    return search.lr, search.risk


@dataclass(frozen=True, eq=False)
class BudgetComparison:
    r"""SGD and signSGD on one PLRF problem at one compute budget, steps searched on the ODEs.

    Attributes
    ----------
    problem : PLRF
    flops : float
        Budget f = d·N (B = 1).
    steps : int
        N = f/d.
    lrs : dict
        Best (peak) step of ``("sgd"|"signsgd", "constant"|"wsd")``.
    risks : dict
        Risk at N with that step.
    curves : dict of RiskCurve
        Risk curves (``curve.flops()`` gives the compute axis).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> cmp = dr.studies.compare_at_budget(dr.PLRF(1.0, 0.3, d=50), 1e4, optimizers=("sgd",),
    ...                                    n_points=20)
    >>> sorted(cmp.lrs)
    [('sgd', 'constant'), ('sgd', 'wsd')]
    """

    problem: PLRF
    flops: float
    steps: int
    lrs: dict
    risks: dict
    curves: dict = field(repr=False)

    def __repr__(self) -> str:
        rows = ", ".join(f"{k[0]}/{k[1]}: lr={self.lrs[k]:.3g} R={self.risks[k]:.4g}"
                         for k in self.lrs)
        return f"BudgetComparison(d={self.problem.d}, f={self.flops:.3g}; {rows})"


def compare_at_budget(problem: PLRF, flops: float, *,
                      optimizers: Sequence[str | Optimizer] = ("sgd", "signsgd"),
                      schedule: Callable[[float, float], object] = STABLE_DECAY,
                      spectrum_method: str | None = None, n_points: int = 120,
                      n_nodes: int | None = None) -> BudgetComparison:
    r"""Best constant and best WSD steps of each optimizer at a budget, with their curves.

    Parameters
    ----------
    problem : PLRF
    flops : float
        Compute budget f = d·N (B = 1, package convention); N = round(f/d) >= 1.
    optimizers : sequence of str or Optimizer
        Registered names or optimizers (their step is searched).
    schedule : callable
        ``schedule(peak, total)`` for the WSD runs (default :data:`STABLE_DECAY`).
    spectrum_method : str, optional
        How the problem is reduced (default: the deterministic equivalent / large-d model).
    n_points : int
        Log-spaced output iterations of each curve.
    n_nodes : int, optional
        Node merging of a DE model during the search (optimizers that take ``n_nodes``:
        signSGD); the curves use all nodes.

    Returns
    -------
    BudgetComparison

    Notes
    -----
    Each step minimises :math:`\log R(N)` over :math:`\log\gamma` (bounded Brent, tolerance
    ``LOG_LR_TOL``) in (1e-6, 0.99) × the optimizer's ``max_stable_lr``.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> cmp = dr.studies.compare_at_budget(dr.PLRF(1.0, 0.3, d=50), 2e4, n_points=20,
    ...                                    n_nodes=100)
    >>> sorted(cmp.lrs)
    [('sgd', 'constant'), ('sgd', 'wsd'), ('signsgd', 'constant'), ('signsgd', 'wsd')]
    """
    flops = check.positive_float("flops", flops)
    n = max(1, int(round(flops / problem.d)))
    grid = np.unique(np.concatenate([[0], np.geomspace(1, n, n_points).astype(np.int64), [n]]))
    lrs, risks, curves = {}, {}, {}
    for spec in optimizers:
        name, opt = _named(spec)
        for kind, sched in (("constant", None), ("wsd", schedule)):
            lr, _ = _best_lr(problem, opt, n, sched, spectrum_method, n_nodes)
            target, options = _reduced(problem, opt, spectrum_method)
            curve = risk_curve(target, opt.with_lr(lr if sched is None else sched(lr, n)), grid,
                               **options)
            curve.info["d"] = problem.d
            lrs[(name, kind)] = lr
            risks[(name, kind)] = float(curve.risk[-1])
            curves[(name, kind)] = curve
    return BudgetComparison(problem, flops, n, lrs, risks, curves)


def _named(spec: str | Optimizer) -> tuple[str, Optimizer]:
    if isinstance(spec, str):
        return spec, optimizer_named(spec)
    if isinstance(spec, Optimizer):
        return type(spec).__name__, spec
    raise TypeError(f"optimizers must hold names or Optimizer objects, got "
                    f"{type(spec).__name__}")


@dataclass(frozen=True, eq=False)
class ScalingStudy:
    r"""Compute-optimal study of SGD and signSGD (constant and WSD) on PLRF (α, β).

    Attributes
    ----------
    alpha, beta : float
    d_values : ndarray, shape (n_d,)
    flops : ndarray, shape (n_f,)
    losses : dict of ndarray, shape (n_d, n_f)
        Per ``(optimizer, kind)``: the risk at N = f/d with the step tuned for that (d, f)
        (``inf`` where N < 1).
    lrs : dict of ndarray, shape (n_d, n_f)
        The tuned steps.
    envelope : dict of ndarray, shape (n_f,)
        :math:`\min_d` of ``losses`` (the compute-optimal risk on the grid of d).
    eta : dict of float
        Slope of a power-law fit of ``envelope`` against f (over ``fit_window``).
    eta_ci : dict of (float, float)
        95 % intervals of the fits (statistical only: grid effects are not included).
    curves : dict of list of RiskCurve
        Constant-step curves: per d, the curve with the step tuned at the largest budget.
    frontiers : dict of Frontier
        The frontier of each ``(optimizer, kind)``.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> st = dr.studies.scaling_study(1.0, 0.3, [25, 50, 100], np.geomspace(1e3, 1e5, 5),
    ...                               optimizers=("sgd",), kinds=("constant",), n_points=20)
    >>> isinstance(st, dr.studies.ScalingStudy)
    True
    """

    alpha: float
    beta: float
    d_values: NDArray[np.float64]
    flops: NDArray[np.float64]
    losses: dict
    lrs: dict
    envelope: dict
    eta: dict
    eta_ci: dict
    curves: dict = field(repr=False)
    frontiers: dict = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        etas = ", ".join(f"{k[0]}/{k[1]}: {v:.3f}" for k, v in self.eta.items())
        return f"ScalingStudy(alpha={self.alpha}, beta={self.beta}; eta {etas})"


def scaling_study(alpha: float, beta: float, d_values: ArrayLike, flops: ArrayLike, *,
                  optimizers: Sequence[str | Optimizer] = ("sgd", "signsgd"),
                  kinds: Sequence[str] = ("constant", "wsd"),
                  schedule: Callable[[float, float], object] = STABLE_DECAY,
                  fit_window: tuple[float, float] | None = None, n_nodes: int | None = 400,
                  n_points: int = 80) -> ScalingStudy:
    r"""Tuned losses over model sizes and budgets, their lower envelope and its slope η.

    For every optimizer and kind ("constant" or "wsd") this is one
    :func:`~deterministic_risk.compute_optimal` with ``lr="tuned-per-budget"`` (each (d, f) a
    separate run with its step searched on the deterministic limit, in (1e-6, 0.99) × the
    optimizer's ``max_stable_lr``); η is the slope of the envelope over all budgets
    (:meth:`Frontier.envelope_fit`).

    Parameters
    ----------
    alpha, beta : float
    d_values : array_like of int
    flops : array_like of float
    optimizers : sequence of str or Optimizer
    kinds : sequence of {"constant", "wsd"}
    schedule : callable
        WSD factory ``schedule(peak, total)``.
    fit_window : (float, float), optional
        Budgets used in the fit (default: all).
    n_nodes : int, optional
        Node merging of a DE model (optimizers that take ``n_nodes``: signSGD; default 400,
        measured effect on the tuned risk < 1 %, see docs/signsgd_plrf.md).
    n_points : int
        Output points of the constant-step curves.

    Returns
    -------
    ScalingStudy

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> st = dr.studies.scaling_study(1.0, 0.3, [25, 50, 100], np.geomspace(1e3, 1e5, 5),
    ...                               optimizers=("sgd",), kinds=("constant",), n_points=20)
    >>> sorted(st.eta)
    [('sgd', 'constant')]
    """
    d_values = np.unique(np.asarray(d_values, dtype=np.int64))
    flops = np.unique(check.float_array("flops", flops, ndim=1))
    losses, lrs, envelope, eta, eta_ci, curves, frontiers = {}, {}, {}, {}, {}, {}, {}
    for spec in optimizers:
        name, opt = _named(spec)
        options = {"n_nodes": n_nodes} if n_nodes is not None and _takes(opt, "n_nodes") else {}
        for kind in kinds:
            if kind not in ("constant", "wsd"):
                raise ValueError(f"kinds must be 'constant' or 'wsd', got {kind!r}")
            sched = None if kind == "constant" else schedule
            fr = compute_optimal(alpha, beta, opt, d_values, flops, lr="tuned-per-budget",
                                 schedule=sched, lr_bounds=SEARCH_FRACTIONS,
                                 curve_options=options)
            key = (name, kind)
            frontiers[key] = fr
            losses[key], lrs[key], envelope[key] = fr.losses, fr.budget_lrs, fr.envelope
            fit = fr.envelope_fit(fit_window)
            eta[key], eta_ci[key] = fit.eta, fit.eta_ci
            if kind == "constant":
                curves[key] = _constant_curves(alpha, beta, opt, fr, n_points)
    return ScalingStudy(float(alpha), float(beta), d_values.astype(np.float64), flops, losses,
                        lrs, envelope, eta, eta_ci, curves, frontiers)


def _constant_curves(alpha: float, beta: float, opt: Optimizer, fr: Frontier,
                     n_points: int) -> list:
    """Per d, the curve with the step tuned at its largest finite budget."""
    out = []
    for i, d in enumerate(fr.d_values.astype(np.int64)):
        ok = np.isfinite(fr.losses[i])
        if not ok.any():
            continue
        j = np.flatnonzero(ok)[-1]
        n = int(round(fr.flops[j] / d))
        target, options = _reduced(PLRF(alpha, beta, int(d)), opt, None)
        grid = np.unique(np.geomspace(1, n, n_points).astype(np.int64))
        c = risk_curve(target, opt.with_lr(fr.budget_lrs[i, j]), grid, **options)
        c.info["d"] = int(d)
        out.append(c)
    return out

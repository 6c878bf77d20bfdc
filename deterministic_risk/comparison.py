r"""SGD against signSGD on PLRF at a compute budget: learning rates searched on the risk ODEs.

:func:`best_lr` minimises the deterministic risk at the end of a run over the (peak) learning
rate, by bounded scalar minimisation (Brent's method on log γ) of the ODE, never by a guess.
:func:`compare_at_budget` does this for SGD and signSGD, with a constant step and with a WSD
schedule, for one PLRF problem and one budget f = d·k (B = 1), and returns the four risk curves.
:func:`scaling_study` repeats it over model sizes and budgets (IsoFLOP optimum per budget, lower
envelope over d, fitted compute-optimal slope η), the data of ``docs/signsgd_plrf.md`` and of
:func:`deterministic_risk.plotting.plot_sign_vs_sgd`.

References
----------
Theory note ``signsgd_plrf.md`` §2.2 (schedules), §4 (compute-optimal exponents, §4.6 WSD);
Kim, Song, Yun, arXiv 2603.02069 (the claims tested).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validation as check
from .fitting import fit_power_law
from .lr_selection import optimal_lr
from .optimizers.sgd import SGD, max_stable_lr
from .optimizers.signsgd import SignSGD
from .problems import PLRF
from .results import RiskCurve
from .schedules import WSD
from .signsgd_plrf import signsgd_max_lr
from .solve import risk_curve

__all__ = ["best_lr", "BudgetComparison", "compare_at_budget", "ScalingStudy", "scaling_study",
           "wsd_schedule"]

#: Brent tolerance on log γ (a 2 % change of the step moves the risk by ≲ 0.1 % near the optimum).
LOG_LR_TOL = 0.02


def wsd_schedule(peak: float, total: float) -> WSD:
    """Default WSD used by the comparisons: no warmup, stable, linear decay to 0 over the last
    20 % (the "stable-decay" preset, theory note ``signsgd_plrf.md`` §2.2).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> s = dr.wsd_schedule(0.5, 1000)
    >>> s.max_lr, float(s(1000))
    (0.5, 0.0)
    """
    return WSD.stable_decay(peak, total, decay_frac=0.2)


def _make(optimizer: str, lr, schedule, total):
    sched = lr if schedule is None else schedule(lr, total)
    if optimizer == "sgd":
        return SGD(sched)
    if optimizer == "signsgd":
        return SignSGD(sched)
    raise ValueError(f"optimizer must be 'sgd' or 'signsgd', got {optimizer!r}")


def _upper_lr(problem: PLRF, optimizer: str, spectrum_method: str | None) -> float:
    """Upper end of the search: the stability limit (SGD) or :func:`signsgd_max_lr`."""
    if optimizer == "sgd":
        method = "deterministic" if spectrum_method is None else spectrum_method
        return max_stable_lr(problem.spectrum(method))
    method = "deterministic" if spectrum_method is None else spectrum_method
    return signsgd_max_lr(problem, method=method)


def best_lr(problem: PLRF, optimizer: str, steps: int, *,
            schedule: Callable[[float, float], object] | None = None,
            spectrum_method: str | None = None, bounds: tuple[float, float] = (1e-6, 0.99),
            n_nodes: int | None = None) -> tuple[float, float]:
    r"""The constant (or peak) learning rate minimising the ODE risk at iteration ``steps``.

    Parameters
    ----------
    problem : PLRF
    optimizer : {"sgd", "signsgd"}
    steps : int
        Horizon N (the schedule, if any, ends there).
    schedule : callable, optional
        ``schedule(peak, total) -> Schedule`` (for example :func:`wsd_schedule`); None for a
        constant step.
    spectrum_method : {"deterministic", "sampled"}, optional
        Passed to :func:`~deterministic_risk.risk_curve` (default deterministic).
    bounds : (float, float)
        Search interval as fractions of the largest useful step (SGD: ``max_stable_lr``;
        signSGD: :func:`~deterministic_risk.signsgd_max_lr`).
    n_nodes : int, optional
        signSGD DE model: merge the nodes into about this many (faster searches).

    Returns
    -------
    lr : float
    risk : float
        Risk at ``steps`` with that step.

    Notes
    -----
    Bounded Brent minimisation of :math:`\log R(N)` over :math:`\log\gamma` by
    :func:`~deterministic_risk.optimal_lr` (tolerance ``LOG_LR_TOL``); a diverging SGD step
    scores ``inf``. If the minimum sits on a bound, a warning-free result is returned at the bound
    (check ``lr`` against ``bounds`` if it matters).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> lr, risk = dr.best_lr(dr.PLRF(1.0, 0.3, d=100), "signsgd", 1000, n_nodes=200)
    >>> bool(risk < dr.PLRF(1.0, 0.3, d=100).initial_risk)
    True
    """
    steps = check.positive_int("steps", steps)
    if optimizer not in ("sgd", "signsgd"):
        raise ValueError(f"optimizer must be 'sgd' or 'signsgd', got {optimizer!r}")
    lo, hi = bounds
    if not 0 < lo < hi <= 1:
        raise ValueError(f"bounds must satisfy 0 < lo < hi <= 1, got {bounds}")
    top = _upper_lr(problem, optimizer, spectrum_method)
    opts = {} if spectrum_method is None else {"spectrum_method": spectrum_method}
    if optimizer == "signsgd" and n_nodes is not None:
        opts["n_nodes"] = n_nodes
    target = problem
    if optimizer == "sgd":
        method = "deterministic" if spectrum_method is None else spectrum_method
        target = problem.spectrum(method)
        opts = {}
    search = optimal_lr(target, lambda lr: _make(optimizer, lr, schedule, steps), steps,
                        bounds=(lo * top, hi * top), n_grid=0, xatol=LOG_LR_TOL, **opts)
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
    >>> cmp = dr.compare_at_budget(dr.PLRF(1.0, 0.3, d=50), 1e5, n_nodes=100, n_points=20)
    >>> sorted(cmp.lrs)[:2]
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
                      schedule: Callable[[float, float], object] = wsd_schedule,
                      spectrum_method: str | None = None, n_points: int = 120,
                      n_nodes: int | None = None) -> BudgetComparison:
    r"""Best constant and best WSD steps of SGD and signSGD at a budget, with their curves.

    Parameters
    ----------
    problem : PLRF
    flops : float
        Compute budget f = d·N (B = 1, package convention); N = round(f/d) >= 1.
    schedule : callable
        ``schedule(peak, total)`` for the WSD runs (default :func:`wsd_schedule`).
    spectrum_method : str, optional
        Passed to the risk ODEs (default: the deterministic equivalent / large-d model).
    n_points : int
        Log-spaced output iterations of each curve.
    n_nodes : int, optional
        Node merging of the signSGD DE model during the search (the curves use all nodes).

    Returns
    -------
    BudgetComparison

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> cmp = dr.compare_at_budget(dr.PLRF(1.0, 0.3, d=100), 1e5, n_points=20, n_nodes=200)
    >>> sorted(cmp.lrs)
    [('sgd', 'constant'), ('sgd', 'wsd'), ('signsgd', 'constant'), ('signsgd', 'wsd')]
    """
    flops = check.positive_float("flops", flops)
    n = max(1, int(round(flops / problem.d)))
    grid = np.unique(np.concatenate([[0], np.geomspace(1, n, n_points).astype(np.int64), [n]]))
    lrs, risks, curves = {}, {}, {}
    for opt in ("sgd", "signsgd"):
        for kind, sched in (("constant", None), ("wsd", schedule)):
            lr, _ = best_lr(problem, opt, n, schedule=sched, spectrum_method=spectrum_method,
                            n_nodes=n_nodes)
            target = problem if opt == "signsgd" else problem.spectrum(
                "deterministic" if spectrum_method is None else spectrum_method)
            opts = {"spectrum_method": spectrum_method} if opt == "signsgd" and \
                spectrum_method is not None else {}
            curve = risk_curve(target, _make(opt, lr, sched, n), grid, **opts)
            if opt == "sgd":
                curve.info["d"] = problem.d
            lrs[(opt, kind)] = lr
            risks[(opt, kind)] = float(curve.risk[-1])
            curves[(opt, kind)] = curve
    return BudgetComparison(problem, flops, n, lrs, risks, curves)


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

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> st = dr.scaling_study(1.0, 0.3, [25, 50, 100], np.geomspace(1e3, 1e5, 5),
    ...                       optimizers=("sgd",), kinds=("constant",), n_nodes=100, n_points=20)
    >>> sorted(st.eta)
    [('sgd', 'constant')]
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

    def __repr__(self) -> str:
        etas = ", ".join(f"{k[0]}/{k[1]}: {v:.3f}" for k, v in self.eta.items())
        return f"ScalingStudy(alpha={self.alpha}, beta={self.beta}; eta {etas})"


def scaling_study(alpha: float, beta: float, d_values: ArrayLike, flops: ArrayLike, *,
                  optimizers: Sequence[str] = ("sgd", "signsgd"),
                  kinds: Sequence[str] = ("constant", "wsd"),
                  schedule: Callable[[float, float], object] = wsd_schedule,
                  fit_window: tuple[float, float] | None = None, n_nodes: int | None = 400,
                  n_points: int = 80) -> ScalingStudy:
    r"""Tuned losses over model sizes and budgets, their lower envelope and its slope η.

    For every d, budget f (N = f/d >= 1), optimizer and kind ("constant" or "wsd") the step is
    searched by :func:`best_lr` on the deterministic ODE (the DE / large-d model), so each entry
    is the best this schedule family can do at that (d, f); the envelope over d is the
    compute-optimal risk and η the slope of its power-law fit.

    Parameters
    ----------
    alpha, beta : float
    d_values : array_like of int
    flops : array_like of float
    optimizers : sequence of {"sgd", "signsgd"}
    kinds : sequence of {"constant", "wsd"}
    schedule : callable
        WSD factory ``schedule(peak, total)``.
    fit_window : (float, float), optional
        Budgets used in the fit (default: all).
    n_nodes : int, optional
        Node merging of the signSGD DE model (default 400; measured effect on the tuned risk
        < 1 %, see docs/signsgd_plrf.md).
    n_points : int
        Output points of the constant-step curves.

    Returns
    -------
    ScalingStudy

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> st = dr.scaling_study(1.0, 0.3, [25, 50, 100], np.geomspace(1e3, 1e5, 5),
    ...                       optimizers=("sgd",), kinds=("constant",), n_nodes=100, n_points=20)
    >>> isinstance(st, dr.ScalingStudy)
    True
    """
    d_values = np.unique(np.asarray(d_values, dtype=np.int64))
    flops = np.unique(check.float_array("flops", flops, ndim=1))
    losses, lrs, envelope, eta, eta_ci, curves = {}, {}, {}, {}, {}, {}
    for opt in optimizers:
        for kind in kinds:
            if kind not in ("constant", "wsd"):
                raise ValueError(f"kinds must be 'constant' or 'wsd', got {kind!r}")
            sched = None if kind == "constant" else schedule
            L = np.full((d_values.size, flops.size), np.inf)
            G = np.full_like(L, np.nan)
            for i, d in enumerate(d_values):
                prob = PLRF(alpha, beta, int(d))
                for j, f in enumerate(flops):
                    n = int(round(f / d))
                    if n < 1:
                        continue
                    G[i, j], L[i, j] = best_lr(prob, opt, n, schedule=sched, n_nodes=n_nodes)
            losses[(opt, kind)] = L
            lrs[(opt, kind)] = G
            env = L.min(axis=0)
            envelope[(opt, kind)] = env
            use = np.isfinite(env)
            if fit_window is not None:
                use &= (flops >= fit_window[0]) & (flops <= fit_window[1])
            if use.sum() >= 3:
                fit = fit_power_law(flops[use], env[use])
                eta[(opt, kind)] = -fit.exponent
                eta_ci[(opt, kind)] = (-fit.exponent_ci[1], -fit.exponent_ci[0])
            else:
                eta[(opt, kind)] = math.nan
                eta_ci[(opt, kind)] = (math.nan, math.nan)
            if kind == "constant":
                out = []
                for i, d in enumerate(d_values):
                    ok = np.isfinite(L[i])
                    if not ok.any():
                        continue
                    j = np.flatnonzero(ok)[-1]
                    n = int(round(flops[j] / d))
                    prob = PLRF(alpha, beta, int(d))
                    grid = np.unique(np.geomspace(1, n, n_points).astype(np.int64))
                    target = prob if opt == "signsgd" else prob.spectrum()
                    c = risk_curve(target, _make(opt, G[i, j], None, n), grid)
                    c.info["d"] = int(d)
                    out.append(c)
                curves[(opt, kind)] = out
    return ScalingStudy(float(alpha), float(beta), d_values.astype(np.float64), flops, losses,
                        lrs, envelope, eta, eta_ci, curves)

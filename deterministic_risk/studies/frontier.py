r"""Compute-optimal frontiers from the exact risk curves, and parallel sweeps over (α, β).

The one frontier pipeline: risk of every model size at every budget, the compute-optimal size
and risk (:mod:`~deterministic_risk.studies.fitting`), fitted exponents ξ, η
(docs/frontiers.md; [4+3] §6; docs/phases.md).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as check
from ..optimizers.base import Optimizer
from ..problems import PLRF
from ..resources import ResourceLimits, current_limits, resource_limits
from ..results import RiskCurve
from ..solve import risk_curve
from ..solvers import Solver
from ..threads import limit_worker_blas_threads
from ._dispatch import run_tasks
from ._spectra import plrf_spectra
from .fitting import envelope_optimum, fit_power_law, isoflop_optimum
from .lr_search import optimal_lr
from .registry import name_of, optimizer_named

__all__ = ["Frontier", "FrontierFit", "fit_exponents", "compute_optimal", "sweep", "LOG_LR_TOL"]

#: Tolerance of the learning-rate searches on log γ (a 2 % change of the step moves the risk by
#: ≲ 0.1 % near the optimum).
LOG_LR_TOL = 0.02


#: A fitted frontier is doubted (:attr:`Frontier.doubts`) when fewer budgets than this have an
#: interior optimum, or when a log-log fit has an R² below ``TRUSTED_R2``.
TRUSTED_INTERIOR = 8
TRUSTED_R2 = 0.99

@dataclass(frozen=True)
class FrontierFit:
    """Exponents fitted by one method over the budgets in ``window``.

    ``success`` is False (exponents and intervals NaN, ``message`` saying why) when fewer than
    three budgets in the window have an interior optimum; ``xi_r2`` and ``eta_r2`` are the
    coefficients of determination of the two log-log fits.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> fr = dr.compute_optimal(1.0, 0.3, d_values=[20, 40, 80], n_budgets=12,
    ...                         spectrum_method="sampled")
    >>> fit = fr.fits["isoflop"]
    >>> fit.success, fit.n_budgets >= 3, fit.eta_r2 > 0.9
    (True, True, True)
    """

    method: str
    xi: float
    eta: float
    xi_ci: tuple[float, float]
    eta_ci: tuple[float, float]
    window: tuple[float, float]
    n_budgets: int
    xi_r2: float = float("nan")
    eta_r2: float = float("nan")
    success: bool = True
    message: str = ""

    def __post_init__(self) -> None:
        if self.success and not (np.isfinite(self.xi) and np.isfinite(self.eta)):
            raise ValueError("xi and eta must be finite when success=True")


def fit_exponents(flops: NDArray, d_star: NDArray, risk_star: NDArray, use: NDArray,
                  window: tuple[float, float], method: str) -> FrontierFit:
    r"""Fit :math:`d^\ast \propto f^{\xi}` and :math:`R^\ast \propto f^{-\eta}` over the budgets
    ``use`` (those with an interior optimum inside ``window``); ``success=False`` with the
    reason when there are fewer than three.

    Examples
    --------
    >>> import numpy as np
    >>> from deterministic_risk.studies.frontier import fit_exponents
    >>> f = np.array([1e2, 1e3, 1e4, 1e5])
    >>> fit = fit_exponents(f, f**0.5, f**-0.25, np.ones(4, bool), (1e2, 1e5), "isoflop")
    >>> round(fit.xi, 12), round(fit.eta, 12)
    (0.5, 0.25)
    >>> fit_exponents(f, f**0.5, f**-0.25, f > 1e4, (1e2, 1e5), "isoflop").message
    'only 1 budget in the fit window [100, 1e+05] has an interior optimum (a best model size that is neither the smallest nor the largest of d_values); at least 3 are needed: widen d_values or the budgets'
    """
    n = int(use.sum())
    if n < 3:
        nan = float("nan")
        message = (f"only {n} budget{'s' if n != 1 else ''} in the fit window "
                   f"[{window[0]:.4g}, {window[1]:.4g}] {'have' if n != 1 else 'has'} an interior "
                   f"optimum (a best model size that is neither the smallest nor the largest of "
                   f"d_values); at least 3 are needed: widen d_values or the budgets")
        return FrontierFit(method, nan, nan, (nan, nan), (nan, nan), window, n, success=False,
                           message=message)
    fd = fit_power_law(flops[use], d_star[use])
    fr = fit_power_law(flops[use], risk_star[use])
    return FrontierFit(method, fd.exponent, -fr.exponent, fd.exponent_ci,
                       (-fr.exponent_ci[1], -fr.exponent_ci[0]),
                       (float(flops[use].min()), float(flops[use].max())), n, fd.r_squared,
                       fr.r_squared, True, f"fitted on {n} budgets")


@dataclass(frozen=True, eq=False)
class Frontier:
    r"""Compute-optimal frontier of one (α, β, optimizer).

    Attributes
    ----------
    alpha, beta : float
    optimizer : str
        Description of the optimizer.
    d_values : ndarray, shape (n,)
    flops : ndarray, shape (m,)
        Budgets f = d·B·k.
    losses : ndarray, shape (n, m)
        Risk of each d at each budget (``inf`` where k = f/(dB) < 1 or beyond the curve).
    lrs : ndarray, shape (n,)
        Learning rate (peak, for schedules) used for each d.
    d_star, risk_star : ndarray, shape (m,)
        IsoFLOP estimates of :math:`d^\ast(f)` and :math:`R^\ast(f)`.
    envelope, envelope_d_star : ndarray, shape (m,)
        Lower envelope of the curves and the best trained size at each budget.
    fits : dict of str -> FrontierFit
        ``"isoflop"`` and ``"envelope"`` fits.
    curves : list of RiskCurve
        The risk curves (empty after loading from disk; for schedules, the curve of the largest
        budget of each d).
    budget_lrs : ndarray, shape (n, m), optional
        With ``lr="tuned-per-budget"``: the (peak) step of each (d, budget) (NaN where k < 1).
    success : bool
        Whether the IsoFLOP fit (the source of ``xi`` and ``eta``) succeeded: False when fewer
        than three budgets have an interior optimum; then ``xi`` and ``eta`` are NaN and
        ``message`` says why.
    message : str
    n_interior : int
        Budgets whose IsoFLOP optimum is interior to ``d_values`` (over all budgets).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> fr = dr.compute_optimal(1.0, 0.3, d_values=[20, 40, 80], n_budgets=10,
    ...                         spectrum_method="sampled")
    >>> sorted(fr.fits), fr.losses.shape
    (['envelope', 'isoflop'], (3, 10))
    """

    alpha: float
    beta: float
    optimizer: str
    d_values: NDArray[np.float64]
    flops: NDArray[np.float64]
    losses: NDArray[np.float64]
    lrs: NDArray[np.float64]
    d_star: NDArray[np.float64]
    risk_star: NDArray[np.float64]
    envelope: NDArray[np.float64]
    envelope_d_star: NDArray[np.float64]
    fits: dict[str, FrontierFit]
    curves: list[RiskCurve] = field(default_factory=list, repr=False)
    budget_lrs: NDArray[np.float64] | None = field(default=None, repr=False)
    n_interior: int = -1

    @property
    def success(self) -> bool:
        """Whether ``xi`` and ``eta`` were fitted (the IsoFLOP fit's ``success``)."""
        return self.fits["isoflop"].success

    @property
    def message(self) -> str:
        """The IsoFLOP fit's message (why it failed, or how many budgets it used), followed by
        the reasons not to trust a fit that succeeded (:attr:`doubts`)."""
        message = self.fits["isoflop"].message
        if self.success and self.doubts:
            message += "; not to be trusted: " + "; ".join(self.doubts)
        return message

    @property
    def doubts(self) -> list[str]:
        """Why a fit that succeeded should not be trusted (empty when nothing is wrong): the
        risk does not fall with compute (η ≤ 0.01), the optimum sits on an edge of
        ``d_values`` at more than ¾ of the budgets, fewer than ``TRUSTED_INTERIOR`` budgets
        with an interior optimum, or a log-log fit with R² below ``TRUSTED_R2``.

        Examples
        --------
        >>> import numpy as np, deterministic_risk as dr
        >>> d, f = 2.0 ** np.arange(2, 9), np.geomspace(1e2, 1e4, 5)
        >>> fr = dr.Frontier.from_losses(1.0, 0.5, "sgd", d, f,
        ...                              1 / d[:, None] + d[:, None] / f, np.ones(d.size))
        >>> fr.doubts
        ['only 5 budgets have an interior optimum (at least 8 wanted): widen d_values or the budgets']
        """
        fit = self.fits["isoflop"]
        if not fit.success:
            return []
        doubts = []
        finite = np.isfinite(self.risk_star)
        n_budgets = int(finite.sum())
        if fit.eta <= 0.01:
            doubts.append(f"the compute-optimal risk does not fall with compute (eta = "
                          f"{fit.eta:.3g}): the curves plateau; the step rule (lr) is likely too "
                          f"large for the budgets")
        smallest = int(np.sum(finite & (self.d_star <= self.d_values[0])))
        largest = int(np.sum(finite & (self.d_star >= self.d_values[-1])))
        if smallest + largest > 0.75 * n_budgets:
            doubts.append(f"the optimum sits on an edge of d_values at {smallest + largest} of "
                          f"{n_budgets} budgets (smallest d at {smallest}, largest at {largest}): "
                          + ("add smaller sizes or larger budgets" if smallest >= largest
                             else "add larger sizes or smaller budgets"))
        if self.n_interior < TRUSTED_INTERIOR:
            doubts.append(f"only {self.n_interior} budgets have an interior optimum (at least "
                          f"{TRUSTED_INTERIOR} wanted): widen d_values or the budgets")
        if min(fit.xi_r2, fit.eta_r2) < TRUSTED_R2:
            doubts.append(f"the power laws fit poorly (R² {fit.xi_r2:.3f} for d*, "
                          f"{fit.eta_r2:.3f} for R*; below {TRUSTED_R2})")
        return doubts

    @property
    def xi(self) -> float:
        """ξ of :math:`d^\\ast \\propto f^{\\xi}` (IsoFLOP method)."""
        return self.fits["isoflop"].xi

    @property
    def eta(self) -> float:
        """η of :math:`R^\\ast \\propto f^{-\\eta}` (IsoFLOP method)."""
        return self.fits["isoflop"].eta

    @property
    def xi_ci(self) -> tuple[float, float]:
        return self.fits["isoflop"].xi_ci

    @property
    def eta_ci(self) -> tuple[float, float]:
        return self.fits["isoflop"].eta_ci

    def envelope_fit(self, window: tuple[float, float] | None = None) -> FrontierFit:
        """Power-law fit of the lower envelope against f over every budget where it is finite
        (not only those with an interior optimum), within ``window``."""
        finite = np.isfinite(self.envelope)
        window = (self.flops[0], self.flops[-1]) if window is None else check.interval(
            "window", window)
        use = finite & (self.flops >= window[0]) & (self.flops <= window[1])
        return fit_exponents(self.flops, self.envelope_d_star, self.envelope, use, window,
                             "envelope")

    @classmethod
    def from_losses(cls, alpha: float, beta: float, optimizer: str, d_values: ArrayLike,
                    flops: ArrayLike, losses: ArrayLike, lrs: ArrayLike, *,
                    fit_window: tuple[float, float] | None = None,
                    curves: list[RiskCurve] | None = None,
                    budget_lrs: ArrayLike | None = None) -> "Frontier":
        """The frontier of a loss table: IsoFLOP and envelope optima and their fits over the
        budgets in ``fit_window`` (default: every budget with an interior optimum).

        Examples
        --------
        >>> import numpy as np, deterministic_risk as dr
        >>> d, f = 2.0 ** np.arange(2, 9), np.geomspace(1e2, 1e4, 5)
        >>> losses = 1 / d[:, None] + d[:, None] / f[None, :]  # d* = f^(1/2), R* = 2 f^(-1/2)
        >>> fr = dr.Frontier.from_losses(1.0, 0.5, "sgd", d, f, losses, np.ones(d.size))
        >>> fr.fits["isoflop"].n_budgets, round(fr.xi, 2), round(fr.eta, 2)
        (5, 0.5, 0.5)
        """
        d_values = np.asarray(d_values, dtype=np.float64)
        flops = np.asarray(flops, dtype=np.float64)
        losses = np.asarray(losses, dtype=np.float64)
        d_star, risk_star, interior = isoflop_optimum(flops, d_values, losses)
        env_d, envelope, env_interior = envelope_optimum(flops, d_values, losses)
        fits = {"isoflop": _fit(flops, d_star, risk_star, interior, fit_window, "isoflop"),
                "envelope": _fit(flops, env_d, envelope, env_interior, fit_window, "envelope")}
        return cls(float(alpha), float(beta), str(optimizer), d_values, flops, losses,
                   np.asarray(lrs, dtype=np.float64), d_star, risk_star, envelope, env_d, fits,
                   list(curves or []), None if budget_lrs is None else np.asarray(budget_lrs),
                   int(interior.sum()))

    def to_npz(self, path: str | Path) -> None:
        """Save everything but the curves to ``path`` (``.npz``)."""
        fits = {k: vars(v) for k, v in self.fits.items()}
        np.savez(path, alpha=self.alpha, beta=self.beta, optimizer=self.optimizer,
                 d_values=self.d_values, flops=self.flops, losses=self.losses, lrs=self.lrs,
                 d_star=self.d_star, risk_star=self.risk_star, envelope=self.envelope,
                 envelope_d_star=self.envelope_d_star, fits=json.dumps(fits),
                 n_interior=self.n_interior)

    @classmethod
    def from_npz(cls, path: str | Path) -> "Frontier":
        """Load a frontier written by :meth:`to_npz`."""
        with np.load(path) as z:
            fits = {k: FrontierFit(**{"success": bool(np.isfinite(v["xi"]) and np.isfinite(v["eta"])),
                                      **v, "xi_ci": tuple(v["xi_ci"]),
                                      "eta_ci": tuple(v["eta_ci"]), "window": tuple(v["window"])})
                    for k, v in json.loads(str(z["fits"])).items()}
            arrays = {k: z[k] for k in ("d_values", "flops", "losses", "lrs", "d_star",
                                        "risk_star", "envelope", "envelope_d_star")}
            n_interior = int(z["n_interior"]) if "n_interior" in z else -1
            return cls(float(z["alpha"]), float(z["beta"]), str(z["optimizer"]), fits=fits,
                       n_interior=n_interior, **arrays)

    def __repr__(self) -> str:
        if not self.success:
            return (f"Frontier(alpha={self.alpha}, beta={self.beta}, {self.optimizer}, "
                    f"no fit: {self.message})")
        return (f"Frontier(alpha={self.alpha}, beta={self.beta}, {self.optimizer}, "
                f"xi={self.xi:.4f} {_ci(self.xi_ci)}, eta={self.eta:.4f} {_ci(self.eta_ci)})")


def _ci(ci: tuple[float, float]) -> str:
    return f"[{ci[0]:.4f}, {ci[1]:.4f}]"


OptimizerSpec = str | Optimizer | Callable[[int], Optimizer]


def _template(optimizer: OptimizerSpec, batch: int) -> Optimizer | Callable[[int], Optimizer]:
    if isinstance(optimizer, str):
        return optimizer_named(optimizer, 1.0, batch)
    if isinstance(optimizer, Optimizer) or callable(optimizer):
        return optimizer
    raise TypeError(f"optimizer must be a name, an Optimizer or a callable d -> Optimizer, got "
                    f"{type(optimizer).__name__}")


def compute_optimal(alpha: float, beta: float, optimizer: OptimizerSpec = "sgd",
                    d_values: ArrayLike = (100, 200, 400, 800, 1600), flops: ArrayLike | None = None,
                    *, lr: str | float = "stable", schedule: Callable | None = None,
                    batch: int = 1, spectrum_method: str | None = None, v_ratio: float = 4.0,
                    fit_window: tuple[float, float] | None = None,
                    n_budgets: int = 60, n_nodes: int | None = None,
                    lr_bounds: tuple[float, float] | None = None, solver: Solver | None = None,
                    curve_options: dict[str, Any] | None = None,
                    cache_dir: str | Path | None = None, n_jobs: int = 1,
                    progress: bool | None = None) -> Frontier:
    r"""Loss-versus-compute curves for many model sizes and their compute-optimal frontier.

    Every question about the optimizer (its stable step, its search interval, whether its limit
    depends on the spectrum alone) is asked of the optimizer
    (:class:`~deterministic_risk.Optimizer`), so any optimizer works here.

    Parameters
    ----------
    alpha, beta : float
        PLRF data and target decay.
    optimizer : str, Optimizer or callable
        A registered name (``"sgd"``, ``"signsgd"``, ``"clipped"``, ``"adam"``; see
        :mod:`~deterministic_risk.studies.registry`), an optimizer whose step the ``lr`` rule
        sets for each d, or a callable ``d -> Optimizer`` used as it is (``lr`` is then ignored).
    d_values : array_like of int
        Model sizes (v = ``v_ratio``·d).
    flops : array_like, optional
        Budgets f = d·B·k (default: ``n_budgets`` log-spaced values from 10·min(d) to
        10⁴·max(d)).
    lr : "stable", "tuned", "tuned-per-budget" or float
        ``"stable"``: the optimizer's :meth:`~deterministic_risk.Optimizer.stable_lr` of each d
        (½ of its largest useful constant step; for SGD it scales like :math:`d^{2\alpha-1}` when
        2α < 1, as the phase theory requires; signSGD's plateaus early). ``"tuned"``: for each
        d, the step minimising the risk at the largest budget (:func:`optimal_lr`);
        ``"tuned-per-budget"``: for each (d, budget), a separate run with its own searched step.
        A float is used for every d.
    schedule : callable, optional
        ``schedule(peak_lr, total_steps) -> Schedule`` (for example
        ``lambda p, n: dr.schedules.WSD(p, n, 0.0, 0.2)``). Then every budget is a separate run
        whose schedule ends at that budget.
    batch : int
        Batch size B (for a named optimizer).
    spectrum_method : str, optional
        How each PLRF problem is reduced (``"deterministic"`` or ``"sampled"``).
    fit_window : (float, float), optional
        Budgets used for the fits (default: all budgets whose optimum is interior to
        ``d_values``).
    n_budgets : int
        Number of budgets when ``flops`` is not given.
    n_nodes : int, optional
        For optimizers whose limit depends on the spectrum alone (``rotation_invariant``): merge
        the deterministic-equivalent nodes of each spectrum into about this many (the effect on
        the exponents is measured in docs/frontiers.md).
    lr_bounds : (float, float), optional
        Search interval of the tuned rules as fractions of the optimizer's ``max_stable_lr``
        (default: its ``lr_search_bounds``).
    solver : Solver, optional
        Passed to :func:`~deterministic_risk.risk_curve` (default: the optimizer's).
    curve_options : dict, optional
        Further options of the optimizer's ``limit_dynamics`` (signSGD: ``n_nodes``).
    cache_dir : path, optional
        Store the spectra there and reload them on the next call (the key includes a hash of
        the spectrum code).
    n_jobs : int, default 1
        Processes computing the spectra of the model sizes in parallel (one BLAS thread each).
    progress : bool, optional
        tqdm progress bar over the model sizes (default: when standard error is a terminal).

    Returns
    -------
    Frontier

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> fr = dr.compute_optimal(1.0, 0.3, "sgd", d_values=[20, 40, 80, 160], n_budgets=20,
    ...                         spectrum_method="sampled")
    >>> 0.2 < fr.xi < 0.5
    True
    """
    alpha = check.positive_float("alpha", alpha)
    beta = check.finite_float("beta", beta)
    batch = check.positive_int("batch", batch)
    d_values = check.model_sizes("d_values", d_values, at_least=3)
    flops = _budgets(flops, n_budgets, d_values, batch)
    if fit_window is not None:
        fit_window = check.interval("fit_window", fit_window)
        inside = int(np.sum((flops >= fit_window[0]) & (flops <= fit_window[1])))
        if inside < 3:
            raise ValueError(f"fit_window must contain at least 3 of the budgets (flops from "
                             f"{flops[0]:.4g} to {flops[-1]:.4g}), got ({fit_window[0]:.4g}, "
                             f"{fit_window[1]:.4g}) with {inside}")
    if isinstance(lr, str) and lr not in ("stable", "tuned", "tuned-per-budget"):
        raise ValueError(f"lr must be 'stable', 'tuned', 'tuned-per-budget' or a number, "
                         f"got {lr!r}")
    if not isinstance(lr, str):
        lr = check.learning_rate("lr", lr)
    if schedule is not None:
        check.schedule_factory("schedule", schedule)
    if spectrum_method not in (None, "deterministic", "sampled"):
        raise ValueError(f"spectrum_method must be 'deterministic', 'sampled' or None, got "
                         f"{spectrum_method!r}")
    v_ratio = check.positive_float("v_ratio", v_ratio)
    if not v_ratio * d_values[0] >= d_values[0] + 1:
        raise ValueError(f"v_ratio must make v = v_ratio·d > d for every d (v_ratio > 1 + 1/d), "
                         f"got {v_ratio}")
    if lr_bounds is not None:
        lr_bounds = check.interval("lr_bounds", lr_bounds)
    if curve_options is not None and not isinstance(curve_options, dict):
        raise TypeError(f"curve_options must be a dict, got {type(curve_options).__name__}")
    n_jobs = check.positive_int("n_jobs", n_jobs)
    if n_nodes is not None:
        n_nodes = check.positive_int("n_nodes", n_nodes)
    template = _template(optimizer, batch)
    per_d = not isinstance(template, Optimizer)
    problems = [PLRF(alpha, beta, int(d), v=int(round(v_ratio * d))) for d in d_values]
    # an optimizer whose limit depends on the spectrum alone gets the spectra, computed up front
    # (disk cache, process pool); any other the problem, reduced with spectrum_method
    spectral = not per_d and template.rotation_invariant
    if spectral:
        targets = plrf_spectra(problems, method=spectrum_method, n_nodes=n_nodes,
                               cache_dir=cache_dir, n_jobs=n_jobs)
        options = dict(curve_options or {})
    else:
        targets = problems
        options = {**({"spectrum_method": spectrum_method} if spectrum_method else {}),
                   **(curve_options or {})}
    reduction = {k: options[k] for k in ("spectrum_method", "feature_seed") if k in options}
    if solver is not None:
        options["solver"] = solver

    def peak(opt: Optimizer, target: Any, n: int) -> float:
        """The (peak) step of ``opt`` on ``target`` for a run of ``n`` iterations."""
        if lr == "stable":
            return opt.stable_lr(target, **reduction)
        if not isinstance(lr, str):
            return lr
        bounds = None
        if lr_bounds is not None:
            top = opt.max_stable_lr(target, **reduction)
            bounds = (lr_bounds[0] * top, lr_bounds[1] * top)
        return optimal_lr(target, opt, n, schedule=schedule, bounds=bounds, n_grid=0,
                          xatol=LOG_LR_TOL, **options).lr

    def with_peak(opt: Optimizer, p: float, n: float) -> Optimizer:
        return opt.with_lr(p if schedule is None else schedule(p, n))

    losses = np.full((d_values.size, flops.size), np.inf)
    lrs = np.zeros(d_values.size)
    budget_lrs = np.full(losses.shape, np.nan) if lr == "tuned-per-budget" else None
    curves = []
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else bool(progress)
    for i, d in enumerate(tqdm(d_values, desc=f"d (α={alpha:g}, β={beta:g})", disable=not show,
                               leave=False)):
        target = targets[i]
        k = flops / (d * batch)
        ok = k >= 1
        if not np.any(ok):
            continue
        k_max = float(k[ok].max())
        if per_d:
            opt = template(int(d))
            p = opt.lr.max_lr
        elif budget_lrs is None:
            p = peak(template, target, max(1, int(round(k_max))))
            opt = with_peak(template, p, k_max)
        else:
            p, opt = np.nan, template
        if schedule is None and budget_lrs is None:
            steps = np.unique(np.concatenate([[1], np.ceil(k[ok]).astype(np.int64)]))
            curve = risk_curve(target, opt, steps, on_divergence="return", **options)
            curve.info["d"] = int(d)
            curves.append(curve)
            losses[i, ok] = budget_losses(curve, k[ok])
        else:
            for j in np.nonzero(ok)[0]:
                n_steps = max(1, int(round(k[j])))
                p_j = p
                if budget_lrs is not None:
                    p_j = budget_lrs[i, j] = peak(template, target, n_steps)
                opt_j = opt if per_d else with_peak(template, p_j, n_steps)
                curve = risk_curve(target, opt_j, [n_steps], on_divergence="return", **options)
                losses[i, j] = curve.risk[-1]
            curves.append(curve)
        lrs[i] = opt.lr.max_lr if budget_lrs is None else np.nanmax(budget_lrs[i])
    name = optimizer if isinstance(optimizer, str) else (
        name_of(optimizer) if isinstance(optimizer, Optimizer) else "callable")
    return Frontier.from_losses(alpha, beta, str(name), d_values, flops, losses, lrs,
                                fit_window=fit_window, curves=curves, budget_lrs=budget_lrs)


def _budgets(flops: ArrayLike | None, n_budgets: int, d_values: NDArray[np.int64],
             batch: int) -> NDArray[np.float64]:
    """The budgets of a frontier: at least 3 distinct, each enough for one step of the smallest
    model and at most 2**62 steps of it."""
    lo, hi = float(d_values[0]) * batch, float(d_values[0]) * batch * 2.0**62
    if flops is None:
        n_budgets = check.positive_int("n_budgets", n_budgets, minimum=3)
        return np.geomspace(10.0 * d_values[0], 1e4 * d_values[-1], n_budgets)
    flops = np.unique(check.float_array("flops", flops, ndim=1))
    if flops.size < 3:
        raise ValueError(f"flops must hold at least 3 distinct budgets, got {flops.size}")
    if flops[0] < lo or flops[-1] > hi:
        raise ValueError(f"flops must lie in [{lo:.6g}, {hi:.6g}] (from one step to 2**62 steps "
                         f"of the smallest model, d = {d_values[0]}, batch = {batch}), got "
                         f"[{flops[0]:.6g}, {flops[-1]:.6g}]")
    return flops


def budget_losses(curve: RiskCurve, k: NDArray[np.float64]) -> NDArray[np.float64]:
    """Risk of a constant-step curve at the (fractional) iteration counts ``k`` of the budgets,
    interpolated in log-log; ``inf`` beyond the curve or for a curve that diverged.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> curve = dr.risk_curve(dr.Spectrum([1.0], [1.0]), dr.SGD(0.25), [1, 4])
    >>> budget_losses = dr.studies.frontier.budget_losses
    >>> budget_losses(curve, np.array([1.0, 2.0, 8.0])).round(6).tolist()
    [0.6875, 0.391906, inf]
    """
    reach = k <= curve.steps[-1]
    out = np.full(k.shape, np.inf)
    if curve.success:
        out[reach] = curve(k[reach])
    return out


def _fit(flops, d_star, risk_star, interior, window, method) -> FrontierFit:
    window = (float(flops[0]), float(flops[-1])) if window is None else window
    use = interior & (flops >= window[0]) & (flops <= window[1])
    return fit_exponents(flops, d_star, risk_star, use, window, method)


# -- sweeps ----------------------------------------------------------------------------------

def _point_key(point: tuple, options: dict) -> str:
    text = json.dumps([list(point), {k: repr(v) for k, v in sorted(options.items())}])
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _sweep_task(i: int, spectra_dir: Path | None, worker_blas_threads: int | None, *,
                points: list, options: dict, limits: ResourceLimits) -> Frontier:
    """Point ``i`` of a sweep (the task of :func:`~deterministic_risk.studies._dispatch.run_tasks`)."""
    return _run_point(points[i], options, spectra_dir, worker_blas_threads, limits=limits)


def _run_point(point: tuple, options: dict, spectra_dir: Path | None = None,
               worker_blas_threads: int | None = None,
               limits: ResourceLimits | None = None) -> Frontier:
    # in a pool worker: the BLAS thread limit of the whole worker process (parallelism is across
    # points; docs/threads.md)
    limit_worker_blas_threads(worker_blas_threads)
    alpha, beta, optimizer = point
    if spectra_dir is not None and "cache_dir" not in options:
        options = {**options, "cache_dir": spectra_dir}
    limits = current_limits() if limits is None else limits
    with resource_limits(max_memory=limits.max_memory, max_seconds=limits.max_seconds):
        return compute_optimal(alpha, beta, optimizer, **options)


def sweep(points: Iterable[Sequence], *, optimizer: OptimizerSpec = "sgd",
          backend: str = "local", max_workers: int | None = None, client: Any = None,
          cache_dir: str | Path | None = None, progress: bool | None = None,
          worker_blas_threads: int | None = 1, **options: Any) -> list[Frontier]:
    """Compute-optimal frontiers of many (α, β[, optimizer]) points in parallel.

    Parameters
    ----------
    points : iterable of (alpha, beta) or (alpha, beta, optimizer)
    optimizer : str
        Optimizer of points that do not name one.
    backend : {"local", "dask", "serial"}
        ``"local"``: a process pool on this machine (``max_workers``, default all cores);
        ``"dask"``: a Dask distributed ``client`` (a ``Client`` or a scheduler address; needs the
        ``dask`` extra); ``"serial"``: in this process.
    cache_dir : path, optional
        Each finished point is saved there as ``<hash>.npz`` and loaded instead of recomputed,
        so an interrupted sweep resumes; with the local backends the spectra go to its ``spectra``
        subdirectory (reused when the same (α, β) is swept again with other options).
    progress : bool, optional
        Show a tqdm progress bar (default: when standard error is a terminal).
    worker_blas_threads : int or None, default 1
        BLAS threads of each worker process (``"local"`` and ``"dask"``; the limit stays set in
        a Dask worker, which for an in-process cluster is this process). One thread per worker
        avoids N workers running N² threads; ``None`` leaves the workers' setting
        (docs/threads.md).
    **options
        Passed to :func:`compute_optimal` (``d_values``, ``flops``, ``lr``, ...).

    Returns
    -------
    list of Frontier, in the order of ``points``.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> [fr] = dr.sweep([(1.0, 0.3)], backend="serial", d_values=[20, 40, 80], n_budgets=12,
    ...                 spectrum_method="sampled")
    >>> fr.alpha, fr.beta
    (1.0, 0.3)
    """
    from tqdm import tqdm

    if isinstance(points, (str, bytes)) or not isinstance(points, Iterable):
        raise TypeError(f"points must be an iterable of (alpha, beta[, optimizer]), got "
                        f"{type(points).__name__}")
    pts = []
    for i, p in enumerate(points):
        if isinstance(p, (str, bytes)) or not isinstance(p, Sequence):
            raise TypeError(f"points[{i}] must be (alpha, beta) or (alpha, beta, optimizer), "
                            f"got {p!r}")
        p = tuple(p)
        if len(p) not in (2, 3):
            raise ValueError(f"points[{i}] must be (alpha, beta) or (alpha, beta, optimizer), "
                             f"got {p}")
        p = (check.positive_float(f"alpha of points[{i}]", p[0]),
             check.finite_float(f"beta of points[{i}]", p[1]), p[2] if len(p) == 3 else optimizer)
        pts.append(p)
    if not pts:
        raise ValueError("points must hold at least one (alpha, beta) point")
    if backend not in ("local", "dask", "serial"):
        raise ValueError(f"backend must be 'local', 'dask' or 'serial', got {backend!r}")
    if max_workers is not None:
        max_workers = check.positive_int("max_workers", max_workers)
    if worker_blas_threads is not None:
        worker_blas_threads = check.positive_int("worker_blas_threads", worker_blas_threads)
    unknown = set(options) - set(inspect.signature(compute_optimal).parameters) \
        - {"alpha", "beta", "optimizer"}
    if unknown or {"alpha", "beta", "optimizer"} & set(options):
        bad = sorted(unknown | ({"alpha", "beta", "optimizer"} & set(options)))
        raise TypeError(f"unknown option {bad[0]!r} for sweep: the points give alpha, beta and "
                        f"the optimizer, and the other options are compute_optimal's")
    limits = current_limits()
    cache = Path(cache_dir) if cache_dir is not None else None
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    spectra_dir = cache / "spectra" if cache is not None else None
    results: list[Frontier | None] = [None] * len(pts)
    todo = []
    for i, p in enumerate(pts):
        path = cache / f"{_point_key(p, options)}.npz" if cache is not None else None
        if path is not None and path.exists():
            results[i] = Frontier.from_npz(path)
        else:
            todo.append(i)
    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(total=len(todo), disable=not show, desc="sweep")

    def done(i, frontier):
        results[i] = frontier
        if cache is not None:
            frontier.to_npz(cache / f"{_point_key(pts[i], options)}.npz")
        bar.update(1)

    try:
        run_tasks(functools.partial(_sweep_task, points=pts, options=options, limits=limits),
                  todo, done, backend=backend, max_workers=max_workers, client=client,
                  shared_dir=spectra_dir, worker_blas_threads=worker_blas_threads)
    finally:
        bar.close()
    return results  # type: ignore[return-value]

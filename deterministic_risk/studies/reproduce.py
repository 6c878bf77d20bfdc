r"""Reproductions of the compute-optimal experiments of the 4+3 paper, each from one call.

Derivations and modelling notes: docs/theory.md, section ``deterministic_risk.studies.reproduce``.
"""

from __future__ import annotations

from collections.abc import Sequence
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .. import _validation as check
from .fitting import envelope_optimum, isoflop_optimum
from .frontier import Frontier, FrontierFit, compute_optimal, fit_exponents, sweep

__all__ = ["ExponentComparison", "PhasePoint", "SGD_PHASE_POINTS", "measured_vs_theory",
           "windowed_exponents", "phase_points_experiment", "phase_boundary_experiment",
           "alpha_slice", "optimizer_comparison", "steeper_point", "DEFAULT_D_VALUES",
           "DEFAULT_FLOPS"]

#: Model sizes of the reproductions: 13 values from 100 to 10⁵ (ratio ≈ 1.8).
DEFAULT_D_VALUES = np.unique(np.geomspace(100, 1e5, 13).astype(np.int64))
#: Budgets of the reproductions: 10 per decade from 10⁴ to 10¹².
DEFAULT_FLOPS = np.geomspace(1e4, 1e12, 81)
#: Fit window of the reproductions (α > ½ with d ≤ 10⁵): the budgets whose optimal d lies
#: between ~10⁴ and ~7·10⁴ at α = β = 0.7, the largest fully resolved ones.
DEFAULT_WINDOW = (1e8, 1e10)


@dataclass(frozen=True, eq=False)
class ExponentComparison:
    """A measured frontier next to the symbolic exponents of its (α, β, optimizer).

    Attributes
    ----------
    frontier : Frontier
    phase : str
        Phase name (``"II/III"`` style on a boundary).
    xi_theory, eta_theory : float
        Symbolic ξ, η (:func:`deterministic_risk.asymptotics.phase_of`).
    on_boundary : bool
    method : str
        Fit reported by ``xi``/``eta`` (``"isoflop"`` or ``"envelope"``).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> fr = dr.compute_optimal(1.0, 0.3, d_values=[20, 40, 80, 160], n_budgets=16,
    ...                         spectrum_method="sampled")
    >>> isinstance(dr.studies.measured_vs_theory(fr, windows=False), dr.studies.ExponentComparison)
    True
    """

    frontier: Frontier
    phase: str
    xi_theory: float
    eta_theory: float
    on_boundary: bool = False
    method: str = "isoflop"
    windows: tuple[FrontierFit, ...] = field(default=(), repr=False)

    @property
    def fit(self) -> FrontierFit:
        return self.frontier.fits[self.method]

    @property
    def xi(self) -> float:
        return self.fit.xi

    @property
    def eta(self) -> float:
        return self.fit.eta

    @property
    def xi_error(self) -> float:
        """Measured minus symbolic ξ."""
        return self.fit.xi - self.xi_theory

    @property
    def eta_error(self) -> float:
        """Measured minus symbolic η."""
        return self.fit.eta - self.eta_theory

    def row(self) -> dict[str, Any]:
        """One table row (plain numbers) for docs and reports."""
        fit = self.fit
        return {"alpha": self.frontier.alpha, "beta": self.frontier.beta,
                "optimizer": self.frontier.optimizer, "phase": self.phase,
                "xi_theory": self.xi_theory, "xi": fit.xi, "xi_ci": fit.xi_ci,
                "eta_theory": self.eta_theory, "eta": fit.eta, "eta_ci": fit.eta_ci,
                "window": fit.window, "n_budgets": fit.n_budgets}

    def __repr__(self) -> str:
        fit = self.fit
        return (f"ExponentComparison(α={self.frontier.alpha:g}, β={self.frontier.beta:g}, "
                f"{self.frontier.optimizer} {self.phase}: ξ={fit.xi:.4f} "
                f"[{fit.xi_ci[0]:.4f}, {fit.xi_ci[1]:.4f}] vs {self.xi_theory:.4f}, "
                f"η={fit.eta:.4f} [{fit.eta_ci[0]:.4f}, {fit.eta_ci[1]:.4f}] vs "
                f"{self.eta_theory:.4f}, window [{fit.window[0]:.3g}, {fit.window[1]:.3g}])")


def windowed_exponents(frontier: Frontier, *, width: float = 2.0, step: float = 1.0,
                       method: str = "isoflop", min_budgets: int = 5) -> tuple[FrontierFit, ...]:
    r"""ξ and η fitted on sliding windows of ``width`` decades of flops, ``step`` decades apart.

    Shows how the measured exponents depend on the window and converge (or not) to their
    asymptotic values as the budgets, and with them the optimal model sizes, grow ([4+3] App.,
    IsoFLOP window sensitivity; docs/frontiers.md).

    Parameters
    ----------
    frontier : Frontier
    width, step : float
        Window width and spacing in decades of flops.
    method : {"isoflop", "envelope"}
    min_budgets : int
        Windows with fewer budgets whose optimum is interior to ``d_values`` are skipped.

    Returns
    -------
    tuple of FrontierFit
        One per window, in increasing flops.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> fr = dr.compute_optimal(1.0, 0.3, d_values=[20, 40, 80, 160], n_budgets=24,
    ...                         spectrum_method="sampled")
    >>> fits = dr.studies.windowed_exponents(fr, width=1.5, step=0.5)
    >>> len(fits) > 0 and all(fit.n_budgets >= 5 for fit in fits)
    True
    """
    if method not in ("isoflop", "envelope"):
        raise ValueError(f"method must be 'isoflop' or 'envelope', got {method!r}")
    width = check.positive_float("width", width)
    step = check.positive_float("step", step)
    min_budgets = check.positive_int("min_budgets", min_budgets)
    extract = isoflop_optimum if method == "isoflop" else envelope_optimum
    d_star, risk_star, interior = extract(frontier.flops, frontier.d_values, frontier.losses)
    lf = np.log10(frontier.flops)
    out = []
    start = np.floor(lf.min())
    while start + width <= lf.max() + 1e-9:
        use = interior & (lf >= start - 1e-9) & (lf <= start + width + 1e-9)
        if use.sum() >= max(min_budgets, 3):
            fit = fit_exponents(frontier.flops, d_star, risk_star, use,
                                (float(10 ** start), float(10 ** (start + width))), method)
            out.append(dataclasses.replace(fit, window=(float(10 ** start),
                                                        float(10 ** (start + width)))))
        start += step
    return tuple(out)


def measured_vs_theory(frontier: Frontier, *, method: str = "isoflop",
                       optimizer: str | None = None, windows: bool = True
                       ) -> ExponentComparison:
    """Pair a frontier with the symbolic exponents of its (α, β) (imports sympy).

    Parameters
    ----------
    frontier : Frontier
    method : {"isoflop", "envelope"}
    optimizer : str, optional
        Symbolic optimizer (default: ``frontier.optimizer``).
    windows : bool
        Also fit two-decade sliding windows (:func:`windowed_exponents`).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> fr = dr.compute_optimal(1.0, 0.3, d_values=[20, 40, 80, 160], n_budgets=16,
    ...                         spectrum_method="sampled")
    >>> cmp = dr.studies.measured_vs_theory(fr, windows=False)
    >>> cmp.phase, round(cmp.eta_theory, 6)
    ('Ia', 0.533333)
    """
    from .. import asymptotics

    ph = asymptotics.phase_of(frontier.alpha, frontier.beta, optimizer or frontier.optimizer)
    win = windowed_exponents(frontier, method=method) if windows else ()
    return ExponentComparison(frontier, ph.name, float(ph.xi), float(ph.eta), bool(ph.on_boundary),
                              method, win)


@dataclass(frozen=True)
class PhasePoint:
    """An interior point of an SGD phase with the sizes, budgets and fit window used for it.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> p = dr.studies.PhasePoint("II", 1.0, 0.7, (100, 200, 400), (1e4, 1e5, 1e6), (1e4, 1e6))
    >>> p.phase, p.alpha
    ('II', 1.0)
    """

    phase: str
    alpha: float
    beta: float
    d_values: tuple[int, ...]
    flops: tuple[float, ...]
    window: tuple[float, float]


def _sizes(lo: float, hi: float, n: int) -> tuple[int, ...]:
    return tuple(int(d) for d in np.unique(np.geomspace(lo, hi, n).astype(np.int64)))


def _budgets(lo: float, hi: float) -> tuple[float, ...]:
    return tuple(float(f) for f in np.geomspace(lo, hi, int(round(10 * np.log10(hi / lo))) + 1))


#: One interior point per SGD phase ([4+3] §6; docs/phases.md), each more than
#: 0.04 in α (0.015 in the narrow IVb strip) and 0.1 in β from every boundary. Phases with
#: 2α < 1 use d up to 10⁶ (there d* ∝ f^½ and the finite-size corrections decay slowly). The
#: window is the two decades of budgets over which the IsoFLOP d*(f) runs from about d_max/50
#: to d_max/2. IVa uses β = 1.5 rather than 1: at β = 1 the F_pp correction decays only like
#: 1/d (see docs/frontiers.md).
SGD_PHASE_POINTS = (
    PhasePoint("Ia", 1.0, 0.3, _sizes(300, 1e5, 11), _budgets(1e7, 1e12), (1e10, 1e12)),
    PhasePoint("Ib", 0.4, 0.3, _sizes(1e3, 1e6, 12), _budgets(1e6, 1e12), (1e9, 1e11)),
    PhasePoint("Ic", 0.2, 1.0, _sizes(1e3, 1e6, 12), _budgets(1e6, 1e12), (1e9, 1e11)),
    PhasePoint("II", 1.0, 0.7, _sizes(300, 1e5, 11), _budgets(1e6, 1e12), (1e9, 1e11)),
    PhasePoint("III", 0.8, 1.2, _sizes(300, 1e5, 11), _budgets(1e6, 1e11), (1e8, 1e10)),
    PhasePoint("IVa", 0.4, 1.5, _sizes(1e3, 1e6, 12), _budgets(1e6, 1e12), (1e9, 1e11)),
    PhasePoint("IVb", 0.27, 1.0, _sizes(1e3, 1e6, 12), _budgets(1e6, 1e12), (1e8, 1e10)),
)


def phase_points_experiment(points: Sequence[PhasePoint] = SGD_PHASE_POINTS,
                            **options: Any) -> list[ExponentComparison]:
    r"""Measured (ξ, η) at one interior point of every SGD phase, against the phase table.

    Parameters
    ----------
    points : sequence of PhasePoint
        Default :data:`SGD_PHASE_POINTS` (Ia, Ib, Ic, II, III, IVa, IVb).
    **options
        Passed to :func:`~deterministic_risk.compute_optimal` (``cache_dir``, ``n_jobs``,
        ``progress``, ...); the learning rate is ``lr="stable"`` unless given.

    Returns
    -------
    list of ExponentComparison, one per point.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> point = dr.studies.PhasePoint("Ia", 1.0, 0.3, (20, 40, 80, 160),
    ...                       tuple(np.geomspace(1e3, 1e6, 16)), (1e4, 1e6))
    >>> [res] = dr.studies.phase_points_experiment([point], spectrum_method="sampled")
    >>> res.phase
    'Ia'
    """
    out = []
    for p in points:
        fr = compute_optimal(p.alpha, p.beta, "sgd", np.array(p.d_values), np.array(p.flops),
                             fit_window=p.window, **options)
        out.append(measured_vs_theory(fr))
    return out


def phase_boundary_experiment(alpha: float = 0.7, beta: float = 0.7, *,
                              d_values: ArrayLike = DEFAULT_D_VALUES,
                              flops: ArrayLike = DEFAULT_FLOPS,
                              fit_window: tuple[float, float] | None = DEFAULT_WINDOW,
                              **options: Any) -> ExponentComparison:
    r"""[4+3] Fig. 3: the compute-optimal frontier of SGD on the Phase II/III boundary.

    At α = β = 0.7 the theory gives ξ = ½ and η = 1 − 1/(4α) = 9/14 ≈ 0.6429; the paper reports
    a measured (IsoFLOP) η = 0.648 (its Fig. 3; docs/frontiers.md).

    Parameters
    ----------
    alpha, beta : float
    d_values, flops : array_like
        Model sizes and budgets (default 13 sizes from 100 to 10⁵, budgets 10⁴–10¹²).
    fit_window : (float, float), optional
        Budgets of the reported fit (default 10⁸–10¹⁰).
    **options
        Passed to :func:`~deterministic_risk.compute_optimal` (``lr``, ``cache_dir``, ``n_jobs``,
        ``progress``, ...).

    Returns
    -------
    ExponentComparison
        With ``windows``: the sliding two-decade fits.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> res = dr.studies.phase_boundary_experiment(d_values=[20, 40, 80],
    ...     flops=np.geomspace(1e3, 1e5, 8), fit_window=None, spectrum_method="sampled")
    >>> round(res.eta_theory, 6)
    0.642857
    """
    fr = compute_optimal(alpha, beta, "sgd", d_values, flops, fit_window=fit_window, **options)
    return measured_vs_theory(fr)


#: β values of :func:`alpha_slice`: Ia (2β < 1), II (½ < β < α), III (β > α) at α = 0.7, with the
#: II/III boundary β = α = 0.7 included; β = 0.5 itself is left out because ``phase_of`` returns
#: η = 1 exactly on the line 2β = 1 (the limit from both sides is p/(2α+1)).
SLICE_BETAS = (0.2, 0.3, 0.4, 0.45, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9, 1.0, 1.2)


def alpha_slice(alpha: float = 0.7, betas: Sequence[float] = SLICE_BETAS, *,
                d_values: ArrayLike = DEFAULT_D_VALUES, flops: ArrayLike = DEFAULT_FLOPS,
                fit_window: tuple[float, float] | None = DEFAULT_WINDOW,
                backend: str = "serial", max_workers: int | None = None,
                cache_dir: str | Path | None = None, progress: bool | None = None,
                **options: Any) -> list[ExponentComparison]:
    r"""[4+3] Fig. 4b: measured against symbolic (ξ, η) along α fixed, β increasing.

    At α = 0.7 the slice crosses Ia (β < ½), II (½ < β < 0.7) and III (β > 0.7).

    Parameters
    ----------
    alpha : float
    betas : sequence of float
    d_values, flops, fit_window
        As in :func:`phase_boundary_experiment`.
    backend, max_workers, cache_dir, progress
        Passed to :func:`~deterministic_risk.sweep` (``backend="local"`` runs the β values in
        parallel; ``cache_dir`` makes the slice resumable).
    **options
        Passed to :func:`~deterministic_risk.compute_optimal`.

    Returns
    -------
    list of ExponentComparison, one per β.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> rows = dr.studies.alpha_slice(0.7, betas=(0.3,), d_values=[20, 40, 80],
    ...     flops=np.geomspace(1e3, 1e5, 8), fit_window=None, spectrum_method="sampled",
    ...     backend="serial")
    >>> rows[0].phase
    'Ia'
    """
    frontiers = sweep([(alpha, float(b)) for b in betas], backend=backend,
                      max_workers=max_workers, cache_dir=cache_dir, progress=progress,
                      d_values=np.asarray(d_values), flops=np.asarray(flops),
                      fit_window=fit_window, **options)
    return [measured_vs_theory(fr) for fr in frontiers]


def steeper_point(first: str = "signsgd", second: str = "sgd",
                  candidates: Sequence[tuple[float, float]] = ((0.8, 1.2), (0.7, 1.0),
                                                               (0.9, 1.3), (0.4, 1.5))
                  ) -> tuple[float, float, float]:
    r"""A point (α, β) where ``first`` has the larger symbolic η, away from phase boundaries.

    Checks the candidates in order with :func:`~deterministic_risk.asymptotics.phase_of` and
    returns the first one that lies inside a phase of both optimizers and inside a pair of
    phases that :func:`~deterministic_risk.asymptotics.compare_optimizers` reports as
    ``"first steeper"`` (docs/signsgd_plrf.md, 'Where signSGD is steeper than SGD').

    Returns
    -------
    alpha, beta, difference : float
        The point and η_first − η_second there.

    Raises
    ------
    ValueError
        If no candidate qualifies.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> alpha, beta, gain = dr.studies.steeper_point()
    >>> bool(gain > 0)
    True
    """
    from .. import asymptotics

    steeper = {(c.first, c.second) for c in asymptotics.compare_optimizers(first, second)
               if c.relation == "first steeper"}
    for a, b in candidates:
        try:
            p1 = asymptotics.phase_of(a, b, first)
            p2 = asymptotics.phase_of(a, b, second)
        except ValueError:
            continue
        if p1.on_boundary or p2.on_boundary or (p1.name, p2.name) not in steeper:
            continue
        return float(a), float(b), float(p1.eta - p2.eta)
    raise ValueError(f"none of the candidate points has {first} strictly steeper than {second} "
                     f"inside a phase of both")


def optimizer_comparison(alpha: float | None = None, beta: float | None = None, *,
                         optimizers: Sequence[str] = ("sgd", "signsgd"),
                         d_values: ArrayLike = DEFAULT_D_VALUES,
                         flops: ArrayLike = DEFAULT_FLOPS,
                         fit_window: tuple[float, float] | None = DEFAULT_WINDOW,
                         lr: dict[str, str | float] | str | float | None = None,
                         **options: Any) -> dict[str, ExponentComparison]:
    r"""Compute-optimal frontiers of several optimizers at one (α, β), against their theory.

    Parameters
    ----------
    alpha, beta : float, optional
        Default: :func:`steeper_point` (a point where signSGD's η exceeds SGD's, e.g.
        (0.8, 1.2): signSGD area Ab with η = 0.75 against SGD Phase III with η = 0.6875).
    optimizers : sequence of str
        Names accepted by :func:`~deterministic_risk.compute_optimal`.
    lr : dict or str or float, optional
        Learning-rate rule, one for all or per optimizer (default ``"stable"`` for SGD, the
        convention of the SGD phase theory, and ``"tuned"`` for signSGD, whose theory optimises
        the step exponent jointly with d and whose ``"stable"`` step plateaus early).
    d_values, flops, fit_window, **options
        As in :func:`phase_boundary_experiment`.

    Returns
    -------
    dict of str -> ExponentComparison

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> res = dr.studies.optimizer_comparison(1.0, 0.3, optimizers=("sgd",), d_values=[20, 40, 80, 160],
    ...     flops=np.geomspace(1e3, 1e6, 16), fit_window=None, spectrum_method="sampled")
    >>> sorted(res)
    ['sgd']
    """
    if alpha is None or beta is None:
        alpha, beta, _ = steeper_point(optimizers[-1], optimizers[0])
    rules = {"sgd": "stable", "signsgd": "tuned"}
    if isinstance(lr, dict):
        rules.update(lr)
    elif lr is not None:
        rules = {name: lr for name in optimizers}
    out = {}
    for name in optimizers:
        fr = compute_optimal(alpha, beta, name, d_values, flops, fit_window=fit_window,
                             lr=rules.get(name, "stable"), **options)
        out[name] = measured_vs_theory(fr)
    return out

r"""One-pass signSGD (batch size 1): its exact high-dimensional risk ODE and its update.

The mode ODE (k-form) is derived in docs/signsgd.md, 'The mode ODE'; its inputs
come from :mod:`~deterministic_risk.signsgd.modes` (Gaussian least squares) or
:mod:`~deterministic_risk.signsgd.plrf` (the large-d PLRF model).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate

from .. import _validation as check
from ..noise import R_CEILING, Gaussian, NoiseLaw
from ..optimizers.base import Optimizer
from ..problems import PLRF
from ..results import GreedyCurve, RiskCurve
from ..schedules import RiskSchedule, Schedule, as_schedule
from ..solvers import FeedbackModes, SampledPaths
from .exact_drift import exact_drift_paths
from .modes import SignSGDModes, limiting_risk, lr_for_limit, signsgd_modes
from .plrf import plrf_largest_correlation, plrf_signsgd_modes

__all__ = ["SignSGD", "signsgd_inputs", "CORRELATION_THRESHOLD"]

_PHI_TINY = 1e-150   # φ is floored here so that c = γ/(4φ) and its products stay finite

#: Largest correlation between features above which a signSGD curve of the linearised ODE carries
#: a note. The ODE replaces (2/π)arcsin ρ by (2/π)ρ, 7 % low at ρ = 0.6; measured, it was within
#: 1.5 % of signSGD at α = 0.4, d = 500 (largest correlation 0.39–0.54 over W draws), 4–5.4 %
#: above it at α = 0.7 (0.94) and 5–13 % at α = 1 (0.98) (docs/signsgd_plrf.md, "When the
#: linearised ODE is off").
CORRELATION_THRESHOLD = 0.6


@functools.singledispatch
def signsgd_inputs(problem: Any, *, spectrum_method: str | None = None,
                   feature_seed: int | None = None, n_nodes: int | None = None
                   ) -> tuple[SignSGDModes, NoiseLaw, float, dict]:
    """Modes, label-noise law, floor and description of the signSGD ODE on ``problem``.

    Any problem with ``to_least_squares`` gives the exact modes of its covariance
    (:func:`~deterministic_risk.signsgd.signsgd_modes`); a :class:`~deterministic_risk.PLRF`
    registers the large-d model (``spectrum_method="deterministic"``, the default, with
    ``n_nodes``; :func:`~deterministic_risk.signsgd.signsgd_equivalent`) or the exact modes of one W (``"sampled"``). A new problem
    kind registers its own reduction with ``signsgd_inputs.register``.
    """
    if spectrum_method is not None or n_nodes is not None:
        raise TypeError(f"spectrum_method and n_nodes apply to PLRF problems only, "
                        f"got a {type(problem).__name__}")
    prob = check.problem(problem, "to_least_squares").to_least_squares(seed=feature_seed)
    modes = signsgd_modes(prob)
    return modes, prob.noise, prob.floor, {"largest_correlation": modes.largest_correlation}


@signsgd_inputs.register
def _(problem: PLRF, *, spectrum_method: str | None = None, feature_seed: int | None = None,
      n_nodes: int | None = None):
    # the large-d model by default (docs/signsgd_large_d.md), or the exact modes of one
    # sampled W (docs/signsgd_plrf.md)
    method = "deterministic" if spectrum_method is None else spectrum_method
    seed = 0 if feature_seed is None else feature_seed
    modes, floor = plrf_signsgd_modes(problem, method=method, n_nodes=n_nodes, seed=seed)
    # the largest correlation: exact for a drawn W, else estimated from the law of the columns
    correlation = (plrf_largest_correlation(problem) if modes.largest_correlation is None
                   else modes.largest_correlation)
    described = {"spectrum_method": method, "largest_correlation": correlation}
    return modes, Gaussian(math.sqrt(2.0 * floor)), floor, described


@dataclass(frozen=True)
class SignSGD(Optimizer):
    r"""One-pass signSGD with batch size 1: :math:`\theta_{k+1} = \theta_k -
    \gamma_k\,\mathrm{sign}(\nabla L(\theta_k; x_{k+1}, y_{k+1}))`.

    Parameters
    ----------
    lr : float, Schedule, RiskSchedule or callable
        Per-coordinate step :math:`\gamma_k`: a number, a :mod:`~deterministic_risk.schedules`
        object, a vectorised function of k, or a state-dependent step
        :math:`\gamma(k, R)` such as :class:`~deterministic_risk.schedules.RiskProportional`.

    Notes
    -----
    Batch size 1 is part of the model: :math:`\mathrm{sign}(\nabla L) =
    \mathrm{sign}(\langle x,\theta-\theta^\ast\rangle-\varepsilon)\,\mathrm{sign}(x)` holds only
    then (docs/signsgd.md: batch 1 only). The update is not rotation invariant, so the
    simulator samples features in the problem's own coordinates.

    ``risk_curve(problem, SignSGD(...), steps)`` returns ``.excess`` = R (the ODE) and ``.risk`` =
    R + ½E[ε²]. For noise of infinite variance (Cauchy, Student-t with ν <= 2) the full risk is
    infinite: the curve then has floor 0, so ``.risk`` equals ``.excess``, and
    ``info["floor"]`` says so.

    References
    ----------
    Xiao, Marshall, Agarwala, Paquette, arXiv:2411.12135; ``docs/signsgd.md``, 'Theory'.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> prob = dr.GaussianLeastSquares([1.0, 0.5, 0.25], theta_star=[1.0, -1.0, 1.0],
    ...                                noise=dr.noise.Laplace(0.2))
    >>> curve = dr.risk_curve(prob, dr.SignSGD(lr=0.01), [0, 100, 10_000])
    >>> round(float(curve.excess[0]), 6), bool(curve.excess[-1] < curve.excess[0])
    (0.875, True)
    """

    lr: Schedule | RiskSchedule | float | Callable
    rotation_invariant = False

    def __post_init__(self) -> None:
        if not isinstance(self.lr, RiskSchedule):
            object.__setattr__(self, "lr", as_schedule(self.lr))

    @property
    def state_dependent(self) -> bool:
        """Whether the step depends on the current excess risk."""
        return isinstance(self.lr, RiskSchedule)

    def step_size(self, k: float, excess_risk: float | NDArray) -> float | NDArray:
        r""":math:`\gamma(k)` or, for a state-dependent step, :math:`\gamma(k, R)`."""
        if self.state_dependent:
            return self.lr(k, excess_risk)
        return self.lr(k)

    # -- deterministic limit ---------------------------------------------------------------
    def limit_dynamics(self, problem: Any, *, spectrum_method: str | None = None,
                       feature_seed: int | None = None, n_nodes: int | None = None,
                       model: str = "ode") -> FeedbackModes | SampledPaths:
        r"""The limit of signSGD on ``problem``, as ``model`` says.

        ``"ode"`` (default): the mode ODE :math:`\dot v_j = -2\gamma\varphi(R)\lambda_jv_j +
        \tfrac{\gamma^2}2\kappa_j` as feedback modes with :math:`a = 2\gamma\varphi(R)`,
        :math:`c = \gamma/(4\varphi(R))` (inputs from :func:`signsgd_inputs`), deterministic;
        ``info["largest_correlation"]`` gives :math:`\max_{i\ne j}|K_{ij}|/\sqrt{K_{ii}K_{jj}}`
        (exact, or estimated for the large-d PLRF model) and ``info["note"]`` says when it
        exceeds ``CORRELATION_THRESHOLD``, where the linearised drift makes the ODE run behind a
        finite-d signSGD run (docs/signsgd_plrf.md, "When the linearised ODE is off").

        ``"homogenized"``: the exact-drift homogenized SDE of the problem itself (one drawn W for
        PLRF, ``feature_seed``), whose mean follows finite-d signSGD where the ODE does not
        (docs/theory.md, ``deterministic_risk.signsgd.homogenized``); its curve is the mean of
        sampled paths, a random estimate: the solver :class:`~deterministic_risk.solvers.PathMean`
        (default ``n_runs=32, seed=0``) sets the number of paths and their seed, and the curve's
        ``info`` records them with the standard error of the mean. Cost per path and step: two
        d × d matrix-vector products."""
        if model not in ("ode", "homogenized"):
            raise ValueError(f"model must be 'ode' (the linearised mode ODE) or 'homogenized' "
                             f"(the exact-drift homogenized SDE, sampled), got {model!r}")
        if model == "homogenized":
            return self._homogenized_paths(problem, spectrum_method, feature_seed, n_nodes)
        modes, noise, floor, described = signsgd_inputs(
            problem, spectrum_method=spectrum_method, feature_seed=feature_seed, n_nodes=n_nodes)
        correlation = described.get("largest_correlation")
        if correlation is not None and correlation > CORRELATION_THRESHOLD:
            described["note"] = (
                f"the largest correlation between features is {correlation:.2f} > "
                f"{CORRELATION_THRESHOLD}: at finite d the linearised ODE is expected above "
                f"signSGD's risk while the residual sits on few features (by 5-13 % at "
                f"correlation 0.98); model='homogenized' samples the exact-drift SDE")
        phi = noise.phi
        step_size = self.step_size
        constant = None if self.state_dependent or not self.lr.is_constant else self.lr(0.0)

        def rates(k: float, R: float) -> tuple[float, float]:
            # dv/dk = -a λ v + a c κ with a = 2γφ(R), c = γ/(4φ(R))   (docs/signsgd.md)
            R = R if R < R_CEILING else R_CEILING   # an overflowed trial value
            gamma = constant if constant is not None else float(step_size(k, R))
            ph = max(float(phi(R)), _PHI_TINY)
            return 2.0 * gamma * ph, gamma / (4.0 * ph)

        info = {"d": int(modes.diagonal.size), "noise": repr(noise), "floor": floor, **described}
        if not np.isfinite(floor):
            info["floor"] = ("inf: the label noise has infinite variance, so the full risk is "
                             "infinite; risk and excess both report the excess risk")
            floor = 0.0
        return FeedbackModes(floor, info, modes.eigenvalues, modes.kappa, modes.v0, rates,
                             self.lr.breakpoints)

    def _homogenized_paths(self, problem: Any, spectrum_method: str | None,
                           feature_seed: int | None, n_nodes: int | None) -> SampledPaths:
        """The exact-drift homogenized SDE of ``problem`` as sampled paths."""
        if n_nodes is not None:
            raise ValueError("n_nodes sets the large-d model of the ODE; model='homogenized' "
                             "runs on the problem itself and takes none")
        if spectrum_method not in (None, "sampled"):
            raise ValueError(f"model='homogenized' runs on one drawn W (spectrum_method "
                             f"'sampled' or None), got spectrum_method={spectrum_method!r}")
        if spectrum_method is not None and not isinstance(problem, PLRF):
            raise TypeError(f"spectrum_method applies to PLRF problems only, got a "
                            f"{type(problem).__name__}")
        prob = check.problem(problem, "to_least_squares").to_least_squares(seed=feature_seed)
        step_size, state_dependent = self.step_size, self.state_dependent

        def sample(steps: NDArray[np.int64], n_runs: int, seed: int, dk: float) -> NDArray:
            return exact_drift_paths(prob, step_size, steps, n_runs=n_runs, seed=seed,
                                     state_dependent=state_dependent, dk=dk)

        r0 = np.asarray(prob.theta0 - prob.theta_star, dtype=np.float64)
        excess0 = 0.5 * float(r0 @ (prob.covariance_matrix() @ r0))
        floor = prob.floor if np.isfinite(prob.floor) else 0.0
        info = {"d": int(prob.d), "noise": repr(prob.noise), "floor": floor,
                "model": "exact-drift homogenized SDE (random: the mean of sampled paths)"}
        if isinstance(problem, PLRF):
            info["spectrum_method"] = "sampled"
        return SampledPaths(floor, info, sample, excess0)

    def max_stable_lr(self, problem: Any, *, spectrum_method: str | None = None,
                      feature_seed: int | None = None) -> float:
        r"""The constant step whose limiting excess risk equals the initial one,
        :math:`4R_0\varphi(R_0)/\sum_i\sqrt{K_{ii}}` (:func:`~deterministic_risk.signsgd.lr_for_limit`):
        beyond it a constant step cannot lower the risk. On PLRF it scales as
        :math:`d^{-(1-\omega)}`, :math:`\omega = \min(\alpha, \frac12)`."""
        modes, noise, _, _ = signsgd_inputs(problem, spectrum_method=spectrum_method,
                                            feature_seed=feature_seed)
        return lr_for_limit(modes.sum_sqrt_diagonal, noise, modes.initial_excess)

    def lr_search_bounds(self, problem: Any, steps: int, *, spectrum_method: str | None = None,
                         feature_seed: int | None = None) -> tuple[float, float]:
        r"""(1e-6, 10)/:math:`\sum_i\sqrt{K_{ii}}` (the scale of every useful signSGD step)."""
        modes, _, _, _ = signsgd_inputs(problem, spectrum_method=spectrum_method,
                                        feature_seed=feature_seed)
        scale = 1.0 / modes.sum_sqrt_diagonal
        return 1e-6 * scale, 10.0 * scale

    def limit(self, problem: Any, *, spectrum_method: str | None = None,
              feature_seed: int | None = None) -> float:
        """:func:`~deterministic_risk.signsgd.limiting_risk` plus the floor (the floor is 0 for
        noise of infinite variance, as in the curves)."""
        modes, noise, floor, _ = signsgd_inputs(problem, spectrum_method=spectrum_method,
                                                feature_seed=feature_seed)
        excess = limiting_risk(modes.diagonal, self._constant_lr(), noise=noise)
        return excess + (floor if np.isfinite(floor) else 0.0)

    def greedy_curve(self, problem: Any, steps: ArrayLike, *, feature_seed: int | None = None,
                     rtol: float = 1e-8) -> GreedyCurve:
        r"""Deterministic risk under the greedy step
        :math:`\gamma^\ast = 2\varphi(R)\sum_j\lambda_j^2v_j/\sum_j\lambda_j\kappa_j`, the
        maximiser of :math:`dR/dk` (docs/signsgd.md, greedy step), by LSODA with ``rtol``
        (this optimizer's step is not used).

        Examples
        --------
        >>> import deterministic_risk as dr
        >>> prob = dr.GaussianLeastSquares([1.0, 0.1], [1.0, 1.0], noise_std=0.1)
        >>> g = dr.SignSGD(1.0).greedy_curve(prob, [0, 100])
        >>> bool(g.curve.risk[1] < g.curve.risk[0])
        True
        """
        steps = check.steps_array(steps)
        rtol = check.positive_float("rtol", rtol)
        prob = check.problem(problem, "to_least_squares").to_least_squares(seed=feature_seed)
        modes = signsgd_modes(prob)
        lam, kappa = np.asarray(modes.eigenvalues), np.asarray(modes.kappa)
        lam2 = lam * lam
        lk = float(lam @ kappa)
        phi = prob.noise.phi

        def gamma(v: NDArray) -> float:
            R = max(float(lam @ v), 0.0)
            return 2.0 * max(float(phi(R)), 1e-300) * float(lam2 @ v) / lk

        def rhs(k: float, v: NDArray) -> NDArray:
            # dv_j/dk = −2γφλ_j v_j + (γ²/2)κ_j at γ = γ*(v)   (docs/signsgd.md)
            R = max(float(lam @ v), 0.0)
            ph = max(float(phi(R)), 1e-300)
            g = 2.0 * ph * float(lam2 @ v) / lk
            return -2.0 * g * ph * lam * v + 0.5 * g * g * kappa

        v0 = np.asarray(modes.v0, dtype=np.float64)
        r0 = modes.initial_excess
        sol = integrate.solve_ivp(rhs, (0.0, float(steps[-1])), v0, method="LSODA",
                                  t_eval=steps.astype(np.float64), rtol=rtol,
                                  atol=1e-3 * rtol * max(r0, 1e-300) / lam.size)
        if not sol.success:
            raise FloatingPointError(f"greedy signSGD ODE failed: {sol.message}")
        excess = lam @ sol.y
        lr = np.array([gamma(sol.y[:, i]) for i in range(steps.size)])
        floor = prob.floor if np.isfinite(prob.floor) else 0.0
        info = {"optimizer": "SignSGD", "lr": "greedy", "batch": 1, "solver": "LSODA",
                "d": modes.d, "noise": repr(prob.noise)}
        return GreedyCurve(RiskCurve(steps, excess + floor, floor, True,
                                     f"LSODA, {sol.nfev} evaluations", info), lr)

    # -- finite-d update ---------------------------------------------------------------------
    def update(self, params, grad, k, state, excess_risk=None):
        r"""signSGD step ``params - γ_k · sign(grad)`` (``excess_risk``, shape (n_runs,), for a
        state-dependent step)."""
        if self.state_dependent:
            if excess_risk is None:
                raise ValueError("a state-dependent step needs excess_risk= (one value per run)")
            gamma = np.asarray(self.lr(float(k), excess_risk))[:, None]
        else:
            gamma = self.lr(float(k))
        return params - gamma * np.sign(grad), state

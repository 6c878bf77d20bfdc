r"""One-pass signSGD (batch size 1): its exact high-dimensional risk ODE and its update.

The update is :math:`\theta_{k+1} = \theta_k - \gamma_k\,\mathrm{sign}(x_{k+1}(\langle x_{k+1},
\theta_k\rangle - y_{k+1}))`; on Gaussian least squares with any label-noise law its excess risk
follows, in high dimension, the mode ODE (theory note ``signsgd.md`` §6.2, k-form)

.. math::

    \frac{dv_j}{dk} = -2\gamma_k\varphi(R)\lambda_j v_j + \frac{\gamma_k^2}{2}\kappa_j, \qquad
    R = \sum_j\lambda_j v_j,

with :math:`\lambda_j, \kappa_j, v_j(0)` from :func:`~deterministic_risk.signsgd_modes` and
:math:`\varphi` from the problem's noise law (:mod:`deterministic_risk.noise`). It is integrated by
:func:`~deterministic_risk.integrate.exponential_feedback_integrate` (exponential integrator in the
time :math:`\tau = \int 2\gamma\varphi\,dk`, second-order predictor–corrector for the scalar
feedback, log-spaced blocks).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..integrate import DIVERGENCE_FACTOR, exponential_feedback_integrate
from ..results import RiskCurve
from ..schedules import RiskSchedule, Schedule, as_schedule
from .base import Optimizer

__all__ = ["SignSGD"]

_PHI_TINY = 1e-300   # φ is floored here so that c = γ/(4φ) stays finite (Rademacher noise)


def _least_squares(problem: Any, feature_seed: int = 0):
    """The GaussianLeastSquares form of a problem (PLRF problems are mapped, §11.1)."""
    from ..problems import PLRF, GaussianLeastSquares, PLRFInstance
    from ..spectrum import Spectrum

    if isinstance(problem, GaussianLeastSquares):
        return problem
    from ..signsgd_plrf import _instance_least_squares

    if isinstance(problem, PLRFInstance):
        return _instance_least_squares(problem)
    if isinstance(problem, PLRF):
        return _instance_least_squares(problem.instance(feature_seed))
    if isinstance(problem, Spectrum):
        raise TypeError("signSGD is not rotation invariant: its risk depends on the covariance "
                        "and its diagonal, not on the spectrum alone; pass a GaussianLeastSquares")
    raise TypeError(f"expected a GaussianLeastSquares or PLRF problem, got {type(problem).__name__}")


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
    then (theory note ``signsgd.md`` pitfall P8). The update is not rotation invariant, so the
    simulator samples features in the problem's own coordinates.

    ``risk_curve(problem, SignSGD(...), steps)`` returns ``.excess`` = R (the ODE) and ``.risk`` =
    R + ½E[ε²]. For noise of infinite variance (Cauchy, Student-t with ν <= 2) the full risk is
    infinite: the curve then has floor 0, so ``.risk`` equals ``.excess``, and
    ``info["floor"]`` says so.

    References
    ----------
    Xiao, Marshall, Agarwala, Paquette, arXiv:2411.12135; theory note ``signsgd.md`` §6.

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
    def _risk_curve(self, problem: Any, steps: NDArray[np.int64], *, grid_ratio: float = 0.01,
                    max_change: float = 0.5, rtol: float = 1e-5, feature_seed: int = 0,
                    on_divergence: str = "raise", spectrum_method: str | None = None,
                    n_nodes: int | None = None, **ignored: Any) -> RiskCurve:
        from ..noise import Gaussian
        from ..problems import PLRF
        from ..signsgd_plrf import plrf_signsgd_modes
        from ..signsgd_theory import signsgd_modes

        if isinstance(problem, PLRF):
            # PLRF: the large-d model by default (docs/signsgd_large_d.md), or the exact modes
            # of one sampled W (theory note signsgd_plrf.md §3.2)
            method = "deterministic" if spectrum_method is None else spectrum_method
            options = {"n_nodes": n_nodes} if method == "deterministic" else {}
            modes, plrf_floor = plrf_signsgd_modes(problem, method=method, seed=feature_seed,
                                                   **options)
            noise = Gaussian(math.sqrt(2.0 * plrf_floor))
            floor = plrf_floor
            described = {"spectrum_method": method}
        else:
            prob = _least_squares(problem, feature_seed)
            modes = signsgd_modes(prob)
            noise, floor, described = prob.noise, prob.floor, {}
        phi = noise.phi
        step_size = self.step_size
        constant = None if self.state_dependent or not self.lr.is_constant else self.lr(0.0)

        def rates(k: float, R: float) -> tuple[float, float]:
            # dv/dk = -a λ v + a c κ with a = 2γφ(R), c = γ/(4φ(R))   (signsgd.md §6.2)
            gamma = constant if constant is not None else float(step_size(k, R))
            ph = max(float(phi(R)), _PHI_TINY)
            return 2.0 * gamma * ph, gamma / (4.0 * ph)

        r0 = modes.initial_excess
        result = exponential_feedback_integrate(
            modes.eigenvalues, modes.kappa, modes.v0, rates, steps,
            breakpoints=self.lr.breakpoints(float(steps[-1])), grid_ratio=grid_ratio,
            max_change=max_change, rtol=rtol,
            divergence_threshold=DIVERGENCE_FACTOR * max(r0, 1.0))
        if not result.success and on_divergence == "raise":
            raise FloatingPointError(f"signSGD excess risk {result.message}; lower the step")
        info = {**self.describe(), "method": "ode", "d": int(modes.diagonal.size),
                "noise": repr(noise), "floor": floor, **described}
        if not np.isfinite(floor):
            info["floor"] = ("inf: the label noise has infinite variance, so the full risk is "
                             "infinite; risk and excess both report the excess risk")
            floor = 0.0
        return RiskCurve(steps, result.risk + floor, floor, result.success, result.message, info)

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

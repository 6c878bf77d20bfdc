r"""One-pass Adam (batch size 1) and a **conjectured** high-dimensional risk ODE for it.

Derivations and modelling notes: docs/theory.md, section ``deterministic_risk.optimizers.adam``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _validation as check
from ..schedules import Schedule, as_schedule
from ..signsgd.modes import signsgd_modes
from ..solvers import ModeODE
from .base import Optimizer

__all__ = ["Adam", "adam_limiting_risk"]


@dataclass(frozen=True)
class Adam(Optimizer):
    r"""One-pass Adam with bias correction, batch size 1, and its conjectured risk ODE.

    .. math::

        m_k = \beta_1 m_{k-1} + (1-\beta_1)g_k,\quad v_k = \beta_2 v_{k-1} + (1-\beta_2)g_k^2,
        \quad \theta_{k} = \theta_{k-1} - \gamma_k\,\frac{m_k/(1-\beta_1^k)}
        {\sqrt{v_k/(1-\beta_2^k)} + \epsilon}

    (coordinate-wise, k counted from 1).

    Parameters
    ----------
    lr : float, Schedule or callable
        Step :math:`\gamma_k`; the limit takes :math:`\gamma = \eta/d`.
    beta1 : float, default 0.9
        Momentum, in [0, 1). It does not enter the ODE.
    beta2 : float, default 0.999
        Second-moment decay, in (0, 1). The ODE is the candidate limit for
        :math:`1-\beta_2 = c/d`, c = O(1) (``beta2 = 1 - 1/d`` is the setting checked).
    eps : float, default 0
        :math:`\epsilon` of the update (the ODE assumes 0).

    Notes
    -----
    **The deterministic curve is a conjecture** (docs/theory.md; ``docs/clipping_adam.md``,
    'The Adam candidate': derived, checked against simulation, not known to be the paper's
    conjecture). Measured against the mean of 16 simulated runs (d = 400, rotated covariance with a
    non-constant diagonal, γ = 0.5/d, Gaussian noise σ = 0.5, β₂ = 1 − 1/d, k ≤ 7d): see
    ``docs/clipping_adam.md`` for the numbers. Label noise of infinite variance is refused (V
    would be infinite). Not rotation invariant: the simulator samples in the problem's own
    coordinates.

    References
    ----------
    Kingma, Ba, *Adam: A Method for Stochastic Optimization*, arXiv:1412.6980 (the update);
    Xiao, Marshall, Agarwala, Paquette, arXiv:2411.12135 (the conjecture);
    ``docs/clipping_adam.md``, 'The Adam candidate'.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> prob = dr.GaussianLeastSquares(np.linspace(0.5, 2.0, 50), np.ones(50) / 7,
    ...                                noise_std=0.5)
    >>> opt = dr.Adam(lr=0.5 / 50, beta1=0.9, beta2=1 - 1 / 50)
    >>> curve = dr.risk_curve(prob, opt, [0, 500, 10**6])
    >>> round(float(curve.excess[-1] / dr.optimizers.adam.adam_limiting_risk(prob, 0.5 / 50)), 6)
    1.0
    """

    lr: Schedule | float | Callable
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 0.0
    rotation_invariant = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", as_schedule(self.lr))
        b1 = check.finite_float("beta1", self.beta1)
        if not 0.0 <= b1 < 1.0:
            raise ValueError(f"beta1 must lie in [0, 1), got {b1}")
        b2 = check.finite_float("beta2", self.beta2)
        if not 0.0 < b2 < 1.0:
            raise ValueError(f"beta2 must lie in (0, 1), got {b2}")
        object.__setattr__(self, "beta1", b1)
        object.__setattr__(self, "beta2", b2)
        object.__setattr__(self, "eps", check.positive_float("eps", self.eps, allow_zero=True))

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    # -- conjectured deterministic limit ---------------------------------------------------------
    def limit_dynamics(self, problem: Any, *, spectrum_method: str | None = None,
                       feature_seed: int | None = None) -> ModeODE:
        """The candidate ODE (docs/theory.md) on the d + 1 states (v, M), for LSODA (a PLRF
        problem is used through one draw of W: ``spectrum_method`` may only be "sampled")."""
        prob = _least_squares(problem, spectrum_method, feature_seed)
        modes = signsgd_modes(prob)
        lam = np.asarray(modes.eigenvalues)
        m2 = prob.noise.second_moment
        rate = 1.0 - self.beta2            # (1 − β₂) per iteration
        schedule = self.lr
        d = lam.size

        def rhs(k: float, y: NDArray) -> NDArray:
            v, M = y[:d], y[d]
            R = max(float(lam @ v), 0.0)
            two_p = 2.0 * R + m2
            corr = -math.expm1(-rate * k)
            V = two_p if corr <= 1e-300 else max(M / corr, 1e-300)
            g = float(schedule(k))
            out = np.empty(d + 1)
            # dv_j/dk = −2γV^{-1/2}λ_j v_j + (γ²/2)(2P/V)κ^C_j, κ^C_j = λ_j  (docs/theory.md)
            out[:d] = lam * (-2.0 * g / math.sqrt(V) * v + 0.5 * g * g * two_p / V)
            out[d] = rate * (two_p - M)
            return out

        info = {"method": "ode (candidate, conjectured)", "d": d, "noise": repr(prob.noise),
                "floor": prob.floor, "c": rate * d}
        return ModeODE(prob.floor, info, rhs, np.concatenate([modes.v0, [0.0]]),
                       lambda y: lam @ y[:d], d)

    def max_stable_lr(self, problem: Any, *, spectrum_method: str | None = None,
                      feature_seed: int | None = None) -> float:
        r"""The constant step whose limiting excess equals the initial one: inverting
        :func:`adam_limiting_risk`, :math:`c' = R_0/\sqrt{2R_0 + E\varepsilon^2}`,
        :math:`\gamma = 4c'/\sum_i\sqrt{K_{ii}}`."""
        prob = _least_squares(problem, spectrum_method, feature_seed)
        r0 = signsgd_modes(prob).initial_excess
        c = r0 / math.sqrt(2.0 * r0 + prob.noise.second_moment)
        return 4.0 * c / float(np.sum(np.sqrt(prob.diagonal)))

    def limit(self, problem: Any, *, spectrum_method: str | None = None,
              feature_seed: int | None = None) -> float:
        """:func:`adam_limiting_risk` at this constant step, plus the floor ½E[ε²]."""
        prob = _least_squares(problem, spectrum_method, feature_seed)
        return adam_limiting_risk(prob, self._constant_lr()) + prob.floor

    # -- finite-d update ---------------------------------------------------------------------
    def init_state(self, params: NDArray[np.float64]):
        """First and second moments, both zero."""
        return np.zeros_like(params), np.zeros_like(params)

    def update(self, params, grad, k, state):
        """Adam step with bias correction (``k`` counts from 0, so the correction uses k + 1)."""
        m, v = state
        b1, b2 = self.beta1, self.beta2
        m = b1 * m + (1.0 - b1) * grad
        v = b2 * v + (1.0 - b2) * grad * grad
        t = k + 1
        m_hat = m / -math.expm1(t * math.log(b1)) if b1 > 0 else m
        v_hat = v / -math.expm1(t * math.log(b2))
        step = m_hat / (np.sqrt(v_hat) + self.eps)
        return params - self.lr(float(k)) * step, (m, v)


def adam_limiting_risk(problem: Any, lr: float) -> float:
    r"""Fixed point of the Adam candidate ODE at a constant step.

    .. math::

        R_\infty = c'\big(c' + \sqrt{c'^2 + E\varepsilon^2}\big), \qquad
        c' = \frac{\gamma}{4}\sum_i\sqrt{K_{ii}}

    (from :math:`V = 2P` and :math:`\lambda_jv_j = \gamma\sqrt{2P}\,\kappa^C_j/4` at stationarity,
    summed with :math:`\sum_j\kappa^C_j = \sum_i\sqrt{K_{ii}}`): signSGD's Gaussian formula with
    π/8 replaced by 1/4. Conjectured like the ODE itself.

    Parameters
    ----------
    problem : GaussianLeastSquares or PLRF
    lr : float
        Constant step γ > 0.

    Returns
    -------
    float
        Excess risk :math:`R_\infty`.

    References
    ----------
    ``docs/clipping_adam.md``, 'The Adam candidate' (fixed point).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> prob = dr.GaussianLeastSquares([1.0] * 4, [0.0] * 4)     # no noise: 2c'²
    >>> dr.optimizers.adam.adam_limiting_risk(prob, 0.5)
    0.5
    """
    prob = _least_squares(problem, None, None)
    lr = check.positive_float("lr", lr)
    c = lr * float(np.sum(np.sqrt(prob.diagonal))) / 4.0
    return c * (c + math.sqrt(c * c + prob.noise.second_moment))


def _least_squares(problem: Any, spectrum_method: str | None, feature_seed: int | None):
    """The problem as GaussianLeastSquares (a PLRF through one draw of W), with label noise of
    finite variance."""
    if spectrum_method not in (None, "sampled"):
        raise ValueError(f"the Adam candidate ODE has no large-d model: spectrum_method must be "
                         f"'sampled' (one draw of W) or omitted, got {spectrum_method!r}")
    if spectrum_method is not None and not callable(getattr(problem, "instance", None)):
        raise TypeError(f"spectrum_method applies to PLRF problems only, got a "
                        f"{type(problem).__name__}")
    prob = check.problem(problem, "to_least_squares").to_least_squares(seed=feature_seed)
    if not prob.noise.finite_variance:
        raise ValueError(f"the Adam candidate ODE needs label noise of finite variance (its "
                         f"normaliser is the loss 2P = 2R + E[eps^2]); got {prob.noise!r}")
    return prob

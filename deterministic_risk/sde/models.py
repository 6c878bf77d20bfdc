r"""SDE models of SGD, signSGD, RMSprop(W) and AdamW on a noisy quadratic, side by side with the
real finite-step update and the stationary level of the linearised SDE.

The forms follow Compagnoni et al. (arXiv:2411.15958) and are derived in docs/extensions.md,
'The SDE models'. The models are named ``*Model`` so that they
do not shadow the package's optimizers.
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, NDArray

from .. import _validation as check
from .problem import NoisyQuadratic

__all__ = ["SDEMethod", "SGDModel", "SignSGDModel", "RMSpropWModel", "AdamWModel",
           "stationary_loss", "linearised_stationary_loss", "ou_stationary_covariance",
           "scale_for_batch"]


class SDEMethod(abc.ABC):
    r"""Base class of the optimizers modelled here (hyperparameters as a frozen dataclass).

    A subclass holds, next to each other:

    ``sde_init(problem, x)`` and ``sde_step(problem, state, t, dt, xi)``
        The SDE state (a tuple whose first entry is x, shape (n_paths, d)) and one explicit
        Euler–Maruyama increment over SDE time ``[t, t + dt]`` with standard normals ``xi``
        (shape (n_paths, d)); the Brownian increment is :math:`\sqrt{dt}\,\xi`, entering with
        the sign of the gradient noise (so :math:`-\sqrt{\eta dt}\,\sigma\xi` in dX; immaterial
        in law, and it makes the SGD step at Δt = η reproduce the optimizer draw for draw).
    ``init(problem, x)`` and ``step(problem, state, k, grad)``
        The real optimizer, vectorised over runs; ``grad`` is the noisy minibatch gradient at
        iteration k.
    ``ou_system(problem)``
        The linearisation of the SDE at the minimum, :math:`dz = -Az\,dt + \sqrt\eta\,G\,dW`, as
        ``(A, G Gᵀ, n_x)`` where the first ``n_x`` state coordinates are x.
    ``stationary_loss(problem)``
        The closed-form stationary excess loss of that linearisation.
    ``scaled_for_batch(delta, beta_rule)``
        The hyperparameters after the batch-size scaling rule B → δB.

    Adding a method means one subclass with these six members and one entry in the test matrix.

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> isinstance(sde.SignSGDModel(lr=1e-3), sde.SDEMethod)
    True
    """

    lr: float

    @abc.abstractmethod
    def sde_init(self, problem: NoisyQuadratic, x: NDArray) -> tuple: ...

    @abc.abstractmethod
    def sde_step(self, problem: NoisyQuadratic, state: tuple, t: float, dt: float,
                 xi: NDArray) -> tuple: ...

    @abc.abstractmethod
    def init(self, problem: NoisyQuadratic, x: NDArray) -> tuple: ...

    @abc.abstractmethod
    def step(self, problem: NoisyQuadratic, state: tuple, k: int, grad: NDArray) -> tuple: ...

    @abc.abstractmethod
    def ou_system(self, problem: NoisyQuadratic) -> tuple[NDArray, NDArray, int]: ...

    @abc.abstractmethod
    def stationary_loss(self, problem: NoisyQuadratic) -> float: ...

    @abc.abstractmethod
    def scaled_for_batch(self, delta: float, beta_rule: str = "keep") -> "SDEMethod": ...


@dataclass(frozen=True)
class SGDModel(SDEMethod):
    r"""SGD, :math:`x_{k+1} = x_k - \eta g_k`, and its SDE (baseline for the adaptive methods).

    Notes
    -----
    SDE (docs/extensions.md, 'The SDE models'): :math:`dX = -HX\,dt + \sqrt\eta\,\Sigma^{1/2}dW`.
    Stationary excess loss: :math:`\tfrac\eta4\operatorname{tr}\Sigma`, Σ the per-step noise
    covariance; infinite for Student-t noise with ν ≤ 2.

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([1.0, 2.0], noise_scale=1.0)
    >>> sde.SGDModel(lr=1e-3).stationary_loss(prob)   # (1e-3/4)·2
    0.0005
    """

    lr: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check.positive_float("lr", self.lr))

    def sde_init(self, problem, x):
        problem._require_finite_variance("the SGD SDE")
        return (x,)

    def sde_step(self, problem, state, t, dt, xi):
        (x,) = state
        noise = math.sqrt(self.lr * dt) * problem.std * xi
        return (x - dt * problem.gradient(x) - noise,)

    def init(self, problem, x):
        return (x,)

    def step(self, problem, state, k, grad):
        return (state[0] - self.lr * grad,)

    def ou_system(self, problem):
        std = problem._require_finite_variance("the SGD stationary loss")
        return np.diag(problem.hessian), np.diag(std**2), problem.d

    def stationary_loss(self, problem):
        std = problem.std
        return float(0.25 * self.lr * np.sum(std**2))

    def scaled_for_batch(self, delta, beta_rule="keep"):
        """Linear rule η → δη (docs/extensions.md, 'The SDE models', *Batch-size rules*)."""
        delta = check.positive_float("delta", delta)
        return replace(self, lr=self.lr * delta)


@dataclass(frozen=True)
class SignSGDModel(SDEMethod):
    r"""SignSGD, :math:`x_{k+1} = x_k - \eta\,\mathrm{sign}(g_k)`, and its SDE.

    Notes
    -----
    SDE for a general noise law (``docs/extensions.md``, 'The SDE models'; [A]):

    .. math:: dX = -m(X)\,dt + \sqrt\eta\,\mathrm{diag}(1-m(X)^2)^{1/2}\,dW, \qquad
              m = E[\mathrm{sign}(\nabla f + Z)] = 2F(\nabla f/s) - 1,

    (erf for Gaussian noise; :func:`sign_mean`). Linearised at the minimum,
    :math:`m \approx 2f(0)\,S^{-1}Hx` with :math:`S = \mathrm{diag}(s)`, an OU process with
    :math:`A = 2f(0) S^{-1}H`, :math:`GG^\top = I`, whose stationary excess loss is

    .. math:: E f(X_\infty) = \frac{\eta}{8 f(0)}\sum_i s_i
              \quad(= \tfrac\eta4\sqrt{\pi/2}\,\textstyle\sum_i s_i \text{ for Gaussian noise}).

    It is finite for every ν > 0, including infinite-variance noise.

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([1.0, 2.0], noise_scale=1.0)
    >>> round(sde.SignSGDModel(lr=1e-3).stationary_loss(prob), 10)   # (1e-3/4)·sqrt(pi/2)·2
    0.0006266571
    """

    lr: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check.positive_float("lr", self.lr))

    def sde_init(self, problem, x):
        return (x,)

    def sde_step(self, problem, state, t, dt, xi):
        (x,) = state
        m = problem.sign_mean(problem.gradient(x))
        diffusion = np.sqrt(np.maximum(1.0 - m * m, 0.0))
        return (x - dt * m - math.sqrt(self.lr * dt) * diffusion * xi,)

    def init(self, problem, x):
        return (x,)

    def step(self, problem, state, k, grad):
        return (state[0] - self.lr * np.sign(grad),)

    def ou_system(self, problem):
        a = 2.0 * problem.density_at_zero * problem.hessian / problem.scale
        return np.diag(a), np.eye(problem.d), problem.d

    def stationary_loss(self, problem):
        return float(self.lr * np.sum(problem.scale) / (8.0 * problem.density_at_zero))

    def scaled_for_batch(self, delta, beta_rule="keep"):
        """Square-root rule η → √δ·η (docs/extensions.md, 'The SDE models', *Batch-size rules*)."""
        delta = check.positive_float("delta", delta)
        return replace(self, lr=self.lr * math.sqrt(delta))


def _adaptive_floor(problem: NoisyQuadratic, lr: float, eps: float, omega: float,
                    who: str) -> NDArray[np.float64]:
    # per-coordinate stationary loss of the linearised RMSpropW SDE, P = s + ε (derivation in
    # RMSpropW's Notes; docs/extensions.md, stationary-loss table, row RMSpropW, at ε = 0)
    std = problem._require_finite_variance(who)
    h = problem.hessian
    p = std + eps
    return 0.25 * lr * h * std**2 / (p * (h + omega * p))


def _scale_beta(beta: float, delta: float, beta_rule: str, name: str) -> float:
    if beta_rule == "keep":
        return beta
    if beta_rule == "per_sample":
        one_minus = delta * (1.0 - beta)
        if not one_minus < 1.0:
            raise ValueError(f"beta_rule='per_sample' gives 1 - {name} = {delta:g}·(1 - {beta:g}) "
                             f"= {one_minus:g}, which must be < 1; use a smaller delta")
        return 1.0 - one_minus
    raise ValueError(f"beta_rule must be 'keep' or 'per_sample', got {beta_rule!r}")


@dataclass(frozen=True)
class RMSpropWModel(SDEMethod):
    r"""RMSprop with decoupled weight decay and its SDE (RMSprop for ``weight_decay=0``).

    Real update (``docs/extensions.md``, 'The SDE models'):
    :math:`v_{k+1} = \beta v_k + (1-\beta)g_k^2`,
    :math:`x_{k+1} = x_k - \eta\,g_k/(\sqrt{v_{k+1}}+\epsilon) - \eta\omega x_k`.

    Parameters
    ----------
    lr : float
        η > 0.
    beta : float, default 0.999
        β ∈ [0, 1).
    eps : float, default 1e-8
        ε ≥ 0.
    weight_decay : float, default 0
        ω ≥ 0.
    v0 : float, optional
        Initial second moment (all coordinates). Default: its expectation at the initial point,
        :math:`v_0 = (Hx_0)^2 + \mathrm{Var}\,Z` per path, so that no bias correction is needed.

    Notes
    -----
    SDE (with :math:`\rho = (1-\beta)/\eta`, :math:`t = k\eta`):

    .. math::
        dX &= -P^{-1}\nabla f\,dt - \omega X\,dt + \sqrt\eta\,P^{-1}\Sigma^{1/2}dW,
        \qquad P = \mathrm{diag}(\sqrt V) + \epsilon I,\\
        dV &= \rho\,(\nabla f^2 + \mathrm{diag}\,\Sigma - V)\,dt .

    The increment updates V first and then X with the new V, in the order of the algorithm.
    Near the minimum V → s² (the noise variance, up to a relative O(η h/s)), so X is an OU process
    with :math:`A = HP^{-1} + \omega I`, :math:`GG^\top = \Sigma P^{-2}`, P = s + ε, and

    .. math:: E f(X_\infty) = \frac\eta4\sum_i
              \frac{h_i s_i^2}{(s_i+\epsilon)(h_i + \omega(s_i+\epsilon))}

    which is the table's :math:`\tfrac\eta4\sum_i h_i s_i/(h_i+\omega s_i)` at ε = 0 (ε kept here so
    that the batch-size rule can be checked exactly). Needs noise of finite variance.

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([1.0, 2.0], noise_scale=1.0)
    >>> round(sde.RMSpropWModel(lr=1e-3, eps=0.0).stationary_loss(prob), 12)   # (1e-3/4)·2
    0.0005
    """

    lr: float
    beta: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.0
    v0: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check.positive_float("lr", self.lr))
        object.__setattr__(self, "beta", _beta("beta", self.beta))
        object.__setattr__(self, "eps", check.positive_float("eps", self.eps, allow_zero=True))
        object.__setattr__(self, "weight_decay",
                           check.positive_float("weight_decay", self.weight_decay, allow_zero=True))
        if self.v0 is not None:
            object.__setattr__(self, "v0", check.positive_float("v0", self.v0, allow_zero=True))

    def _v_init(self, problem, x):
        if self.v0 is not None:
            return np.full_like(x, self.v0)
        std = problem._require_finite_variance("RMSpropW with v0=None")
        return problem.gradient(x) ** 2 + std**2

    def sde_init(self, problem, x):
        problem._require_finite_variance("the RMSpropW SDE")
        return (x, self._v_init(problem, x))

    def sde_step(self, problem, state, t, dt, xi):
        x, v = state
        std = problem.std
        g = problem.gradient(x)
        rho = (1.0 - self.beta) / self.lr
        v = v + rho * dt * (g * g + std * std - v)
        inv_p = 1.0 / (np.sqrt(v) + self.eps)
        x = (x - dt * (inv_p * g + self.weight_decay * x)
             - math.sqrt(self.lr * dt) * (inv_p * std) * xi)
        return (x, v)

    def init(self, problem, x):
        return (x, self._v_init(problem, x))

    def step(self, problem, state, k, grad):
        x, v = state
        v = self.beta * v + (1.0 - self.beta) * grad * grad
        x = x - self.lr * (grad / (np.sqrt(v) + self.eps) + self.weight_decay * x)
        return (x, v)

    def ou_system(self, problem):
        std = problem._require_finite_variance("the RMSpropW stationary loss")
        p = std + self.eps
        return (np.diag(problem.hessian / p + self.weight_decay), np.diag((std / p) ** 2),
                problem.d)

    def stationary_loss(self, problem):
        return float(np.sum(_adaptive_floor(problem, self.lr, self.eps, self.weight_decay,
                                            "the RMSpropW stationary loss")))

    def scaled_for_batch(self, delta, beta_rule="keep"):
        r"""η → √δ·η, ω → √δ·ω, ε → ε/√δ; β kept or 1−β → δ(1−β) (``beta_rule``).

        The η and ω rules are forced by the floor formula (docs/extensions.md, *Batch-size rules*);
        the ε rule keeps :math:`P = \sqrt V + \epsilon` proportional to the noise scale, which
        makes the floor with ε > 0 invariant too (derived here). The β rule is not fixed by the
        floor (uncertain); ``"per_sample"`` keeps the relaxation of V per sample (Malladi et al.).
        """
        delta = check.positive_float("delta", delta)
        r = math.sqrt(delta)
        return replace(self, lr=self.lr * r, weight_decay=self.weight_decay * r, eps=self.eps / r,
                       beta=_scale_beta(self.beta, delta, beta_rule, "beta"),
                       v0=None if self.v0 is None else self.v0 / delta)


@dataclass(frozen=True)
class AdamWModel(SDEMethod):
    r"""Adam with decoupled weight decay and its SDE (Adam for ``weight_decay=0``).

    Real update (bias-corrected, m₀ = v₀ = 0):
    :math:`m_{k+1} = \beta_1 m_k + (1-\beta_1)g_k`,
    :math:`v_{k+1} = \beta_2 v_k + (1-\beta_2)g_k^2`,
    :math:`x_{k+1} = x_k - \eta\,\hat m/(\sqrt{\hat v}+\epsilon) - \eta\omega x_k` with
    :math:`\hat m = m_{k+1}/(1-\beta_1^{k+1})`, :math:`\hat v = v_{k+1}/(1-\beta_2^{k+1})`.

    Parameters
    ----------
    lr : float
        η > 0.
    beta1, beta2 : float, default 0.9, 0.999
        Moment decay rates in [0, 1).
    eps : float, default 1e-8
        ε ≥ 0.
    weight_decay : float, default 0
        ω ≥ 0.

    Notes
    -----
    SDE (``docs/extensions.md``, 'The SDE models'; :math:`\rho_i = (1-\beta_i)/\eta`,
    :math:`\gamma_i(t) = 1 - e^{-\rho_i t}`):

    .. math::
        dX &= -\frac{\sqrt{\gamma_2(t)}}{\gamma_1(t)} P^{-1}M\,dt - \omega X\,dt, \qquad
        P = \mathrm{diag}(\sqrt V) + \epsilon I,\\
        dM &= \rho_1(\nabla f - M)\,dt + \sqrt\eta\,\rho_1\Sigma^{1/2}dW, \qquad
        dV = \rho_2(\nabla f^2 + \mathrm{diag}\,\Sigma - V)\,dt .

    The increment updates M and V first and then X with the new moments and the bias factors at
    the end of the step (the order of the algorithm; the factors are undefined at t = 0).

    Stationary loss: linearising with V → s², (X, M) is a 2-d OU process per coordinate. Its
    Lyapunov equation solves in closed form (derived here):

    .. math:: E f(X_\infty) = \frac{1}{1+\omega/\rho_1}\cdot
              \frac\eta4\sum_i \frac{h_i s_i^2}{(s_i+\epsilon)(h_i + \omega(s_i+\epsilon))},

    the RMSpropW floor times :math:`1/(1+\omega\eta/(1-\beta_1))`, a
    correction of order η that vanishes without weight decay or as η → 0.

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([1.0, 2.0], noise_scale=1.0)
    >>> round(sde.AdamWModel(lr=1e-3, eps=0.0).stationary_loss(prob), 12)
    0.0005
    """

    lr: float
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check.positive_float("lr", self.lr))
        object.__setattr__(self, "beta1", _beta("beta1", self.beta1))
        object.__setattr__(self, "beta2", _beta("beta2", self.beta2))
        object.__setattr__(self, "eps", check.positive_float("eps", self.eps, allow_zero=True))
        object.__setattr__(self, "weight_decay",
                           check.positive_float("weight_decay", self.weight_decay, allow_zero=True))

    def sde_init(self, problem, x):
        problem._require_finite_variance("the AdamW SDE")
        return (x, np.zeros_like(x), np.zeros_like(x))

    def sde_step(self, problem, state, t, dt, xi):
        x, m, v = state
        std = problem.std
        g = problem.gradient(x)
        rho1 = (1.0 - self.beta1) / self.lr
        rho2 = (1.0 - self.beta2) / self.lr
        m = m + rho1 * dt * (g - m) + rho1 * math.sqrt(self.lr * dt) * std * xi
        v = v + rho2 * dt * (g * g + std * std - v)
        gamma1 = -math.expm1(-rho1 * (t + dt))
        gamma2 = -math.expm1(-rho2 * (t + dt))
        x = x - dt * ((math.sqrt(gamma2) / gamma1) * m / (np.sqrt(v) + self.eps)
                      + self.weight_decay * x)
        return (x, m, v)

    def init(self, problem, x):
        return (x, np.zeros_like(x), np.zeros_like(x))

    def step(self, problem, state, k, grad):
        x, m, v = state
        m = self.beta1 * m + (1.0 - self.beta1) * grad
        v = self.beta2 * v + (1.0 - self.beta2) * grad * grad
        m_hat = m / (1.0 - self.beta1 ** (k + 1))
        v_hat = v / (1.0 - self.beta2 ** (k + 1))
        x = x - self.lr * (m_hat / (np.sqrt(v_hat) + self.eps) + self.weight_decay * x)
        return (x, m, v)

    def ou_system(self, problem):
        # z = (x, m): dx = -(m/P + ωx) dt, dm = ρ₁(Hx - m) dt + √η ρ₁ Σ^{1/2} dW
        std = problem._require_finite_variance("the AdamW stationary loss")
        d = problem.d
        p = std + self.eps
        rho1 = (1.0 - self.beta1) / self.lr
        a = np.zeros((2 * d, 2 * d))
        a[:d, :d] = self.weight_decay * np.eye(d)
        a[:d, d:] = np.diag(1.0 / p)
        a[d:, :d] = -rho1 * np.diag(problem.hessian)
        a[d:, d:] = rho1 * np.eye(d)
        ggt = np.zeros((2 * d, 2 * d))
        ggt[d:, d:] = np.diag((rho1 * std) ** 2)
        return a, ggt, d

    def stationary_loss(self, problem):
        rho1 = (1.0 - self.beta1) / self.lr
        floor = _adaptive_floor(problem, self.lr, self.eps, self.weight_decay,
                                "the AdamW stationary loss")
        return float(np.sum(floor) / (1.0 + self.weight_decay / rho1))

    def scaled_for_batch(self, delta, beta_rule="keep"):
        r"""η → √δ·η, ω → √δ·ω, ε → ε/√δ; β₁, β₂ kept or 1−βᵢ → δ(1−βᵢ) (``beta_rule``).

        See :meth:`RMSpropWModel.scaled_for_batch`. With ``beta_rule="keep"`` the O(ωη/(1−β₁))
        correction of the AdamW floor changes by a factor δ; ``"per_sample"`` keeps
        :math:`\omega/\rho_1` and hence the whole floor exactly fixed.
        """
        delta = check.positive_float("delta", delta)
        r = math.sqrt(delta)
        return replace(self, lr=self.lr * r, weight_decay=self.weight_decay * r, eps=self.eps / r,
                       beta1=_scale_beta(self.beta1, delta, beta_rule, "beta1"),
                       beta2=_scale_beta(self.beta2, delta, beta_rule, "beta2"))


def _beta(name: str, value: object) -> float:
    b = check.finite_float(name, value)
    if not 0.0 <= b < 1.0:
        raise ValueError(f"{name} must lie in [0, 1), got {b}")
    return b


# ------------------------------------------------------------------------------------------------
# Stationary levels and scaling rules
# ------------------------------------------------------------------------------------------------

def stationary_loss(problem: NoisyQuadratic, method: SDEMethod) -> float:
    r"""Closed-form stationary excess loss :math:`E f(X_\infty)` of the linearised SDE.

    Parameters
    ----------
    problem : NoisyQuadratic
    method : SGDModel, SignSGDModel, RMSpropWModel or AdamWModel

    Returns
    -------
    float
        Stationary excess risk (½ convention; ``inf`` for SGD with infinite-variance noise).

    Raises
    ------
    ValueError
        For RMSpropW/AdamW with infinite-variance noise (their SDE needs Σ).

    Notes
    -----
    The formulas (``docs/extensions.md``, 'The SDE models') are in each method's Notes:
    SGD :math:`\tfrac\eta4\mathrm{tr}\,\Sigma`; SignSGD :math:`\eta\sum_i s_i/(8f(0))`;
    RMSpropW :math:`\tfrac\eta4\sum_i h_is_i/(h_i+\omega s_i)` (ε = 0); AdamW the same times
    :math:`1/(1+\omega\eta/(1-\beta_1))`. They are leading order in η: the linearisation of the
    sign and the finite step change them by relative O(η h/s) (see ``docs/extensions.md``).

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([0.5, 1.0, 2.0], noise_scale=2.0)
    >>> round(sde.stationary_loss(prob, sde.SignSGDModel(1e-3)), 12)   # (η/4)·sqrt(π/2)·Σσ
    0.001879971206
    """
    if not isinstance(method, SDEMethod):
        raise TypeError(f"method must be one of sde.SGDModel, SignSGDModel, RMSpropWModel, AdamWModel, got "
                        f"{type(method).__name__}")
    return method.stationary_loss(problem)


def ou_stationary_covariance(drift: ArrayLike, diffusion: ArrayLike, lr: float
                             ) -> NDArray[np.float64]:
    r"""Stationary covariance of :math:`dz = -Az\,dt + \sqrt\eta\,G\,dW`.

    Parameters
    ----------
    drift : array_like, shape (n, n)
        A, with eigenvalues of positive real part.
    diffusion : array_like, shape (n, n)
        :math:`GG^\top`, symmetric positive semi-definite.
    lr : float
        η.

    Returns
    -------
    ndarray, shape (n, n)
        C solving :math:`AC + CA^\top = \eta\,GG^\top` (docs/extensions.md, 'The SDE models').

    Raises
    ------
    ValueError
        If A is not stable (some eigenvalue has real part ≤ 0) or the shapes differ.

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> sde.ou_stationary_covariance([[2.0]], [[1.0]], 1e-2).tolist()   # η/(2a)
    [[0.0025]]
    """
    a = check.float_array("drift", drift, ndim=2)
    q = check.float_array("diffusion", diffusion, ndim=2)
    lr = check.positive_float("lr", lr)
    if a.shape[0] != a.shape[1] or q.shape != a.shape:
        raise ValueError(f"drift must be square and diffusion of its shape, got {a.shape} and "
                         f"{q.shape}")
    if np.max(np.linalg.eigvals(a).real) <= 0:
        raise ValueError("drift must be stable: every eigenvalue of A needs a positive real part")
    c = scipy.linalg.solve_continuous_lyapunov(a, lr * q)
    return 0.5 * (c + c.T)


def linearised_stationary_loss(problem: NoisyQuadratic, method: SDEMethod) -> float:
    r"""Stationary excess loss from the Lyapunov equation of the linearised SDE.

    An independent route to :func:`stationary_loss`: solves
    :math:`AC + CA^\top = \eta GG^\top` numerically (:func:`ou_stationary_covariance`) for the
    system of ``method.ou_system`` and returns :math:`\tfrac12\mathrm{tr}(HC_{xx})`
    (``docs/extensions.md``, 'The SDE models').

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([1.0, 2.0], noise_scale=1.0)
    >>> m = sde.AdamWModel(1e-3, eps=0.0, weight_decay=1.0)
    >>> abs(sde.linearised_stationary_loss(prob, m) / m.stationary_loss(prob) - 1) < 1e-10
    True
    """
    a, ggt, n_x = method.ou_system(problem)
    c = ou_stationary_covariance(a, ggt, method.lr)
    return float(0.5 * np.sum(problem.hessian * np.diag(c)[:n_x]))


def scale_for_batch(problem: NoisyQuadratic, method: SDEMethod, delta: int, *,
                    beta_rule: Literal["keep", "per_sample"] = "keep"
                    ) -> tuple[NoisyQuadratic, SDEMethod]:
    r"""Apply the batch-size scaling rule B → δB to a problem and a method's hyperparameters.

    Parameters
    ----------
    problem : NoisyQuadratic Problem at batch size B. method : SGDModel, SignSGDModel,
    RMSpropWModel or AdamWModel Hyperparameters at batch size B. delta : int Factor δ ≥ 1 (δB must
    be a whole batch size). beta_rule : {"keep", "per_sample"} Moment decay rates kept, or 1 − β →
    δ(1 − β) (relaxation per sample kept; Malladi et al.'s square-root regime). The β rules are
    uncertain (docs/extensions.md, *Batch-size rules*).

    Returns
    -------
    (NoisyQuadratic, SDEMethod)
        The problem at batch δB and the rescaled hyperparameters.

    Notes
    -----
    Rules (docs/extensions.md, *Batch-size rules*, derived by keeping the stationary loss and the
    contraction per sample): SGD η → δη; SignSGD η → √δη; RMSpropW/AdamW η → √δη, ω → √δω (and
    ε → ε/√δ, derived here so that the ε-dependent floor is exactly invariant).

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([0.5, 2.0], noise_scale=1.0)
    >>> big, m = sde.scale_for_batch(prob, sde.SignSGDModel(1e-3), 4)
    >>> big.batch, m.lr
    (4, 0.002)
    """
    delta = check.positive_int("delta", delta)
    if not isinstance(method, SDEMethod):
        raise TypeError(f"method must be one of sde.SGDModel, SignSGDModel, RMSpropWModel, AdamWModel, got "
                        f"{type(method).__name__}")
    return problem.with_batch(problem.batch * delta), method.scaled_for_batch(delta, beta_rule)


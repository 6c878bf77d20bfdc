r"""Fixed-dimension SDE models of SignSGD, RMSprop(W) and AdamW on noisy quadratics.

This module sets three descriptions of an adaptive optimizer side by side on the same problem,
so that they can be compared:

* the **real finite-step optimizer** (:func:`run_optimizer`): SGD, SignSGD, RMSpropW or AdamW
  driven by gradients :math:`g = Hx + Z` with gradient noise Z drawn from the problem's law;
* its **SDE model** (:func:`simulate_sde`), integrated by Euler–Maruyama, vectorised over paths;
* the **stationary excess loss** of the linearised SDE (:func:`stationary_loss`), in closed form,
  and the **batch-size scaling rules** (:func:`scale_for_batch`) that keep it fixed.

Problem: :math:`f(x) = \tfrac12 x^\top H x` with :math:`H = \mathrm{diag}(h)` in the coordinates in
which the optimizers act (sign and the Adam preconditioner are coordinate-wise), minimum
:math:`f^\ast = 0`; the per-step gradient-noise coordinates are independent with scale
:math:`s_i = \sigma_i/\sqrt B` (:class:`NoisyQuadratic`).

Conventions and their conversion (theory note ``extensions.md`` §0)
-------------------------------------------------------------------
* **Risk.** ``loss`` is :math:`f(x) - f^\ast = \tfrac12 x^\top H x`, which *is* the package's
  excess risk :math:`\tfrac12 (\theta-\theta^\ast)^\top K(\theta-\theta^\ast)` with K = H (§0.1).
  Every "stationary loss" here is a stationary excess risk in the ½ convention; no factor 2 enters.
* **Time.** The SDE papers use SDE time :math:`t = k\eta` with per-step learning rate η (§0.2,
  Li–Tai–E). Results are indexed by the package's iteration count k; the integrators convert with
  :math:`t = k\eta` (so the Euler–Maruyama step is :math:`\Delta t = \eta/\text{substeps}`). The
  learning rate η of the SDE is the step γ = ``lr`` of the real optimizer. Stationary levels do not
  depend on the time unit (§0.2); a rate per unit t is η times a rate per iteration.
* **Batch.** Minibatch gradients are averaged, so the noise covariance is Σ/B (§0.2) and the
  per-step noise scale is :math:`\sigma/\sqrt B`. This is exact for Gaussian noise; for Student-t
  noise it is the modelling assumption of the scaling rules (the average of B Student-t draws is
  not Student-t).
* **Weight decay** is ω (``weight_decay``), decoupled: :math:`x \leftarrow x - \eta\omega x`
  (§0.2 notation clash).

**References.**
[A] E. M. Compagnoni, T. Liu, R. Islamov, F. N. Proske, A. Orvieto, A. Lucchi, *Adaptive Methods
through the Lens of SDEs: Theoretical Insights on the Role of Noise*, arXiv:2411.15958 (ICLR
2025). The exact typesetting of the paper's SDEs and the lemma numbers could not be checked (theory
note ``extensions.md`` §13); the forms used here are those of the note, §2–§4, which were derived
and checked numerically there and are checked again by ``tests/test_sde.py``.
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import scipy.linalg
import scipy.special
from numpy.typing import ArrayLike, NDArray

from . import _validation as check

__all__ = [
    "NoisyQuadratic", "SDEMethod", "SGD", "SignSGD", "RMSpropW", "AdamW", "LossPaths",
    "sign_mean", "density_at_zero", "simulate_sde", "run_optimizer", "stationary_loss",
    "linearised_stationary_loss", "ou_stationary_covariance", "scale_for_batch",
]

#: Target size (float64 numbers) of one block of pre-drawn random numbers.
_BLOCK_NUMBERS = 1_000_000


# ------------------------------------------------------------------------------------------------
# Noise laws
# ------------------------------------------------------------------------------------------------

def density_at_zero(noise: str = "gaussian", nu: float | None = None) -> float:
    r"""Density at 0 of the standardised gradient-noise law, :math:`f(0)`.

    Parameters
    ----------
    noise : {"gaussian", "student"}
        Law of one noise coordinate divided by its scale.
    nu : float, optional
        Degrees of freedom ν > 0 of the Student-t law (ν = 1 is Cauchy); required for
        ``"student"``.

    Returns
    -------
    float
        :math:`1/\sqrt{2\pi}` (Gaussian) or
        :math:`f_\nu(0) = \Gamma(\tfrac{\nu+1}2)/(\sqrt{\nu\pi}\,\Gamma(\tfrac\nu2))` (Student-t).

    References
    ----------
    Theory note ``extensions.md`` §2.6.

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> round(sde.density_at_zero("student", 1.0), 12) == round(1 / 3.141592653589793, 12)
    True
    """
    noise, nu = _noise_law(noise, nu)
    if noise == "gaussian":
        return 1.0 / math.sqrt(2.0 * math.pi)
    return math.exp(math.lgamma(0.5 * (nu + 1.0)) - math.lgamma(0.5 * nu)) / math.sqrt(nu * math.pi)


def sign_mean(grad: ArrayLike, scale: ArrayLike, *, noise: str = "gaussian",
              nu: float | None = None) -> NDArray[np.float64]:
    r"""Mean sign of a noisy gradient, :math:`m = E[\mathrm{sign}(g + sT)]` componentwise.

    Parameters
    ----------
    grad : array_like, shape (..., d)
        Noise-free gradient g.
    scale : array_like, shape (d,) or broadcastable
        Noise scale s > 0 of each coordinate.
    noise : {"gaussian", "student"}
        Law of T (standard normal, or Student-t with ``nu`` degrees of freedom).
    nu : float, optional
        Degrees of freedom of the Student-t law.

    Returns
    -------
    ndarray
        :math:`m = 1 - 2P(g + sT < 0) = 2F(g/s) - 1`, with F the CDF of T.

    Notes
    -----
    Gaussian: :math:`m = \mathrm{erf}(g/(\sqrt2 s))` (theory note ``extensions.md`` §2.3).
    Student-t: :math:`m = 2F_\nu(g/s) - 1` (§2.6), in closed form for ν = 1 (Cauchy,
    :math:`\tfrac2\pi\arctan u`) and ν = 3 (:math:`\tfrac2\pi(\arctan u + u/(1+u^2))`,
    :math:`u = g/(s\sqrt3)`), otherwise ``scipy.special.stdtr``. The small-g slope is
    :math:`2f(0)/s` (:func:`density_at_zero`): :math:`\sqrt{2/\pi}/s` for Gaussian noise.

    Examples
    --------
    >>> import numpy as np
    >>> from deterministic_risk import sde
    >>> round(float(sde.sign_mean(np.array([1e-8]), 1.0)[0] / 1e-8), 12)   # sqrt(2/pi)
    0.797884560803
    """
    noise, nu = _noise_law(noise, nu)
    z = np.asarray(grad, dtype=np.float64) / np.asarray(scale, dtype=np.float64)
    if noise == "gaussian":
        return scipy.special.erf(z * (1.0 / math.sqrt(2.0)))
    if nu == 1.0:
        return (2.0 / math.pi) * np.arctan(z)
    if nu == 3.0:
        u = z * (1.0 / math.sqrt(3.0))
        return (2.0 / math.pi) * (np.arctan(u) + u / (1.0 + u * u))
    return 2.0 * scipy.special.stdtr(nu, z) - 1.0


def _noise_law(noise: str, nu: float | None) -> tuple[str, float | None]:
    if noise not in ("gaussian", "student"):
        raise ValueError(f"noise must be 'gaussian' or 'student', got {noise!r}")
    if noise == "gaussian":
        if nu is not None:
            raise ValueError("nu is only used with noise='student'")
        return noise, None
    if nu is None:
        raise ValueError("noise='student' needs nu > 0 (degrees of freedom; 1 = Cauchy)")
    return noise, check.positive_float("nu", nu)


# ------------------------------------------------------------------------------------------------
# Problem
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class NoisyQuadratic:
    r"""Quadratic :math:`f(x) = \tfrac12 x^\top \mathrm{diag}(h)\,x` with additive gradient noise.

    A minibatch gradient at x is :math:`g = Hx + Z`, :math:`Z_i = (\sigma_i/\sqrt B)\,T_i` with
    :math:`T_i` i.i.d. standard normal or Student-t(ν).

    Parameters
    ----------
    hessian : array_like, shape (d,)
        Diagonal :math:`h_i > 0` of H.
    noise_scale : float or array_like, shape (d,)
        Scale :math:`\sigma_i > 0` of the noise of a single-sample gradient (the standard
        deviation for Gaussian noise).
    noise : {"gaussian", "student"}, default "gaussian"
        Law of :math:`T_i`.
    nu : float, optional
        Degrees of freedom of the Student-t law (ν = 1 is Cauchy; the variance is finite only
        for ν > 2).
    batch : int, default 1
        Batch size B (gradients averaged).

    Raises
    ------
    ValueError
        For non-positive curvatures or scales, or an invalid noise law.

    Notes
    -----
    ``loss(x)`` is the excess risk in the package convention (theory note ``extensions.md``
    §0.1). Per-step noise scale :math:`s_i = \sigma_i/\sqrt B` (§0.2); standard deviation
    :math:`s_i\sqrt{\nu/(\nu-2)}` for Student-t with ν > 2.

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([0.5, 2.0], noise_scale=1.0, batch=4)
    >>> prob.scale.tolist()
    [0.5, 0.5]
    >>> float(prob.loss([1.0, 1.0]))
    1.25
    """

    hessian: ArrayLike
    noise_scale: ArrayLike
    noise: str = "gaussian"
    nu: float | None = None
    batch: int = 1

    def __post_init__(self) -> None:
        h = check.float_array("hessian", self.hessian, ndim=1)
        if h.size == 0 or np.any(h <= 0):
            raise ValueError("hessian must be a non-empty 1-d array of curvatures > 0")
        sigma = self.noise_scale
        if np.ndim(sigma) == 0:
            sigma = np.full(h.shape, check.finite_float("noise_scale", sigma))
        sigma = check.float_array("noise_scale", sigma, ndim=1)
        if sigma.shape != h.shape:
            raise ValueError(f"noise_scale must be a number or have the shape of hessian "
                             f"{h.shape}, got {sigma.shape}")
        if np.any(sigma <= 0):
            raise ValueError("noise_scale must be > 0 in every coordinate")
        noise, nu = _noise_law(self.noise, self.nu)
        object.__setattr__(self, "hessian", h)
        object.__setattr__(self, "noise_scale", sigma)
        object.__setattr__(self, "noise", noise)
        object.__setattr__(self, "nu", nu)
        object.__setattr__(self, "batch", check.positive_int("batch", self.batch))

    @property
    def d(self) -> int:
        """Dimension."""
        return self.hessian.size

    @property
    def scale(self) -> NDArray[np.float64]:
        r"""Per-step noise scale :math:`s_i = \sigma_i/\sqrt B`, shape (d,)."""
        return self.noise_scale / math.sqrt(self.batch)

    @property
    def std(self) -> NDArray[np.float64]:
        r"""Per-step noise standard deviation, shape (d,); ``inf`` for Student-t with ν ≤ 2."""
        if self.noise == "gaussian":
            return self.scale
        if self.nu <= 2.0:
            return np.full(self.d, np.inf)
        return self.scale * math.sqrt(self.nu / (self.nu - 2.0))

    @property
    def density_at_zero(self) -> float:
        """Density at 0 of the standardised noise law (see :func:`density_at_zero`)."""
        return density_at_zero(self.noise, self.nu)

    def with_batch(self, batch: int) -> "NoisyQuadratic":
        """The same problem with batch size ``batch``."""
        return replace(self, batch=batch)

    def loss(self, x: ArrayLike) -> NDArray[np.float64]:
        r"""Excess loss :math:`\tfrac12 x^\top H x` over the last axis of ``x`` (shape (..., d))."""
        x = np.asarray(x, dtype=np.float64)
        return 0.5 * np.einsum("...d,d,...d->...", x, self.hessian, x)

    def gradient(self, x: ArrayLike) -> NDArray[np.float64]:
        """Noise-free gradient Hx over the last axis of ``x``."""
        return np.asarray(x, dtype=np.float64) * self.hessian

    def sample_noise(self, rng: np.random.Generator, shape: tuple[int, ...]) -> NDArray[np.float64]:
        """Draw gradient noise Z of shape ``shape + (d,)``."""
        full = tuple(shape) + (self.d,)
        t = rng.standard_normal(full) if self.noise == "gaussian" else rng.standard_t(self.nu, full)
        return t * self.scale

    def sign_mean(self, grad: ArrayLike) -> NDArray[np.float64]:
        """Mean sign of ``grad + Z`` (see :func:`sign_mean`)."""
        return sign_mean(grad, self.scale, noise=self.noise, nu=self.nu)

    def _require_finite_variance(self, who: str) -> NDArray[np.float64]:
        std = self.std
        if not np.all(np.isfinite(std)):
            raise ValueError(f"{who} needs gradient noise of finite variance: nu must be > 2 for "
                             f"noise='student', got nu={self.nu}")
        return std

    def __repr__(self) -> str:
        law = "gaussian" if self.noise == "gaussian" else f"student(nu={self.nu:g})"
        h = self.hessian
        return (f"NoisyQuadratic(d={self.d}, h in [{h.min():.3g}, {h.max():.3g}], noise={law}, "
                f"sigma in [{self.noise_scale.min():.3g}, {self.noise_scale.max():.3g}], "
                f"batch={self.batch})")


# ------------------------------------------------------------------------------------------------
# Methods: SDE increment, real update and stationary level side by side
# ------------------------------------------------------------------------------------------------

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
    >>> isinstance(sde.SignSGD(lr=1e-3), sde.SDEMethod)
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
class SGD(SDEMethod):
    r"""SGD, :math:`x_{k+1} = x_k - \eta g_k`, and its SDE (baseline for the adaptive methods).

    Notes
    -----
    SDE (theory note ``extensions.md`` §4.1): :math:`dX = -HX\,dt + \sqrt\eta\,\Sigma^{1/2}dW`.
    Stationary excess loss (§4.3): :math:`\tfrac\eta4\operatorname{tr}\Sigma`, Σ the per-step noise
    covariance; infinite for Student-t noise with ν ≤ 2 (§2.6, pitfall E9).

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([1.0, 2.0], noise_scale=1.0)
    >>> sde.SGD(lr=1e-3).stationary_loss(prob)   # (1e-3/4)·2
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
        """Linear rule η → δη (theory note ``extensions.md`` §6)."""
        delta = check.positive_float("delta", delta)
        return replace(self, lr=self.lr * delta)


@dataclass(frozen=True)
class SignSGD(SDEMethod):
    r"""SignSGD, :math:`x_{k+1} = x_k - \eta\,\mathrm{sign}(g_k)`, and its SDE.

    Notes
    -----
    SDE for a general noise law (theory note ``extensions.md`` §2.2; [A]):

    .. math:: dX = -m(X)\,dt + \sqrt\eta\,\mathrm{diag}(1-m(X)^2)^{1/2}\,dW, \qquad
              m = E[\mathrm{sign}(\nabla f + Z)] = 2F(\nabla f/s) - 1,

    (erf for Gaussian noise, §2.3; :func:`sign_mean`). Linearised at the minimum,
    :math:`m \approx 2f(0)\,S^{-1}Hx` with :math:`S = \mathrm{diag}(s)`, an OU process with
    :math:`A = 2f(0) S^{-1}H`, :math:`GG^\top = I` (§4.5), whose stationary excess loss is (§4.3)

    .. math:: E f(X_\infty) = \frac{\eta}{8 f(0)}\sum_i s_i
              \quad(= \tfrac\eta4\sqrt{\pi/2}\,\textstyle\sum_i s_i \text{ for Gaussian noise}).

    It is finite for every ν > 0, including infinite-variance noise (§2.6).

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([1.0, 2.0], noise_scale=1.0)
    >>> round(sde.SignSGD(lr=1e-3).stationary_loss(prob), 10)   # (1e-3/4)·sqrt(pi/2)·2
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
        """Square-root rule η → √δ·η (theory note ``extensions.md`` §6)."""
        delta = check.positive_float("delta", delta)
        return replace(self, lr=self.lr * math.sqrt(delta))


def _adaptive_floor(problem: NoisyQuadratic, lr: float, eps: float, omega: float,
                    who: str) -> NDArray[np.float64]:
    # per-coordinate stationary loss of the linearised RMSpropW SDE, P = s + ε (derivation in
    # RMSpropW's Notes; theory note extensions.md §4.3 row "RMSpropW / AdamW" at ε = 0)
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
class RMSpropW(SDEMethod):
    r"""RMSprop with decoupled weight decay and its SDE (RMSprop for ``weight_decay=0``).

    Real update (theory note ``extensions.md`` §3):
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
    SDE (§3, with :math:`\rho = (1-\beta)/\eta`, :math:`t = k\eta`):

    .. math::
        dX &= -P^{-1}\nabla f\,dt - \omega X\,dt + \sqrt\eta\,P^{-1}\Sigma^{1/2}dW,
        \qquad P = \mathrm{diag}(\sqrt V) + \epsilon I,\\
        dV &= \rho\,(\nabla f^2 + \mathrm{diag}\,\Sigma - V)\,dt .

    The increment updates V first and then X with the new V, in the order of the algorithm.
    Near the minimum V → s² (the noise variance, up to a relative O(η h/s)), so X is an OU process
    with :math:`A = HP^{-1} + \omega I`, :math:`GG^\top = \Sigma P^{-2}`, P = s + ε (§4.5), and

    .. math:: E f(X_\infty) = \frac\eta4\sum_i
              \frac{h_i s_i^2}{(s_i+\epsilon)(h_i + \omega(s_i+\epsilon))}

    which is §4.3's :math:`\tfrac\eta4\sum_i h_i s_i/(h_i+\omega s_i)` at ε = 0 (ε kept here so
    that the batch-size rule can be checked exactly). Needs noise of finite variance.

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([1.0, 2.0], noise_scale=1.0)
    >>> round(sde.RMSpropW(lr=1e-3, eps=0.0).stationary_loss(prob), 12)   # (1e-3/4)·2
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

        The η and ω rules are forced by the floor formula (theory note ``extensions.md`` §6); the
        ε rule keeps :math:`P = \sqrt V + \epsilon` proportional to the noise scale, which makes
        the floor with ε > 0 invariant too (derived here). The β rule is not fixed by the floor
        (§6: uncertain); ``"per_sample"`` keeps the relaxation of V per sample (Malladi et al.).
        """
        delta = check.positive_float("delta", delta)
        r = math.sqrt(delta)
        return replace(self, lr=self.lr * r, weight_decay=self.weight_decay * r, eps=self.eps / r,
                       beta=_scale_beta(self.beta, delta, beta_rule, "beta"),
                       v0=None if self.v0 is None else self.v0 / delta)


@dataclass(frozen=True)
class AdamW(SDEMethod):
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
    SDE (theory note ``extensions.md`` §3; :math:`\rho_i = (1-\beta_i)/\eta`,
    :math:`\gamma_i(t) = 1 - e^{-\rho_i t}`):

    .. math::
        dX &= -\frac{\sqrt{\gamma_2(t)}}{\gamma_1(t)} P^{-1}M\,dt - \omega X\,dt, \qquad
        P = \mathrm{diag}(\sqrt V) + \epsilon I,\\
        dM &= \rho_1(\nabla f - M)\,dt + \sqrt\eta\,\rho_1\Sigma^{1/2}dW, \qquad
        dV = \rho_2(\nabla f^2 + \mathrm{diag}\,\Sigma - V)\,dt .

    The increment updates M and V first and then X with the new moments and the bias factors at
    the end of the step (the order of the algorithm; the factors are undefined at t = 0).

    Stationary loss: linearising with V → s², (X, M) is a 2-d OU process per coordinate. Its
    Lyapunov equation (§4.5) solves in closed form (derived here):

    .. math:: E f(X_\infty) = \frac{1}{1+\omega/\rho_1}\cdot
              \frac\eta4\sum_i \frac{h_i s_i^2}{(s_i+\epsilon)(h_i + \omega(s_i+\epsilon))},

    the RMSpropW floor (§4.3 "RMSpropW / AdamW") times :math:`1/(1+\omega\eta/(1-\beta_1))`, a
    correction of order η that vanishes without weight decay or as η → 0.

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([1.0, 2.0], noise_scale=1.0)
    >>> round(sde.AdamW(lr=1e-3, eps=0.0).stationary_loss(prob), 12)
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

        See :meth:`RMSpropW.scaled_for_batch`. With ``beta_rule="keep"`` the O(ωη/(1−β₁))
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
    method : SGD, SignSGD, RMSpropW or AdamW

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
    The formulas (theory note ``extensions.md`` §4.3) are in each method's Notes:
    SGD :math:`\tfrac\eta4\mathrm{tr}\,\Sigma`; SignSGD :math:`\eta\sum_i s_i/(8f(0))`;
    RMSpropW :math:`\tfrac\eta4\sum_i h_is_i/(h_i+\omega s_i)` (ε = 0); AdamW the same times
    :math:`1/(1+\omega\eta/(1-\beta_1))`. They are leading order in η: the linearisation of the
    sign and the finite step change them by relative O(η h/s) (see ``docs/extensions.md``).

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([0.5, 1.0, 2.0], noise_scale=2.0)
    >>> round(sde.stationary_loss(prob, sde.SignSGD(1e-3)), 12)   # (η/4)·sqrt(π/2)·Σσ
    0.001879971206
    """
    if not isinstance(method, SDEMethod):
        raise TypeError(f"method must be one of sde.SGD, SignSGD, RMSpropW, AdamW, got "
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
        C solving :math:`AC + CA^\top = \eta\,GG^\top` (theory note ``extensions.md`` §4.5).

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
    (theory note ``extensions.md`` §4.5).

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([1.0, 2.0], noise_scale=1.0)
    >>> m = sde.AdamW(1e-3, eps=0.0, weight_decay=1.0)
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
    problem : NoisyQuadratic
        Problem at batch size B.
    method : SGD, SignSGD, RMSpropW or AdamW
        Hyperparameters at batch size B.
    delta : int
        Factor δ ≥ 1 (δB must be a whole batch size).
    beta_rule : {"keep", "per_sample"}
        Moment decay rates kept, or 1 − β → δ(1 − β) (relaxation per sample kept; Malladi et
        al.'s square-root regime). Theory note ``extensions.md`` §6 flags the β rules as uncertain.

    Returns
    -------
    (NoisyQuadratic, SDEMethod)
        The problem at batch δB and the rescaled hyperparameters.

    Notes
    -----
    Rules (theory note ``extensions.md`` §6, derived by keeping the stationary loss and the
    contraction per sample): SGD η → δη; SignSGD η → √δη; RMSpropW/AdamW η → √δη, ω → √δω (and
    ε → ε/√δ, derived here so that the ε-dependent floor is exactly invariant).

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([0.5, 2.0], noise_scale=1.0)
    >>> big, m = sde.scale_for_batch(prob, sde.SignSGD(1e-3), 4)
    >>> big.batch, m.lr
    (4, 0.002)
    """
    delta = check.positive_int("delta", delta)
    if not isinstance(method, SDEMethod):
        raise TypeError(f"method must be one of sde.SGD, SignSGD, RMSpropW, AdamW, got "
                        f"{type(method).__name__}")
    return problem.with_batch(problem.batch * delta), method.scaled_for_batch(delta, beta_rule)


# ------------------------------------------------------------------------------------------------
# Drivers
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class LossPaths:
    r"""Excess loss of independent paths (SDE) or runs (real optimizer) at recorded iterations.

    Attributes
    ----------
    steps : ndarray of int64, shape (n,)
        Iteration counts k (SDE time t = kη).
    loss : ndarray, shape (n_paths, n)
        :math:`\tfrac12 x^\top Hx` of each path at ``steps`` (``inf`` after a divergence).
    time_average : ndarray, shape (n_paths,) or None
        Per-path average of the loss over every iteration of ``window`` (None if not requested).
    window : tuple of int or None
        First and last iteration of the time average (both included).
    success : bool
        False if some path diverged.
    message : str
    info : dict
        Kind (``"sde"`` or ``"optimizer"``), method, problem, seed.

    Examples
    --------
    >>> import numpy as np
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic(np.ones(4), 0.1 * np.ones(4))
    >>> paths = sde.simulate_sde(prob, sde.SGD(lr=0.01), [0, 10, 100], n_paths=8)
    >>> paths.loss.shape
    (8, 3)
    """

    steps: NDArray[np.int64]
    loss: NDArray[np.float64]
    time_average: NDArray[np.float64] | None = None
    window: tuple[int, int] | None = None
    success: bool = True
    message: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_paths(self) -> int:
        return self.loss.shape[0]

    @property
    def mean(self) -> NDArray[np.float64]:
        """Mean loss over paths, shape (n,)."""
        return self.loss.mean(axis=0)

    @property
    def stderr(self) -> NDArray[np.float64]:
        """Standard error of ``mean`` over the independent paths, shape (n,)."""
        return self.loss.std(axis=0, ddof=1) / math.sqrt(self.n_paths)

    @property
    def stationary_mean(self) -> float:
        """Mean over paths of the per-path time average (the measured stationary loss)."""
        if self.time_average is None:
            raise ValueError("no time average was recorded: pass average_from=")
        return float(self.time_average.mean())

    @property
    def stationary_stderr(self) -> float:
        """Standard error of :attr:`stationary_mean` (paths are independent)."""
        if self.time_average is None:
            raise ValueError("no time average was recorded: pass average_from=")
        return float(self.time_average.std(ddof=1) / math.sqrt(self.n_paths))

    def __repr__(self) -> str:
        status = "ok" if self.success else "diverged"
        avg = ("" if self.time_average is None else
               f", stationary {self.stationary_mean:.4g} ± {self.stationary_stderr:.2g}")
        return (f"LossPaths({self.info.get('kind', '?')}, {status}, n_paths={self.n_paths}, "
                f"k in [{self.steps[0]}, {self.steps[-1]}]{avg})")


def simulate_sde(problem: NoisyQuadratic, method: SDEMethod, steps: ArrayLike, *,
                 n_paths: int = 100, seed: int = 0, x0: ArrayLike | None = None,
                 average_from: int | None = None, substeps: int = 1,
                 on_divergence: Literal["raise", "return"] = "raise") -> LossPaths:
    r"""Integrate the SDE model of ``method`` by Euler–Maruyama, vectorised over paths.

    Parameters
    ----------
    problem : NoisyQuadratic
    method : SGD, SignSGD, RMSpropW or AdamW
    steps : array_like of int
        Iterations k at which to record the loss (SDE time t = kη, theory note
        ``extensions.md`` §0.2).
    n_paths : int, default 100
        Independent paths (>= 2, so that standard errors exist).
    seed : int, default 0
        Seed of ``np.random.default_rng``.
    x0 : array_like, shape (d,), optional
        Initial point (default: all ones, as in §4.6).
    average_from : int, optional
        If given, also average each path's loss over every iteration from ``average_from`` to
        ``max(steps)`` (the stationary estimate).
    substeps : int, default 1
        Euler–Maruyama steps per iteration (Δt = η/substeps).
    on_divergence : {"raise", "return"}
        Raise :class:`FloatingPointError` if a path becomes non-finite, or return a result with
        ``success=False``.

    Returns
    -------
    LossPaths

    Notes
    -----
    Each method's ``sde_step`` is one explicit step
    :math:`X \leftarrow X + b(X)\Delta t + \sqrt\eta\,\sigma(X)\sqrt{\Delta t}\,\xi` of its SDE
    (written in SDE time t = kη; the moment variables of RMSpropW/AdamW are advanced first, as in
    the algorithm). With ``substeps=1`` the step is :math:`\Delta t = \eta`, and the SDE increment
    has the mean and covariance of one step of the real optimizer to leading order.

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([0.5, 2.0], noise_scale=1.0)
    >>> res = sde.simulate_sde(prob, sde.SignSGD(1e-2), [0, 100], n_paths=8, seed=1)
    >>> res.loss.shape
    (8, 2)
    """
    n_paths = check.positive_int("n_paths", n_paths, minimum=2)
    return _drive("sde", problem, method, steps, n_paths, seed, x0, average_from,
                  check.positive_int("substeps", substeps), on_divergence)


def run_optimizer(problem: NoisyQuadratic, method: SDEMethod, steps: ArrayLike, *,
                  n_runs: int = 100, seed: int = 0, x0: ArrayLike | None = None,
                  average_from: int | None = None,
                  on_divergence: Literal["raise", "return"] = "raise") -> LossPaths:
    r"""Run the real finite-step optimizer with gradients :math:`g = Hx + Z`, vectorised over runs.

    Parameters
    ----------
    problem : NoisyQuadratic
        Supplies H and the law of Z (Gaussian or Student-t, scale σ/√B).
    method : SGD, SignSGD, RMSpropW or AdamW
    steps, seed, x0, average_from, on_divergence
        As in :func:`simulate_sde`.
    n_runs : int, default 100
        Independent runs (>= 2).

    Returns
    -------
    LossPaths

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([0.5, 2.0], noise_scale=1.0)
    >>> res = sde.run_optimizer(prob, sde.AdamW(1e-2), [0, 10, 100], n_runs=4, seed=0)
    >>> res.loss.shape
    (4, 3)
    """
    n_runs = check.positive_int("n_runs", n_runs, minimum=2)
    return _drive("optimizer", problem, method, steps, n_runs, seed, x0, average_from, 1,
                  on_divergence)


def _drive(kind: str, problem: NoisyQuadratic, method: SDEMethod, steps: ArrayLike, n_paths: int,
           seed: int, x0: ArrayLike | None, average_from: int | None, substeps: int,
           on_divergence: str) -> LossPaths:
    if not isinstance(problem, NoisyQuadratic):
        raise TypeError(f"problem must be a sde.NoisyQuadratic, got {type(problem).__name__}")
    if not isinstance(method, SDEMethod):
        raise TypeError(f"method must be one of sde.SGD, SignSGD, RMSpropW, AdamW, got "
                        f"{type(method).__name__}")
    if on_divergence not in ("raise", "return"):
        raise ValueError(f"on_divergence must be 'raise' or 'return', got {on_divergence!r}")
    steps = check.steps_array(steps)
    k_max = int(steps[-1])
    if average_from is not None:
        average_from = check.positive_int("average_from", average_from, minimum=0)
        if average_from > k_max:
            raise ValueError(f"average_from must be <= max(steps) = {k_max}, got {average_from}")
    d = problem.d
    start = (np.ones(d) if x0 is None else check.float_array("x0", x0, ndim=1))
    if start.shape != (d,):
        raise ValueError(f"x0 must have shape ({d},), got {start.shape}")
    x = np.tile(start, (n_paths, 1))
    rng = np.random.default_rng(seed)
    state = method.sde_init(problem, x) if kind == "sde" else method.init(problem, x)

    record = np.full((n_paths, steps.size), np.inf)
    accumulated = np.zeros(n_paths) if average_from is not None else None
    per_iter = substeps if kind == "sde" else 1
    block = max(1, _BLOCK_NUMBERS // (n_paths * d * per_iter))
    dt = method.lr / substeps
    success, message, next_rec = True, "", 0
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(k_max + 1):
            if next_rec < steps.size and steps[next_rec] == k or (
                    accumulated is not None and k >= average_from):
                loss = problem.loss(state[0])
                if not np.all(np.isfinite(loss)):
                    success = False
                    message = f"{kind} diverged (non-finite loss) by iteration {k}"
                    break
                if next_rec < steps.size and steps[next_rec] == k:
                    record[:, next_rec] = loss
                    next_rec += 1
                if accumulated is not None and k >= average_from:
                    accumulated += loss
            if k == k_max:
                break
            if k % block == 0:
                if kind == "sde":
                    draws = rng.standard_normal((min(block, k_max - k), per_iter, n_paths, d))
                else:
                    draws = problem.sample_noise(rng, (min(block, k_max - k), n_paths))
            if kind == "sde":
                for j in range(substeps):
                    t = (k * substeps + j) * dt
                    state = method.sde_step(problem, state, t, dt, draws[k % block, j])
            else:
                grad = problem.gradient(state[0]) + draws[k % block]
                state = method.step(problem, state, k, grad)
    if not success and on_divergence == "raise":
        raise FloatingPointError(f"{message}; lower the learning rate (lr={method.lr:g})")
    time_average = None
    window = None
    if accumulated is not None:
        window = (average_from, k_max)
        time_average = (accumulated / (k_max - average_from + 1) if success
                        else np.full(n_paths, np.inf))
    if success:
        message = (f"{kind}: {n_paths} paths, {k_max} iterations"
                   + (f", {substeps} Euler-Maruyama substeps per iteration"
                      if kind == "sde" and substeps > 1 else ""))
    info = {"kind": kind, "method": repr(method), "problem": repr(problem), "seed": seed,
            "substeps": substeps if kind == "sde" else None}
    return LossPaths(steps, record, time_average, window, success, message, info)

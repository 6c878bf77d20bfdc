r"""One-pass SGD with gradient-norm clipping: its high-dimensional risk ODE and its update.

Derivations and modelling notes: docs/theory.md, section ``deterministic_risk.optimizers.clipped``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate, optimize, special

from .. import _validation as check
from ..noise import (R_CEILING, R_FLOOR, Cauchy, Gaussian, Laplace, NoiseLaw, Rademacher,
                     StudentT)
from ..schedules import Schedule, as_schedule
from ..solvers import FeedbackModes
from .base import Optimizer

__all__ = ["ClippedSGD", "clipping_factors", "clipping_factors_quadrature", "clipping_criterion",
           "best_scaled_threshold"]

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_MU_TINY = 1e-300          # μ is floored here so that c = γν/(4μ) stays finite
_MIX_STEP = 0.1            # trapezoid step in y = log(mixing variable) (error ~ e^{-π²/h})


# -- μ and ν ------------------------------------------------------------------------------------

def _pdf(x: NDArray) -> NDArray:
    """Standard normal density, with arguments clipped so that huge |x| gives 0 without overflow."""
    xc = np.clip(x, -60.0, 60.0)
    return _INV_SQRT_2PI * np.exp(-0.5 * xc * xc)


def _gaussian_factors(m: NDArray, s: NDArray, c: NDArray) -> tuple[NDArray, NDArray]:
    r"""μ = P(|w| < c) and T = E[min(w², c²)] for w ~ N(m, s²) (docs/clipping_adam.md).

    With :math:`\alpha = (-c-m)/s`, :math:`\beta = (c-m)/s`, :math:`P = \Phi(\beta)-\Phi(\alpha)`:
    :math:`E[w^21\{|w|<c\}] = m^2P + 2ms(\phi(\alpha)-\phi(\beta)) + s^2(P + \alpha\phi(\alpha) -
    \beta\phi(\beta))` and :math:`T = E[w^21\{|w|<c\}] + c^2(1-P)`. P and 1 − P are formed from
    erf/erfc of (c ∓ m)/(s√2) so that neither loses digits.
    """
    with np.errstate(divide="ignore", over="ignore"):
        zp = (c - m) / (s * _SQRT2)
        zm = (c + m) / (s * _SQRT2)
        a = np.clip(-(c + m) / s, -1e3, 1e3)
        b = np.clip((c - m) / s, -1e3, 1e3)
    inside = 0.5 * (special.erf(zp) + special.erf(zm))
    outside = 0.5 * (special.erfc(zp) + special.erfc(zm))
    pa, pb = _pdf(a), _pdf(b)
    inner = m * m * inside + 2.0 * m * s * (pa - pb) + s * s * (inside + a * pa - b * pb)
    return inside, np.maximum(inner, 0.0) + c * c * outside


def _risk_scale(R: ArrayLike) -> NDArray[np.float64]:
    return np.maximum(check.excess_risk(R), R_FLOOR)


def _threshold_array(scaled_threshold: ArrayLike) -> NDArray[np.float64]:
    c = np.asarray(scaled_threshold, dtype=np.float64)
    if np.any(np.isnan(c)) or np.any(c <= 0):
        raise ValueError("scaled_threshold must be > 0 (np.inf means no clipping)")
    return c


def _mixture(R: NDArray, c: NDArray, shape: float, variance_of: Callable[[NDArray], NDArray]):
    r"""Average the Gaussian factors over :math:`g \sim \mathrm{Gamma}(\text{shape}, 1)` with
    conditional noise variance ``variance_of(g)``, by the trapezoid rule in y = log g.

    The density of y is :math:`e^{a y - e^y}/\Gamma(a)`, analytic in a strip, so the rule with step
    0.1 converges to double precision; the range is cut where the density is below
    :math:`e^{-40}` of its scale (left tail :math:`e^{a y}`, right tail :math:`e^{-e^y}`).
    """
    y = np.arange(-40.0 / shape - 1.0, 4.5, _MIX_STEP)
    g = np.exp(y)
    w = _MIX_STEP * np.exp(shape * y - g - special.gammaln(shape))
    s = np.sqrt(2.0 * R[..., None] + variance_of(g))
    mu, nu = _gaussian_factors(0.0, s, c[..., None])
    return mu @ w, nu @ w


def clipping_factors(R: ArrayLike, scaled_threshold: ArrayLike,
                     noise: NoiseLaw) -> tuple[NDArray[np.float64] | float, NDArray[np.float64] | float]:
    r"""Descent- and variance-reduction factors μ(R) and ν(R) of clipped SGD.

    .. math::

        \mu = P(|u-\varepsilon| < \hat c), \qquad \nu = E[\min((u-\varepsilon)^2, \hat c^2)],
        \qquad u \sim N(0, 2R).

    Parameters
    ----------
    R : float or array_like
        Excess risk >= 0.
    scaled_threshold : float or array_like
        :math:`\hat c = c/\sqrt{\mathrm{tr}K} > 0` (broadcast with R; ``np.inf`` = no clipping).
    noise : NoiseLaw
        Label-noise law.

    Returns
    -------
    mu, nu : float or ndarray
        Of the broadcast shape of ``R`` and ``scaled_threshold``.

    Notes
    -----
    Gaussian :math:`N(m,\sigma^2)`: with :math:`s = \sqrt{2R+\sigma^2}` and :math:`a = \hat c/s`,
    for m = 0, :math:`\mu = \mathrm{erf}(a/\sqrt2)`, :math:`\nu = s^2\mathrm{erf}(a/\sqrt2) -
    2s\hat c\phi(a) + \hat c^2\mathrm{erfc}(a/\sqrt2)` (truncated-normal moments in general).
    Student-t(ν, s) (Cauchy: ν = 1) is :math:`N(0, s^2\nu/(2g))` given
    :math:`g\sim\mathrm{Gamma}(\nu/2, 1)`; Laplace(b) is :math:`N(0, 2b^2g)` given
    :math:`g\sim\mathrm{Gamma}(1,1)`; the Gaussian forms are averaged over g. Rademacher ±a: the
    Gaussian forms at mean a. Other laws: :func:`clipping_factors_quadrature`.

    References
    ----------
    Marshall, Xiao, Agarwala, Paquette, arXiv:2406.11733 (C-HSGD, μ and ν);
    ``docs/clipping_adam.md``, 'The clipped-SGD ODE' and 'μ and ν'.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> mu, nu = dr.optimizers.clipped.clipping_factors(0.375, 1.0, dr.noise.Gaussian(0.5))   # s = 1, a = 1
    >>> round(mu, 12), round(nu, 12)        # erf(1/√2);  erf(1/√2) − 2φ(1) + erfc(1/√2)
    (0.682689492137, 0.516058550962)
    >>> dr.optimizers.clipped.clipping_factors(0.375, float("inf"), dr.noise.Gaussian(0.5))   # no clipping: 1, 2R+σ²
    (1.0, 1.0)
    """
    if not isinstance(noise, NoiseLaw):
        raise TypeError(f"noise must be a NoiseLaw, got {type(noise).__name__}")
    scalar = np.ndim(R) == 0 and np.ndim(scaled_threshold) == 0
    Rarr, c = np.broadcast_arrays(_risk_scale(R), _threshold_array(scaled_threshold))
    mu = np.empty(Rarr.shape)
    nu = np.empty(Rarr.shape)
    free = np.isinf(c)
    if np.any(free):                        # no clipping: μ = 1, ν = 2R + E[ε²]
        mu[free] = 1.0
        nu[free] = 2.0 * Rarr[free] + noise.second_moment
    clip = ~free
    if np.any(clip):
        mu[clip], nu[clip] = _finite_factors(Rarr[clip], c[clip], noise)
    if scalar:
        return float(mu.reshape(())), float(nu.reshape(()))
    return mu, nu


def _finite_factors(R: NDArray, c: NDArray, noise: NoiseLaw) -> tuple[NDArray, NDArray]:
    if isinstance(noise, Gaussian):
        return _gaussian_factors(noise.mean, np.sqrt(2.0 * R + noise.std**2), c)
    if isinstance(noise, Rademacher):
        return _gaussian_factors(noise.a, np.sqrt(2.0 * R), c)
    if isinstance(noise, Cauchy):
        s2 = noise.scale**2
        return _mixture(R, c, 0.5, lambda g: s2 / (2.0 * g))
    if isinstance(noise, StudentT):
        s2, df = noise.scale**2, noise.df
        return _mixture(R, c, 0.5 * df, lambda g: s2 * df / (2.0 * g))
    if isinstance(noise, Laplace):
        b2 = noise.scale**2
        return _mixture(R, c, 1.0, lambda g: 2.0 * b2 * g)
    return _quadrature(R, c, noise, 1e-10)


def clipping_factors_quadrature(R: ArrayLike, scaled_threshold: ArrayLike, noise: NoiseLaw, *,
                                rtol: float = 1e-10):
    r"""μ(R) and ν(R) by adaptive quadrature over the noise density (any law with a ``pdf``).

    .. math::

        \mu = \int f_\varepsilon(e)\,P(|w_e| < \hat c)\,de, \qquad
        \nu = \int f_\varepsilon(e)\,T(e, \sqrt{2R}, \hat c)\,de, \qquad w_e \sim N(e, 2R),

    with T the truncated second moment (``docs/clipping_adam.md``, 'μ and ν'), split at the law's
    kinks and multiples of its scale too. About a millisecond per value; the reference for the
    closed forms and mixtures of :func:`clipping_factors`; split at 0, ±ĉ, ±ĉ ± (1, 3, 8)√(2R).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> mu, nu = dr.optimizers.clipped.clipping_factors_quadrature(0.375, 1.0, dr.noise.Gaussian(0.5))
    >>> round(mu, 9), round(nu, 9)
    (0.682689492, 0.516058551)
    """
    scalar = np.ndim(R) == 0 and np.ndim(scaled_threshold) == 0
    Rarr, c = np.broadcast_arrays(_risk_scale(R), _threshold_array(scaled_threshold))
    if np.any(np.isinf(c)):
        raise ValueError("scaled_threshold must be finite for the quadrature")
    mu, nu = _quadrature(Rarr.ravel(), c.ravel(), noise, rtol)
    if scalar:
        return float(mu[0]), float(nu[0])
    return mu.reshape(Rarr.shape), nu.reshape(Rarr.shape)


def _quadrature(R: NDArray, c: NDArray, noise: NoiseLaw, rtol: float) -> tuple[NDArray, NDArray]:
    mu = np.empty(R.size)
    nu = np.empty(R.size)
    pdf = noise.pdf
    for i, (r, ci) in enumerate(zip(R.ravel(), c.ravel())):
        s = math.sqrt(2.0 * r)
        pts = {0.0, ci, 3 * s} | {max(ci + f * s, 0.0) for f in (-8, -3, -1, 1, 3, 8)}
        if noise.scale > 0:
            pts |= {noise.scale * f for f in (0.1, 1.0, 10.0, 100.0)}
        pts |= set(noise._kinks())
        edges = sorted(p for p in pts if p >= 0.0) + [np.inf]

        def integrand(e, which):
            # symmetrised in e (the factors are even in the mean of w); scalar truncated-normal
            # moments of w ~ N(e, s²), as in _gaussian_factors
            weight = float(pdf(e) + pdf(-e))
            zp, zm = (ci - e) / (s * _SQRT2), (ci + e) / (s * _SQRT2)
            inside = 0.5 * (math.erf(zp) + math.erf(zm))
            if which == 0:
                return weight * inside
            a = max(min(-(ci + e) / s, 1e3), -1e3)
            b = max(min((ci - e) / s, 1e3), -1e3)
            pa = _INV_SQRT_2PI * math.exp(-0.5 * min(a * a, 3600.0))
            pb = _INV_SQRT_2PI * math.exp(-0.5 * min(b * b, 3600.0))
            inner = e * e * inside + 2 * e * s * (pa - pb) + s * s * (inside + a * pa - b * pb)
            outside = 0.5 * (math.erfc(zp) + math.erfc(zm))
            return weight * (max(inner, 0.0) + ci * ci * outside)

        vals = [0.0, 0.0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            for which in (0, 1):
                for lo, hi in zip(edges[:-1], edges[1:]):
                    if hi > lo:
                        v, _ = integrate.quad(integrand, lo, hi, args=(which,), epsabs=0.0,
                                              epsrel=rtol, limit=400)
                        vals[which] += v
        mu[i], nu[i] = vals
    return mu.reshape(R.shape), nu.reshape(R.shape)


def clipping_criterion(R: ArrayLike, scaled_threshold: ArrayLike,
                       noise: NoiseLaw) -> NDArray[np.float64] | float:
    r"""Clipping-comparison criterion :math:`\mathrm{CCC}(R,\hat c) = \mu^2(2R+E\varepsilon^2)/\nu`.

    Give SGD the step γμ so that its drift matches clipped SGD's; then clipping makes more
    progress at excess risk R iff CCC > 1 (equivalently, the greedy progress rate μ²/ν of clipped
    SGD beats SGD's :math:`1/(2R+E\varepsilon^2)`). Drift and noise are both proportional to K, so
    the comparison holds for every covariance. ``inf`` for noise of infinite variance (SGD fails).

    Parameters
    ----------
    R : float or array_like
        Excess risk >= 0.
    scaled_threshold : float or array_like
        :math:`\hat c = c/\sqrt{\mathrm{tr}K}` (broadcast with R).
    noise : NoiseLaw

    Returns
    -------
    float or ndarray

    Notes
    -----
    For Gaussian noise CCC ≤ 1 for every ĉ (clipping never helps, equality as ĉ → ∞); for
    Student-t(3) noise of unit scale its maximum over ĉ is ≈ 1.95 at R = 0.01. As ĉ → 0 it tends
    to :math:`4p_{u-\varepsilon}(0)^2(2R+E\varepsilon^2) = \frac\pi2\psi(R)` with ψ the signSGD
    noise-compression ratio (:func:`~deterministic_risk.noise_compression`).

    References
    ----------
    Marshall, Xiao, Agarwala, Paquette, arXiv:2406.11733 (the CCC); ``docs/clipping_adam.md``,
    'When clipping helps' (this form is derived there; the paper's algebraic form is unverified).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> round(dr.optimizers.clipped.clipping_criterion(0.1, 1.0, dr.noise.Gaussian(0.5)), 6)   # < 1: never helps
    0.963486
    >>> dr.optimizers.clipped.clipping_criterion(0.1, 1.0, dr.noise.Cauchy(0.5))
    inf
    """
    mu, nu = clipping_factors(R, scaled_threshold, noise)
    m2 = noise.second_moment
    if not np.isfinite(m2):
        out = np.full(np.shape(mu), np.inf)
    else:
        out = np.asarray(mu) ** 2 * (2.0 * _risk_scale(R) + m2) / np.asarray(nu)
    return float(out) if np.ndim(out) == 0 else out


def best_scaled_threshold(R: float, noise: NoiseLaw, *,
                          bounds: tuple[float, float] | None = None) -> tuple[float, float]:
    r"""Greedy threshold :math:`\hat c^\ast(R) = \arg\max_{\hat c}\mu^2/\nu` and the CCC there.

    Parameters
    ----------
    R : float
        Excess risk > 0.
    noise : NoiseLaw
    bounds : (float, float), optional
        Search interval for ĉ (default :math:`[10^{-3}, 10^{3}]\cdot\sqrt{2R+\text{scale}^2}`).

    Returns
    -------
    scaled_threshold, criterion : float
        The maximiser (a coarse log grid of 41 points, then Brent's method on the bracketing
        cell, tolerance 1e-6 in log ĉ) and :func:`clipping_criterion` there (for noise of infinite
        variance the criterion is ``inf`` and the maximiser of μ²/ν is returned).

    References
    ----------
    ``docs/clipping_adam.md``, 'Greedy threshold and step' (derived).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> c, ccc = dr.optimizers.clipped.best_scaled_threshold(0.01, dr.noise.StudentT(3.0, 1.0))
    >>> round(c, 2), round(ccc, 3)
    (0.94, 1.947)
    """
    R = check.positive_float("R", R)
    if bounds is None:
        s = math.sqrt(2.0 * R + noise.scale**2)
        bounds = (1e-3 * s, 1e3 * s)
    lo, hi = check.interval("bounds", bounds)

    def neg_log_rate(log_c):
        mu, nu = clipping_factors(R, np.exp(log_c), noise)
        return -(2.0 * np.log(np.maximum(mu, 1e-300)) - np.log(np.maximum(nu, 1e-300)))

    grid = np.linspace(math.log(lo), math.log(hi), 41)
    vals = neg_log_rate(grid)
    i = int(np.argmin(vals))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = optimize.minimize_scalar(neg_log_rate, bounds=(a, b), method="bounded",
                                   options={"xatol": 1e-6})
    best = float(np.exp(res.x)) if res.fun <= vals[i] else float(np.exp(grid[i]))
    return best, clipping_criterion(R, best, noise)


# -- the optimizer ------------------------------------------------------------------------------

def _clipped_inputs(problem: Any, spectrum_method: str | None, feature_seed: int | None):
    """(λ, κ, v0, noise law, tr K, floor) of the mode ODE; κ_j = n_j λ_j for nodes of multiplicity
    n_j, v0 = node excess / λ. A problem with its own label-noise law (``problem.noise``, any
    law, even of infinite variance) is used in its eigenbasis; any other problem through its
    spectrum, with Gaussian label noise of variance 2·floor (PLRF: docs/signsgd_plrf.md)."""
    if isinstance(getattr(problem, "noise", None), NoiseLaw):
        if spectrum_method is not None:
            raise TypeError(f"spectrum_method applies to PLRF problems only, got a "
                            f"{type(problem).__name__}")
        prob = problem.to_least_squares(seed=feature_seed)
        lam = np.asarray(prob.eigenvalues, dtype=np.float64)
        e = prob.to_eigenbasis(prob.theta0 - prob.theta_star)
        return lam, lam.copy(), 0.5 * e * e, prob.noise, float(lam.sum()), prob.floor
    spectrum = check.problem(problem, "to_spectrum").to_spectrum(method=spectrum_method,
                                                                 seed=feature_seed)
    lam, n, w = spectrum.eigenvalues, spectrum.counts, spectrum.weights
    with np.errstate(divide="ignore", invalid="ignore"):
        v0 = np.where(lam > 0, w / np.where(lam > 0, lam, 1.0), 0.0)
    noise = Gaussian(math.sqrt(2.0 * spectrum.floor))
    return lam, n * lam, v0, noise, float(np.sum(n * lam)), spectrum.floor


@dataclass(frozen=True)
class ClippedSGD(Optimizer):
    r"""One-pass SGD with gradient-norm clipping (C-SGD), batch size 1.

    .. math:: \theta_{k+1} = \theta_k - \gamma_k \min\Big(1, \frac{c}{\|\nabla L\|}\Big)\nabla L

    Parameters
    ----------
    lr : float, Schedule or callable
        Step :math:`\gamma_k`.
    threshold : float
        Clipping level c > 0 on the gradient norm (``np.inf``: plain SGD). The risk ODE uses the
        scaled threshold :math:`\hat c = c/\sqrt{\mathrm{tr}K}` (:meth:`scaled_threshold`).

    Notes
    -----
    The deterministic limit is the mode ODE of docs/theory.md, integrated by
    :func:`~deterministic_risk.integrate.exponential_feedback_integrate` with
    :math:`a = 2\gamma\mu(R)`, :math:`c = \gamma\nu(R)/(4\mu(R))`, :math:`\kappa_j = \lambda_j`. It
    accepts a :class:`~deterministic_risk.GaussianLeastSquares` with any noise law (including
    infinite variance: the curve then reports the excess risk with floor 0, as for signSGD), a
    :class:`~deterministic_risk.Spectrum` (Gaussian label noise of variance 2·floor) or a PLRF
    problem. The update is rotation invariant, so the simulator samples in the eigenbasis of K.
    The limit drops the O(γλ) correction that the exact SGD recursion keeps (its
    :math:`\gamma^2(1+1/B)\lambda^2` term): with ``threshold=inf`` the ODE differs from
    ``dr.SGD`` by O(γ λ_max) relative.

    References
    ----------
    Marshall, Xiao, Agarwala, Paquette, *To Clip or not to Clip: the Dynamics of SGD with
    Gradient Clipping in High-Dimensions*, arXiv:2406.11733; ``docs/clipping_adam.md``, 'Theory'.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> prob = dr.GaussianLeastSquares(np.ones(100), np.ones(100) / 10, noise=dr.noise.Cauchy(0.5))
    >>> opt = dr.ClippedSGD(lr=0.5 / 100, threshold=5.0)
    >>> opt.scaled_threshold(prob)                    # c / √tr K
    0.5
    >>> curve = dr.risk_curve(prob, opt, [0, 100, 1000])
    >>> bool(curve.excess[-1] < curve.excess[0])
    True
    """

    lr: Schedule | float | Callable
    threshold: float = np.inf
    rotation_invariant = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", as_schedule(self.lr))
        t = float(self.threshold) if isinstance(self.threshold, (int, float, np.floating)) else None
        if t is None or isinstance(self.threshold, bool) or not (
                1e-150 <= t <= 1e150 or t == np.inf):
            raise ValueError(f"threshold must be a number in [1e-150, 1e150] (its square enters "
                             f"the clipping factors) or np.inf for no clipping, got "
                             f"{self.threshold!r}")
        object.__setattr__(self, "threshold", t)

    @staticmethod
    def time_scale(problem: Any) -> float:
        r"""n = tr K: the paper's t-form has time t = k/n, step γ = η/n and threshold ĉ = c/√n."""
        return _clipped_inputs(problem, None, None)[4]

    def scaled_threshold(self, problem: Any) -> float:
        r""":math:`\hat c = c/\sqrt{\mathrm{tr}K}` on ``problem``."""
        return self.threshold / math.sqrt(self.time_scale(problem))

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "threshold": self.threshold}

    # -- deterministic limit ---------------------------------------------------------------
    def limit_dynamics(self, problem: Any, *, spectrum_method: str | None = None,
                       feature_seed: int | None = None) -> FeedbackModes:
        r"""The mode ODE as feedback modes with :math:`a = 2\gamma\mu(R)`,
        :math:`c = \gamma\nu(R)/(4\mu(R))`, :math:`\kappa_j = \lambda_j`."""
        lam, kappa, v0, noise, trace, floor = _clipped_inputs(problem, spectrum_method,
                                                              feature_seed)
        if not np.isfinite(self.threshold) and not noise.finite_variance:
            raise ValueError(f"without clipping (threshold=inf) this is SGD, which is undefined "
                             f"for label noise of infinite variance ({noise!r}); give a finite "
                             f"threshold")
        chat = self.threshold / math.sqrt(trace)
        schedule = self.lr
        constant = schedule(0.0) if schedule.is_constant else None

        def rates(k: float, R: float) -> tuple[float, float]:
            # dv/dk = -a λ v + a c κ, a = 2γμ(R), c = γν(R)/(4μ(R)), κ = λ  (docs/clipping_adam.md)
            gamma = constant if constant is not None else float(schedule(k))
            R = R if R < R_CEILING else R_CEILING   # an overflowed trial value
            mu, nu = clipping_factors(R, chat, noise)
            mu = max(mu, _MU_TINY)
            return 2.0 * gamma * mu, gamma * nu / (4.0 * mu)

        info = {"d": float(lam.size), "noise": repr(noise), "scaled_threshold": chat,
                "trace": trace, "floor": floor}
        if not np.isfinite(floor):
            info["floor"] = ("inf: the label noise has infinite variance, so the full risk is "
                             "infinite; risk and excess both report the excess risk")
            floor = 0.0
        return FeedbackModes(floor, info, lam, kappa, v0, rates, schedule.breakpoints)

    def max_stable_lr(self, problem: Any, *, spectrum_method: str | None = None,
                      feature_seed: int | None = None) -> float:
        r"""The constant step whose limiting excess equals the initial one,
        :math:`4R_0\mu(R_0)/(\nu(R_0)\,\mathrm{tr}K)` (the fixed point
        :math:`R\mu(R)/\nu(R) = \gamma\,\mathrm{tr}K/4` of the mode ODE at :math:`R = R_0`)."""
        lam, _, v0, noise, trace, _ = _clipped_inputs(problem, spectrum_method, feature_seed)
        r0 = float(lam @ v0)
        mu, nu = clipping_factors(r0, self.threshold / math.sqrt(trace), noise)
        return 4.0 * r0 * mu / (nu * trace)

    def limit(self, problem: Any, *, spectrum_method: str | None = None,
              feature_seed: int | None = None) -> float:
        r"""The fixed point of the mode ODE: the root of :math:`R\mu(R)/\nu(R) =
        \gamma\,\mathrm{tr}K/4` (stationarity :math:`2\gamma\mu\lambda_jv_j =
        \tfrac{\gamma^2}{2}\lambda_j\nu` summed over modes; Brent's method in log R), plus the
        floor (0 for noise of infinite variance). ``inf`` if there is none (no clipping and
        γ tr K ≥ 2)."""
        lam, _, _, noise, trace, floor = _clipped_inputs(problem, spectrum_method, feature_seed)
        chat = self.threshold / math.sqrt(trace)
        target = math.log(self._constant_lr() * trace / 4.0)

        def f(log_r: float) -> float:
            mu, nu = clipping_factors(math.exp(log_r), chat, noise)
            return log_r + math.log(max(mu, _MU_TINY)) - math.log(max(nu, 1e-300)) - target

        lo, hi = math.log(1e-250), math.log(1e250)
        if f(hi) < 0:
            return math.inf
        if f(lo) > 0:        # the fixed point lies below 1e-250: the excess is 0 in float64
            excess = 0.0
        else:
            excess = math.exp(optimize.brentq(f, lo, hi, xtol=1e-14,
                                              rtol=4 * np.finfo(float).eps))
        return excess + (floor if np.isfinite(floor) else 0.0)

    # -- finite-d update ---------------------------------------------------------------------
    def update(self, params, grad, k, state):
        r"""Clipped step ``params - γ_k min(1, c/‖grad‖) grad`` (norm per run)."""
        gamma = self.lr(float(k))
        if np.isinf(self.threshold):
            return params - gamma * grad, state
        norm = np.sqrt(np.einsum("rd,rd->r", grad, grad))
        with np.errstate(divide="ignore"):
            scale = np.minimum(1.0, self.threshold / norm)
        return params - (gamma * scale)[:, None] * grad, state

r"""Label-noise laws: a sampler, the moments SGD needs and the function :math:`\varphi(R)` signSGD needs.

Derivations and modelling notes: docs/theory.md, section ``deterministic_risk.noise``.
"""

from __future__ import annotations

import abc
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate, special

from . import _validation as check

__all__ = ["NoiseLaw", "Gaussian", "StudentT", "Cauchy", "Laplace", "Uniform", "Rademacher",
           "Custom", "as_noise", "R_FLOOR", "R_CEILING"]

#: Excess risks below this value are raised to it before :math:`\varphi` is evaluated
#: (:math:`\varphi` is singular at R = 0 without noise: ``docs/signsgd.md``, 'The expected sign
#: and φ(R)').
R_FLOOR = 1e-300
#: The risk ODEs evaluate their rates at min(R, R_CEILING): an integrator's trial value that
#: overflowed is then rejected by its error control instead of stopping it with an error.
R_CEILING = 1e300

_TWO_OVER_PI = 2.0 / math.pi
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _risk_array(R: ArrayLike) -> NDArray[np.float64]:
    if type(R) is float and 0.0 <= R < math.inf:   # fast path: one scalar per ODE stage
        return np.float64(max(R, R_FLOOR))
    return np.maximum(check.excess_risk(R), R_FLOOR)


def _scalar_or_array(value: NDArray[np.float64], like: ArrayLike):
    return float(value) if np.ndim(like) == 0 else value


class NoiseLaw(abc.ABC):
    r"""Base class of label-noise laws: the contract for adding one.

    A noise law is a frozen dataclass (its parameters are its fields, checked in
    ``__post_init__`` with :mod:`deterministic_risk._validation`) that provides

    ``sample(rng, shape)``
        Independent draws of :math:`\varepsilon`, an array of ``shape`` from the
        :class:`numpy.random.Generator` ``rng`` (no other source of randomness).
    ``second_moment``
        :math:`E[\varepsilon^2]` (``inf`` when infinite). SGD and the risk floor
        :math:`\tfrac12E[\varepsilon^2]` use it.
    ``density_at_zero``
        :math:`\tfrac12(f_\varepsilon(0^+) + f_\varepsilon(0^-))`, the small-risk limit
        :math:`\varphi(0^+) = 2\sqrt{2/\pi}\,f_\varepsilon(0)` (0 for a law without mass near 0,
        ``inf`` for no noise).
    ``pdf(e)`` (continuous laws)
        The density, vectorised; the default :meth:`phi` and :meth:`phi_quadrature` integrate it.
    ``phi(R)``
        :math:`\varphi(R)` for an array of excess risks R >= 0 (the same shape out; a float for a
        scalar). Override it with a closed form when one exists, and test the closed form against
        :meth:`phi_quadrature` (``tests/test_noise.py`` holds the matrix of laws).
    ``scale``
        A typical magnitude of :math:`|\varepsilon|` (used to split quadrature intervals).

    References
    ----------
    ``docs/signsgd.md``, 'The expected sign and φ(R)' (definition of :math:`\varphi`, closed forms)
    and 'The four effects as formulas' (noise compression).

    Examples
    --------
    >>> from deterministic_risk import noise
    >>> isinstance(noise.Laplace(1.0), noise.NoiseLaw), noise.Laplace(1.0).second_moment
    (True, 2.0)
    """

    @abc.abstractmethod
    def sample(self, rng: np.random.Generator, shape: tuple[int, ...]) -> NDArray[np.float64]:
        """Draw label noise of the given shape from ``rng``."""

    @property
    @abc.abstractmethod
    def second_moment(self) -> float:
        r""":math:`E[\varepsilon^2]` (``inf`` when infinite)."""

    @property
    @abc.abstractmethod
    def density_at_zero(self) -> float:
        r""":math:`f_\varepsilon(0)` (symmetrised; 0 without mass near 0, inf for no noise)."""

    @property
    @abc.abstractmethod
    def scale(self) -> float:
        r"""Typical magnitude of :math:`|\varepsilon|` (0 for no noise)."""

    def pdf(self, e: ArrayLike) -> NDArray[np.float64]:
        """Density of the noise (continuous laws only)."""
        raise NotImplementedError(f"{type(self).__name__} has no density")

    def mean_sign(self, x: ArrayLike) -> NDArray[np.float64]:
        r""":math:`E[\mathrm{sign}(x + \varepsilon)] = 1 - 2P(\varepsilon < -x)`, without
        cancellation at small x (the laws with a closed form)."""
        raise NotImplementedError(f"{type(self).__name__} has no closed-form mean sign")

    @property
    def finite_variance(self) -> bool:
        r"""Whether :math:`E[\varepsilon^2] < \infty` (SGD needs it)."""
        return bool(np.isfinite(self.second_moment))

    @property
    def floor(self) -> float:
        r"""Irreducible risk :math:`\tfrac12E[\varepsilon^2]` of least squares with this noise."""
        return 0.5 * self.second_moment

    def phi(self, R: ArrayLike) -> NDArray[np.float64] | float:
        r""":math:`\varphi(R) = \frac2\pi (2R)^{-1/2} E[e^{-\varepsilon^2/(4R)}]`
        (``docs/signsgd.md``, 'The expected sign and φ(R)'); the default integrates the density
        (:meth:`phi_quadrature`)."""
        return self.phi_quadrature(R)

    def phi_quadrature(self, R: ArrayLike, *, rtol: float = 1e-12) -> NDArray[np.float64] | float:
        r""":math:`\varphi(R)` by adaptive quadrature of its defining integral.

        .. math::

            \varphi(R) = \frac{2}{\pi}(2R)^{-1/2} \int_0^\infty
            \big(f_\varepsilon(e) + f_\varepsilon(-e)\big)\, e^{-e^2/(4R)}\, de ,

        split at multiples of :math:`2\sqrt R` and of :attr:`scale` (QUADPACK on each piece, all
        pieces positive, so the relative tolerance ``rtol`` holds for the sum). A reference for the
        closed forms; costs about a millisecond per value of R.
        """
        Rarr = _risk_array(R)
        out = np.empty(Rarr.shape)
        for idx, r in np.ndenumerate(Rarr):
            out[idx] = _TWO_OVER_PI * math.sqrt(0.5 / r) * self._gauss_weighted_mass(r, rtol)
        return _scalar_or_array(out, R)

    def _gauss_weighted_mass(self, r: float, rtol: float) -> float:
        r""":math:`E[e^{-\varepsilon^2/(4r)}]` by quadrature of the symmetrised density."""
        def integrand(e):
            return float(self.pdf(e) + self.pdf(-e)) * math.exp(-e * e / (4.0 * r))
        width = 2.0 * math.sqrt(r)
        pts = {width * c for c in (0.25, 1.0, 4.0, 12.0)}
        if self.scale > 0:
            pts |= {self.scale * c for c in (0.01, 0.1, 1.0, 10.0, 100.0)}
        pts |= set(self._kinks())
        edges = [0.0] + sorted(p for p in pts if 0.0 < p < np.inf) + [np.inf]
        total = 0.0
        with warnings.catch_warnings():
            # QUADPACK flags round-off when a piece is already at machine precision
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            for lo, hi in zip(edges[:-1], edges[1:]):
                val, _ = integrate.quad(integrand, lo, hi, epsabs=0.0, epsrel=rtol, limit=400)
                total += val
        return total

    def _kinks(self) -> tuple[float, ...]:
        """Points e > 0 where the density is not smooth (quadrature breakpoints)."""
        return ()


@dataclass(frozen=True)
class Gaussian(NoiseLaw):
    r"""Gaussian noise :math:`N(m, \sigma^2)`; ``Gaussian(0)`` is no noise.

    .. math:: \varphi(R) = \frac{2}{\pi}\,(2R+\sigma^2)^{-1/2}\exp\!\Big(-\frac{m^2}{2(2R+\sigma^2)}\Big)

    Parameters
    ----------
    std : float
        Standard deviation :math:`\sigma \ge 0`.
    mean : float, default 0
        Mean m (a biased noise; the optimum stays :math:`\theta^\ast`, the floor is
        :math:`\tfrac12(\sigma^2+m^2)`).

    References
    ----------
    ``docs/signsgd.md``, 'The expected sign and φ(R)', table rows "Gaussian N(0, σ²)" and
    "Gaussian N(m, σ²)".

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> round(dr.noise.Gaussian(0.5).phi(0.0), 12)   # 2/(π σ)
    1.273239544735
    """

    std: float = 0.0
    mean: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "std", check.noise_scale("std", self.std, allow_zero=True))
        mean = check.finite_float("mean", self.mean)
        check.noise_scale("abs(mean)", abs(mean), allow_zero=True)
        object.__setattr__(self, "mean", mean)

    def sample(self, rng, shape):
        if self.std == 0.0:
            return np.full(shape, self.mean)
        return self.mean + self.std * rng.standard_normal(shape)

    @property
    def second_moment(self) -> float:
        return self.std**2 + self.mean**2

    @property
    def density_at_zero(self) -> float:
        if self.std == 0.0:
            return np.inf if self.mean == 0.0 else 0.0
        z = self.mean / self.std
        return math.exp(-0.5 * z * z) / (math.sqrt(2 * math.pi) * self.std)

    @property
    def scale(self) -> float:
        return math.hypot(self.std, self.mean)

    def pdf(self, e):
        e = np.asarray(e, dtype=np.float64)
        if self.std == 0.0:
            raise NotImplementedError("Gaussian(0) (no noise) has no density")
        z = (e - self.mean) / self.std
        return np.exp(-0.5 * z * z) / (math.sqrt(2 * math.pi) * self.std)

    def mean_sign(self, x):
        x = np.asarray(x, dtype=np.float64) + self.mean
        if self.std == 0.0:
            return np.sign(x)
        return special.erf(x / (math.sqrt(2.0) * self.std))

    def phi(self, R):
        if type(R) is float and 0.0 <= R < math.inf and self.mean == 0.0:
            # fast path: one scalar per ODE stage (the same operations as below)
            return _TWO_OVER_PI / math.sqrt(2.0) / math.sqrt(max(R, R_FLOOR) + 0.5 * self.std**2)
        half_v = _risk_array(R) + 0.5 * self.std**2      # (2R + σ²)/2, no overflow at large R
        out = _TWO_OVER_PI / np.sqrt(2.0) / np.sqrt(half_v)
        if self.mean != 0.0:
            out = out * np.exp(-0.25 * self.mean**2 / half_v)
        return _scalar_or_array(out, R)

    def phi_quadrature(self, R, *, rtol=1e-12):
        if self.std == 0.0:  # a point mass: the expectation is exact
            Rarr = _risk_array(R)
            out = _TWO_OVER_PI * (2 * Rarr) ** -0.5 * np.exp(-self.mean**2 / (4 * Rarr))
            return _scalar_or_array(out, R)
        return super().phi_quadrature(R, rtol=rtol)


def _student_t_integral(z: float, nu: float, h: float = 0.1) -> float:
    r""":math:`F(z) = \int_0^\infty (1+u^2)^{-(\nu+1)/2} e^{-z u^2}\,du` by the trapezoid rule in
    :math:`x = \ln u`.

    The integrand in x is analytic in the strip :math:`|\Im x| < \pi/4`, so the rule with step
    h = 0.1 converges to double precision (error :math:`\sim e^{-\pi^2/(2h)}`); the interval
    covers both scales (u ~ 1 and u ~ :math:`z^{-1/2}`), truncated where the integrand is below
    :math:`e^{-38}` of its peak. Checked against mpmath to 1e-13 for ν in [0.5, 200] and z in
    [1e-12, 1e12] (``tests/test_noise.py``). (``scipy.special.hyperu`` is off by up to 1e-6 here.)
    """
    p = 0.5 * (nu + 1.0)
    if z == 0.0:   # ∫(1+u²)^{-p} du = √π Γ(p−½) / (2Γ(p))
        return 0.5 * math.sqrt(math.pi) * math.exp(special.gammaln(p - 0.5) - special.gammaln(p))
    if z > 1e12:   # Watson's lemma, relative error O(z^{-3})
        return 0.5 * math.sqrt(math.pi / z) * _watson_series(1.0 / z, nu)
    x_left = -0.5 * math.log(max(z, 1.0)) - 38.0
    x_right = max(0.0, -0.5 * math.log(min(z, 1.0))) + 4.5
    x = np.arange(x_left, x_right + h, h)
    with np.errstate(over="ignore"):   # u² beyond the float range: the integrand there is 0
        u2 = np.exp(2.0 * x)
        return h * float(np.sum(np.exp(x - p * np.log1p(u2) - z * u2)))


def _watson_series(w, nu: float):
    r"""The bracket of :math:`F(z) \simeq \tfrac{\sqrt\pi}{2} z^{-1/2}(1 - \tfrac{p}{2z} +
    \tfrac{3p(p+1)}{8z^2})` at :math:`w = 1/z`, p = (ν+1)/2 (expand :math:`(1+u^2)^{-p}` in u²)."""
    p = 0.5 * (nu + 1.0)
    return 1.0 - 0.5 * p * w + 0.375 * p * (p + 1.0) * w * w


@dataclass(frozen=True)
class StudentT(NoiseLaw):
    r"""Student-t noise with ``df`` = ν degrees of freedom and scale s (ν = 1 is Cauchy).

    .. math::

        \varphi(R) = \frac{2}{\pi}(2R)^{-1/2}\,\frac{\Gamma(\frac{\nu+1}2)}{\Gamma(\frac\nu2)}\,
        z^{\nu/2}\,U\big(\tfrac{\nu+1}2, \tfrac\nu2+1, z\big), \qquad z = \frac{\nu s^2}{4R},

    with U the Tricomi function. By the Kummer transformation and U's integral representation this
    equals :math:`\frac{2}{\pi}(2R)^{-1/2}\,\frac{2\Gamma(\frac{\nu+1}2)}{\sqrt\pi\,\Gamma(\frac\nu2)}
    F(z)` with :math:`F(z) = \int_0^\infty (1+u^2)^{-(\nu+1)/2}e^{-zu^2}du`, which is evaluated by
    a double-precision trapezoid rule in log u (scipy's ``hyperu`` loses up to six digits here).

    Parameters
    ----------
    df : float
        Degrees of freedom ν > 0 (infinite variance for ν <= 2).
    scale : float, default 1
        Scale s > 0.

    References
    ----------
    ``docs/signsgd.md``, 'The expected sign and φ(R)', table row "Student-t(ν)".

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> t = dr.noise.StudentT(3.0, 1.0)
    >>> t.second_moment
    3.0
    >>> round(t.phi(1e-12) / (2 * (2 / 3.141592653589793) ** 0.5 * t.density_at_zero), 5)
    1.0
    """

    df: float
    scale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "df", check.positive_float("df", self.df))
        object.__setattr__(self, "scale", check.noise_scale("scale", self.scale))

    def sample(self, rng, shape):
        return self.scale * rng.standard_t(self.df, shape)

    def mean_sign(self, x):
        # 2F(x) - 1: closed forms for ν = 1 (Cauchy) and ν = 3, else scipy.special.stdtr
        z = np.asarray(x, dtype=np.float64) / self.scale
        if self.df == 1.0:
            return (2.0 / math.pi) * np.arctan(z)
        if self.df == 3.0:
            u = z / math.sqrt(3.0)
            return (2.0 / math.pi) * (np.arctan(u) + u / (1.0 + u * u))
        return 2.0 * special.stdtr(self.df, z) - 1.0

    @property
    def second_moment(self) -> float:
        return self.scale**2 * self.df / (self.df - 2.0) if self.df > 2 else np.inf

    @property
    def _log_norm(self) -> float:
        nu = self.df
        return special.gammaln(0.5 * (nu + 1)) - special.gammaln(0.5 * nu)

    @property
    def density_at_zero(self) -> float:
        return math.exp(self._log_norm) / (math.sqrt(self.df * math.pi) * self.scale)

    def pdf(self, e):
        e = np.asarray(e, dtype=np.float64)
        nu = self.df
        u2 = (e / self.scale) ** 2 / nu
        return self.density_at_zero * np.exp(-0.5 * (nu + 1) * np.log1p(u2))

    def phi(self, R):
        Rarr = _risk_array(R)
        nu, s = self.df, self.scale
        prefactor = 2.0 * math.exp(self._log_norm) / math.sqrt(math.pi)
        # w = 1/z = 4R/(ν s²) cannot overflow (R ≤ 1e308, s ≥ 1e-150 keeps s² > 0 or w = inf)
        with np.errstate(over="ignore", divide="ignore"):
            w = 4.0 * Rarr / (nu * s * s)
        tiny = w < 1e-12
        # large z: (2R)^{-1/2}·(√π/2)z^{-1/2} = √(π/2)/(√ν s), so φ has no R^{-1/2} z^{-1/2} overflow
        large_z = _TWO_OVER_PI * prefactor * math.sqrt(0.5 * math.pi / nu) / s \
            * _watson_series(np.where(tiny, w, 0.0), nu)
        with np.errstate(over="ignore", divide="ignore"):   # only used where w >= 1e-12
            z = np.where(tiny, 1.0, 1.0 / w)
        f = np.vectorize(lambda zz: _student_t_integral(zz, nu), otypes=[np.float64])(z)
        out = np.where(tiny, large_z, _TWO_OVER_PI * np.sqrt(0.5 / Rarr) * prefactor * f)
        return _scalar_or_array(out, R)


@dataclass(frozen=True)
class Cauchy(NoiseLaw):
    r"""Cauchy noise with scale s (infinite variance).

    .. math:: \varphi(R) = \frac{2}{\pi}(2R)^{-1/2}\,\mathrm{erfcx}\!\Big(\frac{s}{2\sqrt R}\Big)

    References
    ----------
    ``docs/signsgd.md``, 'The expected sign and φ(R)', table row "Cauchy(s)".

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> c = dr.noise.Cauchy(0.5)
    >>> c.second_moment
    inf
    >>> round(c.phi(1e-12), 8)   # ≈ 2√2/(π^{3/2} s) = 1.01589817
    1.01589817
    """

    scale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", check.noise_scale("scale", self.scale))

    def sample(self, rng, shape):
        return self.scale * rng.standard_cauchy(shape)

    def mean_sign(self, x):
        return (2.0 / math.pi) * np.arctan(np.asarray(x, dtype=np.float64) / self.scale)

    @property
    def second_moment(self) -> float:
        return np.inf

    @property
    def density_at_zero(self) -> float:
        return 1.0 / (math.pi * self.scale)

    def pdf(self, e):
        e = np.asarray(e, dtype=np.float64)
        return 1.0 / (math.pi * self.scale * (1.0 + (e / self.scale) ** 2))

    def phi(self, R):
        Rarr = _risk_array(R)
        out = _TWO_OVER_PI * np.sqrt(0.5 / Rarr) * special.erfcx(self.scale / (2.0 * np.sqrt(Rarr)))
        return _scalar_or_array(out, R)


@dataclass(frozen=True)
class Laplace(NoiseLaw):
    r"""Laplace noise with scale b (density :math:`e^{-|e|/b}/(2b)`, variance :math:`2b^2`).

    .. math:: \varphi(R) = \sqrt{2/\pi}\;\mathrm{erfcx}(\sqrt R/b)\,/\,b

    References
    ----------
    ``docs/signsgd.md``, 'The expected sign and φ(R)', table row "Laplace(b)".

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> round(dr.noise.Laplace(1.0).phi(0.0), 12)   # √(2/π)/b
    0.797884560803
    """

    scale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", check.noise_scale("scale", self.scale))

    def sample(self, rng, shape):
        return rng.laplace(0.0, self.scale, shape)

    @property
    def second_moment(self) -> float:
        return 2.0 * self.scale**2

    @property
    def density_at_zero(self) -> float:
        return 0.5 / self.scale

    def pdf(self, e):
        e = np.asarray(e, dtype=np.float64)
        return np.exp(-np.abs(e) / self.scale) / (2.0 * self.scale)

    def phi(self, R):
        Rarr = _risk_array(R)
        root = np.sqrt(Rarr)
        with np.errstate(over="ignore"):
            x = root / self.scale
        # erfcx(x) = (1/(√π x))(1 − 1/(2x²) + 3/(4x⁴) − …) for large x: written with 1/x = s/√R
        big = x > 1e8
        inv = np.where(big, self.scale / root, 0.0)
        asymptotic = _SQRT_2_OVER_PI / (math.sqrt(math.pi) * root) * (1.0 - 0.5 * inv * inv)
        out = np.where(big, asymptotic,
                       _SQRT_2_OVER_PI * special.erfcx(np.where(big, 0.0, x)) / self.scale)
        return _scalar_or_array(out, R)


@dataclass(frozen=True)
class Uniform(NoiseLaw):
    r"""Uniform noise on :math:`[-a, a]` (variance :math:`a^2/3`).

    .. math:: \varphi(R) = \sqrt{2/\pi}\;\mathrm{erf}\!\Big(\frac{a}{2\sqrt R}\Big)\,/\,a

    References
    ----------
    ``docs/signsgd.md``, 'The expected sign and φ(R)', table row "Uniform[−a, a]".

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> round(dr.noise.Uniform(1.0).second_moment, 12)
    0.333333333333
    """

    half_width: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "half_width", check.noise_scale("half_width", self.half_width))

    def sample(self, rng, shape):
        return rng.uniform(-self.half_width, self.half_width, shape)

    @property
    def second_moment(self) -> float:
        return self.half_width**2 / 3.0

    @property
    def density_at_zero(self) -> float:
        return 0.5 / self.half_width

    @property
    def scale(self) -> float:
        return self.half_width

    def pdf(self, e):
        e = np.asarray(e, dtype=np.float64)
        return np.where(np.abs(e) <= self.half_width, 0.5 / self.half_width, 0.0)

    def _kinks(self):
        return (self.half_width,)

    def phi(self, R):
        Rarr = _risk_array(R)
        a = self.half_width
        root = np.sqrt(Rarr)
        x = a / (2.0 * root)
        # erf(x)/a = (1/(√π √R))(1 − x²/3 + …) for small x (no underflow of x or a)
        small = x < 1e-8
        xs = np.where(small, x, 0.0)
        series = _SQRT_2_OVER_PI / (math.sqrt(math.pi) * root) * (1.0 - xs * xs / 3.0)
        out = np.where(small, series, _SQRT_2_OVER_PI * special.erf(x) / a)
        return _scalar_or_array(out, R)


@dataclass(frozen=True)
class Rademacher(NoiseLaw):
    r"""Noise :math:`\pm a` with probability ½ each (no mass near 0: signSGD stalls as R → 0).

    .. math:: \varphi(R) = \frac{2}{\pi}(2R)^{-1/2}\, e^{-a^2/(4R)}

    (computed in log-space; it underflows to 0 below :math:`R \approx a^2/2800`, where its true
    value is below the smallest float).

    References
    ----------
    ``docs/signsgd.md``, 'The expected sign and φ(R)', table row "Rademacher ±a".

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> dr.noise.Rademacher(0.5).density_at_zero
    0.0
    """

    a: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", check.noise_scale("a", self.a))

    def sample(self, rng, shape):
        return self.a * (2.0 * rng.integers(0, 2, shape) - 1.0)

    @property
    def second_moment(self) -> float:
        return self.a**2

    @property
    def density_at_zero(self) -> float:
        return 0.0

    @property
    def scale(self) -> float:
        return self.a

    def phi(self, R):
        Rarr = _risk_array(R)
        with np.errstate(over="ignore"):   # exp(-a²/(4R)) below the float range is 0
            log_phi = (math.log(_TWO_OVER_PI) - 0.5 * (math.log(2.0) + np.log(Rarr))
                       - self.a**2 / (4.0 * Rarr))
        return _scalar_or_array(np.exp(log_phi), R)

    def phi_quadrature(self, R, *, rtol=1e-12):
        # a two-point law: the expectation E[exp(-ε²/4R)] is the single term exp(-a²/4R)
        Rarr = _risk_array(R)
        out = _TWO_OVER_PI * np.sqrt(0.5 / Rarr) * np.exp(-self.a**2 / (4.0 * Rarr))
        return _scalar_or_array(out, R)


@dataclass(frozen=True, eq=False)
class Custom(NoiseLaw):
    r"""A noise law given by its density and a sampler; :math:`\varphi` by quadrature.

    Parameters
    ----------
    pdf : callable
        Vectorised density :math:`f_\varepsilon(e)`.
    sampler : callable
        ``sampler(rng, shape)`` returning independent draws.
    second_moment : float, optional
        :math:`E[\varepsilon^2]` (``inf`` allowed); computed by quadrature when omitted (a
        ValueError asks for it if the quadrature does not converge).
    scale : float, default 1
        Typical magnitude of :math:`|\varepsilon|` (quadrature breakpoints).
    kinks : tuple of float, default ()
        Points e > 0 where the density jumps or has a kink (quadrature breakpoints).

    Notes
    -----
    :meth:`phi` integrates :math:`\frac2\pi(2R)^{-1/2}\int_0^\infty (f(e)+f(-e))e^{-e^2/4R}de`
    adaptively for each R (about a millisecond each); the signSGD risk ODE calls it a few thousand
    times for a long curve.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> exp_noise = dr.noise.Custom(pdf=lambda e: np.where(e >= -1, np.exp(-np.abs(e + 1.0)), 0.0),
    ...                             sampler=lambda rng, shape: rng.exponential(1.0, shape) - 1.0,
    ...                             kinks=(1.0,))
    >>> round(exp_noise.second_moment, 10)   # Var of Exp(1) - 1
    1.0
    """

    pdf: Callable = field(repr=False)
    sampler: Callable = field(repr=False)
    second_moment: float | None = None
    scale: float = 1.0
    kinks: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not callable(self.pdf) or not callable(self.sampler):
            raise TypeError("pdf and sampler must be callables")
        object.__setattr__(self, "scale", check.noise_scale("scale", self.scale))
        kinks = tuple(check.positive_float("kinks", k) for k in self.kinks)
        object.__setattr__(self, "kinks", kinks)
        if self.second_moment is None:
            object.__setattr__(self, "second_moment", self._second_moment_quadrature())
        else:
            m2 = float(self.second_moment)
            if not m2 >= 0:
                raise ValueError(f"second_moment must be >= 0 (or inf), got {m2}")
            object.__setattr__(self, "second_moment", m2)

    def _second_moment_quadrature(self) -> float:
        pdf = self.pdf
        edges = [0.0] + sorted(set(self.kinks) | {self.scale}) + [np.inf]
        total = 0.0
        for lo, hi in zip(edges[:-1], edges[1:]):
            val, err, *info = integrate.quad(lambda e: e * e * (pdf(e) + pdf(-e)), lo, hi,
                                             limit=400, full_output=1)
            if len(info) > 1 or not np.isfinite(val) or err > 1e-6 * max(abs(val), 1e-300):
                raise ValueError("the quadrature of E[eps^2] did not converge; pass "
                                 "second_moment= (use inf for infinite variance)")
            total += val
        return total

    def sample(self, rng, shape):
        return np.asarray(self.sampler(rng, shape), dtype=np.float64).reshape(shape)

    @property
    def density_at_zero(self) -> float:
        return 0.5 * float(self.pdf(np.array(0.0)) + self.pdf(np.array(-0.0)))

    def _kinks(self):
        return self.kinks

    def phi(self, R):
        return self.phi_quadrature(R, rtol=1e-11)


def as_noise(noise: NoiseLaw | None, noise_std: float | None) -> NoiseLaw:
    """The noise law of a problem from its ``noise=`` and ``noise_std=`` arguments (at most one).

    Examples
    --------
    >>> from deterministic_risk import noise
    >>> noise.as_noise(None, 0.5)
    Gaussian(std=0.5, mean=0.0)
    """
    if noise is not None and noise_std is not None:
        raise ValueError("give either noise= (a noise law) or noise_std= (the Gaussian shortcut), "
                         "not both")
    if noise is None:
        if noise_std is None:
            return Gaussian(0.0)
        return Gaussian(check.noise_scale("noise_std", noise_std, allow_zero=True))
    if not isinstance(noise, NoiseLaw):
        raise TypeError(f"noise must be a NoiseLaw such as dr.noise.Laplace(0.5), got "
                        f"{type(noise).__name__}")
    return noise

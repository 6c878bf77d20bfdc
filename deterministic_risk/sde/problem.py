r"""The noisy quadratic of the SDE models: :math:`f(x) = \tfrac12x^\top Hx` with gradient noise.

Conventions and their conversion to the package's (risk, time, batch, weight decay) are in
docs/extensions.md ('Problem and conventions', 'The SDE models').
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as check
from ..noise import Gaussian, NoiseLaw

__all__ = ["NoisyQuadratic", "sign_mean"]


def sign_mean(grad: ArrayLike, scale: ArrayLike, noise: NoiseLaw = Gaussian(1.0)
              ) -> NDArray[np.float64]:
    r"""Mean sign of a noisy gradient, :math:`m = E[\mathrm{sign}(g + sT)] = 2F(g/s) - 1`
    componentwise, F the distribution function of T (``noise.mean_sign``).

    Parameters
    ----------
    grad : array_like, shape (..., d)
        Noise-free gradient g.
    scale : array_like, shape (d,) or broadcastable
        Noise scale s > 0 of each coordinate.
    noise : NoiseLaw, default ``Gaussian(1.0)``
        Law of T (one with ``mean_sign``: Gaussian, Student-t, Cauchy).

    Returns
    -------
    ndarray

    Notes
    -----
    Gaussian: :math:`m = \mathrm{erf}(g/(\sqrt2 s))` (docs/extensions.md, 'The SDE models');
    Student-t: :math:`2F_\nu(g/s) - 1`. The small-g slope is :math:`2f(0)/s`:
    :math:`\sqrt{2/\pi}/s` for Gaussian noise.

    Examples
    --------
    >>> import numpy as np
    >>> from deterministic_risk import sde
    >>> round(float(sde.sign_mean(np.array([1e-8]), 1.0)[0] / 1e-8), 12)   # sqrt(2/pi)
    0.797884560803
    """
    z = np.asarray(grad, dtype=np.float64) / np.asarray(scale, dtype=np.float64)
    return noise.mean_sign(z)


@dataclass(frozen=True, eq=False)
class NoisyQuadratic:
    r"""Quadratic :math:`f(x) = \tfrac12 x^\top \mathrm{diag}(h)\,x` with additive gradient noise.

    A minibatch gradient at x is :math:`g = Hx + Z`, :math:`Z_i = (\sigma_i/\sqrt B)\,T_i` with
    :math:`T_i` i.i.d. of the law ``noise`` (a :mod:`deterministic_risk.noise` law with a
    closed-form ``mean_sign``: Gaussian, Student-t, Cauchy).

    Parameters
    ----------
    hessian : array_like, shape (d,)
        Diagonal :math:`h_i > 0` of H.
    noise_scale : float or array_like, shape (d,)
        Scale :math:`\sigma_i > 0` of the noise of a single-sample gradient (the standard
        deviation for Gaussian noise).
    noise : NoiseLaw, default ``dr.noise.Gaussian(1.0)``
        Law of :math:`T_i` (for example ``dr.noise.StudentT(3.0, 1.0)``; Student-t with ν = 1 is
        Cauchy, the variance is finite only for ν > 2).
    batch : int, default 1
        Batch size B (gradients averaged).

    Raises
    ------
    ValueError
        For non-positive curvatures or scales, or an invalid noise law.

    Notes
    -----
    ``loss(x)`` is the excess risk in the package convention (docs/extensions.md, 'Problem and
    conventions'). Per-step noise scale :math:`s_i = \sigma_i/\sqrt B`; standard deviation
    :math:`s_i\sqrt{E T^2}` (:math:`s_i\sqrt{\nu/(\nu-2)}` for Student-t with ν > 2).

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
    noise: NoiseLaw = Gaussian(1.0)
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
        if not isinstance(self.noise, NoiseLaw):
            raise TypeError(f"noise must be a dr.noise law such as dr.noise.StudentT(3.0, 1.0), "
                            f"got {self.noise!r}")
        object.__setattr__(self, "hessian", h)
        object.__setattr__(self, "noise_scale", sigma)
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
        return self.scale * math.sqrt(self.noise.second_moment)

    @property
    def density_at_zero(self) -> float:
        """Density at 0 of the law of :math:`T_i`."""
        return self.noise.density_at_zero

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
        return self.noise.sample(rng, tuple(shape) + (self.d,)) * self.scale

    def sign_mean(self, grad: ArrayLike) -> NDArray[np.float64]:
        """Mean sign of ``grad + Z`` (see :func:`sign_mean`)."""
        return sign_mean(grad, self.scale, self.noise)

    def _require_finite_variance(self, who: str) -> NDArray[np.float64]:
        std = self.std
        if not np.all(np.isfinite(std)):
            raise ValueError(f"{who} needs gradient noise of finite variance, got {self.noise!r} "
                             f"(Student-t needs df > 2)")
        return std

    def __repr__(self) -> str:
        law = repr(self.noise)
        h = self.hessian
        return (f"NoisyQuadratic(d={self.d}, h in [{h.min():.3g}, {h.max():.3g}], noise={law}, "
                f"sigma in [{self.noise_scale.min():.3g}, {self.noise_scale.max():.3g}], "
                f"batch={self.batch})")



r"""signSGD on Gaussian least squares: the inputs of its risk ODE and its four effects.

Derivations and modelling notes: docs/theory.md, section ``deterministic_risk.signsgd.modes``.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from .. import _validation as check
from ..noise import Gaussian, NoiseLaw
from ..problems import GaussianLeastSquares

__all__ = ["SignSGDModes", "signsgd_modes", "sign_covariance", "sign_covariance_approx",
           "correlation_matrix", "largest_correlation", "preconditioned_spectrum", "effective_lr",
           "noise_compression", "limiting_risk", "lr_for_limit"]

#: signsgd_modes results, one per problem object (dropped with the problem).
_MODES: "weakref.WeakKeyDictionary[GaussianLeastSquares, SignSGDModes]" = \
    weakref.WeakKeyDictionary()


def _square_matrix(name: str, K: ArrayLike) -> NDArray[np.float64]:
    K = check.float_array(name, K, ndim=2)
    if K.shape[0] != K.shape[1]:
        raise ValueError(f"{name} must be square, got shape {K.shape}")
    diag = np.diag(K)
    if np.any(diag <= 0):
        raise ValueError(f"{name} must have a positive diagonal (K_ii > 0, needed for "
                         f"D^(-1/2)); its smallest diagonal entry is {diag.min():.3g}")
    return K


def correlation_matrix(K: ArrayLike) -> NDArray[np.float64]:
    r"""Correlation matrix :math:`C = D^{-1/2}KD^{-1/2}`, clipped to [−1, 1], unit diagonal.

    Parameters
    ----------
    K : array_like, shape (d, d)
        Covariance with a positive diagonal.

    Returns
    -------
    ndarray, shape (d, d)

    References
    ----------
    ``docs/signsgd.md``, 'Matrices' (C is clipped before the arcsin).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> dr.signsgd.correlation_matrix([[4.0, 1.0], [1.0, 1.0]]).tolist()
    [[1.0, 0.5], [0.5, 1.0]]
    """
    K = _square_matrix("K", K)
    s = 1.0 / np.sqrt(np.diag(K))
    C = np.clip(K * s[:, None] * s[None, :], -1.0, 1.0)
    np.fill_diagonal(C, 1.0)
    return C


def largest_correlation(K: ArrayLike) -> float:
    r"""The largest correlation between two features of a covariance.

    .. math:: \rho_{\max} = \max_{i\ne j}|K_{ij}|/\sqrt{K_{ii}K_{jj}}

    Where it is not small, a residual carried by one feature gives the others gradient
    correlations of that size, and the linearised signSGD ODE (which replaces
    :math:`\frac2\pi\arcsin\rho` by :math:`\frac2\pi\rho`) runs behind signSGD
    (docs/signsgd_plrf.md, "When the linearised ODE is off").

    Parameters
    ----------
    K : array_like, shape (d, d)
        Covariance with a positive diagonal.

    Returns
    -------
    float
        0 for d = 1.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> dr.signsgd.largest_correlation([[4.0, 1.0, 0.0], [1.0, 1.0, -0.2], [0.0, -0.2, 1.0]])
    0.5
    """
    C = np.abs(correlation_matrix(K))
    np.fill_diagonal(C, 0.0)
    return float(C.max())


def sign_covariance(K: ArrayLike) -> NDArray[np.float64]:
    r"""Noise covariance of signSGD, :math:`K_\sigma = \frac{2}{\pi}\arcsin(C)` (entry-wise).

    It is the exact second moment of the signs of a Gaussian vector (arcsine law),
    :math:`E[\mathrm{sign}(x_i)\mathrm{sign}(x_j)] = \frac2\pi\arcsin C_{ij}` for
    :math:`x\sim N(0,K)`, so :math:`E[ss^\top] = K_\sigma` for the signSGD update direction
    :math:`s = \mathrm{sign}(\nabla L)`, whatever the state and the label noise ("gradient-noise
    reshaping"). Its diagonal is 1.

    Parameters
    ----------
    K : array_like, shape (d, d)
        Covariance with a positive diagonal.

    Returns
    -------
    ndarray, shape (d, d)

    References
    ----------
    ``docs/signsgd.md``, 'Matrices' and 'The four effects as formulas'.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> round(float(dr.signsgd.sign_covariance([[1.0, 0.5], [0.5, 1.0]])[0, 1]), 12)   # (2/π)·(π/6)
    0.333333333333
    """
    return (2.0 / np.pi) * np.arcsin(correlation_matrix(K))


def sign_covariance_approx(K: ArrayLike) -> NDArray[np.float64]:
    r"""Weak-correlation approximation :math:`K_\sigma \approx \frac{2}{\pi}C + (1-\frac{2}{\pi})I`.

    First term of the arcsine series :math:`\arcsin x = x + x^3/6 + \dots` off the diagonal, exact
    diagonal: signSGD's gradient noise is the correlation structure of the data plus an isotropic
    part of weight :math:`1-2/\pi \approx 0.363`. The error is :math:`O(\max_{i\ne j}|C_{ij}|^3)`
    entry-wise, and :math:`K_\sigma - \frac2\pi C \succeq 0` (Schur product theorem).

    Parameters
    ----------
    K : array_like, shape (d, d)

    Returns
    -------
    ndarray, shape (d, d)

    References
    ----------
    ``docs/signsgd.md``, 'The four effects as formulas' (noise reshaping).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> dr.signsgd.sign_covariance_approx([[1.0, 0.0], [0.0, 4.0]]).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    C = correlation_matrix(K)
    out = (2.0 / np.pi) * C
    out[np.diag_indices_from(out)] = 1.0
    return out


def _rescaled(K: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
    """Return D^{1/4} (as a vector q) and A = D^{-1/4} K D^{-1/4}."""
    q = np.diag(K) ** 0.25
    A = K / q[:, None] / q[None, :]
    return q, 0.5 * (A + A.T)


def preconditioned_spectrum(K: ArrayLike) -> NDArray[np.float64]:
    r"""Relaxation spectrum of signSGD: the eigenvalues of :math:`D^{-1/4}KD^{-1/4}`.

    They are the eigenvalues of the drift matrix :math:`\bar K = D^{-1/2}K` (similar to the
    symmetric :math:`A = D^{-1/4}KD^{-1/4}`; computed with a symmetric eigensolver, never an SVD of
    :math:`\bar K`). Mode j of signSGD relaxes at rate :math:`2\gamma\varphi(R)\lambda_j` against
    SGD's :math:`2\gamma\mu_j` (:math:`\mu_j` the eigenvalues of K): for diagonal K,
    :math:`\lambda_j = \sqrt{K_{jj}}`, so a condition number κ becomes √κ ("diagonal
    preconditioning"); for K with a constant diagonal there is no gain.

    Parameters
    ----------
    K : array_like, shape (d, d) or (d,)
        Covariance, or the diagonal of a diagonal covariance.

    Returns
    -------
    ndarray, shape (d,)
        Ascending eigenvalues.

    References
    ----------
    ``docs/signsgd.md``, 'Matrices', 'The four effects as formulas' and 'The mode ODE' (not an SVD).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> dr.signsgd.preconditioned_spectrum([4.0, 0.01]).tolist()   # √K_ii for diagonal K
    [0.1, 2.0]
    """
    arr = np.asarray(K, dtype=np.float64)
    if arr.ndim == 1:
        diag = check.float_array("K", arr, ndim=1, nonnegative=True)
        return np.sort(np.sqrt(diag))
    _, A = _rescaled(_square_matrix("K", arr))
    return np.clip(scipy.linalg.eigvalsh(A, check_finite=False), 0.0, None)


@dataclass(frozen=True, eq=False)
class SignSGDModes:
    r"""Inputs of the signSGD risk ODE for one problem (docs/signsgd.md, 'The mode ODE').

    Attributes
    ----------
    eigenvalues : ndarray, shape (d,)
        :math:`\lambda_j`, eigenvalues of :math:`A = D^{-1/4}KD^{-1/4}`.
    kappa : ndarray, shape (d,)
        :math:`\kappa_j = w_j^\top D^{1/4}K_\sigma D^{1/4}w_j`.
    v0 : ndarray, shape (d,)
        :math:`v_j(0) = \tfrac12(w_j^\top D^{1/4}(\theta_0-\theta^\ast))^2`.
    diagonal : ndarray, shape (d,)
        :math:`K_{ii}`.
    eigenvectors : ndarray, shape (d, d) or None
        :math:`w_j` as columns (None for a diagonal K, where they are the identity).
    largest_correlation : float or None
        :math:`\max_{i\ne j}|K_{ij}|/\sqrt{K_{ii}K_{jj}}` (:func:`largest_correlation`) when
        the covariance is known (None for the large-d PLRF model, which estimates it with
        :func:`~deterministic_risk.signsgd.plrf_largest_correlation`).

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> prob = dr.GaussianLeastSquares(np.array([[1.0, 0.3], [0.3, 0.5]]), theta_star=[1.0, -1.0])
    >>> modes = dr.signsgd.signsgd_modes(prob)
    >>> bool(np.isclose(modes.kappa.sum(), np.sqrt([1.0, 0.5]).sum()))   # Σκ = Σ√K_ii
    True
    """

    eigenvalues: NDArray[np.float64]
    kappa: NDArray[np.float64]
    v0: NDArray[np.float64]
    diagonal: NDArray[np.float64]
    eigenvectors: NDArray[np.float64] | None = field(default=None, repr=False)
    largest_correlation: float | None = None

    @property
    def sum_sqrt_diagonal(self) -> float:
        r""":math:`\sum_i\sqrt{K_{ii}} = \sum_j\kappa_j` (exact identity; drives the limit)."""
        return float(np.sum(np.sqrt(self.diagonal)))

    @property
    def initial_excess(self) -> float:
        r""":math:`R(0) = \sum_j\lambda_j v_j(0)`."""
        return float(self.eigenvalues @ self.v0)

    @property
    def d(self) -> int:
        return self.eigenvalues.size


def signsgd_modes(problem: Any) -> SignSGDModes:
    r"""Eigen-decomposition, forcings and initial state of the signSGD ODE (cached per problem).

    Parameters
    ----------
    problem : GaussianLeastSquares
        With a covariance whose diagonal is positive.

    Returns
    -------
    SignSGDModes

    Notes
    -----
    :math:`A = D^{-1/4}KD^{-1/4} = W\Lambda W^\top` (``scipy.linalg.eigh``), :math:`K_\sigma` by
    :func:`sign_covariance`, :math:`\kappa = \mathrm{diag}(W^\top D^{1/4}K_\sigma D^{1/4}W)`,
    :math:`v_0 = \tfrac12(W^\top D^{1/4}(\theta_0-\theta^\ast))^2`. Cost: one symmetric d×d
    eigendecomposition, d² arcsines and one d×d×d product. A diagonal K (given by its eigenvalues
    without eigenvectors) takes O(d): :math:`\lambda_j = \sqrt{K_{jj}}`, :math:`K_\sigma = I`,
    :math:`\kappa_j = \sqrt{K_{jj}}`. Exact identities (tested): :math:`\sum_j\kappa_j =
    \sum_i\sqrt{K_{ii}}`, :math:`\sum_j\lambda_j\kappa_j = \mathrm{tr}(KK_\sigma)`,
    :math:`\sum_j\lambda_jv_j(0) = R(\theta_0)`.

    References
    ----------
    ``docs/signsgd.md``, 'Matrices' and 'The mode ODE' (eigendecomposition, not SVD).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> prob = dr.GaussianLeastSquares([4.0, 1.0], theta_star=[1.0, 1.0])
    >>> modes = dr.signsgd.signsgd_modes(prob)
    >>> modes.eigenvalues.tolist(), modes.kappa.tolist(), round(modes.initial_excess, 12)
    ([2.0, 1.0], [2.0, 1.0], 2.5)
    """
    if not isinstance(problem, GaussianLeastSquares):
        raise TypeError(f"signsgd_modes needs a GaussianLeastSquares problem, got "
                        f"{type(problem).__name__}")
    cached = _MODES.get(problem)
    if cached is not None:
        return cached
    r0 = problem.theta0 - problem.theta_star
    if problem.is_diagonal:
        diag = np.array(problem.eigenvalues)
        if np.any(diag <= 0):
            raise ValueError("signSGD needs a covariance with a positive diagonal (K_ii > 0); "
                             f"the smallest is {diag.min():.3g}")
        q = diag**0.25
        modes = SignSGDModes(np.sqrt(diag), np.sqrt(diag), 0.5 * (q * r0) ** 2, diag, None, 0.0)
    else:
        K = _square_matrix("covariance", problem.covariance_matrix())
        q, A = _rescaled(K)
        lam, W = scipy.linalg.eigh(A, check_finite=False, driver="evd")
        lam = np.clip(lam, 0.0, None)
        M = sign_covariance(K)
        M *= q[:, None]
        M *= q[None, :]
        kappa = np.einsum("ij,ij->j", W, M @ W)
        v0 = 0.5 * (W.T @ (q * r0)) ** 2
        modes = SignSGDModes(lam, np.clip(kappa, 0.0, None), v0, np.diag(K).copy(), W,
                             largest_correlation(K))
    for arr in (modes.eigenvalues, modes.kappa, modes.v0, modes.diagonal):
        arr.setflags(write=False)
    _MODES[problem] = modes
    return modes


def _noise_law(noise: object) -> NoiseLaw:
    if not isinstance(noise, NoiseLaw):
        raise TypeError(f"noise must be a NoiseLaw such as dr.noise.Gaussian(0.1), got "
                        f"{type(noise).__name__}")
    return noise


def effective_lr(lr: ArrayLike, R: ArrayLike, noise: NoiseLaw) -> NDArray[np.float64] | float:
    r"""Effective learning rate of signSGD, :math:`\gamma_{\rm eff} = \gamma\,\varphi(R)`.

    The signSGD drift equals that of SGD preconditioned by :math:`D^{-1/2}` with step
    :math:`\gamma_{\rm eff}`; for Gaussian noise :math:`\gamma_{\rm eff} =
    \frac2\pi\gamma/\sqrt{2R+\sigma^2} = \frac2\pi\gamma/\sqrt{2P}` (normalised by the loss scale).

    Parameters
    ----------
    lr : float or array_like
        Step γ.
    R : float or array_like
        Excess risk (broadcast with ``lr``).
    noise : NoiseLaw

    Returns
    -------
    float or ndarray

    References
    ----------
    ``docs/signsgd.md``, 'The four effects as formulas'.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> round(dr.signsgd.effective_lr(0.1, 0.375, dr.noise.Gaussian(0.5)), 12)   # (2/π)·0.1/1
    0.063661977237
    """
    lr = check.float_array("lr", lr, nonnegative=True, max_abs=check.MAX_LR)
    out = lr * np.asarray(_noise_law(noise).phi(R))
    return float(out) if out.ndim == 0 else out


def noise_compression(R: ArrayLike, noise: NoiseLaw) -> NDArray[np.float64] | float:
    r"""Noise-compression ratio :math:`\psi(R) = \varphi(R)^2\,(2R + E[\varepsilon^2])`.

    At a matched effective learning rate (and K = I) signSGD makes more progress than SGD at
    excess risk R iff :math:`\psi(R) > 1`: the risk equations are :math:`\dot R = -2\gamma_{\rm
    eff}R + \tfrac12\gamma_{\rm eff}^2/\varphi^2` (signSGD) against :math:`-2\gamma_{\rm eff}R +
    \tfrac12\gamma_{\rm eff}^2(2R+E\varepsilon^2)` (SGD). Small-risk value
    :math:`\psi(0) = \frac8\pi f_\varepsilon(0)^2\,\mathrm{Var}(\varepsilon)`: 4/π² (Gaussian),
    4/π (Laplace), 2/(3π) (uniform), ``inf`` for infinite variance.

    Parameters
    ----------
    R : float or array_like
        Excess risk >= 0.
    noise : NoiseLaw

    Returns
    -------
    float or ndarray

    References
    ----------
    docs/signsgd.md, 'The four effects as formulas' (ψ may be the inverse of the paper's Eq. 15.b;
    the paper's convention is unverified).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> round(dr.signsgd.noise_compression(0.0, dr.noise.Laplace(1.0)), 12)   # 4/π
    1.273239544735
    """
    phi = np.asarray(_noise_law(noise).phi(R))
    out = phi**2 * (2.0 * check.excess_risk(R) + noise.second_moment)
    return float(out) if out.ndim == 0 else out


def limiting_risk(problem: Any, lr: float, *, noise: NoiseLaw | None = None) -> float:
    r"""Excess risk signSGD converges to at a constant step: the root of
    :math:`R\,\varphi(R) = \gamma\sum_i\sqrt{K_{ii}}/4`.

    For Gaussian noise :math:`N(0,\sigma^2)` the root is
    :math:`R_\infty = c\,(c + \sqrt{c^2+\sigma^2})` with :math:`c = \pi\gamma\sum_i\sqrt{K_{ii}}/8`;
    for other laws it is found by Brent's method in log R (:math:`R\varphi(R)` increases from 0 to
    ∞). It depends on K only through its diagonal.

    Parameters
    ----------
    problem : GaussianLeastSquares or array_like
        The problem, or the covariance K (shape (d, d)) or its diagonal (shape (d,)).
    lr : float
        Constant step γ > 0.
    noise : NoiseLaw, optional
        Defaults to the problem's noise law (required when an array is given).

    Returns
    -------
    float
        :math:`R_\infty` (excess risk; add ½E[ε²] for the full risk).

    Notes
    -----
    At stationarity :math:`2\gamma\varphi\lambda_jv_j = \gamma^2\kappa_j/2`; summing
    :math:`\lambda_jv_j` and using :math:`\sum_j\kappa_j = \sum_i\sqrt{K_{ii}}` gives the equation.

    References
    ----------
    ``docs/signsgd.md``, 'Limiting risk and schedules'.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> round(dr.signsgd.limiting_risk([1.0] * 4, 0.1, noise=dr.noise.Gaussian(0.0)), 12)   # π²γ²m²/32
    0.049348022005
    """
    lr = check.learning_rate("lr", lr)
    if isinstance(problem, GaussianLeastSquares):
        noise = problem.noise if noise is None else noise
        diag = problem.diagonal
    elif hasattr(problem, "to_least_squares") or hasattr(problem, "to_spectrum"):
        raise TypeError(f"problem must be a GaussianLeastSquares or an array (K or its diagonal), "
                        f"got {type(problem).__name__}; for it use dr.SignSGD(lr).limit(problem), "
                        f"which reduces the problem first")
    else:
        arr = check.float_array("problem", problem)
        if arr.ndim not in (1, 2):
            raise ValueError(f"problem must be K (2-d) or its diagonal (1-d), got shape "
                             f"{arr.shape}")
        diag = np.diag(arr) if arr.ndim == 2 else arr
        if noise is None:
            raise ValueError("noise must be given when problem is an array")
    noise = _noise_law(noise)
    diag = check.float_array("diagonal of K", diag, ndim=1, nonnegative=True)
    target = lr * float(np.sum(np.sqrt(diag))) / 4.0
    if isinstance(noise, Gaussian) and noise.mean == 0.0:
        c = math.pi * target / 2.0          # π γ Σ√K_ii / 8
        return c * (c + math.hypot(c, noise.std))
    log_target = math.log(target)

    def f(log_r: float) -> float:
        r = math.exp(log_r)
        return log_r + math.log(max(float(noise.phi(r)), 1e-320)) - log_target

    lo, hi = math.log(1e-300), math.log(1e300)
    if f(lo) >= 0:   # the root lies below 1e-300, where φ(R) = φ(0+) to within R: R = target/φ
        return math.exp(log_target) / max(float(noise.phi(0.0)), 1e-300)
    return math.exp(optimize.brentq(f, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps))


def lr_for_limit(sum_sqrt_diagonal: float, noise: NoiseLaw, excess: float) -> float:
    r"""The constant signSGD step whose limiting excess risk is ``excess``: the inverse of
    :func:`limiting_risk`, :math:`\gamma = 4E\varphi(E)/\sum_i\sqrt{K_{ii}}`.

    Parameters
    ----------
    sum_sqrt_diagonal : float
        :math:`\sum_i\sqrt{K_{ii}}` (``SignSGDModes.sum_sqrt_diagonal``).
    noise : NoiseLaw
    excess : float
        Target limiting excess risk E > 0.

    Returns
    -------
    float

    References
    ----------
    docs/signsgd.md, 'Limiting risk and schedules' (fixed point :math:`R\varphi(R) = \gamma\sum_i
    \sqrt{K_{ii}}/4`).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> noise = dr.noise.Gaussian(0.3)
    >>> lr = dr.signsgd.lr_for_limit(4.0, noise, 0.01)
    >>> round(dr.signsgd.limiting_risk([1.0] * 4, lr, noise=noise), 12)
    0.01
    """
    excess = check.positive_float("excess", excess)
    total = check.positive_float("sum_sqrt_diagonal", sum_sqrt_diagonal)
    return 4.0 * excess * float(noise.phi(excess)) / total

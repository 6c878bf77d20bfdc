r"""Monomial random features: exact population covariance, its spectrum, and a :class:`Spectrum`.

Derivations and modelling notes: docs/theory.md, section ``deterministic_risk.monomial_features``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validation as check
from .spectrum import Spectrum

__all__ = ["MonomialRF", "DecayFit", "wick_coefficients", "monomial_moment",
           "monomial_covariance", "log_corrected_power_law", "fit_log_corrected_power_law"]

_MAX_P = 4


def _power(p: object) -> int:
    p = check.positive_int("p", p)
    if p > _MAX_P:
        raise ValueError(f"p must be an integer in [1, {_MAX_P}], got {p}")
    return p


def wick_coefficients(p: int) -> NDArray[np.float64]:
    r"""Coefficients :math:`\kappa_{p,m} = (p!)^2/((m!)^2 (p-2m)!\,4^m)`, m = 0 … ⌊p/2⌋.

    Parameters
    ----------
    p : int
        Monomial degree, 1 ≤ p ≤ 4.

    Returns
    -------
    ndarray, shape (⌊p/2⌋ + 1,)

    Notes
    -----
    For standard Gaussians u, v with correlation ρ, Mehler's formula and the Hermite expansion
    :math:`u^p = \sum_m a_{p-2m}\mathrm{He}_{p-2m}(u)`, :math:`a_{p-2m} = p!/(m!(p-2m)!2^m)`, give
    :math:`E[u^pv^p] = \sum_m a_{p-2m}^2 (p-2m)!\,\rho^{p-2m}`; with
    :math:`u = w_i\cdot x/\sqrt{s_i}` this is :math:`\kappa_{p,m}` (``docs/extensions.md``,
    'Exact covariance').

    Examples
    --------
    >>> from deterministic_risk.monomial_features import wick_coefficients
    >>> wick_coefficients(4).tolist()
    [24.0, 72.0, 9.0]
    """
    p = _power(p)
    m = np.arange(p // 2 + 1)
    fact = np.array([math.factorial(int(i)) for i in range(p + 1)], dtype=np.float64)
    return fact[p] ** 2 / (fact[m] ** 2 * fact[p - 2 * m] * 4.0 ** m)


def monomial_moment(c: ArrayLike, s_u: ArrayLike, s_v: ArrayLike, p: int, *,
                    centered: bool = False) -> NDArray[np.float64]:
    r"""Gaussian moment :math:`E[u^p v^p]` (or the covariance of :math:`u^p` and :math:`v^p`).

    Parameters
    ----------
    c : array_like
        Covariances :math:`E[uv]`.
    s_u, s_v : array_like
        Variances :math:`E[u^2]`, :math:`E[v^2]` (broadcast against ``c``).
    p : int
        Degree, 1 ≤ p ≤ 4.
    centered : bool, default False
        Return :math:`\mathrm{Cov}(u^p, v^p)`: drops the m = p/2 term (even p), which is
        :math:`E[u^p]E[v^p]`.

    Returns
    -------
    ndarray
        :math:`\sum_m \kappa_{p,m}(s_us_v)^m c^{p-2m}` (``docs/extensions.md``, 'Exact covariance').

    Examples
    --------
    >>> from deterministic_risk.monomial_features import monomial_moment
    >>> float(monomial_moment(1.0, 1.0, 1.0, 2))   # E[u^4] = 3 for a standard normal
    3.0
    """
    p = _power(p)
    kappa = wick_coefficients(p)
    c = np.asarray(c, dtype=np.float64)
    ss = np.asarray(s_u, dtype=np.float64) * np.asarray(s_v, dtype=np.float64)
    out = np.zeros(np.broadcast_shapes(c.shape, ss.shape))
    for m, coef in enumerate(kappa):   # at most three chaos terms
        if centered and p - 2 * m == 0:
            continue
        out = out + coef * ss**m * c ** (p - 2 * m)
    return out


def monomial_covariance(features: ArrayLike, data_eigenvalues: ArrayLike, p: int, *,
                        centered: bool = False, method: str = "wick") -> NDArray[np.float64]:
    r"""Exact population covariance :math:`K = \tfrac1d E_x[f(W^\top x)f(W^\top x)^\top]`, f = y^p.

    Parameters
    ----------
    features : array_like, shape (v, d)
        The sketch W (any entries; the package's convention is N(0, 1)).
    data_eigenvalues : array_like, shape (v,)
        Diagonal h ≥ 0 of the data covariance H (x ~ N(0, diag(h))).
    p : int
        Degree, 1 ≤ p ≤ 4.
    centered : bool, default False
        Covariance of the centred features (drops the mean term for even p).
    method : {"wick", "hermite"}
        ``"wick"``: :math:`\sum_m\kappa_{p,m}D_s^mC^{\circ(p-2m)}D_s^m`. ``"hermite"``: Mehler's
        series in the correlations,
        :math:`K_{ij} = \tfrac1d\sum_k k!\,a_k^2 (s_is_j)^{p/2}\rho_{ij}^k`
        (an independent formulation used to check the first).

    Returns
    -------
    ndarray, shape (d, d)
        Symmetric positive semi-definite K.

    Raises
    ------
    ValueError
        For shapes that do not match, negative eigenvalues, p outside 1…4, or (``"hermite"``) a
        feature with zero variance.

    Notes
    -----
    With :math:`C = W^\top HW`, :math:`s = \mathrm{diag}\,C` (``docs/extensions.md``,
    'Exact covariance'):

    .. math:: K = \frac1d\sum_{m=0}^{\lfloor p/2\rfloor}\kappa_{p,m}\,D_s^m\,C^{\circ(p-2m)}D_s^m,
              \qquad \kappa_{p,m} = \frac{(p!)^2}{(m!)^2(p-2m)!\,4^m}.

    Cost O(v d²) for C, O(p d²) for K.

    Examples
    --------
    >>> import numpy as np
    >>> from deterministic_risk.monomial_features import monomial_covariance
    >>> w = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> monomial_covariance(w, [1.0, 1.0], 2).tolist()   # (s sᵀ + 2 C∘C)/d
    [[1.5, 0.5], [0.5, 1.5]]
    """
    p = _power(p)
    w = check.float_array("features", features, ndim=2)
    h = check.float_array("data_eigenvalues", data_eigenvalues, ndim=1, nonnegative=True)
    if h.size != w.shape[0]:
        raise ValueError(f"data_eigenvalues must have length v = features.shape[0] = "
                         f"{w.shape[0]}, got {h.size}")
    d = w.shape[1]
    c = w.T @ (h[:, None] * w)
    c = 0.5 * (c + c.T)
    s = np.diag(c).copy()
    if method == "wick":
        k = monomial_moment(c, s[:, None], s[None, :], p, centered=centered)
    elif method == "hermite":
        if np.any(s <= 0):
            raise ValueError("method='hermite' needs every feature variance wᵢᵀHwᵢ > 0")
        root = np.sqrt(s)
        rho = np.clip(c / np.outer(root, root), -1.0, 1.0)
        k = np.zeros_like(c)
        for order in range(p % 2, p + 1, 2):   # He_k coefficients of u^p: k ≡ p (mod 2)
            if centered and order == 0:
                continue
            m = (p - order) // 2
            a = math.factorial(p) / (math.factorial(m) * math.factorial(order) * 2.0**m)
            k = k + math.factorial(order) * a * a * rho**order
        k = k * np.outer(s, s) ** (0.5 * p)
    else:
        raise ValueError(f"method must be 'wick' or 'hermite', got {method!r}")
    k = k / d
    return 0.5 * (k + k.T)


@dataclass(frozen=True, eq=False)
class MonomialRF:
    r"""Least squares on monomial random features, reduced to a :class:`Spectrum`.

    Features :math:`\phi(x) = (W^\top x)^p/\sqrt d` with :math:`x \sim N(0, \mathrm{diag}(h))`,
    :math:`W_{ij} \sim N(0,1)` drawn from ``seed``; label :math:`y = (b^\top x)^p + \varepsilon`
    (the same monomial of a teacher direction b, plus Gaussian noise of standard deviation
    ``noise_std``); prediction :math:`\langle\phi(x),\theta\rangle`, :math:`\theta_0 = 0`.

    Parameters
    ----------
    data_eigenvalues : array_like, shape (v,)
        h ≥ 0.
    d : int
        Number of features.
    p : int
        Degree 1 ≤ p ≤ 4.
    target : array_like, shape (v,)
        Teacher direction b (not all zero).
    noise_std : float, default 0
        Standard deviation of the label noise ε.
    centered : bool, default False
        Use centred features and labels (drop every mean term).
    seed : int, default 0
        Seed of W.

    Notes
    -----
    The risk :math:`R(\theta) = \tfrac12E[(\langle\phi,\theta\rangle - y)^2] = \tfrac12(\theta^\top
    K\theta - 2\theta^\top r + E y^2)` needs only second moments, all given by
    :func:`monomial_moment` with b as one more column of W (``docs/extensions.md``, 'Exact
    covariance'):
    :math:`r_i = E[\phi_iy] = d^{-1/2}\sum_m\kappa_{p,m}(s_is_b)^m c_{ib}^{p-2m}`,
    :math:`c_{ib} = w_i^\top Hb`, :math:`s_b = b^\top Hb`, :math:`E y^2 = (2p-1)!!\,s_b^p +
    \sigma_\varepsilon^2`. With :math:`K = U\Lambda U^\top`, the initial excess risk of mode i is
    :math:`\tfrac12(u_i^\top r)^2/\lambda_i` and the floor is
    :math:`\tfrac12(Ey^2 - r^\top K^+ r)` (capacity floor plus half the noise variance).

    :func:`~deterministic_risk.risk_curve` on :meth:`spectrum` gives the SGD risk of the
    *Gaussian-equivalent* model (Gaussian features with covariance K, the same target
    projections, independent residual). Real monomial features are not Gaussian, so the
    fourth-moment (batch-noise) term of the real SGD risk can differ from it.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> rf = dr.monomial_features.MonomialRF.power_law(alpha=1.5, beta=0.5, d=50, p=2, v=200)
    >>> spec = rf.spectrum()
    >>> len(spec), spec.floor > 0
    (50, True)
    >>> curve = dr.risk_curve(spec, dr.SGD(lr=0.5 * dr.max_stable_lr(spec)), [0, 100])
    >>> bool(curve.risk[1] < curve.risk[0])
    True
    """

    data_eigenvalues: ArrayLike
    d: int
    p: int
    target: ArrayLike
    noise_std: float = 0.0
    centered: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        h = check.float_array("data_eigenvalues", self.data_eigenvalues, ndim=1, nonnegative=True)
        b = check.float_array("target", self.target, ndim=1)
        if b.shape != h.shape:
            raise ValueError(f"target must have the shape of data_eigenvalues {h.shape}, "
                             f"got {b.shape}")
        if not np.any(b * h != 0):
            raise ValueError("target must have a component along data of positive variance")
        object.__setattr__(self, "data_eigenvalues", h)
        object.__setattr__(self, "target", b)
        object.__setattr__(self, "d", check.positive_int("d", self.d))
        object.__setattr__(self, "p", _power(self.p))
        object.__setattr__(self, "noise_std",
                           check.positive_float("noise_std", self.noise_std, allow_zero=True))
        object.__setattr__(self, "centered", bool(self.centered))
        object.__setattr__(self, "seed", check.positive_int("seed", self.seed, minimum=0))

    @classmethod
    def power_law(cls, alpha: float, beta: float, d: int, p: int, *, v: int | None = None,
                  noise_std: float = 0.0, centered: bool = False, seed: int = 0) -> "MonomialRF":
        r"""Power-law data :math:`h_j = j^{-\alpha}` and teacher :math:`b_j = j^{-\beta}`, j ≤ v.

        α is [M]'s exponent of the data eigenvalues (= 2·α of :class:`~deterministic_risk.PLRF`,
        ``docs/extensions.md``, 'Model and conventions'); α + 2β > 1 keeps :math:`b^\top Hb`
        bounded as v → ∞. ``v`` defaults to 4·d.
        """
        alpha = check.positive_float("alpha", alpha)
        beta = check.finite_float("beta", beta)
        d = check.positive_int("d", d)
        v = 4 * d if v is None else check.positive_int("v", v)
        j = np.arange(1, v + 1, dtype=np.float64)
        return cls(j**-alpha, d, p, j**-beta, noise_std=noise_std, centered=centered, seed=seed)

    @property
    def v(self) -> int:
        """Data dimension."""
        return self.data_eigenvalues.size

    @property
    def features(self) -> NDArray[np.float64]:
        """The sketch W, shape (v, d), i.i.d. N(0, 1) from ``np.random.default_rng(seed)``."""
        return _moments(self)[0]

    def covariance(self) -> NDArray[np.float64]:
        """Exact feature covariance K, shape (d, d) (:func:`monomial_covariance`)."""
        return _moments(self)[1]

    def target_moments(self) -> tuple[NDArray[np.float64], float]:
        r"""Cross moment :math:`r = E[\phi y]`, shape (d,), and :math:`E[y^2]` (see Notes)."""
        _, _, r, ey2 = _moments(self)
        return r, ey2

    def eigenvalues(self) -> NDArray[np.float64]:
        """Eigenvalues of K in decreasing order, shape (d,) (tiny negative round-off set to 0)."""
        return _eigensystem(self)[0]

    def spectrum(self) -> Spectrum:
        """The :class:`Spectrum` (eigenvalues, initial excess risks, floor) of this problem."""
        return _eigensystem(self)[2]

    def __repr__(self) -> str:
        return (f"MonomialRF(p={self.p}, d={self.d}, v={self.v}, centered={self.centered}, "
                f"noise_std={self.noise_std:g}, seed={self.seed})")


@functools.lru_cache(maxsize=8)
def _moments(rf: MonomialRF):
    rng = np.random.default_rng(rf.seed)
    w = rng.standard_normal((rf.v, rf.d))
    h, b, p = rf.data_eigenvalues, rf.target, rf.p
    k = monomial_covariance(w, h, p, centered=rf.centered)
    s = np.einsum("vd,v,vd->d", w, h, w)
    c_b = w.T @ (h * b)
    s_b = float(np.sum(h * b * b))
    r = monomial_moment(c_b, s, s_b, p, centered=rf.centered) / math.sqrt(rf.d)
    ey2 = float(monomial_moment(s_b, s_b, s_b, p, centered=rf.centered)) + rf.noise_std**2
    for arr in (w, k, r):
        arr.setflags(write=False)
    return w, k, r, ey2


@functools.lru_cache(maxsize=8)
def _eigensystem(rf: MonomialRF):
    _, k, r, ey2 = _moments(rf)
    lam, u = np.linalg.eigh(k)
    lam, u = lam[::-1], u[:, ::-1]
    cutoff = max(lam[0], 0.0) * rf.d * np.finfo(float).eps
    lam = np.where(lam > cutoff, lam, 0.0)
    proj = u.T @ r
    with np.errstate(divide="ignore", invalid="ignore"):
        reducible = np.where(lam > 0, proj**2 / lam, 0.0)
    floor = 0.5 * (ey2 - float(np.sum(reducible)))
    if floor < 0:
        if floor < -1e-8 * ey2:
            raise ArithmeticError(f"negative floor {floor:.3g}: K is too ill-conditioned for "
                                  f"float64 (reduce d or p)")
        floor = 0.0
    lam.setflags(write=False)
    return lam, u, Spectrum(lam, 0.5 * reducible, floor=floor)


# ------------------------------------------------------------------------------------------------
# Decay law of the theorem and its fit
# ------------------------------------------------------------------------------------------------

def log_corrected_power_law(j: ArrayLike, alpha: float, p: int) -> NDArray[np.float64]:
    r"""The theorem's eigenvalue law :math:`(\log^{p-1}(j+1)/j)^\alpha` (up to a constant).

    Parameters
    ----------
    j : array_like
        Indices j ≥ 1.
    alpha : float
        Data exponent α > 0 (:math:`h_j \asymp j^{-\alpha}`).
    p : int
        Degree (p = 1 gives :math:`j^{-\alpha}`).

    Returns
    -------
    ndarray

    References
    ----------
    Paquette, Xiao, Zhu, arXiv:2603.14578 (abstract); ``docs/extensions.md``, 'Exact covariance'.

    Examples
    --------
    >>> from deterministic_risk.monomial_features import log_corrected_power_law
    >>> float(log_corrected_power_law(4.0, 1.0, 1))
    0.25
    """
    p = _power(p)
    alpha = check.positive_float("alpha", alpha)
    j = np.asarray(j, dtype=np.float64)
    if np.any(j < 1):
        raise ValueError("j must be >= 1")
    return np.exp(alpha * ((p - 1) * np.log(np.log1p(j)) - np.log(j)))


@dataclass(frozen=True)
class DecayFit:
    r"""Fit of :math:`\log\lambda_j = \log A + \alpha\log(\log^{p-1}(j+1)/j)` on a window.

    Attributes
    ----------
    amplitude : float
        A.
    alpha : float
        Fitted exponent α.
    p : int
        Degree of the log correction used (p = 1: a plain power law).
    window : tuple of int
        First and last index j of the fit (both included, 1-based).
    rms_residual : float
        Root-mean-square residual of log λ (0 for a perfect law).

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> j = np.arange(1, 201.0)
    >>> lam = dr.monomial_features.log_corrected_power_law(j, 1.5, 2)
    >>> fit = dr.monomial_features.fit_log_corrected_power_law(lam, p=2, window=(10, 200))
    >>> round(fit.alpha, 6)
    1.5
    """

    amplitude: float
    alpha: float
    p: int
    window: tuple[int, int]
    rms_residual: float

    def __call__(self, j: ArrayLike) -> NDArray[np.float64]:
        """The fitted law at indices j."""
        return self.amplitude * log_corrected_power_law(j, self.alpha, self.p)


def fit_log_corrected_power_law(eigenvalues: ArrayLike, p: int,
                                window: tuple[int, int]) -> DecayFit:
    r"""Fit :math:`\lambda_j \approx A(\log^{p-1}(j+1)/j)^\alpha` over ``window`` (1-based j).

    Parameters
    ----------
    eigenvalues : array_like, shape (n,)
        Eigenvalues in decreasing order (λ₁ ≥ λ₂ ≥ …).
    p : int
        Degree of the log correction (p = 1 fits a plain power law, for comparison).
    window : (int, int)
        Indices (j_lo, j_hi), 1 ≤ j_lo < j_hi ≤ n. Use a head window (``docs/extensions.md``,
        'Exact covariance'); a plain power-law fit of a p ≥ 2 spectrum under-estimates α.

    Returns
    -------
    DecayFit

    Examples
    --------
    >>> import numpy as np
    >>> from deterministic_risk.monomial_features import (fit_log_corrected_power_law,
    ...                                                    log_corrected_power_law)
    >>> lam = 3.0 * log_corrected_power_law(np.arange(1, 101), 1.5, 2)
    >>> fit = fit_log_corrected_power_law(lam, 2, (5, 100))
    >>> round(fit.alpha, 10), round(fit.amplitude, 10)
    (1.5, 3.0)
    """
    p = _power(p)
    lam = check.float_array("eigenvalues", eigenvalues, ndim=1)
    lo = check.positive_int("window[0]", window[0])
    hi = check.positive_int("window[1]", window[1])
    if not lo < hi <= lam.size:
        raise ValueError(f"window must satisfy 1 <= j_lo < j_hi <= {lam.size}, got {window}")
    j = np.arange(lo, hi + 1, dtype=np.float64)
    y = lam[lo - 1:hi]
    if np.any(y <= 0):
        raise ValueError("eigenvalues in the window must be > 0")
    xcoord = (p - 1) * np.log(np.log1p(j)) - np.log(j)
    design = np.column_stack([np.ones_like(xcoord), xcoord])
    coef, *_ = np.linalg.lstsq(design, np.log(y), rcond=None)
    resid = np.log(y) - design @ coef
    return DecayFit(float(np.exp(coef[0])), float(coef[1]), p, (lo, hi),
                    float(np.sqrt(np.mean(resid**2))))

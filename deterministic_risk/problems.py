r"""Least-squares problems: general Gaussian data and the power-law random features (PLRF) model.

Both reduce, for SGD, to a :class:`~deterministic_risk.Spectrum`; the simulator draws real samples
from them (:mod:`deterministic_risk.simulate`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, NDArray

from . import _validation as check
from .deterministic_equivalent import (deterministic_spectrum, population_eigenvalues,
                                       weighted_target)
from .noise import NoiseLaw, as_noise
from .resources import check_resources
from .spectrum import Spectrum

__all__ = ["GaussianLeastSquares", "PLRF", "PLRFInstance", "rotated_covariance"]


@dataclass(frozen=True, eq=False)
class GaussianLeastSquares:
    r"""Linear regression on Gaussian data, :math:`z \sim N(0, K)`, :math:`y = \langle z,\theta^\ast\rangle + \varepsilon`.

    Parameters
    ----------
    covariance : array_like, shape (d, d) or (d,)
        The covariance K, either as a symmetric positive semi-definite matrix or as its eigenvalues
        (a 1-d array; K is then diagonal unless ``eigenvectors`` is given). The 1-d form needs
        O(d) memory, so diagonal problems with d = 10⁶ work.
    theta_star : array_like, shape (d,)
        Optimal parameters :math:`\theta^\ast`.
    theta0 : array_like, shape (d,), optional
        Initial parameters (default 0).
    noise_std : float, optional
        Standard deviation σ of Gaussian label noise, independent of z (the shortcut for
        ``noise=dr.noise.Gaussian(σ)``; default no noise). After construction it holds
        :math:`\sqrt{E[\varepsilon^2]}` of the noise law (``inf`` for infinite variance).
    eigenvectors : array_like, shape (d, d), optional
        Orthonormal eigenvectors (columns) going with a 1-d ``covariance``.
    noise : NoiseLaw, optional
        Law of the label noise ε (a :mod:`deterministic_risk.noise` object such as
        ``dr.noise.Cauchy(0.5)``); give it or ``noise_std``, not both. After construction it
        always holds the law (``Gaussian(noise_std)`` for the shortcut).

    Raises
    ------
    ValueError
        If both ``noise`` and ``noise_std`` are given, or for invalid shapes and values.

    Notes
    -----
    Risk :math:`R(\theta) = \tfrac12 E[(\langle z,\theta\rangle - y)^2] = \tfrac12E[\varepsilon^2] +
    \tfrac12 (\theta-\theta^\ast)^\top K (\theta-\theta^\ast)`; the floor is
    :math:`\tfrac12E[\varepsilon^2]` (:math:`\sigma^2/2` for Gaussian noise, ``inf`` for
    infinite-variance noise). SGD depends on the noise only through :math:`E[\varepsilon^2]`
    (:meth:`spectrum` refuses infinite variance); signSGD through the law of :math:`|\varepsilon|`.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> prob = dr.GaussianLeastSquares([1.0, 0.25], theta_star=[1.0, 2.0], noise_std=0.1)
    >>> prob.spectrum()
    Spectrum(n_nodes=2, dimension=2, eigenvalues in [0.25, 1], initial_risk=1.005, floor=0.005)
    """

    covariance: ArrayLike
    theta_star: ArrayLike
    theta0: ArrayLike | None = None
    noise_std: float | None = None
    eigenvectors: ArrayLike | None = field(default=None, repr=False)
    noise: NoiseLaw | None = None

    def __post_init__(self) -> None:
        law = as_noise(self.noise, self.noise_std)
        cov = check.float_array("covariance", self.covariance, max_abs=check.MAX_EIGENVALUE)
        if cov.size == 0:
            raise ValueError(f"covariance must hold at least one eigenvalue (d >= 1), got shape "
                             f"{cov.shape}")
        matrix = None
        if cov.ndim == 2:
            if cov.shape[0] != cov.shape[1]:
                raise ValueError(f"covariance must be square, got shape {cov.shape}")
            if not np.allclose(cov, cov.T, rtol=1e-10, atol=1e-14 * np.abs(cov).max()):
                raise ValueError("covariance must be symmetric")
            if self.eigenvectors is not None:
                raise ValueError("eigenvectors go with a 1-d covariance (its eigenvalues) only")
            lam, vecs = np.linalg.eigh(cov)
            scale = max(abs(lam).max(), 1e-300)
            if lam.min() < -1e-10 * scale:
                raise ValueError(f"covariance must be positive semi-definite, its smallest "
                                 f"eigenvalue is {lam.min():.3g}")
            lam = np.clip(lam, 0.0, None)
            matrix = cov
        elif cov.ndim == 1:
            if np.any(cov < 0):
                raise ValueError("covariance eigenvalues must be non-negative")
            lam = cov
            vecs = None
            if self.eigenvectors is not None:
                vecs = check.float_array("eigenvectors", self.eigenvectors, ndim=2)
                if vecs.shape != (lam.size, lam.size):
                    raise ValueError(f"eigenvectors must have shape {(lam.size, lam.size)}, "
                                     f"got {vecs.shape}")
                if not np.allclose(vecs.T @ vecs, np.eye(lam.size), atol=1e-8):
                    raise ValueError("eigenvectors must be orthonormal columns")
        else:
            raise ValueError(f"covariance must be 1-d (eigenvalues) or 2-d, got {cov.ndim}-d")
        d = lam.size
        theta_star = check.float_array("theta_star", self.theta_star, ndim=1)
        if theta_star.size != d:
            raise ValueError(f"theta_star must have length d={d}, got {theta_star.size}")
        theta0 = (np.zeros(d) if self.theta0 is None
                  else check.float_array("theta0", self.theta0, ndim=1))
        if theta0.size != d:
            raise ValueError(f"theta0 must have length d={d}, got {theta0.size}")
        _check_initial_risk(lam, vecs, theta0 - theta_star, self.theta0 is None)
        lam = np.asarray(lam)
        lam.setflags(write=False)
        object.__setattr__(self, "_eigenvalues", lam)
        object.__setattr__(self, "eigenvectors", vecs)
        object.__setattr__(self, "theta_star", theta_star)
        object.__setattr__(self, "theta0", theta0)
        object.__setattr__(self, "noise", law)
        object.__setattr__(self, "noise_std", float(np.sqrt(law.second_moment)))
        object.__setattr__(self, "_matrix", matrix)

    @property
    def d(self) -> int:
        """Number of parameters."""
        return self._eigenvalues.size

    @property
    def eigenvalues(self) -> NDArray[np.float64]:
        """Eigenvalues of K."""
        return self._eigenvalues

    @property
    def floor(self) -> float:
        """Irreducible risk ½E[ε²] (``inf`` for infinite-variance noise)."""
        return self.noise.floor

    def to_eigenbasis(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Coordinates of vectors (last axis) in the eigenbasis of K."""
        return x if self.eigenvectors is None else x @ self.eigenvectors

    def covariance_matrix(self) -> NDArray[np.float64]:
        """K as a dense (d, d) matrix (the matrix given, when one was given)."""
        if self._matrix is not None:
            return self._matrix
        if self.eigenvectors is None:
            return np.diag(self._eigenvalues)
        v = self.eigenvectors
        return (v * self._eigenvalues) @ v.T

    @property
    def is_diagonal(self) -> bool:
        """Whether K is diagonal in the problem's coordinates (given by eigenvalues alone)."""
        return self.eigenvectors is None and self._matrix is None

    @functools.cached_property
    def diagonal(self) -> NDArray[np.float64]:
        r"""The diagonal :math:`K_{ii}` of the covariance (read-only)."""
        diag = np.array(self._eigenvalues if self.is_diagonal else np.diag(self.covariance_matrix()))
        diag.setflags(write=False)
        return diag

    @functools.cached_property
    def covariance_root(self) -> NDArray[np.float64]:
        r"""Symmetric square root :math:`K^{1/2}` (read-only; computed once)."""
        if self.eigenvectors is None:
            root = np.diag(np.sqrt(self._eigenvalues))
        else:
            vecs = self.eigenvectors
            root = (vecs * np.sqrt(self._eigenvalues)) @ vecs.T
        root.setflags(write=False)
        return root

    def to_spectrum(self, *, method: str | None = None, seed: int | None = None) -> Spectrum:
        """The :class:`Spectrum` of the problem (:meth:`spectrum`, computed once).

        ``method`` and ``seed`` apply to PLRF problems only; giving them here raises TypeError.
        """
        _refuse_plrf_options(self, method=method, seed=seed)
        return self._spectrum

    @functools.cached_property
    def _spectrum(self) -> Spectrum:
        return self.spectrum()

    def to_least_squares(self, *, seed: int | None = None) -> "GaussianLeastSquares":
        """The problem itself (``seed`` applies to PLRF problems only)."""
        _refuse_plrf_options(self, seed=seed)
        return self

    def spectrum(self) -> Spectrum:
        r"""Spectrum with weights :math:`\tfrac12\lambda_i\langle\phi_i,\theta_0-\theta^\ast\rangle^2`
        and floor :math:`\tfrac12E[\varepsilon^2]` (the input of the SGD dynamics).

        Raises
        ------
        ValueError
            For infinite-variance label noise, where the SGD risk is infinite.
        """
        if not self.noise.finite_variance:
            raise ValueError(f"SGD on this problem is undefined: its label noise {self.noise!r} has "
                             f"infinite variance E[eps^2] = inf, and the SGD dynamics depend on the "
                             f"noise only through E[eps^2] (floor = E[eps^2]/2); use noise with "
                             f"finite variance, or a sign-based optimizer such as dr.SignSGD")
        e = self.to_eigenbasis(self.theta0 - self.theta_star)
        return Spectrum(self._eigenvalues, 0.5 * self._eigenvalues * e**2, floor=self.floor)


#: Largest initial excess risk ½(θ₀−θ*)ᵀK(θ₀−θ*) accepted: risks of this size and their
#: squares' square roots stay finite in float64 (1e300 would overflow at the first doubling).
MAX_INITIAL_RISK = 1e150


def _check_initial_risk(lam: NDArray[np.float64], vecs: NDArray[np.float64] | None,
                        diff: NDArray[np.float64], theta0_default: bool) -> None:
    """ValueError naming theta_star (or theta0) if the initial excess risk exceeds
    ``MAX_INITIAL_RISK``; O(d) unless a crude bound fails, then one change of basis."""
    with np.errstate(over="ignore", invalid="ignore"):
        crude = 0.5 * float(np.max(lam, initial=0.0)) * float(np.dot(diff, diff))
        if crude <= MAX_INITIAL_RISK:
            return
        e = diff if vecs is None else diff @ vecs
        risk = 0.5 * float(np.sum(lam * e * e))
    if not risk <= MAX_INITIAL_RISK:
        blamed = "theta_star" if theta0_default else "theta_star - theta0"
        raise ValueError(f"{blamed} is too large: the initial excess risk "
                         f"½(θ0 − θ*)ᵀK(θ0 − θ*) = {risk:.3g} must be <= {MAX_INITIAL_RISK:g} "
                         f"(so that the risk dynamics stay finite in float64)")


@dataclass(frozen=True)
class PLRF:
    r"""Power-law random features problem ([4+3] §2; docs/deterministic_equivalent.md, 'The PLRF model').

    Data :math:`x \sim N(0, D)` in :math:`\mathbb R^v` with :math:`D = \mathrm{diag}(j^{-2\alpha})`,
    target :math:`b_j = j^{-\beta}`, labels :math:`y = \langle x, b\rangle + \varepsilon`,
    features :math:`W^\top x` with :math:`W \in \mathbb R^{v\times d}` of i.i.d.
    :math:`N(0, 1/d)` entries, parameters :math:`\theta \in \mathbb R^d`, :math:`\theta_0 = 0`.

    Parameters
    ----------
    alpha : float
        Data complexity α > 0.
    beta : float
        Target complexity β, with 2α + 2β > 1 (β may be negative).
    d : int
        Model size (number of parameters), >= 1.
    v : int, optional
        Hidden dimension, > d (default 4·d).
    noise_std : float, default 0
        Standard deviation of extra Gaussian label noise ε.

    Notes
    -----
    :math:`R(\theta) = \tfrac12\|D^{1/2}(W\theta - b)\|^2 + \tfrac12\sigma^2`; the [4+3] paper's
    loss P equals 2R. The floor is :math:`R_\ast + \sigma^2/2` with :math:`R_\ast` the capacity
    floor of the drawn W.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> prob = dr.PLRF(alpha=1.0, beta=0.7, d=100)
    >>> prob.v
    400
    >>> round(prob.initial_risk, 6)
    0.569332
    """

    alpha: float
    beta: float
    d: int
    v: int | None = None
    noise_std: float = 0.0

    def __post_init__(self) -> None:
        alpha = check.positive_float("alpha", self.alpha)
        beta = check.finite_float("beta", self.beta)
        if 2 * alpha + 2 * beta <= 1:
            raise ValueError(f"alpha and beta must satisfy 2*alpha + 2*beta > 1 (the admissible "
                             f"region), got 2*{alpha} + 2*{beta} = {2 * alpha + 2 * beta}")
        d = check.positive_int("d", self.d)
        v = 4 * d if self.v is None else check.positive_int("v", self.v)
        if v <= d:
            raise ValueError(f"v must be > d={d}, got {v}")
        object.__setattr__(self, "alpha", alpha)
        object.__setattr__(self, "beta", beta)
        object.__setattr__(self, "d", d)
        object.__setattr__(self, "v", v)
        object.__setattr__(self, "noise_std",
                           check.positive_float("noise_std", self.noise_std, allow_zero=True))

    @property
    def population_eigenvalues(self) -> NDArray[np.float64]:
        r""":math:`\lambda_j = j^{-2\alpha}`, j = 1..v."""
        return population_eigenvalues(self.alpha, self.v)

    @property
    def target(self) -> NDArray[np.float64]:
        r""":math:`b_j = j^{-\beta}`."""
        return np.arange(1, self.v + 1, dtype=np.float64) ** (-self.beta)

    @property
    def weighted_target(self) -> NDArray[np.float64]:
        r""":math:`\check b = D^{1/2} b`, :math:`\check b_j = j^{-\alpha-\beta}`."""
        return weighted_target(self.alpha, self.beta, self.v)

    @property
    def initial_risk(self) -> float:
        r""":math:`R(0) = \tfrac12\|\check b\|^2 + \tfrac12\sigma^2` (independent of W)."""
        return 0.5 * float(np.sum(self.weighted_target**2)) + 0.5 * self.noise_std**2

    def sample_features(self, seed: int | np.random.Generator = 0) -> NDArray[np.float64]:
        """Draw W (v × d) with i.i.d. N(0, 1/d) entries from ``np.random.default_rng(seed)``."""
        if not isinstance(seed, np.random.Generator):
            seed = check.seed("seed", seed)
        check_resources(f"drawing W ({self.v} x {self.d})", memory=8.0 * self.v * self.d)
        rng = np.random.default_rng(seed)
        return rng.standard_normal((self.v, self.d)) / np.sqrt(self.d)

    def instance(self, seed: int = 0) -> "PLRFInstance":
        """The problem for the W drawn from ``seed`` (cached: repeated calls are free).

        Raises :class:`~deterministic_risk.ResourceLimitError` if W and its SVD would exceed the
        memory or time limits (about 128·d² bytes at v = 4d)."""
        return _plrf_instance(self, check.seed("seed", seed))

    def spectrum(self, method: str = "deterministic", *, seed: int = 0,
                 n_nodes: int | None = None) -> Spectrum:
        """Spectrum of K = WᵀDW with the initial excess weights and the floor.

        Parameters
        ----------
        method : {"deterministic", "sampled"}
            ``"deterministic"`` (default): the deterministic equivalent of the W-average
            (:func:`~deterministic_risk.deterministic_spectrum`; nodes with fractional counts,
            cached). ``"sampled"``: the exact spectrum of the W drawn from ``seed``.
        seed : int
            Seed of W for ``method="sampled"`` (accepted and ignored by ``"deterministic"``).
        n_nodes : int, optional
            For ``"deterministic"``: merge the quadrature nodes into about this many.
        """
        if method == "deterministic":
            check.seed("seed", seed)
            return deterministic_spectrum(self, n_nodes)
        if method == "sampled":
            if n_nodes is not None:
                raise TypeError("n_nodes applies to method='deterministic' only")
            return self.instance(seed).spectrum()
        raise ValueError(f"method must be 'deterministic' or 'sampled', got {method!r}")

    def to_spectrum(self, *, method: str | None = None, seed: int | None = None) -> Spectrum:
        """The :class:`Spectrum` of the problem: :meth:`spectrum` with ``method`` (default
        ``"deterministic"``) and ``seed`` (default 0); the arguments are the ``spectrum_method``
        and ``feature_seed`` options of the optimizers and named so in errors."""
        if method is not None and method not in ("deterministic", "sampled"):
            raise ValueError(f"spectrum_method must be 'deterministic', 'sampled' or None, got "
                             f"{method!r}")
        seed = check.seed("feature_seed", seed, allow_none=True)
        return self.spectrum("deterministic" if method is None else method,
                             seed=0 if seed is None else seed)

    def to_least_squares(self, *, seed: int | None = None) -> "GaussianLeastSquares":
        """The problem for the W drawn from ``seed`` (default 0) as :class:`GaussianLeastSquares`
        (:meth:`PLRFInstance.to_least_squares`)."""
        seed = check.seed("feature_seed", seed, allow_none=True)
        return self.instance(0 if seed is None else seed).to_least_squares()


@dataclass(frozen=True, eq=False)
class PLRFInstance:
    r"""A PLRF problem with its feature matrix drawn: the exact eigensystem of :math:`K = W^\top D W`.

    Computed from the thin SVD :math:`D^{1/2}W = U S V^\top` (never a v×v matrix): the eigenvalues
    of K are :math:`\lambda_i = S_i^2`, its eigenvectors the columns of V, the initial excess risk of
    mode i is :math:`\tfrac12\langle u_i,\check b\rangle^2` and the capacity floor is
    :math:`R_\ast = \tfrac12\|(I-UU^\top)\check b\|^2` (``docs/deterministic_equivalent.md``,
    'The PLRF model').

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> inst = dr.PLRF(1.0, 0.7, d=50).instance(seed=0)
    >>> inst.eigenvalues.shape, inst.theta_star.shape
    ((50,), (50,))
    """

    problem: PLRF
    seed: int
    features: NDArray[np.float64] = field(repr=False)
    eigenvalues: NDArray[np.float64] = field(repr=False)
    eigenvectors: NDArray[np.float64] = field(repr=False)
    target_projections: NDArray[np.float64] = field(repr=False)
    capacity_floor: float = 0.0

    @property
    def floor(self) -> float:
        """Capacity floor plus half the extra label-noise variance."""
        return self.capacity_floor + 0.5 * self.problem.noise_std**2

    @property
    def theta_star(self) -> NDArray[np.float64]:
        r""":math:`\theta^\ast = V S^{-1} U^\top \check b` (minimiser of the risk)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            coef = np.where(self.eigenvalues > 0,
                            self.target_projections / np.sqrt(self.eigenvalues), 0.0)
        return self.eigenvectors @ coef

    def spectrum(self) -> Spectrum:
        """Eigenvalues of K with the initial excess of each mode and the floor."""
        return Spectrum(self.eigenvalues, 0.5 * self.target_projections**2, floor=self.floor)

    def to_spectrum(self, *, method: str | None = None, seed: int | None = None) -> Spectrum:
        """:meth:`spectrum` (``method`` and ``seed`` belong to :class:`PLRF`; giving them here
        raises TypeError: W is drawn already)."""
        _refuse_plrf_options(self, method=method, seed=seed)
        return self.spectrum()

    def to_least_squares(self, *, seed: int | None = None) -> GaussianLeastSquares:
        """The same problem as :class:`GaussianLeastSquares` in feature space: covariance K,
        optimum θ*, θ₀ = 0 and Gaussian label noise of variance 2·floor (the approximation
        residual is Gaussian and independent of the features). Built once per instance."""
        _refuse_plrf_options(self, seed=seed)
        return self._least_squares

    @functools.cached_property
    def _least_squares(self) -> GaussianLeastSquares:
        return GaussianLeastSquares(self.eigenvalues, self.theta_star,
                                    noise_std=float(np.sqrt(2.0 * self.floor)),
                                    eigenvectors=self.eigenvectors)


#: Optimistic speed of the thin SVD of D^{1/2}W (floating-point operations per second).
SVD_FLOPS_PER_SECOND = 2e10


@functools.lru_cache(maxsize=8)
def _plrf_instance(problem: PLRF, seed: int) -> PLRFInstance:
    v, d = problem.v, problem.d
    # W, D^{1/2}W, U and the SVD's workspace (v×d each), V and its workspace (d×d); the thin
    # SVD takes about 4vd² + 22d³ operations (Golub and Van Loan, R-SVD)
    check_resources(f"the sampled PLRF spectrum at d = {d}, v = {v}",
                    memory=8.0 * (4.0 * v * d + 3.0 * d * d),
                    seconds=(4.0 * v * d * d + 22.0 * float(d) ** 3) / SVD_FLOPS_PER_SECOND)
    w = problem.sample_features(seed)
    sqrt_d = problem.population_eigenvalues ** 0.5
    u, s, vt = scipy.linalg.svd(sqrt_d[:, None] * w, full_matrices=False, lapack_driver="gesdd",
                                check_finite=False)
    bcheck = problem.weighted_target
    proj = u.T @ bcheck
    residual = bcheck - u @ proj
    for arr in (w, s, proj):
        arr.setflags(write=False)
    vecs = np.ascontiguousarray(vt.T)
    vecs.setflags(write=False)
    return PLRFInstance(problem, seed, w, s**2, vecs, proj, 0.5 * float(residual @ residual))


def _refuse_plrf_options(problem, **options) -> None:
    """TypeError for reduction options that apply to a :class:`PLRF` only."""
    names = {"method": "spectrum_method", "seed": "feature_seed"}
    given = [names[name] for name, value in options.items() if value is not None]
    if given:
        raise TypeError(f"{' and '.join(given)} applies to PLRF problems only (it selects how W is "
                        f"drawn or the spectrum computed); a {type(problem).__name__} has one "
                        f"reduction")


#: Largest ``diag_spread`` of :func:`rotated_covariance` (entries scaled by up to e^(2·50)).
MAX_DIAG_SPREAD = 50.0


def rotated_covariance(eigenvalues: ArrayLike, seed: int = 0, diag_spread: float = 0.0
                       ) -> NDArray[np.float64]:
    r"""A covariance with a given spectrum in a random basis, optionally with a spread diagonal.

    .. math:: K = S\,Q\,\mathrm{diag}(\lambda)\,Q^\top S, \qquad S = \mathrm{diag}(e^{u_i}),\;
              u_i \sim U(-s, s),

    with Q Haar-distributed (QR of a Gaussian matrix with the signs of R's diagonal fixed). With
    ``diag_spread`` s = 0 the eigenvalues are exactly ``eigenvalues`` and diag(K) is nearly
    constant (no gain from diagonal preconditioning); s > 0 spreads the diagonal, as signSGD's
    preconditioning needs to show.

    Parameters
    ----------
    eigenvalues : array_like, shape (d,)
        Non-negative eigenvalues λ.
    seed : int
        Seed of Q and of the diagonal scaling.
    diag_spread : float, default 0
        Half-width s of the log-uniform diagonal scaling.

    Returns
    -------
    ndarray, shape (d, d)
        Symmetric positive semi-definite K.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> K = dr.problems.rotated_covariance([3.0, 2.0, 1.0], seed=1)
    >>> np.round(np.linalg.eigvalsh(K), 12).tolist()
    [1.0, 2.0, 3.0]
    """
    lam = check.float_array("eigenvalues", eigenvalues, ndim=1, nonnegative=True,
                            max_abs=check.MAX_EIGENVALUE)
    if lam.size == 0:
        raise ValueError("eigenvalues must hold at least one value")
    spread = check.positive_float("diag_spread", diag_spread, allow_zero=True)
    if spread > MAX_DIAG_SPREAD:
        raise ValueError(f"diag_spread must be <= {MAX_DIAG_SPREAD:g} (the scaling e^(2s) of the "
                         f"covariance must stay finite), got {spread:g}")
    d = lam.size
    rng = np.random.default_rng(check.seed("seed", seed))
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    q *= np.sign(np.diag(r))
    s = np.exp(rng.uniform(-spread, spread, d))
    k = s[:, None] * ((q * lam) @ q.T) * s[None, :]
    return 0.5 * (k + k.T)


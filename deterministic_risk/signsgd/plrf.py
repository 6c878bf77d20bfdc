r"""signSGD on the power-law random features (PLRF) model: the inputs of its risk ODE at any d.

Derivations and modelling notes: docs/theory.md, section ``deterministic_risk.signsgd.plrf``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .. import _validation as check
from .. import deterministic_equivalent as de
from ..noise import Gaussian
from ..problems import PLRF
from .modes import SignSGDModes, lr_for_limit, signsgd_modes
from .large_d import signsgd_equivalent

__all__ = ["DiagonalLaw", "diagonal_law", "plrf_signsgd_modes", "signsgd_lr_for_excess",
           "signsgd_max_lr", "signsgd_lr_exponents", "plrf_largest_correlation"]

#: Points of the log-spaced s grid of the Laplace-transform integrals.
LAPLACE_POINTS = 1200
#: Top features drawn, and candidate columns compared, by :func:`plrf_largest_correlation`.
CORRELATION_FEATURES = 32
CORRELATION_COLUMNS = 16


@dataclass(frozen=True, eq=False)
class DiagonalLaw:
    r"""Moments of the law of a diagonal entry :math:`K_{ii}` of a PLRF covariance.

    Attributes
    ----------
    mean : float
        :math:`c_K = E K_{ii} = \frac1d\sum_j\lambda_j` (= tr K / d in expectation).
    mean_sqrt : float
        :math:`E K_{ii}^{1/2}`; :math:`d\,E K_{ii}^{1/2} = E\sum_i\sqrt{K_{ii}}`.
    mean_inv_sqrt : float
        :math:`E K_{ii}^{-1/2} = t_\infty`.
    index, scale : ndarray, shape (n,)
        Population indices j (possibly fractional, compressed) and :math:`t_j/t_\infty`.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> law = dr.signsgd.diagonal_law(dr.PLRF(1.0, 0.3, d=100))
    >>> isinstance(law, dr.signsgd.DiagonalLaw)
    True
    """

    mean: float
    mean_sqrt: float
    mean_inv_sqrt: float
    index: NDArray[np.float64]
    scale: NDArray[np.float64]

    @property
    def flatness(self) -> float:
        r""":math:`E\sqrt{K_{ii}}/\sqrt{c_K}` (1 for a concentrated diagonal)."""
        return float(self.mean_sqrt / math.sqrt(self.mean))


def diagonal_law(problem) -> DiagonalLaw:
    r"""Moments of :math:`K_{ii}` and the feature-conditional weights :math:`t_j` (docs/theory.md).

    Parameters
    ----------
    problem : PLRF

    Returns
    -------
    DiagonalLaw

    Notes
    -----
    :math:`x^{1/2} = \frac{1}{2\sqrt\pi}\int_0^\infty s^{-3/2}(1-e^{-sx})ds` and
    :math:`x^{-1/2} = \frac{1}{\sqrt\pi}\int_0^\infty s^{-1/2}e^{-sx}ds`, with
    :math:`E[g^2e^{-sag^2}] = (1+2sa)^{-3/2}` for g ~ N(0, 1). The integrals are trapezoid sums
    in log s (the integrands decay at both ends), over the compressed population of
    :mod:`~deterministic_risk.deterministic_equivalent` (O(√d) atoms).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> law = dr.signsgd.diagonal_law(dr.PLRF(0.4, 0.7, d=500))    # 2α < 1: concentrated
    >>> round(law.flatness, 3)
    0.998
    >>> round(dr.signsgd.diagonal_law(dr.PLRF(1.0, 0.3, d=500)).flatness, 3)   # 2α > 1: spread
    0.926
    """
    problem = _check_problem(problem)
    return _diagonal_law(problem.alpha, problem.d, problem.v)


def _check_problem(problem) -> PLRF:
    if not isinstance(problem, PLRF):
        raise TypeError(f"problem must be a PLRF, got {type(problem).__name__}")
    return problem


@functools.lru_cache(maxsize=32)
def _diagonal_law(alpha: float, d: int, v: int) -> DiagonalLaw:
    pop = de.population(alpha, d, v)
    lam, om = pop.lam, pop.omega
    c = float(om @ lam) / d
    # s from far below 1/max(K_ii) to far beyond 1/min: log-spaced trapezoid
    u = np.linspace(math.log(1e-6 / (lam[0] / d + c)), math.log(1e10 / c), LAPLACE_POINTS)
    s = np.exp(u)
    du = u[1] - u[0]
    log_l = np.zeros(s.size)
    for lo in range(0, s.size, 100):
        blk = s[lo:lo + 100, None] * (2.0 * lam[None, :] / d)
        log_l[lo:lo + 100] = -0.5 * (np.log1p(blk) @ om)
    L = np.exp(log_l)
    w = np.full(s.size, du)
    w[[0, -1]] *= 0.5
    one_minus_l = -np.expm1(log_l)
    mean_sqrt = float(w @ (s**-0.5 * one_minus_l)) / (2 * math.sqrt(math.pi))
    mean_sqrt += 2.0 * s[-1] ** -0.5 / (2 * math.sqrt(math.pi))   # tail ∫ s^{-3/2} ds, L ≈ 0
    mean_sqrt += 2.0 * c * s[0] ** 0.5 / (2 * math.sqrt(math.pi))  # head: 1 − L ≈ c·s
    mean_inv = float(w @ (s**0.5 * L)) / math.sqrt(math.pi)
    t = ((w * s**0.5 * L) @ (1.0 / (1.0 + s[:, None] * (2.0 * lam[None, :] / d)))) \
        / math.sqrt(math.pi)
    scale = t / mean_inv
    for arr in (pop.index, scale):
        arr.setflags(write=False)
    return DiagonalLaw(float(c), float(mean_sqrt), float(mean_inv), pop.index, scale)


def plrf_signsgd_modes(problem, *, method: str = "deterministic", n_nodes: int | None = None,
                       seed: int = 0) -> tuple[SignSGDModes, float]:
    r"""Inputs of the signSGD risk ODE on a PLRF problem, and its floor.

    Parameters
    ----------
    problem : PLRF
    method : {"deterministic", "sampled"}
        The large-d model (:func:`~deterministic_risk.signsgd.signsgd_equivalent`), or the exact modes of
        the W drawn from ``seed``.
    n_nodes : int, optional
        For ``"deterministic"``: merge the nodes into about this many.
    seed : int
        Seed of W for ``"sampled"``.

    Returns
    -------
    modes : SignSGDModes
        ``eigenvalues`` :math:`h_\ell`, ``kappa`` (node totals of :math:`\kappa` for the model),
        ``v0`` and ``diagonal`` (for the model a constant vector of length d whose square roots
        sum to :math:`d\,E\sqrt{K_{ii}}`).
    floor : float
        :math:`R_\ast` plus half the extra label-noise variance.

    Raises
    ------
    ValueError
        For an unknown ``method``.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> prob = dr.PLRF(1.0, 0.3, d=200)
    >>> modes, floor = dr.signsgd.plrf_signsgd_modes(prob)
    >>> round((modes.initial_excess + floor) / prob.initial_risk, 8)
    1.0
    """
    problem = _check_problem(problem)
    if method == "sampled":
        if n_nodes is not None:
            raise ValueError("n_nodes applies to method='deterministic' only")
        ls = problem.to_least_squares(seed=seed)
        return signsgd_modes(ls), ls.floor
    if method != "deterministic":
        raise ValueError(f"method must be 'deterministic' or 'sampled', got {method!r}")
    if n_nodes is not None:
        n_nodes = check.positive_int("n_nodes", n_nodes)
    model = signsgd_equivalent(problem, n_nodes=n_nodes)
    return model.modes, model.floor


# -- learning-rate scaling -------------------------------------------------------------------

def signsgd_lr_for_excess(problem, excess: float, *, method: str = "deterministic",
                          seed: int = 0) -> float:
    r"""Constant signSGD step whose limiting excess risk is ``excess``.

    Inverts the exact fixed point of the mode ODE (docs/signsgd_plrf.md, 'The four-term risk'),
    :math:`R_\infty - R_\ast = c\,(c + \sqrt{c^2 + 2R_\ast})` with
    :math:`c = \pi\gamma\sum_i\sqrt{K_{ii}}/8`:

    .. math:: c = \frac{E}{\sqrt{2(R_\ast + E)}},\qquad \gamma = \frac{8c}{\pi\sum_i\sqrt{K_{ii}}}.

    Since :math:`\sum_i\sqrt{K_{ii}} \asymp d^{1-\omega}` (:math:`\omega = \min(\alpha, \frac12)`),
    a fixed target E needs :math:`\gamma \asymp d^{-(1-\omega)}`.

    Parameters
    ----------
    problem : PLRF
    excess : float
        Target limiting excess risk E > 0.
    method : {"deterministic", "sampled"}
        Where :math:`\sum_i\sqrt{K_{ii}}` and :math:`R_\ast` come from (:func:`plrf_signsgd_modes`).
    seed : int
        Seed of W for ``"sampled"``.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> prob = dr.PLRF(1.0, 0.3, d=200)
    >>> lr = dr.signsgd.signsgd_lr_for_excess(prob, 1e-3)
    >>> curve = dr.risk_curve(prob, dr.SignSGD(lr), [0, 10**9])
    >>> round(float(curve.excess[-1]), 6)
    0.001
    """
    modes, floor = plrf_signsgd_modes(problem, method=method, seed=seed)
    return lr_for_limit(modes.sum_sqrt_diagonal, Gaussian(math.sqrt(2.0 * floor)), excess)


def signsgd_max_lr(problem, *, method: str = "deterministic", seed: int = 0) -> float:
    r"""The constant signSGD step at which the limiting risk equals the initial risk.

    Beyond it a constant step cannot lower the risk at all (the ODE relaxes to a level above
    R(0)); it scales as :math:`d^{-(1-\omega)}`, :math:`\omega = \min(\alpha, \frac12)` (the
    stable exponent :math:`e_{\rm stable}` of :func:`signsgd_lr_exponents`). It plays for signSGD
    the part :func:`~deterministic_risk.max_stable_lr` plays for SGD.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> a, b = (dr.signsgd.signsgd_max_lr(dr.PLRF(1.0, 0.3, d=d)) for d in (1000, 4000))
    >>> round(float(np.log(a / b) / np.log(4)), 1)    # ≈ 1 − ω = 0.5
    0.5
    """
    modes, _ = plrf_signsgd_modes(problem, method=method, seed=seed)
    return signsgd_lr_for_excess(problem, modes.initial_excess, method=method, seed=seed)


def signsgd_lr_exponents(alpha: float, beta: float) -> tuple[float, float]:
    r"""Exponents e of the signSGD step :math:`\gamma_0 \asymp d^{-e}` on PLRF: (stable, optimal).

    ``stable`` is :math:`1-\omega`, the scaling of :func:`signsgd_max_lr`; ``optimal`` is the
    compute-optimal step exponent of the derived phase table, from
    :func:`deterministic_risk.asymptotics.phase_of` (imports sympy):
    :math:`e^\ast = (1-\omega) + \eta/(2\xi)` where the saturated sign-noise level sets the step
    (docs/signsgd_plrf.md, 'Compute-optimal areas'), :math:`e^\ast = \varepsilon/\xi` with
    :math:`\varepsilon = \alpha\xi + (1-2\alpha)(1-\xi) + \eta/2` in areas Ad and Bb, where the
    learned-mode level does (docs/signsgd_phase_plane.md §3).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> dr.signsgd.signsgd_lr_exponents(1.0, 0.3)     # area Aa: e* = α + β
    (0.5, 1.3)
    """
    from ..asymptotics import phase_of

    alpha = check.positive_float("alpha", alpha)
    beta = check.finite_float("beta", beta)
    omega = min(alpha, 0.5)
    ph = phase_of(alpha, beta, "signsgd")
    return 1.0 - omega, float(ph.lr_exponent)


def plrf_largest_correlation(problem) -> float:
    r"""Estimate of :math:`\max_{i\ne j}|K_{ij}|/\sqrt{K_{ii}K_{jj}}` for a PLRF problem, from
    the law of the columns of W (docs/signsgd_plrf.md, "When the linearised ODE is off").

    .. math::

        \hat\rho = \max\Big(\rho_{\mathrm{top}},\;
        \frac{(\sum_j\lambda_j^2)^{1/2}}{\sum_j\lambda_j}\sqrt{2\ln\tbinom d2}\Big)

    :math:`\rho_{\mathrm{top}}`: d columns of their top 32 features drawn with a fixed seed (the
    rest of :math:`K_{ii}` replaced by its mean :math:`\sum_{j>32}\lambda_j/d`), and the largest
    correlation among the 16 columns most aligned with one feature; the second term is the
    Gaussian extreme of the :math:`\binom d2` bulk correlations. Cost O(32·d), cached per
    (α, d, v).

    Parameters
    ----------
    problem : PLRF

    Returns
    -------
    float
        In [0, 1]; 0 for d = 1.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> round(dr.signsgd.plrf_largest_correlation(dr.PLRF(0.4, 0.7, d=500)), 2)
    0.41
    >>> round(dr.signsgd.plrf_largest_correlation(dr.PLRF(1.0, 0.3, d=500)), 2)
    0.97
    """
    problem = _check_problem(problem)
    return _largest_correlation(problem.alpha, problem.d, problem.v)


@functools.lru_cache(maxsize=32)
def _largest_correlation(alpha: float, d: int, v: int) -> float:
    if d < 2:
        return 0.0
    lam = de.population_eigenvalues(alpha, v)
    m = min(v, CORRELATION_FEATURES)
    # rows: columns i of W scaled by sqrt(d), entries sqrt(lambda_j) g_ji for the top m features
    a = np.random.default_rng(0).standard_normal((d, m)) * np.sqrt(lam[:m])
    norm2 = np.einsum("im,im->i", a, a) + lam[m:].sum()
    share = np.max(a * a, axis=1) / norm2
    top = np.argsort(share)[-CORRELATION_COLUMNS:]
    u = a[top] / np.sqrt(norm2[top])[:, None]
    c = np.abs(u @ u.T)
    np.fill_diagonal(c, 0.0)
    tail = lam[m:]
    pairs = d * (d - 1) / 2
    bulk = math.sqrt(float(tail @ tail)) / float(lam.sum()) * math.sqrt(2.0 * math.log(pairs))
    return float(min(max(c.max(), bulk), 1.0))


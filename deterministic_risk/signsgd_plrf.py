r"""signSGD on the power-law random features (PLRF) model: the inputs of its risk ODE at any d.

PLRF is Gaussian least squares with covariance :math:`K = W^\top D W`, optimum :math:`\theta^\ast`
and Gaussian label noise of variance :math:`2R_\ast` (theory note ``signsgd.md`` §11.1), so the
signSGD mode ODE (``signsgd.md`` §6.2; ``signsgd_plrf.md`` §3.2)

.. math::

    \frac{dv_j}{dk} = -2\gamma_k\varphi(R)h_jv_j + \frac{\gamma_k^2}{2}\kappa_j,\qquad
    R = \sum_j h_jv_j,\qquad \varphi(R) = \frac{2/\pi}{\sqrt{2(R + R_\ast)}},

needs the eigenvalues :math:`h_j` of :math:`H = D_K^{-1/4}KD_K^{-1/4}` (:math:`D_K = \mathrm{diag}K`),
the forcings :math:`\kappa_j = \psi_j^\top D_K^{1/4}K_\sigma D_K^{1/4}\psi_j` and the initial state.
Two ways to get them (:func:`plrf_signsgd_modes`):

``"sampled"``
    Exact, for the W drawn from a seed: one d×d eigendecomposition and the arcsine matrix
    (:func:`~deterministic_risk.signsgd_modes`), d up to a few thousand.
``"deterministic"``
    A large-d model on quadrature nodes of a deterministic equivalent (DE), d up to 10⁵ and more.
    Its approximations (each measured in ``docs/signsgd_plrf.md``):

    1. **Law of the diagonal.** :math:`K_{ii} = \frac1d\sum_j\lambda_jg_{ji}^2` with
       :math:`g_{ji}` i.i.d. N(0, 1). For 2α > 1 it does not concentrate (it is dominated by the
       top features), so its law enters through Laplace-transform integrals
       (:func:`diagonal_law`): with :math:`L(s) = E e^{-sK_{ii}} = \prod_j(1+2s\lambda_j/d)^{-1/2}`,

       .. math::

           E K_{ii}^{1/2} = \frac{1}{2\sqrt\pi}\int_0^\infty s^{-3/2}(1-L(s))\,ds,\qquad
           t_j := d\,E[W_{ji}^2K_{ii}^{-1/2}] = \frac{1}{\sqrt\pi}\int_0^\infty
           \frac{s^{-1/2}L(s)}{1+2s\lambda_j/d}\,ds .

    2. **Rescaled population (drift).** The non-zero eigenvalues of H are those of
       :math:`\Lambda^{1/2}WD_K^{-1/2}W^\top\Lambda^{1/2}`. Replacing the column weights
       :math:`K_{ii}^{-1/2}` by their conditional mean given feature j, row by row, gives the
       PLRF-type matrix with population :math:`\lambda_jt_j`; its DE (the machinery of
       :mod:`~deterministic_risk.deterministic_equivalent` on the rescaled population) gives the
       nodes :math:`h_\ell` and the forcing (target) masses. It captures the main effect of the
       preconditioning on the top features (:math:`t_1/t_\infty` = 0.64 at α = 1, 0.50 at
       α = 1.5) but not the spread of the bulk caused by the fluctuating column weights (the
       smallest :math:`h` are overestimated by up to 25 % at α = 1, d = 500).
    3. **Noise.** :math:`K_\sigma \approx \frac2\pi\bar K + (1-\frac2\pi)I` (first arcsine term,
       ``signsgd_plrf.md`` §3.1 item 2) gives :math:`D_K^{1/4}K_\sigma D_K^{1/4} \approx \frac2\pi H
       + (1-\frac2\pi)D_K^{1/2}`, so :math:`\kappa_\ell = \frac2\pi h_\ell + q` with q fixed by the
       exact identity :math:`\sum_j\kappa_j = \sum_i\sqrt{K_{ii}} = d\,E K_{ii}^{1/2}`, which sets
       the noise-equilibrium level (``signsgd_plrf.md`` §3.3).
    4. The forcing masses are rescaled to the exact initial excess :math:`R(0) - R_\ast`, and
       :math:`R_\ast` is the DE floor of K (a column scaling does not change the span of the
       features, so the floor is that of K exactly).

    ``diagonal="flat"`` is the shortcut :math:`D_K \approx (\mathrm{tr}K/d)I`: the DE nodes of K
    with :math:`h = x/\sqrt{c_K}` and :math:`\kappa = \frac2\pi h + (1-\frac2\pi)\sqrt{c_K}`
    (``signsgd_plrf.md`` §3.2, K-eigenbasis form); it is kept to measure what it costs.

References
----------
Theory notes ``signsgd_plrf.md`` §2.1, §3.1–3.3 and ``signsgd.md`` §6, §11. E. Paquette,
C. Paquette, L. Xiao, J. Pennington, arXiv 2405.15074 (the PLRF deterministic equivalent).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from . import _validation as check
from .signsgd_large_d import signsgd_equivalent
from .signsgd_theory import SignSGDModes

__all__ = ["DiagonalLaw", "diagonal_law", "plrf_signsgd_modes", "signsgd_lr_for_excess",
           "signsgd_max_lr", "signsgd_lr_exponents"]

#: Points of the log-spaced s grid of the Laplace-transform integrals.
LAPLACE_POINTS = 1200


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
    >>> law = dr.diagonal_law(dr.PLRF(1.0, 0.3, d=100))
    >>> isinstance(law, dr.DiagonalLaw)
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
    r"""Moments of :math:`K_{ii}` and the feature-conditional weights :math:`t_j` (module notes).

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
    >>> law = dr.diagonal_law(dr.PLRF(0.4, 0.7, d=500))    # 2α < 1: concentrated
    >>> round(law.flatness, 3)
    0.998
    >>> round(dr.diagonal_law(dr.PLRF(1.0, 0.3, d=500)).flatness, 3)   # 2α > 1: spread
    0.926
    """
    from .deterministic_equivalent import _check_problem
    problem = _check_problem(problem)
    return _diagonal_law(problem.alpha, problem.d, problem.v)


@functools.lru_cache(maxsize=32)
def _diagonal_law(alpha: float, d: int, v: int) -> DiagonalLaw:
    from .deterministic_equivalent import _cached_population

    pop = _cached_population(alpha, d, v, True)
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


def _scaled_population(alpha: float, d: int, v: int):
    """The compressed population with λ_j replaced by λ_j t_j / t_∞ (drift model, item 2)."""
    from .deterministic_equivalent import _cached_population, _Population

    pop = _cached_population(alpha, d, v, True)
    scale = _diagonal_law(alpha, d, v).scale

    @dataclass(frozen=True, eq=False)
    class _Scaled(_Population):
        factor: NDArray[np.float64] = None

        @property
        def lam(self):
            return self.index ** (-2.0 * self.alpha) * self.factor

    return _Scaled(pop.index, pop.omega, pop.n_exact, alpha, d, scale)


@functools.lru_cache(maxsize=16)
def _scaled_measures(alpha: float, beta: float, d: int, v: int):
    """DE nodes, counts and forcing masses of the rescaled population (drift model)."""
    from . import deterministic_equivalent as de

    pop = _scaled_population(alpha, d, v)
    support, necks = de._support(pop)
    lo, hi, kind = de._panels([tuple(r) for r in support], [tuple(r) for r in necks], alpha, d)
    x, w = de._nodes(lo, hi, kind)
    m = de._fixed_point_on_nodes(x, pop, de.PANEL_NODES)
    rho_k, rho_f = de._densities(x, m, pop, beta)
    counts, forcing = rho_k * w, rho_f * w
    keep = (counts > 0) | (forcing > 0)
    return x[keep], counts[keep], forcing[keep]


def plrf_signsgd_modes(problem, *, method: str = "deterministic", diagonal: str = "law",
                       n_nodes: int | None = None, seed: int = 0) -> tuple[SignSGDModes, float]:
    r"""Inputs of the signSGD risk ODE on a PLRF problem, and its floor.

    Parameters
    ----------
    problem : PLRF
    method : {"deterministic", "sampled"}
        Large-d model on DE nodes, or the exact modes of the W drawn from ``seed``.
    diagonal : {"law", "flat"}
        For ``"deterministic"``: the law-of-the-diagonal model (default) or the flat-diagonal
        shortcut :math:`D_K \approx c_KI` (module notes).
    n_nodes : int, optional
        For ``"deterministic"``: merge the quadrature nodes into about this many.
    seed : int
        Seed of W for ``"sampled"``.

    Returns
    -------
    modes : SignSGDModes
        ``eigenvalues`` :math:`h_\ell`, ``kappa`` (node totals :math:`n_\ell\kappa_\ell` for the
        DE), ``v0`` and ``diagonal`` (for the DE a constant vector of length d whose square roots
        sum to :math:`d\,E\sqrt{K_{ii}}`).
    floor : float
        :math:`R_\ast` plus half the extra label-noise variance.

    Raises
    ------
    ValueError
        For an unknown ``method`` or ``diagonal``.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> prob = dr.PLRF(1.0, 0.3, d=200)
    >>> modes, floor = dr.plrf_signsgd_modes(prob)
    >>> round((modes.initial_excess + floor) / prob.initial_risk, 8)
    1.0
    """
    from .deterministic_equivalent import _check_problem, _compress_nodes, _measures

    problem = _check_problem(problem)
    if method == "sampled":
        if diagonal != "law":
            raise ValueError("diagonal applies to method='deterministic' only")
        from .signsgd_theory import signsgd_modes
        ls = _instance_least_squares(problem.instance(seed))
        return signsgd_modes(ls), ls.floor
    if method != "deterministic":
        raise ValueError(f"method must be 'deterministic' or 'sampled', got {method!r}")
    if diagonal not in ("law", "flat"):
        raise ValueError(f"diagonal must be 'law' or 'flat', got {diagonal!r}")
    if n_nodes is not None:
        n_nodes = check.positive_int("n_nodes", n_nodes)
    if diagonal == "law":
        model = signsgd_equivalent(problem, n_nodes=n_nodes)
        return model.modes, model.floor
    key = (problem.alpha, problem.beta, problem.d, problem.v, diagonal, n_nodes)
    modes = _de_modes(*key)
    floor = _measures(*key[:4], "compressed").floor + 0.5 * problem.noise_std**2
    return modes, floor


@functools.lru_cache(maxsize=32)
def _de_modes(alpha, beta, d, v, diagonal, n_nodes) -> SignSGDModes:
    from .deterministic_equivalent import _compress_nodes, _measures
    from .problems import PLRF

    meas = _measures(alpha, beta, d, v, "compressed")
    law = _diagonal_law(alpha, d, v)
    excess0 = PLRF(alpha, beta, d, v).initial_risk - meas.floor
    if diagonal == "flat":
        x, n, f = meas.nodes, meas.counts, meas.forcing
        root_c = math.sqrt(law.mean)
        h_scale, mean_sqrt = 1.0 / root_c, root_c
    else:
        x, n, f = _scaled_measures(alpha, beta, d, v)
        h_scale, mean_sqrt = law.mean_inv_sqrt, law.mean_sqrt
    if n_nodes is not None:
        x, n, f = _compress_nodes(x, n, f, n_nodes)
    h = x * h_scale
    # κ_ℓ = (2/π)h_ℓ + q with Σ n κ = d E√K_ii (item 3)
    q = mean_sqrt - (2.0 / math.pi) * float(n @ h) / d
    if q < 0:   # pragma: no cover - not met for admissible (α, β); guarded for safety
        raise FloatingPointError(f"negative isotropic forcing q = {q:.3g} in the DE model")
    kappa = n * ((2.0 / math.pi) * h + q)
    weights = 0.5 * f * (excess0 / (0.5 * float(f.sum())))    # energies h v0, sum R(0) − R*
    v0 = weights / h
    diag = np.full(d, mean_sqrt**2)
    modes = SignSGDModes(h, kappa, v0, diag, None)
    for arr in (modes.eigenvalues, modes.kappa, modes.v0, modes.diagonal):
        arr.setflags(write=False)
    return modes


def _instance_least_squares(inst):
    """``inst.as_least_squares()``, built once per instance (its signSGD modes are cached on it)."""
    ls = inst.__dict__.get("_least_squares")
    if ls is None:
        ls = inst.as_least_squares()
        inst.__dict__["_least_squares"] = ls
    return ls


# -- learning-rate scaling -------------------------------------------------------------------

def _sum_sqrt_diagonal_and_floor(problem, method: str, seed: int) -> tuple[float, float]:
    modes, floor = plrf_signsgd_modes(problem, method=method, seed=seed)
    return modes.sum_sqrt_diagonal, floor


def signsgd_lr_for_excess(problem, excess: float, *, method: str = "deterministic",
                          seed: int = 0) -> float:
    r"""Constant signSGD step whose limiting excess risk is ``excess``.

    Inverts the exact fixed point of the mode ODE (theory note ``signsgd_plrf.md`` §3.3),
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
    >>> lr = dr.signsgd_lr_for_excess(prob, 1e-3)
    >>> curve = dr.risk_curve(prob, dr.SignSGD(lr), [0, 10**9])
    >>> round(float(curve.excess[-1]), 6)
    0.001
    """
    excess = check.positive_float("excess", excess)
    total, floor = _sum_sqrt_diagonal_and_floor(problem, method, seed)
    c = excess / math.sqrt(2.0 * (floor + excess))
    return 8.0 * c / (math.pi * total)


def signsgd_max_lr(problem, *, method: str = "deterministic", seed: int = 0) -> float:
    r"""The constant signSGD step at which the limiting risk equals the initial risk.

    Beyond it a constant step cannot lower the risk at all (the ODE relaxes to a level above
    R(0)); it scales as :math:`d^{-(1-\omega)}`, :math:`\omega = \min(\alpha, \frac12)` (the
    stable exponent :math:`e_{\rm stable}` of :func:`signsgd_lr_exponents`). It plays for signSGD
    the part :func:`~deterministic_risk.max_stable_lr` plays for SGD.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> a, b = (dr.signsgd_max_lr(dr.PLRF(1.0, 0.3, d=d)) for d in (1000, 4000))
    >>> round(float(np.log(a / b) / np.log(4)), 1)    # ≈ 1 − ω = 0.5
    0.5
    """
    modes, floor = plrf_signsgd_modes(problem, method=method, seed=seed)
    return signsgd_lr_for_excess(problem, modes.initial_excess, method=method, seed=seed)


def signsgd_lr_exponents(alpha: float, beta: float) -> tuple[float, float]:
    r"""Exponents e of the signSGD step :math:`\gamma_0 \asymp d^{-e}` on PLRF: (stable, optimal).

    ``stable`` is :math:`1-\omega`, the scaling of :func:`signsgd_max_lr`; ``optimal`` is the
    compute-optimal :math:`e^\ast = (1-\omega) + \eta/(2\xi)` of the derived phase table
    (theory note ``signsgd_plrf.md`` §4.2–4.3), from
    :func:`deterministic_risk.asymptotics.phase_of` (imports sympy).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> dr.signsgd_lr_exponents(1.0, 0.3)     # area Aa: e* = α + β
    (0.5, 1.3)
    """
    from .asymptotics import phase_of

    alpha = check.positive_float("alpha", alpha)
    beta = check.finite_float("beta", beta)
    omega = min(alpha, 0.5)
    ph = phase_of(alpha, beta, "signsgd")
    return 1.0 - omega, float(ph.lr_exponent)

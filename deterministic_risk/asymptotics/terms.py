r"""The asymptotic loss terms as sympy expressions, each next to the exact sum it approximates.

Derivations and notes: docs/theory.md, section ``deterministic_risk.asymptotics.terms``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize
import scipy.special
import sympy as sp
from numpy.typing import ArrayLike, NDArray

from .. import _validation as check
from .symbols import (B, alpha, beta, d, gamma, gamma_hat, k, kappa_inf, kappa_nu, nu, q_A, q_F,
                      q_K)

__all__ = ["Term", "sgd_terms", "signsgd_terms", "signsgd_decay_terms", "terms_at",
           "sgd_learning_rate_exponent", "drift_normalised", "time_correction",
           "forcing_pp_sum", "forcing_ac_sum", "kernel_pp_sum", "floor_sum", "floor_s0"]

_half = sp.Rational(1, 2)


@dataclass(frozen=True)
class Term:
    r"""One asymptotic loss term: expression, regime, constant and exponents.

    Parameters
    ----------
    name : str
        Term name: ``"F_0"``, ``"F_pp"``, ``"F_ac"``, ``"noise"`` (SGD) or ``"A"``, ``"D_al"``,
        ``"D_dis"``, ``"N_sign"`` (signSGD).
    variant : str
        Short tag of the regime of this variant, e.g. ``"2β>1, 2α>1"``.
    expr : sympy.Expr
        The asymptotic form, in the symbols of :mod:`.symbols` (d, k, γ, B, α, β; finite-ν
        constants κ_ν, ν for 2α < 1). For signSGD, k is the horizon N and γ the constant step γ₀.
    condition : sympy.Boolean
        Region of the (α, β) plane where this variant is the term (the admissible region
        2α + 2β > 1 is implied).
    window : str
        Time window of validity.
    source : str
        Where the formula comes from (paper, or the docs page that derives it).
    exact : str
        The exact quantity it approximates.
    order_only : bool
        True when only the order (≍) is known and the constant is a placeholder 1.
    rel_error : sympy.Expr or None
        Leading relative error against ``exact`` (in d, k, γ, B), when derived.
    alternative : str
        Empty for an ordinary variant. Variants of one term that hold at the same (α, β) and
        carry different ``alternative`` tags (e.g. ``"N≤d"``, ``"N≥d"``) are alternatives: the
        term is the **smallest** of them at every (d, N, γ), each being the smaller one in its
        own window (docs/signsgd_phase_plane.md §3). The exponent problem then splits into one
        problem per tag (:meth:`.symbolic_frontier.ScalingProblem.subproblems`).

    Notes
    -----
    The exponents are read off the expression: :math:`a_d = d\,\partial_d \log T`, and likewise
    for k and γ; the constant is :math:`T / (d^{a_d} k^{a_k} \gamma^{a_\gamma})`.

    Examples
    --------
    >>> from deterministic_risk.asymptotics import sgd_terms
    >>> term = next(t for t in sgd_terms() if t.name == "F_pp")
    >>> term.name, term.source[:10]
    ('F_pp', 'docs/phase')
    """

    name: str
    variant: str
    expr: sp.Expr
    condition: sp.Basic
    window: str
    source: str
    exact: str
    order_only: bool = False
    rel_error: sp.Expr | None = field(default=None, compare=False)
    alternative: str = ""

    @property
    def key(self) -> str:
        """Name and variant, e.g. ``"F_0[2β>1, 2α>1]"``."""
        return f"{self.name}[{self.variant}]" if self.variant else self.name

    @functools.cached_property
    def exponents(self) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
        """(a_d, a_k, a_γ): the power of d, k and γ in the term (sympy, in α and β)."""
        log_t = sp.expand_log(sp.log(self.expr), force=True)
        return tuple(sp.factor(sp.expand(sp.diff(log_t, s) * s)) for s in (d, k, gamma))

    @functools.cached_property
    def constant(self) -> sp.Expr:
        """The prefactor: the term divided by d^{a_d} k^{a_k} γ^{a_γ}."""
        # the term is exactly C·d^{a_d} k^{a_k} γ^{a_γ}, so C is its value at d = k = γ = 1
        return self.expr.subs({d: 1, k: 1, gamma: 1})

    def holds(self, alpha_value: float, beta_value: float) -> bool:
        """Whether this variant is the term at the point (α, β)."""
        return bool(self.condition.subs({alpha: alpha_value, beta: beta_value}))

    def __repr__(self) -> str:
        return f"Term({self.key}: {sp.sstr(self.expr)})"


def time_correction(q: sp.Expr) -> sp.Expr:
    r"""Leading relative error of replacing :math:`q(\lambda)^k` by :math:`e^{-2\gamma k\lambda}`.

    For a term :math:`\int u^{q-1} q(u)^k du` (Gamma weight), expand
    :math:`k\log q(u) + 2\gamma k u = k c_2 \gamma^2 u^2 + k c_3 \gamma^3 u^3 + \dots` and average
    :math:`u^m` against the weight :math:`u^{q-1}e^{-2\gamma k u}`:
    :math:`E[u^m] = \Gamma(q+m)/\Gamma(q)\,(2\gamma k)^{-m}`.

    Parameters
    ----------
    q : sympy.Expr
        The time exponent of the term (q_F, q_A or q_K).

    Returns
    -------
    sympy.Expr
        :math:`c_2 q(q+1)/(4k) + c_3 q(q+1)(q+2)/(8k^2)`, with c₂, c₃ the series coefficients of
        :math:`\log(1 - 2\gamma u + \gamma^2(B+1)u^2/B)` (docs/sgd.md, 'The exact recursion').
    """
    u = sp.Symbol("u", positive=True)
    series = sp.series(sp.log(1 - 2 * gamma * u + gamma**2 * (B + 1) * u**2 / B), u, 0, 4).removeO()
    c2 = sp.factor(sp.expand(series.coeff(u, 2) / gamma**2))
    c3 = sp.factor(sp.expand(series.coeff(u, 3) / gamma**3))
    return c2 * q * (q + 1) / (4 * k) + c3 * q * (q + 1) * (q + 2) / (8 * k**2)


def sgd_learning_rate_exponent() -> sp.Expr:
    r"""e in the SGD step scaling γ = γ̂·d^{−e}: e = max(0, 1 − 2α).

    Notes
    -----
    Stability needs γ ≲ 1/tr K̂ ≈ 1/tr D; tr D → ζ(2α) for 2α > 1 and
    tr D ≈ (νd)^{1−2α}/(1−2α) for 2α < 1 (docs/sgd.md, 'Stability'; [4+3] App. F–H).
    """
    return sp.Max(0, 1 - 2 * alpha)


@functools.lru_cache(maxsize=None)
def sgd_terms() -> tuple[Term, ...]:
    r"""All variants of the SGD loss terms F_0, F_pp, F_ac and noise (package scale).

    Returns
    -------
    tuple of Term
        Variants; at a point exactly one variant of each present term holds (see
        :func:`terms_at`).

    Notes
    -----
    With t = γk, q_F = (2α+2β−1)/(2α), q_A = 1 − 1/(2α), q_K = 2 − 1/(2α) (docs/phases.md,
    'SGD loss components'):

    * F_0 ≈ ½ ζ(2β) d^{−2α}/κ (2β > 1); ≈ ½ d^{1−2α−2β} ∫_0^ν x^{−2β}/(κ+x^{2α}) dx (2β < 1),
      κ = c^{−2α} for 2α > 1 (ν = ∞, integral in closed form), κ = κ(ν) for 2α < 1;
    * F_pp ≈ ½ Γ(q_F)/(2α) (2t)^{−q_F};
    * F_ac ≈ ½ ζ(2β) Γ(q_A)/(2αd) (2t)^{−q_A} for 2α > 1, 2β > 1 (c_β = ζ(2β), v = ∞);
      absent for 2β < 1, absorbed into F_0 for 2α < 1;
    * noise = (𝒦∗F)(k) ≈ 𝒦(k)·Σ_s F_pp(s) = (ζ(2β)/(4γ))·K_pp(k) for 2β > 1, with
      K_pp ≈ (γ²/B) Γ(q_K)/(2α) (2t)^{−q_K}; for 2β < 1 the [4+3] order (1/γ)K_pp (constant not
      derived). Needs α > ¼ (q_K > 0); for α < ¼ the [4+3] paper assumes it negligible (Ic).

    References
    ----------
    [4+3] Paquette, Paquette, Xiao, Pennington, arXiv 2405.15074, App. F–H;
    docs/deterministic_equivalent.md, 'Closed forms' (floor); docs/phases.md, 'SGD loss components'.

    Examples
    --------
    >>> from deterministic_risk.asymptotics import sgd_terms
    >>> sorted({t.name for t in sgd_terms()})
    ['F_0', 'F_ac', 'F_pp', 'noise']
    """
    two_t = 2 * gamma * k
    zeta2b = sp.zeta(2 * beta)
    s = 1 - 2 * beta                                           # Mellin variable of the 2β<1 floor
    # ∫_0^∞ x^{s−1}/(κ + x^{2α}) dx = κ^{s/(2α)−1} (π/(2α)) / sin(π s/(2α)),  0 < s < 2α
    floor_integral_inf = kappa_inf**(s / (2 * alpha) - 1) * (sp.pi / (2 * alpha)) / sp.sin(
        sp.pi * s / (2 * alpha))
    x = sp.Symbol("x", positive=True)
    floor_integral_nu = sp.Integral(x**(-2 * beta) / (kappa_nu + x**(2 * alpha)), (x, 0, nu))
    big_b, small_b = 2 * beta > 1, 2 * beta < 1
    big_a, small_a = 2 * alpha > 1, 2 * alpha < 1
    win = "1 ≪ γk ≲ d^{2α}"
    floor_exact = "½ Σ_{j≤v} j^{−2α−2β}/(1 + s₀ j^{−2α}), (1/d) Σ_j s₀λ_j/(1+s₀λ_j) = 1"
    pp_err = time_correction(q_F)
    out = [
        Term("F_0", "2β>1, 2α>1", _half * zeta2b / kappa_inf * d**(-2 * alpha),
             sp.And(big_b, big_a), "all k (k-independent)",
             "docs/deterministic_equivalent.md (ν = ∞)",
             floor_exact, rel_error=d**(1 - 2 * beta) + d**(-2 * alpha) + 1 / d),
        Term("F_0", "2β>1, 2α<1", _half * zeta2b / kappa_nu * d**(-2 * alpha),
             sp.And(big_b, small_a), "all k (k-independent)",
             "docs/deterministic_equivalent.md (κ(ν))",
             floor_exact),
        Term("F_0", "2β<1, 2α>1", _half * floor_integral_inf * d**(1 - 2 * alpha - 2 * beta),
             sp.And(small_b, big_a), "all k (k-independent)",
             "docs/deterministic_equivalent.md (ν = ∞)",
             floor_exact, rel_error=d**(2 * beta - 1) + 1 / d),
        Term("F_0", "2β<1, 2α<1", _half * floor_integral_nu * d**(1 - 2 * alpha - 2 * beta),
             sp.And(small_b, small_a), "all k (k-independent)",
             "docs/deterministic_equivalent.md (κ(ν))",
             floor_exact),
        Term("F_pp", "", _half * sp.gamma(q_F) / (2 * alpha) * two_t**(-q_F),
             sp.true, win, "docs/phases.md, SGD loss components ([4+3] Prop. H.2–H.5)",
             "½ Σ_{j≥1} j^{−2α−2β} q(j^{−2α})^k", rel_error=pp_err),
        Term("F_ac", "2β>1, 2α>1",
             _half * zeta2b * sp.gamma(q_A) / (2 * alpha * d) * two_t**(-q_A),
             sp.And(big_b, big_a), win, "docs/phases.md, SGD loss components (c_β = ζ(2β))",
             "½ (ζ(2β)/d) Σ_{j≤d} j^{−2α} q(j^{−2α})^k",
             # q^k correction, minus the bulk part u < d^{−2α} the sum over j ≤ d leaves out
             rel_error=time_correction(q_A) - (2 * gamma * k * d**(-2 * alpha))**q_A
             / sp.gamma(q_A + 1)),
        Term("noise", "2β>1, α>¼",
             zeta2b / (4 * gamma) * gamma**2 / B * sp.gamma(q_K) / (2 * alpha) * two_t**(-q_K),
             sp.And(big_b, alpha > sp.Rational(1, 4)), win,
             "docs/phases.md: (𝒦∗F)(k) ≈ 𝒦(k)·Σ_s F_pp(s), Σ_s F_pp ≈ ζ(2β)/(4γ)",
             "(ζ(2β)/(4γ))·(γ²/B) Σ_{j≥1} j^{−4α} q(j^{−2α})^k", rel_error=time_correction(q_K)),
        Term("noise", "2β<1, α>¼",
             gamma / B * sp.gamma(q_K) / (2 * alpha) * two_t**(-q_K),
             sp.And(small_b, alpha > sp.Rational(1, 4)), win,
             "[4+3]: noise ≍ (1/γ)·K_pp (order only; docs/phases.md)",
             "(1/γ)·(γ²/B) Σ_{j≥1} j^{−4α} q(j^{−2α})^k", order_only=True,
             rel_error=time_correction(q_K)),
    ]
    return tuple(out)


def drift_normalised(C: sp.Expr, s: sp.Expr, rate: sp.Expr) -> sp.Expr:
    r"""A drift term C·τ^{−s} evaluated at the drift-normalised time reached after N = k steps.

    Solves :math:`d\tau/dN = \text{rate}\cdot R^{-1/2}` with :math:`R = C\tau^{-s}` dominating
    along the path (docs/signsgd_plrf.md, 'The four-term risk'):
    :math:`\tau^{1-s/2}/(1-s/2) = \text{rate}\,C^{-1/2} N`, then returns :math:`C\tau^{-s}`.

    Parameters
    ----------
    C, s : sympy.Expr
        Prefactor and τ-exponent of the drift term (s < 2).
    rate : sympy.Expr
        :math:`\gamma_0 d^{\omega}` up to constants.

    Returns
    -------
    sympy.Expr
        :math:`C\,\big((1 - s/2)\,\text{rate}\,C^{-1/2} N\big)^{-2s/(2-s)}`.
    """
    # separable: ∫_0^τ σ^{−s/2} dσ = τ^{1−s/2}/(1−s/2) = rate·C^{−1/2}·N
    tau_n = ((1 - s / 2) * rate * C**(-_half) * k) ** (1 / (1 - s / 2))
    return sp.powsimp(sp.expand_power_base(C * tau_n**(-s), force=True), force=True)


def _omega_variants():
    return ((alpha > _half, _half, "α>½"), (alpha < _half, alpha, "α<½"))


@functools.lru_cache(maxsize=None)
def signsgd_terms() -> tuple[Term, ...]:
    r"""Variants of the constant-step signSGD terms A, 𝒟_al, 𝒟_dis, 𝒩_sign (order only, ≍).

    Returns
    -------
    tuple of Term
        In the symbols d, k (= horizon N) and γ (= constant step γ₀).

    Notes
    -----
    docs/signsgd_plrf.md, 'The mean-field ODE' and 'The four-term risk' (batch 1): the drift is
    normalised by √(2R) and preconditioned by D_K^{−1/2} ≈ c_K^{−1/2} ≍ d^{ω}, ω = min(α, ½), so
    the effective time obeys dτ/dN ≍ γ₀ d^{ω} R^{−1/2}. A drift term Cτ^{−s} that dominates along
    the path becomes C(γ₀ d^{ω} C^{−½} N)^{−2s/(2−s)} (:func:`drift_normalised`):

    * A(d) = F_0 (approximation error, same as SGD);
    * 𝒟_al = (γ₀ d^{ω} N)^{−2q_F/(2−q_F)} for q_F < 2 (β < α + ½); for q_F > 2 the normalised
      drift blows up in finite time and the term is absent once γ₀ d^{ω} N ≳ 1;
    * 𝒟_dis = d^{−1}(γ₀ d^{ω+½} N)^{−2q_A/(2−q_A)} for 2α > 1, 2β > 1;
    * 𝒩_sign = γ₀² (tr K)²/(8 c_K) with tr K = d·c_K, c_K ≍ d^{−2ω}: γ₀² d^{2−2ω} (noise
      reshaping: no factor of the risk, so it does not decay with N). For 2α < 1 this saturated
      level holds once N ≳ d; before, only the modes relaxed by the horizon carry noise and the
      level is γ₀² d^{2α} N^{2−4α} (docs/signsgd_phase_plane.md §3). The two are alternatives
      (``Term.alternative``): the term is their minimum, γ₀² d^{2α} min(N, d)^{2−4α}.

    Constants of the drift terms are not derived (order only). The constraint γ₀ d^{ω} N ≥ 1
    (the drift moves at all) goes with these terms (see ``compute_optimal``).

    References
    ----------
    [KSY] Kim, Song, Yun, arXiv 2603.02069 (described structure, [unverified]);
    docs/signsgd_plrf.md, 'The four-term risk' and 'Compute-optimal areas' (derived).

    Examples
    --------
    >>> from deterministic_risk.asymptotics import signsgd_terms
    >>> sorted({t.name for t in signsgd_terms()})
    ['A', 'D_al', 'D_dis', 'N_sign']
    """
    out = []
    floor_terms = [tm for tm in sgd_terms() if tm.name == "F_0"]
    for tm in floor_terms:
        out.append(Term("A", tm.variant, tm.expr, tm.condition, tm.window,
                        "docs/signsgd_plrf.md, four-term risk: A(d) = F_0 ([4+3])", tm.exact))
    for cond_w, w, tag in _omega_variants():
        rate = gamma * d**w
        c_k = d**(-2 * w)
        out.append(Term("D_al", f"q_F<2, {tag}", drift_normalised(sp.Integer(1), q_F, rate),
                        sp.And(cond_w, beta < alpha + _half), "γ₀ d^ω N ≳ 1, τ ≲ d^{2α}",
                        "docs/signsgd_plrf.md (drift normalisation of F_pp)",
                        "F_pp at the drift-normalised time τ_N", order_only=True))
        if w == _half:
            out.append(Term("D_dis", f"2β>1, {tag}", drift_normalised(1 / d, q_A, rate),
                            sp.And(cond_w, 2 * beta > 1), "γ₀ d^ω N ≳ 1, τ ≲ d^{2α}",
                            "docs/signsgd_plrf.md (drift normalisation of F_ac)",
                            "F_ac at the drift-normalised time τ_N", order_only=True))
        saturated = sp.powsimp(gamma**2 * (d * c_k)**2 / (8 * c_k), force=True)
        if w == _half:
            out.append(Term("N_sign", tag, saturated, cond_w, "all N (does not decay)",
                            "docs/signsgd_plrf.md: R_noise ≈ γ₀²(tr K)²/(8c_K), c_K ≍ d^{−1}",
                            "equilibrium sign noise of the mean-field ODE", order_only=True))
            continue
        # 2α < 1: only the modes relaxed by the horizon carry noise, γ₀² d^{2α} min(N, d)^{2−4α}
        # (docs/signsgd_phase_plane.md §3): the smaller of two alternatives, the saturated level
        # (listed first: it names the vertex where both coincide, N = d) and the learned-mode one
        out.append(Term("N_sign", f"{tag}, N≥d", saturated, cond_w, "N ≳ d (does not decay)",
                        "docs/signsgd_plrf.md: R_noise ≈ γ₀²(tr K)²/(8c_K), c_K ≍ d^{−2α}",
                        "equilibrium sign noise of the mean-field ODE", order_only=True,
                        alternative="N≥d"))
        out.append(Term("N_sign", f"{tag}, N≤d",
                        gamma**2 * d**(2 * alpha) * k**(2 - 4 * alpha) / 8, cond_w, "N ≲ d",
                        "docs/signsgd_phase_plane.md §3: γ₀² S_N²/(8c_K), S_N = Σ_{j≤N} λ_j",
                        "sign noise held by the modes relaxed by the horizon N", order_only=True,
                        alternative="N≤d"))
    return tuple(out)


@functools.lru_cache(maxsize=None)
def signsgd_decay_terms() -> tuple[Term, ...]:
    r"""Terms of signSGD with a decaying (stable-decay / WSD) schedule — a conjecture.

    Returns
    -------
    tuple of Term
        A(d) and the forcing evaluated at the capped drift time τ̄ = d^{2ω−1} N.

    Notes
    -----
    **Quasi-static decay hypothesis (conjecture, not a theorem of any source).** During the
    stable phase the sign noise dominates R, so the drift time advances at the noise-equilibrium
    cap dτ/dN ≍ d^{2ω−1}, independent of γ₀ (docs/signsgd_plrf.md, 'The four-term risk' and 'The
    WSD claim'). If the final decay removes the equilibrium noise 𝒩_sign without costing drift
    time, the loss at the end is

    R ≍ A(d) + τ̄^{−q_F} + 𝟙[2α>1, 2β>1] d^{−1} τ̄^{−q_A},   τ̄ = d^{2ω−1} N,

    and for 2α < 1, where the noise before N ≈ d is that of the modes already relaxed,
    τ̄ = max(N^{2α}, d^{2α−1} N) (docs/signsgd_phase_plane.md §3; two alternatives of D_al),
    i.e. the constant-step lemma (docs/signsgd_plrf.md, 'Compute-optimal areas') without its cap
    min(q_F, 2). The step γ₀ drops out (any γ₀ large enough for the noise to dominate the stable
    phase). This model ignores the noise stored in slow modes that the decay cannot relax, and the
    faster finite-time drift once the noise is gone; both could change the result.

    Examples
    --------
    >>> from deterministic_risk.asymptotics import signsgd_decay_terms
    >>> len(signsgd_decay_terms()) > 0
    True
    """
    out = [Term("A", tm.variant, tm.expr, tm.condition, tm.window,
                "docs/signsgd_plrf.md, four-term risk: A(d) = F_0", tm.exact)
           for tm in sgd_terms() if tm.name == "F_0"]
    for cond_w, w, tag in _omega_variants():
        tau_bar = d**(2 * w - 1) * k
        if w == _half:
            out.append(Term("D_al", f"decay, {tag}", sp.powsimp(tau_bar**(-q_F), force=True),
                            cond_w, "τ̄ ≲ d^{2α}",
                            "docs/signsgd_plrf.md lemma without the cap (conjecture)",
                            "F_pp at the capped drift time τ̄", order_only=True))
        else:
            # 2α < 1: the drift time at the learned-mode noise level is τ̄ ≍ N^{2α} for N ≤ d
            # (docs/signsgd_phase_plane.md §3), d^{2α−1}N beyond: τ̄ = max of the two, so the
            # term is the smaller of two alternatives
            for window, tau in (("N≥d", tau_bar), ("N≤d", k**(2 * alpha))):
                out.append(Term("D_al", f"decay, {tag}, {window}",
                                sp.powsimp(sp.expand_power_base(tau**(-q_F), force=True),
                                           force=True),
                                cond_w, "τ̄ ≲ d^{2α}",
                                "docs/signsgd_plrf.md lemma without the cap (conjecture); "
                                "docs/signsgd_phase_plane.md §3 (drift time for N ≤ d)",
                                "F_pp at the capped drift time τ̄", order_only=True,
                                alternative=window))
        if w == _half:
            out.append(Term("D_dis", f"decay, 2β>1, {tag}", tau_bar**(-q_A) / d,
                            sp.And(cond_w, 2 * beta > 1), "τ̄ ≲ d^{2α}",
                            "docs/signsgd_plrf.md lemma (conjecture for the decay)",
                            "F_ac at the capped drift time τ̄", order_only=True))
    return tuple(out)


def terms_at(terms: tuple[Term, ...], alpha_value: float, beta_value: float) -> tuple[Term, ...]:
    """The variants of ``terms`` that hold at (α, β), in their original order."""
    return tuple(tm for tm in terms if tm.holds(alpha_value, beta_value))


# ---------------------------------------------------------------------------------------------
# The exact sums the asymptotic forms approximate (numpy; docs/phases.md, 'SGD loss components').

def _contraction_power(lam: NDArray, lr: float, batch: float, k: NDArray) -> NDArray:
    """q(λ)^k = exp(k log(1 − 2γλ + γ²(B+1)λ²/B)), shape (len(k), len(λ))."""
    log_q = np.log1p(-2 * lr * lam + lr**2 * (batch + 1) * lam**2 / batch)
    return np.exp(np.multiply.outer(k, log_q))


def _gamma_tail(q: float, two_t: NDArray, u_max: float, power: float) -> NDArray:
    """(1/(2α))∫_0^{u_max} u^{q−1} e^{−2tu} du: the continuum tail of a sum over j > J."""
    safe = np.where(two_t > 0, two_t, 1.0)
    full = scipy.special.gamma(q) * safe**(-q) * scipy.special.gammainc(q, safe * u_max)
    return np.where(two_t > 0, full, u_max**q / q) / power     # t = 0: ∫_0^u u^{q−1} = u^q/q


def _pp_sum(weight_power: float, alpha_: float, lr: float, batch: float, k: ArrayLike,
            n_modes: int) -> NDArray[np.float64]:
    kk = check.float_array("k", k, nonnegative=True).reshape(-1)
    j = np.arange(1, n_modes + 1, dtype=np.float64)
    lam = j**(-2 * alpha_)
    head = _contraction_power(lam, lr, batch, kk) @ (j**(-weight_power))
    # modes j > J: λ < J^{−2α} ≪ 1/t, where q^k = e^{−2γkλ} to O(kγ²λ²) and the sum is smooth
    q = (weight_power - 1) / (2 * alpha_)
    tail = _gamma_tail(q, 2 * lr * kk, (n_modes + 0.5)**(-2 * alpha_), 2 * alpha_)
    return head + tail


def forcing_pp_sum(alpha: float, beta: float, lr: float, k: ArrayLike, *, batch: float = 1,
                   n_modes: int = 200_000) -> NDArray[np.float64]:
    r"""The pure-point forcing sum :math:`\tfrac12\sum_{j\ge1} j^{-2\alpha-2\beta} q(j^{-2\alpha})^k`.

    Parameters
    ----------
    alpha, beta : float
        Exponents, 2α + 2β > 1.
    lr : float
        Step γ (averaged batch).
    k : array_like, shape (n,)
        Iteration counts.
    batch : float, default 1
        Batch size B.
    n_modes : int, default 200000
        Modes summed exactly; the rest (λ < J^{−2α}) by the continuum Gamma tail.

    Returns
    -------
    ndarray, shape (n,)

    Notes
    -----
    q(λ) = 1 − 2γλ + γ²(B+1)λ²/B (docs/sgd.md); the continuum limit of this sum is the
    F_pp term of :func:`sgd_terms` (docs/phases.md).

    Examples
    --------
    >>> round(float(forcing_pp_sum(1.0, 1.0, 0.5, [0])[0]), 6)  # ½ζ(4) = π⁴/180
    0.541162
    """
    return 0.5 * _pp_sum(2 * alpha + 2 * beta, alpha, lr, batch, k, n_modes)


def kernel_pp_sum(alpha: float, lr: float, k: ArrayLike, *, batch: float = 1,
                  n_modes: int = 200_000) -> NDArray[np.float64]:
    r"""The pure-point kernel :math:`K_{pp}(k) = (\gamma^2/B)\sum_{j\ge1} j^{-4\alpha} q(j^{-2\alpha})^k`.

    Parameters and tail treatment as in :func:`forcing_pp_sum` (docs/phases.md).

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> from deterministic_risk.asymptotics import kernel_pp_sum
    >>> kp = kernel_pp_sum(1.0, 0.5, [1, 10, 100])
    >>> bool(kp[0] > kp[1] > kp[2] > 0)
    True
    """
    return lr**2 / batch * _pp_sum(4 * alpha, alpha, lr, batch, k, n_modes)


def forcing_ac_sum(alpha: float, beta: float, d: int, lr: float, k: ArrayLike, *,
                   batch: float = 1) -> NDArray[np.float64]:
    r"""The AC forcing sum :math:`\tfrac12 (c_\beta/d)\sum_{j\le d} j^{-2\alpha} q(j^{-2\alpha})^k`.

    c_β = ζ(2β) (v = ∞; the 4+3 authors' code uses Σ_{j≤v} j^{−2β}),
    docs/deterministic_equivalent.md, 'A cruder weight model', and docs/phases.md. Needs 2β > 1.

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> from deterministic_risk.asymptotics import forcing_ac_sum
    >>> f = forcing_ac_sum(1.0, 1.0, d=100, lr=0.5, k=[10, 100, 1000])
    >>> bool(f[0] > f[1] > f[2] > 0)
    True
    """
    kk = check.float_array("k", k, nonnegative=True).reshape(-1)
    j = np.arange(1, d + 1, dtype=np.float64)
    lam = j**(-2 * alpha)
    return 0.5 * scipy.special.zeta(2 * beta) / d * (_contraction_power(lam, lr, batch, kk) @ lam)


def floor_s0(alpha: float, d: int, v: int) -> float:
    r"""The null-space parameter s₀: :math:`(1/d)\sum_{j\le v} s_0\lambda_j/(1+s_0\lambda_j) = 1`.

    λ_j = j^{−2α}; docs/deterministic_equivalent.md, 'Closed forms'. Solved by Brent's method on
    log s₀.
    """
    lam = np.arange(1, v + 1, dtype=np.float64)**(-2 * alpha)

    def g(log_s):
        s = np.exp(log_s)
        return np.sum(s * lam / (1 + s * lam)) / d - 1.0

    return float(np.exp(scipy.optimize.brentq(g, -50.0, 200.0, xtol=1e-14)))


def floor_sum(alpha: float, beta: float, d: int, v: int) -> float:
    r"""The deterministic-equivalent floor :math:`F_0 = \tfrac12\sum_{j\le v} j^{-2\alpha-2\beta}/(1+s_0 j^{-2\alpha})`.

    docs/deterministic_equivalent.md, 'Closed forms' (package scale, half the [4+3] paper's F_0).

    Examples
    --------
    >>> from deterministic_risk.asymptotics import floor_sum
    >>> 0 < floor_sum(1.0, 0.7, d=100, v=400) < floor_sum(1.0, 0.7, d=50, v=200)
    True
    """
    s0 = floor_s0(alpha, d, v)
    j = np.arange(1, v + 1, dtype=np.float64)
    return float(0.5 * np.sum(j**(-2 * alpha - 2 * beta) / (1 + s0 * j**(-2 * alpha))))

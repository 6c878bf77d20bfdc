"""The sympy symbols shared by the asymptotic layer (one notation table, docs/phases.md).

Package conventions: risk R = ½·E[(prediction − label)²]; averaged minibatch gradients with step
γ; time = iteration count k; compute f = d·B·k (docs/conventions.md).
"""

from __future__ import annotations

import sympy as sp

__all__ = ["alpha", "beta", "d", "k", "gamma", "B", "f", "xi", "eps", "t", "gamma_hat",
           "kappa_nu", "nu", "omega", "q_F", "q_A", "q_K", "p", "kappa_inf"]

#: data complexity α (population eigenvalues j^{−2α}) and target complexity β (b_j = j^{−β})
alpha = sp.Symbol("alpha", positive=True)
beta = sp.Symbol("beta", real=True)
#: model size, iteration count, learning rate (SGD γ; signSGD γ₀), batch size, compute
d = sp.Symbol("d", positive=True)
k = sp.Symbol("k", positive=True)
gamma = sp.Symbol("gamma", positive=True)
B = sp.Symbol("B", positive=True)
f = sp.Symbol("f", positive=True)
#: compute-optimal exponents: d = f^ξ, γ = f^{−ε} (so ε = e·ξ for γ = d^{−e}); t = loss exponent
xi = sp.Symbol("xi", real=True)
eps = sp.Symbol("epsilon", real=True)
t = sp.Symbol("t", real=True)
#: d-independent learning-rate constant: γ = γ̂·d^{−e}
gamma_hat = sp.Symbol("gamma_hat", positive=True)
#: finite-ν quantities for 2α < 1 (ν = v/d fixed): κ(ν) solves 1/κ = ∫_0^ν dx/(κ + x^{2α})
kappa_nu = sp.Symbol("kappa_nu", positive=True)
nu = sp.Symbol("nu", positive=True)

#: p = 2α + 2β − 1 and the time exponents of F_pp, F_ac, K_pp (docs/phases.md)
p = 2 * alpha + 2 * beta - 1
q_F = (2 * alpha + 2 * beta - 1) / (2 * alpha)
q_A = 1 - 1 / (2 * alpha)
q_K = 2 - 1 / (2 * alpha)
#: ω = min(α, ½): c_K = tr K/d ≍ d^{−2ω} (docs/signsgd_plrf.md); used piecewise by the terms
omega = sp.Min(alpha, sp.Rational(1, 2))
#: κ for ν = ∞ and 2α > 1: κ = c^{−2α}, c = (π/(2α))/sin(π/(2α)) (docs/deterministic_equivalent.md)
kappa_inf = ((sp.pi / (2 * alpha)) / sp.sin(sp.pi / (2 * alpha))) ** (-2 * alpha)

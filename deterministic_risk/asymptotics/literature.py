"""Reference phase tables kept as data (formulas as strings), to test the derived ones against.

Derivations and notes: docs/theory.md, section ``deterministic_risk.asymptotics.literature``.
"""

from __future__ import annotations

__all__ = ["SGD_4P3", "SIGNSGD_NOTE", "SIGNSGD_SCHEDULE_CLAIM"]

SGD_4P3: tuple[dict, ...] = (
    dict(name="Ia", region="(2*beta < 1) & (alpha > 1/2)", tradeoff=("F_pp", "F_0"),
         loss="F_pp + F_0", xi="1/(2*alpha + 1)", eta="(2*alpha + 2*beta - 1)/(2*alpha + 1)",
         label_verified=True),
    dict(name="Ib", region="(2*beta < 1) & (alpha < 1/2)", tradeoff=("F_pp", "F_0"),
         loss="F_pp + F_0", xi="1/2", eta="(2*alpha + 2*beta - 1)/2", label_verified=True),
    dict(name="Ic", region="(2*beta > 1) & (alpha < 1/4)", tradeoff=("F_pp", "F_0"),
         loss="F_pp + F_0 (assumed)",
         xi="(2*alpha + 2*beta - 1)/(2*(3*alpha + 2*beta - 1 - 2*alpha*beta))",
         eta="alpha*(2*alpha + 2*beta - 1)/(3*alpha + 2*beta - 1 - 2*alpha*beta)",
         label_verified=True),
    dict(name="II", region="(2*beta > 1) & (alpha > 1/2) & (beta < alpha)",
         tradeoff=("F_pp", "F_ac"), loss="F_pp + F_ac + F_0", xi="beta/(alpha + beta)",
         eta="(2*alpha + 2*beta - 1)/(2*(alpha + beta))", label_verified=True),
    dict(name="III", region="(2*beta > 1) & (alpha > 1/2) & (beta > alpha)",
         tradeoff=("noise", "F_ac"), loss="F_ac + F_0 + noise (F_pp early)", xi="1/2",
         eta="1 - 1/(4*alpha)", label_verified=True),
    dict(name="IVa", region="(2*beta > 1) & (alpha > 1 - 1/sqrt(2)) & (alpha < 1/2)",
         tradeoff=("noise", "F_0"), loss="F_pp + F_0 + noise", xi="1/2", eta="alpha",
         label_verified=False),
    dict(name="IVb", region="(2*beta > 1) & (alpha > 1/4) & (alpha < 1 - 1/sqrt(2))",
         tradeoff=("F_pp", "noise"), loss="F_pp + F_0 + noise",
         xi="(beta - alpha)/(2*beta*(1 - alpha) - alpha)",
         eta="(1 - 2*alpha)*(2*alpha + 2*beta - 1)/(2*(2*beta*(1 - alpha) - alpha))",
         label_verified=False),
)

#: The signSGD areas with the saturated sign-noise level γ₀² d^{2−2ω} at every horizon. In Ad
#: and Bb (2α < 1, where the optimum has N < d) the noise before N ≈ d is that of the modes
#: already relaxed; ``learned_mode`` holds the exponents with that level, which the package
#: derives (docs/signsgd_phase_plane.md §3) and which the measurements support (§2 there).
SIGNSGD_NOTE: tuple[dict, ...] = (
    dict(name="Aa", region="(alpha > 1/2) & (beta < 1/2)", eta="(2*alpha + 2*beta - 1)/(2*alpha + 1)",
         xi="1/(2*alpha + 1)", lr_exponent="alpha + beta", label_verified=False),
    dict(name="Ab", region="(alpha > 1/2) & (beta > 1/2) & (beta < alpha + 1/2)",
         eta="(2*alpha + 2*beta - 1)/(2*(alpha + beta))", xi="beta/(alpha + beta)",
         lr_exponent="1/2 + (2*alpha + 2*beta - 1)/(4*beta)", label_verified=False),
    dict(name="Ac", region="(alpha > 1/4) & (alpha < 1/2) & (beta < 1/2)",
         eta="(2*alpha + 2*beta - 1)/2", xi="1/2", lr_exponent="beta + 1/2",
         label_verified=False),
    dict(name="Ad", region="(alpha > 1/4) & (alpha < 1/2) & (beta > 1/2) & (beta < alpha + 1/2)",
         eta="2*alpha*(2*alpha + 2*beta - 1)/(6*alpha + 4*beta - 4*alpha*beta - 2)",
         xi="(2*alpha + 2*beta - 1)/(6*alpha + 4*beta - 4*alpha*beta - 2)", lr_exponent="1",
         label_verified=False, learned_mode=dict(
             eta="2*alpha*(2*alpha + 2*beta - 1)/(4*alpha + 2*beta - 1)",
             xi="(2*alpha + 2*beta - 1)/(4*alpha + 2*beta - 1)",
             lr_exponent="4*alpha*beta/(2*alpha + 2*beta - 1)")),
    dict(name="Ba", region="(alpha > 1/2) & (beta > alpha + 1/2)", eta="4*alpha/(4*alpha + 1)",
         xi="(2*alpha + 1)/(4*alpha + 1)", lr_exponent="1/2 + 2*alpha/(2*alpha + 1)",
         label_verified=False),
    dict(name="Bb", region="(alpha > 1/4) & (alpha < 1/2) & (beta > alpha + 1/2)",
         eta="2*alpha/(2 - alpha)", xi="1/(2 - alpha)", lr_exponent="1", label_verified=False,
         learned_mode=dict(eta="4*alpha/3", xi="2/3", lr_exponent="alpha + 1/2")),
)

SIGNSGD_SCHEDULE_CLAIM: dict = dict(
    name="Aa*", region="(alpha > 1/2) & (beta < (2*alpha - 1)/(2*(4*alpha - 1)))",
    source="[KSY] arXiv 2603.02069 as described (docs/signsgd_plrf.md, WSD claim; unverified)",
)

"""Reference phase tables kept as data (formulas as strings), to test the derived ones against.

Nothing here is used to compute a phase: :mod:`.phases` derives everything from the terms and
only borrows the *display names* of these rows, by region. Strings are sympy syntax in the
symbols ``alpha`` and ``beta``; regions are conjunctions that assume the admissible region
2α + 2β > 1. Conventions: the package's (risk = ½·MSE; η and ξ do not depend on the factor ½ or
on the batch convention).

SGD_4P3
    The 4+3 phase table ([4+3] Paquette, Paquette, Xiao, Pennington, arXiv 2405.15074, phase
    table; transcribed in theory note ``sgd_plrf.md`` §6.2, cross-checked there against the
    restatement of Wang, Liu, Chen, arXiv 2609.40148, Eq. (E.12)). The IVa/IVb labels are
    **unverified** (``sgd_plrf.md`` §6.7): the rows are keyed by region and the label is only
    a display name. Ib is proved for α > ¼ and believed for α < ¼; Ic assumes the kernel
    theorem extends below α = ¼.
SIGNSGD_NOTE
    The signSGD area table of theory note ``signsgd_plrf.md`` §4.3 (derived there; the labels
    Aa … Bb are a guess at the naming of Kim, Song, Yun, arXiv 2603.02069, whose tables could
    not be read). This is a second derivation to compare with, not literature.
SIGNSGD_SCHEDULE_CLAIM
    The region where a warmup-stable-decay / stable-decay schedule is *described* to improve
    signSGD's slope beyond constant step and beyond SGD ("Area Aa*", [KSY] as described in
    ``signsgd_plrf.md`` §4.6, **unverified**; no slope formula available).
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
         label_verified=False),
    dict(name="Ba", region="(alpha > 1/2) & (beta > alpha + 1/2)", eta="4*alpha/(4*alpha + 1)",
         xi="(2*alpha + 1)/(4*alpha + 1)", lr_exponent="1/2 + 2*alpha/(2*alpha + 1)",
         label_verified=False),
    dict(name="Bb", region="(alpha > 1/4) & (alpha < 1/2) & (beta > alpha + 1/2)",
         eta="2*alpha/(2 - alpha)", xi="1/(2 - alpha)", lr_exponent="1", label_verified=False),
)

SIGNSGD_SCHEDULE_CLAIM: dict = dict(
    name="Aa*", region="(alpha > 1/2) & (beta < (2*alpha - 1)/(2*(4*alpha - 1)))",
    source="[KSY] arXiv 2603.02069 as described in signsgd_plrf.md §4.6 (unverified)",
)

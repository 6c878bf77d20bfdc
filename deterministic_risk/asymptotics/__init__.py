r"""Symbolic scaling-law asymptotics: loss terms, compute-optimal exponents, phases.

Importing this subpackage imports sympy; ``import deterministic_risk`` does not (it loads this
subpackage lazily as ``deterministic_risk.asymptotics``).

* :mod:`.terms` — each loss term (F_0, F_pp, F_ac, noise; signSGD A, 𝒟_al, 𝒟_dis, 𝒩_sign) as a
  sympy expression with its regime, constant, exponents and the exact sum it approximates.
* :mod:`.compute_optimal` — ξ, η (and signSGD's step exponent) derived from the terms by
  exponent balancing (a small linear program solved numerically for the active set, then
  symbolically).
* :mod:`.phases` — :func:`phase_of`, :func:`phase_table`, :func:`exponent_grid`,
  :func:`boundary_distance`, :func:`compare_optimizers` (where signSGD beats SGD; where a decaying schedule helps).
* :mod:`.literature` — reference tables as data, only for tests and display names.
* :mod:`.tables` — Markdown/LaTeX export.

References: theory notes ``sgd_plrf.md`` §5–6 and ``signsgd_plrf.md`` §3–4.
"""

from . import literature, symbols
from .symbolic_frontier import OPTIMIZERS, problem, solve_exponents, two_term_optimum
from .phases import (Comparison, PhaseResult, boundary_distance, compare_optimizers,
                     exponent_grid, phase_of, phase_table)
from .tables import to_latex, to_markdown
from .terms import (Term, floor_sum, forcing_ac_sum, forcing_pp_sum, kernel_pp_sum, sgd_terms,
                    signsgd_decay_terms, signsgd_terms)

__all__ = ["Comparison", "OPTIMIZERS", "PhaseResult", "Term", "boundary_distance",
           "compare_optimizers",
           "exponent_grid", "floor_sum", "forcing_ac_sum", "forcing_pp_sum", "kernel_pp_sum",
           "literature", "phase_of", "phase_table", "problem", "sgd_terms",
           "signsgd_decay_terms", "signsgd_terms", "solve_exponents", "symbols", "to_latex",
           "to_markdown", "two_term_optimum"]

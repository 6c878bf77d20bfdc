r"""Symbolic scaling-law asymptotics: loss terms, compute-optimal exponents, phases.

Derivations and notes: docs/theory.md, section ``deterministic_risk.asymptotics``.
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

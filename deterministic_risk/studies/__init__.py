"""Studies built on risk curves: compute-optimal frontiers and measured phase maps, the
learning-rate search, comparisons of optimizers and the reproductions of published scaling-law
experiments (they return data; :mod:`deterministic_risk.plotting` draws it)."""

from ..results import GreedyCurve
from .comparison import (STABLE_DECAY, BudgetComparison, ScalingStudy, compare_at_budget,
                         scaling_study)
from .fitting import envelope_optimum, fit_power_law, isoflop_optimum
from .frontier import Frontier, FrontierFit, compute_optimal, sweep
from .lr_search import (BudgetStepSearch, StepSizeSearch, greedy_risk_curve, optimal_lr,
                        optimal_lrs, schedule_peaks)
from .phase_plane import PhaseMap, phase_map
from .registry import OPTIMIZERS, optimizer_named
from .reproduce import (ExponentComparison, PhasePoint, alpha_slice, measured_vs_theory,
                        optimizer_comparison, phase_boundary_experiment, phase_points_experiment,
                        steeper_point, windowed_exponents)

__all__ = ["compute_optimal", "sweep", "Frontier", "FrontierFit", "phase_map", "PhaseMap",
           "optimal_lr", "StepSizeSearch",
           "optimal_lrs", "BudgetStepSearch", "schedule_peaks",
           "greedy_risk_curve", "GreedyCurve", "compare_at_budget", "BudgetComparison",
           "scaling_study", "ScalingStudy", "STABLE_DECAY", "OPTIMIZERS", "optimizer_named",
           "fit_power_law", "isoflop_optimum", "envelope_optimum", "ExponentComparison",
           "PhasePoint", "alpha_slice", "measured_vs_theory", "optimizer_comparison",
           "phase_boundary_experiment", "phase_points_experiment", "steeper_point",
           "windowed_exponents"]

"""deterministic_risk: exact high-dimensional risk curves of SGD-type optimizers on least squares.

The package integrates the deterministic limiting dynamics of one-pass SGD and signSGD on
Gaussian least squares and on the power-law random features model, simulates the real
optimizers to check them, and compares them with scaling-law asymptotics.

Conventions (see docs/conventions.md): risk R = ½·E[(prediction − label)²] including its floor;
minibatch gradients averaged; time = iteration count k; compute f = d·B·k; float64.
"""

from . import noise, schedules, sde
from .comparison import (BudgetComparison, ScalingStudy, best_lr, compare_at_budget,
                         scaling_study, wsd_schedule)
from .deterministic_equivalent import (DeterministicMeasures, bottom_edge, deterministic_floor,
                                       deterministic_measures, deterministic_spectrum, kappa,
                                       limit_loss, null_space_parameter, spectral_density,
                                       stieltjes_fixed_point, support_intervals)
from .homogenized import homogenized_signsgd
from .lr_selection import GreedyCurve, StepSizeSearch, greedy_risk_curve, optimal_lr
from .monomial_features import (DecayFit, MonomialRF, fit_log_corrected_power_law,
                                log_corrected_power_law, monomial_covariance)
from .optimizers import SGD, Optimizer, SignSGD, kernel_norm, max_stable_lr, stationary_risk
from .optimizers.adam import Adam, adam_limiting_risk
from .optimizers.alias import ALIAS
from .optimizers.clipped import (ClippedSGD, best_scaled_threshold, clipping_criterion,
                                 clipping_factors, clipping_factors_quadrature)
from .problems import PLRF, GaussianLeastSquares, PLRFInstance, rotated_covariance
from .results import RiskCurve, SimulatedRisk
from .scaling import Frontier, compute_optimal, sweep
from .signsgd_theory import (SignSGDModes, correlation_matrix, effective_lr, limiting_risk,
                             noise_compression, preconditioned_spectrum, sign_covariance,
                             sign_covariance_approx, signsgd_modes)
from .signsgd_large_d import SignSGDEquivalent, signsgd_equivalent
from .signsgd_plrf import (DiagonalLaw, diagonal_law, plrf_signsgd_modes, signsgd_lr_exponents,
                           signsgd_lr_for_excess, signsgd_max_lr)
from .simulate import simulate
from .solve import risk_curve
from .spectrum import Spectrum
from .volterra import sgd_forcing, sgd_kernel, solve_volterra

# -- compute-optimal reproductions (frontier) ------------------------------------------------
from .reproduce import (ExponentComparison, PhasePoint, alpha_slice, measured_vs_theory,
                        optimizer_comparison, phase_boundary_experiment, phase_points_experiment,
                        steeper_point, windowed_exponents)
# ---------------------------------------------------------------------------------------------

__version__ = "0.1.0"

__all__ = [
    "__version__",
    # problems and spectra
    "Spectrum", "PLRF", "PLRFInstance", "GaussianLeastSquares", "rotated_covariance", "noise",
    # optimizers, schedules, stability
    "Optimizer", "SGD", "SignSGD", "schedules", "kernel_norm", "max_stable_lr",
    "stationary_risk",
    # risk curves and simulation
    "risk_curve", "RiskCurve", "simulate", "SimulatedRisk", "homogenized_signsgd",
    # deterministic equivalent of the PLRF spectrum and the Volterra form
    "DeterministicMeasures", "bottom_edge", "deterministic_floor", "deterministic_measures",
    "deterministic_spectrum", "kappa", "limit_loss", "null_space_parameter",
    "spectral_density", "stieltjes_fixed_point", "support_intervals", "sgd_forcing",
    "sgd_kernel", "solve_volterra",
    # signSGD: modes and the four effects
    "SignSGDModes", "signsgd_modes", "sign_covariance", "sign_covariance_approx",
    "correlation_matrix", "preconditioned_spectrum", "effective_lr", "noise_compression",
    "limiting_risk",
    # compute-optimal frontiers
    "Frontier", "compute_optimal", "sweep",
    # compute-optimal reproductions
    "ExponentComparison", "PhasePoint", "alpha_slice", "measured_vs_theory",
    "optimizer_comparison", "phase_boundary_experiment", "phase_points_experiment",
    "steeper_point", "windowed_exponents",
    # extensions: SDE models of adaptive methods, monomial random features
    "sde", "DecayFit", "MonomialRF", "fit_log_corrected_power_law", "log_corrected_power_law",
    "monomial_covariance",
    # clipped SGD, the Adam candidate ODE, step-size selection
    "ClippedSGD", "clipping_factors", "clipping_factors_quadrature", "clipping_criterion",
    "best_scaled_threshold", "Adam", "adam_limiting_risk", "ALIAS", "optimal_lr",
    "StepSizeSearch", "greedy_risk_curve", "GreedyCurve",
    # signSGD on PLRF
    "SignSGDEquivalent", "signsgd_equivalent",
    "DiagonalLaw", "diagonal_law", "plrf_signsgd_modes", "signsgd_lr_for_excess",
    "signsgd_max_lr", "signsgd_lr_exponents", "best_lr", "BudgetComparison",
    "compare_at_budget", "ScalingStudy", "scaling_study", "wsd_schedule",
]


def __getattr__(name: str):
    # plotting pulls in matplotlib and asymptotics pulls in sympy: load them on first use only
    if name in ("plotting", "asymptotics"):
        import importlib
        module = importlib.import_module("." + name, __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

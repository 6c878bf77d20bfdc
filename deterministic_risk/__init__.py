"""deterministic_risk: exact high-dimensional risk curves of SGD-type optimizers on least squares.

The package integrates the deterministic limiting dynamics of one-pass SGD and signSGD on
Gaussian least squares and on the power-law random features model, simulates the real
optimizers to check them, and compares them with scaling-law asymptotics.

Conventions (see docs/conventions.md): risk R = ½·E[(prediction − label)²] including its floor;
minibatch gradients averaged; time = iteration count k; compute f = d·B·k; float64.
"""

from . import (deterministic_equivalent, monomial_features, noise, optimizers, problems,
               resources, schedules, sde, signsgd, solvers, studies, volterra)
from .optimizers.adam import Adam
from .optimizers.alias import ALIAS
from .optimizers.base import Optimizer
from .optimizers.clipped import ClippedSGD
from .optimizers.sgd import SGD, max_stable_lr
from .problems import PLRF, GaussianLeastSquares, PLRFInstance
from .resources import ResourceLimitError, current_limits, resource_limits
from .results import RiskCurve, SimulatedRisk
from .signsgd import SignSGD
from .simulate import simulate
from .solve import risk_curve, risk_curves
from .spectrum import Spectrum, SpectrumFamily
from .studies import Frontier, PhaseMap, compute_optimal, optimal_lr, phase_map, sweep
from .threads import blas_threads

__version__ = "0.1.0"

__all__ = [
    "__version__",
    # problems
    "Spectrum", "SpectrumFamily", "GaussianLeastSquares", "PLRF", "PLRFInstance",
    # optimizers
    "Optimizer", "SGD", "SignSGD", "ClippedSGD", "Adam", "ALIAS", "max_stable_lr",
    # risk curves and simulation
    "risk_curve", "risk_curves", "RiskCurve", "simulate", "SimulatedRisk",
    # studies
    "compute_optimal", "sweep", "Frontier", "optimal_lr", "phase_map", "PhaseMap",
    # one BLAS thread inside the integrators, parallelism across curves
    "blas_threads",
    # memory and time guards
    "resource_limits", "current_limits", "ResourceLimitError",
    # modules
    "noise", "schedules", "solvers", "signsgd", "sde", "studies", "deterministic_equivalent",
    "resources",
    "asymptotics", "plotting",
]


def __getattr__(name: str):
    # plotting pulls in matplotlib and asymptotics pulls in sympy: load them on first use only
    if name in ("plotting", "asymptotics"):
        import importlib
        module = importlib.import_module("." + name, __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

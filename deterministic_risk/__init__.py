"""deterministic_risk: exact high-dimensional risk curves of SGD-type optimizers on least squares.

The package integrates the deterministic limiting dynamics of one-pass SGD (and, as it grows,
signSGD and other optimizers) on Gaussian least squares and on the power-law random features
model, simulates the real optimizers to check them, and compares them with scaling-law
asymptotics.

Conventions (see docs/conventions.md): risk R = ½·E[(prediction − label)²] including its floor;
minibatch gradients averaged; time = iteration count k; compute f = d·B·k; float64.
"""

from . import schedules
from .optimizers import SGD, Optimizer, kernel_norm, max_stable_lr, stationary_risk
from .problems import PLRF, GaussianLeastSquares, PLRFInstance
from .results import RiskCurve, SimulatedRisk
from .simulate import simulate
from .solve import risk_curve
from .spectrum import Spectrum

# --- extensions: SDE models of adaptive methods, monomial random features (issue 8, items 3, 5) ---
from . import sde
from .monomial_features import (DecayFit, MonomialRF, fit_log_corrected_power_law,
                                log_corrected_power_law, monomial_covariance)
# --- end extensions ---

__version__ = "0.1.0"

__all__ = [
    "GaussianLeastSquares", "Optimizer", "PLRF", "PLRFInstance", "RiskCurve", "SGD",
    "SimulatedRisk", "Spectrum", "kernel_norm", "max_stable_lr", "risk_curve", "schedules",
    "simulate", "stationary_risk", "__version__",
    # extensions (issue 8)
    "DecayFit", "MonomialRF", "fit_log_corrected_power_law", "log_corrected_power_law",
    "monomial_covariance", "sde",
]


def __getattr__(name: str):
    # plotting pulls in matplotlib: load it on first use only
    if name == "plotting":
        import importlib
        module = importlib.import_module(".plotting", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

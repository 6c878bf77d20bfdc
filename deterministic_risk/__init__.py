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
from .scaling import Frontier, compute_optimal, sweep
from .simulate import simulate
from .solve import risk_curve
from .spectrum import Spectrum

# -- signSGD and label-noise laws (issue 4) ------------------------------------------------------
from . import noise
from .optimizers import SignSGD
from .signsgd_theory import (SignSGDModes, correlation_matrix, effective_lr, limiting_risk,
                             noise_compression, preconditioned_spectrum, sign_covariance,
                             sign_covariance_approx, signsgd_modes)
from .homogenized import homogenized_signsgd
# ------------------------------------------------------------------------------------------------

__version__ = "0.1.0"

__all__ = [
    "GaussianLeastSquares", "Optimizer", "PLRF", "PLRFInstance", "RiskCurve", "SGD",
    "SimulatedRisk", "Spectrum", "Frontier", "compute_optimal", "sweep", "kernel_norm", "max_stable_lr", "risk_curve", "schedules",
    "simulate", "stationary_risk", "__version__",
    # signSGD and label-noise laws
    "noise", "SignSGD", "SignSGDModes", "signsgd_modes", "sign_covariance",
    "sign_covariance_approx", "correlation_matrix", "preconditioned_spectrum", "effective_lr",
    "noise_compression", "limiting_risk", "homogenized_signsgd",
]


def __getattr__(name: str):
    # plotting pulls in matplotlib and asymptotics pulls in sympy: load them on first use only
    if name in ("plotting", "asymptotics"):
        import importlib
        module = importlib.import_module("." + name, __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

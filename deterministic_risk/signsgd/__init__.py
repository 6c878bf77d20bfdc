"""signSGD: its mode ODE and four effects (:mod:`.modes`), its inputs on PLRF (:mod:`.plrf`) from
the large-d model (:mod:`.large_d`), the optimizer (:mod:`.optimizer`) and the exact-drift
homogenized SDE (paths: :mod:`.exact_drift`; simulator: :mod:`.homogenized`)."""

from .modes import (SignSGDModes, correlation_matrix, effective_lr, largest_correlation,
                    limiting_risk, lr_for_limit, noise_compression, preconditioned_spectrum,
                    sign_covariance, sign_covariance_approx, signsgd_modes)
from .large_d import SignSGDEquivalent, signsgd_equivalent
from .plrf import (DiagonalLaw, diagonal_law, plrf_largest_correlation, plrf_signsgd_modes,
                   signsgd_lr_exponents, signsgd_lr_for_excess, signsgd_max_lr)
from .optimizer import SignSGD, signsgd_inputs
from .homogenized import homogenized_signsgd

__all__ = ["SignSGD", "signsgd_inputs", "SignSGDModes", "signsgd_modes", "sign_covariance",
           "sign_covariance_approx", "correlation_matrix", "largest_correlation",
           "plrf_largest_correlation", "preconditioned_spectrum",
           "effective_lr", "noise_compression", "limiting_risk", "lr_for_limit", "DiagonalLaw",
           "diagonal_law", "plrf_signsgd_modes", "signsgd_lr_for_excess", "signsgd_max_lr",
           "signsgd_lr_exponents", "SignSGDEquivalent", "signsgd_equivalent",
           "homogenized_signsgd"]

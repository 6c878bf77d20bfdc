"""SDE models of adaptive optimizers on noisy quadratics, the real optimizers they model and their
stationary levels (docs/extensions.md, 'The SDE models').

:mod:`.problem` holds the noisy quadratic (gradient noise from a :mod:`deterministic_risk.noise`
law), :mod:`.models` the models (``SGDModel``, ``SignSGDModel``, ``RMSpropWModel``,
``AdamWModel``) and their stationary levels, :mod:`.paths` the simulators.
"""

from .models import (AdamWModel, RMSpropWModel, SDEMethod, SGDModel, SignSGDModel,
                     linearised_stationary_loss, ou_stationary_covariance, scale_for_batch,
                     stationary_loss)
from .paths import LossPaths, run_optimizer, simulate_sde
from .problem import NoisyQuadratic, sign_mean

__all__ = ["NoisyQuadratic", "sign_mean", "SDEMethod", "SGDModel", "SignSGDModel",
           "RMSpropWModel", "AdamWModel", "stationary_loss", "linearised_stationary_loss",
           "ou_stationary_covariance", "scale_for_batch", "LossPaths", "simulate_sde",
           "run_optimizer"]

"""Optimizers: each holds its deterministic limit and its finite-d update."""

from .base import Optimizer
from .sgd import SGD, kernel_norm, max_stable_lr, stationary_risk
from .signsgd import SignSGD
from .adam import Adam, adam_limiting_risk
from .alias import ALIAS
from .clipped import (ClippedSGD, best_scaled_threshold, clipping_criterion, clipping_factors,
                      clipping_factors_quadrature)

__all__ = ["Optimizer", "SGD", "kernel_norm", "max_stable_lr", "stationary_risk", "SignSGD",
           "ClippedSGD", "clipping_factors", "clipping_factors_quadrature", "clipping_criterion",
           "best_scaled_threshold", "Adam", "adam_limiting_risk", "ALIAS"]

"""Optimizers: each holds its deterministic limit and its finite-d update."""

from .base import Optimizer
from .sgd import SGD, kernel_norm, max_stable_lr, stationary_risk
from .signsgd import SignSGD

__all__ = ["Optimizer", "SGD", "kernel_norm", "max_stable_lr", "stationary_risk", "SignSGD"]

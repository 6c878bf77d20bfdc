"""Optimizers that are not sign-based: :mod:`.sgd`, :mod:`.clipped`, :mod:`.adam`, :mod:`.alias`.

Each holds its deterministic limit and its finite-d update (the contract is in :mod:`.base`);
signSGD lives in :mod:`deterministic_risk.signsgd`.
"""

from .base import Optimizer

__all__ = ["Optimizer"]

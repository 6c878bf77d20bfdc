"""Figures. Every function draws on a matplotlib Axes (created if not given) and returns it;
nothing here computes dynamics or writes files.

Importing this module imports matplotlib; ``import deterministic_risk`` does not.
"""

from .curves import plot_risk
from .extensions import plot_eigenvalue_decay, plot_sde_losses

__all__ = ["plot_eigenvalue_decay", "plot_risk", "plot_sde_losses"]

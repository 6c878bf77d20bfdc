"""Figures. Every function draws on a matplotlib Axes (created if not given) and returns it;
nothing here computes dynamics or writes files.

Importing this module imports matplotlib; ``import deterministic_risk`` does not.
"""

from .curves import plot_risk
from .spectra import plot_spectrum_comparison

__all__ = ["plot_risk", "plot_spectrum_comparison"]

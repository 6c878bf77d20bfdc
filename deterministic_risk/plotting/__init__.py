"""Figures. Every function draws on a matplotlib Axes (created if not given) and returns it;
nothing here computes dynamics or writes files.

Importing this module imports matplotlib; ``import deterministic_risk`` does not.
"""

from .clipping import plot_clipping_criterion
from .curves import plot_risk
from .frontiers import (plot_compute_optimal, plot_exponents_vs_theory, plot_frontier,
                        plot_phase_map, plot_phase_map_comparison)
from .extensions import plot_eigenvalue_decay, plot_sde_losses
from .lr_selection import plot_lr_selection
from .phases import plot_decay_gain, plot_exponent_map, plot_phase_plane, plot_signsgd_advantage
from .signsgd import plot_noise_laws
from .signsgd_plrf import plot_sign_vs_sgd
from .spectra import plot_spectrum_comparison

__all__ = ["plot_risk", "plot_noise_laws", "plot_spectrum_comparison", "plot_decay_gain",
           "plot_exponent_map", "plot_phase_plane", "plot_signsgd_advantage",
           "plot_frontier", "plot_compute_optimal", "plot_exponents_vs_theory", "plot_phase_map",
           "plot_phase_map_comparison",
           "plot_eigenvalue_decay", "plot_sde_losses", "plot_clipping_criterion",
           "plot_lr_selection", "plot_sign_vs_sgd"]

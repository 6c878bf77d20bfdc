"""Deterministic-equivalent spectra against sampled ones."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..deterministic_equivalent import deterministic_measures, spectral_density


def plot_spectrum_comparison(problem, *, seeds: Sequence[int] = range(8), which: str = "trace",
                             n_grid: int = 600, n_bins: int = 80, instances=None, ax=None):
    r"""Deterministic-equivalent density against a histogram of sampled eigenvalues.

    Both are drawn against log x as densities per unit log x, i.e. :math:`x\rho(x)`, so that the
    bulk and the outliers appear on one axis.

    Parameters
    ----------
    problem : PLRF
    seeds : sequence of int
        Seeds of the sampled W (their eigenvalues are pooled; counts divided by the number of
        draws).
    which : {"trace", "forcing"}
        ``"trace"``: eigenvalue counts (DE :math:`x\rho_K`, sampled: one per eigenvalue).
        ``"forcing"``: target weights (DE :math:`x\rho_F`, sampled: :math:`\langle u_i,\check b\rangle^2`
        per eigenvalue).
    n_grid : int
        Points of the DE curve (log-spaced over the support, plus the DE nodes in the outliers).
    n_bins : int
        Histogram bins (log-spaced).
    instances : sequence of PLRFInstance, optional
        Sampled instances already drawn (``problem.instance(seed)``); then ``seeds`` is ignored
        and nothing is sampled again.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import deterministic_risk as dr
    >>> ax = dr.plotting.plot_spectrum_comparison(dr.PLRF(1.0, 0.5, d=100), seeds=[0, 1])
    """

    if which not in ("trace", "forcing"):
        raise ValueError(f"which must be 'trace' or 'forcing', got {which!r}")
    if instances is None:
        seeds = list(seeds)
        if not seeds:
            raise ValueError("seeds must contain at least one seed")
        instances = [problem.instance(seed) for seed in seeds]
    instances = list(instances)
    if not instances:
        raise ValueError("instances must contain at least one PLRF instance")
    if ax is None:
        _, ax = plt.subplots()
    meas = deterministic_measures(problem)
    lo, hi = meas.support[0, 0], meas.support[-1, 1]
    grid = np.geomspace(lo * (1 + 1e-9), hi * (1 - 1e-9), n_grid)
    # resolve the narrow outlier clusters with the quadrature nodes themselves
    grid = np.unique(np.concatenate([grid, meas.nodes]))
    interval = np.full(grid.shape, -1)
    for i, (a, b) in enumerate(meas.support):
        interval[(grid > a) & (grid < b)] = i
    grid, interval = grid[interval >= 0], interval[interval >= 0]
    rho_k, rho_f = spectral_density(problem, grid)
    dens = rho_k if which == "trace" else rho_f
    # break the line across the gaps between support intervals
    breaks = np.flatnonzero(np.diff(interval)) + 1
    grid = np.insert(grid, breaks, np.nan)
    dens = np.insert(dens, breaks, np.nan)
    # sampled: pooled histogram per unit log x
    values, weights = [], []
    for inst in instances:
        values.append(inst.eigenvalues)
        weights.append(np.ones(inst.eigenvalues.size) if which == "trace"
                       else inst.target_projections**2)
    values = np.concatenate(values)
    weights = np.concatenate(weights) / len(instances)
    positive = values > 0
    edges = np.geomspace(min(values[positive].min(), lo) / 1.2, max(values.max(), hi) * 1.2,
                         n_bins + 1)
    hist, _ = np.histogram(values[positive], bins=edges, weights=weights[positive])
    ax.stairs(hist / np.diff(np.log(edges)), edges, fill=True, alpha=0.35,
              label=f"sampled W ({len(instances)} draws)")
    ax.plot(grid, grid * dens, lw=1.2, label="deterministic equivalent")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("eigenvalue x")
    ax.set_ylabel(r"$x\,\rho_K(x)$ (eigenvalues per unit log x)" if which == "trace"
                  else r"$x\,\rho_F(x)$ (target weight per unit log x)")
    ax.set_title(f"PLRF α={problem.alpha:g}, β={problem.beta:g}, d={problem.d}, v={problem.v}")
    ax.legend(loc="best", fontsize="small")
    return ax

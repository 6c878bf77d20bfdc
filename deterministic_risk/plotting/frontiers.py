"""Compute-optimal frontiers and measured-against-symbolic exponent maps.

The functions only draw: the frontiers come from :func:`deterministic_risk.compute_optimal` /
:func:`deterministic_risk.sweep`, the phase maps from :func:`deterministic_risk.phase_map`, the
symbolic exponents from :func:`deterministic_risk.asymptotics.exponent_grid`.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..studies.frontier import Frontier
from ..studies.phase_plane import PhaseMap

__all__ = ["plot_frontier", "plot_compute_optimal", "plot_exponents_vs_theory", "plot_phase_map",
           "plot_phase_map_comparison"]


def plot_frontier(frontier: Frontier, *, method: str = "isoflop", eta_theory: float | None = None,
                  ax=None):
    """Risk against compute for every model size, with the compute-optimal frontier.

    Parameters
    ----------
    frontier : Frontier
    method : {"isoflop", "envelope"}
        Which fitted line to draw over the fit window.
    eta_theory : float, optional
        Draw a line of slope −``eta_theory`` through the middle of the fit window.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import deterministic_risk as dr
    >>> fr = dr.compute_optimal(1.0, 0.3, d_values=[20, 40, 80], n_budgets=15,
    ...                         spectrum_method="sampled")
    >>> ax = dr.plotting.plot_frontier(fr, eta_theory=0.53)
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    cmap = plt.get_cmap("viridis")
    n = frontier.d_values.size
    for i, d in enumerate(frontier.d_values):
        row = frontier.losses[i]
        ok = np.isfinite(row)
        ax.loglog(frontier.flops[ok], row[ok], color=cmap(i / max(n - 1, 1)), lw=0.8,
                  label=f"d = {d:.3g}" if i in (0, n - 1) else None)
    fit = frontier.fits[method]
    risk = frontier.risk_star if method == "isoflop" else frontier.envelope
    ok = np.isfinite(risk)
    ax.loglog(frontier.flops[ok], risk[ok], "k--", lw=1.2, label=f"frontier ({method})")
    if fit.success:
        lo, hi = fit.window
        sel = (frontier.flops >= lo) & (frontier.flops <= hi) & ok
        f_mid = np.sqrt(lo * hi)
        r_mid = np.exp(np.interp(np.log(f_mid), np.log(frontier.flops[sel]), np.log(risk[sel])))
        ff = np.array([lo, hi])
        ax.loglog(ff, r_mid * (ff / f_mid) ** -fit.eta, "r-", lw=2, alpha=0.7,
                  label=f"fit η = {fit.eta:.3f}")
        if eta_theory is not None:
            ax.loglog(ff, 0.7 * r_mid * (ff / f_mid) ** -eta_theory, "b:", lw=2,
                      label=f"theory η = {eta_theory:.3f}")
    ax.set_xlabel("compute f = d·B·k")
    ax.set_ylabel("risk R")
    ax.set_title(f"{frontier.optimizer}, α = {frontier.alpha:g}, β = {frontier.beta:g}")
    ax.legend(fontsize=7)
    return ax


def plot_compute_optimal(frontiers: Sequence[Frontier], *, labels: Sequence[str] | None = None,
                         quantity: str = "risk", method: str = "isoflop", ax=None):
    """Compute-optimal risk R*(f) (or model size d*(f)) of several frontiers on one Axes.

    For example SGD against signSGD at one (α, β); the fitted exponent of each is in the legend.

    Parameters
    ----------
    frontiers : sequence of Frontier
    labels : sequence of str, optional
        Default: each frontier's optimizer.
    quantity : {"risk", "d"}
    method : {"isoflop", "envelope"}
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import deterministic_risk as dr
    >>> fr = dr.compute_optimal(1.0, 0.3, d_values=[20, 40, 80], n_budgets=12,
    ...                         spectrum_method="sampled")
    >>> ax = dr.plotting.plot_compute_optimal([fr])
    """
    if quantity not in ("risk", "d"):
        raise ValueError(f"quantity must be 'risk' or 'd', got {quantity!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    labels = [fr.optimizer for fr in frontiers] if labels is None else list(labels)
    for fr, label in zip(frontiers, labels):
        fit = fr.fits[method]
        if quantity == "risk":
            y = fr.risk_star if method == "isoflop" else fr.envelope
            text = f"{label}: η = {fit.eta:.3f}"
        else:
            y = fr.d_star if method == "isoflop" else fr.envelope_d_star
            text = f"{label}: ξ = {fit.xi:.3f}"
        ok = np.isfinite(y)
        line, = ax.loglog(fr.flops[ok], y[ok], lw=1.5, label=text)
        if fit.success:
            ax.axvspan(*fit.window, color=line.get_color(), alpha=0.06)
    ax.set_xlabel("compute f = d·B·k")
    ax.set_ylabel("optimal risk R*(f)" if quantity == "risk" else "optimal size d*(f)")
    ax.legend(fontsize=8)
    return ax


def _cell_edges(values: np.ndarray) -> np.ndarray:
    """Edges of cells centred on sorted ``values`` (midpoints, extrapolated at the ends)."""
    if values.size == 1:
        return np.array([values[0] - 0.05, values[0] + 0.05])
    mid = 0.5 * (values[1:] + values[:-1])
    return np.concatenate([[2 * values[0] - mid[0]], mid, [2 * values[-1] - mid[-1]]])


def plot_exponents_vs_theory(frontiers: Sequence[Frontier], *, method: str = "isoflop",
                             optimizer: str | None = None,
                             quantities: Sequence[str] = ("eta", "xi"), axes=None):
    r"""Heat maps of measured η and ξ over an (α, β) grid, beside the symbolic ones and their
    difference.

    Parameters
    ----------
    frontiers : sequence of Frontier
        For example the output of :func:`deterministic_risk.sweep` on a grid of (α, β); each
        point fills one cell (the cells are centred on the distinct α and β values).
    method : {"isoflop", "envelope"}
        Which fit to show.
    optimizer : str, optional
        Symbolic optimizer (default: that of the first frontier).
    quantities : sequence of {"eta", "xi"}
        One row of three panels (measured, symbolic, measured − symbolic) per quantity.
    axes : array of matplotlib Axes, shape (len(quantities), 3), optional

    Returns
    -------
    ndarray of matplotlib.axes.Axes, shape (len(quantities), 3)

    Notes
    -----
    The symbolic exponents are those of :func:`deterministic_risk.asymptotics.exponent_grid`
    (docs/phases.md). On a phase boundary ξ may be undefined (NaN); such cells
    stay blank. Points missing from ``frontiers`` (outside the admissible region) are blank.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import deterministic_risk as dr
    >>> frs = dr.sweep([(1.0, 0.3), (1.0, 0.8)], backend="serial", d_values=[20, 40, 80],
    ...                n_budgets=10, spectrum_method="sampled")
    >>> axes = dr.plotting.plot_exponents_vs_theory(frs)
    >>> axes.shape
    (2, 3)
    """
    from .. import asymptotics as asy

    frontiers = list(frontiers)
    if not frontiers:
        raise ValueError("frontiers must hold at least one Frontier")
    for q in quantities:
        if q not in ("eta", "xi"):
            raise ValueError(f"quantities must be 'eta' or 'xi', got {q!r}")
    optimizer = optimizer or frontiers[0].optimizer
    alphas = np.unique([fr.alpha for fr in frontiers])
    betas = np.unique([fr.beta for fr in frontiers])
    shape = (betas.size, alphas.size)
    measured = {q: np.full(shape, np.nan) for q in ("eta", "xi")}
    aa, bb = np.meshgrid(alphas, betas)
    for fr in frontiers:
        i, j = np.searchsorted(betas, fr.beta), np.searchsorted(alphas, fr.alpha)
        fit = fr.fits[method]
        measured["eta"][i, j], measured["xi"][i, j] = fit.eta, fit.xi
    xi_t, eta_t, _ = asy.exponent_grid(optimizer, aa, bb)
    theory = {"eta": eta_t, "xi": xi_t}
    return _exponent_panels(alphas, betas, measured, theory, quantities, method, axes)


def plot_phase_map(phase_map: PhaseMap, *, quantities: Sequence[str] = ("eta", "xi"),
                   margin: float = 0.05, axes=None):
    r"""Heat maps of a :class:`~deterministic_risk.PhaseMap`: measured, symbolic and their
    difference, one row per exponent.

    Points within ``margin`` of a symbolic phase boundary are marked with a dot in the difference
    panels (the accuracy of :meth:`~deterministic_risk.PhaseMap.accuracy` is counted over the
    others).

    Parameters
    ----------
    phase_map : PhaseMap
        From :func:`deterministic_risk.phase_map`.
    quantities : sequence of {"eta", "xi"}
    margin : float
    axes : array of matplotlib Axes, shape (len(quantities), 3), optional

    Returns
    -------
    ndarray of matplotlib.axes.Axes, shape (len(quantities), 3)

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np, deterministic_risk as dr
    >>> pm = dr.phase_map([1.0, 1.2], [0.3, 0.8], "sgd", d_values=[20, 40, 80, 160, 320],
    ...                   flops=np.geomspace(1e3, 1e7, 25), fit_sizes=(0.05, 0.8),
    ...                   backend="serial")
    >>> dr.plotting.plot_phase_map(pm).shape
    (2, 3)
    """
    for q in quantities:
        if q not in ("eta", "xi"):
            raise ValueError(f"quantities must be 'eta' or 'xi', got {q!r}")
    measured = {"eta": phase_map.eta.T, "xi": phase_map.xi.T}
    theory = {"eta": phase_map.eta_theory.T, "xi": phase_map.xi_theory.T}
    near = (phase_map.admissible & ~phase_map.interior(margin)).T
    return _exponent_panels(phase_map.alphas, phase_map.betas, measured, theory, quantities,
                            "isoflop", axes, near=near, title=phase_map.optimizer)


def plot_phase_map_comparison(first: PhaseMap, second: PhaseMap, *,
                              quantities: Sequence[str] = ("eta",), axes=None):
    r"""The difference of two phase maps (for example signSGD − SGD), measured beside symbolic.

    Parameters
    ----------
    first, second : PhaseMap
        Maps on the same (α, β) grid.
    quantities : sequence of {"eta", "xi"}
    axes : array of matplotlib Axes, shape (len(quantities), 3), optional

    Returns
    -------
    ndarray of matplotlib.axes.Axes, shape (len(quantities), 3)
        Per row: measured first − second, symbolic first − second, and their difference.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np, deterministic_risk as dr
    >>> pm = dr.phase_map([1.0, 1.2], [0.3, 0.8], "sgd", d_values=[20, 40, 80, 160, 320],
    ...                   flops=np.geomspace(1e3, 1e7, 25), fit_sizes=(0.05, 0.8),
    ...                   backend="serial")
    >>> dr.plotting.plot_phase_map_comparison(pm, pm).shape
    (1, 3)
    """
    for q in quantities:
        if q not in ("eta", "xi"):
            raise ValueError(f"quantities must be 'eta' or 'xi', got {q!r}")
    if not (np.array_equal(first.alphas, second.alphas)
            and np.array_equal(first.betas, second.betas)):
        raise ValueError("the two maps must have the same alphas and betas")
    measured = {q: (getattr(first, q) - getattr(second, q)).T for q in quantities}
    theory = {q: (getattr(first, f"{q}_theory") - getattr(second, f"{q}_theory")).T
              for q in quantities}
    return _exponent_panels(first.alphas, first.betas, measured, theory, quantities, "isoflop",
                            axes, title=f"{first.optimizer} − {second.optimizer}",
                            prefix=f"{first.optimizer} − {second.optimizer}: ")


def _exponent_panels(alphas, betas, measured, theory, quantities, method, axes, *, near=None,
                     title=None, prefix=""):
    """Measured, symbolic and difference panels per quantity; arrays of shape (nb, na)."""
    shape = (betas.size, alphas.size)
    if axes is None:
        fig, axes = plt.subplots(len(quantities), 3, figsize=(14, 4.2 * len(quantities)),
                                 squeeze=False, constrained_layout=True)
        if title:
            fig.suptitle(title)
    axes = np.asarray(axes).reshape(len(quantities), 3)
    ea, eb = _cell_edges(alphas), _cell_edges(betas)
    small = max(shape) > 12
    for row, q in enumerate(quantities):
        sym = "η" if q == "eta" else "ξ"
        both = np.concatenate([measured[q][np.isfinite(measured[q])],
                               theory[q][np.isfinite(theory[q])]])
        vmin, vmax = (both.min(), both.max()) if both.size else (0.0, 1.0)
        diff = measured[q] - theory[q]
        lim = np.nanmax(np.abs(diff)) if np.isfinite(diff).any() else 1.0
        cmap = "RdBu_r" if prefix else "viridis"
        if prefix:      # differences of two maps: one symmetric scale
            vmax = max(abs(vmin), abs(vmax))
            vmin = -vmax
        panels = [(measured[q], f"{prefix}measured {sym} ({method})", cmap, vmin, vmax),
                  (theory[q], f"{prefix}symbolic {sym}", cmap, vmin, vmax),
                  (diff, f"measured − symbolic {sym}", "RdBu_r", -lim, lim)]
        for col, (val, name, cmap, lo, hi) in enumerate(panels):
            ax = axes[row, col]
            mesh = ax.pcolormesh(ea, eb, np.ma.masked_invalid(val), cmap=cmap, vmin=lo, vmax=hi)
            ax.figure.colorbar(mesh, ax=ax, label=sym if col < 2 else f"Δ{sym}")
            for i in range(shape[0]):
                for j in range(shape[1]):
                    if np.isfinite(val[i, j]):
                        ax.text(alphas[j], betas[i], f"{val[i, j]:.2f}", ha="center",
                                va="center", fontsize=4 if small else 6)
            if col == 2 and near is not None:
                jj, ii = np.meshgrid(np.arange(shape[1]), np.arange(shape[0]))
                ax.plot(alphas[jj[near]], betas[ii[near]] + 0.3 * (eb[1] - eb[0]), "k.",
                        ms=1.5, label="near a phase boundary")
            a = np.linspace(ea[0], ea[-1], 50)
            ax.plot(a, 0.5 - a, "k-", lw=1)          # admissible edge 2α + 2β = 1
            ax.set_xlim(ea[0], ea[-1])
            ax.set_ylim(eb[0], eb[-1])
            ax.set_xlabel("α")
            ax.set_ylabel("β")
            ax.set_title(name)
    return axes

"""Clipped SGD: the clipping-comparison criterion over (R, ĉ)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike


def plot_clipping_criterion(risks: ArrayLike, thresholds: ArrayLike, criterion: ArrayLike, *,
                            best: tuple[ArrayLike, ArrayLike] | None = None, ax=None):
    """Map of the clipping-comparison criterion μ²(2R + Eε²)/ν over excess risk and threshold,
    with its level 1 (clipping helps above it) and optionally the greedy threshold ĉ*(R).

    Parameters
    ----------
    risks : array_like, shape (n,)
        Excess risks R (vertical axis, log scale).
    thresholds : array_like, shape (m,)
        Scaled thresholds ĉ = c/√tr K (horizontal axis, log scale).
    criterion : array_like, shape (n, m)
        ``dr.optimizers.clipped.clipping_criterion(risks[:, None], thresholds[None, :], noise)``.
    best : (array_like, array_like), optional
        (R values, ĉ*(R)) from ``dr.optimizers.clipped.best_scaled_threshold``, drawn as a line.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np, deterministic_risk as dr
    >>> R, c = np.geomspace(1e-2, 1, 5), np.geomspace(0.1, 10, 6)
    >>> ccc = dr.optimizers.clipped.clipping_criterion(R[:, None], c[None, :], dr.noise.StudentT(3.0))
    >>> ax = dr.plotting.plot_clipping_criterion(R, c, ccc)
    """
    R = np.asarray(risks, dtype=float)
    c = np.asarray(thresholds, dtype=float)
    ccc = np.asarray(criterion, dtype=float)
    if ccc.shape != (R.size, c.size):
        raise ValueError(f"criterion must have shape (len(risks), len(thresholds)) = "
                         f"{(R.size, c.size)}, got {ccc.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    finite = np.where(np.isfinite(ccc), ccc, np.nan)
    mesh = ax.pcolormesh(c, R, finite, shading="nearest", cmap="RdBu_r",
                         vmin=0.0, vmax=max(2.0, float(np.nanmax(finite))))
    ax.figure.colorbar(mesh, ax=ax, label="CCC = μ²(2R + Eε²)/ν")
    if np.nanmin(finite) < 1 < np.nanmax(finite):
        ax.contour(c, R, finite, levels=[1.0], colors="k", linewidths=1.0)
    if best is not None:
        ax.plot(np.asarray(best[1]), np.asarray(best[0]), "k--", linewidth=1, label="ĉ*(R)")
        ax.legend(fontsize="small")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("scaled threshold ĉ = c/√tr K")
    ax.set_ylabel("excess risk R")
    return ax


__all__ = ["plot_clipping_criterion"]

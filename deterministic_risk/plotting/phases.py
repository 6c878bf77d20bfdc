"""Phase diagrams of the compute-optimal exponents (SGD and signSGD on PLRF).

Every function computes its grid through :mod:`deterministic_risk.asymptotics` and only draws;
each takes ``ax=None`` and returns the Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import asymptotics as asy
from ..asymptotics import literature

__all__ = ["plot_phase_plane", "plot_exponent_map", "plot_signsgd_advantage",
           "plot_decay_gain"]

_RANGES = {"sgd": ((0.02, 2.0), (-0.5, 2.5)), "signsgd": ((0.26, 2.0), (-0.5, 2.5)),
           "signsgd-decay": ((0.26, 2.0), (-0.5, 2.5))}


def _grid(optimizer: str, resolution: int, alpha_range=None, beta_range=None):
    (a0, a1), (b0, b1) = _RANGES[optimizer]
    a0, a1 = alpha_range or (a0, a1)
    b0, b1 = beta_range or (b0, b1)
    # a tiny irrational offset keeps grid points off the critical lines (2β = 1, α = β, …)
    aa, bb = np.meshgrid(np.linspace(a0, a1, resolution) + 1e-7 * np.sqrt(2),
                         np.linspace(b0, b1, resolution) + 1e-7 * np.sqrt(3))
    return aa, bb


def _axes(ax, optimizer_label: str):
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    ax.set_xlabel("α (data complexity)")
    ax.set_ylabel("β (target complexity)")
    ax.set_title(optimizer_label)
    return ax


def _admissible_line(ax, aa, bb):
    """Draw the admissible edge 2α + 2β = 1 and fix the limits to the grid."""
    a = np.unique(aa)
    keep = 0.5 - a >= bb.min()
    ax.plot(a[keep], 0.5 - a[keep], "k-", lw=1)
    ax.set_xlim(aa.min(), aa.max())
    ax.set_ylim(bb.min(), bb.max())


def plot_phase_plane(optimizer: str = "sgd", *, resolution: int = 301, labels: bool = True,
                     alpha_range: tuple[float, float] | None = None,
                     beta_range: tuple[float, float] | None = None, ax=None):
    """Phase plane: each phase coloured, boundaries drawn, phases labelled.

    Parameters
    ----------
    optimizer : {"sgd", "signsgd", "signsgd-decay"}
    resolution : int, default 301
        Grid points per axis.
    labels : bool, default True
        Write each phase name at its grid centroid.
    alpha_range, beta_range : (float, float), optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import deterministic_risk as dr
    >>> ax = dr.plotting.plot_phase_plane("sgd", resolution=41)
    """
    aa, bb = _grid(optimizer, resolution, alpha_range, beta_range)
    _, _, names = asy.exponent_grid(optimizer, aa, bb)
    order = [r.name for r in asy.phase_table(optimizer)]
    code = np.full(aa.shape, np.nan)
    for i, nm in enumerate(order):
        code[names == nm] = i
    ax = _axes(ax, {"sgd": "SGD phases (4+3)", "signsgd": "signSGD areas (constant step)",
                    "signsgd-decay": "signSGD with decay (conjecture)"}[optimizer])
    cmap = plt.get_cmap("tab10", max(len(order), 1))
    ax.pcolormesh(aa, bb, np.ma.masked_invalid(code), cmap=cmap, vmin=-0.5,
                  vmax=len(order) - 0.5, shading="auto", alpha=0.6)
    # boundaries: where the phase code changes between neighbours
    filled = np.where(np.isnan(code), -1, code)
    edge = np.zeros(aa.shape, dtype=bool)
    edge[:, 1:] |= filled[:, 1:] != filled[:, :-1]
    edge[1:, :] |= filled[1:, :] != filled[:-1, :]
    ax.contour(aa, bb, edge.astype(float), levels=[0.5], colors="k", linewidths=0.6)
    _admissible_line(ax, aa, bb)
    if labels:
        for i, nm in enumerate(order):
            sel = code == i
            if sel.any():
                short = nm if len(nm) <= 6 else nm.split(" [")[0].replace("decay: ", "")
                ax.text(np.median(aa[sel]), np.median(bb[sel]), short, ha="center",
                        va="center", fontsize=8, bbox=dict(fc="white", alpha=0.7, lw=0))
    return ax


def plot_exponent_map(quantity: str = "eta", optimizer: str = "sgd", *, resolution: int = 301,
                      hatch_half: bool = True, ax=None):
    """Heat map of η (loss ≍ f^−η) or ξ (d* ≍ f^ξ) over (α, β).

    Parameters
    ----------
    quantity : {"eta", "xi"}
    optimizer : {"sgd", "signsgd", "signsgd-decay"}
    resolution : int, default 301
    hatch_half : bool, default True
        For ξ, hatch the region where ξ = ½ (the universal d* ≍ f^{1/2} region, docs/phases.md).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import deterministic_risk as dr
    >>> ax = dr.plotting.plot_exponent_map("xi", "sgd", resolution=31)
    """
    if quantity not in ("eta", "xi"):
        raise ValueError(f"quantity must be 'eta' or 'xi', got {quantity!r}")
    aa, bb = _grid(optimizer, resolution)
    xi, eta, _ = asy.exponent_grid(optimizer, aa, bb)
    val = eta if quantity == "eta" else xi
    ax = _axes(ax, f"{'η' if quantity == 'eta' else 'ξ'} — {optimizer}")
    mesh = ax.pcolormesh(aa, bb, np.ma.masked_invalid(val), shading="auto", cmap="viridis")
    ax.figure.colorbar(mesh, ax=ax, label="η" if quantity == "eta" else "ξ")
    ax.contour(aa, bb, np.nan_to_num(val, nan=-1), levels=10, colors="w", linewidths=0.4)
    if quantity == "xi" and hatch_half:
        half = np.abs(val - 0.5) < 1e-9
        ax.contourf(aa, bb, half.astype(float), levels=[0.5, 1.5], colors="none",
                    hatches=["//"])
    _admissible_line(ax, aa, bb)
    return ax


def plot_signsgd_advantage(*, resolution: int = 301, ax=None):
    """η_signSGD − η_SGD over (α, β): where constant-step signSGD is steeper than SGD.

    Both from the derived tables (docs/signsgd_plrf.md, 'Where signSGD is steeper than SGD'); the
    zero contour is drawn and the strictly-steeper region hatched.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import deterministic_risk as dr
    >>> ax = dr.plotting.plot_signsgd_advantage(resolution=31)
    """
    aa, bb = _grid("signsgd", resolution)
    _, eta_s, _ = asy.exponent_grid("signsgd", aa, bb)
    _, eta_g, _ = asy.exponent_grid("sgd", aa, bb)
    diff = eta_s - eta_g
    diff = np.where(np.abs(diff) < 1e-9, 0.0, diff)     # equal slopes: exactly 0, no sign noise
    ax = _axes(ax, "η(signSGD) − η(SGD)")
    lim = np.nanmax(np.abs(diff))
    mesh = ax.pcolormesh(aa, bb, np.ma.masked_invalid(diff), cmap="RdBu_r", vmin=-lim,
                         vmax=lim, shading="auto")
    ax.figure.colorbar(mesh, ax=ax, label="Δη")
    ax.contourf(aa, bb, (diff > 1e-9).astype(float), levels=[0.5, 1.5], colors="none",
                hatches=["..."])
    ax.contour(aa, bb, (np.nan_to_num(diff) > 0).astype(float), levels=[0.5], colors="k",
               linewidths=0.8)
    _admissible_line(ax, aa, bb)
    return ax


def plot_decay_gain(*, resolution: int = 301, show_claim: bool = True, ax=None):
    """η(signSGD with decay) − η(constant-step signSGD): where the decay model improves η.

    The decay model is a conjecture (quasi-static decay, :func:`.asymptotics.signsgd_decay_terms`).
    With ``show_claim`` the region where a stable-decay gain is *described* in the literature
    ("Aa*", unverified) is outlined dashed for comparison.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import deterministic_risk as dr
    >>> ax = dr.plotting.plot_decay_gain(resolution=31)
    """
    aa, bb = _grid("signsgd-decay", resolution)
    _, eta_w, _ = asy.exponent_grid("signsgd-decay", aa, bb)
    _, eta_c, _ = asy.exponent_grid("signsgd", aa, bb)
    diff = eta_w - eta_c
    ax = _axes(ax, "η(decay) − η(constant), signSGD — conjecture")
    mesh = ax.pcolormesh(aa, bb, np.ma.masked_invalid(diff), cmap="Greens", vmin=0,
                         shading="auto")
    ax.figure.colorbar(mesh, ax=ax, label="Δη")
    ax.contour(aa, bb, (np.nan_to_num(diff) > 1e-9).astype(float), levels=[0.5], colors="k",
               linewidths=0.8)
    if show_claim:
        a = np.linspace(0.5, aa.max(), 200)
        claim = literature.SIGNSGD_SCHEDULE_CLAIM
        ax.plot(a, (2 * a - 1) / (2 * (4 * a - 1)), "r--", lw=1,
                label=f"{claim['name']} upper edge (described, unverified)")
        ax.legend(loc="upper right", fontsize=7)
    _admissible_line(ax, aa, bb)
    return ax

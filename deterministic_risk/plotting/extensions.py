"""Figures of the extension modules: SDE stationary losses and monomial random-feature spectra."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike

from ..monomial_features import fit_log_corrected_power_law, log_corrected_power_law
from ..sde import LossPaths
from ._loglog import placeable, positive_band


def plot_eigenvalue_decay(eigenvalues: ArrayLike, p: int, alpha: float, *,
                          fit_window: tuple[int, int] | None = None, label: str | None = None,
                          plain_power_law: bool = True, ax=None):
    r"""Eigenvalues :math:`\lambda_j` against j (log–log) with :math:`(\log^{p-1}(j+1)/j)^\alpha`.

    Parameters
    ----------
    eigenvalues : array_like, shape (n,)
        Eigenvalues in decreasing order (e.g. ``MonomialRF.eigenvalues()``).
    p : int
        Monomial degree (sets the log power of the law).
    alpha : float
        Data exponent α of :math:`h_j = j^{-\alpha}`.
    fit_window : (int, int), optional
        If given, the law's amplitude is fitted on this window (α held at the fitted value of
        :func:`~deterministic_risk.fit_log_corrected_power_law`, shown in the legend) and the
        window is shaded; otherwise the law is drawn with α as given, matched at the window's
        first index (j = 10).
    label : str, optional
        Legend label of the eigenvalues (default ``"p = {p}"``).
    plain_power_law : bool, default True
        Also draw :math:`j^{-\alpha}` through the same anchor, for comparison.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import deterministic_risk as dr
    >>> lam = dr.monomial_features.MonomialRF.power_law(1.5, 0.5, 60, 2, v=240).eigenvalues()
    >>> ax = dr.plotting.plot_eigenvalue_decay(lam, 2, 1.5, fit_window=(5, 30))
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    j = np.arange(1, lam.size + 1)
    positive = lam > 0
    line, = ax.loglog(j[positive], lam[positive], ".", ms=3,
                      label=label if label is not None else f"p = {p}")
    color = line.get_color()
    if fit_window is not None:
        fit = fit_log_corrected_power_law(lam, p, fit_window)
        law = fit(j)
        ax.axvspan(*fit_window, color=color, alpha=0.08, lw=0)
        law_label = (rf"$A(\log^{{{p - 1}}}(j+1)/j)^{{\hat\alpha}}$, "
                     rf"$\hat\alpha$ = {fit.alpha:.3f}")
        anchor = fit_window[0]
    else:
        anchor = min(10, lam.size)
        law = log_corrected_power_law(j, alpha, p)
        law *= lam[anchor - 1] / law[anchor - 1]
        law_label = rf"$(\log^{{{p - 1}}}(j+1)/j)^{{{alpha:g}}}$ (matched at j = {anchor})"
    ax.loglog(j, law, "-", color=color, lw=1.2, label=law_label)
    if plain_power_law and p > 1:
        plain = j ** -float(alpha) * lam[anchor - 1] * anchor ** float(alpha)
        ax.loglog(j, plain, ":", color=color, lw=1.0, label=rf"$j^{{-{alpha:g}}}$ (no log factor)")
    ax.set_xlabel("index j")
    ax.set_ylabel(r"eigenvalue $\lambda_j(K)$")
    ax.legend(fontsize=8)
    return ax


def plot_sde_losses(runs: Sequence[LossPaths] | LossPaths, *, labels: Sequence[str] | None = None,
                    stationary: Sequence[float] | float | None = None, lr: float | None = None,
                    ax=None):
    r"""Mean excess loss of SDE paths or optimizer runs against iterations, with predicted floors.

    Parameters
    ----------
    runs : LossPaths or sequence of LossPaths
        From :func:`~deterministic_risk.sde.simulate_sde` or
        :func:`~deterministic_risk.sde.run_optimizer`.
    labels : sequence of str, optional
        One per run.
    stationary : float or sequence of float, optional
        Predicted stationary losses (:func:`~deterministic_risk.sde.stationary_loss`), drawn as
        dashed horizontal lines.
    lr : float, optional
        If given, the top axis shows SDE time t = kη.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from deterministic_risk import sde, plotting
    >>> prob = sde.NoisyQuadratic([0.5, 2.0], noise_scale=1.0)
    >>> run = sde.simulate_sde(prob, sde.SignSGDModel(1e-2), [1, 10, 100], n_paths=4)
    >>> ax = plotting.plot_sde_losses(run, stationary=sde.stationary_loss(prob, sde.SignSGDModel(1e-2)))
    """
    if isinstance(runs, LossPaths):
        runs = [runs]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for i, run in enumerate(runs):
        keep = placeable(run.steps, run.mean, f"runs[{i}]")
        k = run.steps[keep]
        mean, se = run.mean[keep], run.stderr[keep]
        style = "-" if run.info.get("kind") == "sde" else "o"
        line, = ax.loglog(k, mean, style, ms=3, lw=1.2,
                          label=labels[i] if labels is not None else run.info.get("kind"))
        lo, hi = positive_band(mean - 2 * se, mean + 2 * se, mean)
        ax.fill_between(k, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
    if stationary is not None:
        for value in np.atleast_1d(stationary):
            ax.axhline(float(value), color="k", ls="--", lw=0.8)
    ax.set_xlabel("iteration k")
    ax.set_ylabel(r"excess loss $\frac{1}{2} x^\top H x$")
    if lr is not None:
        top = ax.secondary_xaxis("top", functions=(lambda k: k * lr, lambda t: t / lr))
        top.set_xlabel(r"SDE time $t = k\eta$")
    ax.legend(fontsize=8)
    return ax

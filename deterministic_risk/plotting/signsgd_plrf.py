"""SGD against signSGD on PLRF: loss against compute, constant steps against WSD."""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..studies.comparison import ScalingStudy


def plot_sign_vs_sgd(study: ScalingStudy, *, axes=None):
    r"""Two panels in the style of Kim–Song–Yun, Fig. 1, from a computed study.

    Left: loss against compute f = d·k for SGD and signSGD at several d (constant steps tuned, per
    d, at its largest budget; thin lines) and the lower envelopes of the tuned losses over d
    (thick), with their fitted slopes η in the legend. Right: signSGD with a constant step
    against WSD (best step per (d, f)), envelopes and slopes. Entries missing from the study
    are left out.

    Parameters
    ----------
    study : ScalingStudy
        A :func:`~deterministic_risk.studies.scaling_study` result.
    axes : pair of matplotlib Axes, optional

    Returns
    -------
    tuple of matplotlib Axes

    References
    ----------
    Kim, Song, Yun, arXiv 2603.02069, Fig. 1 (as described; docs/signsgd_plrf.md).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np, deterministic_risk as dr
    >>> st = dr.studies.scaling_study(1.0, 0.3, [25, 50, 100], np.geomspace(1e3, 1e4, 3),
    ...                               optimizers=("sgd",), kinds=("constant",), n_points=10)
    >>> axes = dr.plotting.plot_sign_vs_sgd(st)
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    left, right = axes
    colors = {"sgd": "tab:blue", "signsgd": "tab:red"}
    names = {"sgd": "SGD", "signsgd": "signSGD"}
    f = study.flops
    for opt in ("sgd", "signsgd"):
        for c in study.curves.get((opt, "constant"), []):
            x = c.flops()
            keep = x > 0
            left.plot(x[keep], c.risk[keep], "-", color=colors[opt], alpha=0.35, lw=0.8)
        env = study.envelope.get((opt, "constant"))
        if env is not None:
            left.plot(f, env, "o-", color=colors[opt], lw=2.2, ms=4,
                      label=f"{names[opt]} envelope, η = {study.eta[(opt, 'constant')]:.3f}")
    left.set_title(f"constant step, α = {study.alpha:g}, β = {study.beta:g}")
    for kind, style in (("constant", "o-"), ("wsd", "s--")):
        key = ("signsgd", kind)
        if key not in study.losses:
            continue
        for i, d in enumerate(study.d_values):
            right.plot(f, study.losses[key][i], style[0] + ":", color="tab:red",
                       alpha=0.3 + 0.1 * i / max(1, len(study.d_values) - 1), ms=2, lw=0.7)
        right.plot(f, study.envelope[key], style, color="tab:red" if kind == "constant"
                   else "tab:purple", lw=2.2, ms=4,
                   label=f"signSGD {kind}, η = {study.eta[key]:.3f}")
    if ("sgd", "wsd") in study.envelope:
        right.plot(f, study.envelope[("sgd", "wsd")], "^--", color="tab:blue", lw=1.2, ms=3,
                   label=f"SGD wsd, η = {study.eta[('sgd', 'wsd')]:.3f}")
    right.set_title("signSGD: constant step vs WSD (tuned per d and budget)")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("compute f = d·k")
        ax.set_ylabel("risk R")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    return tuple(axes)

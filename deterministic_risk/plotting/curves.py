"""Risk curves from theory against simulation bands."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..results import RiskCurve, SimulatedRisk
from ._loglog import placeable, positive_band

#: Horizontal axes of :func:`plot_risk` and their labels.
X_AXES = {"steps": "iterations k", "flops": "flops d·B·k"}


def plot_risk(curves: Sequence[RiskCurve] | RiskCurve = (), *,
              simulations: Sequence[SimulatedRisk] | SimulatedRisk = (),
              labels: Sequence[str] | None = None, x: str = "steps", excess: bool = False,
              band: str = "stderr", ax=None):
    """Draw deterministic risk curves (lines) over simulated means with bands (shaded).

    Parameters
    ----------
    curves : RiskCurve or sequence of RiskCurve
        Deterministic curves, drawn as lines.
    simulations : SimulatedRisk or sequence of SimulatedRisk
        Simulated risks, drawn as markers with a band; the i-th simulation takes the colour
        of the i-th curve.
    labels : sequence of str, optional
        Legend label of each curve.
    x : {"steps", "flops"}
        Horizontal axis: iterations k, or compute d·B·k (d and B from each result's ``info``;
        a result without ``d`` raises).
    excess : bool
        Plot risk − floor instead of the risk.
    band : {"stderr", "quantile"}
        Band of the simulations: mean ± 2 standard errors, or the 10–90 % quantiles over runs.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If a curve or simulation has no point that log–log axes can show (with ``x="flops"``: no
        ``d`` in its ``info``). Points that cannot be placed (non-finite after a divergence, or
        ≤ 0) are left out with a warning; k = 0 is left out quietly.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import deterministic_risk as dr
    >>> c = dr.risk_curve(dr.Spectrum([1.0, 0.1], [0.5, 0.5]), dr.SGD(lr=0.5), [1, 10, 100])
    >>> ax = dr.plotting.plot_risk(c)
    """
    if isinstance(curves, RiskCurve):
        curves = [curves]
    if isinstance(simulations, SimulatedRisk):
        simulations = [simulations]
    curves, simulations = list(curves), list(simulations)
    if x not in X_AXES:
        raise ValueError(f"x must be one of {sorted(X_AXES)}, got {x!r}")
    if band not in ("stderr", "quantile"):
        raise ValueError(f"band must be 'stderr' or 'quantile', got {band!r}")
    if labels is not None and len(labels) != len(curves):
        raise ValueError(f"labels must have one entry per curve ({len(curves)}), got {len(labels)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    def horizontal(obj, what):
        if x == "steps":
            return obj.steps.astype(np.float64)
        try:
            return obj.flops()
        except ValueError as exc:
            raise ValueError(f"x='flops' needs the dimension d of {what}: {exc}") from None

    for i, sim in enumerate(simulations):
        what = f"simulations[{i}]"
        c = colors[i % len(colors)]
        xs = horizontal(sim, what)
        shift = sim.floor if excess else 0.0
        mean = sim.mean - shift
        keep = placeable(xs, mean, what)
        if band == "stderr":
            lo, hi = mean - 2 * sim.stderr, mean + 2 * sim.stderr
        else:
            lo, hi = sim.quantile([0.1, 0.9]) - shift
        lo, hi = positive_band(lo[keep], hi[keep], mean[keep])
        ax.fill_between(xs[keep], lo, hi, color=c, alpha=0.25, linewidth=0)
        ax.plot(xs[keep], mean[keep], ".", color=c, markersize=3)
    for i, curve in enumerate(curves):
        what = f"curves[{i}]"
        c = colors[i % len(colors)]
        xs = horizontal(curve, what)
        y = curve.excess if excess else curve.risk
        keep = placeable(xs, y, what)
        label = labels[i] if labels is not None else None
        ax.plot(xs[keep], y[keep], "-", color=c, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(X_AXES[x])
    ax.set_ylabel("excess risk" if excess else "risk R = ½E[(pred − label)²]")
    if labels is not None:
        ax.legend()
    return ax

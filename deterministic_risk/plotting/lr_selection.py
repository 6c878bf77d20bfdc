"""Step-size selection: risk curves of several step choices on one problem."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt

from ..results import RiskCurve, SimulatedRisk
from ._loglog import placeable, positive_band


def plot_lr_selection(curves: Mapping[str, RiskCurve], *,
                      simulations: Mapping[str, SimulatedRisk] | None = None,
                      excess: bool = True, ax=None):
    """Compare step-size choices: deterministic curves (lines) and simulated runs (markers with a
    ±2 standard-error band), one colour per choice.

    Parameters
    ----------
    curves : mapping of str to RiskCurve
        Deterministic curves (ODE-optimal constant, ODE-optimal WSD peak, greedy, ...).
    simulations : mapping of str to SimulatedRisk, optional
        Simulated choices without a deterministic curve (ALIAS, a grid-tuned constant); a key
        also present in ``curves`` shares its colour.
    excess : bool, default True
        Plot risk − floor.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import deterministic_risk as dr
    >>> spec = dr.Spectrum([1.0, 0.1], [0.5, 0.5], floor=0.01, counts=[20, 20])
    >>> g = dr.studies.greedy_risk_curve(spec, dr.SGD(1.0), [1, 10, 100])
    >>> ax = dr.plotting.plot_lr_selection({"greedy": g.curve})
    """
    simulations = simulations or {}
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    labels = list(curves) + [k for k in simulations if k not in curves]
    for i, label in enumerate(labels):
        c = colors[i % len(colors)]
        curve = curves.get(label)
        if curve is not None:
            k = curve.steps.astype(float)
            y = curve.excess if excess else curve.risk
            keep = placeable(k, y, f"curves[{label!r}]")
            ax.plot(k[keep], y[keep], "-", color=c, label=label)
        sim = simulations.get(label)
        if sim is not None:
            k = sim.steps.astype(float)
            mean = sim.mean - (sim.floor if excess else 0.0)
            ok = placeable(k, mean, f"simulations[{label!r}]")
            lo, hi = positive_band(mean[ok] - 2 * sim.stderr[ok], mean[ok] + 2 * sim.stderr[ok],
                                   mean[ok])
            ax.fill_between(k[ok], lo, hi, color=c, alpha=0.2, linewidth=0)
            ax.plot(k[ok], mean[ok], "o", color=c, markersize=3,
                    label=None if curve is not None else f"{label} (simulated)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("iterations k")
    ax.set_ylabel("excess risk" if excess else "risk")
    ax.legend(fontsize="small")
    return ax


__all__ = ["plot_lr_selection"]

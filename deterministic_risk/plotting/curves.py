"""Risk curves from theory against simulation bands."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..results import RiskCurve, SimulatedRisk


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
        Horizontal axis: iterations k, or compute d·B·k (from each curve's ``info``).
    excess : bool
        Plot risk − floor instead of the risk.
    band : {"stderr", "quantile"}
        Band of the simulations: mean ± 2 standard errors, or the 10–90 % quantiles over runs.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

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
    if x not in ("steps", "flops"):
        raise ValueError(f"x must be 'steps' or 'flops', got {x!r}")
    if band not in ("stderr", "quantile"):
        raise ValueError(f"band must be 'stderr' or 'quantile', got {band!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    def horizontal(obj):
        k = obj.steps.astype(float)
        if x == "steps":
            return k
        info = obj.info
        return float(info.get("d", np.nan)) * float(info.get("batch", 1)) * k

    for i, sim in enumerate(simulations):
        c = colors[i % len(colors)]
        xs = horizontal(sim)
        shift = sim.floor if excess else 0.0
        if band == "stderr":
            lo, hi = sim.mean - 2 * sim.stderr, sim.mean + 2 * sim.stderr
        else:
            lo, hi = sim.quantile([0.1, 0.9])
        keep = xs > 0
        ax.fill_between(xs[keep], (lo - shift)[keep], (hi - shift)[keep], color=c, alpha=0.25,
                        linewidth=0)
        ax.plot(xs[keep], (sim.mean - shift)[keep], ".", color=c, markersize=3)
    for i, curve in enumerate(curves):
        c = colors[i % len(colors)]
        xs = horizontal(curve)
        keep = xs > 0
        y = curve.excess if excess else curve.risk
        label = labels[i] if labels is not None else None
        ax.plot(xs[keep], y[keep], "-", color=c, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("iterations k" if x == "steps" else "flops d·B·k")
    ax.set_ylabel("excess risk" if excess else "risk R = ½E[(pred − label)²]")
    if labels is not None:
        ax.legend()
    return ax

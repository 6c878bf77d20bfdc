"""signSGD risk curves for several label-noise laws over simulation bands."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt

from ..results import RiskCurve, SimulatedRisk
from ._loglog import placeable, positive_band


def plot_noise_laws(curves: Mapping[str, RiskCurve], *,
                    simulations: Mapping[str, SimulatedRisk] | None = None,
                    sgd_curves: Mapping[str, RiskCurve] | None = None,
                    limits: Mapping[str, float] | None = None, band: str = "stderr",
                    ax=None):
    """Draw signSGD ODE excess-risk curves (lines) over simulated means with bands, one colour per
    noise law, with optional SGD curves (dashed) and limiting risks (dotted horizontal lines).

    Parameters
    ----------
    curves : mapping of str to RiskCurve
        signSGD ODE curves keyed by a label for the noise law.
    simulations : mapping of str to SimulatedRisk, optional
        Simulations with the same keys (drawn as markers with a band).
    sgd_curves : mapping of str to RiskCurve, optional
        SGD curves for the finite-variance laws, same keys (drawn dashed).
    limits : mapping of str to float, optional
        Limiting excess risks R∞ (e.g. from ``dr.signsgd.limiting_risk``), same keys.
    band : {"stderr", "quantile"}
        Mean ± 2 standard errors, or the 10–90 % quantiles over runs.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import deterministic_risk as dr
    >>> prob = dr.GaussianLeastSquares([1.0, 0.5], theta_star=[1.0, 1.0],
    ...                                noise=dr.noise.Cauchy(0.1))
    >>> c = dr.risk_curve(prob, dr.SignSGD(0.01), [1, 10, 100])
    >>> ax = dr.plotting.plot_noise_laws({"Cauchy": c})
    """
    if band not in ("stderr", "quantile"):
        raise ValueError(f"band must be 'stderr' or 'quantile', got {band!r}")
    simulations = simulations or {}
    sgd_curves = sgd_curves or {}
    limits = limits or {}
    for name, mapping in (("simulations", simulations), ("sgd_curves", sgd_curves),
                          ("limits", limits)):
        unknown = set(mapping) - set(curves)
        if unknown:
            raise ValueError(f"{name} has keys {sorted(unknown)} that are not in curves")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (label, curve) in enumerate(curves.items()):
        c = colors[i % len(colors)]
        k = curve.steps.astype(float)
        sim = simulations.get(label)
        if sim is not None:
            ks = sim.steps.astype(float)
            mean = sim.mean - sim.floor
            ok = placeable(ks, mean, f"simulations[{label!r}]")
            if band == "stderr":
                lo, hi = mean - 2 * sim.stderr, mean + 2 * sim.stderr
            else:
                lo, hi = sim.quantile([0.1, 0.9]) - sim.floor
            lo, hi = positive_band(lo[ok], hi[ok], mean[ok])
            ax.fill_between(ks[ok], lo, hi, color=c, alpha=0.25, linewidth=0)
            ax.plot(ks[ok], mean[ok], ".", color=c, markersize=3)
        keep = placeable(k, curve.excess, f"curves[{label!r}]")
        ax.plot(k[keep], curve.excess[keep], "-", color=c, label=f"signSGD, {label}")
        sgd = sgd_curves.get(label)
        if sgd is not None:
            kg = sgd.steps.astype(float)
            kept = placeable(kg, sgd.excess, f"sgd_curves[{label!r}]")
            ax.plot(kg[kept], sgd.excess[kept], "--", color=c, label=f"SGD, {label}")
        if label in limits:
            ax.axhline(limits[label], color=c, linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("iterations k")
    ax.set_ylabel("excess risk R")
    ax.legend(fontsize="small")
    return ax


__all__ = ["plot_noise_laws"]

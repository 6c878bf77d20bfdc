"""Regenerate the figures of docs/clipping_adam.md and docs/lr_selection.md.

Run from the repository root:  PYTHONPATH=. python docs/generate_clipping_figures.py

Saves docs/figures/clipping_adam.png and docs/figures/lr_selection.png and prints the numbers
quoted in the two pages (about two minutes on one core).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import deterministic_risk as dr  # noqa: E402
from deterministic_risk import noise as N  # noqa: E402
from deterministic_risk.schedules import WSD  # noqa: E402

FIGURES = Path(__file__).resolve().parent / "figures"




def clipping_adam_figure() -> None:
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.4))
    # (a) clipped SGD: ODE against 32 runs, d = 500, ‖K‖ = 7.2, η = 1, ĉ = 0.3
    d = 500
    lam = np.linspace(0.8, 7.2, d)
    theta = np.random.default_rng(0).standard_normal(d) / math.sqrt(d)
    trace = lam.sum()
    steps = np.unique(np.geomspace(10, 8 * trace, 25).astype(int))
    curves, sims, labels = [], [], []
    for law, name in ((N.Gaussian(0.5), "Gaussian 0.5"), (N.Cauchy(0.5), "Cauchy 0.5")):
        prob = dr.GaussianLeastSquares(lam, theta, noise=law)
        opt = dr.ClippedSGD(1.0 / trace, threshold=0.3 * math.sqrt(trace))
        curves.append(dr.risk_curve(prob, opt, steps))
        sims.append(dr.simulate(prob, opt, steps, n_runs=32, seed=1))
        labels.append(f"clipped SGD, ĉ = 0.3, {name}")
        dev = (sims[-1].mean - sims[-1].floor) / curves[-1].excess - 1
        print(f"clipped {name}: max |sim/ODE - 1| for k >= tr K/4: "
              f"{np.max(np.abs(dev[steps >= trace / 4])):.3f}")
    gauss = dr.GaussianLeastSquares(lam, theta, noise=N.Gaussian(0.5))
    curves.append(dr.risk_curve(gauss, dr.SGD(1.0 / trace), steps))
    labels.append("SGD (no clipping), Gaussian 0.5")
    dr.plotting.plot_risk(curves, simulations=sims, labels=labels, excess=True, ax=axes[0])
    axes[0].set_title("(a) clipped SGD: ODE (lines) vs 32 runs")
    axes[0].legend(fontsize="x-small")
    # (b) the clipping-comparison criterion, Student-t(3) of unit scale
    law = N.StudentT(3.0, 1.0)
    R = np.geomspace(1e-3, 10, 40)
    chat = np.geomspace(1e-2, 1e2, 60)
    ccc = dr.optimizers.clipped.clipping_criterion(R[:, None], chat[None, :], law)
    best = np.array([dr.optimizers.clipped.best_scaled_threshold(r, law)[0] for r in R])
    dr.plotting.plot_clipping_criterion(R, chat, ccc, best=(R, best), ax=axes[1])
    axes[1].set_title("(b) CCC, Student-t(3) noise (>1: clipping helps)")
    print("Gaussian max CCC on the grid:",
          float(dr.optimizers.clipped.clipping_criterion(R[:, None], chat[None, :], N.Gaussian(0.5)).max()))
    # (c) Adam candidate ODE against 16 runs, d = 400, c = 1
    d = 400
    K = dr.problems.rotated_covariance(np.random.default_rng(5).uniform(0.1, 2.0, d), seed=0,
                              diag_spread=0.7)
    theta = np.random.default_rng(1).standard_normal(d) / math.sqrt(d)
    prob = dr.GaussianLeastSquares(K, theta, noise=N.Gaussian(0.5))
    steps = np.unique(np.geomspace(10, 12 * d, 25).astype(int))
    curves, sims, labels = [], [], []
    for beta1 in (0.0, 0.9):
        opt = dr.Adam(0.5 / d, beta1=beta1, beta2=1 - 1 / d)
        curves.append(dr.risk_curve(prob, opt, steps))
        sims.append(dr.simulate(prob, opt, steps, n_runs=16, seed=2))
        labels.append(f"Adam β1 = {beta1}, β2 = 1 − 1/d")
        dev = (sims[-1].mean - sims[-1].floor) / curves[-1].excess - 1
        print(f"Adam beta1={beta1}: max |sim/ODE - 1| for k >= d/4: "
              f"{np.max(np.abs(dev[steps >= d / 4])):.3f}, for k < d/4: "
              f"{np.max(np.abs(dev[steps < d / 4])):.3f}")
    dr.plotting.plot_risk(curves, simulations=sims, labels=labels, excess=True, ax=axes[2])
    axes[2].axhline(dr.optimizers.adam.adam_limiting_risk(prob, 0.5 / d), color="k", linestyle=":",
                    linewidth=1, label="candidate fixed point")
    axes[2].set_title("(c) Adam: candidate ODE (conjecture) vs 16 runs")
    axes[2].legend(fontsize="x-small")
    fig.tight_layout()
    fig.savefig(FIGURES / "clipping_adam.png", dpi=110)
    plt.close(fig)


def _grid_tuned(prob, make, T, lrs, steps, n_runs=8):
    """The best constant step of a grid, judged by the simulated mean at T (a practitioner's
    tuning), with its simulation."""
    best = None
    for lr in lrs:
        sim = dr.simulate(prob, make(lr), steps, n_runs=n_runs, seed=3)
        if best is None or sim.mean[-1] < best[1].mean[-1]:
            best = (lr, sim)
    return best


def lr_selection_figure() -> None:
    d = 200
    K = dr.problems.rotated_covariance(np.arange(1, d + 1) ** -1.0, seed=0, diag_spread=0.5)
    theta = np.random.default_rng(1).standard_normal(d)
    prob = dr.GaussianLeastSquares(K, theta, noise=N.Gaussian(0.5))
    T = 20 * d
    steps = np.unique(np.concatenate([[0], np.geomspace(1, T, 40).astype(int)]))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    for ax, name, make in ((axes[0], "sgd", dr.SGD), (axes[1], "signsgd", dr.SignSGD)):
        const = dr.optimal_lr(prob, make, T, steps=steps)
        wsd = dr.optimal_lr(prob, lambda p, make=make: make(WSD(p, T)), T, steps=steps)
        greedy = dr.studies.greedy_risk_curve(prob, make(1.0), steps)
        lrs = const.lr * np.geomspace(0.1, 10, 9)
        if name == "sgd":
            lrs = lrs[lrs < dr.max_stable_lr(prob.spectrum())]
        tuned_lr, tuned = _grid_tuned(prob, make, T, lrs, steps)
        curves = {f"ODE-optimal constant γ = {const.lr:.3g}": const.curve,
                  f"ODE-optimal WSD peak {wsd.lr:.3g}": wsd.curve,
                  "greedy γ*(k)": greedy.curve}
        simulations = {f"grid-tuned constant γ = {tuned_lr:.3g}": tuned}
        print(f"{name}: final excess  ODE-const {const.curve.excess[-1]:.4g} "
              f"({const.n_evaluations} curves)  ODE-WSD {wsd.curve.excess[-1]:.4g}  "
              f"greedy {greedy.curve.excess[-1]:.4g}  grid-tuned (sim) "
              f"{tuned.mean[-1] - tuned.floor:.4g} ± {tuned.stderr[-1]:.2g} at {tuned_lr:.3g}")
        if name == "signsgd":
            R0 = const.curve.risk[0]
            for label, opt in ((f"ALIAS option 2, G = 20, γmax = {10 * const.lr:.2g}",
                                dr.ALIAS(10 * const.lr, gap=R0, refresh=20)),
                               ("ALIAS option 1, G = 20", dr.ALIAS(10 * const.lr, refresh=20)),
                               ("ALIAS option 2, G = 1", dr.ALIAS(10 * const.lr, gap=R0))):
                sim = dr.simulate(prob, opt, steps, n_runs=8, seed=3)
                simulations[label] = sim
                print(f"  {label}: final excess {sim.mean[-1] - sim.floor:.4g} "
                      f"± {sim.stderr[-1]:.2g}")
        dr.plotting.plot_lr_selection(curves, simulations=simulations, ax=ax)
        ax.set_title(f"({'a' if name == 'sgd' else 'b'}) {name}, d = {d}, budget T = {T}")
    fig.tight_layout()
    fig.savefig(FIGURES / "lr_selection.png", dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    FIGURES.mkdir(exist_ok=True)
    clipping_adam_figure()
    lr_selection_figure()

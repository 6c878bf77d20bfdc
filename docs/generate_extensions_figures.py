"""Generate the figures of docs/extensions.md and print the numbers quoted there.

Run from the repository root:  python -m docs.generate_extensions_figures [--fast]
Writes docs/figures/extensions_sde.png and docs/figures/extensions_monomial.png.
Runtime: about 3 minutes on an idle core (--fast: under a minute, fewer paths, smaller d).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import deterministic_risk as dr  # noqa: E402
from deterministic_risk import sde  # noqa: E402
from deterministic_risk.plotting import plot_eigenvalue_decay, plot_sde_losses  # noqa: E402

FIGURES = Path(__file__).resolve().parent / "figures"


def sde_figure(fast: bool) -> None:
    d, lr = 20, 1e-3
    h = np.linspace(0.5, 2.0, d)
    n = 100 if fast else 400
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))

    # (a) trajectories: SDE against the real optimizer, with the predicted floors
    steps = np.unique(np.geomspace(1, 40_000, 60).astype(int))
    runs, labels, floors = [], [], []
    for name, prob, method in [
            ("SignSGD", sde.NoisyQuadratic(h, 1.0), sde.SignSGDModel(lr)),
            ("AdamW (ω=1)", sde.NoisyQuadratic(h, 1.0), sde.AdamWModel(lr, weight_decay=1.0))]:
        runs.append(sde.simulate_sde(prob, method, steps, n_paths=n, seed=1))
        runs.append(sde.run_optimizer(prob, method, steps, n_runs=n, seed=2))
        labels += [f"{name} SDE", f"{name} optimizer"]
        floors.append(sde.stationary_loss(prob, method))
    plot_sde_losses(runs, labels=labels, stationary=floors, lr=lr, ax=ax1)
    ax1.set_title(f"(a) mean excess loss, {n} paths, d = {d}, σ = 1, η = {lr:g}")

    # (b) stationary loss against the noise scale: formulas (lines), real optimizers (markers)
    sigmas = np.geomspace(0.25, 8, 40)
    measured_sigmas = [0.5, 1.0, 2.0, 4.0]
    cases = [
        ("SGD", lambda s: sde.NoisyQuadratic(h, s), sde.SGDModel(lr)),
        ("SignSGD", lambda s: sde.NoisyQuadratic(h, s), sde.SignSGDModel(lr)),
        ("SignSGD, Cauchy noise", lambda s: sde.NoisyQuadratic(h, s, noise=N.StudentT(1.0, 1.0)),
         sde.SignSGDModel(lr)),
        ("AdamW (ω = 1)", lambda s: sde.NoisyQuadratic(h, s), sde.AdamWModel(lr, weight_decay=1.0)),
    ]
    print("stationary loss, real optimizer vs formula "
          f"({n // 2} runs, iterations 20000-60000 averaged, x0 = 0):")
    for name, make, method in cases:
        line, = ax2.loglog(sigmas, [sde.stationary_loss(make(s), method) for s in sigmas],
                           label=name)
        vals = []
        for s in measured_sigmas:
            res = sde.run_optimizer(make(s), method, [60_000], n_runs=n // 2, seed=3,
                                    x0=np.zeros(d), average_from=20_000)
            pred = sde.stationary_loss(make(s), method)
            vals.append(res.stationary_mean)
            print(f"  {name:24s} sigma={s:4g}: measured {res.stationary_mean:.4e} "
                  f"± {res.stationary_stderr:.1e}, formula {pred:.4e}, "
                  f"rel. error {res.stationary_mean / pred - 1:+.2%}")
        ax2.loglog(measured_sigmas, vals, "o", color=line.get_color(), ms=5)
    ax2.axhline(lr * h.sum() / 4, color="gray", ls=":", lw=1,
                label=r"AdamW bound $\eta\,\mathrm{tr}H/(4\omega)$")
    ax2.set_xticks(measured_sigmas, [f"{s:g}" for s in measured_sigmas])
    ax2.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax2.set_xlabel(r"noise scale $\sigma$")
    ax2.set_ylabel("stationary excess loss")
    ax2.set_title("(b) stationary loss: formula (line) vs real optimizer (dots)")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(FIGURES / "extensions_sde.png", dpi=120)
    plt.close(fig)


def monomial_figure(fast: bool) -> None:
    alpha, d = 1.5, (400 if fast else 1000)
    v = 4 * d
    window = (10, 200) if not fast else (10, 80)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    print(f"monomial features, alpha = {alpha}, d = {d}, v = {v}, centred, window {window}:")
    curves = []
    for p in (1, 2, 3):
        rf = dr.monomial_features.MonomialRF.power_law(alpha, 0.25, d, p, v=v, centered=True)
        lam = rf.eigenvalues()
        # p = 3 is not in the asymptotic regime at this d (docs/extensions.md, 'Exact covariance'):
        # draw the law with the true α instead of a fit
        plot_eigenvalue_decay(lam, p, alpha, fit_window=window if p < 3 else None,
                              plain_power_law=(p == 2), ax=ax1)
        fit = dr.monomial_features.fit_log_corrected_power_law(lam, p, window)
        plain = dr.monomial_features.fit_log_corrected_power_law(lam, 1, window)
        j = np.arange(window[0], window[1] + 1)
        ratio = lam[j - 1] / dr.monomial_features.log_corrected_power_law(j, alpha, p)
        print(f"  p={p}: log-corrected alpha_hat = {fit.alpha:.3f}, plain power-law alpha_hat = "
              f"{plain.alpha:.3f}, ratio band max/min = {ratio.max() / ratio.min():.2f}")
        spec = rf.spectrum()
        lr = 0.5 * dr.max_stable_lr(spec)
        steps = np.unique(np.geomspace(1, 1e6, 120).astype(int))
        curves.append((p, dr.risk_curve(spec, dr.SGD(lr), steps)))
    ax1.set_title(rf"(a) spectrum of the centred feature covariance, $\alpha$ = {alpha}, d = {d}")
    for p, curve in curves:
        ax2.loglog(curve.steps, curve.excess, label=f"p = {p}")
    ax2.set_xlabel("iteration k")
    ax2.set_ylabel("excess risk (Gaussian-equivalent SGD)")
    ax2.set_title(r"(b) SGD on $(W^\top x)^p$ features, target $(b^\top x)^p$, $b_j = j^{-1/4}$")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(FIGURES / "extensions_monomial.png", dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="fewer paths and a smaller d")
    parser.add_argument("--which", choices=["all", "sde", "monomial"], default="all")
    args = parser.parse_args()
    FIGURES.mkdir(exist_ok=True)
    if args.which in ("all", "sde"):
        sde_figure(args.fast)
    if args.which in ("all", "monomial"):
        monomial_figure(args.fast)


if __name__ == "__main__":
    main()

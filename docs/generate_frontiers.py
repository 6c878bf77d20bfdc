"""Regenerate the measured tables and the figures of docs/frontiers.md.

Run from the repository root (takes ~15–30 min on 2 busy cores; the frontiers are kept in
``--cache`` so that a second run only redraws):

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python docs/generate_frontiers.py --cache /tmp/frontiers

Rewrites the blocks between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``
in docs/frontiers.md and saves the PNGs under docs/figures/. The 10 × 10 sweep is read from the
cache written by ``benchmarks/bench_compute_optimal.py --part sweep --cache DIR`` when present.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import deterministic_risk as dr  # noqa: E402

HERE = Path(__file__).resolve().parent
PAGE = HERE / "frontiers.md"
FIGURES = HERE / "figures"

BIG_D = np.unique(np.geomspace(100, 1e6, 17).astype(np.int64))
BIG_FLOPS = np.geomspace(1e4, 1e13, 91)


def _ci(ci) -> str:
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def _win(w) -> str:
    return f"10^{np.log10(w[0]):.0f}–10^{np.log10(w[1]):.0f}"


def _row(c: dr.studies.ExponentComparison, label: str = "") -> str:
    env = c.frontier.fits["envelope"]
    return (f"| {label or c.phase} | ({c.frontier.alpha:g}, {c.frontier.beta:g}) | "
            f"{c.xi_theory:.4f} | {c.xi:.4f} {_ci(c.fit.xi_ci)} | {c.xi_error:+.4f} | "
            f"{c.eta_theory:.4f} | {c.eta:.4f} {_ci(c.fit.eta_ci)} | {c.eta_error:+.4f} | "
            f"{env.xi:.3f} / {env.eta:.3f} | {_win(c.fit.window)} ({c.fit.n_budgets}) |")


HEADER = ("| phase | (α, β) | ξ theory | ξ IsoFLOP [95 % CI] | Δξ | η theory | η IsoFLOP [95 % CI] "
          "| Δη | envelope ξ / η | window (budgets) |\n|---|---|---|---|---|---|---|---|---|---|")


def _windows_table(c: dr.studies.ExponentComparison) -> str:
    lines = ["| window (flops) | budgets | ξ [95 % CI] | η [95 % CI] |", "|---|---|---|---|"]
    for w in c.windows:
        lines.append(f"| {_win(w.window)} | {w.n_budgets} | {w.xi:.4f} {_ci(w.xi_ci)} | "
                     f"{w.eta:.4f} {_ci(w.eta_ci)} |")
    return "\n".join(lines)


def _frontier(cache: Path, name: str, compute) -> dr.Frontier:
    path = cache / f"{name}.npz"
    if path.exists():
        return dr.Frontier.from_npz(path)
    fr = compute()
    fr.to_npz(path)
    return fr


def phase_points(cache: Path) -> str:
    rows = [HEADER.replace("| window (budgets) |", "| window (budgets) | model sizes |")
            .replace("|---|---|---|---|---|---|---|---|---|---|",
                     "|---|---|---|---|---|---|---|---|---|---|---|")]
    for p in dr.studies.reproduce.SGD_PHASE_POINTS:
        fr = _frontier(cache, f"phase-{p.phase}", lambda: dr.studies.phase_points_experiment(
            [p], cache_dir=cache / "spectra", progress=True)[0].frontier)
        d = p.d_values
        rows.append(_row(dr.studies.measured_vs_theory(fr)) + f" {d[0]}–{d[-1]} ({len(d)}) |")
    return "\n".join(rows) + "\n"


def boundary(cache: Path) -> str:
    small = dr.studies.measured_vs_theory(_frontier(cache, "boundary", lambda: dr.compute_optimal(
        0.7, 0.7, "sgd", dr.studies.reproduce.DEFAULT_D_VALUES, dr.studies.reproduce.DEFAULT_FLOPS,
        fit_window=dr.studies.reproduce.DEFAULT_WINDOW, cache_dir=cache / "spectra", progress=True)))
    big = dr.studies.measured_vs_theory(_frontier(cache, "boundary-big", lambda: dr.compute_optimal(
        0.7, 0.7, "sgd", BIG_D, BIG_FLOPS, fit_window=(1e9, 1e11), cache_dir=cache / "spectra",
        progress=True)))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    dr.plotting.plot_frontier(small.frontier, eta_theory=small.eta_theory, ax=axes[0])
    dr.plotting.plot_compute_optimal([small.frontier], quantity="d", ax=axes[1])
    axes[1].set_title("d*(f), α = β = 0.7")
    fig.savefig(FIGURES / "frontier_boundary.png", dpi=110)
    plt.close(fig)
    return "\n".join([
        HEADER,
        _row(small, "II/III, d ≤ 10⁵ (`phase_boundary_experiment()`)"),
        _row(big, "II/III, d ≤ 10⁶"), "",
        "Sliding two-decade windows, d ≤ 10⁶ (`windowed_exponents`):", "",
        _windows_table(big)]) + "\n"


def alpha_slice(cache: Path) -> str:
    comps = dr.studies.alpha_slice(0.7, backend="serial", cache_dir=cache / "slice", progress=True)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), constrained_layout=True)
    betas = np.array([c.frontier.beta for c in comps])
    bb = np.linspace(betas.min(), betas.max(), 400)
    ph = dr.asymptotics.exponent_grid("sgd", np.full(bb.shape, 0.7 + 1e-9), bb)
    for ax, q, th in [(axes[0], "xi", ph[0]), (axes[1], "eta", ph[1])]:
        ax.plot(bb, th, "k-", lw=1, label="symbolic")
        val = np.array([getattr(c, q) for c in comps])
        ci = np.array([getattr(c.fit, q + "_ci") for c in comps])
        ax.errorbar(betas, val, yerr=[val - ci[:, 0], ci[:, 1] - val], fmt="o", ms=4,
                    label="measured (IsoFLOP, 95 % CI)")
        for x in (0.5, 0.7):
            ax.axvline(x, color="grey", ls=":", lw=0.8)
        ax.set_xlabel("β (α = 0.7)")
        ax.set_ylabel("ξ" if q == "xi" else "η")
        ax.legend(fontsize=8)
    axes[0].set_title("Ia | II | III")
    fig.savefig(FIGURES / "frontier_slice.png", dpi=110)
    plt.close(fig)
    return "\n".join([HEADER] + [_row(c) for c in comps]) + "\n"


def optimizers(cache: Path) -> str:
    a, b, diff = dr.studies.steeper_point()
    try:
        res = dr.studies.optimizer_comparison(a, b, cache_dir=cache / "spectra", progress=True)
    except NotImplementedError as exc:
        sgd = dr.studies.measured_vs_theory(dr.compute_optimal(
            a, b, "sgd", dr.studies.reproduce.DEFAULT_D_VALUES, dr.studies.reproduce.DEFAULT_FLOPS,
            fit_window=dr.studies.reproduce.DEFAULT_WINDOW, cache_dir=cache / "spectra"))
        sign = dr.asymptotics.phase_of(a, b, "signsgd")
        return "\n".join([
            f"Point chosen by `steeper_point()`: (α, β) = ({a:g}, {b:g}), symbolic "
            f"η(signSGD) − η(SGD) = {diff:.4f} (signSGD {sign.name}: ξ = {sign.xi:.4f}, "
            f"η = {sign.eta:.4f}).", "",
            f"**Not run:** {exc}", "", HEADER, _row(sgd, "SGD " + sgd.phase)]) + "\n"
    fig, ax = plt.subplots(figsize=(6, 4.5))
    dr.plotting.plot_compute_optimal([c.frontier for c in res.values()], ax=ax)
    fig.savefig(FIGURES / "frontier_optimizers.png", dpi=110)
    plt.close(fig)
    return "\n".join([HEADER] + [_row(c, f"{k} {c.phase}") for k, c in res.items()]) + "\n"


def sweep_map(cache: Path) -> str:
    files = sorted((cache / "sweep").glob("*.npz"))
    if not files:
        return "(run `benchmarks/bench_compute_optimal.py --part sweep --cache DIR` first)\n"
    frs = [dr.Frontier.from_npz(p) for p in files]
    axes = dr.plotting.plot_exponents_vs_theory(frs)
    axes[0, 0].figure.savefig(FIGURES / "frontier_exponent_maps.png", dpi=100)
    plt.close(axes[0, 0].figure)
    err_eta = np.array([abs(dr.studies.measured_vs_theory(f, windows=False).eta_error) for f in frs])
    err_xi = np.array([abs(dr.studies.measured_vs_theory(f, windows=False).xi_error) for f in frs])
    ok = np.isfinite(err_eta) & np.isfinite(err_xi)
    hi = np.array([f.alpha > 0.5 for f in frs])
    return (f"{len(frs)} points; median |Δη| = {np.median(err_eta[ok]):.3f}, median |Δξ| = "
            f"{np.median(err_xi[ok]):.3f}; for α > ½: median |Δη| = "
            f"{np.median(err_eta[ok & hi]):.3f}, |Δξ| = {np.median(err_xi[ok & hi]):.3f}; "
            f"for α < ½: |Δη| = {np.median(err_eta[ok & ~hi]):.3f}, "
            f"|Δξ| = {np.median(err_xi[ok & ~hi]):.3f} (fits over all interior budgets).\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    FIGURES.mkdir(exist_ok=True)
    blocks = {"phase-points": phase_points, "boundary": boundary, "slice": alpha_slice,
              "optimizers": optimizers, "sweep": sweep_map}
    text = PAGE.read_text()
    for name, fn in blocks.items():
        if args.only is not None and name not in args.only:
            continue
        body = fn(args.cache)
        print(f"== {name}\n{body}", flush=True)
        pattern = re.compile(rf"(<!-- BEGIN GENERATED: {re.escape(name)} -->\n).*?"
                             rf"(<!-- END GENERATED: {re.escape(name)} -->)", re.S)
        text = pattern.sub(lambda m: m.group(1) + body + m.group(2), text)
    PAGE.write_text(text)


if __name__ == "__main__":
    main()

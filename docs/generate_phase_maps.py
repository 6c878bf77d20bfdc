"""Draw the measured 20 × 20 phase maps of docs/frontiers.md and paste their numbers.

The maps are computed (and timed) by the benchmark, which saves them:

    python benchmarks/bench_phase_map.py --part map --optimizer sgd --save /tmp/sgd_map.npz
    python benchmarks/bench_phase_map.py --part map --optimizer signsgd --save /tmp/signsgd_map.npz
    python benchmarks/bench_phase_map.py --part shared --save /tmp/shared.json
    PYTHONPATH=. python docs/generate_phase_maps.py --sgd /tmp/sgd_map.npz \\
        --signsgd /tmp/signsgd_map.npz --shared /tmp/shared.json

Rewrites the blocks between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``
(``phase-map-shared``, ``phase-map-sgd``, ``phase-map-signsgd``, ``phase-map-comparison``) in
docs/frontiers.md and saves the figures under docs/figures/.
"""

from __future__ import annotations

import argparse
import json
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


def summary(pm: dr.PhaseMap, figure: str) -> str:
    info = pm.info
    share, misses = pm.accuracy()
    inside = pm.interior()
    err = np.abs(pm.eta - pm.eta_theory)
    failed = int((inside & ~np.isfinite(pm.eta)).sum())
    lines = [
        f"**{pm.optimizer}**, {pm.alphas.size} × {pm.betas.size} grid (α = {pm.alphas[0]:.2f}…"
        f"{pm.alphas[-1]:.2f}, β = {pm.betas[0]:.2f}…{pm.betas[-1]:.2f}), "
        f"{int(pm.admissible.sum())} admissible points, {pm.d_values.size} sizes "
        f"d = {pm.d_values[0]:.0f}…{pm.d_values[-1]:.0f}, budgets {pm.flops[0]:.0e}…"
        f"{pm.flops[-1]:.0e}, step rule `{info['lr']}`"
        + (f", `curve_options={info['curve_options']}`, solver `{info['solver']}`"
           if info["solver"] != "None" or info["curve_options"] != "()" else "") + ".",
        "",
        f"* time: **{info['total_seconds']:.0f} s** cold on {info['workers']} worker processes "
        f"({info['columns']} (α, d) columns, {info['solves']} solves, "
        f"{info['column_seconds']:.0f} s of worker time); {info['load_before']} before, "
        f"{info['load_after']} after; CPU time {info['cpu_workers']:.0f} s in the workers and "
        f"{info['cpu_self']:.0f} s in the calling process (symbolic exponents, boundary "
        f"distances, fits), i.e. about **{info['cpu_workers'] / info['workers'] + info['cpu_self']:.0f}"
        f" s** on an idle {info['workers']}-core machine.",
        f"* accuracy: {int(inside.sum())} interior points (farther than 0.05 from a symbolic "
        f"phase boundary); |η − η_symbolic| ≤ 0.03 at **{share:.1%}** of them "
        f"(median {np.nanmedian(err[inside]):.4f}, {failed} fits without 3 budgets in the "
        f"window).",
    ]
    edge, total = pm.fitted_steps_at_edge()
    if total:
        lines.append(f"* step grid: {edge} of the {total} (point, budget, size) cells that enter "
                     f"the fits have their best step at an end of the grid.")
    lines += [
        "",
        f"![{pm.optimizer} phase map](figures/{figure})",
        "",
    ]
    if misses.any():
        lines += ["Interior points outside the tolerance:", "",
                  "| α | β | phase | η measured [95 % CI] | η symbolic | Δη | distance to a "
                  "boundary | budgets in the fit |", "|---|---|---|---|---|---|---|---|"]
        for i, j in zip(*np.nonzero(misses)):
            ci = pm.eta_ci[i, j]
            lines.append(f"| {pm.alphas[i]:.3f} | {pm.betas[j]:.3f} | {pm.phases[i, j]} | "
                         f"{pm.eta[i, j]:.4f} [{ci[0]:.3f}, {ci[1]:.3f}] | "
                         f"{pm.eta_theory[i, j]:.4f} | {pm.eta[i, j] - pm.eta_theory[i, j]:+.4f} | "
                         f"{pm.boundary_distance[i, j]:.3f} | {pm.n_budgets[i, j]} |")
        lines.append("")
    return "\n".join(lines)


def comparison(sgd: dr.PhaseMap, sign: dr.PhaseMap) -> str:
    both = sgd.interior() & sign.interior()
    measured = sign.eta - sgd.eta
    symbolic = sign.eta_theory - sgd.eta_theory
    agree = both & (np.sign(np.round(measured, 2)) == np.sign(np.round(symbolic, 2)))
    return (f"At the {int(both.sum())} points interior for both optimizers the measured "
            f"η(signSGD) − η(SGD) has the sign of the symbolic difference (rounded to 0.01) at "
            f"{int(agree.sum())}; median |measured − symbolic difference| = "
            f"{np.nanmedian(np.abs(measured - symbolic)[both]):.4f}.\n\n"
            f"![signSGD − SGD](figures/phase_map_signsgd_minus_sgd.png)\n")


def shared(rows: list[dict]) -> str:
    lines = ["| column (α, d), targets, DE nodes | DE spectra: per β → shared | SGD curves: one "
             "solve per β → one matrix solve | signSGD mode inputs: per β → shared | one signSGD "
             "curve (not shared) | load |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| ({r['alpha']}, {r['d']}), {r['targets']}, {r['nodes']} | "
            f"{r['separate_spectra']:.1f} s → {r['shared_spectra']:.1f} s "
            f"(**{r['separate_spectra'] / r['shared_spectra']:.1f}×**) | "
            f"{r['separate_solves']:.1f} s → {r['shared_solves']:.1f} s "
            f"(**{r['separate_solves'] / r['shared_solves']:.1f}×**) | "
            f"{r['separate_modes']:.1f} s → {r['shared_modes']:.1f} s "
            f"(**{r['separate_modes'] / r['shared_modes']:.1f}×**) | {r['signsgd_curve']:.2f} s | "
            f"{r['load']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sgd", type=Path, required=True)
    parser.add_argument("--signsgd", type=Path, default=None)
    parser.add_argument("--shared", type=Path, default=None,
                        help="timings written by bench_phase_map.py --part shared --save")
    args = parser.parse_args()
    FIGURES.mkdir(exist_ok=True)
    maps = {"sgd": dr.PhaseMap.from_npz(args.sgd)}
    if args.signsgd is not None:
        maps["signsgd"] = dr.PhaseMap.from_npz(args.signsgd)
    blocks = {}
    if args.shared is not None:
        blocks["phase-map-shared"] = shared(json.loads(args.shared.read_text()))
    for name, pm in maps.items():
        figure = f"phase_map_{name}.png"
        axes = dr.plotting.plot_phase_map(pm)
        axes.flat[0].figure.savefig(FIGURES / figure, dpi=110)
        plt.close(axes.flat[0].figure)
        blocks[f"phase-map-{name}"] = summary(pm, figure)
    if "signsgd" in maps:
        axes = dr.plotting.plot_phase_map_comparison(maps["signsgd"], maps["sgd"])
        axes.flat[0].figure.savefig(FIGURES / "phase_map_signsgd_minus_sgd.png", dpi=110)
        plt.close(axes.flat[0].figure)
        blocks["phase-map-comparison"] = comparison(maps["sgd"], maps["signsgd"])
    text = PAGE.read_text()
    for name, body in blocks.items():
        print(f"== {name}\n{body}", flush=True)
        pattern = re.compile(rf"(<!-- BEGIN GENERATED: {re.escape(name)} -->\n).*?"
                             rf"(<!-- END GENERATED: {re.escape(name)} -->)", re.S)
        text = pattern.sub(lambda m: m.group(1) + body + m.group(2), text)
    PAGE.write_text(text)


if __name__ == "__main__":
    main()

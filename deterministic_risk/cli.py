"""Command line: ``deterministic-risk`` (also ``python -m deterministic_risk``)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__


def _demo(args: argparse.Namespace) -> int:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import deterministic_risk as dr
    from deterministic_risk.plotting import plot_risk

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    lines = [f"deterministic_risk {__version__} demo", ""]

    # 1. exact SGD risk against the mean of real SGD runs, PLRF(α = 1, β = 0.7)
    alpha, beta = args.alpha, args.beta
    sim_steps = np.unique(np.geomspace(1, args.steps, 40).astype(np.int64))
    curves, sims, labels = [], [], []
    for d in (100, 400):
        prob = dr.PLRF(alpha, beta, d=d)
        spec = prob.spectrum(method="sampled", seed=0)
        opt = dr.SGD(0.5 * dr.max_stable_lr(spec), batch=args.batch)
        curve_steps = np.unique(np.geomspace(1, 100 * args.steps, 200).astype(np.int64))
        curves.append(dr.risk_curve(spec, opt, curve_steps, method="ode"))
        sim = dr.simulate(prob, opt, sim_steps, n_runs=args.runs, seed=1)
        sims.append(sim)
        theory = curves[-1](sim_steps)
        se = np.where(sim.stderr > 0, sim.stderr, np.inf)
        z = np.abs(sim.mean - theory) / se
        late = sim_steps >= 100  # early single runs are heavy-tailed: % only from k = 100 on
        rel = np.abs(sim.mean / theory - 1)[late]
        labels.append(f"d = {d}")
        lines.append(f"PLRF alpha={alpha} beta={beta} d={d} batch={args.batch} lr={opt.lr.max_lr:.4g}: "
                     f"theory vs mean of {args.runs} runs: max |dev| = {z.max():.2f} standard "
                     f"errors; {100 * rel.max():.2f} % for k >= 100")
    ax = plot_risk(curves, simulations=sims, labels=labels)
    ax.set_title(f"SGD on PLRF (α={alpha}, β={beta}): theory (lines) vs simulation (bands)")
    ax.figure.savefig(out / "sgd_theory_vs_simulation.png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)

    # 2. loss against compute for several model sizes, with the lower envelope
    fig, ax = plt.subplots(figsize=(6, 4))
    flops = np.geomspace(1e3, 1e9, 200)
    envelope = np.full(flops.size, np.inf)
    for d in (50, 100, 200, 400, 800):
        spec = dr.PLRF(alpha, beta, d=d).spectrum(method="sampled", seed=0)
        opt = dr.SGD(0.5 * dr.max_stable_lr(spec))
        steps = np.unique(np.maximum(1, flops / d).astype(np.int64))
        curve = dr.risk_curve(spec, opt, steps, method="ode")
        ax.plot(curve.flops(d), curve.risk, label=f"d = {d}")
        inside = (flops >= d) & (flops <= d * steps[-1])
        envelope[inside] = np.minimum(envelope[inside], curve(flops[inside] / d))
    ax.plot(flops, envelope, "k--", label="compute-optimal envelope")
    ax.set(xscale="log", yscale="log", xlabel="flops f = d·B·k", ylabel="risk",
           title="SGD on PLRF: loss against compute")
    ax.legend(fontsize=8)
    fig.savefig(out / "sgd_loss_vs_flops.png", dpi=120, bbox_inches="tight")
    plt.close(fig)

    lines += ["", f"figures: {out / 'sgd_theory_vs_simulation.png'}, {out / 'sgd_loss_vs_flops.png'}",
              f"elapsed: {time.perf_counter() - t0:.1f} s"]
    (out / "summary.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deterministic-risk",
        description="Exact high-dimensional risk curves of SGD-type optimizers.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="a short tour: writes figures and a summary into --out")
    demo.add_argument("--out", default="deterministic_risk_demo", help="output folder")
    demo.add_argument("--alpha", type=float, default=1.0, help="data decay α (default 1.0)")
    demo.add_argument("--beta", type=float, default=0.7, help="target decay β (default 0.7)")
    demo.add_argument("--batch", type=int, default=1, help="batch size B (default 1)")
    demo.add_argument("--steps", type=int, default=10_000, help="simulated steps (default 1e4)")
    demo.add_argument("--runs", type=int, default=64, help="simulated runs (default 64)")
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (ValueError, TypeError) as exc:
        print(f"deterministic-risk: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Command line: ``deterministic-risk`` (also ``python -m deterministic_risk``).

Every flag maps to a library argument; compute code lives in the library, this module only
parses, calls, writes and plots. Bad arguments give one line on standard error and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import deterministic_risk as dr

from . import __version__, schedules
from .solvers import LSODA, ExactRecursion, ExponentialFeedback, LogTimeBlocks
from .studies.registry import OPTIMIZERS, optimizer_named

SCHEDULES = ("constant", "wsd", "cosine", "powerlaw", "stepdecay")
#: ``--solver`` names (``default``: the optimizer's own choice).
SOLVERS = {"default": None, "exact-recursion": ExactRecursion(), "log-time-blocks": LogTimeBlocks(),
           "exponential-feedback": ExponentialFeedback(), "lsoda": LSODA()}


# -- building library objects from the flags --------------------------------------------------

def _add_problem_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("problem (PLRF)")
    g.add_argument("--alpha", type=float, default=1.0, help="data decay α (default 1.0)")
    g.add_argument("--beta", type=float, default=0.7, help="target decay β (default 0.7)")
    g.add_argument("--d", type=int, default=500, help="model size d (default 500)")
    g.add_argument("--v", type=int, default=None, help="hidden dimension v (default 4d)")
    g.add_argument("--noise-std", type=float, default=0.0, help="extra label noise σ")
    g.add_argument("--feature-seed", type=int, default=0, help="seed of the feature matrix W")
    g.add_argument("--spectrum-method", default=None,
                   help="PLRF spectrum: 'sampled' (one W) or 'deterministic' (default: the "
                        "problem's default)")


def _add_optimizer_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("optimizer")
    g.add_argument("--optimizer", choices=tuple(OPTIMIZERS), default="sgd")
    g.add_argument("--lr", default="stable",
                   help="learning rate (peak for schedules), or 'stable' (default): the "
                        "optimizer's stable_lr, half its largest useful constant step (SGD: "
                        "kernel norm 1; signSGD: limiting risk equal to the initial one)")
    g.add_argument("--batch", type=int, default=1, help="batch size B (default 1)")
    g.add_argument("--schedule", choices=SCHEDULES, default="constant")
    g.add_argument("--total", type=float, default=None,
                   help="schedule length in iterations (default: --kmax)")
    g.add_argument("--warmup-frac", type=float, default=0.0, help="WSD warmup fraction")
    g.add_argument("--decay-frac", type=float, default=0.2, help="WSD decay fraction")
    g.add_argument("--decay-shape", choices=("linear", "cosine", "power"), default="linear")
    g.add_argument("--final", type=float, default=0.0, help="final lr of WSD / cosine")
    g.add_argument("--tau", type=float, default=100.0, help="time scale of the power-law schedule")
    g.add_argument("--exponent", type=float, default=0.5, help="power-law schedule exponent")
    g.add_argument("--factor", type=float, default=0.5, help="step-decay factor")
    g.add_argument("--every", type=float, default=None, help="step-decay period")


def _add_steps_args(p: argparse.ArgumentParser, kmax: float) -> None:
    g = p.add_argument_group("time grid")
    g.add_argument("--kmin", type=float, default=1, help="first iteration (default 1)")
    g.add_argument("--kmax", type=float, default=kmax, help=f"last iteration (default {kmax:g})")
    g.add_argument("--points", type=int, default=200, help="log-spaced output points")


def _problem(args):
    return dr.PLRF(args.alpha, args.beta, args.d, v=args.v, noise_std=args.noise_std)


def _steps(args) -> np.ndarray:
    if args.points < 1:
        raise ValueError("points must be >= 1")
    if not 0 <= args.kmin <= args.kmax:
        raise ValueError("kmin and kmax must satisfy 0 <= kmin <= kmax")
    lo = max(args.kmin, 1.0)
    steps = np.unique(np.geomspace(lo, args.kmax, args.points).astype(np.int64))
    return np.unique(np.concatenate([[int(args.kmin)], steps])) if args.kmin < 1 else steps


def _optimizer(args, prob, method: str | None = None):
    """The optimizer of the flags; ``method`` is the spectrum method used for ``--lr stable``."""
    method = method or args.spectrum_method
    template = optimizer_named(args.optimizer, 1.0, args.batch)
    if args.lr == "stable":
        peak = template.stable_lr(prob, spectrum_method=method, feature_seed=args.feature_seed)
    else:
        try:
            peak = float(args.lr)
        except ValueError:
            raise ValueError(f"lr must be a number or 'stable', got {args.lr!r}") from None
    total = args.total if args.total is not None else args.kmax
    lr = {
        "constant": lambda: peak,
        "wsd": lambda: schedules.WSD(peak, total, args.warmup_frac, args.decay_frac, args.final,
                                     args.decay_shape),
        "cosine": lambda: schedules.Cosine(peak, total, args.final),
        "powerlaw": lambda: schedules.PowerLaw(peak, args.tau, args.exponent),
        "stepdecay": lambda: schedules.StepDecay(peak, args.factor, args.every or total / 4),
    }[args.schedule]()
    return template.with_lr(lr)


def _theory(args, prob, opt, steps, method: str | None = None):
    """Deterministic risk curve of the flags' optimizer on the PLRF problem."""
    method = method or args.spectrum_method
    solver = SOLVERS[getattr(args, "solver", "default")]
    return dr.risk_curve(prob, opt, steps, spectrum_method=method,
                         feature_seed=args.feature_seed, solver=solver)


def _write(result, path: str | None) -> None:
    if path is None:
        return
    suffix = Path(path).suffix.lower()
    writer = {".csv": result.to_csv, ".npz": result.to_npz, ".json": result.to_json}.get(suffix)
    if writer is None:
        raise ValueError(f"out must end in .csv, .npz or .json, got {path!r}")
    writer(path)


def _figure():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(ax, path: str) -> None:
    ax.figure.savefig(path, dpi=120, bbox_inches="tight")


# -- subcommands ----------------------------------------------------------------------------------

def _curve(args) -> int:
    prob = _problem(args)
    opt = _optimizer(args, prob)
    curve = _theory(args, prob, opt, _steps(args))
    curve = dr.RiskCurve(curve.steps, curve.risk, curve.floor, curve.success, curve.message,
                         {**curve.info, "d": prob.d, "alpha": prob.alpha, "beta": prob.beta})
    _write(curve, args.out)
    if args.plot:
        _figure()
        _save(dr.plotting.plot_risk(curve, x=args.x), args.plot)
    print(f"{curve!r}\n{curve.message}")
    return 0


def _simulate(args) -> int:
    prob = _problem(args)
    opt = _optimizer(args, prob, "sampled")
    sim = dr.simulate(prob, opt, _steps(args), n_runs=args.runs, seed=args.seed,
                      faithful=args.faithful, feature_seed=args.feature_seed)
    _write(sim, args.out)
    if args.plot:
        _figure()
        _save(dr.plotting.plot_risk([], simulations=sim), args.plot)
    print(repr(sim))
    return 0


def _compare(args) -> int:
    prob = _problem(args)
    opt = _optimizer(args, prob, "sampled")
    steps = _steps(args)
    curve = _theory(args, prob, opt, steps, "sampled")
    sim = dr.simulate(prob, opt, steps, n_runs=args.runs, seed=args.seed,
                      feature_seed=args.feature_seed)
    z = np.abs(sim.mean - curve.risk) / np.where(sim.stderr > 0, sim.stderr, np.inf)
    plt = _figure()
    ax = dr.plotting.plot_risk(curve, simulations=sim, labels=[f"d = {prob.d}"])
    ax.set_title(f"{type(opt).__name__} on PLRF(α={prob.alpha}, β={prob.beta}): "
                 f"theory vs {args.runs} runs")
    _save(ax, args.plot)
    plt.close(ax.figure)
    if args.out:
        curve.to_npz(Path(args.out).with_suffix(".curve.npz"))
        sim.to_npz(Path(args.out).with_suffix(".simulation.npz"))
    print(f"{curve!r}\n{sim!r}\nlargest deviation: {z.max():.2f} standard errors; "
          f"figure: {args.plot}")
    return 0


def _compute_optimal(args) -> int:
    d_values = [int(x) for x in args.d_values.split(",")]
    flops = np.geomspace(args.flops_min, args.flops_max, args.budgets)
    lr = args.lr if args.lr in ("stable", "tuned") else float(args.lr)
    fr = dr.compute_optimal(args.alpha, args.beta, args.optimizer, d_values, flops, lr=lr,
                            batch=args.batch, spectrum_method=args.spectrum_method)
    if args.out:
        fr.to_npz(args.out)
    if args.plot:
        plt = _figure()
        fig, ax = plt.subplots(figsize=(6, 4))
        for d, row in zip(fr.d_values, fr.losses):
            keep = np.isfinite(row)
            ax.plot(fr.flops[keep], row[keep], lw=1, label=f"d = {d:g}")
        ax.plot(fr.flops, fr.risk_star, "k--", label=f"frontier, η = {fr.eta:.3f}")
        ax.set(xscale="log", yscale="log", xlabel="flops f = d·B·k", ylabel="risk")
        ax.legend(fontsize=7)
        _save(ax, args.plot)
    for name, fit in fr.fits.items():
        print(f"{name:>8s}: xi = {fit.xi:.4f} [{fit.xi_ci[0]:.4f}, {fit.xi_ci[1]:.4f}], "
              f"eta = {fit.eta:.4f} [{fit.eta_ci[0]:.4f}, {fit.eta_ci[1]:.4f}], "
              f"window f in [{fit.window[0]:.3g}, {fit.window[1]:.3g}]")
    return 0


def _spectrum_command(args) -> int:
    prob = _problem(args)
    spec = prob.spectrum(method="deterministic", n_nodes=args.n_nodes)
    seeds = range(args.seeds)
    sampled = [prob.spectrum(method="sampled", seed=s) for s in seeds]
    floors = np.array([s.floor for s in sampled])
    lows = np.array([s.eigenvalues.min() for s in sampled])
    edge = dr.deterministic_equivalent.bottom_edge(prob)
    print(f"{spec!r}")
    print(f"floor: deterministic {spec.floor:.6g}, sampled {floors.mean():.6g} "
          f"± {floors.std(ddof=1) / np.sqrt(floors.size) if floors.size > 1 else 0:.2g} "
          f"({floors.size} draws of W)")
    print(f"bottom edge: deterministic {edge:.6g}, mean smallest sampled eigenvalue "
          f"{lows.mean():.6g}")
    if args.out:
        np.savez(args.out, eigenvalues=spec.eigenvalues, weights=spec.weights,
                 counts=spec.counts, floor=spec.floor)
    if args.plot:
        plt = _figure()
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        dr.plotting.plot_spectrum_comparison(prob, seeds=seeds, which="trace", ax=axes[0])
        dr.plotting.plot_spectrum_comparison(prob, seeds=seeds, which="forcing", ax=axes[1])
        _save(axes[0], args.plot)
    return 0


def _phases(args) -> int:
    asy = dr.asymptotics
    if args.table:
        rows = asy.phase_table(args.optimizer)
        print(asy.to_latex(rows) if args.format == "latex" else asy.to_markdown(rows))
        return 0
    if args.alpha is None or args.beta is None:
        raise ValueError("phases needs --alpha and --beta (or --table)")
    res = asy.phase_of(args.alpha, args.beta, args.optimizer)
    print(f"{args.optimizer} at alpha={args.alpha:g}, beta={args.beta:g}: phase {res.name}"
          + (" (on a boundary)" if res.on_boundary else "")
          + ("" if res.label_verified else " [label unverified]")
          + (" [conjecture]" if res.conjecture else ""))
    print(f"  dominant terms: {', '.join(res.dominant_terms)}")
    print(f"  trade-off:      {res.tradeoff}")
    print(f"  xi  = {res.xi:.6g}   = {res.xi_expr}")
    print(f"  eta = {res.eta:.6g}   = {res.eta_expr}")
    if res.lr_exponent is not None:
        print(f"  lr ~ d^-e with e = {res.lr_exponent:.6g}")
    return 0


def _phase_diagram(args) -> int:
    plt = _figure()
    kind = args.kind
    if kind == "measured":
        return _measured_phase_diagram(args, dr, plt)
    if kind == "phases":
        ax = dr.plotting.plot_phase_plane(args.optimizer, resolution=args.resolution)
    elif kind in ("xi", "eta"):
        ax = dr.plotting.plot_exponent_map(kind, args.optimizer, resolution=args.resolution)
    elif kind == "signsgd-advantage":
        ax = dr.plotting.plot_signsgd_advantage(resolution=args.resolution)
    else:
        ax = dr.plotting.plot_decay_gain(resolution=args.resolution)
    _save(ax, args.out)
    plt.close(ax.figure)
    print(f"figure: {args.out}")
    return 0


def _measured_phase_diagram(args, dr, plt) -> int:
    """``phase-diagram --kind measured``: a :func:`~deterministic_risk.phase_map`, drawn."""
    if args.optimizer not in ("sgd", "signsgd"):
        raise ValueError(f"--kind measured needs --optimizer sgd or signsgd, got "
                         f"{args.optimizer!r}")
    if args.grid < 2:
        raise ValueError(f"--grid must be >= 2, got {args.grid}")
    if not (args.alpha_min < args.alpha_max and args.beta_min < args.beta_max):
        raise ValueError("need --alpha-min < --alpha-max and --beta-min < --beta-max")
    if args.flops_max <= args.flops_min or args.budgets < 3:
        raise ValueError("need --flops-min < --flops-max and --budgets >= 3")
    alphas = np.linspace(args.alpha_min, args.alpha_max, args.grid)
    betas = np.linspace(args.beta_min, args.beta_max, args.grid)
    options = {}
    if args.d_values is not None:
        options["d_values"] = _int_list("--d-values", args.d_values)
    if args.lr is not None:
        options["lr"] = args.lr if args.lr in ("stable", "grid") else _number("--lr", args.lr)
    if args.n_nodes is not None:
        options["curve_options"] = {"n_nodes": _positive("--n-nodes", args.n_nodes)}
    elif args.optimizer == "signsgd":
        # the DE nodes of signSGD's modes merged into about 2000: xi, eta move by < 0.002
        # (docs/frontiers.md), and the curves at d = 1e5 are several times shorter
        options["curve_options"] = {"n_nodes": 2000}
    backend = "dask" if args.scheduler else args.backend
    t0 = time.perf_counter()
    pm = dr.phase_map(alphas, betas, args.optimizer,
                      flops=np.geomspace(args.flops_min, args.flops_max, args.budgets),
                      backend=backend, client=args.scheduler, max_workers=args.workers,
                      cache_dir=args.cache_dir, progress=None, **options)
    seconds = time.perf_counter() - t0
    if args.save:
        pm.to_npz(args.save)
    axes = dr.plotting.plot_phase_map(pm)
    _save(axes.flat[0], args.out)
    plt.close(axes.flat[0].figure)
    share, misses = pm.accuracy()
    inside = pm.interior()
    print(f"{pm.optimizer}: {int(pm.admissible.sum())} admissible points, "
          f"{pm.info['columns_computed']} of {pm.info['columns']} (alpha, d) columns computed "
          f"in {seconds:.1f} s")
    print(f"interior points (farther than 0.05 from a phase boundary): {int(inside.sum())}; "
          f"|eta - symbolic eta| <= 0.03 at {share:.1%} of them")
    for i, j in zip(*np.nonzero(misses)):
        print(f"  alpha={pm.alphas[i]:.3f} beta={pm.betas[j]:.3f} ({pm.phases[i, j]}): "
              f"eta {pm.eta[i, j]:.4f}, symbolic {pm.eta_theory[i, j]:.4f}")
    print(f"figure: {args.out}" + (f"; map: {args.save}" if args.save else ""))
    return 0


def _positive(flag: str, value: int) -> int:
    if value < 1:
        raise ValueError(f"{flag} must be >= 1, got {value}")
    return value


def _int_list(flag: str, text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",")]
    except ValueError:
        raise ValueError(f"{flag} must be comma-separated integers, got {text!r}") from None


def _number(flag: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{flag} must be 'stable', 'grid' or a number, got {text!r}") from None


def _demo(args) -> int:
    plt = _figure()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    lines = [f"deterministic_risk {__version__} demo", ""]

    # 1. exact SGD risk against the mean of real SGD runs
    alpha, beta = args.alpha, args.beta
    sim_steps = np.unique(np.geomspace(1, args.steps, 40).astype(np.int64))
    curves, sims, labels = [], [], []
    for d in (100, 400):
        prob = dr.PLRF(alpha, beta, d=d)
        spec = prob.spectrum(method="sampled", seed=0)
        opt = dr.SGD(0.5 * dr.max_stable_lr(spec), batch=args.batch)
        curve_steps = np.unique(np.geomspace(1, 100 * args.steps, 200).astype(np.int64))
        curves.append(dr.risk_curve(spec, opt, curve_steps, solver=dr.solvers.LogTimeBlocks()))
        sim = dr.simulate(prob, opt, sim_steps, n_runs=args.runs, seed=1)
        sims.append(sim)
        theory = curves[-1](sim_steps)
        z = np.abs(sim.mean - theory) / np.where(sim.stderr > 0, sim.stderr, np.inf)
        late = sim_steps >= 100  # early single runs are heavy-tailed: % only from k = 100 on
        rel = np.abs(sim.mean / theory - 1)[late]
        labels.append(f"d = {d}")
        lines.append(f"PLRF alpha={alpha} beta={beta} d={d} batch={args.batch} "
                     f"lr={opt.lr.max_lr:.4g}: theory vs mean of {args.runs} runs: max |dev| = "
                     f"{z.max():.2f} standard errors"
                     + (f"; {100 * rel.max():.2f} % for k >= 100" if rel.size else ""))
    ax = dr.plotting.plot_risk(curves, simulations=sims, labels=labels)
    ax.set_title(f"SGD on PLRF (α={alpha}, β={beta}): theory (lines) vs simulation (bands)")
    _save(ax, out / "sgd_theory_vs_simulation.png")
    plt.close(ax.figure)

    # 2. loss against compute for several model sizes, with the lower envelope
    fig, ax = plt.subplots(figsize=(6, 4))
    flops = np.geomspace(1e3, 1e9, 200)
    envelope = np.full(flops.size, np.inf)
    for d in (50, 100, 200, 400, 800):
        spec = dr.PLRF(alpha, beta, d=d).spectrum(method="sampled", seed=0)
        opt = dr.SGD(0.5 * dr.max_stable_lr(spec))
        steps = np.unique(np.maximum(1, flops / d).astype(np.int64))
        curve = dr.risk_curve(spec, opt, steps, solver=dr.solvers.LogTimeBlocks())
        ax.plot(curve.flops(d), curve.risk, label=f"d = {d}")
        inside = (flops >= d) & (flops <= d * steps[-1])
        envelope[inside] = np.minimum(envelope[inside], curve(flops[inside] / d))
    ax.plot(flops, envelope, "k--", label="compute-optimal envelope")
    ax.set(xscale="log", yscale="log", xlabel="flops f = d·B·k", ylabel="risk",
           title="SGD on PLRF: loss against compute")
    ax.legend(fontsize=8)
    _save(ax, out / "sgd_loss_vs_flops.png")
    plt.close(fig)

    lines += ["", f"figures: {out / 'sgd_theory_vs_simulation.png'}, "
                  f"{out / 'sgd_loss_vs_flops.png'}",
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

    p = sub.add_parser("curve", help="deterministic risk curve of an optimizer on PLRF")
    _add_problem_args(p)
    _add_optimizer_args(p)
    _add_steps_args(p, 1e6)
    p.add_argument("--solver", choices=tuple(SOLVERS), default="default",
                   help="solver of the limit (default: the optimizer's)")
    p.add_argument("--out", help="write the curve (.csv, .npz or .json)")
    p.add_argument("--plot", help="write a PNG figure")
    p.add_argument("--x", choices=("steps", "flops"), default="steps", help="figure's x axis")
    p.set_defaults(handler=_curve)

    p = sub.add_parser("simulate", help="run the real optimizer, many runs")
    _add_problem_args(p)
    _add_optimizer_args(p)
    _add_steps_args(p, 1e4)
    p.add_argument("--runs", type=int, default=16, help="independent runs (default 16)")
    p.add_argument("--seed", type=int, default=0, help="seed of the samples")
    p.add_argument("--faithful", action="store_true", help="draw x in R^v and multiply by W")
    p.add_argument("--out", help="write the runs (.csv, .npz or .json)")
    p.add_argument("--plot", help="write a PNG figure")
    p.set_defaults(handler=_simulate)

    p = sub.add_parser("compare", help="theory against simulation, one figure")
    _add_problem_args(p)
    _add_optimizer_args(p)
    _add_steps_args(p, 1e4)
    p.add_argument("--runs", type=int, default=32, help="independent runs (default 32)")
    p.add_argument("--seed", type=int, default=0, help="seed of the samples")
    p.add_argument("--plot", default="compare.png", help="PNG figure (default compare.png)")
    p.add_argument("--out", help="prefix of .curve.npz and .simulation.npz outputs")
    p.set_defaults(handler=_compare)

    p = sub.add_parser("compute-optimal", help="compute-optimal frontier and fitted exponents")
    p.add_argument("--alpha", type=float, default=1.0)
    p.add_argument("--beta", type=float, default=0.7)
    p.add_argument("--optimizer", choices=tuple(OPTIMIZERS), default="sgd")
    p.add_argument("--d-values", default="100,200,400,800,1600",
                   help="comma-separated model sizes")
    p.add_argument("--flops-min", type=float, default=1e3)
    p.add_argument("--flops-max", type=float, default=1e9)
    p.add_argument("--budgets", type=int, default=60, help="number of log-spaced budgets")
    p.add_argument("--lr", default="stable", help="'stable', 'tuned' or a number")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--spectrum-method", default=None)
    p.add_argument("--out", help="write the frontier (.npz)")
    p.add_argument("--plot", help="write a PNG figure")
    p.set_defaults(handler=_compute_optimal)

    p = sub.add_parser("spectrum", help="deterministic-equivalent PLRF spectrum vs sampled W")
    _add_problem_args(p)
    p.add_argument("--n-nodes", type=int, default=None, help="compress to this many nodes")
    p.add_argument("--seeds", type=int, default=8, help="sampled W to compare with (default 8)")
    p.add_argument("--out", help="write the deterministic spectrum (.npz)")
    p.add_argument("--plot", help="write a PNG figure (densities and target weights)")
    p.set_defaults(handler=_spectrum_command)

    p = sub.add_parser("phases", help="compute-optimal phase, terms, xi and eta of a point")
    p.add_argument("--alpha", type=float, default=None)
    p.add_argument("--beta", type=float, default=None)
    p.add_argument("--optimizer", choices=("sgd", "signsgd", "signsgd-decay"), default="sgd")
    p.add_argument("--table", action="store_true", help="print the whole derived table")
    p.add_argument("--format", choices=("markdown", "latex"), default="markdown")
    p.set_defaults(handler=_phases)

    p = sub.add_parser("phase-diagram", help="phase plane, exponent maps, comparison regions")
    p.add_argument("--kind", default="phases",
                   choices=("phases", "xi", "eta", "signsgd-advantage", "decay-gain", "measured"),
                   help="symbolic diagrams, or 'measured': exponents fitted on exact curves "
                        "over an (alpha, beta) grid beside the symbolic ones")
    p.add_argument("--optimizer", choices=("sgd", "signsgd", "signsgd-decay"), default="sgd")
    p.add_argument("--resolution", type=int, default=201, help="grid points per axis")
    g = p.add_argument_group("measured diagram (--kind measured; dr.phase_map)")
    g.add_argument("--grid", type=int, default=4, help="alpha and beta values per axis")
    g.add_argument("--alpha-min", type=float, default=0.3)
    g.add_argument("--alpha-max", type=float, default=1.5)
    g.add_argument("--beta-min", type=float, default=0.2)
    g.add_argument("--beta-max", type=float, default=1.5)
    g.add_argument("--d-values", default=None,
                   help="comma-separated model sizes (default: 12 from 200 to 1e5)")
    g.add_argument("--flops-min", type=float, default=1e4)
    g.add_argument("--flops-max", type=float, default=1e13)
    g.add_argument("--budgets", type=int, default=91, help="log-spaced compute budgets")
    g.add_argument("--lr", default=None,
                   help="'stable', 'grid' (best constant step per budget) or a number "
                        "(default: the convention of the symbolic exponents)")
    g.add_argument("--n-nodes", type=int, default=None,
                   help="signSGD: merge the DE nodes of its modes into about this many "
                        "(default 2000)")
    g.add_argument("--backend", choices=("local", "serial", "dask"), default="local")
    g.add_argument("--workers", type=int, default=None, help="local processes (default: cores)")
    g.add_argument("--scheduler", default=None,
                   help="address of a Dask distributed scheduler (implies --backend dask)")
    g.add_argument("--cache-dir", default=None, help="store finished columns here; resume")
    g.add_argument("--save", default=None, help="write the map (.npz)")
    p.add_argument("--out", default="phase_diagram.png", help="PNG figure")
    p.set_defaults(handler=_phase_diagram)

    p = sub.add_parser("demo", help="a short tour: writes figures and a summary into --out")
    p.add_argument("--out", default="deterministic_risk_demo", help="output folder")
    p.add_argument("--alpha", type=float, default=1.0, help="data decay α (default 1.0)")
    p.add_argument("--beta", type=float, default=0.7, help="target decay β (default 0.7)")
    p.add_argument("--batch", type=int, default=1, help="batch size B (default 1)")
    p.add_argument("--steps", type=int, default=10_000, help="simulated steps (default 1e4)")
    p.add_argument("--runs", type=int, default=64, help="simulated runs (default 64)")
    p.set_defaults(handler=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (ValueError, TypeError, FloatingPointError, OSError) as exc:
        print(f"deterministic-risk: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The subcommands of ``deterministic-risk`` except the demo: build library objects from the
parsed flags, check what remains to check across flags, call the library, then write, print and
plot its results. Every statistic printed says where it was measured, over how many runs or
draws, and its relative size.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import deterministic_risk as dr

from .. import schedules
from ..solvers import LSODA, ExactRecursion, ExponentialFeedback, LogTimeBlocks
from ..studies.phase_plane import symbolic_lr_rule
from ..studies.registry import optimizer_named

__all__ = ["SCHEDULES", "SOLVERS", "curve", "simulate", "compare", "compute_optimal", "spectrum",
           "phases", "phase_diagram", "deviation", "figure_title", "band_label"]

SCHEDULES = ("constant", "wsd", "cosine", "powerlaw", "stepdecay")
#: ``--solver`` names (``default``: the optimizer's own choice).
SOLVERS = {"default": None, "exact-recursion": ExactRecursion(), "log-time-blocks": LogTimeBlocks(),
           "exponential-feedback": ExponentialFeedback(), "lsoda": LSODA()}
#: ``compute-optimal`` sizes and budgets when not given.
DEFAULT_D_VALUES = [100, 200, 400, 800, 1600]
DEFAULT_FLOPS = (1e3, 1e9, 60)


# -- building library objects from the flags --------------------------------------------------

def _problem(args: argparse.Namespace) -> dr.PLRF:
    return dr.PLRF(args.alpha, args.beta, args.d, v=args.v, noise_std=args.noise_std)


def _steps(args: argparse.Namespace) -> np.ndarray:
    if args.kmin > args.kmax:
        raise ValueError(f"--kmin must be <= --kmax, got --kmin {args.kmin:g} and --kmax "
                         f"{args.kmax:g}")
    lo = max(args.kmin, 1.0)
    steps = np.unique(np.geomspace(lo, args.kmax, args.points).astype(np.int64))
    return np.unique(np.concatenate([[int(args.kmin)], steps])) if args.kmin < 1 else steps


def _schedule(args: argparse.Namespace):
    """``peak -> lr or Schedule`` of the flags, checked once with a unit peak."""
    total = args.total if args.total is not None else args.kmax
    make = {
        "constant": lambda peak: peak,
        "wsd": lambda peak: schedules.WSD(peak, total, args.warmup_frac, args.decay_frac,
                                          args.final, args.decay_shape),
        "cosine": lambda peak: schedules.Cosine(peak, total, args.final),
        "powerlaw": lambda peak: schedules.PowerLaw(peak, args.tau, args.exponent),
        "stepdecay": lambda peak: schedules.StepDecay(peak, args.factor, args.every or total / 4),
    }[args.schedule]
    make(1.0)
    return make


def _setup(args: argparse.Namespace, method: str | None = None):
    """Problem, steps and optimizer of the flags; every flag is checked before the stable step
    (the first computation) is asked for."""
    prob = _problem(args)
    steps = _steps(args)
    make = _schedule(args)
    template = optimizer_named(args.optimizer, 1.0, args.batch)
    method = method or args.spectrum_method
    peak = (template.stable_lr(prob, spectrum_method=method, feature_seed=args.feature_seed)
            if args.lr == "stable" else args.lr)
    return prob, steps, template.with_lr(make(peak))


def _theory(args, prob, opt, steps, method: str | None = None) -> dr.RiskCurve:
    """Deterministic risk curve of the flags' optimizer on the PLRF problem."""
    method = method or args.spectrum_method
    curve = dr.risk_curve(prob, opt, steps, spectrum_method=method,
                          feature_seed=args.feature_seed, solver=SOLVERS[getattr(args, "solver",
                                                                                 "default")])
    return dr.RiskCurve(curve.steps, curve.risk, curve.floor, curve.success, curve.message,
                        {**curve.info, "d": prob.d, "alpha": prob.alpha, "beta": prob.beta})


def _write(result, path: str | None) -> None:
    if path is not None:
        {".csv": result.to_csv, ".npz": result.to_npz,
         ".json": result.to_json}[Path(path).suffix.lower()](path)


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(ax, path: str | Path) -> None:
    ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    _pyplot().close(ax.figure)


def figure_title(prob: dr.PLRF, opt) -> str:
    """The title of a CLI figure: the problem (α, β, d), the optimizer and its (peak) step.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> from deterministic_risk.cli.commands import figure_title
    >>> figure_title(dr.PLRF(1.0, 0.7, 100), dr.SGD(0.25))
    'SGD on PLRF (α = 1, β = 0.7, d = 100), lr = 0.25'
    """
    batch = getattr(opt, "batch", 1)
    return (f"{type(opt).__name__} on PLRF (α = {prob.alpha:g}, β = {prob.beta:g}, d = {prob.d})"
            f", lr = {opt.lr.max_lr:.4g}" + (f", batch {batch}" if batch != 1 else ""))


def band_label(sim: dr.SimulatedRisk) -> str:
    """Legend entry of a simulation drawn by :func:`~deterministic_risk.plotting.plot_risk`.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> from deterministic_risk.cli.commands import band_label
    >>> band_label(dr.simulate(dr.Spectrum([1.0], [1.0]), dr.SGD(0.1), [0, 5], n_runs=4, seed=0))
    'mean of 4 runs (band ± 2 standard errors)'
    """
    return f"mean of {sim.n_runs} runs (band ± 2 standard errors)"


def _diverged(what, opt, prob, method: str | None, feature_seed: int) -> ValueError:
    """The error of a diverged result, with the optimizer's largest useful step."""
    top = opt.max_stable_lr(prob, spectrum_method=method, feature_seed=feature_seed)
    return ValueError(f"{what.message} with lr = {opt.lr.max_lr:.4g}; the largest stable "
                      f"constant step of this problem is {top:.4g} (--lr stable gives half)")


# -- statistics with their context ----------------------------------------------------------------

def deviation(theory: np.ndarray, mean: np.ndarray, stderr: np.ndarray, steps: np.ndarray,
              n_runs: int) -> str:
    """The largest deviation of a simulated mean from theory, in standard errors, with where it
    happens, the number of runs and its relative size.

    Examples
    --------
    >>> import numpy as np
    >>> from deterministic_risk.cli.commands import deviation
    >>> deviation(np.array([1.0, 0.5]), np.array([1.02, 0.5]), np.array([0.01, 0.01]),
    ...           np.array([1, 10]), 16)
    ... # doctest: +NORMALIZE_WHITESPACE
    'largest deviation 2.00 standard errors (at k = 1, over 16 runs; relative 2.00 %); largest
     relative deviation 2.00 % (at k = 1)'
    """
    resolved = stderr > 0
    if not np.any(resolved):
        return f"no run-to-run spread over {n_runs} runs: no standard errors"
    z = np.where(resolved, np.abs(mean - theory) / np.where(resolved, stderr, 1.0), 0.0)
    rel = np.abs(mean / theory - 1)
    i, j = int(np.argmax(z)), int(np.argmax(rel))
    return (f"largest deviation {z[i]:.2f} standard errors (at k = {steps[i]}, over {n_runs} "
            f"runs; relative {100 * rel[i]:.2f} %); largest relative deviation "
            f"{100 * rel[j]:.2f} % (at k = {steps[j]})")


# -- subcommands ----------------------------------------------------------------------------------

def curve(args: argparse.Namespace) -> int:
    prob, steps, opt = _setup(args)
    result = _theory(args, prob, opt, steps)
    _write(result, args.out)
    if args.plot:
        ax = dr.plotting.plot_risk(result, x=args.x, labels=[f"d = {prob.d}"])
        ax.set_title(figure_title(prob, opt), fontsize=9)
        _save(ax, args.plot)
    print(f"{result!r}\n{result.message}")
    return 0


def simulate(args: argparse.Namespace) -> int:
    prob, steps, opt = _setup(args, "sampled")
    sim = dr.simulate(prob, opt, steps, n_runs=args.runs, seed=args.seed,
                      faithful=args.faithful, feature_seed=args.feature_seed)
    if not sim.success:
        raise _diverged(sim, opt, prob, "sampled", args.feature_seed)
    _write(sim, args.out)
    if args.plot:
        ax = dr.plotting.plot_risk([], simulations=sim)
        ax.lines[-1].set_label(band_label(sim))
        ax.legend(fontsize="small")
        ax.set_title(figure_title(prob, opt), fontsize=9)
        _save(ax, args.plot)
    print(repr(sim))
    return 0


def compare(args: argparse.Namespace) -> int:
    prob, steps, opt = _setup(args, "sampled")
    theory = _theory(args, prob, opt, steps, "sampled")
    sim = dr.simulate(prob, opt, steps, n_runs=args.runs, seed=args.seed,
                      feature_seed=args.feature_seed)
    if not sim.success:
        raise _diverged(sim, opt, prob, "sampled", args.feature_seed)
    ax = dr.plotting.plot_risk(theory, simulations=sim,
                               labels=[f"theory, d = {prob.d}"])
    ax.lines[0].set_label(band_label(sim))
    ax.legend(fontsize="small")
    ax.set_title(figure_title(prob, opt), fontsize=9)
    _save(ax, args.plot)
    if args.out:
        theory.to_npz(Path(args.out).with_suffix(".curve.npz"))
        sim.to_npz(Path(args.out).with_suffix(".simulation.npz"))
    print(f"{theory!r}\n{sim!r}\ntheory vs simulation (same W, seed {args.feature_seed}): "
          f"{deviation(theory.risk, sim.mean, sim.stderr, steps, args.runs)}\n"
          f"figure: {args.plot}")
    return 0


def _symbolic(name: str, alpha: float, beta: float):
    """The symbolic phase of (α, β) for an optimizer the asymptotics know, else None."""
    if name not in dr.asymptotics.OPTIMIZERS:
        return None
    return dr.asymptotics.phase_of(alpha, beta, name)


def _frontier(args: argparse.Namespace, lr: str | float) -> dr.Frontier:
    d_values = args.d_values or DEFAULT_D_VALUES
    flops = np.geomspace(args.flops_min, args.flops_max, args.budgets)
    if flops[0] >= flops[-1]:
        raise ValueError(f"--flops-min must be < --flops-max, got {flops[0]:g} and "
                         f"{flops[-1]:g}")
    if lr != "grid":
        return dr.compute_optimal(args.alpha, args.beta, args.optimizer, d_values, flops, lr=lr,
                                  batch=args.batch, spectrum_method=args.spectrum_method,
                                  progress=False)
    if args.spectrum_method is not None:
        raise ValueError("--spectrum-method goes with --lr stable, tuned, tuned-per-budget or "
                         "a number; --lr grid uses each optimizer's own reduction")
    template = optimizer_named(args.optimizer, 1.0, args.batch)
    options = {"curve_options": {"n_nodes": 2000}} if args.optimizer == "signsgd" else {}
    pm = dr.phase_map([args.alpha], [args.beta], template, d_values=d_values, flops=flops,
                      lr="grid", batch=args.batch, backend="serial", progress=False, **options)
    return pm.frontier(0, 0)


def compute_optimal(args: argparse.Namespace) -> int:
    dr.PLRF(args.alpha, args.beta, 2)  # the admissible region, before any computation
    optimizer_named(args.optimizer, 1.0, args.batch)  # the batch sizes it is modelled with
    phase = _symbolic(args.optimizer, args.alpha, args.beta)
    # without --lr: the step convention of the symbolic exponents where there are some (SGD: the
    # stable step; signSGD: the best constant step of each (d, budget), from the step grid of
    # phase_map; with signSGD's stable step its curves plateau early and the fit is meaningless,
    # measured at (1, 0.7): ξ = 0.83, η = 0.04 against 0.41, 0.71), else the stable step
    lr = args.lr if args.lr is not None else (
        "stable" if phase is None else symbolic_lr_rule(args.optimizer))
    t0, c0 = time.perf_counter(), time.process_time()
    fr = _frontier(args, lr)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if args.out:
        fr.to_npz(args.out)
    if args.plot:
        ax = dr.plotting.plot_frontier(fr, eta_theory=None if phase is None else phase.eta)
        ax.set_title(f"{args.optimizer} on PLRF (α = {fr.alpha:g}, β = {fr.beta:g}, d = "
                     f"{fr.d_values[0]:g}…{fr.d_values[-1]:g}), lr rule {lr!r}",
                     fontsize=9)
        _save(ax, args.plot)
    print(f"{args.optimizer} on PLRF(alpha={fr.alpha:g}, beta={fr.beta:g}), lr rule {lr}, "
          f"d in {{{', '.join(f'{d:g}' for d in fr.d_values)}}}, {fr.flops.size} budgets f "
          f"from {fr.flops[0]:.3g} to {fr.flops[-1]:.3g} ({wall:.1f} s wall, {cpu:.1f} s CPU)")
    print(f"interior optima: {fr.n_interior} of {fr.flops.size} budgets")
    for name, fit in fr.fits.items():
        if not fit.success:
            print(f"{name:>8s}: no fit ({fit.message})")
            continue
        print(f"{name:>8s}: xi = {fit.xi:.4f} [{fit.xi_ci[0]:.4f}, {fit.xi_ci[1]:.4f}], "
              f"eta = {fit.eta:.4f} [{fit.eta_ci[0]:.4f}, {fit.eta_ci[1]:.4f}] (95 %), "
              f"R² {fit.xi_r2:.4f} / {fit.eta_r2:.4f}, {fit.n_budgets} budgets, f in "
              f"[{fit.window[0]:.3g}, {fit.window[1]:.3g}]")
    if phase is not None:
        print(f"symbolic: xi = {phase.xi:.4f}, eta = {phase.eta:.4f} (phase {phase.name}; the "
              f"large-d, large-f limit)")
    if not fr.success:
        raise ValueError(f"no compute-optimal fit: {fr.message}")
    for doubt in fr.doubts:
        print(f"deterministic-risk: warning: fit not trustworthy: {doubt}", file=sys.stderr)
    return 0


def spectrum(args: argparse.Namespace) -> int:
    prob = _problem(args)
    spec = prob.spectrum(method="deterministic", n_nodes=args.n_nodes)
    seeds = range(args.feature_seed, args.feature_seed + args.seeds)
    if seeds[-1] >= 2**63:
        raise ValueError(f"--feature-seed + --seeds must be at most 2**63, got "
                         f"{args.feature_seed} + {args.seeds}")
    instances = [prob.instance(seed) for seed in seeds]
    floors = np.array([inst.floor for inst in instances])
    lows = np.array([inst.eigenvalues.min() for inst in instances])
    edge = dr.deterministic_equivalent.bottom_edge(prob)
    n = floors.size
    spread = (f" ± {floors.std(ddof=1) / np.sqrt(n):.2g} (standard error)" if n > 1
              else " (one draw: no standard error)")
    print(f"{spec!r}")
    print(f"floor: deterministic {spec.floor:.6g}; sampled, mean over {n} draw"
          f"{'s' if n > 1 else ''} of W (seeds {seeds[0]}-{seeds[-1]}): {floors.mean():.6g}"
          f"{spread}; relative difference {100 * abs(floors.mean() / spec.floor - 1):.2f} %")
    print(f"bottom edge: deterministic {edge:.6g}; smallest sampled eigenvalue, mean over {n} "
          f"draw{'s' if n > 1 else ''}: {lows.mean():.6g} (relative difference "
          f"{100 * abs(lows.mean() / edge - 1):.2f} %)")
    if args.out:
        np.savez(args.out, eigenvalues=spec.eigenvalues, weights=spec.weights,
                 counts=spec.counts, floor=spec.floor)
    if args.plot:
        plt = _pyplot()
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        for ax, which in zip(axes, ("trace", "forcing")):
            dr.plotting.plot_spectrum_comparison(prob, instances=instances, which=which, ax=ax)
        fig.suptitle(f"PLRF (α = {prob.alpha:g}, β = {prob.beta:g}, d = {prob.d}, v = {prob.v}):"
                     f" deterministic equivalent vs {n} sampled W", fontsize=10)
        _save(axes[0], args.plot)
    return 0


def phases(args: argparse.Namespace) -> int:
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
    if not res.label_verified:
        print("  [label unverified]: the phase's name is a label of the reference table that "
              "the derivation has not confirmed; its terms, xi and eta are derived")
    if res.conjecture:
        print("  [conjecture]: the decay-schedule model is conjectured, not derived")
    return 0


def phase_diagram(args: argparse.Namespace) -> int:
    if args.kind == "measured":
        return _measured_phase_diagram(args)
    if args.kind == "phases":
        ax = dr.plotting.plot_phase_plane(args.optimizer, resolution=args.resolution)
    elif args.kind in ("xi", "eta"):
        ax = dr.plotting.plot_exponent_map(args.kind, args.optimizer, resolution=args.resolution)
    elif args.kind == "signsgd-advantage":
        ax = dr.plotting.plot_signsgd_advantage(resolution=args.resolution)
    else:
        ax = dr.plotting.plot_decay_gain(resolution=args.resolution)
    _save(ax, args.out)
    print(f"figure: {args.out}")
    return 0


def _measured_phase_diagram(args: argparse.Namespace) -> int:
    """``phase-diagram --kind measured``: a :func:`~deterministic_risk.phase_map`, drawn."""
    if args.optimizer not in ("sgd", "signsgd"):
        raise ValueError(f"--kind measured needs --optimizer sgd or signsgd, got "
                         f"{args.optimizer!r}")
    if not (args.alpha_min < args.alpha_max and args.beta_min < args.beta_max):
        raise ValueError("need --alpha-min < --alpha-max and --beta-min < --beta-max")
    if args.flops_max <= args.flops_min:
        raise ValueError("need --flops-min < --flops-max")
    if args.scheduler is None and args.backend == "dask":
        raise ValueError("--backend dask needs --scheduler ADDRESS")
    alphas = np.linspace(args.alpha_min, args.alpha_max, args.grid)
    betas = np.linspace(args.beta_min, args.beta_max, args.grid)
    options = {}
    if args.d_values is not None:
        options["d_values"] = args.d_values
    if args.lr is not None:
        options["lr"] = args.lr
    if args.n_nodes is not None:
        options["curve_options"] = {"n_nodes": args.n_nodes}
    elif args.optimizer == "signsgd":
        # the DE nodes of signSGD's modes merged into about 2000: xi, eta move by < 0.002
        # (docs/frontiers.md), and the curves at d = 1e5 are several times shorter
        options["curve_options"] = {"n_nodes": 2000}
    backend = "dask" if args.scheduler else args.backend
    t0 = time.perf_counter()
    pm = dr.phase_map(alphas, betas, args.optimizer,
                      flops=np.geomspace(args.flops_min, args.flops_max, args.budgets),
                      backend=backend, client=args.scheduler, max_workers=args.workers,
                      cache_dir=args.cache_dir, progress=False, **options)
    seconds = time.perf_counter() - t0
    if args.save:
        pm.to_npz(args.save)
    axes = dr.plotting.plot_phase_map(pm)
    _save(axes.flat[0], args.out)
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

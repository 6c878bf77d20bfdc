"""``deterministic-risk demo``: a tour of the package in four figures and one page.

1. exact SGD risk curves on PLRF against the mean of real SGD runs (two model sizes);
2. signSGD against SGD on one PLRF problem: signSGD's limiting ODE against signSGD runs, beside
   the SGD curve;
3. the symbolic SGD phase diagram of the (α, β) plane with a few measured points: compute-optimal
   exponents fitted on exact curves beside the symbolic ones;
4. the compute-optimal frontier at (α, β): loss against compute f = d·B·k for every model size,
   fitted ξ, η beside the symbolic values.

Every number shown is written to ``summary.txt`` and ``summary.json``; ``index.html`` puts the
figures and the numbers on one page and ``tour.png`` the four panels in one picture.
"""

from __future__ import annotations

import argparse
import html
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import deterministic_risk as dr

from .. import __version__
from .commands import band_label, deviation

__all__ = ["DESCRIPTION", "run", "Part"]

DESCRIPTION = ("A tour of the package, under a minute on 2 cores at --scale 1: exact SGD curves "
               "against simulation; signSGD against SGD on PLRF with its ODE against "
               "simulation; the symbolic phase diagram with measured points; a compute-optimal "
               "frontier with fitted ξ, η beside the symbolic values. Writes four figures, "
               "tour.png (all four), summary.txt, summary.json and index.html into --out.")
#: Points measured on the phase diagram besides (α, β): one per SGD phase Ia, III and Ia at
#: large α (docs/phases.md).
EXTRA_POINTS = ((0.7, 0.3), (0.8, 1.2), (1.5, 0.4))


@dataclass
class Part:
    """One step of the tour: its figure (a function drawing on an Axes), numbers and lines."""

    name: str
    title: str
    draw: Callable[[Any], None]
    numbers: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


def _sizes(base: tuple[int, ...], scale: float, smallest: int = 10) -> list[int]:
    return sorted({max(smallest, int(round(d * scale))) for d in base})


def _timed(fn, *args):
    t0, c0 = time.perf_counter(), time.process_time()
    part = fn(*args)
    part.numbers["seconds"] = {"wall": round(time.perf_counter() - t0, 2),
                               "cpu": round(time.process_time() - c0, 2)}
    return part


def _stats(theory, sim, steps, runs, late_from: int) -> dict[str, Any]:
    """Deviation of a simulated mean from theory: in standard errors and relative, overall and
    from ``late_from`` on (early single runs are heavy-tailed)."""
    rel = np.abs(sim.mean / theory - 1)
    z = np.abs(sim.mean - theory) / np.where(sim.stderr > 0, sim.stderr, np.inf)
    late = steps >= late_from
    i = int(np.argmax(z))
    return {"runs": runs, "max_standard_errors": round(float(z[i]), 3), "at_k": int(steps[i]),
            "relative_there_percent": round(100 * float(rel[i]), 3),
            "late_from_k": late_from,
            "max_relative_late_percent": round(100 * float(rel[late].max()), 3)
            if late.any() else None,
            "text": deviation(theory, sim.mean, sim.stderr, steps, runs)}


def _sgd_vs_simulation(alpha: float, beta: float, scale: float) -> Part:
    n_sim = max(300, int(10_000 * scale))
    runs = max(8, int(round(64 * scale)))
    sim_steps = np.unique(np.geomspace(1, n_sim, 40).astype(np.int64))
    curve_steps = np.unique(np.geomspace(1, 100 * n_sim, 200).astype(np.int64))
    curves, sims, labels, numbers, lines = [], [], [], {}, []
    for d in _sizes((100, 400), scale, 20):
        prob = dr.PLRF(alpha, beta, d)
        spec = prob.spectrum(method="sampled", seed=0)
        opt = dr.SGD(0.5 * dr.max_stable_lr(spec))
        curves.append(dr.risk_curve(spec, opt, curve_steps, solver=dr.solvers.LogTimeBlocks()))
        sim = dr.simulate(prob, opt, sim_steps, n_runs=runs, seed=1)
        sims.append(sim)
        stats = _stats(curves[-1](sim_steps), sim, sim_steps, runs, 100)
        labels.append(f"d = {d}, lr = {opt.lr.max_lr:.3g}")
        numbers[f"d={d}"] = {"lr": opt.lr.max_lr, **stats}
        lines.append(f"  d = {d}, lr = {opt.lr.max_lr:.4g} (half the kernel-norm limit): "
                     f"{stats['text']}; from k = 100 on, at most "
                     f"{stats['max_relative_late_percent']:.2f} %")

    def draw(ax):
        dr.plotting.plot_risk(curves, simulations=sims, labels=labels, ax=ax)
        ax.lines[0].set_label(band_label(sims[0]))  # the simulations are drawn first
        ax.legend(fontsize="small")
        ax.set_title(f"1. SGD on PLRF (α = {alpha:g}, β = {beta:g}): exact curves (lines) vs "
                     f"mean of {runs} runs (bands)", fontsize=8)

    part = Part("sgd_vs_simulation", "SGD: exact risk curves against simulation", draw,
                numbers, ["SGD: exact risk curves against the mean of real SGD runs (same W, "
                          f"seed 0; {runs} runs, k up to {n_sim})", *lines])
    part.numbers["simulated_steps"] = n_sim
    return part


def _signsgd_vs_sgd(alpha: float, beta: float, scale: float) -> Part:
    d = max(40, int(round(200 * scale)))
    runs = max(8, int(round(32 * scale)))
    prob = dr.PLRF(alpha, beta, d)
    inst = prob.instance(0)
    # the step whose limiting excess risk is 2 % of the initial excess
    # (docs/signsgd_plrf.md, equation table: `signsgd_lr_for_excess`)
    lr = dr.signsgd.signsgd_lr_for_excess(prob, 0.02 * (prob.initial_risk - inst.floor),
                                          method="sampled")
    sign = dr.SignSGD(lr)
    sgd = dr.SGD(1.0)
    sgd = sgd.with_lr(sgd.stable_lr(prob, spectrum_method="sampled"))
    n = 20 * d
    steps = np.unique(np.geomspace(1, n, 40).astype(np.int64))
    ode = dr.risk_curve(prob, sign, steps, spectrum_method="sampled")
    sgd_curve = dr.risk_curve(prob, sgd, steps, spectrum_method="sampled")
    sim = dr.simulate(prob, sign, steps, n_runs=runs, seed=2)
    stats = _stats(ode.risk, sim, steps, runs, 10 * d)

    def draw(ax):
        dr.plotting.plot_risk([ode, sgd_curve], simulations=[sim],
                              labels=[f"signSGD ODE, lr = {lr:.3g}",
                                      f"SGD exact, lr = {sgd.lr.max_lr:.3g}"], ax=ax)
        ax.lines[0].set_label(f"signSGD, {band_label(sim)}")
        ax.legend(fontsize="small")
        ax.set_title(f"2. signSGD vs SGD on PLRF (α = {alpha:g}, β = {beta:g}, d = {d}); "
                     f"band: {runs} signSGD runs", fontsize=8)

    numbers = {"d": d, "signsgd_lr": lr, "sgd_lr": sgd.lr.max_lr, "steps": n,
               "risk_at_end": {"signsgd_ode": float(ode.risk[-1]),
                               "signsgd_simulation": float(sim.mean[-1]),
                               "sgd_exact": float(sgd_curve.risk[-1])},
               "signsgd_ode_vs_simulation": stats}
    lines = [f"signSGD against SGD on PLRF (d = {d}, same W, seed 0; k up to {n} = 20 d)",
             f"  signSGD lr = {lr:.4g} (limiting excess 2 % of the initial), SGD lr = "
             f"{sgd.lr.max_lr:.4g} (stable step)",
             f"  risk at k = {n}: signSGD ODE {ode.risk[-1]:.4g}, signSGD runs {sim.mean[-1]:.4g}"
             f", SGD {sgd_curve.risk[-1]:.4g}",
             f"  signSGD ODE vs {runs} runs: {stats['text']}; from k = 10 d on, at most "
             f"{stats['max_relative_late_percent']:.2f} % (at 2α > 1 the limit sits above "
             f"finite-d signSGD, 4.7-13.2 % at d = 500: docs/signsgd_plrf.md)"]
    return Part("signsgd_vs_sgd", "signSGD against SGD, ODE against simulation", draw, numbers,
                lines)


def _measured_points(alpha: float, beta: float, scale: float) -> tuple[Part, dr.Frontier]:
    d_values = _sizes((100, 200, 400, 800, 1600), scale)
    points = [(alpha, beta)] + [p for p in EXTRA_POINTS if p != (alpha, beta)]
    rows, frontiers = [], {}
    for a, b in points:
        fr = dr.compute_optimal(a, b, "sgd", d_values, progress=False)
        ph = dr.asymptotics.phase_of(a, b, "sgd")
        frontiers[(a, b)] = fr
        rows.append({"alpha": a, "beta": b, "phase": ph.name, "xi_symbolic": ph.xi,
                     "eta_symbolic": ph.eta, "fitted": fr.success,
                     "xi": fr.xi if fr.success else None, "eta": fr.eta if fr.success else None,
                     "n_interior": fr.n_interior, "budgets": int(fr.flops.size),
                     "message": fr.message})

    def draw(ax):
        dr.plotting.plot_phase_plane("sgd", resolution=121, ax=ax)
        for r in rows:
            ax.plot(r["alpha"], r["beta"], "ko", ms=4)
            text = (f"η {r['eta']:.2f} ({r['eta_symbolic']:.2f})" if r["fitted"]
                    else "no fit")
            ax.annotate(text, (r["alpha"], r["beta"]), textcoords="offset points",
                        xytext=(4, 4), fontsize=7)
        ax.plot([], [], "ko", ms=4, label="measured η (symbolic η)")
        ax.legend(fontsize=7, loc="upper right")
        ax.set_title(f"3. SGD phases, measured points (d = {d_values[0]}…{d_values[-1]})",
                     fontsize=8)

    lines = [f"SGD phase diagram: compute-optimal exponents measured on exact curves (d = "
             f"{', '.join(map(str, d_values))}; 60 budgets) beside the symbolic ones"]
    for r in rows:
        fitted = (f"measured xi = {r['xi']:.3f}, eta = {r['eta']:.3f}" if r["fitted"]
                  else f"no fit ({r['message']})")
        lines.append(f"  (alpha, beta) = ({r['alpha']:g}, {r['beta']:g}), phase {r['phase']}: "
                     f"{fitted}; symbolic xi = {r['xi_symbolic']:.3f}, eta = "
                     f"{r['eta_symbolic']:.3f} ({r['n_interior']} of {r['budgets']} budgets "
                     f"interior)")
    part = Part("phase_diagram", "The symbolic phase diagram with measured points", draw,
                {"d_values": d_values, "points": rows}, lines)
    return part, frontiers[(alpha, beta)]


def _frontier(fr: dr.Frontier) -> Part:
    ph = dr.asymptotics.phase_of(fr.alpha, fr.beta, "sgd")
    sign = dr.asymptotics.phase_of(fr.alpha, fr.beta, "signsgd")

    def draw(ax):
        dr.plotting.plot_frontier(fr, eta_theory=ph.eta, ax=ax)
        fitted = f"ξ = {fr.xi:.3f}, η = {fr.eta:.3f}" if fr.success else "no fit"
        ax.set_title(f"4. SGD frontier (α = {fr.alpha:g}, β = {fr.beta:g}): {fitted}\n"
                     f"symbolic ξ = {ph.xi:.3f}, η = {ph.eta:.3f}", fontsize=8)

    doubts = fr.doubts if fr.success else [fr.message]
    fits = {name: {"success": f.success, "xi": f.xi if f.success else None,
                   "eta": f.eta if f.success else None,
                   "xi_ci": list(f.xi_ci) if f.success else None,
                   "eta_ci": list(f.eta_ci) if f.success else None,
                   "xi_r2": f.xi_r2 if f.success else None,
                   "eta_r2": f.eta_r2 if f.success else None,
                   "n_budgets": f.n_budgets, "window": list(f.window), "message": f.message}
            for name, f in fr.fits.items()}
    numbers = {"alpha": fr.alpha, "beta": fr.beta, "d_values": fr.d_values.tolist(),
               "budgets": int(fr.flops.size), "n_interior": fr.n_interior, "fits": fits,
               "symbolic": {"phase": ph.name, "xi": ph.xi, "eta": ph.eta},
               "signsgd_symbolic": {"phase": sign.name, "xi": sign.xi, "eta": sign.eta},
               "doubts": doubts}
    lines = [f"SGD compute-optimal frontier at (alpha, beta) = ({fr.alpha:g}, {fr.beta:g}): "
             f"{fr.n_interior} of {fr.flops.size} budgets have an interior optimum"]
    for name, f in fr.fits.items():
        lines.append(f"  {name}: " + (
            f"xi = {f.xi:.4f} [{f.xi_ci[0]:.4f}, {f.xi_ci[1]:.4f}], eta = {f.eta:.4f} "
            f"[{f.eta_ci[0]:.4f}, {f.eta_ci[1]:.4f}] (95 %), R² {f.xi_r2:.4f} / {f.eta_r2:.4f},"
            f" {f.n_budgets} budgets in f = [{f.window[0]:.3g}, {f.window[1]:.3g}]"
            if f.success else f"no fit ({f.message})"))
    lines.append(f"  symbolic (phase {ph.name}): xi = {ph.xi:.4f}, eta = {ph.eta:.4f}; signSGD "
                 f"(area {sign.name}): xi = {sign.xi:.4f}, eta = {sign.eta:.4f} (measured by "
                 f"`compute-optimal --optimizer signsgd`: 25-31 s of CPU)")
    lines += [f"  warning: {d}" for d in doubts]
    return Part("frontier", "Compute-optimal frontier: fitted against symbolic exponents", draw,
                numbers, lines)


def _index_html(parts: list[Part], summary: str, title: str) -> str:
    blocks = "\n".join(
        f'<h2>{html.escape(p.title)}</h2>\n<img src="{p.name}.png" alt="{html.escape(p.title)}" '
        f'style="max-width:720px">\n<pre style="white-space:pre-wrap">'
        f'{html.escape(chr(10).join(p.lines))}</pre>'
        for p in parts)
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
            f"</title></head>\n<body style=\"font-family:sans-serif;max-width:760px;margin:auto\">"
            f"\n<h1>{html.escape(title)}</h1>\n<img src=\"tour.png\" alt=\"the tour in one "
            f"picture\" style=\"max-width:740px\">\n{blocks}\n<h2>Summary</h2>\n"
            f"<pre style=\"white-space:pre-wrap\">"
            f"{html.escape(summary)}</pre>\n<p>The same numbers: <a href=\"summary.json\">"
            f"summary.json</a>, <a href=\"summary.txt\">summary.txt</a>.</p>\n</body></html>\n")


def run(args: argparse.Namespace) -> int:
    """Run the tour with the parsed flags of ``deterministic-risk demo``; return 0.

    Examples
    --------
    >>> import tempfile
    >>> from deterministic_risk.cli import main
    >>> with tempfile.TemporaryDirectory() as out:   # doctest: +SKIP
    ...     main(["demo", "--out", out, "--scale", "0.1"])
    0
    """
    alpha, beta, scale = args.alpha, args.beta, args.scale
    dr.PLRF(alpha, beta, 2)  # the admissible region, before any computation
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0, c0 = time.perf_counter(), time.process_time()
    first = _timed(_sgd_vs_simulation, alpha, beta, scale)
    second = _timed(_signsgd_vs_sgd, alpha, beta, scale)
    t1, c1 = time.perf_counter(), time.process_time()
    third, fr = _measured_points(alpha, beta, scale)
    third.numbers["seconds"] = {"wall": round(time.perf_counter() - t1, 2),
                                "cpu": round(time.process_time() - c1, 2)}
    fourth = _frontier(fr)
    parts = [first, second, third, fourth]

    fig_all, axes = plt.subplots(2, 2, figsize=(12, 9))
    for part, ax_all in zip(parts, axes.flat):
        fig, ax = plt.subplots(figsize=(6.4, 4.6))
        for a in (ax, ax_all):
            part.draw(a)
        fig.savefig(out / f"{part.name}.png", dpi=110, bbox_inches="tight")
        plt.close(fig)
    fig_all.suptitle(f"deterministic_risk {__version__}: the tour at α = {alpha:g}, "
                     f"β = {beta:g}", fontsize=11)
    fig_all.tight_layout()
    fig_all.savefig(out / "tour.png", dpi=62)
    plt.close(fig_all)

    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    title = f"deterministic_risk {__version__}: a tour at alpha = {alpha:g}, beta = {beta:g}"
    lines = [title, f"scale {scale:g}; {wall:.1f} s wall, {cpu:.1f} s CPU (this process)", ""]
    for i, part in enumerate(parts, 1):
        lines += [f"{i}. {part.lines[0]}", *part.lines[1:], ""]
    lines.append(f"files in {out}: " + ", ".join(
        [f"{p.name}.png" for p in parts] + ["tour.png", "summary.txt", "summary.json",
                                            "index.html"]))
    summary = "\n".join(lines)
    numbers = {"version": __version__, "alpha": alpha, "beta": beta, "scale": scale,
               "seconds": {"wall": round(wall, 2), "cpu": round(cpu, 2)},
               **{p.name: p.numbers for p in parts}}
    (out / "summary.txt").write_text(summary + "\n")
    (out / "summary.json").write_text(json.dumps(numbers, indent=1) + "\n")
    (out / "index.html").write_text(_index_html(parts, summary, title))
    print(summary)
    return 0

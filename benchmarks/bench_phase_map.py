"""Speed and accuracy of measured 20 x 20 (alpha, beta) phase maps (``dr.phase_map``).

Targets: the SGD map with 12 sizes d in [200, 1e5] and budgets 1e4..1e13 in <= 10 minutes, the
signSGD map in <= 30 minutes, both from a cold cache on 2 worker processes; at the interior points
(farther than 0.05 from a symbolic phase boundary) the measured eta within 0.03 of the symbolic
eta for >= 90 % of them.

Parts:

* ``map``: the full map of ``--optimizer`` (cold: a fresh cache directory, in-memory caches of
  the workers start empty), printed with the load average before and after, the columns and
  solves, the accuracy and every interior point that misses; ``--save`` writes the map for
  ``docs/generate_phase_maps.py``.
* ``shared``: what the shared work saves on one (alpha, d) column of 20 targets: the trace
  measure once against one deterministic-equivalent spectrum per beta, and one SGD solve with a
  matrix of initial energies against one solve per beta; for signSGD, the mode inputs once per
  (alpha, d) against once per beta.

The machine may be shared: every timing is an upper bound, printed with the load average.

Run from the repository root:
    python benchmarks/bench_phase_map.py --part map --optimizer sgd --save sgd_map.npz
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

import deterministic_risk as dr
from deterministic_risk import deterministic_equivalent as de
from deterministic_risk.signsgd import large_d, plrf as signsgd_plrf
from deterministic_risk.studies.phase_plane import DEFAULT_D_VALUES, DEFAULT_FLOPS

#: The 20 x 20 grid of the docs: the rectangle of the earlier 10 x 10 sweep, refined.
ALPHAS = np.linspace(0.16, 1.51, 20)
BETAS = np.linspace(0.07, 1.6, 20)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} (1 / 5 / 15 min)"


def cpu_seconds() -> dict[str, float]:
    """User + system CPU time of this process and of its finished child processes (the pool's
    workers are reaped when the pool closes)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"self": me.ru_utime + me.ru_stime, "workers": kids.ru_utime + kids.ru_stime}


def clear_memory_caches() -> None:
    for fn in (de._measures, de._spectrum, de._trace, de._exact_null_space,
               de._cached_population, large_d._column_law, large_d._equivalent,
               large_d._bins_cached, large_d._shared_path, signsgd_plrf._diagonal_law):
        fn.cache_clear()


def bench_map(optimizer: str, workers: int, grid: int, save: Path | None,
              cache: Path | None, options: dict) -> None:
    alphas = np.linspace(ALPHAS[0], ALPHAS[-1], grid)
    betas = np.linspace(BETAS[0], BETAS[-1], grid)
    print(f"{optimizer} {grid} x {grid} map: alpha {alphas[0]:.2f}..{alphas[-1]:.2f}, beta "
          f"{betas[0]:.2f}..{betas[-1]:.2f}, {len(DEFAULT_D_VALUES)} d in "
          f"[200, 1e5], flops 1e4..1e13, {workers} workers, options {options}", flush=True)
    before = load()
    print(f"  before: {before}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        cpu0 = cpu_seconds()
        t0 = time.perf_counter()
        pm = dr.phase_map(alphas, betas, optimizer, backend="local", max_workers=workers,
                          cache_dir=cache or tmp, progress=True, **options)
        seconds = time.perf_counter() - t0
        cpu = {k: v - cpu0[k] for k, v in cpu_seconds().items()}
    print(f"  after:  {load()}")
    print(f"  CPU time: workers {cpu['workers']:.0f} s, this process {cpu['self']:.0f} s; on an "
          f"idle machine the wall time would be about {cpu['workers'] / workers + cpu['self']:.0f}"
          f" s (workers' CPU / {workers} + this process)")
    info = pm.info
    print(f"  wall {seconds:.1f} s (columns {info['wall_seconds']:.1f} s, the rest symbolic "
          f"exponents, boundary distances and fits); {info['columns_computed']} of "
          f"{info['columns']} columns computed, {info['solves']} solves, "
          f"{info['column_seconds']:.0f} s of worker time")
    share, misses = pm.accuracy()
    inside = pm.interior()
    failed = int((inside & ~np.isfinite(pm.eta)).sum())
    print(f"  {int(pm.admissible.sum())} admissible points, {int(inside.sum())} interior; "
          f"|eta - symbolic| <= 0.03 at {share:.1%} of the interior points ({failed} fits "
          f"failed)")
    edge, total = pm.fitted_steps_at_edge()
    if total:
        print(f"  step grid: {edge} of the {total} (point, budget, size) cells of the fits have "
              f"their best step at an end of the grid")
    err = np.abs(pm.eta - pm.eta_theory)[inside]
    print(f"  interior |eta - symbolic|: median {np.nanmedian(err):.4f}, max {np.nanmax(err):.4f}")
    for i, j in zip(*np.nonzero(misses)):
        print(f"    miss: alpha={pm.alphas[i]:.3f} beta={pm.betas[j]:.3f} {pm.phases[i, j]:>5s}: "
              f"eta {pm.eta[i, j]:.4f} vs {pm.eta_theory[i, j]:.4f} "
              f"(distance to a boundary {pm.boundary_distance[i, j]:.3f}, "
              f"{pm.n_budgets[i, j]} budgets)")
    if save is not None:
        pm.info.update(total_seconds=seconds, load_before=before, load_after=load(),
                       workers=workers, cpu_workers=cpu["workers"], cpu_self=cpu["self"])
        pm.to_npz(save)
        print(f"  saved {save}")


def bench_shared(alpha: float, d: int) -> dict:
    betas = [float(b) for b in BETAS if 2 * alpha + 2 * b > 1]
    problems = [dr.PLRF(alpha, b, d) for b in betas]
    flops = DEFAULT_FLOPS
    k = flops / d
    steps = np.unique(np.concatenate([[1], np.ceil(k[k >= 1]).astype(np.int64)]))
    print(f"\nshared work on the column alpha={alpha}, d={d}, {len(betas)} targets; {load()}")
    clear_memory_caches()
    t0 = time.perf_counter()
    for p in problems:
        clear_memory_caches()    # as if each beta were a separate frontier, in its own process
        p.spectrum()
    separate_spectra = time.perf_counter() - t0
    clear_memory_caches()
    t0 = time.perf_counter()
    fam = de.deterministic_spectrum_family(problems)
    shared_spectra = time.perf_counter() - t0
    print(f"  DE spectra: one per beta {separate_spectra:7.1f} s, trace once + forcing of all "
          f"beta {shared_spectra:6.1f} s ({separate_spectra / shared_spectra:.1f}x)")
    opt = dr.SGD(dr.SGD(1.0).stable_lr(fam.member(0)))
    t0 = time.perf_counter()
    for p in problems:
        dr.risk_curve(p, opt, steps)
    separate_solves = time.perf_counter() - t0
    t0 = time.perf_counter()
    dr.risk_curves(fam, opt, steps)
    shared_solves = time.perf_counter() - t0
    print(f"  SGD curves: one solve per beta {separate_solves:7.1f} s, one matrix solve "
          f"{shared_solves:6.1f} s ({separate_solves / shared_solves:.1f}x)")
    clear_memory_caches()
    t0 = time.perf_counter()
    for p in problems:
        clear_memory_caches()
        dr.signsgd.plrf_signsgd_modes(p)
    separate_modes = time.perf_counter() - t0
    clear_memory_caches()
    t0 = time.perf_counter()
    for p in problems:
        dr.signsgd.plrf_signsgd_modes(p)
    shared_modes = time.perf_counter() - t0
    print(f"  signSGD mode inputs: per beta {separate_modes:7.1f} s, shared per (alpha, d) "
          f"{shared_modes:6.1f} s ({separate_modes / shared_modes:.1f}x)")
    top = dr.SignSGD(1.0).max_stable_lr(problems[0])
    t0 = time.perf_counter()
    dr.risk_curve(problems[0], dr.SignSGD(0.1 * top), steps)
    signsgd_curve = time.perf_counter() - t0
    print(f"  one signSGD curve (not shared: nonlinear feedback): {signsgd_curve:.2f} s")
    return {"alpha": alpha, "d": d, "targets": len(betas), "nodes": len(fam), "load": load(),
            "separate_spectra": separate_spectra, "shared_spectra": shared_spectra,
            "separate_solves": separate_solves, "shared_solves": shared_solves,
            "separate_modes": separate_modes, "shared_modes": shared_modes,
            "signsgd_curve": signsgd_curve}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=["map", "shared"], default="map")
    parser.add_argument("--optimizer", choices=["sgd", "signsgd"], default="sgd")
    parser.add_argument("--grid", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--save", type=Path, default=None,
                        help="write the map (.npz) or the shared-work timings (.json)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="cache directory (default: a fresh temporary one, i.e. cold)")
    parser.add_argument("--n-nodes", type=int, default=None,
                        help="signSGD: merge the DE nodes of its modes into about this many "
                             "(the docs' map: 2000)")
    args = parser.parse_args()
    if args.part == "map":
        options = {"curve_options": {"n_nodes": args.n_nodes}} if args.n_nodes else {}
        bench_map(args.optimizer, args.workers, args.grid, args.save, args.cache, options)
    else:
        rows = [bench_shared(1.0, 10_000), bench_shared(0.4, 10_000)]
        if args.save is not None:
            args.save.write_text(json.dumps(rows, indent=1))
            print(f"saved {args.save}")


if __name__ == "__main__":
    main()

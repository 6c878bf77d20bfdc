"""Speed of compute-optimal frontiers (issue 7 targets), with peak memory.

Targets and measurements:

* ``frontier``: one (α, β) frontier with 12 model sizes from 100 to 10⁵ and budgets 10⁴–10¹²,
  deterministic spectra included: <= 60 s on 2 cores. Timed cold (spectra computed, in-memory
  caches cleared) serially and with ``n_jobs=2``, and warm from the disk cache of spectra.
* ``compression``: the same frontier with the DE spectra merged to ``n_nodes`` nodes: time of the
  risk curves and change of the fitted exponents against the full spectra.
* ``sweep``: a 10 × 10 (α, β) grid with ``dr.sweep(backend="local", max_workers=2)``; the
  frontiers are kept in ``--cache`` (the docs figure reads them from there).

Peak memory is the maximum resident set size of this process (resource.getrusage; the pool's
worker processes are not included). Timings depend on the machine's load; the frontier is also
timed three ways (_measure.py: idle / beside a competing process, default / one BLAS thread).

Run from the repository root:
    python benchmarks/bench_compute_optimal.py [--part all] [--cache DIR]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

import deterministic_risk as dr
from _measure import ONCE, load_line, three_way
from deterministic_risk import deterministic_equivalent as de

D_VALUES = np.unique(np.geomspace(100, 1e5, 12).astype(np.int64))
FLOPS = np.geomspace(1e4, 1e12, 81)
#: 10 × 10 grid kept off the critical lines (2α = 1, 2β = 1, α = β, α = 1/4)
SWEEP_ALPHAS = 0.16 + 0.15 * np.arange(10)
SWEEP_BETAS = 0.07 + 0.17 * np.arange(10)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # kB on Linux


def clear_memory_caches() -> None:
    for fn in (de._measures, de._spectrum, de._trace, de._exact_null_space, de._cached_population):
        fn.cache_clear()


def line(name: str, seconds: float, extra: str = "") -> None:
    print(f"{name:<58s} {seconds:8.1f} s  peak RSS {peak_rss_mb():7.0f} MB  {extra}", flush=True)


def bench_frontier(alpha: float, beta: float, cache: Path) -> None:
    print(f"\none frontier: alpha={alpha}, beta={beta}, 12 d in [100, 1e5], flops 1e4..1e12 "
          f"(target <= 60 s)")
    for n_jobs in (1, 2):
        clear_memory_caches()
        t0 = time.perf_counter()
        fr = dr.compute_optimal(alpha, beta, "sgd", D_VALUES, FLOPS, n_jobs=n_jobs,
                                progress=False)
        line(f"cold, n_jobs={n_jobs}", time.perf_counter() - t0,
             f"xi={fr.xi:.4f} eta={fr.eta:.4f}")
    spectra = cache / "spectra"
    clear_memory_caches()
    t0 = time.perf_counter()
    dr.compute_optimal(alpha, beta, "sgd", D_VALUES, FLOPS, n_jobs=2, cache_dir=spectra,
                       progress=False)
    line("cold, n_jobs=2, filling the disk cache", time.perf_counter() - t0)
    clear_memory_caches()
    t0 = time.perf_counter()
    dr.compute_optimal(alpha, beta, "sgd", D_VALUES, FLOPS, cache_dir=spectra, progress=False)
    line("warm disk cache (risk curves only)", time.perf_counter() - t0)
    if ONCE:
        return

    def warm():
        clear_memory_caches()
        dr.compute_optimal(alpha, beta, "sgd", D_VALUES, FLOPS, cache_dir=spectra,
                           progress=False)

    def cold():
        clear_memory_caches()
        dr.compute_optimal(alpha, beta, "sgd", D_VALUES, FLOPS, progress=False)

    three_way("warm disk cache (risk curves only)", warm)
    three_way("cold, n_jobs=1 (spectra and curves)", cold, "<= 60 s", repeat=1)


def bench_compression(alpha: float, beta: float, window) -> None:
    print(f"\nnode compression: alpha={alpha}, beta={beta}, 12 d in [100, 1e5], fit window "
          f"{window}; spectra already in memory, so the time is that of the risk curves")
    dr.compute_optimal(alpha, beta, "sgd", D_VALUES, FLOPS, progress=False)  # fill the caches
    ref = None
    for n_nodes in (None, 8000, 4000, 2000, 1000, 500, 250):
        t0 = time.perf_counter()
        fr = dr.compute_optimal(alpha, beta, "sgd", D_VALUES, FLOPS, n_nodes=n_nodes,
                                fit_window=window, progress=False)
        el = time.perf_counter() - t0
        if ref is None:
            ref = fr
        nodes = len(dr.PLRF(alpha, beta, int(D_VALUES[-1])).spectrum(n_nodes=n_nodes))
        fin = np.isfinite(ref.losses) & np.isfinite(fr.losses)
        rel = np.max(np.abs(fr.losses[fin] / ref.losses[fin] - 1))
        line(f"n_nodes={n_nodes} ({nodes} nodes at d=1e5)", el,
             f"xi={fr.xi:.4f} ({fr.xi - ref.xi:+.4f}) eta={fr.eta:.4f} "
             f"({fr.eta - ref.eta:+.4f}) max rel. risk change {rel:.1e}")


def bench_sweep(cache: Path, d_max: float) -> None:
    d_values = np.unique(np.geomspace(100, d_max, 12).astype(np.int64))
    points = [(float(a), float(b)) for a in SWEEP_ALPHAS for b in SWEEP_BETAS
              if 2 * a + 2 * b > 1.05]
    print(f"\n10 x 10 sweep: {len(points)} admissible points, 12 d in [100, {d_max:g}], "
          f"flops 1e4..1e12, backend='local', max_workers=2, cache {cache}")
    t0 = time.perf_counter()
    frs = dr.sweep(points, backend="local", max_workers=2, cache_dir=cache / "sweep",
                   d_values=d_values, flops=FLOPS)
    line("sweep (cached points are loaded, not recomputed)", time.perf_counter() - t0,
         f"{sum(np.isfinite(f.eta) for f in frs)} fitted")


def main() -> None:
    print(load_line())
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=["frontier", "compression", "sweep", "all"],
                        default="all")
    parser.add_argument("--cache", type=Path, default=None,
                        help="directory of the spectra and sweep caches (default: temporary)")
    parser.add_argument("--sweep-d-max", type=float, default=1e5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        if args.part in ("frontier", "all"):
            bench_frontier(0.7, 0.7, cache)
            bench_frontier(1.0, 0.3, cache)
        if args.part in ("compression", "all"):
            bench_compression(0.7, 0.7, (1e8, 1e10))
            bench_compression(0.4, 1.5, (1e7, 1e9))
        if args.part in ("sweep", "all"):
            bench_sweep(cache, args.sweep_d_max)


if __name__ == "__main__":
    main()

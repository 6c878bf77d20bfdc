"""Speed of the deterministic-equivalent PLRF spectrum (issue 3 targets), with peak memory.

Targets (v = 4d): d = 1e4 in <= 5 s, d = 1e5 in <= 30 s, d = 1e6 in <= 5 min and <= 8 GB.
Also times an SGD risk curve to k = 1e12 on the d = 1e5 spectrum, and fits the exponent of time
against d. The spectra up to d = 1e5 and the curve are also timed three ways (_measure.py).
Peak memory is the process's maximum resident set size (resource.getrusage), which
includes the Python interpreter and numpy.

Run from the repository root:  python benchmarks/bench_deterministic_equivalent.py [--max-d 1e6]
"""

import argparse
import resource
import time

import numpy as np

import deterministic_risk as dr
from _measure import ONCE, load_line, three_way
from deterministic_risk import deterministic_equivalent as de


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB on Linux


def clear_caches() -> None:
    for fn in (de._measures, de._spectrum, de._trace, de._exact_null_space,
               de._cached_population):
        fn.cache_clear()


def main() -> None:
    print(load_line())
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-d", type=float, default=1e6)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--beta", type=float, default=0.5)
    args = parser.parse_args()
    sizes = [int(d) for d in (1e3, 1e4, 1e5, 1e6) if d <= args.max_d]
    times = []
    for d in sizes:
        prob = dr.PLRF(args.alpha, args.beta, d=d)
        t0 = time.perf_counter()
        spec = prob.spectrum()
        elapsed = time.perf_counter() - t0
        times.append(elapsed)
        meas = dr.deterministic_equivalent.deterministic_measures(prob)
        lam = prob.population_eigenvalues
        tr = lam.sum()
        err_mass = abs(spec.dimension / d - 1)
        err_m1 = abs(np.sum(spec.counts * spec.eigenvalues) / tr - 1)
        err_f = abs(spec.initial_risk / prob.initial_risk - 1)
        print(f"d={d:>8d} v={prob.v:>8d}  spectrum {elapsed:8.2f} s  nodes {len(spec):6d}  "
              f"atoms {meas.n_atoms:6d}  intervals {len(meas.support):4d}  "
              f"peak RSS {peak_rss_gb():.2f} GB  |mass-d|/d {err_mass:.1e}  "
              f"|m1-trD|/trD {err_m1:.1e}  |R0 err| {err_f:.1e}", flush=True)
        if d == 100_000:
            lr = 0.5 * dr.max_stable_lr(spec)
            steps = np.unique(np.geomspace(1, 1e12, 200).astype(np.int64))
            curve = three_way(f"    SGD risk curve to k=1e12 on this spectrum ({len(spec)} nodes, "
                              f"lr={lr:.3g})",
                              lambda: dr.risk_curve(spec, dr.SGD(lr), steps, solver=dr.solvers.LogTimeBlocks()))
            print(f"    R(1e12)={curve.risk[-1]:.4g}, limit {dr.SGD(lr).limit(prob):.4g}",
                  flush=True)
        clear_caches()
        if d <= 100_000 and not ONCE:
            # the panels are large dense products: default threads against one thread
            three_way(f"    spectrum d={d}, cold", lambda: (prob.spectrum(), clear_caches()),
                      repeat=1 if d == 100_000 else None)
    if len(sizes) >= 2:
        slope = np.polyfit(np.log(sizes[1:] if len(sizes) > 2 else sizes),
                           np.log(times[1:] if len(sizes) > 2 else times), 1)[0]
        print(f"time ~ d^{slope:.2f} (fit over d >= {sizes[1] if len(sizes) > 2 else sizes[0]})")


if __name__ == "__main__":
    main()

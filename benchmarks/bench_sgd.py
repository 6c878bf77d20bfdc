"""Speed of the SGD risk curve and of the SGD simulator (issue targets in brackets).

Run: python benchmarks/bench_sgd.py [--quick]
"""

from __future__ import annotations

import argparse

import numpy as np

import deterministic_risk as dr
from _measure import measure, report


def main(quick: bool) -> None:
    # 1. a 10⁴-node power-law spectrum, k to 10⁹, 400 output points
    n = 10_000
    lam = np.arange(1, n + 1, dtype=float) ** -1.5
    spec = dr.Spectrum(lam, 0.5 * np.arange(1, n + 1, dtype=float) ** -2.0, floor=1e-4)
    steps = np.unique(np.geomspace(1, 1e9, 400).astype(np.int64))
    opt = dr.SGD(0.5 * dr.max_stable_lr(spec))
    curve, t, mb = measure(lambda: dr.risk_curve(spec, opt, steps, solver=dr.solvers.LogTimeBlocks()), repeat=3)
    report(f"risk curve, 1e4 nodes, k <= 1e9, {steps.size} points [{curve.message}]", t, mb,
           "<= 0.5 s")
    wsd = dr.SGD(dr.schedules.WSD(opt.lr.max_lr, 1e9, warmup_frac=0.01, decay_frac=0.2))
    curve, t, mb = measure(lambda: dr.risk_curve(spec, wsd, steps, solver=dr.solvers.LogTimeBlocks()), repeat=3)
    report(f"same with a WSD schedule [{curve.message}]", t, mb)

    # 2. SGD simulation, PLRF d = 1000, v = 4000, 16 runs, 10⁵ steps, spectrum included
    n_steps = 10**4 if quick else 10**5
    prob = dr.PLRF(1.0, 0.7, d=1000)
    sim_steps = np.unique(np.geomspace(1, n_steps, 100).astype(np.int64))

    def run():
        dr.problems._plrf_instance.cache_clear()
        spectrum = prob.spectrum(method="sampled", seed=0)
        return dr.simulate(prob, dr.SGD(0.5 * dr.max_stable_lr(spectrum)), sim_steps,
                           n_runs=16, seed=0)

    _, t, mb = measure(run)
    report(f"simulate PLRF d=1000 v=4000, 16 runs, {n_steps:.0e} steps, spectrum incl.", t, mb,
           "<= 30 s for 1e5 steps")
    numbers = 16 * 1000 * n_steps
    rng = np.random.default_rng(0)
    block = 100

    def floor():
        for _ in range(n_steps // block):
            rng.standard_normal((block, 16, 1000))

    _, t, _ = measure(floor)
    report(f"floor: drawing the {numbers:.1e} normals on one thread", t, 0.0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10⁴ simulated steps instead of 10⁵")
    main(parser.parse_args().quick)

"""Speed of the large-d signSGD model on PLRF (targets: d = 1e4 in <= 10 s, 1e5 in <= 60 s,
1e6 in <= 10 min, cold, with the curve to k = 1e9 for a constant step and for WSD).

Run from the repository root: ``OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python
benchmarks/bench_signsgd_large_d.py [d ...]``. Every stage runs once on cold caches; each line gives
the wall time and the peak memory (process RSS), and the CPU time of the process beside it: on a
shared machine the wall time is an upper bound and the CPU time estimates an idle machine's.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

import deterministic_risk as dr
from _measure import timed


def stage(label: str, function, target: str = ""):
    """``timed`` (wall time, peak RSS) plus the CPU time of the stage."""
    cpu = time.process_time()
    out = timed(label, function, target, traced=False)
    print(f"{'':<60s} {time.process_time() - cpu:9.3f} s CPU", flush=True)
    return out


def main(sizes: list[int]) -> None:
    print(f"OPENBLAS_NUM_THREADS = {os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    steps = np.unique(np.geomspace(1, 1e9, 300).astype(np.int64))
    targets = {10_000: "<= 10 s total", 100_000: "<= 60 s total", 1_000_000: "<= 10 min total"}
    for d in sizes:
        prob = dr.PLRF(1.0, 0.3, d)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        model = stage(f"d = {d:.0e}: large-d model (law, kernels, bins; cold)",
                      lambda: dr.signsgd.signsgd_equivalent(prob))
        print(f"    {model.modes.eigenvalues.size} nodes, {model.bins.shape[0]} bins, raw totals "
              f"{', '.join(f'{c:.6f}' for c in model.mass_check)}")
        lr = dr.signsgd.signsgd_lr_for_excess(prob, 1e-4)
        curve = stage("  ODE to k = 1e9, 300 points, constant step",
                      lambda: dr.risk_curve(prob, dr.SignSGD(lr), steps))
        wsd = dr.SignSGD(dr.schedules.WSD(lr, 1e9, 0.01, 0.2))
        stage("  ODE to k = 1e9, 300 points, WSD (warmup 1 %, decay 20 %)",
              lambda: dr.risk_curve(prob, wsd, steps))
        print(f"    {curve.message}; total {time.perf_counter() - wall0:.1f} s wall, "
              f"{time.process_time() - cpu0:.1f} s CPU (target {targets.get(d, '-')})",
              flush=True)


if __name__ == "__main__":
    main([int(float(a)) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])

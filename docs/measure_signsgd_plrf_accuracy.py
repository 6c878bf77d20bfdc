"""Measure the signSGD risk ODE on PLRF against simulation and the exact-drift SDE (the accuracy
tables of docs/signsgd_plrf.md). Takes several minutes.

Run from the repository root:
``OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python docs/measure_signsgd_plrf_accuracy.py [early]``.
"""

from __future__ import annotations

import sys

import numpy as np

import deterministic_risk as dr


def early(cases=((500, 32), (1000, 16), (2000, 8)), points=((1.0, 0.3), (0.4, 0.7))) -> None:
    """Linearised ODE vs mean of signSGD runs vs the arcsine-drift homogenized SDE, k <= 10 d."""
    print("| α | β | d | runs | k range | ODE max rel. dev. (k < d) | ODE max (d <= k <= 10d) |"
          " SDE max (k < d) | SDE max (d <= k <= 10d) | max s.e./mean |")
    for alpha, beta in points:
        for d, runs in cases:
            prob = dr.PLRF(alpha, beta, d)
            inst = prob.instance(0)
            lr = dr.signsgd.signsgd_lr_for_excess(prob, 0.02 * (prob.initial_risk - inst.floor),
                                          method="sampled")
            opt = dr.SignSGD(lr)
            steps = np.unique(np.geomspace(1, 10 * d, 40).astype(np.int64))
            ode = dr.risk_curve(prob, opt, steps, spectrum_method="sampled")
            sim = dr.simulate(prob, opt, steps, n_runs=runs, seed=1)
            sde = dr.signsgd.homogenized_signsgd(prob, opt, steps, n_runs=runs, seed=2)
            dev_o = ode.risk / sim.mean - 1
            dev_s = sde.mean / sim.mean - 1
            e = steps < d
            late = steps >= d
            print(f"| {alpha} | {beta} | {d} | {runs} | 1–{10 * d} | {np.abs(dev_o[e]).max():.3f} "
                  f"| {np.abs(dev_o[late]).max():.3f} | {np.abs(dev_s[e]).max():.3f} | "
                  f"{np.abs(dev_s[late]).max():.3f} | {(sim.stderr / sim.mean).max():.3f} |",
                  flush=True)


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "early"
    if which == "early":
        early()
    else:
        raise SystemExit(f"unknown command {which!r}; use 'early' (the large-d model is measured "
                         f"by docs/measure_signsgd_large_d.py)")

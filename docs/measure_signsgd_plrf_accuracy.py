"""Measure the signSGD risk ODE on PLRF against simulation, the exact-drift SDE and the large-d
model (the accuracy tables of docs/signsgd_plrf.md). Takes several minutes.

Run from the repository root:
``OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python docs/measure_signsgd_plrf_accuracy.py [early|large-d]``.
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


def large_d(points=((1.0, 0.3), (1.0, 1.2), (1.5, 0.5), (0.4, 0.7), (0.7, 0.3)),
            ds=(500, 1000, 2000)) -> None:
    """Large-d model (law and flat diagonal) vs the sampled modes of one W, same step."""
    print("| α | β | d | law: max rel. dev. | law: at k = 1e7 | flat: max | flat: at k = 1e7 |")
    steps = np.unique(np.geomspace(1, 1e7, 80).astype(np.int64))
    for alpha, beta in points:
        for d in ds:
            prob = dr.PLRF(alpha, beta, d)
            lr = dr.signsgd.signsgd_lr_for_excess(prob, 1e-3 * prob.initial_risk, method="sampled")
            opt = dr.SignSGD(lr)
            ref = dr.risk_curve(prob, opt, steps, spectrum_method="sampled").risk
            law = dr.risk_curve(prob, opt, steps).risk / ref - 1
            flat = dr.risk_curve(prob, opt, steps, diagonal="flat").risk / ref - 1
            print(f"| {alpha} | {beta} | {d} | {np.abs(law).max():.3f} | {law[-1]:+.3f} | "
                  f"{np.abs(flat).max():.3f} | {flat[-1]:+.3f} |", flush=True)


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "both"
    if which in ("large-d", "both"):
        large_d()
    if which in ("early", "both"):
        early()

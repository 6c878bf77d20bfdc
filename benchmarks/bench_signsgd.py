"""Speed of the signSGD risk ODE at d = 2000 (issue targets: ODE inputs <= 10 s, integration to
k = 1e8 with 300 output points <= 1 s).

Run from the repository root: ``python benchmarks/bench_signsgd.py``. Prints the three-way timings
(_measure.py) and the peak traced memory (tracemalloc) of each stage.
"""

from __future__ import annotations

import os

import numpy as np

import deterministic_risk as dr
from _measure import load_line, timed



def main(d: int = 2000) -> None:
    print(load_line())
    print(f"d = {d}, OPENBLAS_NUM_THREADS = {os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    s = np.exp(rng.uniform(-0.5, 0.5, d))
    K = s[:, None] * ((q * np.arange(1, d + 1) ** -1.0) @ q.T) * s[None, :]
    K = 0.5 * (K + K.T)
    theta = rng.standard_normal(d)
    steps = np.unique(np.geomspace(1, 1e8, 300).astype(np.int64))
    prob = timed("problem construction (eigh of K, not an ODE input)",
                    lambda: dr.GaussianLeastSquares(K, theta, noise=dr.noise.Gaussian(0.5)))
    timed("ODE inputs: eigh(D^-1/4 K D^-1/4), arcsin matrix, kappa, v0 (cold)",
          lambda: dr.signsgd.signsgd_modes(prob), cold=True)
    for name, law in [("Gaussian", dr.noise.Gaussian(0.5)), ("Cauchy", dr.noise.Cauchy(0.5)),
                      ("Student-t(3)", dr.noise.StudentT(3.0, 0.5))]:
        p = dr.GaussianLeastSquares(K, theta, noise=law) if name != "Gaussian" else prob
        if name != "Gaussian":
            p._cache["signsgd_modes"] = dr.signsgd.signsgd_modes(prob)   # same K, θ*: same inputs
        for label, opt in [("constant lr", dr.SignSGD(0.5 / d)),
                           ("cosine to 1e8", dr.SignSGD(dr.schedules.Cosine(1.0 / d, 1e8))),
                           ("risk-proportional",
                            dr.SignSGD(dr.schedules.RiskProportional(0.2 / d, law)))]:
            curve = timed(f"integrate to k = 1e8, {steps.size} points, {name}, {label}",
                             lambda: dr.risk_curve(p, opt, steps))
            print(f"    {curve.message}")


if __name__ == "__main__":
    main()

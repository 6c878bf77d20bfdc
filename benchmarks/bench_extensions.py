"""Time and peak memory of the SDE simulators and of the monomial-feature covariance.

Run from the repository root:  python -m benchmarks.bench_extensions
Prints the three-way timings (_measure.py) and the peak traced memory (tracemalloc) of each case.
"""

from __future__ import annotations


import numpy as np

import deterministic_risk as dr
from _measure import load_line, timed
from deterministic_risk import sde



def main() -> None:
    print(load_line())
    d, n, k = 20, 400, 35_000
    h = np.linspace(0.5, 2.0, d)
    gauss = sde.NoisyQuadratic(h, 1.0)
    cauchy = sde.NoisyQuadratic(h, 1.0, noise=N.StudentT(1.0, 1.0))
    x0 = np.zeros(d)
    common = dict(x0=x0, average_from=15_000)
    print(f"SDE / optimizer runs: d = {d}, {n} paths, {k} iterations (the slow-test setting)")
    for name, prob, method in [("SignSGD gauss", gauss, sde.SignSGDModel(1e-3)),
                               ("SignSGD cauchy", cauchy, sde.SignSGDModel(1e-3)),
                               ("RMSpropW", gauss, sde.RMSpropWModel(1e-3, weight_decay=1.0)),
                               ("AdamW", gauss, sde.AdamWModel(1e-3, weight_decay=1.0))]:
        timed(f"  simulate_sde   {name}",
                lambda: sde.simulate_sde(prob, method, [k], n_paths=n, **common))
        timed(f"  run_optimizer  {name}",
                lambda: sde.run_optimizer(prob, method, [k], n_runs=n, **common))
    print("monomial features: covariance + eigendecomposition (alpha = 1.5, v = 4d)")
    for d_rf in (500, 1000, 1500):
        for p in (2, 4):
            def spectrum(d_rf=d_rf, p=p):
                dr.monomial_features.MonomialRF.power_law(1.5, 0.5, d_rf, p, seed=d_rf + p).spectrum()
            timed(f"  MonomialRF.spectrum d = {d_rf}, v = {4 * d_rf}, p = {p}", spectrum)


if __name__ == "__main__":
    main()

"""Speed of the signSGD risk ODE on PLRF (issue targets: large-d model at d = 1e4 to k = 1e9
<= 10 s; sampled path at d = 2000 including the eigendecomposition <= 30 s).

Run from the repository root: ``PYTHONPATH=. python benchmarks/bench_signsgd_plrf.py``. Prints
the three-way timings (_measure.py) of the ODE runs and wall time and peak traced memory of each
stage; the cold stages (first call, caches filled) run once.
"""

from __future__ import annotations

import os

import numpy as np

import deterministic_risk as dr
from _measure import load_line, timed



def main() -> None:
    print(load_line())
    print(f"OPENBLAS_NUM_THREADS = {os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    for d in (10_000, 100_000):
        prob = dr.PLRF(1.0, 0.3, d)
        steps = np.unique(np.geomspace(1, 1e9, 300).astype(np.int64))
        lr = timed(f"large-d model (signsgd_equivalent), d = {d:.0e} (cold)",
                   lambda: dr.signsgd.signsgd_lr_for_excess(prob, 1e-4), cold=True)

        def run():
            return dr.risk_curve(prob, dr.SignSGD(lr), steps)

        curve = timed(f"  ODE to k = 1e9, 300 points (cold total = this + above)", run,
                      "<= 10 s total" if d == 10_000 else "")
        print(f"    {curve.message}; {dr.signsgd.plrf_signsgd_modes(prob)[0].eigenvalues.size} nodes")
        wsd = dr.SignSGD(dr.schedules.WSD(lr, 1e9, 0.01, 0.2))
        timed(f"  same, WSD to 1e9", lambda: dr.risk_curve(prob, wsd, steps))
    d = 2000
    prob = dr.PLRF(1.0, 0.3, d)
    steps = np.unique(np.geomspace(1, 1e9, 300).astype(np.int64))

    def sampled():
        lr = dr.signsgd.signsgd_lr_for_excess(prob, 1e-4, method="sampled")
        return dr.risk_curve(prob, dr.SignSGD(lr), steps, spectrum_method="sampled")

    curve = timed("sampled path, d = 2000, to k = 1e9 (SVD of W, eigh, arcsin, ODE)", sampled,
                  "<= 30 s", cold=True)
    print(f"    {curve.message}")


if __name__ == "__main__":
    main()

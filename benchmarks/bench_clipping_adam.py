"""Speed of the clipped-SGD and Adam-candidate risk ODEs and of the step-size searches.

Run from the repository root: ``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_clipping_adam.py``.
Prints the best wall time and the peak traced memory (tracemalloc) of each stage. The issue sets
no speed target for these items; the numbers are reported in docs/clipping_adam.md and
docs/lr_selection.md.
"""

from __future__ import annotations

import os

import numpy as np

import deterministic_risk as dr
from _measure import load_line, timed


def main() -> None:
    print(load_line())
    print(f"OPENBLAS_NUM_THREADS = {os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    rng = np.random.default_rng(0)
    d = 2000
    lam = np.linspace(0.1, 2.0, d)
    theta = rng.standard_normal(d) / np.sqrt(d)
    steps = np.unique(np.geomspace(1, 1e8, 300).astype(np.int64))
    trace = lam.sum()
    for name, law in (("Gaussian", dr.noise.Gaussian(0.5)), ("Cauchy", dr.noise.Cauchy(0.5)),
                      ("Student-t(3)", dr.noise.StudentT(3.0, 0.5)),
                      ("Uniform (quadrature)", dr.noise.Uniform(0.5))):
        prob = dr.GaussianLeastSquares(lam, theta, noise=law)
        opt = dr.ClippedSGD(0.5 / trace, threshold=0.5 * np.sqrt(trace))
        curve = timed(f"ClippedSGD ODE, d = {d}, k to 1e8, 300 points, {name}",
                      lambda: dr.risk_curve(prob, opt, steps))
        print(f"    {curve.message}")
    # Adam candidate: dense rotated covariance, d = 1000, k to 1e6
    d = 1000
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    s = np.exp(rng.uniform(-0.5, 0.5, d))
    K = s[:, None] * ((q * np.linspace(0.1, 2.0, d)) @ q.T) * s[None, :]
    prob = dr.GaussianLeastSquares(0.5 * (K + K.T), rng.standard_normal(d) / np.sqrt(d),
                                   noise_std=0.5)
    dr.signsgd.signsgd_modes(prob)
    steps = np.unique(np.geomspace(1, 1e6, 300).astype(np.int64))
    opt = dr.Adam(0.5 / d, beta2=1 - 1 / d)
    curve = timed(f"Adam candidate ODE, d = {d}, k to 1e6, 300 points (modes cached)",
                  lambda: dr.risk_curve(prob, opt, steps))
    print(f"    {curve.message}")
    # step-size searches on a power-law spectrum (SGD) and on the dense problem (signSGD)
    d = 1000
    lam = np.arange(1, d + 1) ** -1.0
    spec = dr.Spectrum(lam, 0.5 * lam * np.arange(1, d + 1) ** -0.5, floor=0.02)
    T = 100 * d
    res = timed(f"optimal_lr SGD constant, {d} nodes, T = {T}",
                lambda: dr.optimal_lr(spec, dr.SGD, T))
    print(f"    {res.n_evaluations} curves")
    res = timed(f"optimal_lr SGD WSD peak, {d} nodes, T = {T}",
                lambda: dr.optimal_lr(spec, lambda p: dr.SGD(dr.schedules.WSD(p, T)), T))
    print(f"    {res.n_evaluations} curves")
    res = timed(f"optimal_lr signSGD constant, d = 1000 dense, T = {T}",
                lambda: dr.optimal_lr(prob, dr.SignSGD, T))
    print(f"    {res.n_evaluations} curves")
    timed(f"greedy SGD (exact recursion), {d} nodes, T = {T}",
          lambda: dr.studies.greedy_risk_curve(spec, dr.SGD(1.0), [0, T]))
    timed(f"greedy signSGD (LSODA), d = 1000 dense, T = {T}",
          lambda: dr.studies.greedy_risk_curve(prob, dr.SignSGD(1.0), [0, T]))


if __name__ == "__main__":
    main()

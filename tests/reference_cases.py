"""Reference risk curves that guard refactors: every optimizer × problem kind, a few schedules.

``python tests/reference_cases.py`` recomputes them and stores ``tests/data/reference_curves.npz``;
``tests/test_reference_curves.py`` asserts that the current code reproduces the stored values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import deterministic_risk as dr

DATA = Path(__file__).parent / "data" / "reference_curves.npz"
STEPS = np.unique(np.geomspace(1, 1e6, 40).astype(np.int64))
SHORT = np.unique(np.geomspace(1, 2e4, 25).astype(np.int64))


def _problems():
    rng = np.random.default_rng(3)
    d = 30
    lam = np.arange(1, d + 1, dtype=float) ** -1.2
    theta = rng.standard_normal(d) * np.arange(1, d + 1) ** -0.6
    covariance = dr.problems.rotated_covariance(lam, seed=5)
    return {
        "spectrum": dr.Spectrum(lam, theta**2 * lam, floor=0.01),
        "gls_gauss": dr.GaussianLeastSquares(covariance, theta, noise=dr.noise.Gaussian(0.2)),
        "gls_laplace": dr.GaussianLeastSquares(lam, theta, noise=dr.noise.Laplace(0.3)),
        "plrf": dr.PLRF(alpha=1.0, beta=0.7, d=100),
    }


def cases():
    """Name -> zero-argument callable returning (steps, risk)."""
    p = _problems()
    spec_plrf = p["plrf"].spectrum()
    sampled = p["plrf"].spectrum(method="sampled", seed=1)
    lr_sgd = 0.5 * dr.max_stable_lr(sampled)
    wsd = dr.schedules.WSD(peak=lr_sgd, total=10**6, decay_frac=0.2)
    cos = dr.schedules.Cosine(peak=lr_sgd, total=10**6)

    def run(problem, optimizer, steps=STEPS, **kw):
        def f():
            c = dr.risk_curve(problem, optimizer, steps, **kw)
            return c.steps, c.risk
        return f

    def sim(problem, optimizer, steps=SHORT[SHORT <= 2000], function=dr.simulate, **kw):
        def f():
            s = function(problem, optimizer, steps, n_runs=4, seed=7, **kw)
            return s.steps, s.runs.ravel()
        return f

    return {
        "simulate_sgd_plrf": sim(p["plrf"], dr.SGD(lr=0.5 * lr_sgd, batch=2), feature_seed=1),
        "simulate_sgd_plrf_faithful": sim(p["plrf"], dr.SGD(lr=wsd), faithful=True, feature_seed=1),
        "simulate_signsgd_gls": sim(p["gls_laplace"], dr.SignSGD(lr=0.002)),
        "simulate_clipped_gls": sim(p["gls_gauss"], dr.ClippedSGD(lr=0.2, threshold=1.0)),
        "simulate_adam_gls": sim(p["gls_gauss"], dr.Adam(lr=0.01, beta1=0.9, beta2=0.99)),
        "homogenized_signsgd_gls": sim(p["gls_gauss"], dr.SignSGD(lr=0.002),
                                       function=dr.signsgd.homogenized_signsgd),
        "sgd_spectrum": run(p["spectrum"], dr.SGD(lr=0.3)),
        "sgd_spectrum_exact": run(p["spectrum"], dr.SGD(lr=0.4, batch=3), SHORT,
                                  solver=dr.solvers.ExactRecursion()),
        "sgd_gls": run(p["gls_gauss"], dr.SGD(lr=0.2, batch=2)),
        "sgd_plrf_de": run(spec_plrf, dr.SGD(lr=0.5 * dr.max_stable_lr(spec_plrf))),
        "sgd_plrf_sampled_wsd": run(sampled, dr.SGD(lr=wsd)),
        "sgd_plrf_sampled_cosine": run(sampled, dr.SGD(lr=cos, batch=4)),
        "signsgd_gls_gauss": run(p["gls_gauss"], dr.SignSGD(lr=0.002)),
        "signsgd_gls_laplace_wsd": run(p["gls_laplace"], dr.SignSGD(
            lr=dr.schedules.WSD(peak=0.003, total=10**6, decay_frac=0.3))),
        "signsgd_plrf_de": run(p["plrf"], dr.SignSGD(lr=0.002)),
        "signsgd_plrf_sampled": run(p["plrf"], dr.SignSGD(lr=0.002), spectrum_method="sampled",
                                    feature_seed=1),
        "clipped_gls": run(p["gls_laplace"], dr.ClippedSGD(lr=0.2, threshold=1.0)),
        "adam_gls": run(p["gls_gauss"], dr.Adam(lr=0.01, beta1=0.9, beta2=0.99), SHORT),
    }


def compute() -> dict[str, np.ndarray]:
    out = {}
    for name, f in cases().items():
        steps, risk = f()
        out[name + "/steps"] = steps
        out[name + "/risk"] = risk
    return out


if __name__ == "__main__":
    DATA.parent.mkdir(exist_ok=True)
    np.savez_compressed(DATA, **compute())
    print(f"stored {len(cases())} reference curves in {DATA}")

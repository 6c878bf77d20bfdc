"""Problems and spectra: construction, validation, exact sampled quantities."""

import numpy as np
import pytest

import deterministic_risk as dr


def test_plrf_sampled_spectrum_matches_dense_computation():
    prob = dr.PLRF(alpha=1.1, beta=0.4, d=40, v=120)
    spec = prob.spectrum(method="sampled", seed=4)
    w = prob.sample_features(4)
    dmat = np.diag(prob.population_eigenvalues)
    k = w.T @ dmat @ w
    np.testing.assert_allclose(np.sort(spec.eigenvalues), np.linalg.eigvalsh(k), rtol=1e-10,
                               atol=1e-14)
    # floor R* = min_θ ½‖D^{1/2}(Wθ − b)‖², by least squares
    a = np.sqrt(prob.population_eigenvalues)[:, None] * w
    theta, *_ = np.linalg.lstsq(a, prob.weighted_target, rcond=None)
    r = a @ theta - prob.weighted_target
    assert spec.floor == pytest.approx(0.5 * r @ r, rel=1e-10)
    inst = prob.instance(4)
    np.testing.assert_allclose(inst.theta_star, theta, rtol=1e-8)
    assert spec.initial_risk == pytest.approx(prob.initial_risk, rel=1e-12)


def test_gaussian_least_squares_accepts_matrix_or_eigenvalues():
    rng = np.random.default_rng(0)
    lam = np.array([2.0, 1.0, 0.5])
    q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    theta = rng.standard_normal(3)
    dense = dr.GaussianLeastSquares((q * lam) @ q.T, theta)
    factored = dr.GaussianLeastSquares(lam, theta, eigenvectors=q)
    a, b = dense.spectrum(), factored.spectrum()
    assert a.initial_risk == pytest.approx(b.initial_risk, rel=1e-12)
    assert a.initial_risk == pytest.approx(0.5 * theta @ ((q * lam) @ q.T) @ theta, rel=1e-12)


@pytest.mark.slow
def test_diagonal_problem_with_a_million_parameters():
    d = 10**6
    lam = np.arange(1, d + 1, dtype=float) ** -1.2
    prob = dr.GaussianLeastSquares(lam, np.ones(d), noise_std=0.1)
    curve = dr.risk_curve(prob, dr.SGD(0.5 * dr.max_stable_lr(prob.spectrum())),
                          [0, 10**3, 10**9], solver=dr.solvers.LogTimeBlocks())
    assert curve.success and curve.risk[-1] < curve.risk[0]


@pytest.mark.parametrize("kwargs, message", [
    (dict(alpha=0.0, beta=1.0, d=10), "alpha must be > 0"),
    (dict(alpha=-1.0, beta=1.0, d=10), "alpha must be > 0"),
    (dict(alpha=0.3, beta=0.1, d=10), "2\\*alpha \\+ 2\\*beta > 1"),
    (dict(alpha=1.0, beta=1.0, d=0), "d must be an integer >= 1"),
    (dict(alpha=1.0, beta=1.0, d=10, v=10), "v must be > d"),
    (dict(alpha=1.0, beta=float("nan"), d=10), "beta must be finite"),
    (dict(alpha=1.0, beta=1.0, d=10, noise_std=-1.0), "noise_std must be >= 0"),
])
def test_plrf_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dr.PLRF(**kwargs)


def test_bad_covariances_are_rejected():
    with pytest.raises(ValueError, match="covariance must be finite"):
        dr.GaussianLeastSquares([[1.0, np.nan], [np.nan, 1.0]], [0.0, 0.0])
    with pytest.raises(ValueError, match="symmetric"):
        dr.GaussianLeastSquares([[1.0, 0.5], [0.0, 1.0]], [0.0, 0.0])
    with pytest.raises(ValueError, match="positive semi-definite"):
        dr.GaussianLeastSquares([[1.0, 2.0], [2.0, 1.0]], [0.0, 0.0])
    with pytest.raises(ValueError, match="theta_star must have length d=2"):
        dr.GaussianLeastSquares([1.0, 2.0], [0.0])


def test_spectrum_validation():
    with pytest.raises(ValueError, match="weights must have the shape"):
        dr.Spectrum([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="eigenvalues must be non-negative"):
        dr.Spectrum([-1.0], [1.0])
    with pytest.raises(ValueError, match="weights must be finite"):
        dr.Spectrum([1.0], [np.inf])
    with pytest.raises(ValueError, match="floor must be >= 0"):
        dr.Spectrum([1.0], [1.0], floor=-0.1)
    with pytest.raises(ValueError, match="counts must have the shape"):
        dr.Spectrum([1.0], [1.0], counts=[1.0, 2.0])
    s = dr.Spectrum([1.0, 0.5], [0.1, 0.2], floor=0.3, counts=[1, 2])
    assert s.initial_risk == pytest.approx(0.6) and s.dimension == 3

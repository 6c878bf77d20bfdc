"""Every solver: its declared order fitted against measured errors, and its options validated."""

import math

import numpy as np
import pytest

import deterministic_risk as dr
from deterministic_risk import solvers


def _fitted_order(resolutions, errors):
    return np.polyfit(np.log(resolutions), np.log(errors), 1)[0]


@pytest.fixture(scope="module")
def sign_problem():
    rng = np.random.default_rng(0)
    d = 30
    lam = np.arange(1, d + 1.0) ** -1.0
    return dr.GaussianLeastSquares(lam, rng.standard_normal(d) * lam**0.3, noise_std=0.3)


def test_exact_recursion_is_exact():
    # one eigenvalue: R(k) = R* + r^k (w - e∞) + e∞ with r = q + γ²λ² (order ∞: rounding only)
    assert solvers.ExactRecursion.order == math.inf
    lam, w, floor, lr = 0.7, 2.0, 0.05, 0.4
    steps = np.unique(np.geomspace(1, 5e3, 30).astype(int))
    curve = dr.risk_curve(dr.Spectrum([lam], [w], floor=floor), dr.SGD(lr), steps,
                          solver=solvers.ExactRecursion())
    r = 1 - 2 * lr * lam + 3 * lr**2 * lam**2        # q + γ²λ² with B = 1
    e_inf = lr**2 * lam**2 * floor / (1 - r)
    expected = floor + r ** steps.astype(float) * (w - e_inf) + e_inf
    np.testing.assert_allclose(curve.risk, expected, rtol=1e-12)


def test_log_time_blocks_order():
    # error against the exact recursion as the block ratio halves (constant step); below 0.04
    # the block length is set by grid_ratio alone (above it, by the output grid and the
    # max_change guard), so the asymptotic order shows
    spec = dr.PLRF(alpha=0.8, beta=0.6, d=100).spectrum(method="sampled", seed=0)
    opt = dr.SGD(0.5 * dr.max_stable_lr(spec))
    steps = np.unique(np.geomspace(1, 5e4, 50).astype(int))
    exact = dr.risk_curve(spec, opt, steps, solver=solvers.ExactRecursion()).risk
    ratios = np.array([0.04, 0.02, 0.01])
    errors = [np.max(np.abs(dr.risk_curve(spec, opt, steps, solver=solvers.LogTimeBlocks(
        grid_ratio=g)).risk / exact - 1)) for g in ratios]
    assert abs(_fitted_order(ratios, errors) - solvers.LogTimeBlocks.order) < 0.3


def test_exponential_feedback_order(sign_problem):
    # error control switched off (rtol, max_change huge) so that the block ratio is the only
    # discretisation parameter; reference: LSODA at rtol 1e-12
    opt = dr.SignSGD(dr.schedules.Cosine(0.5 / sign_problem.d, 1e4))
    steps = np.array([10, 100, 1000, 10_000])
    ref = dr.risk_curve(sign_problem, opt, steps, solver=solvers.LSODA(rtol=1e-12)).risk
    ratios = np.array([0.08, 0.04, 0.02])
    errors = [np.max(np.abs(dr.risk_curve(sign_problem, opt, steps, solver=(
        solvers.ExponentialFeedback(grid_ratio=g, rtol=1e9, max_change=1e9))).risk / ref - 1))
        for g in ratios]
    assert abs(_fitted_order(ratios, errors) - solvers.ExponentialFeedback.order) < 0.3


def test_lsoda_order_in_its_tolerance(sign_problem):
    # the global error of LSODA is about proportional to rtol (measured slope 0.98)
    opt = dr.SignSGD(dr.schedules.Cosine(0.5 / sign_problem.d, 1e4))
    steps = np.array([10, 100, 1000, 10_000])
    ref = dr.risk_curve(sign_problem, opt, steps, solver=solvers.LSODA(rtol=1e-12)).risk
    tolerances = np.array([1e-4, 1e-5, 1e-6, 1e-7])
    errors = [np.max(np.abs(dr.risk_curve(sign_problem, opt, steps,
                                          solver=solvers.LSODA(rtol=r)).risk / ref - 1))
              for r in tolerances]
    assert abs(_fitted_order(tolerances, errors) - solvers.LSODA.order) < 0.3


def test_two_solvers_of_the_feedback_modes_agree(sign_problem):
    opt = dr.SignSGD(0.3 / sign_problem.d)
    steps = np.unique(np.geomspace(1, 1e5, 30).astype(int))
    a = dr.risk_curve(sign_problem, opt, steps).risk
    b = dr.risk_curve(sign_problem, opt, steps, solver=solvers.LSODA(rtol=1e-10)).risk
    np.testing.assert_allclose(a, b, rtol=2e-5)    # the exponential integrator's rtol 1e-5


def test_path_mean_order_in_its_number_of_paths():
    # a Monte Carlo mean: the spread over 16 seeds of the mean of n paths falls as n^(-1/2),
    # order ½ in 1/n_runs (16 seeds estimate each spread to ~18 %, so the fitted slope over a
    # factor 64 in n is within about ±0.1 of ½; measured 0.54)
    prob = dr.GaussianLeastSquares(dr.problems.rotated_covariance([1.0, 0.5, 0.25], seed=0),
                                   [1.0, -1.0, 0.5], noise_std=0.1)
    opt, steps = dr.SignSGD(0.02), [40]
    n_runs = np.array([2, 8, 32, 128])
    spread = [np.std([dr.risk_curve(prob, opt, steps, model="homogenized",
                                    solver=solvers.PathMean(n_runs=int(n), seed=s)).risk[0]
                      for s in range(16)], ddof=1) for n in n_runs]
    assert abs(_fitted_order(1.0 / n_runs, spread) - solvers.PathMean.order) < 0.3


def test_path_mean_reports_divergence_and_standard_errors():
    # paths that grow as 10^k pass the default level 1e12·R(0) between k = 5 and 20: inf from
    # there on, success False; the standard error is that of the paths' mean
    def sample(steps, n_runs, seed, dk):
        return np.tile(10.0 ** steps, (n_runs, 1)) * (1.0 + np.arange(n_runs))[:, None]

    dynamics = solvers.SampledPaths(0.0, {}, sample, 1.0)
    result = solvers.PathMean(n_runs=3).solve(dynamics, np.array([0, 5, 20]))
    assert not result.success and "diverged" in result.message and "k = 20" in result.message
    assert result.risk[0] == 2.0 and result.risk[1] == 2e5 and result.risk[2] == np.inf
    assert result.details["stderr"][0] == pytest.approx(1.0 / math.sqrt(3))
    nan_paths = solvers.SampledPaths(0.0, {}, lambda st, n, s, dk: np.full((n, st.size), np.nan),
                                     1.0)
    assert not solvers.PathMean(n_runs=2).solve(nan_paths, np.array([0, 1])).success


def test_options_are_validated():
    with pytest.raises(ValueError, match="grid_ratio must be in"):
        solvers.LogTimeBlocks(grid_ratio=0.7)
    with pytest.raises(ValueError, match="rtol must be > 0"):
        solvers.LSODA(rtol=0.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'grid_raito'"):
        solvers.ExponentialFeedback(grid_raito=0.01)
    with pytest.raises(TypeError, match="LSODA does not apply to RenewalDynamics"):
        dr.risk_curve(dr.Spectrum([1.0], [1.0]), dr.SGD(0.1), [1], solver=solvers.LSODA())
    with pytest.raises(TypeError, match="solver must be"):
        dr.risk_curve(dr.Spectrum([1.0], [1.0]), dr.SGD(0.1), [1], solver="exact")
    assert "LogTimeBlocks(grid_ratio=0.02" in solvers.LogTimeBlocks(0.02).describe()

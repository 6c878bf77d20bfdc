"""Each defect class of the reliability audit, fixed at its root, pinned by a test.

Silent or wrong results, obscure exceptions and unbounded resources (docs/errors_and_limits.md);
tests/test_properties.py checks the same classes on generated inputs.
"""

import re

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import deterministic_risk as dr
from deterministic_risk.optimizers.sgd import kernel_norm, stationary_risk


def plrf_spec(d=100):
    return dr.PLRF(1.0, 0.7, d=d).spectrum(method="sampled", seed=1)


# -- divergence is judged against the optimizer's own limit ----------------------------------------

@pytest.mark.parametrize("gap", [1e-9, 1e-13, 1e-15])
def test_sgd_just_below_the_stability_limit_converges_at_any_horizon(gap):
    # stationary risks of 1e6 to 1e13 (the fixed 1e12·R(0) threshold once called this
    # divergence); the bound R(0)/(1 - ||K||) is never exceeded
    spec = dr.Spectrum(np.arange(1, 51.0) ** -1.5, np.arange(1, 51.0) ** -2.0, floor=0.01)
    lr = (1 - gap) * dr.max_stable_lr(spec)
    if not kernel_norm(spec, lr) < 1:
        pytest.skip("the gap is below the rounding of the kernel norm")
    curve = dr.risk_curve(spec, dr.SGD(lr), [0, 10**6, 10**12, 2**62])
    assert curve.success, curve.message
    assert np.all(curve.risk <= spec.initial_risk / (1 - kernel_norm(spec, lr)))
    if gap >= 1e-10:   # closer, 1 - ||K|| carries the rounding of the sum over the nodes
        # (~1e-15 absolute, 1 % of 1 - ||K|| at a gap of 1e-13), so the formula is not a reference
        assert curve.risk[-1] == pytest.approx(stationary_risk(spec, lr), rel=1e-3)


def test_signsgd_at_a_very_large_step_reaches_its_finite_limit():
    # limiting risk 9e13 >> 1e12·R(0): once reported as a divergence
    prob = dr.GaussianLeastSquares([1.0, 0.5], [1.0, 1.0], noise_std=0.1)
    opt = dr.SignSGD(1e7)
    curve = dr.risk_curve(prob, opt, [10, 10**6])
    assert curve.success
    assert curve.risk[-1] == pytest.approx(opt.limit(prob), rel=1e-3)


def test_a_risk_that_overflows_is_reported_not_returned_with_success():
    curve = dr.RiskCurve(np.array([0, 1]), np.array([1.0, 2.0]), 0.0)
    assert curve.success
    with pytest.raises(ValueError, match="risk must be finite when success=True"):
        dr.RiskCurve(np.array([0, 1]), np.array([1.0, np.inf]), 0.0, success=True)
    with pytest.raises(ValueError, match="runs must be finite"):
        dr.SimulatedRisk(np.array([0]), np.array([[np.nan]]), 0.0, 0)


def test_huge_theta_star_is_blamed_on_theta_star():
    with pytest.raises(ValueError, match="theta_star is too large"):
        dr.GaussianLeastSquares([1.0, 0.5], [1e200, 1e200], noise_std=0.1)
    with pytest.raises(ValueError, match="theta_star - theta0 is too large"):
        dr.GaussianLeastSquares([1.0, 0.5], [1e200, 1.0], theta0=[0.0, 0.0])
    # θ* huge only along a tiny eigenvalue: the initial risk is finite and accepted
    prob = dr.GaussianLeastSquares([1.0, 1e-300], [1.0, 1e100])
    assert np.isfinite(prob.spectrum().initial_risk)


def test_tiny_step_times_eigenvalue_is_no_divergence():
    # 1e-300 < γλ < 1e-154 once made the log-time block sums divide by an underflowed (1 - q)²
    exact = dr.risk_curve(dr.Spectrum([1.0, 0.0], [0.5, 0.5], floor=0.1), dr.SGD(0.5), [10**8],
                          solver=dr.solvers.LogTimeBlocks()).risk[0]   # x = 0 is exact
    for lam in (1e-160, 1e-250, 1e-305):
        spec = dr.Spectrum([1.0, lam], [0.5, 0.5], floor=0.1)
        curve = dr.risk_curve(spec, dr.SGD(0.5), [10**8], solver=dr.solvers.LogTimeBlocks())
        assert curve.success and curve.risk[0] == pytest.approx(exact, rel=1e-12)
    curve = dr.risk_curve(dr.PLRF(1.0, 0.7, d=2), dr.SGD(1e-300), [10**8])
    assert curve.success and curve.risk[0] == pytest.approx(dr.PLRF(1.0, 0.7, d=2).initial_risk)


def test_signsgd_from_a_singular_start_matches_an_implicit_solve():
    # No label noise and R(0) = 0 (or 1e-200): φ(R) ∝ R^(-1/2) is singular at the start, so the
    # drift rate a = 2γφ is unbounded while the forcing a·c = γ²/2 is not. Reference: the same
    # mode ODE by an implicit Radau solve (rtol 1e-10), an independent integrator; the
    # exponential integrator's rtol 1e-5 per block allows a few 1e-5 (measured ≤ 2e-5).
    steps = [1, 2, 5, 10, 100, 1000]
    cases = [(dr.noise.Gaussian(0.0), 0.0), (dr.noise.Gaussian(0.0), 1e-100),
             (dr.noise.Rademacher(0.3), 1e-3)]
    for law, t in cases:
        prob = dr.GaussianLeastSquares([1.0, 0.5], [t, t], noise=law)
        curve = dr.risk_curve(prob, dr.SignSGD(1.0), steps, on_divergence="return")
        modes = dr.signsgd.signsgd_modes(prob)
        lam, kappa = modes.eigenvalues, modes.kappa

        def rhs(k, v):
            # dv/dk = -2γφ(R)λv + (γ²/2)κ at γ = 1 (docs/signsgd.md, the mode ODE)
            return -2.0 * float(law.phi(max(lam @ v, 1e-300))) * lam * v + 0.5 * kappa

        ref = solve_ivp(rhs, (0, steps[-1]), modes.v0 + 1e-300, method="Radau", rtol=1e-10,
                        atol=1e-14, t_eval=steps)
        assert curve.success and ref.success
        np.testing.assert_allclose(curve.excess, lam @ ref.y, rtol=1e-4)
        # and the growth bound: dR/dk <= (γ²/2)Σλκ, Σλκ = tr(K K_σ) = 1.5 here
        assert curve.excess[3] <= modes.initial_excess + 0.5 * 1.5 * 10


# -- stable steps reported rounded down; schedules checked up front ---------------------------------

def test_printed_stable_lr_is_accepted_when_pasted_back():
    spec = plrf_spec()
    limit = dr.max_stable_lr(spec)
    with pytest.raises(ValueError) as info:
        dr.risk_curve(spec, dr.SGD(1.2 * limit), [10])
    printed = float(re.search(r"largest stable lr is (\S+)", str(info.value)).group(1))
    assert printed < limit and dr.risk_curve(spec, dr.SGD(printed), [10]).success
    with pytest.raises(ValueError) as info:
        stationary_risk(spec, 1.2 * limit)
    printed = float(re.search(r"largest stable lr is (\S+)", str(info.value)).group(1))
    assert np.isfinite(stationary_risk(spec, printed))


def test_max_stable_lr_at_the_largest_eigenvalues_and_of_a_problem():
    assert dr.max_stable_lr(dr.Spectrum([1e150], [1.0])) == pytest.approx(2 / 3 * 1e-150)
    prob = dr.PLRF(1.0, 0.7, d=50)
    assert dr.max_stable_lr(prob) == dr.max_stable_lr(prob.spectrum())
    with pytest.raises(TypeError, match="spectrum must be"):
        dr.max_stable_lr(None)


# -- validation: every public argument named with its range ----------------------------------------

@pytest.mark.parametrize("call, match", [
    (lambda: dr.GaussianLeastSquares([], []), "covariance must hold at least one"),
    (lambda: dr.GaussianLeastSquares(np.zeros((0, 0)), []), "covariance must hold at least one"),
    (lambda: dr.GaussianLeastSquares([1.0], [1.0], noise_std=-1.0), "noise_std must be >= 0"),
    (lambda: dr.risk_curve(dr.PLRF(1.0, 0.7, d=10), dr.SGD(0.1), [1], feature_seed=-1),
     r"feature_seed must be an integer in \[0, 2\*\*63\)"),
    (lambda: dr.risk_curve(dr.PLRF(1.0, 0.7, d=10), dr.SGD(0.1), [1], spectrum_method="exact"),
     "spectrum_method must be"),
    (lambda: dr.simulate(dr.PLRF(1.0, 0.7, d=10), dr.SGD(0.1), [1], feature_seed=-1),
     "feature_seed must be"),
    (lambda: dr.PLRF(1.0, 0.7, d=10).instance(seed=1.5), "seed must be"),
    (lambda: dr.risk_curve(None, dr.SGD(0.1), [1]), "problem must be"),
    (lambda: dr.signsgd.limiting_risk(dr.PLRF(1.0, 0.7, d=10), 0.1), r"SignSGD\(lr\).limit"),
    (lambda: dr.SGD(1e200), "lr must be <= 1e"),
    (lambda: dr.Spectrum([1e300], [1.0]), "eigenvalues must be <= 1e"),
    (lambda: dr.noise.StudentT(3.0).phi(1j), "R .* must be a real number"),
    (lambda: dr.problems.rotated_covariance([1.0, 2.0], diag_spread=1e300), "diag_spread must be"),
    (lambda: dr.studies.isoflop_optimum([1.0, 2.0], [1.0, 2.0], "abc"), "losses must be"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


@pytest.mark.parametrize("kwargs, match", [
    ({"d_values": [20, np.nan, 80]}, "d_values must be finite"),
    ({"d_values": [20, 20, 80]}, "d_values must be distinct"),
    ({"d_values": [0, 20, 80]}, "d_values must be whole numbers in"),
    ({"d_values": [20, 40]}, "d_values must hold at least 3"),
    ({"n_budgets": 0}, "n_budgets must be an integer >= 3"),
    ({"n_budgets": 1}, "n_budgets must be an integer >= 3"),
    ({"flops": [1e2, 1e3]}, "flops must hold at least 3"),
    ({"flops": [1e30, 1e31, 1e32]}, r"flops must lie in \["),
    ({"flops": [1.0, 1e3, 1e4]}, r"flops must lie in \["),
    ({"fit_window": (1e6, 1e2)}, "fit_window must satisfy lo < hi"),
    ({"fit_window": (1e20, 1e21)}, "fit_window must contain at least 3"),
    ({"v_ratio": 1.0}, "v_ratio must make"),
])
def test_compute_optimal_validates_its_arguments(kwargs, match):
    options = {"d_values": [20, 40, 80], "n_budgets": 8, "spectrum_method": "sampled", **kwargs}
    with pytest.raises(ValueError, match=match):
        dr.compute_optimal(1.0, 0.3, **options)


def test_a_frontier_without_three_interior_optima_is_not_a_success():
    fr = dr.compute_optimal(1.0, 0.3, d_values=[8, 16, 32], n_budgets=6,
                            spectrum_method="sampled")
    assert not fr.success and np.isnan(fr.xi) and "at least 3 are needed" in fr.message
    assert fr.n_interior < 3 and "no fit" in repr(fr)
    with pytest.raises(ValueError, match="xi and eta must be finite when success=True"):
        dr.studies.FrontierFit("isoflop", np.nan, np.nan, (0, 0), (0, 0), (1, 2), 5)


def test_a_fitted_frontier_reports_its_diagnostics(tmp_path):
    fr = dr.compute_optimal(1.0, 0.3, d_values=[20, 40, 80], n_budgets=12,
                            spectrum_method="sampled")
    fit = fr.fits["isoflop"]
    assert fr.success and fit.n_budgets >= 3 and fr.n_interior >= fit.n_budgets
    assert 0.9 < fit.eta_r2 <= 1 and fit.window[0] < fit.window[1]
    fr.to_npz(tmp_path / "f.npz")
    back = dr.Frontier.from_npz(tmp_path / "f.npz")
    assert back.success and back.n_interior == fr.n_interior and back.xi == fr.xi


def test_sweep_names_a_bad_point():
    with pytest.raises(ValueError, match=r"alpha of points\[1\] must be finite"):
        dr.sweep([(1.0, 0.3), (np.nan, 0.3)], backend="serial")
    with pytest.raises(TypeError, match="unknown option 'd_value'"):
        dr.sweep([(1.0, 0.3)], backend="serial", d_value=[10, 20, 40])


# -- seeds -----------------------------------------------------------------------------------------

def test_seed_none_draws_a_recorded_seed_that_repeats_the_run():
    prob = dr.PLRF(1.0, 0.7, d=20)
    first = dr.simulate(prob, dr.SGD(0.2), [0, 10, 50], n_runs=3, seed=None)
    again = dr.simulate(prob, dr.SGD(0.2), [0, 10, 50], n_runs=3, seed=first.seed)
    assert 0 <= first.seed < 2**63 and np.array_equal(first.runs, again.runs)
    sde = dr.signsgd.homogenized_signsgd(dr.GaussianLeastSquares([1.0, 0.5], [1.0, 1.0]),
                                         dr.SignSGD(0.01), [0, 20], n_runs=2, seed=None)
    assert isinstance(sde.seed, int)


# -- memory and time guards ----------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    # a 10⁹-step schedule by the exact recursion: 8 GB of steps and about an hour
    lambda: dr.risk_curve(dr.Spectrum([1.0], [1.0]), dr.SGD(dr.schedules.Cosine(0.1, 1e9)),
                          [10**9], solver=dr.solvers.ExactRecursion()),
    # the spectrum of one W at d = 10⁵: 1.4 TiB
    lambda: dr.PLRF(1.0, 0.7, d=10**5).spectrum(method="sampled"),
    # the real optimizer for 10¹⁵ iterations
    lambda: dr.simulate(dr.Spectrum([1.0], [1.0]), dr.SGD(0.1), [10**15]),
    lambda: dr.SGD(1.0).greedy_curve(dr.Spectrum([1.0], [1.0]), [10**12]),
    lambda: dr.PLRF(1.0, 0.7, d=2**40).initial_risk,
])
def test_large_computations_are_refused_before_they_start(call):
    with pytest.raises(dr.ResourceLimitError, match=r"dr.resource_limits\(max_(memory|seconds)="):
        call()


def test_the_limits_can_be_raised_for_a_block():
    spec = dr.Spectrum([1.0], [1.0])
    opt = dr.SGD(0.1)
    with pytest.raises(dr.ResourceLimitError, match="max_seconds"):
        dr.risk_curve(spec, opt, [10**9], solver=dr.solvers.ExactRecursion())
    with dr.resource_limits(max_seconds=None, max_memory=2**20):
        assert dr.current_limits().max_seconds == np.inf
        with pytest.raises(dr.ResourceLimitError, match="max_memory"):
            dr.PLRF(1.0, 0.7, d=200).spectrum(method="sampled")
    assert dr.current_limits() == dr.resources.ResourceLimits()
    with pytest.raises(ValueError, match="max_memory must be > 0"):
        with dr.resource_limits(max_memory=-1):
            pass

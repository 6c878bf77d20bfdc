"""SGD risk dynamics: closed forms, two formulations, invariants, stability."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import deterministic_risk as dr
from deterministic_risk.optimizers.sgd import kernel_norm, stationary_risk
from deterministic_risk import integrate
from deterministic_risk.integrate import exact_recursion, log_time_integrate
from deterministic_risk.schedules import WSD, Constant, Cosine, PowerLaw, StepDecay


def single_mode_risk(k, lam, weight, floor, lr, batch):
    """Closed form of the recursion for one eigenvalue: E(k+1) = (q + c) E(k) + c·floor with
    c = γ²λ²/B, so E(k) = r^k (w − E∞) + E∞, r = q + c, E∞ = c·floor/(1 − r)."""
    q = 1 - 2 * lr * lam + lr**2 * (1 + 1 / batch) * lam**2
    c = lr**2 * lam**2 / batch
    r = q + c
    e_inf = c * floor / (1 - r)
    return floor + r ** np.asarray(k, float) * (weight - e_inf) + e_inf


SOLVERS = {"exact": dr.solvers.ExactRecursion(), "ode": dr.solvers.LogTimeBlocks()}


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("method", ["exact", "ode"])
def test_single_eigenvalue_closed_form(batch, method):
    lam, w, floor, lr = 0.7, 2.0, 0.05, 0.4
    steps = np.unique(np.geomspace(1, 2e4, 80).astype(int))
    curve = dr.risk_curve(dr.Spectrum([lam], [w], floor=floor), dr.SGD(lr, batch=batch), steps,
                          solver=SOLVERS[method])
    expected = single_mode_risk(steps, lam, w, floor, lr, batch)
    # the recursion is exact up to rounding; the block integrator is exact for h = 1 and
    # second order in grid_ratio afterwards (1e-6 is 100x below the 1e-4 budget)
    tol = 1e-12 if method == "exact" else 1e-6
    np.testing.assert_allclose(curve.risk, expected, rtol=tol)


def test_risk_at_step_zero_is_initial_risk():
    prob = dr.PLRF(1.2, 0.4, d=60)
    spec = prob.spectrum(method="sampled", seed=3)
    for method in ("exact", "ode"):
        curve = dr.risk_curve(spec, dr.SGD(0.3), [0, 5], solver=SOLVERS[method])
        assert curve.risk[0] == pytest.approx(spec.initial_risk, rel=1e-14)
    # R(0) = ½‖b̌‖² does not depend on W
    assert spec.initial_risk == pytest.approx(prob.initial_risk, rel=1e-12)


def plrf_spectrum(alpha=1.0, beta=0.7, d=200, seed=0):
    return dr.PLRF(alpha, beta, d=d).spectrum(method="sampled", seed=seed)


@pytest.mark.parametrize("batch", [1, 4])
@pytest.mark.parametrize("schedule", ["constant", "wsd", "cosine", "powerlaw", "step"])
def test_log_time_integrator_matches_exact_recursion(batch, schedule):
    spec = plrf_spectrum(alpha=1.0, beta=0.7, d=200)
    lr0 = 0.6 * dr.max_stable_lr(spec, batch)
    total = 1e5
    lr = {"constant": Constant(lr0),
          "wsd": WSD(lr0, total, warmup_frac=0.05, decay_frac=0.3, final=0.01 * lr0),
          "cosine": Cosine(lr0, total),
          "powerlaw": PowerLaw(lr0, 100.0, 0.5),
          "step": StepDecay(lr0, 0.5, 2e4)}[schedule]
    steps = np.unique(np.geomspace(1, total, 120).astype(int))
    opt = dr.SGD(lr, batch=batch)
    exact = dr.risk_curve(spec, opt, steps, solver=dr.solvers.ExactRecursion())
    ode = dr.risk_curve(spec, opt, steps, solver=dr.solvers.LogTimeBlocks())
    # issue target: relative error <= 1e-4 for k <= 1e5
    assert np.max(np.abs(ode.risk / exact.risk - 1)) <= 1e-4


def test_kernel_norm_equals_long_sum():
    spec = plrf_spectrum(alpha=1.0, beta=0.7, d=50)
    for batch in (1, 4):
        lr = 0.7 * dr.max_stable_lr(spec, batch)
        opt = dr.SGD(lr, batch=batch)
        lam = spec.eigenvalues
        q = opt.contraction(lr, lam)
        # Σ_k (γ²/B) Σ_i λ_i² q_i^k summed in closed form per mode (geometric series)
        direct = np.sum(lr**2 / batch * lam**2 / (1 - q))
        assert kernel_norm(spec, lr, batch) == pytest.approx(direct, rel=1e-10)


def test_max_stable_lr_is_where_kernel_norm_is_one():
    spec = plrf_spectrum(d=100)
    for batch in (1, 2, 8):
        lr = dr.max_stable_lr(spec, batch)
        assert kernel_norm(spec, lr * (1 - 1e-9), batch) == pytest.approx(1.0, abs=1e-7)
        assert kernel_norm(spec, lr * 1.001, batch) > 1


def test_unstable_constant_lr_raises_with_the_limit():
    spec = plrf_spectrum(d=100)
    limit = dr.max_stable_lr(spec)
    with pytest.raises(ValueError, match=f"largest stable lr is {limit:.6g}"):
        dr.risk_curve(spec, dr.SGD(1.01 * limit), [10])


def test_stationary_level_matches_long_time_curve():
    spec = dr.Spectrum([1.0, 0.3, 0.05], [0.3, 0.2, 0.1], floor=0.02)
    lr = 0.8 * dr.max_stable_lr(spec)
    curve = dr.risk_curve(spec, dr.SGD(lr), [10**6], solver=dr.solvers.LogTimeBlocks())
    assert curve.risk[-1] == pytest.approx(stationary_risk(spec, lr), rel=1e-9)
    with pytest.raises(ValueError, match="stability limit"):
        stationary_risk(spec, 1.1 * dr.max_stable_lr(spec))


def test_zero_learning_rate_limit_gives_no_motion():
    spec = plrf_spectrum(d=50)
    curve = dr.risk_curve(spec, dr.SGD(1e-14), [0, 10, 1000])
    np.testing.assert_allclose(curve.risk, spec.initial_risk, rtol=1e-10)


@pytest.mark.parametrize("method", ["exact", "ode"])
def test_divergent_schedule_is_reported(method):
    spec = plrf_spectrum(d=100)
    limit = dr.max_stable_lr(spec)
    # stable for most of the run, far beyond the pointwise limit in the middle
    lr = lambda k: np.where((k > 200) & (k < 5000), 3.0 * limit, 0.5 * limit)  # noqa: E731
    steps = np.unique(np.geomspace(1, 1e4, 50).astype(int))
    with pytest.raises(FloatingPointError, match="diverged"):
        dr.risk_curve(spec, dr.SGD(lr), steps, solver=SOLVERS[method])
    curve = dr.risk_curve(spec, dr.SGD(lr), steps, solver=SOLVERS[method],
                          on_divergence="return")
    assert not curve.success and "diverged" in curve.message
    assert np.all(np.isfinite(curve.risk[steps <= 200]))
    assert np.all(np.isinf(curve.risk[steps >= 5000]))


def test_long_horizon_cost_and_power_law_tail():
    spec = plrf_spectrum(alpha=1.0, beta=0.7, d=100)
    lr = 0.5 * dr.max_stable_lr(spec)
    steps = np.unique(np.geomspace(1, 1e12, 200).astype(np.int64))
    curve = dr.risk_curve(spec, dr.SGD(lr), steps, solver=dr.solvers.LogTimeBlocks())
    assert curve.success
    n_blocks = int(curve.message.split(",")[1].split()[0])
    assert n_blocks < 5000  # O(log k / grid_ratio), not O(k)
    # at finite d the risk converges to the stationary level
    assert curve.risk[-1] == pytest.approx(stationary_risk(spec, lr), rel=1e-6)


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(1e-4, 1.0), min_size=1, max_size=6),
       st.floats(0.05, 0.9), st.integers(1, 8), st.floats(0.0, 0.5))
def test_risk_stays_positive_and_above_floor(lams, frac, batch, floor):
    spec = dr.Spectrum(lams, np.full(len(lams), 0.5), floor=floor)
    lr = frac * dr.max_stable_lr(spec, batch)
    curve = dr.risk_curve(spec, dr.SGD(lr, batch=batch), [0, 1, 10, 100, 10**4],
                          solver=dr.solvers.LogTimeBlocks())
    assert np.all(curve.risk >= floor * (1 - 1e-12))
    # without a floor a fast mode may decay below the smallest double: 0 is allowed, NaN is not
    assert np.all(curve.risk >= 0) and np.all(np.isfinite(curve.risk))


def test_exact_and_block_integrators_agree_on_fractional_counts():
    spec = dr.Spectrum([0.9, 0.1, 0.01], [0.3, 0.2, 0.1], floor=0.01, counts=[1.0, 2.5, 30.25])
    lr = 0.5 * dr.max_stable_lr(spec)
    steps = np.unique(np.geomspace(1, 3e4, 40).astype(int))
    a = exact_recursion(spec, dr.SGD(lr), Constant(lr), steps)
    b = log_time_integrate(spec, dr.SGD(lr), Constant(lr), steps)
    np.testing.assert_allclose(b.risk, a.risk, rtol=1e-5)


def test_bad_arguments_name_themselves():
    spec = dr.Spectrum([1.0], [1.0])
    with pytest.raises(ValueError, match="lr must be > 0"):
        dr.SGD(-0.1)
    with pytest.raises(ValueError, match="batch must be an integer >= 1"):
        dr.SGD(0.1, batch=0)
    with pytest.raises(TypeError, match="unknown option 'method' for SGD"):
        dr.risk_curve(spec, dr.SGD(0.1), [1], method="rk4")
    with pytest.raises(TypeError, match="unknown option 'grid_raito'"):
        dr.risk_curve(spec, dr.SGD(0.1), [1], grid_raito=0.1)
    with pytest.raises(TypeError, match="ExponentialFeedback does not apply to RenewalDynamics"):
        dr.risk_curve(spec, dr.SGD(0.1), [1], solver=dr.solvers.ExponentialFeedback())
    with pytest.raises(TypeError, match="spectrum_method applies to PLRF problems only"):
        dr.risk_curve(spec, dr.SGD(0.1), [1], spectrum_method="sampled")
    with pytest.raises(ValueError, match="grid_ratio must be in"):
        dr.solvers.LogTimeBlocks(grid_ratio=0.9)
    with pytest.raises(ValueError, match="steps must be >= 0"):
        dr.risk_curve(spec, dr.SGD(0.1), [-1, 2])
    with pytest.raises(ValueError, match="whole iteration counts"):
        dr.risk_curve(spec, dr.SGD(0.1), [1.5])
    with pytest.raises(TypeError, match="optimizer must be"):
        dr.risk_curve(spec, "sgd", [1])


def beta_columns(betas=(0.2, 0.5, 0.9, 1.4), d=200):
    """PLRF spectra of one (α, d) and several β: the same nodes, other weights and floors."""
    spectra = [dr.PLRF(1.0, beta, d=d).spectrum() for beta in betas]
    for s in spectra[1:]:
        assert np.array_equal(s.eigenvalues, spectra[0].eigenvalues)
    weights = np.stack([s.weights for s in spectra], axis=1)
    return spectra, weights, np.array([s.floor for s in spectra])


@pytest.mark.parametrize("integrate, horizon", [(exact_recursion, 5e3), (log_time_integrate, 1e8)])
@pytest.mark.parametrize("schedule", ["constant", "wsd"])
def test_columns_of_weights_equal_separate_solves(integrate, horizon, schedule):
    spectra, weights, floors = beta_columns()
    lr0 = 0.5 * dr.max_stable_lr(spectra[0])
    lr = Constant(lr0) if schedule == "constant" else WSD(lr0, horizon, decay_frac=0.3)
    steps = np.unique(np.geomspace(1, horizon, 60).astype(np.int64))
    joint = integrate(spectra[0], dr.SGD(lr), lr, steps, weights=weights, floor=floors)
    assert joint.success and joint.risk.shape == (steps.size, len(spectra))
    for j, spec in enumerate(spectra):
        alone = integrate(spec, dr.SGD(lr), lr, steps)
        # the same grid and the same block coefficients: only the rounding of the matrix
        # products differs
        np.testing.assert_allclose(joint.risk[:, j], alone.risk, rtol=1e-10)


def test_columns_reject_mismatched_shapes():
    spectra, weights, floors = beta_columns(d=50)
    steps = np.array([1, 10])
    opt = dr.SGD(0.1)
    with pytest.raises(ValueError, match="weights must have shape"):
        log_time_integrate(spectra[0], opt, opt.lr, steps, weights=weights[1:])
    with pytest.raises(ValueError, match="floor has 3 entries"):
        log_time_integrate(spectra[0], opt, opt.lr, steps, weights=weights, floor=floors[:3])
    with pytest.raises(ValueError, match="weights must be finite and >= 0"):
        exact_recursion(spectra[0], opt, opt.lr, steps, weights=-weights)


def test_zero_floor_settles_in_the_blocks_of_a_tiny_floor():
    # A zero floor lets the risk decay exponentially to 0 at finite d. Below SETTLED_RISK
    # (2^-969) blocks are no longer shortened to resolve it and denormal energies are flushed, so
    # the curve takes the blocks of a floor below that level and never computes with denormals.
    base = plrf_spectrum(d=100)
    lr = 0.5 * dr.max_stable_lr(base)
    steps = np.unique(np.geomspace(1, 1e12, 300).astype(np.int64))
    runs = {}
    for floor in (0.0, 1e-300):
        spec = dr.Spectrum(base.eigenvalues, base.weights, floor=floor, counts=base.counts)
        runs[floor] = log_time_integrate(spec, dr.SGD(lr), Constant(lr), steps)
    zero, tiny = runs[0.0], runs[1e-300]
    assert zero.success and tiny.success
    assert zero.n_blocks == tiny.n_blocks
    # above the settled level a floor of 1e-300 is invisible
    resolved = tiny.risk > 1e-280
    assert resolved.sum() > 100
    np.testing.assert_allclose(zero.risk[resolved], tiny.risk[resolved], rtol=1e-12)
    # the settled zero-floor risk reaches exactly 0; no denormal value is ever reported
    assert zero.risk[-1] == 0.0
    assert np.all((zero.risk == 0.0) | (zero.risk >= integrate.FLUSH_LEVEL))
    assert np.all(tiny.risk >= 1e-300)


def test_zero_floor_tail_is_resolved_down_to_the_settled_level():
    spec = dr.Spectrum([0.9, 0.3, 0.05], [0.3, 0.2, 0.1])
    lr = 0.5 * dr.max_stable_lr(spec)
    steps = np.unique(np.geomspace(1, 6e4, 200).astype(np.int64))
    exact = exact_recursion(spec, dr.SGD(lr), Constant(lr), steps).risk
    ode = log_time_integrate(spec, dr.SGD(lr), Constant(lr), steps).risk
    assert exact[-1] < integrate.FLUSH_LEVEL   # the horizon reaches below the denormal range
    above = exact > integrate.SETTLED_RISK
    # relative accuracy down to 2e-292 (the exponential tail is resolved block by block) ...
    assert np.max(np.abs(ode[above] / exact[above] - 1)) <= 1e-4
    # ... and below it a settled curve stays tiny and reaches exactly 0
    assert np.all(ode[~above] < 1e-280) and ode[-1] == 0.0

"""Simulated SGD against the exact expected-risk recursion, and the samplers against each other."""

import numpy as np
import pytest

import deterministic_risk as dr
from deterministic_risk.schedules import WSD

CHECK_STEPS = np.array([0, 3, 30, 300, 1000, 3000])


def z_scores(sim, curve):
    se = np.where(sim.stderr > 0, sim.stderr, np.inf)
    return (sim.mean - curve.risk) / se


@pytest.mark.slow
@pytest.mark.parametrize("batch", [1, 4])
@pytest.mark.parametrize("schedule", ["constant", "wsd"])
def test_recursion_matches_mean_of_simulated_runs(batch, schedule):
    prob = dr.PLRF(alpha=1.0, beta=0.7, d=200)
    spec = prob.spectrum(method="sampled", seed=0)
    lr0 = 0.5 * dr.max_stable_lr(spec, batch)
    lr = lr0 if schedule == "constant" else WSD(lr0, 3000, warmup_frac=0.1, decay_frac=0.3)
    opt = dr.SGD(lr, batch=batch)
    curve = dr.risk_curve(prob, opt, CHECK_STEPS, solver=dr.solvers.ExactRecursion(),
                          spectrum_method="sampled", feature_seed=0)
    sim = dr.simulate(prob, opt, CHECK_STEPS, n_runs=128, seed=11, feature_seed=0)
    # The recursion is the exact expectation over samples for this W, so the mean of 128 runs
    # is off only by sampling error: 3 standard errors at each of the 5 checked k (k = 0 exact).
    assert sim.mean[0] == pytest.approx(curve.risk[0], rel=1e-12)
    assert np.max(np.abs(z_scores(sim, curve))[1:]) < 3.0


def test_gaussian_least_squares_with_noise_matches_recursion():
    rng = np.random.default_rng(5)
    d = 80
    lam = np.arange(1, d + 1) ** -1.5
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    prob = dr.GaussianLeastSquares((q * lam) @ q.T, theta_star=rng.standard_normal(d),
                                   noise_std=0.3)
    opt = dr.SGD(0.5 * dr.max_stable_lr(prob.spectrum(), 2), batch=2)
    curve = dr.risk_curve(prob, opt, CHECK_STEPS, solver=dr.solvers.ExactRecursion())
    sim = dr.simulate(prob, opt, CHECK_STEPS, n_runs=128, seed=2)
    assert curve.floor == pytest.approx(0.5 * 0.3**2)
    assert np.max(np.abs(z_scores(sim, curve))[1:]) < 3.0  # as above: sampling error only


def test_faithful_and_eigenbasis_samplers_agree():
    prob = dr.PLRF(alpha=0.8, beta=0.6, d=60, v=240, noise_std=0.05)
    opt = dr.SGD(0.5 * dr.max_stable_lr(prob.spectrum(method="sampled"), 1))
    steps = np.array([0, 10, 100, 1000])
    fast = dr.simulate(prob, opt, steps, n_runs=128, seed=1)
    slow = dr.simulate(prob, opt, steps, n_runs=128, seed=2, faithful=True)
    # same W, same law of the iterates: the two means differ by sampling error only; the
    # difference of two independent means has standard error sqrt(se1² + se2²)
    se = np.hypot(fast.stderr, slow.stderr)
    assert fast.mean[0] == pytest.approx(slow.mean[0], rel=1e-10)
    assert np.all(np.abs(fast.mean - slow.mean)[1:] < 3.0 * se[1:])


def test_simulation_is_reproducible_and_seed_dependent():
    prob = dr.PLRF(1.0, 0.7, d=30)
    a = dr.simulate(prob, dr.SGD(0.3), [5, 50], n_runs=4, seed=7)
    b = dr.simulate(prob, dr.SGD(0.3), [5, 50], n_runs=4, seed=7)
    c = dr.simulate(prob, dr.SGD(0.3), [5, 50], n_runs=4, seed=8)
    np.testing.assert_array_equal(a.runs, b.runs)
    assert not np.array_equal(a.runs, c.runs)


def test_spectrum_with_whole_counts_can_be_simulated():
    spec = dr.Spectrum([1.0, 0.2], [0.4, 0.6], floor=0.01, counts=[1, 3])
    opt = dr.SGD(0.2)
    steps = np.array([0, 5, 50])
    curve = dr.risk_curve(spec, opt, steps, solver=dr.solvers.ExactRecursion())
    sim = dr.simulate(spec, opt, steps, n_runs=2000, seed=0)
    assert np.max(np.abs(z_scores(sim, curve))[1:]) < 3.0  # sampling error only
    with pytest.raises(ValueError, match="whole-number counts"):
        dr.simulate(dr.Spectrum([1.0], [1.0], counts=[0.5]), opt, steps)


def test_simulate_rejects_bad_arguments():
    prob = dr.PLRF(1.0, 0.7, d=10)
    with pytest.raises(ValueError, match="n_runs must be an integer >= 1"):
        dr.simulate(prob, dr.SGD(0.1), [1], n_runs=0)
    with pytest.raises(ValueError, match="faithful=True applies to PLRF"):
        dr.simulate(dr.Spectrum([1.0], [1.0]), dr.SGD(0.1), [1], faithful=True)


@pytest.mark.parametrize("last, block", [(1000, 64), (1000, 1000), (1000, 7), (0, 4)])
def test_progress_bar_ends_at_its_total(monkeypatch, last, block):
    # the bar counts optimizer updates: exactly steps[-1] of them, however the blocks fall
    import importlib
    simulate_module = importlib.import_module("deterministic_risk.simulate")
    bars = []

    class Recorder:
        def __init__(self, total, **kwargs):
            self.total, self.n = total, 0
            bars.append(self)

        def update(self, n):
            assert n >= 0
            self.n += n

        def close(self):
            pass

    monkeypatch.setattr(simulate_module, "tqdm", Recorder)
    width = 5
    monkeypatch.setattr(simulate_module, "BLOCK_NUMBERS", block * 2 * width)
    dr.simulate(dr.Spectrum([1.0, 0.2], [0.5, 0.5], counts=[2, 3]), dr.SGD(0.2),
                [0, last // 3, last], n_runs=2, seed=0, progress=True)
    [bar] = bars
    assert bar.total == last and bar.n == last

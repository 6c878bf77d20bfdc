"""The optimizer contract as a test matrix: every optimizer × every problem kind.

Each optimizer must give the initial risk at k = 0, stand still as lr → 0, reach its own k → ∞
limit, agree with the mean of simulated runs at small d, and reject a misspelt option. An
optimizer defined here, outside the package, must work unchanged in risk_curve, simulate,
compute_optimal, optimal_lr and sweep.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import deterministic_risk as dr
from deterministic_risk.optimizers.sgd import log_contraction, stationary_risk
from deterministic_risk.schedules import as_schedule


@dataclass(frozen=True)
class ScaledSGD(dr.Optimizer):
    """SGD whose update is scaled by ``scale``: θ ← θ − scale·γ·g (batch 1).

    Written from the contract alone (docs/extending.md): its limit is SGD's renewal recursion at
    step scale·γ, so any mistake in how the package asks an optimizer shows up here.
    """

    lr: Any
    scale: float = 0.5
    rotation_invariant = True

    def __post_init__(self):
        object.__setattr__(self, "lr", as_schedule(self.lr))

    def log_contraction(self, lr, lam):
        return log_contraction(self.scale * lr, lam, 1)

    def kernel_coefficient(self, lr):
        return (self.scale * lr) ** 2

    def limit_dynamics(self, problem, *, spectrum_method=None, feature_seed=None):
        spec = problem.to_spectrum(method=spectrum_method, seed=feature_seed)
        return dr.solvers.RenewalDynamics(spec.floor, {"d": spec.dimension}, spec, self, self.lr)

    def max_stable_lr(self, problem, *, spectrum_method=None, feature_seed=None):
        spec = problem.to_spectrum(method=spectrum_method, seed=feature_seed)
        return dr.max_stable_lr(spec) / self.scale

    def limit(self, problem, *, spectrum_method=None, feature_seed=None):
        spec = problem.to_spectrum(method=spectrum_method, seed=feature_seed)
        return stationary_risk(spec, self.scale * self._constant_lr())

    def update(self, params, grad, k, state):
        return params - self.scale * self.lr(float(k)) * grad, state


D = 40


def _problems():
    rng = np.random.default_rng(1)
    lam = np.arange(1, D + 1, dtype=float) ** -1.0
    theta = rng.standard_normal(D) * np.arange(1, D + 1) ** -0.5
    return {
        "spectrum": dr.Spectrum(lam, 0.5 * lam * theta**2, floor=0.02),
        "least_squares": dr.GaussianLeastSquares(dr.problems.rotated_covariance(lam, seed=2,
                                                                                diag_spread=0.5),
                                                 theta, noise_std=0.2),
        "plrf": dr.PLRF(1.0, 0.7, d=D),
    }


PROBLEMS = _problems()
OPTIMIZERS = {
    "SGD": dr.SGD(1.0),
    "SignSGD": dr.SignSGD(1.0),
    "ClippedSGD": dr.ClippedSGD(1.0, threshold=1.0),
    "Adam": dr.Adam(1.0, beta1=0.0, beta2=1 - 1 / D),
    "ScaledSGD": ScaledSGD(1.0),
}
CASES = [(o, p) for o in OPTIMIZERS for p in PROBLEMS
         if OPTIMIZERS[o].rotation_invariant or p != "spectrum"]


def _initial_risk(problem):
    if isinstance(problem, dr.PLRF):
        return problem.initial_risk
    return problem.to_spectrum().initial_risk


def _stable(opt_name, prob_name):
    opt, prob = OPTIMIZERS[opt_name], PROBLEMS[prob_name]
    return opt.with_lr(opt.stable_lr(prob)), prob


@pytest.mark.parametrize("opt_name,prob_name", CASES)
def test_k0_gives_the_initial_risk(opt_name, prob_name):
    opt, prob = _stable(opt_name, prob_name)
    curve = dr.risk_curve(prob, opt, [0, 10])
    # k = 0 is the input itself; the PLRF deterministic models reproduce R(0) = ½‖b̌‖² to
    # quadrature accuracy (1e-8)
    assert curve.risk[0] == pytest.approx(_initial_risk(prob), rel=1e-8)


@pytest.mark.parametrize("opt_name,prob_name", CASES)
def test_vanishing_lr_does_not_move(opt_name, prob_name):
    opt, prob = _stable(opt_name, prob_name)
    tiny = opt.with_lr(1e-12 * opt.lr(0.0))
    curve = dr.risk_curve(prob, tiny, [0, 10, 1000])
    # 1000 steps of size 1e-12 · stable move the risk by ~1e-9 relative at most
    np.testing.assert_allclose(curve.risk, curve.risk[0], rtol=1e-8)


# clipped SGD's factors μ(R), ν(R) are quadratures: its long solves take seconds
LONG_CASES = [pytest.param(*c, marks=pytest.mark.slow) if c[0] == "ClippedSGD" else c
              for c in CASES]


@pytest.mark.parametrize("opt_name,prob_name", LONG_CASES)
def test_long_horizon_reaches_the_limit(opt_name, prob_name):
    opt, prob = _stable(opt_name, prob_name)
    curve = dr.risk_curve(prob, opt, [0, 10**12])
    # the solvers' default tolerances (1e-5 relative per block, LSODA 1e-8) bound the gap
    assert curve.risk[-1] == pytest.approx(opt.limit(prob), rel=1e-4)


# Finite-d bias of the high-dimensional limits at d = 40 (relative), on top of 4 standard errors
# of the mean of 256 runs: 0 for the SGD recursions (they are the exact expectation), and a
# measured band for the ODE limits (signSGD's, clipped SGD's and Adam's closures are exact only
# as d → ∞; O(1/d) corrections, here a few per cent).
BIAS = {"SGD": 0.0, "ScaledSGD": 0.0, "SignSGD": 0.10, "ClippedSGD": 0.10, "Adam": 0.10}


@pytest.mark.parametrize("opt_name,prob_name",
                         [c for c in CASES if c[1] != "plrf"] + [("SGD", "plrf")])
def test_agrees_with_the_mean_of_simulated_runs(opt_name, prob_name):
    opt, prob = _stable(opt_name, prob_name)
    steps = np.array([0, 10, 100, 400])
    options = {"spectrum_method": "sampled"} if isinstance(prob, dr.PLRF) else {}
    curve = dr.risk_curve(prob, opt, steps, **options)
    sim = dr.simulate(prob, opt, steps, n_runs=256, seed=3)
    gap = np.abs(sim.mean - curve.risk)
    assert np.all(gap <= 4 * sim.stderr + BIAS[opt_name] * curve.risk + 1e-12)


@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
def test_a_misspelt_option_is_rejected(opt_name):
    opt, prob = _stable(opt_name, "least_squares")
    with pytest.raises(TypeError, match="feature_sed"):
        dr.risk_curve(prob, opt, [0, 1], feature_sed=1)
    with pytest.raises(TypeError, match="does not apply"):
        solver = (dr.solvers.ExponentialFeedback() if opt_name in ("SGD", "ScaledSGD")
                  else dr.solvers.ExactRecursion())
        dr.risk_curve(prob, opt, [0, 1], solver=solver)


def test_alias_simulates_and_has_no_limit():
    prob = PROBLEMS["least_squares"]
    sim = dr.simulate(prob, dr.ALIAS(0.01), [0, 50], n_runs=2)
    assert sim.mean[-1] < sim.mean[0]
    with pytest.raises(NotImplementedError, match="no deterministic limit"):
        dr.risk_curve(prob, dr.ALIAS(0.01), [0, 1])


def test_an_optimizer_defined_outside_the_package_works_everywhere():
    prob = PROBLEMS["spectrum"]
    opt = ScaledSGD(1.0, scale=0.5)
    # risk_curve: the scaled step is SGD at half the step, exactly
    lr = 0.5 * opt.max_stable_lr(prob)
    steps = [0, 10, 1000]
    exact = dr.solvers.ExactRecursion()
    a = dr.risk_curve(prob, opt.with_lr(lr), steps, solver=exact).risk
    b = dr.risk_curve(prob, dr.SGD(0.5 * lr), steps, solver=exact).risk
    np.testing.assert_allclose(a, b, rtol=1e-13)
    # simulate: the same seed gives the same runs as SGD at half the step (same samples)
    sa = dr.simulate(prob, opt.with_lr(lr), steps, n_runs=4, seed=1).runs
    sb = dr.simulate(prob, dr.SGD(0.5 * lr), steps, n_runs=4, seed=1).runs
    np.testing.assert_allclose(sa, sb, rtol=1e-10)
    # optimal_lr: the best step is twice SGD's
    best = dr.optimal_lr(prob, opt, 500, solver=exact)
    best_sgd = dr.optimal_lr(prob, dr.SGD(1.0), 500, solver=exact)
    assert best.lr == pytest.approx(2 * best_sgd.lr, rel=5e-3)
    assert best.risk == pytest.approx(best_sgd.risk, rel=1e-6)
    # compute_optimal and sweep: the frontier equals SGD's (stable steps scale by 1/scale)
    kw = dict(d_values=[20, 40, 80], n_budgets=8, spectrum_method="sampled",
              solver=dr.solvers.LogTimeBlocks())
    fr = dr.compute_optimal(1.0, 0.7, opt, **kw)
    ref = dr.compute_optimal(1.0, 0.7, "sgd", **kw)
    np.testing.assert_allclose(fr.losses, ref.losses, rtol=1e-12)
    assert fr.optimizer == "ScaledSGD"
    [swept] = dr.sweep([(1.0, 0.7)], optimizer=opt, backend="serial", **kw)
    np.testing.assert_array_equal(swept.losses, fr.losses)

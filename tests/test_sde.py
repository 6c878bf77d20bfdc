"""SDE models of SignSGD, RMSprop(W) and AdamW (deterministic_risk.sde).

Reference values: docs/extensions.md, 'The SDE models'. The stationary-loss formulas are checked
against three independent things: the numerical Lyapunov solution of the linearised SDE (exact),
long Euler–Maruyama runs of the (nonlinear) SDEs, and long runs of the real finite-step optimizers.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import scipy.special

from deterministic_risk import noise as N
from deterministic_risk import sde

D = 20
H = np.linspace(0.5, 2.0, D)      # a moderately spread Hessian
LR = 1e-3


def _close(a, b, rtol):
    return abs(a / b - 1.0) <= rtol


# ------------------------------------------------------------------------------------------------
# Noise laws
# ------------------------------------------------------------------------------------------------

LAWS = {"gaussian": N.Gaussian(1.0), "student1": N.StudentT(1.0, 1.0),
        "student3": N.StudentT(3.0, 1.0), "student4": N.StudentT(4.0, 1.0),
        "student5": N.StudentT(5.0, 1.0)}


@pytest.mark.parametrize("law", ["gaussian", "student1", "student3", "student5"])
def test_sign_mean_matches_monte_carlo(law):
    # E[sign(g + sT)] against 4e5 draws; tolerance 4.5 standard errors (binomial, per point)
    rng = np.random.default_rng(11)
    g = np.array([-2.0, -0.3, 0.0, 0.05, 0.7, 3.0])
    s = 1.3
    n = 400_000
    t = LAWS[law].sample(rng, (n, 1))
    signs = np.sign(g + s * t)
    mc = signs.mean(axis=0)
    se = signs.std(axis=0, ddof=1) / math.sqrt(n)
    exact = sde.sign_mean(g, s, LAWS[law])
    assert np.all(np.abs(mc - exact) <= 4.5 * np.maximum(se, 1.0 / n))


@pytest.mark.parametrize("nu", [1.0, 3.0])
def test_sign_mean_closed_forms_match_student_cdf(nu):
    z = np.linspace(-20, 20, 401)
    exact = 2.0 * scipy.special.stdtr(nu, z) - 1.0
    np.testing.assert_allclose(sde.sign_mean(z, 1.0, N.StudentT(nu, 1.0)), exact,
                               rtol=0, atol=1e-13)


@pytest.mark.parametrize("law", ["gaussian", "student1", "student4"])
def test_sign_mean_slope_at_zero_is_twice_the_density(law):
    # small-g slope 2 f(0)/s (docs/extensions.md, 'The SDE models'); sqrt(2/pi)/s for Gaussian noise
    s = 0.7
    # (g = 1e-5: curvature error ~1e-10, cancellation in 2F - 1 ~1e-11)
    slope = sde.sign_mean(1e-5, s, LAWS[law]) / 1e-5
    assert slope == pytest.approx(2 * LAWS[law].density_at_zero / s, rel=1e-8)
    if law == "gaussian":
        assert slope == pytest.approx(math.sqrt(2 / math.pi) / s, rel=1e-8)


def test_student_density_tends_to_gaussian():
    assert N.StudentT(1e8, 1.0).density_at_zero == pytest.approx(N.Gaussian(1.0).density_at_zero,
                                                                 rel=1e-7)


# ------------------------------------------------------------------------------------------------
# Stationary formulas: closed forms against the Lyapunov equation (exact, 1e-10)
# ------------------------------------------------------------------------------------------------

SIGMA_ANISO = np.linspace(0.3, 3.0, D)
FORMULA_CASES = [
    (sde.NoisyQuadratic(H, SIGMA_ANISO), sde.SGDModel(LR)),
    (sde.NoisyQuadratic(H, SIGMA_ANISO), sde.SignSGDModel(LR)),
    (sde.NoisyQuadratic(H, SIGMA_ANISO, noise=N.StudentT(1.0, 1.0)), sde.SignSGDModel(LR)),
    (sde.NoisyQuadratic(H, SIGMA_ANISO, noise=N.StudentT(3.0, 1.0), batch=4), sde.SignSGDModel(LR)),
    (sde.NoisyQuadratic(H, SIGMA_ANISO), sde.RMSpropWModel(LR, eps=0.1, weight_decay=0.7)),
    (sde.NoisyQuadratic(H, SIGMA_ANISO, noise=N.StudentT(5.0, 1.0)), sde.RMSpropWModel(LR)),
    (sde.NoisyQuadratic(H, SIGMA_ANISO), sde.AdamWModel(0.05, eps=0.1, weight_decay=2.0)),
    (sde.NoisyQuadratic(H, 1.0, batch=3), sde.AdamWModel(LR, beta1=0.5)),
]


@pytest.mark.parametrize("problem,method", FORMULA_CASES)
def test_closed_form_matches_lyapunov(problem, method):
    # two formulations of the same linear OU stationary law: round-off only
    closed = sde.stationary_loss(problem, method)
    assert sde.linearised_stationary_loss(problem, method) == pytest.approx(closed, rel=1e-10)


def test_stationary_loss_closed_forms():
    # the table rows of docs/extensions.md written out by hand
    sigma = 2.0
    gauss = sde.NoisyQuadratic(H, sigma)
    cauchy = sde.NoisyQuadratic(H, sigma, noise=N.StudentT(1.0, 1.0))
    assert sde.stationary_loss(gauss, sde.SGDModel(LR)) == pytest.approx(LR * D * sigma**2 / 4)
    assert sde.stationary_loss(gauss, sde.SignSGDModel(LR)) == pytest.approx(
        LR * D * sigma / 4 * math.sqrt(math.pi / 2))
    assert sde.stationary_loss(cauchy, sde.SignSGDModel(LR)) == pytest.approx(
        LR * D * sigma * math.pi / 8)
    assert sde.stationary_loss(gauss, sde.RMSpropWModel(LR, eps=0.0)) == pytest.approx(
        LR * D * sigma / 4)
    omega = 1.0
    rms_w = sde.stationary_loss(gauss, sde.RMSpropWModel(LR, eps=0.0, weight_decay=omega))
    assert rms_w == pytest.approx(LR / 4 * np.sum(H * sigma / (H + omega * sigma)))
    assert rms_w <= LR * H.sum() / (4 * omega)            # the weight-decay bound η tr H/(4ω)
    adam_w = sde.stationary_loss(gauss, sde.AdamWModel(LR, eps=0.0, weight_decay=omega))
    assert adam_w == pytest.approx(rms_w / (1 + omega * LR / 0.1))


def test_infinite_variance_noise():
    cauchy = sde.NoisyQuadratic(H, 1.0, noise=N.StudentT(1.0, 1.0))
    assert sde.stationary_loss(cauchy, sde.SGDModel(LR)) == math.inf      # no SGD floor for ν ≤ 2
    assert math.isfinite(sde.stationary_loss(cauchy, sde.SignSGDModel(LR)))   # SignSGD does
    with pytest.raises(ValueError, match="finite variance"):
        sde.stationary_loss(cauchy, sde.AdamWModel(LR))
    with pytest.raises(ValueError, match="finite variance"):
        sde.simulate_sde(cauchy, sde.RMSpropWModel(LR), [0, 10], n_paths=2)


# ------------------------------------------------------------------------------------------------
# Batch-size scaling rules (docs/extensions.md): the stationary loss is unchanged
# ------------------------------------------------------------------------------------------------

SCALING_CASES = [
    (sde.NoisyQuadratic(H, SIGMA_ANISO), sde.SGDModel(LR), "keep"),
    (sde.NoisyQuadratic(H, SIGMA_ANISO), sde.SignSGDModel(LR), "keep"),
    (sde.NoisyQuadratic(H, SIGMA_ANISO, noise=N.StudentT(1.0, 1.0)), sde.SignSGDModel(LR), "keep"),
    (sde.NoisyQuadratic(H, SIGMA_ANISO), sde.RMSpropWModel(LR, eps=0.05, weight_decay=0.7), "keep"),
    (sde.NoisyQuadratic(H, SIGMA_ANISO), sde.RMSpropWModel(LR, eps=0.05, weight_decay=0.7),
     "per_sample"),
    (sde.NoisyQuadratic(H, SIGMA_ANISO), sde.AdamWModel(LR, beta1=0.99, eps=0.05, weight_decay=0.7),
     "per_sample"),
]


@pytest.mark.parametrize("delta", [2, 4, 16])
@pytest.mark.parametrize("problem,method,rule", SCALING_CASES)
def test_scaling_rule_keeps_stationary_loss(problem, method, rule, delta):
    before = sde.stationary_loss(problem, method)
    big, scaled = sde.scale_for_batch(problem, method, delta, beta_rule=rule)
    assert big.batch == problem.batch * delta
    # the formula is invariant identically: round-off only
    assert sde.stationary_loss(big, scaled) == pytest.approx(before, rel=1e-12)
    assert sde.linearised_stationary_loss(big, scaled) == pytest.approx(before, rel=1e-9)
    # and the rule is needed: the same hyperparameters at batch δB give another floor
    assert not _close(sde.stationary_loss(big, method), before, 0.1)


def test_adamw_keep_rule_changes_floor_only_at_order_lr():
    # with β kept, the factor 1/(1 + ωη/(1-β1)) moves by O(η): the floor is kept to leading order
    prob = sde.NoisyQuadratic(H, 1.0)
    method = sde.AdamWModel(LR, eps=0.0, weight_decay=1.0)
    big, scaled = sde.scale_for_batch(prob, method, 4, beta_rule="keep")
    ratio = sde.stationary_loss(big, scaled) / sde.stationary_loss(prob, method)
    assert ratio == pytest.approx((1 + LR / 0.1) / (1 + 4 * LR / 0.1), rel=1e-12)


def test_scaling_rule_hyperparameters():
    prob = sde.NoisyQuadratic(H, 1.0, batch=2)
    _, m = sde.scale_for_batch(prob, sde.AdamWModel(1e-3, beta1=0.9, beta2=0.99, eps=1e-8,
                                               weight_decay=0.1), 4, beta_rule="per_sample")
    assert (m.lr, m.weight_decay, m.eps) == pytest.approx((2e-3, 0.2, 5e-9))
    assert (m.beta1, m.beta2) == pytest.approx((0.6, 0.96))
    assert sde.scale_for_batch(prob, sde.SGDModel(1e-3), 4)[1].lr == pytest.approx(4e-3)
    with pytest.raises(ValueError, match="beta_rule"):
        sde.scale_for_batch(prob, sde.AdamWModel(1e-3), 4, beta_rule="sqrt")
    with pytest.raises(ValueError, match="must be < 1"):
        sde.scale_for_batch(prob, sde.AdamWModel(1e-3, beta1=0.5), 4, beta_rule="per_sample")


# ------------------------------------------------------------------------------------------------
# Drivers: identities, short-time agreement, errors
# ------------------------------------------------------------------------------------------------

def test_sgd_sde_step_equals_sgd_update():
    # with Δt = η the Euler–Maruyama step of the SGD SDE is the SGD update with the same normal
    # draws, so both drivers return the same numbers (same seed)
    prob = sde.NoisyQuadratic(H, 0.8)
    a = sde.simulate_sde(prob, sde.SGDModel(0.01), [0, 5, 300], n_paths=6, seed=3)
    b = sde.run_optimizer(prob, sde.SGDModel(0.01), [0, 5, 300], n_runs=6, seed=3)
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-12)


@pytest.mark.parametrize("method", [sde.SignSGDModel(LR), sde.RMSpropWModel(LR), sde.AdamWModel(LR)])
def test_sde_follows_real_optimizer_in_the_transient(method):
    # mean loss from x0 = 1 (an independent port found ~1 % agreement for t <= 10): 400 paths each,
    # at t = kη <= 2; tolerance 1 % (weak error O(η), measured <= 0.25 %) plus 4 combined SE
    prob = sde.NoisyQuadratic(H, 1.0)
    steps = [250, 500, 1000, 2000]
    with np.errstate(over="raise", invalid="raise"):
        a = sde.simulate_sde(prob, method, steps, n_paths=400, seed=1)
        b = sde.run_optimizer(prob, method, steps, n_runs=400, seed=2)
    se = np.hypot(a.stderr, b.stderr)
    assert np.all(np.abs(a.mean - b.mean) <= 0.01 * b.mean + 4 * se)


def test_substeps_refine_the_same_sde():
    # Δt = η/4 integrates the same SDE: stationary level unchanged (within 4 combined SE + 3 %)
    prob = sde.NoisyQuadratic(H[:5], 1.0)
    kw = dict(n_paths=200, x0=np.zeros(5), average_from=3000)
    a = sde.simulate_sde(prob, sde.SignSGDModel(5e-3), [4000], seed=1, **kw)
    b = sde.simulate_sde(prob, sde.SignSGDModel(5e-3), [4000], seed=2, substeps=4, **kw)
    se = math.hypot(a.stationary_stderr, b.stationary_stderr)
    assert abs(a.stationary_mean - b.stationary_mean) <= 4 * se + 0.03 * b.stationary_mean


def test_divergence_is_reported():
    prob = sde.NoisyQuadratic(H, 1.0)
    with pytest.raises(FloatingPointError, match="diverged"):
        sde.run_optimizer(prob, sde.SGDModel(5.0), [0, 2000], n_runs=2)
    res = sde.run_optimizer(prob, sde.SGDModel(5.0), [0, 2000], n_runs=2, average_from=10,
                            on_divergence="return")
    assert not res.success and res.loss[0, -1] == math.inf
    assert np.all(res.time_average == math.inf)


def test_recorded_steps_and_initial_point():
    prob = sde.NoisyQuadratic(H, 1.0)
    res = sde.run_optimizer(prob, sde.SignSGDModel(LR), [7, 0, 3], n_runs=3)
    assert res.steps.tolist() == [0, 3, 7]
    np.testing.assert_allclose(res.loss[:, 0], 0.5 * H.sum())
    assert "stationary" not in repr(res)


@pytest.mark.parametrize("kwargs,match", [
    (dict(hessian=[1.0, -1.0], noise_scale=1.0), "curvatures > 0"),
    (dict(hessian=[1.0, 1.0], noise_scale=[1.0, 0.0]), "noise_scale"),
    (dict(hessian=[1.0], noise_scale=1.0, batch=0), "batch"),
])
def test_problem_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sde.NoisyQuadratic(**kwargs)
    with pytest.raises(TypeError, match="noise must be a dr.noise law"):
        sde.NoisyQuadratic([1.0], 1.0, noise="student")


def test_method_validation():
    with pytest.raises(ValueError, match="lr"):
        sde.SignSGDModel(0.0)
    with pytest.raises(ValueError, match=r"beta2 must lie in \[0, 1\)"):
        sde.AdamWModel(1e-3, beta2=1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        sde.RMSpropWModel(1e-3, weight_decay=-1.0)
    prob = sde.NoisyQuadratic(H, 1.0)
    with pytest.raises(ValueError, match="average_from"):
        sde.simulate_sde(prob, sde.SignSGDModel(LR), [10], n_paths=2, average_from=11)
    with pytest.raises(ValueError, match="x0"):
        sde.simulate_sde(prob, sde.SignSGDModel(LR), [10], n_paths=2, x0=np.ones(3))
    with pytest.raises(TypeError, match="method"):
        sde.stationary_loss(prob, "adam")


# ------------------------------------------------------------------------------------------------
# Long runs: formulas against the SDE and against the real optimizers (slow)
# ------------------------------------------------------------------------------------------------

# 400 paths, 35 000 iterations (t = 35), loss averaged over iterations 15 000–35 000 from x0 = 0.
# The slowest mode relaxes at rate 2aη per iteration with a >= 0.2 (SignSGD, σ = 2), so the
# start-up deficit at k = 15 000 is <= e^{-6} per mode. The standard error of the estimate is
# 0.4–0.8 % (asserted below), the O(η h/s) bias of linearising and discretising is <= 0.2 %
# (estimated from the discrete Lyapunov equation), so a 3 % tolerance is >= 3.5 standard
# errors away from any expected deviation.
N_PATHS, K_END, K_AVG = 400, 35_000, 15_000
LONG_CASES = {
    "sgd-gauss-s1": (sde.NoisyQuadratic(H, 1.0), sde.SGDModel(LR)),
    "signsgd-gauss-s2": (sde.NoisyQuadratic(H, 2.0), sde.SignSGDModel(LR)),
    "signsgd-gauss-s05": (sde.NoisyQuadratic(H, 0.5), sde.SignSGDModel(LR)),
    "signsgd-cauchy-s1": (sde.NoisyQuadratic(H, 1.0, noise=N.StudentT(1.0, 1.0)), sde.SignSGDModel(LR)),
    "signsgd-t3-s05": (sde.NoisyQuadratic(H, 0.5, noise=N.StudentT(3.0, 1.0)), sde.SignSGDModel(LR)),
    "rmsprop-s1": (sde.NoisyQuadratic(H, 1.0), sde.RMSpropWModel(LR)),
    "rmspropw-s10-w1": (sde.NoisyQuadratic(H, 10.0), sde.RMSpropWModel(LR, weight_decay=1.0)),
    "adam-s1": (sde.NoisyQuadratic(H, 1.0), sde.AdamWModel(LR)),
    "adamw-s10-w1": (sde.NoisyQuadratic(H, 10.0), sde.AdamWModel(LR, weight_decay=1.0)),
}


# The B = 1 run of the SignSGD batch-scaling test below is this case's optimizer run (one cached
# computation; the group keeps both on one worker under pytest-xdist).
SHARED_CASE = "signsgd-gauss-s2"
SHARED = pytest.mark.xdist_group("sde_signsgd_s2")


@functools.lru_cache(maxsize=None)
def _long_run(case, kind):
    """N_PATHS paths (kind "sde") or runs (kind "optimizer") of LONG_CASES[case] to K_END from
    x0 = 0, seed 17, the loss averaged from K_AVG."""
    problem, method = LONG_CASES[case]
    run = sde.simulate_sde if kind == "sde" else sde.run_optimizer
    count = {"n_paths": N_PATHS} if kind == "sde" else {"n_runs": N_PATHS}
    with np.errstate(over="raise", invalid="raise"):
        return run(problem, method, [K_END], seed=17, x0=np.zeros(D), average_from=K_AVG,
                   **count)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sde", "optimizer"])
@pytest.mark.parametrize("case", [pytest.param(c, marks=SHARED) if c == SHARED_CASE else c
                                  for c in LONG_CASES])
def test_stationary_loss_matches_long_runs(case, kind):
    problem, method = LONG_CASES[case]
    if (kind == "sde" and isinstance(problem.noise, N.StudentT)
            and not isinstance(method, sde.SignSGDModel)):
        pytest.skip("only SignSGD has an SDE for infinite-variance noise")
    res = _long_run(case, kind)
    predicted = sde.stationary_loss(problem, method)
    assert res.stationary_stderr < 0.01 * predicted      # the test has the resolution it claims
    assert _close(res.stationary_mean, predicted, 0.03)


@pytest.mark.slow
@SHARED
def test_scaling_rule_keeps_measured_stationary_loss_signsgd():
    # real SignSGD at B = 1 and at B = 4 with η → 2η (noise σ/√B drawn exactly): measured floors
    # agree within 4 combined standard errors; without the rule they differ by > 20 SE. The B = 1
    # runs (σ = 2, seed 17) are those of the long-run test; B = 4 draws from seeds 6 and 7.
    small, method = LONG_CASES[SHARED_CASE]
    assert small.noise == N.Gaussian(1.0) and np.all(np.asarray(small.noise_scale) == 2.0)
    assert method == sde.SignSGDModel(LR)
    big, scaled = sde.scale_for_batch(small, method, 4)
    kw = dict(x0=np.zeros(D), average_from=K_AVG, n_runs=N_PATHS)
    a = _long_run(SHARED_CASE, "optimizer")
    b = sde.run_optimizer(big, scaled, [K_END], seed=6, **kw)
    assert abs(a.stationary_mean - b.stationary_mean) <= 4 * math.hypot(a.stationary_stderr,
                                                                        b.stationary_stderr)
    c = sde.run_optimizer(big, sde.SignSGDModel(LR), [K_END], seed=7, **kw)
    assert abs(a.stationary_mean - c.stationary_mean) > 20 * math.hypot(a.stationary_stderr,
                                                                        c.stationary_stderr)


@pytest.mark.slow
def test_scaling_rule_keeps_measured_stationary_loss_adamw():
    # real AdamW (ω = 1, σ = 2) at B = 1 and at B = 4 with η, ω → 2η, 2ω.
    # beta_rule="per_sample" keeps ωη/(1-β1) and the floor exactly: agreement within 4 SE.
    # beta_rule="keep" changes the floor by the derived factor (1 + ωη/(1-β1)) / (1 + 4ωη/(1-β1))
    # = 1.01/1.04 (-2.9 %); the measured ratio matches it within 4 SE (first measured as a
    # 10-SE failure of a test that expected "keep" to be exact).
    small = sde.NoisyQuadratic(H, 2.0)
    method = sde.AdamWModel(LR, weight_decay=1.0)
    kw = dict(x0=np.zeros(D), average_from=K_AVG, n_runs=N_PATHS)
    a = sde.run_optimizer(small, method, [K_END], seed=5, **kw)
    big, exact_rule = sde.scale_for_batch(small, method, 4, beta_rule="per_sample")
    b = sde.run_optimizer(big, exact_rule, [K_END], seed=6, **kw)
    assert abs(a.stationary_mean - b.stationary_mean) <= 4 * math.hypot(a.stationary_stderr,
                                                                        b.stationary_stderr)
    big, keep_rule = sde.scale_for_batch(small, method, 4, beta_rule="keep")
    c = sde.run_optimizer(big, keep_rule, [K_END], seed=7, **kw)
    predicted = sde.stationary_loss(big, keep_rule) / sde.stationary_loss(small, method)
    assert predicted == pytest.approx(1.01 / 1.04, rel=1e-12)
    ratio = c.stationary_mean / a.stationary_mean
    ratio_se = ratio * math.hypot(a.stationary_stderr / a.stationary_mean,
                                  c.stationary_stderr / c.stationary_mean)
    assert abs(ratio - predicted) <= 4 * ratio_se


def test_plot_sde_losses_returns_axes():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from deterministic_risk import plotting
    prob = sde.NoisyQuadratic(H, 1.0)
    runs = [sde.simulate_sde(prob, sde.SignSGDModel(1e-2), [1, 10, 100], n_paths=4),
            sde.run_optimizer(prob, sde.SignSGDModel(1e-2), [1, 10, 100], n_runs=4)]
    ax = plotting.plot_sde_losses(runs, labels=["sde", "opt"], stationary=[1e-2], lr=1e-2)
    assert len(ax.lines) == 3
    import io
    ax.figure.savefig(io.BytesIO(), format="png")     # renders every label (mathtext)
    plt.close("all")

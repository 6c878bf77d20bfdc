"""Adam: the update, the candidate (conjectured) risk ODE, its fixed point, and the measured gap
to simulation."""

import math

import numpy as np
import pytest

import deterministic_risk as dr
from deterministic_risk.optimizers.adam import adam_limiting_risk
from deterministic_risk import noise as N




@pytest.fixture(scope="module")
def small_problem():
    d = 60
    K = dr.problems.rotated_covariance(np.linspace(0.2, 2.0, d), seed=1, diag_spread=0.7)
    theta = np.random.default_rng(2).standard_normal(d) / math.sqrt(d)
    return dr.GaussianLeastSquares(K, theta, noise=N.Gaussian(0.5))


def test_kappa_c_equals_the_eigenvalues(small_problem):
    # κ^C_j = w_jᵀD^{1/4}CD^{1/4}w_j = w_jᵀ A w_j = λ_j (D^{1/4}CD^{1/4} = D^{-1/4}KD^{-1/4} = A),
    # which the module uses instead of evaluating the definition of κ^C; checked against it to
    # 1e-12
    K = small_problem.covariance_matrix()
    modes = dr.signsgd.signsgd_modes(small_problem)
    q = np.diag(K) ** 0.25
    C = dr.signsgd.correlation_matrix(K)
    W = modes.eigenvectors
    kappa_c = np.einsum("ij,ij->j", W, (q[:, None] * C * q[None, :]) @ W)
    np.testing.assert_allclose(kappa_c, modes.eigenvalues, rtol=1e-12, atol=1e-14)
    assert kappa_c.sum() == pytest.approx(np.sqrt(np.diag(K)).sum(), rel=1e-12)


def test_first_step_and_sign_limit():
    # bias correction makes the first step γ·sign(g) for any β1, β2; with β1 = 0 and β2 → 0 every
    # step is γ·g/|g| = γ·sign(g), the signSGD update (docs/clipping_adam.md, 'The Adam candidate')
    rng = np.random.default_rng(0)
    params = rng.standard_normal((3, 5))
    grads = rng.standard_normal((4, 3, 5))
    adam = dr.Adam(0.1, beta1=0.9, beta2=0.999)
    new, _ = adam.update(params, grads[0], 0, adam.init_state(params))
    np.testing.assert_allclose(new, params - 0.1 * np.sign(grads[0]), rtol=1e-14)
    fast = dr.Adam(0.1, beta1=0.0, beta2=1e-12)
    sign = dr.SignSGD(0.1)
    p_a, state = params, fast.init_state(params)
    p_s = params
    for k, g in enumerate(grads):
        p_a, state = fast.update(p_a, g, k, state)
        p_s, _ = sign.update(p_s, g, k, None)
    np.testing.assert_allclose(p_a, p_s, rtol=1e-9)


def test_initial_point_and_no_motion(small_problem):
    curve = dr.risk_curve(small_problem, dr.Adam(1e-14, beta2=1 - 1 / 60), [0, 10, 1000])
    r0 = small_problem.theta0 - small_problem.theta_star
    np.testing.assert_allclose(curve.excess, 0.5 * r0 @ small_problem.covariance_matrix() @ r0,
                               rtol=1e-9)
    assert "conjectured" in curve.info["method"]


@pytest.mark.parametrize("beta2_scale", [0.1, 1.0, 10.0])
def test_fixed_point(small_problem, beta2_scale):
    # at a constant step V → 2P and R → c'(c' + √(c'² + Eε²)), c' = γΣ√K_ii/4
    # (docs/clipping_adam.md); the ODE at k = 1e7 (every mode and M relaxed) matches to 1e-6,
    # whatever c = d(1 − β2)
    d = small_problem.d
    lr = 0.5 / d
    opt = dr.Adam(lr, beta2=1 - beta2_scale / d)
    curve = dr.risk_curve(small_problem, opt, [0, 10**7])
    assert curve.excess[-1] == pytest.approx(adam_limiting_risk(small_problem, lr), rel=1e-6)
    K = small_problem.covariance_matrix()
    c = lr * np.sqrt(np.diag(K)).sum() / 4
    assert adam_limiting_risk(small_problem, lr) == pytest.approx(
        c * (c + math.sqrt(c * c + 0.25)), rel=1e-14)


def test_refuses_infinite_variance_and_bad_parameters(small_problem):
    prob = dr.GaussianLeastSquares(small_problem.covariance_matrix(), small_problem.theta_star,
                                   noise=N.Cauchy(0.5))
    with pytest.raises(ValueError, match="finite variance"):
        dr.risk_curve(prob, dr.Adam(0.01), [0, 10])
    for kwargs, name in (({"beta1": 1.0}, "beta1"), ({"beta2": 1.0}, "beta2"),
                         ({"beta2": 0.0}, "beta2"), ({"eps": -1.0}, "eps")):
        with pytest.raises(ValueError, match=name):
            dr.Adam(0.01, **kwargs)


def _adam_comparison():
    """Candidate ODE against the mean of 16 Adam runs: d = 400, rotated covariance (spectrum
    uniform on [0.1, 2], diagonal spread e^{±0.7}), θ* ~ N(0, I/d), θ0 = 0, Gaussian noise σ = 0.5,
    γ = 0.5/d, β2 = 1 − 1/d (c = 1), k in [d/4, 7d] (t = k/d in [1/4, 7])."""
    d = 400
    K = dr.problems.rotated_covariance(np.random.default_rng(5).uniform(0.1, 2.0, d), seed=0,
                              diag_spread=0.7)
    theta = np.random.default_rng(1).standard_normal(d) / math.sqrt(d)
    prob = dr.GaussianLeastSquares(K, theta, noise=N.Gaussian(0.5))
    steps = np.unique(np.geomspace(d / 4, 7 * d, 12).astype(int))
    out = {}
    for beta1 in (0.0, 0.9):
        opt = dr.Adam(0.5 / d, beta1=beta1, beta2=1 - 1 / d)
        curve = dr.risk_curve(prob, opt, steps)
        sim = dr.simulate(prob, opt, steps, n_runs=16, seed=2)
        excess = sim.mean - sim.floor
        out[beta1] = (excess / curve.excess - 1, (excess - curve.excess) / sim.stderr)
    return out


@pytest.mark.slow
def test_candidate_ode_against_simulation():
    # The candidate is a conjecture, so this test records the measured gap rather than a
    # theoretical bound. Measured max |mean/ODE − 1| over k in [d/4, 7d]: 2.4 % (β1 = 0) and 3.4 %
    # (β1 = 0.9), all points within 2.1 standard errors of the 16-run mean. Held at 4 %.
    # (With 48 runs on k in [10, 20d] the gap was 1–3 % above the ODE for k < d/2 — a finite-d
    # transient, larger with β1 = 0.9 — and up to 3.6 % below it near k = 12d; c = 0.1 and c = 10
    # gave 3.6 % and 4.8 %: docs/clipping_adam.md.)
    for beta1, (dev, z) in _adam_comparison().items():
        assert np.max(np.abs(dev)) <= 0.04, (beta1, dev)
        assert np.max(np.abs(z)) <= 3.0, (beta1, z)

"""Label-noise laws: φ(R) closed forms against quadrature and mpmath, limits, samplers, problems."""

import math

import mpmath as mp
import numpy as np
import pytest

import deterministic_risk as dr
from deterministic_risk import noise as N
from deterministic_risk.noise import _student_t_integral

CLOSED_FORM_LAWS = [
    N.Gaussian(0.0), N.Gaussian(0.5), N.Gaussian(0.5, mean=0.3), N.StudentT(3.0, 0.5),
    N.StudentT(1.5, 0.5), N.StudentT(2.0, 1.0), N.StudentT(30.0, 2.0), N.Cauchy(0.5),
    N.Laplace(0.3), N.Uniform(0.5), N.Rademacher(0.5),
]
R_GRID = np.array([1e-12, 1e-6, 1e-2, 0.3, 2.0, 1e3, 1e6])


@pytest.mark.parametrize("law", CLOSED_FORM_LAWS, ids=repr)
def test_phi_closed_form_matches_quadrature(law):
    # quadrature of the defining integral (QUADPACK, rtol 1e-12 per positive piece);
    # the closed forms must agree to 1e-8 relative, including R = 1e-12 and 1e6
    with np.errstate(over="raise", invalid="raise"):
        closed = law.phi(R_GRID)
    quad = law.phi_quadrature(R_GRID)
    nonzero = quad > 0
    assert np.all(closed[~nonzero] == 0.0)          # Rademacher underflow at R = 1e-12
    np.testing.assert_allclose(closed[nonzero], quad[nonzero], rtol=1e-8, atol=0)


@pytest.mark.parametrize("R", [1e-12, 1e-3, 1.0, 1e6])
def test_rademacher_and_biased_gaussian_against_mpmath(R):
    # 50-digit evaluations of the closed forms (docs/signsgd.md table) as independent references
    mp.mp.dps = 50
    a = 0.5
    ref = mp.mpf(2) / mp.pi * (2 * mp.mpf(R)) ** -0.5 * mp.e ** (-mp.mpf(a) ** 2 / (4 * mp.mpf(R)))
    got = N.Rademacher(a).phi(R)
    if ref < 1e-300:
        assert got == 0.0
    else:
        assert got == pytest.approx(float(ref), rel=1e-12)
    s, m = 0.5, 0.3
    v = 2 * mp.mpf(R) + mp.mpf(s) ** 2
    ref = mp.mpf(2) / mp.pi / mp.sqrt(v) * mp.e ** (-mp.mpf(m) ** 2 / (2 * v))
    assert N.Gaussian(s, m).phi(R) == pytest.approx(float(ref), rel=1e-13)


@pytest.mark.parametrize("nu", [0.5, 1.0, 2.0, 3.0, 7.5, 200.0])
@pytest.mark.parametrize("z", [1e-12, 1e-6, 1e-2, 1.0, 10.0, 1e3, 1e6, 1e12])
def test_student_t_integral_against_mpmath(nu, z):
    # F(z) = ∫_0^∞ (1+u²)^{-(ν+1)/2} e^{-z u²} du by mpmath (30 digits, split at both scales);
    # the double-exponential-free trapezoid rule in log u must reach 1e-12
    mp.mp.dps = 30
    p = mp.mpf(nu + 1) / 2
    zz = mp.mpf(z)
    pts = sorted({mp.mpf(0), 1 / mp.sqrt(zz), mp.mpf(1), mp.inf})
    ref = mp.quad(lambda u: mp.e ** (-zz * u * u) * (1 + u * u) ** (-p), pts)
    assert _student_t_integral(z, nu) == pytest.approx(float(ref), rel=1e-12)


def test_student_t_one_is_cauchy():
    R = np.geomspace(1e-12, 1e6, 19)
    np.testing.assert_allclose(N.StudentT(1.0, 0.7).phi(R), N.Cauchy(0.7).phi(R), rtol=1e-12)


@pytest.mark.parametrize("law", [law for law in CLOSED_FORM_LAWS if law != N.Gaussian(0.0)],
                         ids=repr)
def test_phi_limits(law):
    # φ(0+) = 2√(2/π) f(0) (docs/signsgd.md); the correction is O(√R) at worst (Laplace), so 1e-8
    # at 1e-20
    assert law.phi(1e-20) == pytest.approx(2 * math.sqrt(2 / math.pi) * law.density_at_zero,
                                           rel=1e-8, abs=1e-300)
    # R -> ∞: the noise is negligible, φ -> (2/π)(2R)^{-1/2}; corrections O(scale/√R) <= 1e-5
    R = 1e14
    assert law.phi(R) == pytest.approx(2 / math.pi / math.sqrt(2 * R), rel=1e-5)


def test_no_noise_phi_and_scalar_or_array():
    assert N.Gaussian(0.0).phi(0.5) == pytest.approx(2 / math.pi)
    assert isinstance(N.Laplace(1.0).phi(0.1), float)
    assert N.Laplace(1.0).phi(np.ones((2, 3))).shape == (2, 3)
    with pytest.raises(ValueError, match="R"):
        N.Laplace(1.0).phi(-1.0)


@pytest.mark.parametrize("law", [N.Gaussian(0.5, 0.2), N.StudentT(5.0, 0.5), N.Laplace(0.3),
                                 N.Uniform(0.5), N.Rademacher(0.5)], ids=repr)
def test_sampler_second_moment(law):
    # 4e5 draws: the sample mean of ε² is within 5 standard errors of E[ε²]
    eps = law.sample(np.random.default_rng(0), (400_000,))
    sq = eps**2
    assert abs(sq.mean() - law.second_moment) <= 5 * sq.std() / math.sqrt(sq.size) + 1e-15


def test_heavy_tailed_samplers_and_moments():
    rng = np.random.default_rng(1)
    eps = N.Cauchy(0.5).sample(rng, (200_000,))
    # the median of |ε| of Cauchy(s) is s; its sample median has s.e. ≈ 0.5·π s/√n·... < 0.01
    assert np.median(np.abs(eps)) == pytest.approx(0.5, abs=0.01)
    assert N.Cauchy(0.5).second_moment == np.inf
    assert N.StudentT(2.0).second_moment == np.inf
    assert not N.StudentT(1.5).finite_variance
    assert N.StudentT(3.0, 2.0).second_moment == pytest.approx(12.0)


def test_custom_law_matches_closed_form_and_centred_exponential():
    lap = N.Laplace(0.4)
    custom = N.Custom(pdf=lap.pdf, sampler=lap.sample, scale=0.4)
    assert custom.second_moment == pytest.approx(lap.second_moment, rel=1e-10)
    np.testing.assert_allclose(custom.phi(R_GRID), lap.phi(R_GRID), rtol=1e-8)
    # centred exponential Exp(1) − 1: φ(0+) = 2√(2/π) e^{-1} (docs/signsgd.md)
    expo = N.Custom(pdf=lambda e: np.where(e >= -1, np.exp(-np.abs(np.asarray(e) + 1.0)), 0.0),
                    sampler=lambda rng, shape: rng.exponential(1.0, shape) - 1.0, kinks=(1.0,))
    assert expo.second_moment == pytest.approx(1.0, rel=1e-10)
    assert expo.phi(1e-14) == pytest.approx(2 * math.sqrt(2 / math.pi) * math.exp(-1), rel=1e-6)
    heavy = N.Custom(pdf=N.Cauchy(1.0).pdf, sampler=N.Cauchy(1.0).sample, second_moment=np.inf)
    assert heavy.floor == np.inf
    with pytest.raises(ValueError, match="second_moment"):
        N.Custom(pdf=N.Cauchy(1.0).pdf, sampler=N.Cauchy(1.0).sample)


@pytest.mark.parametrize("bad", [lambda: N.Gaussian(-1.0), lambda: N.StudentT(0.0),
                                 lambda: N.Cauchy(0.0), lambda: N.Laplace(-1.0),
                                 lambda: N.Uniform(0.0), lambda: N.Rademacher(np.inf)])
def test_invalid_parameters(bad):
    with pytest.raises(ValueError):
        bad()


# -- problems and SGD with noise laws ---------------------------------------------------------

def _problem(**kw):
    return dr.GaussianLeastSquares([1.0, 0.5, 0.25], theta_star=[1.0, -1.0, 0.5], **kw)


def test_problem_noise_argument():
    assert _problem().floor == 0.0
    assert _problem(noise_std=0.5).noise == N.Gaussian(0.5)
    assert _problem(noise=N.Laplace(0.5)).floor == pytest.approx(0.25)   # ½·2b²
    assert _problem(noise=N.Cauchy(0.5)).floor == np.inf
    assert _problem(noise=N.Gaussian(0.3, 0.4)).floor == pytest.approx(0.125)
    with pytest.raises(ValueError, match="not both"):
        _problem(noise=N.Laplace(0.5), noise_std=0.1)
    with pytest.raises(TypeError, match="NoiseLaw"):
        _problem(noise=0.5)


def test_sgd_depends_on_noise_only_through_second_moment():
    # SGD dynamics see E[ε²] only: Laplace(b) and Gaussian(√2 b) give identical curves
    steps = [0, 1, 10, 100, 1000]
    lap = dr.risk_curve(_problem(noise=N.Laplace(0.5)), dr.SGD(0.3), steps)
    gau = dr.risk_curve(_problem(noise_std=math.sqrt(2) * 0.5), dr.SGD(0.3), steps)
    np.testing.assert_allclose(lap.risk, gau.risk, rtol=1e-14)


def test_sgd_with_infinite_variance_noise_raises():
    with pytest.raises(ValueError, match="infinite variance"):
        dr.risk_curve(_problem(noise=N.Cauchy(0.5)), dr.SGD(0.3), [0, 10])
    with pytest.raises(ValueError, match="infinite variance"):
        dr.risk_curve(_problem(noise=N.StudentT(2.0)), dr.SGD(0.3), [0, 10])


def test_simulate_draws_the_problems_noise_law():
    # SGD at θ0 = θ*: the first step moves θ by γ·x·ε; with Rademacher(a) noise the
    # simulated excess risk after one step is ½γ²a²·E[(xᵀKx)] exactly in expectation:
    # E[½ (γ ε x)ᵀ K (γ ε x)] = ½ γ² a² tr(K²)
    lam = np.array([1.0, 0.5, 0.25])
    prob = dr.GaussianLeastSquares(lam, theta_star=np.zeros(3), noise=N.Rademacher(0.7))
    sim = dr.simulate(prob, dr.SGD(0.1), [0, 1], n_runs=4000, seed=3)
    excess = sim.runs[:, 1] - sim.floor
    expected = 0.5 * 0.01 * 0.49 * np.sum(lam**2)
    assert abs(excess.mean() - expected) < 4 * excess.std() / math.sqrt(excess.size)
    # and every |ε| equals a: the excess risk is ½γ²a² xᵀKx, never the Gaussian spread
    assert sim.floor == pytest.approx(0.5 * 0.49)


EXTREME_LAWS = [
    lambda s: dr.noise.Gaussian(s), lambda s: dr.noise.Gaussian(s, mean=s),
    lambda s: dr.noise.StudentT(3.0, s), lambda s: dr.noise.StudentT(0.5, s),
    lambda s: dr.noise.Cauchy(s), lambda s: dr.noise.Laplace(s), lambda s: dr.noise.Uniform(s),
    lambda s: dr.noise.Rademacher(s),
]


@pytest.mark.parametrize("make", EXTREME_LAWS)
@pytest.mark.parametrize("scale", [1e-300, 1e-150, 1.0, 1e150])
def test_phi_finite_for_extreme_scales(make, scale):
    # the whole accepted range of scales and excess risks gives a finite, positive φ
    law = make(scale)
    R = np.array([1e-300, 1e-12, 1.0, 1e12, 1e300])
    phi = np.asarray(law.phi(R))
    assert np.all(np.isfinite(phi)) and np.all(phi >= 0)
    if not isinstance(law, dr.noise.Rademacher):   # its exp(-a²/(4R)) may truly underflow
        assert np.all(phi[R >= 1.0] > 0)


@pytest.mark.parametrize("make", EXTREME_LAWS)
def test_scale_beyond_float_range_is_refused(make):
    with pytest.raises(ValueError, match="must be <= 1e\\+150"):
        make(1e200)


@pytest.mark.parametrize("nu", [0.5, 3.0, 50.0])
def test_student_t_phi_large_z_matches_integral(nu):
    # the Watson series (z > 1e12) continues the trapezoid rule: both agree at the switch
    law = dr.noise.StudentT(nu, 1.0)
    r_switch = nu / (4 * 1e12)
    assert law.phi(r_switch * 0.999) == pytest.approx(law.phi(r_switch * 1.001), rel=1e-11)

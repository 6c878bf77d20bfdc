"""signSGD on PLRF: large-d model, sampled path, step scaling, schedules, comparisons."""

import math

import numpy as np
import pytest

import deterministic_risk as dr
from deterministic_risk import schedules as S
from deterministic_risk.scaling import _make_optimizer


@pytest.fixture(scope="module")
def plrf_small():
    return dr.PLRF(1.0, 0.3, d=300)


# -- law of the diagonal -------------------------------------------------------------------------

@pytest.mark.parametrize("alpha", [0.4, 1.0, 1.5])
def test_diagonal_law_matches_sampled_diagonals(alpha):
    # K_ii are i.i.d. over i (independent columns of W): the means over 4 draws × 400 entries
    # agree with the Laplace-transform integrals within 4 standard errors
    prob = dr.PLRF(alpha, 0.5, d=400)
    law = dr.diagonal_law(prob)
    lam = prob.population_eigenvalues
    diag, t1 = [], []
    for seed in range(4):
        w = prob.sample_features(seed)
        k = (w * w * lam[:, None]).sum(axis=0)
        diag.append(k)
        t1.append(prob.d * w[0] ** 2 / np.sqrt(k))
    diag, t1 = np.concatenate(diag), np.concatenate(t1)
    for sample, value in [(np.sqrt(diag), law.mean_sqrt), (diag ** -0.5, law.mean_inv_sqrt),
                          (diag, law.mean), (t1, law.scale[0] * law.mean_inv_sqrt)]:
        se = sample.std() / math.sqrt(sample.size)
        assert abs(sample.mean() - value) < 4 * se


def test_diagonal_law_mean_is_exact():
    prob = dr.PLRF(1.0, 0.3, d=300)
    assert dr.diagonal_law(prob).mean == pytest.approx(prob.population_eigenvalues.sum() / 300,
                                                       rel=1e-9)


# -- the large-d model (accuracy: tests/test_signsgd_large_d.py) -------------------------------------

def test_sampled_path_equals_least_squares_form(plrf_small):
    steps = [0, 10, 1000, 10**5]
    opt = dr.SignSGD(1e-3)
    a = dr.risk_curve(plrf_small, opt, steps, spectrum_method="sampled", feature_seed=3)
    b = dr.risk_curve(plrf_small.instance(3).as_least_squares(), opt, steps)
    np.testing.assert_allclose(a.risk, b.risk, rtol=1e-12)
    assert a.info["spectrum_method"] == "sampled"
    assert dr.risk_curve(plrf_small, opt, steps).info["spectrum_method"] == "deterministic"


@pytest.mark.parametrize("method", ["deterministic", "sampled"])
def test_lr_for_excess_inverts_the_limit(plrf_small, method):
    # the exact ODE fixed point (signsgd_plrf.md §3.3), reached at k = 1e11; rel. 1e-5
    lr = dr.signsgd_lr_for_excess(plrf_small, 2e-3, method=method)
    curve = dr.risk_curve(plrf_small, dr.SignSGD(lr), [0, 10**11], spectrum_method=method)
    assert curve.excess[-1] == pytest.approx(2e-3, rel=1e-5)


def test_max_lr_scaling_exponent():
    # signsgd_max_lr ∝ d^-(1-ω): ω = ½ for α = 1, ω = α for α = 0.4; fitted between d = 1000 and
    # 8000 within 0.05 (finite-d corrections of Σ√K_ii, R*)
    for alpha, e in [(1.0, 0.5), (0.4, 0.6)]:
        lo, hi = (dr.signsgd_max_lr(dr.PLRF(alpha, 0.7, d=d)) for d in (1000, 8000))
        assert math.log(lo / hi) / math.log(8) == pytest.approx(e, abs=0.05)
    assert dr.signsgd_lr_exponents(1.0, 0.3) == pytest.approx((0.5, 1.3))


# -- schedules for both optimizers -----------------------------------------------------------------

SCHEDULES = [
    S.Constant(0.5),
    S.WSD(0.5, 2000, warmup_frac=0.1, decay_frac=0.3, shape="cosine"),
    S.WSD(0.5, 2000, warmup_frac=0.0, decay_frac=0.5, shape="power", power=1.5, final=0.05),
    S.WSD.stable_decay(0.5, 2000),
    S.Cosine(0.5, 2000),
    S.PowerLaw(0.5, 100.0, 0.5),
    S.StepDecay(0.5, 0.5, 500),
    S.FunctionSchedule(lambda k: 0.5 / (1 + k / 300)),
]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: type(s).__name__)
@pytest.mark.parametrize("optimizer", ["sgd", "signsgd"])
def test_both_odes_accept_any_schedule(plrf_small, schedule, optimizer):
    steps = np.unique(np.geomspace(1, 3000, 40).astype(np.int64))
    if optimizer == "sgd":
        scale = dr.max_stable_lr(plrf_small.spectrum())
        opt = dr.SGD(S.FunctionSchedule(lambda k: scale * schedule(k)))
        target = plrf_small
    else:
        scale = 0.2 * dr.signsgd_max_lr(plrf_small)
        opt = dr.SignSGD(S.FunctionSchedule(lambda k: scale * schedule(k)))
        target = plrf_small
    with np.errstate(over="raise", invalid="raise"):
        curve = dr.risk_curve(target, opt, steps, method="ode")
    assert curve.success and np.all(np.isfinite(curve.risk))
    assert np.all(curve.risk >= curve.floor * (1 - 1e-9))
    assert curve.risk[-1] < plrf_small.initial_risk


@pytest.mark.parametrize("method", ["deterministic", "sampled"])
def test_wsd_before_decay_equals_constant(plrf_small, method):
    # invariant: a WSD schedule equals the constant step up to its decay start; rel. 1e-4
    # (integrator rtol 1e-5, block edges at different places)
    lr = 0.05 * dr.signsgd_max_lr(plrf_small)
    steps = [10, 100, 1000, 7000]
    a = dr.risk_curve(plrf_small, dr.SignSGD(lr), steps, spectrum_method=method)
    b = dr.risk_curve(plrf_small, dr.SignSGD(S.WSD(lr, 10_000, 0.0, 0.2)), steps,
                      spectrum_method=method)
    np.testing.assert_allclose(a.risk, b.risk, rtol=1e-4)


# -- learning-rate search and comparisons ------------------------------------------------------------

def test_best_lr_is_a_local_minimum(plrf_small):
    for opt, sched in [("signsgd", None), ("signsgd", dr.wsd_schedule), ("sgd", None)]:
        lr, risk = dr.best_lr(plrf_small, opt, 5000, schedule=sched)
        for factor in (1.15, 1 / 1.15):
            spec = plrf_small if opt == "signsgd" else plrf_small.spectrum()
            s = lr * factor if sched is None else sched(lr * factor, 5000)
            o = dr.SignSGD(s) if opt == "signsgd" else dr.SGD(s)
            other = dr.risk_curve(spec, o, [5000], on_divergence="return").risk[-1]
            assert other >= risk * (1 - 1e-4)


def test_compare_at_budget(plrf_small):
    cmp = dr.compare_at_budget(plrf_small, 3e5, n_points=30, n_nodes=300)
    assert cmp.steps == 1000
    for key, curve in cmp.curves.items():
        assert curve.steps[-1] == 1000 and curve.flops()[-1] == pytest.approx(3e5)
        assert cmp.risks[key] == pytest.approx(curve.risk[-1])
    # a decaying schedule never loses against the constant step of the same family here
    assert cmp.risks[("signsgd", "wsd")] <= cmp.risks[("signsgd", "constant")]
    assert cmp.risks[("sgd", "wsd")] <= cmp.risks[("sgd", "constant")]


def test_compute_optimal_accepts_signsgd():
    fr = dr.compute_optimal(1.0, 0.3, "signsgd", d_values=[50, 100, 200], n_budgets=6,
                            lr="stable")
    assert np.all(np.isfinite(fr.losses[:, -1]))
    prob = dr.PLRF(1.0, 0.3, d=100)
    opt = _make_optimizer("signsgd", 100, None, "stable", 1, 1000, None, problem=prob)
    assert isinstance(opt, dr.SignSGD)
    assert opt.lr(0.0) == pytest.approx(0.5 * dr.signsgd_max_lr(prob))
    with pytest.raises(ValueError, match="batch=1"):
        _make_optimizer("signsgd", 100, None, 0.1, 2, 1000, None, problem=prob)


def test_bad_arguments(plrf_small):
    with pytest.raises(ValueError, match="method"):
        dr.plrf_signsgd_modes(plrf_small, method="exact")
    with pytest.raises(ValueError, match="optimizer"):
        dr.best_lr(plrf_small, "adam", 100)
    with pytest.raises(ValueError, match="excess"):
        dr.signsgd_lr_for_excess(plrf_small, -1.0)


# -- theory against simulation (slow) -------------------------------------------------------------

def _sim_check(alpha, beta, schedule_of=None, runs=32, seed=7, sde=False):
    d = 500
    prob = dr.PLRF(alpha, beta, d)
    inst = prob.instance(0)
    lr = dr.signsgd_lr_for_excess(prob, 0.02 * (prob.initial_risk - inst.floor),
                                  method="sampled")
    n = 20 * d
    opt = dr.SignSGD(lr if schedule_of is None else schedule_of(lr, n))
    steps = np.unique(np.geomspace(1, n, 40).astype(np.int64))
    ode = dr.risk_curve(prob, opt, steps, spectrum_method="sampled")
    sim = dr.simulate(prob, opt, steps, n_runs=runs, seed=seed)
    out = {"steps": steps, "ode": ode.risk / sim.mean - 1, "rel_se": sim.stderr / sim.mean}
    if sde:
        path = dr.homogenized_signsgd(prob, opt, steps, n_runs=runs, seed=seed + 1)
        out["sde"] = path.mean / sim.mean - 1
    return out


@pytest.mark.slow
@pytest.mark.parametrize("wsd", [False, True])
def test_ode_vs_simulation_plrf_small_alpha(wsd):
    # 2α < 1 (α = 0.4, β = 0.7), d = 500, 32 runs: the issue criterion, within 5 % for k >= 10 d
    # (measured max 1.5 % with a constant step), with a constant step and with WSD (peak 2γ,
    # warmup 10 %, decay 30 %); the diagonal concentrates and K̄ is nearly diagonal, so the
    # linearised drift is accurate
    sched = (lambda lr, n: S.WSD(2 * lr, n, 0.1, 0.3)) if wsd else None
    r = _sim_check(0.4, 0.7, sched)
    late = r["steps"] >= 10 * 500
    assert np.abs(r["ode"][late]).max() < 0.05


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="at 2α > 1 (α = 1, d = 500) the linearised ODE sits above "
                   "signSGD for k >= 10 d: 4.7-13.2 % (mean 8 %) against 512 runs whose standard "
                   "error is 3 %, a finite-d bias of the limit (arcsin ρ > ρ on the top "
                   "features); the exact-drift SDE meets the criterion; see docs/signsgd_plrf.md")
@pytest.mark.parametrize("wsd", [False, True])
def test_ode_vs_simulation_plrf_large_alpha(wsd):
    # the 5 % criterion at α = 1, β = 0.3, constant step and WSD (peak 2γ, warmup 10 %,
    # decay 30 %): measured max deviation 0.22 (constant) and 0.23 (WSD) for k >= 10 d
    sched = (lambda lr, n: S.WSD(2 * lr, n, 0.1, 0.3)) if wsd else None
    r = _sim_check(1.0, 0.3, sched)
    late = r["steps"] >= 10 * 500
    assert np.abs(r["ode"][late]).max() < 0.05


@pytest.mark.slow
@pytest.mark.parametrize("wsd", [False, True])
def test_exact_drift_sde_vs_simulation_plrf(wsd):
    # remedy (a): the arcsine-drift homogenized SDE, 32 paths, against 32 signSGD runs at
    # α = 1, β = 0.3, d = 500, constant step and WSD: within 5 % + 3 combined standard errors for
    # k >= 10 d (two independent means, each with its own sampling error). Its noise has the
    # covariance of the signs, K_σ − mmᵀ; with K_σ alone it was 32–76 % too high (the mmᵀ term is
    # of the order of the sign noise while the residual sits on the top features).
    sched = (lambda lr, n: S.WSD(2 * lr, n, 0.1, 0.3)) if wsd else None
    r = _sim_check(1.0, 0.3, sched, sde=True)
    late = r["steps"] >= 10 * 500
    tol = 0.05 + 3 * np.sqrt(2) * r["rel_se"][late]
    assert np.all(np.abs(r["sde"][late]) < tol)
    # early on (k in [8, 50]) the linearised ODE overshoots by 15–30 % while the SDE tracks the
    # simulation: its mean absolute deviation there is below the ODE's
    early = (r["steps"] >= 8) & (r["steps"] <= 50)
    assert np.mean(np.abs(r["sde"][early])) < np.mean(np.abs(r["ode"][early]))

"""Work shared across the targets β of one PLRF (α, d): the trace measure, the spectra of a family
and the SGD curves of all its members in one solve equal the separate computations."""

import numpy as np
import pytest

import deterministic_risk as dr
from deterministic_risk import deterministic_equivalent as de

BETAS = [-0.1, 0.3, 0.7, 1.2, 2.0]


def massive(spectrum):
    """Eigenvalues, weights and counts of the nodes that carry count or weight."""
    keep = (spectrum.counts > 0) | (spectrum.weights > 0)
    return spectrum.eigenvalues[keep], spectrum.weights[keep], spectrum.counts[keep]


def test_trace_measure_is_computed_once_per_alpha_and_d():
    first = de.trace_measure(dr.PLRF(0.9, 0.3, d=120))
    assert de.trace_measure(dr.PLRF(0.9, 1.1, d=120)) is first
    assert de.trace_measure(dr.PLRF(0.9, 0.3, d=121)) is not first


@pytest.mark.parametrize("alpha", [0.35, 1.0])
def test_family_members_equal_the_separate_spectra(alpha):
    # the forcing masses of all β come from one matrix product instead of one sum per β: the
    # same numbers up to the rounding of a sum over the O(sqrt d) population atoms
    probs = [dr.PLRF(alpha, b, d=300, noise_std=0.1 * i) for i, b in enumerate(BETAS)
             if 2 * alpha + 2 * b > 1]
    fam = de.deterministic_spectrum_family(probs)
    assert fam.size == len(probs)
    for j, prob in enumerate(probs):
        alone = de.deterministic_spectrum(prob)
        lam, w, n = massive(fam.member(j))
        lam0, w0, n0 = massive(alone)
        np.testing.assert_array_equal(lam, lam0)
        np.testing.assert_array_equal(n, n0)
        np.testing.assert_allclose(w, w0, rtol=1e-12, atol=1e-300)
        assert fam.floors[j] == alone.floor


@pytest.mark.parametrize("solver, horizon", [(dr.solvers.ExactRecursion(), 3000),
                                             (dr.solvers.LogTimeBlocks(), 10**10)])
@pytest.mark.parametrize("alpha", [0.4, 1.1])
def test_family_curves_in_one_solve_equal_separate_solves(solver, horizon, alpha):
    # the recursion is linear in (E, R_*), and the stable step depends on the eigenvalues and
    # counts only, so one solve with a matrix of energies gives every member's curve; target
    # 1e-10 (found: rounding, ~1e-15)
    probs = [dr.PLRF(alpha, b, d=200) for b in BETAS if 2 * alpha + 2 * b > 1]
    fam = de.deterministic_spectrum_family(probs)
    lr = dr.SGD(1.0).stable_lr(fam.member(0))
    assert all(dr.SGD(1.0).stable_lr(p) == lr for p in probs)
    steps = np.unique(np.geomspace(1, horizon, 60).astype(np.int64))
    with np.errstate(over="raise", invalid="raise"):
        shared = dr.risk_curves(fam, dr.SGD(lr), steps, solver=solver)
        for prob, curve in zip(probs, shared):
            alone = dr.risk_curve(prob, dr.SGD(lr), steps, solver=solver)
            np.testing.assert_allclose(curve.risk, alone.risk, rtol=1e-10)
            assert curve.floor == alone.floor


def test_family_curves_with_a_schedule_equal_separate_solves():
    probs = [dr.PLRF(0.8, b, d=150) for b in (0.2, 0.9)]
    fam = de.deterministic_spectrum_family(probs)
    peak = dr.SGD(1.0).stable_lr(fam.member(0))
    opt = dr.SGD(dr.schedules.WSD(peak, 10**6, 0.0, 0.3))
    steps = np.unique(np.geomspace(1, 10**6, 40).astype(np.int64))
    shared = dr.risk_curves(fam, opt, steps)
    for prob, curve in zip(probs, shared):
        np.testing.assert_allclose(curve.risk, dr.risk_curve(prob, opt, steps).risk, rtol=1e-10)


def test_members_of_a_nonlinear_limit_cannot_share_a_solve():
    prob = dr.GaussianLeastSquares([1.0, 0.5], [1.0, 1.0], noise_std=0.1)
    dynamics = dr.SignSGD(0.01).limit_dynamics(prob)
    with pytest.raises(TypeError, match="not affine in its initial state"):
        dynamics.with_members(np.ones((2, 2)), np.zeros(2))
    fam = dr.SpectrumFamily([1.0, 0.5], np.ones((2, 2)), [0.0, 0.0])
    with pytest.raises(TypeError):
        dr.risk_curves(fam, dr.SignSGD(0.01), [1, 2])
    with pytest.raises(TypeError, match="family must be a dr.SpectrumFamily"):
        dr.risk_curves(fam.member(0), dr.SGD(0.1), [1, 2])


def test_bad_families_name_the_argument():
    with pytest.raises(ValueError, match="weights must have shape"):
        dr.SpectrumFamily([1.0, 0.5], np.ones((2, 3)), [0.0, 0.0])
    with pytest.raises(ValueError, match="weights must be 2-dimensional"):
        dr.SpectrumFamily([1.0, 0.5], [1.0, 1.0], [0.0])
    with pytest.raises(ValueError, match="floors must be non-negative"):
        dr.SpectrumFamily([1.0], [[1.0]], [-1.0])
    with pytest.raises(ValueError, match="j must be < 1"):
        dr.SpectrumFamily([1.0], [[1.0]], [0.0]).member(1)
    with pytest.raises(ValueError, match="problems must share alpha, d and v"):
        de.deterministic_spectrum_family([dr.PLRF(1.0, 0.3, 50), dr.PLRF(1.1, 0.3, 50)])
    with pytest.raises(ValueError, match="at least one"):
        de.deterministic_spectrum_family([])
    trace = de.trace_measure(dr.PLRF(1.0, 0.3, 50))
    with pytest.raises(ValueError, match="trace belongs to alpha=1.0, d=50, v=200"):
        de.deterministic_spectrum(dr.PLRF(1.0, 0.3, 60), trace=trace)
    with pytest.raises(TypeError, match="trace must be a TraceMeasure"):
        de.deterministic_spectrum(dr.PLRF(1.0, 0.3, 50), trace="trace")


@pytest.mark.parametrize("alpha, d", [(0.4, 2000), (1.0, 500)])
def test_signsgd_bins_of_every_beta_equal_a_path_per_beta(alpha, d):
    # the bins of all β are read off one path per (α, d) (δ, counting and noise are the same for
    # every β; the forcing is linear in b̌²); a path whose top and retries the β's own forcing
    # also decides (the model built for that β alone) gives the same masses to rounding
    from deterministic_risk.signsgd import large_d
    law = large_d._column_law(alpha, d, 4 * d, 24, 512)
    shared = large_d._BinPath(law, 1.03, 10)
    for beta in BETAS[1:]:
        prob = dr.PLRF(alpha, beta, d)
        target2 = large_d._target2(prob)
        excess0 = prob.initial_risk - de.deterministic_floor(prob)
        rows = large_d._bin_masses(shared, target2, excess0)
        alone = large_d._bin_masses(large_d._BinPath(law, 1.03, 10, (target2, excess0)),
                                    target2, excess0)
        assert rows.shape == alone.shape
        # each column (edges, masses, moments) to 1e-10 of its total over the bins
        assert np.all(np.abs(rows - alone) <= 1e-10 * np.abs(alone).sum(axis=0))


def test_signsgd_models_of_a_column_share_one_path():
    from deterministic_risk.signsgd import large_d
    large_d._shared_path.cache_clear()
    for beta in (0.3, 0.9):
        dr.signsgd.signsgd_equivalent(dr.PLRF(0.7, beta, d=400))
    assert large_d._shared_path.cache_info().misses == 1

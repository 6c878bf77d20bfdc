"""Figures show what they claim: every plotting function that takes simulated runs draws their
points and bands (present, finite, positive on log axes) on every horizontal axis it offers, and
refuses, with a clear error, data it cannot place instead of dropping it silently."""

import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PolyCollection

import deterministic_risk as dr
from deterministic_risk import noise as N
from deterministic_risk import sde
from deterministic_risk.plotting.curves import X_AXES

matplotlib.use("Agg")

STEPS = np.array([0, 1, 3, 10, 30, 100, 300])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def plrf_pair():
    """One PLRF problem (batch 2): its exact curve and 8 simulated runs on the same W."""
    prob = dr.PLRF(alpha=1.0, beta=0.7, d=60)
    spec = prob.spectrum(method="sampled", seed=0)
    opt = dr.SGD(0.5 * dr.max_stable_lr(spec, 2), batch=2)
    curve = dr.risk_curve(prob, opt, STEPS, spectrum_method="sampled", feature_seed=0)
    sim = dr.simulate(prob, opt, STEPS, n_runs=8, seed=0, feature_seed=0)
    return prob, curve, sim


def markers(ax):
    """Lines drawn as markers only (the simulated means)."""
    return [ln for ln in ax.get_lines() if ln.get_linestyle() == "None"]


def solid(ax):
    """Lines drawn as lines (the deterministic curves)."""
    return [ln for ln in ax.get_lines() if ln.get_linestyle() != "None"
            and np.ptp(ln.get_xdata()) > 0]


def bands(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def assert_on_log_axes(xy, n):
    """n points (or more, for band outlines), every coordinate finite and positive."""
    xy = np.asarray(xy, dtype=float)
    assert xy.shape[0] >= n
    assert np.all(np.isfinite(xy)) and np.all(xy > 0)


def assert_simulation_drawn(ax, n_sims, n_points):
    points = markers(ax)
    assert len(points) == n_sims
    for line in points:
        assert_on_log_axes(line.get_xydata(), n_points)
        assert len(line.get_xdata()) == n_points
    polys = bands(ax)
    assert len(polys) == n_sims
    for poly in polys:
        assert_on_log_axes(poly.get_paths()[0].vertices, 2 * n_points)


def test_simulation_records_the_dimension(plrf_pair):
    prob, curve, sim = plrf_pair
    assert sim.info["d"] == prob.d == curve.info["d"]
    # both results put the same compute d·B·k on the same steps
    np.testing.assert_array_equal(sim.flops(), curve.flops())
    np.testing.assert_array_equal(sim.flops(), prob.d * 2 * STEPS)


@pytest.mark.parametrize("x", sorted(X_AXES))
@pytest.mark.parametrize("excess", [False, True])
@pytest.mark.parametrize("band", ["stderr", "quantile"])
def test_plot_risk_draws_simulation_points_and_bands(plrf_pair, x, excess, band):
    prob, curve, sim = plrf_pair
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # nothing is left out at these steps
        ax = dr.plotting.plot_risk(curve, simulations=sim, labels=["theory"], x=x,
                                   excess=excess, band=band)
    n = int(np.sum(STEPS > 0))                    # k = 0 has no place on a log axis
    assert_simulation_drawn(ax, 1, n)
    [line] = solid(ax)
    assert_on_log_axes(line.get_xydata(), n)
    scale = 1.0 if x == "steps" else prob.d * 2.0
    np.testing.assert_array_equal(markers(ax)[0].get_xdata(), scale * STEPS[STEPS > 0])
    np.testing.assert_array_equal(line.get_xdata(), scale * STEPS[STEPS > 0])
    assert ax.get_xlabel() == X_AXES[x]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["theory"]


@pytest.mark.parametrize("x", sorted(X_AXES))
def test_plot_risk_several_simulations_each_drawn(plrf_pair, x):
    prob, curve, sim = plrf_pair
    spec = prob.spectrum(method="sampled", seed=0)
    other = dr.simulate(prob, dr.SGD(0.2 * dr.max_stable_lr(spec, 2), batch=2), STEPS,
                        n_runs=4, seed=1)
    ax = dr.plotting.plot_risk([curve], simulations=[sim, other], x=x)
    assert_simulation_drawn(ax, 2, int(np.sum(STEPS > 0)))


def test_plot_risk_flops_without_dimension_raises(plrf_pair):
    _, curve, sim = plrf_pair
    bare = dr.SimulatedRisk(sim.steps, sim.runs, sim.floor, sim.seed, info={})
    with pytest.raises(ValueError, match=r"x='flops' needs the dimension d of simulations\[0\]"):
        dr.plotting.plot_risk(curve, simulations=bare, x="flops")
    # on the iteration axis the dimension is not needed
    ax = dr.plotting.plot_risk(curve, simulations=bare, x="steps")
    assert_simulation_drawn(ax, 1, int(np.sum(STEPS > 0)))


def test_plot_risk_reports_what_it_cannot_place(plrf_pair):
    _, curve, sim = plrf_pair
    runs = sim.runs.copy()
    runs[:, -2:] = np.inf                          # diverged at the last two steps
    diverged = dr.SimulatedRisk(sim.steps, runs, sim.floor, sim.seed, sim.info)
    with np.errstate(invalid="ignore"):            # inf - inf in the standard error
        with pytest.warns(UserWarning, match=r"simulations\[0\]: 2 of 6 points are not drawn"):
            ax = dr.plotting.plot_risk(curve, simulations=diverged)
    assert_simulation_drawn(ax, 1, 4)
    runs[:] = np.inf
    gone = dr.SimulatedRisk(sim.steps, runs, sim.floor, sim.seed, sim.info)
    with np.errstate(invalid="ignore"):
        with pytest.raises(ValueError, match=r"simulations\[0\]: no point can be drawn"):
            dr.plotting.plot_risk(curve, simulations=gone)
    with pytest.raises(ValueError, match="x must be one of"):
        dr.plotting.plot_risk(curve, x="time")
    with pytest.raises(ValueError, match="one entry per curve"):
        dr.plotting.plot_risk(curve, labels=["a", "b"])


def test_plot_lr_selection_draws_simulation_points_and_bands():
    spec = dr.Spectrum([1.0, 0.1], [0.5, 0.5], floor=0.01, counts=[20, 20])
    steps = [0, 1, 10, 100]
    curves = {"constant": dr.risk_curve(spec, dr.SGD(0.02), steps)}
    sims = {"constant": dr.simulate(spec, dr.SGD(0.02), steps, n_runs=8, seed=0),
            "grid": dr.simulate(spec, dr.SGD(0.01), steps, n_runs=8, seed=1)}
    ax = dr.plotting.plot_lr_selection(curves, simulations=sims)
    assert_simulation_drawn(ax, 2, 3)
    assert len(solid(ax)) == 1
    assert "grid (simulated)" in [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize("band", ["stderr", "quantile"])
def test_plot_noise_laws_draws_simulation_points_and_bands(band):
    prob = dr.GaussianLeastSquares([1.0, 0.5, 0.25], theta_star=[1.0, 1.0, 1.0],
                                   noise=N.Cauchy(0.1))
    steps = [0, 1, 10, 100]
    curves = {"Cauchy": dr.risk_curve(prob, dr.SignSGD(0.01), steps)}
    sims = {"Cauchy": dr.simulate(prob, dr.SignSGD(0.01), steps, n_runs=8, seed=0)}
    ax = dr.plotting.plot_noise_laws(curves, simulations=sims, band=band)
    assert_simulation_drawn(ax, 1, 3)
    assert len(solid(ax)) == 1


def test_plot_sde_losses_draws_paths_and_bands():
    prob = sde.NoisyQuadratic([0.5, 2.0], noise_scale=1.0)
    steps = [0, 1, 10, 100]
    runs = [sde.simulate_sde(prob, sde.SignSGDModel(1e-2), steps, n_paths=8),
            sde.run_optimizer(prob, sde.SignSGDModel(1e-2), steps, n_runs=8)]
    ax = dr.plotting.plot_sde_losses(runs, labels=["sde", "optimizer"])
    [path] = [ln for ln in ax.get_lines() if ln.get_linestyle() != "None"]
    [points] = markers(ax)
    for line in (path, points):
        assert_on_log_axes(line.get_xydata(), 3)
        assert len(line.get_xdata()) == 3
    assert len(bands(ax)) == 2
    for poly in bands(ax):
        assert_on_log_axes(poly.get_paths()[0].vertices, 6)


def test_plot_spectrum_comparison_draws_sampled_and_deterministic():
    ax = dr.plotting.plot_spectrum_comparison(dr.PLRF(1.0, 0.5, d=60), seeds=[0, 1], n_bins=20)
    [hist] = [p for p in ax.patches]
    heights = hist.get_data()[0]
    assert heights.size == 20 and np.all(np.isfinite(heights)) and heights.sum() > 0
    [de] = ax.get_lines()
    xy = de.get_xydata()
    assert np.sum(np.all(np.isfinite(xy), axis=1)) > 100      # NaN only at breaks between intervals

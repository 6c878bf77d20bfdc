"""Exponent fits, compute-optimal frontiers and sweeps."""

import numpy as np
import pytest

import deterministic_risk as dr
from deterministic_risk.studies.fitting import envelope_optimum, fit_power_law, isoflop_optimum


def test_power_law_fit_is_exact_on_power_laws():
    x = np.geomspace(1e2, 1e9, 30)
    fit = fit_power_law(x, 7.5 * x**-0.643)
    assert fit.exponent == pytest.approx(-0.643, abs=1e-12)
    assert fit.coefficient == pytest.approx(7.5, rel=1e-10)
    assert fit.exponent_ci[0] <= fit.exponent <= fit.exponent_ci[1]


def test_fit_confidence_interval_covers_noisy_truth():
    rng = np.random.default_rng(0)
    x = np.geomspace(1, 1e6, 40)
    y = x**0.5 * np.exp(0.05 * rng.standard_normal(x.size))
    fit = fit_power_law(x, y)
    assert fit.exponent_ci[0] < 0.5 < fit.exponent_ci[1]


def two_term_losses(flops, d, a=1.0, b=0.5):
    """R(f, d) = d^-a + (f/d)^-b: d* = (a/b)^{1/(a+b)} f^{b/(a+b)} exactly."""
    return d[:, None] ** -a + (flops[None, :] / d[:, None]) ** -b


def test_isoflop_and_envelope_recover_known_exponents():
    a, b = 1.0, 0.5
    flops = np.geomspace(1e4, 1e10, 40)
    d = np.geomspace(10, 1e6, 80)
    xi, eta = b / (a + b), a * b / (a + b)
    ds, rs, inside = isoflop_optimum(flops, d, two_term_losses(flops, d, a, b))
    assert inside.all()
    # the parabola through three points on a grid of ratio 1.16 has an O(h^3) vertex error
    assert fit_power_law(flops, ds).exponent == pytest.approx(xi, abs=1e-4)
    assert -fit_power_law(flops, rs).exponent == pytest.approx(eta, abs=1e-6)
    ds, rs, inside = envelope_optimum(flops, d, two_term_losses(flops, d, a, b))
    # the envelope picks grid sizes: d* is off by up to half a grid ratio
    assert fit_power_law(flops, ds).exponent == pytest.approx(xi, abs=5e-3)


def test_compute_optimal_returns_a_frontier_and_round_trips(tmp_path):
    fr = dr.compute_optimal(1.0, 0.3, d_values=[20, 40, 80, 160], n_budgets=25,
                            spectrum_method="sampled")
    assert set(fr.fits) == {"isoflop", "envelope"}
    assert fr.losses.shape == (4, 25)
    assert np.all(np.diff(fr.envelope[np.isfinite(fr.envelope)]) <= 1e-15)  # envelope decreases
    fr.to_npz(tmp_path / "f.npz")
    back = dr.Frontier.from_npz(tmp_path / "f.npz")
    assert back.xi == fr.xi and back.eta_ci == fr.eta_ci
    np.testing.assert_array_equal(back.losses, fr.losses)


def test_compute_optimal_rejects_bad_arguments():
    with pytest.raises(ValueError, match="d_values must hold at least 3"):
        dr.compute_optimal(1.0, 0.7, d_values=[10, 20])
    with pytest.raises(ValueError, match="lr must be 'stable', 'tuned'"):
        dr.compute_optimal(1.0, 0.7, d_values=[10, 20, 40], lr="fast")
    with pytest.raises(ValueError, match="optimizer must be"):
        dr.compute_optimal(1.0, 0.7, "adagrad", d_values=[10, 20, 40], spectrum_method="sampled")


SMALL = dict(d_values=[10, 20, 40], n_budgets=12, spectrum_method="sampled")


def test_sweep_backends_agree_and_cache_resumes(tmp_path):
    points = [(1.0, 0.3), (0.8, 0.7)]
    serial = dr.sweep(points, backend="serial", **SMALL)
    local = dr.sweep(points, backend="local", max_workers=2, cache_dir=tmp_path, **SMALL)
    for a, b in zip(serial, local):
        np.testing.assert_array_equal(a.losses, b.losses)
    assert len(list(tmp_path.glob("*.npz"))) == 2
    again = dr.sweep(points, backend="local", cache_dir=tmp_path, **SMALL)  # from the cache
    assert [f.xi for f in again] == [f.xi for f in local]
    assert again[0].curves == []  # loaded, not recomputed


def test_sweep_on_a_local_dask_cluster():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        res = dr.sweep([(1.0, 0.3)], backend="dask", client=client, **SMALL)
    ref = dr.sweep([(1.0, 0.3)], backend="serial", **SMALL)
    np.testing.assert_array_equal(res[0].losses, ref[0].losses)

"""Measured phase maps (dr.phase_map): the shared column work equals separate frontiers, the map
resumes from its cache, the backends agree, and the symbolic side (boundary distances) is right."""

import numpy as np
import pytest

import deterministic_risk as dr

asy = pytest.importorskip("deterministic_risk.asymptotics")

SMALL = dict(d_values=[20, 40, 80, 160, 320], flops=np.geomspace(1e3, 1e7, 25),
             fit_sizes=(0.05, 0.8))
ALPHAS = [0.4, 1.1]
BETAS = [-0.05, 0.3, 0.9]


@pytest.fixture(scope="module")
def serial_map():
    return dr.phase_map(ALPHAS, BETAS, "sgd", backend="serial", **SMALL)


def test_columns_equal_separate_frontiers():
    # every beta of an (alpha, d) column comes from one matrix solve on a shared trace measure;
    # the frontier of each point computed on its own (its own spectrum, its own solve) has the
    # same losses to 1e-10 (found: rounding) and so the same fits. The exact recursion has no
    # step grid; the log-time blocks of a shared solve are halved where any member's risk asks
    # for it, so there the map and a separate solve differ by the solver's error (next test).
    exact = dr.solvers.ExactRecursion()
    options = dict(SMALL, d_values=[20, 40, 80, 160], flops=np.geomspace(1e3, 3e5, 16))
    pm = dr.phase_map(ALPHAS, BETAS, "sgd", backend="serial", solver=exact, **options)
    for i, a in enumerate(ALPHAS):
        for j, b in enumerate(BETAS):
            if 2 * a + 2 * b <= 1:
                assert not pm.admissible[i, j] and np.all(np.isnan(pm.losses[i, j]))
                continue
            alone = dr.compute_optimal(a, b, "sgd", options["d_values"], options["flops"],
                                       solver=exact)
            np.testing.assert_allclose(pm.losses[i, j], alone.losses, rtol=1e-10)
            np.testing.assert_allclose(pm.lrs[i, j], alone.lrs, rtol=1e-14)
            fr = pm.frontier(i, j)
            assert fr.xi == pytest.approx(pm.xi[i, j], rel=1e-12)
            assert fr.eta == pytest.approx(pm.eta[i, j], rel=1e-12)
            lo, hi = fr.fits["isoflop"].window
            use = (alone.flops >= lo) & (alone.flops <= hi)
            assert use.sum() >= pm.n_budgets[i, j]
    # the map's default solver (longer log-time blocks) against the exact recursion: 2e-4,
    # the accuracy stated for MAP_SOLVERS (found: 5e-5)
    fast = dr.phase_map(ALPHAS, BETAS, "sgd", backend="serial", **options)
    ok = np.isfinite(pm.losses)
    np.testing.assert_allclose(fast.losses[ok], pm.losses[ok], rtol=2e-4)


def test_the_fit_window_is_where_the_optimum_lies_in_fit_sizes(serial_map):
    pm = serial_map
    lo, hi = (s * SMALL["d_values"][-1] for s in SMALL["fit_sizes"])
    for i, j in zip(*np.nonzero(pm.admissible)):
        fr = pm.frontier(i, j)
        sel = (pm.flops >= pm.windows[i, j, 0]) & (pm.flops <= pm.windows[i, j, 1])
        d_star = fr.d_star[sel]
        assert d_star.min() >= lo * 0.999 and d_star.max() <= hi * 1.001


def test_symbolic_side_of_the_map(serial_map):
    pm = serial_map
    aa, bb = np.meshgrid(ALPHAS, BETAS, indexing="ij")
    xi, eta, names = asy.exponent_grid("sgd", aa, bb)
    np.testing.assert_array_equal(pm.eta_theory, eta)
    np.testing.assert_array_equal(pm.xi_theory, xi)
    assert pm.phases.tolist() == [["" if n is None else n for n in row] for row in names]
    np.testing.assert_array_equal(pm.boundary_distance, asy.boundary_distance("sgd", aa, bb))
    share, misses = pm.accuracy(tol=1.0)
    assert share == 1.0 and not misses.any()
    assert np.array_equal(pm.interior(0.0), pm.admissible & np.isfinite(pm.eta_theory)
                          & (pm.boundary_distance > 0))


def test_map_resumes_from_its_cache_and_round_trips(tmp_path, serial_map):
    first = dr.phase_map(ALPHAS, BETAS, "sgd", backend="serial", cache_dir=tmp_path, **SMALL)
    assert first.info["columns_computed"] == first.info["columns"] == 10
    columns = sorted((tmp_path / "columns").glob("*.npz"))
    assert len(columns) == 10 and len(list((tmp_path / "spectra").glob("trace-*.npz"))) == 10
    columns[0].unlink()                       # an interrupted map: one column missing
    again = dr.phase_map(ALPHAS, BETAS, "sgd", backend="serial", cache_dir=tmp_path, **SMALL)
    assert again.info["columns_computed"] == 1
    for pm in (first, again):
        np.testing.assert_array_equal(pm.losses, serial_map.losses)
        np.testing.assert_array_equal(pm.eta, serial_map.eta)
    # other targets on the same (alpha, d) reuse the stored trace measures
    more = dr.phase_map(ALPHAS, [0.5], "sgd", backend="serial", cache_dir=tmp_path, **SMALL)
    assert len(list((tmp_path / "spectra").glob("trace-*.npz"))) == 10
    assert more.info["columns_computed"] == 10
    path = tmp_path / "map.npz"
    first.to_npz(path)
    loaded = dr.PhaseMap.from_npz(path)
    for name in ("losses", "eta", "xi", "eta_ci", "windows", "phases", "boundary_distance"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(first, name))
    assert loaded.info == first.info and loaded.optimizer == "sgd"
    # the symbolic columns are recomputed on load: a map stored with other (e.g. older) symbolic
    # exponents is compared with the present theory, its measurements kept as stored
    with np.load(path) as z:
        arrays = dict(z)
    arrays["eta_theory"] = arrays["eta_theory"] + 0.5
    arrays["phases"] = np.full(arrays["phases"].shape, "old")
    np.savez(path, **arrays)
    reloaded = dr.PhaseMap.from_npz(path)
    np.testing.assert_array_equal(reloaded.eta_theory, first.eta_theory)
    np.testing.assert_array_equal(reloaded.phases, first.phases)
    np.testing.assert_array_equal(reloaded.eta, first.eta)


def test_local_pool_equals_serial(serial_map):
    pooled = dr.phase_map(ALPHAS, BETAS, "sgd", backend="local", max_workers=2, **SMALL)
    np.testing.assert_array_equal(pooled.losses, serial_map.losses)
    np.testing.assert_array_equal(pooled.eta, serial_map.eta)


def test_phase_map_on_a_local_dask_cluster(serial_map):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        pm = dr.phase_map(ALPHAS, BETAS, "sgd", backend="dask", client=client,
                          worker_blas_threads=None, **SMALL)
    np.testing.assert_array_equal(pm.losses, serial_map.losses)


def test_grid_steps_are_the_best_of_each_budget():
    # lr="grid": each (d, budget) gets the best constant step of a log grid, refined by a
    # parabola in log-log. Where the optimum is interior (here a noise floor makes large steps
    # costly at large budgets) an independent bounded search per budget (optimal_lr) finds the
    # same risk within 0.1 % at 8 points per decade (found: <= 0.06 %; the parabola's error
    # shrinks like the spacing cubed)
    spec = dr.Spectrum(np.arange(1, 41.0) ** -1.5, np.arange(1, 41.0) ** -1.8, floor=1e-2)
    budgets = [10**4, 10**5, 10**6]
    top = dr.max_stable_lr(spec)
    bounds = (1e-4 * top, 0.5 * top)
    grid = dr.studies.optimal_lrs(spec, dr.SGD(1.0), budgets, bounds=bounds,
                                  points_per_decade=8)
    assert grid.grid.size == 31 and grid.interior.all()
    for m, n in enumerate(budgets):
        best = dr.optimal_lr(spec, dr.SGD(1.0), n, bounds=bounds, n_grid=0, xatol=1e-4)
        assert grid.risk[m] == pytest.approx(best.risk, rel=1e-3)
        assert grid.lr[m] == pytest.approx(best.lr, rel=0.1)
    pm = dr.phase_map([1.0], [0.3], "sgd", lr="grid", backend="serial", points_per_decade=2,
                      **dict(SMALL, d_values=[20, 40, 80, 160]))
    assert pm.info["lr"] == "grid" and np.all(np.isnan(pm.lrs))
    assert np.all(pm.budget_lrs[pm.losses < np.inf] > 0)
    edge, total = pm.fitted_steps_at_edge()
    assert total >= 3 * pm.n_budgets[0, 0] and 0 <= edge <= total
    assert serial_map_has_no_grid(dr.phase_map([1.0], [0.3], backend="serial", **SMALL))


def serial_map_has_no_grid(pm):
    return pm.budget_lrs is None and pm.fitted_steps_at_edge() == (0, 0)


@pytest.mark.slow
def test_grid_steps_for_signsgd_are_the_best_of_each_budget():
    # lr="grid" (the signSGD convention): each (d, budget) gets the best constant step of a log
    # grid, refined by a parabola; an independent bounded search per budget (optimal_lr) finds
    # the same risk within 0.3 % (grid spacing 10^(1/4), parabola error ~ spacing^3)
    pm = dr.phase_map([1.0], [0.3], "signsgd", d_values=[30, 60, 120],
                      flops=np.geomspace(3e3, 3e5, 5), backend="serial",
                      curve_options={"n_nodes": 60})
    assert pm.info["lr"] == "grid"
    prob = dr.PLRF(1.0, 0.3, 60)
    top = dr.SignSGD(1.0).max_stable_lr(prob)
    for m in (1, 3):
        n = int(np.rint(pm.flops[m] / 60))
        best = dr.optimal_lr(prob, dr.SignSGD(1.0), n, bounds=(1e-4 * top, top), n_grid=9,
                             xatol=1e-3, n_nodes=60)
        assert pm.losses[0, 0, 1, m] == pytest.approx(best.risk, rel=3e-3)
        assert pm.losses[0, 0, 1, m] >= best.risk * (1 - 1e-9) or best.success is False


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="admissible"):
        dr.phase_map([0.1], [0.1], backend="serial", **SMALL)
    with pytest.raises(ValueError, match="lr must be"):
        dr.phase_map([1.0], [0.3], lr="tuned", **SMALL)
    with pytest.raises(ValueError, match="backend must be"):
        dr.phase_map([1.0], [0.3], backend="threads", **SMALL)
    with pytest.raises(ValueError, match="d_values must hold at least 3"):
        dr.phase_map([1.0], [0.3], d_values=[10, 20])
    with pytest.raises(ValueError, match="alphas must be > 0"):
        dr.phase_map([0.0, 1.0], [0.3], **SMALL)
    with pytest.raises(ValueError, match="fit_sizes must satisfy"):
        dr.phase_map([1.0], [0.3], fit_sizes=(0.5, 0.1), **{k: v for k, v in SMALL.items()
                                                           if k != "fit_sizes"})
    with pytest.raises(ValueError, match="optimizer must be one of"):
        dr.phase_map([1.0], [0.3], "rmsprop", **SMALL)
    with pytest.raises(TypeError, match="optimizer must be a name or an Optimizer"):
        dr.phase_map([1.0], [0.3], 3, **SMALL)


@pytest.mark.parametrize("a, b, expected", [
    (1.0, 0.3, 0.1),                       # farther than reach from 2β = 1
    (0.8, 0.52, 0.02),                     # Ia | II at 2β = 1
    (0.3, 0.21, 0.02 / 8**0.5),            # the admissible edge 2α + 2β = 1
    (0.7, 0.7, 0.0),                       # on the II/III boundary α = β
])
def test_boundary_distance_sgd(a, b, expected):
    got = asy.boundary_distance("sgd", np.array([a]), np.array([b]))[0]
    assert got == pytest.approx(expected, abs=0.005 / 2**0.5)   # the grid spacing / sqrt 2


def test_boundary_distance_signsgd_line_beta_equals_alpha_plus_half():
    got = asy.boundary_distance("signsgd", np.array([1.0]), np.array([1.4]))[0]
    assert got == pytest.approx(0.1 / 2**0.5, abs=0.005 / 2**0.5)
    with pytest.raises(ValueError, match="same shape"):
        asy.boundary_distance("sgd", np.ones(2), np.ones(3))


@pytest.mark.slow
def test_default_map_matches_the_symbolic_exponents_where_alpha_exceeds_one_half():
    # the default sizes (d = 200..1e5), budgets (1e4..1e13) and fit rule reproduce the symbolic
    # exponents at interior points of Ia, II and III with the tolerances of the phase-point tests
    # (|Δη| <= 0.03, |Δξ| <= 0.05; the 20 x 20 map of docs/frontiers.md: max |Δη| = 0.028 and
    # max |Δξ| = 0.021 over its 243 interior points with α > 0.55)
    pm = dr.phase_map([0.8, 1.3], [0.3, 1.2], "sgd")
    assert pm.interior().all()
    assert np.all(np.abs(pm.eta - pm.eta_theory) <= 0.03), (pm.eta, pm.eta_theory)
    assert np.all(np.abs(pm.xi - pm.xi_theory) <= 0.05), (pm.xi, pm.xi_theory)
    assert np.all(pm.n_budgets >= 9)

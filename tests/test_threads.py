"""BLAS threads: one inside the integrators' loops, the caller's setting restored afterwards."""

import numpy as np
import pytest
from threadpoolctl import ThreadpoolController, threadpool_limits

import deterministic_risk as dr


CONTROLLER = ThreadpoolController()   # created once: a scan of the loaded libraries is slow


def blas_thread_counts():
    return [lib["num_threads"] for lib in CONTROLLER.info() if lib["user_api"] == "blas"]


class RecordingSchedule(dr.schedules.Schedule):
    """A constant learning rate that records the BLAS thread counts each time it is evaluated.
    Its peak is declared, so the up-front stability checks (outside the loops) do not evaluate
    it: every record comes from inside an integrator."""

    def __init__(self, seen, lr):
        self.seen, self.lr = seen, lr

    def _evaluate(self, k):
        self.seen.append(blas_thread_counts())
        return np.full(np.shape(k), self.lr)

    @property
    def max_lr(self):
        return self.lr


def recording_schedule(seen, lr=0.1):
    """A learning rate that records the BLAS thread counts each time the integrator asks."""
    return RecordingSchedule(seen, lr)


@pytest.mark.parametrize("solver", [dr.solvers.ExactRecursion(), dr.solvers.LogTimeBlocks()])
def test_users_thread_setting_is_restored_after_a_curve(solver):
    spec = dr.Spectrum([1.0, 0.5, 0.1], [0.2, 0.2, 0.2], floor=0.01)
    seen = []
    with threadpool_limits(limits=3, user_api="blas"):
        user = blas_thread_counts()
        assert user and all(n == 3 for n in user)
        curve = dr.risk_curve(spec, dr.SGD(recording_schedule(seen)), [0, 10, 1000],
                              solver=solver)
        assert blas_thread_counts() == user
    assert curve.success
    # inside the loop every BLAS library ran on one thread
    assert seen and all(n == 1 for counts in seen for n in counts)


def test_setting_restored_after_an_error_inside_the_loop():
    spec = dr.Spectrum([1.0, 0.5], [0.2, 0.2])

    def failing(k):
        raise RuntimeError("schedule failed")

    with threadpool_limits(limits=3, user_api="blas"):
        with pytest.raises(RuntimeError, match="schedule failed"):
            dr.risk_curve(spec, dr.SGD(failing), [1, 100], solver=dr.solvers.LogTimeBlocks())
        assert all(n == 3 for n in blas_thread_counts())


def test_signsgd_integrator_runs_on_one_thread():
    prob = dr.GaussianLeastSquares([1.0, 0.5, 0.25], theta_star=[1.0, -1.0, 1.0],
                                   noise=dr.noise.Gaussian(0.2))
    seen = []
    with threadpool_limits(limits=3, user_api="blas"):
        dr.risk_curve(prob, dr.SignSGD(recording_schedule(seen, 0.01)), [10, 1000])
        assert all(n == 3 for n in blas_thread_counts())
    assert seen and all(n == 1 for counts in seen for n in counts)


def test_blas_threads_checks_its_limit():
    for bad in (0, -1):
        with pytest.raises(ValueError, match="limit must be an integer >= 1"):
            with dr.blas_threads(bad):
                pass
    with pytest.raises(TypeError, match="limit must be an integer"):
        dr.threads.limit_worker_blas_threads(1.5)


def worker_thread_counts():
    return blas_thread_counts()


def test_pool_workers_get_one_blas_thread():
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, initializer=dr.threads.limit_worker_blas_threads) as pool:
        assert all(n == 1 for n in pool.submit(worker_thread_counts).result())


@pytest.mark.parametrize("limit, expected", [(1, 1), (None, 3)])
def test_sweep_workers_run_with_the_requested_blas_threads(monkeypatch, limit, expected):
    import multiprocessing

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the stand-in compute_optimal reaches the workers by fork")
    # the workers run a stand-in for compute_optimal that reports their BLAS thread counts
    monkeypatch.setattr(dr.studies.frontier, "compute_optimal", lambda *a, **k: blas_thread_counts())
    with threadpool_limits(limits=3, user_api="blas"):
        [counts] = dr.sweep([(1.0, 0.3)], backend="local", max_workers=1,
                            worker_blas_threads=limit, progress=False)
        assert all(n == 3 for n in blas_thread_counts())   # this process is untouched
    assert counts and all(n == expected for n in counts)


def test_signsgd_large_d_model_does_not_depend_on_the_callers_blas_threads():
    # the model's bins sum small vectors; with a threaded BLAS their summation order, and the
    # model (Σ v(0) by 3e-4 at this size), depended on the thread count. Built with one thread
    # whatever the caller's setting: bit-identical under 2 threads and 1
    from deterministic_risk.signsgd import large_d

    def build(threads):
        for fn in (large_d._equivalent, large_d._bins_cached, large_d._shared_path,
                   large_d._column_law):
            fn.cache_clear()
        with threadpool_limits(threads, user_api="blas"):
            model = dr.signsgd.signsgd_equivalent(dr.PLRF(1.0, 0.3, d=60))
            return model.modes, model.stieltjes([0.5 + 0.1j])

    (one, s_one), (two, s_two) = build(1), build(2)
    for name in ("eigenvalues", "kappa", "v0"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
    for a, b in zip(s_one, s_two):
        np.testing.assert_array_equal(a, b)

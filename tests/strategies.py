"""Argument strategies for the property-based tests of the public API, in one place.

``CALLS`` maps a name to a :class:`Call`: a public callable (or a thin wrapper that builds the
objects it needs from drawn numbers) and, for each argument, a strategy of valid values and one
of bad values (wrong types, NaN and inf, out of range, and extreme values that are valid). A
drawn case perturbs at most one argument with a bad value. tests/test_properties.py asserts that
every case gives either a ValueError or TypeError raised by the package whose message names the
argument, or a finite, plausible result. A new public function is covered by one more line in
``CALLS``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import HealthCheck, settings, strategies as st

import deterministic_risk as dr

#: ``DR_HYPOTHESIS_EXAMPLES`` multiplies every test's number of cases; ``DR_HYPOTHESIS_RANDOM=1``
#: draws new cases instead of the fixed (derandomized) set of the default run.
SCALE = float(os.environ.get("DR_HYPOTHESIS_EXAMPLES", "1"))
RANDOM = os.environ.get("DR_HYPOTHESIS_RANDOM", "") not in ("", "0")


def case_settings(examples: int, *health_checks: HealthCheck) -> settings:
    """hypothesis settings of the property suites: ``examples`` cases (times ``SCALE``), no
    deadline, no database, derandomized unless ``RANDOM``, the given health checks off."""
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None,
                    derandomize=not RANDOM, database=None,
                    suppress_health_check=[HealthCheck.too_slow, *health_checks])

NAN, INF = math.nan, math.inf


# -- values ---------------------------------------------------------------------------------------

def positive(lo: float = 1e-3, hi: float = 1e3) -> st.SearchStrategy:
    """Valid floats, log-uniform in [lo, hi] (and 0 when lo is 0)."""
    if lo == 0:
        return st.one_of(st.just(0.0), positive(1e-6, hi))
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


#: Bad or extreme values of a real number (extremes such as 1e-300 may be valid).
BAD_REAL = st.sampled_from([NAN, INF, -INF, 0.0, -1.0, -1e-300, 1e-300, 1e300, 1.7e308, True,
                            None, "0.1", [0.1], complex(1, 1)])
#: Bad or extreme values of a count.
BAD_INT = st.sampled_from([0, -1, 2.5, NAN, INF, True, None, "3", 2**70, -2**63, [2]])
#: Bad values of a 1-d array of reals.
BAD_ARRAY = st.sampled_from([[], [NAN], [INF, 1.0], [-1.0, 1.0], [[1.0, 2.0]], "abc", None,
                             [1e300], 3.0, {1.0, 2.0}, [None, 1.0]])
#: Bad values of an option chosen among strings.
BAD_CHOICE = st.sampled_from(["bogus", None, 3, "", b"sampled"])
#: Bad iteration counts.
BAD_STEPS = st.sampled_from([[], [-1], [1.5], [NAN], None, "10", {1, 2}, [[1, 2]], [2**70],
                             [1e30], np.array([True, False]), [10**15]])
#: Bad seeds.
BAD_SEED = st.sampled_from([-1, 2.5, "0", NAN, 2**64, True, [0]])
#: Bad problems.
BAD_PROBLEM = st.sampled_from([None, 3.0, "plrf", [1.0, 2.0], dr.SGD(0.1)])


@st.composite
def spectra(draw) -> dr.Spectrum:
    """Small spectra with power-law eigenvalues and weights, at scales 1e-6 to 1e6."""
    n = draw(st.integers(1, 30))
    j = np.arange(1, n + 1, dtype=np.float64)
    scale = draw(st.sampled_from([1e-6, 1e-2, 1.0, 1e2, 1e6]))
    lam = scale * j ** -draw(st.floats(0.0, 3.0))
    w = draw(positive(1e-3, 10.0)) * j ** -draw(st.floats(0.0, 3.0))
    counts = None if draw(st.booleans()) else j ** draw(st.floats(0.0, 1.0))
    return dr.Spectrum(lam, w, floor=draw(st.sampled_from([0.0, 1e-6, 1e-2, 1.0])),
                       counts=counts)


NOISE_LAWS = (dr.noise.Gaussian(0.0), dr.noise.Gaussian(0.3), dr.noise.Gaussian(0.2, mean=0.1),
              dr.noise.Laplace(0.5), dr.noise.StudentT(3.0, 0.5), dr.noise.Cauchy(0.2),
              dr.noise.Uniform(0.4), dr.noise.Rademacher(0.3))
#: Laws whose clipping factors are closed forms or one-dimensional mixtures (fast).
CLOSED_FORM_LAWS = (dr.noise.Gaussian(0.3), dr.noise.Laplace(0.5), dr.noise.StudentT(3.0, 0.5),
                    dr.noise.Cauchy(0.2), dr.noise.Rademacher(0.3))


@st.composite
def least_squares(draw, finite_variance: bool = False,
                  laws: tuple = NOISE_LAWS) -> dr.GaussianLeastSquares:
    """Small Gaussian least-squares problems, diagonal or rotated, with a noise law."""
    d = draw(st.integers(1, 12))
    lam = positive(1e-2, 10.0)
    eig = np.array(draw(st.lists(lam, min_size=d, max_size=d)))
    # |θ*| >= 0.05 keeps R(0) >= 1e-5: the signSGD integrator fails from starts near R = 0
    # where φ is singular (test_signsgd.py holds the strict xfail with the numbers)
    sizes = st.floats(0.05, 3.0).flatmap(lambda x: st.sampled_from([x, -x]))
    theta = np.array(draw(st.lists(sizes, min_size=d, max_size=d)))
    law = draw(st.sampled_from(laws))
    if finite_variance and not law.finite_variance:
        law = dr.noise.Gaussian(0.1)
    cov = eig if draw(st.booleans()) else dr.problems.rotated_covariance(eig, seed=1)
    return dr.GaussianLeastSquares(cov, theta, noise=law)


@st.composite
def plrfs(draw) -> dr.PLRF:
    """Small PLRF problems (d <= 24) in the admissible region."""
    alpha = draw(st.floats(0.3, 2.0))
    beta = draw(st.floats(max(0.55 - alpha, -0.5), 1.5))
    return dr.PLRF(alpha, beta, d=draw(st.integers(2, 24)))


PROBLEMS = st.one_of(spectra(), least_squares(finite_variance=True), plrfs())
#: Iteration counts (short ones for the exact recursion, long ones for the log-time solvers).
STEPS = st.one_of(st.lists(st.integers(0, 3000), min_size=1, max_size=5),
                  st.lists(st.sampled_from([0, 1, 7, 100, 10**8, 10**12, 2**62]), min_size=1,
                           max_size=4))
#: Horizons up to 2**62 (the largest accepted), always beyond 10**9.
LONG_STEPS = st.lists(st.sampled_from([0, 1, 10, 10**3, 10**12, 2**62]), min_size=1,
                      max_size=2).map(lambda s: s + [10**9])


# -- the table ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Arg:
    """Valid and bad values of one argument."""

    valid: st.SearchStrategy
    bad: st.SearchStrategy | None = None


def real(lo: float = 1e-3, hi: float = 1e3) -> Arg:
    return Arg(positive(lo, hi), BAD_REAL)


def count(lo: int = 1, hi: int = 8) -> Arg:
    return Arg(st.integers(lo, hi), BAD_INT)


def choice(*values: Any) -> Arg:
    return Arg(st.sampled_from(values), BAD_CHOICE)


@dataclass(frozen=True)
class Call:
    """A public callable with a strategy per argument (all passed by keyword)."""

    function: Callable[..., Any]
    args: dict[str, Arg]
    examples: int = 20
    #: The result may be a reported divergence (FloatingPointError naming it).
    may_diverge: bool = False
    #: Arguments whose valid values may still be refused in combination (an SGD step that is
    #: beyond the stability limit of the drawn problem): an error may name them instead.
    risky: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def _sgd_curve(problem, lr, batch, steps, solver):
    return dr.risk_curve(problem, dr.SGD(lr, batch=batch), steps, solver=solver)


def _sgd_schedule_curve(problem, peak, total, decay_frac, steps):
    wsd = dr.schedules.WSD(peak, total, decay_frac=decay_frac)
    return dr.risk_curve(problem, dr.SGD(wsd), steps)


def _signsgd_curve(problem, lr, steps):
    return dr.risk_curve(problem, dr.SignSGD(lr), steps)


def _plrf_curve(alpha, beta, d, lr, steps, spectrum_method, feature_seed):
    return dr.risk_curve(dr.PLRF(alpha, beta, d), dr.SGD(lr), steps,
                         spectrum_method=spectrum_method, feature_seed=feature_seed)


def _clipped_curve(problem, lr, threshold, steps):
    return dr.risk_curve(problem, dr.ClippedSGD(lr, threshold=threshold), steps)


def _simulate(problem, lr, steps, n_runs, seed):
    return dr.simulate(problem, dr.SGD(lr), steps, n_runs=n_runs, seed=seed)


def _simulate_plrf(d, lr, steps, seed, feature_seed):
    return dr.simulate(dr.PLRF(1.0, 0.5, d), dr.SignSGD(lr), steps, n_runs=2, seed=seed,
                       feature_seed=feature_seed)


def _optimal_lr(problem, budget, n_grid, xatol):
    return dr.optimal_lr(problem, dr.SGD, budget, n_grid=n_grid, xatol=xatol)


def _compute_optimal(alpha, d_values, flops, n_budgets, fit_window, lr):
    return dr.compute_optimal(alpha, 0.6, "sgd", d_values, flops, n_budgets=n_budgets,
                              fit_window=fit_window, lr=lr, spectrum_method="sampled")


def _sweep(points, backend):
    return dr.sweep(points, backend=backend, d_values=[4, 8, 16], flops=[64, 256, 1024],
                    spectrum_method="sampled")


def _stationary(spectrum, lr, batch):
    return dr.optimizers.sgd.stationary_risk(spectrum, lr, batch)


def _limit_signsgd(problem, lr):
    return dr.SignSGD(lr).limit(problem)


def _greedy(problem, steps):
    return dr.SGD(1.0).greedy_curve(problem, steps)


def _homogenized(problem, lr, steps, n_runs, seed):
    return dr.signsgd.homogenized_signsgd(problem, dr.SignSGD(lr), steps, n_runs=n_runs,
                                          seed=seed)


def _sde(noise_scale, lr, steps, n_paths, seed):
    prob = dr.sde.NoisyQuadratic([0.5, 2.0], noise_scale=noise_scale)
    return dr.sde.simulate_sde(prob, dr.sde.SignSGDModel(lr), steps, n_paths=n_paths, seed=seed)


def _limits(max_memory, max_seconds):
    with dr.resource_limits(max_memory=max_memory, max_seconds=max_seconds) as limits:
        return limits


def _isoflop(losses, flops):
    return dr.studies.isoflop_optimum(flops, [10.0, 20.0, 40.0], losses)


def _adam_curve(problem, lr, beta2, steps):
    return dr.risk_curve(problem, dr.Adam(lr, beta1=0.0, beta2=beta2), steps)


def _signsgd_plrf_curve(alpha, d, lr, steps, spectrum_method):
    return dr.risk_curve(dr.PLRF(alpha, 0.6, d), dr.SignSGD(lr), steps,
                         spectrum_method=spectrum_method)


LOSSES = st.just(np.array([[1.0, 0.5, 0.4], [1.2, 0.4, 0.2], [1.5, 0.6, 0.1]]))
COVARIANCES = st.sampled_from([np.array([[1.0, 0.3], [0.3, 0.5]]), np.eye(3),
                               dr.problems.rotated_covariance([3.0, 1.0, 0.1], seed=2)])
BAD_MATRIX = st.sampled_from([np.zeros((2, 2)), np.ones((2, 3)), [[1.0, np.nan], [0.0, 1.0]],
                              "K", None, np.array([[-1.0, 0.0], [0.0, 1.0]]), [[]]])

CALLS: dict[str, Call] = {
    # problems and spectra
    "Spectrum": Call(dr.Spectrum, {
        "eigenvalues": Arg(st.just([1.0, 0.1]), BAD_ARRAY),
        "weights": Arg(st.just([0.5, 0.5]), BAD_ARRAY), "floor": Arg(st.just(0.01), BAD_REAL)}),
    "GaussianLeastSquares": Call(dr.GaussianLeastSquares, {
        "covariance": Arg(st.just([1.0, 0.5]), BAD_ARRAY),
        "theta_star": Arg(st.just([1.0, -1.0]), st.sampled_from(
            [[1e200, 1.0], [1e80, 1e80], [NAN, 1.0], [1.0], "x", None])),
        "noise_std": real(0.0, 1.0)}),
    "PLRF": Call(dr.PLRF, {"alpha": real(0.3, 3.0), "beta": Arg(st.floats(0.3, 2.0), BAD_REAL),
                           "d": count(1, 100), "noise_std": real(1e-3, 1.0)}),
    "PLRF.spectrum": Call(lambda d, alpha, method, seed: dr.PLRF(alpha, 0.6, d).spectrum(
        method, seed=seed), {"d": count(1, 20), "alpha": Arg(st.floats(0.3, 3.0), st.sampled_from(
            [30.0, 60.0, 100.0, 1e-3, NAN])), "method": choice("deterministic", "sampled"),
            "seed": Arg(st.integers(0, 9), BAD_SEED)}),
    "rotated_covariance": Call(dr.problems.rotated_covariance, {
        "eigenvalues": Arg(st.just([3.0, 2.0, 1.0]), BAD_ARRAY),
        "diag_spread": Arg(st.floats(0.0, 2.0), BAD_REAL)}),
    # noise laws and schedules
    "noise.Gaussian": Call(dr.noise.Gaussian, {"std": real(0.0, 10.0)}),
    "noise.StudentT": Call(dr.noise.StudentT, {"df": real(0.5, 20.0), "scale": real(1e-3, 1e3)}),
    "noise.Laplace": Call(dr.noise.Laplace, {"scale": real(1e-3, 1e3)}),
    "noise.Cauchy": Call(dr.noise.Cauchy, {"scale": real(1e-3, 1e3)}),
    "noise.phi": Call(lambda scale, R: dr.noise.StudentT(3.0, scale).phi(R),
                      {"scale": real(1e-3, 1e3), "R": Arg(positive(1e-300, 1e300), BAD_REAL)}),
    "schedules.WSD": Call(dr.schedules.WSD, {
        "peak": real(1e-4, 10.0), "total": real(1.0, 1e9),
        "warmup_frac": Arg(st.floats(0.0, 0.5), BAD_REAL),
        "decay_frac": Arg(st.floats(0.0, 0.5), BAD_REAL)}),
    "schedules.Cosine": Call(dr.schedules.Cosine, {"peak": real(1e-4, 10.0),
                                                   "total": real(1.0, 1e9)}),
    "schedules.PowerLaw": Call(dr.schedules.PowerLaw, {
        "lr0": real(1e-4, 10.0), "tau": real(1.0, 1e6),
        "exponent": Arg(st.floats(0.0, 2.0), BAD_REAL)}),
    "schedules.StepDecay": Call(dr.schedules.StepDecay, {
        "lr0": real(1e-4, 10.0), "factor": Arg(st.floats(0.1, 1.0), BAD_REAL),
        "every": real(1.0, 1e6)}),
    # optimizers and their limits
    "SGD": Call(dr.SGD, {"lr": real(1e-4, 10.0), "batch": count(1, 64)}),
    "SignSGD": Call(dr.SignSGD, {"lr": real(1e-4, 10.0)}),
    "ClippedSGD": Call(dr.ClippedSGD, {"lr": real(1e-4, 10.0), "threshold": real(1e-2, 1e2)}),
    "Adam": Call(dr.Adam, {"lr": real(1e-4, 1.0), "beta1": Arg(st.floats(0.0, 0.99), BAD_REAL),
                           "beta2": Arg(st.floats(0.5, 0.999), BAD_REAL)}),
    "max_stable_lr": Call(dr.max_stable_lr, {"spectrum": Arg(spectra(), BAD_PROBLEM),
                                             "batch": count(1, 64)}),
    "stationary_risk": Call(_stationary, {"spectrum": Arg(spectra(), BAD_PROBLEM),
                                          "lr": real(1e-6, 1.0), "batch": count(1, 16)},
                            risky=("lr",)),
    "signsgd.limiting_risk": Call(dr.signsgd.limiting_risk, {
        "problem": Arg(least_squares(), BAD_PROBLEM), "lr": real(1e-6, 1e3)}),
    "SignSGD.limit": Call(_limit_signsgd, {"problem": Arg(least_squares(), BAD_PROBLEM),
                                           "lr": real(1e-6, 1e6)}),
    # risk curves
    "risk_curve[SGD]": Call(_sgd_curve, {
        "problem": Arg(PROBLEMS, BAD_PROBLEM), "lr": real(1e-6, 2.0), "batch": count(1, 8),
        "steps": Arg(STEPS, BAD_STEPS),
        "solver": Arg(st.sampled_from([None, dr.solvers.LogTimeBlocks()]),
                      st.sampled_from(["exact", dr.solvers.LSODA(), 3]))}, examples=40,
        risky=("lr",)),
    "risk_curve[SGD, WSD]": Call(_sgd_schedule_curve, {
        "problem": Arg(spectra(), BAD_PROBLEM), "peak": real(1e-6, 2.0),
        "total": real(1.0, 1e6), "decay_frac": Arg(st.floats(0.0, 1.0), BAD_REAL),
        "steps": Arg(st.lists(st.integers(0, 3000), min_size=1, max_size=4), BAD_STEPS)},
        examples=25, risky=("peak",)),
    "risk_curve[SignSGD]": Call(_signsgd_curve, {
        "problem": Arg(least_squares(), BAD_PROBLEM), "lr": real(1e-6, 1e4),
        "steps": Arg(STEPS, BAD_STEPS)}, examples=30),
    "risk_curve[PLRF]": Call(_plrf_curve, {
        "alpha": real(0.3, 2.0), "beta": Arg(st.just(0.7), BAD_REAL), "d": count(2, 20),
        "lr": real(1e-4, 0.5), "steps": Arg(STEPS, BAD_STEPS),
        "spectrum_method": choice(None, "deterministic", "sampled"),
        "feature_seed": Arg(st.sampled_from([None, 0, 3]), BAD_SEED)}, examples=30,
        risky=("lr",)),
    "risk_curve[ClippedSGD]": Call(_clipped_curve, {
        "problem": Arg(least_squares(laws=CLOSED_FORM_LAWS), BAD_PROBLEM),
        "lr": real(1e-5, 1.0), "threshold": real(1e-2, 1e2),
        "steps": Arg(st.lists(st.sampled_from([0, 10, 1000, 10**6]), min_size=1, max_size=3),
                     BAD_STEPS)}, examples=10, may_diverge=True),
    "greedy_curve": Call(_greedy, {"problem": Arg(spectra(), BAD_PROBLEM),
                                   "steps": Arg(st.lists(st.integers(0, 300), min_size=1,
                                                         max_size=4), BAD_STEPS)}),
    "solvers.LogTimeBlocks": Call(dr.solvers.LogTimeBlocks, {
        "grid_ratio": real(1e-3, 0.5), "max_change": real(1e-3, 1.0)}),
    "solvers.LSODA": Call(dr.solvers.LSODA, {"rtol": real(1e-12, 1e-2)}),
    # simulation
    "simulate": Call(_simulate, {
        "problem": Arg(st.one_of(spectra().filter(lambda s: np.all(s.counts == 1)),
                                 least_squares(finite_variance=True)), BAD_PROBLEM),
        "lr": real(1e-4, 0.05), "steps": Arg(st.lists(st.integers(0, 200), min_size=1,
                                                      max_size=4), BAD_STEPS),
        "n_runs": count(1, 4), "seed": Arg(st.sampled_from([None, 0, 7, 2**62]), BAD_SEED)}),
    "simulate[PLRF]": Call(_simulate_plrf, {
        "d": count(2, 12), "lr": real(1e-4, 0.05),
        "steps": Arg(st.lists(st.integers(0, 100), min_size=1, max_size=3), BAD_STEPS),
        "seed": Arg(st.sampled_from([None, 0, 5]), BAD_SEED),
        "feature_seed": Arg(st.sampled_from([None, 0, 2]), BAD_SEED)}, examples=15),
    "homogenized_signsgd": Call(_homogenized, {
        "problem": Arg(least_squares(), BAD_PROBLEM), "lr": real(1e-4, 0.05),
        "steps": Arg(st.lists(st.integers(0, 100), min_size=1, max_size=3), BAD_STEPS),
        "n_runs": count(1, 3), "seed": Arg(st.sampled_from([None, 0, 4]), BAD_SEED)},
        examples=15),
    "sde.simulate_sde": Call(_sde, {
        "noise_scale": real(1e-2, 10.0), "lr": real(1e-4, 0.1),
        "steps": Arg(st.lists(st.integers(0, 100), min_size=1, max_size=3), BAD_STEPS),
        "n_paths": count(2, 8), "seed": Arg(st.sampled_from([None, 0, 4]), BAD_SEED)},
        examples=15, may_diverge=True),
    # learning rates and frontiers
    "optimal_lr": Call(_optimal_lr, {
        "problem": Arg(spectra(), BAD_PROBLEM), "budget": count(1, 500),
        "n_grid": Arg(st.sampled_from([0, 3]), BAD_INT), "xatol": real(1e-2, 0.1)},
        examples=10),
    "compute_optimal": Call(_compute_optimal, {
        "alpha": real(0.6, 1.5),
        "d_values": Arg(st.just([4, 8, 16]), st.sampled_from(
            [[4, 8], [4, NAN, 16], [0, 4, 8], [4, 4, 8, 16], [4.5, 8, 16], "4,8,16", None])),
        "flops": Arg(st.just(None), st.sampled_from([[1e30, 1e31, 1e32], [100.0, 200.0], [1.0],
                                                     [NAN, 10.0, 100.0], [-5.0, 10.0, 20.0]])),
        "n_budgets": Arg(st.just(5), st.sampled_from([0, 1, 2, -4, 2.5, None])),
        "fit_window": Arg(st.sampled_from([None, (40.0, 2e5)]), st.sampled_from(
            [(1e6, 1e2), (1e20, 1e21), (NAN, 1e3), (1.0,), "all", (0.0, 1e3)])),
        "lr": Arg(st.just("stable"), st.sampled_from(["best", -0.1, NAN, None, 1e300]))},
        examples=12),
    "sweep": Call(_sweep, {
        "points": Arg(st.just([(1.0, 0.5)]), st.sampled_from(
            [[(NAN, 0.5)], [(1.0,)], [], None, [(1.0, 0.5, "sgd", 4)], ["ab"]])),
        "backend": choice("serial")}, examples=8),
    "fit_power_law": Call(dr.studies.fit_power_law, {
        "x": Arg(st.just([1.0, 10.0, 100.0]), BAD_ARRAY),
        "y": Arg(st.just([2.0, 0.5, 0.2]), BAD_ARRAY),
        "confidence": Arg(st.floats(0.5, 0.99), BAD_REAL)}),
    "isoflop_optimum": Call(_isoflop, {"losses": Arg(LOSSES, BAD_ARRAY),
                                       "flops": Arg(st.just([1.0, 10.0, 100.0]), BAD_ARRAY)}),
    "resource_limits": Call(_limits, {"max_memory": real(1.0, 1e12),
                                      "max_seconds": real(1e-3, 1e6)}),
    # signSGD's effects, clipping factors, other optimizers and reductions
    "signsgd.sign_covariance": Call(dr.signsgd.sign_covariance, {"K": Arg(COVARIANCES,
                                                                         BAD_MATRIX)}),
    "signsgd.preconditioned_spectrum": Call(dr.signsgd.preconditioned_spectrum, {
        "K": Arg(COVARIANCES, BAD_MATRIX)}),
    "signsgd.effective_lr": Call(dr.signsgd.effective_lr, {
        "lr": real(1e-6, 10.0), "R": Arg(positive(1e-12, 1e3), BAD_REAL),
        "noise": Arg(st.sampled_from(NOISE_LAWS), BAD_PROBLEM)}),
    "signsgd.noise_compression": Call(dr.signsgd.noise_compression, {
        "R": Arg(positive(1e-12, 1e3), BAD_REAL),
        "noise": Arg(st.sampled_from(NOISE_LAWS[:5]), BAD_PROBLEM)}),
    "clipped.clipping_factors": Call(dr.optimizers.clipped.clipping_factors, {
        "R": Arg(positive(1e-8, 1e3), BAD_REAL), "scaled_threshold": real(1e-3, 1e3),
        "noise": Arg(st.sampled_from(CLOSED_FORM_LAWS), BAD_PROBLEM)}),
    "signsgd.signsgd_max_lr": Call(dr.signsgd.signsgd_max_lr, {
        "problem": Arg(plrfs(), BAD_PROBLEM), "method": choice("deterministic", "sampled")},
        examples=10),
    "deterministic_spectrum": Call(dr.deterministic_equivalent.deterministic_spectrum, {
        "problem": Arg(plrfs(), BAD_PROBLEM), "n_nodes": Arg(st.sampled_from([None, 5, 40]),
                                                             BAD_INT)}, examples=10),
    "risk_curve[Adam]": Call(_adam_curve, {
        "problem": Arg(least_squares(finite_variance=True), BAD_PROBLEM),
        "lr": real(1e-4, 0.1), "beta2": Arg(st.floats(0.9, 0.999), BAD_REAL),
        "steps": Arg(st.lists(st.integers(0, 1000), min_size=1, max_size=3), BAD_STEPS)},
        examples=10),
    "risk_curve[SignSGD, PLRF]": Call(_signsgd_plrf_curve, {
        "alpha": real(0.3, 2.0), "d": count(2, 30), "lr": real(1e-5, 1.0),
        "steps": Arg(STEPS, BAD_STEPS), "spectrum_method": choice(None, "sampled")},
        examples=10),
    "asymptotics.phase_of": Call(lambda alpha, beta, optimizer: dr.asymptotics.phase_of(
        alpha, beta, optimizer), {"alpha": Arg(st.sampled_from([0.7, 1.0]), BAD_REAL),
                                  "beta": Arg(st.sampled_from([0.4, 0.6]), BAD_REAL),
                                  "optimizer": choice("sgd")}, examples=8),
}

r"""Simulation of the real optimizers on real samples, many independent runs at once.

Derivations and modelling notes: docs/theory.md, section ``deterministic_risk.simulate``.
"""

from __future__ import annotations

import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from tqdm import tqdm

from . import _validation as check
from .optimizers.base import Optimizer
from .problems import GaussianLeastSquares, PLRFInstance
from .resources import check_resources
from .results import SimulatedRisk
from .spectrum import Spectrum
from .threads import blas_threads

__all__ = ["simulate"]

NoiseSampler = Callable[[np.random.Generator, tuple[int, ...]], NDArray[np.float64]]

#: Target size (in float64 numbers) of one block of pre-drawn normals.
BLOCK_NUMBERS = 2_000_000
N_STREAMS = 2


def gaussian_noise(std: float) -> NoiseSampler:
    """Sampler of N(0, std²) label noise."""
    def sample(rng: np.random.Generator, shape: tuple[int, ...]) -> NDArray[np.float64]:
        if std == 0.0:
            return np.zeros(shape)
        return std * rng.standard_normal(shape)
    return sample


@dataclass
class _DataModel:
    """How samples are drawn and the risk is measured for one problem."""

    width: int                       # normals per sample
    initial: NDArray[np.float64]     # initial parameters, shape (d,)
    noise: NoiseSampler
    make_features: Callable[[NDArray], NDArray]        # (..., width) normals -> (..., d) features
    make_labels: Callable[[NDArray, NDArray], NDArray]  # (normals, noise) -> labels
    risk: Callable[[NDArray], NDArray]                  # (n_runs, d) -> (n_runs,)
    floor: float
    info: dict


def _eigenbasis_model(lam: NDArray, e0: NDArray, floor: float, noise: NoiseSampler) -> _DataModel:
    sqrt_lam = np.sqrt(lam)
    return _DataModel(
        width=lam.size, initial=e0, noise=noise,
        make_features=lambda g: g * sqrt_lam,
        make_labels=lambda g, eps: eps,
        risk=lambda e: floor + 0.5 * np.einsum("rd,rd->r", e * lam, e),
        floor=floor, info={"sampler": "eigenbasis"})


def _original_basis_model(prob: GaussianLeastSquares, noise: NoiseSampler) -> _DataModel:
    lam, vecs = prob.eigenvalues, prob.eigenvectors
    if vecs is None:
        model = _eigenbasis_model(lam, prob.theta0 - prob.theta_star, _reported_floor(prob), noise)
        model.info = {"sampler": "original basis (diagonal covariance)"}
        return model
    root = prob.covariance_root                    # symmetric square root K^{1/2}, cached
    floor = _reported_floor(prob)
    return _DataModel(
        width=lam.size, initial=prob.theta0 - prob.theta_star, noise=noise,
        make_features=lambda g: g @ root,
        make_labels=lambda g, eps: eps,
        risk=lambda e: floor + 0.5 * np.einsum("rd,d,rd->r", e @ vecs, lam, e @ vecs),
        floor=floor, info={"sampler": "original basis"})


def _faithful_plrf_model(inst: PLRFInstance) -> _DataModel:
    prob = inst.problem
    sqrt_pop = np.sqrt(prob.population_eigenvalues)
    w, b = inst.features, prob.target
    sigma = prob.noise_std
    floor_noise = 0.5 * sigma**2

    def risk(theta):
        resid = (theta @ w.T - b) * sqrt_pop
        return floor_noise + 0.5 * np.einsum("rv,rv->r", resid, resid)

    return _DataModel(
        width=prob.v, initial=np.zeros(prob.d), noise=gaussian_noise(sigma),
        make_features=lambda g: (g * sqrt_pop) @ w,
        make_labels=lambda g, eps: (g * sqrt_pop) @ b + eps,
        risk=risk, floor=inst.floor, info={"sampler": "faithful PLRF"})


def _data_model(problem: Any, optimizer: Optimizer, faithful: bool,
                feature_seed: int | None) -> _DataModel:
    if faithful:
        if not callable(getattr(problem, "instance", None)):
            raise ValueError("faithful=True applies to PLRF problems only")
        return _faithful_plrf_model(problem.instance(0 if feature_seed is None else feature_seed))
    if isinstance(problem, Spectrum):   # the one problem without a basis: its own eigenbasis
        counts = problem.counts
        if np.any(counts != np.round(counts)):
            raise ValueError("a Spectrum can be simulated only with whole-number counts")
        check_resources(f"simulating a Spectrum of dimension {problem.dimension:.6g}",
                        memory=8.0 * 4 * problem.dimension)
        reps = counts.astype(np.int64)
        lam = np.repeat(problem.eigenvalues, reps)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_mode = np.where(problem.eigenvalues > 0,
                                2.0 * problem.weights / np.maximum(counts, 1) / problem.eigenvalues, 0.0)
        e0 = np.repeat(np.sqrt(per_mode), reps)
        noise = gaussian_noise(float(np.sqrt(2.0 * problem.floor)))
        if not optimizer.rotation_invariant:
            raise ValueError(f"{type(optimizer).__name__} is not rotation invariant: simulate it "
                             f"on a GaussianLeastSquares or PLRF problem, not on a Spectrum")
        return _eigenbasis_model(lam, e0, problem.floor, noise)
    problem = check.problem(problem, "to_least_squares").to_least_squares(seed=feature_seed)
    noise = problem.noise.sample
    if optimizer.rotation_invariant:
        e0 = problem.to_eigenbasis(problem.theta0 - problem.theta_star)
        return _eigenbasis_model(problem.eigenvalues, e0, _reported_floor(problem), noise)
    return _original_basis_model(problem, noise)


def _reported_floor(problem: GaussianLeastSquares) -> float:
    """Floor added to the simulated risk: ½E[ε²], or 0 when it is infinite (the full risk is then
    infinite and the simulation reports the excess risk; see docs/signsgd.md)."""
    floor = problem.floor
    return floor if np.isfinite(floor) else 0.0


class _BlockSource:
    """Blocks of normals and label noise from independent streams, one block ahead, in threads."""

    def __init__(self, seed: int, n_runs: int, batch: int, width: int, noise: NoiseSampler,
                 block: int):
        seeds = np.random.SeedSequence(seed).spawn(N_STREAMS)
        self.rngs = [np.random.default_rng(s) for s in seeds]
        self.groups = np.array_split(np.arange(n_runs), N_STREAMS)
        self.shape = (n_runs, batch, width)
        self.noise = noise
        self.block = block
        self.pool = ThreadPoolExecutor(max_workers=N_STREAMS)
        self.pending = self._submit()

    def _fill(self, stream: int, g: NDArray, eps: NDArray) -> None:
        runs = self.groups[stream]
        if runs.size == 0:
            return
        rng = self.rngs[stream]
        sub = rng.standard_normal((g.shape[0], runs.size) + g.shape[2:])
        g[:, runs[0]:runs[-1] + 1] = sub
        eps[:, runs[0]:runs[-1] + 1] = self.noise(rng, (g.shape[0], runs.size, g.shape[2]))

    def _submit(self):
        g = np.empty((self.block,) + self.shape)
        eps = np.empty((self.block,) + self.shape[:2])
        futures = [self.pool.submit(self._fill, s, g, eps) for s in range(N_STREAMS)]
        return g, eps, futures

    def next(self) -> tuple[NDArray, NDArray]:
        g, eps, futures = self.pending
        for f in futures:
            f.result()
        self.pending = self._submit()
        return g, eps

    def close(self) -> None:
        for f in self.pending[2]:
            f.cancel()
        self.pool.shutdown(wait=True)


def simulate(problem: Any, optimizer: Optimizer, steps: ArrayLike, *, n_runs: int = 8,
             seed: int | None = 0, faithful: bool = False, feature_seed: int | None = None,
             progress: bool | None = None) -> SimulatedRisk:
    r"""Run the real optimizer on fresh Gaussian samples and record the population risk.

    Parameters
    ----------
    problem : PLRF, GaussianLeastSquares or Spectrum
        The problem (a Spectrum with whole-number counts is simulated in its eigenbasis with
        Gaussian label noise of variance 2·floor).
    optimizer : Optimizer
        Any optimizer with a finite-d update (``dr.SGD``, ...).
    steps : array_like of int
        Iterations at which the risk is recorded.
    n_runs : int, default 8
        Independent runs, vectorised.
    seed : int or None, default 0
        Seed of the samples (results are reproducible for a given seed and ``n_runs``).
        ``None`` draws a fresh seed from the operating system's entropy and records it in
        ``SimulatedRisk.seed``, so that the runs can be repeated.
    faithful : bool, default False
        For PLRF: draw x in R^v and multiply by W instead of sampling in the eigenbasis.
    feature_seed : int, optional
        Seed of the PLRF feature matrix W (default 0; the same seed in :func:`risk_curve` gives
        the same W).
    progress : bool, optional
        Show a tqdm progress bar over iterations (default: when standard error is a terminal
        and the run has more than 10⁴ iterations).

    Returns
    -------
    SimulatedRisk
        ``.steps``, ``.runs`` (n_runs × n), ``.mean``, ``.stderr``, ``.seed``; ``.success`` is
        False (with a RuntimeWarning) if some run diverged.

    Raises
    ------
    ResourceLimitError
        If the estimated memory or running time exceeds the current limits
        (:func:`~deterministic_risk.resource_limits`).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> sim = dr.simulate(dr.PLRF(1.0, 0.7, d=50), dr.SGD(lr=0.5), [0, 10, 100], n_runs=4)
    >>> sim.runs.shape
    (4, 3)
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer, got {type(optimizer).__name__}")
    steps = check.steps_array(steps)
    n_runs = check.positive_int("n_runs", n_runs)
    seed = check.fresh_seed() if seed is None else check.seed("seed", seed)
    feature_seed = check.seed("feature_seed", feature_seed, allow_none=True)
    if not isinstance(faithful, (bool, np.bool_)):
        raise TypeError(f"faithful must be True or False, got {faithful!r}")
    model = _data_model(problem, optimizer, faithful, feature_seed)
    batch = optimizer.batch
    block = int(max(1, min(steps[-1], BLOCK_NUMBERS // (n_runs * batch * model.width))))
    _check_cost(model, n_runs, batch, block, steps)
    params = np.broadcast_to(model.initial, (n_runs, model.initial.size)).copy()
    state = optimizer.init_state(params)
    # optimizers whose step depends on the current excess risk (dr.schedules.RiskProportional)
    state_dependent = bool(getattr(optimizer, "state_dependent", False))
    out = np.empty((n_runs, steps.size))
    source = _BlockSource(seed, n_runs, batch, model.width, model.noise, block)
    if progress is None:
        progress = sys.stderr.isatty() and steps[-1] > 10_000
    bar = tqdm(total=int(steps[-1]), disable=not progress, desc="simulate", unit="it")
    i_out = 0
    k = 0
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            while True:
                g, eps = source.next()
                features = model.make_features(g)        # (block, runs, batch, d)
                labels = model.make_labels(g, eps)        # (block, runs, batch)
                # one optimizer step is a few small products per run: one BLAS thread
                # (docs/threads.md); the block's features above keep the threads
                with blas_threads(1):
                    for t in range(block):
                        if k == steps[i_out]:
                            out[:, i_out] = model.risk(params)
                            i_out += 1
                            if i_out == steps.size:
                                break
                        x = features[t]
                        resid = np.matmul(x, params[:, :, None])[:, :, 0] - labels[t]
                        grad = np.matmul(resid[:, None, :], x)[:, 0, :]
                        if batch > 1:
                            grad /= batch
                        if state_dependent:
                            excess = model.risk(params) - model.floor
                            params, state = optimizer.update(params, grad, k, state,
                                                             excess_risk=excess)
                        else:
                            params, state = optimizer.update(params, grad, k, state)
                        k += 1
                bar.update(k - bar.n)             # updates done so far: k of steps[-1]
                if i_out == steps.size:
                    break
    finally:
        source.close()
        bar.close()
    info = {**optimizer.describe(), **model.info, "n_runs": n_runs, "d": int(model.initial.size)}
    if feature_seed is not None:
        info["feature_seed"] = feature_seed
    result = SimulatedRisk.from_runs(steps, out, model.floor, seed, info)
    if not result.success:
        warnings.warn(f"simulate: {result.message}", RuntimeWarning, stacklevel=2)
    return result


#: Optimistic cost of the simulator (a fast machine; docs/errors_and_limits.md): seconds per
#: iteration, and per normal drawn or feature entry formed.
SIM_SECONDS_PER_ITERATION = 1e-5
SIM_SECONDS_PER_NUMBER = 5e-9


def _check_cost(model: _DataModel, n_runs: int, batch: int, block: int,
                steps: NDArray[np.int64]) -> None:
    """Refuse a simulation whose memory or running time exceeds the limits (resources)."""
    d = model.initial.size
    samples = n_runs * batch
    memory = 8.0 * (2 * block * samples * (model.width + 1)      # the block in use, the next one
                    + block * samples * d                       # its features
                    + 6 * n_runs * d + n_runs * steps.size)     # parameters, state, output
    k_max = float(steps[-1])
    seconds = k_max * (SIM_SECONDS_PER_ITERATION + SIM_SECONDS_PER_NUMBER * samples
                       * (model.width + 2 * d))
    check_resources(f"simulating {n_runs} runs of {k_max:.6g} iterations (d = {d})",
                    memory=memory, seconds=seconds)

"""Paths of the SDE models (Euler–Maruyama) and of the real optimizers on a noisy quadratic."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import _validation as check
from ..resources import check_resources
from .models import SDEMethod
from .problem import NoisyQuadratic

__all__ = ["LossPaths", "simulate_sde", "run_optimizer"]

#: Target size (float64 numbers) of one block of pre-drawn random numbers.
_BLOCK_NUMBERS = 1_000_000
#: Optimistic cost of one step (a fast machine; docs/errors_and_limits.md): seconds per step, and
#: per path and coordinate.
PATH_SECONDS_PER_STEP = 5e-6
PATH_SECONDS_PER_NUMBER = 5e-9

@dataclass(frozen=True, eq=False)
class LossPaths:
    r"""Excess loss of independent paths (SDE) or runs (real optimizer) at recorded iterations.

    Attributes
    ----------
    steps : ndarray of int64, shape (n,)
        Iteration counts k (SDE time t = kη).
    loss : ndarray, shape (n_paths, n)
        :math:`\tfrac12 x^\top Hx` of each path at ``steps`` (``inf`` after a divergence).
    time_average : ndarray, shape (n_paths,) or None
        Per-path average of the loss over every iteration of ``window`` (None if not requested).
    window : tuple of int or None
        First and last iteration of the time average (both included).
    success : bool
        False if some path diverged.
    message : str
    info : dict
        Kind (``"sde"`` or ``"optimizer"``), method, problem, seed.

    Examples
    --------
    >>> import numpy as np
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic(np.ones(4), 0.1 * np.ones(4))
    >>> paths = sde.simulate_sde(prob, sde.SGDModel(lr=0.01), [0, 10, 100], n_paths=8)
    >>> paths.loss.shape
    (8, 3)
    """

    steps: NDArray[np.int64]
    loss: NDArray[np.float64]
    time_average: NDArray[np.float64] | None = None
    window: tuple[int, int] | None = None
    success: bool = True
    message: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_paths(self) -> int:
        return self.loss.shape[0]

    @property
    def mean(self) -> NDArray[np.float64]:
        """Mean loss over paths, shape (n,)."""
        return self.loss.mean(axis=0)

    @property
    def stderr(self) -> NDArray[np.float64]:
        """Standard error of ``mean`` over the independent paths, shape (n,)."""
        return self.loss.std(axis=0, ddof=1) / math.sqrt(self.n_paths)

    @property
    def stationary_mean(self) -> float:
        """Mean over paths of the per-path time average (the measured stationary loss)."""
        if self.time_average is None:
            raise ValueError("no time average was recorded: pass average_from=")
        return float(self.time_average.mean())

    @property
    def stationary_stderr(self) -> float:
        """Standard error of :attr:`stationary_mean` (paths are independent)."""
        if self.time_average is None:
            raise ValueError("no time average was recorded: pass average_from=")
        return float(self.time_average.std(ddof=1) / math.sqrt(self.n_paths))

    def __repr__(self) -> str:
        status = "ok" if self.success else "diverged"
        avg = ("" if self.time_average is None else
               f", stationary {self.stationary_mean:.4g} ± {self.stationary_stderr:.2g}")
        return (f"LossPaths({self.info.get('kind', '?')}, {status}, n_paths={self.n_paths}, "
                f"k in [{self.steps[0]}, {self.steps[-1]}]{avg})")


def simulate_sde(problem: NoisyQuadratic, method: SDEMethod, steps: ArrayLike, *,
                 n_paths: int = 100, seed: int = 0, x0: ArrayLike | None = None,
                 average_from: int | None = None, substeps: int = 1,
                 on_divergence: Literal["raise", "return"] = "raise") -> LossPaths:
    r"""Integrate the SDE model of ``method`` by Euler–Maruyama, vectorised over paths.

    Parameters
    ----------
    problem : NoisyQuadratic
    method : SGDModel, SignSGDModel, RMSpropWModel or AdamWModel
    steps : array_like of int
        Iterations k at which to record the loss (SDE time t = kη, docs/extensions.md,
        'The SDE models').
    n_paths : int, default 100
        Independent paths (>= 2, so that standard errors exist).
    seed : int or None, default 0
        Seed of ``np.random.default_rng`` (``None``: a fresh seed, recorded in ``info``).
    x0 : array_like, shape (d,), optional
        Initial point (default: all ones, as in Figure 1 of docs/extensions.md).
    average_from : int, optional
        If given, also average each path's loss over every iteration from ``average_from`` to
        ``max(steps)`` (the stationary estimate).
    substeps : int, default 1
        Euler–Maruyama steps per iteration (Δt = η/substeps).
    on_divergence : {"raise", "return"}
        Raise :class:`FloatingPointError` if a path becomes non-finite, or return a result with
        ``success=False``.

    Returns
    -------
    LossPaths

    Notes
    -----
    Each method's ``sde_step`` is one explicit step
    :math:`X \leftarrow X + b(X)\Delta t + \sqrt\eta\,\sigma(X)\sqrt{\Delta t}\,\xi` of its SDE
    (written in SDE time t = kη; the moment variables of RMSpropW/AdamW are advanced first, as in
    the algorithm). With ``substeps=1`` the step is :math:`\Delta t = \eta`, and the SDE increment
    has the mean and covariance of one step of the real optimizer to leading order.

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([0.5, 2.0], noise_scale=1.0)
    >>> res = sde.simulate_sde(prob, sde.SignSGDModel(1e-2), [0, 100], n_paths=8, seed=1)
    >>> res.loss.shape
    (8, 2)
    """
    n_paths = check.positive_int("n_paths", n_paths, minimum=2)
    return _drive("sde", problem, method, steps, n_paths, seed, x0, average_from,
                  check.positive_int("substeps", substeps), on_divergence)


def run_optimizer(problem: NoisyQuadratic, method: SDEMethod, steps: ArrayLike, *,
                  n_runs: int = 100, seed: int = 0, x0: ArrayLike | None = None,
                  average_from: int | None = None,
                  on_divergence: Literal["raise", "return"] = "raise") -> LossPaths:
    r"""Run the real finite-step optimizer with gradients :math:`g = Hx + Z`, vectorised over runs.

    Parameters
    ----------
    problem : NoisyQuadratic
        Supplies H and the law of Z (Gaussian or Student-t, scale σ/√B).
    method : SGDModel, SignSGDModel, RMSpropWModel or AdamWModel
    steps, seed, x0, average_from, on_divergence
        As in :func:`simulate_sde`.
    n_runs : int, default 100
        Independent runs (>= 2).

    Returns
    -------
    LossPaths

    Examples
    --------
    >>> from deterministic_risk import sde
    >>> prob = sde.NoisyQuadratic([0.5, 2.0], noise_scale=1.0)
    >>> res = sde.run_optimizer(prob, sde.AdamWModel(1e-2), [0, 10, 100], n_runs=4, seed=0)
    >>> res.loss.shape
    (4, 3)
    """
    n_runs = check.positive_int("n_runs", n_runs, minimum=2)
    return _drive("optimizer", problem, method, steps, n_runs, seed, x0, average_from, 1,
                  on_divergence)


def _drive(kind: str, problem: NoisyQuadratic, method: SDEMethod, steps: ArrayLike, n_paths: int,
           seed: int, x0: ArrayLike | None, average_from: int | None, substeps: int,
           on_divergence: str) -> LossPaths:
    if not isinstance(problem, NoisyQuadratic):
        raise TypeError(f"problem must be a sde.NoisyQuadratic, got {type(problem).__name__}")
    if not isinstance(method, SDEMethod):
        raise TypeError(f"method must be one of sde.SGDModel, SignSGDModel, RMSpropWModel, AdamWModel, got "
                        f"{type(method).__name__}")
    if on_divergence not in ("raise", "return"):
        raise ValueError(f"on_divergence must be 'raise' or 'return', got {on_divergence!r}")
    steps = check.steps_array(steps)
    seed = check.fresh_seed() if seed is None else check.seed("seed", seed)
    k_max = int(steps[-1])
    per_iter = substeps if kind == "sde" else 1
    check_resources(f"{n_paths} {'SDE paths' if kind == 'sde' else 'runs'} of {k_max} iterations",
                    memory=8.0 * (8 * n_paths * problem.d    # state, moments, gradients
                                  + min(max(_BLOCK_NUMBERS, per_iter * n_paths * problem.d),
                                        per_iter * k_max * n_paths * problem.d)),  # one block
                    seconds=k_max * per_iter * (PATH_SECONDS_PER_STEP
                                                + PATH_SECONDS_PER_NUMBER * n_paths * problem.d))
    if average_from is not None:
        average_from = check.positive_int("average_from", average_from, minimum=0)
        if average_from > k_max:
            raise ValueError(f"average_from must be <= max(steps) = {k_max}, got {average_from}")
    d = problem.d
    start = (np.ones(d) if x0 is None else check.float_array("x0", x0, ndim=1))
    if start.shape != (d,):
        raise ValueError(f"x0 must have shape ({d},), got {start.shape}")
    x = np.tile(start, (n_paths, 1))
    rng = np.random.default_rng(seed)
    state = method.sde_init(problem, x) if kind == "sde" else method.init(problem, x)

    record = np.full((n_paths, steps.size), np.inf)
    accumulated = np.zeros(n_paths) if average_from is not None else None
    block = max(1, _BLOCK_NUMBERS // (n_paths * d * per_iter))
    dt = method.lr / substeps
    success, message, next_rec = True, "", 0
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(k_max + 1):
            if next_rec < steps.size and steps[next_rec] == k or (
                    accumulated is not None and k >= average_from):
                loss = problem.loss(state[0])
                if not np.all(np.isfinite(loss)):
                    success = False
                    message = f"{kind} diverged (non-finite loss) by iteration {k}"
                    break
                if next_rec < steps.size and steps[next_rec] == k:
                    record[:, next_rec] = loss
                    next_rec += 1
                if accumulated is not None and k >= average_from:
                    accumulated += loss
            if k == k_max:
                break
            if k % block == 0:
                if kind == "sde":
                    draws = rng.standard_normal((min(block, k_max - k), per_iter, n_paths, d))
                else:
                    draws = problem.sample_noise(rng, (min(block, k_max - k), n_paths))
            if kind == "sde":
                for j in range(substeps):
                    t = (k * substeps + j) * dt
                    state = method.sde_step(problem, state, t, dt, draws[k % block, j])
            else:
                grad = problem.gradient(state[0]) + draws[k % block]
                state = method.step(problem, state, k, grad)
    if not success and on_divergence == "raise":
        raise FloatingPointError(f"{message}; lower the learning rate (lr={method.lr:g})")
    time_average = None
    window = None
    if accumulated is not None:
        window = (average_from, k_max)
        time_average = (accumulated / (k_max - average_from + 1) if success
                        else np.full(n_paths, np.inf))
    if success:
        message = (f"{kind}: {n_paths} paths, {k_max} iterations"
                   + (f", {substeps} Euler-Maruyama substeps per iteration"
                      if kind == "sde" and substeps > 1 else ""))
    info = {"kind": kind, "method": repr(method), "problem": repr(problem), "seed": seed,
            "substeps": substeps if kind == "sde" else None}
    return LossPaths(steps, record, time_average, window, success, message, info)

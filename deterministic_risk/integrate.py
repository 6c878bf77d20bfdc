r"""Integrators of the linear renewal dynamics of SGD-type optimizers on a spectrum.

Both integrators solve, on the nodes of a :class:`~deterministic_risk.Spectrum`,

.. math::

    E_i(k+1) = q_k(\lambda_i)\,E_i(k) + c_k\, n_i \lambda_i^2\, R(k), \qquad
    R(k) = R_\ast + \sum_i E_i(k), \qquad E_i(0) = w_i,

where the optimizer supplies the contraction factor :math:`q_k(\lambda)` and the kernel coefficient
:math:`c_k` from the learning rate :math:`\gamma_k` (for SGD, ``docs/sgd.md``, 'The exact recursion'
and 'Mode recursion on spectrum nodes': :math:`q = 1-2\gamma\lambda+\gamma^2(1+1/B)\lambda^2`,
:math:`c = \gamma^2/B`).

* :func:`exact_recursion` iterates the recursion itself: exact, cost O(n·k).
* :func:`log_time_integrate` advances it over blocks of h iterations on a log-spaced grid. Over a
  block the learning rate is frozen at the block's midpoint and R is interpolated linearly
  between the block's ends; the block sums of the recursion are then closed-form, so

  .. math::

      E_i(k+h) = q^h E_i(k) + c\,n_i\lambda_i^2 \Big[R(k)\,S_0 + \big(R(k+h)-R(k)\big) S_1/h\Big],
      \quad S_0 = \sum_{j<h} q^j,\quad S_1 = \sum_{s<h} s\,q^{h-1-s},

  and R(k+h) solves a scalar linear equation (an implicit, second-order step that is exact for
  h = 1). Its cost per output point does not grow with k. At a constant learning rate R is
  interpolated by the parabola through the previous block's start and the block's ends instead,
  which makes the step third order; it is carried out on the deviations from the
  quasi-stationary energies (``_ConstantBlocks``, derived in docs/sgd.md).

Both take initial energies of shape (n_nodes, m) and floors of shape (m,) (``weights=``,
``floor=``): the risk is affine in them, so m curves on one spectrum (the targets β of a PLRF
spectrum) come out of one solve. :func:`exponential_feedback_integrate` integrates modes driven by
a scalar feedback of the risk (signSGD, clipped SGD), where curves cannot share a solve.

Every loop runs with one BLAS thread (:func:`~deterministic_risk.blas_threads`): its vectors are
too short for threads to pay. A risk below ``SETTLED_RISK`` (2⁻⁹⁶⁹) is settled: blocks are no
longer shortened to resolve it, and denormal energies are flushed to zero.

The optimizer object passed in must provide ``log_contraction(lr, lam)`` (log q, elementwise) and
``kernel_coefficient(lr)``; the schedule supplies the learning rates and its breakpoints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .schedules import Schedule
from .spectrum import Spectrum
from .threads import blas_threads

__all__ = ["exact_recursion", "log_time_integrate", "exponential_feedback_integrate",
           "IntegrationResult"]

#: Risk above this multiple of max(R(0), 1) counts as divergence.
DIVERGENCE_FACTOR = 1e12

#: A risk below this level (2⁻⁹⁶⁹ ≈ 2.0e-292, 2⁵³ times the smallest normal float64) is *settled*:
#: the integrators stop shortening blocks to resolve it, and mode energies and excess risks below
#: ``FLUSH_LEVEL`` are set to zero (docs/sgd.md, "Settled risk"). Nothing reported changes: the
#: flushed values are denormal, so they carry fewer than 53 bits, and together they move the risk
#: by less than n_nodes units in the last place of ``SETTLED_RISK``.
SETTLED_RISK = 2.0**-969

#: The smallest normal float64, 2⁻¹⁰²² ≈ 2.2e-308: arithmetic below it runs in the processor's
#: slow denormal path (about a hundred times slower per operation).
FLUSH_LEVEL = 2.0**-1022


#: Default block length of :func:`log_time_integrate` as a fraction of k at a constant learning
#: rate (third-order rule: relative error about 2e-6 on PLRF spectra, docs/sgd.md) and with a
#: schedule (R linear across a block: errors ≲ 1e-4, tested for every schedule).
GRID_RATIO_CONSTANT = 0.03
GRID_RATIO_SCHEDULE = 0.01


class RenewalOptimizer(Protocol):
    def log_contraction(self, lr: float, lam: NDArray[np.float64]) -> NDArray[np.float64]: ...

    def kernel_coefficient(self, lr: float) -> float: ...


@dataclass(frozen=True)
class IntegrationResult:
    """Risk at the requested steps (shape (n_steps,) or (n_steps, m)), ``inf`` after a
    divergence; ``details`` holds what a solver reports beyond it (a sampling solver: its number
    of paths, seed and standard errors), copied into ``RiskCurve.info``."""

    risk: NDArray[np.float64]
    success: bool
    message: str
    n_blocks: int
    details: dict = field(default_factory=dict)


def _initial_state(spectrum: Spectrum, weights: ArrayLike | None,
                   floor: ArrayLike | None) -> tuple[NDArray, NDArray, bool]:
    """Initial energies as a matrix (n_nodes, m), the floors (m,), and whether the caller asked
    for columns (a 2-d ``weights`` or a 1-d ``floor``)."""
    n = len(spectrum)
    w = spectrum.weights if weights is None else np.asarray(weights, dtype=np.float64)
    f = np.asarray(spectrum.floor if floor is None else floor, dtype=np.float64)
    if w.ndim not in (1, 2) or w.shape[0] != n:
        raise ValueError(f"weights must have shape ({n},) or ({n}, m) for a spectrum of {n} "
                         f"nodes, got {w.shape}")
    if f.ndim > 1:
        raise ValueError(f"floor must be a number or a 1-d array of m floors, got shape {f.shape}")
    for name, arr in (("weights", w), ("floor", f)):
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError(f"{name} must be finite and >= 0")
    matrix = w.ndim == 2 or f.ndim == 1
    w = w.reshape(n, -1)
    f = np.atleast_1d(f)
    m = max(w.shape[1], f.size)
    if w.shape[1] not in (1, m) or f.size not in (1, m):
        raise ValueError(f"weights have {w.shape[1]} columns but floor has {f.size} entries; "
                         f"they must agree (or one of them be a single column)")
    return (np.array(np.broadcast_to(w, (n, m)), dtype=np.float64),
            np.array(np.broadcast_to(f, (m,)), dtype=np.float64), matrix)


def _result_shape(risk: NDArray, matrix: bool) -> NDArray:
    return risk if matrix else risk[:, 0]


def _threshold(given: ArrayLike | None, initial: NDArray) -> NDArray:
    """Divergence threshold per column: ``given``, or DIVERGENCE_FACTOR · max(R(0), 1)."""
    if given is None:
        return DIVERGENCE_FACTOR * np.maximum(initial, 1.0)
    return np.array(np.broadcast_to(np.asarray(given, dtype=np.float64), initial.shape))


def exact_recursion(spectrum: Spectrum, optimizer: RenewalOptimizer, schedule: Schedule,
                    steps: NDArray[np.int64], *, weights: ArrayLike | None = None,
                    floor: ArrayLike | None = None,
                    divergence_threshold: ArrayLike | None = None) -> IntegrationResult:
    """Iterate the renewal recursion one iteration at a time (exact; cost O(n_nodes · max(steps))).

    ``weights`` (shape (n_nodes,) or (n_nodes, m)) and ``floor`` (a number or shape (m,))
    replace the spectrum's: m columns are iterated at once and the risk has shape (n_steps, m).
    The run stops as diverged where the risk exceeds ``divergence_threshold`` (a number or one
    per column; default ``DIVERGENCE_FACTOR`` · max(R(0), 1)).
    """
    lam, n = spectrum.eigenvalues, spectrum.counts
    lam2n = n * lam**2
    energy, floor, matrix = _initial_state(spectrum, weights, floor)
    risk_out = np.full((steps.size, floor.size), np.inf)
    k_max = int(steps[-1])
    threshold = _threshold(divergence_threshold, floor + energy.sum(axis=0))
    # one column is iterated as a vector and numbers: the loop is mostly per-call overhead
    single = floor.size == 1
    column = slice(None) if single else (slice(None), None)
    if single:
        energy, floor, threshold = energy[:, 0], float(floor[0]), float(threshold[0])
    with blas_threads(1):
        constant = schedule.is_constant
        if constant:
            lr = schedule(0.0)
            q = np.exp(optimizer.log_contraction(lr, lam))[column]
            a = (optimizer.kernel_coefficient(lr) * lam2n)[column]
        else:
            lrs = schedule(np.arange(k_max + 1, dtype=np.float64))
        out = 0
        for k in range(k_max + 1):
            risk = floor + (energy.sum() if single else energy.sum(axis=0))
            if not (risk <= threshold if single else np.all(risk <= threshold)):  # NaN too
                return IntegrationResult(_result_shape(risk_out, matrix), False,
                                         f"diverged at k = {k} (risk {np.max(risk):.3g})", k)
            if k == steps[out]:
                risk_out[out] = risk
                out += 1
                if out == steps.size:
                    break
            if not constant:
                q = np.exp(optimizer.log_contraction(lrs[k], lam))[column]
                a = (optimizer.kernel_coefficient(lrs[k]) * lam2n)[column]
            energy *= q
            energy += a * risk
    return IntegrationResult(_result_shape(risk_out, matrix), True,
                             f"exact recursion, {k_max} iterations", k_max)


def _source_coefficients(log_q: NDArray[np.float64],
                         a: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
    r"""Return :math:`c_0 = a/(q-1)` and :math:`c_1 = a/(q-1)^2` (0 where q = 1).

    With :math:`e_h = q^h - 1` the block sums of the module docstring are
    :math:`aS_0 = c_0 e_h` and :math:`aS_1/h = c_1 e_h/h - c_0` (from
    :math:`S_0 = (1-q^h)/(1-q)`, :math:`S_1 = (h-1-hq+q^h)/(1-q)^2`). The second form cancels
    where :math:`h(1-q)` is small, but only to an absolute error
    :math:`\epsilon\,a/(1-q) \approx \epsilon\gamma n\lambda/2` per node, whose sum over the
    nodes is :math:`\epsilon` times :math:`\gamma\,\mathrm{tr}K < 2`: far below the rounding of
    the risk (docs/sgd.md). A node with q = 1 has λ = 0 and so a = 0: its coefficients are 0.
    """
    qm1 = np.expm1(log_q)
    c0 = np.zeros_like(qm1)
    c1 = np.zeros_like(qm1)
    moving = qm1 != 0.0
    np.divide(a, qm1, out=c0, where=moving)
    np.divide(c0, qm1, out=c1, where=moving)
    return c0, c1


def _source_time(h: int, log_q: NDArray[np.float64], e_h: NDArray[np.float64]) -> NDArray:
    r"""Weighted mean time :math:`\bar s = S_1/S_0 = 1/(q-1) - h/(q^h-1)` of a block's source,
    given :math:`e_h = q^h - 1`.

    Where :math:`|h\log q| < 10^{-2}` its Taylor series :math:`(h-1)/2 + (h^2-1)x/12 -
    (h^4-1)x^3/720` in :math:`x = -\log q` is used (truncation below :math:`10^{-14}h`);
    elsewhere the closed form loses at most :math:`\epsilon/x \le 2\cdot10^{-14}h`.
    """
    x = -log_q
    small = np.abs(h * x) < 1e-2
    with np.errstate(divide="ignore", invalid="ignore"):
        closed = 1.0 / np.expm1(log_q) - h / e_h
    x2 = x * x
    series = x * ((h * h - 1.0) / 12.0 - (float(h)**4 - 1.0) / 720.0 * x2)
    series += (h - 1) / 2.0
    return np.clip(np.where(small, series, closed), 0.0, h - 1.0)


class _ConstantBlocks:
    r"""Blocks at a constant learning rate: a third-order rule, in the deviation
    :math:`D = E + c_0 R` from the quasi-stationary energies :math:`-c_0 R = aR/(1-q)`.

    Within a block R is interpolated by the parabola through the previous block's start, the
    block's start and its end, :math:`R(k+h\sigma) = R_0 + \Delta R\,\sigma + C\sigma(\sigma-1)`
    with :math:`C = C_0 + C_1\Delta R`, :math:`C_0 = (R_p - R_0)/(r(r+1))`,
    :math:`C_1 = 1/(r+1)`, :math:`r = h_p/h` (C = 0 on the first block and for h = 1, which stays
    exact). Its source sum needs, besides :math:`aS_0` and :math:`aS_1/h`, the sum
    :math:`aT = \sum_s a q^{h-1-s}\sigma(\sigma-1) = (2c_2e_h + (1-h)c_1e_h)/h^2 - 2c_1/h` with
    :math:`c_2 = a/(q-1)^3` (docs/sgd.md). Substituting :math:`E = D - c_0R` gives

    .. math::

        D(k+h) = q^h D(k) + c_1e_h\,\frac{\Delta R}{h} + aT\,C, \qquad
        R(k+h)\big(1 - \|\mathcal K\| - \sigma_1 - \tau C_1\big) = R_\ast + q^h\!\cdot D(k)
        - R(k)(\sigma_1 + \tau C_1) + \tau C_0,

    with :math:`\sigma_1 = \sum_i c_{1,i}e_{h,i}/h`, :math:`\tau = \sum_i aT_i` and
    :math:`\|\mathcal K\| = -\sum_i c_{0,i} = \sum_i a_i/(1-q_i)`: one ``expm1``, three dot
    products and six vector operations per block.
    """

    def __init__(self, optimizer: RenewalOptimizer, lr: float, lam: NDArray, lam2n: NDArray,
                 energy: NDArray, risk: NDArray, floor: NDArray) -> None:
        self.log_q = optimizer.log_contraction(lr, lam)
        self.c0, c1 = _source_coefficients(self.log_q, optimizer.kernel_coefficient(lr) * lam2n)
        qm1 = np.expm1(self.log_q)
        # columns c_1, c_2 (for the block sums) and, per block, c_1 e_h, c_2 e_h, c_1 (for the
        # update D += sources @ weights), in Fortran order so that both are matrix-vector products
        self.c12 = np.zeros((lam.size, 2), order="F")
        self.c12[:, 0] = c1
        np.divide(c1, qm1, out=self.c12[:, 1], where=qm1 != 0.0)
        self.sources = np.zeros((lam.size, 3), order="F")
        self.sources[:, 2] = c1
        self.one_minus_norm = 1.0 + self.c0.sum()
        self.sum_c1 = c1.sum()
        self.floor = floor
        self.deviation = energy + np.outer(self.c0, risk)
        self.e_h, self.q_h = np.empty_like(lam), np.empty_like(lam)
        self.previous: tuple[NDArray, int] | None = None   # R and h of the previous block

    def propose(self, k: int, h: int, risk: NDArray) -> NDArray | None:
        """R(k+h), with the block's coefficients kept for :meth:`accept`."""
        np.multiply(self.log_q, h, out=self.e_h)
        np.expm1(self.e_h, out=self.e_h)
        np.add(self.e_h, 1.0, out=self.q_h)
        sum1, sum2 = self.e_h @ self.c12          # Σ c_1 e_h, Σ c_2 e_h
        sigma1 = sum1 / h
        self.quadratic = h > 1 and self.previous is not None
        if self.quadratic:
            self.tau = (2.0 * sum2 + (1 - h) * sum1) / (h * h) - 2.0 * self.sum_c1 / h
            risk_p, h_p = self.previous
            r = h_p / h
            self.curvature = ((risk_p - risk) / (r * (r + 1.0)), 1.0 / (r + 1.0))
        else:
            self.tau = 0.0
            self.curvature = (0.0, 0.0)
        c0, c1 = self.curvature
        denominator = self.one_minus_norm - sigma1 - self.tau * c1
        if not denominator > 0:
            return np.full(risk.shape, np.inf)
        return (self.floor + self.q_h @ self.deviation - risk * (sigma1 + self.tau * c1)
                + self.tau * c0) / denominator

    def accept(self, h: int, risk: NDArray, new_risk: NDArray) -> None:
        change = new_risk - risk
        np.multiply(self.c12[:, 0], self.e_h, out=self.sources[:, 0])
        np.multiply(self.c12[:, 1], self.e_h, out=self.sources[:, 1])
        weights = np.zeros((3, change.size))
        weights[0] = change / h
        if self.quadratic:
            # a T C = (2 c2 e_h + (1-h) c1 e_h)/h² · C − 2 c1/h · C
            curvature = self.curvature[0] + self.curvature[1] * change
            weights[0] += curvature * (1 - h) / (h * h)
            weights[1] = 2.0 * curvature / (h * h)
            weights[2] = -2.0 * curvature / h
        self.deviation *= self.q_h[:, None]
        self.deviation += self.sources @ weights
        self.previous = (risk, h)

    def energies(self, risk: NDArray) -> NDArray:
        return self.deviation - np.outer(self.c0, risk)

    def set_energies(self, energy: NDArray, risk: NDArray) -> None:
        self.deviation = energy + np.outer(self.c0, risk)


class _ScheduledBlocks:
    """Blocks with a varying learning rate (module docstring), on the energies themselves."""

    def __init__(self, optimizer: RenewalOptimizer, schedule: Schedule, lam: NDArray,
                 lam2n: NDArray, energy: NDArray, floor: NDArray, max_change: float) -> None:
        self.optimizer, self.schedule, self.lam, self.lam2n = optimizer, schedule, lam, lam2n
        self.energy, self.floor, self.max_change = energy, floor, max_change

    def propose(self, k: int, h: int, risk: NDArray) -> NDArray | None:
        """R(k+h), or None when the learning rate changes too much across the block."""
        schedule, optimizer = self.schedule, self.optimizer
        lr_mid = schedule(k + 0.5 * (h - 1))
        if h > 1:
            lr_ends = schedule(np.array([k, k + h - 1.0]))
            if abs(lr_ends[1] - lr_ends[0]) > self.max_change * max(lr_mid, 1e-300):
                return None
        log_q = optimizer.log_contraction(lr_mid, self.lam)
        e_h = np.expm1(h * log_q)
        self.q_h = e_h + 1.0
        if h == 1:  # exactly the recursion: S_0 = 1, S_1 = 0
            self.source_old = optimizer.kernel_coefficient(lr_mid) * self.lam2n
            self.source_change = np.zeros_like(log_q)
        else:
            # The source of mode i is weighted by q^(h-1-s): its weighted mean time is
            # s̄ = S_1/S_0 (the midpoint for slow modes, the block's end for fast ones).
            # Evaluating the learning rate of the source there is exact for a linear schedule
            # and avoids the order reduction of a midpoint rule on stiff modes.
            lr_src = schedule(k + _source_time(h, log_q, e_h))
            log_q_src = optimizer.log_contraction(lr_src, self.lam)
            c0, c1 = _source_coefficients(log_q_src,
                                          optimizer.kernel_coefficient(lr_src) * self.lam2n)
            e_h = np.expm1(h * log_q_src)
            self.source_old = c0 * e_h                       # a S_0
            self.source_change = c1 * e_h / h - c0           # a S_1 / h
        sigma = self.source_change.sum()
        denominator = 1.0 - sigma
        if not denominator > 0:
            return np.full(risk.shape, np.inf)
        decayed = self.floor + self.q_h @ self.energy
        return (decayed + risk * (self.source_old.sum() - sigma)) / denominator

    def accept(self, h: int, risk: NDArray, new_risk: NDArray) -> None:
        # E ← q^h E + a S_0 R(k) + a (S_1/h) (R(k+h) − R(k))
        self.energy *= self.q_h[:, None]
        self.energy += np.outer(self.source_old, risk)
        self.energy += np.outer(self.source_change, new_risk - risk)

    def energies(self, risk: NDArray) -> NDArray:
        return self.energy

    def set_energies(self, energy: NDArray, risk: NDArray) -> None:
        self.energy = energy


def _too_large_change(risk: NDArray, new_risk: NDArray, max_change: float) -> bool:
    """Whether the risk of some column changes by more than ``max_change`` (relative) across a
    block, among the columns that are not settled and did not diverge."""
    large = np.abs(new_risk - risk) > max_change * np.minimum(risk, new_risk)
    return bool(large.any()) and bool(np.any(large & (risk > SETTLED_RISK)
                                             & np.isfinite(new_risk)))


def log_time_integrate(spectrum: Spectrum, optimizer: RenewalOptimizer, schedule: Schedule,
                       steps: NDArray[np.int64], *, grid_ratio: float | None = None,
                       max_change: float = 0.05, weights: ArrayLike | None = None,
                       floor: ArrayLike | None = None,
                       divergence_threshold: ArrayLike | None = None) -> IntegrationResult:
    """Integrate the renewal dynamics in blocks on a log-spaced grid (see the module docstring).

    Parameters
    ----------
    spectrum, optimizer, schedule, steps
        As for :func:`exact_recursion`.
    grid_ratio : float, optional
        Target block length as a fraction of the current iteration, h ≈ grid_ratio·k. At a
        constant learning rate the rule is third order in it (default ``GRID_RATIO_CONSTANT``
        = 0.03); with a schedule R is linear across a block (default ``GRID_RATIO_SCHEDULE`` =
        0.01, errors ≲ 1e-4).
    max_change : float
        A block is halved while the risk or the learning rate changes by more than this relative
        amount across it (exponential transients, schedule decays), unless the risk is settled
        (below ``SETTLED_RISK``).
    weights, floor : array_like, optional
        Replace the spectrum's initial energies (shape (n_nodes,) or (n_nodes, m)) and floor (a
        number or shape (m,)). The risk is affine in them for a given spectrum and schedule, so
        the m columns (for example the targets β of one PLRF spectrum) share one block grid and
        each block's coefficients; the risk then has shape (n_steps, m). The grid is the one a
        separate solve of each column would take except where a column's risk alone would halve
        a block (the shared grid is then finer than that column's own).
    divergence_threshold : float or array_like, optional
        As for :func:`exact_recursion`.
    """
    lam, n = spectrum.eigenvalues, spectrum.counts
    lam2n = n * lam**2
    energy, floor, matrix = _initial_state(spectrum, weights, floor)
    m = floor.size
    k_max = int(steps[-1])
    risk = floor + energy.sum(axis=0)
    threshold = _threshold(divergence_threshold, risk)
    stops = np.unique(np.concatenate([steps.astype(np.float64),
                                      np.round(schedule.breakpoints(float(k_max)))]))
    stops = stops[(stops > 0) & (stops <= k_max)].astype(np.int64)
    risk_out = np.full((steps.size, m), np.inf)
    out = 0
    k = 0
    if steps[0] == 0:
        risk_out[0] = risk
        out = 1
    if schedule.is_constant:
        blocks = _ConstantBlocks(optimizer, schedule(0.0), lam, lam2n, energy, risk, floor)
    else:
        blocks = _ScheduledBlocks(optimizer, schedule, lam, lam2n, energy, floor, max_change)
    if grid_ratio is None:
        grid_ratio = GRID_RATIO_CONSTANT if schedule.is_constant else GRID_RATIO_SCHEDULE
    n_blocks = 0
    next_stop = 0
    h_limit = k_max   # after a halving, a block is at most twice the previous one
    with blas_threads(1):
        while out < steps.size:
            while stops[next_stop] <= k:
                next_stop += 1
            h = min(max(1, int(grid_ratio * k)), h_limit, int(stops[next_stop] - k))
            limited = h == h_limit
            while True:
                new_risk = blocks.propose(k, h, risk)
                if h > 1 and (new_risk is None or _too_large_change(risk, new_risk, max_change)):
                    h //= 2
                    limited = True
                    continue
                break
            h_limit = 2 * h if limited else k_max
            n_blocks += 1
            if not np.all(new_risk <= threshold):
                return IntegrationResult(_result_shape(risk_out, matrix), False,
                                         f"diverged between k = {k} and k = {k + h} "
                                         f"(risk {np.max(new_risk):.3g})", n_blocks)
            blocks.accept(h, risk, new_risk)
            risk = new_risk
            if risk.min() < SETTLED_RISK:
                # settled: flush the denormal energies, which keeps the arithmetic out of
                # float64's slow denormal range without changing a reported digit
                energy = blocks.energies(risk)
                np.putmask(energy, energy < FLUSH_LEVEL, 0.0)
                risk = np.where(risk - floor < FLUSH_LEVEL, floor, risk)
                blocks.set_energies(energy, risk)
            k += h
            if k == steps[out]:
                risk_out[out] = risk
                out += 1
    return IntegrationResult(_result_shape(risk_out, matrix), True,
                             f"log-time integrator, {n_blocks} blocks to k = {k_max}", n_blocks)


# -- linear modes with a scalar feedback (signSGD, clipped SGD) ---------------------------------

#: Decay factors :math:`e^{-x}` below :math:`e^{-600}` (≈ 3e-261) are replaced by it: the modes
#: they multiply have forgotten their state to far below any digit, and the products stay out of
#: float64's slow denormal range.
_SMALLEST_DECAY_EXPONENT = -600.0


class _ExponentialStep:
    r"""The exponential-integrator step of :func:`exponential_feedback_integrate` on preallocated
    buffers: :math:`v_{\rm end} = e^{-x}v + \kappa\,c_1\Delta\tau\,\varphi_1(x + \ln(c_1/c_0))`,
    :math:`x = \lambda\Delta\tau`, with :math:`\varphi_1(y) = (1-e^{-y})/y =
    \mathrm{expm1}(-y)/(-y)` (accurate for every y; 1 at y = 0)."""

    def __init__(self, lam: NDArray[np.float64], kappa: NDArray[np.float64]) -> None:
        # the source term vanishes outside the span of the forced modes (κ > 0): the large-d
        # signSGD model puts its unforced (forcing) nodes first, so only its noise nodes get it
        forced = np.flatnonzero(kappa > 0.0)
        self.forced = slice(int(forced[0]), int(forced[-1]) + 1) if forced.size else slice(0, 0)
        self.neg_lam = -lam
        self.lam_max = float(lam.max()) if lam.size else 0.0
        self.kappa = kappa[self.forced]
        self.neg_x = np.empty_like(lam)
        self.neg_y, self.phi1 = (np.empty_like(self.kappa) for _ in range(2))

    def __call__(self, v: NDArray, a0: float, c0: float, a1: float, c1: float,
                 h: float) -> NDArray:
        if a0 > 2.0 * a1 and c1 > 2.0 * c0:
            # a falls and c rises by more than a factor 2 across the block: a singular start
            # (a ∝ R^{-1/2}, c ∝ R^{1/2} as R → 0; a schedule moves a and c together). The
            # trapezoid in dk/dτ = 1/a, which stays bounded, is exact for a ∝ k^{-1/2}, and
            # a0 = inf gives Δτ = 2 a1 h
            dtau = 2.0 * h * a1 if math.isinf(a0) else 2.0 * h * a0 * a1 / (a0 + a1)
        else:
            dtau = 0.5 * (a0 + a1) * h
        neg_x, neg_y, phi1 = self.neg_x, self.neg_y, self.phi1
        np.multiply(self.neg_lam, dtau, out=neg_x)
        if c0 > 0.0 and c1 > 0.0 and 1e-3 * c0 <= c1 <= 1e3 * c0:
            # c geometric in τ (exact for exponentially varying forcing):
            # ∫_0^Δ e^{-λ(Δ-s)} c0 (c1/c0)^{s/Δ} ds = c1 Δ φ1(λΔ + ln(c1/c0))
            np.subtract(neg_x[self.forced], math.log(c1 / c0), out=neg_y)
            np.expm1(neg_y, out=phi1)
            if np.count_nonzero(neg_y) == neg_y.size:
                np.divide(phi1, neg_y, out=phi1)
            else:
                np.divide(phi1, neg_y, out=phi1, where=neg_y != 0.0)
                np.copyto(phi1, 1.0, where=neg_y == 0.0)
            source = self.kappa * (c1 * dtau)
            source *= phi1
        else:
            _, phi, g = _phi1_g(-neg_x[self.forced])
            source = self.kappa * dtau * (c0 * g + c1 * (phi - g))
        if self.lam_max * dtau > -_SMALLEST_DECAY_EXPONENT:
            np.maximum(neg_x, _SMALLEST_DECAY_EXPONENT, out=neg_x)
        v_end = np.exp(neg_x, out=neg_x)
        v_end *= v
        v_end[self.forced] += source
        self.neg_x = np.empty_like(neg_x)   # v_end is handed out: the next call gets a new buffer
        return v_end


def _phi1_g(x: NDArray[np.float64]) -> tuple[NDArray, NDArray, NDArray]:
    r"""Return :math:`e^{-x}`, :math:`\varphi_1(x) = (1-e^{-x})/x` and
    :math:`g(x) = (1-(1+x)e^{-x})/x^2` for x >= 0, stably (Taylor series below x = 1e-3)."""
    ex = np.exp(-x)
    small = x < 1e-3
    with np.errstate(divide="ignore", invalid="ignore"):
        phi1 = np.where(small, 1.0 - x * (0.5 - x * (1.0 / 6.0 - x / 24.0)), -np.expm1(-x) / x)
        g = np.where(small, 0.5 - x * (1.0 / 3.0 - x * (0.125 - x / 30.0)), (phi1 - ex) / x)
    return ex, phi1, g


def exponential_feedback_integrate(lam: NDArray[np.float64], kappa: NDArray[np.float64],
                                   v0: NDArray[np.float64], rates, steps: NDArray[np.int64], *,
                                   breakpoints: NDArray[np.float64] = np.empty(0),
                                   grid_ratio: float = 0.01, max_change: float = 0.5,
                                   rtol: float = 1e-5, corrections: int = 2,
                                   divergence_threshold: float = np.inf) -> IntegrationResult:
    r"""Integrate :math:`\dot v_j = -a(k,R)\lambda_j v_j + a(k,R)\,c(k,R)\,\kappa_j`,
    :math:`R = \sum_j\lambda_j v_j`, on a log-spaced grid (cost independent of k and of
    :math:`1/\lambda_{\min}`).

    In the time :math:`\tau = \int a\,dk` the modes are linear with constant rates,
    :math:`dv_j/d\tau = -\lambda_j v_j + c\,\kappa_j`. Over a block of h iterations the integrator
    takes :math:`\Delta\tau` by the trapezoid rule in a, and c geometric in τ between its end
    values, for which the block is solved exactly (an exponential integrator, unconditionally
    stable, exact for exponentially varying forcing):

    .. math::

        v_j \leftarrow e^{-x_j} v_j + \kappa_j\,c_1\Delta\tau\;
        \varphi_1\big(x_j + \ln(c_1/c_0)\big),\qquad x_j = \lambda_j\Delta\tau,
        \quad \varphi_1(y) = (1-e^{-y})/y

    (c linear in τ, :math:`\kappa_j\Delta\tau[c_0 g(x_j) + c_1(\varphi_1(x_j) - g(x_j))]` with
    :math:`g(x) = (1-(1+x)e^{-x})/x^2`, where c vanishes at an end). The end values
    :math:`a_1, c_1` depend on R(k+h), which solves a scalar fixed-point equation: two corrector
    passes and an Aitken extrapolation (exact when the map is affine, as it nearly is even when
    fast modes slave R to c). This makes the scheme second order. A predictor that extrapolates
    a linearly and c geometrically from the previous block gives a second, independent
    second-order value of R(k+h); the block is halved while the two differ by more than ``rtol``
    (relative) or R changes by more than ``max_change`` across it. The block length is at most
    ``grid_ratio``·k (and at least one iteration unless the error control asks for less).
    A singular start (a unbounded as R → 0 while the forcing a·c stays finite: signSGD without
    label noise from R(0) = 0) is predicted from the forcing alone, and a block across which a
    falls and c rises by more than a factor 2 takes :math:`\Delta\tau` by the trapezoid rule in
    :math:`dk/d\tau = 1/a` (docs/errors_and_limits.md, 'Known limits').

    Parameters
    ----------
    lam, kappa, v0 : ndarray, shape (d,)
        Mode rates :math:`\lambda_j \ge 0`, forcings :math:`\kappa_j \ge 0` and initial state.
    rates : callable
        ``rates(k, R) -> (a, c)``, both >= 0 (for signSGD :math:`a = 2\gamma\varphi(R)`,
        :math:`c = \gamma/(4\varphi(R))`, ``docs/signsgd.md``, 'The mode ODE').
    steps : ndarray of int64
        Sorted output iterations.
    breakpoints : ndarray
        Iterations where a or c jump (schedule kinks); block edges are put there.

    Returns
    -------
    IntegrationResult
        R at ``steps`` (``inf`` after a divergence past ``divergence_threshold``).
    """
    lam = np.asarray(lam, dtype=np.float64)
    kappa = np.asarray(kappa, dtype=np.float64)
    v = np.array(v0, dtype=np.float64)
    k_max = float(steps[-1])
    stops = np.unique(np.concatenate([steps.astype(np.float64), np.asarray(breakpoints, float)]))
    stops = stops[(stops > 0) & (stops <= k_max)]
    risk_out = np.full(steps.size, np.inf)
    out = 0
    k = 0.0
    risk = float(lam @ v)
    if steps[0] == 0:
        risk_out[0] = risk
        out = 1
    n_blocks = n_rejected = 0
    next_stop = 0
    h_prev = 1.0
    tiny = SETTLED_RISK   # below it the relative error control is switched off
    step = _ExponentialStep(lam, kappa)
    prev = None
    with blas_threads(1):
        while out < steps.size:
            while stops[next_stop] <= k:
                next_stop += 1
            h = min(max(grid_ratio * k, 1.0), 2.0 * h_prev, stops[next_stop] - k)
            a0, c0 = rates(k, risk)

            def corrector(r_end: float, h: float = 0.0, ac1=None) -> tuple[NDArray, float]:
                a1, c1 = rates(k + h, r_end) if ac1 is None else ac1
                v_end = step(v, a0, c0, a1, c1, h)
                return v_end, float(lam @ v_end)

            while True:
                # predictor: a extrapolated linearly and c geometrically from the previous block
                # (second order; a, c frozen on the first block)
                if prev is None:
                    ac_pred = (a0, c0)
                else:
                    a_prev, c_prev, hp = prev
                    a_pred = max(a0 + (a0 - a_prev) * h / hp, 0.0)
                    c_pred = (c0 * (c0 / c_prev) ** (h / hp) if c0 > 0 and c_prev > 0
                              else max(c0 + (c0 - c_prev) * h / hp, 0.0))
                    ac_pred = (a_pred, c_pred)
                singular = prev is None and not math.isfinite(a0)
                if not singular:
                    _, r_pred = corrector(0.0, h, ac_pred)
                singular = singular or (prev is None and not (
                    r_pred > 0.0 and a0 <= 2.0 * rates(k + h, r_pred)[0]))
                if singular:
                    # singular start (a = 2γφ(R) blows up as R → 0 without label noise): a
                    # frozen a relaxes the block at once, but the forcing a·c stays finite and
                    # dominates while R is that small, so it alone predicts R(k + h)
                    a_f, c_f = rates(k, max(risk, tiny))
                    r_pred = risk + h * a_f * c_f * float(lam @ kappa)
                # corrector: R(k+h) solves R = F(R); F is nearly affine, so two fixed-point passes
                # and an Aitken (secant) extrapolation converge even when fast modes slave R to c
                v1, r1 = corrector(r_pred, h)
                v_new, r_new = corrector(r1, h)
                denom = r_new - 2.0 * r1 + r_pred
                converged = abs(r_new - r1) <= 1e-3 * rtol * max(r_new, tiny)
                if corrections > 1 and not converged and denom != 0.0 and np.isfinite(denom):
                    r_star = r_new - (r_new - r1) * ((r_new - r1) / denom)   # no overflow
                    if r_star > 0.0:
                        v_new, r_new = corrector(r_star, h)
                scale = max(min(risk, r_new), tiny)
                # local error, estimated by the difference of two second-order solutions
                too_big = (abs(r_new - r_pred) > rtol * scale
                           or abs(r_new - risk) > max_change * scale)
                if too_big and h > 1e-6 and np.isfinite(r_new):
                    h *= 0.5
                    n_rejected += 1
                    continue
                break
            n_blocks += 1
            prev = None if singular else (a0, c0, h)   # no extrapolation from a singular a0
            if not r_new <= divergence_threshold:
                return IntegrationResult(risk_out, False, f"diverged between k = {k:.6g} and "
                                         f"k = {k + h:.6g} (excess risk {r_new:.3g})", n_blocks)
            v = v_new
            risk = r_new
            k += h
            h_prev = h
            if abs(k - stops[next_stop]) <= 1e-9 * max(k, 1.0):
                k = float(stops[next_stop])
                while out < steps.size and steps[out] == k:
                    risk_out[out] = risk
                    out += 1
    return IntegrationResult(risk_out, True,
                             f"exponential integrator, {n_blocks} blocks ({n_rejected} halvings) "
                             f"to k = {k_max:.6g}", n_blocks)

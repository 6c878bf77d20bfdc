r"""Integrators of the linear renewal dynamics of SGD-type optimizers on a spectrum.

Both integrators solve, on the nodes of a :class:`~deterministic_risk.Spectrum`,

.. math::

    E_i(k+1) = q_k(\lambda_i)\,E_i(k) + c_k\, n_i \lambda_i^2\, R(k), \qquad
    R(k) = R_\ast + \sum_i E_i(k), \qquad E_i(0) = w_i,

where the optimizer supplies the contraction factor :math:`q_k(\lambda)` and the kernel coefficient
:math:`c_k` from the learning rate :math:`\gamma_k` (for SGD, theory note ``sgd_plrf.md`` §4.1 and
§4.4: :math:`q = 1-2\gamma\lambda+\gamma^2(1+1/B)\lambda^2`, :math:`c = \gamma^2/B`).

* :func:`exact_recursion` iterates the recursion itself: exact, cost O(n·k).
* :func:`log_time_integrate` advances it over blocks of h iterations on a log-spaced grid. Over a
  block the learning rate is frozen at the block's midpoint and R is interpolated linearly
  between the block's ends; the block sums of the recursion are then closed-form, so

  .. math::

      E_i(k+h) = q^h E_i(k) + c\,n_i\lambda_i^2 \Big[R(k)\,S_0 + \big(R(k+h)-R(k)\big) S_1/h\Big],
      \quad S_0 = \sum_{j<h} q^j,\quad S_1 = \sum_{s<h} s\,q^{h-1-s},

  and R(k+h) solves a scalar linear equation (an implicit, second-order step that is exact for
  h = 1). Its cost per output point does not grow with k.

The optimizer object passed in must provide ``log_contraction(lr, lam)`` (log q, elementwise) and
``kernel_coefficient(lr)``; the schedule supplies the learning rates and its breakpoints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from .schedules import Schedule
from .spectrum import Spectrum

__all__ = ["exact_recursion", "log_time_integrate", "exponential_feedback_integrate",
           "IntegrationResult"]

#: Risk above this multiple of max(R(0), 1) counts as divergence.
DIVERGENCE_FACTOR = 1e12


class RenewalOptimizer(Protocol):
    def log_contraction(self, lr: float, lam: NDArray[np.float64]) -> NDArray[np.float64]: ...

    def kernel_coefficient(self, lr: float) -> float: ...


@dataclass(frozen=True)
class IntegrationResult:
    """Risk at the requested steps, ``inf`` after a divergence."""

    risk: NDArray[np.float64]
    success: bool
    message: str
    n_blocks: int


def _divergence_threshold(spectrum: Spectrum) -> float:
    return DIVERGENCE_FACTOR * max(spectrum.initial_risk, 1.0)


def exact_recursion(spectrum: Spectrum, optimizer: RenewalOptimizer, schedule: Schedule,
                    steps: NDArray[np.int64], *,
                    divergence_threshold: float | None = None) -> IntegrationResult:
    """Iterate the renewal recursion one iteration at a time (exact; cost O(n_nodes · max(steps))).

    The run stops as diverged where the risk exceeds ``divergence_threshold`` (default
    ``DIVERGENCE_FACTOR`` · max(R(0), 1))."""
    lam, n = spectrum.eigenvalues, spectrum.counts
    lam2n = n * lam**2
    energy = spectrum.weights.copy()
    floor = spectrum.floor
    risk_out = np.full(steps.size, np.inf)
    k_max = int(steps[-1])
    threshold = (_divergence_threshold(spectrum) if divergence_threshold is None
                 else divergence_threshold)
    constant = schedule.is_constant
    if constant:
        lr = schedule(0.0)
        q = np.exp(optimizer.log_contraction(lr, lam))
        a = optimizer.kernel_coefficient(lr) * lam2n
    else:
        lrs = schedule(np.arange(k_max + 1, dtype=np.float64))
    out = 0
    for k in range(k_max + 1):
        risk = floor + energy.sum()
        if not risk <= threshold:  # also catches NaN
            return IntegrationResult(risk_out, False, f"diverged at k = {k} (risk {risk:.3g})", k)
        if k == steps[out]:
            risk_out[out] = risk
            out += 1
            if out == steps.size:
                break
        if not constant:
            q = np.exp(optimizer.log_contraction(lrs[k], lam))
            a = optimizer.kernel_coefficient(lrs[k]) * lam2n
        energy *= q
        energy += a * risk
    return IntegrationResult(risk_out, True, f"exact recursion, {k_max} iterations", k_max)


_SERIES_CUTOFF = 0.05  # below |h·x| = 0.05 the S_1 numerator is summed as a series (8 terms)


def _block_sums(h: int, x: NDArray[np.float64]) -> tuple[NDArray, NDArray, NDArray]:
    r"""Return :math:`q^h`, :math:`S_0` and :math:`S_1/h` for :math:`q = e^{-x}`, stably.

    :math:`S_0 = (1-q^h)/(1-q)` and :math:`S_1 = (h-1-hq+q^h)/(1-q)^2`; the numerator of
    :math:`S_1` is written as :math:`\mathrm{expm1}(-hx) - h\,\mathrm{expm1}(-x)` and, where
    :math:`|hx|` is small, as its Taylor series :math:`\sum_{m\ge2} (-x)^m (h^m-h)/m!`, with the
    common factor :math:`x^2` of numerator and denominator divided out (it underflows for
    :math:`|x| < 10^{-154}`, a step far below an eigenvalue's scale).
    """
    if h == 1:
        return np.exp(-x), np.ones_like(x), np.zeros_like(x)
    hx = h * x
    em1_h = np.expm1(-hx)
    em1_1 = np.expm1(-x)
    qh = em1_h + 1.0
    small = np.abs(hx) < _SERIES_CUTOFF
    with np.errstate(divide="ignore", invalid="ignore"):
        s0 = np.where(x == 0.0, float(h), em1_h / em1_1)
        s1_over_h = (em1_h - h * em1_1) / (em1_1**2 * h)
    if np.any(small):
        # the numerator and (1-q)² both carry x², which underflows below |x| ~ 1e-154: divide
        # it out, S_1/h = Σ_{m>=2} (-x)^(m-2) (h^m - h)/m! / (h ((1-q)/x)²)
        xs = x[small]
        t = np.full_like(xs, 0.5 * h * h)  # (-x)^(m-2) h^m / m!
        u = np.full_like(xs, 0.5 * h)      # (-x)^(m-2) h / m!
        series = t - u
        for m in range(3, 10):
            t = t * (-h * xs) / m
            u = u * (-xs) / m
            series += t - u
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.expm1(-xs) / xs
        s1_over_h = s1_over_h.copy()
        s1_over_h[small] = series / (h * ratio**2)
    # exact limits where x == 0 (a zero eigenvalue): S_0 = h, S_1/h = (h-1)/2
    s1_over_h = np.where(x == 0.0, (h - 1) / 2.0, s1_over_h)
    return qh, s0, s1_over_h


def log_time_integrate(spectrum: Spectrum, optimizer: RenewalOptimizer, schedule: Schedule,
                       steps: NDArray[np.int64], *, grid_ratio: float = 0.01,
                       max_change: float = 0.05,
                       divergence_threshold: float | None = None) -> IntegrationResult:
    """Integrate the renewal dynamics in blocks on a log-spaced grid (see the module docstring).

    Parameters
    ----------
    spectrum, optimizer, schedule, steps
        As for :func:`exact_recursion`.
    grid_ratio : float
        Target block length as a fraction of the current iteration, h ≈ grid_ratio·k. The error
        is second order in it.
    max_change : float
        A block is halved while the risk or the learning rate changes by more than this relative
        amount across it (exponential transients, schedule decays).
    divergence_threshold : float, optional
        As for :func:`exact_recursion`.
    """
    lam, n = spectrum.eigenvalues, spectrum.counts
    lam2n = n * lam**2
    energy = spectrum.weights.copy()
    floor = spectrum.floor
    k_max = int(steps[-1])
    threshold = (_divergence_threshold(spectrum) if divergence_threshold is None
                 else divergence_threshold)
    stops = np.unique(np.concatenate([steps.astype(np.float64),
                                      np.round(schedule.breakpoints(float(k_max)))]))
    stops = stops[(stops > 0) & (stops <= k_max)].astype(np.int64)
    risk_out = np.full(steps.size, np.inf)
    out = 0
    k = 0
    risk = floor + energy.sum()
    if steps[0] == 0:
        risk_out[0] = risk
        out = 1
    constant = schedule.is_constant
    if constant:
        lr = schedule(0.0)
        x = -optimizer.log_contraction(lr, lam)
        a = optimizer.kernel_coefficient(lr) * lam2n
    n_blocks = 0
    next_stop = 0
    tiny = 1e-280 * max(spectrum.initial_risk, 1e-300)
    while out < steps.size:
        while stops[next_stop] <= k:
            next_stop += 1
        h = max(1, int(grid_ratio * k))
        h = min(h, int(stops[next_stop] - k))
        while True:
            if not constant:
                lr_mid = schedule(k + 0.5 * (h - 1))
                if h > 1:
                    lr_ends = schedule(np.array([k, k + h - 1.0]))
                    spread = abs(lr_ends[1] - lr_ends[0]) / max(lr_mid, 1e-300)
                    if spread > max_change:
                        h = max(1, h // 2)
                        continue
                x = -optimizer.log_contraction(lr_mid, lam)
            qh, s0, s1h = _block_sums(h, x)
            if not constant:
                # The source of mode i is weighted by q^(h-1-s): its weighted mean time is
                # s̄ = S_1/S_0 (the midpoint for slow modes, the block's end for fast ones).
                # Evaluating the learning rate of the source there is exact for a linear
                # schedule and avoids the order reduction of a midpoint rule on stiff modes.
                lr_src = schedule(k + h * s1h / s0) if h > 1 else np.full(lam.size, lr_mid)
                x_src = -optimizer.log_contraction(lr_src, lam)
                a = optimizer.kernel_coefficient(lr_src) * lam2n
                _, s0, s1h = _block_sums(h, x_src)
            decayed = floor + np.dot(qh, energy)
            source_old = np.dot(a, s0 - s1h)
            source_new = np.dot(a, s1h)
            denominator = 1.0 - source_new
            new_risk = (decayed + risk * source_old) / denominator if denominator > 0 else np.inf
            if (h > 1 and np.isfinite(new_risk) and risk > tiny
                    and abs(new_risk - risk) > max_change * min(risk, new_risk)):
                h = max(1, h // 2)
                continue
            break
        n_blocks += 1
        if not (new_risk <= threshold):
            return IntegrationResult(risk_out, False,
                                     f"diverged between k = {k} and k = {k + h} "
                                     f"(risk {new_risk:.3g})", n_blocks)
        energy = qh * energy + a * (risk * (s0 - s1h) + new_risk * s1h)
        risk = new_risk
        k += h
        if k == steps[out]:
            risk_out[out] = risk
            out += 1
    return IntegrationResult(risk_out, True,
                             f"log-time integrator, {n_blocks} blocks to k = {k_max}", n_blocks)


# -- linear modes with a scalar feedback (signSGD, clipped SGD) ---------------------------------

def _phi1(y: NDArray[np.float64]) -> NDArray[np.float64]:
    r""":math:`\varphi_1(y) = (1-e^{-y})/y` for real y of either sign (series below |y| = 1e-4)."""
    small = np.abs(y) < 1e-4
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(small, 1.0 - y * (0.5 - y / 6.0), -np.expm1(-y) / y)


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

    Parameters
    ----------
    lam, kappa, v0 : ndarray, shape (d,)
        Mode rates :math:`\lambda_j \ge 0`, forcings :math:`\kappa_j \ge 0` and initial state.
    rates : callable
        ``rates(k, R) -> (a, c)``, both >= 0 (for signSGD :math:`a = 2\gamma\varphi(R)`,
        :math:`c = \gamma/(4\varphi(R))`, theory note ``signsgd.md`` §6.2).
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
    tiny = 1e-280 * max(risk, 1e-300)   # below this the relative error control is switched off
    prev = None
    while out < steps.size:
        while stops[next_stop] <= k:
            next_stop += 1
        h = min(max(grid_ratio * k, 1.0), 2.0 * h_prev, stops[next_stop] - k)
        a0, c0 = rates(k, risk)

        def corrector(r_end: float, h: float = 0.0, ac1=None) -> tuple[NDArray, float]:
            a1, c1 = rates(k + h, r_end) if ac1 is None else ac1
            dtau = 0.5 * (a0 + a1) * h
            x = lam * dtau
            if c0 > 0.0 and c1 > 0.0:
                # c geometric in τ (exact for exponentially varying forcing):
                # ∫_0^Δ e^{-λ(Δ-s)} c0 (c1/c0)^{s/Δ} ds = c1 Δ φ1(λΔ + ln(c1/c0))
                v_end = np.exp(-x) * v + kappa * (c1 * dtau) * _phi1(x + math.log(c1 / c0))
            else:
                ex, phi1, g = _phi1_g(x)
                v_end = ex * v + kappa * dtau * (c0 * g + c1 * (phi1 - g))
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
            _, r_pred = corrector(0.0, h, ac_pred)
            # corrector: R(k+h) solves R = F(R); F is nearly affine, so two fixed-point passes and
            # an Aitken (secant) extrapolation converge even when fast modes slave R to c
            v1, r1 = corrector(r_pred, h)
            v_new, r_new = corrector(r1, h)
            denom = r_new - 2.0 * r1 + r_pred
            converged = abs(r_new - r1) <= 1e-3 * rtol * max(r_new, tiny)
            if corrections > 1 and not converged and denom != 0.0 and np.isfinite(denom):
                r_star = r_new - (r_new - r1) ** 2 / denom
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
        prev = (a0, c0, h)
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

r"""One-pass minibatch SGD: its exact expected-risk dynamics on Gaussian data and its update.

Derivations and modelling notes: docs/theory.md, section ``deterministic_risk.optimizers.sgd``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from .. import _validation as check
from ..resources import check_resources
from ..results import GreedyCurve, RiskCurve
from ..schedules import Schedule, as_schedule
from ..solvers import (EXACT_SECONDS_PER_ITERATION, EXACT_SECONDS_PER_NODE, ExactRecursion,
                       LogTimeBlocks, RenewalDynamics, Solver)
from ..spectrum import Spectrum
from .base import Optimizer

__all__ = ["SGD", "log_contraction", "kernel_norm", "max_stable_lr", "printed_stable_lr",
           "stationary_risk", "greedy_step"]

#: The default solver is the exact recursion while n_nodes · max(steps) stays below this.
EXACT_WORK_LIMIT = 2e7


@dataclass(frozen=True)
class SGD(Optimizer):
    r"""One-pass minibatch SGD with batch-averaged gradients.

    .. math:: \theta_{k+1} = \theta_k - \frac{\gamma_k}{B}\sum_{b=1}^{B} x_b(\langle x_b,\theta_k\rangle - y_b)

    Parameters
    ----------
    lr : float, Schedule or callable
        Step :math:`\gamma_k` (a number, a :mod:`~deterministic_risk.schedules` object, or a
        vectorised function of k).
    batch : int, default 1
        Batch size B >= 1.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> opt = dr.SGD(lr=0.5, batch=2)
    >>> float(opt.contraction(0.5, 1.0))  # 1 - 2·0.5 + 0.25·1.5
    0.375
    """

    lr: Schedule | float | Callable
    batch: int = 1
    rotation_invariant = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", as_schedule(self.lr))
        object.__setattr__(self, "batch", check.positive_int("batch", self.batch))

    # -- deterministic limit ---------------------------------------------------------------
    def contraction(self, lr: float, lam) -> NDArray[np.float64]:
        r"""Contraction factor :math:`q(\lambda) = 1 - 2\gamma\lambda + \gamma^2(1+1/B)\lambda^2`."""
        return np.exp(self.log_contraction(lr, lam))

    def log_contraction(self, lr: float, lam) -> NDArray[np.float64]:
        r""":math:`\log q(\lambda)` (:func:`log_contraction`)."""
        return log_contraction(lr, lam, self.batch)

    def kernel_coefficient(self, lr: float) -> float:
        r"""Prefactor :math:`\gamma^2/B` of the Volterra kernel :math:`\mathcal K(k) =
        (\gamma^2/B)\sum_i n_i\lambda_i^2 q(\lambda_i)^k`."""
        return lr * lr / self.batch

    def limit_dynamics(self, problem: Any, *, spectrum_method: str | None = None,
                       feature_seed: int | None = None,
                       check_stability: bool = True) -> RenewalDynamics:
        """The renewal recursion on the problem's spectrum (``problem.to_spectrum``).

        Raises ValueError when the step's peak (the constant step, or the largest value of a
        schedule) has kernel norm >= 1, unless ``check_stability=False``: a schedule whose
        every step has kernel norm < 1 keeps the risk bounded (:meth:`risk_bound`), one that
        exceeds the bound only briefly may still converge and is then run as asked (a
        divergence is reported by the solver)."""
        spectrum = _reduce(problem, spectrum_method, feature_seed)
        if not isinstance(check_stability, bool):
            raise TypeError(f"check_stability must be True or False, got {check_stability!r}")
        peak = self.lr.max_lr
        if check_stability and peak > 0 and not kernel_norm(spectrum, peak, self.batch) < 1:
            raise ValueError(_beyond_limit(spectrum, self.lr, self.batch))
        info = {"d": spectrum.dimension, "n_nodes": len(spectrum)}
        return RenewalDynamics(spectrum.floor, info, spectrum, self, self.lr)

    def default_solver(self, dynamics: RenewalDynamics, steps: NDArray[np.int64]) -> Solver:
        """:class:`~deterministic_risk.solvers.ExactRecursion` while n_nodes · max(steps) <=
        ``EXACT_WORK_LIMIT``, else :class:`~deterministic_risk.solvers.LogTimeBlocks`."""
        work = len(dynamics.spectrum) * float(steps[-1])
        return ExactRecursion() if work <= EXACT_WORK_LIMIT else LogTimeBlocks()

    def max_stable_lr(self, problem: Any, *, spectrum_method: str | None = None,
                      feature_seed: int | None = None) -> float:
        """:func:`max_stable_lr` of the problem's spectrum at this batch size."""
        spectrum = _reduce(problem, spectrum_method, feature_seed)
        return max_stable_lr(spectrum, self.batch)

    def limit(self, problem: Any, *, spectrum_method: str | None = None,
              feature_seed: int | None = None) -> float:
        """:func:`stationary_risk` at this constant step."""
        spectrum = _reduce(problem, spectrum_method, feature_seed)
        return stationary_risk(spectrum, self._constant_lr(), self.batch)

    def risk_bound(self, problem: Any, *, spectrum_method: str | None = None,
                   feature_seed: int | None = None) -> float | None:
        r"""The bound :math:`R(0)/(1-\|\mathcal K\|(\gamma_{\max}))` that no run whose steps all
        lie in :math:`[0, \gamma_{\max}]` exceeds (``γ_max`` the peak of the schedule; None if
        its kernel norm is >= 1). Derived in docs/errors_and_limits.md."""
        spectrum = _reduce(problem, spectrum_method, feature_seed)
        peak = self.lr.max_lr
        norm = kernel_norm(spectrum, peak, self.batch) if peak > 0 else 0.0
        return spectrum.initial_risk / (1.0 - norm) if norm < 1 else None

    def greedy_curve(self, problem: Any, steps: ArrayLike, *, spectrum_method: str | None = None,
                     feature_seed: int | None = None) -> GreedyCurve:
        r"""Deterministic risk under the greedy step :math:`\gamma^\ast_k = S_1/[(1+1/B)S_2 +
        RT_2/B]` (:func:`greedy_step`), by the exact recursion (this optimizer's step is not
        used; its batch is).

        Examples
        --------
        >>> import deterministic_risk as dr
        >>> g = dr.SGD(1.0).greedy_curve(dr.Spectrum([1.0], [1.0], counts=[100]), [0, 1])
        >>> round(float(g.lr[0]), 12)              # 1/(2 + 100) with B = 1, no floor
        0.009803921569
        """
        steps = check.steps_array(steps)
        spec = _reduce(problem, spectrum_method, feature_seed)
        batch = self.batch
        k_max = float(steps[-1])
        check_resources(f"the greedy SGD recursion to k = {k_max:.6g}",
                        seconds=2 * k_max * (EXACT_SECONDS_PER_ITERATION
                                             + EXACT_SECONDS_PER_NODE * len(spec)))
        lam, n = spec.eigenvalues, spec.counts
        a = n * lam * lam / batch
        E = spec.weights.copy()
        floor = spec.floor
        risk_out = np.empty(steps.size)
        lr_out = np.empty(steps.size)
        out = 0
        for k in range(int(steps[-1]) + 1):
            R = floor + E.sum()
            g = greedy_step(lam, n, E, R, batch)
            if k == steps[out]:
                risk_out[out], lr_out[out] = R, g
                out += 1
                if out == steps.size:
                    break
            # exact renewal recursion (docs/sgd.md) with the greedy step of this iteration
            E = np.exp(log_contraction(g, lam, batch)) * E + g * g * a * R
        info = {"optimizer": "SGD", "lr": "greedy", "batch": batch, "solver": "exact recursion",
                "d": spec.dimension}
        curve = RiskCurve(steps, risk_out, floor, True, f"exact recursion, {int(steps[-1])} "
                          f"iterations, greedy step", info)
        return GreedyCurve(curve, lr_out)

    # -- finite-d update ---------------------------------------------------------------------
    def update(self, params, grad, k, state):
        """SGD step ``params - lr(k) * grad`` (``grad`` is batch-averaged)."""
        return params - self.lr(float(k)) * grad, state


def log_contraction(lr: ArrayLike, lam: ArrayLike, batch: int = 1) -> NDArray[np.float64]:
    r"""Logarithm of the SGD contraction factor of a mode,
    :math:`\log q(\lambda) = \log(1 - 2\gamma\lambda + \gamma^2(1+1/B)\lambda^2)`, with ``log1p``
    (q > 0 for every γ, λ; ``docs/sgd.md``, 'Stability').

    Examples
    --------
    >>> from deterministic_risk.optimizers.sgd import log_contraction
    >>> round(float(np.exp(log_contraction(0.5, 1.0, batch=2))), 12)   # 1 - 1 + 0.25·1.5
    0.375
    """
    lam = np.asarray(lam, dtype=np.float64)
    return np.log1p(lr * lam * (-2.0 + lr * (1.0 + 1.0 / batch) * lam))


def greedy_step(eigenvalues: ArrayLike, counts: ArrayLike, excess: ArrayLike, risk: float,
                batch: int = 1) -> float:
    r"""Greedy SGD step :math:`\gamma^\ast = S_1/[(1+1/B)S_2 + RT_2/B]`, the maximiser of the
    one-step decrease of the exact expected risk.

    The renewal recursion (``docs/sgd.md``, 'The exact recursion') gives
    :math:`R(k+1) - R(k) = -2\gamma S_1 + \gamma^2[(1+1/B)S_2 + RT_2/B]` with
    :math:`S_m = \sum_i\lambda_i^mE_i` and :math:`T_2 = \sum_in_i\lambda_i^2`
    (derivation in docs/lr_selection.md).

    Parameters
    ----------
    eigenvalues, counts, excess : array_like, shape (n,)
        Node eigenvalues :math:`\lambda_i`, multiplicities :math:`n_i` and current excess
        :math:`E_i`.
    risk : float
        Current full risk R (floor included).
    batch : int

    Returns
    -------
    float

    Examples
    --------
    >>> from deterministic_risk.optimizers.sgd import greedy_step
    >>> greedy_step([1.0], [1.0], [1.0], 1.0)     # 1/((1+1)·1 + 1·1)
    0.3333333333333333
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    n = np.asarray(counts, dtype=np.float64)
    E = np.asarray(excess, dtype=np.float64)
    s1, s2 = float(lam @ E), float((lam * lam) @ E)
    t2 = float(n @ (lam * lam))
    denominator = (1.0 + 1.0 / batch) * s2 + risk * t2 / batch
    return s1 / denominator if denominator > 0 else 0.0


def _reduce(problem: Any, spectrum_method: str | None, feature_seed: int | None) -> Spectrum:
    """The spectrum of ``problem`` (TypeError naming ``problem`` if it has none)."""
    return check.problem(problem, "to_spectrum").to_spectrum(method=spectrum_method,
                                                             seed=feature_seed)


def _as_spectrum(spectrum: Any) -> Spectrum:
    """``spectrum`` itself, or the spectrum of a problem (TypeError naming ``spectrum``)."""
    if isinstance(spectrum, Spectrum):
        return spectrum
    return check.problem(spectrum, "to_spectrum", name="spectrum").to_spectrum()


def _spectrum_arrays(spectrum: Spectrum) -> tuple[NDArray, NDArray]:
    keep = spectrum.counts > 0
    return spectrum.eigenvalues[keep], spectrum.counts[keep]


def kernel_norm(spectrum: Spectrum, lr: float, batch: int = 1) -> float:
    r"""Norm of the SGD Volterra kernel, :math:`\|\mathcal K\| = \sum_k \mathcal K(k)`.

    .. math:: \|\mathcal K\| = \sum_i \frac{n_i\,\gamma\lambda_i}{2B - \gamma(B+1)\lambda_i},

    finite when :math:`\gamma(1+1/B)\lambda_{\max} < 2` (pointwise contraction) and ``inf``
    otherwise. The risk stays bounded for a constant step iff it is < 1.

    References
    ----------
    ``docs/sgd.md``, 'Stability' (kernel norm; [4+3] writes it with the summed step γ/B).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> round(dr.optimizers.sgd.kernel_norm(dr.Spectrum([1.0], [1.0]), 0.5, batch=1), 12)
    0.5
    """
    spectrum = _as_spectrum(spectrum)
    lr = check.positive_float("lr", lr)
    batch = check.positive_int("batch", batch)
    lam, n = _spectrum_arrays(spectrum)
    denominator = 2.0 * batch - lr * (batch + 1) * lam
    if np.any(denominator <= 0):
        return np.inf
    return float(np.sum(n * lr * lam / denominator))


def max_stable_lr(spectrum: Spectrum, batch: int = 1) -> float:
    r"""Largest constant SGD step with kernel norm < 1 (the supremum of stable steps).

    Solves :math:`\|\mathcal K\|(\gamma) = 1` on :math:`0 < \gamma < 2B/((B+1)\lambda_{\max})`,
    where the kernel norm increases from 0 to infinity. The root is found in the scaled step
    :math:`s = \gamma\lambda_{\max}` (eigenvalues divided by the largest), so that no scale of the
    eigenvalues over- or underflows; ``inf`` when every finite step is stable (no positive
    eigenvalue, or eigenvalues so small that the limit overflows).

    The supremum itself is not a stable step; error messages print it rounded down to a value
    that is (:func:`printed_stable_lr`).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> round(dr.max_stable_lr(dr.Spectrum([1.0], [1.0]), batch=1), 12)  # γ/(2-2γ) = 1
    0.666666666667
    >>> dr.max_stable_lr(dr.Spectrum([1e150, 1.0], [1.0, 1.0]))   # ≈ 2/3 · 1e-150
    6.666666666666667e-151
    """
    spectrum = _as_spectrum(spectrum)
    batch = check.positive_int("batch", batch)
    lam, n = _spectrum_arrays(spectrum)
    if lam.size == 0 or lam.max() == 0:
        return np.inf
    top = float(lam.max())
    mu = lam / top
    pointwise = 2.0 * batch / (batch + 1)          # the pointwise limit in s = γ λ_max

    def f(s: float) -> float:
        # kernel norm (docs/sgd.md, 'Stability') written in s = γ λ_max
        return float(np.sum(n * s * mu / (2.0 * batch - s * (batch + 1) * mu))) - 1.0

    hi = pointwise * (1.0 - 1e-15)
    if f(hi) < 0:  # only possible with vanishing counts at the top
        return pointwise / top
    s = optimize.brentq(f, 0.0, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps)
    return float(s / top)


def printed_stable_lr(spectrum: Spectrum, batch: int = 1) -> float:
    r""":func:`max_stable_lr` rounded down to six significant digits, and further down until it
    is a stable step (kernel norm < 1): the value error messages print, accepted when pasted back.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> from deterministic_risk.optimizers.sgd import printed_stable_lr
    >>> printed_stable_lr(dr.Spectrum([1.0], [1.0]))       # sup = 2/3
    0.666666
    """
    top = max_stable_lr(spectrum, batch)
    if not np.isfinite(top):
        return top
    shown = check.round_down(top)
    while shown > 0 and not kernel_norm(spectrum, shown, batch) < 1:
        shown = check.step_down(shown)
    return shown


def _beyond_limit(spectrum: Spectrum, lr: Schedule, batch: int) -> str:
    """Message for a step whose (peak) kernel norm is >= 1."""
    peak = lr.max_lr
    norm = kernel_norm(spectrum, peak, batch)
    shown = f"{printed_stable_lr(spectrum, batch):.6g}"
    if lr.is_constant:
        return (f"lr={peak:.6g} is beyond the stability limit of SGD on this spectrum with "
                f"batch={batch}: the kernel norm must be < 1, it is {norm:.4g}; the largest "
                f"stable lr is {shown} (rounded down)")
    return (f"the peak {peak:.6g} of the schedule {lr!r} is beyond the stability limit of SGD "
            f"on this spectrum with batch={batch} (kernel norm {norm:.4g} >= 1); the largest "
            f"stable peak is {shown} (rounded down). A peak above it for a short window may "
            f"still converge: pass check_stability=False to risk_curve to run it anyway (a "
            f"divergence is then reported)")


def stationary_risk(spectrum: Spectrum, lr: float, batch: int = 1) -> float:
    r"""Limit of the SGD risk at a constant step, :math:`R(\infty) = R_\ast / (1-\|\mathcal K\|)`.

    Follows from the generating-function form of the renewal equation (``docs/sgd.md``,
    'The Volterra (renewal) form'). Raises ValueError beyond the stability limit.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> round(dr.optimizers.sgd.stationary_risk(dr.Spectrum([1.0], [1.0], floor=0.1), 0.5), 12)
    0.2
    """
    spectrum = _as_spectrum(spectrum)
    norm = kernel_norm(spectrum, lr, batch)
    if not norm < 1:
        raise ValueError(f"lr={lr:.6g} is beyond the stability limit (kernel norm {norm:.4g} >= 1); "
                         f"the largest stable lr is {printed_stable_lr(spectrum, batch):.6g} "
                         f"(rounded down)")
    return spectrum.floor / (1.0 - norm)

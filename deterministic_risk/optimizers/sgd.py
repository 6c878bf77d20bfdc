r"""One-pass minibatch SGD: its exact expected-risk dynamics on Gaussian data and its update.

With averaged minibatch gradients of size B and step :math:`\gamma_k`, the per-mode excess risk
:math:`E_i` on Gaussian data obeys exactly (theory note ``sgd_plrf.md`` §4.1, converted from
[4+3]'s summed batch by :math:`\gamma_{\rm sum} = \gamma/B`)

.. math::

    E_i(k+1) = q_k(\lambda_i) E_i(k) + \frac{\gamma_k^2}{B} n_i \lambda_i^2 R(k), \qquad
    q_k(\lambda) = 1 - 2\gamma_k\lambda + \gamma_k^2\Big(1+\frac1B\Big)\lambda^2 .

The term :math:`(1+1/B)` comes from Isserlis' theorem,
:math:`E[g g^\top] = \tfrac{B+1}{B} K e e^\top K + \tfrac{2R}{B} K`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize

from .. import _validation as check
from ..integrate import exact_recursion, log_time_integrate
from ..results import RiskCurve
from ..schedules import Schedule, as_schedule
from ..spectrum import Spectrum
from .base import Optimizer

__all__ = ["SGD", "kernel_norm", "max_stable_lr", "stationary_risk"]

#: ``method="auto"`` uses the exact recursion while n_nodes · max(steps) stays below this.
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
        r""":math:`\log q(\lambda)`, computed with ``log1p`` (q > 0 for every γ, λ)."""
        lam = np.asarray(lam, dtype=np.float64)
        return np.log1p(lr * lam * (-2.0 + lr * (1.0 + 1.0 / self.batch) * lam))

    def kernel_coefficient(self, lr: float) -> float:
        r"""Prefactor :math:`\gamma^2/B` of the Volterra kernel :math:`\mathcal K(k) =
        (\gamma^2/B)\sum_i n_i\lambda_i^2 q(\lambda_i)^k`."""
        return lr * lr / self.batch

    def _risk_curve(self, problem: Any, steps: NDArray[np.int64], *, method: str = "auto",
                    spectrum_method: str | None = None, feature_seed: int = 0,
                    grid_ratio: float | None = None, on_divergence: str = "raise",
                    **ignored: Any) -> RiskCurve:
        from ..problems import as_spectrum

        spectrum = as_spectrum(problem, method=spectrum_method, seed=feature_seed)
        schedule = self.lr
        if schedule.is_constant:
            lr = schedule(0.0)
            limit = max_stable_lr(spectrum, self.batch)
            if lr >= limit:
                raise ValueError(f"lr={lr:.6g} is beyond the stability limit of SGD on this "
                                 f"spectrum with batch={self.batch}: the kernel norm must be < 1; "
                                 f"the largest stable lr is {limit:.6g}")
        if method == "auto":
            work = len(spectrum) * float(steps[-1])
            method = "exact" if work <= EXACT_WORK_LIMIT else "ode"
        if method == "exact":
            result = exact_recursion(spectrum, self, schedule, steps)
        elif method == "ode":
            result = log_time_integrate(spectrum, self, schedule, steps, grid_ratio=grid_ratio)
        else:
            raise ValueError(f"method must be 'exact', 'ode' or 'auto', got {method!r}")
        if not result.success and on_divergence == "raise":
            raise FloatingPointError(f"SGD risk {result.message}; lower the learning rate "
                                     f"(peak lr {schedule.max_lr:.6g})")
        info = {**self.describe(), "method": method, "d": spectrum.dimension,
                "n_nodes": len(spectrum)}
        return RiskCurve(steps, result.risk, spectrum.floor, result.success, result.message, info)

    # -- finite-d update ---------------------------------------------------------------------
    def update(self, params, grad, k, state):
        """SGD step ``params - lr(k) * grad`` (``grad`` is batch-averaged)."""
        return params - self.lr(float(k)) * grad, state


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
    Theory note ``sgd_plrf.md`` §4.3 (kernel norm, converted from [4+3]).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> round(dr.kernel_norm(dr.Spectrum([1.0], [1.0]), 0.5, batch=1), 12)
    0.5
    """
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
    where the kernel norm increases from 0 to infinity.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> round(dr.max_stable_lr(dr.Spectrum([1.0], [1.0]), batch=1), 12)  # γ/(2-2γ) = 1
    0.666666666667
    """
    batch = check.positive_int("batch", batch)
    lam, n = _spectrum_arrays(spectrum)
    if lam.size == 0 or lam.max() == 0:
        return np.inf
    pointwise = 2.0 * batch / ((batch + 1) * lam.max())
    f = lambda g: kernel_norm(spectrum, g, batch) - 1.0  # noqa: E731
    hi = pointwise * (1.0 - 1e-15)
    if f(hi) < 0:  # only possible with vanishing counts at the top
        return pointwise
    return float(optimize.brentq(f, 0.0 + 1e-300, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps))


def stationary_risk(spectrum: Spectrum, lr: float, batch: int = 1) -> float:
    r"""Limit of the SGD risk at a constant step, :math:`R(\infty) = R_\ast / (1-\|\mathcal K\|)`.

    Follows from the generating-function form of the renewal equation (theory note
    ``sgd_plrf.md`` §4.1). Raises ValueError beyond the stability limit.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> round(dr.stationary_risk(dr.Spectrum([1.0], [1.0], floor=0.1), 0.5), 12)
    0.2
    """
    norm = kernel_norm(spectrum, lr, batch)
    if not norm < 1:
        raise ValueError(f"lr={lr:.6g} is beyond the stability limit (kernel norm {norm:.4g} >= 1); "
                         f"the largest stable lr is {max_stable_lr(spectrum, batch):.6g}")
    return spectrum.floor / (1.0 - norm)

r"""Power-law fits with confidence intervals, and the two compute-optimal estimators.

* :func:`fit_power_law` fits :math:`y = c\,x^{p}` by least squares in log-log coordinates.
* :func:`envelope_optimum` and :func:`isoflop_optimum` extract the compute-optimal model size
  :math:`d^\ast(f)` and risk :math:`R^\ast(f)` from loss-versus-compute curves of several model
  sizes, by the lower envelope ("Chinchilla approach 1": the best of the trained sizes at each
  budget) and by IsoFLOP profiles ("approach 2": at each budget a parabola in
  :math:`\log d` through the smallest losses, whose vertex gives :math:`d^\ast`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from .. import _validation as check

__all__ = ["PowerLawFit", "fit_power_law", "envelope_optimum", "isoflop_optimum"]


@dataclass(frozen=True)
class PowerLawFit:
    """Result of :func:`fit_power_law`: ``y ≈ coefficient · x**exponent`` (``r_squared``: the
    coefficient of determination of the fit in log-log coordinates)."""

    exponent: float
    coefficient: float
    exponent_ci: tuple[float, float]
    n_points: int
    residual_rms: float
    r_squared: float = float("nan")

    def __call__(self, x: ArrayLike) -> NDArray[np.float64]:
        return self.coefficient * np.asarray(x, dtype=np.float64) ** self.exponent


def fit_power_law(x: ArrayLike, y: ArrayLike, *, confidence: float = 0.95) -> PowerLawFit:
    r"""Least-squares fit of :math:`\log y = \log c + p \log x`, with a Student-t interval for p.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Positive data, n >= 2.
    confidence : float
        Level of the confidence interval of the exponent.

    Examples
    --------
    >>> from deterministic_risk.studies.fitting import fit_power_law
    >>> fit = fit_power_law([1.0, 10.0, 100.0], [3.0, 0.3, 0.03])
    >>> round(fit.exponent, 12), round(fit.coefficient, 12)
    (-1.0, 3.0)
    """
    x = check.float_array("x", x, ndim=1)
    y = check.float_array("y", y, ndim=1)
    confidence = check.positive_float("confidence", confidence)
    if not confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    if x.shape != y.shape or x.ndim != 1 or x.size < 2:
        raise ValueError("x and y must be 1-d arrays of the same length >= 2")
    if np.any(x <= 0) or np.any(y <= 0) or not np.all(np.isfinite(x * y)):
        raise ValueError("x and y must be finite and positive for a power-law fit")
    lx, ly = np.log(x), np.log(y)
    a = np.column_stack([np.ones_like(lx), lx])
    coef, *_ = np.linalg.lstsq(a, ly, rcond=None)
    resid = ly - a @ coef
    n = x.size
    if n > 2:
        s2 = resid @ resid / (n - 2)
        se = np.sqrt(s2 / np.sum((lx - lx.mean()) ** 2))
        half = stats.t.ppf(0.5 + confidence / 2, n - 2) * se
    else:
        half = np.inf
    spread = float(np.sum((ly - ly.mean()) ** 2))
    r_squared = 1.0 - float(resid @ resid) / spread if spread > 0 else 1.0
    return PowerLawFit(float(coef[1]), float(np.exp(coef[0])),
                       (float(coef[1] - half), float(coef[1] + half)), n,
                       float(np.sqrt(np.mean(resid**2))), r_squared)


def _loss_table(flops: ArrayLike, d_values: ArrayLike, losses: ArrayLike
                ) -> tuple[NDArray, NDArray, NDArray]:
    """Validated (flops, d_values, losses), non-finite losses as inf."""
    flops = check.float_array("flops", flops, ndim=1, nonnegative=True)
    d_values = check.float_array("d_values", d_values, ndim=1, nonnegative=True)
    if d_values.size == 0 or flops.size == 0:
        raise ValueError("flops and d_values must not be empty")
    if np.any(d_values <= 0) or np.any(np.diff(d_values) <= 0):
        raise ValueError(f"d_values must be increasing, got {d_values.tolist()}")
    try:
        losses = np.array(losses, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("losses must be an array of numbers (inf or NaN where not computed)") \
            from None
    if losses.shape != (d_values.size, flops.size):
        raise ValueError(f"losses must have shape (len(d_values), len(flops)) = "
                         f"{(d_values.size, flops.size)}, got {losses.shape}")
    return flops, d_values, np.where(np.isfinite(losses), losses, np.inf)


def envelope_optimum(flops: ArrayLike, d_values: ArrayLike, losses: ArrayLike
                     ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Lower envelope over model sizes: d*(f) and R*(f) at each budget.

    Parameters
    ----------
    flops : array_like, shape (m,)
        Compute budgets.
    d_values : array_like, shape (n,)
        Model sizes, increasing.
    losses : array_like, shape (n, m)
        Risk of model size i at budget j (``inf`` or NaN where not computed).

    Returns
    -------
    d_star, risk_star : ndarray, shape (m,)
    interior : ndarray of bool, shape (m,)
        True where the best size is neither the smallest nor the largest one (only there is
        the optimum resolved).
    """
    flops, d_values, table = _loss_table(flops, d_values, losses)
    best = np.argmin(table, axis=0)
    risk_star = table[best, np.arange(flops.size)]
    interior = (best > 0) & (best < d_values.size - 1) & np.isfinite(risk_star)
    return d_values[best], risk_star, interior


def isoflop_optimum(flops: ArrayLike, d_values: ArrayLike, losses: ArrayLike
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """IsoFLOP profiles: at each budget a parabola in log d through log-risk at the best size and
    its two neighbours; its vertex gives d*(f) and R*(f).

    Same parameters and returns as :func:`envelope_optimum`; where the best size lies at the
    edge of ``d_values`` the envelope values are returned and ``interior`` is False.
    """
    flops, d_values, table = _loss_table(flops, d_values, losses)
    d_star, risk_star, interior = envelope_optimum(flops, d_values, table)
    best = np.argmin(table, axis=0)
    cols = np.nonzero(interior)[0]
    if cols.size:
        idx = best[cols]
        x = np.log(d_values)[np.stack([idx - 1, idx, idx + 1])]
        y = np.log(table[np.stack([idx - 1, idx, idx + 1]), cols])
        ok = np.all(np.isfinite(y), axis=0)
        y = np.where(ok, y, 0.0)        # a neighbour without a loss: no parabola (ok False)
        # vertex of the parabola through three points (x0, y0), (x1, y1), (x2, y2)
        d01 = (y[1] - y[0]) / (x[1] - x[0])
        d12 = (y[2] - y[1]) / (x[2] - x[1])
        curv = (d12 - d01) / (x[2] - x[0])
        with np.errstate(divide="ignore", invalid="ignore"):
            xv = 0.5 * (x[0] + x[1]) - d01 / (2 * curv)
        ok &= curv > 0
        xv = np.clip(xv, x[0], x[2])
        yv = y[1] + (d01 + curv * (x[1] - x[0])) * (xv - x[1]) + curv * (xv - x[1]) ** 2
        d_star = d_star.copy()
        risk_star = risk_star.copy()
        d_star[cols[ok]] = np.exp(xv[ok])
        risk_star[cols[ok]] = np.exp(yv[ok])
    return d_star, risk_star, interior

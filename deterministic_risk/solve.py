"""The one driver of deterministic risk curves: :func:`risk_curve`."""

from __future__ import annotations

from typing import Any, Literal

from numpy.typing import ArrayLike

from . import _validation as check
from .optimizers.base import Optimizer
from .results import RiskCurve

__all__ = ["risk_curve"]


def risk_curve(problem: Any, optimizer: Optimizer, steps: ArrayLike, *,
               method: Literal["auto", "exact", "ode"] = "auto",
               spectrum_method: str | None = None, feature_seed: int = 0,
               grid_ratio: float | None = None,
               on_divergence: Literal["raise", "return"] = "raise", **options: Any) -> RiskCurve:
    r"""Deterministic (expected / high-dimensional-limit) risk of an optimizer at ``steps``.

    Parameters
    ----------
    problem : Spectrum, GaussianLeastSquares or PLRF
        What is optimised. A PLRF is reduced to a spectrum with ``spectrum_method``.
    optimizer : Optimizer
        For example ``dr.SGD(lr=0.5, batch=4)``.
    steps : array_like of int
        Iteration counts k at which the risk is wanted (sorted and made unique).
    method : {"auto", "exact", "ode"}
        ``"exact"`` iterates the recursion one step at a time (cost grows with k); ``"ode"`` uses
        the log-time integrator (cost per output point independent of k, relative error
        ≲ 1e-5 at the default ``grid_ratio``); ``"auto"`` picks ``"exact"`` when it is cheap.
    spectrum_method : str, optional
        Passed to ``PLRF.spectrum`` (``"sampled"``, or ``"deterministic"`` where available).
    feature_seed : int, default 0
        Seed of W for a sampled PLRF spectrum (the same seed in :func:`simulate` gives the
        same W).
    grid_ratio : float, optional
        Block length of the log-time integrator as a fraction of k. Default: the integrator's
        own (SGD: 0.03 at a constant step, error ∝ grid_ratio³; 0.01 with a schedule, error
        ∝ grid_ratio²; signSGD: 0.01).
    on_divergence : {"raise", "return"}
        Raise :class:`FloatingPointError` when a schedule makes the risk diverge, or return a
        curve with ``success=False`` (risk ``inf`` after the divergence).
    **options
        Optimizer-specific numerical settings, passed on (``dr.SignSGD``: ``rtol`` and
        ``max_change`` of its exponential integrator).

    Returns
    -------
    RiskCurve
        ``.steps``, ``.risk`` (floor included), ``.excess``, ``.floor``, ``.success``,
        ``.message``.

    Raises
    ------
    ValueError
        For a constant lr beyond the stability limit (the message gives the largest stable lr),
        or invalid arguments.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> spec = dr.Spectrum([1.0], [1.0])
    >>> curve = dr.risk_curve(spec, dr.SGD(lr=0.25), [0, 1, 2])
    >>> curve.risk.tolist()   # R(k+1) = (q + γ²λ²) R(k) = 0.6875 R(k)
    [1.0, 0.6875, 0.47265625]
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer such as dr.SGD(lr=...), got "
                        f"{type(optimizer).__name__}")
    if method not in ("auto", "exact", "ode"):
        raise ValueError(f"method must be 'auto', 'exact' or 'ode', got {method!r}")
    if on_divergence not in ("raise", "return"):
        raise ValueError(f"on_divergence must be 'raise' or 'return', got {on_divergence!r}")
    if grid_ratio is not None:
        grid_ratio = check.positive_float("grid_ratio", grid_ratio)
        if grid_ratio > 0.5:
            raise ValueError(f"grid_ratio must be in (0, 0.5], got {grid_ratio}")
        options["grid_ratio"] = grid_ratio
    return optimizer._risk_curve(problem, check.steps_array(steps), method=method,
                                 spectrum_method=spectrum_method, feature_seed=feature_seed,
                                 on_divergence=on_divergence, **options)

"""The one driver of deterministic risk curves: :func:`risk_curve`."""

from __future__ import annotations

import inspect
from typing import Any, Literal

from numpy.typing import ArrayLike

from . import _validation as check
from .optimizers.base import Optimizer
from .results import RiskCurve
from .solvers import Solver

__all__ = ["risk_curve"]


def risk_curve(problem: Any, optimizer: Optimizer, steps: ArrayLike, *,
               solver: Solver | None = None,
               on_divergence: Literal["raise", "return"] = "raise", **options: Any) -> RiskCurve:
    r"""Deterministic (expected / high-dimensional-limit) risk of an optimizer at ``steps``.

    The optimizer reduces the problem to its limit dynamics
    (:meth:`~deterministic_risk.Optimizer.limit_dynamics`), a solver integrates them, and the
    driver applies the divergence policy and assembles the curve.

    Parameters
    ----------
    problem : Spectrum, GaussianLeastSquares, PLRF or PLRFInstance
        What is optimised.
    optimizer : Optimizer
        For example ``dr.SGD(lr=0.5, batch=4)``.
    steps : array_like of int
        Iteration counts k at which the risk is wanted (sorted and made unique).
    solver : Solver, optional
        A :mod:`deterministic_risk.solvers` object with its options, for example
        ``dr.solvers.LogTimeBlocks(grid_ratio=0.005)``. Default: the optimizer's
        (:meth:`~deterministic_risk.Optimizer.default_solver`). A solver that does not apply to
        the optimizer's dynamics raises TypeError.
    on_divergence : {"raise", "return"}
        Raise :class:`FloatingPointError` when the risk diverges, or return a curve with
        ``success=False`` (risk ``inf`` after the divergence).
    **options
        Options of the optimizer's reduction of the problem (the keyword arguments of its
        ``limit_dynamics``): ``spectrum_method`` and ``feature_seed`` for PLRF problems, and
        for ``dr.SignSGD`` on PLRF ``diagonal`` and ``n_nodes``. An unknown option raises
        TypeError naming it.

    Returns
    -------
    RiskCurve
        ``.steps``, ``.risk`` (floor included), ``.excess``, ``.floor``, ``.success``,
        ``.message``; ``.info`` holds the optimizer, the solver and the problem's description.

    Raises
    ------
    TypeError
        For an unknown option, an option that does not apply to the problem, or a solver that
        does not apply.
    ValueError
        For a constant lr beyond the stability limit (the message gives the largest stable lr),
        or invalid arguments.
    FloatingPointError
        If the risk diverges and ``on_divergence="raise"``.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> spec = dr.Spectrum([1.0], [1.0])
    >>> curve = dr.risk_curve(spec, dr.SGD(lr=0.25), [0, 1, 2])
    >>> curve.risk.tolist()   # R(k+1) = (q + γ²λ²) R(k) = 0.6875 R(k)
    [1.0, 0.6875, 0.47265625]
    >>> dr.risk_curve(spec, dr.SGD(lr=0.25), [1], grid_raito=0.1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: unknown option 'grid_raito' for SGD: it takes spectrum_method, feature_seed; ...
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer such as dr.SGD(lr=...), got "
                        f"{type(optimizer).__name__}")
    if on_divergence not in ("raise", "return"):
        raise ValueError(f"on_divergence must be 'raise' or 'return', got {on_divergence!r}")
    if solver is not None and not isinstance(solver, Solver):
        raise TypeError(f"solver must be a dr.solvers.Solver such as "
                        f"dr.solvers.LogTimeBlocks(), got {solver!r}")
    _check_options(optimizer, options)
    steps = check.steps_array(steps)
    dynamics = optimizer.limit_dynamics(problem, **options)
    if solver is None:
        solver = optimizer.default_solver(dynamics, steps)
    result = solver.solve(dynamics, steps)
    name = type(optimizer).__name__
    if not result.success and on_divergence == "raise":
        peak = getattr(optimizer.lr, "max_lr", None)
        hint = f", peak {peak:.6g}" if isinstance(peak, float) else ""
        raise FloatingPointError(f"{name} risk {result.message}; lower the step (the learning "
                                 f"rate{hint})")
    risk = result.risk if dynamics.includes_floor else result.risk + dynamics.floor
    info = {**optimizer.describe(), "solver": solver.describe(), **dynamics.info}
    return RiskCurve(steps, risk, dynamics.floor, result.success, result.message, info)


def _check_options(optimizer: Optimizer, options: dict[str, Any]) -> None:
    """TypeError naming an option that the optimizer's ``limit_dynamics`` does not take."""
    params = inspect.signature(optimizer.limit_dynamics).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    known = [n for n, p in params.items() if p.kind is p.KEYWORD_ONLY]
    for key in options:
        if key not in known:
            moved = key in ("method", "grid_ratio", "rtol", "max_change")
            hint = ("numerical settings belong to the solver, e.g. "
                    "solver=dr.solvers.LogTimeBlocks(grid_ratio=...)" if moved else
                    "check the spelling")
            raise TypeError(f"unknown option {key!r} for {type(optimizer).__name__}: it takes "
                            f"{', '.join(known) or 'no options'}; {hint}")

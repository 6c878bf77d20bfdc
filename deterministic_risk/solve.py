"""The one driver of deterministic risk curves: :func:`risk_curve`, and :func:`risk_curves` for
the members of a :class:`~deterministic_risk.SpectrumFamily` solved at once."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validation as check
from .integrate import DIVERGENCE_FACTOR, IntegrationResult
from .optimizers.base import Optimizer
from .results import RiskCurve
from .solvers import Solver
from .spectrum import SpectrumFamily

__all__ = ["risk_curve", "risk_curves"]


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
        ``success=False`` (risk ``inf`` after the divergence). The risk has diverged when it
        exceeds ``DIVERGENCE_FACTOR`` (1e12) times the largest risk a convergent run can reach,
        :meth:`~deterministic_risk.Optimizer.risk_bound` (for SGD R(0)/(1 − ‖K‖) at the peak
        step, which a stable step never exceeds), or R(0) when no bound is known. A risk that
        overflows float64 also gives ``success=False`` (docs/errors_and_limits.md).
    **options
        Options of the optimizer's reduction of the problem (the keyword arguments of its
        ``limit_dynamics``): ``spectrum_method`` and ``feature_seed`` for PLRF problems,
        for ``dr.SGD`` ``check_stability`` (default True: a (peak) step with kernel norm >= 1 is
        refused up front), and for ``dr.SignSGD`` ``n_nodes`` (the large-d PLRF model) and
        ``model`` (``"ode"``, or ``"homogenized"``: the exact-drift homogenized SDE of the
        problem itself, the mean of sampled paths, with the solver
        ``dr.solvers.PathMean(n_runs, seed)``). An unknown option raises TypeError naming it.

    Returns
    -------
    RiskCurve
        ``.steps``, ``.risk`` (floor included), ``.excess``, ``.floor``, ``.success``,
        ``.message``; ``.info`` holds the optimizer, the solver and the problem's description
        (and, from a sampling solver, its number of paths, seed and standard errors).

    Raises
    ------
    TypeError
        For an unknown option, an option that does not apply to the problem, or a solver that
        does not apply.
    ValueError
        For a constant lr or a schedule's peak beyond the stability limit (the message gives the
        largest stable lr, rounded down so that it is accepted), or invalid arguments.
    ResourceLimitError
        If the solver's estimated memory or time exceeds the limits
        (:func:`~deterministic_risk.resource_limits`; only the exact recursion grows with k).
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
    TypeError: unknown option 'grid_raito' for SGD: it takes spectrum_method, feature_seed, ...
    """
    _check_arguments(optimizer, on_divergence, solver)
    if not any(callable(getattr(problem, r, None)) for r in ("to_spectrum", "to_least_squares")):
        raise TypeError(f"problem must be a Spectrum, GaussianLeastSquares, PLRF or PLRFInstance, "
                        f"got {type(problem).__name__}")
    _check_options(optimizer, options)
    steps = check.steps_array(steps)
    reduction = _reduction(options)
    dynamics = optimizer.limit_dynamics(problem, **options)
    # divergence is judged against the largest risk a convergent run can reach
    # (docs/errors_and_limits.md), never below the solvers' default level
    bound = optimizer.risk_bound(problem, **reduction)
    threshold = DIVERGENCE_FACTOR * max(dynamics.initial_output, bound or 0.0, 1.0)
    dynamics = dataclasses.replace(dynamics, divergence_threshold=threshold)
    if solver is None:
        solver = optimizer.default_solver(dynamics, steps)
    result = _solved(solver, dynamics, steps, optimizer, on_divergence)
    risk, success, message = _finite(result.risk, result.success, result.message, steps,
                                     optimizer, on_divergence)
    risk = risk if dynamics.includes_floor else risk + dynamics.floor
    info = {**optimizer.describe(), "solver": solver.describe(), **dynamics.info,
            **result.details}
    for key in ("feature_seed", "spectrum_method"):
        if options.get(key) is not None:
            info.setdefault(key, options[key])
    return RiskCurve(steps, risk, dynamics.floor, success, message, info)


def risk_curves(family: SpectrumFamily, optimizer: Optimizer, steps: ArrayLike, *,
                solver: Solver | None = None,
                on_divergence: Literal["raise", "return"] = "raise") -> list[RiskCurve]:
    r"""Deterministic risk of every member of a :class:`~deterministic_risk.SpectrumFamily`, in
    one solve.

    For an optimizer whose limit is affine in the initial energies and the floor at a given
    spectrum and step (SGD's renewal recursion), the members share every coefficient of the
    solver, which advances the matrix of their energies at once (the PLRF targets β of one
    (α, d): docs/frontiers.md, "Shared work"). Each curve equals
    ``risk_curve(family.member(j), optimizer, steps)`` up to rounding, except where that
    member's risk alone would halve a block of the log-time solver that the others do not
    (the shared grid is then the finer one).

    Parameters
    ----------
    family : SpectrumFamily
    optimizer : Optimizer
        For example ``dr.SGD(lr=0.5)``; its stability checks use the shared eigenvalues and
        counts.
    steps : array_like of int
    solver : Solver, optional
        As for :func:`risk_curve`.
    on_divergence : {"raise", "return"}
        As for :func:`risk_curve`; a divergence stops the solve of every member.

    Returns
    -------
    list of RiskCurve
        One per member, in the order of the family's columns.

    Raises
    ------
    TypeError
        If the optimizer's limit is not affine in its initial state (signSGD: solve each member
        with :func:`risk_curve`), or for a wrong argument type.
    FloatingPointError
        If the risk diverges and ``on_divergence="raise"``.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> fam = dr.SpectrumFamily([1.0], [[1.0, 2.0]], floors=[0.0, 0.5])
    >>> [c.risk.tolist() for c in dr.risk_curves(fam, dr.SGD(0.25), [0, 1])]
    [[1.0, 0.6875], [2.5, 1.90625]]
    """
    if not isinstance(family, SpectrumFamily):
        raise TypeError(f"family must be a dr.SpectrumFamily, got {type(family).__name__}")
    _check_arguments(optimizer, on_divergence, solver)
    steps = check.steps_array(steps)
    dynamics = optimizer.limit_dynamics(family.member(0))
    dynamics = dynamics.with_members(np.asarray(family.weights), np.asarray(family.floors))
    # each member's divergence level, from its own bound (as in risk_curve)
    initial = np.asarray(family.floors) + np.sum(np.asarray(family.weights), axis=0)
    bounds = [optimizer.risk_bound(family.member(j)) or 0.0 for j in range(initial.size)]
    thresholds = DIVERGENCE_FACTOR * np.maximum(np.maximum(initial, bounds), 1.0)
    dynamics = dataclasses.replace(dynamics, divergence_threshold=thresholds)
    if solver is None:
        solver = optimizer.default_solver(dynamics, steps)
    result = _solved(solver, dynamics, steps, optimizer, on_divergence)
    info = {**optimizer.describe(), "solver": solver.describe(), **dynamics.info}
    curves = []
    for j, floor in enumerate(family.floors):
        risk, success, message = _finite(result.risk[:, j], result.success, result.message,
                                         steps, optimizer, on_divergence)
        risk = risk if dynamics.includes_floor else risk + floor
        curves.append(RiskCurve(steps, risk, float(floor), success, message,
                                {**info, "member": j}))
    return curves


def _check_arguments(optimizer: Any, on_divergence: str, solver: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer such as dr.SGD(lr=...), got "
                        f"{type(optimizer).__name__}")
    if on_divergence not in ("raise", "return"):
        raise ValueError(f"on_divergence must be 'raise' or 'return', got {on_divergence!r}")
    if solver is not None and not isinstance(solver, Solver):
        raise TypeError(f"solver must be a dr.solvers.Solver such as "
                        f"dr.solvers.LogTimeBlocks(), got {solver!r}")


def _solved(solver: Solver, dynamics: Any, steps: NDArray[np.int64], optimizer: Optimizer,
            on_divergence: str) -> IntegrationResult:
    """The solver's result, or FloatingPointError after a divergence with ``"raise"``."""
    result = solver.solve(dynamics, steps)
    if not result.success and on_divergence == "raise":
        peak = getattr(optimizer.lr, "max_lr", None)
        hint = f", peak {peak:.6g}" if isinstance(peak, float) else ""
        raise FloatingPointError(f"{type(optimizer).__name__} risk {result.message}; lower the "
                                 f"step (the learning rate{hint})")
    return result


def _finite(risk: NDArray[np.float64], success: bool, message: str, steps: NDArray[np.int64],
            optimizer: Optimizer, on_divergence: str) -> tuple[NDArray, bool, str]:
    """The solver's risk with ``success`` False (or FloatingPointError with ``"raise"``) where
    it overflowed float64, and ``inf`` from the first step that was not reached."""
    if success and not np.all(np.isfinite(risk)):
        first = int(steps[np.argmin(np.isfinite(risk))])
        success, message = False, (f"overflowed float64 at k = {first} (the risk is too large "
                                   f"to represent)")
        if on_divergence == "raise":
            raise FloatingPointError(f"{type(optimizer).__name__} risk {message}")
    if not success and not np.all(np.isfinite(risk)):
        risk = np.array(risk, dtype=np.float64)
        risk[np.argmin(np.isfinite(risk)):] = np.inf
    return risk, success, message


def _reduction(options: dict[str, Any]) -> dict[str, Any]:
    """The reduction options among ``options``, validated (``spectrum_method``, ``feature_seed``)."""
    reduction = {k: options[k] for k in ("spectrum_method", "feature_seed") if k in options}
    method = reduction.get("spectrum_method")
    if method is not None and method not in ("deterministic", "sampled"):
        raise ValueError(f"spectrum_method must be 'deterministic', 'sampled' or None, got "
                         f"{method!r}")
    if "feature_seed" in reduction:
        options["feature_seed"] = reduction["feature_seed"] = check.seed(
            "feature_seed", reduction["feature_seed"], allow_none=True)
    return reduction


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

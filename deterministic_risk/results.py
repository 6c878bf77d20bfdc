"""Result objects: deterministic risk curves and simulated risks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray


def loglog_interpolate(x_new: ArrayLike, x: NDArray, y: NDArray) -> NDArray[np.float64]:
    """Interpolate ``y(x)`` linearly in log-log coordinates (linearly where x = 0 or y <= 0)."""
    x_new = np.asarray(x_new, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x_new.size and (x_new.min() < x[0] or x_new.max() > x[-1]):
        raise ValueError(f"interpolation points must lie in [{x[0]:g}, {x[-1]:g}]")
    if np.all(x > 0) and np.all(y > 0) and x.size > 1:
        return np.exp(np.interp(np.log(np.maximum(x_new, x[0])), np.log(x), np.log(y)))
    return np.interp(x_new, x, y)


def _flops(result: Any, d: float | None, batch: int | None) -> NDArray[np.float64]:
    """Compute f = d·B·k of a result at each step (conventions.md: compute is d·B·k)."""
    d = result.info.get("d") if d is None else d
    batch = result.info.get("batch", 1) if batch is None else batch
    if d is None:
        raise ValueError(f"d is unknown for this {type(result).__name__} (its info has no 'd'); "
                         f"pass d=")
    return float(d) * float(batch) * result.steps.astype(np.float64)


@dataclass(frozen=True, eq=False)
class RiskCurve:
    r"""Deterministic risk :math:`R(k)` at requested iteration counts.

    Attributes
    ----------
    steps : ndarray of int64, shape (n,)
        Iteration counts k.
    risk : ndarray, shape (n,)
        Full risk :math:`R(k) = \tfrac12 E[(\text{prediction}-\text{label})^2]`, floor included.
    floor : float
        Irreducible risk (capacity floor plus half the label-noise variance).
    success : bool
        False if the dynamics diverged; then ``risk`` is finite up to the last step reached and
        ``inf`` after it, and ``message`` says where.
    message : str
        What the solver did (method, steps taken, divergence).
    info : dict
        Problem and optimizer description (``d``, ``batch``, ``lr``, ``method`` ...).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> curve = dr.risk_curve(dr.Spectrum([1.0, 0.1], [0.5, 0.5], floor=0.1), dr.SGD(0.5), [0, 10, 100])
    >>> curve.success, float(curve.risk[0]), float(curve.excess[0])
    (True, 1.1, 1.0)
    >>> bool(curve(50) < curve.risk[1])
    True
    """

    steps: NDArray[np.int64]
    risk: NDArray[np.float64]
    floor: float
    success: bool = True
    message: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def excess(self) -> NDArray[np.float64]:
        """Excess risk ``risk - floor``."""
        return self.risk - self.floor

    def flops(self, d: float | None = None, batch: int | None = None) -> NDArray[np.float64]:
        """Compute f = d·B·k at each step (d and B default to the values stored in ``info``)."""
        return _flops(self, d, batch)

    def __call__(self, k: ArrayLike, *, excess: bool = False) -> NDArray[np.float64]:
        """Risk (or excess risk) at iterations ``k``, interpolated linearly in log-log."""
        y = self.excess if excess else self.risk
        return loglog_interpolate(k, self.steps, y)

    def to_npz(self, path: str | Path) -> None:
        """Write steps, risk, excess and floor to a NumPy ``.npz`` file."""
        np.savez(path, steps=self.steps, risk=self.risk, excess=self.excess,
                 floor=self.floor, success=self.success, message=self.message,
                 info=json.dumps(self.info, default=str))

    def to_json(self, path: str | Path) -> None:
        """Write steps, risk, excess, floor, success, message and info to a JSON file."""
        Path(path).write_text(json.dumps({
            "steps": self.steps.tolist(), "risk": self.risk.tolist(),
            "excess": self.excess.tolist(), "floor": self.floor, "success": self.success,
            "message": self.message, "info": self.info}, default=str, indent=1))

    def to_csv(self, path: str | Path) -> None:
        """Write ``steps,risk,excess`` columns to a CSV file."""
        data = np.column_stack([self.steps, self.risk, self.excess])
        np.savetxt(path, data, delimiter=",", header="steps,risk,excess", comments="",
                   fmt=["%d", "%.17g", "%.17g"])

    def __repr__(self) -> str:
        status = "ok" if self.success else "diverged"
        return (f"RiskCurve({status}, n={self.steps.size}, k in [{self.steps[0]}, {self.steps[-1]}], "
                f"risk {self.risk[0]:.4g} -> {self.risk[-1]:.4g}, floor={self.floor:.4g})")


@dataclass(frozen=True, eq=False)
class SimulatedRisk:
    r"""Population risk of independent runs of a real optimizer.

    Attributes
    ----------
    steps : ndarray of int64, shape (n,)
        Iteration counts at which the risk was recorded.
    runs : ndarray, shape (n_runs, n)
        Exact population risk :math:`R(\theta_k)` of each run (floor included).
    floor : float
        Irreducible risk of the problem that was simulated.
    seed : int
        Seed the runs were drawn from.
    info : dict
        Problem and optimizer description (``d``, ``batch``, ``lr``, ``n_runs``, ``sampler`` ...).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> sim = dr.simulate(dr.Spectrum([1.0, 0.1], [0.5, 0.5]), dr.SGD(0.5), [0, 10], n_runs=4)
    >>> sim.runs.shape, sim.mean.shape, sim.stderr.shape
    ((4, 2), (2,), (2,))
    >>> sim.info["d"], sim.flops().tolist()                  # compute d·B·k
    (2, [0.0, 20.0])
    """

    steps: NDArray[np.int64]
    runs: NDArray[np.float64]
    floor: float
    seed: int | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_runs(self) -> int:
        return self.runs.shape[0]

    @property
    def mean(self) -> NDArray[np.float64]:
        """Mean risk over runs."""
        return self.runs.mean(axis=0)

    @property
    def stderr(self) -> NDArray[np.float64]:
        """Standard error of the mean over runs (0 for a single run)."""
        if self.n_runs < 2:
            return np.zeros(self.steps.size)
        return self.runs.std(axis=0, ddof=1) / np.sqrt(self.n_runs)

    def flops(self, d: float | None = None, batch: int | None = None) -> NDArray[np.float64]:
        """Compute f = d·B·k at each step (d and B default to the values stored in ``info``)."""
        return _flops(self, d, batch)

    def quantile(self, q: ArrayLike) -> NDArray[np.float64]:
        """Quantiles of the risk over runs at each step, shape ``(len(q), n)``."""
        return np.quantile(self.runs, q, axis=0)

    def to_npz(self, path: str | Path) -> None:
        """Write steps, runs, mean, stderr and floor to a ``.npz`` file."""
        np.savez(path, steps=self.steps, runs=self.runs, mean=self.mean, stderr=self.stderr,
                 floor=self.floor, info=json.dumps(self.info, default=str))

    def to_json(self, path: str | Path) -> None:
        """Write steps, runs, mean, stderr, floor and info to a JSON file."""
        Path(path).write_text(json.dumps({
            "steps": self.steps.tolist(), "runs": self.runs.tolist(), "mean": self.mean.tolist(),
            "stderr": self.stderr.tolist(), "floor": self.floor, "seed": self.seed,
            "info": self.info}, default=str, indent=1))

    def to_csv(self, path: str | Path) -> None:
        """Write ``steps,mean,stderr`` columns to a CSV file."""
        data = np.column_stack([self.steps, self.mean, self.stderr])
        np.savetxt(path, data, delimiter=",", header="steps,mean,stderr", comments="",
                   fmt=["%d", "%.17g", "%.17g"])

    def __repr__(self) -> str:
        return (f"SimulatedRisk(n_runs={self.n_runs}, n={self.steps.size}, "
                f"k in [{self.steps[0]}, {self.steps[-1]}], mean {self.mean[0]:.4g} -> "
                f"{self.mean[-1]:.4g})")


@dataclass(frozen=True, eq=False)
class GreedyCurve:
    """Deterministic risk under the greedy schedule, with the schedule itself.

    Attributes
    ----------
    curve : RiskCurve
    lr : ndarray, shape (n,)
        The greedy step :math:`\\gamma^\\ast(k)` at ``curve.steps``.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> spec = dr.Spectrum([1.0, 0.1], [0.5, 0.5], floor=0.01)
    >>> greedy = dr.SGD(1.0).greedy_curve(spec, [0, 10, 100])
    >>> bool(greedy.curve.risk[-1] < greedy.curve.risk[0])
    True
    """

    curve: RiskCurve
    lr: NDArray[np.float64]

r"""Learning-rate schedules :math:`\gamma_k` as functions of the iteration count k.

Every schedule is a frozen dataclass, callable on scalars and arrays (vectorised), with the largest
value it takes (:attr:`Schedule.max_lr`) and the iterations where it is not smooth
(:meth:`Schedule.breakpoints`), which the long-horizon integrators put on their time grid.

Adding a schedule means subclassing :class:`Schedule` and implementing ``_evaluate`` (array of
float64 iterations in, array of learning rates out) and ``max_lr``; override ``breakpoints`` if the
schedule has kinks or jumps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validation as check
from .noise import NoiseLaw

__all__ = ["Schedule", "Constant", "WSD", "Cosine", "PowerLaw", "StepDecay", "FunctionSchedule",
           "RiskSchedule", "RiskProportional", "as_schedule"]


class Schedule:
    """Base class of learning-rate schedules (see the module docstring for the contract).

    Examples
    --------
    >>> from deterministic_risk.schedules import Schedule, Constant
    >>> isinstance(Constant(0.1), Schedule)
    True
    """

    def __call__(self, k: ArrayLike) -> NDArray[np.float64] | float:
        karr = np.asarray(k, dtype=np.float64)
        out = np.asarray(self._evaluate(np.atleast_1d(karr)), dtype=np.float64)
        return float(out[0]) if karr.ndim == 0 else out.reshape(karr.shape)

    def _evaluate(self, k: NDArray[np.float64]) -> NDArray[np.float64]:
        raise NotImplementedError

    @property
    def max_lr(self) -> float:
        """Largest learning rate the schedule takes."""
        raise NotImplementedError

    @property
    def is_constant(self) -> bool:
        """Whether the learning rate is the same at every iteration."""
        return False

    def breakpoints(self, k_max: float) -> NDArray[np.float64]:
        """Iterations in ``(0, k_max)`` where the schedule has a kink or a jump."""
        return np.empty(0)


@dataclass(frozen=True)
class Constant(Schedule):
    """Constant learning rate ``lr``.

    Examples
    --------
    >>> from deterministic_risk.schedules import Constant
    >>> Constant(0.5)([0, 10])
    array([0.5, 0.5])
    """

    lr: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check.learning_rate("lr", self.lr))

    def _evaluate(self, k):
        return np.full(k.shape, self.lr)

    @property
    def max_lr(self) -> float:
        return self.lr

    @property
    def is_constant(self) -> bool:
        return True


DecayShape = Literal["linear", "cosine", "power"]


@dataclass(frozen=True)
class WSD(Schedule):
    r"""Warmup-stable-decay schedule.

    Linear warmup from 0 to ``peak`` over the first ``warmup_frac·total`` iterations, constant
    ``peak``, then a decay to ``final`` over the last ``decay_frac·total`` iterations, and ``final``
    after ``total``. With :math:`u \in [0, 1]` the position inside the decay window, the decay is

    .. math:: \gamma = \gamma_{\rm final} + (\gamma_{\rm peak} - \gamma_{\rm final})\, s(u),

    with :math:`s(u) = 1-u` (``"linear"``), :math:`\tfrac12(1+\cos\pi u)` (``"cosine"``) or
    :math:`(1-u)^{p}` (``"power"``, exponent ``power``).

    Parameters
    ----------
    peak : float
        Learning rate of the stable phase, > 0.
    total : float
        Length of the run in iterations, > 0.
    warmup_frac, decay_frac : float
        Fractions of ``total`` spent warming up and decaying, each in [0, 1], summing to <= 1.
    final : float, default 0
        Learning rate at the end of the decay, in [0, peak].
    shape : {"linear", "cosine", "power"}
        Decay shape.
    power : float, default 2
        Exponent of the ``"power"`` shape.

    Examples
    --------
    >>> from deterministic_risk.schedules import WSD
    >>> s = WSD(peak=1.0, total=100, warmup_frac=0.1, decay_frac=0.2)
    >>> s([0, 5, 50, 90, 100]).tolist()
    [0.0, 0.5, 1.0, 0.5, 0.0]
    """

    peak: float
    total: float
    warmup_frac: float = 0.0
    decay_frac: float = 0.2
    final: float = 0.0
    shape: DecayShape = "linear"
    power: float = 2.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "peak", check.learning_rate("peak", self.peak))
        object.__setattr__(self, "total", check.positive_float("total", self.total))
        wf = check.fraction("warmup_frac", self.warmup_frac)
        df = check.fraction("decay_frac", self.decay_frac)
        if wf + df > 1.0 + 1e-12:
            raise ValueError(f"warmup_frac + decay_frac must be <= 1, got {wf + df}")
        object.__setattr__(self, "warmup_frac", wf)
        object.__setattr__(self, "decay_frac", df)
        final = check.positive_float("final", self.final, allow_zero=True)
        if final > self.peak:
            raise ValueError(f"final must lie in [0, peak={self.peak}], got {final}")
        object.__setattr__(self, "final", final)
        if self.shape not in ("linear", "cosine", "power"):
            raise ValueError(f"shape must be 'linear', 'cosine' or 'power', got {self.shape!r}")
        object.__setattr__(self, "power", check.positive_float("power", self.power))

    @classmethod
    def stable_decay(cls, peak: float, total: float, decay_frac: float = 0.2, final: float = 0.0,
                     shape: DecayShape = "linear", power: float = 2.0) -> "WSD":
        """The "stable-decay" preset: a WSD schedule without warmup."""
        return cls(peak, total, 0.0, decay_frac, final, shape, power)

    @property
    def max_lr(self) -> float:
        return self.peak

    @property
    def _warmup_end(self) -> float:
        return self.warmup_frac * self.total

    @property
    def _decay_start(self) -> float:
        return (1.0 - self.decay_frac) * self.total

    def _evaluate(self, k):
        lr = np.full(k.shape, self.peak)
        w = self._warmup_end
        if w > 0:
            warm = k < w
            lr[warm] = self.peak * np.maximum(k[warm], 0.0) / w
        k0 = self._decay_start
        if self.total - k0 > 0:      # a decay window of positive length (in float64)
            u = np.clip((k - k0) / (self.total - k0), 0.0, 1.0)
            if self.shape == "linear":
                s = 1.0 - u
            elif self.shape == "cosine":
                s = 0.5 * (1.0 + np.cos(np.pi * u))
            else:
                s = (1.0 - u) ** self.power
            dec = k >= k0
            lr[dec] = self.final + (self.peak - self.final) * s[dec]
        else:
            lr[k >= self.total] = self.final
        return lr

    def breakpoints(self, k_max: float) -> NDArray[np.float64]:
        pts = np.array([self._warmup_end, self._decay_start, self.total])
        return np.unique(pts[(pts > 0) & (pts < k_max)])


@dataclass(frozen=True)
class Cosine(Schedule):
    r"""Cosine decay :math:`\gamma_k = \gamma_f + \tfrac12(\gamma_0-\gamma_f)(1+\cos(\pi k/T))` for
    :math:`k \le T`, and ``final`` after ``total`` = T.

    Examples
    --------
    >>> from deterministic_risk.schedules import Cosine
    >>> Cosine(1.0, 100)([0, 50, 100]).round(12).tolist()
    [1.0, 0.5, 0.0]
    """

    peak: float
    total: float
    final: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "peak", check.learning_rate("peak", self.peak))
        object.__setattr__(self, "total", check.positive_float("total", self.total))
        final = check.positive_float("final", self.final, allow_zero=True)
        if final > self.peak:
            raise ValueError(f"final must lie in [0, peak={self.peak}], got {final}")
        object.__setattr__(self, "final", final)

    @property
    def max_lr(self) -> float:
        return self.peak

    def _evaluate(self, k):
        u = np.clip(k / self.total, 0.0, 1.0)
        return self.final + 0.5 * (self.peak - self.final) * (1.0 + np.cos(np.pi * u))

    def breakpoints(self, k_max: float) -> NDArray[np.float64]:
        return np.array([self.total]) if 0 < self.total < k_max else np.empty(0)


@dataclass(frozen=True)
class PowerLaw(Schedule):
    r"""Power-law decay :math:`\gamma_k = \gamma_0 (1 + k/\tau)^{-a}`.

    Parameters
    ----------
    lr0 : float
        Initial learning rate :math:`\gamma_0 > 0`.
    tau : float
        Time scale :math:`\tau > 0` in iterations.
    exponent : float
        Decay exponent :math:`a \ge 0`.

    Examples
    --------
    >>> from deterministic_risk.schedules import PowerLaw
    >>> PowerLaw(1.0, 10.0, 1.0)([0, 10, 90]).tolist()
    [1.0, 0.5, 0.1]
    """

    lr0: float
    tau: float
    exponent: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr0", check.learning_rate("lr0", self.lr0))
        object.__setattr__(self, "tau", check.positive_float("tau", self.tau))
        object.__setattr__(self, "exponent",
                           check.positive_float("exponent", self.exponent, allow_zero=True))

    @property
    def max_lr(self) -> float:
        return self.lr0

    @property
    def is_constant(self) -> bool:
        return self.exponent == 0.0

    def _evaluate(self, k):
        return self.lr0 * (1.0 + np.maximum(k, 0.0) / self.tau) ** (-self.exponent)


@dataclass(frozen=True)
class StepDecay(Schedule):
    r"""Piecewise-constant decay :math:`\gamma_k = \gamma_0 \cdot f^{\lfloor k/P \rfloor}`.

    Parameters
    ----------
    lr0 : float
        Initial learning rate, > 0.
    factor : float
        Multiplicative factor :math:`f \in (0, 1]` applied every ``every`` iterations.
    every : float
        Period :math:`P > 0` in iterations.

    Examples
    --------
    >>> from deterministic_risk.schedules import StepDecay
    >>> StepDecay(1.0, 0.5, 10)([0, 9, 10, 25]).tolist()
    [1.0, 1.0, 0.5, 0.25]
    """

    lr0: float
    factor: float
    every: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr0", check.learning_rate("lr0", self.lr0))
        f = check.positive_float("factor", self.factor)
        if f > 1:
            raise ValueError(f"factor must lie in (0, 1], got {f}")
        object.__setattr__(self, "factor", f)
        object.__setattr__(self, "every", check.positive_float("every", self.every))

    @property
    def max_lr(self) -> float:
        return self.lr0

    @property
    def is_constant(self) -> bool:
        return self.factor == 1.0

    def _evaluate(self, k):
        return self.lr0 * self.factor ** np.floor(np.maximum(k, 0.0) / self.every)

    def breakpoints(self, k_max: float) -> NDArray[np.float64]:
        n = min(int(k_max // self.every), 100_000)
        pts = self.every * np.arange(1, n + 1)
        return pts[pts < k_max]


@dataclass(frozen=True)
class FunctionSchedule(Schedule):
    """A user function of k wrapped as a schedule.

    The function must accept a float64 array of iterations and return an array of the same shape
    of finite, non-negative learning rates. Its largest value is estimated on a log-spaced grid of
    ``peak_grid`` iterations up to ``horizon``.

    Examples
    --------
    >>> from deterministic_risk.schedules import FunctionSchedule
    >>> s = FunctionSchedule(lambda k: 0.1 / (1 + k))
    >>> round(s.max_lr, 12)
    0.1
    """

    function: Callable[[NDArray[np.float64]], ArrayLike]
    horizon: float = 1e12
    peak_grid: int = 4096

    def __post_init__(self) -> None:
        if not callable(self.function):
            raise TypeError(f"function must be callable (k -> lr), got "
                            f"{type(self.function).__name__}")
        object.__setattr__(self, "horizon", check.positive_float("horizon", self.horizon))
        object.__setattr__(self, "peak_grid", check.positive_int("peak_grid", self.peak_grid))

    def _evaluate(self, k):
        try:
            lr = np.broadcast_to(np.asarray(self.function(k), dtype=np.float64), k.shape)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"lr: the learning-rate function must map an array of iterations to "
                            f"an array of numbers of the same shape ({exc})") from None
        if not np.all(np.isfinite(lr)) or np.any(lr < 0):
            raise ValueError("lr: the learning-rate function returned a negative or non-finite "
                             "value")
        if np.any(lr > check.MAX_LR):
            raise ValueError(f"lr: the learning-rate function returned a value above "
                             f"{check.MAX_LR:g} (γ² must be finite in float64)")
        return lr

    @property
    def max_lr(self) -> float:
        grid = np.concatenate([[0.0], np.geomspace(1.0, self.horizon, self.peak_grid)])
        return float(np.max(self._evaluate(grid)))


class RiskSchedule:
    r"""Base class of state-dependent steps :math:`\gamma(k, R)`, R the current excess risk.

    Subclasses implement ``__call__(k, excess_risk)`` (vectorised in both) and ``max_lr`` where it
    is known. Only optimizers that declare ``state_dependent`` accept them (``dr.SignSGD``); the
    simulator then passes the exact excess risk of each run to the update.

    Examples
    --------
    >>> from deterministic_risk import noise
    >>> from deterministic_risk.schedules import RiskProportional, RiskSchedule
    >>> isinstance(RiskProportional(0.01, noise.Gaussian(0.1)), RiskSchedule)
    True
    """

    def __call__(self, k: ArrayLike, excess_risk: ArrayLike) -> NDArray[np.float64] | float:
        raise NotImplementedError

    @property
    def is_constant(self) -> bool:
        return False

    def breakpoints(self, k_max: float) -> NDArray[np.float64]:
        """Iterations in ``(0, k_max)`` where the step has a kink or a jump in k."""
        return np.empty(0)


@dataclass(frozen=True)
class RiskProportional(RiskSchedule):
    r"""The signSGD step that keeps the effective learning rate constant.

    .. math:: \gamma(k, R) = \gamma_0\,\frac{2/\pi}{\varphi(R)}, \qquad
              \gamma_{\rm eff} = \gamma\,\varphi(R) = \tfrac{2}{\pi}\gamma_0,

    which for Gaussian noise :math:`N(0,\sigma^2)` is :math:`\gamma_0\sqrt{2R+\sigma^2}`
    (proportional to the square root of the full risk). The signSGD risk ODE then becomes linear,
    :math:`\dot v_j = -\tfrac4\pi\gamma_0\lambda_j v_j + \tfrac{\gamma_0^2}{2}
    \big(\tfrac{2/\pi}{\varphi(R)}\big)^2\kappa_j`; without noise it converges to 0 exponentially
    iff :math:`\pi\gamma_0\sum_i\sqrt{K_{ii}} < 4`, and with Gaussian noise its limit is
    :math:`R_\infty = \pi\gamma_0 m\sigma^2/(8 - 2\pi\gamma_0 m)`, :math:`m = \sum_i\sqrt{K_{ii}}`.

    Parameters
    ----------
    lr0 : float
        :math:`\gamma_0 > 0`.
    noise : NoiseLaw
        The label-noise law whose :math:`\varphi` normalises the step (usually the problem's).

    References
    ----------
    ``docs/signsgd.md``, 'Limiting risk and schedules' (risk-proportional schedule) and 'The four
    effects as formulas' (effective learning rate).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> s = dr.schedules.RiskProportional(0.01, dr.noise.Gaussian(0.5))
    >>> round(s(0, 0.375), 12)   # 0.01·√(2·0.375 + 0.25)
    0.01
    """

    lr0: float
    noise: object

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr0", check.learning_rate("lr0", self.lr0))
        if not isinstance(self.noise, NoiseLaw):
            raise TypeError(f"noise must be a NoiseLaw, got {type(self.noise).__name__}")

    def __call__(self, k, excess_risk):
        phi = self.noise.phi(excess_risk)
        return self.lr0 * (2.0 / np.pi) / phi

    @property
    def max_lr(self) -> float:
        return np.inf


def as_schedule(lr: float | Schedule | Callable) -> Schedule:
    """Return ``lr`` as a :class:`Schedule`: a number becomes :class:`Constant`, a callable is
    wrapped in :class:`FunctionSchedule`.

    Examples
    --------
    >>> from deterministic_risk.schedules import as_schedule
    >>> as_schedule(0.5)
    Constant(lr=0.5)
    """
    if isinstance(lr, RiskSchedule):
        raise TypeError(f"{type(lr).__name__} depends on the risk: only optimizers with "
                        f"state-dependent steps (dr.SignSGD) accept it")
    if isinstance(lr, Schedule):
        return lr
    if callable(lr):
        return FunctionSchedule(lr)
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating, np.integer)):
        raise TypeError(f"lr must be a positive number or a schedule, got {type(lr).__name__}")
    return Constant(float(lr))

r"""ALIAS sign-SGD: a parameter-free step size from online estimates of the gap and the smoothness.

Derivations and modelling notes: docs/theory.md, section ``deterministic_risk.optimizers.alias``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _validation as check
from .base import Optimizer

__all__ = ["ALIAS"]


@dataclass(frozen=True)
class ALIAS(Optimizer):
    r"""ALIAS sign-SGD (parameter-free step size), a finite-d optimizer for :func:`dr.simulate`.

    Parameters
    ----------
    lr_max : float
        Clamp :math:`\gamma_{\max} > 0` (also the first step).
    gap : float, optional
        Option 2: the known :math:`f(x_0) - f_{\rm low}` (for least squares, the initial risk with
        :math:`f_{\rm low} = 0`). When omitted, option 1 estimates the gap online.
    gap_guess : float, default 1e-8
        Option 1: initial gap estimate :math:`\Delta_0 > 0`.
    smoothness0 : float, default 0
        Initial :math:`\hat L = L_0 \ge 0`.
    refresh : int, default 1
        Refresh period G of the step size.
    momentum : float, default 0
        Signum momentum β in [0, 1) (buffer ``β·buf + g``; the sign is taken of the buffer).
    batch : int, default 1
        Minibatch size B of the gradients it is given (averaged; the simulator draws B samples per
        step). With B = 1 the stochastic gradient differences dominate the smoothness estimate
        (``docs/lr_selection.md``).

    Notes
    -----
    There is no deterministic limit: ``dr.risk_curve`` raises ``NotImplementedError``. The state
    is per run, so ``dr.simulate`` runs independent copies. Not rotation invariant.

    References
    ----------
    D. Medyakov et al., *Sign-SGD via Parameter-Free Optimization*, arXiv:2506.03725 (ICLR 2026);
    public code ``evseevgrv/SignSGD_GoldenGate`` (``AIDsignSGD``); ``docs/lr_selection.md``,
    'The step that minimises the descent bound' and 'ALIAS: why the estimates work'.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> opt = dr.ALIAS(lr_max=0.1)
    >>> x = np.zeros((1, 2)); state = opt.init_state(x)
    >>> x, state = opt.update(x, np.array([[1.0, -2.0]]), 0, state)   # first step: lr_max
    >>> x.tolist()
    [[-0.1, 0.1]]
    >>> x, state = opt.update(x, np.array([[0.5, -1.0]]), 1, state)
    >>> # L̂ = ‖g − g'‖₁/‖x − x'‖∞ = 1.5/0.1 = 15; Δ̃ = 0.1·⟨g, sign g'⟩ = 0.15 > 1e-8 = Δ̂
    >>> round(float(state["lr"][0]), 12)        # √(0.15/15)
    0.1
    """

    lr_max: float
    gap: float | None = None
    gap_guess: float = 1e-8
    smoothness0: float = 0.0
    refresh: int = 1
    momentum: float = 0.0
    batch: int = 1
    rotation_invariant = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr_max", check.positive_float("lr_max", self.lr_max))
        if self.gap is not None:
            object.__setattr__(self, "gap", check.positive_float("gap", self.gap))
        object.__setattr__(self, "gap_guess", check.positive_float("gap_guess", self.gap_guess))
        object.__setattr__(self, "smoothness0",
                           check.positive_float("smoothness0", self.smoothness0, allow_zero=True))
        object.__setattr__(self, "refresh", check.positive_int("refresh", self.refresh))
        beta = check.finite_float("momentum", self.momentum)
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"momentum must lie in [0, 1), got {beta}")
        object.__setattr__(self, "momentum", beta)
        object.__setattr__(self, "batch", check.positive_int("batch", self.batch))

    @property
    def lr(self):  # the Optimizer contract names a schedule; ALIAS chooses its own steps
        return None

    def describe(self) -> dict[str, Any]:
        return {"optimizer": "ALIAS", "lr_max": self.lr_max,
                "option": 1 if self.gap is None else 2, "gap": self.gap,
                "gap_guess": self.gap_guess, "smoothness0": self.smoothness0,
                "refresh": self.refresh, "momentum": self.momentum, "batch": self.batch}

    def limit_dynamics(self, problem: Any, **options: Any):
        """Not available: ALIAS's step depends on gradient differences along one path."""
        raise NotImplementedError("ALIAS has no deterministic limit in this package: its step "
                                  "depends on gradient differences along one path; use "
                                  "dr.simulate(problem, dr.ALIAS(...), steps)")

    def with_lr(self, lr: float) -> "ALIAS":
        """A copy with another clamp ``lr_max``."""
        return dataclasses.replace(self, lr_max=lr)

    def init_state(self, params: NDArray[np.float64]) -> dict[str, NDArray]:
        """Per-run estimates: L̂, Δ̃, Δ̂, the step, the point and gradient of the last refresh,
        and the momentum buffer."""
        n = params.shape[0]
        return {"smoothness": np.full(n, self.smoothness0), "certified_gap": np.zeros(n),
                "gap": np.full(n, self.gap_guess), "lr": np.full(n, self.lr_max),
                "x_prev": params.copy(), "g_prev": np.zeros_like(params),
                "buffer": np.zeros_like(params)}

    def update(self, params, grad, k, state):
        """One ALIAS step: refresh the estimates every ``refresh`` steps, then a sign step."""
        s = dict(state)
        if k % self.refresh == 0:
            if k > 0:
                dx = np.max(np.abs(params - s["x_prev"]), axis=1)
                dg = np.sum(np.abs(grad - s["g_prev"]), axis=1)
                moved = dx > 0
                s["smoothness"] = s["smoothness"] + np.where(moved, dg / np.where(moved, dx, 1.0),
                                                             0.0)
                s["certified_gap"] = s["certified_gap"] + s["lr"] * np.einsum(
                    "rd,rd->r", grad, np.sign(s["g_prev"]))
                s["gap"] = np.maximum(s["gap"], s["certified_gap"])
            numerator = s["gap"] if self.gap is None else np.full(params.shape[0], self.gap)
            L = s["smoothness"]
            with np.errstate(divide="ignore"):
                lr = np.where(L > 0, np.sqrt(numerator / np.where(L > 0, L, 1.0)), np.inf)
            s["lr"] = np.minimum(lr, self.lr_max)
            s["x_prev"] = params.copy()
            s["g_prev"] = grad.copy()
        if self.momentum > 0:
            s["buffer"] = self.momentum * s["buffer"] + grad
            direction = np.sign(s["buffer"])
        else:
            direction = np.sign(grad)
        return params - s["lr"][:, None] * direction, s

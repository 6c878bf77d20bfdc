"""The spectral input of every SGD risk computation."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validation as check


@dataclass(frozen=True, eq=False)
class Spectrum:
    r"""Eigenvalues of the data covariance with the initial excess risk they carry.

    The risk of a linear model trained on Gaussian data depends on the problem only through this
    object: node :math:`i` stands for ``counts[i]`` eigenvalues equal to ``eigenvalues[i]`` that
    together carry the initial excess risk ``weights[i]``, and ``floor`` is the irreducible risk.
    The initial risk is therefore

    .. math:: R(0) = R_\ast + \sum_i w_i .

    Parameters
    ----------
    eigenvalues : array_like, shape (n,)
        Node positions :math:`0 \le \lambda_i \le 10^{150}`.
    weights : array_like, shape (n,)
        Initial excess risk :math:`w_i = \tfrac12 \lambda_i \langle \phi_i, \theta_0-\theta^\ast\rangle^2`
        carried by each node (summed over the eigenvalues it stands for), :math:`\ge 0`.
    floor : float, default 0
        Irreducible risk :math:`R_\ast \ge 0` (capacity floor plus half the label-noise variance).
    counts : array_like, shape (n,), optional
        Number of eigenvalues each node stands for (default 1; may be fractional when the nodes
        discretise a deterministic measure).

    Raises
    ------
    ValueError
        If an argument is not finite, is negative, or the shapes differ.

    References
    ----------
    Theory note ``sgd_plrf.md`` §4.4 (mode recursion on nodes with target masses and counts).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> s = dr.Spectrum([1.0, 0.1], [0.5, 0.25], floor=0.01)
    >>> float(s.initial_risk)
    0.76
    """

    eigenvalues: NDArray[np.float64]
    weights: NDArray[np.float64]
    floor: float = 0.0
    counts: NDArray[np.float64] | None = field(default=None)

    def __post_init__(self) -> None:
        lam = check.float_array("eigenvalues", self.eigenvalues, ndim=1, nonnegative=True,
                                max_abs=check.MAX_EIGENVALUE)
        w = check.float_array("weights", self.weights, ndim=1, nonnegative=True)
        if lam.shape != w.shape:
            raise ValueError(f"weights must have the shape of eigenvalues {lam.shape}, got {w.shape}")
        if lam.size == 0:
            raise ValueError("eigenvalues must contain at least one node")
        if self.counts is None:
            n = np.ones_like(lam)
            n.setflags(write=False)
        else:
            n = check.float_array("counts", self.counts, ndim=1, nonnegative=True)
            if n.shape != lam.shape:
                raise ValueError(f"counts must have the shape of eigenvalues {lam.shape}, got {n.shape}")
        object.__setattr__(self, "eigenvalues", lam)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "counts", n)
        object.__setattr__(self, "floor", check.positive_float("floor", self.floor, allow_zero=True))
        if not np.isfinite(self.floor + float(np.sum(w))):
            raise ValueError("weights and floor must have a finite sum (the initial risk "
                             "floor + sum(weights) overflows float64)")

    @property
    def initial_risk(self) -> float:
        """Risk at k = 0: ``floor + sum(weights)``."""
        return self.floor + float(np.sum(self.weights))

    @property
    def dimension(self) -> float:
        """Number of eigenvalues the nodes stand for, ``sum(counts)``."""
        return float(np.sum(self.counts))

    @property
    def max_eigenvalue(self) -> float:
        """Largest node position (over nodes with a positive count)."""
        return float(np.max(self.eigenvalues[self.counts > 0], initial=0.0))

    def to_spectrum(self, *, method: str | None = None, seed: int | None = None) -> "Spectrum":
        """The spectrum itself (``method`` and ``seed`` apply to PLRF problems only)."""
        given = [n for n, v in (("spectrum_method", method), ("feature_seed", seed))
                 if v is not None]
        if given:
            raise TypeError(f"{' and '.join(given)} applies to PLRF problems only; a Spectrum is "
                            f"already reduced")
        return self

    def to_least_squares(self, *, seed: int | None = None):
        """Not available: a Spectrum holds the eigenvalues of K but not its basis or diagonal."""
        raise TypeError("a Spectrum holds the eigenvalues of the covariance but not its basis or "
                        "diagonal, so it has no GaussianLeastSquares form, which optimizers that "
                        "are not rotation invariant (signSGD, Adam) need; pass a "
                        "GaussianLeastSquares or PLRF problem")

    def __len__(self) -> int:
        return self.eigenvalues.size

    def __repr__(self) -> str:
        lam = self.eigenvalues
        return (f"Spectrum(n_nodes={lam.size}, dimension={self.dimension:.6g}, "
                f"eigenvalues in [{lam.min():.3g}, {lam.max():.3g}], "
                f"initial_risk={self.initial_risk:.6g}, floor={self.floor:.6g})")

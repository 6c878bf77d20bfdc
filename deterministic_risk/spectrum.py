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
    ``docs/sgd.md``, 'Mode recursion on spectrum nodes' (nodes with target masses and counts).

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


@dataclass(frozen=True, eq=False)
class SpectrumFamily:
    r"""Several problems on one spectrum: shared eigenvalues and counts, one column of initial
    energies and one floor per member.

    The PLRF problems of one (α, d, v) with different targets β are such a family (the
    covariance does not depend on β; only the forcing masses and the floor do). For SGD the
    risk is affine in the initial energies and the floor at a given spectrum and step, so
    :func:`~deterministic_risk.risk_curves` solves all members at once.

    Parameters
    ----------
    eigenvalues : array_like, shape (n,)
        Node positions :math:`\lambda_i \ge 0`.
    weights : array_like, shape (n, m)
        Initial excess risk of each node (rows) for each member (columns), :math:`\ge 0`.
    floors : array_like, shape (m,)
        Irreducible risk of each member, :math:`\ge 0`.
    counts : array_like, shape (n,), optional
        Number of eigenvalues each node stands for (default 1).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> fam = dr.SpectrumFamily([1.0, 0.1], [[0.5, 0.1], [0.25, 0.2]], floors=[0.0, 0.01])
    >>> len(fam), fam.size
    (2, 2)
    >>> fam.member(1)
    Spectrum(n_nodes=2, dimension=2, eigenvalues in [0.1, 1], initial_risk=0.31, floor=0.01)
    """

    eigenvalues: NDArray[np.float64]
    weights: NDArray[np.float64]
    floors: NDArray[np.float64]
    counts: NDArray[np.float64] | None = field(default=None)

    def __post_init__(self) -> None:
        lam = check.float_array("eigenvalues", self.eigenvalues, ndim=1, nonnegative=True)
        w = check.float_array("weights", self.weights, ndim=2, nonnegative=True)
        f = check.float_array("floors", self.floors, ndim=1, nonnegative=True)
        if lam.size == 0:
            raise ValueError("eigenvalues must contain at least one node")
        if w.shape[0] != lam.size or w.shape[1] != f.size or f.size == 0:
            raise ValueError(f"weights must have shape (n_nodes, n_members) = ({lam.size}, "
                             f"{f.size}) for {lam.size} eigenvalues and {f.size} floors, got "
                             f"{w.shape}")
        n = check.float_array("counts", np.ones_like(lam) if self.counts is None else self.counts,
                              ndim=1, nonnegative=True)
        if n.shape != lam.shape:
            raise ValueError(f"counts must have the shape of eigenvalues {lam.shape}, got {n.shape}")
        object.__setattr__(self, "eigenvalues", lam)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "floors", f)
        object.__setattr__(self, "counts", n)

    @property
    def size(self) -> int:
        """Number of members m."""
        return self.floors.size

    def member(self, j: int) -> Spectrum:
        """The :class:`Spectrum` of member ``j`` (the shared nodes with column ``j``)."""
        j = check.positive_int("j", j, minimum=0)
        if j >= self.size:
            raise ValueError(f"j must be < {self.size} (the number of members), got {j}")
        return Spectrum(self.eigenvalues, self.weights[:, j], floor=float(self.floors[j]),
                        counts=self.counts)

    def __len__(self) -> int:
        return self.eigenvalues.size

    def __repr__(self) -> str:
        lam = self.eigenvalues
        return (f"SpectrumFamily(n_nodes={lam.size}, members={self.size}, "
                f"eigenvalues in [{lam.min():.3g}, {lam.max():.3g}])")

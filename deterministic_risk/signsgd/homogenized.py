r"""Homogenized signSGD: the d-dimensional SDE with the exact (arcsine) drift, as a path simulator.

Derivations and modelling notes: docs/theory.md, section ``deterministic_risk.signsgd.homogenized``.
The paths themselves are integrated by :mod:`~deterministic_risk.signsgd.exact_drift`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .. import _validation as check
from ..results import SimulatedRisk
from .exact_drift import exact_drift_paths
from .optimizer import SignSGD

__all__ = ["homogenized_signsgd"]


def homogenized_signsgd(problem: Any, optimizer: SignSGD, steps: ArrayLike, *, n_runs: int = 8,
                        seed: int = 0, drift: str = "arcsin", dk: float = 1.0,
                        n_noise_nodes: int = 32, feature_seed: int | None = None) -> SimulatedRisk:
    r"""Simulate paths of the homogenized signSGD SDE and record their population risk.

    Parameters
    ----------
    problem : GaussianLeastSquares or PLRF
        The problem (a PLRF is mapped to least squares with Gaussian noise of variance
        2·floor, docs/signsgd_plrf.md, 'PLRF as least squares with Gaussian noise').
    optimizer : SignSGD
        Supplies the step :math:`\gamma_k` (a schedule or a state-dependent step).
    steps : array_like of int
        Iterations at which the risk is recorded.
    n_runs : int, default 8
        Independent paths, vectorised.
    seed : int or None, default 0
        Seed of the Brownian increments (``None``: a fresh seed, recorded in the result).
    drift : {"arcsin", "linear"}
        Exact expected sign (docs/theory.md) or its linearisation :math:`\varphi(R)D^{-1/2}Kr`.
    dk : float, default 1
        Euler–Maruyama step in iterations (> 0); steps larger than 1 make the simulator cheaper
        than signSGD itself once the dynamics is slow.
    n_noise_nodes : int, default 32
        Quantile nodes of :math:`|\varepsilon|` for the exact drift with non-Gaussian noise
        (relative accuracy about 1e-3 of the drift).
    feature_seed : int, optional
        Seed of the PLRF features.

    Returns
    -------
    SimulatedRisk
        Population risk of each path (floor ½E[ε²] included when finite, excess risk otherwise).

    Notes
    -----
    Cost per step: two (n_runs × d) @ (d × d) products (Kr and :math:`K_\sigma^{1/2}\xi`), plus
    n_runs·d·``n_noise_nodes`` Owen-T evaluations for non-Gaussian noise with the exact drift.
    :math:`K_\sigma^{1/2}` is computed once per problem (symmetric eigendecomposition) and cached.

    References
    ----------
    docs/signsgd.md, 'The homogenized SDE', 'Validity of the linear drift'; docs/signsgd_plrf.md.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> prob = dr.GaussianLeastSquares(np.array([[1.0, 0.3], [0.3, 1.0]]), theta_star=[1.0, 1.0],
    ...                                noise_std=0.1)
    >>> sim = dr.signsgd.homogenized_signsgd(prob, dr.SignSGD(0.01), [0, 50, 100], n_runs=4)
    >>> sim.runs.shape
    (4, 3)
    """
    if not isinstance(optimizer, SignSGD):
        raise TypeError(f"optimizer must be a dr.SignSGD, got {type(optimizer).__name__}")
    steps = check.steps_array(steps)
    seed = check.fresh_seed() if seed is None else check.seed("seed", seed)
    feature_seed = check.seed("feature_seed", feature_seed, allow_none=True)
    prob = check.problem(problem, "to_least_squares").to_least_squares(seed=feature_seed)
    out = exact_drift_paths(prob, optimizer.step_size, steps, n_runs=n_runs, seed=seed,
                            state_dependent=optimizer.state_dependent, drift=drift, dk=dk,
                            n_noise_nodes=n_noise_nodes)
    floor = prob.floor if np.isfinite(prob.floor) else 0.0
    info = {**optimizer.describe(), "sampler": f"homogenized SDE ({drift} drift, dk={dk:g})",
            "n_runs": out.shape[0], "d": prob.d}
    return SimulatedRisk.from_runs(steps, out, floor, seed, info)

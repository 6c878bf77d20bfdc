r"""The exact-drift homogenized SDE of signSGD: its drift, its noise and its Euler–Maruyama paths.

Derivations and modelling notes: docs/theory.md, section ``deterministic_risk.signsgd.homogenized``.
The paths are sampled by :func:`~deterministic_risk.signsgd.homogenized_signsgd` (per path) and
by ``risk_curve(..., model="homogenized")`` (their mean,
:class:`~deterministic_risk.solvers.PathMean`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np
import scipy.linalg
from numpy.typing import NDArray
from scipy import special

from .. import _validation as check
from ..noise import Gaussian, NoiseLaw
from ..problems import GaussianLeastSquares
from ..resources import check_resources
from .modes import sign_covariance

__all__ = ["exact_drift_paths"]

#: Optimistic cost of one Euler–Maruyama step (a fast machine; docs/errors_and_limits.md):
#: seconds per step, and per floating-point operation of its matrix products.
SDE_SECONDS_PER_STEP = 1e-5
SDE_SECONDS_PER_OPERATION = 1e-10

#: K_sigma^(1/2) and K_sigma^(-1/2) of each problem object (dropped with the problem).
_ROOTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _sign_covariance_roots(prob) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r""":math:`K_\sigma^{1/2}` and :math:`K_\sigma^{-1/2}` (symmetric), cached on the problem."""
    roots = _ROOTS.get(prob)
    if roots is None:
        w, V = scipy.linalg.eigh(sign_covariance(prob.covariance_matrix()), check_finite=False)
        w = np.clip(w, 1e-12 * w.max(), None)
        roots = ((V * np.sqrt(w)) @ V.T, (V / np.sqrt(w)) @ V.T)
        for a in roots:
            a.setflags(write=False)
        _ROOTS[prob] = roots
    return roots


def _sign_noise(xi: NDArray, mean_sign: NDArray, root: NDArray, inv_root: NDArray) -> NDArray:
    r"""Noise with the covariance of the signs, :math:`K_\sigma - mm^\top` (m = E[sign]), per run.

    With :math:`L = K_\sigma^{1/2}` and :math:`u = L^{-1}m`,
    :math:`K_\sigma - mm^\top = L(I-uu^\top)L`, and :math:`(I-uu^\top)^{1/2} = I - c\,uu^\top`
    with :math:`c = (1-\sqrt{1-|u|^2})/|u|^2`, so the rank-one correction costs one more
    matrix product. (:math:`|u| \le 1` because :math:`K_\sigma - mm^\top` is a covariance.)
    """
    u = mean_sign @ inv_root
    u2 = np.minimum(np.einsum("rd,rd->r", u, u), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(u2 > 1e-300, (1.0 - np.sqrt(1.0 - u2)) / u2, 0.5)
    z = xi - (c * np.einsum("rd,rd->r", u, xi))[:, None] * u
    return z @ root


def _abs_noise_nodes(noise: NoiseLaw, n_nodes: int) -> NDArray[np.float64]:
    """Midpoint quantiles of |ε| (a fixed-seed sample of 2^16 draws)."""
    sample = np.abs(noise.sample(np.random.default_rng(12345), (1 << 16,)))
    return np.quantile(sample, (np.arange(n_nodes) + 0.5) / n_nodes)


def _expected_sign(Kr: NDArray, R: NDArray, sqrt_diag: NDArray, noise: NoiseLaw,
                   nodes: NDArray | None) -> NDArray[np.float64]:
    """Exact E[sign(∇L)] for each run (rows), see docs/theory.md."""
    if isinstance(noise, Gaussian):
        s = np.sqrt(2.0 * R + noise.std**2)[:, None]
        rho = np.clip(Kr / (sqrt_diag * np.maximum(s, 1e-300)), -1.0, 1.0)
        if noise.mean == 0.0:
            return (2.0 / np.pi) * np.arcsin(rho)
        a = rho / np.sqrt(np.maximum(1.0 - rho**2, 1e-300))
        return 4.0 * special.owens_t(noise.mean / s, a)
    s = np.sqrt(2.0 * np.maximum(R, 1e-300))[:, None]
    rho = np.clip(Kr / (sqrt_diag * s), -1.0 + 1e-16, 1.0 - 1e-16)
    a = rho / np.sqrt(1.0 - rho**2)
    h = nodes[None, None, :] / s[:, :, None]
    return 4.0 * special.owens_t(h, a[:, :, None]).mean(axis=2)



def exact_drift_paths(prob: GaussianLeastSquares, step_size: Callable, steps: NDArray[np.int64],
                      *, n_runs: int, seed: int, state_dependent: bool = False,
                      drift: str = "arcsin", dk: float = 1.0, n_noise_nodes: int = 32
                      ) -> NDArray[np.float64]:
    r"""Risk of ``n_runs`` Euler–Maruyama paths of the homogenized signSGD SDE at ``steps``.

    .. math::

        r_{k+h} = r_k - \gamma_k h\,E[\mathrm{sign}\nabla L](r_k)
                  + \gamma_k\sqrt h\,(K_\sigma - mm^\top)^{1/2}\xi_k

    (docs/theory.md, section ``deterministic_risk.signsgd.homogenized``), from
    :math:`r_0 = \theta_0 - \theta^\ast` for every path, with
    ``np.random.default_rng(seed)`` drawing the :math:`\xi_k` (one (n_runs, d) block per step).

    Parameters
    ----------
    prob : GaussianLeastSquares
    step_size : callable
        :math:`\gamma(k, R)` with R of shape (n_runs,) (a float unless ``state_dependent``, then
        one step per path).
    steps : ndarray of int64, shape (n_steps,)
        Sorted iterations at which the risk is recorded.
    n_runs, seed : int
        Number of paths and seed of their Gaussian increments.
    state_dependent : bool, default False
    drift : {"arcsin", "linear"}
        The exact expected sign or its linearisation :math:`\varphi(R)D^{-1/2}Kr`.
    dk : float, default 1
        Euler–Maruyama step in iterations.
    n_noise_nodes : int, default 32
        Quantile nodes of :math:`|\varepsilon|` for non-Gaussian noise.

    Returns
    -------
    ndarray, shape (n_runs, n_steps)
        Population risk of each path, floor ½E[ε²] included when finite (excess otherwise).

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> from deterministic_risk.signsgd.exact_drift import exact_drift_paths
    >>> prob = dr.GaussianLeastSquares([1.0, 0.5], theta_star=[1.0, 1.0], noise_std=0.1)
    >>> paths = exact_drift_paths(prob, lambda k, R: 0.01, np.array([0, 100]), n_runs=3, seed=0)
    >>> paths.shape, bool(np.all(paths[:, 1] < paths[:, 0]))
    ((3, 2), True)
    """
    if drift not in ("arcsin", "linear"):
        raise ValueError(f"drift must be 'arcsin' or 'linear', got {drift!r}")
    n_runs = check.positive_int("n_runs", n_runs)
    seed = check.seed("seed", seed)
    dk = check.positive_float("dk", dk)
    n_noise_nodes = check.positive_int("n_noise_nodes", n_noise_nodes)
    n_steps = float(steps[-1]) / min(dk, 1.0) + steps.size
    per_step = n_runs * prob.d * (2 * prob.d + (0 if isinstance(prob.noise, Gaussian)
                                                else n_noise_nodes))
    check_resources(f"the homogenized signSGD SDE, {n_runs} paths to k = {float(steps[-1]):.6g}",
                    memory=8.0 * (4 * prob.d**2 + 4 * n_runs * prob.d
                                  + n_runs * prob.d * n_noise_nodes),
                    seconds=n_steps * (SDE_SECONDS_PER_STEP + SDE_SECONDS_PER_OPERATION * per_step))
    noise = prob.noise
    K = np.asarray(prob.covariance_matrix())
    sqrt_diag = np.sqrt(np.diag(K))
    if np.any(sqrt_diag <= 0):
        raise ValueError("signSGD needs a covariance with a positive diagonal (K_ii > 0)")
    root, inv_root = _sign_covariance_roots(prob)
    nodes = None if isinstance(noise, Gaussian) else _abs_noise_nodes(noise, n_noise_nodes)
    floor = prob.floor if np.isfinite(prob.floor) else 0.0
    rng = np.random.default_rng(seed)
    r = np.broadcast_to(prob.theta0 - prob.theta_star, (n_runs, prob.d)).copy()
    out = np.empty((n_runs, steps.size))
    k = 0.0
    i_out = 0
    while True:
        Kr = r @ K
        R = 0.5 * np.einsum("rd,rd->r", r, Kr)
        if i_out < steps.size and abs(k - steps[i_out]) < 1e-9 * max(k, 1.0):
            out[:, i_out] = R + floor
            i_out += 1
        if i_out == steps.size:
            break
        h = min(dk, float(steps[i_out]) - k)
        gamma = step_size(k, R)
        gamma = np.asarray(gamma, dtype=np.float64).reshape(-1, 1) if state_dependent \
            else float(gamma)
        if drift == "linear":
            mean_sign = np.asarray(noise.phi(R)).reshape(-1, 1) * Kr / sqrt_diag
        else:
            mean_sign = _expected_sign(Kr, R, sqrt_diag, noise, nodes)
        xi = rng.standard_normal((n_runs, prob.d))
        r = r - (gamma * h) * mean_sign + (gamma * np.sqrt(h)) * _sign_noise(xi, mean_sign, root,
                                                                             inv_root)
        k += h
    return out

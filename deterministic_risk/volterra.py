r"""The SGD Volterra (renewal) equation in convolution form: forcing, kernel and solver.

Derivations and modelling notes: docs/theory.md, section ``deterministic_risk.volterra``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validation as check
from .optimizers.sgd import log_contraction
from .spectrum import Spectrum

__all__ = ["sgd_forcing", "sgd_kernel", "solve_volterra"]

_CHUNK = 4_000_000


def _powers(spectrum: Spectrum, lr: float, batch: int, steps, coef):
    lr = check.positive_float("lr", lr)
    batch = check.positive_int("batch", batch)
    k = check.steps_array(steps).astype(np.float64)
    x = spectrum.eigenvalues
    log_q = log_contraction(lr, x, batch)
    if np.any(log_q > 0):
        raise ValueError(f"lr={lr:.6g} is beyond pointwise stability: q(x) > 1 at the top "
                         f"eigenvalue (need lr*(1+1/batch)*max_eigenvalue < 2)")
    c = coef(lr, batch, x)
    out = np.empty(k.size)
    rows = max(1, _CHUNK // max(x.size, 1))
    for lo in range(0, k.size, rows):
        out[lo:lo + rows] = np.exp(np.outer(k[lo:lo + rows], log_q)) @ c
    return out


def sgd_forcing(spectrum: Spectrum, lr: float, steps: ArrayLike, batch: int = 1
                ) -> NDArray[np.float64]:
    r"""Forcing :math:`F(k) = R_\ast + \sum_\ell w_\ell q(x_\ell)^k` at ``steps``.

    For a deterministic-equivalent spectrum this is the measure form
    :math:`F_0 + \tfrac12\int q^k\,d\mu^F` (``docs/sgd.md``, 'The deterministic Volterra equation').

    Parameters
    ----------
    spectrum : Spectrum
    lr : float
        Constant step γ > 0 with γ(1 + 1/B)·max x < 2.
    steps : array_like of int, shape (n,)
        Sorted and made unique.
    batch : int
        Batch size B.

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> dr.volterra.sgd_forcing(dr.Spectrum([1.0], [1.0], floor=0.5), 0.25, [0, 1]).tolist()
    [1.5, 1.125]
    """
    return spectrum.floor + _powers(spectrum, lr, batch, steps, lambda g, b, x: spectrum.weights)


def sgd_kernel(spectrum: Spectrum, lr: float, steps: ArrayLike, batch: int = 1
               ) -> NDArray[np.float64]:
    r"""Kernel :math:`\mathcal K(k) = (\gamma^2/B)\sum_\ell n_\ell x_\ell^2 q(x_\ell)^k` at ``steps``.

    For a deterministic-equivalent spectrum this is :math:`(\gamma^2/B)\int x^2q^k\,d\mu^K`
    (``docs/sgd.md``, 'The deterministic Volterra equation'). Parameters as :func:`sgd_forcing`.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> dr.volterra.sgd_kernel(dr.Spectrum([1.0], [1.0]), 0.5, [0]).tolist()
    [0.25]
    """
    return _powers(spectrum, lr, batch, steps,
                   lambda g, b, x: (g * g / b) * spectrum.counts * x * x)


def solve_volterra(forcing: ArrayLike, kernel: ArrayLike, *, method: str = "fft",
                   block: int = 64) -> NDArray[np.float64]:
    r"""Solve :math:`R(k) = F(k) + \sum_{s<k}\mathcal K(k-1-s)R(s)` for k = 0..n−1.

    Parameters
    ----------
    forcing : array_like, shape (n,)
        :math:`F(0), \dots, F(n-1)`.
    kernel : array_like, shape (n,) or longer
        :math:`\mathcal K(0), \dots` (only the first n−1 values are used).
    method : {"fft", "direct"}
        ``"direct"``: O(n²) sums. ``"fft"``: divide and conquer over halves, the influence of a
        solved half on the next computed by one FFT convolution, O(n log² n); fine for n ~ 1e5
        to 1e6.
    block : int
        Size below which ``"fft"`` sums directly.

    Returns
    -------
    ndarray, shape (n,)

    Notes
    -----
    The convolution index is k − 1 − s (``docs/sgd.md``, 'The Volterra (renewal) form').

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> dr.volterra.solve_volterra([1.0, 0.5, 0.25], [0.5, 0.25, 0.0]).tolist()   # R1 = .5+.5, R2 = .25+.5+.25
    [1.0, 1.0, 1.0]
    """
    f = check.float_array("forcing", forcing, ndim=1)
    kern = check.float_array("kernel", kernel, ndim=1)
    n = f.size
    if kern.size < max(n - 1, 0):
        raise ValueError(f"kernel must have at least n-1 = {n - 1} values, got {kern.size}")
    if method not in ("fft", "direct"):
        raise ValueError(f"method must be 'fft' or 'direct', got {method!r}")
    block = check.positive_int("block", block)
    r = f.astype(np.float64).copy()   # accumulates F + contributions received so far
    if method == "direct" or n <= block:
        _direct(r, kern, 0, n)
        return r
    _divide(r, kern, 0, n, block)
    if not np.all(np.isfinite(r)):
        raise FloatingPointError("the Volterra solution overflowed (kernel norm >= 1?)")
    return r


def _direct(r, kern, lo, hi):
    """Finish r[lo:hi] given that contributions from s < lo are already added."""
    for k in range(lo + 1, hi):
        # r[k] += sum_{s=lo}^{k-1} K(k-1-s) r[s]
        r[k] += np.dot(kern[k - 1 - lo::-1][:k - lo], r[lo:k]) if k > lo else 0.0


def _divide(r, kern, lo, hi, block):
    if hi - lo <= block:
        _direct(r, kern, lo, hi)
        return
    mid = (lo + hi) // 2
    _divide(r, kern, lo, mid, block)
    # contribution of r[lo:mid] to r[mid:hi]: sum_{s in [lo,mid)} K(k-1-s) r[s]
    a = r[lo:mid]
    b = kern[:hi - lo - 1]
    size = a.size + b.size - 1
    nfft = 1 << (size - 1).bit_length()
    conv = np.fft.irfft(np.fft.rfft(a, nfft) * np.fft.rfft(b, nfft), nfft)[:size]
    # conv[t] = sum_s a[s] K(t - s) with s relative to lo; k - 1 - lo = t
    k = np.arange(mid, hi)
    r[mid:hi] += conv[k - 1 - lo]
    _divide(r, kern, mid, hi, block)

r"""Deterministic equivalent (DE) of the PLRF spectrum: m(z), the spectral measures, floor and edges.

Section names in quotes refer to ``docs/deterministic_equivalent.md`` unless another page is named.
For the power-law random features model ('The PLRF model') the resolvent of
:math:`\hat K = D^{1/2}WW^\top D^{1/2}` has the diagonal deterministic equivalent ('Fixed point
and spectral measures')

.. math::

    \mathcal R(z) = \mathrm{diag}\Big(\frac{1}{\lambda_j m(z) - z}\Big), \qquad
    m(z) = \Big(1 + \frac1d\sum_{j=1}^{v}\frac{\lambda_j}{\lambda_j m(z)-z}\Big)^{-1},
    \qquad \lambda_j = j^{-2\alpha},

with the branch :math:`m\to1` as :math:`|z|\to\infty` and :math:`\operatorname{Im} m<0` for
:math:`\operatorname{Im} z>0`. Its Herglotz measure gives the trace measure
:math:`\mu^K = \operatorname{tr}\mu` and the forcing measure :math:`\mu^F = \langle\mu\,\check b,
\check b\rangle`, each an atom at 0 plus a part on :math:`(0,\infty)`.

How the measures are computed (and why)
---------------------------------------
* **Support.** With :math:`s = -m/z` (the Stieltjes transform of :math:`K = W^\top D W`) the
  inverse function :math:`z(s) = -1/s + \frac1d\sum_j \lambda_j/(1+\lambda_j s)` is explicit; the
  edges of the support are its real critical points, :math:`\frac1d\sum_j (\lambda_j s /
  (1+\lambda_j s))^2 = 1` (the edge equation of 'Closed forms'). The bottom edge comes from the
  root with :math:`s>0`, the top edge from :math:`s\in(-1/\lambda_1,0)`, and each gap between the
  clusters of the top population eigenvalues (the "outliers", :math:`j \lesssim \sqrt d`) from a
  pair of roots between the poles :math:`-1/\lambda_{j+1}` and :math:`-1/\lambda_j`. Every edge is
  found to machine precision, so no mass is lost on the near-atoms.
* **Quadrature.** Each support interval is cut into panels: graded (ratio 2) towards each edge down
  to a quarter of the adjacent gap, a square-root substitution :math:`x = e + h u^2` in the panel
  at the edge, and interior panels no wider than two population spacings where the density is
  modulated by the outliers. Gauss–Legendre nodes in every panel; at each node m(x + i0) is solved
  exactly on the real axis (Newton with a homotopy in Im z ending at Im z = 0, complex128), and
  the densities :math:`\rho_K = -d\,\operatorname{Im} m/(\pi x)` and
  :math:`\rho_F = \frac1\pi\operatorname{Im}\sum_j \check b_j^2/(\lambda_j m - x)` are multiplied
  by the quadrature weights. No :math:`\varepsilon`-regularised density is used ('Real axis,
  not ε').
* **Compressed population.** For large v the sums over :math:`j` are the cost. The atoms with
  :math:`j` below :math:`\approx 4.5\,\alpha\sqrt d` are kept; beyond, consecutive atoms are
  grouped in blocks of at most :math:`\pi j^2/(4\alpha^2 d)` indices (the distance of the
  resonance of :math:`1/(\lambda_j m - x)` from the real :math:`j` axis), each summed by an 8-point
  discrete Gauss rule (Gauss quadrature for the uniform measure on the block's integers, exact
  for polynomials of degree 15 in j). This keeps O(√d) atoms, checked against the exact sums in
  the tests.

Atoms at 0: with the null-space parameter :math:`s_0` ('Closed forms') the atom of :math:`\mu_j`
at 0 is :math:`1/(1+s_0\lambda_j)`, so the floor is
:math:`F_0 = \tfrac12\sum_j \check b_j^2/(1+s_0\lambda_j)`.

**References.**
``docs/deterministic_equivalent.md`` ('The PLRF model', 'Fixed point and spectral measures',
'Closed forms', 'Real axis, not ε'); ``docs/sgd.md`` ('The deterministic Volterra equation',
'Mode recursion on spectrum nodes'). [4+3] E. Paquette, C. Paquette, L. Xiao, J. Pennington,
arXiv 2405.15074, App. E.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg

from . import _validation as check
from .resources import check_resources
from .spectrum import Spectrum, SpectrumFamily

#: Optimistic cost of the deterministic spectrum per hidden coordinate (a fast machine; about a
#: minute at d = 10⁶, v = 4·10⁶ measured; docs/errors_and_limits.md).
DE_SECONDS_PER_COORDINATE = 2e-6

__all__ = [
    "DeterministicMeasures", "bottom_edge", "deterministic_floor", "deterministic_measures",
    "deterministic_spectrum", "kappa", "null_space_parameter", "spectral_density",
    "stieltjes_fixed_point", "stieltjes_fixed_point_mp", "support_intervals", "PLRFParameters",
    "population_eigenvalues", "weighted_target", "population",
    "population_measures", "compress_nodes", "TraceMeasure", "trace_measure", "population_trace",
    "deterministic_spectrum_family",
]

#: Gauss–Legendre nodes per quadrature panel.
PANEL_NODES = 10
#: Nodes of the discrete Gauss rule summing a block of population atoms.
BLOCK_NODES = 8
#: Complex entries of one (z-chunk × atoms) temporary array.
CHUNK_ELEMENTS = 2_000_000
#: Deepest grading towards an edge (panels halve down to 2**-MAX_LEVELS of the edge region).
MAX_LEVELS = 30
#: Inter-pole minima of the edge function below this value are treated as necks of the density.
NECK_LIMIT = 3


# -------------------------------------------------------------------------------------------
# population (j = 1..v, possibly compressed)
# -------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Population:
    """Atoms of the population spectrum: positions j (possibly fractional), multiplicities."""

    index: NDArray[np.float64]      # j (exact atoms) or discrete-Gauss nodes of a block
    omega: NDArray[np.float64]      # multiplicity (1 for exact atoms)
    n_exact: int                    # the first n_exact atoms are j = 1..n_exact exactly
    alpha: float
    d: int

    @property
    def lam(self) -> NDArray[np.float64]:
        return self.index ** (-2.0 * self.alpha)


@functools.lru_cache(maxsize=512)
def _discrete_gauss(n: int, p: int) -> tuple[NDArray, NDArray]:
    r"""p-point Gauss rule for the sum over the integers 0..n-1 (discrete Chebyshev weight).

    Golub–Welsch on the monic recurrence :math:`a_k = (n-1)/2`,
    :math:`b_k = k^2(n^2-k^2)/(4(4k^2-1))` (Gautschi, *Orthogonal Polynomials*, §1.5, discrete
    Chebyshev polynomials); exact for polynomials of degree ≤ 2p − 1.
    """
    k = np.arange(1, p, dtype=np.float64)
    off = np.sqrt(k**2 * (n**2 - k**2) / (4.0 * (4.0 * k**2 - 1.0)))
    nodes, vecs = linalg.eigh_tridiagonal(np.full(p, (n - 1) / 2.0), off)
    return nodes, n * vecs[0] ** 2


def _population(alpha: float, d: int, v: int, compress: bool) -> _Population:
    """The population atoms j = 1..v, with the tail grouped into discrete-Gauss blocks."""
    p = BLOCK_NODES
    if not compress:
        return _Population(np.arange(1, v + 1, dtype=np.float64), np.ones(v), v, alpha, d)
    # block length allowed at index t: the resonance width pi t^2/(4 alpha^2 d), at most t/8
    def allowed(t):
        return np.minimum(math.pi * t * t / (4.0 * alpha * alpha * d), t / 8.0)
    # exact atoms while a block could not hold 2p atoms
    t_start = math.ceil(max(math.sqrt(2 * p * 4.0 * alpha * alpha * d / math.pi), 16 * p))
    n_exact = min(v, t_start)
    idx = [np.arange(1, n_exact + 1, dtype=np.float64)]
    om = [np.ones(n_exact)]
    start = n_exact + 1
    starts, lengths = [], []
    while start <= v:
        length = int(min(max(2 * p, allowed(float(start))), v - start + 1))
        starts.append(start)
        lengths.append(length)
        start += length
    for s0, n in zip(starts, lengths):
        if n <= p:
            idx.append(np.arange(s0, s0 + n, dtype=np.float64))
            om.append(np.ones(n))
        else:
            x, w = _discrete_gauss(n, p)
            idx.append(s0 + x)
            om.append(w)
    return _Population(np.concatenate(idx), np.concatenate(om), n_exact, alpha, d)


@functools.lru_cache(maxsize=32)
def _cached_population(alpha: float, d: int, v: int, compress: bool) -> _Population:
    return _population(alpha, d, v, compress)


def population_eigenvalues(alpha: float, v: int) -> NDArray[np.float64]:
    r"""PLRF population eigenvalues :math:`\lambda_j = j^{-2\alpha}`, j = 1..v."""
    check_resources(f"the population of PLRF at v = {v}", memory=16.0 * v)
    return np.arange(1, v + 1, dtype=np.float64) ** (-2.0 * alpha)


def weighted_target(alpha: float, beta: float, v: int) -> NDArray[np.float64]:
    r"""PLRF weighted target :math:`\check b = D^{1/2}b`, :math:`\check b_j = j^{-\alpha-\beta}`."""
    check_resources(f"the target of PLRF at v = {v}", memory=16.0 * v)
    return np.arange(1, v + 1, dtype=np.float64) ** (-alpha - beta)


@dataclass(frozen=True)
class PLRFParameters:
    """The (α, β, d, v) of a PLRF problem: all the deterministic equivalent reads from one."""

    alpha: float
    beta: float
    d: int
    v: int

    @property
    def population_eigenvalues(self) -> NDArray[np.float64]:
        return population_eigenvalues(self.alpha, self.v)

    @property
    def weighted_target(self) -> NDArray[np.float64]:
        return weighted_target(self.alpha, self.beta, self.v)


def _check_problem(problem):
    if not all(hasattr(problem, name) for name in ("alpha", "beta", "d", "v")):
        raise TypeError(f"problem must be a PLRF, got {type(problem).__name__}")
    return problem


def population(alpha: float, d: int, v: int, *, compress: bool = True) -> _Population:
    """The population atoms of PLRF(α, ·, d, v) (tail compressed by default; cached)."""
    return _cached_population(alpha, d, v, compress)


def _pop(problem, population: str) -> _Population:
    if population not in ("compressed", "exact"):
        raise ValueError(f"population must be 'compressed' or 'exact', got {population!r}")
    return _cached_population(problem.alpha, problem.d, problem.v, population == "compressed")


# -------------------------------------------------------------------------------------------
# the fixed point m(z)
# -------------------------------------------------------------------------------------------
def _newton(z, m, lam, lw, iterations, tol):
    """Newton on G(m) = m − 1 + m·Σ lw/(λm − z) (lw = ω λ / d), in place on one chunk.

    G'(m) = 1 − z·Σ lw/(λm − z)² ('Fixed point and spectral measures'). The step is halved
    while it would leave the closed lower half-plane (the branch Im m ≤ 0 for Im z ≥ 0). Returns
    the last relative step size.
    """
    rel = np.full(z.shape, np.inf)
    active = np.ones(z.shape, dtype=bool)
    for _ in range(iterations):
        if not active.any():
            break
        za, ma = z[active], m[active]
        inv = 1.0 / (lam[None, :] * ma[:, None] - za[:, None])
        t = lw[None, :] * inv
        s1 = t.sum(axis=1)
        t *= inv
        s2 = t.sum(axis=1)
        g = ma - 1.0 + ma * s1
        gp = 1.0 - za * s2
        step = g / gp
        new = ma - step
        for _half in range(30):
            bad = (new.imag > 1e-300) | ~np.isfinite(new)
            if not bad.any():
                break
            step = np.where(bad, 0.5 * step, step)
            new = ma - step
        r = np.abs(step) / np.maximum(np.abs(new), 1e-300)
        m[active] = new
        rel[active] = r
        idx = np.flatnonzero(active)
        active[idx[r < tol]] = False
    return rel


def _homotopy(zc, lam, lw, levels, iterations, tol, scale):
    """Newton warm-started along z = Re z + i·max(Im z, η·scale) for η in ``levels``, then at z."""
    m = np.ones(zc.shape, dtype=np.complex128)
    for eta in levels:
        if np.all(zc.imag >= eta * scale):
            break
        zt = zc.real + 1j * np.maximum(zc.imag, eta * scale)
        _newton(zt, m, lam, lw, iterations, tol)
    rel = _newton(zc, m, lam, lw, 60, tol)
    zero = zc == 0
    m[zero] = 0.0
    rel[zero] = 0.0
    return m, rel


def _fixed_point(z: NDArray[np.complex128], pop: _Population, *, tol: float = 1e-14):
    """m(z) for complex z (any shape), by Newton with a homotopy in Im z (module docstring)."""
    z = np.asarray(z, dtype=np.complex128)
    shape = z.shape
    z = z.ravel()
    flip = z.imag < 0
    zz = np.where(flip, np.conj(z), z)
    lam = pop.lam
    lw = pop.omega * lam / pop.d
    out = np.empty_like(zz)
    rel_out = np.empty(zz.shape)
    chunk = max(1, CHUNK_ELEMENTS // lam.size)
    fast = 10.0 ** np.arange(0.0, -6.5, -1.0)
    slow = 10.0 ** np.arange(1.0, -30.0, -0.25)
    for lo in range(0, zz.size, chunk):
        zc = zz[lo:lo + chunk]
        # a short homotopy first; the points where Newton then fails get the long one
        m, rel = _homotopy(zc, lam, lw, fast, 2, tol, np.abs(zc))
        # a Stieltjes transform s = -m/z has Im s >= 0 for Im z > 0 (the branch of m)
        wrong = (zc.imag > 0) & ((m / np.where(zc == 0, 1, zc)).imag > 0)
        # and on the negative axis m(-x) lies in (0, 1)
        wrong |= (zc.imag == 0) & (zc.real < 0) & ~((m.real > 0) & (m.real < 1))
        redo = ~(rel < 1e-12) | wrong
        if redo.any():
            # the long homotopy starts far above the whole spectrum (|z| >> lambda_1)
            start = np.maximum(np.abs(zc[redo]), 10.0 * lam[0])
            m[redo], rel[redo] = _homotopy(zc[redo], lam, lw, slow, 4, tol, start)
        negative = (zc.imag == 0) & (zc.real < 0)
        m[negative] = m[negative].real
        out[lo:lo + chunk] = m
        rel_out[lo:lo + chunk] = rel
    bad = ~(rel_out < 1e-10)
    if bad.any():
        raise FloatingPointError(f"the fixed point m(z) did not converge at {bad.sum()} of "
                                 f"{bad.size} points (first z = {z[bad][0]})")
    out = np.where(flip, np.conj(out), out)
    return out.reshape(shape)


def _fixed_point_on_nodes(x, pop: _Population, p: int):
    """m(x + i0) at sorted quadrature nodes inside the support, p nodes per panel.

    The homotopy of :func:`_fixed_point` is run at one node per panel; the other nodes of the
    panel start Newton directly at Im z = 0 from that value (panels are narrower than the scale
    on which m varies). Nodes where this converges to a real root (Im m = 0 inside the support)
    or not at all are redone with the homotopy.
    """
    order = np.argsort(x)
    xs = x[order]
    n = xs.size
    seeds = np.arange(p // 2, n, p)
    m_seed = _fixed_point(xs[seeds].astype(np.complex128), pop)
    owner = np.minimum(np.arange(n) // p, seeds.size - 1)
    m = m_seed[owner].copy()
    z = xs.astype(np.complex128)
    lam = pop.lam
    lw = pop.omega * lam / pop.d
    rel = np.empty(n)
    chunk = max(1, CHUNK_ELEMENTS // lam.size)
    for lo in range(0, n, chunk):
        mc = m[lo:lo + chunk]
        rel[lo:lo + chunk] = _newton(z[lo:lo + chunk], mc, lam, lw, 30, 1e-14)
        m[lo:lo + chunk] = mc
    redo = ~(rel < 1e-12) | ~(m.imag < -1e-13 * np.abs(m))
    if redo.any():
        m[redo] = _fixed_point(z[redo], pop)
    out = np.empty_like(m)
    out[order] = m
    return out


def stieltjes_fixed_point(problem, z: ArrayLike, *, population: str = "compressed"
                          ) -> NDArray[np.complex128]:
    r"""The fixed point m(z) of the PLRF resolvent, for complex z off the support (or on it, as
    the boundary value from above).

    Parameters
    ----------
    problem : PLRF
        Gives α, d and v (β does not enter m).
    z : array_like of complex, any shape
        Points; real z on the support give :math:`m(x + i0)`, real z in a gap or below 0 the real
        value. Im z < 0 uses :math:`m(\bar z) = \overline{m(z)}`.
    population : {"compressed", "exact"}
        Sum over the v population eigenvalues exactly (O(v) per z per iteration) or with the
        compressed tail (O(√d); see the module notes).

    Returns
    -------
    ndarray of complex128, shape of z

    Raises
    ------
    FloatingPointError
        If Newton's method does not converge at some z.

    Notes
    -----
    Solves :math:`G(m) = m - 1 + \frac1d\sum_j \lambda_j m/(\lambda_j m - z) = 0` by Newton,
    starting from m = 1 at Im z = 10|z| and lowering Im z in half-decades to its target (finally
    0 for real z), warm-started ('Fixed point and spectral measures'; branch m → 1 at infinity,
    Im m < 0 for Im z > 0, m(−x) ∈ (0, 1)). Memory is O(v) per z: z is processed in chunks.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> from deterministic_risk.deterministic_equivalent import stieltjes_fixed_point
    >>> m = stieltjes_fixed_point(dr.PLRF(1.0, 0.5, d=50), [-1.0, 1e6j])
    >>> bool(0 < m[0].real < 1 and abs(m[0].imag) == 0), bool(abs(m[1] - 1) < 1e-5)
    (True, True)
    """
    problem = _check_problem(problem)
    z = np.asarray(z, dtype=np.complex128)
    if not np.all(np.isfinite(z)):
        raise ValueError("z must be finite")
    return _fixed_point(z, _pop(problem, population))


def stieltjes_fixed_point_mp(problem, z: complex, *, dps: int = 40) -> complex:
    r"""Reference value of m(z) in multiple precision (mpmath), with the exact sum over j = 1..v.

    Independent of :func:`stieltjes_fixed_point`: Newton in mpmath arithmetic with its own homotopy
    in Im z (from Im z = 10|z| down to the target, in steps of a factor 2). For tests (v up to a
    few thousand).

    Parameters
    ----------
    problem : PLRF
    z : complex
        A point with Im z > 0, or real z < 0.
    dps : int
        Decimal digits of the working precision.

    Returns
    -------
    complex
        m(z) rounded to complex128.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> from deterministic_risk.deterministic_equivalent import stieltjes_fixed_point_mp
    >>> m = stieltjes_fixed_point_mp(dr.PLRF(1.0, 0.5, d=10, v=40), -1.0, dps=20)
    >>> bool(0 < m.real < 1)
    True
    """
    import mpmath as mp

    problem = _check_problem(problem)
    with mp.workdps(dps):
        lam = [mp.mpf(j) ** (-2 * mp.mpf(problem.alpha)) for j in range(1, problem.v + 1)]
        d = mp.mpf(problem.d)
        zt = mp.mpc(z)
        if zt.imag < 0 or (zt.imag == 0 and zt.real > 0):
            raise ValueError("z must have Im z > 0 or be real and negative")

        def newton(zc, m, its):
            for _ in range(its):
                s1 = mp.fsum(l / (l * m - zc) for l in lam)
                s2 = mp.fsum(l / (l * m - zc) ** 2 for l in lam)
                g = m - 1 + m * s1 / d
                gp = 1 - zc * s2 / d
                step = g / gp
                for _half in range(60):
                    if (m - step).imag <= 0:
                        break
                    step /= 2
                m -= step
                if abs(step) < mp.mpf(10) ** (-dps + 5) * abs(m):
                    break
            return m

        m = mp.mpc(1)
        scale = max(abs(zt), mp.mpf(1))
        eta = 10 * scale
        while eta > zt.imag and eta > abs(zt) * mp.mpf(10) ** -8:
            m = newton(mp.mpc(zt.real, eta), m, 8)
            eta /= 2
        m = newton(zt, m, 100)
        return complex(m)


# -------------------------------------------------------------------------------------------
# s0, kappa, edges, floor
# -------------------------------------------------------------------------------------------
def _edge_function(s, lam, omega, d):
    r""":math:`f(s) = \frac1d\sum_j \omega_j(\lambda_j s/(1+\lambda_j s))^2` for real s (rows)."""
    s = np.atleast_1d(np.asarray(s, dtype=np.float64))
    out = np.empty(s.shape)
    chunk = max(1, CHUNK_ELEMENTS // lam.size)
    for lo in range(0, s.size, chunk):
        t = lam[None, :] * s[lo:lo + chunk, None]
        with np.errstate(divide="ignore"):
            t = t / (1.0 + t)
        out[lo:lo + chunk] = (omega * t * t).sum(axis=1) / d
    return out


def _inverse(s, lam, omega, d):
    r""":math:`z(s) = -1/s + \frac1d\sum_j \omega_j\lambda_j/(1+\lambda_j s)` (real s)."""
    s = np.atleast_1d(np.asarray(s, dtype=np.float64))
    out = np.empty(s.shape)
    chunk = max(1, CHUNK_ELEMENTS // lam.size)
    for lo in range(0, s.size, chunk):
        sc = s[lo:lo + chunk, None]
        out[lo:lo + chunk] = (-1.0 + (omega * lam * sc / (1.0 + lam * sc)).sum(axis=1) / d) / sc[:, 0]
    return out


def _inverse_complex(s, lam, omega, d):
    """z(s) for complex s (1-d array)."""
    sc = np.asarray(s, dtype=np.complex128)[:, None]
    return (-1.0 + (omega * lam * sc / (1.0 + lam * sc)).sum(axis=1) / d) / sc[:, 0]


def _bisect(fun, lo, hi, iterations=200):
    """Vectorised bisection for fun(x) = 0 on [lo, hi] with fun(lo) < 0 < fun(hi) (or reversed)."""
    shape = np.shape(lo)
    lo = np.atleast_1d(np.array(lo, dtype=np.float64))
    hi = np.atleast_1d(np.array(hi, dtype=np.float64)) + np.zeros_like(lo)
    f_lo = fun(lo)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        if np.all((mid == lo) | (mid == hi)):
            break
        f_mid = fun(mid)
        same = np.sign(f_mid) == np.sign(f_lo)
        lo = np.where(same, mid, lo)
        f_lo = np.where(same, f_mid, f_lo)
        hi = np.where(same, hi, mid)
    return (0.5 * (lo + hi)).reshape(shape)


def _null_space(lam, omega, d) -> float:
    r"""s₀ with :math:`\frac1d\sum_j \omega_j s_0\lambda_j/(1+s_0\lambda_j) = 1`."""
    def g(log_s):
        s = np.exp(log_s)
        return np.array([(omega * (lam * s) / (1.0 + lam * s)).sum() / d - 1.0 for s in np.atleast_1d(s)])
    lo, hi = -np.log(lam[0]) - 5.0, -np.log(lam[-1]) + 60.0
    return float(np.exp(_bisect(g, lo, hi, 80)))


def null_space_parameter(problem) -> float:
    r"""The null-space parameter :math:`s_0 > 0` (exact sum over j = 1..v).

    .. math:: \frac1d\sum_{j=1}^{v}\frac{s_0\lambda_j}{1+s_0\lambda_j} = 1, \qquad
              m(z) \approx -s_0 z \ (z\to0).

    Equivalently :math:`s_0 = \frac1d\operatorname{tr}K^{-1}` in the DE.

    References
    ----------
    ``docs/deterministic_equivalent.md``, 'Closed forms'.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> from deterministic_risk.deterministic_equivalent import null_space_parameter, kappa
    >>> p = dr.PLRF(1.0, 0.5, d=1000)
    >>> round(null_space_parameter(p) / p.d**2 / kappa(1.0, nu=4), 2)
    1.0
    """
    problem = _check_problem(problem)
    return _exact_null_space(problem.alpha, problem.d, problem.v)


@functools.lru_cache(maxsize=64)
def _exact_null_space(alpha: float, d: int, v: int) -> float:
    lam = population_eigenvalues(alpha, v)
    return _null_space(lam, np.ones_like(lam), d)


def kappa(alpha: float, nu: float = np.inf) -> float:
    r"""Asymptotic null-space constant κ(ν): :math:`s_0 \approx \kappa\, d^{2\alpha}`.

    .. math:: \frac1\kappa = \int_0^\nu \frac{dx}{\kappa + x^{2\alpha}}, \qquad
              \kappa(\infty) = c^{-2\alpha},\ c = \frac{\pi/(2\alpha)}{\sin(\pi/(2\alpha))}
              \quad (2\alpha > 1).

    Parameters
    ----------
    alpha : float
        α > 0.
    nu : float
        v/d > 1; ``inf`` is allowed only for 2α > 1.

    References
    ----------
    ``docs/deterministic_equivalent.md``, 'Closed forms' (κ).

    Examples
    --------
    >>> from deterministic_risk.deterministic_equivalent import kappa
    >>> [round(kappa(a), 3) for a in (0.6, 0.8, 1.0, 1.5)]
    [0.137, 0.299, 0.405, 0.566]
    """
    from scipy import optimize, special

    alpha = check.positive_float("alpha", alpha)
    if np.isinf(nu):
        if 2 * alpha <= 1:
            raise ValueError(f"nu = inf requires 2*alpha > 1, got alpha = {alpha}")
        c = (math.pi / (2 * alpha)) / math.sin(math.pi / (2 * alpha))
        return c ** (-2 * alpha)
    nu = check.positive_float("nu", nu)
    if nu <= 1:
        raise ValueError(f"nu must be > 1, got {nu}")

    p = 2.0 * alpha

    def eq(log_k):
        k = math.exp(log_k)
        # x = k^{1/p} y:  k ∫_0^ν dx/(k + x^p) = k^{1/p} ∫_0^Y dy/(1 + y^p),  Y = ν k^{-1/p},
        # and ∫_0^Y dy/(1 + y^p) = Y ₂F₁(1, 1/p; 1 + 1/p; −Y^p)  (DLMF 15.4 / termwise)
        y_max = nu * math.exp(-log_k / p)
        val = y_max * special.hyp2f1(1.0, 1.0 / p, 1.0 + 1.0 / p, -(y_max**p))
        return math.exp(log_k / p) * val - 1.0
    return math.exp(optimize.brentq(eq, -40.0, 40.0, xtol=1e-15, rtol=1e-15))


def deterministic_floor(problem) -> float:
    r"""DE capacity floor :math:`F_0 = \tfrac12\sum_{j=1}^{v} j^{-2\alpha-2\beta}/(1+s_0 j^{-2\alpha})`.

    The atom at 0 of the forcing measure, halved (package scale; the [4+3] paper's F₀ is twice
    this). Label noise is not included.

    References
    ----------
    ``docs/deterministic_equivalent.md``, 'Closed forms'.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> from deterministic_risk.deterministic_equivalent import deterministic_floor
    >>> round(2 * deterministic_floor(dr.PLRF(0.8, 0.6, d=500, v=2000)), 6)   # docs: 3.96e-4
    0.000396
    """
    problem = _check_problem(problem)
    s0 = null_space_parameter(problem)
    lam = problem.population_eigenvalues
    return 0.5 * float(np.sum(problem.weighted_target**2 / (1.0 + s0 * lam)))


def _bottom_edge(lam, omega, d):
    s0 = _null_space(lam, omega, d)
    f = lambda s: _edge_function(s, lam, omega, d) - 1.0  # noqa: E731
    hi = s0
    while f(hi)[0] < 0:
        hi *= 2.0
    s_edge = float(_bisect(f, s0, hi, 200))
    return float(_inverse(s_edge, lam, omega, d)[0]), s_edge


def bottom_edge(problem) -> float:
    r"""Bottom edge λ_min of the DE support from the finite-ν edge equation (exact sum over j).

    Solve :math:`1 = \frac1d\sum_j \lambda_j^2u^2/(\lambda_j u-1)^2` for the root
    :math:`u = -s < -s_0`, then :math:`\lambda_{\min} = 1/u - \frac1d\sum_j\lambda_j/(\lambda_j u-1)`.

    References
    ----------
    ``docs/deterministic_equivalent.md``, 'Closed forms' (bottom edge).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> from deterministic_risk.deterministic_equivalent import bottom_edge
    >>> f"{bottom_edge(dr.PLRF(1.0, 0.5, d=500, v=2000)):.4g}"   # 'Closed forms': 1.497e-6
    '1.497e-06'
    """
    problem = _check_problem(problem)
    lam = problem.population_eigenvalues
    return _bottom_edge(lam, np.ones_like(lam), problem.d)[0]


def _top_edge(lam, omega, d):
    f = lambda t: _edge_function(-t / lam[0], lam, omega, d) - 1.0  # noqa: E731, t = |s|λ₁
    t = float(_bisect(f, 0.0, 1.0 - 1e-16, 200))
    return float(_inverse(-t / lam[0], lam, omega, d)[0])


def _gaps(pop: _Population):
    """Gaps (x_lo, x_hi) between the clusters of the exact top atoms (edge equation).

    On each inter-pole interval s ∈ (−1/λ_{j+1}, −1/λ_j) the edge function f tends to +∞ at both
    ends; a gap exists iff min f < 1, and its ends are z(s) at the two roots of f = 1.
    """
    lam, om, d = pop.lam, pop.omega, pop.d
    n_exact = pop.n_exact
    gaps, necks = [], []
    n_sample = 33
    theta = (np.arange(n_sample) + 0.5) / n_sample
    j0 = 1
    chunk = 32
    while j0 < n_exact:
        js = np.arange(j0, min(j0 + chunk, n_exact))  # interval between atom j and j+1
        la = np.log(1.0 / lam[js - 1])
        lb = np.log(1.0 / lam[js])
        ls = la[:, None] + theta[None, :] * (lb - la)[:, None]
        fv = _edge_function(-np.exp(ls).ravel(), lam, om, d).reshape(ls.shape)
        # refine the minimum by golden-section search around the sampled one
        k = np.argmin(fv, axis=1)
        lo = np.maximum(theta[k] - 1.0 / n_sample, 1e-12)
        hi = np.minimum(theta[k] + 1.0 / n_sample, 1.0 - 1e-12)
        fth = lambda th: _edge_function(-np.exp(la + th * (lb - la)), lam, om, d)  # noqa: E731
        g = (math.sqrt(5) - 1) / 2
        for _ in range(60):
            a = hi - g * (hi - lo)
            b = lo + g * (hi - lo)
            fa, fb = fth(a), fth(b)
            left = fa < fb
            hi = np.where(left, b, hi)
            lo = np.where(left, lo, a)
        th_min = 0.5 * (lo + hi)
        f_min = fth(th_min)
        has = f_min < 1.0
        if has.any():
            sel = np.flatnonzero(has)
            la_s, lb_s, tm = la[sel], lb[sel], th_min[sel]
            fs = lambda th: _edge_function(-np.exp(la_s + th * (lb_s - la_s)), lam, om, d) - 1.0  # noqa: E731
            r1 = _bisect(fs, np.zeros_like(tm), tm, 200)
            r2 = _bisect(fs, tm, np.ones_like(tm), 200)
            z1 = _inverse(-np.exp(la_s + r1 * (lb_s - la_s)), lam, om, d)
            z2 = _inverse(-np.exp(la_s + r2 * (lb_s - la_s)), lam, om, d)
            for lo_x, hi_x in zip(np.minimum(z1, z2), np.maximum(z1, z2)):
                if hi_x > lo_x:
                    gaps.append((float(lo_x), float(hi_x)))
        neck = (f_min >= 1.0) & (f_min < NECK_LIMIT)
        if neck.any():
            # a neck: the clusters have merged, but the density nearly vanishes; its branch points
            # are the complex critical points s_c of z(s) near the real minimum of f, and their
            # distance from the real axis, |Im z(s_c)|, sets the grading (quadratic model of f)
            sel = np.flatnonzero(neck)
            s_min = -np.exp(la[sel] + th_min[sel] * (lb[sel] - la[sel]))
            h = 1e-4 * np.abs(s_min)
            f2 = (_edge_function(s_min + h, lam, om, d) - 2 * f_min[sel]
                  + _edge_function(s_min - h, lam, om, d)) / h**2
            s_c = s_min + 1j * np.sqrt(2.0 * (f_min[sel] - 1.0) / np.maximum(f2, 1e-300))
            x_min = _inverse(s_min, lam, om, d)
            dist = np.abs(_inverse_complex(s_c, lam, om, d).imag)
            necks.extend(zip(x_min.tolist(), dist.tolist()))
        if not has.any() and f_min.min() > NECK_LIMIT and j0 > 8:
            break
        j0 += chunk
    return sorted(gaps), sorted(necks)


def _support(pop: _Population):
    lam, om, d = pop.lam, pop.omega, pop.d
    lo, _ = _bottom_edge(lam, om, d)
    hi = _top_edge(lam, om, d)
    gaps, necks = _gaps(pop)
    gaps = [g for g in gaps if lo < g[0] and g[1] < hi]
    edges = [lo] + [e for g in gaps for e in g] + [hi]
    necks = [nk for nk in necks if lo < nk[0] < hi]
    return np.array(edges).reshape(-1, 2), np.array(necks).reshape(-1, 2)


def support_intervals(problem, *, population: str = "compressed") -> NDArray[np.float64]:
    r"""Intervals of the DE support on (0, ∞), shape (n, 2), increasing.

    The first interval is the bulk :math:`[\lambda_{\min}, \cdot]`; the others are the separated
    clusters of the top population eigenvalues (outliers), the last ending at the top edge.
    Edges are the real critical points of :math:`z(s)` ('Closed forms').

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> iv = dr.deterministic_equivalent.support_intervals(dr.PLRF(1.0, 0.7, d=100))
    >>> iv.shape[1], bool(iv[0, 0] > 0)
    (2, True)
    """
    problem = _check_problem(problem)
    return _support(_pop(problem, population))[0]


# -------------------------------------------------------------------------------------------
# quadrature panels and the measures
# -------------------------------------------------------------------------------------------
def _relative_width(x, alpha, d):
    """Largest panel width / x at x: two population spacings while the outliers modulate the
    density (resonance width Δj = πj²/(4α²d) < 4), growing to 15 % once it is smooth."""
    j = x ** (-1.0 / (2.0 * alpha))
    dj = math.pi * j * j / (4.0 * alpha * alpha * d)
    return np.minimum(0.15, (4.0 * alpha / j) * np.maximum(1.0, (dj / 4.0) ** 2))


def _panels(intervals, necks, alpha, d):
    """Panels (lo, hi, kind): kind 0 Gauss–Legendre in x, 1 (2) square-root edge at lo (hi).

    Each support interval is split at the necks inside it. Towards every edge or neck the panels
    halve down to a quarter of the distance of the nearest singularity (the adjacent gap, or the
    neck's branch points); the panel touching a hard edge uses x = e ± h u².
    """
    lo_l, hi_l, kind_l = [], [], []
    n = len(intervals)
    for i, (a, b) in enumerate(intervals):
        gap_lo = a if i == 0 else a - intervals[i - 1][1]
        gap_hi = np.inf if i == n - 1 else intervals[i + 1][0] - b
        inside = [(x, g) for x, g in necks if a < x < b]
        points = [(a, gap_lo, True)] + [(x, g, False) for x, g in inside] + [(b, gap_hi, True)]
        for (p0, g0, hard0), (p1, g1, hard1) in zip(points[:-1], points[1:]):
            width = p1 - p0
            h0 = min(0.5 * width, float(_relative_width(p0, alpha, d)) * p0)
            h1 = min(0.5 * width, float(_relative_width(p1, alpha, d)) * p1)
            for edge, h, gap, sign, hard in ((p0, h0, g0, 1.0, hard0), (p1, h1, g1, -1.0, hard1)):
                levels = 0 if gap >= 4 * h else min(MAX_LEVELS, math.ceil(math.log2(4 * h / gap)))
                cuts = edge + sign * h * 2.0 ** -np.arange(levels + 1)
                inner = cuts[-1]
                lo_l.append(min(edge, inner))
                hi_l.append(max(edge, inner))
                kind_l.append(0 if not hard else (1 if sign > 0 else 2))
                for c0, c1 in zip(cuts[1:], cuts[:-1]):
                    lo_l.append(min(c0, c1))
                    hi_l.append(max(c0, c1))
                    kind_l.append(0)
            x0, x1 = p0 + h0, p1 - h1
            if x1 > x0 * (1 + 1e-12):
                grid = np.exp(np.linspace(math.log(x0), math.log(x1), 4001))
                dphi = 1.0 / _relative_width(grid, alpha, d)
                phi = np.concatenate([[0.0], np.cumsum(0.5 * (dphi[1:] + dphi[:-1])
                                                       * np.diff(np.log(grid)))])
                n_p = max(1, math.ceil(phi[-1]))
                cuts = np.exp(np.interp(np.linspace(0, phi[-1], n_p + 1), phi, np.log(grid)))
                cuts[0], cuts[-1] = x0, x1
                lo_l.extend(cuts[:-1])
                hi_l.extend(cuts[1:])
                kind_l.extend([0] * n_p)
    return np.array(lo_l), np.array(hi_l), np.array(kind_l)


def _nodes(lo, hi, kind, p=PANEL_NODES):
    """Quadrature nodes and weights (for dx) on the panels."""
    xi, wi = np.polynomial.legendre.leggauss(p)
    h = (hi - lo)[:, None]
    u = 0.5 * (xi + 1.0)[None, :]
    x = np.where(kind[:, None] == 0, lo[:, None] + h * u,
                 np.where(kind[:, None] == 1, lo[:, None] + h * u * u, hi[:, None] - h * u * u))
    w = np.where(kind[:, None] == 0, 0.5 * h * wi, h * u * wi)
    order = np.argsort(x.ravel())
    return x.ravel()[order], w.ravel()[order]


def _trace_density(x, m, pop: _Population):
    r"""Trace density :math:`\rho_K(x) = -d\operatorname{Im} m(x+i0)/(\pi x)`, >= 0."""
    return np.maximum(-pop.d * m.imag / (math.pi * x), 0.0)


def _forcing_densities(x, m, pop: _Population, betas):
    r"""Forcing densities :math:`\rho_F(x) = \frac1\pi\operatorname{Im}\sum_j
    \check b_j^2/(\lambda_jm(x+i0)-x)` ('Fixed point and spectral
    measures') of several targets at once, shape (n, len(betas)).

    The target enters only through the real weights :math:`\omega_j\check b_j^2 =
    \omega_jj^{-2\alpha-2\beta}`, so the densities of all β are one product
    :math:`\operatorname{Im}[(\lambda_jm-x)^{-1}]\,B` with B of shape (atoms, len(betas)), and
    :math:`\operatorname{Im}(\lambda m-x)^{-1} = -\lambda\operatorname{Im}m/|\lambda m-x|^2`
    needs real arithmetic only.
    """
    betas = np.asarray(betas, dtype=np.float64)
    lam = pop.lam
    bw = pop.omega[:, None] * pop.index[:, None] ** (-2.0 * pop.alpha - 2.0 * betas[None, :])
    rho_f = np.empty((x.size, betas.size))
    chunk = max(1, CHUNK_ELEMENTS // lam.size)
    for lo in range(0, x.size, chunk):
        re = lam[None, :] * m[lo:lo + chunk, None].real - x[lo:lo + chunk, None]
        im = lam[None, :] * m[lo:lo + chunk, None].imag
        np.multiply(re, re, out=re)
        re += im * im
        np.divide(im, re, out=im)
        rho_f[lo:lo + chunk] = -(im @ bw)
    return np.maximum(rho_f / math.pi, 0.0)


def spectral_density(problem, x: ArrayLike, *, population: str = "compressed"
                     ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Densities of the trace and forcing measures on (0, ∞) at real points x.

    .. math:: \rho_K(x) = -\frac{d}{\pi x}\operatorname{Im} m(x+i0), \qquad
              \rho_F(x) = \frac1\pi\operatorname{Im}\sum_j \frac{\check b_j^2}{\lambda_j m(x+i0)-x}.

    (:math:`\rho_K` counts eigenvalues of K per unit length; :math:`\int\rho_K = d`.)

    Parameters
    ----------
    problem : PLRF
    x : array_like, shape (n,)
        Positive points.

    Returns
    -------
    rho_trace, rho_forcing : ndarray, shape (n,)

    References
    ----------
    ``docs/deterministic_equivalent.md``, 'Fixed point and spectral measures' (densities);
    ``docs/sgd.md``, 'The deterministic Volterra equation' (second form of the kernel).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> prob = dr.PLRF(1.0, 0.7, d=100)
    >>> lo, hi = dr.deterministic_equivalent.support_intervals(prob)[0]
    >>> rho_k, rho_f = dr.deterministic_equivalent.spectral_density(prob, [(lo * hi) ** 0.5])
    >>> bool(rho_k[0] > 0 and rho_f[0] > 0)
    True
    """
    problem = _check_problem(problem)
    x = check.float_array("x", x, ndim=1)
    if np.any(x <= 0):
        raise ValueError("x must be > 0")
    pop = _pop(problem, population)
    m = _fixed_point(x.astype(np.complex128), pop)
    return _trace_density(x, m, pop), _forcing_densities(x, m, pop, [problem.beta])[:, 0]


@dataclass(frozen=True, eq=False)
class DeterministicMeasures:
    r"""The DE trace and forcing measures of a PLRF problem, discretised on common nodes.

    Attributes
    ----------
    nodes : ndarray, shape (n,)
        Quadrature nodes :math:`x_\ell` on the support (0, ∞).
    counts : ndarray, shape (n,)
        Trace mass :math:`n_\ell` per node (eigenvalue count; sums to d).
    forcing : ndarray, shape (n,)
        Forcing mass :math:`w^F_\ell` per node (sums to :math:`\|\check b\|^2 - 2F_0`).
    floor : float
        :math:`F_0` (capacity floor, package scale; no label noise).
    null_space : float
        :math:`s_0`.
    support : ndarray, shape (k, 2)
        Support intervals.
    n_atoms : int
        Number of population atoms summed per evaluation (after compression).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> m = dr.deterministic_equivalent.deterministic_measures(dr.PLRF(1.0, 0.7, d=100))
    >>> isinstance(m, dr.deterministic_equivalent.DeterministicMeasures)
    True
    """

    nodes: NDArray[np.float64]
    counts: NDArray[np.float64]
    forcing: NDArray[np.float64]
    floor: float
    null_space: float
    support: NDArray[np.float64]
    n_atoms: int

    def __repr__(self) -> str:
        return (f"DeterministicMeasures(n_nodes={self.nodes.size}, n_intervals="
                f"{len(self.support)}, mass={self.counts.sum():.10g}, floor={self.floor:.6g})")


def deterministic_measures(problem, *, population: str = "compressed") -> DeterministicMeasures:
    r"""Discretise the DE trace and forcing measures of ``problem`` (see the module notes).

    Parameters
    ----------
    problem : PLRF
    population : {"compressed", "exact"}
        How the sums over j are evaluated.

    Returns
    -------
    DeterministicMeasures

    Notes
    -----
    The measure form of the deterministic Volterra equation (``docs/sgd.md``, 'The deterministic
    Volterra equation'),
    :math:`F(k) = F_0 + \tfrac12\int q^k\,d\mu^F`, :math:`\mathcal K(k) = (\gamma^2/B)\int
    x^2q^k\,d\mu^K`, becomes the node sums of the mode recursion with these masses.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> meas = dr.deterministic_equivalent.deterministic_measures(dr.PLRF(1.0, 0.5, d=100))
    >>> round(float(meas.counts.sum()), 8)
    100.0
    """
    problem = _check_problem(problem)
    return _measures(problem.alpha, problem.beta, problem.d, problem.v, population)


@dataclass(frozen=True, eq=False)
class TraceMeasure:
    r"""The part of a deterministic equivalent that does not depend on the target β.

    The support, the quadrature panels and nodes, the fixed point m(x + i0) on them and the
    trace masses depend on the population (α, d, v) alone; the target
    :math:`\check b_j = j^{-\alpha-\beta}` enters only through the forcing density (module
    notes), which :meth:`forcing` evaluates for any number of β from the stored m. One
    TraceMeasure therefore serves every β of an (α, d) column of the phase plane.

    Attributes
    ----------
    population : object
        The population atoms (positions, multiplicities, α, d) the measure was computed for.
    nodes : ndarray, shape (n,)
        Quadrature nodes :math:`x_\ell` on the support.
    quadrature : ndarray, shape (n,)
        Quadrature weights for dx.
    resolvent : ndarray of complex, shape (n,)
        :math:`m(x_\ell + i0)`.
    counts : ndarray, shape (n,)
        Trace masses :math:`\rho_K(x_\ell)w_\ell`.
    support : ndarray, shape (k, 2)
        Support intervals.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> trace = dr.deterministic_equivalent.trace_measure(dr.PLRF(1.0, 0.5, d=100))
    >>> f = trace.forcing([0.3, 0.7])
    >>> f.shape == (trace.nodes.size, 2), round(float(trace.counts.sum()), 8)
    (True, 100.0)
    """

    population: _Population = field(repr=False)
    nodes: NDArray[np.float64]
    quadrature: NDArray[np.float64]
    resolvent: NDArray[np.complex128]
    counts: NDArray[np.float64]
    support: NDArray[np.float64]

    def forcing(self, betas: ArrayLike) -> NDArray[np.float64]:
        r"""Forcing masses :math:`\rho_F(x_\ell)w_\ell` of the targets ``betas``, shape
        (n, len(betas)) (one matrix product for all β)."""
        betas = check.float_array("betas", betas, ndim=1)
        return _forcing_densities(self.nodes, self.resolvent, self.population,
                                  betas) * self.quadrature[:, None]

    def measures(self, beta: float) -> tuple[NDArray, NDArray, NDArray]:
        """Nodes, trace masses and forcing masses of the target ``beta``, without the nodes that
        carry neither mass."""
        forcing = self.forcing([beta])[:, 0]
        keep = (self.counts > 0) | (forcing > 0)
        return self.nodes[keep], self.counts[keep], forcing[keep]

    def __repr__(self) -> str:
        return (f"TraceMeasure(alpha={self.population.alpha:g}, d={self.population.d}, "
                f"n_nodes={self.nodes.size}, mass={self.counts.sum():.10g})")


def population_trace(pop: _Population) -> TraceMeasure:
    r"""The :class:`TraceMeasure` of a population (module notes: support, panels, Gauss nodes,
    m(x + i0), trace density)."""
    support, necks = _support(pop)
    lo, hi, kind = _panels([tuple(r) for r in support], [tuple(r) for r in necks], pop.alpha,
                           pop.d)
    x, w = _nodes(lo, hi, kind)
    m = _fixed_point_on_nodes(x, pop, PANEL_NODES)
    counts = _trace_density(x, m, pop) * w
    for arr in (x, w, m, counts):
        arr.setflags(write=False)
    return TraceMeasure(pop, x, w, m, counts, support)


def population_measures(pop: _Population, beta: float
                        ) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    r"""Quadrature nodes x, trace masses, forcing masses and the support of the DE of a
    population (:func:`population_trace` and its forcing at ``beta``). Nodes carrying no mass
    are dropped."""
    trace = population_trace(pop)
    return (*trace.measures(beta), trace.support)


def trace_measure(problem, *, population: str = "compressed") -> TraceMeasure:
    r"""The β-independent part of the DE of a PLRF problem (:class:`TraceMeasure`; cached per
    (α, d, v), so the problems of one (α, d) with different β share it).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> de = dr.deterministic_equivalent
    >>> de.trace_measure(dr.PLRF(1.0, 0.3, d=100)) is de.trace_measure(dr.PLRF(1.0, 0.9, d=100))
    True
    """
    problem = _check_problem(problem)
    _pop(problem, population)   # validates ``population``
    return _trace(problem.alpha, problem.d, problem.v, population)


@functools.lru_cache(maxsize=32)
def _trace(alpha, d, v, population) -> TraceMeasure:
    return population_trace(_cached_population(alpha, d, v, population == "compressed"))


@functools.lru_cache(maxsize=16)
def _measures(alpha, beta, d, v, population) -> DeterministicMeasures:
    problem = PLRFParameters(alpha, beta, d, v)
    trace = _trace(alpha, d, v, population)
    x, counts, forcing = trace.measures(beta)
    for arr in (x, counts, forcing):
        arr.setflags(write=False)
    return DeterministicMeasures(x, counts, forcing,
                                 deterministic_floor(problem), null_space_parameter(problem),
                                 trace.support, trace.population.index.size)


def compress_nodes(x, n, f, n_nodes):
    """Merge consecutive nodes into at most n_nodes groups (keeps both masses exactly)."""
    if n_nodes >= x.size:
        return x, n, f
    # groups of equal combined share of trace and forcing mass: the outliers, which carry most of
    # the forcing, keep nodes of their own, the bulk, which carries most of the count, too
    share = 0.5 * (n / n.sum() + f / max(f.sum(), 1e-300))
    cum = np.cumsum(share) - 0.5 * share
    group = np.minimum((cum * n_nodes).astype(np.int64), n_nodes - 1)
    _, group = np.unique(group, return_inverse=True)
    cnt = np.bincount(group, weights=n)
    frc = np.bincount(group, weights=f)
    tot = np.bincount(group, weights=n + f)
    pos = np.bincount(group, weights=(n + f) * x) / tot
    return pos, cnt, frc


def deterministic_spectrum(problem, n_nodes: int | None = None, *,
                           population: str = "compressed",
                           trace: TraceMeasure | None = None) -> Spectrum:
    r"""The DE spectrum of a PLRF problem as a :class:`~deterministic_risk.Spectrum`.

    ``eigenvalues`` are the quadrature nodes, ``weights`` half the forcing mass per node (the
    initial excess risk, :math:`E_\ell(0) = \tfrac12 w^F_\ell`), ``counts`` the trace mass per
    node and ``floor`` :math:`F_0 + \tfrac12\sigma^2`. Cached: a sweep over learning rates reuses it,
    and the problems of one (α, d, v) share their :class:`TraceMeasure`.

    Parameters
    ----------
    problem : PLRF
    n_nodes : int, optional
        Merge the nodes into about this many (groups of neighbouring nodes replaced by one node at
        their mass-weighted mean position; masses are kept exactly). Default: all quadrature
        nodes.
    population : {"compressed", "exact"}
    trace : TraceMeasure, optional
        The problem's :func:`trace_measure` computed before (for example loaded from a disk
        cache); it must belong to the problem's (α, d, v).

    Returns
    -------
    Spectrum

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> prob = dr.PLRF(1.0, 0.5, d=100)
    >>> spec = dr.deterministic_equivalent.deterministic_spectrum(prob)
    >>> round(spec.initial_risk / prob.initial_risk, 10), round(spec.dimension, 8)
    (1.0, 100.0)
    """
    problem = _check_problem(problem)
    if n_nodes is not None:
        n_nodes = check.positive_int("n_nodes", n_nodes)
    check_resources(f"the deterministic-equivalent spectrum of PLRF at d = {problem.d}, "
                    f"v = {problem.v}", memory=8.0 * 16 * problem.v,
                    seconds=DE_SECONDS_PER_COORDINATE * problem.v)
    with _computable(problem):
        if trace is None:
            return _spectrum(problem, n_nodes, population)
        return _spectrum_of(_matching_trace(trace, problem), problem, n_nodes)


@contextlib.contextmanager
def _computable(problem) -> Iterator[None]:
    """Run the deterministic equivalent of ``problem`` with floating-point errors raised, and
    turn them into a ValueError with the way out (large α at small d: the population
    eigenvalues j^(-2α) span hundreds of decades)."""
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield
    except (FloatingPointError, OverflowError) as exc:
        decades = 2 * problem.alpha * np.log10(problem.v)
        raise ValueError(
            f"the deterministic equivalent of PLRF(alpha={problem.alpha}, d={problem.d}, "
            f"v={problem.v}) could not be computed in float64 (its population eigenvalues span "
            f"{decades:.0f} decades: {exc}); use method='sampled' (the exact spectrum of one "
            f"draw of W) or a smaller alpha or larger d") from None


def _matching_trace(trace: TraceMeasure, problem) -> TraceMeasure:
    """``trace``, or ValueError if it is not the trace measure of ``problem``'s (α, d, v)."""
    if not isinstance(trace, TraceMeasure):
        raise TypeError(f"trace must be a TraceMeasure, got {type(trace).__name__}")
    pop = trace.population
    if (pop.alpha, pop.d) != (problem.alpha, problem.d) or not math.isclose(
            float(pop.omega.sum()), problem.v, rel_tol=1e-9):
        raise ValueError(f"trace belongs to alpha={pop.alpha}, d={pop.d}, "
                         f"v={float(pop.omega.sum()):.0f}, not to the problem's alpha="
                         f"{problem.alpha}, d={problem.d}, v={problem.v}")
    return trace


@functools.lru_cache(maxsize=32)
def _spectrum(problem, n_nodes, population) -> Spectrum:
    return _spectrum_of(_trace(problem.alpha, problem.d, problem.v, population), problem, n_nodes)


def _spectrum_of(trace: TraceMeasure, problem, n_nodes) -> Spectrum:
    x, n, f = trace.measures(problem.beta)
    if n_nodes is not None:
        x, n, f = compress_nodes(x, n, f, n_nodes)
    return Spectrum(x, 0.5 * f, floor=deterministic_floor(problem) + 0.5 * problem.noise_std**2,
                    counts=n)


def deterministic_spectrum_family(problems: Sequence, *, population: str = "compressed",
                                  trace: TraceMeasure | None = None) -> SpectrumFamily:
    r"""The DE spectra of PLRF problems that differ only in β (and label noise), on common nodes.

    The nodes and counts are those of the shared :class:`TraceMeasure`; column j of the
    weights is half the forcing masses of ``problems[j]`` (all β in one product,
    :meth:`TraceMeasure.forcing`) and its floor :math:`F_0(\beta_j) + \tfrac12\sigma_j^2`. A node
    is kept if it carries trace mass or forcing mass of any member, so each member's column
    equals :func:`deterministic_spectrum` of that problem up to nodes of zero count and weight,
    which do not change the risk.

    Parameters
    ----------
    problems : sequence of PLRF
        Problems with the same α, d and v.
    population : {"compressed", "exact"}
    trace : TraceMeasure, optional
        As for :func:`deterministic_spectrum`.

    Returns
    -------
    SpectrumFamily

    Raises
    ------
    ValueError
        If the problems do not share α, d and v, or none is given.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> de = dr.deterministic_equivalent
    >>> probs = [dr.PLRF(1.0, b, d=100) for b in (0.3, 0.7)]
    >>> fam = de.deterministic_spectrum_family(probs)
    >>> fam.size, [round(fam.member(j).initial_risk / p.initial_risk, 10)
    ...            for j, p in enumerate(probs)]
    (2, [1.0, 1.0])
    """
    problems = [_check_problem(p) for p in problems]
    if not problems:
        raise ValueError("problems must hold at least one PLRF problem")
    first = problems[0]
    for p in problems[1:]:
        if (p.alpha, p.d, p.v) != (first.alpha, first.d, first.v):
            raise ValueError(f"problems must share alpha, d and v (they may differ in beta and "
                             f"noise_std), got (alpha, d, v) = ({first.alpha}, {first.d}, "
                             f"{first.v}) and ({p.alpha}, {p.d}, {p.v})")
    check_resources(f"the deterministic-equivalent spectra of PLRF at d = {first.d}, "
                    f"v = {first.v}", memory=8.0 * 16 * first.v * len(problems),
                    seconds=DE_SECONDS_PER_COORDINATE * first.v)
    with _computable(first):
        if trace is None:
            _pop(first, population)   # validates ``population``
            trace = _trace(first.alpha, first.d, first.v, population)
        else:
            trace = _matching_trace(trace, first)
        forcing = trace.forcing([p.beta for p in problems])
        keep = (trace.counts > 0) | np.any(forcing > 0, axis=1)
        floors = [deterministic_floor(p) + 0.5 * p.noise_std**2 for p in problems]
    return SpectrumFamily(trace.nodes[keep], 0.5 * forcing[keep], floors,
                          counts=trace.counts[keep])

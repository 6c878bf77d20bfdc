r"""signSGD on PLRF at large d: the deterministic equivalent of its linearised mode ODE.

On a PLRF problem the linearised signSGD ODE (:class:`~deterministic_risk.SignSGD`) has the mode
rates :math:`h_j` (eigenvalues of :math:`H = D_K^{-1/4}KD_K^{-1/4}`, :math:`D_K = \mathrm{diag}K`),
the sign-noise forcings :math:`\kappa_j = \psi_j^\top D_K^{1/4}K_\sigma D_K^{1/4}\psi_j`
(:math:`K_\sigma = \frac2\pi\arcsin\bar K`) and the initial energies :math:`h_jv_j(0)`. The risk
depends on them only through the forcing measure :math:`\mu_F = \sum_j h_jv_j(0)\,\delta_{h_j}` and
the noise measure :math:`\mu_\kappa = \sum_j\kappa_j\,\delta_{h_j}`. This module computes their
deterministic equivalents (d → ∞, v/d fixed) without drawing W. The derivation, every
approximation and its measured cost are in ``docs/signsgd_large_d.md`` (§ numbers below).

1. **Columns** (§2). With :math:`a_i = \Lambda^{1/2}g_i` (:math:`g_i` the i-th column of
   :math:`\sqrt d\,W`) and :math:`S_i = \|a_i\|^2 = dK_{ii}`, the nonzero :math:`h_j` are the
   eigenvalues of :math:`\sqrt d\,M'`, :math:`M' = \frac1d\sum_i a_ia_i^\top/\sqrt{S_i}`: a Gram
   matrix whose column weights depend on the column itself (for 2α > 1, :math:`S_i` is driven by
   the column's entries on the top features and does not concentrate).
2. **Resolvent** (§3). :math:`(M'-z)^{-1} \approx \mathrm{diag}(1/(\lambda_jm_j(\delta)-z))` with

   .. math::

       \delta = \frac1d\sum_j\frac{\lambda_j}{\lambda_jm_j(\delta)-z},\qquad
       m_j(\delta) = E\Big[\frac{g_j^2}{\sqrt S+\delta}\Big]
                   = E\Big[\frac{1}{\sqrt{S+\lambda_jE}+\delta}\Big],

   E ~ χ²₂ independent of S (size-biasing of :math:`g_j^2`). Counting measure
   :math:`\sum_j(h_j-\zeta)^{-1} = d^{-1/2}\sum_j(\lambda_jm_j-z)^{-1} + (v-d)/\zeta`, forcing
   :math:`\sum_jh_jv_j(0)/(h_j-\zeta) = \frac{1}{2\sqrt d}\sum_j\check b_j^2/(\lambda_jm_j-z)
   + R_\ast/\zeta`, :math:`z = \zeta/\sqrt d`.
3. **Noise** (§4). :math:`h_j\kappa_j = E_x[(u_j^\top c)^2]` with
   :math:`c = d^{-1/2}\sum_i a_i\,\mathrm{sign}(\langle a_i, z\rangle)`, :math:`x = \Lambda^{1/2}z`,
   so that

   .. math::

       \sum_j\frac{h_j\kappa_j}{h_j-\zeta} = \sqrt d\,\Big[\delta\,E\frac{\sqrt S}{\sqrt S+\delta}
       + \big(1-\tfrac1d\big)\sum_j\frac{C_j(\delta)}{\lambda_jm_j(\delta)-z}\Big],\qquad
       C_j(\delta) = \frac2\pi\lambda_j^2\,E_z\Big[\frac{z_j^2}{X_0}\Big(E_{P_z}
       \frac{\sqrt{S'}}{\sqrt{S'}+\delta}\Big)^2\Big],

   :math:`X_0 = \sum_k\lambda_kz_k^2`, :math:`S' = S + \lambda_jE` with S drawn from
   :math:`P_z`, the law of :math:`\|a\|^2` given :math:`\langle a, z\rangle = 0`
   (characteristic function :math:`\phi(\omega)(X_{-i\omega}/X_0)^{-1/2}`,
   :math:`X_s = \sum_k\lambda_kz_k^2/(1+2s\lambda_k)`).
4. **Quadrature** (§5). The law of S by an FFT of its characteristic function, mapped to a
   uniform grid in :math:`r = \sqrt S`; the expectation over z by a Sobol net (fixed
   scrambling) over the top coordinates (the rest replaced by their means); squares of Stieltjes
   sums by partial fractions; atoms beyond the first few by quadratic interpolation in
   :math:`\lambda_j`.
5. **Nodes** (§6). The three measures are integrated over log-spaced bins of h by contour
   integrals over half-circles in the upper half-plane (no density on the real axis is needed);
   each bin gives one forcing node and one noise node that keep the bin's mass and its
   :math:`h^{-1}` moment. The masses are scaled to the exact totals :math:`R(0)-R_\ast` and
   :math:`\sum_i\sqrt{K_{ii}}`, whose raw values are reported (they agree to 1e-3 or better).

The floor is the SGD deterministic equivalent's (a column scaling does not change the span of the
features). References: E. Paquette, C. Paquette, L. Xiao, J. Pennington, arXiv 2405.15074 (the
PLRF deterministic equivalent that §3 generalises); K. L. Xiao, N. Marshall, A. Agarwala,
E. Paquette, arXiv 2411.12135 (the signSGD ODE).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtri
from scipy.stats import qmc

from .. import _validation as check
from ..deterministic_equivalent import deterministic_floor, population
from ..problems import PLRF
from ..threads import blas_threads
from .modes import SignSGDModes

__all__ = ["SignSGDEquivalent", "signsgd_equivalent"]

#: Points of the FFT grid of the density of S = d·K_ii (the drift laws), at least; more when
#: the law has structure finer than its range / 16384: see :func:`_grid_points`.
LAW_POINTS = 16384
#: Cells of the uniform grid in r = √S on which the drift laws are integrated.
ROOT_CELLS = 1024
#: The same two sizes for the conditional laws P_z of the noise kernels (one per Sobol point).
KERNEL_POINTS = 2048
KERNEL_CELLS = 512
#: Atoms j with λ_j >= EXACT_FRACTION·E[S] get their own class (exact size-biasing, z_j² weight).
EXACT_FRACTION = 0.005
#: Sobol points processed together (memory: about 16·KERNEL_POINTS·CHUNK bytes per array).
CHUNK = 64
#: Newton iterations for δ before a point is re-solved by a homotopy in Im ζ.
NEWTON_ITERATIONS = 30


# -------------------------------------------------------------------------------------------
# the law of S = d·K_ii and the noise kernels (independent of β)
# -------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _ColumnLaw:
    """Laws on the r = √S grid and the noise kernels of one (α, d, v) (docs §5)."""

    d: int
    lam: NDArray[np.float64]        # population eigenvalues of the atoms
    mult: NDArray[np.float64]       # multiplicities of the atoms
    r: NDArray[np.float64]          # (nr,) cell centres of the r grid of the drift laws
    r_noise: NDArray[np.float64]    # (nk,) cell centres of the r grid of the noise kernels
    n_exact: int                    # atoms 1..n_exact have classes of their own
    laws: NDArray[np.float64]       # (nc, nr) masses of √(S + λ_c E), unconditional
    k1: NDArray[np.float64]         # (nc, nk) noise kernels (docs §5.2)
    k2: NDArray[np.float64]
    k3: NDArray[np.float64]
    csum: NDArray[np.float64]       # (nc,)
    interp: NDArray[np.float64]     # (n_atoms - n_exact, 3) quadratic weights in λ
    mean_sqrt: float                # E√S

    @functools.cached_property
    def _complex(self):
        """Transposed, complex copies of the grid arrays (fast complex matrix products)."""
        return tuple(np.ascontiguousarray(a.T, dtype=np.complex128)
                     for a in (self.laws, self.k1, self.k2, self.k3, self.interp))

    def moments(self, delta: NDArray[np.complex128]):
        """m_j(δ) and dm_j/dδ for every atom, and E[1/(√S + δ)]; δ of shape (n,)."""
        laws, _, _, _, interp = self._complex
        inv = 1.0 / (self.r[None, :] + delta[:, None])
        mc = inv @ laws
        dmc = -((inv * inv) @ laws)
        ne = self.n_exact
        m = np.concatenate([mc[:, :ne], mc[:, ne:] @ interp], axis=1)
        dm = np.concatenate([dmc[:, :ne], dmc[:, ne:] @ interp], axis=1)
        return m, dm, mc[:, ne]

    def noise(self, delta: NDArray[np.complex128]) -> NDArray[np.complex128]:
        """C_j(δ) for every atom (docs (4.2) and §5.2); δ of shape (n,)."""
        _, k1, k2, k3, interp = self._complex
        inv = 1.0 / (self.r_noise[None, :] + delta[:, None])
        s1 = inv @ k1
        s2 = inv @ k2 + (inv * inv) @ k3
        dl = delta[:, None]
        cc = (2.0 / math.pi) * (self.csum[None, :] - 2.0 * dl * s1 + dl * dl * s2)
        ne = self.n_exact
        c = np.concatenate([cc[:, :ne], cc[:, ne:] @ interp], axis=1)
        return c * self.lam[None, :] ** 2


def _log_characteristic(omega: NDArray[np.float64], lam: NDArray[np.float64],
                        mult: NDArray[np.float64]) -> NDArray[np.complex128]:
    r""":math:`\log E e^{i\omega S} = -\frac12\sum_k\omega_k\log(1-2i\omega\lambda_k)`: exact for
    the atoms with :math:`2\lambda_k\max|\omega| \ge 1/4`, a power series in ω (with the power sums
    :math:`\sum\omega_k\lambda_k^n`) for the rest."""
    out = np.zeros(omega.shape, dtype=np.complex128)
    small = 2.0 * lam * np.abs(omega).max() < 0.25
    lam_e, mult_e = lam[~small], mult[~small]
    for lo in range(0, lam_e.size, 64):
        blk = np.log1p(-2j * omega[:, None] * lam_e[None, lo:lo + 64])
        out -= 0.5 * (blk @ mult_e[lo:lo + 64])
    lam_s, mult_s = lam[small], mult[small]
    x = 2j * omega
    power = np.ones_like(x)
    for n in range(1, 60):
        power = power * x
        term = (0.5 * float(mult_s @ lam_s**n) / n) * power
        out += term
        if np.abs(term).max() <= 1e-17 * max(1.0, np.abs(out).max()):
            break
    return out


@dataclass(frozen=True, eq=False)
class _CellMap:
    """Masses of the cells of the r grid from a density on the uniform y grid (trapezoid CDF)."""

    dy: float
    index: NDArray[np.int64]        # grid interval of each r-cell edge (in y = r²)
    frac: NDArray[np.float64]       # position inside that interval

    @classmethod
    def build(cls, y0: float, dy: float, n_y: int, r_edges: NDArray[np.float64]) -> "_CellMap":
        pos = np.clip((r_edges**2 - y0) / dy, 0.0, n_y - 1.0)
        index = np.minimum(np.floor(pos).astype(np.int64), n_y - 2)
        return cls(dy, index, pos - index)

    def __call__(self, dens: NDArray[np.float64]) -> NDArray[np.float64]:
        """Cell masses, shape (..., nr), from densities of shape (..., n_y)."""
        trap = 0.5 * (dens[..., 1:] + dens[..., :-1])
        cum = np.concatenate([np.zeros(dens.shape[:-1] + (1,)), np.cumsum(trap, axis=-1)], -1)
        i, t = self.index, self.frac
        lo, hi = dens[..., i], dens[..., i + 1]
        cdf = cum[..., i] + t * lo + 0.5 * t * t * (hi - lo)
        return self.dy * np.diff(cdf, axis=-1)


def _sobol_normals(dimension: int, points: int) -> NDArray[np.float64]:
    """A fixed quadrature rule for E over ``dimension`` independent N(0, 1) coordinates: the
    Sobol net of ``points`` = 2^m points with a fixed Owen scrambling (seed 0; the unscrambled net
    has poorly spread low-dimensional projections), mapped by the inverse normal CDF."""
    net = qmc.Sobol(d=dimension, scramble=True, seed=0).random_base2(int(math.log2(points)))
    return ndtri(net)


def _frequencies(length: float, n_y: int) -> NDArray[np.float64]:
    """Frequencies of a real inverse FFT that gives a density on a grid of ``n_y`` points.

    p(y0 + m·dy) = (1/L) Σ_k φ(ω_k) e^{-iω_k(y - y0)}, ω_k = 2πk/L; with k → −k this is the real
    inverse FFT of B_k = φ(−ω_k) e^{iω_k y0}/dy (k >= 0), so characteristic functions are evaluated
    at the returned non-positive frequencies ω = −2πk/L.
    """
    return -np.arange(n_y // 2 + 1) * (2.0 * math.pi / length)


def _grid_points(minimum: int, needed: float) -> int:
    """The smallest power of 2 that is >= ``minimum`` and >= ``needed``. The law of S varies on
    the scale λ_2 near S = 0 (S ≈ λ_1 g_1² + λ_2 g_2² + … for large α), so the y grids get a few
    points per λ_2 (below α ≈ 1.5 the defaults already do)."""
    return max(minimum, 1 << math.ceil(math.log2(max(needed, 2.0))))


def _hilbert_kernel(cells: int, dr: float) -> NDArray[np.complex128]:
    """rfft of 1/((i−j)dr), i ≠ j, for the linear convolution H_i = Σ_{j≠i} p_j/(r_j − r_i)."""
    offs = np.arange(-cells + 1, cells)
    kern = np.zeros(4 * cells)
    kern[:offs.size] = np.where(offs == 0, 0.0, 1.0 / (np.where(offs == 0, 1, offs) * dr))
    return np.fft.rfft(kern)


@functools.lru_cache(maxsize=16)
def _column_law(alpha: float, d: int, v: int, top: int, net_points: int) -> _ColumnLaw:
    """Law of S = d·K_ii on the r grid, its size-biased versions and the noise kernels (§5)."""
    pop = population(alpha, d, v)
    index, mult, n_exact_atoms = pop.index, pop.omega, pop.n_exact
    lam = index ** (-2.0 * alpha)
    mean = float(mult @ lam)
    sd = math.sqrt(2.0 * float(mult @ lam**2))
    # y range: the law of S has an exponential tail of scale 2λ_1 and a Gaussian core
    y0 = max(0.0, mean - 16.0 * sd)
    length = mean + 16.0 * sd + 80.0 * lam[0] - y0
    r_lo, r_hi = math.sqrt(y0), math.sqrt(y0 + length)
    lam_2 = lam[min(1, lam.size - 1)]     # the scale of the law's structure near S = 0
    law_points = _grid_points(LAW_POINTS, 16.0 * length / lam_2)
    kernel_points = _grid_points(KERNEL_POINTS, 2.0 * length / lam_2)
    # classes: atoms 1..ne exactly, then λ ∈ {0, λ*/2, λ*} for quadratic interpolation in λ
    top = min(top, n_exact_atoms)
    # (at least one atom is left to the interpolation classes: a tiny v may have no others)
    ne = min(int(np.sum(lam[:top] >= EXACT_FRACTION * mean)), lam.size - 1)
    lam_star = float(lam[ne])
    class_lam = np.concatenate([lam[:ne], [0.0, 0.5 * lam_star, lam_star]])

    # drift laws: √(S + λ_c E), E ~ χ²₂, on the fine grids (docs §5.1)
    omega = _frequencies(length, law_points)
    base = np.exp(_log_characteristic(omega, lam, mult) - 1j * omega * y0) \
        * (law_points / length)
    size_bias = 1.0 / (1.0 - 2j * omega[None, :] * class_lam[:, None])
    r_edges = np.linspace(r_lo, r_hi, ROOT_CELLS + 1)
    cells = _CellMap.build(y0, length / law_points, law_points, r_edges)
    laws = cells(np.fft.irfft(base[None, :] * size_bias, law_points, axis=1))
    r = 0.5 * (r_edges[1:] + r_edges[:-1])
    mean_sqrt = float(laws[ne] @ r)

    # noise kernels: a Sobol net over z_1..z_top, z_k² = 1 beyond (docs §5.2)
    omega = _frequencies(length, kernel_points)
    base = np.exp(_log_characteristic(omega, lam, mult) - 1j * omega * y0) \
        * (kernel_points / length)
    size_bias = 1.0 / (1.0 - 2j * omega[None, :] * class_lam[:, None])
    r_edges = np.linspace(r_lo, r_hi, KERNEL_CELLS + 1)
    cells = _CellMap.build(y0, length / kernel_points, kernel_points, r_edges)
    r_noise = 0.5 * (r_edges[1:] + r_edges[:-1])
    kern_f = _hilbert_kernel(KERNEL_CELLS, r_edges[1] - r_edges[0])
    z2 = _sobol_normals(top, net_points) ** 2
    lam_top = lam[:top]
    tail_lam, tail_mult = lam[top:], mult[top:]
    x0 = z2 @ lam_top + float(tail_mult @ tail_lam)
    tail = np.zeros(omega.size, dtype=np.complex128)
    for lo in range(0, tail_lam.size, 256):
        blk = tail_lam[None, lo:lo + 256]
        tail += ((tail_mult[lo:lo + 256] * tail_lam[lo:lo + 256])[None, :]
                 / (1.0 - 2j * omega[:, None] * blk)).sum(axis=1)
    weights = np.concatenate([z2[:, :ne], np.ones((net_points, 3))], axis=1) \
        / (x0[:, None] * net_points)                                         # (nz, nc)
    nc, nk = class_lam.size, KERNEL_CELLS
    k1, k2, k3 = np.zeros((nc, nk)), np.zeros((nc, nk)), np.zeros((nc, nk))
    decay = lam_top[:, None] / (1.0 - 2j * omega[None, :] * lam_top[:, None])   # (top, nω)
    for lo in range(0, net_points, CHUNK):
        x_s = z2[lo:lo + CHUNK] @ decay + tail[None, :]                      # X_{-iω}(z)
        cf = base[None, :] * np.sqrt(x0[lo:lo + CHUNK, None] / x_s)
        w = weights[lo:lo + CHUNK]
        for c in range(nc):
            p = cells(np.fft.irfft(cf * size_bias[c], kernel_points, axis=1))   # (chunk, nk)
            conv = np.fft.irfft(np.fft.rfft(p, 4 * nk, axis=1) * kern_f, 4 * nk, axis=1)
            hilbert = -conv[:, nk - 1:2 * nk - 1]
            k1[c] += w[:, c] @ p
            k2[c] += w[:, c] @ (2.0 * p * hilbert)
            k3[c] += w[:, c] @ (p * p)
    csum = weights.sum(axis=0)
    t = lam[ne:] / lam_star
    interp = np.stack([(2 * t - 1) * (t - 1), -4 * t * (t - 1), t * (2 * t - 1)], axis=1)
    out = _ColumnLaw(d, lam, mult, r, r_noise, ne, laws, k1, k2, k3, csum, interp, mean_sqrt)
    for arr in (lam, mult, r, r_noise, laws, k1, k2, k3, csum, interp):
        arr.setflags(write=False)
    return out


# -------------------------------------------------------------------------------------------
# the fixed point δ(z) and the three Stieltjes transforms
# -------------------------------------------------------------------------------------------
def _newton(law: _ColumnLaw, z: NDArray[np.complex128], delta: NDArray[np.complex128],
            iterations: int, tol: float = 1e-12):
    r"""Newton on :math:`\Phi(\delta) = \delta - \frac1d\sum_j
    \omega_j\lambda_j/(\lambda_jm_j(\delta) - z)` (docs (3.2)), steps halved while they would leave
    Im δ ≥ 0. Returns δ and a converged flag."""
    lam_w = law.mult * law.lam / law.d
    lam2_w = law.mult * law.lam**2 / law.d
    delta = delta.astype(np.complex128).copy()
    done = np.zeros(delta.shape, dtype=bool)
    for _ in range(iterations):
        act = ~done
        if not act.any():
            break
        da, za = delta[act], z[act]
        m, dm, _ = law.moments(da)
        den = law.lam[None, :] * m - za[:, None]
        inv = 1.0 / den
        phi = da - inv @ lam_w
        dphi = 1.0 + (dm * inv * inv) @ lam2_w
        step = phi / dphi
        new = da - step
        for _half in range(40):
            bad = (new.imag < 0) | ~np.isfinite(new)
            if not bad.any():
                break
            step = np.where(bad, 0.5 * step, step)
            new = da - step
        delta[act] = new
        idx = np.flatnonzero(act)
        done[idx[np.abs(step) <= tol * np.maximum(np.abs(new), 1e-300)]] = True
    return delta, done


def _solve(law: _ColumnLaw, z: NDArray[np.complex128],
           guess: NDArray[np.complex128] | None = None) -> NDArray[np.complex128]:
    """δ(z) for Im z > 0: Newton from ``guess``; points that fail (or land on Im δ ≤ 0), and all
    points when no guess is given, are solved along z = Re z + i·max(Im z, η|z|), η from 10 down
    to 0 (a homotopy from far above the spectrum, where δ ≈ −tr Λ/(d z); it follows the branch
    that is the Stieltjes transform's)."""
    if guess is None:
        ok = np.zeros(z.shape, dtype=bool)
        delta = np.empty(z.shape, dtype=np.complex128)
    else:
        delta, ok = _newton(law, z, guess, NEWTON_ITERATIONS)
        ok &= delta.imag > 0
    if not ok.all():
        zb = z[~ok]
        db = -float(law.mult @ law.lam) / law.d / (zb.real + 10j * np.abs(zb))
        for eta in (10.0, 3.0, 1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 0.0):
            zt = zb.real + 1j * np.maximum(zb.imag, eta * np.abs(zb))
            db, okb = _newton(law, zt, db, 60)
        if not (okb.all() and (db.imag > 0).all()):
            raise FloatingPointError(f"the fixed point δ(z) did not converge at "
                                     f"{int((~okb).sum())} points (first z = {zb[~okb][:1]})")
        delta[~ok] = db
    return delta


def _transforms(law: _ColumnLaw, zeta: NDArray[np.complex128], delta: NDArray[np.complex128]):
    """Counting and noise-energy transforms at ζ (docs §3.3 and (4.1)), and the diagonal
    resolvent q_j = 1/(λ_j m_j(δ) − z) of every atom: the forcing transform (without the atom at
    0) is (1/(2√d)) Σ_j ω_j b̌_j² q_j (§3.3), linear in the target weights b̌²."""
    d = law.d
    root_d = math.sqrt(d)
    m, _, m_plain = law.moments(delta)
    q = 1.0 / (law.lam[None, :] * m - zeta[:, None] / root_d)
    weight = 1.0 - delta * m_plain                              # E[√S/(√S + δ)]
    # tr(M − ζ)⁻¹ from the feature side, minus the v − d zero modes (the column-side form
    # −(d/ζ)E[√S/(√S+δ)] misses, near each top outlier, the column's own entry on it: §3.3)
    count = (q @ law.mult) / root_d + (float(law.mult.sum()) - d) / zeta
    noise = root_d * (delta * weight + (1.0 - 1.0 / d) * ((q * law.noise(delta)) @ law.mult))
    return count, q, noise


# -------------------------------------------------------------------------------------------
# measures on bins of h by contour integrals
# -------------------------------------------------------------------------------------------
def _outlier_edges(law: _ColumnLaw, ratio: float) -> list[float]:
    """Bin edges between the top outliers √d·λ_j m_j(0) while they are more than ``ratio``
    apart (an edge then never falls inside an outlier's narrow interval), highest first."""
    m, _, _ = law.moments(np.zeros(1, dtype=np.complex128))
    pos = math.sqrt(law.d) * law.lam * m[0].real
    edges = [1.5 * pos[0]]
    j = 0
    while (j + 1 < pos.size and law.mult[j + 1] == 1.0 and pos[j] / pos[j + 1] > ratio):
        edges.append(math.sqrt(pos[j] * pos[j + 1]))
        j += 1
    return edges


@functools.lru_cache(maxsize=4)
def _arc(nodes: int) -> tuple[NDArray[np.complex128], NDArray[np.float64]]:
    """Gauss–Legendre nodes e^{iθ} on the unit half-circle from θ = π (x0) to θ = 0 (x1), and
    their weights in θ."""
    theta, weight = np.polynomial.legendre.leggauss(nodes)
    e = np.exp(1j * (math.pi - 0.5 * math.pi * (theta + 1.0)))
    return e, 0.5 * math.pi * weight


class _BinPath:
    r"""The bins of h from the top down and their contour integrals, extended on demand (§6).

    For a bin :math:`[x_0, x_1]` and a transform :math:`G(\zeta) = \int\mu(dh)/(h-\zeta)`,
    analytic off the positive axis, :math:`\mu([x_0,x_1]) = \frac1\pi\operatorname{Im}
    \int_{x_0}^{x_1}G(x+i0)\,dx = \frac1\pi\operatorname{Im}\int_\Gamma G(\zeta)\,d\zeta` over the
    half-circle Γ above the bin (Cauchy), by Gauss–Legendre in the angle; likewise the
    :math:`h^{\pm1}` moments with :math:`\zeta^{\pm1}G`. Newton for δ starts from the previous
    bin's values; a bin with a negative mass (a root off the Stieltjes branch, met just below the
    bulk) is solved again by the homotopy of :func:`_solve`.

    δ, the counting and the noise measures do not depend on β; the forcing transform is linear in
    the target weights :math:`\check b_j^2` (§3.3), so each bin keeps the per-atom vectors of its
    forcing energy and :math:`\sum v_0` (``forcing``, shape (n_bins, 2, n_atoms)) and serves every
    β. With ``checked`` = (b̌², R(0) − R*) of one β the forcing of that β also decides the
    retries and the top, as for a model built for that β alone (:func:`_bin_masses`).
    """

    def __init__(self, law: _ColumnLaw, ratio: float, arc_nodes: int,
                 checked: tuple[NDArray[np.float64], float] | None = None) -> None:
        self.law, self.ratio, self.arc_nodes = law, ratio, arc_nodes
        self.totals = np.array([float(law.d), math.sqrt(law.d) * law.mean_sqrt])
        self.checked = checked
        self.rows: list[NDArray[np.float64]] = []       # (x0, x1, count, Σh, Σhκ, Σκ)
        self.forcing: list[NDArray[np.float64]] = []    # (2, n_atoms) per bin
        self.retried: list[bool] = []                   # solved by the homotopy
        self.guess: NDArray[np.complex128] | None = None
        # the top: above the first outlier for 2α > 1, but for 2α < 1 the bulk may reach beyond
        # it; the first edge is raised (by factors 2) until [top, 4·top] carries < 1e-10 of every
        # total (on this wide arc 64 nodes), and bins of ratio ``ratio`` fill the way down
        edges = _outlier_edges(law, ratio)
        top = edges[0]
        while True:
            scalars, vectors, _, _ = self._masses(top, 4.0 * top, None, 64)
            self.far_forcing = vectors[0]               # per-atom forcing energy on [top, 4·top]
            quiet = np.abs(scalars[[0, 3]]) < 1e-10 * self.totals
            if np.all(quiet) and abs(self._checked_share(vectors[0])) < 1e-10:
                break
            top *= 2.0
        fill = []
        while top / ratio > edges[0] and top > edges[0]:
            fill.append(top)
            top /= ratio
        self.edges = fill + edges

    def _checked_share(self, vector: NDArray[np.float64]) -> float:
        """The forcing of the checked β from a per-atom vector, over its total (0 without one)."""
        if self.checked is None:
            return 0.0
        target2, excess0 = self.checked
        return float(vector @ target2) / excess0

    def _masses(self, lo: float, hi: float, guess: NDArray[np.complex128] | None, nodes: int):
        """(count, Σh, Σhκ, Σκ), the forcing vectors (2, n_atoms), δ on the arc and whether the
        homotopy solved it."""
        law = self.law
        root_d = math.sqrt(law.d)
        e, weight = _arc(nodes)
        zeta = 0.5 * (hi + lo) + 0.5 * (hi - lo) * e
        dzeta = -0.5j * (hi - lo) * e * weight
        for start in (guess, None):
            delta = _solve(law, zeta / root_d, start)
            count, q, noise = _transforms(law, zeta, delta)
            scalars = (np.stack([count, zeta * count, noise, noise / zeta]) @ dzeta).imag / math.pi
            vectors = (np.stack([dzeta, dzeta / zeta]) @ q).imag * (law.mult * (0.5 / root_d
                                                                                / math.pi))
            if start is None:
                break
            masses = np.array([scalars[0], scalars[3]])
            if np.all(masses > -1e-6 * self.totals) and self._checked_share(vectors[0]) > -1e-6:
                break
        return scalars, vectors, delta, start is None

    def extend(self, n_bins: int) -> None:
        """Compute the bins up to ``n_bins``."""
        while len(self.rows) < n_bins:
            k = len(self.rows) + 1
            hi = self.rows[-1][0] if self.rows else self.edges[0]
            lo = self.edges[k] if k < len(self.edges) else hi / self.ratio
            scalars, vectors, self.guess, retried = self._masses(lo, hi, self.guess,
                                                                 self.arc_nodes)
            self.rows.append(np.concatenate([[lo, hi], scalars]))
            self.forcing.append(vectors)
            self.retried.append(retried)


def _bin_masses(path: _BinPath, target2: NDArray[np.float64], excess0: float,
                max_bins: int = 20000) -> NDArray[np.float64] | None:
    """Masses of the counting, forcing and noise measures of one β on the bins of ``path``.

    The bins stop when the counting measure is complete (to 1e-2; it is then within about 1e-3)
    and ten bins in a row carry less than 1e-9 of every total. Returns rows (x0, x1, count, Σh,
    forcing energy, forcing Σ v0, noise Σhκ, noise Σκ), or None when the shared ``path`` (no
    checked β) did not take the top or a retry that a path checked by this β takes: its forcing
    is then not small on the arc above the top, or negative on a bin that Newton solved.
    """
    law = path.law
    shared = path.checked is None
    if shared and abs(float(path.far_forcing @ target2)) >= 1e-10 * excess0:
        return None
    totals = np.array([float(law.d), excess0, math.sqrt(law.d) * law.mean_sqrt])
    rows = []
    quiet = 0
    count = 0.0
    for k in range(max_bins):
        path.extend(k + 1)
        forcing = path.forcing[k] @ target2
        if shared and not path.retried[k] and forcing[0] <= -1e-6 * excess0:
            return None
        x0, x1, cnt, cnt_h, noise_h, noise = path.rows[k]
        rows.append((x0, x1, cnt, cnt_h, forcing[0], forcing[1], noise_h, noise))
        count += cnt
        small = np.abs([cnt, forcing[0], noise]) < 1e-9 * totals
        quiet = quiet + 1 if np.all(small) else 0
        if count > law.d * (1.0 - 1e-2) and quiet >= 10:
            return np.array(rows)
    raise FloatingPointError(f"the measures were not exhausted after {max_bins} bins "
                             f"(counting measure {count:.6g} of {law.d})")


def _merge(h: NDArray, mass: NDArray, inverse: NDArray, n: int):
    """Merge consecutive nodes (sorted by h) into at most n groups; each group keeps its mass and
    its h^{-1} moment (position = mass / inverse moment). Group boundaries are equally spaced in
    half the mass fraction plus half the log-h position, so that both the mass concentrations
    (top outliers) and the decades of the bulk keep nodes."""
    if n >= h.size:
        return h, mass, inverse
    log_h = np.log(h)
    span = max(float(log_h.max() - log_h.min()), 1e-300)
    position = np.abs(log_h - log_h[0]) / span
    share = 0.5 * (np.cumsum(mass) - 0.5 * mass) / mass.sum() + 0.5 * position
    group = np.minimum((share * n).astype(np.int64), n - 1)
    _, group = np.unique(group, return_inverse=True)
    m = np.bincount(group, weights=mass)
    inv = np.bincount(group, weights=inverse)
    return m / inv, m, inv


# -------------------------------------------------------------------------------------------
# public interface
# -------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SignSGDEquivalent:
    r"""Large-d model of signSGD on a PLRF problem: the inputs of its risk ODE on nodes.

    Built by :func:`signsgd_equivalent` (module notes; ``docs/signsgd_large_d.md``).

    Attributes
    ----------
    problem : PLRF
    modes : SignSGDModes
        ``eigenvalues`` :math:`h_\ell`, ``kappa`` (node totals of :math:`\kappa`), ``v0`` (node
        totals of :math:`v_j(0)`), and ``diagonal``, a constant vector of length d whose square
        roots sum to :math:`\sum_i\sqrt{K_{ii}} = \sqrt d\,E\sqrt S`. Each bin of h gives one
        forcing node (``kappa`` 0) and one noise node (``v0`` 0).
    floor : float
        :math:`R_\ast` (the SGD deterministic equivalent's) plus half the label-noise variance.
    mean_sqrt_diagonal : float
        :math:`E\sqrt{K_{ii}}`.
    bins : ndarray, shape (n_bins, 8)
        Per bin of h: edges (x0, x1), counting mass, its h-moment, forcing energy
        :math:`\sum h_jv_j(0)`, :math:`\sum v_j(0)`, noise energy :math:`\sum h_j\kappa_j`,
        :math:`\sum\kappa_j` (before the scaling to the exact totals).
    mass_check : tuple of float
        Raw totals over exact ones: counting mass / d, forcing energy / (R(0) − R*),
        noise mass / Σ√K_ii (each 1 within about 1e-5; the node masses are scaled to be exact).
    settings : dict
        The numerical settings used.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> model = dr.signsgd.signsgd_equivalent(dr.PLRF(1.0, 0.3, d=200))
    >>> round((model.modes.initial_excess + model.floor) / model.problem.initial_risk, 12)
    1.0
    """

    problem: PLRF
    modes: SignSGDModes
    floor: float
    mean_sqrt_diagonal: float
    bins: NDArray[np.float64] = field(repr=False)
    mass_check: tuple[float, float, float]
    settings: dict = field(repr=False)

    def stieltjes(self, zeta: ArrayLike) -> tuple[NDArray[np.complex128], ...]:
        r"""The model's transforms at points ζ of the upper half-plane (the finite-d sums they
        replace, over the d modes of one W):

        :math:`\sum_j\frac1{h_j-\zeta}`, :math:`\sum_j\frac{h_jv_j(0)}{h_j-\zeta}` and
        :math:`\sum_j\frac{h_j\kappa_j}{h_j-\zeta}`.

        Parameters
        ----------
        zeta : array_like of complex
            Points with Im ζ > 0.

        Returns
        -------
        count, forcing, noise : ndarray of complex, the shape of ``zeta``

        Raises
        ------
        ValueError
            If some Im ζ <= 0.

        Examples
        --------
        >>> import deterministic_risk as dr
        >>> model = dr.signsgd.signsgd_equivalent(dr.PLRF(1.0, 0.3, d=200))
        >>> count, forcing, noise = model.stieltjes([1e6j])       # far away: -(d, R(0)-R*, ..)/ζ
        >>> round(float((-1e6j * count[0]).real), 3)
        200.0
        """
        z = np.asarray(zeta, dtype=np.complex128)
        if np.any(z.imag <= 0):
            raise ValueError("zeta must lie in the upper half-plane (Im zeta > 0)")
        p = self.problem
        flat = z.ravel()
        with blas_threads(1):        # as when the model was built (signsgd_equivalent)
            law = _column_law(p.alpha, p.d, p.v, self.settings["top"],
                              self.settings["net_points"])
            delta = _solve(law, flat / math.sqrt(p.d))
            count, q, noise = _transforms(law, flat, delta)
            # docs §3.3: (1/(2√d)) Σ_j b̌_j² q_j, plus the atom R*/ζ at 0
            forcing = (0.5 / math.sqrt(p.d)) * (q @ (law.mult * _target2(p)))
        forcing = forcing + (self.floor - 0.5 * p.noise_std**2) / flat
        return tuple(a.reshape(z.shape) for a in (count, forcing, noise))


def _target2(problem) -> NDArray[np.float64]:
    index = population(problem.alpha, problem.d, problem.v).index
    return index ** (-2.0 * problem.alpha - 2.0 * problem.beta)


def signsgd_equivalent(problem, *, n_nodes: int | None = None, bin_ratio: float = 1.03,
                       arc_nodes: int = 10, net_points: int = 512, top: int = 24
                       ) -> SignSGDEquivalent:
    r"""The large-d (deterministic-equivalent) model of the signSGD risk ODE on a PLRF problem.

    Parameters
    ----------
    problem : PLRF
    n_nodes : int, optional
        Merge the nodes into about this many (half forcing, half noise nodes; each merged node
        keeps its mass and :math:`h^{-1}` moment). Default: two nodes per bin.
    bin_ratio : float, default 1.03
        Ratio of consecutive bin edges in h (below the separated top outliers).
    arc_nodes : int, default 10
        Gauss–Legendre nodes on each half-circle.
    net_points : int, default 512
        Points of the Sobol net over the top coordinates (a power of 2 >= 16).
    top : int, default 24
        Number of top coordinates integrated by the net (the rest replaced by their means).

    Returns
    -------
    SignSGDEquivalent

    Raises
    ------
    TypeError
        If ``problem`` is not a PLRF.
    ValueError
        For settings out of range.

    Notes
    -----
    The equations are in the module notes and ``docs/signsgd_large_d.md``. The cost does not grow
    with the horizon and grows with d only through the O(√d) population atoms and the number of
    bins (logarithmic): about 2 s of CPU time at d = 10⁴ and 15 s at d = 10⁶
    (``benchmarks/bench_signsgd_large_d.py``). Cached per problem and settings.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> prob = dr.PLRF(1.0, 0.3, d=200)
    >>> model = dr.signsgd.signsgd_equivalent(prob)
    >>> np.allclose(model.mass_check, 1.0, atol=2e-3)     # raw totals, before the scaling
    True
    >>> round(model.modes.sum_sqrt_diagonal / (200 * dr.signsgd.diagonal_law(prob).mean_sqrt), 3)
    1.0
    """
    if not isinstance(problem, PLRF):
        raise TypeError(f"problem must be a PLRF, got {type(problem).__name__}")
    if n_nodes is not None:
        n_nodes = check.positive_int("n_nodes", n_nodes, minimum=2)
    bin_ratio = check.positive_float("bin_ratio", bin_ratio)
    if not 1.0 < bin_ratio <= 2.0:
        raise ValueError(f"bin_ratio must lie in (1, 2], got {bin_ratio}")
    arc_nodes = check.positive_int("arc_nodes", arc_nodes, minimum=2)
    net_points = check.positive_int("net_points", net_points, minimum=16)
    if net_points & (net_points - 1):
        raise ValueError(f"net_points must be a power of 2 (a Sobol net), got {net_points}")
    top = check.positive_int("top", top)
    # one BLAS thread: the model's vectors are small, and its bins must not depend on the
    # summation order of a threaded BLAS (with two threads Σ v(0) moved by 3e-4 at d = 60)
    with blas_threads(1):
        return _equivalent(problem.alpha, problem.beta, problem.d, problem.v,
                           problem.noise_std, n_nodes, bin_ratio, arc_nodes, net_points, top)


@functools.lru_cache(maxsize=32)
def _equivalent(alpha, beta, d, v, noise_std, n_nodes, bin_ratio, arc_nodes, net_points, top
                ) -> SignSGDEquivalent:
    problem = PLRF(alpha, beta, d, v, noise_std)
    law = _column_law(alpha, d, v, top, net_points)
    capacity_floor = deterministic_floor(problem)
    excess0 = PLRF(alpha, beta, d, v).initial_risk - capacity_floor
    noise_total = math.sqrt(d) * law.mean_sqrt                       # Σ_i √K_ii
    bins = _bins_cached(alpha, beta, d, v, bin_ratio, arc_nodes, net_points, top)
    _, _, count, _, energy, inv_f, noise, inv_k = bins.T
    check_ = (float(count.sum() / d), float(energy.sum() / excess0),
              float(inv_k.sum() / noise_total))
    keep_f = (energy > 0) & (inv_f > 0)
    keep_k = (noise > 0) & (inv_k > 0)
    energy, inv_f = energy[keep_f], inv_f[keep_f]
    noise, inv_k = noise[keep_k], inv_k[keep_k]
    scale_f = excess0 / energy.sum()
    scale_k = noise_total / inv_k.sum()
    energy, inv_f = energy * scale_f, inv_f * scale_f
    noise, inv_k = noise * scale_k, inv_k * scale_k
    h_f, h_k = energy / inv_f, noise / inv_k
    if n_nodes is not None:
        h_f, energy, inv_f = _merge(h_f, energy, inv_f, max(1, n_nodes // 2))
        h_k, noise, inv_k = _merge(h_k, noise, inv_k, max(1, n_nodes - n_nodes // 2))
    h = np.concatenate([h_f, h_k])
    kappa = np.concatenate([np.zeros(h_f.size), inv_k])
    v0 = np.concatenate([inv_f, np.zeros(h_k.size)])
    diag = np.full(d, law.mean_sqrt**2 / d)
    modes = SignSGDModes(h, kappa, v0, diag, None)
    for arr in (modes.eigenvalues, modes.kappa, modes.v0, modes.diagonal, bins):
        arr.setflags(write=False)
    settings = {"n_nodes": n_nodes, "bin_ratio": bin_ratio, "arc_nodes": arc_nodes,
                "net_points": net_points, "top": top}
    return SignSGDEquivalent(problem, modes, capacity_floor + 0.5 * noise_std**2,
                             law.mean_sqrt / math.sqrt(d), bins, check_, settings)


@functools.lru_cache(maxsize=32)
def _bins_cached(alpha, beta, d, v, bin_ratio, arc_nodes, net_points, top) -> NDArray[np.float64]:
    """The bins of one β, read off the path shared by every β of (α, d, v); a β whose forcing
    would take another top or retry gets a path of its own (the same numbers as the shared one
    where both apply)."""
    problem = PLRF(alpha, beta, d, v)
    excess0 = problem.initial_risk - deterministic_floor(problem)
    target2 = _target2(problem)
    rows = _bin_masses(_shared_path(alpha, d, v, bin_ratio, arc_nodes, net_points, top), target2,
                       excess0)
    if rows is None:
        law = _column_law(alpha, d, v, top, net_points)
        rows = _bin_masses(_BinPath(law, bin_ratio, arc_nodes, (target2, excess0)), target2,
                           excess0)
    return rows


@functools.lru_cache(maxsize=1)
def _shared_path(alpha, d, v, bin_ratio, arc_nodes, net_points, top) -> _BinPath:
    """The bins of (α, d, v) with the β-independent retries and top (:class:`_BinPath`). One is
    kept: a phase-map column asks for one (α, d, v), and its per-atom forcing vectors take
    16·n_atoms·n_bins bytes (48 MB at α = 1.51, d = 10⁵: 897 bins, 3372 atoms)."""
    return _BinPath(_column_law(alpha, d, v, top, net_points), bin_ratio, arc_nodes)

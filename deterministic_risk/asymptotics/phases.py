r"""Phases of the compute-optimal problem: classification, derived tables, comparison regions.

A phase is keyed by its **active set** (which terms balance, which constraints bind, which step
scaling is in force); its region, ξ, η and step exponent all follow from the terms
(:mod:`.compute_optimal`). Display names (Ia, …, IVb; Aa, …, Bb) are borrowed from the reference
tables of :mod:`.literature` by region only, so a mislabelled reference row (the open IVa/IVb
question, docs/phases.md, 'Caveats on the phase table') cannot change a number.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray

from .. import _validation as check
from . import literature
from .symbolic_frontier import (OPTIMIZERS, SymbolicVertex, problem, solve_exponents,
                              solve_exponents_grid, symbolic_vertex, two_term_optimum)
from .symbols import alpha, beta

__all__ = ["PhaseResult", "Comparison", "phase_of", "phase_table", "exponent_grid",
           "boundary_distance", "compare_optimizers", "sample_domain"]

_DOMAIN = {"sgd": (0.02, 3.0, -1.0, 3.0), "signsgd": (0.26, 3.0, -1.0, 3.0),
           "signsgd-decay": (0.26, 3.0, -1.0, 3.0)}


@dataclass(frozen=True)
class PhaseResult:
    r"""The compute-optimal phase at a point (or of a region): names, exponents and formulas.

    Attributes
    ----------
    optimizer : str
    alpha, beta : float
        The point the result was computed at (a representative point for table rows).
    name : str
        Display name (``"Ia"``, ``"III"``, ``"IVb"``, ``"Ab"``, …); ``"II/III"`` on a boundary.
    key : str
        The region key: optimizer, active terms and constraints, step scaling.
    xi, eta : float
        d* ≍ f^ξ and loss ≍ f^{−η}. ``xi`` is NaN only on a boundary where the optimal d is not
        unique (``xi_unique`` False; the objective is flat in d there, e.g. α = 1 − 1/√2).
    lr_exponent : float or None
        e with γ ≍ d^{−e} (fixed for SGD, optimised for signSGD, None for the decay model).
    dominant_terms : tuple of str
        The balanced terms (term keys).
    tradeoff : str
        The balance, e.g. ``"F_pp = F_0"``.
    xi_expr, eta_expr, lr_exponent_expr : sympy.Expr
        The closed forms behind the floats.
    d_constant, risk_constant : sympy.Expr or None
        C_d, C_R in d* = C_d f^ξ, R* = C_R f^{−η} (SGD two-term optima; symbols γ̂, B, and κ_ν,
        ν for 2α < 1), computed on first access. None where the terms do not give them.
    vertex : SymbolicVertex
        The symbolic solution (multipliers, slacks) behind the row.
    region : tuple of sympy.Boolean
        Derived inequalities delimiting the phase (KKT multipliers > 0, inactive terms below the
        optimum, inactive constraints slack, and the regimes of the balanced terms).
    on_boundary : bool
    neighbours : tuple of str
        Names of the adjacent phases (on a boundary).
    xi_unique : bool
    label_verified : bool
        False when the display name comes from an unverified label (IVa/IVb, signSGD areas).
    conjecture : bool
        True for the decay-schedule model.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> r = dr.asymptotics.phase_of(1.0, 1.5)
    >>> r.name, r.tradeoff, round(r.eta, 6)
    ('III', 'F_ac = noise', 0.75)
    """

    optimizer: str
    alpha: float
    beta: float
    name: str
    key: str
    xi: float
    eta: float
    lr_exponent: float | None
    dominant_terms: tuple[str, ...]
    tradeoff: str
    xi_expr: sp.Expr = field(repr=False)
    eta_expr: sp.Expr = field(repr=False)
    lr_exponent_expr: sp.Expr | None = field(repr=False)
    vertex: SymbolicVertex | None = field(repr=False, default=None)
    region: tuple = field(repr=False, default=())
    on_boundary: bool = False
    neighbours: tuple[str, ...] = ()
    xi_unique: bool = True
    label_verified: bool = True
    conjecture: bool = False

    @functools.cached_property
    def _constants(self):
        if self.optimizer != "sgd" or self.on_boundary or self.vertex is None:
            return None
        return two_term_optimum(self.vertex)

    @property
    def d_constant(self) -> sp.Expr | None:
        """C_d in d* = C_d f^ξ (SGD two-term optimum, docs/phases.md), else None."""
        return None if self._constants is None else self._constants[0]

    @property
    def risk_constant(self) -> sp.Expr | None:
        """C_R in R* = C_R f^{−η} (SGD two-term optimum, docs/phases.md), else None."""
        return None if self._constants is None else self._constants[1]

    def __repr__(self) -> str:
        where = f"α={self.alpha:g}, β={self.beta:g}"
        extra = " (boundary)" if self.on_boundary else ""
        return (f"PhaseResult({self.optimizer} {self.name}{extra} at {where}: ξ={self.xi:.6g}, "
                f"η={self.eta:.6g}, trade-off {self.tradeoff})")


def _reference_rows(optimizer: str):
    return {"sgd": literature.SGD_4P3, "signsgd": literature.SIGNSGD_NOTE}.get(optimizer, ())


@functools.lru_cache(maxsize=None)
def _parsed_region(region: str) -> sp.Basic:
    return sp.sympify(region, locals={"alpha": alpha, "beta": beta})


def _display_name(optimizer: str, a: float, b: float, sv: SymbolicVertex) -> tuple[str, bool]:
    for row in _reference_rows(optimizer):
        if bool(_parsed_region(row["region"]).subs({alpha: a, beta: b})):
            return row["name"], bool(row["label_verified"])
    tags = dict.fromkeys(tag for tm in sv.terms for tag in tm.variant.split(", ")
                         if tag and tag != "decay")
    name = sv.tradeoff + (f" [{', '.join(tags)}]" if tags else "")
    if optimizer == "signsgd-decay":
        name = "decay: " + name
    return name, False


def _check_point(optimizer: str, a: object, b: object) -> tuple[float, float]:
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    a = check.positive_float("alpha", a)
    b = check.finite_float("beta", b)
    if 2 * a + 2 * b <= 1:
        raise ValueError(f"alpha and beta must satisfy 2*alpha + 2*beta > 1, got "
                         f"2*{a} + 2*{b} = {2 * a + 2 * b}")
    if optimizer != "sgd" and a <= 0.25:
        raise ValueError(f"alpha must be > 1/4 for {optimizer} (docs/signsgd_plrf.md), got {a}")
    return a, b


def _vertex_symbolic(optimizer: str, a: float, b: float, v) -> SymbolicVertex:
    prob = problem(optimizer)
    _, lr, cons = prob.branch(a, b)
    return symbolic_vertex(optimizer, v.active_terms, v.active_constraints,
                           None if lr is None else lr.variant, v.branch_terms,
                           tuple(c.name for c in cons))


def _evalf(expr, a: float, b: float) -> float:
    return float(sp.N(expr.subs({alpha: sp.Float(a, 30), beta: sp.Float(b, 30)}), 20))


@functools.lru_cache(maxsize=4096)
def _phase_of_cached(optimizer: str, a: float, b: float) -> PhaseResult:
    v = solve_exponents(optimizer, a, b)
    if not v.degenerate:
        sv = _vertex_symbolic(optimizer, a, b, v)
        return _result(optimizer, a, b, sv, v.eta)
    # a boundary: name it after the phases around it. The probing radius shrinks until the probes
    # lie inside the valid domain (a point near alpha = 0 has no neighbours at radius 1e-6).
    neigh: list[PhaseResult] = []
    scale = max(1.0, abs(a), abs(b))
    for delta in scale * np.logspace(-6, -12, 4):
        neigh = _neighbours(optimizer, a, b, delta)
        if neigh:
            break
    if not neigh:
        raise ValueError(f"no phase found around ({a}, {b}) for {optimizer}")
    names = tuple(dict.fromkeys(n.name for n in neigh))
    xis = [_evalf(n.xi_expr, a, b) for n in neigh]
    unique = max(xis) - min(xis) < 1e-9
    # η is continuous across boundaries: the limits of the neighbours' η agree there. The LP at
    # the exact point is not used for η: on a critical line (2β = 1, ...) it mixes the term
    # variants of both sides and can return a wrong value (η = 1 at 2β = 1).
    etas = [_evalf(n.eta_expr, a, b) for n in neigh]
    eta = etas[0] if max(etas) - min(etas) < 1e-9 else float("nan")
    first = neigh[0]
    return PhaseResult(optimizer, a, b, "/".join(names), first.key,
                       xis[0] if unique else float("nan"), eta,
                       None if first.lr_exponent_expr is None else
                       _evalf(first.lr_exponent_expr, a, b),
                       tuple(dict.fromkeys(t for n in neigh for t in n.dominant_terms)),
                       " | ".join(dict.fromkeys(n.tradeoff for n in neigh)), first.xi_expr,
                       first.eta_expr, first.lr_exponent_expr, None, first.region, True,
                       names, unique, all(n.label_verified for n in neigh), first.conjecture)


def _neighbours(optimizer: str, a: float, b: float, delta: float) -> list[PhaseResult]:
    """The non-degenerate phases at eight points on a circle of radius ``delta`` around (a, b)."""
    found = []
    for ang in np.linspace(0, 2 * np.pi, 8, endpoint=False):
        a2, b2 = a + delta * np.cos(ang), b + delta * np.sin(ang)
        try:
            _check_point(optimizer, a2, b2)
        except ValueError:
            continue
        v2 = solve_exponents(optimizer, a2, b2)
        if not v2.degenerate:
            found.append(_result(optimizer, a2, b2, _vertex_symbolic(optimizer, a2, b2, v2),
                                 v2.eta))
    return found


def _result(optimizer: str, a: float, b: float, sv: SymbolicVertex, eta_num: float
            ) -> PhaseResult:
    name, verified = _display_name(optimizer, a, b, sv)
    lr_e = sv.lr_exponent
    return PhaseResult(
        optimizer, a, b, name, sv.key, _evalf(sv.xi, a, b), _evalf(sv.eta, a, b),
        None if lr_e is None else _evalf(lr_e, a, b), tuple(tm.key for tm in sv.terms),
        sv.tradeoff, sv.xi, sv.eta, lr_e, sv, _region(optimizer, sv, a, b), False, (), True,
        verified, optimizer == "signsgd-decay")


def phase_of(alpha: float, beta: float, optimizer: str = "sgd") -> PhaseResult:
    r"""The compute-optimal phase at (α, β), with ξ, η and the formulas behind them.

    Parameters
    ----------
    alpha : float
        Data complexity α > 0 (α > ¼ for signSGD).
    beta : float
        Target complexity β, with 2α + 2β > 1.
    optimizer : {"sgd", "signsgd", "signsgd-decay"}, default "sgd"
        ``"signsgd"`` is constant-step signSGD with the step exponent optimised jointly;
        ``"signsgd-decay"`` the stable-decay model (a conjecture, see
        :func:`.terms.signsgd_decay_terms`).

    Returns
    -------
    PhaseResult

    Raises
    ------
    ValueError
        Outside the admissible region or for an unknown optimizer.

    Notes
    -----
    Solves min over (ξ, ε) of the largest f-exponent of the terms (:mod:`.compute_optimal`),
    then the balance of the active terms symbolically. On a boundary (more terms balance than
    the number of free exponents + 1) the result is named after the adjacent phases and
    ``on_boundary`` is True.

    References
    ----------
    docs/phases.md (4+3 phases); docs/signsgd_plrf.md, 'Compute-optimal areas' (signSGD areas).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> ph = dr.asymptotics.phase_of(1.0, 1.5)
    >>> ph.name, ph.xi, ph.eta, ph.tradeoff
    ('III', 0.5, 0.75, 'F_ac = noise')
    >>> ph.eta_expr
    (4*alpha - 1)/(4*alpha)
    >>> dr.asymptotics.phase_of(1.0, 2.0, optimizer="signsgd").eta
    0.8
    """
    a, b = _check_point(optimizer, alpha, beta)
    return _phase_of_cached(optimizer, a, b)


# ---------------------------------------------------------------------------------------------
# regions

@functools.lru_cache(maxsize=None)
def sample_domain(optimizer: str, n: int = 161) -> tuple[NDArray, NDArray]:
    """A grid of admissible (α, β) points covering the plotted domain of an optimizer."""
    a0, a1, b0, b1 = _DOMAIN[optimizer]
    aa, bb = np.meshgrid(np.linspace(a0, a1, n), np.linspace(b0, b1, n))
    aa, bb = aa.ravel(), bb.ravel()
    ok = 2 * aa + 2 * bb > 1.02
    return aa[ok], bb[ok]


def _region(optimizer: str, sv: SymbolicVertex, a: float, b: float) -> tuple:
    """Phase-delimiting inequalities at the branch of (a, b), simplified on the sample grid."""
    prob = problem(optimizer)
    absent = tuple(it.condition for it in prob.terms + prob.constraints
                   if not it.holds(a, b))
    return _region_cached(optimizer, sv, absent)


def _conjuncts(cond) -> list:
    return list(cond.args) if isinstance(cond, sp.And) else [cond]


@functools.lru_cache(maxsize=None)
def _region_cached(optimizer: str, sv: SymbolicVertex, absent: tuple) -> tuple:
    """KKT multipliers > 0, slack > 0, regimes of the balanced terms, and the negated regimes of
    terms absent from the branch; factors of constant sign (on the grid) are dropped, then
    conditions implied by the others on the grid are removed."""
    aa_all, bb_all = sample_domain(optimizer, 81)
    base = [tm.condition for tm in sv.terms] + [c.condition for c in sv.constraints]
    if sv.lr is not None:
        base.append(sv.lr.condition)
    base_cond = sp.And(problem(optimizer).admissible, *base)
    inside = np.broadcast_to(sp.lambdify((alpha, beta), base_cond, "numpy")(aa_all, bb_all),
                             aa_all.shape)
    aa, bb = aa_all[inside], bb_all[inside]
    out = list(dict.fromkeys(c for cond in base for c in _conjuncts(cond)))
    for cond in absent:
        rest = [c for c in _conjuncts(cond) if c not in out]
        if len(rest) == 1:
            out.append(sp.Not(rest[0]))
    raw = [m for m in sv.multipliers] + [s for _, s in sv.slack]
    for expr in raw:
        num, den = sp.fraction(sp.together(expr))
        c_num, f_num = sp.factor_list(num)
        c_den, f_den = sp.factor_list(den)
        sign = 1 if c_num / c_den > 0 else -1
        kept = sp.Integer(1)
        for fac, mult in f_num + f_den:
            # drop factors of constant sign on the phase's branch (checked on the grid)
            fn = sp.lambdify((alpha, beta), fac, "numpy")
            vals = np.broadcast_to(np.asarray(fn(aa, bb), dtype=float), aa.shape)
            if np.all(vals > 0):
                continue
            if np.all(vals < 0):
                sign *= (-1)**mult
                continue
            kept *= fac**mult
        if kept == 1:
            continue
        ineq = _solve_for(sign * kept)
        if ineq is not sp.true and ineq not in out:
            out.append(ineq)
    # remove conditions implied by the others on the whole grid
    masks = [np.broadcast_to(sp.lambdify((alpha, beta), c, "numpy")(aa_all, bb_all),
                             aa_all.shape) for c in out]
    keep = list(range(len(out)))
    for i in reversed(range(len(out))):
        others = [j for j in keep if j != i]
        if not others:
            continue
        both = np.logical_and.reduce([masks[j] for j in others])
        if np.array_equal(both & masks[i], both):
            keep.remove(i)
    return tuple(out[i] for i in keep)


def _solve_for(expr: sp.Expr) -> sp.Basic:
    """``expr > 0`` rewritten as β ≶ g(α) (or α ≶ c) when expr is linear in that variable."""
    for var in (beta, alpha):
        poly = sp.Poly(expr, var) if expr.is_polynomial(var) else None
        if poly is not None and poly.degree() == 1:
            c1, c0 = poly.all_coeffs()
            if c1.is_number:
                bound = sp.simplify(-c0 / c1)
                return var > bound if c1 > 0 else var < bound
    return sp.StrictGreaterThan(sp.expand(expr), 0)


@functools.lru_cache(maxsize=None)
def phase_table(optimizer: str = "sgd") -> tuple[PhaseResult, ...]:
    r"""All phases of an optimizer, discovered on a grid and solved symbolically.

    Parameters
    ----------
    optimizer : {"sgd", "signsgd", "signsgd-decay"}

    Returns
    -------
    tuple of PhaseResult
        One row per phase key, computed at a representative interior point, sorted by name.

    Notes
    -----
    The phase keys are found by solving the exponent LP on a 161 × 161 grid of the domain
    (:func:`sample_domain`); each key's formulas and region come from its active set alone.
    A phase thinner than the grid spacing (≈ 0.02) could be missed.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> [ph.name for ph in dr.asymptotics.phase_table("sgd")]
    ['II', 'III', 'IVa', 'IVb', 'Ia', 'Ib', 'Ic']
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    aa, bb = sample_domain(optimizer)
    _, _, keys = solve_exponents_grid(optimizer, aa, bb)
    rows = {}
    for key in dict.fromkeys(kk for kk in keys if kk is not None):
        idx = np.array([i for i, kk in enumerate(keys) if kk == key])
        # representative: the member closest to the members' median
        ma, mb = np.median(aa[idx]), np.median(bb[idx])
        j = idx[np.argmin((aa[idx] - ma)**2 + (bb[idx] - mb)**2)]
        res = phase_of(float(aa[j]), float(bb[j]), optimizer)
        if res.on_boundary:
            continue
        rows.setdefault(res.key, res)
    return tuple(sorted(rows.values(), key=lambda r: (r.name, r.key)))


def exponent_grid(optimizer: str, alpha: ArrayLike, beta: ArrayLike):
    """ξ, η and phase names on arrays of points (vectorised LP; names from :func:`phase_table`).

    Parameters
    ----------
    optimizer : {"sgd", "signsgd", "signsgd-decay"}
    alpha, beta : array_like, same shape

    Returns
    -------
    xi, eta : ndarray, shape of ``alpha``
        NaN outside the admissible region (and ξ on flat boundaries is any optimum).
    names : ndarray of object, shape of ``alpha``
        Phase display names; None outside the region and on boundaries.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> xi, eta, names = dr.asymptotics.exponent_grid("sgd", np.array([0.7, 0.4]), np.array([0.3, 0.8]))
    >>> np.round(eta, 6).tolist(), names.tolist()
    ([0.5, 0.4], ['Ia', 'IVa'])
    """
    a = np.asarray(alpha, dtype=float)
    b = np.asarray(beta, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"alpha and beta must have the same shape, got {a.shape} and {b.shape}")
    x, eta, keys = solve_exponents_grid(optimizer, a, b)
    names_by_key = {r.key: r.name for r in phase_table(optimizer)}
    names = np.array([None if kk is None else names_by_key.get(kk, kk) for kk in keys],
                     dtype=object)
    return x[:, 0].reshape(a.shape), eta.reshape(a.shape), names.reshape(a.shape)


def boundary_distance(optimizer: str, alpha: ArrayLike, beta: ArrayLike, *,
                      spacing: float = 0.005, reach: float = 0.1) -> NDArray[np.float64]:
    r"""Distance in the (α, β) plane from each point to the nearest phase boundary.

    A boundary is wherever the phase key (the active terms, constraints and step scaling of the
    exponent LP, :func:`exponent_grid`) changes: between two phases, on a line where the LP is
    degenerate, and at the edge of the admissible region. The keys are solved on a square grid
    of ``spacing`` covering the points and ``reach`` around them; the distance of a point is
    that to the nearest grid point whose key differs from the point's own (so it is exact up
    to about ``spacing``/√2).

    Parameters
    ----------
    optimizer : {"sgd", "signsgd", "signsgd-decay"}
    alpha, beta : array_like, same shape
    spacing : float
        Grid spacing.
    reach : float
        Distances beyond it are reported as ``reach``.

    Returns
    -------
    ndarray, shape of ``alpha``
        0 on a boundary and outside the admissible region.

    Examples
    --------
    >>> import numpy as np, deterministic_risk as dr
    >>> dist = dr.asymptotics.boundary_distance("sgd", np.array([1.0, 0.8]), np.array([0.3, 0.52]))
    >>> np.round(dist, 2).tolist()        # 2β = 1 separates phases Ia and II
    [0.1, 0.02]
    """
    from scipy.spatial import cKDTree

    a = np.asarray(alpha, dtype=float)
    b = np.asarray(beta, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"alpha and beta must have the same shape, got {a.shape} and {b.shape}")
    spacing = check.positive_float("spacing", spacing)
    reach = check.positive_float("reach", reach)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    out = np.zeros(a.shape)
    if a.size == 0:
        return out
    pad = reach + spacing
    ga = np.arange(a.min() - pad, a.max() + pad + spacing, spacing)
    gb = np.arange(b.min() - pad, b.max() + pad + spacing, spacing)
    aa, bb = (x.ravel() for x in np.meshgrid(ga, gb))
    _, _, grid_keys = solve_exponents_grid(optimizer, aa, bb)
    _, _, keys = solve_exponents_grid(optimizer, a.ravel(), b.ravel())
    grid_keys = np.array(["" if k is None else k for k in grid_keys], dtype=object)
    points = np.column_stack([aa, bb])
    flat = out.ravel()
    for key in {k for k in keys if k is not None}:
        mine = np.array([k == key for k in keys])
        other = grid_keys != key
        if not other.any():
            flat[mine] = reach
            continue
        dist, _ = cKDTree(points[other]).query(np.column_stack([a.ravel()[mine],
                                                                b.ravel()[mine]]))
        flat[mine] = np.minimum(dist, reach)
    return flat.reshape(a.shape)


@dataclass(frozen=True)
class Comparison:
    """η of two optimizers on the overlap of one phase of each.

    Attributes
    ----------
    first, second : str
        Phase names (of ``optimizers[0]`` and ``optimizers[1]``).
    relation : {"equal", "first steeper", "second steeper", "crossover"}
    difference : sympy.Expr
        η_first − η_second, factored.
    boundary : tuple of sympy.Expr
        For a crossover, the curves β = g(α) where the difference vanishes.

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> row = dr.asymptotics.compare_optimizers("signsgd", "sgd")[0]
    >>> isinstance(row, dr.asymptotics.Comparison)
    True
    """

    optimizers: tuple[str, str]
    first: str
    second: str
    relation: str
    difference: sp.Expr
    boundary: tuple[sp.Expr, ...] = ()


@functools.lru_cache(maxsize=None)
def compare_optimizers(first: str = "signsgd", second: str = "sgd") -> tuple[Comparison, ...]:
    r"""Where one optimizer's η exceeds another's, phase pair by phase pair, symbolically.

    Parameters
    ----------
    first, second : str
        Optimizers (e.g. ``"signsgd"`` against ``"sgd"``, ``"signsgd-decay"`` against
        ``"signsgd"``).

    Returns
    -------
    tuple of Comparison
        One row per pair of phases that overlap on the common grid.

    Notes
    -----
    For each overlapping pair the difference η₁ − η₂ is simplified; if it changes sign on the
    overlap, the crossover curve is solved for β (docs/signsgd_plrf.md, 'Where signSGD is
    steeper than SGD', for signSGD vs SGD).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> rows = dr.asymptotics.compare_optimizers("signsgd", "sgd")
    >>> len(rows) > 0
    True
    """
    aa, bb = sample_domain("signsgd" if "signsgd" in (first, second) else "sgd")
    _, eta1, n1 = exponent_grid(first, aa, bb)
    _, eta2, n2 = exponent_grid(second, aa, bb)
    rows1 = {r.name: r for r in phase_table(first)}
    rows2 = {r.name: r for r in phase_table(second)}
    out = []
    pairs = dict.fromkeys((x, y) for x, y in zip(n1, n2) if x is not None and y is not None)
    for p1, p2 in pairs:
        if p1 not in rows1 or p2 not in rows2:
            continue
        diff = sp.factor(sp.simplify(rows1[p1].eta_expr - rows2[p2].eta_expr))
        sel = np.array([x == p1 and y == p2 for x, y in zip(n1, n2)])
        num = eta1[sel] - eta2[sel]
        boundary: tuple = ()
        if diff == 0:
            rel = "equal"
        elif np.all(num > 1e-12):
            rel = "first steeper"
        elif np.all(num < -1e-12):
            rel = "second steeper"
        else:
            rel = "crossover"
            numer = sp.numer(sp.together(diff))
            boundary = tuple(sp.factor(s) for s in sp.solve(numer, beta))
        out.append(Comparison((first, second), p1, p2, rel, diff, boundary))
    return tuple(out)

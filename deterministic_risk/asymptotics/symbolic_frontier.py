r"""Compute-optimal exponents derived from the loss terms by exponent balancing (a small LP).

Derivations and notes: docs/theory.md, section ``deterministic_risk.asymptotics.symbolic_frontier``.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from .symbols import alpha, beta, d, eps, f, gamma, gamma_hat, k, t, xi, B
from .terms import Term, sgd_learning_rate_exponent, sgd_terms, signsgd_decay_terms, signsgd_terms

__all__ = ["Constraint", "ScalingProblem", "Vertex", "problem", "solve_exponents",
           "symbolic_vertex", "two_term_optimum", "OPTIMIZERS"]

_half = sp.Rational(1, 2)
_TOL = 1e-9

#: optimizers known to :func:`problem`
OPTIMIZERS = ("sgd", "signsgd", "signsgd-decay")


@dataclass(frozen=True)
class Constraint:
    """A linear constraint g(ξ, ε) ≥ 0 on the exponents, valid where ``condition`` holds."""

    name: str
    expr: sp.Expr
    condition: sp.Basic = sp.true
    meaning: str = ""

    def holds(self, a: float, b: float) -> bool:
        return bool(self.condition.subs({alpha: a, beta: b}))


@dataclass(frozen=True)
class LearningRate:
    """A fixed step scaling γ = γ̂·d^{−e} (ε = e·ξ), valid where ``condition`` holds."""

    variant: str
    e: sp.Expr
    condition: sp.Basic

    def holds(self, a: float, b: float) -> bool:
        return bool(self.condition.subs({alpha: a, beta: b}))


@dataclass(frozen=True)
class ScalingProblem:
    """Terms, step policy and constraints of one optimizer's compute-optimal problem.

    Attributes
    ----------
    optimizer : str
        ``"sgd"``, ``"signsgd"`` or ``"signsgd-decay"``.
    terms : tuple of Term
        All term variants.
    variables : tuple of sympy.Symbol
        Free exponents: (ξ,) or (ξ, ε).
    learning_rates : tuple of LearningRate
        Fixed step scalings (SGD); empty when ε is free or absent.
    constraints : tuple of Constraint
        Linear constraints g ≥ 0 on the exponents.
    admissible : sympy.Boolean
        The part of the (α, β) plane where the problem is posed.
    critical : tuple of sympy.Expr
        Expressions vanishing on the lines where a term changes variant (log corrections there;
        excluded from all statements).
    """

    optimizer: str
    terms: tuple[Term, ...]
    variables: tuple[sp.Symbol, ...]
    learning_rates: tuple[LearningRate, ...]
    constraints: tuple[Constraint, ...]
    admissible: sp.Basic
    critical: tuple[sp.Expr, ...] = ()

    def on_critical_line(self, a, b):
        """Boolean (array) mask of points on a critical line."""
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
        out = np.zeros(np.broadcast(a, b).shape, dtype=bool)
        for c in self.critical:
            val = sp.lambdify((alpha, beta), c, "numpy")(a, b)
            out |= np.abs(np.broadcast_to(val, out.shape)) < 1e-12
        return out

    def branch(self, a: float, b: float) -> tuple[tuple[Term, ...], LearningRate | None,
                                                   tuple[Constraint, ...]]:
        """Term variants, step scaling and constraints that hold at (α, β)."""
        terms = tuple(tm for tm in self.terms if tm.holds(a, b))
        lrs = [lr for lr in self.learning_rates if lr.holds(a, b)]
        cons = tuple(c for c in self.constraints if c.holds(a, b))
        return terms, (lrs[0] if lrs else None), cons

    def subproblems(self, terms: tuple[Term, ...]) -> tuple[tuple[Term, ...], ...]:
        """The term sets of the sub-problems of a branch, one per ``Term.alternative`` tag.

        A term with alternatives is the smallest of them at every (d, N, γ). Then
        min over (ξ, ε) of max(…, min_a T_a) = min over a of [min over (ξ, ε) of max(…, T_a)]:
        the exponent problem is solved once per tag, each time with that tag's alternatives and
        all untagged terms, and the best is kept (the first in order on ties). Without tagged
        terms there is one sub-problem, the branch itself.
        """
        tags = tuple(dict.fromkeys(tm.alternative for tm in terms if tm.alternative))
        if not tags:
            return (terms,)
        return tuple(tuple(tm for tm in terms if tm.alternative in ("", tag)) for tag in tags)

    def line(self, term: Term, lr: LearningRate | None) -> sp.Expr:
        """The f-exponent ℓ(ξ, ε) of a term (ε replaced by e·ξ for a fixed step scaling)."""
        a_d, a_k, a_g = term.exponents
        ell = a_d * xi + a_k * (1 - xi) - a_g * eps
        if lr is not None:
            ell = ell.subs(eps, lr.e * xi)
        elif eps not in self.variables:
            ell = ell.subs(eps, 0)
        return sp.expand(ell)


@functools.lru_cache(maxsize=None)
def problem(optimizer: str) -> ScalingProblem:
    r"""The compute-optimal problem of an optimizer, built from its terms.

    Parameters
    ----------
    optimizer : {"sgd", "signsgd", "signsgd-decay"}

    Returns
    -------
    ScalingProblem

    Raises
    ------
    ValueError
        For an unknown optimizer.

    Notes
    -----
    * ``"sgd"``: terms of :func:`.terms.sgd_terms`; γ = γ̂·d^{−e}, e = max(0, 1−2α) (the stable
      scale, docs/sgd.md, 'Stability'); admissible 2α + 2β > 1, α > 0.
    * ``"signsgd"``: terms of :func:`.terms.signsgd_terms`; γ₀ = f^{−ε} free with ε ≥ 0
      (γ₀ ≲ 1) and γ₀ d^{ω} N ≥ 1 (the drift moves; for q_F > 2 this is the constraint that
      caps the aligned exponent at 2, docs/signsgd_plrf.md, 'Compute-optimal areas');
      admissible α > ¼, 2α + 2β > 1.
    * ``"signsgd-decay"``: terms of :func:`.terms.signsgd_decay_terms` (conjecture).

    All problems add 0 ≤ ξ ≤ 1.

    Examples
    --------
    >>> from deterministic_risk.asymptotics import problem
    >>> type(problem("sgd")).__name__
    'ScalingProblem'
    """
    box = (Constraint("ξ≥0", xi, meaning="d ≥ 1"), Constraint("ξ≤1", 1 - xi, meaning="k ≥ 1"))
    admissible = sp.And(2 * alpha + 2 * beta > 1, alpha > 0)
    if optimizer == "sgd":
        e = sgd_learning_rate_exponent()
        lrs = (LearningRate("γ≍1", sp.Integer(0), alpha > _half),
               LearningRate("γ≍d^{2α−1}", 1 - 2 * alpha, alpha < _half))
        assert all(sp.simplify(lr.e.subs(alpha, v) - e.subs(alpha, v)) == 0
                   for lr, v in zip(lrs, (sp.Integer(1), sp.Rational(1, 3))))
        return ScalingProblem("sgd", sgd_terms(), (xi,), lrs, box, admissible,
                              (2 * beta - 1, 2 * alpha - 1, 4 * alpha - 1))
    if optimizer == "signsgd":
        cons = box + (
            Constraint("γ₀≤1", eps, meaning="step bounded (γ₀ ≲ 1)"),
            Constraint("γ₀d^ωN≥1", -eps + _half * xi + (1 - xi), alpha > _half,
                       "drift moves: γ₀ d^ω N ≳ 1"),
            Constraint("γ₀d^ωN≥1", -eps + alpha * xi + (1 - xi), alpha < _half,
                       "drift moves: γ₀ d^ω N ≳ 1"),
        )
        return ScalingProblem("signsgd", signsgd_terms(), (xi, eps), (), cons,
                              sp.And(admissible, alpha > sp.Rational(1, 4)),
                              (2 * beta - 1, 2 * alpha - 1, beta - alpha - _half))
    if optimizer == "signsgd-decay":
        return ScalingProblem("signsgd-decay", signsgd_decay_terms(), (xi,), (), box,
                              sp.And(admissible, alpha > sp.Rational(1, 4)),
                              (2 * beta - 1, 2 * alpha - 1))
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")


# ---------------------------------------------------------------------------------------------
# numeric LP: vectorised vertex enumeration

def _solve_lp(c0: NDArray, c: NDArray, h0: NDArray, h: NDArray, scale: NDArray | float = 1.0):
    """min_x max_i (c0_i + c_i·x) s.t. h0_j + h_j·x ≥ 0, for P problems at once.

    c0 (P, m), c (P, m, n), h0 (P, q), h (P, q, n). Returns x (P, n) and t (P,). ``scale`` (P,)
    is the size of the smallest exponent differences (about min(1, α)): the tolerances are
    relative to it, so that points close to α = 0 are resolved.
    """
    scale = np.broadcast_to(np.asarray(scale, dtype=np.float64), c0.shape[:1])
    P, m, n = c.shape
    q = h0.shape[1]
    # rows of the vertex system in the unknowns (x, t)
    rows = np.concatenate([np.concatenate([c, -np.ones((P, m, 1))], axis=2),
                           np.concatenate([h, np.zeros((P, q, 1))], axis=2)], axis=1)
    rhs = np.concatenate([-c0, -h0], axis=1)
    best_t = np.full(P, np.inf)
    best_x = np.full((P, n), np.nan)
    for combo in itertools.combinations(range(m + q), n + 1):
        if min(combo) >= m:        # t must be set by at least one term
            continue
        a = rows[:, combo, :]
        det = np.linalg.det(a)
        ok = np.abs(det) > 1e-12 * scale
        if not ok.any():
            continue
        a_safe = np.where(ok[:, None, None], a, np.eye(n + 1))
        sol = np.linalg.solve(a_safe, rhs[:, combo][..., None])[..., 0]
        x = sol[:, :n]
        feasible = ok & np.all(h0 + np.einsum("pqn,pn->pq", h, x) >= -1e-10 * scale[:, None],
                               axis=1)
        tval = np.max(c0 + np.einsum("pmn,pn->pm", c, x), axis=1)
        better = feasible & (tval < best_t - 1e-13 * scale)
        best_t = np.where(better, tval, best_t)
        best_x = np.where(better[:, None], x, best_x)
    return best_x, best_t


@functools.lru_cache(maxsize=None)
def _lambdified(expr: sp.Expr, variables: tuple[sp.Symbol, ...]):
    """(constant part, gradient) of a linear expression in ``variables``, as numpy functions."""
    grad = [sp.diff(expr, v) for v in variables]
    const = expr.subs({v: 0 for v in variables})
    return (sp.lambdify((alpha, beta), const, "numpy"),
            [sp.lambdify((alpha, beta), g, "numpy") for g in grad])


def _coefficients(exprs, variables, a: NDArray, b: NDArray):
    c0 = np.empty((a.size, len(exprs)))
    c = np.empty((a.size, len(exprs), len(variables)))
    for i, e in enumerate(exprs):
        f0, grads = _lambdified(e, variables)
        c0[:, i] = np.broadcast_to(f0(a, b), a.shape)
        for j, g in enumerate(grads):
            c[:, i, j] = np.broadcast_to(g(a, b), a.shape)
    return c0, c


@dataclass(frozen=True)
class Vertex:
    """Numeric optimum of the exponent LP at one point.

    Attributes
    ----------
    x : tuple of float
        Optimal exponents (ξ,) or (ξ, ε).
    eta : float
        Loss exponent η (loss ≍ f^{−η}).
    active_terms, active_constraints : tuple of str
        Keys of the terms at the maximum and of the constraints at zero.
    lr : LearningRate or None
        The fixed step scaling in force.
    degenerate : bool
        True on a phase boundary: more active rows than n + 1, or a zero multiplier (then ξ may
        not be unique).
    """

    x: tuple[float, ...]
    eta: float
    active_terms: tuple[str, ...]
    active_constraints: tuple[str, ...]
    lr: LearningRate | None
    degenerate: bool
    branch_terms: tuple[str, ...] = ()


def solve_exponents(optimizer: str, a: float, b: float) -> Vertex:
    """Solve the exponent LP numerically at one point (α, β) and name its active set.

    Parameters
    ----------
    optimizer : {"sgd", "signsgd", "signsgd-decay"}
    a, b : float
        The point (α, β).

    Returns
    -------
    Vertex

    Examples
    --------
    >>> from deterministic_risk.asymptotics import solve_exponents
    >>> v = solve_exponents("sgd", 0.7, 0.3)
    >>> round(v.eta, 6)
    0.5
    """
    prob = problem(optimizer)
    branch_terms, lr, cons = prob.branch(a, b)
    aa, bb = np.array([float(a)]), np.array([float(b)])
    h0, h = _coefficients([con.expr for con in cons], prob.variables, aa, bb)
    scale = min(1.0, abs(float(a)))
    best = None
    for terms in prob.subproblems(branch_terms):
        c0, c = _coefficients([prob.line(tm, lr) for tm in terms], prob.variables, aa, bb)
        x, tval = _solve_lp(c0, c, h0, h, scale)
        if best is None or tval[0] < best[0] - _TOL * scale:
            best = (float(tval[0]), x[0], terms, c0, c)
    tval, x, terms, c0, c = best
    vals = c0[0] + c[0] @ x
    gvals = h0[0] + h[0] @ x
    # roundoff of the term values grows with their coefficients (some scale like 1/α)
    roundoff = 64 * np.finfo(float).eps * float(np.max(np.abs(c0[0]) + np.abs(c[0]) @ np.abs(x)))
    tol = _TOL * scale + roundoff
    act_t = [i for i in range(len(terms)) if vals[i] >= tval - tol]
    act_c = [j for j in range(len(cons)) if abs(gvals[j]) <= tol]
    n = len(prob.variables)
    degenerate = (len(act_t) + len(act_c) != n + 1) or bool(prob.on_critical_line(a, b))
    if not degenerate:
        # KKT: Σ μ_i ∇ℓ_i − Σ ν_j ∇g_j = 0, Σ μ_i = 1; a zero multiplier means a boundary
        m = np.zeros((n + 1, n + 1))
        m[:n, :len(act_t)] = c[0][act_t].T
        m[:n, len(act_t):] = -h[0][act_c].T
        m[n, :len(act_t)] = 1.0
        rhs = np.zeros(n + 1)
        rhs[n] = 1.0
        try:
            mult = np.linalg.solve(m, rhs)
            degenerate = bool(np.any(mult <= 1e-9 * scale))
        except np.linalg.LinAlgError:
            degenerate = True
    return Vertex(tuple(float(v) for v in x), -tval, tuple(terms[i].key for i in act_t),
                  tuple(cons[j].name for j in act_c), lr, degenerate,
                  tuple(tm.key for tm in terms))


def solve_exponents_grid(optimizer: str, a: NDArray, b: NDArray):
    """Vectorised :func:`solve_exponents` over arrays of points (same shape).

    Returns
    -------
    x : ndarray, shape (P, n)
    eta : ndarray, shape (P,)
    keys : list of str or None, length P
        Active-set key of each point (None on a boundary, and outside the admissible region).
    """
    prob = problem(optimizer)
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    n = len(prob.variables)
    x_out = np.full((a.size, n), np.nan)
    eta_out = np.full(a.size, np.nan)
    keys: list[str | None] = [None] * a.size
    adm = sp.lambdify((alpha, beta), prob.admissible, "numpy")(a, b)
    adm = np.broadcast_to(adm, a.shape) & ~prob.on_critical_line(a, b)
    # branch signature: which term variants / step / constraints hold
    items = list(prob.terms) + list(prob.learning_rates) + list(prob.constraints)
    sig = np.stack([np.broadcast_to(sp.lambdify((alpha, beta), it.condition, "numpy")(a, b),
                                    a.shape) for it in items], axis=1)
    for s in np.unique(sig[adm], axis=0):
        sel = np.flatnonzero(adm & np.all(sig == s, axis=1))
        terms = [it for it, on in zip(prob.terms, s) if on]
        lrs = [it for it, on in zip(prob.learning_rates, s[len(prob.terms):]) if on]
        lr = lrs[0] if lrs else None
        cons = [it for it, on in zip(prob.constraints, s[len(prob.terms) + len(prob.learning_rates):])
                if on]
        h0, h = _coefficients([con.expr for con in cons], prob.variables, a[sel], b[sel])
        solved = []
        for sub in prob.subproblems(tuple(terms)):
            c0, c = _coefficients([prob.line(tm, lr) for tm in sub], prob.variables,
                                  a[sel], b[sel])
            solved.append((sub, c0, c) + _solve_lp(c0, c, h0, h))
        # each point keeps its best sub-problem, the first one on ties
        choice = np.zeros(sel.size, dtype=int)
        for i in range(1, len(solved)):
            best_t = np.choose(choice, [sv[4] for sv in solved])
            choice[solved[i][4] < best_t - _TOL * np.minimum(1.0, np.abs(a[sel]))] = i
        for i, (sub, c0, c, x, tval) in enumerate(solved):
            mine = np.flatnonzero(choice == i)
            x, tval, c0, c = x[mine], tval[mine], c0[mine], c[mine]
            x_out[sel[mine]] = x
            eta_out[sel[mine]] = -tval
            vals = c0 + np.einsum("pmn,pn->pm", c, x)
            gvals = h0[mine] + np.einsum("pqn,pn->pq", h[mine], x)
            act_t = vals >= tval[:, None] - 1e-7
            act_c = np.abs(gvals) <= 1e-7
            count = act_t.sum(axis=1) + act_c.sum(axis=1)
            for idx, p_ in enumerate(sel[mine]):
                if count[idx] != n + 1:
                    continue
                keys[p_] = _key(prob, [sub[i_] for i_ in np.flatnonzero(act_t[idx])],
                                [cons[j] for j in np.flatnonzero(act_c[idx])], lr)
    return x_out, eta_out, keys


def _key(prob: ScalingProblem, terms, cons, lr) -> str:
    parts = [tm.key for tm in terms] + [c.name for c in cons]
    if lr is not None:
        parts.append(lr.variant)
    return f"{prob.optimizer}: " + " | ".join(parts)


def vertex_key(optimizer: str, v: Vertex) -> str:
    """The phase key of a (non-degenerate) vertex: optimizer, active terms/constraints, step."""
    prob = problem(optimizer)
    terms = [tm for tm in prob.terms if tm.key in v.active_terms]
    cons = []
    for name in v.active_constraints:
        cons.append(next(c for c in prob.constraints if c.name == name))
    return _key(prob, terms, cons, v.lr)


# ---------------------------------------------------------------------------------------------
# symbolic solution of an active set

@dataclass(frozen=True)
class SymbolicVertex:
    """Closed forms of one phase: exponents, multipliers and the inequalities that delimit it.

    Attributes
    ----------
    key : str
    terms : tuple of Term
        The balanced (dominant) terms.
    constraints : tuple of Constraint
        Active constraints.
    lr : LearningRate or None
    xi, eta : sympy.Expr
        d* ≍ f^ξ, loss ≍ f^{−η}.
    eps : sympy.Expr or None
        γ ≍ f^{−ε}; the step exponent e (γ ≍ d^{−e}) is ε/ξ.
    multipliers : tuple of sympy.Expr
        KKT multipliers of the active rows (> 0 inside the phase).
    slack : tuple of (str, sympy.Expr)
        For every inactive term its gap η-deficit (t − ℓ_i > 0 inside the phase) and for every
        inactive constraint its value (> 0 inside).
    """

    key: str
    terms: tuple[Term, ...]
    constraints: tuple[Constraint, ...]
    lr: LearningRate | None
    xi: sp.Expr
    eta: sp.Expr
    eps: sp.Expr | None
    multipliers: tuple[sp.Expr, ...]
    slack: tuple[tuple[str, sp.Expr], ...]

    @property
    def lr_exponent(self) -> sp.Expr | None:
        """e with γ ≍ d^{−e}: fixed (SGD), ε/ξ (signSGD), None (decay)."""
        if self.lr is not None:
            return self.lr.e
        if self.eps is None:
            return None
        return sp.factor(sp.cancel(self.eps / self.xi))

    @property
    def tradeoff(self) -> str:
        """The balance condition, e.g. ``"F_pp = F_0"``."""
        out = " = ".join(tm.name for tm in self.terms)
        if self.constraints:
            out += " (at " + ", ".join(c.name for c in self.constraints) + ")"
        return out


@functools.lru_cache(maxsize=None)
def symbolic_vertex(optimizer: str, term_keys: tuple[str, ...], constraint_names: tuple[str, ...],
                    lr_variant: str | None, branch_term_keys: tuple[str, ...],
                    branch_constraint_names: tuple[str, ...]) -> SymbolicVertex:
    """Solve the active equations of a phase symbolically (cached).

    Parameters
    ----------
    optimizer : str
    term_keys, constraint_names : tuple of str
        The active set (n + 1 rows in all).
    lr_variant : str or None
        The fixed step scaling in force.
    branch_term_keys, branch_constraint_names : tuple of str
        All term variants and constraints present in the branch (for the slack inequalities).

    Returns
    -------
    SymbolicVertex
    """
    prob = problem(optimizer)
    lr = next((r for r in prob.learning_rates if r.variant == lr_variant), None)
    by_key = {tm.key: tm for tm in prob.terms}
    terms = tuple(by_key[kk] for kk in term_keys)
    branch_cons = [c for c in prob.constraints if c.name in branch_constraint_names]
    # one constraint of each name holds per branch: pick the one consistent with the terms
    cons = tuple(_pick(prob, nm, terms) for nm in constraint_names)
    variables = prob.variables
    eqs = [sp.Eq(prob.line(tm, lr), t) for tm in terms] + [sp.Eq(c.expr, 0) for c in cons]
    sol = sp.solve(eqs, list(variables) + [t], dict=True)
    if len(sol) != 1:
        raise RuntimeError(f"active set {term_keys + constraint_names} has no unique vertex")
    sol = {kk: sp.factor(sp.cancel(v)) for kk, v in sol[0].items()}
    xi_e, t_e = sol[xi], sol[t]
    eps_e = sol.get(eps) if eps in variables else None
    # KKT multipliers: Σ μ_i ∇ℓ_i − Σ ν_j ∇g_j = 0, Σ μ_i = 1
    mus = sp.symbols(f"mu0:{len(terms) + len(cons)}")
    kkt = [sum(mu * sp.diff(prob.line(tm, lr), v) for mu, tm in zip(mus, terms))
           - sum(mu * sp.diff(c.expr, v) for mu, c in zip(mus[len(terms):], cons))
           for v in variables]
    kkt.append(sum(mus[:len(terms)]) - 1)
    msol = sp.solve(kkt, mus, dict=True)[0]
    multipliers = tuple(sp.factor(msol[mu]) for mu in mus)
    subs = {xi: xi_e}
    if eps_e is not None:
        subs[eps] = eps_e
    slack = []
    for tm in prob.terms:
        if tm.key in branch_term_keys and tm.key not in term_keys:
            slack.append((tm.key, sp.factor(sp.cancel(t_e - prob.line(tm, lr).subs(subs)))))
    for c in branch_cons:
        if c.name not in constraint_names and _consistent(c, terms):
            slack.append((c.name, sp.factor(sp.cancel(c.expr.subs(subs)))))
    key = _key(prob, list(terms), list(cons), lr)
    return SymbolicVertex(key, terms, cons, lr, xi_e, sp.factor(-t_e), eps_e, multipliers,
                          tuple(slack))


def _consistent(c: Constraint, terms) -> bool:
    """Whether a constraint variant's condition is compatible with the terms' conditions."""
    cond = sp.And(c.condition, *[tm.condition for tm in terms])
    return cond is not sp.false and sp.simplify(cond) is not sp.false


def _pick(prob: ScalingProblem, name: str, terms) -> Constraint:
    cands = [c for c in prob.constraints if c.name == name and _consistent(c, terms)]
    if len(cands) != 1:
        raise RuntimeError(f"ambiguous constraint {name!r} for terms {[tm.key for tm in terms]}")
    return cands[0]


def two_term_optimum(vertex: SymbolicVertex) -> tuple[sp.Expr, sp.Expr] | None:
    r"""Constants of d*(f) and R*(f) for a two-term SGD optimum (docs/phases.md).

    With k = f/(dB) and γ = γ̂ d^{−e} each balanced term is :math:`A_i d^{s_i}` (A_i ∝ powers of
    f). Minimising :math:`A_0 d^{s_0} + A_1 d^{s_1}` over d (s₀s₁ < 0) gives
    :math:`d^\ast = (-s_1 A_1/(s_0 A_0))^{1/(s_0-s_1)}` and
    :math:`R^\ast = A_0 d^{\ast s_0} + A_1 d^{\ast s_1}`.

    Returns
    -------
    (C_d, C_R) or None
        d* = C_d f^ξ and R* = C_R f^{−η}; None unless exactly two terms balance with no active
        constraint and both constants are derived (not order-only).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> r = dr.asymptotics.phase_of(0.7, 0.3)
    >>> c_d, c_r = dr.asymptotics.two_term_optimum(r.vertex)
    >>> c_d.free_symbols >= set()
    True
    """
    if len(vertex.terms) != 2 or vertex.constraints or vertex.lr is None:
        return None
    if any(tm.order_only for tm in vertex.terms):
        return None
    sub = {k: f / (d * B), gamma: gamma_hat * d**(-vertex.lr.e)}
    parts = []
    for tm in vertex.terms:
        e = tm.expr.subs(sub)
        s = sp.factor(sp.expand(sp.diff(sp.expand_log(sp.log(e), force=True), d) * d))
        parts.append((e.subs(d, 1), s))           # the term is A·d^s with A = its value at d=1
    (a0, s0), (a1, s1) = parts
    d_star = (-s1 * a1 / (s0 * a0))**(1 / (s0 - s1))
    r_star = a0 * d_star**s0 + a1 * d_star**s1
    c_d = d_star.subs(f, 1)                       # d* = C_d f^ξ and R* = C_R f^{−η} exactly
    c_r = r_star.subs(f, 1)
    return c_d, c_r

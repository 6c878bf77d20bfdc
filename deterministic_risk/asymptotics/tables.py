"""Markdown and LaTeX export of the derived phase tables (pure string formatting)."""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from .phases import PhaseResult

__all__ = ["to_markdown", "to_latex"]


def _region_text(row: PhaseResult, latex: bool) -> str:
    conv = sp.latex if latex else sp.sstr
    parts = [conv(c) for c in row.region]
    return (r" \wedge " if latex else " ∧ ").join(parts)


def _columns(rows: Sequence[PhaseResult], latex: bool):
    conv = (lambda e: "$" + sp.latex(e) + "$") if latex else (lambda e: "`" + sp.sstr(e) + "`")
    head = ["phase", "region", "trade-off", "ξ (d* ≍ f^ξ)", "η (loss ≍ f^−η)"]
    with_lr = any(r.optimizer == "signsgd" for r in rows)
    if with_lr:
        head.append("e* (γ₀ ≍ d^−e*)")
    body = []
    for r in rows:
        name = r.name + ("" if r.label_verified else " (label unverified)")
        region = _region_text(r, latex)
        region = f"${region}$" if latex else f"`{region}`"
        line = [name, region, r.tradeoff, conv(r.xi_expr), conv(r.eta_expr)]
        if with_lr:
            line.append("—" if r.lr_exponent_expr is None else conv(r.lr_exponent_expr))
        body.append(line)
    return head, body


def to_markdown(rows: Sequence[PhaseResult]) -> str:
    """A Markdown table of phases (e.g. from :func:`.phases.phase_table`).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> md = dr.asymptotics.to_markdown(dr.asymptotics.phase_table("sgd"))
    >>> md.splitlines()[0].startswith("| phase | region")
    True
    """
    head, body = _columns(rows, latex=False)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in body]
    return "\n".join(lines) + "\n"


def to_latex(rows: Sequence[PhaseResult]) -> str:
    """A LaTeX ``tabular`` of phases (booktabs rules).

    Examples
    --------
    >>> import deterministic_risk as dr
    >>> tex = dr.asymptotics.to_latex(dr.asymptotics.phase_table("sgd"))
    >>> "tabular" in tex and "toprule" in tex
    True
    """
    head, body = _columns(rows, latex=True)
    head = [h.replace("*", r"$^*$").replace("≍", r"$\asymp$").replace("ξ", r"$\xi$")
            .replace("η", r"$\eta$").replace("γ₀", r"$\gamma_0$").replace("^ξ", "")
            for h in head]
    lines = [r"\begin{tabular}{" + "l" * len(head) + "}", r"\toprule",
             " & ".join(head) + r" \\", r"\midrule"]
    lines += [" & ".join(c.replace("_", r"\_") if not c.startswith("$") else c for c in line)
              + r" \\" for line in body]
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"

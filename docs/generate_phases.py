"""Regenerate the derived tables and the figures of docs/phases.md.

Run from the repository root:  PYTHONPATH=. python docs/generate_phases.py

Rewrites the blocks between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``
in docs/phases.md and saves the PNGs under docs/figures/.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import sympy as sp  # noqa: E402

import deterministic_risk as dr  # noqa: E402

HERE = Path(__file__).resolve().parent
PAGE = HERE / "phases.md"
FIGURES = HERE / "figures"


def _comparison_table(first: str, second: str) -> str:
    lines = [f"| {first} phase | {second} phase | relation | η₁ − η₂ | crossover β(α) |",
             "|---|---|---|---|---|"]
    for c in dr.asymptotics.compare_optimizers(first, second):
        cross = ", ".join(f"`{sp.sstr(b)}`" for b in c.boundary) or "—"
        lines.append(f"| {c.first} | {c.second} | {c.relation} | `{sp.sstr(c.difference)}` | "
                     f"{cross} |")
    return "\n".join(lines) + "\n"


def _constants_table() -> str:
    lines = ["| phase | C_d (d* = C_d f^ξ) | C_R (R* = C_R f^−η) |", "|---|---|---|"]
    for r in dr.asymptotics.phase_table("sgd"):
        if r.d_constant is None:
            continue
        lines.append(f"| {r.name} | `{sp.sstr(sp.simplify(r.d_constant))}` | "
                     f"`{sp.sstr(sp.simplify(r.risk_constant))}` |")
    return "\n".join(lines) + "\n"


def _terms_table() -> str:
    lines = ["| term | regime | asymptotic form (package scale) | window | order only |",
             "|---|---|---|---|---|"]
    for tm in (dr.asymptotics.sgd_terms() + dr.asymptotics.signsgd_terms()
               + dr.asymptotics.signsgd_decay_terms()):
        lines.append(f"| {tm.name} | {tm.variant or 'all'} | `{sp.sstr(tm.expr)}` | "
                     f"{tm.window} | {'yes' if tm.order_only else 'no'} |")
    return "\n".join(lines) + "\n"


def blocks() -> dict[str, str]:
    asy = dr.asymptotics
    return {
        "terms": _terms_table(),
        "sgd": asy.to_markdown(asy.phase_table("sgd")),
        "sgd-constants": _constants_table(),
        "signsgd": asy.to_markdown(asy.phase_table("signsgd")),
        "decay": asy.to_markdown(asy.phase_table("signsgd-decay")),
        "signsgd-vs-sgd": _comparison_table("signsgd", "sgd"),
        "decay-vs-signsgd": _comparison_table("signsgd-decay", "signsgd"),
    }


def figures() -> None:
    FIGURES.mkdir(exist_ok=True)
    plots = {
        "phases_sgd.png": lambda ax: dr.plotting.plot_phase_plane("sgd", ax=ax),
        "phases_signsgd.png": lambda ax: dr.plotting.plot_phase_plane("signsgd", ax=ax),
        "phases_signsgd_decay.png": lambda ax: dr.plotting.plot_phase_plane("signsgd-decay",
                                                                            ax=ax),
        "eta_sgd.png": lambda ax: dr.plotting.plot_exponent_map("eta", "sgd", ax=ax),
        "xi_sgd.png": lambda ax: dr.plotting.plot_exponent_map("xi", "sgd", ax=ax),
        "eta_signsgd.png": lambda ax: dr.plotting.plot_exponent_map("eta", "signsgd", ax=ax),
        "signsgd_advantage.png": lambda ax: dr.plotting.plot_signsgd_advantage(ax=ax),
        "decay_gain.png": lambda ax: dr.plotting.plot_decay_gain(ax=ax),
    }
    for name, draw in plots.items():
        fig, ax = plt.subplots(figsize=(6, 5))
        draw(ax)
        fig.tight_layout()
        fig.savefig(FIGURES / name, dpi=90)
        plt.close(fig)


def main() -> None:
    text = PAGE.read_text()
    for name, body in blocks().items():
        pattern = re.compile(rf"(<!-- BEGIN GENERATED: {re.escape(name)} -->\n).*?"
                             rf"(<!-- END GENERATED: {re.escape(name)} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"docs/phases.md has no block {name!r}")
        text = pattern.sub(lambda m: m.group(1) + body + m.group(2), text)
    PAGE.write_text(text)
    figures()


if __name__ == "__main__":
    main()

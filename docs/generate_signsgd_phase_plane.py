"""Write the tables and figures of docs/signsgd_phase_plane.md from the stored measurements.

The measurements are made (and stored) by ``docs/measure_signsgd_phase_plane.py``:
``tests/data/signsgd_phase_points/*.npz`` (one point per signSGD area, d up to 10⁵) and
``docs/data/map_*.npz`` (the 8 × 8 maps). Then

    PYTHONPATH=. python docs/generate_signsgd_phase_plane.py

rewrites the blocks between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``
and saves the figures under docs/figures/.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

import deterministic_risk as dr  # noqa: E402
from deterministic_risk.studies.fitting import isoflop_optimum  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PAGE = HERE / "signsgd_phase_plane.md"
FIGURES = HERE / "figures"
POINTS = ROOT / "tests" / "data" / "signsgd_phase_points"
MAPS = HERE / "data"


def refined(alpha: float, beta: float) -> tuple[float, float] | None:
    """(ξ, η) of the learned-mode noise level for 2α < 1 (docs/signsgd_phase_plane.md §3);
    None where it coincides with the saturated level (Ac) or does not apply (α > ½)."""
    if alpha >= 0.5 or beta <= 0.5:
        return None
    if beta > alpha + 0.5:                                            # Bb
        return 2 / 3, 4 * alpha / 3
    den = 4 * alpha + 2 * beta - 1                                    # Ad
    return (2 * alpha + 2 * beta - 1) / den, 2 * alpha * (2 * alpha + 2 * beta - 1) / den


def standard_error(ci: tuple[float, float], n: int) -> float:
    """Standard error of a fitted exponent from its Student-t 95 % interval (n − 2 dof)."""
    return (ci[1] - ci[0]) / 2 / stats.t.ppf(0.975, n - 2)


def refit(pm: dr.PhaseMap, j: int, d_max: float, fit_sizes=(0.02, 0.5)):
    """The IsoFLOP fit of point (0, j) with the sizes d <= d_max only (same window rule)."""
    keep = pm.d_values <= d_max * 1.001
    dv, table = pm.d_values[keep], pm.losses[0, j][keep]
    d_star, _, inside = isoflop_optimum(pm.flops, dv, table)
    use = inside & (d_star >= fit_sizes[0] * dv[-1]) & (d_star <= fit_sizes[1] * dv[-1])
    window = (pm.flops[use].min(), pm.flops[use].max())
    fr = dr.Frontier.from_losses(pm.alphas[0], pm.betas[j], pm.optimizer, dv, pm.flops, table,
                                 pm.lrs[0, j][keep], fit_window=window)
    return fr.fits["isoflop"], window


def point_rows() -> list[dict]:
    rows = []
    for path in sorted(POINTS.glob("*.npz")):
        pm = dr.PhaseMap.from_npz(path)
        for j in range(pm.betas.size):
            fits = {}
            for d_max in (1e4, 3e4, 1e5):
                fits[d_max] = refit(pm, j, d_max)
            fit, window = fits[1e5]
            rows.append(dict(phase=pm.phases[0, j], alpha=pm.alphas[0], beta=pm.betas[j],
                             pm=pm, j=j, fit=fit, window=window, fits=fits,
                             se_eta=standard_error(fit.eta_ci, fit.n_budgets),
                             se_xi=standard_error(fit.xi_ci, fit.n_budgets)))
    return sorted(rows, key=lambda r: r["phase"])


def points_table(rows: list[dict]) -> str:
    lines = ["| area | (α, β) | η symbolic | η measured ± s.e. [95 % CI] | Δη | ξ symbolic | "
             "ξ measured ± s.e. | R² (η, ξ) | window (budgets) | η at d_max = 10⁴ / 3·10⁴ / 10⁵ "
             "| learned-mode ξ, η (§3) |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        pm, j, fit = r["pm"], r["j"], r["fit"]
        drift = " / ".join(f"{r['fits'][m][0].eta:.4f}" for m in (1e4, 3e4, 1e5))
        ref = refined(r["alpha"], r["beta"])
        lines.append(
            f"| {r['phase']} | ({r['alpha']:g}, {r['beta']:g}) | {pm.eta_theory[0, j]:.4f} | "
            f"{fit.eta:.4f} ± {r['se_eta']:.4f} [{fit.eta_ci[0]:.3f}, {fit.eta_ci[1]:.3f}] | "
            f"{fit.eta - pm.eta_theory[0, j]:+.4f} | {pm.xi_theory[0, j]:.4f} | "
            f"{fit.xi:.4f} ± {r['se_xi']:.4f} | {fit.eta_r2:.4f}, {fit.xi_r2:.4f} | "
            f"10^{np.log10(r['window'][0]):.1f}–10^{np.log10(r['window'][1]):.1f} "
            f"({fit.n_budgets}) | {drift} | "
            + ("—" if ref is None else f"{ref[0]:.4f}, {ref[1]:.4f}") + " |")
    return "\n".join(lines) + "\n"


def replace(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- BEGIN GENERATED: {name} -->\n).*?(<!-- END GENERATED: {name} -->)",
                         re.S)
    if not pattern.search(text):
        raise ValueError(f"block {name} not found in {PAGE}")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def main() -> None:
    text = PAGE.read_text()
    text = replace(text, "points", points_table(point_rows()))
    PAGE.write_text(text)


if __name__ == "__main__":
    main()

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
import sympy  # noqa: E402
from scipy import stats  # noqa: E402

import deterministic_risk as dr  # noqa: E402
from deterministic_risk.studies.fitting import isoflop_optimum  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PAGE = HERE / "signsgd_phase_plane.md"
FIGURES = HERE / "figures"
POINTS = ROOT / "tests" / "data" / "signsgd_phase_points"
MAPS = HERE / "data"


def saturated(alpha: float, beta: float) -> tuple[float, float] | None:
    """(ξ, η) of the earlier table with the saturated sign-noise level at every horizon, where
    it differs from the derived one (areas Ad and Bb, docs/signsgd_phase_plane.md §3)."""
    name = dr.asymptotics.phase_of(alpha, beta, "signsgd").name
    row = next((r for r in dr.asymptotics.literature.SIGNSGD_NOTE
                if r["name"] == name and "learned_mode" in r), None)
    if row is None:
        return None
    values = {"alpha": alpha, "beta": beta}
    return tuple(float(sympy.sympify(row[key], locals=values)) for key in ("xi", "eta"))


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
    for path in sorted(POINTS.glob("a*.npz")):
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
             "| saturated-level ξ, η (§3) |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        fit = r["fit"]
        phase = dr.asymptotics.phase_of(r["alpha"], r["beta"], "signsgd")
        drift = " / ".join(f"{r['fits'][m][0].eta:.4f}" for m in (1e4, 3e4, 1e5))
        old = saturated(r["alpha"], r["beta"])
        lines.append(
            f"| {r['phase']} | ({r['alpha']:g}, {r['beta']:g}) | {phase.eta:.4f} | "
            f"{fit.eta:.4f} ± {r['se_eta']:.4f} [{fit.eta_ci[0]:.3f}, {fit.eta_ci[1]:.3f}] | "
            f"{fit.eta - phase.eta:+.4f} | {phase.xi:.4f} | "
            f"{fit.xi:.4f} ± {r['se_xi']:.4f} | {fit.eta_r2:.4f}, {fit.xi_r2:.4f} | "
            f"10^{np.log10(r['window'][0]):.1f}–10^{np.log10(r['window'][1]):.1f} "
            f"({fit.n_budgets}) | {drift} | "
            + ("—" if old is None else f"{old[0]:.4f}, {old[1]:.4f}") + " |")
    return "\n".join(lines) + "\n"


# -- maps -------------------------------------------------------------------------------------------

NOISE_PHASES = ("III", "IVa", "IVb")       # SGD phases whose trade-off involves SGD's noise term


def load_maps() -> dict[str, dr.PhaseMap]:
    """The stored constant-step maps of both optimizers."""
    return {key: dr.PhaseMap.from_npz(MAPS / f"map_{key}.npz")
            for key in ("sgd_constant", "signsgd_constant") if (MAPS / f"map_{key}.npz").exists()}


def wsd_fit(const: dr.PhaseMap, flops: np.ndarray, losses: np.ndarray) -> dict[str, np.ndarray]:
    """η and its standard error of every point from the WSD loss tables ``losses``
    (na, nb, nd, len(flops)), with the constant map's window rule."""
    lo, hi = (s * const.d_values[-1] for s in const.info["fit_sizes"])
    out = {k: np.full(const.eta.shape, np.nan) for k in ("eta", "se", "n", "r2")}
    for i, j in zip(*np.nonzero(const.admissible)):
        table = losses[i, j]
        if not np.isfinite(table).any():
            continue
        d_star, _, inside = isoflop_optimum(flops, const.d_values, table)
        use = inside & (d_star >= lo) & (d_star <= hi)
        if use.sum() < 3:
            continue
        window = (flops[use].min(), flops[use].max())
        fr = dr.Frontier.from_losses(const.alphas[i], const.betas[j], const.optimizer,
                                     const.d_values, flops, table, const.lrs[i, j],
                                     fit_window=window)
        fit = fr.fits["isoflop"]
        out["eta"][i, j], out["n"][i, j], out["r2"][i, j] = fit.eta, fit.n_budgets, fit.eta_r2
        out["se"][i, j] = standard_error(fit.eta_ci, fit.n_budgets)
    return out


def refit_on_budgets(pm: dr.PhaseMap, flops: np.ndarray) -> dict[str, np.ndarray]:
    """η, ξ and fit diagnostics of every point of ``pm`` from the budgets ``flops`` only (a
    subset of ``pm.flops``), with the map's window rule."""
    cols = np.isin(np.round(np.log10(pm.flops), 9), np.round(np.log10(flops), 9))
    lo, hi = (s * pm.d_values[-1] for s in pm.info["fit_sizes"])
    shape = pm.eta.shape
    out = {k: np.full(shape, np.nan) for k in ("eta", "xi", "se", "r2", "n")}
    for i, j in zip(*np.nonzero(pm.admissible)):
        table = pm.losses[i, j][:, cols]
        d_star, _, inside = isoflop_optimum(pm.flops[cols], pm.d_values, table)
        use = inside & (d_star >= lo) & (d_star <= hi)
        if use.sum() < 3:
            continue
        window = (pm.flops[cols][use].min(), pm.flops[cols][use].max())
        fr = dr.Frontier.from_losses(pm.alphas[i], pm.betas[j], pm.optimizer, pm.d_values,
                                     pm.flops[cols], table, pm.lrs[i, j], fit_window=window)
        fit = fr.fits["isoflop"]
        out["eta"][i, j], out["xi"][i, j], out["r2"][i, j] = fit.eta, fit.xi, fit.eta_r2
        out["n"][i, j] = fit.n_budgets
        out["se"][i, j] = standard_error(fit.eta_ci, fit.n_budgets)
    return out


def map_grid(pm: dr.PhaseMap) -> dict[str, np.ndarray]:
    """η and its standard error for every point of a map (its own fit windows)."""
    se = np.full(pm.eta.shape, np.nan)
    for i, j in zip(*np.nonzero(np.isfinite(pm.eta))):
        se[i, j] = standard_error(pm.eta_ci[i, j], pm.n_budgets[i, j])
    return {"eta": pm.eta, "se": se, "n": pm.n_budgets.astype(float)}


def cell_table(alphas, betas, text) -> str:
    """Markdown table, rows β (top: largest), columns α; ``text(i, j)`` the cell of (α_i, β_j)."""
    lines = ["| β \\ α | " + " | ".join(f"{a:g}" for a in alphas) + " |",
             "|---" * (alphas.size + 1) + "|"]
    for j in range(betas.size - 1, -1, -1):
        lines.append(f"| **{betas[j]:g}** | " + " | ".join(text(i, j) for i in range(alphas.size))
                     + " |")
    return "\n".join(lines) + "\n"


def diagnostics(name: str, pm: dr.PhaseMap) -> str:
    se = map_grid(pm)["se"]
    ok = pm.admissible & np.isfinite(pm.eta)
    edge, total = pm.fitted_steps_at_edge()
    return (f"| {name} | {int(pm.admissible.sum())} | {int(ok.sum())} | "
            f"{np.median(pm.n_budgets[ok]):.0f} ({pm.n_budgets[ok].min()}–"
            f"{pm.n_budgets[ok].max()}) | {np.nanmedian(se[ok]):.4f} (max {np.nanmax(se[ok]):.4f}) "
            f"| {edge} / {total} | {pm.info['column_seconds']:.0f} s |")


def sign_vs_sgd(maps: dict) -> str:
    sgd, sign = maps["sgd_constant"], maps["signsgd_constant"]
    g1, g2 = map_grid(sign), map_grid(sgd)
    delta = g1["eta"] - g2["eta"]
    se = np.hypot(g1["se"], g2["se"])
    sym = sign.eta_theory - sgd.eta_theory

    def text(i, j):
        if not np.isfinite(delta[i, j]):
            return "—" if sgd.admissible[i, j] else ""
        return f"{delta[i, j]:+.3f} ± {se[i, j]:.3f} ({sym[i, j]:+.3f})"

    phases = np.array([[dr.asymptotics.phase_of(a, b, "sgd").name if 2 * a + 2 * b > 1 else ""
                        for b in sgd.betas] for a in sgd.alphas])
    noisy = np.isin(phases, NOISE_PHASES) & np.isfinite(delta)
    quiet = ~np.isin(phases, NOISE_PHASES) & np.isfinite(delta)
    steeper = delta > 2 * se
    lines = [cell_table(sgd.alphas, sgd.betas, text), "",
             "| region (SGD phase) | points | measured Δη > 2 s.e. | abs(Δη) ≤ 2 s.e. | Δη < −2 s.e. "
             "| median Δη | symbolic Δη > 0 at |", "|---|---|---|---|---|---|---|"]
    for name, mask in (("noise in the trade-off (III, IVa, IVb)", noisy),
                       ("no noise term (Ia, Ib, Ic, II)", quiet)):
        lines.append(f"| {name} | {int(mask.sum())} | {int((mask & steeper).sum())} | "
                     f"{int((mask & (np.abs(delta) <= 2 * se)).sum())} | "
                     f"{int((mask & (delta < -2 * se)).sum())} | "
                     f"{np.nanmedian(delta[mask]):+.3f} | {int((mask & (sym > 1e-9)).sum())} |")
    lines += ["", "| map | admissible | fitted | budgets per fit, median (range) | s.e. of η, "
              "median | fitted cells with the step at a grid end | worker time |",
              "|---|---|---|---|---|---|---|",
              diagnostics("SGD, constant step", sgd), diagnostics("signSGD, constant step", sign)]
    return "\n".join(lines) + "\n"


def wsd_gains(maps: dict, cells: dict) -> tuple[str, dict]:
    """Tables of η(WSD) − η(constant), both fitted on the WSD budgets, for both optimizers."""
    out, gains = [], {}
    claim = dr.asymptotics.literature.SIGNSGD_SCHEDULE_CLAIM
    flops = cells["flops"]
    for name in ("sgd", "signsgd"):
        const = maps[f"{name}_constant"]
        w = wsd_fit(const, flops, cells[f"{name}_losses"])
        c = refit_on_budgets(const, flops)
        gain, se = w["eta"] - c["eta"], np.hypot(w["se"], c["se"])
        gains[name] = (gain, se)
        sym = None
        if name == "signsgd":
            aa, bb = np.meshgrid(const.alphas, const.betas, indexing="ij")
            sym = (dr.asymptotics.exponent_grid("signsgd-decay", aa, bb)[1]
                   - dr.asymptotics.exponent_grid("signsgd", aa, bb)[1])

        def text(i, j, gain=gain, se=se, sym=sym, const=const):
            if not np.isfinite(gain[i, j]):
                return "—" if const.admissible[i, j] else ""
            extra = "" if sym is None or not np.isfinite(sym[i, j]) else f" ({sym[i, j]:+.3f})"
            a, b = const.alphas[i], const.betas[j]
            star = "*" if a > 0.5 and b < (2 * a - 1) / (2 * (4 * a - 1)) else ""
            return f"{star}{gain[i, j]:+.3f} ± {se[i, j]:.3f}{extra}"

        label = "SGD" if name == "sgd" else "signSGD"
        ok = np.isfinite(gain)
        interior = cells[f"{name}_interior"]
        computed = np.isfinite(cells[f"{name}_losses"])
        steps = cells[f"{name}_peaks"] / const.budget_lrs[..., [int(np.argmin(np.abs(np.log(
            const.flops / f)))) for f in flops]]
        lowest = np.isclose(steps, cells[f"multipliers_{name}"][0])
        out += [f"**{label}**: η(WSD) − η(constant) ± s.e., both fitted on the WSD budgets"
                + (" (in parentheses: the symbolic gain of the stable-decay conjecture of "
                   "phases.md)" if sym is not None else "") + "; * marks the claimed area "
                f"`{claim['region']}`.", "", cell_table(const.alphas, const.betas, text), "",
                f"{int(ok.sum())} points fitted; gain > 2 s.e. at {int((gain > 2 * se).sum())}, "
                f"< −2 s.e. at {int((gain < -2 * se).sum())}; median gain "
                f"{np.nanmedian(gain):+.3f}, median s.e. {np.nanmedian(se):.4f}; budgets per WSD "
                f"fit: median {np.nanmedian(w['n']):.0f} (range {np.nanmin(w['n']):.0f}–"
                f"{np.nanmax(w['n']):.0f}), R² median {np.nanmedian(w['r2']):.4f}; "
                f"{int(computed.sum())} (d, budget) cells run, the best peak at the lowest "
                f"multiplier in {int((computed & ~interior & lowest).sum())} and at the highest in "
                f"{int((computed & ~interior & ~lowest).sum())}; worker time "
                f"{np.nansum(cells[f'{name}_seconds']):.0f} s.", ""]
    return "\n".join(out), gains


def wsd_fine_check(maps: dict, coarse: dict, fine: dict) -> str:
    """The gains of the coarse setting beside the fine one, where the fine one was run."""
    lines = ["| optimizer | (α, β) | gain, coarse ± s.e. (budgets) | gain, fine ± s.e. (budgets) |",
             "|---|---|---|---|"]
    diffs = []
    for name in ("sgd", "signsgd"):
        const = maps[f"{name}_constant"]
        out = {}
        for key, cells in (("coarse", coarse), ("fine", fine)):
            w = wsd_fit(const, cells["flops"], cells[f"{name}_losses"])
            c = refit_on_budgets(const, cells["flops"])
            out[key] = (w["eta"] - c["eta"], np.hypot(w["se"], c["se"]), w["n"])
        for i, j in zip(*np.nonzero(np.isfinite(out["fine"][0]))):
            g = {k: (v[0][i, j], v[1][i, j], v[2][i, j]) for k, v in out.items()}
            diffs.append(g["fine"][0] - g["coarse"][0])
            lines.append(f"| {name} | ({const.alphas[i]:g}, {const.betas[j]:g}) | "
                         f"{g['coarse'][0]:+.3f} ± {g['coarse'][1]:.3f} ({g['coarse'][2]:.0f}) | "
                         f"{g['fine'][0]:+.3f} ± {g['fine'][1]:.3f} ({g['fine'][2]:.0f}) |")
    diffs = np.array(diffs)
    ok = np.isfinite(diffs)
    summary = (f"\n{int(ok.sum())} points with both; fine − coarse: median {np.median(diffs[ok]):+.4f}, "
               f"median absolute {np.median(np.abs(diffs[ok])):.4f}.\n" if ok.any() else "")
    return "\n".join(lines) + "\n" + summary


def figures(maps: dict, gains: dict) -> None:
    FIGURES.mkdir(exist_ok=True)
    axes = dr.plotting.plot_phase_map_comparison(maps["signsgd_constant"], maps["sgd_constant"])
    axes[0, 0].figure.savefig(FIGURES / "signsgd_phase_plane_sign_minus_sgd.png", dpi=110)
    plt.close(axes[0, 0].figure)
    fig, axs = plt.subplots(1, len(gains) + 1, figsize=(6 * (len(gains) + 1), 4.6),
                            constrained_layout=True, squeeze=False)
    const = maps["sgd_constant"]
    lim = max(np.nanmax(np.abs(g)) for g, _ in gains.values())
    edges_a = np.concatenate([[1.5 * const.alphas[0] - 0.5 * const.alphas[1]],
                              0.5 * (const.alphas[1:] + const.alphas[:-1]),
                              [1.5 * const.alphas[-1] - 0.5 * const.alphas[-2]]])
    edges_b = np.concatenate([[1.5 * const.betas[0] - 0.5 * const.betas[1]],
                              0.5 * (const.betas[1:] + const.betas[:-1]),
                              [1.5 * const.betas[-1] - 0.5 * const.betas[-2]]])
    for ax, (name, (gain, se)) in zip(axs[0], gains.items()):
        mesh = ax.pcolormesh(edges_a, edges_b, np.ma.masked_invalid(gain.T), cmap="RdBu_r",
                             vmin=-lim, vmax=lim)
        fig.colorbar(mesh, ax=ax, label="η(WSD) − η(constant)")
        for i, a in enumerate(const.alphas):
            for j, b in enumerate(const.betas):
                if np.isfinite(gain[i, j]):
                    bold = abs(gain[i, j]) > 2 * se[i, j]
                    ax.text(a, b, f"{gain[i, j]:+.2f}", ha="center", va="center", fontsize=6,
                            weight="bold" if bold else "normal")
        a = np.linspace(0.51, edges_a[-1], 100)
        ax.plot(a, (2 * a - 1) / (2 * (4 * a - 1)), "k--", lw=1, label="claimed area (below)")
        ax.plot(a, 0.5 - a, "k-", lw=1)
        ax.set(xlim=(edges_a[0], edges_a[-1]), ylim=(edges_b[0], edges_b[-1]), xlabel="α",
               ylabel="β", title=f"{'SGD' if name == 'sgd' else 'signSGD'}: measured gain of WSD "
                                 f"(bold: > 2 s.e.)")
        ax.legend(loc="upper right", fontsize=7)
    dr.plotting.plot_decay_gain(ax=axs[0, -1])
    axs[0, -1].set_title("signSGD: symbolic gain of the stable-decay conjecture")
    fig.savefig(FIGURES / "signsgd_phase_plane_wsd_gain.png", dpi=110)
    plt.close(fig)


def points_vs_sgd(rows: list[dict]) -> str:
    """η(signSGD) − η(SGD) at the points of §2, both with d up to 10⁵ and the step tuned per
    (d, budget)."""
    lines = ["| (α, β) | areas (signSGD / SGD) | η signSGD ± s.e. | η SGD ± s.e. | Δη measured ± s.e. "
             "| Δη symbolic |", "|---|---|---|---|---|---|"]
    for r in rows:
        path = MAPS / f"point_sgd_a{r['alpha']:g}.npz"
        if not path.exists():
            continue
        sgd = dr.PhaseMap.from_npz(path)
        j = int(np.flatnonzero(np.isclose(sgd.betas, r["beta"]))[0])
        se = standard_error(sgd.eta_ci[0, j], sgd.n_budgets[0, j])
        delta = r["fit"].eta - sgd.eta[0, j]
        sym = r["pm"].eta_theory[0, r["j"]] - sgd.eta_theory[0, j]
        lines.append(f"| ({r['alpha']:g}, {r['beta']:g}) | {r['phase']} / {sgd.phases[0, j]} | "
                     f"{r['fit'].eta:.4f} ± {r['se_eta']:.4f} | {sgd.eta[0, j]:.4f} ± {se:.4f} | "
                     f"{delta:+.4f} ± {np.hypot(se, r['se_eta']):.4f} | {sym:+.4f} |")
    return "\n".join(lines) + "\n"


def large_drift() -> str:
    """The α < ½ points with sizes up to 10⁶ (and Ac, Ad up to 10⁷): each fit as d_max grows,
    against the derived exponents and those of the saturated noise level."""
    rows = []
    sources = [(path, 0.0) for path in sorted(POINTS.glob("large_a*.npz"))]
    sources += [(path, 1.01e6) for path in sorted(MAPS.glob("point_a*_to_*.npz"))]
    for path, above in sources:
        pm = dr.PhaseMap.from_npz(path)
        for j, beta in enumerate(pm.betas):
            phase = dr.asymptotics.phase_of(pm.alphas[0], beta, "signsgd")
            old = saturated(pm.alphas[0], beta)
            for d_max in pm.d_values[(pm.d_values >= 9000) & (pm.d_values > above)]:
                fit, window = refit(pm, j, d_max)
                se = standard_error(fit.eta_ci, fit.n_budgets)
                rows.append((phase.name, d_max,
                    f"| {phase.name} ({pm.alphas[0]:g}, {beta:g}) | {d_max:.3g} | "
                    f"{fit.eta:.4f} ± {se:.4f} | {fit.eta - phase.eta:+.4f} | "
                    + ("—" if old is None else f"{fit.eta - old[1]:+.4f}")
                    + f" | {fit.xi:.4f} ± {standard_error(fit.xi_ci, fit.n_budgets):.4f} | "
                    f"{phase.xi:.4f} / " + ("—" if old is None else f"{old[0]:.4f}")
                    + f" | {fit.eta_r2:.4f} | 10^{np.log10(window[0]):.1f}–"
                    f"10^{np.log10(window[1]):.1f} ({fit.n_budgets}) |"))
    lines = ["| area (α, β) | d_max | η ± s.e. | η − symbolic | η − saturated level | ξ ± s.e. | "
             "ξ symbolic / saturated level | R² (η) | window (budgets) |",
             "|---|---|---|---|---|---|---|---|---|"]
    lines += [text for _, _, text in sorted(rows, key=lambda r: (r[0], r[1]))]
    return "\n".join(lines) + "\n"


def replace(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- BEGIN GENERATED: {name} -->\n).*?(<!-- END GENERATED: {name} -->)",
                         re.S)
    if not pattern.search(text):
        raise ValueError(f"block {name} not found in {PAGE}")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def main() -> None:
    text = PAGE.read_text()
    rows = point_rows()
    text = replace(text, "points", points_table(rows))
    text = replace(text, "points-vs-sgd", points_vs_sgd(rows))
    text = replace(text, "large-drift", large_drift())
    maps = load_maps()
    if "sgd_constant" in maps and "signsgd_constant" in maps:
        text = replace(text, "sign-vs-sgd", sign_vs_sgd(maps))
        cells = {}
        for setting in ("coarse", "fine"):
            path = MAPS / f"wsd_cells_{setting}.npz"
            if path.exists():
                with np.load(path) as z:
                    cells[setting] = {k: z[k] for k in z.files}
        if "coarse" in cells:
            table, gains = wsd_gains(maps, cells["coarse"])
            text = replace(text, "wsd-gain", table)
            figures(maps, gains)
        if "fine" in cells:
            text = replace(text, "wsd-fine", wsd_fine_check(maps, cells["coarse"], cells["fine"]))
    PAGE.write_text(text)


if __name__ == "__main__":
    main()

"""Reference curves for the large-d signSGD model on PLRF: the average over W draws of the exact
(sampled-W) mode ODE, stored as compact test data (``tests/data/signsgd_large_d_reference.npz``).

For every case (α, β, d) and feature seed s = 0..15 it runs
``risk_curve(PLRF(α, β, d), SignSGD(lr), steps, spectrum_method="sampled", feature_seed=s)`` with
the constant step whose limiting excess risk is 10⁻³·R(0) (``signsgd_lr_for_excess``, which needs
only E√K_ii and the floor, both independent of the draw) on 60 log-spaced k in [1, 10⁷]. Each
sampled path costs one SVD and one eigendecomposition of size d (about 3 min at d = 4000 on one
core; the SVD of W, most of it, is shared between the β of one (α, d, seed)); every finished
draw is kept, so an interrupted run resumes. ``reference-direct`` computes the same curves without
the SVD (:func:`direct_curves`; equal to the package's sampled path to 1e-11, printed by
``check_direct`` at the start), about 2–3 times cheaper.

``transforms`` stores, for three (α, β) at d = 1000 and two at d = 2000, the mean over 8 draws of W
of the three Stieltjes sums that the model replaces (``tests/data/signsgd_large_d_transforms.npz``).

``accuracy`` prints the accuracy table of docs/signsgd_large_d.md from the stored references and
``settings`` how far the curve moves when each numerical setting of the model is changed.

Run from the repository root:
``OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python docs/measure_signsgd_large_d.py reference [OUT [KEY
...]]`` (or ``reference-direct`` with the same arguments, ``transforms``, ``accuracy``,
``settings``; a KEY such as ``a1.5_b0.5_d4000`` restricts the run to those cases, so that two
processes can share the work, each with its own OUT; ``merge PART...`` then adds to the stored
file every case of which a PART holds more draws). Risks are stored as float32.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import deterministic_risk as dr
from deterministic_risk.problems import _plrf_instance

#: (α, β, d) of the stored references: five points at d = 1000, α ∈ {1, 1.5} at 2000 and 4000.
CASES = ([(a, b, 1000) for a, b in ((0.4, 0.7), (0.7, 0.3), (1.0, 0.3), (1.0, 1.2), (1.5, 0.5))]
         + [(a, b, d) for d in (2000, 4000) for a, b in ((1.0, 0.3), (1.0, 1.2), (1.5, 0.5))])
DRAWS = 16
STEPS = np.unique(np.geomspace(1, 1e7, 60).astype(np.int64))
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "signsgd_large_d_reference.npz"
#: (α, β, d) of the stored transforms of the sampled modes (points ζ = x(1 + 0.3i)).
TRANSFORM_CASES = ((0.4, 0.7, 1000), (1.0, 0.3, 1000), (1.5, 0.5, 1000), (1.0, 0.3, 2000),
                   (1.5, 0.5, 2000))
TRANSFORM_DRAWS = 8
TRANSFORM_OUT = OUT.with_name("signsgd_large_d_transforms.npz")


def case_key(alpha: float, beta: float, d: int) -> str:
    """Key of one case in the stored file."""
    return f"a{alpha}_b{beta}_d{d}"


def reference_lr(alpha: float, beta: float, d: int) -> float:
    """The constant step of the references: limiting excess 10⁻³·R(0)."""
    prob = dr.PLRF(alpha, beta, d)
    return dr.signsgd.signsgd_lr_for_excess(prob, 1e-3 * prob.initial_risk)


def _same_features(inst: dr.PLRFInstance, problem: dr.PLRF) -> dr.PLRFInstance:
    """The instance of ``problem`` with the W (and SVD) of ``inst``: only the target changes, so
    U^T b = S^-1 V^T W^T D^(1/2) b and the floor are recomputed (the SVD, the dominant cost of a
    sampled path, is shared between the β of one (α, d, seed))."""
    s = np.sqrt(inst.eigenvalues)
    bcheck = problem.weighted_target
    proj = (inst.eigenvectors.T @ (inst.features.T @ (np.sqrt(problem.population_eigenvalues)
                                                      * bcheck))) / s
    floor = 0.5 * max(float(bcheck @ bcheck - proj @ proj), 0.0)
    return dr.PLRFInstance(problem, inst.seed, inst.features, inst.eigenvalues, inst.eigenvectors,
                           proj, floor)


def reference(out: Path = OUT, only: tuple[str, ...] = (), direct: bool = False) -> None:
    """Compute the missing cases (or only the keys in ``only``) and store them (risk per draw,
    step, floor per draw) after every draw, so that an interrupted run resumes. ``direct``
    computes each draw by :func:`direct_curves` (no SVD of W)."""
    data = dict(np.load(out)) if out.exists() else {"steps": STEPS}
    groups: dict[tuple[float, int], list[float]] = {}
    for alpha, beta, d in CASES:
        key = case_key(alpha, beta, d)
        if only and key not in only:
            continue
        if data.get(key + "_risk", np.empty((0,))).shape[0] < DRAWS:
            groups.setdefault((alpha, d), []).append(beta)
    problems = {(a, d): {b: dr.PLRF(a, b, d) for b in bs} for (a, d), bs in groups.items()}
    lrs = {(a, d): {b: reference_lr(a, b, d) for b in bs} for (a, d), bs in groups.items()}
    for seed in range(DRAWS):   # draws outermost: an interrupted run has equally many per case
        for (alpha, d), betas in groups.items():
            todo = [b for b in betas
                    if data.get(case_key(alpha, b, d) + "_risk", np.empty((0,))).shape[0] == seed]
            if not todo:
                continue
            if direct:
                curves = direct_curves(alpha, todo, d, seed, lrs[alpha, d])
            else:
                first = problems[alpha, d][todo[0]].instance(seed)
                curves = {}
                for b in todo:
                    inst = first if b == todo[0] else _same_features(first, problems[alpha, d][b])
                    curve = dr.risk_curve(inst, dr.SignSGD(lrs[alpha, d][b]), STEPS)
                    curves[b] = (curve.risk, curve.floor)
            for b, (risk, floor) in curves.items():
                key = case_key(alpha, b, d)
                data[key + "_risk"] = np.concatenate(
                    [data.get(key + "_risk", np.empty((0, STEPS.size))), risk[None, :]])
                data[key + "_floor"] = np.append(data.get(key + "_floor", np.empty(0)), floor)
                data[key + "_lr"] = np.array(lrs[alpha, d][b])
            _plrf_instance.cache_clear()    # each cached instance holds W (0.5 GB at d = 4000)
            _save(out, data)
            print(f"α = {alpha}, d = {d}, draw {seed} done", flush=True)
    for (alpha, d), betas in groups.items():
        for b in betas:
            key = case_key(alpha, b, d)
            risks = data[key + "_risk"]
            mean = risks.mean(axis=0)
            se = risks.std(axis=0, ddof=1) / np.sqrt(risks.shape[0])
            print(f"{key}: lr = {lrs[alpha, d][b]:.4g}, R(1e7) = {mean[-1]:.4g}, max s.e./mean = "
                  f"{np.max(se / mean):.3f}", flush=True)


def _save(out: Path, data: dict) -> None:
    """Store ``data`` compressed, the risks as float32 (relative rounding 6e-8, far below the
    0.2–1.3 % standard errors of the averages they feed)."""
    np.savez_compressed(out, **{k: v.astype(np.float32) if k.endswith("_risk") else v
                                for k, v in data.items()})


def merge(out: Path, parts: list[Path]) -> None:
    """Merge reference files computed by separate processes (each run with its own OUT and KEYs):
    every case is taken from the file that holds the most draws of it."""
    data = dict(np.load(out)) if out.exists() else {"steps": STEPS}
    for part in parts:
        extra = np.load(part)
        for alpha, beta, d in CASES:
            key = case_key(alpha, beta, d)
            have = data.get(key + "_risk", np.empty((0,))).shape[0]
            if key + "_risk" in extra and extra[key + "_risk"].shape[0] > have:
                for suffix in ("_risk", "_floor", "_lr"):
                    data[key + suffix] = extra[key + suffix]
    _save(out, data)


def check_shared_features(alpha: float = 1.0, d: int = 500) -> None:
    """The shared-SVD route gives the risk curve of the package's sampled path (printed)."""
    a = dr.risk_curve(dr.PLRF(alpha, 1.2, d), dr.SignSGD(1e-3), STEPS,
                      spectrum_method="sampled", feature_seed=3).risk
    inst = _same_features(dr.PLRF(alpha, 0.3, d).instance(3), dr.PLRF(alpha, 1.2, d))
    b = dr.risk_curve(inst, dr.SignSGD(1e-3), STEPS).risk
    print(f"shared-SVD route vs sampled path: max relative difference "
          f"{np.abs(b / a - 1).max():.2e}")


def transforms(out: Path = TRANSFORM_OUT) -> None:
    """Mean and standard error over 8 draws of W of the three sums the model replaces,
    Σ 1/(h_j − ζ), Σ h_j v_j(0)/(h_j − ζ) and Σ h_j κ_j/(h_j − ζ) (exact modes of each W), at 24
    points ζ = x(1 + 0.3i), x log-spaced from half the smallest to twice the largest h. Cases
    already in ``out`` are kept."""
    data = dict(np.load(out)) if out.exists() else {}
    for alpha, beta, d in TRANSFORM_CASES:
        key = f"a{alpha}_b{beta}_d{d}"
        if key + "_mean" in data:
            continue
        prob = dr.PLRF(alpha, beta, d)
        sums, zeta = [], None
        for seed in range(TRANSFORM_DRAWS):
            modes = dr.signsgd.signsgd_modes(prob.instance(seed).to_least_squares())
            h = modes.eigenvalues
            if zeta is None:
                zeta = np.geomspace(0.5 * h[h > 0].min(), 2.0 * h.max(), 24) * (1 + 0.3j)
            inv = 1.0 / (h[None, :] - zeta[:, None])
            sums.append([inv.sum(axis=1), inv @ (h * modes.v0), inv @ (h * modes.kappa)])
            _plrf_instance.cache_clear()
        sums = np.array(sums)                                  # (draws, 3, points)
        data[key + "_zeta"] = zeta
        data[key + "_mean"] = sums.mean(axis=0)
        data[key + "_se"] = (sums.real.std(axis=0, ddof=1) + 1j * sums.imag.std(axis=0, ddof=1)) \
            / np.sqrt(TRANSFORM_DRAWS)
        np.savez_compressed(out, **data)
        print(key, "done", flush=True)


def accuracy(path: Path = OUT) -> None:
    """The accuracy table of docs/signsgd_large_d.md: the model against the stored averages."""
    data = np.load(path)
    print("| α | β | d | max over k of \\|model/avg − 1\\| | at k | in s.e. (max over k) |"
          " at k = 1e7 | s.e./avg at 1e7 |")
    print("|---|---|---|---|---|---|---|---|")
    for alpha, beta, d in CASES:
        key = case_key(alpha, beta, d)
        if key + "_risk" not in data:
            continue
        runs = data[key + "_risk"]
        mean = runs.mean(axis=0)
        se = runs.std(axis=0, ddof=1) / np.sqrt(runs.shape[0])
        curve = dr.risk_curve(dr.PLRF(alpha, beta, d), dr.SignSGD(float(data[key + "_lr"])),
                              data["steps"])
        dev = curve.risk / mean - 1
        i = int(np.argmax(np.abs(dev)))
        print(f"| {alpha} | {beta} | {d} | {abs(dev[i]):.4f} | {data['steps'][i]} | "
              f"{np.max(np.abs(dev) * mean / se):.2f} | {dev[-1]:+.4f} | {se[-1] / mean[-1]:.4f} |",
              flush=True)


def settings(points=((1.0, 0.3), (1.5, 0.5)), d: int = 1000) -> None:
    """How far the curve moves when each numerical setting is refined (or coarsened)."""
    variants = [dict(bin_ratio=1.015), dict(bin_ratio=1.06), dict(arc_nodes=16),
                dict(arc_nodes=6), dict(net_points=2048), dict(net_points=128), dict(top=12),
                dict(top=32), dict(n_nodes=400), dict(n_nodes=200), dict(n_nodes=100)]
    print("| α | β | setting | max over k of \\|curve/default − 1\\| |")
    print("|---|---|---|---|")
    for alpha, beta in points:
        prob = dr.PLRF(alpha, beta, d)
        lr = dr.signsgd.signsgd_lr_for_excess(prob, 1e-3 * prob.initial_risk)
        base = _curve(dr.signsgd.signsgd_equivalent(prob), lr)
        for kw in variants:
            other = _curve(dr.signsgd.signsgd_equivalent(prob, **kw), lr)
            text = ", ".join(f"{k} = {v}" for k, v in kw.items())
            print(f"| {alpha} | {beta} | {text} | {np.abs(other / base - 1).max():.1e} |",
                  flush=True)


def _curve(model: dr.signsgd.SignSGDEquivalent, lr: float) -> np.ndarray:
    """The constant-step signSGD ODE on the model's nodes (as risk_curve runs it)."""
    return _modes_curve(model.modes, model.floor, lr)


def _modes_curve(m: dr.signsgd.SignSGDModes, floor: float, lr: float) -> np.ndarray:
    """The constant-step signSGD ODE on modes ``m`` with floor ``floor`` (as risk_curve runs it:
    a = 2γφ(R), c = γ/(4φ(R)), φ = (2/π)/√(2(R + R*)), the default exponential integrator)."""
    from deterministic_risk.integrate import exponential_feedback_integrate

    def rates(k, r):
        phi = (2.0 / np.pi) / np.sqrt(2.0 * (r + floor))
        return 2.0 * lr * phi, lr / (4.0 * phi)

    return exponential_feedback_integrate(m.eigenvalues, m.kappa, m.v0, rates, STEPS).risk + floor


def direct_curves(alpha: float, betas: list[float], d: int, seed: int,
                  lrs: dict[float, float]) -> dict[float, tuple[np.ndarray, float]]:
    """The sampled-path ODE of the W drawn from ``seed`` for each β, without the SVD of W.

    K = AᵀA with A = D^(1/2)W formed directly (2vd² operations instead of the SVD's ~4vd² + 22d³);
    θ* = K⁻¹Aᵀb̌ by Cholesky and the floor ½|b̌ − Aθ*|²; the modes of the first β by the package
    (``signsgd_modes`` of the least-squares problem (K, θ*)), those of the other β by replacing
    only v_j(0) = ½(w_jᵀD_K^(1/4)θ*)² (the eigenvectors w_j and κ_j depend on K alone). The same
    mathematical object as the package's sampled path (``check_direct`` measures the difference).
    Returns {β: (risk at STEPS, floor)}."""
    import dataclasses

    import scipy.linalg

    problems = {b: dr.PLRF(alpha, b, d) for b in betas}
    first = problems[betas[0]]
    a = np.sqrt(first.population_eigenvalues)[:, None] * first.sample_features(seed)
    K = a.T @ a
    chol = scipy.linalg.cho_factor(K, check_finite=False)
    q = np.diag(K) ** 0.25
    out, modes = {}, None
    for b in betas:
        bcheck = problems[b].weighted_target
        theta = scipy.linalg.cho_solve(chol, a.T @ bcheck, check_finite=False)
        residual = bcheck - a @ theta
        floor = 0.5 * float(residual @ residual)
        if modes is None:
            ls = dr.GaussianLeastSquares(K, theta, noise_std=float(np.sqrt(2.0 * floor)))
            modes = dr.signsgd.signsgd_modes(ls)
            current = modes
        else:
            current = dataclasses.replace(modes, v0=0.5 * (modes.eigenvectors.T @ (q * theta)) ** 2)
        out[b] = (_modes_curve(current, floor, lrs[b]), floor)
    return out


def check_direct(alpha: float = 1.0, d: int = 500, seed: int = 3) -> None:
    """The direct route against the package's sampled path (printed, both β of the references)."""
    betas = [b for a, b, _ in CASES if a == alpha and _ == 2000]
    lrs = {b: reference_lr(alpha, b, d) for b in betas}
    direct = direct_curves(alpha, betas, d, seed, lrs)
    for b in betas:
        ref = dr.risk_curve(dr.PLRF(alpha, b, d), dr.SignSGD(lrs[b]), STEPS,
                            spectrum_method="sampled", feature_seed=seed)
        print(f"direct route vs sampled path, α = {alpha}, β = {b}, d = {d}: max relative "
              f"difference {np.abs(direct[b][0] / ref.risk - 1).max():.2e}, floor "
              f"{direct[b][1]:.6g} vs {ref.floor:.6g}", flush=True)


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "reference"
    if which == "reference":
        check_shared_features()
        reference(Path(sys.argv[2]) if len(sys.argv) > 2 else OUT, tuple(sys.argv[3:]))
    elif which == "reference-direct":
        for a in (1.0, 1.5):
            check_direct(a)
        reference(Path(sys.argv[2]) if len(sys.argv) > 2 else OUT, tuple(sys.argv[3:]),
                  direct=True)
    elif which == "merge":
        merge(OUT, [Path(p) for p in sys.argv[2:]])
    elif which == "transforms":
        transforms(Path(sys.argv[2]) if len(sys.argv) > 2 else TRANSFORM_OUT)
    elif which == "accuracy":
        accuracy(Path(sys.argv[2]) if len(sys.argv) > 2 else OUT)
    elif which == "settings":
        settings()
    else:
        raise SystemExit(f"unknown command {which!r}; use 'reference', 'merge', 'transforms', "
                         f"'accuracy' or 'settings'")

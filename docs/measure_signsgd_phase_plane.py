"""Compute the measured signSGD phase plane of docs/signsgd_phase_plane.md and store it.

Three parts, each resumable (finished (α, d) columns are stored under ``--cache-dir``):

* ``--part points``: one interior point of each signSGD area (``dr.asymptotics.phase_of``),
  signSGD with its step tuned per (d, budget) (``lr="grid"``), d from 300 to 10⁵; saved as
  ``tests/data/signsgd_phase_points/a<alpha>.npz`` (one PhaseMap per α).
* ``--part sgd-points``: SGD at the same points, sizes and step rule,
  ``docs/data/point_sgd_a<alpha>.npz``.
* ``--part wsd`` (after ``maps``): WSD runs of both optimizers at the cells that can enter
  each map point's fit, ``docs/data/wsd_cells_<setting>.npz`` (``--wsd-setting coarse|fine``;
  ``--part wsd-collect`` assembles the points finished so far).
* ``--part large``: the Ac, Ad and Bb points with sizes up to 10⁶,
  ``tests/data/signsgd_phase_points/large_a<alpha>.npz``; with ``--d-max 1e7`` the Ac and Ad
  points up to 10⁷, ``docs/data/point_a0.4_to_1e+07.npz``.
* ``--part near-half``: two points of the 20 × 20 map at α = 0.586 (areas Ab, Ba) with sizes up
  to 10⁶, ``docs/data/point_a0.586_to_1e+06.npz``.
* ``--part maps``: the 8 × 8 (α, β) maps of SGD and signSGD with constant steps tuned per
  (d, budget), ``docs/data/map_<optimizer>_constant.npz``.

Run with one BLAS thread per process (``OMP_NUM_THREADS=1``; the pool's workers set it
themselves):

    OMP_NUM_THREADS=1 PYTHONPATH=. python docs/measure_signsgd_phase_plane.py --part points
    OMP_NUM_THREADS=1 PYTHONPATH=. python docs/measure_signsgd_phase_plane.py --part maps --workers 2
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

import deterministic_risk as dr
from deterministic_risk.studies.fitting import isoflop_optimum
from deterministic_risk.studies.phase_plane import MAP_SOLVERS
from deterministic_risk.threads import limit_worker_blas_threads

ROOT = Path(__file__).resolve().parent.parent
#: One interior point of each signSGD area, grouped by α (a map shares its columns across β).
POINTS = {0.8: (0.25, 0.9), 0.4: (0.35, 0.7), 0.7: (1.5,), 0.35: (1.2,)}
POINT_D = np.unique(np.geomspace(300, 1e5, 8).astype(np.int64))
POINT_FLOPS = np.geomspace(1e4, 1e14, 101)


def points(cache: Path, workers: int) -> None:
    maps = {}
    for alpha, betas in POINTS.items():
        t0 = time.perf_counter()
        pm = dr.phase_map([alpha], list(betas), "signsgd", d_values=POINT_D, flops=POINT_FLOPS,
                          lr="grid", backend="local", max_workers=workers,
                          cache_dir=cache / "points", progress=False)
        maps[f"a{alpha}"] = pm
        print(f"alpha={alpha}: {time.perf_counter() - t0:.0f} s, eta={pm.eta}, "
              f"theory={pm.eta_theory}", flush=True)
    out = ROOT / "tests" / "data" / "signsgd_phase_points"
    out.mkdir(parents=True, exist_ok=True)
    for key, pm in maps.items():
        pm.to_npz(out / f"{key}.npz")


#: The (α, β) grid of the maps (β = 0.1 reaches the area α > ½, β < (2α − 1)/(2(4α − 1)) where a
#: stable-decay gain is claimed).
MAP_ALPHAS = np.round(np.linspace(0.3, 1.35, 8), 4)
MAP_BETAS = np.array([0.1, 0.25, 0.4, 0.6, 0.8, 1.0, 1.25, 1.6])
MAP_D = np.array([200, 400, 800, 1600, 3200])
MAP_FLOPS = np.geomspace(1e3, 1e13, 41)          # constant steps: one curve serves every budget
FIT_SIZES = (0.05, 0.5)
#: WSD settings: budgets (one run per (d, budget, peak)) and the peaks tried per (d, budget), as
#: multiples of the best constant step of that cell. "coarse": the whole grid; "fine": 4 budgets
#: per decade and a lower peak, run from the largest α down as far as the time allowed.
WSD_SETTINGS = {
    "coarse": (np.geomspace(1e4, 1e12, 17), {"sgd": (1.0, 2.0, 4.0), "signsgd": (1.0, 2.5, 6.25)}),
    "fine": (np.geomspace(1e4, 1e12, 33),
             {"sgd": (0.5, 1.0, 2.0, 4.0), "signsgd": (0.5, 1.0, 2.5, 6.25)}),
}


def maps(cache: Path, workers: int) -> None:
    """The constant-step maps of both optimizers (steps tuned per (d, budget))."""
    out = ROOT / "docs" / "data"
    out.mkdir(parents=True, exist_ok=True)
    for name in ("sgd", "signsgd"):
        path = out / f"map_{name}_constant.npz"
        if path.exists():
            continue
        t0 = time.perf_counter()
        pm = dr.phase_map(MAP_ALPHAS, MAP_BETAS, name, d_values=MAP_D, flops=MAP_FLOPS, lr="grid",
                          fit_sizes=FIT_SIZES, backend="local", max_workers=workers,
                          cache_dir=cache / "maps", progress=False)
        pm.to_npz(path)
        print(f"{name}_constant: {time.perf_counter() - t0:.0f} s", flush=True)


def _wsd_point(name: str, i: int, j: int, cache: Path, setting: str) -> dict:
    """WSD losses of map point (i, j) at the cells that can enter its fit.

    The cells: the WSD budgets inside the constant map's fit window, and at each the sizes within
    a factor 3 of the constant map's optimum d*(f) (the IsoFLOP parabola uses the best size and
    its two neighbours); the peak is searched at the best constant step of that (d, budget),
    stored by the constant map, times ``MULTIPLIERS`` (``dr.studies.schedule_peaks``).
    """
    path = cache / f"wsd_{setting}" / f"{name}_{i}_{j}.npz"
    if path.exists():
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    limit_worker_blas_threads(1)
    wsd_flops, multipliers = WSD_SETTINGS[setting]
    const = dr.PhaseMap.from_npz(ROOT / "docs" / "data" / f"map_{name}_constant.npz")
    alpha, beta = float(const.alphas[i]), float(const.betas[j])
    losses = np.full((const.d_values.size, wsd_flops.size), np.inf)
    peaks = np.full(losses.shape, np.nan)
    interior = np.zeros(losses.shape, dtype=bool)
    lo, hi = const.windows[i, j]
    d_star, _, _ = isoflop_optimum(const.flops, const.d_values, const.losses[i, j])
    template = dr.SGD(1.0) if name == "sgd" else dr.SignSGD(1.0)
    solver = MAP_SOLVERS[0][1] if name == "sgd" else MAP_SOLVERS[1][1]
    t0 = time.perf_counter()
    for m, d in enumerate(const.d_values):
        cols = []
        for c, f in enumerate(wsd_flops):
            k = int(np.argmin(np.abs(np.log(const.flops / f))))
            if lo * 0.999 <= f <= hi * 1.001 and abs(np.log(d / d_star[k])) <= np.log(3.0):
                cols.append((c, k))
        if not cols:
            continue
        prob = dr.PLRF(alpha, beta, int(d), v=int(round(4 * d)))
        budgets = np.array([max(1, int(round(wsd_flops[c] / d))) for c, _ in cols])
        base = np.array([const.budget_lrs[i, j, m, k] for _, k in cols])
        search = dr.studies.schedule_peaks(prob, template, dr.studies.STABLE_DECAY, budgets, base,
                                           multipliers=multipliers[name], solver=solver)
        for n, (c, _) in enumerate(cols):
            losses[m, c], peaks[m, c] = search.risk[n], search.lr[n]
            interior[m, c] = search.interior[n]
    out = {"losses": losses, "peaks": peaks, "interior": interior,
           "seconds": np.array(time.perf_counter() - t0)}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **out)
    return out


def wsd(cache: Path, workers: int, setting: str) -> None:
    """WSD losses of every map point at the cells that can enter its fit (``_wsd_point``),
    the largest α first, both optimizers interleaved; saved as ``docs/data/wsd_cells.npz``."""
    tasks = []
    const = dr.PhaseMap.from_npz(ROOT / "docs" / "data" / "map_sgd_constant.npz")
    for i in range(const.alphas.size - 1, -1, -1):
        for j in range(const.betas.size):
            if const.admissible[i, j]:
                tasks += [("signsgd", i, j), ("sgd", i, j)]
    done = 0
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_wsd_point, *task, cache, setting): task for task in tasks}
        for fut in as_completed(futures):
            done += 1
            print(f"{futures[fut]}: {float(fut.result()['seconds']):.0f} s "
                  f"({done}/{len(tasks)}, {time.perf_counter() - t0:.0f} s)", flush=True)
    collect(cache, setting)


def collect(cache: Path, setting: str) -> None:
    """Assemble the WSD cells of every finished point into ``docs/data/wsd_cells.npz`` (points
    not computed hold NaN)."""
    const = dr.PhaseMap.from_npz(ROOT / "docs" / "data" / "map_sgd_constant.npz")
    wsd_flops, multipliers = WSD_SETTINGS[setting]
    shape = const.losses.shape[:3] + (wsd_flops.size,)
    arrays = {}
    for name in ("sgd", "signsgd"):
        arrays[f"{name}_losses"] = np.full(shape, np.nan)
        arrays[f"{name}_peaks"] = np.full(shape, np.nan)
        arrays[f"{name}_interior"] = np.zeros(shape, dtype=bool)
        arrays[f"{name}_seconds"] = np.full(shape[:2], np.nan)
    for path in sorted((cache / f"wsd_{setting}").glob("*.npz")):
        name, i, j = path.stem.rsplit("_", 2)
        with np.load(path) as z:
            for key in ("losses", "peaks", "interior", "seconds"):
                arrays[f"{name}_{key}"][int(i), int(j)] = z[key]
    np.savez_compressed(ROOT / "docs" / "data" / f"wsd_cells_{setting}.npz", flops=wsd_flops,
                        multipliers_sgd=multipliers["sgd"],
                        multipliers_signsgd=multipliers["signsgd"], **arrays)


def sgd_points(cache: Path, workers: int) -> None:
    """SGD at the points of ``points`` (same sizes, budgets and step rule), for Δη at large d."""
    out = ROOT / "docs" / "data"
    out.mkdir(parents=True, exist_ok=True)
    for alpha, betas in POINTS.items():
        t0 = time.perf_counter()
        pm = dr.phase_map([alpha], list(betas), "sgd", d_values=POINT_D, flops=POINT_FLOPS,
                          lr="grid", backend="local", max_workers=workers,
                          cache_dir=cache / "points", progress=False)
        pm.to_npz(out / f"point_sgd_a{alpha}.npz")
        print(f"sgd alpha={alpha}: {time.perf_counter() - t0:.0f} s, eta={pm.eta}", flush=True)


#: The α < ½ points of ``POINTS`` (areas Ac, Ad, Bb) with sizes up to 10⁶: their exponents
#: still move at d = 10⁵ (docs/signsgd_phase_plane.md §2).
LARGE_POINTS = {0.35: (1.2,), 0.4: (0.35, 0.7)}


def _follow(points: dict, d_max: float, cache: Path, workers: int, path) -> None:
    """Each (α, βs) of ``points`` with the sizes of ``POINT_D`` and three per decade from 10⁵ up
    to ``d_max``, saved at ``path(alpha)``."""
    extra = np.geomspace(1e5, d_max, int(round(3 * np.log10(d_max / 1e5))) + 1)[1:]
    d_values = np.unique(np.concatenate([POINT_D, extra.astype(np.int64)]))
    for alpha, betas in points.items():
        t0 = time.perf_counter()
        pm = dr.phase_map([alpha], list(betas), "signsgd", d_values=d_values, flops=POINT_FLOPS,
                          lr="grid", backend="local", max_workers=workers,
                          cache_dir=cache / "points", progress=False)
        pm.to_npz(path(alpha))
        print(f"alpha={alpha} to {d_max:.0e}: {time.perf_counter() - t0:.0f} s, eta={pm.eta}",
              flush=True)


def large(cache: Path, workers: int, d_max: float) -> None:
    """The points of ``LARGE_POINTS`` with sizes up to ``d_max`` (how their exponents drift with
    d_max): ``tests/data/signsgd_phase_points/large_a<alpha>.npz`` for d_max = 10⁶ (pinned by
    a slow test), else ``docs/data/point_a<alpha>_to_<d_max>.npz`` for α = 0.4 only (Ac, Ad)."""
    pinned = d_max == 1e6
    out = ROOT / "tests" / "data" / "signsgd_phase_points" if pinned else ROOT / "docs" / "data"
    out.mkdir(parents=True, exist_ok=True)
    points = LARGE_POINTS if pinned else {0.4: LARGE_POINTS[0.4]}
    _follow(points, d_max, cache, workers,
            lambda a: out / (f"large_a{a}.npz" if pinned else f"point_a{a}_to_{d_max:.0e}.npz"))


#: Two points of the 20 × 20 map just above α = ½ that miss the symbolic η by 0.03-0.05 at
#: d ≤ 10⁵ (docs/frontiers.md, 'signSGD, 20 × 20'), followed to d = 10⁶.
NEAR_HALF_POINTS = {0.586: (0.714, 1.358)}


def near_half(cache: Path, workers: int) -> None:
    """The points of ``NEAR_HALF_POINTS`` with sizes up to 10⁶,
    ``docs/data/point_a<alpha>_to_1e+06.npz``."""
    _follow(NEAR_HALF_POINTS, 1e6, cache, workers,
            lambda a: ROOT / "docs" / "data" / f"point_a{a}_to_1e+06.npz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=("points", "sgd-points", "maps", "wsd", "wsd-collect",
                                           "large", "near-half"), required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--wsd-setting", choices=tuple(WSD_SETTINGS), default="coarse")
    parser.add_argument("--d-max", type=float, default=1e6,
                        help="largest size of --part large (1e6: the pinned test data)")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/signsgd_phase_plane"))
    args = parser.parse_args()
    if args.part == "points":
        points(args.cache_dir, args.workers)
    elif args.part == "sgd-points":
        sgd_points(args.cache_dir, args.workers)
    elif args.part == "wsd":
        wsd(args.cache_dir, args.workers, args.wsd_setting)
    elif args.part == "wsd-collect":
        collect(args.cache_dir, args.wsd_setting)
    elif args.part == "large":
        large(args.cache_dir, args.workers, args.d_max)
    elif args.part == "near-half":
        near_half(args.cache_dir, args.workers)
    else:
        maps(args.cache_dir, args.workers)


if __name__ == "__main__":
    main()

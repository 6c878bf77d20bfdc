"""Compute the measured signSGD phase plane of docs/signsgd_phase_plane.md and store it.

Three parts, each resumable (finished (α, d) columns are stored under ``--cache-dir``):

* ``--part points``: one interior point of each signSGD area (``dr.asymptotics.phase_of``),
  signSGD with its step tuned per (d, budget) (``lr="grid"``), d from 300 to 10⁵; saved as
  ``tests/data/signsgd_phase_points/a<alpha>.npz`` (one PhaseMap per α).
* ``--part sgd-points``: SGD at the same points, sizes and step rule,
  ``docs/data/point_sgd_a<alpha>.npz``.
* ``--part large``: the Bb point with sizes up to 10⁶, ``docs/data/point_bb_to_1e6.npz``.
* ``--part maps``: the 8 × 8 (α, β) maps of SGD and signSGD (step tuned per (d, budget), constant
  and WSD), saved as ``docs/data/map_<optimizer>_<constant|wsd>[_<row>].npz`` (the signSGD WSD
  map one row of α at a time).

Run with one BLAS thread per process (``OMP_NUM_THREADS=1``; the pool's workers set it
themselves):

    OMP_NUM_THREADS=1 PYTHONPATH=. python docs/measure_signsgd_phase_plane.py --part points
    OMP_NUM_THREADS=1 PYTHONPATH=. python docs/measure_signsgd_phase_plane.py --part maps --workers 2
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import deterministic_risk as dr

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
WSD_FLOPS = np.geomspace(1e4, 1e12, 17)          # WSD: one run per (d, budget, peak)
FIT_SIZES = (0.05, 0.5)
#: Peaks tried per (d, budget), as multiples of the best constant step of that budget.
MULTIPLIERS = {"sgd": (0.5, 1.0, 2.0, 4.0, 8.0), "signsgd": (1.0, 2.5, 6.25)}


def maps(cache: Path, workers: int) -> None:
    out = ROOT / "docs" / "data"
    out.mkdir(parents=True, exist_ok=True)
    # the signSGD WSD map costs most (one run per (d, budget, peak)): one row of α at a time,
    # each saved as soon as it is done, the largest α (where a gain is claimed) first
    runs = [("sgd", None, None), ("signsgd", None, None), ("sgd", "wsd", None)]
    runs += [("signsgd", "wsd", i) for i in (7, 5, 3, 1, 6, 4, 2, 0)]
    for name, kind, row in runs:
        part = slice(None) if row is None else slice(row, row + 1)
        tag = f"{name}_{kind or 'constant'}" + ("" if row is None else f"_{row}")
        if (out / f"map_{tag}.npz").exists():
            continue
        t0 = time.perf_counter()
        extra = {} if kind is None else {"schedule": dr.studies.STABLE_DECAY,
                                         "peak_multipliers": MULTIPLIERS[name]}
        pm = dr.phase_map(MAP_ALPHAS[part], MAP_BETAS, name, d_values=MAP_D,
                          flops=MAP_FLOPS if kind is None else WSD_FLOPS, lr="grid",
                          fit_sizes=FIT_SIZES, backend="local", max_workers=workers,
                          cache_dir=cache / "maps", progress=False, **extra)
        pm.to_npz(out / f"map_{tag}.npz")
        print(f"{tag}: {time.perf_counter() - t0:.0f} s", flush=True)


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


def large(cache: Path, workers: int) -> None:
    """The Bb point of ``points`` with sizes up to 10⁶ (how its exponent drifts with d_max)."""
    d_values = np.unique(np.concatenate([POINT_D, np.geomspace(1e5, 1e6, 4)[1:].astype(np.int64)]))
    t0 = time.perf_counter()
    pm = dr.phase_map([0.35], [1.2], "signsgd", d_values=d_values, flops=POINT_FLOPS, lr="grid",
                      backend="local", max_workers=workers, cache_dir=cache / "points",
                      progress=False)
    (ROOT / "docs" / "data").mkdir(parents=True, exist_ok=True)
    pm.to_npz(ROOT / "docs" / "data" / "point_bb_to_1e6.npz")
    print(f"Bb to 1e6: {time.perf_counter() - t0:.0f} s, eta={pm.eta}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=("points", "sgd-points", "maps", "large"), required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/signsgd_phase_plane"))
    args = parser.parse_args()
    if args.part == "points":
        points(args.cache_dir, args.workers)
    elif args.part == "sgd-points":
        sgd_points(args.cache_dir, args.workers)
    elif args.part == "large":
        large(args.cache_dir, args.workers)
    else:
        maps(args.cache_dir, args.workers)


if __name__ == "__main__":
    main()

"""Reference curves for the large-d signSGD model on PLRF: the average over W draws of the exact
(sampled-W) mode ODE, stored as compact test data (``tests/data/signsgd_large_d_reference.npz``).

For every case (α, β, d) and feature seed s = 0..15 it runs
``risk_curve(PLRF(α, β, d), SignSGD(lr), steps, spectrum_method="sampled", feature_seed=s)`` with
the constant step whose limiting excess risk is 10⁻³·R(0) (``signsgd_lr_for_excess``, which needs
only E√K_ii and the floor, both independent of the draw) on 60 log-spaced k in [1, 10⁷]. Each
sampled path costs one SVD and one eigendecomposition of size d (about 3 min at d = 4000 on one
core); finished cases are kept, so an interrupted run resumes.

Run from the repository root:
``OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python docs/measure_signsgd_large_d.py reference [OUT [KEY ...]]``
(KEY such as ``a1.5_b0.5_d4000`` restricts the run to those cases, so that two processes can
share the work).
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


def case_key(alpha: float, beta: float, d: int) -> str:
    """Key of one case in the stored file."""
    return f"a{alpha}_b{beta}_d{d}"


def reference_lr(alpha: float, beta: float, d: int) -> float:
    """The constant step of the references: limiting excess 10⁻³·R(0)."""
    prob = dr.PLRF(alpha, beta, d)
    return dr.signsgd_lr_for_excess(prob, 1e-3 * prob.initial_risk)


def reference(out: Path = OUT, only: tuple[str, ...] = ()) -> None:
    """Compute the missing cases (or only the keys in ``only``) and store them (risk per draw,
    step, floor per draw)."""
    data = dict(np.load(out)) if out.exists() else {"steps": STEPS}
    for alpha, beta, d in CASES:
        key = case_key(alpha, beta, d)
        if key + "_risk" in data or (only and key not in only):
            continue
        prob = dr.PLRF(alpha, beta, d)
        lr = reference_lr(alpha, beta, d)
        risks, floors = [], []
        for seed in range(DRAWS):
            curve = dr.risk_curve(prob, dr.SignSGD(lr), STEPS, spectrum_method="sampled",
                                  feature_seed=seed)
            risks.append(curve.risk)
            floors.append(curve.floor)
            _plrf_instance.cache_clear()    # each cached instance holds W (0.5 GB at d = 4000)
        data[key + "_risk"] = np.array(risks)
        data[key + "_floor"] = np.array(floors)
        data[key + "_lr"] = np.array(lr)
        np.savez_compressed(out, **data)
        mean = np.mean(risks, axis=0)
        se = np.std(risks, axis=0, ddof=1) / np.sqrt(DRAWS)
        print(f"{key}: lr = {lr:.4g}, R(1e7) = {mean[-1]:.4g}, max s.e./mean = "
              f"{np.max(se / mean):.3f}", flush=True)


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "reference"
    if which == "reference":
        reference(Path(sys.argv[2]) if len(sys.argv) > 2 else OUT, tuple(sys.argv[3:]))
    else:
        raise SystemExit(f"unknown command {which!r}; use 'reference'")

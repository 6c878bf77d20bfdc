"""Time and process peak memory of the symbolic phase layer (phase_of, phase_table, exponent grids).

Run from the repository root: PYTHONPATH=. python benchmarks/bench_asymptotics.py (three-way
timings as in _measure.py; cold first calls run once).
"""

from __future__ import annotations

import time

import numpy as np

from _measure import load_line, timed


def main() -> None:
    print(load_line())
    t0 = time.perf_counter()
    import deterministic_risk as dr
    asy = dr.asymptotics
    print(f"{'import deterministic_risk + asymptotics':55s} {time.perf_counter() - t0:8.3f} s")
    timed("phase_of(1.0, 1.5) cold (terms, LP, symbolic solve)", lambda: asy.phase_of(1.0, 1.5),
          traced=False, cold=True)
    timed("phase_of(1.2, 1.7) warm (same phase, new point)", lambda: asy.phase_of(1.2, 1.7),
          traced=False)
    timed("phase_of(0.7, 0.7) boundary", lambda: asy.phase_of(0.7, 0.7), traced=False)
    for opt in ("sgd", "signsgd", "signsgd-decay"):
        timed(f"phase_table({opt!r}) (cold)", lambda: asy.phase_table(opt), traced=False,
              cold=True)
    aa, bb = np.meshgrid(np.linspace(0.26, 2, 301), np.linspace(-0.5, 2.5, 301))
    for opt in ("sgd", "signsgd"):
        timed(f"exponent_grid({opt!r}) on 301 x 301", lambda: asy.exponent_grid(opt, aa, bb),
              traced=False)


if __name__ == "__main__":
    main()

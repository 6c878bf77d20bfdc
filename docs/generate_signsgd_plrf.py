"""Regenerate the numbers and the figure of docs/signsgd_plrf.md (takes tens of minutes).

Run from the repository root:
``OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python docs/generate_signsgd_plrf.py``.
Writes docs/figures/signsgd_plrf_study.json and docs/figures/sign_vs_sgd.png.
"""

from __future__ import annotations

import json
import sys
import time

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

import deterministic_risk as dr  # noqa: E402

POINTS = [(1.0, 0.3), (1.0, 0.1), (1.0, 2.0), (0.4, 0.3)]
D_VALUES = (250, 500, 1000, 2000, 4000)
FLOPS = np.geomspace(1e5, 1e10, 11)


def main(points=POINTS) -> None:
    out = {}
    for alpha, beta in points:
        t0 = time.perf_counter()
        study = dr.studies.scaling_study(alpha, beta, D_VALUES, FLOPS)
        ph = dr.asymptotics.phase_of(alpha, beta, "signsgd")
        ph_sgd = dr.asymptotics.phase_of(alpha, beta, "sgd")
        ph_dec = dr.asymptotics.phase_of(alpha, beta, "signsgd-decay")
        out[f"{alpha},{beta}"] = {
            "eta": {"/".join(k): v for k, v in study.eta.items()},
            "eta_ci": {"/".join(k): v for k, v in study.eta_ci.items()},
            "envelope": {"/".join(k): v.tolist() for k, v in study.envelope.items()},
            "lrs": {"/".join(k): v.tolist() for k, v in study.lrs.items()},
            "losses": {"/".join(k): v.tolist() for k, v in study.losses.items()},
            "symbolic": {"sgd": ph_sgd.eta, "signsgd": ph.eta, "signsgd-decay": ph_dec.eta,
                         "sgd_phase": ph_sgd.name, "signsgd_phase": ph.name},
            "seconds": time.perf_counter() - t0,
        }
        print(alpha, beta, study, f"{time.perf_counter() - t0:.0f} s", flush=True)
        if (alpha, beta) == (1.0, 0.3):
            import matplotlib.pyplot as plt
            axes = dr.plotting.plot_sign_vs_sgd(study)
            axes[0].figure.tight_layout()
            axes[0].figure.savefig("docs/figures/sign_vs_sgd.png", dpi=130)
            plt.close(axes[0].figure)
        with open("docs/figures/signsgd_plrf_study.json", "w") as fh:
            json.dump({"d_values": list(D_VALUES), "flops": FLOPS.tolist(), "points": out}, fh,
                      indent=1)


if __name__ == "__main__":
    main()

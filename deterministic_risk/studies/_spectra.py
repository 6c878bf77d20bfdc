r"""PLRF spectra for many model sizes at once: a disk cache and a process pool over d.

:func:`deterministic_risk.compute_optimal` needs the spectrum of every model size d of a frontier.
The deterministic-equivalent (DE) spectrum dominates the cost of a frontier (about 3–5 s at
d = 10⁵, against < 1 s for the risk curve on it), so this module

* computes the spectra of several d in a process pool (``n_jobs``),
* stores each spectrum in ``cache_dir`` as ``spectrum-<key>.npz`` and reloads it on the next call.
  The key hashes (α, β, d, v, label-noise σ, method, n_nodes, seed) together with the source of
  :mod:`deterministic_risk.deterministic_equivalent` and :mod:`deterministic_risk.spectrum`, so a
  change of the DE code invalidates the stored spectra.

This is I/O kept apart from the mathematics: the spectra themselves come from
:meth:`deterministic_risk.PLRF.spectrum` (theory note ``sgd_plrf.md`` §3–§4.4).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from ..problems import PLRF
from ..spectrum import Spectrum
from ..threads import limit_worker_blas_threads

__all__ = ["plrf_spectra"]


@functools.lru_cache(maxsize=1)
def _code_version() -> str:
    """Hash of the source files that determine a spectrum."""
    here = Path(__file__).parent.parent
    h = hashlib.sha1()
    for name in ("deterministic_equivalent.py", "spectrum.py", "problems.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()[:12]


def _key(problem: PLRF, method: str | None, n_nodes: int | None, seed: int) -> str:
    text = json.dumps([problem.alpha, problem.beta, problem.d, problem.v, problem.noise_std,
                       method, n_nodes, seed, _code_version()])
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def _compute(problem: PLRF, method: str | None, n_nodes: int | None, seed: int) -> Spectrum:
    options: dict = {} if method is None else {"method": method}
    if n_nodes is not None:
        options["n_nodes"] = n_nodes
    if method == "sampled":
        options["seed"] = seed
    return problem.spectrum(**options)


def _load(path: Path) -> Spectrum | None:
    try:
        with np.load(path) as z:
            return Spectrum(z["eigenvalues"], z["weights"], floor=float(z["floor"]),
                            counts=z["counts"])
    except (OSError, KeyError, ValueError):  # unreadable or partial file: recompute it
        return None


def _save(path: Path, spectrum: Spectrum) -> None:
    # write to a temporary file and rename it, so that concurrent sweeps never read half a file
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    os.close(fd)
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, eigenvalues=spectrum.eigenvalues, weights=spectrum.weights,
                     floor=spectrum.floor, counts=spectrum.counts)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def plrf_spectra(problems: Sequence[PLRF], *, method: str | None = None,
                 n_nodes: int | None = None, seed: int = 0,
                 cache_dir: str | Path | None = None, n_jobs: int = 1) -> list[Spectrum]:
    """Spectra of several PLRF problems, from the disk cache or computed (in parallel).

    Parameters
    ----------
    problems : sequence of PLRF
    method : str, optional
        ``PLRF.spectrum`` method (default: the problem's default, the deterministic equivalent).
    n_nodes : int, optional
        Merge the DE quadrature nodes into about this many (``PLRF.spectrum(n_nodes=...)``).
    seed : int
        Seed of W for ``method="sampled"``.
    cache_dir : path, optional
        Directory of stored spectra (created if needed).
    n_jobs : int
        Processes used for the spectra not found in the cache (1: in this process), each with one
        BLAS thread.

    Returns
    -------
    list of Spectrum, in the order of ``problems``.
    """
    cache = Path(cache_dir) if cache_dir is not None else None
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    out: list[Spectrum | None] = [None] * len(problems)
    paths: list[Path | None] = [None] * len(problems)
    todo = []
    for i, prob in enumerate(problems):
        if cache is not None:
            paths[i] = cache / f"spectrum-{_key(prob, method, n_nodes, seed)}.npz"
            if paths[i].exists():
                out[i] = _load(paths[i])
        if out[i] is None:
            todo.append(i)
    if n_jobs > 1 and len(todo) > 1:
        # largest problems first, so that the pool is not left waiting on one big spectrum
        todo.sort(key=lambda i: -problems[i].d)
        # one BLAS thread per worker: the parallelism is across the spectra (docs/threads.md)
        with ProcessPoolExecutor(max_workers=min(n_jobs, len(todo)),
                                 initializer=limit_worker_blas_threads) as pool:
            futures = {i: pool.submit(_compute, problems[i], method, n_nodes, seed) for i in todo}
            for i, fut in futures.items():
                out[i] = fut.result()
    else:
        for i in todo:
            out[i] = _compute(problems[i], method, n_nodes, seed)
    if cache is not None:
        for i in todo:
            _save(paths[i], out[i])
    return out  # type: ignore[return-value]

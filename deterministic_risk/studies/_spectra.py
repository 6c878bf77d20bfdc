r"""PLRF spectra for many model sizes at once: a disk cache and a process pool over d.

Derivations and modelling notes: docs/theory.md, section ``deterministic_risk.studies._spectra``.
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

from .. import deterministic_equivalent as de
from ..problems import PLRF
from ..spectrum import Spectrum
from ..threads import limit_worker_blas_threads

__all__ = ["plrf_spectra", "plrf_traces"]


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


def _trace_key(column: tuple[float, int, int]) -> str:
    text = json.dumps(["trace", *column, "compressed", _code_version()])
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def _compute(problem: PLRF, method: str | None, n_nodes: int | None, seed: int) -> Spectrum:
    options: dict = {} if method is None else {"method": method}
    if n_nodes is not None:
        options["n_nodes"] = n_nodes
    if method == "sampled":
        options["seed"] = seed
    return problem.spectrum(**options)


def _compute_item(item: tuple) -> Spectrum:
    return _compute(*item)


def _compute_trace(column: tuple[float, int, int]) -> de.TraceMeasure:
    alpha, d, v = column
    return de.trace_measure(PLRF(alpha, 1.0, d, v=v))


def _load(path: Path) -> Spectrum | None:
    try:
        with np.load(path) as z:
            return Spectrum(z["eigenvalues"], z["weights"], floor=float(z["floor"]),
                            counts=z["counts"])
    except (OSError, KeyError, ValueError):  # unreadable or partial file: recompute it
        return None


def _load_trace(path: Path, column: tuple[float, int, int]) -> de.TraceMeasure | None:
    try:
        with np.load(path) as z:
            arrays = {k: z[k] for k in ("nodes", "quadrature", "resolvent", "counts", "support")}
    except (OSError, KeyError, ValueError):  # unreadable or partial file: recompute it
        return None
    for arr in arrays.values():
        arr.setflags(write=False)
    return de.TraceMeasure(de.population(*column), **arrays)


def _save(path: Path, **arrays) -> None:
    # write to a temporary file and rename it, so that concurrent sweeps never read half a file
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    os.close(fd)
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _pooled(function, items: list, n_jobs: int, size) -> list:
    """``[function(item) for item in items]``, in a pool of ``n_jobs`` processes with one BLAS
    thread each (largest ``size`` first, so that the pool is not left waiting on one big one)."""
    if n_jobs <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    order = sorted(range(len(items)), key=lambda i: -size(items[i]))
    out = [None] * len(items)
    # one BLAS thread per worker: the parallelism is across the items
    with ProcessPoolExecutor(max_workers=min(n_jobs, len(items)),
                             initializer=limit_worker_blas_threads) as pool:
        futures = {i: pool.submit(function, items[i]) for i in order}
        for i, fut in futures.items():
            out[i] = fut.result()
    return out


def plrf_traces(columns: Sequence[tuple[float, int, int]], *,
                cache_dir: str | Path | None = None,
                n_jobs: int = 1) -> dict[tuple[float, int, int], de.TraceMeasure]:
    """Trace measures of the (α, d, v) ``columns``, from the disk cache or computed (in
    parallel), each computed once however many β use it.

    Returns
    -------
    dict
        (α, d, v) -> :class:`~deterministic_risk.deterministic_equivalent.TraceMeasure`.
    """
    cache = Path(cache_dir) if cache_dir is not None else None
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    out: dict = {}
    todo = []
    for column in dict.fromkeys(tuple(c) for c in columns):
        if cache is not None:
            path = cache / f"trace-{_trace_key(column)}.npz"
            if path.exists():
                out[column] = _load_trace(path, column)
        if out.get(column) is None:
            todo.append(column)
    for column, trace in zip(todo, _pooled(_compute_trace, todo, n_jobs, lambda c: c[1])):
        out[column] = trace
        if cache is not None:
            _save(cache / f"trace-{_trace_key(column)}.npz", nodes=trace.nodes,
                  quadrature=trace.quadrature, resolvent=trace.resolvent, counts=trace.counts,
                  support=trace.support)
    return out


def plrf_spectra(problems: Sequence[PLRF], *, method: str | None = None,
                 n_nodes: int | None = None, seed: int = 0,
                 cache_dir: str | Path | None = None, n_jobs: int = 1) -> list[Spectrum]:
    """Spectra of several PLRF problems, from the disk cache or computed (in parallel).

    Parameters
    ----------
    problems : sequence of PLRF
    method : str, optional
        ``PLRF.spectrum`` method (default: the problem's default, the deterministic equivalent,
        built from its trace measure, :func:`plrf_traces`).
    n_nodes : int, optional
        Merge the DE quadrature nodes into about this many (``PLRF.spectrum(n_nodes=...)``).
    seed : int
        Seed of W for ``method="sampled"``.
    cache_dir : path, optional
        Directory of stored trace measures and spectra (created if needed).
    n_jobs : int
        Processes used for what is not found in the cache (1: in this process), each with one
        BLAS thread.

    Returns
    -------
    list of Spectrum, in the order of ``problems``.
    """
    if method in (None, "deterministic"):
        traces = plrf_traces([(p.alpha, p.d, p.v) for p in problems], cache_dir=cache_dir,
                             n_jobs=n_jobs)
        return [de.deterministic_spectrum(p, n_nodes, trace=traces[(p.alpha, p.d, p.v)])
                for p in problems]
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
    computed = _pooled(_compute_item, [(problems[i], method, n_nodes, seed) for i in todo],
                       n_jobs, lambda item: item[0].d)
    for i, spectrum in zip(todo, computed):
        out[i] = spectrum
        if cache is not None:
            _save(paths[i], eigenvalues=spectrum.eigenvalues, weights=spectrum.weights,
                  floor=spectrum.floor, counts=spectrum.counts)
    return out  # type: ignore[return-value]

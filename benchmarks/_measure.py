"""Timing and peak-memory measurement shared by the benchmark scripts.

Every timed call runs three ways, as a user on a shared or many-core machine meets it: on the
machine as it is ("idle"), beside one competing CPU-bound process ("busy"), and each of these with
the BLAS threads of the process left at their default and limited to one. Each way runs
``BENCH_REPEAT`` times (default 3) and prints min, median and max, then two checks:

* busy/idle: the median beside one competing process over the idle median (target <= 2 on 2 cores);
* limited/default: the median with one BLAS thread over the median with the default threads
  (target <= 1.10, i.e. limiting the threads never costs more than 10 %).

``BENCH_ONCE=1`` runs each call once as it is (the old single line). A busy machine makes "idle"
timings upper bounds: the scripts print the load average before they start.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

import numpy as np
from threadpoolctl import threadpool_limits

REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
ONCE = os.environ.get("BENCH_ONCE", "") not in ("", "0")


def load_line() -> str:
    """The machine's load average and core count, for the header of a benchmark run."""
    one, five, fifteen = os.getloadavg()
    return (f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores "
            f"(timings on a loaded machine are upper bounds)")


@contextmanager
def competing_process() -> Iterator[None]:
    """One CPU-bound process (a Python busy loop) running beside the block; ended by its id."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)   # let it start spinning
        yield
    finally:
        proc.terminate()
        proc.wait()


def _seconds(function: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    result = function()
    return result, time.perf_counter() - t0


def three_way(label: str, function: Callable[[], Any], target: str = "",
              repeat: int | None = None) -> Any:
    """Time ``function`` idle and beside a competing process, each with the default and with
    one BLAS thread; print min/median/max of each and the two ratios; return its last result."""
    repeat = REPEAT if repeat is None else repeat
    times: dict[tuple[str, str], list[float]] = {}
    result = None
    for load in ("idle", "busy"):
        context = competing_process() if load == "busy" else _nothing()
        with context:
            for _ in range(repeat):
                for threads in ("default", "1 thread"):
                    limit = None if threads == "default" else 1
                    with threadpool_limits(limits=limit, user_api="blas"):
                        result, seconds = _seconds(function)
                    times.setdefault((load, threads), []).append(seconds)
    suffix = f"   (target {target})" if target else ""
    print(f"{label}{suffix}", flush=True)
    for (load, threads), ts in times.items():
        print(f"    {load:<5s} {threads:<9s} min {min(ts):8.3f}  median {np.median(ts):8.3f}  "
              f"max {max(ts):8.3f} s", flush=True)
    med = {key: float(np.median(ts)) for key, ts in times.items()}
    busy = max(med["busy", t] / med["idle", t] for t in ("default", "1 thread"))
    limited = max(med[load, "1 thread"] / med[load, "default"] for load in ("idle", "busy"))
    print(f"    busy/idle median {busy:.2f} (target <= 2)   1 thread/default median "
          f"{limited:.2f} (target <= 1.10)", flush=True)
    return result


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def measure(function: Callable[[], Any], *, repeat: int = 1) -> tuple[Any, float, float]:
    """Run ``function`` ``repeat`` times untraced, then once under tracemalloc; return its result,
    the best untraced wall time in seconds and the peak traced memory in MB (numpy allocations
    included)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    result = function()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, best, peak


def report(name: str, seconds: float, peak_mb: float, target: str = "") -> None:
    """Print one benchmark line."""
    suffix = f"   (target {target})" if target else ""
    print(f"{name:<60s} {seconds:9.3f} s {peak_mb:9.1f} MB{suffix}", flush=True)


def timed(label: str, function: Callable[[], Any], target: str = "", *,
          traced: bool = True, cold: bool = False) -> Any:
    """Time ``function`` three ways (:func:`three_way`), then run it once more for its peak
    memory and print that line; with ``BENCH_ONCE=1``, or ``cold`` (a first call that fills
    caches, meaningful once), only the single line. Return its result.

    With ``traced`` the peak is tracemalloc's (numpy allocations included); without, it is the
    process's peak resident size so far, which costs nothing for code that allocates many small
    Python objects (sympy), where tracing slows the run several times.
    """
    single = ONCE or cold
    if not single:
        three_way(label, function, target)
    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - t0
    if traced:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report(label if single else "    single run, peak memory", seconds, peak,
           target if single else "")
    return result

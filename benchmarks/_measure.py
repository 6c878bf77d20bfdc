"""Timing and peak-memory measurement shared by the benchmark scripts."""

from __future__ import annotations

import resource
import time
import tracemalloc
from typing import Any, Callable


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
          traced: bool = True) -> Any:
    """Run ``function`` once, print one line (time and peak memory) and return its result.

    With ``traced`` the peak is tracemalloc's (numpy allocations included); without, it is the
    process's peak resident size so far, which costs nothing for code that allocates many small
    Python objects (sympy), where tracing slows the run several times.
    """
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
    report(label, seconds, peak, target)
    return result

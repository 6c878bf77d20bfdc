"""Timing and peak-memory measurement shared by the benchmark scripts."""

from __future__ import annotations

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

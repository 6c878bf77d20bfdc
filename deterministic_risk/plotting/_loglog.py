"""Points on log–log axes: which can be placed, and a clear report of those that cannot."""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Lower edge of a band whose lower bound is not positive, as a fraction of its centre.
BAND_FLOOR = 1e-3


def placeable(x: ArrayLike, y: ArrayLike, what: str) -> NDArray[np.bool_]:
    """Mask of the points with x > 0 and a finite y > 0, the ones log–log axes can show.

    Points at x = 0 (k = 0) are left out quietly, as log axes always do. Any other point that
    cannot be placed (a non-finite value after a divergence, or y ≤ 0) is reported in a warning
    naming ``what``, and an object with no placeable point at all raises, so that nothing
    disappears from a figure unnoticed.

    Raises
    ------
    ValueError
        If no point can be placed (for example x is NaN because the dimension is unknown).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        shown = (x > 0) & np.isfinite(x) & np.isfinite(y) & (y > 0)
        candidates = ~(x == 0)
    if not np.any(shown):
        raise ValueError(f"{what}: no point can be drawn on log-log axes (each needs a finite "
                         f"x > 0 and a finite y > 0); x = {_span(x)}, y = {_span(y)}")
    dropped = candidates & ~shown
    if np.any(dropped):
        first = x[dropped][0]
        warnings.warn(f"{what}: {int(dropped.sum())} of {int(candidates.sum())} points are not "
                      f"drawn (non-finite after a divergence, or <= 0), the first at x = {first:g}",
                      UserWarning, stacklevel=3)
    return shown


def positive_band(lo: NDArray, hi: NDArray, centre: NDArray) -> tuple[NDArray, NDArray]:
    """Band (lo, hi) with a lower edge that log axes can show: lo, or BAND_FLOOR·centre if lo ≤ 0."""
    return np.where(lo > 0, lo, BAND_FLOOR * centre), hi


def _span(v: NDArray) -> str:
    finite = v[np.isfinite(v)]
    if finite.size == 0:
        return f"{v.size} non-finite values"
    return f"[{finite.min():g}, {finite.max():g}] ({v.size - finite.size} non-finite)"

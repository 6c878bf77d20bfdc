"""Argument checks shared by the public constructors.

Every check raises :class:`ValueError` (or :class:`TypeError`) whose message names the argument and
the valid range, so that a user sees at once which input is wrong.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray


def positive_float(name: str, value: object, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float > 0 (or >= 0 when ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    x = float(value)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    if x < 0 or (x == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {x}")
    return x


#: Largest noise scale accepted: E[ε²] and the floor ½E[ε²] must stay finite in float64.
MAX_NOISE_SCALE = 1e150


def noise_scale(name: str, value: object, *, allow_zero: bool = False) -> float:
    """Return a noise-law scale as a float in (0, 1e150] (or [0, 1e150] when ``allow_zero``)."""
    x = positive_float(name, value, allow_zero=allow_zero)
    if x > MAX_NOISE_SCALE:
        raise ValueError(f"{name} must be <= {MAX_NOISE_SCALE:g} (so that the noise's second "
                         f"moment is finite in float64), got {x:g}")
    return x


def finite_float(name: str, value: object) -> float:
    """Return ``value`` as a finite float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    x = float(value)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def fraction(name: str, value: object) -> float:
    """Return ``value`` as a float in [0, 1]."""
    x = finite_float(name, value)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {x}")
    return x


def positive_int(name: str, value: object, *, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum`` (integral floats such as 1e6 are accepted)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, got bool")
    if isinstance(value, numbers.Integral):
        n = int(value)
    elif isinstance(value, numbers.Real) and float(value).is_integer():
        n = int(value)
    else:
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n}")
    return n


def float_array(name: str, value: ArrayLike, *, ndim: int | None = None,
                nonnegative: bool = False) -> NDArray[np.float64]:
    """Return ``value`` as a read-only float64 array, checked finite (and non-negative)."""
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers") from exc
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (it contains NaN or inf)")
    if nonnegative and np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative, its smallest entry is {arr.min()}")
    arr.setflags(write=False)
    return arr


def steps_array(steps: ArrayLike) -> NDArray[np.int64]:
    """Return requested iteration counts as a sorted, unique int64 array of values >= 0."""
    if steps is None or isinstance(steps, (str, bytes, set, frozenset, dict)):
        raise TypeError(f"steps must be a 1-d array of iteration counts, got "
                        f"{type(steps).__name__}")
    arr = np.asarray(steps)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer)
                                 or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"steps must be a 1-d array of iteration counts (integers), got an "
                        f"array of {arr.dtype}")
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("steps must be a non-empty 1-d array of iteration counts")
    if np.issubdtype(arr.dtype, np.integer):   # compared exactly, as Python integers
        if int(arr.min()) < 0:
            raise ValueError("steps must be >= 0")
        if int(arr.max()) > 2**62:
            raise ValueError("steps must be <= 2**62")
        rounded = arr
    else:
        arr = arr.astype(np.float64)
        if not np.all(np.isfinite(arr)):
            raise ValueError("steps must be finite")
        rounded = np.rint(arr)
        if np.any(np.abs(arr - rounded) > 1e-9 * np.maximum(1.0, np.abs(arr))):
            raise ValueError("steps must be whole iteration counts (integers)")
        if np.any(rounded < 0):
            raise ValueError("steps must be >= 0")
        if np.any(rounded > 2.0**62):
            raise ValueError("steps must be <= 2**62")
    out = np.unique(rounded.astype(np.int64))
    out.setflags(write=False)
    return out


def seed(name: str, value: object, *, allow_none: bool = False) -> int | None:
    """Return a random seed as an int in [0, 2**63) (``None`` passes through when allowed)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        allowed = "a non-negative integer or None" if allow_none else "a non-negative integer"
        raise TypeError(f"{name} must be {allowed}, got {value!r}")
    if not 0 <= int(value) < 2**63:
        raise ValueError(f"{name} must be an integer in [0, 2**63), got {value}")
    return int(value)


def problem(value: object, reduction: str) -> object:
    """Return ``value`` if it has the reduction method ``reduction`` (``"to_spectrum"`` or
    ``"to_least_squares"``), else TypeError naming the accepted problems."""
    if not callable(getattr(value, reduction, None)):
        raise TypeError(f"problem must be a Spectrum, GaussianLeastSquares, PLRF or PLRFInstance "
                        f"(an object with .{reduction}()), got {type(value).__name__}")
    return value

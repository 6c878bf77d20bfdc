"""Argument checks shared by the public constructors.

Every check raises :class:`ValueError` (or :class:`TypeError`) whose message names the argument and
the valid range, so that a user sees at once which input is wrong.
"""

from __future__ import annotations

import decimal
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


#: Largest learning rate accepted: γ² (in every risk recursion) must be finite in float64.
MAX_LR = 1e150


def learning_rate(name: str, value: object) -> float:
    """Return a learning rate as a float in (0, 1e150] (γ² must be finite in float64)."""
    x = positive_float(name, value)
    if x > MAX_LR:
        raise ValueError(f"{name} must be <= {MAX_LR:g} (γ² enters the risk dynamics and must be "
                         f"finite in float64), got {x:g}")
    return x


def finite_float(name: str, value: object) -> float:
    """Return ``value`` as a finite float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    x = float(value)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def excess_risk(value: ArrayLike, name: str = "R") -> NDArray[np.float64]:
    """Return excess risks as a float64 array of finite values >= 0."""
    if isinstance(value, (str, bytes, bool, type(None))) or np.iscomplexobj(value):
        raise TypeError(f"{name} (the excess risk) must be a real number or array, got "
                        f"{type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} (the excess risk) must be a real number or array, got "
                        f"{type(value).__name__}") from None
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} (the excess risk) must be finite and >= 0")
    return arr


def fraction(name: str, value: object) -> float:
    """Return ``value`` as a float in [0, 1]."""
    x = finite_float(name, value)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {x}")
    return x


def positive_int(name: str, value: object, *, minimum: int = 1,
                 maximum: int | None = None) -> int:
    """Return ``value`` as an int in [``minimum``, ``maximum``] (integral floats such as 1e6 are
    accepted)."""
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
    if maximum is not None and n > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum}, got {n}")
    return n


#: Largest eigenvalue (or covariance entry) accepted: λ² enters the risk dynamics.
MAX_EIGENVALUE = 1e150


def float_array(name: str, value: ArrayLike, *, ndim: int | None = None,
                nonnegative: bool = False, max_abs: float | None = None) -> NDArray[np.float64]:
    """Return ``value`` as a read-only float64 array, checked finite (and non-negative, and
    at most ``max_abs`` in absolute value)."""
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
    if max_abs is not None and arr.size and np.max(np.abs(arr)) > max_abs:
        raise ValueError(f"{name} must be <= {max_abs:g} in absolute value (its square enters "
                         f"the risk dynamics and must be finite in float64), got "
                         f"{np.max(np.abs(arr)):g}")
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
    if isinstance(value, np.integer):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        allowed = "a non-negative integer or None" if allow_none else "a non-negative integer"
        raise TypeError(f"{name} must be {allowed}, got {value!r}")
    if not 0 <= int(value) < 2**63:
        raise ValueError(f"{name} must be an integer in [0, 2**63), got {value}")
    return int(value)


def problem(value: object, reduction: str, *, name: str = "problem") -> object:
    """Return ``value`` if it has the reduction method ``reduction`` (``"to_spectrum"`` or
    ``"to_least_squares"``), else TypeError naming the accepted problems."""
    if not callable(getattr(value, reduction, None)):
        raise TypeError(f"{name} must be a Spectrum, GaussianLeastSquares, PLRF or PLRFInstance "
                        f"(an object with .{reduction}()), got {type(value).__name__}")
    return value


def fresh_seed() -> int:
    """A seed in [0, 2**63) drawn from the operating system's entropy (for ``seed=None``; the
    drawn value is recorded in the result so that the run can be repeated)."""
    return int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))


def round_down(value: float, digits: int = 6) -> float:
    """``value`` (> 0, finite) rounded down to ``digits`` significant decimal digits, as the float
    nearest that decimal: a bound printed with ``{:.6g}`` that is never above the true one by
    more than the last printed digit's rounding (callers check the printed value is accepted)."""
    d = decimal.Decimal(value)
    exponent = d.adjusted() - digits + 1
    return float(d.quantize(decimal.Decimal(1).scaleb(exponent), rounding=decimal.ROUND_FLOOR))


def step_down(value: float, digits: int = 6) -> float:
    """The ``digits``-significant-digit decimal just below ``value`` (which has that many digits)."""
    d = decimal.Decimal(repr(value))
    exponent = d.adjusted() - digits + 1
    return float(d - decimal.Decimal(1).scaleb(exponent))


def interval(name: str, value: object, *, positive: bool = True) -> tuple[float, float]:
    """Return a pair ``(lo, hi)`` of finite numbers with lo < hi (both > 0 when ``positive``)."""
    try:
        lo, hi = value  # type: ignore[misc]
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (lo, hi) of numbers, got {value!r}") from None
    lo = positive_float(name, lo) if positive else finite_float(name, lo)
    hi = positive_float(name, hi) if positive else finite_float(name, hi)
    if not lo < hi:
        raise ValueError(f"{name} must satisfy lo < hi, got ({lo:g}, {hi:g})")
    return lo, hi


def increasing_positive(name: str, value: ArrayLike, *, at_least: int = 1
                        ) -> NDArray[np.float64]:
    """Return ``value`` as a finite 1-d float64 array of at least ``at_least`` strictly
    increasing values > 0."""
    arr = float_array(name, value, ndim=1)
    if arr.size < at_least or np.any(arr <= 0) or np.any(np.diff(arr) <= 0):
        raise ValueError(f"{name} must hold at least {at_least} increasing values > 0, got "
                         f"{arr.tolist()}")
    return arr


def schedule_factory(name: str, value: object) -> object:
    """Return ``value`` if it is a callable ``(peak, total) -> Schedule``."""
    if not callable(value):
        raise TypeError(f"{name} must be a callable (peak, total) -> Schedule, got "
                        f"{type(value).__name__}")
    return value


def model_sizes(name: str, value: ArrayLike, *, at_least: int = 1) -> NDArray[np.int64]:
    """Return model sizes as a sorted int64 array of distinct whole numbers >= 1 (at least
    ``at_least`` of them)."""
    if value is None or isinstance(value, (str, bytes, set, frozenset, dict)):
        raise TypeError(f"{name} must be a 1-d array of model sizes, got {type(value).__name__}")
    arr = np.asarray(value)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer)
                                 or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be a 1-d array of model sizes (integers), got an array of "
                        f"{arr.dtype}")
    arr = np.atleast_1d(arr)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    as_float = arr.astype(np.float64)
    if not np.all(np.isfinite(as_float)):
        raise ValueError(f"{name} must be finite whole numbers >= 1 (it contains NaN or inf)")
    if np.any(as_float != np.round(as_float)) or np.any(as_float < 1) or np.any(as_float > 2**53):
        raise ValueError(f"{name} must be whole numbers in [1, 2**53], got {arr.tolist()}")
    sizes = np.sort(as_float.astype(np.int64))
    if np.any(np.diff(sizes) == 0):
        raise ValueError(f"{name} must be distinct, got {arr.tolist()}")
    if sizes.size < at_least:
        raise ValueError(f"{name} must hold at least {at_least} model sizes, got {sizes.size}")
    return sizes

"""Argument types of the command line: each parses one flag and checks its range when the command
line is read, before anything is computed (argparse reports a bad value in one line).

Output paths are checked here too: the folder must exist and be writable, the suffix must be one
the command can write, so that a bad path fails before a long computation, not after it.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["real", "whole", "whole_list", "step_size", "output_file", "output_prefix",
           "output_folder",
           "MAX_SEED", "MAX_STEPS"]

#: Seeds are integers in [0, 2**63) (the package's range, docs/errors_and_limits.md).
MAX_SEED = 2**63 - 1
#: Iteration counts are at most 2**62 (the package's range).
MAX_STEPS = 2**62


def _fail(text: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(text)


def _range_text(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> str:
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '>='} {lo:g}")
    if hi is not None:
        parts.append(f"{'<' if hi_open else '<='} {hi:g}")
    return " and ".join(parts)


def real(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
         hi_open: bool = False) -> Callable[[str], float]:
    """A finite number in the range given (open or closed ends).

    Examples
    --------
    >>> from deterministic_risk.cli.arguments import real
    >>> real(0, lo_open=True)("0.5")
    0.5
    >>> real(0, lo_open=True)("nan")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must be a finite number > 0, got 'nan'
    """
    bounds = _range_text(lo, hi, lo_open, hi_open)
    wanted = "a finite number" + (f" {bounds}" if bounds else "")

    def parse(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            raise _fail(f"must be {wanted}, got {text!r}") from None
        below = lo is not None and (x <= lo if lo_open else x < lo)
        above = hi is not None and (x >= hi if hi_open else x > hi)
        if not math.isfinite(x) or below or above:
            raise _fail(f"must be {wanted}, got {text!r}")
        return x

    parse.__name__ = "number"
    return parse


def _whole(text: str) -> int | None:
    """``text`` as a whole number (``"1e3"`` is 1000), or None."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        x = float(text)
    except ValueError:
        return None
    return int(x) if math.isfinite(x) and x == int(x) else None


def whole(lo: int = 1, hi: int | None = None) -> Callable[[str], int]:
    """A whole number in [lo, hi] (``1e3`` is accepted as 1000).

    Examples
    --------
    >>> from deterministic_risk.cli.arguments import whole
    >>> whole(1)("1e3")
    1000
    >>> whole(1)("2.5")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must be a whole number >= 1, got '2.5'
    """
    wanted = "a whole number " + _range_text(lo, hi, False, False)

    def parse(text: str) -> int:
        n = _whole(text)
        if n is None or n < lo or (hi is not None and n > hi):
            raise _fail(f"must be {wanted}, got {text!r}")
        return n

    parse.__name__ = "whole number"
    return parse


def whole_list(lo: int = 1, *, at_least: int = 1) -> Callable[[str], list[int]]:
    """Comma-separated whole numbers >= lo, at least ``at_least`` distinct ones, sorted.

    Examples
    --------
    >>> from deterministic_risk.cli.arguments import whole_list
    >>> whole_list(1, at_least=3)("400,100,200")
    [100, 200, 400]
    """
    wanted = (f"comma-separated whole numbers >= {lo}" +
              (f", at least {at_least} distinct" if at_least > 1 else ""))

    def parse(text: str) -> list[int]:
        values = [_whole(x.strip()) for x in text.split(",")]
        if any(v is None or v < lo for v in values) or len(set(values)) < at_least:
            raise _fail(f"must be {wanted}, got {text!r}")
        return sorted(set(values))  # type: ignore[arg-type]

    parse.__name__ = "list"
    return parse


def step_size(*words: str) -> Callable[[str], str | float]:
    """One of ``words`` or a learning rate in (0, 1e150] (the package's range of steps).

    Examples
    --------
    >>> from deterministic_risk.cli.arguments import step_size
    >>> step_size("stable")("0.1"), step_size("stable")("stable")
    (0.1, 'stable')
    """
    names = " or ".join(repr(w) for w in words)
    number = real(0.0, 1e150, lo_open=True)

    def parse(text: str) -> str | float:
        if text in words:
            return text
        try:
            return number(text)
        except argparse.ArgumentTypeError:
            raise _fail(f"must be {names} or a number > 0 and <= 1e+150, got {text!r}") from None

    parse.__name__ = "step size"
    return parse


def _writable_folder(folder: Path, text: str) -> None:
    """Refuse a folder that is missing or where a file cannot be created (tried: permissions
    alone do not tell, e.g. for root or on /proc)."""
    if not folder.is_dir():
        raise _fail(f"folder {str(folder)!r} of {text!r} does not exist or is not a folder")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise _fail(f"folder {str(folder)!r} of {text!r} is not writable "
                    f"({exc.strerror or exc})") from None


def output_file(*suffixes: str) -> Callable[[str], str]:
    """A file to write: one of ``suffixes``, in an existing writable folder, not a folder itself.

    Examples
    --------
    >>> from deterministic_risk.cli.arguments import output_file
    >>> output_file(".png")("figure.png")
    'figure.png'
    >>> output_file(".png")("figure.txt")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must end in .png, got 'figure.txt'
    """
    wanted = ", ".join(suffixes[:-1]) + (" or " if len(suffixes) > 1 else "") + suffixes[-1]

    def parse(text: str) -> str:
        path = Path(text)
        if path.suffix.lower() not in suffixes:
            raise _fail(f"must end in {wanted}, got {text!r}")
        if path.is_dir():
            raise _fail(f"{text!r} is a folder, not a file")
        if path.exists() and not os.access(path, os.W_OK):
            raise _fail(f"{text!r} exists and is not writable")
        _writable_folder(path.parent, text)
        return text

    parse.__name__ = "file"
    return parse


def output_prefix(text: str) -> str:
    """The common start of several output files: its folder must exist and be writable.

    Examples
    --------
    >>> from deterministic_risk.cli.arguments import output_prefix
    >>> output_prefix("run1")
    'run1'
    """
    path = Path(text)
    if not text or path.is_dir():
        raise _fail(f"must be the start of file names, not a folder, got {text!r}")
    _writable_folder(path.parent, text)
    return text


def output_folder(text: str) -> str:
    """A folder to write into: an existing writable folder, or a new one whose nearest existing
    parent is a writable folder.

    Examples
    --------
    >>> from deterministic_risk.cli.arguments import output_folder
    >>> output_folder(".")
    '.'
    """
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise _fail(f"{text!r} exists and is not a folder")
    parent = path
    while not parent.exists():
        parent = parent.parent
    _writable_folder(parent, text)
    return text

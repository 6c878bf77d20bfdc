"""Command line: ``deterministic-risk`` (also ``python -m deterministic_risk``).

Every flag maps to a library argument; compute code lives in the library, this package only
parses and checks the flags (:mod:`.arguments`), calls the library and writes, prints and plots
what it returns (:mod:`.commands`, :mod:`.demo`). Bad arguments give one line on standard error
and exit code 2 (:mod:`.main`).
"""

from .main import build_parser, main

__all__ = ["build_parser", "main"]

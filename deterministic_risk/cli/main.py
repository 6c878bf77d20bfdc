"""The parser of ``deterministic-risk`` and its entry point: one-line errors, exit codes, warnings.

Exit codes: 0 on success; 2 for a bad argument, a refused computation (beyond a stability or
resource limit), a diverged run or a frontier that could not be fitted, always with exactly one
line ``deterministic-risk: error: ...`` on standard error; 1 for an unexpected failure (a defect,
also one line); 130 when interrupted. Warnings raised during a command are printed after it, one
line each (``deterministic-risk: warning: ...``), never as raw Python warnings.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

from .. import __version__
from ..resources import (DEFAULT_MAX_MEMORY, DEFAULT_MAX_SECONDS, ResourceLimitError,
                         resource_limits)
from ..studies.registry import OPTIMIZERS
from . import commands, demo
from .arguments import (MAX_SEED, MAX_STEPS, output_file, output_folder, output_prefix, real,
                        step_size, whole, whole_list)

__all__ = ["build_parser", "main"]

PROG = "deterministic-risk"
PACKAGE = Path(__file__).resolve().parent.parent


class UsageError(Exception):
    """A bad command line, as argparse reports it (one line)."""


class _Formatter(argparse.HelpFormatter):
    """Help that states the default of every option that has one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (action.default not in (None, False, argparse.SUPPRESS) and "%(default)" not in text
                and action.option_strings and "default" not in text):
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and raise instead of exiting."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        raise UsageError(f"{self.prog}: error: {' '.join(message.split())}")


# -- flags shared by several subcommands ---------------------------------------------------------

POSITIVE = real(0.0, lo_open=True)
SEED = whole(0, MAX_SEED)
PLOT = output_file(".png", ".pdf", ".svg")


def _problem_args(p: argparse.ArgumentParser, reduction: bool = True) -> None:
    g = p.add_argument_group("problem (PLRF: data decay α, target decay β, 2α + 2β > 1)")
    g.add_argument("--alpha", type=POSITIVE, default=1.0, help="data decay α > 0")
    g.add_argument("--beta", type=real(), default=0.7, help="target decay β (2α + 2β > 1)")
    g.add_argument("--d", type=whole(1, 10**7), default=500, help="model size d")
    g.add_argument("--v", type=whole(2), default=None, help="hidden dimension v > d (default 4d)")
    g.add_argument("--noise-std", type=real(0.0, 1e150), default=0.0,
                   help="standard deviation σ of extra Gaussian label noise")
    g.add_argument("--feature-seed", type=SEED, default=0, help="seed of the feature matrix W")
    if not reduction:
        return
    g.add_argument("--spectrum-method", choices=("deterministic", "sampled"), default=None,
                   help="how the problem becomes a spectrum: 'sampled' (eigenvalues of one "
                        "draw of W) or 'deterministic' (deterministic equivalent) (default: the "
                        "optimizer's choice)")


def _optimizer_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("optimizer and learning-rate schedule")
    g.add_argument("--optimizer", choices=tuple(OPTIMIZERS), default="sgd", help="optimizer")
    g.add_argument("--lr", type=step_size("stable"), default="stable",
                   help="learning rate (the peak of a schedule) in (0, 1e150], or 'stable': "
                        "the optimizer's stable_lr, half its largest useful constant step (SGD: "
                        "kernel norm 1; signSGD: limiting risk equal to the initial one)")
    g.add_argument("--batch", type=whole(1, 10**6), default=1,
                   help="batch size B (signSGD, clipped SGD and Adam: 1 only)")
    g.add_argument("--schedule", choices=commands.SCHEDULES, default="constant",
                   help="learning-rate schedule")
    g.add_argument("--total", type=real(1.0, MAX_STEPS), default=None,
                   help="schedule length in iterations (default: --kmax)")
    g.add_argument("--warmup-frac", type=real(0.0, 1.0), default=0.0,
                   help="WSD warmup fraction of --total")
    g.add_argument("--decay-frac", type=real(0.0, 1.0), default=0.2,
                   help="WSD decay fraction of --total")
    g.add_argument("--decay-shape", choices=("linear", "cosine", "power"), default="linear",
                   help="shape of the WSD decay")
    g.add_argument("--final", type=real(0.0, 1e150), default=0.0,
                   help="final learning rate of WSD and cosine")
    g.add_argument("--tau", type=real(0.0, 1e18, lo_open=True), default=100.0,
                   help="time scale of the power-law schedule lr/(1 + k/tau)^exponent")
    g.add_argument("--exponent", type=real(0.0, 10.0), default=0.5,
                   help="exponent of the power-law schedule")
    g.add_argument("--factor", type=real(0.0, 1.0, lo_open=True), default=0.5,
                   help="step-decay factor in (0, 1]")
    g.add_argument("--every", type=real(1.0, MAX_STEPS), default=None,
                   help="step-decay period in iterations (default: --total / 4)")


def _steps_args(p: argparse.ArgumentParser, kmax: float) -> None:
    g = p.add_argument_group("time grid (iterations k, log-spaced)")
    g.add_argument("--kmin", type=real(0.0, MAX_STEPS), default=1.0,
                   help="first iteration, 0 <= kmin <= kmax")
    g.add_argument("--kmax", type=real(1.0, MAX_STEPS), default=kmax,
                   help="last iteration, at most 2**62")
    g.add_argument("--points", type=whole(1, 10**6), default=200,
                   help="number of log-spaced output points")


# -- the parser ----------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The parser of ``deterministic-risk`` and its subcommands.

    Examples
    --------
    >>> from deterministic_risk.cli import build_parser
    >>> args = build_parser().parse_args(["phases", "--alpha", "0.7", "--beta", "0.3"])
    >>> args.command, args.alpha
    ('phases', 0.7)
    """
    parser = _Parser(prog=PROG, description="Exact high-dimensional risk curves of SGD-type "
                                            "optimizers on power-law random features (PLRF), "
                                            "checked against simulation and scaling-law "
                                            "asymptotics.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--max-memory", type=POSITIVE, default=DEFAULT_MAX_MEMORY / 2**30,
                        help="memory one computation may take, in GiB; larger ones are refused "
                             "before they start (give it before the subcommand)")
    parser.add_argument("--max-seconds", type=POSITIVE, default=DEFAULT_MAX_SECONDS,
                        help="estimated running time one computation may take, in seconds")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command",
                                parser_class=_Parser)

    p = sub.add_parser("curve", help="deterministic risk curve of an optimizer on PLRF",
                       description="The deterministic (high-dimensional limit) risk curve R(k).")
    _problem_args(p)
    _optimizer_args(p)
    _steps_args(p, 1e6)
    p.add_argument("--solver", choices=tuple(commands.SOLVERS), default="default",
                   help="solver of the limit ('default': the optimizer's own)")
    p.add_argument("--out", type=output_file(".csv", ".npz", ".json"),
                   help="write the curve (.csv, .npz or .json)")
    p.add_argument("--plot", type=PLOT, help="write a figure (.png, .pdf or .svg)")
    p.add_argument("--x", choices=("steps", "flops"), default="steps", help="figure's x axis")
    p.set_defaults(handler=commands.curve)

    p = sub.add_parser("simulate", help="run the real optimizer, many runs",
                       description="The real optimizer on real samples, many runs. A run that "
                                   "diverges is an error (exit code 2) naming the step.")
    _problem_args(p)
    _optimizer_args(p)
    _steps_args(p, 1e4)
    p.add_argument("--runs", type=whole(1, 10**6), default=16, help="independent runs")
    p.add_argument("--seed", type=SEED, default=0, help="seed of the samples")
    p.add_argument("--faithful", action="store_true",
                   help="draw x in R^v and multiply by W (default: draw the features directly)")
    p.add_argument("--out", type=output_file(".csv", ".npz", ".json"),
                   help="write the runs (.csv, .npz or .json)")
    p.add_argument("--plot", type=PLOT, help="write a figure (.png, .pdf or .svg)")
    p.set_defaults(handler=commands.simulate)

    p = sub.add_parser("compare", help="theory against simulation, one figure",
                       description="The deterministic curve against the mean of simulated runs "
                                   "on the same draw of W, with the largest deviation in "
                                   "standard errors.")
    _problem_args(p)
    _optimizer_args(p)
    _steps_args(p, 1e4)
    p.add_argument("--runs", type=whole(2, 10**6), default=32, help="independent runs (>= 2)")
    p.add_argument("--seed", type=SEED, default=0, help="seed of the samples")
    p.add_argument("--plot", type=PLOT, default="compare.png", help="figure (.png, .pdf or .svg)")
    p.add_argument("--out", type=output_prefix,
                   help="write <out>.curve.npz and <out>.simulation.npz")
    p.set_defaults(handler=commands.compare)

    p = sub.add_parser("compute-optimal", help="compute-optimal frontier and fitted exponents",
                       description="Risk of every model size at every budget f = d·B·k, the "
                                   "compute-optimal size d*(f) and risk R*(f), and fitted "
                                   "exponents d* ~ f^ξ, R* ~ f^(-η) beside the symbolic ones. "
                                   "A fit that fails is an error (exit code 2); a fit that is "
                                   "not trustworthy is printed with a warning saying why.")
    p.add_argument("--alpha", type=POSITIVE, default=1.0, help="data decay α > 0")
    p.add_argument("--beta", type=real(), default=0.7, help="target decay β (2α + 2β > 1)")
    p.add_argument("--optimizer", choices=tuple(OPTIMIZERS), default="sgd", help="optimizer")
    p.add_argument("--d-values", type=whole_list(1, at_least=3), default=None,
                   help="comma-separated model sizes, at least 3 (default: "
                        "100,200,400,800,1600)")
    p.add_argument("--flops-min", type=POSITIVE, default=commands.DEFAULT_FLOPS[0],
                   help="smallest budget f = d·B·k")
    p.add_argument("--flops-max", type=POSITIVE, default=commands.DEFAULT_FLOPS[1],
                   help="largest budget f")
    p.add_argument("--budgets", type=whole(3, 10**4), default=commands.DEFAULT_FLOPS[2],
                   help="number of log-spaced budgets, >= 3")
    p.add_argument("--lr", type=step_size("stable", "tuned", "tuned-per-budget", "grid"),
                   default=None,
                   help="step rule: 'stable' (each d's stable_lr), 'tuned' (the best step of "
                        "each d at its largest budget), 'tuned-per-budget', 'grid' (the best "
                        "constant step of each d and budget from a step grid, as the signSGD "
                        "exponents assume) or a number (default: the convention of the "
                        "symbolic exponents: 'stable' for SGD, 'grid' for signSGD)")
    p.add_argument("--batch", type=whole(1, 10**6), default=1, help="batch size B")
    p.add_argument("--spectrum-method", choices=("deterministic", "sampled"), default=None,
                   help="how each PLRF problem becomes a spectrum (default: the optimizer's "
                        "choice)")
    p.add_argument("--out", type=output_file(".npz"), help="write the frontier (.npz)")
    p.add_argument("--plot", type=PLOT, help="write a figure (.png, .pdf or .svg)")
    p.set_defaults(handler=commands.compute_optimal)

    p = sub.add_parser("spectrum", help="deterministic-equivalent PLRF spectrum vs sampled W",
                       description="The deterministic-equivalent spectrum against spectra of "
                                   "sampled feature matrices W (floor and bottom edge).")
    _problem_args(p, reduction=False)
    p.add_argument("--n-nodes", type=whole(1, 10**7), default=None,
                   help="compress the deterministic spectrum to this many nodes (default: all)")
    p.add_argument("--seeds", type=whole(1, 1000), default=8,
                   help="number of sampled W to compare with (seeds --feature-seed, "
                        "--feature-seed + 1, ...)")
    p.add_argument("--out", type=output_file(".npz"),
                   help="write the deterministic spectrum (.npz)")
    p.add_argument("--plot", type=PLOT, help="write a figure (densities and target weights)")
    p.set_defaults(handler=commands.spectrum)

    p = sub.add_parser("phases", help="compute-optimal phase, terms, ξ and η of a point",
                       description="The symbolic compute-optimal phase of (α, β): its dominant "
                                   "loss terms, ξ and η. A name marked [label unverified] is "
                                   "the label of a reference table that the derivation has not "
                                   "confirmed (the terms, ξ and η are derived all the same); "
                                   "[conjecture] marks the decay-schedule model.")
    p.add_argument("--alpha", type=POSITIVE, default=None, help="data decay α > 0 (required "
                                                                 "unless --table)")
    p.add_argument("--beta", type=real(), default=None, help="target decay β, 2α + 2β > 1 "
                                                              "(required unless --table)")
    p.add_argument("--optimizer", choices=("sgd", "signsgd", "signsgd-decay"), default="sgd",
                   help="optimizer of the asymptotics")
    p.add_argument("--table", action="store_true", help="print the whole derived table")
    p.add_argument("--format", choices=("markdown", "latex"), default="markdown",
                   help="format of --table")
    p.set_defaults(handler=commands.phases)

    p = sub.add_parser("phase-diagram", help="phase plane, exponent maps, comparison regions",
                       description="Symbolic diagrams of the (α, β) plane, or 'measured': "
                                   "exponents fitted on exact curves over an (α, β) grid beside "
                                   "the symbolic ones.")
    p.add_argument("--kind", default="phases",
                   choices=("phases", "xi", "eta", "signsgd-advantage", "decay-gain", "measured"),
                   help="which diagram")
    p.add_argument("--optimizer", choices=("sgd", "signsgd", "signsgd-decay"), default="sgd",
                   help="optimizer (measured: sgd or signsgd)")
    p.add_argument("--resolution", type=whole(3, 1001), default=201,
                   help="grid points per axis of the symbolic diagrams")
    g = p.add_argument_group("measured diagram (--kind measured; dr.phase_map)")
    g.add_argument("--grid", type=whole(2, 100), default=4, help="α and β values per axis")
    g.add_argument("--alpha-min", type=POSITIVE, default=0.3, help="smallest α")
    g.add_argument("--alpha-max", type=POSITIVE, default=1.5, help="largest α")
    g.add_argument("--beta-min", type=real(), default=0.2, help="smallest β")
    g.add_argument("--beta-max", type=real(), default=1.5, help="largest β")
    g.add_argument("--d-values", type=whole_list(1, at_least=3), default=None,
                   help="comma-separated model sizes, at least 3 (default: 12 from 200 to 1e5)")
    g.add_argument("--flops-min", type=POSITIVE, default=1e4, help="smallest budget")
    g.add_argument("--flops-max", type=POSITIVE, default=1e13, help="largest budget")
    g.add_argument("--budgets", type=whole(3, 10**4), default=91,
                   help="log-spaced compute budgets, >= 3")
    g.add_argument("--lr", type=step_size("stable", "grid"), default=None,
                   help="'stable', 'grid' (best constant step per budget) or a number "
                        "(default: the convention of the symbolic exponents)")
    g.add_argument("--n-nodes", type=whole(1, 10**7), default=None,
                   help="signSGD: merge the DE nodes of its modes into about this many "
                        "(default 2000)")
    g.add_argument("--backend", choices=("local", "serial", "dask"), default="local",
                   help="where the columns are computed")
    g.add_argument("--workers", type=whole(1, 4096), default=None,
                   help="local processes (default: cores)")
    g.add_argument("--scheduler", default=None,
                   help="address of a Dask distributed scheduler (implies --backend dask)")
    g.add_argument("--cache-dir", type=output_folder, default=None,
                   help="store finished columns here and resume from them")
    g.add_argument("--save", type=output_file(".npz"), default=None, help="write the map (.npz)")
    p.add_argument("--out", type=PLOT, default="phase_diagram.png",
                   help="figure (.png, .pdf or .svg)")
    p.set_defaults(handler=commands.phase_diagram)

    p = sub.add_parser("demo", help="a tour of the package: figures, summary and index.html",
                       description=demo.DESCRIPTION)
    p.add_argument("--out", type=output_folder, default="deterministic_risk_demo",
                   help="output folder (created)")
    p.add_argument("--alpha", type=POSITIVE, default=1.0, help="data decay α > 0")
    p.add_argument("--beta", type=real(), default=0.7, help="target decay β (2α + 2β > 1)")
    p.add_argument("--scale", type=real(0.05, 1.0), default=1.0,
                   help="size of the tour in [0.05, 1]: model sizes, steps and runs shrink "
                        "with it (1: under a minute on 2 cores)")
    p.set_defaults(handler=demo.run)
    return parser


# -- entry point ---------------------------------------------------------------------------------

def _warning_line(w: warnings.WarningMessage) -> str:
    text = " ".join(str(w.message).split())
    if Path(w.filename).resolve().is_relative_to(PACKAGE):
        return text
    return f"numerical warning ({w.category.__name__}: {text})"


def _error_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"cannot write {exc.filename}: {exc.strerror or exc}"
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, ResourceLimitError):
        # the library's way out is Python code; the command line's is a flag
        text = (text.split("; to proceed anyway")[0] + "; to proceed anyway, raise "
                "--max-memory (GiB) or --max-seconds, given before the subcommand")
    return text


def main(argv: list[str] | None = None) -> int:
    """Run ``deterministic-risk`` with the arguments ``argv`` and return the exit code.

    Examples
    --------
    >>> from deterministic_risk.cli import main
    >>> main(["phases", "--alpha", "0.7", "--beta", "0.3"])  # doctest: +ELLIPSIS
    sgd at alpha=0.7, beta=0.3: phase Ia
    ...
    0
    """
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    # the floating-point environment of a shell run, also when called from a test
    with warnings.catch_warnings(record=True) as caught, np.errstate(
            divide="warn", over="warn", invalid="warn", under="ignore"), resource_limits(
            max_memory=args.max_memory * 2**30, max_seconds=args.max_seconds):
        warnings.simplefilter("always")
        try:
            code = args.handler(args)
        except (ValueError, TypeError, FloatingPointError, OSError) as exc:
            print(f"{PROG}: error: {_error_line(exc)}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130
        except Exception as exc:  # a defect: still one line, but not exit code 2
            print(f"{PROG}: internal error ({type(exc).__name__}): {_error_line(exc)}",
                  file=sys.stderr)
            return 1
    for line in dict.fromkeys(_warning_line(w) for w in caught):
        print(f"{PROG}: warning: {line}", file=sys.stderr)
    return code

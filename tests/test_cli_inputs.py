"""Property-based tests of the command line: every bad command line ends in exit code 2 and
exactly one line on standard error, without a traceback and before any computation.

The cases are drawn from tests/cli_strategies.py (a small valid command line per subcommand with
one flag given a bad value, or one relation between flags broken); ``main`` runs in this process.
The default run draws a fixed set of cases (``derandomize=True``); ``DR_HYPOTHESIS_EXAMPLES``
(a multiplier) and ``DR_HYPOTHESIS_RANDOM=1`` explore further, as in tests/test_properties.py.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given

from deterministic_risk.cli import build_parser, main

from cli_strategies import COMMANDS, bad_command_lines
from strategies import case_settings

#: Generated cases run, per subcommand (printed in the terminal summary by tests/conftest.py).
CASES: dict[str, int] = {}


def _settings(examples: int):
    return case_settings(examples, HealthCheck.function_scoped_fixture)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "a_file").write_text("not a folder")
    return tmp_path


def _check_refused(argv: list[str], words: tuple[str, ...], folder, capsys) -> None:
    argv = [a.replace("{tmp}", str(folder)) for a in argv]
    before = sorted(p.name for p in folder.iterdir())
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (argv, code, out, err)
    assert err.endswith("\n") and err.count("\n") == 1, (argv, err)
    assert err.startswith("deterministic-risk"), (argv, err)
    # no NaN in the package's words (the bad value itself is echoed in quotes)
    assert "Traceback" not in err and "nan" not in re.sub(r"'[^']*'", "", err).lower(), (argv, err)
    assert any(w.lower() in err.lower() for w in words), (argv, words, err)
    assert out == "", (argv, out)  # refused before anything was computed or printed
    assert sorted(p.name for p in folder.iterdir()) == before, argv  # nothing written


@pytest.mark.parametrize("command", list(COMMANDS))
def test_bad_command_lines_are_refused_in_one_line(command, folder, capsys):
    cmd = COMMANDS[command]

    @_settings(cmd.examples)
    @given(case=bad_command_lines(command))
    def run(case):
        CASES[command] = CASES.get(command, 0) + 1
        _check_refused(case[0], case[1], folder, capsys)

    run()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_valid_base_line_is_accepted_by_the_parser(command, folder):
    argv = [a.replace("{tmp}", str(folder)) for a in COMMANDS[command].valid]
    build_parser().parse_args(argv)


def test_every_option_has_help():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            if action.option_strings and action.dest != "help":
                assert action.help and len(action.help) > 8, (name, action.option_strings)


@pytest.mark.parametrize("command", ["curve", "compute-optimal", "phases", "demo"])
def test_help_shows_defaults(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "(default" in out and "Traceback" not in out


def test_a_bad_value_from_a_shell_is_one_line():
    done = subprocess.run([sys.executable, "-m", "deterministic_risk", "curve", "--kmax", "nan"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "argument --kmax: must be a finite number" in done.stderr


def test_divergence_of_a_simulation_is_one_line(capsys):
    assert main(["simulate", "--d", "20", "--lr", "100", "--kmax", "300", "--runs", "2"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "runs diverged" in err and "the largest stable constant step" in err


def test_spectrum_with_one_draw_has_no_nan(capsys):
    assert main(["spectrum", "--d", "20", "--seeds", "1"]) == 0
    out, err = capsys.readouterr()
    assert "nan" not in out.lower() and "one draw: no standard error" in out and err == ""


def test_a_frontier_that_cannot_be_fitted_is_an_error_without_nan(capsys):
    argv = ["compute-optimal", "--d-values", "10,20,40", "--budgets", "12", "--flops-min", "1e3",
            "--flops-max", "1e6", "--spectrum-method", "sampled"]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert "nan" not in out.lower() and "interior optima: 0 of 12 budgets" in out
    assert err.count("\n") == 1 and "no compute-optimal fit" in err


@pytest.mark.parametrize("argv", [
    ["curve", "--d", "1", "--kmax", "100"],
    ["curve", "--d", "1", "--optimizer", "signsgd", "--kmax", "100", "--spectrum-method",
     "sampled"],
    ["curve", "--d", "20", "--kmin", "0", "--points", "1", "--kmax", "1"],
    ["curve", "--d", "20", "--lr", "1e150", "--optimizer", "signsgd", "--kmax", "100",
     "--spectrum-method", "sampled"],
    ["curve", "--d", "20", "--schedule", "powerlaw", "--tau", "1e-300", "--kmax", "100"],
    ["curve", "--d", "20", "--noise-std", "1e100", "--kmax", "1e4"],
    ["simulate", "--d", "20", "--lr", "1e150", "--kmax", "100", "--runs", "2"],
    ["compare", "--d", "1", "--kmax", "100", "--runs", "2", "--plot", "{tmp}/x.png"],
    ["spectrum", "--d", "1", "--seeds", "2"],
    ["phases", "--alpha", "0.25", "--beta", "0.25000001"],
])
def test_extreme_valid_command_lines_print_no_raw_warnings(argv, folder, capsys):
    # valid values at the ends of their ranges: a result or a one-line refusal, and standard
    # error holds only the package's own lines (no numpy, matplotlib or tqdm output)
    code = main([a.replace("{tmp}", str(folder)) for a in argv])
    out, err = capsys.readouterr()
    assert code in (0, 2), (argv, code, err)
    assert all(line.startswith("deterministic-risk") for line in err.splitlines()), err
    assert code == 0 or err.count("\n") == 1
    assert "nan ±" not in out and "Traceback" not in err


def test_a_computation_beyond_the_limits_names_the_flags_that_raise_them(capsys):
    argv = ["simulate", "--d", "20", "--kmax", "1e6", "--runs", "1000000"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "would take about" in err and "--max-seconds" in err
    assert "dr.resource_limits" not in err
    assert main(["--max-seconds", "0", *argv]) == 2
    assert "argument --max-seconds: must be a finite number > 0" in capsys.readouterr().err

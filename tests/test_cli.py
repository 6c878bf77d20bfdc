"""Command line."""

import subprocess
import sys

import pytest

from deterministic_risk.cli import main


def test_demo_writes_figures_and_summary(tmp_path):
    assert main(["demo", "--out", str(tmp_path), "--steps", "300", "--runs", "8"]) == 0
    for name in ("sgd_theory_vs_simulation.png", "sgd_loss_vs_flops.png", "summary.txt"):
        assert (tmp_path / name).stat().st_size > 0


def test_bad_argument_gives_one_line_and_nonzero_exit(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--alpha", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("deterministic-risk: error: alpha must be > 0")
    assert "Traceback" not in err


def test_module_entry_point_and_unknown_command():
    done = subprocess.run([sys.executable, "-m", "deterministic_risk", "nonsense"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_import_does_not_load_matplotlib_or_sympy():
    code = ("import sys, deterministic_risk; "
            "print('matplotlib' in sys.modules, 'sympy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.split() == ["False", "False"]

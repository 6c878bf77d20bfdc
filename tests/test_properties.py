"""Property-based tests of the public API (hypothesis): clear errors or finite, honest results.

Every case of ``tests/strategies.CALLS`` must end in one of two ways:

* a ValueError or TypeError raised by the package (the innermost frame of its traceback is in
  ``deterministic_risk``) whose message names the argument that was given a bad value (or, if
  no argument was perturbed, one of the arguments of the call);
* a result that is finite and plausible: a curve or simulation with ``success=True`` has finite
  risks above the floor, one with ``success=False`` says why; a frontier that could not be fitted
  has ``success=False`` and a reason, never NaN exponents with success.

Invariants on top: the initial risk is exact, the risk never goes below the floor, a constant
SGD step below the stability limit and any constant signSGD step never report a divergence, the
risk bound R(0)/(1 − ‖K‖(γ_max)) holds for schedules, and a seed (also one drawn for
``seed=None``) reproduces a simulation bit for bit.

The default run draws a fixed set of cases (``derandomize=True``) so that it is reproducible; set
``DR_HYPOTHESIS_EXAMPLES=10`` (a multiplier) and ``DR_HYPOTHESIS_RANDOM=1`` to explore further.
"""

from __future__ import annotations

import dataclasses
import re
import traceback
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, strategies as st

import deterministic_risk as dr
from deterministic_risk.optimizers.sgd import kernel_norm

from strategies import CALLS, LONG_STEPS, case_settings, least_squares, spectra

PACKAGE = Path(dr.__file__).parent
#: Generated cases run, per test (printed in the terminal summary by tests/conftest.py).
CASES: dict[str, int] = {}


def _settings(examples: int):
    return case_settings(examples, HealthCheck.filter_too_much, HealthCheck.data_too_large)


def _raised_by_package(exc: BaseException) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and Path(frames[-1].filename).resolve().is_relative_to(PACKAGE.resolve())


def _names(message: str, name: str) -> bool:
    return re.search(rf"(?<![A-Za-z_]){re.escape(name)}(?![A-Za-z_])", message) is not None


def _check_plausible(result) -> None:
    """A finite, plausible result (recursively for containers)."""
    if isinstance(result, dr.RiskCurve):
        assert result.steps.ndim == 1 and result.risk.shape == result.steps.shape
        if result.success:
            assert np.all(np.isfinite(result.risk)), result
            assert np.all(result.risk >= result.floor * (1 - 1e-9)), result
        else:
            assert result.message and np.all(~np.isnan(result.risk))
    elif isinstance(result, dr.SimulatedRisk):
        assert result.seed is not None and 0 <= result.seed < 2**63
        if result.success:
            assert np.all(np.isfinite(result.runs))
            assert np.all(result.runs >= result.floor * (1 - 1e-9))
        else:
            assert result.message
    elif isinstance(result, dr.Frontier):
        if result.success:
            assert np.isfinite(result.xi) and np.isfinite(result.eta)
            assert result.n_interior >= 3
        else:
            assert "interior" in result.message and result.n_interior >= 0
    elif isinstance(result, dr.studies.GreedyCurve):
        _check_plausible(result.curve)
        assert np.all(np.isfinite(result.lr)) and np.all(result.lr >= 0)
    elif isinstance(result, dr.studies.StepSizeSearch):
        if result.success:
            assert np.isfinite(result.lr) and result.lr > 0 and np.isfinite(result.risk)
        else:
            assert result.message
    elif isinstance(result, dr.sde.LossPaths):
        if result.success:
            assert np.all(np.isfinite(result.loss))
        else:
            assert result.message
    elif isinstance(result, dr.Spectrum):
        assert np.all(np.isfinite(result.eigenvalues)) and np.isfinite(result.initial_risk)
    elif isinstance(result, (list, tuple)):
        for item in result:
            _check_plausible(item)
    elif isinstance(result, np.ndarray):
        assert np.all(np.isfinite(result)), result
    elif isinstance(result, (float, np.floating, int)):
        assert np.isfinite(result) and result >= 0, result


@pytest.mark.parametrize("name", sorted(CALLS))
def test_public_call_gives_a_clear_error_or_a_finite_result(name):
    call = CALLS[name]
    CASES[name] = 0

    @_settings(call.examples)
    @given(st.data())
    def run(data):
        CASES[name] += 1
        names = list(call.args)
        perturbed = data.draw(st.sampled_from([None, None] + [n for n in names
                                                                if call.args[n].bad is not None]))
        kwargs = {n: data.draw(a.bad if n == perturbed else a.valid, label=n)
                  for n, a in call.args.items()}
        try:
            result = call.function(**kwargs, **call.extra)
        except (ValueError, TypeError) as exc:
            assert _raised_by_package(exc), (
                f"{type(exc).__name__} not raised by the package: {exc}\n"
                + "".join(traceback.format_tb(exc.__traceback__)[-3:]))
            message = str(exc)
            expected = [perturbed, *call.risky] if perturbed else names
            if isinstance(exc, dr.ResourceLimitError):
                expected = expected + ["max_memory", "max_seconds"]
            assert any(_names(message, n) for n in expected), (
                f"the message does not name {expected}: {message}")
            return
        except FloatingPointError as exc:
            assert call.may_diverge and "diverged" in str(exc), str(exc)
            return
        _check_plausible(result)

    run()


# -- invariants ----------------------------------------------------------------------------------

@_settings(15)
@given(spec=spectra().filter(lambda s: s.floor > 0),    # a zero floor costs the log-time
       fraction=st.floats(0.1, 1.0, exclude_max=True),  # solver 10x more blocks
       batch=st.integers(1, 8), steps=LONG_STEPS)
def test_a_stable_constant_sgd_step_never_reports_divergence(spec, fraction, batch, steps):
    # up to 2**62 iterations and steps a hair below the supremum of stable steps: the risk is
    # bounded by R(0)/(1 - ||K||) (docs/errors_and_limits.md), so no divergence may be reported
    CASES["stable SGD"] = CASES.get("stable SGD", 0) + 1
    top = dr.max_stable_lr(spec, batch)
    lr = min(fraction, 1 - 1e-12) * top
    if not kernel_norm(spec, lr, batch) < 1:
        return
    curve = dr.risk_curve(spec, dr.SGD(lr, batch=batch), [0] + steps)
    assert curve.success, curve.message
    bound = spec.initial_risk / (1 - kernel_norm(spec, lr, batch))
    assert np.all(curve.risk <= bound * (1 + 1e-6))
    assert np.all(curve.risk >= curve.floor)
    assert curve.risk[0] == spec.initial_risk        # the initial risk is exact


@_settings(25)
@given(spec=spectra(), fraction=st.floats(0.01, 0.999), data=st.data())
def test_the_risk_bound_holds_for_any_schedule_below_a_stable_peak(spec, fraction, data):
    # R(k) <= R(0)/(1 - ||K||(γ_max)) for every schedule with steps in [0, γ_max]: the exact
    # recursion with random steps (docs/errors_and_limits.md derives the bound)
    CASES["risk bound"] = CASES.get("risk bound", 0) + 1
    peak = fraction * dr.max_stable_lr(spec)
    values = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=50)))
    lrs = peak * np.concatenate([[1.0], values])
    schedule = dr.schedules.FunctionSchedule(
        lambda k: lrs[np.minimum(np.asarray(k, dtype=np.int64), lrs.size - 1)], horizon=400)
    curve = dr.risk_curve(spec, dr.SGD(schedule), np.arange(0, 400, 7),
                          solver=dr.solvers.ExactRecursion())
    bound = spec.initial_risk / (1 - kernel_norm(spec, peak))
    assert curve.success and np.all(curve.risk <= bound * (1 + 1e-12))
    assert np.all(curve.risk >= spec.floor)


@_settings(20)
@given(prob=least_squares(), scale=st.floats(-6.0, 6.0), steps=LONG_STEPS)
def test_a_constant_signsgd_step_never_reports_divergence(prob, scale, steps):
    # signSGD at any constant step converges to its limiting risk (finite for every step):
    # divergence is judged against that limit, so even steps 10^6 times the useful ones succeed
    CASES["stable signSGD"] = CASES.get("stable signSGD", 0) + 1
    lr = 10.0**scale / float(np.sum(np.sqrt(prob.diagonal)))
    curve = dr.risk_curve(prob, dr.SignSGD(lr), [0] + steps[:3])
    assert curve.success, curve.message
    assert curve.excess[0] == pytest.approx(dr.signsgd.signsgd_modes(prob).initial_excess,
                                            rel=1e-14)
    assert np.all(curve.excess >= 0)


@_settings(20)
@given(prob=st.one_of(spectra().filter(lambda s: np.all(s.counts == 1)),
                      least_squares(finite_variance=True)),
       seed=st.one_of(st.none(), st.integers(0, 2**63 - 1)), n_runs=st.integers(1, 3),
       steps=st.lists(st.integers(0, 60), min_size=1, max_size=3))
def test_the_same_seed_gives_bit_identical_simulations(prob, seed, n_runs, steps):
    CASES["same seed"] = CASES.get("same seed", 0) + 1
    opt = dr.SGD(0.2 * dr.max_stable_lr(prob.to_spectrum()))
    first = dr.simulate(prob, opt, steps, n_runs=n_runs, seed=seed)
    again = dr.simulate(prob, opt, steps, n_runs=n_runs, seed=first.seed)
    assert seed is None or first.seed == seed
    assert np.array_equal(first.runs, again.runs)
    assert np.all(first.runs[:, first.steps == 0] == prob.to_spectrum().initial_risk) or \
        np.allclose(first.runs[:, first.steps == 0], prob.to_spectrum().initial_risk, rtol=1e-12)


def test_fresh_seeds_differ_and_are_recorded():
    spec = dr.Spectrum([1.0, 0.5], [0.5, 0.5])
    a = dr.simulate(spec, dr.SGD(0.1), [5], n_runs=2, seed=None)
    b = dr.simulate(spec, dr.SGD(0.1), [5], n_runs=2, seed=None)
    assert a.seed != b.seed and not np.array_equal(a.runs, b.runs)


def test_the_strategy_table_covers_the_budget():
    # at least 500 generated cases in the default run (each test above counts its own)
    total = sum(c.examples for c in CALLS.values()) + 15 + 25 + 20 + 20
    assert total >= 500


def test_every_table_entry_is_callable_with_its_arguments():
    for name, call in CALLS.items():
        assert callable(call.function), name
        assert all(dataclasses.is_dataclass(a) for a in call.args.values()), name

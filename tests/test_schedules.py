"""Schedules: values, validation, properties."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from deterministic_risk.schedules import (WSD, Constant, Cosine, FunctionSchedule, PowerLaw,
                                          StepDecay, as_schedule)


def test_wsd_shapes():
    k = np.array([0.0, 10, 50, 80, 90, 100, 200])
    lin = WSD(2.0, 100, warmup_frac=0.2, decay_frac=0.2, final=0.2)
    np.testing.assert_allclose(lin(k), [0, 1.0, 2, 2, 1.1, 0.2, 0.2])
    cos = WSD(2.0, 100, decay_frac=0.2, shape="cosine")
    assert cos(90) == pytest.approx(1.0)
    pw = WSD.stable_decay(2.0, 100, decay_frac=0.5, shape="power", power=2.0)
    assert pw(75) == pytest.approx(0.5)
    np.testing.assert_allclose(lin.breakpoints(1e3), [20, 80, 100])


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["wsd", "cosine", "power", "step"]), st.floats(1e-3, 10.0),
       st.floats(1.0, 1e9), st.lists(st.floats(0.0, 1e10), min_size=1, max_size=20))
def test_schedules_are_finite_nonnegative_and_below_their_max(kind, peak, total, ks):
    s = {"wsd": WSD(peak, total, 0.1, 0.3, final=0.0),
         "cosine": Cosine(peak, total),
         "power": PowerLaw(peak, total, 0.7),
         "step": StepDecay(peak, 0.5, total)}[kind]
    lr = s(np.array(ks))
    assert np.all(np.isfinite(lr)) and np.all(lr >= 0) and np.all(lr <= s.max_lr * (1 + 1e-12))


def test_scalar_and_array_calls():
    s = Constant(0.3)
    assert isinstance(s(5), float)
    assert s(np.zeros((2, 3))).shape == (2, 3)


def test_as_schedule():
    assert as_schedule(0.5) == Constant(0.5)
    f = as_schedule(lambda k: 1.0 / (1.0 + k))
    assert isinstance(f, FunctionSchedule) and f(1.0) == 0.5
    with pytest.raises(TypeError, match="lr must be a positive number or a schedule"):
        as_schedule("fast")


@pytest.mark.parametrize("make, message", [
    (lambda: Constant(0.0), "lr must be > 0"),
    (lambda: Constant(float("nan")), "lr must be finite"),
    (lambda: WSD(1.0, 100, warmup_frac=0.7, decay_frac=0.5), "warmup_frac \\+ decay_frac"),
    (lambda: WSD(1.0, 100, final=2.0), "final must lie in"),
    (lambda: WSD(1.0, 100, shape="exp"), "shape must be"),
    (lambda: StepDecay(1.0, 1.5, 10), "factor must lie in"),
    (lambda: PowerLaw(1.0, -1.0, 1.0), "tau must be > 0"),
])
def test_schedules_reject_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_function_schedule_rejects_negative_values():
    with pytest.raises(ValueError, match="negative or non-finite"):
        FunctionSchedule(lambda k: -np.ones_like(k))(3.0)

"""Result objects: interpolation and export."""

import numpy as np
import pytest

import deterministic_risk as dr


def test_loglog_interpolation_is_exact_for_power_laws(tmp_path):
    steps = np.array([1, 10, 100, 1000])
    curve = dr.RiskCurve(steps, 2.0 * steps**-0.5, floor=0.0)
    assert curve(316) == pytest.approx(2.0 * 316**-0.5, rel=1e-12)
    with pytest.raises(ValueError, match="interpolation points"):
        curve(5000)


def test_exports_round_trip(tmp_path):
    spec = dr.Spectrum([1.0, 0.1], [0.5, 0.5], floor=0.1)
    curve = dr.risk_curve(spec, dr.SGD(0.3), [0, 10, 100])
    curve.to_csv(tmp_path / "c.csv")
    data = np.loadtxt(tmp_path / "c.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(data[:, 1], curve.risk, rtol=1e-15)
    curve.to_npz(tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz") as z:
        np.testing.assert_array_equal(z["excess"], curve.excess)
    sim = dr.simulate(spec, dr.SGD(0.3), [0, 10], n_runs=3)
    sim.to_csv(tmp_path / "s.csv")
    sim.to_npz(tmp_path / "s.npz")
    assert "SimulatedRisk(n_runs=3" in repr(sim)
    assert "RiskCurve(ok" in repr(curve)


def test_flops_axis():
    curve = dr.risk_curve(dr.PLRF(1.0, 0.7, d=20), dr.SGD(0.3, batch=2), [1, 10],
                          spectrum_method="sampled")
    np.testing.assert_allclose(curve.flops(), [40, 400])

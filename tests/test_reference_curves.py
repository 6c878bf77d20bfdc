"""The stored reference curves (tests/reference_cases.py) are reproduced by the current code.

They were computed before the package's layout changed; a deterministic curve must agree to
1e-12 relative (only the order of floating-point operations may differ), and a seeded simulation
bit for bit up to the same rounding.
"""

import numpy as np
import pytest

from reference_cases import DATA, cases

STORED = np.load(DATA)


@pytest.mark.parametrize("name", sorted(cases()))
def test_reference_curve_reproduced(name):
    steps, risk = cases()[name]()
    np.testing.assert_array_equal(steps, STORED[name + "/steps"])
    np.testing.assert_allclose(risk, STORED[name + "/risk"], rtol=1e-12, atol=0)

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _floating_point_errors_fail():
    """NaN or overflow inside the numerics fails loudly (code that expects them says so)."""
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        yield

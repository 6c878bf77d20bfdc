"""Every public function and class has a numpydoc docstring with an example (run as a doctest)."""

import inspect

import pytest

import deterministic_risk as dr

NAMESPACES = {"dr": dr, "dr.schedules": dr.schedules, "dr.noise": dr.noise,
              "dr.plotting": dr.plotting, "dr.asymptotics": dr.asymptotics, "dr.sde": dr.sde}
PUBLIC = [(f"{space}.{name}", getattr(module, name))
          for space, module in NAMESPACES.items() for name in module.__all__
          if callable(getattr(module, name)) and not inspect.ismodule(getattr(module, name))]


@pytest.mark.parametrize("name, obj", PUBLIC, ids=[n for n, _ in PUBLIC])
def test_public_object_has_an_example(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert doc.strip(), f"{name} has no docstring"
    assert "Examples\n--------" in doc and ">>> " in doc, f"{name} has no Examples section"

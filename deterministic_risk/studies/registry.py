"""Optimizer names accepted by the studies and the command line, mapped once to classes."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..optimizers.adam import Adam
from ..optimizers.base import Optimizer
from ..optimizers.clipped import ClippedSGD
from ..optimizers.sgd import SGD
from ..signsgd.optimizer import SignSGD

__all__ = ["OPTIMIZERS", "optimizer_named", "name_of"]

#: Name -> optimizer class. The names of SGD and signSGD are those of
#: :mod:`deterministic_risk.asymptotics`, whose exponents the frontiers are compared with.
OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "signsgd": SignSGD, "clipped": ClippedSGD,
                                          "adam": Adam}


def optimizer_named(name: str, lr: Any = 1.0, batch: int = 1) -> Optimizer:
    """An optimizer of the class registered as ``name`` with step ``lr`` and batch ``batch``.

    Examples
    --------
    >>> from deterministic_risk.studies.registry import optimizer_named
    >>> optimizer_named("sgd", 0.1, batch=4)
    SGD(lr=Constant(lr=0.1), batch=4)
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
    cls = OPTIMIZERS[name]
    if "batch" in {f.name for f in dataclasses.fields(cls)}:
        return cls(lr, batch=batch)
    if batch != 1:
        raise ValueError(f"{cls.__name__} is modelled with batch=1 only, got batch={batch}")
    return cls(lr)


def name_of(optimizer: Optimizer) -> str:
    """The registered name of the optimizer's class, else the class name."""
    for name, cls in OPTIMIZERS.items():
        if type(optimizer) is cls:
            return name
    return type(optimizer).__name__

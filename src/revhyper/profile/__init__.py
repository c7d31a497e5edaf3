"""The client profile: its model (profile.py), reading it from TOML or JSON (profile_loader.py), and the
``[[clearance]]`` table as text (clearance_form.py).

``revhyper.profile`` was the model's module before this folder; the model's names still import from here, lazily
(``from revhyper.profile import Profile``), as a stable path. New code imports ``revhyper.profile.profile``."""

from __future__ import annotations

from typing import TYPE_CHECKING

_MODEL = ("Profile", "Person", "Pain", "RedFlags", "Surgery", "Injection", "History", "Clearance", "Training",
          "EXPERIENCES", "GOALS", "SEXES", "MIN_AGE", "LIST_SECTIONS", "SECTIONS", "condition_fields")

if TYPE_CHECKING:  # "X as X": explicit re-exports, for strict type checkers
    from .profile import (
        EXPERIENCES as EXPERIENCES,
        GOALS as GOALS,
        LIST_SECTIONS as LIST_SECTIONS,
        MIN_AGE as MIN_AGE,
        SECTIONS as SECTIONS,
        SEXES as SEXES,
        Clearance as Clearance,
        History as History,
        Injection as Injection,
        Pain as Pain,
        Person as Person,
        Profile as Profile,
        RedFlags as RedFlags,
        Surgery as Surgery,
        Training as Training,
        condition_fields as condition_fields,
    )


def __getattr__(name: str):
    if name not in _MODEL:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.profile"), name)

"""Shared test helpers: the default rule set and a profile builder with sensible healthy defaults."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import revhyper

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

HEALTHY = {
    "person": {"id": "test-client", "age": 35},
    "pain": {"current": 2, "worst_last_week": 3, "duration_weeks": 20},
    "training": {
        "experience": "intermediate",
        "goal": "strength",
        "days_per_week": 3,
        "start_date": "2026-12-07",
        "equipment": ["reverse_hyper_machine"],
        "working_load_kg": 40,
        "load_increment_kg": 2.5,
    },
}


def merge(base: dict, changes: dict) -> dict:
    """Deep-merge ``changes`` into a copy of ``base`` (tables merge, other values replace)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@pytest.fixture(scope="session")
def default_rules():
    return revhyper.default_ruleset()


@pytest.fixture
def profile_data():
    """``profile_data(pain={"current": 8})`` -> a healthy profile dict with those changes."""
    return lambda **changes: merge(HEALTHY, changes)


@pytest.fixture
def make_profile(default_rules):
    """``make_profile(pain={"current": 8})`` -> a checked Profile built from the healthy one with changes."""

    def build(rules=None, **changes):
        data = merge(HEALTHY, changes)
        return revhyper.parse_profile(json.dumps(data), name="test.json", ruleset=rules or default_rules, kind="json")

    return build


@pytest.fixture
def make_block(make_profile, default_rules):
    """``make_block(red_flags={"fever": True})`` -> the block generated for that profile."""

    def build(rules=None, **changes):
        return revhyper.generate(make_profile(rules=rules, **changes), rules or default_rules)

    return build

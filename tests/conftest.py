"""Shared test helpers: the default rule set and a profile builder with sensible healthy defaults."""

from __future__ import annotations

import json

import os

import pytest
from hypothesis import settings

import revhyper

from helpers import EXAMPLES, HEALTHY, ROOT, merge  # noqa: F401

settings.register_profile("ci", max_examples=60, derandomize=True)
settings.register_profile("dev", max_examples=60)
settings.register_profile("thorough", max_examples=2000)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


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


def pytest_collection_modifyitems(config, items):
    """Tests marked slow run only with REVHYPER_SLOW_TESTS=1, so that the default suite stays fast."""
    if os.environ.get("REVHYPER_SLOW_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="slow: run with REVHYPER_SLOW_TESTS=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)

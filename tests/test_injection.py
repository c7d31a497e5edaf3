"""Conditions cannot reach Python: a corpus of injection attempts, each refused when the rule set loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import revhyper
from revhyper.errors import RulesetError

CORPUS = Path(__file__).parent / "corpus" / "condition_injections.txt"
ATTEMPTS = [line for line in CORPUS.read_text().splitlines() if line.strip() and not line.startswith("# ")]
DEFAULT = (Path(__file__).parent.parent / "rulesets" / "default.toml").read_text()


def with_condition(condition: str) -> str:
    """The default rule set with one more rule whose condition is ``condition`` (as a TOML literal string)."""
    return DEFAULT + (
        "\n[rules.injected]\n"
        'title = "Injected"\n'
        f"when = {json.dumps(condition)}\n"
        'action = "warn"\n'
        'reason = "test"\n'
        'source = "nice-ng59"\n'
    )


def test_the_corpus_is_substantial():
    assert len(ATTEMPTS) >= 60


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=lambda a: a[:40])
def test_each_attempt_is_refused_at_load_time_naming_the_place(attempt, tmp_path):
    path = tmp_path / "clinic.toml"
    text = with_condition(attempt)
    path.write_text(text)
    with pytest.raises(RulesetError) as info:
        revhyper.load_ruleset(path)
    problems = info.value.problems
    when_line = text.splitlines().index(f"when = {json.dumps(attempt)}") + 1
    assert all(p.file == str(path) for p in problems)
    assert any(p.path == "rules.injected.when" and p.line == when_line for p in problems), [str(p) for p in problems]
    assert all(p.message and "Traceback" not in p.message for p in problems)


def test_the_injected_rule_set_loads_when_the_condition_is_harmless(tmp_path):
    path = tmp_path / "clinic.toml"
    path.write_text(with_condition("pain.current > 3"))
    assert revhyper.load_ruleset(path).rule("injected").when.text == "pain.current > 3"


@pytest.mark.parametrize("harmless", ["pain.current > 3 # a comment", "(" * 100 + "person.pregnant" + ")" * 100])
def test_harmless_shapes_are_still_accepted(harmless, tmp_path):
    path = tmp_path / "clinic.toml"
    path.write_text(with_condition(harmless))
    assert revhyper.load_ruleset(path).rule("injected").when.text == harmless

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


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes, non-ASCII as itself: TOML has no surrogate pairs)."""
    return json.dumps(text, ensure_ascii=False)


def with_condition(condition: str) -> str:
    """The default rule set with one more rule whose condition is ``condition`` (as a TOML literal string)."""
    return DEFAULT + (
        "\n[rules.injected]\n"
        'title = "Injected"\n'
        f"when = {toml_string(condition)}\n"
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
    when_line = text.splitlines().index(f"when = {toml_string(attempt)}") + 1
    assert all(p.file == str(path) for p in problems)
    assert any(p.path == "rules.injected.when" and p.line == when_line for p in problems), [str(p) for p in problems]
    assert all(p.message and "Traceback" not in p.message for p in problems)


def test_the_injected_rule_set_loads_when_the_condition_is_harmless(tmp_path):
    path = tmp_path / "clinic.toml"
    path.write_text(with_condition("pain.current > 3"))
    assert revhyper.load_ruleset(path).rule("injected").when.text == "pain.current > 3"


@pytest.mark.parametrize("harmless", ["(" * 100 + "person.pregnant" + ")" * 100,
                                      "red_flags.fever\n   or red_flags.history_of_cancer",
                                      '"hernia#1" not in history.conditions or red_flags.fever'.replace("hernia#1", "hernia")])
def test_harmless_shapes_are_still_accepted(harmless, tmp_path):
    path = tmp_path / "clinic.toml"
    path.write_text(with_condition(harmless))
    assert revhyper.load_ruleset(path).rule("injected").when.text == harmless


COMMENTS = Path(__file__).parent / "corpus" / "condition_comments.txt"
HIDING = [json.loads(line) for line in COMMENTS.read_text().splitlines() if line.strip() and not line.startswith("# ")]


def test_the_comment_corpus_is_substantial():
    assert len(HIDING) >= 15


@pytest.mark.parametrize("attempt", HIDING, ids=lambda a: a[:40])
def test_a_comment_cannot_hide_part_of_a_condition(attempt, tmp_path):
    """A '#' in a condition once made everything after it a comment (newlines became spaces before parsing), so a
    rule silently lost its other cases. Any comment is now refused at the '#' itself, wherever it stands."""
    path = tmp_path / "clinic.toml"
    text = with_condition(attempt)
    path.write_text(text)
    with pytest.raises(RulesetError) as info:
        revhyper.load_ruleset(path)
    when_line = text.splitlines().index(f"when = {toml_string(attempt)}") + 1
    hash_at = text.splitlines()[when_line - 1].index("#", len("when = ")) + 1
    comments = [p for p in info.value.problems if "cannot hold a comment" in p.message]
    assert comments, [str(p) for p in info.value.problems]
    assert (comments[0].line, comments[0].column) == (when_line, hash_at)  # through escapes like \" and \n
    assert comments[0].path == "rules.injected.when"


def test_a_hash_inside_a_quoted_word_is_not_a_comment(tmp_path):
    path = tmp_path / "clinic.toml"
    path.write_text(with_condition('"a#b" in history.conditions'))
    with pytest.raises(RulesetError) as info:
        revhyper.load_ruleset(path)
    assert [p.message for p in info.value.problems] == ["'a#b' is not in the rule set's conditions vocabulary"]

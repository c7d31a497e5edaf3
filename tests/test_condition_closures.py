"""The closures a condition compiles to (some written for common shapes: a fact against a number with the
operator inline, an or/and of yes/no facts, a run of words looked for in one list) hold exactly where the
condition's tree, walked plainly, says it holds: every rule of the default and the example clinic's rule sets, and
generated conditions of those shapes, over drawn facts."""

from __future__ import annotations

import ast
import operator

from hypothesis import given, settings
from hypothesis import strategies as st

import revhyper
from revhyper.profile.profile import condition_fields
from revhyper.rules.conditions import compile_condition, dotted_name, predicate_on_slots

from helpers import EXAMPLES

FIELDS = condition_fields()
RULES = revhyper.default_ruleset()
CLINIC = revhyper.load_ruleset(EXAMPLES / "rulesets" / "clinic-north.toml")
NUMBER_POOL = sorted({0, 1, 3, 7, 7.5, 45, *(v for r in (RULES, CLINIC) for v in r.parameters.values()
                                              if isinstance(v, (int, float)) and not isinstance(v, bool))})
"""Numbers facts are drawn from: the conditions' own constants among them, so that edges are met."""
_OPS = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Eq: operator.eq,
        ast.NotEq: operator.ne}


def walk(node, facts, params):
    """The condition's value, read from its tree: a missing value (None) makes a comparison with it false."""
    if isinstance(node, ast.BoolOp):
        values = [walk(v, facts, params) for v in node.values]
        return any(values) if isinstance(node.op, ast.Or) else all(values)
    if isinstance(node, ast.UnaryOp):
        value = walk(node.operand, facts, params)
        return (not value) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [walk(e, facts, params) for e in node.elts]
    if isinstance(node, ast.Call):
        word = node.args[0].value if node.args else ""
        return facts[f"{node.func.id}:{word}"]
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = dotted_name(node)
        if name in ("true", "false"):
            return name == "true"
        return params[name[len("params."):]] if name.startswith("params.") else facts[name]
    assert isinstance(node, ast.Compare)
    terms = [walk(t, facts, params) for t in (node.left, *node.comparators)]
    for op, a, b in zip(node.ops, terms, terms[1:]):
        if isinstance(op, (ast.In, ast.NotIn)):
            holds = a is not None and a in b
            if isinstance(op, ast.NotIn):
                holds = a is not None and a not in b
        else:
            holds = a is not None and b is not None and _OPS[type(op)](a, b)
        if not holds:
            return False
    return True


def _value(info, vocabulary, draw):
    kind = info["kind"]
    if info.get("optional") and draw(st.booleans()):
        return None
    if kind == "bool":
        return draw(st.booleans())
    if kind == "number":
        return draw(st.sampled_from(NUMBER_POOL))
    if kind == "enum":
        return draw(st.sampled_from(info["choices"]))
    if kind == "list":
        words = vocabulary.get(info.get("vocabulary"), ())
        chosen = draw(st.lists(st.sampled_from(words), max_size=4, unique=True)) if words else []
        return draw(st.sampled_from([tuple(chosen), frozenset(chosen)]))  # screen's plan reads tuples, facts_for sets
    return draw(st.text(max_size=3))


@st.composite
def facts_of(draw, ruleset):
    facts = {key: _value(info, ruleset.vocabulary, draw) for key, info in FIELDS.items()}
    for word in ruleset.vocabulary.get("surgeries", ()):
        facts[f"weeks_since_surgery:{word}"] = draw(st.sampled_from([None, *NUMBER_POOL]))
        facts[f"had_surgery:{word}"] = draw(st.booleans())
    facts["weeks_since_injection:"] = draw(st.sampled_from([None, *NUMBER_POOL]))
    return facts


@settings(max_examples=300)
@given(st.data())
def test_every_rule_holds_where_its_tree_says(data):
    for ruleset in (RULES, CLINIC):
        facts = data.draw(facts_of(ruleset))
        slots = {key: i for i, key in enumerate(facts)}
        placed = tuple(facts.values())
        for rule in ruleset.rules:
            expected = walk(rule.when.tree, facts, ruleset.parameters)
            got = rule.when.predicate(facts)
            assert bool(got) is bool(expected), (rule.id, rule.when.text)
            on_slots = predicate_on_slots(rule.when, slots, fields=FIELDS, params=ruleset.parameters,
                                          vocabularies=_vocabularies(ruleset))
            assert bool(on_slots(placed)) is bool(expected), (rule.id, rule.when.text)


FLAGS = [key for key, info in FIELDS.items() if info["kind"] == "bool"]
NUMBERS = [key for key, info in FIELDS.items() if info["kind"] == "number"]
WORDS = RULES.vocabulary["conditions"]


@st.composite
def conditions(draw, depth=0):
    """Conditions of the shapes the compiler writes out, and others, nested."""
    shape = draw(st.sampled_from(["flag", "compare", "word", "not word", "in list"] + (["or", "and", "not"] if depth < 3 else [])))
    if shape == "flag":
        return draw(st.sampled_from(FLAGS))
    if shape == "compare":
        field = draw(st.sampled_from(NUMBERS))
        op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
        number = draw(st.sampled_from([0, 3, 7, 7.5, 45]))  # all in NUMBER_POOL
        return f"{number} {op} {field}" if draw(st.booleans()) else f"{field} {op} {number}"
    if shape in ("word", "not word"):
        return f'"{draw(st.sampled_from(WORDS))}" {"in" if shape == "word" else "not in"} history.conditions'
    if shape == "in list":
        return f'training.goal in ["strength", "general"]'
    if shape == "not":
        return f"not ({draw(conditions(depth + 1))})"
    parts = draw(st.lists(conditions(depth + 1), min_size=2, max_size=5))
    return "(" + f" {shape} ".join(f"({p})" for p in parts) + ")"


@settings(max_examples=300)
@given(conditions(), st.data())
def test_generated_conditions_hold_where_their_tree_says(text, data):
    condition = compile_condition(text, fields=FIELDS, params=RULES.parameters, vocabularies=_vocabularies(RULES))
    for _ in range(5):
        facts = data.draw(facts_of(RULES))
        slots = {key: i for i, key in enumerate(facts)}
        on_slots = predicate_on_slots(condition, slots, fields=FIELDS, params=RULES.parameters,
                                      vocabularies=_vocabularies(RULES))
        expected = walk(condition.tree, facts, RULES.parameters)
        assert condition.predicate(facts) is expected, text
        assert on_slots(tuple(facts.values())) is expected, text


def _vocabularies(ruleset):
    return {**ruleset.vocabulary, "restrictions": tuple(ruleset.restrictions)}


def test_each_comparison_at_its_edges():
    """Every operator, a fact on either side of a number, at, below and above it, and missing (optional fields)."""
    vocabularies = {**RULES.vocabulary, "restrictions": tuple(RULES.restrictions)}
    for field, values in (("pain.current", (6, 7, 7.5, 8)), ("pain.worst_last_week", (None, 6, 7, 7.5, 8))):
        for op in ("<", "<=", ">", ">=", "==", "!="):
            for number in (7, 7.5):
                for text in (f"{field} {op} {number}", f"{number} {op} {field}"):
                    condition = compile_condition(text, fields=FIELDS, params=RULES.parameters, vocabularies=vocabularies)
                    on_slots = predicate_on_slots(condition, {field: 0}, fields=FIELDS, params=RULES.parameters,
                                                  vocabularies=vocabularies)
                    for value in values:
                        facts = {field: value}
                        expected = walk(condition.tree, facts, RULES.parameters)
                        assert condition.predicate(facts) is expected, (text, value)
                        assert on_slots((value,)) is expected, (text, value)

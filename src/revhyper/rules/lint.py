"""Proofs about a rule set that loads but probably does not say what its author meant.

- a rule that can never fire: its condition is provably contradictory (``pain.current > 8 and
  pain.current < 3``, a value outside the field's own range, ``x and not x``). ``never_fires`` proves it,
  and the loader makes it an error;
- a rule shadowed by a stricter one: whenever it fires, a ``refuse`` rule provably fires too (so it can
  never change the outcome), or a rule whose every cap is provably matched or beaten by a rule that
  always fires with it;
- a phase or program whose numbers leave the ranges the sources give (ACSM 2009: load steps of 2-10 %,
  1-6 sets, up to 30 repetitions; deloads every 3-6 weeks at 40-60 % volume; rest of at least 30 s).
  These two are warnings (``lint``).

Each is only said when it is proven (the analysis is sound: it may miss a problem, never invent one),
and each can be silenced with ``deliberate = "why"`` on the rule, phase or program.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from typing import Any

import attrs

from .conditions import FUNCTIONS, Condition, ConditionError, dotted_name, parse_condition
from ..profile.profile import condition_fields
from ..io.report import Reporter
from .ruleset import ACTIONS, CAP_SPECS, PROGRAM_ORDER, Rule, RuleSet

MAX_TERMS = 64

# -- conditions as a disjunction of conjunctions of literals --------------------------------------


@attrs.frozen
class Interval:
    low: float = -math.inf
    low_open: bool = False
    high: float = math.inf
    high_open: bool = False

    def meet(self, other: "Interval") -> "Interval":
        low, low_open = max((self.low, self.low_open), (other.low, other.low_open), key=lambda x: (x[0], x[1]))
        high, high_open = min((self.high, not self.high_open), (other.high, not other.high_open), key=lambda x: (x[0], x[1]))
        return Interval(low, low_open, high, not high_open)

    def empty(self) -> bool:
        return self.low > self.high or (self.low == self.high and (self.low_open or self.high_open))

    def within(self, other: "Interval") -> bool:
        """Every number in self is in other."""
        if self.empty():
            return True
        low_ok = self.low > other.low or (self.low == other.low and (self.low_open or not other.low_open))
        high_ok = self.high < other.high or (self.high == other.high and (self.high_open or not other.high_open))
        return low_ok and high_ok


@attrs.frozen
class Literal:
    """One atomic fact: a number in an interval, a yes/no value, a word in/out of a set, a word in a list."""

    key: str
    kind: str  # number | bool | enum | member | opaque
    interval: Interval | None = None
    value: Any = None  # bool value; for enum: frozenset of allowed words; for member: (word, present)
    optional: bool = False


class _Unknown(Exception):
    pass


def disjunction(condition: Condition | str, fields: dict[str, dict], params: Mapping[str, Any]) -> list[list[Literal]] | None:
    """The condition as a list of conjunctions, or None when it is too complex to analyse."""
    try:
        if isinstance(condition, Condition) and condition.tree is not None:
            tree = condition.tree
        else:
            text = condition.text if isinstance(condition, Condition) else condition
            tree = parse_condition(text)
        terms = _dnf(tree, False, fields, params)
    except (_Unknown, ConditionError, RecursionError, ValueError):
        return None
    return terms


def _dnf(node, negate, fields, params) -> list[list[Literal]]:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _dnf(node.operand, not negate, fields, params)
    if isinstance(node, ast.BoolOp):
        parts = [_dnf(v, negate, fields, params) for v in node.values]
        conjunctive = isinstance(node.op, ast.And) != negate
        if not conjunctive:
            return [term for part in parts for term in part][: MAX_TERMS + 1] if sum(map(len, parts)) <= MAX_TERMS else _too_big()
        terms: list[list[Literal]] = [[]]
        for part in parts:
            terms = [a + b for a in terms for b in part]
            if len(terms) > MAX_TERMS:
                _too_big()
        return terms
    if isinstance(node, ast.Compare):
        pieces = [_compare(op, left, right, negate, fields, params)
                  for op, left, right in zip(node.ops, [node.left, *node.comparators], node.comparators)]
        if negate and len(pieces) > 1:  # not (a < x < b) = not a<x or not x<b
            return [[p] for p in pieces]
        return [pieces]
    dotted = dotted_name(node)
    if dotted is not None and dotted in fields and fields[dotted]["kind"] == "bool":
        return [[Literal(dotted, "bool", value=not negate)]]
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return [] if node.value == negate else [[]]
    return [[Literal(ast.dump(node) + str(negate), "opaque")]]


def _too_big():
    raise _Unknown()


def _value(node, fields, params):
    """('field', key, info) or ('const', value) or ('call', key, optional)."""
    dotted = dotted_name(node)
    if dotted and dotted.startswith("params."):
        return ("const", params[dotted[7:]])
    if dotted in fields:
        return ("field", dotted, fields[dotted])
    if isinstance(node, ast.Constant):
        return ("const", node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return ("const", -node.operand.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
        _, kind, optional = FUNCTIONS[node.func.id]
        if not node.args:
            return ("field", f"{node.func.id}:", {"kind": kind, "optional": optional})
        if isinstance(node.args[0], ast.Constant):
            return ("field", f"{node.func.id}:{node.args[0].value}", {"kind": kind, "optional": optional})
    if isinstance(node, (ast.List, ast.Tuple)):
        return ("const", frozenset(e.value for e in node.elts if isinstance(e, ast.Constant)))
    raise _Unknown()


_FLIP = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE, ast.Eq: ast.Eq, ast.NotEq: ast.NotEq}
_NEGATE = {ast.Lt: ast.GtE, ast.LtE: ast.Gt, ast.Gt: ast.LtE, ast.GtE: ast.Lt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
           ast.In: ast.NotIn, ast.NotIn: ast.In}


def _compare(op, left, right, negate, fields, params) -> Literal:
    a, b = _value(left, fields, params), _value(right, fields, params)
    if a[0] == "const" and b[0] == "field" and type(op) in _FLIP:
        a, b, op = b, a, _FLIP[type(op)]()
    if a[0] == "const" and b[0] == "field" and isinstance(op, (ast.In, ast.NotIn)):  # "word" in history.conditions
        present = isinstance(op, ast.In) != negate
        return Literal(b[1], "member", value=(a[1], present))
    if a[0] != "field" or b[0] != "const":
        raise _Unknown()
    key, info, const = a[1], a[2], b[1]
    optional = info.get("optional", False)
    if negate and optional:  # not (x < 3) is also true when x is missing: not an interval
        return Literal(f"opaque:{key}:{type(op).__name__}:{const}", "opaque")
    if negate:
        op = _NEGATE[type(op)]()
    kind = info["kind"]
    if kind == "number" and isinstance(const, (int, float)) and not isinstance(const, bool):
        if isinstance(op, ast.NotEq):
            return Literal(f"opaque:{key}!={const}", "opaque")
        interval = {
            ast.Lt: Interval(high=const, high_open=True), ast.LtE: Interval(high=const),
            ast.Gt: Interval(low=const, low_open=True), ast.GtE: Interval(low=const),
            ast.Eq: Interval(const, False, const, False),
        }.get(type(op))
        if interval is None:
            raise _Unknown()
        return Literal(key, "number", interval, optional=optional)
    if kind == "enum":
        choices = frozenset(info.get("choices") or ())
        if isinstance(op, (ast.Eq, ast.NotEq)):
            allowed = frozenset({const}) if isinstance(op, ast.Eq) else choices - {const}
        elif isinstance(op, (ast.In, ast.NotIn)):
            allowed = frozenset(const) if isinstance(op, ast.In) else choices - frozenset(const)
        else:
            raise _Unknown()
        return Literal(key, "enum", value=allowed, optional=optional)
    if kind == "bool" and isinstance(const, bool) and isinstance(op, (ast.Eq, ast.NotEq)):
        return Literal(key, "bool", value=const == isinstance(op, ast.Eq))
    raise _Unknown()


def _constraints(term: list[Literal], fields: dict[str, dict]) -> dict[str, Any] | None:
    """Combine a conjunction's literals per key; None when they contradict."""
    numbers: dict[str, Interval] = {}
    flags: dict[str, bool] = {}
    words: dict[str, frozenset] = {}
    members: dict[tuple[str, Any], bool] = {}
    for literal in term:
        if literal.kind == "number" and literal.interval is not None:
            low, high = fields.get(literal.key, {}).get("range", (-math.inf, math.inf))
            current = numbers.get(literal.key, Interval(low, False, high, False))
            numbers[literal.key] = current.meet(literal.interval)
            if numbers[literal.key].empty():
                return None
        elif literal.kind == "bool":
            if flags.get(literal.key, literal.value) != literal.value:
                return None
            flags[literal.key] = literal.value
        elif literal.kind == "enum":
            words[literal.key] = words.get(literal.key, literal.value) & literal.value
            if not words[literal.key]:
                return None
        elif literal.kind == "member":
            word, present = literal.value
            if members.get((literal.key, word), present) != present:
                return None
            members[(literal.key, word)] = present
    return {"numbers": numbers, "flags": flags, "words": words, "members": members,
            "opaque": {l.key for l in term if l.kind == "opaque"}}


def _implies(b: dict[str, Any], a_term: list[Literal], fields) -> bool:
    """Does the conjunction with constraints ``b`` imply every literal of ``a_term``?"""
    for literal in a_term:
        if literal.kind == "number":
            have = b["numbers"].get(literal.key)
            if have is None or not have.within(literal.interval):
                return False
        elif literal.kind == "bool":
            if b["flags"].get(literal.key) != literal.value:
                return False
        elif literal.kind == "enum":
            have = b["words"].get(literal.key)
            if have is None or not have <= literal.value:
                return False
        elif literal.kind == "member":
            word, present = literal.value
            if b["members"].get((literal.key, word)) != present:
                return False
        elif literal.key not in b["opaque"]:
            return False
    return True


# -- the checks -------------------------------------------------------------------------------


def never_fires(condition: Condition, fields: dict[str, dict], params: Mapping[str, Any]) -> bool:
    """Whether ``condition`` provably holds for no profile (a contradiction, or values no profile can have).

    The loader makes such a rule an error: a typo like ``pain.current >= 70`` must not load as a rule that
    silently never fires."""
    terms = disjunction(condition, fields, params)
    return terms is not None and not any(_constraints(t, fields) is not None for t in terms)


def lint(ruleset: RuleSet, rep: Reporter) -> None:
    """Add every warning about ``ruleset`` to ``rep`` (as severity "warning"). A rule that can never fire is not
    among them: loading the rule set already refused it (see ``never_fires``), unless it is marked deliberate."""
    fields = condition_fields()
    analysed = {}
    for rule in ruleset.rules:
        analysed[rule.id] = disjunction(rule.when, fields, ruleset.parameters)
    for rule in ruleset.rules:
        if rule.deliberate:
            continue
        terms = analysed[rule.id]
        if terms is None:
            continue
        satisfiable = [t for t in terms if _constraints(t, fields) is not None]
        if not satisfiable:
            continue
        shadow = _shadowed_by(rule, satisfiable, ruleset, analysed, fields)
        if shadow:
            rep.warn(("rules", rule.id), shadow, at="key")
    _lint_programs(ruleset, rep)


def _shadowed_by(rule: Rule, terms, ruleset: RuleSet, analysed, fields) -> str | None:
    rank = ACTIONS.index
    for other in ruleset.rules:
        if other.id == rule.id or analysed.get(other.id) is None:
            continue
        if not all(any(_implies(known, a, fields) for a in analysed[other.id])
                   for known in (_constraints(t, fields) for t in terms) if known is not None):
            continue
        if other.action == "refuse" and rule.action != "refuse":
            return (f"shadowed by '{other.id}': whenever this rule fires, '{other.id}' refuses too, so this rule "
                    "never changes a block; add deliberate = \"why\" if that is meant")
        if (rank(other.action) <= rank(rule.action) and rule.caps is not None and other.caps is not None
                and rule.action in ("modify", "require_clearance") and _caps_at_least(other.caps, rule.caps)
                and not rule.cues):
            return (f"shadowed by '{other.id}': it always fires with this rule and its caps are as strict or stricter, "
                    "so this rule never changes a block; add deliberate = \"why\" if that is meant")
    return None


def _caps_at_least(strong, weak) -> bool:
    for name, spec in CAP_SPECS.items():
        mine = getattr(weak, name)
        if mine in (None, frozenset(), False):
            continue
        theirs = getattr(strong, name)
        if theirs in (None, frozenset()):
            return False
        if spec.wins == "min" and not theirs <= mine:
            return False
        if spec.wins == "max" and not theirs >= mine:
            return False
        if spec.wins == "any" and not theirs:
            return False
        if spec.wins == "union" and not mine <= theirs:
            return False
        if spec.wins == "first" and PROGRAM_ORDER.index(theirs) > PROGRAM_ORDER.index(mine):
            return False
    return True


SOURCE = "ACSM 2009 (acsm-2009)"


def _lint_programs(ruleset: RuleSet, rep: Reporter) -> None:
    for goal, program in ruleset.programs.items():
        path = ("programs", goal)
        if not program.deliberate:
            if program.deload_every and not 3 <= program.deload_every <= 6:
                rep.warn(path + ("deload_every",), f"a deload every {program.deload_every} weeks is outside the usual "
                         "3-6 weeks (common coaching practice, expert opinion); add deliberate = \"why\" to the program if meant")
            if program.deload_every and not 40 <= program.deload_volume_percent <= 60:
                rep.warn(path + ("deload_volume_percent",), f"deload volume {program.deload_volume_percent:g} % is outside "
                         "the usual 40-60 % (expert opinion); add deliberate = \"why\" to the program if meant")
        previous_load = None
        for index, phase in enumerate(program.phases):
            where = path + ("phases", index)
            if phase.deliberate:
                previous_load = _last_load(phase)
                continue
            for message, key in _phase_problems(goal, phase, previous_load):
                rep.warn(where + ((key,) if key else ()), message + "; add deliberate = \"why\" to the phase if meant",
                         at="key" if not key else "value")
            previous_load = _last_load(phase)


def _last_load(phase) -> float | None:
    if phase.load != "percent" or phase.load_percent is None:
        return None
    p = phase.load_percent
    return p.limit if p.step and p.limit is not None else p.start


def _phase_problems(goal: str, phase, previous_load):
    if phase.load == "percent" and phase.load_percent is not None:
        p = phase.load_percent
        values = [p.at(k) for k in range(0, 53)]
        steps = [(b - a) / a for a, b in zip(values, values[1:]) if a > 0 and b != a]
        if p.start == 0 and p.step > 0:
            yield f"the load rises from 0 % of the working load; {SOURCE} steps loads by 2-10 % a week", "load_percent"
        elif steps and max(steps) > 0.10 + 1e-9:
            yield (f"the load rises up to {max(steps) * 100:.1f} % in a week; {SOURCE} gives steps of 2-10 %", "load_percent")
        if previous_load and p.start > previous_load * 1.10 + 1e-9:
            yield (f"the load jumps from {previous_load:g} % to {p.start:g} % between phases, more than the 10 % a week "
                   f"of {SOURCE}", "load_percent")
        top = p.limit if p.step and p.limit is not None else p.start
        if goal == "rehabilitation" and top > 100:
            yield (f"a rehabilitation phase goes to {top:g} % of the client's 10-repetition load; the default keeps "
                   "rehabilitation under 100 %", "load_percent")
    sets_top = max(phase.sets.start, phase.sets.limit or phase.sets.start)
    if sets_top > 6:
        yield f"{sets_top:g} sets a session is more than the 1-6 sets of {SOURCE}", "sets"
    reps_top = max(phase.reps.start, phase.reps.limit or phase.reps.start)
    if reps_top > 30:
        yield f"{reps_top:g} repetitions a set is more than the 10-25 for endurance in {SOURCE}", "reps"
    if phase.rest_seconds < 30:
        yield f"{phase.rest_seconds} s rest between sets is under the 30 s {SOURCE} gives for endurance work", "rest_seconds"

"""Screening: which rules fire for a profile, the strictest outcome, and the strictest caps."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable
from typing import Any

import attrs

from . import clearance
from .block import AppliedCap, FiredRule, Screening
from ..profile.profile import LIST_SECTIONS, SECTIONS, History, Profile
from ..rules.ruleset import ACTIONS, CAP_SPECS, PROGRAM_ORDER, URGENCIES, Caps, Rule, RuleSet, memoized
from .timeline import weeks_since


def profile_facts(profile: Profile) -> dict[str, Any]:
    """The flat view of a profile that conditions read: ``"pain.current" -> 4``, ``"had_surgery:x" -> True``."""
    facts: dict[str, Any] = {}
    for section, read, keys, lists in _fact_readers():
        facts.update(zip(keys, read(getattr(profile, section))))
        for key in lists:
            value = facts[key]
            if isinstance(value, tuple):
                facts[key] = frozenset(value)
    return facts


@functools.cache
def _fact_readers() -> tuple[tuple[str, Callable[[Any], tuple], tuple[str, ...], tuple[str, ...]], ...]:
    """For each profile section conditions read: its name, a reader of all its fields' values, their fact keys and
    the keys of its lists of words (read as sets); worked out once."""
    out = []
    for section in SECTIONS:
        if section in LIST_SECTIONS:
            continue
        fields = attrs.fields(SECTIONS[section])
        names = [f.name for f in fields]
        read = operator.attrgetter(*names) if len(names) > 1 else (lambda obj, name=names[0]: (getattr(obj, name),))
        out.append((section, read, tuple(f"{section}.{name}" for name in names),
                    tuple(f"{section}.{f.name}" for f in fields if f.metadata.get("kind") == "list")))
    return tuple(out)


class _TimeFacts(dict):
    """Facts with the surgery and injection functions answered on demand, at one week of the block (a profile has
    few surgeries; rules ask about many). Everything else is a snapshot of the profile."""

    __slots__ = ("_history", "_start", "_week")
    _history: History
    _start: dt.date | None
    _week: int

    def __missing__(self, key: str) -> Any:
        function, _, procedure = key.partition(":")
        start, week = self._start, self._week
        if function == "weeks_since_injection":
            injections = self._history.injections
            value = min([weeks_since(i, start, week) for i in injections]) if injections else None
        elif function == "weeks_since_surgery":
            weeks = [weeks_since(s, start, week) for s in self._history.surgeries if s.procedure == procedure]
            value = min(weeks) if weeks else None
        elif function == "had_surgery":
            value = any(s.procedure == procedure for s in self._history.surgeries)
        else:
            raise KeyError(key)
        self[key] = value
        return value


def facts_for(profile: Profile, week: int = 1, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """What conditions read, at block week ``week`` (week 1 = the start date): ``weeks_since_surgery`` and
    ``weeks_since_injection`` are counted to that week's first day; pain and every other field are a snapshot.
    ``base`` is ``profile_facts(profile)`` when the caller already has it."""
    facts = _TimeFacts(profile_facts(profile) if base is None else base)
    facts._history = profile.history
    facts._start = profile.training.start_date
    facts._week = week
    return facts


def screen(profile: Profile, ruleset: RuleSet, week: int = 1) -> Screening:
    """Fire every rule, then decide the status, the referral and the caps. Pure. ``week`` > 1 screens the profile as
    it stands at that week of the block (engine.py does, when a time-dependent rule changes)."""
    facts = facts_for(profile, week)
    fired: list[FiredRule] = []
    to_clear = []
    for rule, holds in _conditions(ruleset):
        if holds(facts):
            if rule.action == "require_clearance":
                to_clear.append(rule)
            reference = ruleset.references[rule.source]
            values = tuple((name, _read(name, facts, ruleset.parameters)) for name in rule.when.reads)
            fired.append(FiredRule(rule.id, rule.title, rule.action, rule.reason, rule.source, reference.citation,
                                   rule.when.text, values, rule.caps, rule.referral))

    restrictions = profile.restrictions  # every clearance's restrictions apply, whether or not it counts
    asked: list[tuple[str, Caps]] = [(f.id, f.caps) for f in fired if f.caps is not None]
    asked += [(f"restriction:{name}", ruleset.restrictions[name].caps) for name in restrictions]
    applied, merged = merge_caps(asked, ruleset.memo)

    actions = {f.action for f in fired}
    clearance_rules = tuple(f.id for f in fired if f.action == "require_clearance")
    decisions = clearance.assess(profile, to_clear, week) if to_clear else ()
    cleared = bool(decisions) and all(d.cleared_by is not None for d in decisions)
    if "refuse" in actions:
        status = "refused"
    elif clearance_rules and not cleared:
        status = "needs_clearance"
    else:
        status = "generated"
    referral = None
    if status == "refused":
        referrals = [f.referral for f in fired if f.action == "refuse" and f.referral is not None]
        referral = min(referrals, key=lambda r: URGENCIES.index(r.urgency)) if referrals else None
    fired.sort(key=lambda f: ACTIONS.index(f.action))  # strictest first; stable within an action
    warnings = clearance.unused(profile, clearance_rules) if profile.clearance else ()
    offered = tuple((r.id, r.description) for r in ruleset.restrictions.values()) if status == "needs_clearance" else ()
    return Screening(status, tuple(fired), applied, merged, referral, clearance_rules, cleared, restrictions,
                     decisions, profile.clearance, warnings, offered)


def _conditions(ruleset: RuleSet) -> tuple[tuple[Rule, Callable[[Any], bool]], ...]:
    """Each rule with its condition's predicate, in the rule set's order."""
    return memoized(ruleset.memo, "conditions", lambda: tuple((rule, rule.when.predicate) for rule in ruleset.rules))


def merge_caps(asked: list[tuple[str, Caps]], memo: dict[Any, Any] | None = None) -> tuple[tuple[AppliedCap, ...], Caps]:
    """The strictest value of each kind of cap, with who set it and who asked for less.

    ``memo`` (the rule set's, whose rules and restrictions are who asked) remembers the merge for each combination
    of them, as plain data: the caps are new objects each time, so that no two screenings share them."""
    if memo is None:
        rows, merged = _merge(asked)
    else:
        rows, merged = memoized(memo, ("merged caps", *(who for who, _ in asked)), _merge, asked)
    return tuple(AppliedCap(*row) for row in rows), Caps(**merged)


def _merge(asked: list[tuple[str, Caps]]) -> tuple[tuple[tuple[Any, ...], ...], dict[str, Any]]:
    applied: list[tuple[Any, ...]] = []
    merged: dict[str, Any] = {}
    for name, spec in CAP_SPECS.items():
        values = [(who, getattr(caps, name)) for who, caps in asked
                  if getattr(caps, name) is not None and getattr(caps, name) != frozenset()]
        if not values:
            continue
        if spec.wins == "union":
            winner: Any = frozenset().union(*(v for _, v in values))
            set_by = tuple(who for who, _ in values)
            weaker: tuple = ()
        else:
            if spec.wins == "min":
                winner = min(v for _, v in values)
            elif spec.wins == "max":
                winner = max(v for _, v in values)
            elif spec.wins == "first":  # the most conservative programme
                winner = min((v for _, v in values), key=PROGRAM_ORDER.index)
            else:  # any: a true flag wins
                winner = any(v for _, v in values)
            set_by = tuple(who for who, v in values if v == winner)
            weaker = tuple((who, v) for who, v in values if v != winner)
        merged[name] = winner
        applied.append((name, winner, spec.meaning, set_by, weaker))
    return tuple(applied), merged


def _read(name: str, facts: dict[str, Any], parameters) -> Any:
    if name.startswith("params."):
        return parameters[name[len("params."):]]
    if "(" in name:
        function, _, rest = name.partition("(")
        return facts[f"{function}:{rest.strip(')').strip(chr(34))}"]
    value = facts.get(name)
    return tuple(sorted(value)) if isinstance(value, frozenset) else value

"""Screening: which rules fire for a profile, the strictest outcome, and the strictest caps."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from itertools import starmap
from collections.abc import Callable
from typing import Any

import attrs

from . import clearance
from .block import AppliedCap, FiredRule, Screening
from ..profile.profile import LIST_SECTIONS, SECTIONS, History, Profile, condition_fields
from ..rules.conditions import ConditionError, predicate_on_slots
from ..rules.ruleset import ACTIONS, CAP_SPECS, PROGRAM_ORDER, URGENCIES, Caps, Rule, RuleSet, memoized, own_copy
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
    plan: _Plan = memoized(ruleset.memo, "screen plan", _Plan, ruleset)
    history = profile.history
    if history.surgeries or history.injections:
        rules = plan.rules
        facts: Any = facts_for(profile, week, dict(zip(plan.keys, plan.read(profile))))
    else:  # no surgery, no injection: the functions' answers are the same for every such profile and week
        if plan.on_slots:  # the rules read the facts by place: the fields read, then the functions' answers
            read = plan.slotted_read(profile)
            flags = plan.flags
            rules = plan.by_shape[any(read[flags:flags + plan.lists])][any(read[:flags])]
            facts = read + plan.no_event_values
        else:
            rules = plan.quiet_rules
            facts = dict(zip(plan.quiet_keys, plan.quiet_read(profile))) if plan.quiet_keys else {}
            facts.update(plan.no_events)
    fired: list[FiredRule] = []
    to_clear = []
    asked: list[tuple[str, Caps]] = []
    refuses = False
    for holds, static, values, rule in rules:
        if holds(facts):
            action = rule.action
            if action == "require_clearance":
                to_clear.append(rule)
            elif action == "refuse":
                refuses = True
            caps = rule.caps
            if caps is not None:
                asked.append((rule.id, caps))  # the rule's own, read by the merge; the block holds copies
            fired.append(FiredRule(*static, values(facts), own_copy(caps), own_copy(rule.referral)))

    clearances = profile.clearance
    restrictions = profile.restrictions if clearances else ()  # every clearance's restrictions apply, whether or not it counts
    if restrictions:
        asked += [(f"restriction:{name}", ruleset.restrictions[name].caps) for name in restrictions]
    applied, merged = merge_caps(asked, ruleset.memo)

    clearance_rules = tuple(rule.id for rule in to_clear)
    decisions = clearance.assess(profile, to_clear, week) if to_clear else ()
    cleared = bool(decisions) and all(d.cleared_by is not None for d in decisions)
    if refuses:
        status = "refused"
    elif clearance_rules and not cleared:
        status = "needs_clearance"
    else:
        status = "generated"
    referral = None
    if refuses:
        referrals = [f.referral for f in fired if f.action == "refuse" and f.referral is not None]
        referral = min(referrals, key=lambda r: URGENCIES.index(r.urgency)) if referrals else None
    if len(fired) > 1:
        fired.sort(key=_action_rank)  # strictest first; stable within an action
    warnings = clearance.unused(profile, clearance_rules) if clearances else ()
    offered = plan.offered if status == "needs_clearance" else ()
    return Screening(status, tuple(fired), applied, merged, referral, clearance_rules, cleared, restrictions,
                     decisions, clearances, warnings, offered)


def _action_rank(fired: FiredRule) -> int:
    return ACTIONS.index(fired.action)


_FUNCTIONS_WITHOUT_EVENTS = {"weeks_since_surgery": None, "weeks_since_injection": None, "had_surgery": False}
"""What each function of the conditions answers for a profile with no surgery and no injection (see _TimeFacts)."""


_Static = tuple[str, str, str, str, str, str, str]
"""A fired rule's fields that do not depend on the profile: id, title, action, reason, source, citation, condition."""
_Entry = tuple[Callable[[Any], Any], _Static, Callable[[Any], tuple[tuple[str, Any], ...]], Rule]
"""A rule as screen reads it: its predicate, its static fields, the reader of its values, the rule."""


class _Plan:
    """What screen works out once per rule set (memoized in ``ruleset.memo``): which profile fields the conditions
    read (and one attrgetter reading just those), each rule's FiredRule fields that do not depend on the profile, a
    reader of the values it shows, and which rules can fire for a profile of each shape.

    A profile with no surgery and no injection (a quiet one) gets the functions' answers from ``no_events``, the same
    for all of them, so a rule that reads only functions (and parameters) has one answer for every quiet profile:
    it is left out of ``quiet_rules`` when that answer is no. Likewise for a quiet profile whose red flags are all
    false, or whose lists of words (history.conditions...) are all empty: ``by_shape[lists given][a flag set]`` leaves
    out the rules that read nothing else and cannot fire then. Those rules read the facts as one tuple, in the order
    of ``slotted_keys`` (red flags first, then lists, then the rest, then the functions' answers), their predicates
    built again on those places from each condition's tree (conditions.predicate_on_slots).

    Rules are read as data: the conditions' predicates are closures built from their parsed trees; nothing here
    writes or runs code."""

    __slots__ = ("rules", "keys", "read", "quiet_rules", "quiet_keys", "quiet_read", "no_events", "offered", "on_slots",
                 "no_event_values", "slotted_read", "flags", "lists", "by_shape")
    rules: tuple[_Entry, ...]
    keys: tuple[str, ...]
    read: Callable[[Profile], tuple]
    quiet_rules: tuple[_Entry, ...]
    quiet_keys: tuple[str, ...]
    quiet_read: Callable[[Profile], tuple]
    no_events: dict[str, Any]
    offered: tuple[tuple[str, str], ...]
    on_slots: bool
    no_event_values: tuple[Any, ...]
    slotted_read: Callable[[Profile], tuple]
    flags: int
    lists: int
    by_shape: tuple[tuple[tuple[_Entry, ...], tuple[_Entry, ...]], tuple[tuple[_Entry, ...], tuple[_Entry, ...]]]

    def __init__(self, ruleset: RuleSet):
        fields = _field_keys()
        entries: list[_Entry] = []
        for rule in ruleset.rules:
            reference = ruleset.references[rule.source]
            static: _Static = (rule.id, rule.title, rule.action, rule.reason, rule.source, reference.citation, rule.when.text)
            entries.append((rule.when.predicate, static, _values_reader(rule.when.reads, ruleset.parameters), rule))
        self.rules = tuple(entries)
        self.offered = tuple((r.id, r.description) for r in ruleset.restrictions.values())  # strings only: shared
        function_keys = {_function_key(name) for rule in ruleset.rules for name in rule.when.reads if "(" in name}
        self.no_events = {key: _FUNCTIONS_WITHOUT_EVENTS[key.partition(":")[0]] for key in sorted(function_keys)}
        self.no_event_values = tuple(self.no_events.values())
        self.quiet_rules = _can_fire(self.rules, self.no_events)
        self.keys, self.read = _reader(self.rules, fields)
        self.quiet_keys, self.quiet_read = _reader(self.quiet_rules, fields)
        self.on_slots = False
        try:
            self._on_slots(ruleset)
        except (ConditionError, KeyError):  # a condition built otherwise than the loader builds them: facts as a dict
            self.on_slots = False

    def _on_slots(self, ruleset: RuleSet) -> None:
        catalog = condition_fields()
        flag_keys = [k for k in self.quiet_keys if k.startswith("red_flags.") and catalog[k]["kind"] == "bool"]
        list_keys = [k for k in self.quiet_keys if catalog[k]["kind"] == "list"]
        keys = (*flag_keys, *list_keys, *(k for k in self.quiet_keys if k not in flag_keys and k not in list_keys))
        self.slotted_read = _getter(keys)
        self.flags, self.lists = len(flag_keys), len(list_keys)
        slots = {key: i for i, key in enumerate((*keys, *self.no_events))}
        vocabularies = {**ruleset.vocabulary, "restrictions": tuple(ruleset.restrictions)}
        slotted = {id(entry): (predicate_on_slots(entry[3].when, slots, fields=catalog, params=ruleset.parameters,
                                                  vocabularies=vocabularies),
                               entry[1], _values_reader(entry[3].when.reads, ruleset.parameters, slots), entry[3])
                   for entry in self.quiet_rules}

        def shape(lists: bool, flags: bool) -> tuple[_Entry, ...]:
            quiet = dict(self.no_events)
            if not lists:
                quiet.update((k, ()) for k in list_keys)
            if not flags:
                quiet.update((k, False) for k in flag_keys)
            return tuple(slotted[id(entry)] for entry in _can_fire(self.quiet_rules, quiet))

        self.by_shape = ((shape(False, False), shape(False, True)), (shape(True, False), shape(True, True)))
        self.on_slots = True


def _can_fire(entries: tuple[_Entry, ...], known: dict[str, Any]) -> tuple[_Entry, ...]:
    """The rules that may hold when the facts in ``known`` have those values: a rule that reads only them (and
    parameters) has one answer then, and is left out when it is no."""
    out = []
    for entry in entries:
        reads = entry[3].when.reads
        if all(name.startswith("params.") or (_function_key(name) if "(" in name else name) in known for name in reads):
            try:
                holds = entry[0](known)
            except KeyError:  # it reads something else after all: keep it
                holds = True
            if not holds:
                continue
        out.append(entry)
    return tuple(out)


def _getter(keys: tuple[str, ...]) -> Callable[[Profile], tuple]:
    """A function reading the profile fields ``keys`` (fact keys: ``pain.current``), as a tuple in that order."""
    if len(keys) == 1:
        get = operator.attrgetter(keys[0])
        return lambda profile: (get(profile),)
    return operator.attrgetter(*keys) if keys else (lambda profile: ())


def _reader(entries: tuple[_Entry, ...], fields: frozenset[str]) -> tuple[tuple[str, ...], Callable[[Profile], tuple]]:
    """The profile fields the rules read (fact keys, in the rule set's order) and one function reading their values."""
    keys = tuple(dict.fromkeys(name for entry in entries for name in entry[3].when.reads if name in fields))
    return keys, _getter(keys)


@functools.cache
def _field_keys() -> frozenset[str]:
    """Every fact key that is a profile field (``pain.current``): what profile_facts reads."""
    return frozenset(key for _, _, keys, _ in _fact_readers() for key in keys)


@functools.cache
def _list_keys() -> frozenset[str]:
    """The fact keys of lists of words (read as sets)."""
    return frozenset(key for _, _, _, lists in _fact_readers() for key in lists)


def _function_key(name: str) -> str:
    """The facts' key of a function a condition reads: ``weeks_since_surgery("x")`` -> ``weeks_since_surgery:x``."""
    function, _, rest = name.partition("(")
    return f"{function}:{rest.strip(')').strip(chr(34))}"


def _values_reader(reads: tuple[str, ...], parameters,
                   slots: dict[str, int] | None = None) -> Callable[[Any], tuple[tuple[str, Any], ...]]:
    """A function giving a fired rule's values from the facts, as _read gives them: parameters are looked up once,
    and a value read straight from the facts is read by its key (or its place in ``slots``, when the facts are a
    tuple: KeyError for a fact it does not place)."""
    lists = _list_keys()
    fields = _field_keys()
    place: Callable[[str], Any] = (lambda key: key) if slots is None else slots.__getitem__
    parts: list[tuple[str, int, Any]] = []  # (name, how, what): 0 a constant, 1 a fact's key, 2 a list's key
    for name in reads:
        if name.startswith("params."):
            parts.append((name, 0, parameters[name[len("params."):]]))
        elif "(" in name:
            parts.append((name, 1, place(_function_key(name))))
        elif name in lists:
            parts.append((name, 2, place(name)))
        elif name in fields:
            parts.append((name, 1, place(name)))
        elif slots is not None:
            raise KeyError(name)
        else:  # not a fact screen reads: as _read does
            return lambda facts: tuple((name, _read(name, facts, parameters)) for name in reads)
    if not parts:
        return lambda facts: ()
    names = tuple(name for name, _, _ in parts)
    if all(how == 1 for _, how, _ in parts):
        if len(parts) == 1:
            name, _, key = parts[0]
            return lambda facts: ((name, facts[key]),)
        get = operator.itemgetter(*(key for _, _, key in parts))
        return lambda facts: tuple(zip(names, get(facts)))
    frozen = tuple(parts)

    def values(facts: Any) -> tuple[tuple[str, Any], ...]:
        out = []
        for name, how, what in frozen:
            if how == 0:
                out.append((name, what))
            elif how == 1:
                out.append((name, facts[what]))
            else:
                value = facts[what]
                out.append((name, tuple(sorted(set(value))) if isinstance(value, (tuple, frozenset)) else value))
        return tuple(out)
    return values


def merge_caps(asked: list[tuple[str, Caps]], memo: dict[Any, Any] | None = None) -> tuple[tuple[AppliedCap, ...], Caps]:
    """The strictest value of each kind of cap, with who set it and who asked for less.

    ``memo`` (the rule set's, whose rules and restrictions are who asked) remembers the merge for each combination
    of them, as plain data: the caps are new objects each time, so that no two screenings share them."""
    if not asked:
        return (), Caps()
    if memo is None:
        rows, fields = _merged(asked)
    else:
        rows, fields = memoized(memo, ("merged caps", *[who for who, _ in asked]), _merged, asked)
    return tuple(starmap(AppliedCap, rows)), Caps(*fields)


def _merged(asked: list[tuple[str, Caps]]) -> tuple[tuple[tuple[Any, ...], ...], tuple[Any, ...]]:
    """_merge's rows, and the merged caps as Caps' arguments in order (the defaults where none is set)."""
    rows, merged = _merge(asked)
    return rows, tuple(merged.get(name, default) for name, default in _caps_fields())


@functools.cache
def _caps_fields() -> tuple[tuple[str, Any], ...]:
    """Caps' fields in order, each with its default (all immutable: None, or an empty frozenset)."""
    return tuple((f.name, f.default) for f in attrs.fields(Caps))


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
        return facts[_function_key(name)]
    value = facts.get(name)
    return tuple(sorted(value)) if isinstance(value, frozenset) else value

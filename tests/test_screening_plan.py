"""screen's plan (worked out once per rule set) gives exactly the screening the plain reading gives: every fact
from facts_for, every rule's predicate called on them, a fired rule's values read with _read. The plain reading is
kept here, as screen was written before its plan, and both screen the golden profiles at weeks 1, 3 and 9."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import revhyper
from revhyper.engine import clearance
from revhyper.engine.block import FiredRule, Screening
from revhyper.engine.timeline import event_date
from revhyper.engine.screening import _read, facts_for, merge_caps, screen
from revhyper.errors import ProfileError
from revhyper.rules.ruleset import ACTIONS, URGENCIES, Caps

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_profiles import batch_mix, timed_mix  # noqa: E402
from helpers import EXAMPLES  # noqa: E402
from strategies import build, profile_dicts, ruleset_data  # noqa: E402


def plain_screen(profile, ruleset, week=1) -> Screening:
    """screen as it was before its plan."""
    facts = facts_for(profile, week)
    fired = []
    to_clear = []
    for rule in ruleset.rules:
        if rule.when.predicate(facts):
            if rule.action == "require_clearance":
                to_clear.append(rule)
            reference = ruleset.references[rule.source]
            values = tuple((name, _read(name, facts, ruleset.parameters)) for name in rule.when.reads)
            fired.append(FiredRule(rule.id, rule.title, rule.action, rule.reason, rule.source, reference.citation,
                                   rule.when.text, values, rule.caps, rule.referral))
    restrictions = profile.restrictions
    asked: list[tuple[str, Caps]] = [(f.id, f.caps) for f in fired if f.caps is not None]
    asked += [(f"restriction:{name}", ruleset.restrictions[name].caps) for name in restrictions]
    applied, merged = merge_caps(asked)
    actions = {f.action for f in fired}
    clearance_rules = tuple(f.id for f in fired if f.action == "require_clearance")
    decisions = plain_assess(profile, to_clear, week) if to_clear else ()
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
    fired.sort(key=lambda f: ACTIONS.index(f.action))
    warnings = clearance.unused(profile, clearance_rules) if profile.clearance else ()
    offered = tuple((r.id, r.description) for r in ruleset.restrictions.values()) if status == "needs_clearance" else ()
    return Screening(status, tuple(fired), applied, merged, referral, clearance_rules, cleared, restrictions,
                     decisions, profile.clearance, warnings, offered)


def plain_assess(profile, rules, week):
    """clearance.assess as it was: every rule through assess_rule, what it clears worked out for each."""
    start = profile.training.start_date
    on = None if start is None else start + dt.timedelta(days=7 * (week - 1))
    out = []
    for rule in rules:
        since = None
        if start is not None:
            procedures = clearance.surgeries_read(rule.when.reads)
            dates = [(d, s.procedure) for s in profile.history.surgeries
                     if s.procedure in procedures and (d := event_date(s, start)) is not None]
            if dates:
                date, procedure = max(dates)
                since = (f"{procedure.replace('_', ' ')} surgery", date)
            else:
                since = ("pain episode", start - dt.timedelta(days=round(profile.pain.duration_weeks * 7)))
        out.append(clearance.assess_rule(rule.id, rule.clearance or clearance._NOBODY, profile.clearance, on=on,
                                         since=since, week=week))
    return tuple(out)


def _profiles():
    rules = revhyper.default_ruleset()
    clinic = revhyper.load_ruleset(EXAMPLES / "rulesets" / "clinic-north.toml")
    texts = [(p.read_text(encoding="utf-8"), p.suffix[1:]) for p in sorted((EXAMPLES / "profiles").glob("*.*"))
             if p.suffix in (".toml", ".json")]
    texts += [(t, "json") for t in batch_mix(300)] + [(t, "json") for t in timed_mix(300)]
    out = []
    for ruleset in (rules, clinic):
        for i, (text, kind) in enumerate(texts):
            try:
                out.append((revhyper.parse_profile(text, name=f"p{i}.{kind}", ruleset=ruleset, kind=kind), ruleset))
            except ProfileError:
                pass
    return out


def _same(a: Screening, b: Screening) -> bool:
    """Equal, and every fired rule's values of the same types (1 and 1.0 are equal but are not written alike)."""
    if a != b:
        return False
    return all(repr(x.values) == repr(y.values) for x, y in zip(a.fired, b.fired))


@pytest.mark.parametrize("week", [1, 3, 9])
def test_the_plan_screens_as_the_plain_reading(week):
    cases = _profiles()
    differ = [i for i, (profile, ruleset) in enumerate(cases)
              if not _same(screen(profile, ruleset, week), plain_screen(profile, ruleset, week))]
    assert not differ, f"{len(differ)} of {len(cases)} screenings differ, e.g. {differ[:5]}"
    assert sum(bool(p.history.surgeries) for p, _ in cases) >= 100  # both of the plan's paths are taken
    quiet = [p for p, _ in cases if not p.history.surgeries and not p.history.injections]
    shapes = {(bool(p.history.conditions), any(attrs.astuple(p.red_flags))) for p in quiet}
    assert len(shapes) == 4  # each of the quiet profiles' shapes (conditions given, a red flag set) is screened


def test_each_screening_gets_its_own_fired_rules_and_caps():
    profile, ruleset = next((p, r) for p, r in _profiles() if screen(p, r).caps)
    a, b = screen(profile, ruleset), screen(profile, ruleset)
    assert a == b
    assert all(x is not y for x, y in zip(a.fired, b.fired))
    assert all(x is not y for x, y in zip(a.caps, b.caps))
    assert a.merged_caps is not b.merged_caps


def test_the_quiet_rules_read_the_facts_by_place_and_fall_back_to_a_dict(monkeypatch):
    """Both rule sets' quiet rules are rebuilt over a tuple of the facts; when a condition cannot be (built
    otherwise than the loader builds them), the plan reads them from a dict, with the same screenings."""
    from revhyper.engine import screening
    from revhyper.rules.conditions import ConditionError

    cases = _profiles()
    for ruleset in {id(r): r for _, r in cases}.values():
        assert screening._Plan(ruleset).on_slots

    def refuse(*args, **kwargs):
        raise ConditionError([])

    monkeypatch.setattr(screening, "predicate_on_slots", refuse)
    for ruleset in {id(r): r for _, r in cases}.values():
        ruleset.memo.pop("screen plan", None)
        assert not screening._Plan(ruleset).on_slots
    try:
        differ = [i for i, (profile, ruleset) in enumerate(cases)
                  if not _same(screen(profile, ruleset, 3), plain_screen(profile, ruleset, 3))]
        assert not differ
    finally:
        for ruleset in {id(r): r for _, r in cases}.values():
            ruleset.memo.pop("screen plan", None)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ruleset_data(), st.data(), st.integers(1, 12))
def test_the_plan_screens_any_profile_with_any_valid_rule_set_as_the_plain_reading(rules_data, draw, week):
    rules = build(rules_data)
    for _ in range(3):
        profile = revhyper.profile_from_data(draw.draw(profile_dicts(rules)), ruleset=rules)
        assert _same(screen(profile, rules, week), plain_screen(profile, rules, week))

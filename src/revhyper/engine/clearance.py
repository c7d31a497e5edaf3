"""Which clinician's clearance counts for which rule: the clearance decision of screening. Pure.

A clearance counts for a rule that requires clearance only if

- it names the rule (``rules = [...]``),
- its ``role`` is one the rule's clearance policy lists,
- it is still valid on the first day of the week screened: ``date`` + the policy's ``valid_weeks`` is after it
  (week 1: ``training.start_date``; engine.screen_weeks screens again the week a clearance lapses, and a rule
  still needing it then ends the block there),
- it is not dated before what it clears: the latest surgery the rule reads (``weeks_since_surgery("x")`` or
  ``had_surgery("x")``), or for any other rule the start of the pain episode
  (``training.start_date`` - ``pain.duration_weeks``).

Surgery and episode dates and validity are all counted from ``training.start_date``; without it none of them
can be checked, and a clearance does not count (the reason says to add the start date). Deterministic: nothing
here reads today's date.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence

from .block import ClearanceRejection, RuleClearance
from ..profile.profile import Clearance, Profile
from ..rules.ruleset import ClearancePolicy, Rule
from .timeline import event_date, week_date

_SURGERY_READ = re.compile(r'^(?:weeks_since_surgery|had_surgery)\("(.+)"\)$')


def assess(profile: Profile, rules: Sequence[Rule], week: int = 1) -> tuple[RuleClearance, ...]:
    """For each rule (fired, requiring clearance): the clearance that counts for it in block week ``week``, or why
    none does."""
    start = profile.training.start_date
    on = week_date(start, week)
    clearances = profile.clearance
    surgeries = profile.history.surgeries
    episode = _episode(profile, start)  # what a rule clears when it reads no surgery the client had
    out = []
    for rule in rules:
        since = cleared_since(rule, profile, start) if surgeries else episode
        policy = rule.clearance or _NOBODY
        if clearances:
            out.append(assess_rule(rule.id, policy, clearances, on=on, since=since, week=week))
        else:  # none to count: as assess_rule finds
            out.append(RuleClearance(rule.id, policy.roles, policy.valid_weeks, None, (), None, since))
    return tuple(out)


def assess_rule(rule_id: str, policy: ClearancePolicy, clearances: tuple[Clearance, ...], *,
                on: dt.date | None, since: tuple[str, dt.date] | None, week: int = 1) -> RuleClearance:
    """Whether one of ``clearances`` counts for the rule on the date ``on`` (the block's start; None when not
    given). ``since``: (what it clears, its date), which a clearance may not predate."""
    rejected = []
    for index, clearance in enumerate(clearances):
        reasons = reasons_against(rule_id, policy, clearance, on=on, since=since, week=week)
        if not reasons:
            return RuleClearance(rule_id, policy.roles, policy.valid_weeks, index, (),
                                 expires(clearance, policy) - dt.timedelta(days=1), since)
        rejected.append(ClearanceRejection(index, reasons))
    return RuleClearance(rule_id, policy.roles, policy.valid_weeks, None, tuple(rejected), None, since)


def reasons_against(rule_id: str, policy: ClearancePolicy, clearance: Clearance, *, on: dt.date | None,
                    since: tuple[str, dt.date] | None, week: int = 1) -> tuple[str, ...]:
    """Why ``clearance`` does not count for the rule; empty when it counts."""
    if rule_id not in clearance.rules:
        named = ", ".join(clearance.rules) or "no rule"
        return (f"it does not name {rule_id} (it clears {named})",)
    reasons = []
    if clearance.role not in policy.roles:
        reasons.append(f"{_a(clearance.role)} may not clear this rule; it needs "
                       f"{' or '.join(_a(r) for r in policy.roles)}")
    if on is None:
        reasons.append("training.start_date is not given, so neither its validity "
                       f"({policy.valid_weeks} weeks from its date) nor whether it postdates what it clears can be "
                       "checked; add training.start_date")
        return tuple(reasons)
    until = expires(clearance, policy)
    if on >= until:
        reasons.append(f"it was valid for {policy.valid_weeks} weeks, until {(until - dt.timedelta(days=1)).isoformat()}; "
                       + (f"the block starts on {on.isoformat()}" if week == 1 else f"week {week} starts on {on.isoformat()}"))
    if since is not None and clearance.date < since[1]:
        reasons.append(f"it is dated {clearance.date.isoformat()}, before the {since[0]} it would clear "
                       f"({since[1].isoformat()})")
    return tuple(reasons)


def expires(clearance: Clearance, policy: ClearancePolicy) -> dt.date:
    """The first day a clearance no longer counts: its date + the policy's valid_weeks."""
    return clearance.date + dt.timedelta(weeks=policy.valid_weeks)


def lapses(profile: Profile, policies: dict[str, ClearancePolicy], after: dt.date, until: dt.date) -> tuple[dt.date, ...]:
    """The days in (``after``, ``until``] on which a clearance stops counting for a rule it names (``policies``: the
    rule set's rules that require clearance, by id): the weeks from which the clearance decision may change."""
    days = {expires(c, policies[r]) for c in profile.clearance for r in c.rules if r in policies}
    return tuple(sorted(d for d in days if after < d <= until))


def cleared_since(rule: Rule, profile: Profile, start: dt.date | None) -> tuple[str, dt.date] | None:
    """(what the rule's clearance clears, the date it began): the latest surgery the rule reads that the client had,
    else the pain episode. None without a start date (both are counted back from it)."""
    if start is None:
        return None
    procedures = surgeries_read(rule.when.reads)
    dates = [(d, s.procedure) for s in profile.history.surgeries
             if s.procedure in procedures and (d := event_date(s, start)) is not None]
    if dates:
        date, procedure = max(dates)
        return f"{_word(procedure)} surgery", date
    return _episode(profile, start)


def _episode(profile: Profile, start: dt.date | None) -> tuple[str, dt.date] | None:
    """("pain episode", the day it began: ``start`` - pain.duration_weeks); None without a start date."""
    if start is None:
        return None
    return "pain episode", start - dt.timedelta(days=round(profile.pain.duration_weeks * 7))


@functools.cache
def surgeries_read(reads: tuple[str, ...]) -> frozenset[str]:
    """The procedures a condition asks about (``weeks_since_surgery("microdiscectomy")`` -> microdiscectomy)."""
    return frozenset(m.group(1) for name in reads if (m := _SURGERY_READ.match(name)))


def unused(profile: Profile, required_by: tuple[str, ...]) -> tuple[str, ...]:
    """Warnings for rules a clearance names that do not apply to this client: it clears nothing there."""
    out = []
    for index, clearance in enumerate(profile.clearance):
        idle = [rule_id for rule_id in clearance.rules if rule_id not in required_by]
        if idle:
            out.append(f"{_first_upper(label(index, clearance))} names {', '.join(idle)}, which {'does' if len(idle) == 1 else 'do'} not apply to this client: "
                       "it clears nothing there. Check that the clearance belongs to this client.")
    return tuple(out)


def label(index: int, clearance: Clearance) -> str:
    """How people read a clearance: ``clearance 1 (physiotherapist A. Example, 2026-11-20)``; 1 is the first."""
    who = _word(clearance.role) + (f" {clearance.by}" if clearance.by else "")
    return f"clearance {index + 1} ({who}, {clearance.date.isoformat()})"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _a(role: str) -> str:
    return ("an " if role[:1] in "aeiou" else "a ") + _word(role)


def _word(name: str) -> str:
    return name.replace("_", " ")


_NOBODY = ClearancePolicy((), 0)
"""A rule built without a policy (only by code that bypasses the loader): nobody may clear it."""

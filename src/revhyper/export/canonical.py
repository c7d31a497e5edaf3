"""The canonical JSON form of a block: one explicit mapping, fixed key order, same bytes for same inputs.

docs/block.md documents every field; schemas/block.schema.json is its JSON Schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..engine.block import (
    AdaptationFired, AppliedAdaptation, AppliedCap, Block, Exercise, FiredRule, LoggedSession, Plan, ProgressInfo,
    RuleClearance, Session, Week, WeekPlan,
)
from .json_bytes import dumps_indented
from ..profile.profile import Clearance
from ..rules.ruleset import Caps, Referral


def block_to_dict(block: Block) -> dict[str, Any]:
    """The canonical form; a block ``revhyper progress`` wrote has ``progress`` and ``adaptations`` too, and its
    weeks a ``logged`` key (docs/block.md)."""
    start_caps, progressed = block.screening.merged_caps, block.progress is not None
    plans = block.week_plans
    if plans is not None and not progressed:  # as the engine derived them (block.WeekPlan): no Week objects made
        weeks = [_planned_week(plan, start_caps) for plan in plans]
    else:
        weeks = [_week(w, start_caps, progressed) for w in block.weeks]
    return canonical_with_weeks(block, weeks)


def canonical_with_weeks(block: Block, weeks: list[dict[str, Any]]) -> dict[str, Any]:
    """The canonical form of ``block`` with ``weeks`` (the week dicts) in place of its own (compact.py passes its
    own form of them)."""
    data = _block_dict(block, weeks)
    if block.progress is not None:
        data["progress"] = _progress(block.progress)
        data["adaptations"] = [_adaptation(a) for a in block.adaptations]
    return data


def _progress(info: ProgressInfo) -> dict[str, Any]:
    return {"log": {"file": info.log_file, "reader": info.log_reader, "sessions": info.sessions, "sets": info.sets},
            "done_weeks": info.done_weeks, "notes": list(info.notes)}


def _adaptation(a: AppliedAdaptation) -> dict[str, Any]:
    return {
        "week": a.week,
        "action": a.action,
        "change": a.change,
        "from_week": a.from_week,
        "rules": [_rule_fired(f) for f in a.rules],
        "entries": [{"date": d.isoformat(), "where": where} for d, where in a.entries],
    }


def _rule_fired(f: FiredRule | AdaptationFired) -> dict[str, Any]:
    """What a fired rule and a fired adaptation rule show alike; a fired rule adds its caps."""
    return {"id": f.id, "title": f.title, "action": f.action, "reason": f.reason,
            "source": {"key": f.source, "citation": f.citation}, "condition": f.condition,
            "values": {name: _value(value) for name, value in f.values}}


def _logged(session: LoggedSession) -> dict[str, Any]:
    return {"date": session.date.isoformat(), "pain_during": session.pain_during,
            "pain_next_morning": session.pain_next_morning, "where": session.where,
            "sets": [{"variant": s.variant, "set": s.set, "reps": s.reps, "load_kg": s.load_kg, "rpe": s.rpe,
                      "note": s.note} for s in session.sets]}  # LogEntry: its date and pain are the session's


def _block_dict(block: Block, weeks: list[dict[str, Any]]) -> dict[str, Any]:
    screening = block.screening
    return {
        "format": block.format,
        "generator": {"name": "revhyper", "version": block.generator_version},
        "ruleset": {"id": block.ruleset.id, "version": block.ruleset.version, "sha256": block.ruleset.sha256},
        "person_id": block.person_id,
        "status": block.status,
        "disclaimer": block.disclaimer,
        "referral": _referral(screening.referral),
        "screening": {
            "fired": [_fired(f) for f in screening.fired],
            "clearance": {
                "required_by": list(screening.clearance_required_by),
                "given": screening.clearance_given,
                "rules": [_rule_clearance(d) for d in screening.clearance_rules],
                "clearances": [_clearance(c) for c in screening.clearances],
                "restrictions_offered": [{"id": i, "description": d} for i, d in screening.restrictions_offered],
            },
            "restrictions": list(screening.restrictions),
        },
        "caps": {cap.name: _cap(cap) for cap in screening.caps},
        "plan": _plan(block.plan),
        "weeks": weeks,
        "adjustments": list(block.adjustments),
        "warnings": list(block.warnings),
        "notes": list(block.notes),
        "pain_rule": {
            "during": block.pain_rule.during,
            "after": block.pain_rule.after,
            "week_to_week": block.pain_rule.week_to_week,
            "if_exceeded": block.pain_rule.if_exceeded,
            "source": block.pain_rule.source,
        },
    }


def _rule_clearance(decision: RuleClearance) -> dict[str, Any]:
    return {
        "rule": decision.rule,
        "roles": list(decision.roles),
        "valid_weeks": decision.valid_weeks,
        "cleared_by": decision.cleared_by,
        "valid_until": decision.valid_until.isoformat() if decision.valid_until else None,
        "not_before": {"what": decision.since[0], "date": decision.since[1].isoformat()} if decision.since else None,
        "rejected": [{"clearance": r.clearance, "reasons": list(r.reasons)} for r in decision.rejected],
    }


def _clearance(clearance: Clearance) -> dict[str, Any]:
    return {"rules": list(clearance.rules), "role": clearance.role, "by": clearance.by,
            "date": clearance.date.isoformat(), "restrictions": list(clearance.restrictions)}


def block_to_json(block: Block) -> bytes:
    """Canonical JSON bytes: UTF-8, two-space indent, fixed key order, a final newline."""
    return dump_json(block_to_dict(block))


def dump_json(data: Any) -> bytes:
    """``data`` as canonical JSON bytes (two-space indent, UTF-8, a final newline); see json_bytes.py."""
    return dumps_indented(data) + b"\n"


def caps_to_dict(caps: Caps) -> dict[str, Any]:
    return {name: _value(value) for name, value in caps.items()}


def _value(value: Any) -> Any:
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _referral(referral: Referral | None) -> dict[str, Any] | None:
    if referral is None:
        return None
    return {"urgency": referral.urgency, "to": referral.to, "message": referral.message}


def _fired(f: FiredRule) -> dict[str, Any]:
    out = _rule_fired(f)
    out["caps"] = caps_to_dict(f.caps) if f.caps else {}
    return out


def _cap(cap: AppliedCap) -> dict[str, Any]:
    return {
        "value": _value(cap.value),
        "meaning": cap.meaning,
        "set_by": list(cap.set_by),
        "also_asked": [{"by": who, "value": _value(value)} for who, value in cap.also_asked],
    }


def _plan(plan: Plan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {
        "goal": plan.goal,
        "program": plan.program_name,
        "experience": plan.experience,
        "variant": {"id": plan.variant, "name": plan.variant_name},
        "weeks": plan.weeks,
        "days_per_week": plan.days_per_week,
        "start_date": plan.start_date.isoformat() if plan.start_date else None,
        "working_load_kg": plan.working_load_kg,
        "load_increment_kg": plan.load_increment_kg,
    }


def _week(week: Week, start_caps: Caps, progressed: bool = False) -> dict[str, Any]:
    exercise_dicts: dict[int, dict[str, Any]] = {}
    return week_dict(week, start_caps, progressed, {"id": week.phase, "name": week.phase_name},
                     [_session(s, exercise_dicts) for s in week.sessions])


def _planned_week(plan: WeekPlan, start_caps: Caps) -> dict[str, Any]:
    """:func:`_week` of ``plan.week()``, from the plan's values."""
    exercises = [_exercise_dict(values) for values in plan.exercises]  # shared by the week's sessions, as _week's
    first = plan.first
    sessions = [{"number": n, "index": first + n, "date": date, "exercises": list(exercises)}
                for n, date in enumerate(week_dates(plan.start, plan.days), 1)]
    return week_dict(plan, start_caps, False, {"id": plan.phase, "name": plan.phase_name}, sessions)


_WEEK_DATES: dict[tuple[Any, tuple[int, ...]], tuple[str | None, ...]] = {}


def week_dates(start: dt.date | None, days: tuple[int, ...]) -> tuple[str | None, ...]:
    """The dates of a planned week's sessions as text (block.WeekPlan), kept: blocks written together (a batch,
    a service) share their weeks, so each week's are formatted once."""
    key = (start, days)
    texts = _WEEK_DATES.get(key)
    if texts is None:
        if len(_WEEK_DATES) >= 4_096:
            _WEEK_DATES.clear()
        texts = _WEEK_DATES[key] = ((None,) * len(days) if start is None else
                                    tuple((start + dt.timedelta(days=day)).isoformat() for day in days))
    return texts


def week_dict(week: Week | WeekPlan, start_caps: Caps, progressed: bool, phase: Any,
              sessions: list[Any]) -> dict[str, Any]:
    """A week's keys in order, with ``phase`` and ``sessions`` as the form writes them (compact.py refers to both)."""
    out = {
        "number": week.number,
        "phase": phase,
        "deload": week.deload,
        "rules": list(week.rules),
        "caps": None if week.caps is start_caps or week.caps == start_caps else caps_to_dict(week.caps),
        "sessions": sessions,
    }
    if progressed:  # null: a week still to come; a list (maybe empty: missed): a week done
        assert isinstance(week, Week), "a progressed block's weeks are Week objects"
        out["logged"] = None if week.logged is None else [_logged(s) for s in week.logged]
    return out


def _session(session: Session, cache: dict[int, dict[str, Any]]) -> dict[str, Any]:
    return {
        "number": session.number,
        "index": session.index,
        "date": session.date.isoformat() if session.date else None,
        "exercises": [_exercise(e, cache) for e in session.exercises],
    }


def _exercise(e: Exercise, cache: dict[int, dict[str, Any]]) -> dict[str, Any]:
    key = id(e)
    out = cache.get(key)
    if out is None:  # sessions of a week share one exercise object
        out = cache[key] = _exercise_dict(e.field_values())
    return out


def _exercise_dict(values: tuple[Any, ...]) -> dict[str, Any]:
    """An exercise from its field values in order (block.WeekPlan's form)."""
    (variant, name, sets, reps, load_kg, load_percent, tempo, rom_percent, rest_seconds, cues, reps_range, target_rpe,
     target_rir) = values
    out = {
        "variant": variant,
        "name": name,
        "sets": sets,
        "reps": reps,
        "load_kg": load_kg,
        "load_percent": load_percent,
        "tempo": tempo,
        "rom_percent": rom_percent,
        "rest_seconds": rest_seconds,
        "cues": list(cues),
    }
    if reps_range is not None:  # double progression: only such exercises have these keys
        out["reps_range"] = list(reps_range)
        if target_rpe is not None:  # the target effort as the phase gives it: RPE or repetitions in reserve
            out["target_rpe"] = target_rpe
        else:
            out["target_rir"] = target_rir
    return out

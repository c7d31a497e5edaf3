"""The trace of a generation, in plain language: why a client got what they got.

``explain(profile, ruleset)`` returns a plain dict (JSON-ready); ``explain_to_text`` renders it. Every number
in the week-by-week part is derived step by step from the phase, its progression, the experience level and
the caps, and the tests check it equals the generated block's number.
"""

from __future__ import annotations

import math
from typing import Any

from ..export.canonical import caps_to_dict
from .clearance import label
from .engine import choose_variant, excluded_because, generate, mass_reason, program_goal
from ..errors import printable
from .periodization import allocate_weeks, derive_load, number, rep_values, reps_and_load_index
from ..profile.profile import Profile
from ..rules.ruleset import Progression, RuleSet
from .screening import facts_for


def explain(profile: Profile, ruleset: RuleSet, *, block: Any = None, log: Any = None) -> dict[str, Any]:
    """The trace of ``generate``; with a ``block`` and its training ``log``, also of ``progress`` (key ``progress``:
    each week's log facts, the adaptation rules that fired and the step that follows, read from progress's own
    decisions)."""
    trace = _explain(profile, ruleset)
    if block is not None and log is not None:
        trace["progress"] = progress_explained(profile, block, log, ruleset)
        trace["status"] = trace["progress"]["status"]
    return trace


def progress_explained(profile: Profile, block: Any, log: Any, ruleset: RuleSet) -> dict[str, Any]:
    from .adapt import progress_trace

    adapted, decisions = progress_trace(profile, block, log, ruleset)
    weeks = []
    for d in decisions:
        assert d.exercise is not None, "progress_trace gives every decision its week's exercise"
        entry: dict[str, Any] = {
            "week": d.week, "phase": d.step.phase.id, "training_week_in_phase": d.step.k + 1, "deload": d.step.deload,
            "done": d.done, "step": max(d.level, 1) if d.step.deload else d.level + 1,
            "prescribed": {"sets": d.exercise.sets, "reps": d.exercise.reps, "load_kg": d.exercise.load_kg,
                           "rom_percent": d.exercise.rom_percent},
        }
        if d.facts:
            entry["log"] = {k: v for k, v in d.facts.items() if k.startswith("log.")}
            entry["fired"] = [{"id": f.id, "action": f.action, "condition": f.condition, "values": dict(f.values),
                               "source": {"key": f.source, "citation": f.citation}} for f in d.fired]
            entry["action"] = d.action
            entry["next_step"] = d.next_level + 1
            entry["applied"] = d.applied
            entry["note"] = d.note
        weeks.append(entry)
    return {"status": adapted.status, "done_weeks": adapted.progress.done_weeks if adapted.progress else 0,
            "notes": list(adapted.progress.notes) if adapted.progress else [],
            "weeks": weeks, "adaptations": [a.change for a in adapted.adaptations]}


def _explain(profile: Profile, ruleset: RuleSet) -> dict[str, Any]:
    block = generate(profile, ruleset)
    facts = facts_for(profile)
    fired = {f.id for f in block.screening.fired}
    rules = []
    for rule in ruleset.rules:
        values = {}
        for name in rule.when.reads:
            if name.startswith("params."):
                values[name] = ruleset.parameters[name[7:]]
            elif "(" in name:
                function, _, rest = name.partition("(")
                values[name] = facts[f"{function}:{rest.strip(')').strip(chr(34))}"]
            else:
                value = facts[name]
                values[name] = sorted(value) if isinstance(value, frozenset) else value
        rules.append({
            "id": rule.id, "title": rule.title, "condition": rule.when.text, "values": values,
            "fired": rule.id in fired, "action": rule.action, "reason": rule.reason,
            "source": {"key": rule.source, "citation": ruleset.references[rule.source].citation},
            "caps": caps_to_dict(rule.caps) if rule.caps else {},
        })
    trace: dict[str, Any] = {
        "ruleset": {"id": ruleset.id, "version": ruleset.version, "sha256": ruleset.sha256, "extends": list(ruleset.extends),
                    "disabled": [{"rule": r, "reason": why, "file": f} for r, why, f in ruleset.disabled]},
        "status": block.status,
        "status_because": _status_because(block),
        "rules": rules,
        "restrictions": [{"name": r, "caps": caps_to_dict(ruleset.restrictions[r].caps)} for r in profile.restrictions],
        "clearance": _clearance_trace(block.screening),
        "caps": [{"name": c.name, "value": sorted(c.value) if isinstance(c.value, frozenset) else c.value,
                  "meaning": c.meaning, "set_by": list(c.set_by),
                  "also_asked": [{"by": who, "value": sorted(v) if isinstance(v, frozenset) else v} for who, v in c.also_asked]}
                 for c in block.screening.caps],
    }
    if block.status == "generated" and block.plan is not None:
        trace.update(_plan_trace(profile, ruleset, block))
    return trace


def _status_because(block) -> str:
    screening = block.screening
    if block.status == "refused":
        refusing = [f.id for f in screening.fired if f.action == "refuse"]
        if refusing:
            return f"refused because {', '.join(refusing)} fired; a refusal cannot be cleared"
        return "refused because no exercise variant suits the equipment and caps"
    if block.status == "needs_clearance":
        missing = [d.rule for d in screening.clearance_rules if d.cleared_by is None]
        return (f"needs clearance because {', '.join(missing)} {'requires' if len(missing) == 1 else 'require'} "
                f"clearance and no clearance in the profile counts for {'it' if len(missing) == 1 else 'them'} (see Clearance)")
    if screening.clearance_required_by:
        return (f"generated: {', '.join(screening.clearance_required_by)} required clearance, and a clearance in the "
                "profile counts for each")
    return "generated: no rule refused or required clearance"


def _clearance_trace(screening) -> dict[str, Any]:
    """Why each clearance counted or not, from the screening's own decision (never decided again here)."""
    given = screening.clearances
    rules = []
    for decision in screening.clearance_rules:
        entry: dict[str, Any] = {"rule": decision.rule, "roles": list(decision.roles),
                                 "valid_weeks": decision.valid_weeks}
        if decision.cleared_by is not None:
            entry["cleared_by"] = label(decision.cleared_by, given[decision.cleared_by])
            entry["valid_until"] = decision.valid_until.isoformat() if decision.valid_until else None
        else:
            entry["cleared_by"] = None
            entry["rejected"] = [{"clearance": label(r.clearance, given[r.clearance]), "reasons": list(r.reasons)}
                                 for r in decision.rejected]
        rules.append(entry)
    return {"given": [{"clearance": label(i, c), "rules": list(c.rules), "restrictions": list(c.restrictions)}
                      for i, c in enumerate(given)],
            "rules": rules, "warnings": list(screening.clearance_warnings)}


def _plan_trace(profile: Profile, ruleset: RuleSet, block) -> dict[str, Any]:
    caps = block.screening.merged_caps
    training = profile.training
    have = set(training.equipment)
    variants = []
    body_mass = profile.person.body_mass_kg
    for variant_id in ruleset.variant_preference:
        variant = ruleset.variants[variant_id]
        excluded = excluded_because(variant, have, caps, body_mass)
        if excluded == "caps":
            why = f"excluded: caps avoid {', '.join(sorted(variant.tags & caps.avoid_tags))}"
        elif excluded == "equipment":
            why = f"excluded: needs {' or '.join(variant.equipment_any)}, not in training.equipment"
        elif excluded == "body_mass" and body_mass is not None:
            why = f"excluded: {mass_reason(variant, body_mass)}"
        else:
            why = "chosen: first in the rule set's preference that the equipment, caps and body mass allow"
        variants.append({"variant": variant_id, "verdict": why})
        if why.startswith("chosen"):
            break
    chosen = choose_variant(ruleset, training.equipment, caps, body_mass)
    assert chosen is not None, "only a generated block is traced, and it has a variant"
    level = ruleset.experience[training.experience]
    days = min(max(training.days_per_week, level.min_days), level.max_days)
    days_steps = [f"requested {training.days_per_week}",
                  f"{training.experience} range {level.min_days}-{level.max_days} -> {days}"]
    session_caps = [w.caps.max_sessions_per_week for w in block.weeks if w.caps.max_sessions_per_week is not None]
    if session_caps and days > min(session_caps):
        days = min(session_caps)
        days_steps.append(f"cap max_sessions_per_week {days} (the strictest of any week: one number for the block) "
                          f"-> {days}")
    assert days == block.plan.days_per_week, "explain follows the engine"
    goal = program_goal(training.goal, caps)
    program = ruleset.programs[goal]
    program_set_by = next((list(c.set_by) for c in block.screening.caps if c.name == "program"), [])
    weeks = training.weeks or ruleset.default_weeks
    allocation = allocate_weeks([p.weeks for p in program.phases], weeks)
    increment = training.load_increment_kg or ruleset.load_increment_kg
    week_traces = []
    done: dict[str, int] = {}
    phases = [phase for phase, n in zip(program.phases, allocation) for _ in range(n)]
    previous = block.weeks[0]
    for number_, phase in enumerate(phases[:len(block.weeks)], start=1):
        week = block.weeks[number_ - 1]
        caps = week.caps  # the engine's caps of this week (they may lift during the block)
        loaded = training.working_load_kg is not None and chosen.loadable and not caps.bodyweight_only
        rules_steps = _rules_text(previous, week, number_)
        previous = week
        deload = program.deload_every > 0 and number_ % program.deload_every == 0
        k = max(done.get(phase.id, 0) - 1, 0) if deload else done.get(phase.id, 0)
        if not deload:
            done[phase.id] = done.get(phase.id, 0) + 1
        sets = round(phase.sets.at(k))
        sets_steps = [_progression_text("sets", phase.sets, k, sets)]
        limit = min(sets, level.max_sets, caps.max_sets or sets)
        if limit != sets:
            sets_steps.append(f"limited to {limit} (experience max_sets {level.max_sets}"
                              + (f", cap max_sets {caps.max_sets})" if caps.max_sets else ")"))
        sets = limit
        if deload:
            lighter = max(1, math.floor(sets * program.deload_volume_percent / 100 + 1e-9))
            sets_steps.append(f"deload: {sets} x {program.deload_volume_percent:g} % rounded down, at least 1 -> {lighter}")
            sets = lighter
        reps, load_index = reps_and_load_index(phase, k)
        reps_steps = [_progression_text("reps", phase.reps, k, reps) if phase.reps_range is None
                      else _double_progression_text(phase, k, reps, load_index)]
        if caps.max_reps is not None and reps > caps.max_reps:
            reps = caps.max_reps
            reps_steps.append(f"cap max_reps -> {reps}")
        rom = phase.rom_percent.at(k)
        rom_steps = [_progression_text("rom_percent", phase.rom_percent, k, rom)]
        if caps.max_rom_percent is not None and rom > caps.max_rom_percent:
            rom = caps.max_rom_percent
            rom_steps.append(f"cap max_rom_percent -> {number(rom)}")
        rest = phase.rest_seconds if caps.min_rest_seconds is None else max(phase.rest_seconds, caps.min_rest_seconds)
        load_kg = load_percent = None
        if phase.load != "percent" or phase.load_percent is None:
            load_steps = ["the phase is bodyweight"]
        elif not loaded:
            load_steps = ["bodyweight: " + ("cap bodyweight_only" if caps.bodyweight_only else
                                            "the variant takes no added load" if not chosen.loadable else
                                            "no working load in the profile")]
        else:
            working = training.working_load_kg
            assert working is not None, "loaded only with a working load"
            load = derive_load(phase.load_percent.at(load_index), level, caps, working, increment)
            load_steps = [_progression_text("load_percent", phase.load_percent, load_index, load.percent)
                          + (f" (load step {load_index} of the double progression)" if phase.reps_range else "")]
            if load.limited != load.percent:
                load_steps.append(f"limited to {number(load.limited)} % (experience max {level.max_load_percent:g} %"
                                  + (f", cap max_load_percent {caps.max_load_percent:g} %)" if caps.max_load_percent is not None else ")"))
            load_steps.append(f"{working:g} kg x {number(load.limited)} % = "
                              f"{working * load.limited / 100:.3f} kg, down to a {increment:g} kg step -> {load.kg:g} kg")
            if load.capped_kg != load.kg:
                load_steps.append(f"cap max_load_kg -> {load.capped_kg:g} kg")
            load_kg, load_percent = load.load_kg, load.load_percent
            if load_kg is None:
                load_steps.append("less than one load step: bodyweight")
        week_traces.append({
            "week": number_, "phase": phase.id, "training_week_in_phase": k + 1, "deload": deload,
            "rules": list(week.rules), "rules_changed": rules_steps,
            "caps": {name: sorted(v) if isinstance(v, frozenset) else v for name, v in caps.items()},
            "sets": sets, "reps": reps, "rom_percent": number(rom), "rest_seconds": rest,
            "load_kg": load_kg, "load_percent": load_percent,
            "derivation": {"sets": sets_steps, "reps": reps_steps, "rom_percent": rom_steps, "load": load_steps},
        })
    return {
        "program": {"goal": goal, "name": program.name, "requested": training.goal,
                    "forced_by": program_set_by if goal != training.goal else []},
        "variant": {"chosen": chosen.id, "considered": variants},
        "days_per_week": {"value": days, "steps": days_steps},
        "weeks": {"value": len(block.weeks), "planned": weeks,
                  "from": "training.weeks" if training.weeks else "rule set default_weeks",
                  "phases": [{"phase": p.id, "share": p.weeks, "weeks": n} for p, n in zip(program.phases, allocation)],
                  "deload_every": program.deload_every},
        "week_by_week": week_traces,
        "adjustments": list(block.adjustments),
    }


def _rules_text(previous, week, number_: int) -> list[str]:
    """What changed in the rules that apply, from the week before (the engine's per-week screening)."""
    if number_ == 1:
        return []
    before, now = set(previous.rules), set(week.rules)
    steps = [f"{r} stops applying" for r in previous.rules if r not in now]
    steps += [f"{r} starts applying" for r in week.rules if r not in before]
    if previous.caps != week.caps:
        lifted = [name for name, _ in previous.caps.items() if getattr(week.caps, name) in (None, False, frozenset())]
        changed = [f"{name} {_show(_plain(getattr(previous.caps, name)))} -> {_show(_plain(value))}"
                   for name, value in week.caps.items() if getattr(previous.caps, name) != value]
        steps += [f"cap {name} lifted" for name in lifted] + [f"cap {c}" for c in changed]
        if previous.caps.program != week.caps.program:  # the engine chooses the programme once, from the start's caps
            steps.append("the programme is kept for the whole block")
    return steps


def _plain(value: Any) -> Any:
    return sorted(value) if isinstance(value, frozenset) else value


def _double_progression_text(phase, k: int, reps: int, load_index: int) -> str:
    values = rep_values(phase)
    effort = (f"RPE {number(phase.target_rpe)}" if phase.target_rpe is not None
              else f"{number(phase.target_rir or 0)} repetitions in reserve")
    return (f"reps {reps}: double progression in {values[0]}-{values[-1]} ({', '.join(map(str, values))}) at {effort}, "
            f"training week {k + 1} -> value {k % len(values) + 1} at load step {load_index}"
            + (" (the load is at its limit: the top of the range)" if k // len(values) > load_index else ""))


def _progression_text(name: str, progression: Progression, k: int, value: float) -> str:
    if not progression.step:
        return f"{name} {number(value)} (fixed in the phase)"
    limit = "" if progression.limit is None else f", limit {number(progression.limit)}"
    return (f"{name} {number(progression.start)} {'+' if progression.step > 0 else '-'} {abs(progression.step):g} x {k}"
            f"{limit} -> {number(value)}")


def explain_to_text(trace: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    rs = trace["ruleset"]
    add(f"Rule set {rs['id']} {rs['version']} (sha256 {rs['sha256'][:12]})"
        + (f", extends {' <- '.join(rs['extends'])}" if rs["extends"] else ""))
    for d in rs["disabled"]:
        add(f"  disabled: {d['rule']} ({d['reason']}; {d['file']})")
    add(f"Status: {trace['status']} ({trace['status_because']})")
    add("")
    add("Rules, in the rule set's order")
    for rule in trace["rules"]:
        mark = "FIRED" if rule["fired"] else "no   "
        add(f"  {mark} {rule['id']} [{rule['action']}]: {rule['condition']}")
        values = ", ".join(f"{k} = {_show(v)}" for k, v in rule["values"].items())
        add(f"        read: {values}")
        if rule["fired"]:
            add(f"        why: {rule['reason']}")
            add(f"        source: {rule['source']['citation']}")
    _clearance_text(trace["clearance"], add)
    if trace["restrictions"]:
        add("")
        add("Clearance restrictions (from every clearance, counted or not): "
            + ", ".join(r["name"] for r in trace["restrictions"]))
    if trace["caps"]:
        add("")
        add("Caps (the strictest of each kind wins)")
        for cap in trace["caps"]:
            weaker = "; weaker: " + ", ".join(f"{a['by']} {_show(a['value'])}" for a in cap["also_asked"]) if cap["also_asked"] else ""
            add(f"  {cap['name']} = {_show(cap['value'])} from {', '.join(cap['set_by'])}{weaker}")
    if "week_by_week" in trace:
        add("")
        p = trace["program"]
        add(f"Programme: {p['name']} ({p['goal']})" + (f", not the goal {p['requested']}: the cap program from "
                                                       f"{', '.join(p['forced_by'])}" if p["forced_by"] else ""))
        add("Variant: " + "; ".join(f"{v['variant']} {v['verdict']}" for v in trace["variant"]["considered"]))
        add("Sessions a week: " + "; ".join(trace["days_per_week"]["steps"]))
        w = trace["weeks"]
        add(f"Weeks: {w['value']}" + (f" of {w['planned']} planned (the block ends early, see adjustments)"
                                      if w["value"] != w["planned"] else "")
            + f" ({w['from']}); phases " + ", ".join(f"{p['phase']} {p['weeks']}" for p in w["phases"])
            + (f"; every {w['deload_every']}th week lighter" if w["deload_every"] else ""))
        for adjustment in trace["adjustments"]:
            add(f"  {adjustment}")
        add("")
        for week in trace["week_by_week"]:
            add(f"Week {week['week']}: {week['phase']}, training week {week['training_week_in_phase']} of the phase"
                + (" (deload)" if week["deload"] else ""))
            if week["week"] == 1 or week["rules_changed"]:
                add("  rules: " + (", ".join(week["rules"]) or "none")
                    + (f" ({'; '.join(week['rules_changed'])})" if week["rules_changed"] else ""))
                add("  caps: " + (", ".join(f"{k} = {_show(v)}" for k, v in week["caps"].items()) or "none"))
            for key in ("sets", "reps", "rom_percent", "load"):
                add(f"  {key}: " + "; ".join(week["derivation"][key]))
    if "progress" in trace:
        _progress_text(trace["progress"], add)
    return "\n".join(printable(line) for part in lines for line in part.split("\n")) + "\n"


def _progress_text(progress: dict[str, Any], add) -> None:
    add("")
    add(f"Progress from the log: {progress['done_weeks']} week(s) done; status {progress['status']}")
    for note in progress["notes"]:
        add(f"  note: {note}")
    for week in progress["weeks"]:
        head = (f"Week {week['week']}: step {week['step']} ({week['phase']}, training week "
                f"{week['training_week_in_phase']}{', deload' if week['deload'] else ''}); prescribed "
                f"{week['prescribed']['sets']} x {week['prescribed']['reps']}"
                + (f" at {week['prescribed']['load_kg']:g} kg" if week["prescribed"]["load_kg"] is not None else "")
                + f", range {week['prescribed']['rom_percent']:g} %")
        if "log" not in week:
            add(head + " (to come)" if not week["done"] else head)
            continue
        add(head)
        add("  log: " + ", ".join(f"{k[4:]} = {_show(v)}" for k, v in week["log"].items()))
        for rule in week["fired"]:
            add(f"  FIRED {rule['id']} [{rule['action']}]: {rule['condition']}")
            add("        read: " + ", ".join(f"{k} = {_show(v)}" for k, v in rule["values"].items()))
        add(f"  -> {week['action'].replace('_', ' ')}: next step {week['next_step']}"
            + ("" if week["applied"] else " (the block had already prescribed the next week: what it did counts)")
            + (f"; {week['note']}" if week["note"] else ""))
    for change in progress["adaptations"]:
        add(f"  adaptation: {change}")


def _clearance_text(clearance: dict[str, Any], add) -> None:
    if not clearance["given"] and not clearance["rules"]:
        return
    add("")
    add("Clearance")
    for c in clearance["given"]:
        add(f"  given: {c['clearance']}: clears {', '.join(c['rules']) or 'no rule'}"
            + (f"; restrictions {', '.join(c['restrictions'])}" if c["restrictions"] else ""))
    if not clearance["given"]:
        add("  given: none")
    for rule in clearance["rules"]:
        head = f"  {rule['rule']} (may clear: {', '.join(rule['roles'])}; valid {rule['valid_weeks']} weeks): "
        if rule["cleared_by"] is not None:
            add(head + f"counted: {rule['cleared_by']}, valid until {rule['valid_until']}")
            continue
        add(head + "NOT cleared")
        for rejected in rule["rejected"]:
            add(f"        {rejected['clearance']} did not count: {'; '.join(rejected['reasons'])}")
        if not rule["rejected"]:
            add("        no clearance in the profile")
    for warning in clearance["warnings"]:
        add(f"  warning: {warning}")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "(not given)"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)

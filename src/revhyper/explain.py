"""The trace of a generation, in plain language: why a client got what they got.

``explain(profile, ruleset)`` returns a plain dict (JSON-ready); ``explain_to_text`` renders it. Every number
in the week-by-week part is derived step by step from the phase, its progression, the experience level and
the caps, and the tests check it equals the generated block's number.
"""

from __future__ import annotations

import math
from typing import Any

from .canonical import caps_to_dict
from .engine import choose_variant, generate
from .errors import printable
from .periodization import allocate_weeks, derive_load, number
from .profile import Profile
from .ruleset import Progression, RuleSet
from .screening import facts_for


def explain(profile: Profile, ruleset: RuleSet) -> dict[str, Any]:
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
        "restrictions": [{"name": r, "caps": caps_to_dict(ruleset.restrictions[r].caps)} for r in profile.clearance.restrictions],
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
        return (f"needs clearance because {', '.join(screening.clearance_required_by)} fired and the profile's "
                "clearance.cleared is false")
    if screening.clearance_required_by:
        return f"generated: {', '.join(screening.clearance_required_by)} required clearance, and the profile records it"
    return "generated: no rule refused or required clearance"


def _plan_trace(profile: Profile, ruleset: RuleSet, block) -> dict[str, Any]:
    caps = block.screening.merged_caps
    training = profile.training
    have = set(training.equipment)
    variants = []
    for variant_id in ruleset.variant_preference:
        variant = ruleset.variants[variant_id]
        if variant.tags & caps.avoid_tags:
            why = f"excluded: caps avoid {', '.join(sorted(variant.tags & caps.avoid_tags))}"
        elif variant.equipment_any and not have.intersection(variant.equipment_any):
            why = f"excluded: needs {' or '.join(variant.equipment_any)}, not in training.equipment"
        else:
            why = "chosen: first in the rule set's preference that the equipment and caps allow"
        variants.append({"variant": variant_id, "verdict": why})
        if why.startswith("chosen"):
            break
    chosen = choose_variant(ruleset, training.equipment, caps)
    assert chosen is not None, "only a generated block is traced, and it has a variant"
    level = ruleset.experience[training.experience]
    days = min(max(training.days_per_week, level.min_days), level.max_days)
    days_steps = [f"requested {training.days_per_week}",
                  f"{training.experience} range {level.min_days}-{level.max_days} -> {days}"]
    if caps.max_sessions_per_week is not None and days > caps.max_sessions_per_week:
        days = caps.max_sessions_per_week
        days_steps.append(f"cap max_sessions_per_week {caps.max_sessions_per_week} -> {days}")
    program = ruleset.programs[training.goal]
    weeks = training.weeks or ruleset.default_weeks
    allocation = allocate_weeks([p.weeks for p in program.phases], weeks)
    increment = training.load_increment_kg or ruleset.load_increment_kg
    loaded = training.working_load_kg is not None and chosen.loadable and not caps.bodyweight_only
    week_traces = []
    done: dict[str, int] = {}
    phases = [phase for phase, n in zip(program.phases, allocation) for _ in range(n)]
    for number_, phase in enumerate(phases, start=1):
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
        reps = round(phase.reps.at(k))
        reps_steps = [_progression_text("reps", phase.reps, k, reps)]
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
            load = derive_load(phase.load_percent.at(k), level, caps, working, increment)
            load_steps = [_progression_text("load_percent", phase.load_percent, k, load.percent)]
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
            "sets": sets, "reps": reps, "rom_percent": number(rom), "rest_seconds": rest,
            "load_kg": load_kg, "load_percent": load_percent,
            "derivation": {"sets": sets_steps, "reps": reps_steps, "rom_percent": rom_steps, "load": load_steps},
        })
    return {
        "variant": {"chosen": chosen.id, "considered": variants},
        "days_per_week": {"value": days, "steps": days_steps},
        "weeks": {"value": weeks, "from": "training.weeks" if training.weeks else "rule set default_weeks",
                  "phases": [{"phase": p.id, "share": p.weeks, "weeks": n} for p, n in zip(program.phases, allocation)],
                  "deload_every": program.deload_every},
        "week_by_week": week_traces,
    }


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
    if trace["restrictions"]:
        add("")
        add("Clearance restrictions: " + ", ".join(r["name"] for r in trace["restrictions"]))
    if trace["caps"]:
        add("")
        add("Caps (the strictest of each kind wins)")
        for cap in trace["caps"]:
            weaker = "; weaker: " + ", ".join(f"{a['by']} {_show(a['value'])}" for a in cap["also_asked"]) if cap["also_asked"] else ""
            add(f"  {cap['name']} = {_show(cap['value'])} from {', '.join(cap['set_by'])}{weaker}")
    if "week_by_week" in trace:
        add("")
        add("Variant: " + "; ".join(f"{v['variant']} {v['verdict']}" for v in trace["variant"]["considered"]))
        add("Sessions a week: " + "; ".join(trace["days_per_week"]["steps"]))
        w = trace["weeks"]
        add(f"Weeks: {w['value']} ({w['from']}); phases " + ", ".join(f"{p['phase']} {p['weeks']}" for p in w["phases"])
            + (f"; every {w['deload_every']}th week lighter" if w["deload_every"] else ""))
        add("")
        for week in trace["week_by_week"]:
            add(f"Week {week['week']}: {week['phase']}, training week {week['training_week_in_phase']} of the phase"
                + (" (deload)" if week["deload"] else ""))
            for key in ("sets", "reps", "rom_percent", "load"):
                add(f"  {key}: " + "; ".join(week["derivation"][key]))
    return "\n".join(printable(line) for part in lines for line in part.split("\n")) + "\n"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "(not given)"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)

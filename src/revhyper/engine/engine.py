"""From a profile and a rule set to a block: screen, choose the variant, periodize. Pure and deterministic."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from . import clearance
from .._version import __version__
from .block import Block, Plan, RulesetStamp, Screening
from .periodization import Step, number, week_plans
from ..profile.profile import Profile
from ..rules.ruleset import (
    PROGRAM_ORDER, Caps, ExperienceLevel, Phase, Program, Rule, RuleSet, Variant, memoized, own_copy,
)
from .screening import facts_for, profile_facts, screen
from .timeline import week_date


class PlanContext(NamedTuple):
    """What the weeks of a generated block are derived from; ``schedule`` callbacks (adapt.py) read it."""

    program: Program
    experience: ExperienceLevel
    caps: Sequence[Caps]  # the caps in force in each week
    variant: Variant
    weeks: int  # the block as planned
    days_per_week: int
    working_load_kg: float | None
    load_increment_kg: float
    cues_for: Callable[[Phase, bool, int], tuple[str, ...]]


Schedule = Callable[[PlanContext], Sequence[Step]]


def generate(profile: Profile, ruleset: RuleSet | None = None, *, schedule: Schedule | None = None) -> Block:
    """Screen ``profile`` with ``ruleset`` (the embedded default if None) and build the block.

    ``schedule`` (for ``revhyper progress``) chooses each week's step from the plan's context instead of the plan."""
    if ruleset is None:
        from ..rules.ruleset_loader import default_ruleset

        ruleset = default_ruleset()
    screening = screen(profile, ruleset)
    caps = screening.merged_caps
    training = profile.training
    body_mass = profile.person.body_mass_kg
    variant = choose_variant(ruleset, training.equipment, caps, body_mass)
    warnings = tuple(f"{f.title}: {f.reason}" for f in screening.fired if f.action == "warn") \
        + screening.clearance_warnings
    if screening.status != "refused":
        warnings += _mass_warnings(ruleset, training.equipment, caps, body_mass, variant)
    stamp = RulesetStamp(ruleset.id, ruleset.version, ruleset.sha256)
    base: dict[str, Any] = dict(
        generator_version=__version__,
        ruleset=stamp,
        person_id=profile.person.id,
        disclaimer=ruleset.disclaimer,
        warnings=warnings,
        notes=ruleset.notes,
        pain_rule=own_copy(ruleset.pain_monitoring),  # the block's own: see ruleset.own_copy
    )
    if screening.status == "refused":
        return Block(status="refused", screening=screening, plan=None, weeks=(), adjustments=(), **base)

    adjustments: list[str] = []
    if variant is None:  # before clearance: a clinician's clearance would not make a variant appear
        adjustments.append("No exercise variant suits the equipment listed and the caps that apply; no block was made. "
                           "Ask a clinician or coach for an alternative.")
        return Block(status="refused", screening=screening, plan=None, weeks=(), adjustments=tuple(adjustments), **base)
    if screening.status == "needs_clearance":
        return Block(status="needs_clearance", screening=screening, plan=None, weeks=(), adjustments=(), **base)
    preferred = ruleset.variants[ruleset.variant_preference[0]]
    if variant.id != preferred.id:
        why = _variant_reason(preferred, training.equipment, caps, body_mass)
        adjustments.append(f"Variant: {variant.name} ({why}).")

    planned = training.weeks or ruleset.default_weeks
    goal = program_goal(training.goal, caps)  # the start's caps: the programme runs the whole block
    by_week, changes, required = screen_weeks(profile, ruleset, screening, planned, variant, goal)
    weeks = len(by_week)
    distinct = list({id(s): s for s in by_week}.values()) if changes else [screening]
    if required != screening.clearance_required_by and profile.clearance:  # a rule that applies only later in the
        unused = clearance.unused(profile, required)                     # block uses a clearance too
        if unused != screening.clearance_warnings:
            kept = tuple(w for w in base["warnings"] if w not in screening.clearance_warnings)
            base["warnings"] = kept + unused

    experience = ruleset.experience[training.experience]
    days = min(max(training.days_per_week, experience.min_days), experience.max_days)
    if days != training.days_per_week:
        adjustments.append(f"Sessions a week: {days}, not {training.days_per_week}: {training.experience} lifters train "
                           f"{experience.min_days}-{experience.max_days} days a week in this rule set.")
    session_caps = [s for s in distinct if s.merged_caps.max_sessions_per_week is not None]
    if session_caps:  # one number of sessions for the whole block: the strictest of any week
        strictest = min(session_caps, key=lambda s: s.merged_caps.max_sessions_per_week or 0)
        most = strictest.merged_caps.max_sessions_per_week or 0
        if days > most:
            days = most
            adjustments.append(f"Sessions a week: {days}, capped by {_who(strictest, 'max_sessions_per_week')}"
                               + ("." if strictest is screening else f" (from week {by_week.index(strictest) + 1})."))

    program = ruleset.programs[goal]
    if goal != training.goal:
        whole = ""  # a programme's phases run across the block: it is not switched when a time-dependent cap lifts
        if changes and any(s.merged_caps.program != caps.program for s in distinct):
            whole = " It is kept for the whole block, also after the caps lift."
        adjustments.append(f"Programme: {program.name}, not {ruleset.programs[training.goal].name}, "
                           f"because of {_who(screening, 'program')}.{whole}")
    increment = training.load_increment_kg or ruleset.load_increment_kg
    uses_load = any(p.load == "percent" for p in program.phases)
    if uses_load:
        bodyweight = ([n for n, s in enumerate(by_week, start=1) if s.merged_caps.bodyweight_only] if changes
                      else list(range(1, weeks + 1)) if caps.bodyweight_only else [])
        if bodyweight:
            who = _who(by_week[bodyweight[0] - 1], "bodyweight_only")
            if len(bodyweight) == weeks:
                adjustments.append(f"Bodyweight only throughout, capped by {who}.")
            else:
                adjustments.append(f"Bodyweight only in weeks {_weeks_text(bodyweight)}, capped by {who}.")
        if len(bodyweight) < weeks:
            if not variant.loadable:
                adjustments.append(f"Bodyweight only: the {variant.name.lower()} takes no added load here.")
            elif training.working_load_kg is None:
                adjustments.append("Bodyweight only: no working load was given. Measure the client's 10-repetition load "
                                   "on the machine and add training.working_load_kg to prescribe load.")
    adjustments.extend(changes)

    if changes:
        rules_of = {id(s): tuple(f.id for f in s.fired) for s in distinct}
        week_caps, week_rules = [s.merged_caps for s in by_week], [rules_of[id(s)] for s in by_week]
    else:
        week_caps, week_rules = [caps] * weeks, [tuple(f.id for f in screening.fired)] * weeks
    cache: dict[tuple[str, bool, int], tuple[str, ...]] = {}  # by_week holds every screening keyed here by id

    def cues_for(phase: Phase, deload: bool, week: int) -> tuple[str, ...]:
        screened = by_week[week - 1]
        key = (phase.id, deload, id(screened))
        cues = cache.get(key)
        if cues is None:
            cues = cache[key] = exercise_cues(ruleset, variant, phase, deload, screened, week_rules[week - 1])
        return cues
    steps = None
    if schedule is not None:
        steps = schedule(PlanContext(program, experience, week_caps, variant, planned, days, training.working_load_kg,
                                     increment, cues_for))
    plans = week_plans(
        program=program, experience=experience, caps=week_caps, rules=week_rules, variant=variant, weeks=planned,
        days_per_week=days, start_date=training.start_date, working_load_kg=training.working_load_kg, load_increment_kg=increment,
        cues_for=cues_for, schedule=steps,
    )
    plan = Plan(goal, program.name, training.experience, variant.id, variant.name, weeks, days,
                training.start_date, training.working_load_kg, number(increment, 3))
    return Block.planned(plans, status="generated", screening=screening, plan=plan, adjustments=tuple(adjustments),
                         **base)


def screen_weeks(profile: Profile, ruleset: RuleSet, start: Screening, planned: int, variant: Variant,
                 goal: str | None = None) -> tuple[list[Screening], list[str], tuple[str, ...]]:
    """The screening in force in each week of the block, a line for each change, and the rules that require
    clearance in any week screened (also the week that ends the block).

    Week 1 is ``start``. Only rules that read a time-dependent fact (weeks since a surgery or an injection) can
    change from week to week, so only they are evaluated each week, and the profile is screened again only when
    the set of them that fires changes or a clearance stops being valid. A week whose screening refuses, needs a
    clearance the profile does not give (also one that has lapsed by then), excludes the block's variant or asks
    for a more conservative programme than the block's ``goal`` (chosen once, at the start) ends the block before
    it, and the line says why.
    """
    by_week = [start]
    timed = _timed_rules(profile, ruleset)
    first_day, last_day = profile.training.start_date, week_date(profile.training.start_date, planned)
    lapses: tuple = ()
    if profile.clearance and first_day is not None and last_day is not None:
        policies = {r.id: r.clearance for r in ruleset.rules if r.action == "require_clearance" and r.clearance}
        lapses = clearance.lapses(profile, policies, first_day, last_day)
    if (not timed and not lapses) or planned == 1:
        return by_week * planned, [], start.clearance_required_by
    base = profile_facts(profile)
    facts = facts_for(profile, 1, base)
    fired = tuple(r.id for r in timed if r.when(facts))
    key = (fired, 0)
    seen = {key: start}
    changes: list[str] = []
    required = start.clearance_required_by
    for week in range(2, planned + 1):
        facts = facts_for(profile, week, base)
        now = tuple(r.id for r in timed if r.when(facts))
        day = week_date(first_day, week)
        now_key = (now, sum(1 for d in lapses if day is not None and d <= day))
        if now_key == key:
            by_week.append(by_week[-1])
            continue
        screened = seen.get(now_key) or screen(profile, ruleset, week)
        seen[now_key] = screened
        key = now_key
        required += tuple(r for r in screened.clearance_required_by if r not in required)
        when = _week_text(profile, week)
        stop = _stops(screened, variant, goal)
        if stop:
            changes.append(f"The block ends after week {week - 1}: from {when}, {stop}. Screen the client again "
                           "before planning on.")
            break
        if now == fired:  # only a clearance lapsed, and no rule needs it any more: the week is as before
            by_week.append(by_week[-1])
            continue
        before, after = set(fired), set(now)
        parts = []
        if before - after:
            parts.append(f"{', '.join(r for r in fired if r not in after)} no longer "
                         + ("applies" if len(before - after) == 1 else "apply"))
        if after - before:
            parts.append(f"{', '.join(r for r in now if r not in before)} "
                         + ("applies" if len(after - before) == 1 else "apply"))
        caps_text = ", ".join(f"{name} {_value_text(value)}" for name, value in screened.merged_caps.items())
        changes.append(f"From {when}: {'; '.join(parts)}; caps from then: {caps_text or 'none'}.")
        by_week.append(screened)
        fired = now
    return by_week, changes, required


def _timed_rules(profile: Profile, ruleset: RuleSet) -> tuple[Rule, ...]:
    """The rules that read weeks since a surgery or an injection this profile has: the only ones whose outcome can
    change from week to week (weeks since an operation the client never had are missing in every week)."""
    history = profile.history
    if not history.surgeries and not history.injections:
        return ()
    has = {f'weeks_since_surgery("{s.procedure}")' for s in history.surgeries}
    if history.injections:
        has.add("weeks_since_injection()")
    return tuple(r for r in ruleset.rules if any(name in has for name in r.when.reads))


def _stops(screened: Screening, variant: Variant, goal: str | None = None) -> str | None:
    if screened.status == "refused":
        refusing = [f for f in screened.fired if f.action == "refuse"]
        return "; ".join(f"{f.id} refuses ({f.title}: {f.reason})" for f in refusing)
    if screened.status == "needs_clearance":
        why = "; ".join(f"{clearance.label(r.clearance, screened.clearances[r.clearance])}: {', '.join(r.reasons)}"
                        for d in screened.clearance_rules if d.cleared_by is None for r in d.rejected
                        if d.rule in screened.clearances[r.clearance].rules)  # one naming the rule
        return (f"{', '.join(screened.clearance_required_by)} needs a clinician's clearance the profile does not give"
                + (f" ({why})" if why else ""))
    if variant.tags & screened.merged_caps.avoid_tags:
        return f"the caps exclude {', '.join(sorted(variant.tags & screened.merged_caps.avoid_tags))} exercises"
    program = screened.merged_caps.program
    if program is not None and goal is not None and PROGRAM_ORDER.index(program) < PROGRAM_ORDER.index(goal):
        return f"{_who(screened, 'program')} asks for the {program} programme, more conservative than this block's {goal}"
    return None


def _week_text(profile: Profile, week: int) -> str:
    day = week_date(profile.training.start_date, week)
    return f"week {week}" + (f" ({day.isoformat()})" if day else "")


def _weeks_text(numbers: list[int]) -> str:
    """[1, 2, 3, 6] -> "1-3, 6"."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, frozenset):
        return "[" + ", ".join(sorted(value)) + "]"
    if isinstance(value, str):  # the program cap names a programme
        return value
    return f"{number(value)}"


def program_goal(goal: str, caps: Caps) -> str:
    """The goal whose program the block follows: the client's, unless a cap asks for a more conservative one.

    A cap only ever holds a client back: a ``program`` cap less conservative than the client's own goal (a rule
    asking for the general programme of a client in rehabilitation) leaves the client's programme as it is."""
    if caps.program is None or PROGRAM_ORDER.index(caps.program) >= PROGRAM_ORDER.index(goal):
        return goal
    return caps.program


def choose_variant(ruleset: RuleSet, equipment: tuple[str, ...], caps: Caps,
                   body_mass_kg: float | None = None) -> Variant | None:
    """The first variant in the rule set's preference that the equipment allows, no cap excludes and the
    client's body mass does not exceed."""
    have = set(equipment)
    for variant_id in ruleset.variant_preference:
        variant = ruleset.variants[variant_id]
        if excluded_because(variant, have, caps, body_mass_kg) is None:
            return variant
    return None


def excluded_because(variant: Variant, have: set[str], caps: Caps, body_mass_kg: float | None) -> str | None:
    """Why ``variant`` cannot be used: ``"caps"``, ``"equipment"`` or ``"body_mass"``; None if it can."""
    if variant.tags & caps.avoid_tags:
        return "caps"
    if variant.equipment_any and not have.intersection(variant.equipment_any):
        return "equipment"
    if body_mass_kg is not None and variant.max_user_mass_kg is not None and body_mass_kg > variant.max_user_mass_kg:
        return "body_mass"
    return None


def mass_reason(variant: Variant, body_mass_kg: float) -> str:
    return (f"body mass {number(body_mass_kg)} kg is over the {number(variant.max_user_mass_kg or 0)} kg "
            f"the {variant.name.lower()} is rated for")


def _mass_warnings(ruleset: RuleSet, equipment: tuple[str, ...], caps: Caps, body_mass_kg: float | None,
                   chosen: Variant | None) -> tuple[str, ...]:
    """A warning for each variant the client would have had but for their body mass."""
    if body_mass_kg is None:
        return ()
    have = set(equipment)
    out = []
    for variant_id in ruleset.variant_preference:
        variant = ruleset.variants[variant_id]
        if chosen is not None and variant.id == chosen.id:
            break
        if excluded_because(variant, have, caps, body_mass_kg) == "body_mass":
            instead = f"the {chosen.name.lower()} is used instead" if chosen else "no other variant suits"
            reason = mass_reason(variant, body_mass_kg)
            out.append(f"{reason[0].upper()}{reason[1:]} in this rule set; {instead}.")
    return tuple(out)


def _variant_reason(preferred: Variant, equipment: tuple[str, ...], caps: Caps, body_mass_kg: float | None) -> str:
    why = excluded_because(preferred, set(equipment), caps, body_mass_kg)
    if why == "caps":
        return f"caps exclude {', '.join(sorted(preferred.tags & caps.avoid_tags))} exercises"
    if why == "body_mass" and body_mass_kg is not None:
        return mass_reason(preferred, body_mass_kg)
    return f"no {' or '.join(e.replace('_', ' ') for e in preferred.equipment_any)} listed in training.equipment"


def _who(screening: Screening, cap: str) -> str:
    for applied in screening.caps:
        if applied.name == cap:
            return ", ".join(applied.set_by)
    return "the rule set"


def exercise_cues(ruleset: RuleSet, variant: Variant, phase: Phase, deload: bool, screened: Screening,
                  rules: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The cues of a week's exercise: a deload's, the variant's, the phase's, those of the rules that fired and of
    the caps, and the pain rule. Memoized on the rule set: they depend on nothing else. ``rules``: the ids of
    ``screened.fired``, when the caller has them."""
    rules = tuple(f.id for f in screened.fired) if rules is None else rules
    cap_cues = _cap_cues(screened.merged_caps)
    return memoized(ruleset.memo, ("cues", variant, phase, deload, rules, cap_cues), _exercise_cues, ruleset, variant,
                    phase, deload, rules, cap_cues)


def _exercise_cues(ruleset: RuleSet, variant: Variant, phase: Phase, deload: bool, rules: tuple[str, ...],
                   cap_cues: tuple[str, ...]) -> tuple[str, ...]:
    rule_cues = tuple(dict.fromkeys(cue for rule_id in rules for cue in ruleset.rule(rule_id).cues))
    lighter = ("Lighter week: fewer sets, same careful technique.",) if deload else ()
    pain = ruleset.pain_monitoring
    return tuple(dict.fromkeys(lighter + variant.cues + phase.cues + rule_cues + cap_cues
                               + (pain.during, pain.if_exceeded)))


def _cap_cues(caps: Caps) -> tuple[str, ...]:
    cues = []
    if caps.max_rom_percent is not None and caps.max_rom_percent <= 100:
        cues.append("Stop the lift when the legs are in line with your body; never arch past it.")
    if caps.bodyweight_only:
        cues.append("No added weight.")
    return tuple(cues)

"""From a profile and a rule set to a block: screen, choose the variant, periodize. Pure and deterministic."""

from __future__ import annotations

from typing import Any

from ._version import __version__
from .block import Block, Plan, RulesetStamp, Screening
from .periodization import number, plan_weeks
from .profile import Profile
from .ruleset import Caps, Phase, RuleSet, Variant
from .screening import screen


def generate(profile: Profile, ruleset: RuleSet | None = None) -> Block:
    """Screen ``profile`` with ``ruleset`` (the embedded default if None) and build the block."""
    if ruleset is None:
        from .ruleset_loader import default_ruleset

        ruleset = default_ruleset()
    screening = screen(profile, ruleset)
    warnings = tuple(f"{f.title}: {f.reason}" for f in screening.fired if f.action == "warn") \
        + screening.clearance_warnings
    stamp = RulesetStamp(ruleset.id, ruleset.version, ruleset.sha256)
    base: dict[str, Any] = dict(
        generator_version=__version__,
        ruleset=stamp,
        person_id=profile.person.id,
        disclaimer=ruleset.disclaimer,
        warnings=warnings,
        notes=ruleset.notes,
        pain_rule=ruleset.pain_monitoring,
    )
    if screening.status == "refused":
        return Block(status="refused", screening=screening, plan=None, weeks=(), adjustments=(), **base)

    caps = screening.merged_caps
    training = profile.training
    adjustments: list[str] = []
    variant = choose_variant(ruleset, training.equipment, caps)
    if variant is None:  # before clearance: a clinician's clearance would not make a variant appear
        adjustments.append("No exercise variant suits the equipment listed and the caps that apply; no block was made. "
                           "Ask a clinician or coach for an alternative.")
        return Block(status="refused", screening=screening, plan=None, weeks=(), adjustments=tuple(adjustments), **base)
    if screening.status == "needs_clearance":
        return Block(status="needs_clearance", screening=screening, plan=None, weeks=(), adjustments=(), **base)
    preferred = ruleset.variants[ruleset.variant_preference[0]]
    if variant.id != preferred.id:
        why = _variant_reason(preferred, training.equipment, caps)
        adjustments.append(f"Variant: {variant.name} ({why}).")

    experience = ruleset.experience[training.experience]
    days = min(max(training.days_per_week, experience.min_days), experience.max_days)
    if days != training.days_per_week:
        adjustments.append(f"Sessions a week: {days}, not {training.days_per_week}: {training.experience} lifters train "
                           f"{experience.min_days}-{experience.max_days} days a week in this rule set.")
    if caps.max_sessions_per_week is not None and days > caps.max_sessions_per_week:
        days = caps.max_sessions_per_week
        adjustments.append(f"Sessions a week: {days}, capped by {_who(screening, 'max_sessions_per_week')}.")

    program = ruleset.programs[training.goal]
    weeks = training.weeks or ruleset.default_weeks
    increment = training.load_increment_kg or ruleset.load_increment_kg
    uses_load = any(p.load == "percent" for p in program.phases)
    if uses_load:
        if caps.bodyweight_only:
            adjustments.append(f"Bodyweight only throughout, capped by {_who(screening, 'bodyweight_only')}.")
        elif not variant.loadable:
            adjustments.append(f"Bodyweight only: the {variant.name.lower()} takes no added load here.")
        elif training.working_load_kg is None:
            adjustments.append("Bodyweight only: no working load was given. Measure the client's 10-repetition load on "
                               "the machine and add training.working_load_kg to prescribe load.")

    pain = ruleset.pain_monitoring
    rule_cues = tuple(dict.fromkeys(cue for f in screening.fired for cue in ruleset.rule(f.id).cues))
    cap_cues = _cap_cues(caps)
    cache: dict[tuple[str, bool], tuple[str, ...]] = {}

    def cues_for(phase: Phase, deload: bool) -> tuple[str, ...]:
        key = (phase.id, deload)
        if key not in cache:
            lighter = ("Lighter week: fewer sets, same careful technique.",) if deload else ()
            cache[key] = tuple(dict.fromkeys(
                lighter + variant.cues + phase.cues + rule_cues + cap_cues + (pain.during, pain.if_exceeded)))
        return cache[key]

    plan_weeks_ = plan_weeks(
        program=program, experience=experience, caps=caps, variant=variant, weeks=weeks, days_per_week=days,
        start_date=training.start_date, working_load_kg=training.working_load_kg, load_increment_kg=increment,
        cues_for=cues_for,
    )
    plan = Plan(training.goal, program.name, training.experience, variant.id, variant.name, weeks, days,
                training.start_date, training.working_load_kg, number(increment, 3))
    return Block(status="generated", screening=screening, plan=plan, weeks=plan_weeks_,
                 adjustments=tuple(adjustments), **base)


def choose_variant(ruleset: RuleSet, equipment: tuple[str, ...], caps: Caps) -> Variant | None:
    """The first variant in the rule set's preference that the equipment allows and no cap excludes."""
    have = set(equipment)
    for variant_id in ruleset.variant_preference:
        variant = ruleset.variants[variant_id]
        if variant.tags & caps.avoid_tags:
            continue
        if variant.equipment_any and not have.intersection(variant.equipment_any):
            continue
        return variant
    return None


def _variant_reason(preferred: Variant, equipment: tuple[str, ...], caps: Caps) -> str:
    if preferred.tags & caps.avoid_tags:
        return f"caps exclude {', '.join(sorted(preferred.tags & caps.avoid_tags))} exercises"
    return f"no {' or '.join(e.replace('_', ' ') for e in preferred.equipment_any)} listed in training.equipment"


def _who(screening: Screening, cap: str) -> str:
    for applied in screening.caps:
        if applied.name == cap:
            return ", ".join(applied.set_by)
    return "the rule set"


def _cap_cues(caps: Caps) -> tuple[str, ...]:
    cues = []
    if caps.max_rom_percent is not None and caps.max_rom_percent <= 100:
        cues.append("Stop the lift when the legs are in line with your body; never arch past it.")
    if caps.bodyweight_only:
        cues.append("No added weight.")
    return tuple(cues)

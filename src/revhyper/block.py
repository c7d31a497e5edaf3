"""The generated block as frozen data. ``canonical.py`` turns it into the JSON people and apps read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from .ruleset import Caps, PainMonitoring, Referral

BLOCK_FORMAT = "revhyper.block/1"
STATUSES = ("generated", "needs_clearance", "refused")


@attrs.frozen
class FiredRule:
    """A rule whose condition held for this profile, with the profile values it read."""

    id: str
    title: str
    action: str
    reason: str
    source: str
    citation: str
    condition: str
    values: tuple[tuple[str, Any], ...] = ()
    caps: Caps | None = None
    referral: Referral | None = None


@attrs.frozen
class AppliedCap:
    """The winning value of one kind of cap and every rule (or restriction) that asked for it."""

    name: str
    value: Any
    meaning: str
    set_by: tuple[str, ...]
    also_asked: tuple[tuple[str, Any], ...] = ()  # weaker values of the same cap: (rule, value)


@attrs.frozen
class Screening:
    status: str
    fired: tuple[FiredRule, ...]
    caps: tuple[AppliedCap, ...]
    merged_caps: Caps
    referral: Referral | None
    clearance_required_by: tuple[str, ...]
    clearance_given: bool
    restrictions: tuple[str, ...] = ()

    def cap(self, name: str) -> Any:
        return getattr(self.merged_caps, name)


@attrs.frozen
class Exercise:
    variant: str
    name: str
    sets: int
    reps: int
    load_kg: float | None
    load_percent: float | None
    tempo: str
    rom_percent: float
    rest_seconds: int
    cues: tuple[str, ...]


@attrs.frozen
class Session:
    number: int  # within the week, from 1
    index: int  # within the block, from 1
    date: dt.date | None
    exercises: tuple[Exercise, ...]


@attrs.frozen
class Week:
    number: int
    phase: str
    phase_name: str
    deload: bool
    sessions: tuple[Session, ...]
    rules: tuple[str, ...] = ()  # ids of the rules that fired this week, strictest action first
    caps: Caps = Caps()  # the merged caps in force this week (they may lift during a block)


@attrs.frozen
class Plan:
    """What the block prescribes when it is generated."""

    goal: str
    program_name: str
    experience: str
    variant: str
    variant_name: str
    weeks: int
    days_per_week: int
    start_date: dt.date | None
    working_load_kg: float | None
    load_increment_kg: float


@attrs.frozen
class RulesetStamp:
    id: str
    version: str
    sha256: str


@attrs.frozen
class Block:
    generator_version: str
    ruleset: RulesetStamp
    person_id: str | None
    status: str
    disclaimer: str
    screening: Screening
    plan: Plan | None
    weeks: tuple[Week, ...]
    adjustments: tuple[str, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...]
    pain_rule: PainMonitoring
    format: str = BLOCK_FORMAT

    @property
    def referral(self) -> Referral | None:
        return self.screening.referral

    def sessions(self) -> list[Session]:
        return [session for week in self.weeks for session in week.sessions]

"""The generated block as frozen data. ``canonical.py`` turns it into the JSON people and apps read."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from ..profile.profile import Clearance
from ..rules.ruleset import Caps, PainMonitoring, Referral

if TYPE_CHECKING:  # generating a block imports no log code; block_loader structures LoggedSession itself
    from ..logs.model import LogEntry

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
class ClearanceRejection:
    """Why one of the profile's clearances (``clearance``: its index in the profile, from 0) did not count."""

    clearance: int
    reasons: tuple[str, ...]


@attrs.frozen
class RuleClearance:
    """The clearance decision for one rule that requires clearance: who may clear it, and which clearance counted
    (``cleared_by``, an index into the profile's clearances) or why each did not (``rejected``)."""

    rule: str
    roles: tuple[str, ...]
    valid_weeks: int
    cleared_by: int | None
    rejected: tuple[ClearanceRejection, ...] = ()
    valid_until: dt.date | None = None
    """The last day the counting clearance counts (its date + valid_weeks, less a day)."""
    since: tuple[str, dt.date] | None = None
    """What a clearance of this rule clears and when it began (a surgery or the pain episode): a clearance may not
    be dated before it. None without training.start_date."""


@attrs.frozen
class Screening:
    status: str
    fired: tuple[FiredRule, ...]
    caps: tuple[AppliedCap, ...]
    merged_caps: Caps
    referral: Referral | None
    clearance_required_by: tuple[str, ...]
    clearance_given: bool
    """Every rule that requires clearance is cleared by a clearance that counts (false when none requires it)."""
    restrictions: tuple[str, ...] = ()
    clearance_rules: tuple[RuleClearance, ...] = ()
    """The clearance decision for each rule in clearance_required_by, in the same order."""
    clearances: tuple[Clearance, ...] = ()
    """The profile's clearances, as given."""
    clearance_warnings: tuple[str, ...] = ()
    """Clearances that name rules not applying to this client."""
    restrictions_offered: tuple[tuple[str, str], ...] = ()
    """(id, description) of the restrictions the rule set lets a clinician set; only when a rule is not cleared."""

    def cap(self, name: str) -> Any:
        return getattr(self.merged_caps, name)

    @property
    def not_cleared(self) -> tuple[RuleClearance, ...]:
        """The rules that require clearance and for which no clearance counts."""
        return tuple(d for d in self.clearance_rules if d.cleared_by is None)

    def still_needed(self) -> str:
        """``rule (roles who may clear it), ...`` for the rules not cleared: what the views print."""
        return ", ".join(f"{d.rule} ({' or '.join(r.replace('_', ' ') for r in d.roles)})" for d in self.not_cleared)


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
    reps_range: tuple[int, int] | None = None
    """Double progression: the range the repetitions move in (``reps`` is this week's number within it)."""
    target_rpe: float | None = None
    target_rir: float | None = None

    def field_values(self) -> tuple[Any, ...]:
        """Its fields' values in order: the form a WeekPlan holds it in (``Exercise(*values)`` is the way back)."""
        return (self.variant, self.name, self.sets, self.reps, self.load_kg, self.load_percent, self.tempo,
                self.rom_percent, self.rest_seconds, self.cues, self.reps_range, self.target_rpe, self.target_rir)


@attrs.frozen
class Session:
    number: int  # within the week, from 1
    index: int  # within the block, from 1
    date: dt.date | None
    exercises: tuple[Exercise, ...]


@attrs.frozen
class LoggedSession:
    """A day of the training log within a week of the block, with the session's pain."""

    date: dt.date
    pain_during: int | None
    pain_next_morning: int | None
    sets: tuple[LogEntry, ...]  # the log's own entries: the canonical JSON writes variant, set, reps, load_kg, rpe, note
    where: str = ""  # "FILE:LINE" of its first row (or the reader's place), for the adaptations' evidence


@attrs.frozen
class Week:
    number: int
    phase: str
    phase_name: str
    deload: bool
    sessions: tuple[Session, ...]
    rules: tuple[str, ...] = ()  # ids of the rules that fired this week, strictest action first
    caps: Caps = Caps()  # the merged caps in force this week (they may lift during a block)
    logged: tuple[LoggedSession, ...] | None = None
    """Only in a block ``revhyper progress`` wrote: what the log says was done in a week already done (maybe
    nothing: a missed week); None for the weeks still to come."""


class WeekPlan(NamedTuple):
    """A week as the engine derives it, in plain values: what :class:`Week` holds, with its sessions as the days
    they fall on and the exercises every session of the week does (each as the values of an :class:`Exercise`'s
    fields, in order). A generated block keeps these (``Block.week_plans``) and makes its ``weeks`` from them
    when they are first read, so that a writer going through many blocks (``revhyper batch``) reads the numbers
    without making some 60 objects a block. :meth:`week` is the one way from one to the other."""

    number: int
    phase: str
    phase_name: str
    deload: bool
    rules: tuple[str, ...]
    caps: Caps
    first: int  # sessions in the block before this week's
    start: dt.date | None  # the week's first day (None: the block has no start date)
    days: tuple[int, ...]  # each session's day within the week, from 0
    exercises: tuple[tuple[Any, ...], ...]  # each the values of Exercise(*values)

    def dates(self) -> tuple[dt.date | None, ...]:
        start = self.start
        if start is None:
            return (None,) * len(self.days)
        return tuple(start + dt.timedelta(days=day) for day in self.days)

    def week(self) -> Week:
        """The week: session n (from 1) is Session(n, first + n, its date, the exercises), all sessions sharing
        one tuple of Exercise objects."""
        first = self.first
        exercises = tuple(Exercise(*values) for values in self.exercises)
        sessions = tuple(Session(n, first + n, date, exercises) for n, date in enumerate(self.dates(), 1))
        return Week(self.number, self.phase, self.phase_name, self.deload, sessions, self.rules, self.caps)


@attrs.frozen
class AdaptationFired:
    """An adaptation rule whose condition held for a week of the log, with the facts it read."""

    id: str
    title: str
    action: str
    reason: str
    source: str
    citation: str
    condition: str
    values: tuple[tuple[str, Any], ...] = ()


@attrs.frozen
class AppliedAdaptation:
    """A change ``revhyper progress`` made to the rest of the block, the log entries and the rules behind it."""

    week: int  # the week of the log that caused it
    action: str  # the strictest action of the rules that fired (rule set's ADAPTATION_ACTIONS)
    change: str  # what changed, in words
    from_week: int | None  # the first week it changes (None: the block ends, needs clearance)
    rules: tuple[AdaptationFired, ...]
    entries: tuple[tuple[dt.date, str], ...]  # (date, "FILE:LINE") of each session of the week


@attrs.frozen
class ProgressInfo:
    """What ``revhyper progress`` read: the log, and the weeks it counts as done."""

    log_file: str
    log_reader: str
    sessions: int
    sets: int
    done_weeks: int  # weeks 1..done_weeks are done (the last holds the log's last session)
    notes: tuple[str, ...] = ()


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
    progress: ProgressInfo | None = None
    """Set on a block ``revhyper progress`` wrote (None for a generated block)."""
    adaptations: tuple[AppliedAdaptation, ...] = ()
    week_plans: tuple[WeekPlan, ...] | None = attrs.field(default=None, init=False, eq=False, repr=False,
                                                          metadata={"derived": True})
    """A generated block's weeks as the engine derived them (:class:`WeekPlan`), from which ``weeks`` is made
    when first read; None for a block made any other way (read from a file, changed with ``attrs.evolve``).
    Derived: no part of the block's value (not compared, not written, not checked in an adjusted block)."""

    @classmethod
    def planned(cls, week_plans: tuple[WeekPlan, ...], **fields: Any) -> Block:
        """A block whose ``weeks`` are made from ``week_plans`` when first read: equal, field for field, to
        ``Block(weeks=tuple(plan.week() for plan in week_plans), **fields)``."""
        block = cls(weeks=(), **fields)
        object.__delattr__(block, "weeks")
        object.__setattr__(block, "week_plans", week_plans)
        return block

    def __getattr__(self, name: str) -> Any:
        # Only for a slot never set: the weeks of a block made by planned(), on first reading.
        if name == "weeks":
            plans = object.__getattribute__(self, "week_plans")
            if plans is not None:
                weeks = tuple(plan.week() for plan in plans)
                object.__setattr__(self, "weeks", weeks)
                return weeks
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def referral(self) -> Referral | None:
        return self.screening.referral

    def sessions(self) -> list[Session]:
        return [session for week in self.weeks for session in week.sessions]

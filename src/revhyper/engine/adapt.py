"""Adapt the rest of a block to what the training log says: pure, deterministic (docs/logs.md, Progressing).

The profile is screened again (a refusal, or a clearance now needed, wins over the log). Then the block's weeks are
walked in order. Week 1 trains the programme's first step; after each week already done, the rule set's adaptation
rules read that week of the log (``log.*`` facts, log_facts.py) and the strictest that fires decides the next step:

- ``progress`` (or no rule): the next step of the plan; ``progress_further``: one more, where the programme allows
  it (the same phase, and load and range not both higher than the week done);
- ``repeat_week``: the same step again; ``step_back``: the step before; ``restart``: the lighter of the last week
  done in full and the block's first strength week;
- ``require_clearance``: the block stops after the weeks done and needs a clinician again.

A deload week stays a deload week, at the step last trained. The weeks still to come follow the plan's steps from
where the client is. Every week's exercise is derived by ``periodization.exercise_at``, as ``generate`` does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs

from .block import (
    AdaptationFired, AppliedAdaptation, Block, Exercise, LoggedSession, ProgressInfo,
)
from .engine import PlanContext, generate
from ..errors import BlockError, Problem
from .log_facts import rises, week_facts
from ..logs.model import SessionLog, TrainingLog
from .periodization import Step, exercise_at, planned_schedule
from ..profile.profile import Profile
from ..rules.ruleset import ADAPTATION_ACTIONS, RuleSet
from .screening import facts_for, profile_facts

AS_PLANNED = "as_planned"


@attrs.frozen
class WeekDecision:
    """One week of the walk: its step, the facts of its log, the rules that fired and the step that follows."""

    week: int
    step: Step
    exercise: Exercise | None  # None only while walking a week to come (generate derives it)
    done: bool
    facts: dict[str, Any] = attrs.field(eq=False)
    fired: tuple[AdaptationFired, ...]
    action: str  # AS_PLANNED when no rule fired (or the week is still to come)
    level: int  # the index of the week's step among the programme's training steps
    next_level: int
    note: str = ""  # why an action did less than it says (progress_further not allowed, step back at the start)
    applied: bool = False
    """The decision changed the block: the last week done (earlier weeks' next weeks were already prescribed)."""


def progress(profile: Profile, block: Block, log: TrainingLog, ruleset: RuleSet | None = None) -> Block:
    """The block ``block`` adapted to ``log``: the weeks done keep what was logged, the rest is planned again."""
    return progress_trace(profile, block, log, ruleset)[0]


def progress_trace(profile: Profile, block: Block, log: TrainingLog,
                   ruleset: RuleSet | None = None) -> tuple[Block, tuple[WeekDecision, ...]]:
    """:func:`progress`, and the walk's decision for every week (``revhyper explain --log`` prints it)."""
    if ruleset is None:
        from ..rules.ruleset_loader import default_ruleset

        ruleset = default_ruleset()
    _check_block(block, ruleset, profile)
    plan = block.plan
    assert plan is not None and plan.start_date is not None  # _check_block
    start = plan.start_date
    # the block's start date frames the log; its length is the profile's, as generate planned it (a block that a
    # time-dependent rule ended early has fewer weeks than were planned, and the phases share the planned ones)
    frame = attrs.evolve(profile, training=attrs.evolve(profile.training, start_date=start))
    every = log.sessions()
    sessions, notes = _sessions_in_block(every, start, profile.training.weeks or ruleset.default_weeks)
    walk = _Walk(frame, ruleset, block, sessions, start)
    fresh = generate(frame, ruleset, schedule=walk)
    info = ProgressInfo(log.file, log.reader, len(every), len(log), walk.done_weeks, tuple(notes))
    if fresh.status != "generated":  # a changed status wins over the log
        why = ("the profile, screened again, " + ("refuses: see the referral" if fresh.status == "refused" else
                                                 "needs a clinician's clearance first") + "; the log was not applied")
        return attrs.evolve(fresh, progress=attrs.evolve(info, notes=(*info.notes, why))), ()
    decisions = tuple(d if d.exercise is not None else attrs.evolve(d, exercise=fresh.weeks[d.week - 1].sessions[0].exercises[0])
                      for d in walk.decisions if d.week <= len(fresh.weeks))
    by_week = {n: tuple(_logged(s) for s in group) for n, group in walk.by_week.items()}
    weeks = tuple(attrs.evolve(block.weeks[w.number - 1], logged=by_week.get(w.number, ()))
                  if w.number <= walk.done_weeks else w for w in fresh.weeks)
    status = "generated"
    if walk.stopped is not None:
        weeks = weeks[:walk.done_weeks]
        status = "needs_clearance"
    kept = tuple(a for a in block.adaptations if a.week < walk.done_weeks)  # from an earlier progress of this block
    adaptations = kept + tuple(_applied(d, walk) for d in decisions if d.applied and _changes(d))
    out = attrs.evolve(fresh, status=status, weeks=weeks, progress=info, adaptations=adaptations)
    return out, decisions


def _check_block(block: Block, ruleset: RuleSet, profile: Profile) -> None:
    def bad(key: str, message: str) -> BlockError:
        return BlockError([Problem("<block>", key, message)])

    if block.status != "generated" or block.plan is None or not block.weeks:
        raise bad("status", f"the block's status is {block.status}: it has no weeks to progress; generate a block "
                            "the client can train with first")
    if block.plan.start_date is None:
        raise bad("plan.start_date", "the block has no start date, so the log's sessions cannot be placed in its "
                                     "weeks; give training.start_date in the profile and generate it again")
    if block.ruleset.id != ruleset.id:
        raise bad("ruleset.id", f"the block was written with the rule set '{block.ruleset.id}', not '{ruleset.id}'; "
                                "progress it with that rule set")
    if block.person_id and profile.person.id and block.person_id != profile.person.id:
        raise bad("person_id", f"the block is for '{block.person_id}', the profile for '{profile.person.id}'")


def _sessions_in_block(sessions: Sequence[SessionLog], start: dt.date, weeks: int) -> tuple[list[SessionLog], list[str]]:
    end = start + dt.timedelta(days=7 * weeks)
    before = [s for s in sessions if s.date < start]
    after = [s for s in sessions if s.date >= end]
    notes = []
    if before:
        notes.append(f"{len(before)} session(s) before the block's start ({start.isoformat()}) are not counted")
    if after:
        notes.append(f"{len(after)} session(s) after the block's last week are not counted")
    return [s for s in sessions if start <= s.date < end], notes


class _Walk:
    """The ``schedule`` callback of :func:`generate`: walks the weeks done, then plans the rest."""

    def __init__(self, profile: Profile, ruleset: RuleSet, block: Block, sessions: list[SessionLog], start: dt.date):
        self.profile, self.ruleset, self.block, self.sessions, self.start = profile, ruleset, block, sessions, start
        self.by_week: dict[int, list[SessionLog]] = {}
        for session in sessions:
            self.by_week.setdefault((session.date - start).days // 7 + 1, []).append(session)
        self.done_weeks = max(self.by_week, default=0)
        self.decisions: list[WeekDecision] = []
        self.stopped: int | None = None
        self.training: list[Step] = []

    def __call__(self, ctx: PlanContext) -> Sequence[Step]:
        planned = planned_schedule(ctx.program, ctx.weeks)[:len(ctx.caps)]
        self.done_weeks = min(self.done_weeks, len(planned), len(self.block.weeks))
        training = self.training = [s for s in planned if not s.deload]
        if not training:
            return planned
        first_strength = next((i for i, s in enumerate(training) if s.phase.load == "percent"), 0)
        rise = rises(self.sessions, self.profile.pain.current)
        run, runs = 0, []
        for r in rise:
            run = run + 1 if r is not None and r > 0 else 0 if r is not None else run
            runs.append(run)
        planned_levels, count_ = [], 0
        for plan_step in planned:
            planned_levels.append(count_)
            count_ += not plan_step.deload
        done = [self._match(n, planned[n - 1], planned_levels[n - 1], ctx) for n in range(1, self.done_weeks + 1)]
        base = profile_facts(self.profile)
        index = 0  # sessions before the week being walked
        level = 0
        last_completed: int | None = None
        out: list[Step] = []
        for number_, plan_step in enumerate(planned, start=1):
            deload = plan_step.deload
            if number_ <= self.done_weeks:
                step, level, exercise = done[number_ - 1]
            else:  # a week to come: generate derives its exercise (progress_trace puts it in the decision)
                step = self._step(plan_step, level, planned_levels[number_ - 1])
                exercise = None
            out.append(step)
            if number_ > self.done_weeks or self.stopped is not None:
                nxt = level if deload else level + 1
                self.decisions.append(WeekDecision(number_, step, exercise, number_ <= self.done_weeks, {}, (),
                                                   AS_PLANNED, level, nxt))
                level = nxt
                continue
            assert exercise is not None  # a week done: the block's own exercise
            week_sessions = self.by_week.get(number_, [])
            count = len(week_sessions)
            facts = facts_for(self.profile, number_, base)  # the profile's facts at this week, and the log's
            facts.update(week_facts(
                planned_sessions=ctx.days_per_week, prescribed_reps=exercise.sets * exercise.reps,
                target_rpe=_target(exercise), sessions=week_sessions, rise=rise[index:index + count],
                rising_run=max(runs[index:index + count]) if count else 0,
                previous_date=self.sessions[index - 1].date if index else None))
            index += count
            fired = tuple(_fired(a, facts, self.ruleset) for a in self.ruleset.adaptations if a.when(facts))
            action = min((f.action for f in fired), key=ADAPTATION_ACTIONS.index) if fired else AS_PLANNED
            nxt, note = self._next(action, level, deload, exercise, number_, ctx, last_completed, first_strength)
            if number_ < self.done_weeks:  # the block already prescribed the next week: what it did counts
                nxt = done[number_][1]
            if action == "require_clearance":
                self.stopped = number_
            if count * 2 >= ctx.days_per_week and not deload:
                last_completed = level
            self.decisions.append(WeekDecision(number_, step, exercise, True, facts, fired, action, level, nxt, note,
                                               applied=number_ == self.done_weeks or action == "require_clearance"))
            level = nxt
        return out

    def _match(self, number_: int, plan_step: Step, planned_level: int,
               ctx: PlanContext) -> tuple[Step, int, Exercise]:
        """The step (and its level) of a week the block already prescribed: the training step whose exercise is the
        block's (the plan's step is tried first); the plan's when none is (the profile changed since)."""
        week = self.block.weeks[number_ - 1]
        given = week.sessions[0].exercises[0] if week.sessions and week.sessions[0].exercises else None
        caps = ctx.caps[number_ - 1]

        def derive(step: Step) -> Exercise:
            return exercise_at(step.phase, step.k, step.deload, ctx.program, ctx.experience, caps, ctx.variant,
                               ctx.working_load_kg, ctx.load_increment_kg, ())

        first = derive(plan_step)
        if given is None or _same(first, given):
            return plan_step, planned_level, given or first
        for level, candidate in enumerate(self.training):
            if candidate.phase.id != week.phase:
                continue
            step = Step(candidate.phase, candidate.k, week.deload)
            if _same(derive(step), given):
                return step, level + 1 if week.deload else level, given
        return plan_step, planned_level, given

    def _step(self, plan_step: Step, level: int, planned_level: int) -> Step:
        """The week's step: the plan's while the client is where the plan expects; else the training step at
        ``level`` (a deload: the step last trained, lighter)."""
        if level == planned_level:
            return plan_step
        training = self.training
        if plan_step.deload:
            last = training[min(max(level - 1, 0), len(training) - 1)]
            return Step(last.phase, last.k, True)
        return training[min(level, len(training) - 1)]

    def _next(self, action: str, level: int, deload: bool, done: Exercise, week: int, ctx: PlanContext,
              last_completed: int | None, first_strength: int) -> tuple[int, str]:
        if action == "restart":
            return min(first_strength, last_completed if last_completed is not None else 0), ""
        if action == "step_back":
            return (level - 1, "") if level > 0 else (0, "already at the programme's first step: it is repeated")
        if action in ("repeat_week", "require_clearance") or deload:
            return level, ""
        if action == "progress_further":
            why = self._further_blocked(level, done, week, ctx)
            if why is None:
                return level + 2, ""
            return level + 1, f"one step further is not taken: {why}; as planned"
        return level + 1, ""

    def _further_blocked(self, level: int, done: Exercise, week: int, ctx: PlanContext) -> str | None:
        training = self.training
        if level + 2 >= len(training):
            return "the programme has no step beyond the next"
        nxt, further = training[level + 1], training[level + 2]
        if nxt.phase.id != further.phase.id or training[level].phase.id != nxt.phase.id:
            return "it would skip into another phase"
        if week < len(ctx.caps) and ctx.program.deload_every and (week + 1) % ctx.program.deload_every == 0:
            return "next week is a lighter week"
        caps = ctx.caps[min(week, len(ctx.caps) - 1)]
        ahead = exercise_at(further.phase, further.k, False, ctx.program, ctx.experience, caps, ctx.variant,
                            ctx.working_load_kg, ctx.load_increment_kg, ())
        heavier = (ahead.load_kg or 0) > (done.load_kg or 0)
        wider = ahead.rom_percent > done.rom_percent
        if heavier and wider:
            return "it would raise the load and the range in the same step"
        return None


def _same(a: Exercise, b: Exercise) -> bool:
    return (a.sets, a.reps, a.load_kg, a.rom_percent, a.reps_range) == (b.sets, b.reps, b.load_kg, b.rom_percent,
                                                                       b.reps_range)


def _target(exercise: Exercise) -> float | None:
    if exercise.target_rpe is not None:
        return exercise.target_rpe
    return None if exercise.target_rir is None else 10 - exercise.target_rir


def _fired(adaptation, facts: dict[str, Any], ruleset: RuleSet) -> AdaptationFired:
    from .screening import _read

    values = tuple((name, _read(name, facts, ruleset.parameters)) for name in adaptation.when.reads)
    return AdaptationFired(adaptation.id, adaptation.title, adaptation.action, adaptation.reason, adaptation.source,
                           ruleset.references[adaptation.source].citation, adaptation.when.text, values)


def _changes(decision: WeekDecision) -> bool:
    """A decision that changes the plan (a rule that keeps it as planned is in the trace, not an adaptation)."""
    planned = decision.level if decision.step.deload else decision.level + 1
    return decision.action == "require_clearance" or decision.next_level != planned


def _applied(decision: WeekDecision, walk: _Walk) -> AppliedAdaptation:
    week = decision.week
    entries = tuple((s.date, s.entries[0].where) for s in walk.by_week.get(week, []))
    return AppliedAdaptation(week, decision.action, _change_text(decision, walk),
                             None if decision.action == "require_clearance" else week + 1, decision.fired, entries)


def _change_text(decision: WeekDecision, walk: _Walk) -> str:
    week, action = decision.week, decision.action
    if action == "require_clearance":
        return (f"The block stops after week {walk.done_weeks}: a clinician should see the client before training "
                "goes on; generate a new block once cleared.")
    target = walk.training[min(decision.next_level, len(walk.training) - 1)] if walk.training else None
    where = f"{target.phase.name}, training week {target.k + 1} of the phase" if target else "the plan"
    words = {
        "restart": f"From week {week + 1} the block restarts at {where}",
        "step_back": f"From week {week + 1} the block steps back to {where}",
        "repeat_week": f"Week {week + 1} repeats the step of week {week} ({where})",
        "progress_further": f"From week {week + 1} the block goes one step further, to {where}",
        "progress": f"From week {week + 1} the block progresses as planned, to {where}",
        AS_PLANNED: f"From week {week + 1} the block goes on as planned, to {where}",
    }
    text = words[action]
    if decision.note:
        text += f" ({decision.note})"
    return text + "; the weeks after follow the plan's steps from there."


def _logged(session: SessionLog) -> LoggedSession:
    return LoggedSession(session.date, session.pain_during, session.pain_next_morning, session.entries,
                         session.entries[0].where)

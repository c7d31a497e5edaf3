"""Periodization: from a program's phases and progressions to week-by-week numbers, within the caps. Pure."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from .block import Exercise, WeekPlan
from ..rules.ruleset import Caps, ExperienceLevel, Phase, Program, Variant, memoized

SESSION_DAYS = {
    1: (0,),
    2: (0, 3),
    3: (0, 2, 4),
    4: (0, 1, 3, 4),
    5: (0, 1, 2, 4, 5),
    6: (0, 1, 2, 3, 4, 5),
    7: (0, 1, 2, 3, 4, 5, 6),
}
"""Day offsets within a week for N sessions: rest days spread out, the first session on the start date."""


def allocate_weeks(shares: list[int], total: int) -> list[int]:
    """Share ``total`` weeks among phases in proportion to ``shares`` (largest remainder, each phase >= 1).

    With fewer weeks than phases, the first phases get one week each and the rest none.
    """
    count = len(shares)
    if total < count:
        return [1] * total + [0] * (count - total)
    whole = sum(shares)
    quotas = [share * total / whole for share in shares]
    weeks = [max(1, math.floor(q)) for q in quotas]
    while sum(weeks) > total:
        candidates = [i for i in range(count) if weeks[i] > 1]
        i = min(candidates, key=lambda i: (quotas[i] - weeks[i], -i))
        weeks[i] -= 1
    while sum(weeks) < total:
        i = max(range(count), key=lambda i: (quotas[i] - weeks[i], -i))
        weeks[i] += 1
    return weeks


def floor_to(value: float, step: float) -> float:
    """``value`` rounded down to a multiple of ``step`` (loads never round up)."""
    return round(math.floor(value / step + 1e-9) * step, 3)


def number(value: float, places: int = 2) -> float | int:
    """Whole numbers as int (100.0 reads as 100); others rounded DOWN to ``places`` decimals, so a capped value
    stays within its cap. Loads and increments keep 3 decimals: a multiple of 0.125 kg or 1.134 kg (2.5 lb) stays one."""
    if float(value).is_integer():
        return int(value)
    scale = 10**places
    floored = math.floor(value * scale + 1e-9) / scale
    return int(floored) if floored.is_integer() else floored


class Load(NamedTuple):
    """How one week's load is worked out (``revhyper explain`` prints each step)."""

    percent: float  # the phase's load percent this week
    limited: float  # after the experience level's limit and any max_load_percent cap
    kg: float  # working load x limited %, down to a whole load step
    capped_kg: float  # after any max_load_kg cap
    load_kg: float | int | None  # what the block prescribes; None when under one step (bodyweight)
    load_percent: float | int | None


def derive_load(percent: float, experience: ExperienceLevel, caps: Caps, working_load_kg: float,
                increment: float) -> Load:
    limited = min(percent, experience.max_load_percent)
    if caps.max_load_percent is not None:
        limited = min(limited, caps.max_load_percent)
    kg = floor_to(working_load_kg * limited / 100, increment)
    capped = kg if caps.max_load_kg is None else min(kg, floor_to(caps.max_load_kg, increment))
    if capped >= increment and limited > 0:
        return Load(percent, limited, kg, capped, number(capped, 3), number(limited))
    return Load(percent, limited, kg, capped, None, None)


def week_plans(
    *,
    program: Program,
    experience: ExperienceLevel,
    caps: Sequence[Caps],
    rules: Sequence[tuple[str, ...]],
    variant: Variant,
    weeks: int,
    days_per_week: int,
    start_date: dt.date | None,
    working_load_kg: float | None,
    load_increment_kg: float,
    cues_for: Callable[[Phase, bool, int], tuple[str, ...]],
    schedule: Sequence[Step] | None = None,
) -> tuple[WeekPlan, ...]:
    """The block's weeks, in plain values (block.WeekPlan; ``plan.week()`` makes the Week). Phases share out
    ``weeks`` (the block as planned); ``caps[i]`` and ``rules[i]`` are what applied in week i + 1, and there are as
    many weeks as ``caps`` (fewer than ``weeks`` when the block ends early).
    ``cues_for(phase, deload, week)`` gives the cue list for an exercise. ``schedule`` (adapt.py) gives each
    week's step instead of the plan's."""
    steps = planned_schedule(program, weeks) if schedule is None else schedule
    days = SESSION_DAYS[days_per_week]
    out: list[WeekPlan] = []
    for number_, (phase, k, deload), week_caps, week_rules, week_start in zip(
            range(1, len(caps) + 1), steps, caps, rules, week_starts(start_date, len(caps))):
        exercise = exercise_values(phase, k, deload, program, experience, week_caps, variant, working_load_kg,
                                   load_increment_kg, cues_for(phase, deload, number_))
        out.append(WeekPlan(number_, phase.id, phase.name, deload, week_rules, week_caps, len(days) * (number_ - 1),
                            week_start, days, (exercise,)))
    return tuple(out)


_WEEK_STARTS: dict[tuple[dt.date | None, int], tuple[dt.date | None, ...]] = {}


def week_starts(start_date: dt.date | None, weeks: int) -> tuple[dt.date | None, ...]:
    """The first day of each of ``weeks`` weeks from ``start_date`` (all None without one); kept, as clients share
    start dates (a day's blocks start on a few dates)."""
    key = (start_date, weeks)
    starts = _WEEK_STARTS.get(key)
    if starts is None:
        if len(_WEEK_STARTS) >= 4_096:
            _WEEK_STARTS.clear()
        starts = _WEEK_STARTS[key] = ((None,) * weeks if start_date is None else
                                      tuple(start_date + dt.timedelta(days=7 * week) for week in range(weeks)))
    return starts


class Step(NamedTuple):
    """What a week prescribes: the phase, its training week ``k`` (from 0), and whether it is a lighter week."""

    phase: Phase
    k: int
    deload: bool


def planned_schedule(program: Program, weeks: int) -> tuple[Step, ...]:
    """Each week's step as the block plans it: phases share out the weeks; a deload week repeats the phase's
    previous training week with less volume and does not count as a training week."""
    return memoized(program.memo, ("schedule", weeks), _planned_schedule, program, weeks)


def _planned_schedule(program: Program, weeks: int) -> tuple[Step, ...]:
    allocation = allocate_weeks([p.weeks for p in program.phases], weeks)
    out: list[Step] = []
    trained: dict[str, int] = {}
    for number_, phase in enumerate((p for p, n in zip(program.phases, allocation) for _ in range(n)), start=1):
        deload = program.deload_every > 0 and number_ % program.deload_every == 0
        done = trained.get(phase.id, 0)
        if not deload:
            trained[phase.id] = done + 1
        out.append(Step(phase, max(done - 1, 0) if deload else done, deload))
    return tuple(out)


def rep_values(phase: Phase) -> tuple[int, ...]:
    """A double-progression phase's repetitions, low to high in steps of reps_step (the top always included)."""
    assert phase.reps_range is not None
    low, high = phase.reps_range
    values = list(range(low, high + 1, phase.reps_step))
    if values[-1] != high:
        values.append(high)
    return tuple(values)


def reps_and_load_index(phase: Phase, k: int) -> tuple[int, int]:
    """Training week ``k``'s repetitions and the index into the phase's load progression.

    A fixed phase: ``reps.at(k)`` and ``k``. Double progression: the repetitions climb the range one value a
    training week and, past the top, the load rises one step of ``load_percent`` and they start again at the low
    end; once the load is at its limit (or the phase has no load), the repetitions stay at the top."""
    if phase.reps_range is None:
        return round(phase.reps.at(k)), k
    values = rep_values(phase)
    level, index = divmod(k, len(values))
    top = _load_levels(phase)
    if level > top:
        return values[-1], top
    return values[index], level


def _load_levels(phase: Phase) -> int:
    """The last index of load_percent that still raises the load (0: the load never rises)."""
    p = phase.load_percent
    if phase.load != "percent" or p is None or not p.step:
        return 0
    index = 0
    while index < 200 and p.at(index + 1) != p.at(index):
        index += 1
    return index


class PhaseWeek(NamedTuple):
    """What a phase prescribes in its training week ``k``, before the experience level, the caps and a deload."""

    sets: int
    reps: int
    rom_percent: float
    load_percent: float | None  # the load progression at the week's load index; None when the phase has no load


def phase_week(program: Program, phase: Phase, k: int) -> PhaseWeek:
    """``phase`` (one of ``program``'s) in training week ``k``; worked out once for each (phase, k)."""
    return memoized(program.memo, ("phase week", phase, k), _phase_week, phase, k)


def _phase_week(phase: Phase, k: int) -> PhaseWeek:
    reps, load_index = reps_and_load_index(phase, k)
    percent = phase.load_percent.at(load_index) if phase.load == "percent" and phase.load_percent is not None else None
    return PhaseWeek(round(phase.sets.at(k)), reps, phase.rom_percent.at(k), percent)


def exercise_at(phase: Phase, k: int, deload: bool, program: Program, experience: ExperienceLevel, caps: Caps,
                variant: Variant, working_load_kg: float | None, increment: float,
                cues: tuple[str, ...]) -> Exercise:
    """A week's exercise from its step, within the experience level and the week's caps (:func:`exercise_values`)."""
    return Exercise(*exercise_values(phase, k, deload, program, experience, caps, variant, working_load_kg, increment,
                                     cues))


def exercise_values(phase: Phase, k: int, deload: bool, program: Program, experience: ExperienceLevel, caps: Caps,
                    variant: Variant, working_load_kg: float | None, increment: float,
                    cues: tuple[str, ...]) -> tuple[Any, ...]:
    """The one derivation of a week's exercise from its step, within the experience level and the week's caps: the
    values of its :class:`Exercise` fields, in order."""
    week = program.memo.get(("phase week", phase, k)) or phase_week(program, phase, k)
    sets = min(week.sets, experience.max_sets, caps.max_sets or week.sets)
    if deload:
        sets = max(1, math.floor(sets * program.deload_volume_percent / 100 + 1e-9))
    reps = week.reps
    max_reps = caps.max_reps
    if max_reps is not None and reps > max_reps:
        reps = max_reps
    rom = week.rom_percent
    if caps.max_rom_percent is not None and rom > caps.max_rom_percent:
        rom = caps.max_rom_percent
    rest = phase.rest_seconds
    if caps.min_rest_seconds is not None and rest < caps.min_rest_seconds:
        rest = caps.min_rest_seconds
    load_kg = load_percent = None
    if (working_load_kg is not None and week.load_percent is not None and variant.loadable
            and not caps.bodyweight_only):
        load = derive_load(week.load_percent, experience, caps, working_load_kg, increment)
        load_kg, load_percent = load.load_kg, load.load_percent
    if phase.reps_range is None:
        return (variant.id, variant.name, sets, reps, load_kg, load_percent, phase.tempo, number(rom), rest, cues,
                None, None, None)
    low, high = phase.reps_range
    if max_reps is not None:
        low, high = min(low, max_reps), min(high, max_reps)
    return (variant.id, variant.name, sets, reps, load_kg, load_percent, phase.tempo, number(rom), rest, cues,
            (low, high), phase.target_rpe, phase.target_rir)

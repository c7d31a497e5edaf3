"""Periodization: from a program's phases and progressions to week-by-week numbers, within the caps. Pure."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

from .block import Exercise, Session, Week
from .ruleset import Caps, ExperienceLevel, Phase, Program, Variant

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


def plan_weeks(
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
) -> tuple[Week, ...]:
    """The block's weeks. Phases share out ``weeks`` (the block as planned); ``caps[i]`` and ``rules[i]`` are what
    applied in week i + 1, and there are as many weeks as ``caps`` (fewer than ``weeks`` when the block ends early).
    ``cues_for(phase, deload, week)`` gives the cue list for an exercise."""
    allocation = allocate_weeks([p.weeks for p in program.phases], weeks)
    phase_of_week: list[Phase] = [phase for phase, n in zip(program.phases, allocation) for _ in range(n)]
    days = SESSION_DAYS[days_per_week]
    offsets = [(n, dt.timedelta(days=offset)) for n, offset in enumerate(days, start=1)]
    out: list[Week] = []
    trained_in_phase: dict[str, int] = {}
    session_index = 0
    for number_, phase in enumerate(phase_of_week[:len(caps)], start=1):
        week_caps = caps[number_ - 1]
        loaded = working_load_kg is not None and variant.loadable and not week_caps.bodyweight_only
        deload = program.deload_every > 0 and number_ % program.deload_every == 0
        done = trained_in_phase.get(phase.id, 0)
        k = max(done - 1, 0) if deload else done
        if not deload:
            trained_in_phase[phase.id] = done + 1
        exercise = _exercise(phase, k, deload, program, experience, week_caps, variant, loaded, working_load_kg,
                             load_increment_kg, cues_for(phase, deload, number_))
        sessions = []
        first_day = start_date + dt.timedelta(days=7 * (number_ - 1)) if start_date else None
        for n, offset in offsets:
            session_index += 1
            sessions.append(Session(n, session_index, first_day + offset if first_day else None, (exercise,)))
        out.append(Week(number_, phase.id, phase.name, deload, tuple(sessions), rules[number_ - 1], week_caps))
    return tuple(out)


def _exercise(phase: Phase, k: int, deload: bool, program: Program, experience: ExperienceLevel, caps: Caps,
              variant: Variant, loaded: bool, working_load_kg: float | None, increment: float,
              cues: tuple[str, ...]) -> Exercise:
    sets = round(phase.sets.at(k))
    sets = min(sets, experience.max_sets, caps.max_sets or sets)
    if deload:
        sets = max(1, math.floor(sets * program.deload_volume_percent / 100 + 1e-9))
    reps = round(phase.reps.at(k))
    if caps.max_reps is not None:
        reps = min(reps, caps.max_reps)
    rom = phase.rom_percent.at(k)
    if caps.max_rom_percent is not None:
        rom = min(rom, caps.max_rom_percent)
    rest = phase.rest_seconds
    if caps.min_rest_seconds is not None:
        rest = max(rest, caps.min_rest_seconds)
    load_kg = load_percent = None
    if loaded and working_load_kg is not None and phase.load == "percent" and phase.load_percent is not None:
        load = derive_load(phase.load_percent.at(k), experience, caps, working_load_kg, increment)
        load_kg, load_percent = load.load_kg, load.load_percent
    return Exercise(variant.id, variant.name, sets, reps, load_kg, load_percent, phase.tempo, number(rom), rest, cues)

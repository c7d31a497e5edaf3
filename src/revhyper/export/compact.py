"""The compact form of a block: what ``revhyper batch`` writes on each line, the canonical block without repetition.

A 12-week block of 3 sessions a week states the same exercise, with its six cues, 36 times in the canonical
form (docs/block.md). The compact form states each distinct cue, exercise and phase once, in tables, and
refers to them by their position::

    "variants":  [{"id": "machine_reverse_hyper", "name": "Reverse hyperextension (machine)"}]
    "phases":    [{"id": "activation", "name": "Activation and control"}, ...]
    "cues":      ["Hips at the edge of the pad, ...", ...]
    "exercises": {"fields": ["variant", "sets", "reps", ..., "cues", ...],
                  "rows": [[0, 2, 12, null, null, "2-1-2-1", 50, 60, [0, 1, 2, 3, 4, 5], null, null, null], ...]}
    "weeks":     [{"number": 1, "phase": 0, ..., "sessions": [["2026-12-07", 0], ["2026-12-09", 0], ...]}, ...]

An exercise is a row of values in the order of ``fields`` (:data:`EXERCISE_FIELDS`); its ``variant`` is a position
in ``variants`` (which gives the canonical ``variant`` and ``name``) and its ``cues`` positions in ``cues``.
A session is ``[date, exercise, ...]``: its ``number`` is its place in the week and its ``index`` its place in
the block (both from 1), as the engine numbers them. Everything else is the canonical block, key for key, in the
same order; ``format`` is ``revhyper.block.compact/1``. Nothing is lost: :func:`expand_compact` gives back exactly
``block_to_dict(block)``; tests/test_compact.py holds the two to that. docs/block.md#the-compact-form documents it.
"""

from __future__ import annotations

from typing import Any

from ..engine.block import BLOCK_FORMAT, Block
from .canonical import canonical_with_weeks, week_dates, week_dict

COMPACT_FORMAT = "revhyper.block.compact/1"


class CompactError(ValueError):
    """What is not a compact block, at the key path ``path``: ``str()`` is ``"weeks.0.phase: expected ..."``."""

    def __init__(self, path: tuple[str | int, ...], message: str):
        self.path = path
        self.message = message
        super().__init__(f"{'.'.join(map(str, path))}: {message}")

EXERCISE_FIELDS = ("variant", "sets", "reps", "load_kg", "load_percent", "tempo", "rom_percent", "rest_seconds", "cues",
                   "reps_range", "target_rpe", "target_rir")
"""The values of an exercise row, in order. The last three are null except for double progression, where the
canonical exercise has ``reps_range`` and ``target_rpe`` (or, when that is null, ``target_rir``)."""


def block_to_compact(block: Block) -> dict[str, Any]:
    """The compact form of ``block`` (a plain dict, ready for a JSON encoder)."""
    data = canonical_with_weeks(block, [])
    data["format"] = COMPACT_FORMAT
    variants: dict[tuple[str, str], int] = {}
    phases: dict[tuple[str, str], int] = {}
    cues: dict[str, int] = {}
    exercises: dict[tuple, int] = {}
    cue_lists: dict[tuple[str, ...], list[int]] = {}
    rows: list[list[Any]] = []
    start_caps = block.screening.merged_caps
    progressed = block.progress is not None
    weeks = []
    index = 0
    dates = _DATES
    positions: list[int] = []

    def position(values: tuple[Any, ...]) -> int:
        # An exercise's field values (block.WeekPlan's form) as its key: by value, never identity, so the bytes never
        # depend on what came before. Safe to key by equality because periodization writes every number through
        # number(): a whole one is always an int, so two exercises never differ only as 20 and 20.0 would in JSON.
        at = exercises.get(values)
        if at is None:
            at = exercises[values] = len(rows)
            rows.append(_exercise_row(values, variants, cues, cue_lists))
        return at

    plans = block.week_plans
    if plans is not None and not progressed:  # as the engine derived them: no Week objects made
        for plan in plans:
            positions = [position(values) for values in plan.exercises]
            sessions = [[date, *positions] for date in week_dates(plan.start, plan.days)]
            phase = phases.setdefault((plan.phase, plan.phase_name), len(phases))
            weeks.append(week_dict(plan, start_caps, False, phase, sessions))
    else:
        for week in block.weeks:
            sessions = []
            number = 0
            shown = None  # the sessions of a week share one tuple of exercises: their positions are found once
            for session in week.sessions:
                index += 1
                number += 1
                if session.number != number or session.index != index:
                    raise ValueError(f"week {week.number}: session {session.number} (index {session.index}) is not "
                                     f"numbered in order ({number}, {index}); the compact form numbers sessions by "
                                     "their place")
                if session.exercises is not shown:
                    shown = session.exercises
                    positions = [position(exercise.field_values()) for exercise in shown]
                date = session.date
                sessions.append([None if date is None else dates.get(date) or _date(date), *positions])
            phase = phases.setdefault((week.phase, week.phase_name), len(phases))
            weeks.append(week_dict(week, start_caps, progressed, phase, sessions))
    tables = {
        "variants": [{"id": id_, "name": name} for id_, name in variants],
        "phases": [{"id": id_, "name": name} for id_, name in phases],
        "cues": list(cues),
        "exercises": {"fields": list(EXERCISE_FIELDS), "rows": rows},
        "weeks": weeks,
    }
    out_data: dict[str, Any] = {}
    for key, value in data.items():  # the tables go just before the weeks, in their place
        if key == "weeks":
            out_data.update(tables)
        else:
            out_data[key] = value
    return out_data


_DATES: dict[Any, str] = {}


def _date(date: Any) -> str:
    """A session's date as text, kept: blocks written together share their dates, so each is formatted once."""
    if len(_DATES) >= 4_096:
        _DATES.clear()
    text = _DATES[date] = date.isoformat()
    return text


def _exercise_row(values: tuple[Any, ...], variants: dict[tuple[str, str], int], cues: dict[str, int],
                  cue_lists: dict[tuple[str, ...], list[int]]) -> list[Any]:
    (variant, name, sets, reps, load_kg, load_percent, tempo, rom_percent, rest_seconds, exercise_cues, reps_range,
     target_rpe, target_rir) = values
    double = reps_range is not None
    at = cue_lists.get(exercise_cues)
    if at is None:
        at = cue_lists[exercise_cues] = [cues.setdefault(cue, len(cues)) for cue in exercise_cues]
    return [
        variants.setdefault((variant, name), len(variants)),
        sets, reps, load_kg, load_percent, tempo, rom_percent, rest_seconds,
        list(at),
        list(reps_range) if double else None,
        target_rpe if double else None,
        target_rir if double and target_rpe is None else None,
    ]


def expand_compact(data: dict[str, Any]) -> dict[str, Any]:
    """The canonical form (``block_to_dict``) of a block given in compact form; ``data`` is not changed.

    Raises :class:`CompactError` (a ``ValueError``) naming the key path when ``data`` is not a compact block (a table missing, a position
    outside its table); the block's values are not checked here: ``revhyper.load_block`` checks the expanded block.
    """
    if not isinstance(data, dict) or data.get("format") != COMPACT_FORMAT:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise CompactError(("format",), f"expected \"{COMPACT_FORMAT}\" (a block revhyper batch wrote), got {got!r}")
    variants = _table(data, "variants", dict)
    phases = _table(data, "phases", dict)
    cues = _table(data, "cues", str)
    exercises = _exercises(data.get("exercises"), variants, cues)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("variants", "phases", "cues", "exercises"):
            continue
        if key == "format":
            value = BLOCK_FORMAT
        elif key == "weeks":
            value = _expanded_weeks(value, phases, exercises)
        out[key] = value
    return out


def _table(data: dict[str, Any], key: str, kind: type) -> list:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(item, kind) for item in value):
        raise CompactError((key,), f"expected a list of {'tables' if kind is dict else 'text'}, got {type(value).__name__}")
    return value


def _pick(table: list, at: Any, path: tuple[str | int, ...]) -> Any:
    if isinstance(at, bool) or not isinstance(at, int) or not 0 <= at < len(table):
        raise CompactError(path, f"expected a position in a table of {len(table)}, got {at!r}")
    return table[at]


def _exercises(table: Any, variants: list, cues: list) -> list[dict[str, Any]]:
    if not isinstance(table, dict) or not isinstance(table.get("rows"), list):
        raise CompactError(("exercises",), "expected a table of fields and rows")
    fields = table.get("fields")
    if fields != list(EXERCISE_FIELDS):
        raise CompactError(("exercises", "fields"), f"expected {list(EXERCISE_FIELDS)}, got {fields!r}")
    out = []
    for at, row in enumerate(table["rows"]):
        if not isinstance(row, list) or len(row) != len(EXERCISE_FIELDS):
            raise CompactError(("exercises", "rows", at), f"expected a list of {len(EXERCISE_FIELDS)} values")
        variant, sets, reps, load_kg, load_percent, tempo, rom, rest, positions, reps_range, rpe, rir = row
        picked = _pick(variants, variant, ("exercises", "rows", at, 0))
        if not isinstance(positions, list):
            raise CompactError(("exercises", "rows", at, 8), "expected a list of positions in cues")
        exercise = {"variant": picked.get("id"), "name": picked.get("name"), "sets": sets, "reps": reps,
                    "load_kg": load_kg, "load_percent": load_percent, "tempo": tempo, "rom_percent": rom,
                    "rest_seconds": rest,
                    "cues": [_pick(cues, p, ("exercises", "rows", at, 8, k)) for k, p in enumerate(positions)]}
        if reps_range is not None:
            exercise["reps_range"] = reps_range
            if rpe is not None:
                exercise["target_rpe"] = rpe
            else:
                exercise["target_rir"] = rir
        out.append(exercise)
    return out


def _expanded_weeks(weeks: Any, phases: list, exercises: list) -> list[dict[str, Any]]:
    if not isinstance(weeks, list):
        raise CompactError(("weeks",), f"expected a list, got {type(weeks).__name__}")
    out = []
    index = 0
    for w, week in enumerate(weeks):
        if not isinstance(week, dict) or not isinstance(week.get("sessions"), list):
            raise CompactError(("weeks", w), "expected a table with a list of sessions")
        sessions = []
        for number, session in enumerate(week["sessions"], start=1):
            index += 1
            if not isinstance(session, list) or not session:
                raise CompactError(("weeks", w, "sessions", number - 1), "expected [date, exercise, ...]")
            sessions.append({
                "number": number,
                "index": index,
                "date": session[0],
                "exercises": [_pick(exercises, at, ("weeks", w, "sessions", number - 1, k))
                              for k, at in enumerate(session[1:], start=1)],
            })
        expanded = {}
        for key, value in week.items():
            if key == "phase":
                value = dict(_pick(phases, value, ("weeks", w, "phase")))
            elif key == "sessions":
                value = sessions
            expanded[key] = value
        out.append(expanded)
    return out

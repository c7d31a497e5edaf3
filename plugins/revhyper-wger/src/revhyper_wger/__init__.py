"""Push a revhyper block into wger (REST API v2, the routine model of wger 2.3 and later) as one routine.

The routine is a 7-day cycle from the block's first date: a training day for each weekday the block trains on
and rest days between (wger moves one routine day per calendar day), so wger's ``iteration`` N is the block's
week N. Each training day has one slot per exercise and a slot entry whose sets, repetitions, weight and rest
are per-week configs: one at iteration 1 and one at each week the value changes (``operation "r"``, replace;
``step "abs"``; ``repeat false``: wger keeps the last value until the next config).

wger has no fields for tempo, range of motion or cues: the slot entry's comment (100 characters) gets the
tempo and range by week, the day's description (1000) the full text with the cues and the pain rule, and the
push says what it had to shorten. The exercise is found by wger's exercise UUID (numeric ids differ between
servers). The routine's description carries ``revhyper-push:KEY``; a routine with that key is not created
again, and one a failed push left incomplete is deleted and created anew.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from revhyper.hookspecs import hookimpl
from revhyper.push import Client, Pusher, PushInputError, PushResult, shorten

API = "/api/v2"
REVERSE_HYPER = "682ea312-af02-450a-9880-fea7bf8e854a"  # wger's "Reverse Hyperextension" (exercise base uuid)
EXERCISE_UUIDS = {  # revhyper variant -> wger exercise uuid; the hip-extension variants have no wger exercise
    "machine_reverse_hyper": REVERSE_HYPER,
    "ghd_reverse_hyper": REVERSE_HYPER,
    "bench_reverse_hyper": REVERSE_HYPER,
    "ball_reverse_hyper": REVERSE_HYPER,
}
LIMITS = {"routine.name": 25, "routine.description": 1000, "day.name": 20, "day.description": 1000,
          "slot.comment": 200, "slot_entry.comment": 100}
MAX_DAYS = 120  # Routine.MAX_DURATION_DAYS
INCOMPLETE = "(incomplete: a push was interrupted)"
CONFIGS = (  # (endpoint, exercise field, how wger wants the value)
    ("sets-config", "sets", int),
    ("repetitions-config", "reps", int),
    ("weight-config", "load_kg", float),
    ("rest-config", "rest_seconds", int),
)


def _decimal(value: float) -> str:
    """A wger DecimalField value (6 digits, 2 places) as the string its schema asks for: 7.5 -> "7.5"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def ranges(values: list[tuple[int, Any]], show: Callable[[Any], str]) -> str:
    """``[(1, 50), (2, 60), (3, 70), (4, 70)]`` -> ``"50 wk1, 60 wk2, 70 wk3-4"`` (weeks in runs of one value)."""
    runs: list[list[Any]] = []
    for week, value in values:
        if runs and runs[-1][2] == value and runs[-1][1] == week - 1:
            runs[-1][1] = week
        else:
            runs.append([week, week, value])
    return ", ".join(f"{show(v)} wk{a}" + (f"-{b}" if b != a else "") for a, b, v in runs)


class _Notes:
    def __init__(self) -> None:
        self.items: list[str] = []

    def fit(self, field: str, text: str, where: str) -> str:
        short, cut = shorten(text, LIMITS[field])
        if cut:
            also = " (the full text is in the day's description)" if field == "slot_entry.comment" else ""
            self.items.append(f"{where}: wger's {field.replace('.', ' ').replace('_', ' ')} holds {LIMITS[field]} "
                              f"characters; shortened {len(text)} to {len(short)}{also}")
        return short


def _layout(block: dict[str, Any]) -> tuple[datetime.date, list[int], dict[tuple[int, int], dict[str, Any]]]:
    """The block's first date, the day offsets (0-6) it trains on, and each (week, offset)'s session."""
    weeks = block.get("weeks") or []
    sessions = [(w["number"], s) for w in weeks for s in w.get("sessions", [])]
    if not sessions:
        raise PushInputError("wger", "weeks", "the block has no sessions")
    if any(not s.get("date") for _, s in sessions):
        raise PushInputError("wger", "weeks[].sessions[].date", "the block has no dates, and a wger routine needs a "
                                                                "start and an end: give the profile a "
                                                                "training.start_date and generate it again")
    start = min(datetime.date.fromisoformat(s["date"]) for _, s in sessions)
    planned = (block.get("plan") or {}).get("start_date")
    if planned and datetime.date.fromisoformat(planned) <= start:
        start = datetime.date.fromisoformat(planned)  # the block's weeks count from its start date
    by_day: dict[tuple[int, int], dict[str, Any]] = {}
    for number, session in sessions:
        days = (datetime.date.fromisoformat(session["date"]) - start).days
        week, offset = days // 7 + 1, days % 7
        if week != number:
            raise PushInputError("wger", f"weeks[{number - 1}]", f"session {session['number']} on {session['date']} "
                                                                 f"falls in the block's week {week}, not {number}: "
                                                                 "wger's weeks are 7-day cycles from the first day")
        by_day[(number, offset)] = session
    return start, sorted({offset for _, offset in by_day}), by_day


def _exercise_ids(block: dict[str, Any], client: Client) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    for week in block["weeks"]:
        for session in week.get("sessions", []):
            for exercise in session["exercises"]:
                variant = exercise["variant"]
                if variant in ids:
                    continue
                uuid = EXERCISE_UUIDS.get(variant)
                if uuid is None:
                    raise PushInputError("wger", "weeks[].sessions[].exercises[].variant",
                                         f"wger has no exercise for '{variant}' ({exercise['name']}); wger knows "
                                         f"the reverse hyperextension only ({', '.join(sorted(EXERCISE_UUIDS))})")
                found = client.get(f"{API}/exerciseinfo/", {"uuid": uuid}, label=f"find exercise {uuid}")
                if client.dry_run:
                    ids[variant] = f"<exercise {uuid}.id>"
                    continue
                results = (found or {}).get("results") or []
                match = [r for r in results if r.get("uuid") == uuid]
                if not match:
                    raise PushInputError("wger", "exercise", f"the server has no exercise with uuid {uuid} "
                                                             "(\"Reverse Hyperextension\"); sync its exercises "
                                                             "(python manage.py sync-exercises) and push again")
                ids[variant] = match[0]["id"]
    return ids


def _existing(client: Client) -> dict[str, Any] | None:
    """The routine an earlier push of this block made (its description carries the key), if any."""
    offset = 0
    while True:
        page = client.get(f"{API}/routine/", {"limit": 100, "offset": offset}, label="look for an earlier push")
        results = (page or {}).get("results") or []
        for routine in results:
            if client.marker() in (routine.get("description") or ""):
                return dict(routine)
        offset += len(results)
        if not results or not (page or {}).get("next"):
            return None


def _description(block: dict[str, Any], notes: _Notes, incomplete: bool, marker: str) -> str:
    plan = block.get("plan") or {}
    tail = f"\n{marker}" + (f" {INCOMPLETE}" if incomplete else "")
    head = (f"revhyper {plan.get('program', '')} block, {plan.get('weeks', len(block['weeks']))} weeks, "
            f"rule set {block['ruleset']['id']}@{block['ruleset']['version']}. {block.get('disclaimer', '')}")
    short, cut = shorten(head, LIMITS["routine.description"] - len(tail))
    if cut and not incomplete:
        notes.items.append(f"routine: wger's routine description holds {LIMITS['routine.description']} characters; "
                           f"shortened the disclaimer")
    return short + tail


def _day_text(block: dict[str, Any], offset: int, position: int, by_day: dict[tuple[int, int], dict[str, Any]]
              ) -> tuple[str, str]:
    """(the slot entry's comment, the day's description) for one exercise position on one day."""
    entries = [(w, by_day[(w, offset)]["exercises"][position]) for w in range(1, len(block["weeks"]) + 1)
               if (w, offset) in by_day and position < len(by_day[(w, offset)]["exercises"])]
    tempo = ranges([(w, e["tempo"]) for w, e in entries], str)
    rom = ranges([(w, e["rom_percent"]) for w, e in entries], lambda v: f"{v}%")
    comment = f"Tempo {tempo}; ROM {rom}"
    cues: list[str] = []
    for _, e in entries:
        cues += [c for c in e.get("cues", []) if c not in cues]
    pain = block.get("pain_rule") or {}
    description = (f"{entries[0][1]['name']}. Tempo {tempo}. Range of motion {rom}. "
                   + " ".join(cues) + " " + " ".join(pain.get(k, "") for k in ("after", "week_to_week"))).strip()
    return comment, description


def push(block: dict[str, Any], client: Client) -> PushResult:
    notes = _Notes()
    start, offsets, by_day = _layout(block)
    weeks = len(block["weeks"])
    end = start + datetime.timedelta(days=7 * weeks - 1)
    if (end - start).days > MAX_DAYS:
        raise PushInputError("wger", "weeks", f"{weeks} weeks is longer than a wger routine may be ({MAX_DAYS} days)")
    earlier = _existing(client)
    if earlier is not None:
        if INCOMPLETE not in (earlier.get("description") or ""):
            return PushResult(existing=f"routine {earlier['id']} ({earlier.get('name', '')})")
        client.delete(f"{API}/routine/{earlier['id']}/", label="delete the routine an interrupted push left")
        notes.items.append(f"deleted routine {earlier['id']}, which an interrupted push of this block had left "
                           "incomplete")
    exercise_ids = _exercise_ids(block, client)
    plan = block.get("plan") or {}
    name = notes.fit("routine.name", f"{plan.get('program', 'revhyper')} {weeks} wk", "routine")
    routine = client.post(f"{API}/routine/", {
        "name": name, "description": _description(block, notes, True, client.marker()),
        "start": start.isoformat(), "end": end.isoformat(), "fit_in_week": False,
    }, label="routine")
    created = [f"routine {routine['id']} ({name})"]
    increment = plan.get("load_increment_kg")
    training = 0
    for order, offset in enumerate(range(7), start=1):
        is_rest = offset not in offsets
        if not is_rest:
            training += 1
        day_name = "Rest" if is_rest else f"Session {training}"
        body: dict[str, Any] = {"routine": routine["id"], "order": order, "name": day_name, "is_rest": is_rest,
                                "need_logs_to_advance": False, "type": "custom"}
        positions = 0 if is_rest else max(len(by_day[k]["exercises"]) for k in by_day if k[1] == offset)
        texts = [_day_text(block, offset, p, by_day) for p in range(positions)]
        if texts:
            body["description"] = notes.fit("day.description", " | ".join(t[1] for t in texts), day_name)
        day = client.post(f"{API}/day/", body, label=f"day {order} ({day_name})")
        for position in range(positions):
            slot = client.post(f"{API}/slot/", {"day": day["id"], "order": position + 1}, label=f"{day_name} slot")
            first = next(by_day[(w, offset)]["exercises"][position] for w in range(1, weeks + 1)
                         if (w, offset) in by_day)
            entry_body: dict[str, Any] = {"slot": slot["id"], "exercise": exercise_ids[first["variant"]],
                                          "order": 1, "type": "normal",
                                          "comment": notes.fit("slot_entry.comment", texts[position][0], day_name)}
            if increment:
                entry_body["weight_rounding"] = _decimal(increment)
            entry = client.post(f"{API}/slot-entry/", entry_body, label=f"{day_name} exercise")
            _configs(client, entry["id"], offset, position, weeks, by_day, notes, day_name)
    client.patch(f"{API}/routine/{routine['id']}/", {"description": _description(block, notes, False, client.marker())},
                 label="mark the routine complete")
    return PushResult(created=tuple(created), notes=tuple(notes.items))


def _configs(client: Client, entry: Any, offset: int, position: int, weeks: int,
             by_day: dict[tuple[int, int], dict[str, Any]], notes: _Notes, day_name: str) -> None:
    """One config per field at iteration 1 and at every week its value changes (a week without this day: 0 sets)."""
    for endpoint, field, kind in CONFIGS:
        last: Any = object()
        for week in range(1, weeks + 1):
            session = by_day.get((week, offset))
            exercise = session["exercises"][position] if session and position < len(session["exercises"]) else None
            value: Any
            if exercise is None:
                value = 0 if field == "sets" else None
            else:
                value = exercise.get(field)
            if value is None and field != "load_kg":
                continue
            if value is None:  # bodyweight: no weight config until a load appears, then 0 for a bodyweight week
                if isinstance(last, (int, float)):
                    value = 0
                else:
                    continue
            value = kind(value)
            if value == last:
                continue
            last = value
            if not 0 <= value <= 3000:
                raise PushInputError("wger", f"weeks[{week - 1}]", f"{field} {value} is outside wger's 0-3000")
            client.post(f"{API}/{endpoint}/", {"slot_entry": entry, "iteration": week, "value": _decimal(value),
                                               "operation": "r", "step": "abs", "repeat": False, "requirements": None},
                        label=f"{day_name} {field} from week {week}")


def auth_header(token: str) -> tuple[str, str]:
    return ("Authorization", f"Token {token}")


WGER = Pusher(name="wger", description="a wger routine (REST API v2): days, slots, per-week sets/reps/weight/rest",
              push=push, auth_header=auth_header, default_url="https://wger.de")


@hookimpl
def revhyper_register_pushers(register):
    register(WGER)

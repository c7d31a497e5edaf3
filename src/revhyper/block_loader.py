"""Read back a block revhyper wrote (its canonical JSON, docs/block.md) into the frozen :class:`Block`.

The JSON's layout is reshaped into the classes' fields (the inverse of canonical.py, one explicit mapping),
then structured with one cattrs converter: extra keys are refused, numbers keep their type (so that
``block_to_json(load_block(path))`` gives the file's bytes back), dates are ISO dates. Every problem is
reported with its key path and line:column. cattrs is imported only here, on first use.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from pathlib import Path as FilePath
from typing import Any

from .block import BLOCK_FORMAT, Block
from .errors import BlockError, Problem
from .locate import Locations, Path

MAX_BYTES = 20_000_000
PROFILE_SECTIONS = ("person", "pain", "training")
TOP = ("format", "generator", "ruleset", "person_id", "status", "disclaimer", "referral", "screening", "caps", "plan",
       "weeks", "adjustments", "warnings", "notes", "pain_rule")
PROGRESSED = ("progress", "adaptations")
"""The keys only a block `revhyper progress` wrote has (both, or neither)."""


def load_block(path: str | FilePath) -> Block:
    """Read a block file revhyper wrote (canonical JSON) back into a :class:`Block`; :class:`BlockError` if it is not one."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise BlockError([Problem(name, "", f"cannot read the block: {exc.strerror or exc}")]) from None
    if len(data) > MAX_BYTES:
        raise BlockError([Problem(name, "", f"the block is larger than {MAX_BYTES:,} bytes")])
    return parse_block(data, name=name)


def parse_block(source: str | bytes, *, name: str = "<block>") -> Block:
    """Read a block given as its canonical JSON text (or bytes)."""
    if isinstance(source, bytes):
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:  # as ruleset_loader.decode says it, without importing the rule-set loader
            line = source[: exc.start].count(b"\n") + 1
            raise BlockError([Problem(name, "", f"the file is not UTF-8 text (byte {exc.start + 1} cannot be read)",
                                      line)]) from None
    else:
        text = source
    if text.lstrip()[:1] != "{" and re.search(r"^\s*\[(person|pain|training)\]", text, re.M):
        raise BlockError([Problem(name, "", "this is a profile, not a block: use revhyper generate to write its block", 1, 1)])
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise BlockError([Problem(name, "", f"not valid JSON (a block is the canonical JSON revhyper generate writes): "
                                            f"{exc.msg}", exc.lineno, exc.colno)]) from None
    except (ValueError, RecursionError) as exc:
        raise BlockError([Problem(name, "", f"not valid JSON: {exc}")]) from None
    return block_from_dict(data, name=name, text=text)


def block_from_dict(data: Any, *, name: str = "<data>", text: str = "") -> Block:
    """Structure already-parsed canonical JSON (``revhyper.block_to_dict``'s form) into a :class:`Block`."""
    from cattrs import ClassValidationError, transform_error

    def problem(path: Path, message: str) -> Problem:
        position = Locations(text, "json").value(path) if text else None
        return Problem(name, _format(path), message, *(position or (None, None)))

    if isinstance(data, dict) and "format" not in data and any(s in data for s in PROFILE_SECTIONS):
        raise BlockError([problem((), "this is a profile, not a block: use revhyper generate to write its block")])
    if not isinstance(data, dict):
        raise BlockError([problem((), "a block is a JSON object (the canonical JSON revhyper generate writes)")])
    if data.get("format") != BLOCK_FORMAT:
        raise BlockError([problem(("format",), f"expected \"{BLOCK_FORMAT}\" (a block revhyper wrote), got "
                                               f"{json.dumps(data.get('format'))[:60]}")])
    problems = [problem((key,), f"unknown key '{key}' in a block") for key in data if key not in TOP + PROGRESSED]
    if ("progress" in data) != ("adaptations" in data):
        problems.append(problem(("progress",), "a block revhyper progress wrote has both progress and adaptations"))
    problems += [problem((key,), f"missing key '{key}'") for key in TOP if key not in data]
    if problems:
        raise BlockError(problems)
    try:
        shaped = _reshape(data)
    except _Bad as exc:
        raise BlockError([problem(exc.path, exc.message)]) from None
    try:
        return _converter().structure(shaped, Block)
    except ClassValidationError as exc:
        found = []
        for message in transform_error(exc, path="$", format_exception=_message):
            text_path = message.rsplit(" @ ", 1)[-1] if " @ " in message else "$"
            found.append(problem(_canonical_path(_parse_path(text_path)), message.rsplit(" @ ", 1)[0]))
        raise BlockError(found or [problem((), str(exc))]) from None


def _message(exc: BaseException, kind: Any) -> str:
    from cattrs.errors import ForbiddenExtraKeysError

    if isinstance(exc, ForbiddenExtraKeysError):
        return f"unknown key{'s' * (len(exc.extra_fields) > 1)} {', '.join(sorted(exc.extra_fields))}"
    if isinstance(exc, KeyError):
        return "required key missing"
    if isinstance(exc, (ValueError, TypeError)) and "expected" in str(exc):
        return str(exc)
    return f"invalid value: {exc}"


class _Bad(Exception):
    def __init__(self, path: Path, message: str):
        self.path, self.message = path, message


def _table(value: Any, path: Path, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad(path, f"expected a table with {', '.join(keys)}")
    for key in value:
        if key not in keys:
            raise _Bad(path + (key,), f"unknown key '{key}' (expected {', '.join(keys)})")
    for key in keys:
        if key not in value:
            raise _Bad(path + (key,), f"missing key '{key}'")
    return value


def _list(value: Any, path: Path) -> list[Any]:
    if not isinstance(value, list):
        raise _Bad(path, "expected a list")
    return value


def _reshape(data: dict[str, Any]) -> dict[str, Any]:
    """The canonical JSON's layout, rearranged into the fields of the attrs classes (inverse of canonical.py)."""
    generator = _table(data["generator"], ("generator",), ("name", "version"))
    screening = _table(data["screening"], ("screening",), ("fired", "clearance", "restrictions"))
    clearance = _table(screening["clearance"], ("screening", "clearance"), ("required_by", "given"))
    caps = data["caps"]
    if not isinstance(caps, dict):
        raise _Bad(("caps",), "expected a table of caps")
    applied = []
    for cap, entry in caps.items():
        entry = _table(entry, ("caps", cap), ("value", "meaning", "set_by", "also_asked"))
        tags = frozenset if cap == "avoid_tags" and all(isinstance(a, list) for a in [entry["value"]]) else None
        also = [(_table(a, ("caps", cap, "also_asked", i), ("by", "value"))["by"],
                 tags(a["value"]) if tags and isinstance(a["value"], list) else a["value"])
                for i, a in enumerate(_list(entry["also_asked"], ("caps", cap, "also_asked")))]
        applied.append({"name": cap, "value": tags(entry["value"]) if tags else entry["value"], "meaning": entry["meaning"], "set_by": entry["set_by"],
                        "also_asked": also})
    fired = []
    for index, rule in enumerate(_list(screening["fired"], ("screening", "fired"))):
        rule = _table(rule, ("screening", "fired", index),
                      ("id", "title", "action", "reason", "source", "condition", "values", "caps"))
        source = _table(rule["source"], ("screening", "fired", index, "source"), ("key", "citation"))
        values = rule["values"]
        if not isinstance(values, dict):
            raise _Bad(("screening", "fired", index, "values"), "expected a table of the values the rule read")
        fired.append({**{k: rule[k] for k in ("id", "title", "action", "reason", "condition")},
                      "source": source["key"], "citation": source["citation"], "values": [(k, tuple(v) if isinstance(v, list) else v) for k, v in values.items()],
                      "caps": rule["caps"] or None, "referral": None})
    plan = data["plan"]
    if plan is not None:
        plan = _table(plan, ("plan",), ("goal", "program", "experience", "variant", "weeks", "days_per_week",
                                        "start_date", "working_load_kg", "load_increment_kg"))
        variant = _table(plan["variant"], ("plan", "variant"), ("id", "name"))
        plan = {**{k: v for k, v in plan.items() if k not in ("program", "variant")}, "program_name": plan["program"],
                "variant": variant["id"], "variant_name": variant["name"]}
    weeks = []
    for index, week in enumerate(_list(data["weeks"], ("weeks",))):
        week = _table(week, ("weeks", index), ("number", "phase", "deload", "sessions"))
        phase = _table(week["phase"], ("weeks", index, "phase"), ("id", "name"))
        shaped_week = {"number": week["number"], "phase": phase["id"], "phase_name": phase["name"],
                       "deload": week["deload"], "sessions": week["sessions"]}
        if "progress" in data:
            shaped_week["logged"] = _logged(week.get("logged"), ("weeks", index, "logged"))
        weeks.append(shaped_week)
    return {
        "generator_version": generator["version"], "ruleset": data["ruleset"], "person_id": data["person_id"],
        "status": data["status"], "disclaimer": data["disclaimer"],
        "screening": {"status": data["status"], "fired": fired, "caps": applied,
                      "merged_caps": {cap: entry["value"] for cap, entry in caps.items()},
                      "referral": data["referral"], "clearance_required_by": clearance["required_by"],
                      "clearance_given": clearance["given"], "restrictions": screening["restrictions"]},
        "plan": plan, "weeks": weeks, "adjustments": data["adjustments"], "warnings": data["warnings"],
        "notes": data["notes"], "pain_rule": data["pain_rule"], "format": data["format"],
        **(_progressed(data) if "progress" in data else {}),
    }


def _progressed(data: dict[str, Any]) -> dict[str, Any]:
    """A progressed block's ``progress`` and ``adaptations``, as the classes' fields (canonical._progress)."""
    info = _table(data["progress"], ("progress",), ("log", "done_weeks", "notes"))
    log = _table(info["log"], ("progress", "log"), ("file", "reader", "sessions", "sets"))
    adaptations = []
    for index, entry in enumerate(_list(data["adaptations"], ("adaptations",))):
        path = ("adaptations", index)
        entry = _table(entry, path, ("week", "action", "change", "from_week", "rules", "entries"))
        rules = []
        for n, rule in enumerate(_list(entry["rules"], path + ("rules",))):
            rule = _table(rule, path + ("rules", n), ("id", "title", "action", "reason", "source", "condition", "values"))
            source = _table(rule["source"], path + ("rules", n, "source"), ("key", "citation"))
            if not isinstance(rule["values"], dict):
                raise _Bad(path + ("rules", n, "values"), "expected a table of the values the rule read")
            rules.append({**{k: rule[k] for k in ("id", "title", "action", "reason", "condition")},
                          "source": source["key"], "citation": source["citation"],
                          "values": [(k, tuple(v) if isinstance(v, list) else v) for k, v in rule["values"].items()]})
        entries = [(_table(e, path + ("entries", n), ("date", "where"))["date"], e["where"])
                   for n, e in enumerate(_list(entry["entries"], path + ("entries",)))]
        adaptations.append({**{k: entry[k] for k in ("week", "action", "change", "from_week")}, "rules": rules,
                            "entries": entries})
    return {"progress": {"log_file": log["file"], "log_reader": log["reader"], "sessions": log["sessions"],
                         "sets": log["sets"], "done_weeks": info["done_weeks"], "notes": info["notes"]},
            "adaptations": adaptations}


def _logged(value: Any, path: Path) -> Any:
    if value is None:
        return None
    out = []
    for index, session in enumerate(_list(value, path)):
        session = _table(session, path + (index,), ("date", "pain_during", "pain_next_morning", "where", "sets"))
        sets = [{**_table(s, path + (index, "sets", n), ("variant", "set", "reps", "load_kg", "rpe", "note")),
                 "date": session["date"], "pain_during": session["pain_during"],
                 "pain_next_morning": session["pain_next_morning"]}
                for n, s in enumerate(_list(session["sets"], path + (index, "sets")))]
        out.append({**session, "sets": sets})
    return out


RENAMED = {"generator_version": ("generator", "version"), "program_name": ("program",), "variant_name": ("variant", "name"),
           "phase_name": ("phase", "name"), "merged_caps": ("caps",), "clearance_required_by": ("clearance", "required_by"),
           "clearance_given": ("clearance", "given")}


def _canonical_path(path: tuple[Any, ...]) -> Path:
    """A path in the classes' fields, as the JSON file writes it (for line:column and the message)."""
    out: list[Any] = []
    for index, part in enumerate(path):
        if part == "screening" and index == 0 and len(path) > 1 and path[1] in ("caps", "referral", "merged_caps"):
            continue
        if part == "source" and out[-2:-1] == ["fired"]:
            out += ["source", "key"]
        elif part == "citation":
            out += ["source", "citation"]
        elif part == "plan" or (part == "variant" and out[:1] == ["plan"]):
            out += ["plan"] if part == "plan" else ["variant", "id"]
        elif part in RENAMED:
            out += list(RENAMED[part])
        else:
            out.append(part)
    return tuple(out)


def _parse_path(text: str) -> tuple[Any, ...]:
    parts: list[Any] = []
    for name, index in re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]", text):
        parts.append(name if name else int(index))
    return tuple(parts)


def _format(path: Path) -> str:
    from .locate import format_path

    return format_path(path)


def _no_constant(word: str) -> Any:
    raise ValueError(f"{word} is not a number JSON allows")


@functools.cache
def _converter():
    """One cattrs converter: strict scalars (a number keeps its type: 40 stays 40, 40.0 stays 40.0), ISO dates,
    extra keys refused, frozensets from lists."""
    import cattrs

    from .ruleset import Caps

    converter = cattrs.Converter(forbid_extra_keys=True)

    def strict(kind: type, word: str):
        def hook(value: Any, _: Any) -> Any:
            if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
                raise ValueError(f"expected {word}, got {json.dumps(value)[:40]}")
            return value
        return hook

    def number(value: Any, _: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number, got {json.dumps(value)[:40]}")
        return value

    def date(value: Any, _: Any) -> dt.date:
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(f"expected a date YYYY-MM-DD, got {json.dumps(value)[:40]}")
        return dt.date.fromisoformat(value)

    converter.register_structure_hook(str, strict(str, "text"))
    converter.register_structure_hook(int, strict(int, "a whole number"))
    converter.register_structure_hook(bool, strict(bool, "true or false"))
    converter.register_structure_hook(float, number)
    converter.register_structure_hook(dt.date, date)
    converter.register_structure_hook(Any, lambda value, _: value)

    import attrs

    cap_types = {f.name: f.type for f in attrs.fields(attrs.resolve_types(Caps))}

    def caps(value: Any, _: Any) -> Caps:
        """A table of caps: each known cap checked as its field's type (a number, a whole number, true/false, tags)."""
        if not isinstance(value, dict):
            raise ValueError("expected a table of caps")
        unknown = sorted(set(value) - set(cap_types))
        if unknown:
            raise ValueError(f"expected a cap ({', '.join(cap_types)}), got {', '.join(unknown)}")
        fields: dict[str, Any] = {}
        for name, item in value.items():
            if name == "avoid_tags":
                if not isinstance(item, list) or not all(isinstance(tag, str) for tag in item):
                    raise ValueError(f"avoid_tags: expected a list of tags, got {json.dumps(item)[:40]}")
                fields[name] = frozenset(item)
            else:
                try:
                    fields[name] = converter.structure(item, cap_types[name])
                except (ValueError, TypeError) as exc:
                    raise ValueError(f"{name}: {exc}") from None
        return Caps(**fields)

    converter.register_structure_hook(Caps, caps)

    from .block import LoggedSession
    from .logs.model import LogEntry

    def logged(value: Any, _: Any) -> LoggedSession:
        """A logged session: its sets are the log's entries, each with the session's date and pain."""
        sets = tuple(converter.structure(s, LogEntry) for s in value["sets"])
        return LoggedSession(converter.structure(value["date"], dt.date), value["pain_during"],
                             value["pain_next_morning"], sets, converter.structure(value["where"], str))

    converter.register_structure_hook(LoggedSession, logged)
    return converter

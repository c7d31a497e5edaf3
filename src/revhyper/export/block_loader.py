"""Read back a block revhyper wrote (its canonical JSON, docs/block.md) into the frozen :class:`Block`.

Only what canonical.py renames or nests is reshaped into the classes' fields (``_reshape``, ``RENAMED``); every
other key reaches cattrs under its own name, so the attrs classes give the shape. One cattrs converter: extra keys are refused, numbers keep their type (so that
``block_to_json(load_block(path))`` gives the file's bytes back), dates are ISO dates. Every problem is
reported with its key path and line:column. cattrs is imported only here, on first use.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import typing
from pathlib import Path as FilePath
from typing import Any

from ..engine.block import BLOCK_FORMAT, Block
from .compact import COMPACT_FORMAT, CompactError, expand_compact
from ..errors import BlockError, Problem
from ..io.locate import Locations, Path

MAX_BYTES = 20_000_000
PROFILE_SECTIONS = ("person", "pain", "training")
TOP = ("format", "generator", "ruleset", "person_id", "status", "disclaimer", "referral", "screening", "caps", "plan",
       "weeks", "adjustments", "warnings", "notes", "pain_rule")
PROGRESSED = ("progress", "adaptations")
"""The keys only a block `revhyper progress` wrote has (both, or neither)."""


def load_block(path: str | FilePath) -> Block:
    """Read a block file revhyper wrote (canonical JSON) back into a :class:`Block`; :class:`BlockError` if it is not one."""
    from ..io.reading import read_file_bytes

    name = str(path)
    data = read_file_bytes(path, MAX_BYTES, "the block", BlockError)
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
    if data.get("format") == COMPACT_FORMAT:  # a block from a line of revhyper batch: read as its canonical form
        try:
            data = expand_compact(data)
        except CompactError as exc:
            raise BlockError([problem(exc.path, exc.message)]) from None
        text = ""  # places in the compact text are not places in the expanded block
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
            found.append(problem(_canonical_path(_parse_path(text_path), list(data["caps"])), message.rsplit(" @ ", 1)[0]))
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


def _open(value: Any, path: Path, keys: tuple[str, ...]) -> dict[str, Any]:
    """A table of which only ``keys`` are reshaped here (they must be there); cattrs checks the others."""
    if not isinstance(value, dict):
        raise _Bad(path, "expected a table")
    for key in keys:
        if key not in value:
            raise _Bad(path + (key,), f"missing key '{key}'")
    return dict(value)


def _list(value: Any, path: Path) -> list[Any]:
    if not isinstance(value, list):
        raise _Bad(path, "expected a list")
    return value


def _reshape(data: dict[str, Any]) -> dict[str, Any]:
    """The canonical JSON's layout, rearranged into the fields of the attrs classes (inverse of canonical.py).

    Only what canonical.py renames or nests is touched here; every other key is handed to cattrs as it is, under
    its field's name, so a field canonical.py writes under its own name is read back without a change here (and
    an unknown key is refused by cattrs with its path)."""
    generator = _table(data["generator"], ("generator",), ("name", "version"))
    if generator["name"] != "revhyper":
        raise _Bad(("generator", "name"), f"expected \"revhyper\", got {json.dumps(generator['name'])[:40]}")
    screening = _open(data["screening"], ("screening",), ("clearance",))
    clearance = _table(screening.pop("clearance"), ("screening", "clearance"), tuple(CLEARANCE))
    caps = data["caps"]
    if not isinstance(caps, dict):
        raise _Bad(("caps",), "expected a table of caps")
    applied = []
    for cap, entry in caps.items():
        entry = _open(entry, ("caps", cap), ("value", "also_asked"))
        tags = frozenset if cap == "avoid_tags" else None
        also = [(_table(a, ("caps", cap, "also_asked", i), ("by", "value"))["by"],
                 tags(a["value"]) if tags and isinstance(a["value"], list) else a["value"])
                for i, a in enumerate(_list(entry["also_asked"], ("caps", cap, "also_asked")))]
        value = tags(entry["value"]) if tags and isinstance(entry["value"], list) else entry["value"]
        applied.append({**entry, "name": cap, "value": value, "also_asked": also})
    fired = []
    for index, rule in enumerate(_list(screening.pop("fired"), ("screening", "fired"))):
        rule = _open(rule, ("screening", "fired", index), ("source", "values", "caps"))
        source = _table(rule.pop("source"), ("screening", "fired", index, "source"), ("key", "citation"))
        values = rule["values"]
        if not isinstance(values, dict):
            raise _Bad(("screening", "fired", index, "values"), "expected a table of the values the rule read")
        fired.append({**rule, "source": source["key"], "citation": source["citation"],
                      "values": [(k, tuple(v) if isinstance(v, list) else v) for k, v in values.items()],
                      "caps": rule["caps"] or None})
    decisions = []
    for index, decision in enumerate(_list(clearance["rules"], ("screening", "clearance", "rules"))):
        decision = _open(decision, ("screening", "clearance", "rules", index), ("not_before",))
        since = decision.pop("not_before")
        if since is not None:
            since = _table(since, ("screening", "clearance", "rules", index, "not_before"), ("what", "date"))
            since = (since["what"], since["date"])
        decisions.append({**decision, "since": since})
    offered = [tuple(_table(r, ("screening", "clearance", "restrictions_offered", i), ("id", "description")).values())
               for i, r in enumerate(_list(clearance["restrictions_offered"],
                                           ("screening", "clearance", "restrictions_offered")))]
    plan = data["plan"]
    if plan is not None:
        plan = _open(plan, ("plan",), ("program", "variant"))
        variant = _table(plan.pop("variant"), ("plan", "variant"), ("id", "name"))
        program = plan.pop("program")
        plan = {**plan, "program_name": program, "variant": variant["id"], "variant_name": variant["name"]}
    start_caps = {cap: entry["value"] for cap, entry in caps.items()}
    weeks = []
    for index, week in enumerate(_list(data["weeks"], ("weeks",))):
        week = _open(week, ("weeks", index), ("phase", "caps"))
        phase = _table(week.pop("phase"), ("weeks", index, "phase"), ("id", "name"))
        if "progress" in data:  # a block revhyper progress wrote: its weeks hold what was logged
            week["logged"] = _logged(week.get("logged"), ("weeks", index, "logged"))
        weeks.append({**week, "phase": phase["id"], "phase_name": phase["name"],  # caps null: the start caps
                      "caps": start_caps if week["caps"] is None else week["caps"]})
    rest = {k: v for k, v in data.items()
            if k not in ("generator", "screening", "caps", "referral", "weeks", "plan", "progress", "adaptations")}
    return {
        **rest, "generator_version": generator["version"], "plan": plan, "weeks": weeks,
        "screening": {**screening, "status": data["status"], "fired": fired, "caps": applied,
                      "merged_caps": start_caps,
                      "referral": data["referral"], "clearance_rules": decisions, "restrictions_offered": offered,
                      **{CLEARANCE[k]: v for k, v in clearance.items() if k not in ("rules", "restrictions_offered")}},
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

# screening.clearance's keys -> the Screening fields they are read into
CLEARANCE = {"required_by": "clearance_required_by", "given": "clearance_given", "rules": "clearance_rules",
             "clearances": "clearances", "restrictions_offered": "restrictions_offered"}
# a field's name -> its path in the JSON, where canonical.py writes it under another name or nested
RENAMED = {"generator_version": ("generator", "version"), "program_name": ("program",), "variant_name": ("variant", "name"),
           "phase_name": ("phase", "name"), "merged_caps": ("caps",), "since": ("not_before",),
           **{field: ("clearance", key) for key, field in CLEARANCE.items()}}


def _canonical_path(path: tuple[Any, ...], cap_names: list[str]) -> Path:
    """A path in the classes' fields, as the JSON file writes it (for line:column and the message)."""
    if path[:2] == ("screening", "caps") and len(path) > 2 and isinstance(path[2], int):  # caps are keyed by name
        return ("caps", cap_names[path[2]], *path[3:])
    out: list[Any] = []
    for index, part in enumerate(path):
        if part == "screening" and index == 0 and len(path) > 1 and path[1] in ("caps", "referral", "merged_caps", "status"):
            continue
        if part == "source" and out[-2:-1] == ["fired"]:
            out += ["source", "key"]
        elif part == "citation":
            out += ["source", "citation"]
        elif part == "plan" or (part == "variant" and out[:1] == ["plan"]):
            out += ["plan"] if part == "plan" else ["variant", "id"]
        elif out[-1:] == ["not_before"] and part in (0, 1):
            out.append(("what", "date")[part])
        elif out[-2:-1] == ["restrictions_offered"] and part in (0, 1) and index == len(path) - 1:
            out.append(("id", "description")[part])
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
    from ..io.locate import format_path

    return format_path(path)


def _no_constant(word: str) -> Any:
    raise ValueError(f"{word} is not a number JSON allows")


@functools.cache
def _converter():
    """One cattrs converter: strict scalars (a number keeps its type: 40 stays 40, 40.0 stays 40.0), ISO dates,
    extra keys refused, frozensets from lists."""
    import cattrs

    from ..rules.ruleset import Caps

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

    def sequence(value: Any, kind: Any) -> Any:  # a list, not text read letter by letter
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"expected a list, got {json.dumps(value)[:40]}")
        return converter._structure_tuple(value, kind)

    converter.register_structure_hook_func(lambda kind: kind is tuple or typing.get_origin(kind) is tuple, sequence)

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

    from ..engine.block import LoggedSession
    from ..logs.model import LogEntry

    def logged(value: Any, _: Any) -> LoggedSession:
        """A logged session: its sets are the log's entries, each with the session's date and pain."""
        sets = tuple(converter.structure(s, LogEntry) for s in value["sets"])
        return LoggedSession(converter.structure(value["date"], dt.date), value["pain_during"],
                             value["pain_next_morning"], sets, converter.structure(value["where"], str))

    # by predicate: registering the class would make cattrs resolve its annotations, and block.py names LogEntry
    # only for type checkers (a generated block imports no log code)
    converter.register_structure_hook_func(lambda kind: kind is LoggedSession, logged)
    return converter

"""The coach's form, derived from the profile's JSON Schema and a rule set's vocabulary: its fields, the profile a
submitted form means, and which field a problem belongs to. No HTML here (page.py writes it).

Every field is named by its key path exactly as a problem names it (``person.age``, ``history.surgeries[0].date``,
``clearance[1].rules``), so a problem finds its field by its path. Types, ranges, choices and help texts come
from the schema (``revhyper schema profile``); the words a list or a word field offers come from the rule set, the
field's ``vocabulary`` in the profile model (revhyper.profile.profile) saying which vocabulary it reads.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ..errors import Problem
from ..profile.profile import SECTIONS
from ..rules.ruleset import RuleSet

ROWS_FREE = 1
"""Empty rows a list of tables (surgeries, injections, clearances) offers beyond the ones filled in."""
ROWS_AT_LEAST = 2


@attrs.frozen
class Choice:
    value: str
    help: str = ""


@attrs.frozen
class Field:
    path: str
    """The key path, as a problem names it; also the form field's name."""
    kind: str
    """``integer``, ``number``, ``boolean``, ``text``, ``date``, ``select`` or ``words`` (a list of checkboxes)."""
    label: str
    help: str
    required: bool = False
    choices: tuple[Choice, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@attrs.frozen
class Group:
    """A fieldset: a section, or one row of a list of tables."""

    path: str
    legend: str
    help: str
    items: tuple[Field | Group, ...]
    required: bool = False


def load_schema() -> dict[str, Any]:
    from ..commands.schema import schema_bytes

    return json.loads(schema_bytes("profile"))


def words_of(ruleset: RuleSet, vocabulary: str) -> tuple[Choice, ...]:
    """The words a field reading ``vocabulary`` may hold, with what the rule set says each means."""
    if vocabulary == "rules":  # a clearance clears the rules that require clearance (as profile_loader checks)
        return tuple(Choice(r.id, r.title) for r in ruleset.rules if r.action == "require_clearance")
    if vocabulary == "restrictions":
        return tuple(Choice(k, r.description) for k, r in ruleset.restrictions.items())
    return tuple(Choice(w) for w in ruleset.vocabulary.get(vocabulary, ()))


def _vocabulary(cls: type | None, key: str) -> tuple[str | None, type | None]:
    """The vocabulary a model field reads, and the class of its items (for a list of tables)."""
    if cls is None or not attrs.has(cls):
        return None, None
    for f in attrs.fields(cls):
        if f.name == key:
            return f.metadata.get("vocabulary"), f.metadata.get("items")
    return None, None


def _label(key: str) -> str:
    return key.replace("_", " ")


def build_form(schema: Mapping[str, Any], ruleset: RuleSet, filled: Mapping[str, Any]) -> tuple[Group, ...]:
    """The form's sections; a list of tables gets a row for each entry in ``filled`` (a profile's data) and
    ``ROWS_FREE`` more."""
    defs = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    out = []
    for key, spec in schema["properties"].items():
        cls = SECTIONS.get(key)
        if spec.get("type") == "array":
            out.append(_rows(key, key, spec, defs, ruleset, cls, filled.get(key), key in required))
        else:
            out.append(_group(key, _label(key), spec, defs, ruleset, cls, filled.get(key), key in required))
    return tuple(out)


def _group(path: str, legend: str, spec: Mapping[str, Any], defs, ruleset: RuleSet, cls: type | None, filled: Any,
           required: bool) -> Group:
    needed = set(spec.get("required", ()))
    items: list[Field | Group] = []
    filled = filled if isinstance(filled, dict) else {}
    for key, sub in spec.get("properties", {}).items():
        where = f"{path}.{key}"
        vocabulary, item_cls = _vocabulary(cls, key)
        resolved = _resolve(sub, defs)
        if resolved.get("type") == "array" and isinstance(_resolve(resolved.get("items", {}), defs).get("properties"), dict):
            items.append(_rows(where, key, resolved, defs, ruleset, item_cls, filled.get(key), key in needed))
        else:
            items.append(_field(where, key, sub, resolved, defs, ruleset, vocabulary, key in needed))
    return Group(path, legend, form_help(spec.get("description", "")), tuple(items), required)


def _rows(path: str, key: str, spec: Mapping[str, Any], defs, ruleset: RuleSet, cls: type | None, filled: Any,
          required: bool) -> Group:
    item = _resolve(spec.get("items", {}), defs)
    entries = filled if isinstance(filled, list) else []
    count = max(ROWS_AT_LEAST, len(entries) + ROWS_FREE)
    one = _label(key).rstrip("s") if not key.endswith("ies") else _label(key)[:-3] + "y"
    rows = tuple(_group(f"{path}[{i}]", f"{one} {i + 1}", item, defs, ruleset, cls,
                        entries[i] if i < len(entries) else None, False) for i in range(count))
    return Group(path, _label(key), form_help(spec.get("description", "")), rows, required)


def _resolve(spec: Mapping[str, Any], defs: Mapping[str, Any]) -> dict[str, Any]:
    ref = spec.get("$ref", "")
    base = dict(defs.get(ref.rsplit("/", 1)[-1], {})) if ref.startswith("#/$defs/") else {}
    return {**base, **{k: v for k, v in spec.items() if k != "$ref"}}


def _field(path: str, key: str, spec: Mapping[str, Any], resolved: Mapping[str, Any], defs, ruleset: RuleSet,
           vocabulary: str | None, required: bool) -> Field:
    help_ = form_help(spec.get("description") or resolved.get("description", ""))

    def make(kind: str, choices: tuple[Choice, ...] = (), minimum: float | None = None,
             maximum: float | None = None) -> Field:
        return Field(path, kind, _label(key), help_, required, choices, minimum, maximum)

    if "enum" in resolved:
        return make("select", tuple(Choice(str(v)) for v in resolved["enum"]))
    if resolved.get("type") == "array":
        return make("words", words_of(ruleset, vocabulary or ""))
    if vocabulary:
        return make("select", words_of(ruleset, vocabulary))
    kind = resolved.get("type", "string")
    if kind in ("integer", "number"):
        return make(kind, minimum=resolved.get("minimum"), maximum=resolved.get("maximum"))
    if kind == "boolean":
        return make("boolean")
    if resolved.get("format") == "date":
        return make("date")
    return make("text")


def form_help(description: str) -> str:
    """A schema description as a form's help: what it says about the schema itself (that it cannot list a rule
    set's words, which the form does list) left out."""
    text = re.sub(r"\s*\([^()]*\bschema\b[^()]*\)", "", description)
    sentences = []
    for sentence in re.split(r"(?<=\.)\s+", text):
        clauses = [c for c in sentence.split("; ") if not re.search(r"\bschema\b", c)]
        if clauses:
            kept = "; ".join(clauses)
            sentences.append(kept if kept.endswith(".") else kept + ".")
    return " ".join(sentences)


def fields_of(groups: Sequence[Field | Group]) -> dict[str, Field]:
    """Every field by its path."""
    out: dict[str, Field] = {}
    for item in groups:
        if isinstance(item, Group):
            out.update(fields_of(item.items))
        else:
            out[item.path] = item
    return out


# -- a submitted form -> a profile ------------------------------------------------------------------------------

def profile_from_form(groups: Sequence[Group], form: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The profile a submitted form means. A value that is not a number where one is expected is kept as text,
    so the profile loader reports it at its key path; empty fields are left out (the loader says what is missing)."""
    out: dict[str, Any] = {}
    for group in groups:
        value = _collect(group, form)
        if value or group.required:
            out[group.path] = value if value is not None else {}
    return out


def _collect(item: Field | Group, form: Mapping[str, Sequence[str]]) -> Any:
    if isinstance(item, Field):
        return _value(item, form.get(item.path, ()))
    if item.items and all(isinstance(i, Group) for i in item.items):  # rows of a list of tables
        rows = [_collect(row, form) for row in item.items]
        filled = [row for row in rows if row]
        return filled or None
    got = {}
    for sub in item.items:
        value = _collect(sub, form)
        if value is not None:
            got[sub.path.rsplit(".", 1)[-1]] = value
    return got or None


def _value(field: Field, values: Sequence[str]) -> Any:
    if field.kind == "words":
        return [v for v in values if v] or None
    text = values[-1].strip() if values else ""
    if field.kind == "boolean":
        return True if text else None
    if not text:
        return None
    if field.kind in ("integer", "number"):
        return _number(text)
    return text


def _number(text: str) -> Any:
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    try:
        number = float(text)
    except ValueError:
        return text
    return number if number == number and abs(number) != float("inf") else text


# -- a profile's data -> what the form shows ---------------------------------------------------------------------

def form_values(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """The values a form shows for a profile's data (parsed TOML or JSON), by field path."""
    out: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(form_values(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        for index, value in enumerate(data):
            out.update(form_values(value, f"{prefix}[{index}]"))
    elif isinstance(data, list):
        out[prefix] = [_shown(x) for x in data]
    elif data is True:
        out[prefix] = ["true"]
    elif data is not False and data is not None:
        out[prefix] = [_shown(data)]
    return out


def _shown(value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


# -- a problem -> its field ---------------------------------------------------------------------------------------

def field_of(path: str, known: Mapping[str, Any]) -> str | None:
    """The form field (or fieldset) a problem's key path belongs to: the path itself, else its nearest parent
    that the form has (``training.equipment[0]`` -> ``training.equipment``); None for the whole profile."""
    while path:
        if path in known:
            return path
        cut = max(path.rfind("."), path.rfind("["))
        if cut <= 0:
            return path if path in known else None
        path = path[:cut]
    return None


def field_for(problem: Problem, known: Mapping[str, Any]) -> str | None:
    """The field a problem belongs to: a missing key's own field (``training: missing required key 'goal'`` ->
    ``training.goal``), else :func:`field_of` its path."""
    missing = re.match(r"missing required key '([a-z0-9_]+)'", problem.message)
    if missing:
        inner = f"{problem.path}.{missing.group(1)}" if problem.path else missing.group(1)
        if inner in known:
            return inner
    return field_of(problem.path, known)


def paths_of(groups: Sequence[Field | Group]) -> dict[str, Field | Group]:
    """Every field and fieldset by its path."""
    out: dict[str, Field | Group] = {}
    for item in groups:
        out[item.path] = item
        if isinstance(item, Group):
            out.update(paths_of(item.items))
    return out

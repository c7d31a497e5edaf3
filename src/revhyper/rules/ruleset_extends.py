"""Rule sets that extend another: resolve the chain on raw data, remembering which file said what.

A clinic's file holds only what it changes::

    extends = "default"            # the embedded default, a path relative to this file, or "plugin:NAME"
    id = "clinic-north"
    version = "2026.1"
    title = "Clinic North rules"

    [parameters]
    microdiscectomy_no_loading_weeks = 8          # override a number

    [rules.high_pain]
    caps = { bodyweight_only = true, max_sets = 1 }  # override some fields of a rule

    [disable.older_new_pain]
    reason = "Every client is screened in person by a physiotherapist first."

Merging happens before validation, so every check of a plain rule set applies to the result, and each
problem is reported in the file (line and column) that wrote the offending key.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Any

from ..io import checks as c
from ..errors import Problem, RulesetError
from ..io.locate import Path, format_path
from ..io.report import Reporter
from ..io.suggest import did_you_mean

MAX_DEPTH = 8
TABLES_BY_KEY = ("references", "variants", "restrictions")
"""Tables whose entries a child adds or replaces whole, by key."""
WHOLE_VALUES = ("format", "id", "version", "title", "summary", "disclaimer", "notes", "default_weeks",
                "load_increment_kg", "variant_preference")
CHILD_ONLY = ("extends", "disable")


class Source:
    """One file of a chain: its name, text and reporter."""

    def __init__(self, name: str, text: str, folder: FilePath | None = None):
        self.name = name
        self.text = text
        self.folder = folder if folder is not None else FilePath(".") if name.startswith("<") else FilePath(name).parent
        """Where this file's relative ``extends`` is resolved: its own folder, or a plugin's for ``plugin:NAME``."""
        self.reporter = Reporter(name, text, "toml")
        self.replaced_whole: set[Path] = set()
        """Entries of the base's [references], [variants] or [restrictions] this file replaces whole."""
        self.written_as: dict[Path, Path] = {}
        """A merged key path -> the path as this file writes it, where they differ: a phase a file overrides by
        id is its first ``[[programs.GOAL.phases]]`` but, say, the base program's third phase."""

    def path_in_file(self, path: Path) -> Path:
        merged, written = self.renamed(path)
        return written + path[len(merged):]

    def renamed(self, path: Path) -> tuple[Path, Path]:
        """(the merged prefix of ``path`` this file writes differently, how it writes it); ``((), ())`` if none."""
        for length in range(len(path), 0, -1):
            written = self.written_as.get(path[:length])
            if written is not None:
                return path[:length], written
        return (), ()


class ChainReporter(Reporter):
    """Reports each problem in the file of the chain that wrote the key it is about."""

    def __init__(self, sources: list[Source], origin: dict[Path, int]):
        last = sources[-1]
        super().__init__(last.name, last.text, "toml")
        self.sources = sources
        self.origin = origin

    def _source_for(self, path: Path) -> Source:
        return self.sources[origin_of(self.origin, path, len(self.sources) - 1)]

    def written_here(self, path: Path) -> bool:
        return self._source_for(path) is self.sources[-1]

    def error(self, path, message, suggestion=None, *, at="value", position=None, severity="error"):
        if self.omit(severity):
            return
        source = self._source_for(path)
        merged, written = source.renamed(tuple(path))
        if merged:  # "phases[2]" of the merged program is this file's "phases[0]", in the message too
            path = written + tuple(path)[len(merged):]
            message = message.replace(format_path(merged), format_path(written))
        if tuple(path)[:2] in source.replaced_whole and message.startswith("missing required key"):
            message += (f" (this [{format_path(tuple(path)[:2])}] replaces the base's whole, not key by key: "
                        "repeat the keys you keep)")
        if position is None:
            locations = source.reporter.locations
            position = locations.key(path) if at == "key" else locations.value(path)
        line, column = position or (None, None)
        if callable(suggestion):
            suggestion = suggestion()
        self.problems.append(Problem(source.name, format_path(path), message, line, column if line else None,
                                     suggestion, severity))

    def value_text_offset(self, path):
        return self._source_for(path).reporter.locations.value_text_offset(path)

    def source_text(self, path: Path) -> str:
        """The text of the file that wrote ``path``."""
        return self._source_for(path).text

    @property
    def locations(self):
        return _ChainLocations(self)


class _ChainLocations:
    def __init__(self, chain: ChainReporter):
        self.chain = chain

    def value_text_offset(self, path):
        return self.chain.value_text_offset(path)

    def key(self, path):
        source = self.chain._source_for(path)
        return source.reporter.locations.key(source.path_in_file(tuple(path)))

    def value(self, path):
        source = self.chain._source_for(path)
        return source.reporter.locations.value(source.path_in_file(tuple(path)))


def origin_of(origin: dict[Path, int], path: Path, default: int) -> int:
    """The index of the file that wrote ``path``: the one that wrote it or its nearest recorded parent."""
    path = tuple(path)
    while True:
        if path in origin:
            return origin[path]
        if not path:
            return default
        path = path[:-1]


Resolved = tuple[dict[str, Any], list["Source"], dict[Path, int], list[tuple[str, str, str]]]
"""Merged data, the chain's sources, the origin of every key path, and the disabled rules (id, reason, file)."""


def resolve(data: dict[str, Any], source: Source, load_base: Callable[[str, Source], Resolved],
            depth: int = 0, chain: tuple[str, ...] = ()) -> Resolved:
    """Merge ``data`` (from ``source``) onto its base; returns merged data, the chain's sources, the origin
    of every key path (index into sources) and the disabled rules as (id, reason, file)."""
    base_name = data.get("extends")
    if base_name is None:
        return data, [source], {(): 0}, []
    rep = source.reporter
    if not isinstance(base_name, str) or not base_name.strip():
        rep.error(("extends",), 'expected the rule set to extend: "default", "plugin:NAME" or a file path')
        raise RulesetError(rep.problems)
    if depth >= MAX_DEPTH:
        rep.error(("extends",), f"rule sets extend each other more than {MAX_DEPTH} deep: {' -> '.join(chain)}")
        raise RulesetError(rep.problems)
    base_data, sources, origin, disabled = load_base(base_name, source)
    index = len(sources)
    sources = [*sources, source]
    merged = copy.deepcopy(base_data)
    merged.pop("extends", None)
    _merge(merged, data, source, origin, index, disabled)  # problems stay on the source's reporter
    return merged, sources, origin, disabled


def _merge(merged: dict, child: dict, source: Source, origin: dict[Path, int], index: int, disabled: list) -> None:
    rep = source.reporter
    for key in ("id", "version", "title"):
        if key not in child:
            rep.error((), f"a rule set that extends another needs its own '{key}' (it is a new rule set)", at="key",
                      position=rep.locations.key(("extends",)))
    for key, value in child.items():
        path: Path = (key,)
        if key == "extends":
            continue
        if key in WHOLE_VALUES:
            merged[key] = copy.deepcopy(value)
            origin[path] = index
        elif key in TABLES_BY_KEY or key == "parameters":
            if not isinstance(value, dict):
                rep.error(path, "expected a table")
                continue
            table = merged.setdefault(key, {})
            for name, entry in value.items():
                if key != "parameters" and name in table:
                    source.replaced_whole.add(path + (name,))
                table[name] = copy.deepcopy(entry)
                origin[path + (name,)] = index
        elif key == "vocabulary":
            _merge_vocabulary(merged, value, rep, origin, index)
        elif key in ("experience", "pain_monitoring", "clearance"):
            if key == "clearance" and isinstance(value, dict) and isinstance(merged.get("clearance"), dict):
                _warn_clearance_loosened(rep, path, merged["clearance"], value)
            _merge_fields(merged, key, value, rep, origin, index, nested=key == "experience")
        elif key == "programs":
            _merge_programs(merged, value, source, origin, index)
        elif key in ("rules", "adaptations"):
            _merge_rules(merged, value, rep, origin, index, key)
        elif key == "disable":
            _disable(merged, value, rep, origin, index, disabled)
        else:
            known = (*WHOLE_VALUES, *TABLES_BY_KEY, "parameters", "vocabulary", "experience", "pain_monitoring",
                     "clearance", "programs", "rules", "adaptations", *CHILD_ONLY)
            rep.error(path, f"unknown key '{key}' in the top level; expected one of {', '.join(known)}",
                      did_you_mean(key, known), at="key")


def _merge_vocabulary(merged, value, rep, origin, index):
    if not isinstance(value, dict):
        rep.error(("vocabulary",), "expected a table of word lists")
        return
    vocabulary = merged.setdefault("vocabulary", {})
    for name, words in value.items():
        path = ("vocabulary", name)
        if name not in vocabulary:
            rep.error(path, f"unknown vocabulary '{name}'; expected one of {', '.join(vocabulary)}",
                      did_you_mean(name, vocabulary), at="key")
            continue
        if not isinstance(words, list):
            rep.error(path, "expected a list of words to add")
            continue
        _add_words(vocabulary[name], words)
        origin[path] = index


def _add_words(known: list, words: list) -> None:
    """Append the words ``known`` lacks, in order (words are added, never removed); linear in both lists.
    A word that cannot be a set member (a table written by mistake) is compared the slow way, and the
    loader reports it."""
    seen = set()
    for word in known:
        try:
            seen.add(word)
        except TypeError:
            pass
    for word in words:
        try:
            if word in seen:
                continue
            seen.add(word)
        except TypeError:
            if word in known:
                continue
        known.append(word)


def _merge_fields(merged, key, value, rep, origin, index, nested):
    if not isinstance(value, dict):
        rep.error((key,), "expected a table")
        return
    target = merged.setdefault(key, {})
    if not nested:
        target.update(copy.deepcopy(value))
        for field in value:
            origin[(key, field)] = index
        return
    for level, fields in value.items():
        if not isinstance(fields, dict):
            rep.error((key, level), "expected a table")
            continue
        target.setdefault(level, {}).update(copy.deepcopy(fields))
        for field in fields:
            origin[(key, level, field)] = index


def _merge_programs(merged, value, source: Source, origin, index):
    rep = source.reporter
    if not isinstance(value, dict):
        rep.error(("programs",), "expected a table of programs")
        return
    programs = merged.setdefault("programs", {})
    for goal, program in value.items():
        path = ("programs", goal)
        if not isinstance(program, dict):
            rep.error(path, "expected a program table")
            continue
        base = programs.setdefault(goal, {})
        replace_all = program.get("replace_phases") is True
        for field, field_value in program.items():
            if field == "replace_phases":
                continue
            if field != "phases":
                base[field] = copy.deepcopy(field_value)
                origin[path + (field,)] = index
                continue
            if not isinstance(field_value, list):
                rep.error(path + ("phases",), "expected [[programs.<goal>.phases]] tables")
                continue
            if replace_all:
                base["phases"] = copy.deepcopy(field_value)
                for inherited in [p for p in origin if p[:3] == path + ("phases",)]:
                    del origin[inherited]  # the base's phases are gone, and what it wrote of them with them
                origin[path + ("phases",)] = index
                continue
            phases = base.setdefault("phases", [])
            ids = [p.get("id") for p in phases]
            for i, phase in enumerate(field_value):
                phase_id = phase.get("id") if isinstance(phase, dict) else None
                if phase_id not in ids:
                    rep.error(path + ("phases", i, "id"),
                              f"phase '{phase_id}' is not in the base program ({', '.join(map(str, ids))}); to replace a "
                              "phase use its id, to give the program new phases set replace_phases = true",
                              did_you_mean(str(phase_id), [str(x) for x in ids]))
                    continue
                position = ids.index(phase_id)
                here = path + ("phases", position)
                for field_name in phases[position]:  # a field this file leaves alone stays where it was written
                    origin.setdefault(here + (field_name,), origin_of(origin, here + (field_name,), 0))
                phases[position] = {**phases[position], **copy.deepcopy(phase)}
                origin[here] = index
                for field_name in phase:
                    origin[here + (field_name,)] = index
                if position != i:
                    source.written_as[here] = path + ("phases", i)
        if "replace_phases" in program and not isinstance(program["replace_phases"], bool):
            rep.error(path + ("replace_phases",), "expected true or false")


RULE_FIELDS = ("title", "when", "action", "reason", "source")


def _merge_rules(merged, value, rep, origin, index, table="rules"):
    """``[rules.ID]`` (or ``[adaptations.ID]``): a new entry whole, or an override of some fields of the base's."""
    if not isinstance(value, dict):
        rep.error((table,), f"expected a table of {table}")
        return
    rules = merged.setdefault(table, {})
    for rule_id, rule in value.items():
        path = (table, rule_id)
        if not isinstance(rule, dict):
            rep.error(path, "expected a rule table")
            continue
        if rule_id in rules:  # an override: only the fields given change
            if isinstance(rule.get("caps"), dict) and isinstance(rules[rule_id].get("caps"), dict):
                _warn_loosened(rep, path + ("caps",), rules[rule_id]["caps"], rule["caps"])
            if isinstance(rule.get("clearance"), dict) and isinstance(rules[rule_id].get("clearance"), dict):
                _warn_clearance_loosened(rep, path + ("clearance",), rules[rule_id]["clearance"], rule["clearance"])
            rules[rule_id] = {**rules[rule_id], **copy.deepcopy(rule)}
            for field in rule:
                origin[path + (field,)] = index
            continue
        missing = [f for f in RULE_FIELDS if f not in rule]
        if missing:
            rep.error(path, f"new {'rule' if table == 'rules' else 'adaptation'} '{rule_id}' is incomplete: missing {', '.join(missing)} (to change a rule of the "
                            "base, use its exact id)", did_you_mean(rule_id, rules), at="key")
            continue
        rules[rule_id] = copy.deepcopy(rule)
        origin[path] = index


def _warn_loosened(rep: Reporter, path: Path, base: dict, new: dict) -> None:
    """An override replaces the whole caps table: say when that drops or loosens a cap of the base."""
    from .ruleset import CAP_SPECS, PROGRAM_ORDER

    for name, old in base.items():
        spec = CAP_SPECS.get(name)
        if spec is None:
            continue
        if name not in new:
            rep.warn(path, f"this override drops the base's cap {name} = {old!r} (caps replace the whole table: "
                           "repeat the caps you keep)")
            continue
        value = new[name]
        looser = {"min": lambda: _num(value) > _num(old), "max": lambda: _num(value) < _num(old),
                  "any": lambda: bool(old) and not value,
                  "union": lambda: not set(old) <= set(value if isinstance(value, list) else []),
                  "first": lambda: PROGRAM_ORDER.index(value) > PROGRAM_ORDER.index(old)}[spec.wins]
        try:
            if looser():
                rep.warn(path, f"this override loosens the base's cap {name} from {old!r} to {value!r}")
        except (TypeError, ValueError):
            pass  # a wrong type or an unknown programme is reported as an error by the loader


def _warn_clearance_loosened(rep: Reporter, path: Path, base: dict, new: dict) -> None:
    """Say when an override lets more roles clear a rule, or a clearance count for longer, than the base did."""
    roles_old, roles_new = base.get("roles"), new.get("roles")
    if isinstance(roles_old, list) and isinstance(roles_new, list):
        added = [r for r in roles_new if r not in roles_old]
        if added:
            rep.warn(path + ("roles",), f"this override lets {', '.join(map(str, added))} clear what the base let only "
                                        f"{', '.join(map(str, roles_old))} clear")
    weeks_old, weeks_new = base.get("valid_weeks"), new.get("valid_weeks")
    try:
        if weeks_new is not None and weeks_old is not None and _num(weeks_new) > _num(weeks_old):
            rep.warn(path + ("valid_weeks",), f"this override lets a clearance count for {weeks_new} weeks, longer than "
                                              f"the base's {weeks_old}")
    except TypeError:
        pass  # a wrong type is reported as an error by the loader


def _num(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError
    return value


def _disable(merged, value, rep, origin, index, disabled):
    if not isinstance(value, dict):
        rep.error(("disable",), "expected [disable.<rule_id>] tables with a reason")
        return
    rules = merged.get("rules", {})
    adaptations = merged.get("adaptations", {})
    for rule_id, entry in value.items():
        path = ("disable", rule_id)
        if rule_id not in rules and rule_id not in adaptations:
            rep.error(path, f"cannot disable '{rule_id}': no such rule or adaptation in the base rule set",
                      did_you_mean(rule_id, [*rules, *adaptations]), at="key")
            continue
        got = c.table(rep, entry, path, {"reason": c.text}, what="table with a reason")
        if not got or "reason" not in got:
            continue
        del (rules if rule_id in rules else adaptations)[rule_id]
        disabled.append((rule_id, got["reason"], rep.file))
        origin[path] = index


def base_loader(default_text: Callable[[], str], plugin_rulesets: Callable[[], dict[str, str]], parse_toml, decode,
                read_file: Callable[[str], bytes], folder_of: Callable[[str], FilePath]):
    """The function ``resolve`` uses to read a base: "default", "plugin:NAME" or a path relative to the child's
    folder (a plugin's rule set: the plugin's folder). ``read_file`` reads a file within the size limit, refusing
    folders, FIFOs, devices and URLs; ``folder_of`` says where a plugin's rule set lives."""

    def load(name: str, child: Source, chain: tuple[str, ...] = ()) -> Resolved:
        rep = child.reporter
        folder = None
        if name == "default":
            source_name, text = "<default>", default_text()
        elif name.startswith("plugin:"):
            shipped = plugin_rulesets()
            key = name[len("plugin:"):]
            if key not in shipped:
                rep.error(("extends",), f"no installed plugin ships a rule set named '{key}'"
                          + (f"; installed: {', '.join(sorted(shipped))}" if shipped else ""),
                          did_you_mean(key, shipped))
                raise RulesetError(rep.problems)
            source_name, text, folder = name, shipped[key], folder_of(name)
        else:
            path = (child.folder / name).resolve()
            source_name = str(path)
            seen = [s for s in _CHAIN.get() if s == source_name]
            if seen:
                rep.error(("extends",), f"rule sets extend each other in a cycle: {' -> '.join([*_CHAIN.get(), source_name])}")
                raise RulesetError(rep.problems)
            where = name if "://" in name else str(path)  # a URL is refused by read_file as it is written
            try:
                text = decode(read_file(where), source_name, RulesetError)
            except OSError as exc:
                rep.error(("extends",), f"cannot read the rule set it extends ({where}): {exc.strerror or exc}")
                raise RulesetError(rep.problems) from None
        base = Source(source_name, text, folder)
        data = parse_toml(text, source_name, RulesetError)
        token = _CHAIN.set((*_CHAIN.get(), source_name))
        try:
            depth = len(_CHAIN.get())
            if depth > MAX_DEPTH:
                rep.error(("extends",), f"rule sets extend each other more than {MAX_DEPTH} deep")
                raise RulesetError(rep.problems)
            merged, sources, origin, disabled = resolve(data, base, load, depth)
        finally:
            _CHAIN.reset(token)
        return merged, sources, origin, disabled

    return load


import contextvars  # noqa: E402

_CHAIN: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("revhyper_extends_chain", default=())

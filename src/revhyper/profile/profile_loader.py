"""Read a client profile (TOML or JSON), check every field, and build a frozen :class:`Profile`.

Misspelt keys, wrong types, values out of range and words the rule set's vocabulary does not know
are all reported at once, each with file, line and column and, for a near miss, the intended name.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import attrs

from ..io import checks as c
from ..errors import Problem, ProfileError
from ..io.locate import Path
from .profile import LIST_SECTIONS, SECTIONS, Clearance, Profile, Surgery
from ..io.reading import check_strings, check_text, read_file_bytes, read_json
from ..io.report import Reporter
from ..rules.ruleset import RuleSet, memoized
from ..rules.ruleset_loader import decode, default_ruleset, parse_toml
from ..io.suggest import did_you_mean

if TYPE_CHECKING:  # pathlib (with urllib.parse and ipaddress) is not imported to read a profile
    from pathlib import Path as FilePath

REQUIRED_SECTIONS = ("person", "pain", "training")
MAX_BYTES = 1_000_000


def load_profile(path: str | FilePath, ruleset: RuleSet | None = None) -> Profile:
    """Read and check a profile file against ``ruleset``'s vocabulary (the embedded default if none)."""
    name = str(path)
    data = read_file_bytes(path, MAX_BYTES, "the profile", ProfileError)
    return parse_profile(data, name=name, ruleset=ruleset, kind=_kind_from_name(name))


def parse_profile(source: str | bytes, *, name: str = "<string>", ruleset: RuleSet | None = None,
                  kind: str | None = None) -> Profile:
    """Check a profile given as TOML or JSON text; ``kind`` is ``"toml"`` or ``"json"`` (sniffed if None)."""
    if len(source) > MAX_BYTES:
        raise ProfileError([Problem(name, "", f"the profile is larger than {MAX_BYTES:,} bytes; a profile is a few hundred")])
    if isinstance(source, str):  # as decode does (without its import each call): a string may hold a lone surrogate
        check_text(source, name, ProfileError)
        text = source
    else:
        text = decode(source, name, ProfileError)
    kind = kind or _kind_from_name(name) or ("json" if text.lstrip().startswith("{") else "toml")
    data = read_json(text, name, ProfileError) if kind == "json" else parse_toml(text, name, ProfileError)
    return _checked(data, name=name, text=text, kind=kind, ruleset=ruleset)


def profile_from_data(data: Any, *, name: str = "<data>", text: str = "", kind: str = "json",
                      ruleset: RuleSet | None = None) -> Profile:
    """Check already-parsed profile data (a dict as from JSON) and build the profile."""
    problems = check_strings(data, name)
    if problems:
        raise ProfileError(problems)
    return _checked(data, name=name, text=text, kind=kind, ruleset=ruleset)


def _checked(data: Any, *, name: str, text: str, kind: str, ruleset: RuleSet | None) -> Profile:
    if isinstance(data, dict) and str(data.get("format", "")).startswith("revhyper.block"):  # a block read as a profile
        raise ProfileError([Problem(name, "format", "this is a block, not a profile: a block is what revhyper generate "
                                                    "writes from a profile (read it with revhyper.load_block)", 1, 1)])
    ruleset = ruleset or default_ruleset()
    quick = _quick_profile(data, ruleset, name, text, kind)
    if quick is not None:
        return quick
    rep = Reporter(name, text, kind)
    vocabularies = {**ruleset.vocabulary, "restrictions": tuple(ruleset.restrictions)}
    sections = c.table(rep, data, (), {s: _any for s in REQUIRED_SECTIONS},
                       {s: _any for s in SECTIONS if s not in REQUIRED_SECTIONS}, what="profile (a table of sections)")
    built: dict[str, Any] = {}
    for section, value in (sections or {}).items():
        if section in LIST_SECTIONS:
            continue
        obj = _build(rep, SECTIONS[section], value, (section,), vocabularies)
        if obj is not None:
            built[section] = obj
    if "clearance" in (sections or {}):
        clearances = _clearances(rep, sections["clearance"], vocabularies, ruleset, built)  # type: ignore[index]
        if clearances is not None:
            built["clearance"] = clearances
    _check_event_dates(rep, built)
    _check_gestation(rep, built)
    if rep.errors or len(built) < len(sections or ()):
        raise ProfileError(rep.errors or [Problem(name, "", "the profile could not be read")])
    return Profile(**built)


def _clearances(rep: Reporter, value: Any, vocabularies, ruleset: RuleSet,
                built: dict[str, Any]) -> tuple[Clearance, ...] | None:
    """The ``[[clearance]]`` tables: each names rules that require clearance, a clinician role and a date."""
    from .clearance_form import old_clearance_message

    if isinstance(value, dict):  # the old single [clearance] table (cleared = true unlocked every rule)
        message, _, form = old_clearance_message(value, rep.kind, ruleset, built).partition("\n")
        rep.error(("clearance",), message, at="key", detail=form)
        return None
    if not isinstance(value, list):
        rep.error(("clearance",), "expected a list of clearances ([[clearance]] tables with rules, role and date)")
        return None
    clearable = tuple(rule.id for rule in ruleset.rules if rule.action == "require_clearance")
    known = {rule.id: rule.action for rule in ruleset.rules}
    switched_off = tuple(rule_id for rule_id, _, _ in ruleset.disabled)  # never fires: a warning in the block
    out: list[Clearance] = []
    for index, item in enumerate(value):
        path = ("clearance", index)
        named = item.get("rules") if isinstance(item, dict) else None
        for position, rule_id in enumerate(named if isinstance(named, list) else []):
            if not isinstance(rule_id, str) or rule_id in clearable or rule_id in switched_off:
                continue  # a wrong type is reported by the field's check
            if rule_id in known:
                why = ("it refuses and refers, and no clearance overrides that (docs/safety.md)"
                       if known[rule_id] == "refuse" else f"it is a '{known[rule_id]}' rule, with nothing to clear")
                rep.error(path + ("rules", position), f"'{rule_id}' cannot be cleared: {why}; a clearance clears only "
                          f"rules that require clearance ({', '.join(clearable) or 'none'})")
            else:
                readers = [r.id for r in ruleset.rules if r.action == "require_clearance" and _reads_word(r, rule_id)]
                hint = f"; the rule that reads '{rule_id}' is {readers[0]}" if len(readers) == 1 else ""
                rep.error(path + ("rules", position), f"'{rule_id}' is not a rule of the rule set {ruleset.id} that "
                          f"requires clearance ({', '.join(clearable) or 'none'}){hint}",
                          readers[0] if len(readers) == 1 else did_you_mean(rule_id, clearable))
        got = _build(rep, Clearance, item, path, {**vocabularies, "rules": clearable + switched_off})
        date = got.date if got is not None else _quiet_date(item)
        training = built.get("training")
        if date is not None and training is not None and training.start_date is not None and date > training.start_date:
            rep.error(path + ("date",), f"the clearance is dated {date.isoformat()}, after training.start_date "
                      f"{training.start_date.isoformat()}: the block may not start before it is cleared; start on or "
                      "after the clearance date")
        if got is not None:
            out.append(got)
    return tuple(out) if len(out) == len(value) else None


def _reads_word(rule, word: str) -> bool:
    """Whether a rule's condition names ``word``: a vocabulary word ("spondylolisthesis") or a field (pregnant)."""
    return f'"{word}"' in rule.when.text or any(name.rsplit(".", 1)[-1] == word for name in rule.when.reads)


def _quiet_date(item: Any) -> Any:
    """A clearance's date when it is a valid one, without reporting (for checks made when other fields are wrong)."""
    value = item.get("date") if isinstance(item, dict) else None
    got = c.date(Reporter("", "", "json"), value, ()) if value is not None else c.BAD
    return None if got is c.BAD else got


def _check_event_dates(rep: Reporter, built: dict[str, Any]) -> None:
    """Each surgery and injection gives a date or weeks_ago (exactly one); a date lies on or before the start date
    and needs one: weeks are counted from it, and a block computed from the day it runs would change by the day."""
    history, training = built.get("history"), built.get("training")
    if history is None:
        return
    start = training.start_date if training is not None else None
    for name in ("surgeries", "injections"):
        for index, event in enumerate(getattr(history, name)):
            path = ("history", name, index)
            if event.date is None and event.weeks_ago is None:
                rep.error(path, "give the date it happened (date = 2026-08-31) or weeks_ago (weeks before "
                                "training.start_date)")
            elif event.date is not None and event.weeks_ago is not None:
                rep.error(path + ("weeks_ago",), "give date or weeks_ago, not both: weeks_ago is counted back from "
                                                 "training.start_date, so the two could disagree")
            elif event.date is not None and training is not None and start is None:
                rep.error(path + ("date",), "a dated event needs training.start_date: weeks since it are counted "
                                            "to each week's date; add start_date or give weeks_ago instead")
            elif event.date is not None and start is not None and event.date > start:
                rep.error(path + ("date",), f"{event.date.isoformat()} is after training.start_date "
                                            f"{start.isoformat()}: record only what happened before the block starts")


def _check_gestation(rep: Reporter, built: dict[str, Any]) -> None:
    """Weeks of gestation without ``pregnant = true`` is a contradiction; the pregnancy rules read ``pregnant``."""
    person = built.get("person")
    if person is not None and person.gestation_weeks is not None and not person.pregnant:
        rep.error(("person", "gestation_weeks"), f"gestation_weeks is {person.gestation_weeks:g} but person.pregnant is "
                  "not true; set pregnant = true (or remove gestation_weeks)", at="key")


def _any(rep: Reporter, value: Any, path: Path) -> Any:
    return value


@functools.cache
def _checks_of(cls: type) -> tuple[tuple[attrs.Attribute, ...], dict[str, c.Check], dict[str, c.Check]]:
    """A section's fields and its required and optional keys with their checks, worked out once per class."""
    fields = attrs.fields(cls)
    required = {f.name: f.metadata["check"] for f in fields if f.default is attrs.NOTHING}
    optional = {f.name: f.metadata.get("check", _any) for f in fields if f.default is not attrs.NOTHING}
    return fields, required, optional


def _build(rep: Reporter, cls: type, value: Any, path: Path, vocabularies) -> Any:
    fields, required, optional = _checks_of(cls)
    name = f"[[{'.'.join(map(str, path[:-1]))}]]" if isinstance(path[-1], int) else f"[{'.'.join(map(str, path))}]"
    got = c.table(rep, value, path, required, optional, what=f"{name} table")
    if got is None:
        return None
    ok = True
    for f in fields:
        if f.name not in got:
            continue
        vocabulary = f.metadata.get("vocabulary")
        if f.metadata.get("kind") == "events":
            got[f.name] = _events(rep, f.metadata["items"], got[f.name], path + (f.name,), vocabularies)
            ok = ok and got[f.name] is not None
        elif vocabulary:
            words = vocabularies.get(vocabulary, ())
            if vocabulary == "rules":  # rule ids: _clearances has said what is wrong with each
                if not set(got[f.name]) <= set(words):
                    ok = False
                continue
            items = got[f.name] if isinstance(got[f.name], tuple) else (got[f.name],)
            for index, word in enumerate(items):
                if word not in words:
                    where = path + (f.name, index) if isinstance(got[f.name], tuple) else path + (f.name,)
                    rep.error(where, f"'{word}' is not in the rule set's {vocabulary} vocabulary "
                                     f"({', '.join(words) or 'none'})", functools.partial(did_you_mean, word, words))
                    ok = False
    if not ok or any(name not in got for name in required) or len(got) < len(value):
        return None
    try:
        return cls(**got)
    except (TypeError, ValueError) as exc:  # the second net: should not happen after the checks
        rep.error(path, str(exc))
        return None


def _events(rep: Reporter, cls: type, value: Any, path: Path, vocabularies) -> tuple[Any, ...] | None:
    if not isinstance(value, list):
        what = "procedure and date or weeks_ago" if "procedure" in attrs.fields_dict(cls) else "date or weeks_ago"
        rep.error(path, f"expected a list of {path[-1]} ([[history.{path[-1]}]] tables with {what})")
        return None
    out = [_build(rep, cls, item, path + (index,), vocabularies) for index, item in enumerate(value)]
    return None if None in out else tuple(out)


# The quick path: a valid profile read with the fields' quiet checks (checks.quiet_of), reporting nothing. At the
# first thing it is not sure of it gives up (None or BAD), and _checked reads the profile again the slow way,
# which finds and places every problem. So it may refuse more than the slow way, never less, and whatever it
# builds is what the slow way builds.

BAD = c.BAD
Plan = tuple[dict[str, c.Quiet], frozenset[str]]
"""A section's keys, each with a reader (value -> checked value or BAD), and its required keys."""


def _quick_profile(data: Any, ruleset: RuleSet, name: str, text: str, kind: str) -> Profile | None:
    if type(data) is not dict:
        return None
    plans = _plans_of(ruleset)
    built: dict[str, Any] = {}
    for section, value in data.items():
        cls = SECTIONS.get(section)
        if cls is None:
            return None
        if section in LIST_SECTIONS:
            continue
        got = _quick(cls, plans[cls], value)
        if got is BAD:
            return None
        built[section] = got
    for section in REQUIRED_SECTIONS:
        if section not in built:
            return None
    if "clearance" in data:
        items = data["clearance"]
        if type(items) is not list or plans[Clearance] is None:
            return None
        start = built["training"].start_date
        clearances = []
        for item in items:
            got = _quick(Clearance, plans[Clearance], item)
            if got is BAD or start is not None and got.date > start:
                return None
            clearances.append(got)
        built["clearance"] = tuple(clearances)
    person, history = built["person"], built.get("history")
    if person.gestation_weeks is not None and not person.pregnant:
        return None  # _check_gestation's problem
    if history is not None and (history.surgeries or history.injections):
        rep = Reporter(name, text, kind)  # any problem with the events' dates, and the slow way reports it
        _check_event_dates(rep, built)
        if rep.problems:
            return None
    try:
        return Profile(**built)
    except (TypeError, ValueError):
        return None


def _quick(cls: type, plan: Plan | None, value: Any) -> Any:
    """The ``cls`` built from the table ``value`` when every key and value is plainly good, else BAD."""
    if type(value) is not dict or plan is None:
        return BAD
    readers, required = plan
    got = {}
    for key, item in value.items():
        read = readers.get(key)
        if read is None:
            return BAD
        item = read(item)
        if item is BAD:
            return BAD
        got[key] = item
    if not required <= got.keys():
        return BAD
    try:
        return cls(**got)
    except (TypeError, ValueError):
        return BAD


def _plans_of(ruleset: RuleSet) -> dict[type, Plan | None]:
    """Every section's plan with the rule set's words, worked out once for each rule set (in its memo: a batch
    reads every line with one; the service with one of a few)."""
    return memoized(ruleset.memo, "profile plans", _derive_plans, ruleset)


def _derive_plans(ruleset: RuleSet) -> dict[type, Plan | None]:
    vocabularies = {**ruleset.vocabulary, "restrictions": tuple(ruleset.restrictions)}  # as in _checked
    clearable = tuple(rule.id for rule in ruleset.rules if rule.action == "require_clearance")
    switched_off = tuple(rule_id for rule_id, _, _ in ruleset.disabled)  # as in _clearances
    words = {key: frozenset(value) for key, value in vocabularies.items()}
    plans: dict[type, Plan | None] = {}
    for cls in SECTIONS.values():
        plans[cls] = _plan(cls, {**words, "rules": frozenset(clearable + switched_off)} if cls is Clearance else words,
                           plans)
    return plans


def _plan(cls: type, words: dict[str, frozenset], plans: dict[type, Plan | None]) -> Plan | None:
    """None if a field has no quiet check: then tables of ``cls`` are always read the slow way."""
    readers: dict[str, c.Quiet] = {}
    for f in attrs.fields(cls):
        if f.metadata.get("kind") == "events":
            items = f.metadata["items"]
            plans[items] = _plan(items, words, plans)
            readers[f.name] = _events_reader(items, plans[items])
            continue
        quiet = c.quiet_of(f.metadata.get("check", _any))
        if quiet is None:
            return None
        vocabulary = f.metadata.get("vocabulary")
        readers[f.name] = quiet if not vocabulary else _words_reader(quiet, words.get(vocabulary, frozenset()))
    return readers, frozenset(f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING)


def _words_reader(quiet: c.Quiet, allowed: frozenset) -> c.Quiet:
    """``quiet``, and every word (one, or each of a list) in the vocabulary ``allowed``."""
    def read(value: Any) -> Any:
        got = quiet(value)
        if got is BAD or not (allowed.issuperset(got) if type(got) is tuple else got in allowed):
            return BAD
        return got
    return read


def _events_reader(cls: type, plan: Plan | None) -> c.Quiet:
    """A list of tables of ``cls`` (surgeries, injections), as a tuple of them."""
    def read(value: Any) -> Any:
        if type(value) is not list:
            return BAD
        out = []
        for item in value:
            got = _quick(cls, plan, item)
            if got is BAD:
                return BAD
            out.append(got)
        return tuple(out)
    return read


def _kind_from_name(name: str) -> str | None:
    lowered = name.lower()
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith(".toml"):
        return "toml"
    return None

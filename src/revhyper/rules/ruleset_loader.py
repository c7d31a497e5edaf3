"""Read a rule set from TOML, check every part of it, and build a frozen :class:`RuleSet`.

Every problem in the file is reported at once, each with file, line and column. Conditions are
compiled and type-checked here, at load time, against the profile's fields and the rule set's own
vocabulary, so a misspelt name is an error now, not a rule that silently never fires.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..io import checks as c
from .conditions import ConditionError, compile_condition
from ..errors import Problem, RulesetError
from ..io.locate import Path
from ..profile.profile import GOALS, EXPERIENCES, condition_fields
from ..io.report import Reporter
from ..io.suggest import did_you_mean
from .toml_text import limit_problem, string_places
from .ruleset import (
    ACTIONS, ADAPTATION_ACTIONS, CAP_SPECS, FORMAT, LOAD_KINDS, URGENCIES, Adaptation, Caps, ClearancePolicy, ExperienceLevel, PainMonitoring, Phase,
    Program, Progression, Reference, Referral, Restriction, Rule, RuleSet, Variant,
)

DEFAULT_NAME = "<default>"
VOCABULARIES = ("conditions", "surgeries", "equipment", "clinician_roles")
MAX_VALID_WEEKS = 520
MAX_BYTES = 1_000_000
"""The largest rule set read (the default is 27 kB; a thousand rules are about 300 kB). Like a profile's limit, it
keeps every input, however hostile, to about a second of parsing."""


FROM_FILES = ("load_ruleset", "load_ruleset_named", "read_ruleset_source", "plugin_rulesets", "ruleset_folder",
              "read_file")
"""Rule sets named by a file, ``default`` or ``plugin:NAME``: in ruleset_files.py, imported from here on first use
(the embedded default needs none of it, so `revhyper generate` does not compile it at start-up)."""


if TYPE_CHECKING:
    from .ruleset_files import (
        load_ruleset as load_ruleset,
        load_ruleset_named as load_ruleset_named,
        plugin_rulesets as plugin_rulesets,
        read_file as read_file,
        read_ruleset_source as read_ruleset_source,
        ruleset_folder as ruleset_folder,
    )


def __getattr__(name: str):
    if name in FROM_FILES:
        from . import ruleset_files

        return getattr(ruleset_files, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def default_ruleset() -> RuleSet:
    """The rule set embedded in the package (also shipped as ``rulesets/default.toml``).

    Its rules are not proven able to fire again on every start (that imports the analysis): the test suite
    proves it for the shipped file (tests/test_default_rules.py), and ``revhyper check default`` does too."""
    return parse_ruleset_reporting(default_ruleset_text(), name=DEFAULT_NAME, prove=False, parsed=_parsed_default)[0]


PARSED_DEFAULT = "default.parsed.json"
"""The embedded rule set as tomllib parses it, as JSON, with the sha256 of the TOML text it was parsed from; written
by scripts/parse_default_ruleset.py (tests/test_default_rules.py checks that it is up to date)."""


def _parsed_default(text: str) -> dict[str, Any] | None:
    """The embedded rule set's data from its parsed copy, if that copy is of this very text: json.loads takes 0.1 ms
    where tomllib takes 9 ms, at every `revhyper generate`. None (parse the TOML) when it is missing or stale."""
    try:
        with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "rulesets", PARSED_DEFAULT), encoding="utf-8") as handle:
            parsed = json.load(handle)
        if parsed["toml_sha256"] == _sha256(text.encode("utf-8")).hexdigest() and isinstance(parsed["data"], dict):
            return parsed["data"]
    except (OSError, ValueError, LookupError, TypeError):
        pass
    return None


def default_ruleset_text() -> str:
    try:  # the package's own file, read directly: importlib.resources costs a few ms at every start
        with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "rulesets", "default.toml"), encoding="utf-8") as handle:
            return handle.read()
    except OSError:  # not installed as files (a zip): ask the import system
        from importlib import resources

        return resources.files("revhyper").joinpath("rulesets/default.toml").read_text(encoding="utf-8")


def parse_ruleset(source: str | bytes, *, name: str = "<string>") -> RuleSet:
    """Check a rule set given as TOML text; ``extends`` is resolved relative to ``name``'s folder."""
    return parse_ruleset_reporting(source, name=name)[0]


def parse_ruleset_reporting(source: str | bytes, *, name: str = "<string>", prove: bool = True,
                            parsed: Callable[[str], dict[str, Any] | None] | None = None) -> tuple[RuleSet, Reporter]:
    """Like parse_ruleset, and also the reporter that places problems in the files (for `revhyper check`).
    ``prove=False`` (the embedded default only) skips proving that every rule can fire; see build_ruleset.
    ``parsed`` (the embedded default only) may give the text's data already parsed."""
    if len(source) > MAX_BYTES:
        raise RulesetError([Problem(name, "", f"the rule set is larger than {MAX_BYTES:,} bytes, the most a rule set may have")])
    text = decode(source, name, RulesetError)
    data = parsed(text) if parsed is not None else None
    if data is None:
        data = parse_toml(text, name, RulesetError)
    try:
        if "extends" in data:
            from .ruleset_files import parse_extending

            return parse_extending(data, text, name)
        rep = Reporter(name, text, "toml")
        ruleset = build_ruleset(data, rep, prove=prove)
    except (RecursionError, MemoryError) as exc:  # a backstop: the limits in parse_toml keep these from happening
        raise RulesetError([Problem(name, "", "the rule set is too large or nested too deeply to read "
                                              f"({type(exc).__name__})")]) from None
    if rep.errors or ruleset is None:
        raise RulesetError(rep.errors)
    return ruleset, rep


def decode(source: str | bytes, name: str, error: type) -> str:
    if isinstance(source, str):  # from a plugin or a caller: may hold a lone surrogate, which UTF-8 bytes cannot
        from ..io.reading import check_text

        check_text(source, name, error)
        return source
    try:
        return source.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = source[: exc.start].count(b"\n") + 1
        raise error([Problem(name, "", f"the file is not UTF-8 text (byte {exc.start + 1} cannot be read)", line)]) from None


def parse_toml(text: str, name: str, error: type) -> dict[str, Any]:
    """Parse TOML (profiles and rule sets), bounded: over-long lines and deep dotted keys, which make the parser
    quadratic or its readers recurse without end, are refused at their line first (see toml_text.py)."""
    limit = limit_problem(text)
    if limit is not None:
        raise error([Problem(name, "", f"not read: {limit[0]}", limit[1], limit[2])])
    import tomllib  # here: the embedded rule set and a JSON profile need no TOML parser

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, column = _toml_error_position(str(exc))
        message = str(exc).split(" (at line")[0]
        raise error([Problem(name, "", f"not valid TOML: {message}", line, column)]) from None
    except (RecursionError, MemoryError):
        raise error([Problem(name, "", "not read: arrays or tables are nested too deeply")]) from None
    except ValueError as exc:  # e.g. an integer longer than Python converts (4,300 digits)
        raise error([Problem(name, "", f"not valid TOML: {str(exc).split(';')[0]}")]) from None


def _toml_error_position(message: str) -> tuple[int | None, int | None]:
    import re

    match = re.search(r"at line (\d+), column (\d+)", message)
    return (int(match.group(1)), int(match.group(2))) if match else (None, None)


def content_hash(data: Mapping[str, Any]) -> str:
    """sha256 of the rule set's resolved content, independent of layout and comments."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return _sha256(canonical.encode("utf-8")).hexdigest()


def _sha256(data: bytes):
    """hashlib.sha256, without importing hashlib where Python has its own sha256: hashlib loads OpenSSL, about 2.5 ms
    of every start for one digest of a few kB. The digest is the same."""
    try:
        from _sha256 import sha256  # type: ignore[import-not-found]  # CPython 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # type: ignore[import-not-found]  # CPython 3.12 and later
        except ImportError:
            from hashlib import sha256
    return sha256(data)


# -- building ----------------------------------------------------------------------------------

def build_ruleset(data: Mapping[str, Any], rep: Reporter, *, prove: bool = True) -> RuleSet | None:
    """Check ``data`` (a parsed rule set) and build it; problems go to ``rep``. ``prove=False`` skips the proof
    that every rule can fire (for the embedded default only, which the tests prove once)."""
    top = c.table(rep, data, (), required={
        "format": c.integer(1, 1_000_000),
        "id": _ruleset_id,
        "version": c.text,
        "title": c.text,
        "disclaimer": c.text,
        "references": _any,
        "vocabulary": _any,
        "variants": _any,
        "variant_preference": _any,
        "experience": _any,
        "programs": _any,
        "pain_monitoring": _any,
        "rules": _any,
    }, optional={
        "summary": c.text,
        "notes": c.list_of(c.text),
        "default_weeks": c.integer(1, 52),
        "load_increment_kg": c.number(0.1, 25),
        "parameters": _any,
        "restrictions": _any,
        "clearance": _any,
        "adaptations": _any,
    }, what="rule set")
    if top is None:
        return None
    if isinstance(top.get("format"), int) and top["format"] > FORMAT:
        rep.error(("format",), f"this rule set is format {top['format']}, but this revhyper reads format {FORMAT} at most; "
                               "upgrade revhyper to use it")
        return None

    references = _references(rep, data.get("references", {}))
    vocabulary = _vocabulary(rep, data.get("vocabulary", {}))
    parameters = _parameters(rep, data.get("parameters", {}))
    variants = c.named_tables(rep, data.get("variants", {}), ("variants",), lambda n, v, p: _variant(rep, n, v, p, vocabulary))
    tags = tuple(sorted({t for variant in variants.values() for t in variant.tags}))
    written = tuple(data["variants"]) if isinstance(data.get("variants"), dict) else tuple(variants)
    # a variant that is written but has errors of its own is not reported again as unknown here
    preference = c.list_of(c.one_of(written, "a variant:"), unique=True)(rep, data.get("variant_preference", []),
                                                                         ("variant_preference",))
    if "variant_preference" in data and preference is not c.BAD and not preference:
        rep.error(("variant_preference",), "list at least one variant, most preferred first")
    restrictions = c.named_tables(rep, data.get("restrictions", {}), ("restrictions",),
                                  lambda n, v, p: _restriction(rep, n, v, p, tags))
    experience = _experience(rep, data.get("experience", {}))
    programs = _programs(rep, data.get("programs", {}))
    pain = _pain_monitoring(rep, data.get("pain_monitoring", {}), references)
    vocabularies = {**vocabulary, "restrictions": tuple(restrictions)}
    clearance = _clearance_policy(rep, data["clearance"], ("clearance",), vocabulary["clinician_roles"], None,
                                  top=True) if "clearance" in data else None
    defaults: Any = c.BAD if "clearance" in data and clearance is None else clearance  # BAD: reported already
    fields = condition_fields()
    rules = c.named_tables(rep, data.get("rules", {}), ("rules",),
                           lambda n, v, p: _rule(rep, n, v, p, fields, parameters, vocabularies, references, tags,
                                                 defaults))
    adaptations: dict[str, Adaptation] = {}
    if "adaptations" in data:
        from ..engine.log_facts import log_condition_fields

        log_fields = log_condition_fields()
        adaptations = c.named_tables(rep, data["adaptations"], ("adaptations",),
                                     lambda n, v, p: _adaptation(rep, n, v, p, log_fields, parameters, vocabularies,
                                                                 references))
    if not rep.errors:
        _unused_parameters(rep, parameters, [*rules.values(), *adaptations.values()])
        if prove:
            _rules_that_never_fire(rep, rules.values(), fields, parameters)
            if adaptations:
                _rules_that_never_fire(rep, adaptations.values(), log_fields, parameters, table="adaptations")

    if rep.errors or pain is None:
        return None
    return RuleSet(
        format=top["format"],
        id=top["id"],
        version=top["version"],
        title=top["title"],
        summary=top.get("summary", ""),
        disclaimer=top["disclaimer"],
        notes=top.get("notes", ()),
        default_weeks=top.get("default_weeks", 12),
        load_increment_kg=top.get("load_increment_kg", 0.5),
        references=references,
        vocabulary=vocabulary,
        parameters=parameters,
        restrictions=restrictions,
        variants=variants,
        variant_preference=preference,
        experience=experience,
        programs=programs,
        pain_monitoring=pain,
        rules=tuple(rules.values()),
        sha256=content_hash(data),
        source=rep.file,
        clearance=clearance,
        adaptations=tuple(adaptations.values()),
    )


def _adaptation(rep, adaptation_id, value, path, fields, parameters, vocabularies, references) -> Adaptation | None:
    """An ``[adaptations.ID]`` table: a condition over ``log.*`` facts (and the profile), and what it does."""
    got = c.table(rep, value, path, {
        "title": c.text, "when": _any, "action": c.one_of(ADAPTATION_ACTIONS, "one of"), "reason": c.text,
        "source": c.one_of(tuple(references), "a reference key:"),
    }, {"deliberate": c.text}, what="adaptation")
    if got is None:
        return None
    condition = _condition(rep, got["when"], path + ("when",), fields, parameters, vocabularies) if "when" in got else None
    if condition is None or any(k not in got for k in ("title", "action", "reason", "source")):
        return None
    return Adaptation(adaptation_id, got["title"], condition, got["action"], got["reason"], got["source"],
                      got.get("deliberate", ""))


def _any(rep: Reporter, value: Any, path: Path) -> Any:
    return value


def _ruleset_id(rep: Reporter, value: Any, path: Path) -> Any:
    import re

    if not isinstance(value, str) or not re.match(r"^[a-z0-9][a-z0-9._-]*$", value):
        rep.error(path, "expected an id of lower-case letters, digits, '.', '-' or '_' (like clinic-north)")
        return c.BAD
    return value


def _references(rep: Reporter, value: Any) -> dict[str, Reference]:
    def build(key: str, entry: Any, path: Path):
        got = c.table(rep, entry, path, {"citation": c.text}, {"url": c.text}, what="reference")
        if got is None or "citation" not in got:
            return None
        return Reference(key, got["citation"], got.get("url"))

    refs = _named(rep, value, ("references",), build)
    if isinstance(value, dict) and not value:
        rep.error(("references",), "a rule set needs at least one reference: every rule cites its source")
    return refs


def _named(rep: Reporter, value: Any, path: Path, build) -> dict[str, Any]:
    """Named entries whose names may contain '-' (references)."""
    if not isinstance(value, dict):
        rep.error(path, "expected a table of named entries")
        return {}
    out = {}
    for name, entry in value.items():
        built = build(name, entry, path + (name,))
        if built is not None:
            out[name] = built
    return out


def _vocabulary(rep: Reporter, value: Any) -> dict[str, tuple[str, ...]]:
    got = c.table(rep, value, ("vocabulary",), {name: c.list_of(c.identifier, unique=True) for name in VOCABULARIES},
                  what="vocabulary table")
    return {name: (got or {}).get(name, ()) for name in VOCABULARIES}


def _parameters(rep: Reporter, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        rep.error(("parameters",), "expected a table of named numbers, words or true/false values")
        return {}
    out: dict[str, Any] = {}
    for name, element in value.items():
        path = ("parameters", name)
        if c.identifier(rep, name, path) is c.BAD:
            continue
        if not c.finite(rep, element, path):
            out[name] = 0  # reported; a stand-in number keeps the rules that read it from reporting it unknown
            continue
        if isinstance(element, bool) or isinstance(element, (int, float, str)):
            out[name] = element
        else:
            rep.error(path, "a parameter is a number, a word or true/false")
    return out


def _unused_parameters(rep: Reporter, parameters: Mapping[str, Any], rules) -> None:
    """A parameter no rule reads is an error: it is almost always a misspelt override (``high_pian = 6`` would
    leave ``high_pain`` at 7 and the clinic's stricter threshold silently unused). A base's parameter may go
    unread when a child disables the rule that read it; only the file being read is held to this."""
    read = {name[len("params."):] for rule in rules for name in rule.when.reads if name.startswith("params.")}
    for name in parameters:
        if name not in read and rep.written_here(("parameters", name)):
            meant = did_you_mean(name, sorted(read))
            why = ("a misspelt name leaves the parameter it meant unchanged" if meant else
                   "remove it, or check that the rule meant to read it is not disabled or misspelt")
            rep.error(("parameters", name), f"no rule reads the parameter '{name}': {why}", meant, at="key")


def _rules_that_never_fire(rep: Reporter, rules, fields, parameters: Mapping[str, Any], table: str = "rules") -> None:
    """A rule whose condition provably holds for no profile is an error (``pain.current >= 70``: a typo for 7 would
    otherwise load as a safety rule that silently never fires). ``deliberate = "why"`` keeps one on purpose."""
    from .lint import never_fires

    for rule in rules:
        if rule.deliberate or not never_fires(rule.when, fields, parameters):
            continue
        changed = [name[len("params."):] for name in rule.when.reads
                   if name.startswith("params.") and rep.written_here(("parameters", name[len("params."):]))]
        if changed and not rep.written_here((table, rule.id, "when")):
            # the file changed a parameter of a base rule: the mistake is in the value it wrote
            for name in changed:
                rep.error(("parameters", name), f"with {name} = {parameters[name]!r}, the rule '{rule.id}' ({rule.when.text}) "
                          "can never fire: no profile can have the values it asks for")
            continue
        rep.error((table, rule.id, "when"), "this rule can never fire: its condition contradicts itself or asks for "
                  "values a profile cannot have (check the numbers and names); add deliberate = \"why\" to keep it")


def _caps(rep: Reporter, value: Any, path: Path, tags: tuple[str, ...]) -> Caps | None:
    checks = {}
    for name, spec in CAP_SPECS.items():
        if spec.kind == "int":
            checks[name] = c.integer(int(spec.low), int(spec.high))
        elif spec.kind == "number":
            checks[name] = c.number(spec.low, spec.high)
        elif spec.kind == "bool":
            checks[name] = c.boolean
        elif spec.kind == "program":  # every goal has a program (checked with the programs), so these are its programs
            checks[name] = c.one_of(GOALS, "a program of this rule set:")
        else:
            checks[name] = c.list_of(c.one_of(tags, "a variant tag:"), unique=True)
    got = c.table(rep, value, path, {}, checks, what="table of caps")
    if got is None:
        return None
    if not value:
        rep.error(path, f"caps is empty; set at least one of {', '.join(CAP_SPECS)}")
        return None
    if "avoid_tags" in got:
        got["avoid_tags"] = frozenset(got["avoid_tags"])
    return Caps(**got)


def _variant(rep, name, value, path, vocabulary) -> Variant | None:
    got = c.table(rep, value, path, {"name": c.text, "equipment_any": c.list_of(c.one_of(vocabulary["equipment"], "equipment in the vocabulary:"))},
                  {"description": c.text, "loadable": c.boolean, "tags": c.list_of(c.identifier, unique=True), "cues": c.list_of(c.text),
                   "max_user_mass_kg": c.number(20, 400)},
                  what="variant")
    if got is None or len(got) < 2 or any(k not in got for k in ("name", "equipment_any")):
        return None
    return Variant(name, got["name"], got.get("description", ""), got["equipment_any"], got.get("loadable", False),
                   frozenset(got.get("tags", ())), got.get("cues", ()), got.get("max_user_mass_kg"))


def _restriction(rep, name, value, path, tags) -> Restriction | None:
    got = c.table(rep, value, path, {"description": c.text, "caps": _any}, what="restriction")
    if got is None or "caps" not in got:
        return None
    caps = _caps(rep, got["caps"], path + ("caps",), tags)
    if caps is None or "description" not in got:
        return None
    return Restriction(name, got["description"], caps)


def _experience(rep: Reporter, value: Any) -> dict[str, ExperienceLevel]:
    def build(name, entry, path):
        got = c.table(rep, entry, path, {"days_per_week": _any, "max_sets": c.integer(1, 10), "max_load_percent": c.number(0, 150)},
                      what="experience level")
        if got is None:
            return None
        days = c.table(rep, got.get("days_per_week", {}), path + ("days_per_week",), {"min": c.integer(1, 7), "max": c.integer(1, 7)},
                       what="table like { min = 2, max = 3 }")
        if not days or len(days) < 2 or len(got) < 3:
            return None
        if days["min"] > days["max"]:
            rep.error(path + ("days_per_week",), f"min ({days['min']}) is more than max ({days['max']})")
            return None
        return ExperienceLevel(name, days["min"], days["max"], got["max_sets"], got["max_load_percent"])

    levels = c.table(rep, value, ("experience",), {name: _any for name in EXPERIENCES}, what="table of experience levels")
    return {name: level for name, entry in (levels or {}).items() if (level := build(name, entry, ("experience", name)))}


def _progression(kind: str, low: float, high: float):
    single = c.integer(int(low), int(high)) if kind == "int" else c.number(low, high)

    def check(rep: Reporter, value: Any, path: Path) -> Any:
        if not isinstance(value, dict):
            got = single(rep, value, path)
            return c.BAD if got is c.BAD else Progression(got)
        step_check = c.integer(-int(high), int(high)) if kind == "int" else c.number(-high, high)
        got = c.table(rep, value, path, {"start": single}, {"step": step_check, "limit": single},
                      what="number or table like { start = 2, step = 1, limit = 4 }")
        if got is None or "start" not in got or len(got) != len(value):
            return c.BAD
        if got.get("step", 0) != 0 and "limit" not in got:
            rep.error(path, "a progression with a step needs a limit, so it cannot grow without end")
            return c.BAD
        if "limit" in got and got.get("step", 0) * (got["limit"] - got["start"]) < 0:
            rep.error(path, f"the limit {got['limit']:g} lies behind the start {got['start']:g} for a step of {got.get('step', 0):g}")
            return c.BAD
        return Progression(got["start"], got.get("step", 0), got.get("limit"))
    return check


def _phase(rep: Reporter, value: Any, path: Path) -> Phase | None:
    ranged = isinstance(value, dict) and "reps_range" in value
    required = {
        "id": c.identifier, "name": c.text, "weeks": c.integer(1, 52), "sets": _progression("int", 1, 10),
        "reps": _progression("int", 1, 50), "load": c.one_of(LOAD_KINDS), "rom_percent": _progression("number", 10, 130),
        "tempo": c.text, "rest_seconds": c.integer(0, 600),
    }
    optional = {"purpose": c.text, "load_percent": _progression("number", 0, 150), "cues": c.list_of(c.text),
                "deliberate": c.text, "reps_range": _reps_range, "reps_step": c.integer(1, 10),
                "target_rpe": c.number(1, 10), "target_rir": c.number(0, 9)}
    if ranged:  # double progression: the range replaces a fixed number of repetitions
        optional["reps"] = required.pop("reps")
    got = c.table(rep, value, path, required, optional, what="phase")
    if got is None:
        return None
    if got.get("load") == "percent" and "load_percent" not in got and isinstance(value, dict) and "load_percent" not in value:
        rep.error(path, "a phase with load = \"percent\" needs load_percent", at="key")
        return None
    if got.get("load") == "bodyweight" and "load_percent" in got:
        rep.error(path + ("load_percent",), "load_percent is set but load = \"bodyweight\"; remove one", at="key")
        return None
    if ranged and "reps" in value:
        rep.error(path + ("reps",), "give reps (a fixed number) or reps_range (double progression), not both", at="key")
        return None
    if isinstance(value, dict):
        for key in ("reps_step", "target_rpe", "target_rir"):
            if key in value and not ranged:
                rep.error(path + (key,), f"{key} goes with reps_range (double progression); this phase has fixed reps",
                          at="key")
                return None
        if "target_rpe" in value and "target_rir" in value:
            rep.error(path + ("target_rir",), "give the target effort as target_rpe or target_rir, not both", at="key")
            return None
        if ranged and "target_rpe" not in value and "target_rir" not in value:
            rep.error(path, "a phase with reps_range needs a target effort: target_rpe (like 8) or target_rir (like 2)",
                      at="key")
            return None
    if ranged and got.get("reps_range") is not c.BAD and "reps_range" in got:
        low, _ = got["reps_range"]
        got["reps"] = Progression(low)
    needed = ("id", "name", "weeks", "sets", "reps", "load", "rom_percent", "tempo", "rest_seconds")
    if any(k not in got for k in needed):
        return None
    return Phase(got["id"], got["name"], got.get("purpose", ""), got["weeks"], got["sets"], got["reps"], got["load"],
                 got.get("load_percent"), got["rom_percent"], got["tempo"], got["rest_seconds"], got.get("cues", ()),
                 got.get("deliberate", ""), got.get("reps_range"), got.get("reps_step", 1), got.get("target_rpe"),
                 got.get("target_rir"))


def _reps_range(rep: Reporter, value: Any, path: Path) -> Any:
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        rep.error(path, "expected [low, high]: two whole numbers of repetitions, like [8, 12]")
        return c.BAD
    low, high = value
    if not 1 <= low < high <= 50:
        rep.error(path, f"expected 1 <= low < high <= 50, got [{low}, {high}]")
        return c.BAD
    return (low, high)


def _programs(rep: Reporter, value: Any) -> dict[str, Program]:
    def build(goal, entry, path):
        got = c.table(rep, entry, path, {"name": c.text, "phases": _any},
                      {"summary": c.text, "deload_every": c.integer(0, 52), "deload_volume_percent": c.number(10, 100),
                       "deliberate": c.text},
                      what="program")
        if got is None or "phases" not in got:
            return None
        phases_value = got["phases"]
        if not isinstance(phases_value, list) or not phases_value:
            rep.error(path + ("phases",), "expected one or more [[programs.<goal>.phases]] tables")
            return None
        phases = [_phase(rep, p, path + ("phases", i)) for i, p in enumerate(phases_value)]
        ids = [p.id for p in phases if p]
        for i, phase in enumerate(phases):
            if phase and ids.count(phase.id) > 1:
                rep.error(path + ("phases", i, "id"), f"phase id '{phase.id}' is used twice in this program")
        if None in phases or "name" not in got:
            return None
        return Program(goal, got["name"], got.get("summary", ""), got.get("deload_every", 0),
                       got.get("deload_volume_percent", 50), tuple(phases), got.get("deliberate", ""))

    programs = c.table(rep, value, ("programs",), {}, {goal: _any for goal in GOALS}, what="table of programs, one per goal")
    out = {goal: p for goal, entry in (programs or {}).items() if (p := build(goal, entry, ("programs", goal)))}
    if programs is not None:
        for goal in GOALS:
            if goal not in value:
                rep.error(("programs",), f"no program for the goal '{goal}'; every goal a profile may name needs one", at="key")
    return out


def _pain_monitoring(rep: Reporter, value: Any, references: Mapping[str, Reference]) -> PainMonitoring | None:
    got = c.table(rep, value, ("pain_monitoring",), {
        "during": c.text, "after": c.text, "week_to_week": c.text, "if_exceeded": c.text,
        "source": c.one_of(tuple(references), "a reference key:"),
    }, what="pain_monitoring table")
    if got is None or len(got) < 5:
        return None
    return PainMonitoring(**got)


def _clearance_policy(rep: Reporter, value: Any, path: Path, roles: tuple[str, ...],
                      defaults: ClearancePolicy | None, *, top: bool = False) -> ClearancePolicy | None:
    """The rule set's ``[clearance]`` (``top``: both keys required) or a rule's own ``clearance`` table, whose
    missing keys come from ``defaults`` (the rule set's)."""
    role_check = c.list_of(c.one_of(roles, "a clinician role of the vocabulary's clinician_roles:"), unique=True)
    checks = {"roles": role_check, "valid_weeks": c.integer(1, MAX_VALID_WEEKS)}
    got = c.table(rep, value, path, checks if top else {}, {} if top else checks,
                  what='clearance table like { roles = ["physician"], valid_weeks = 26 }')
    if got is None or (isinstance(value, dict) and len(got) < len(value)):
        return None
    if got.get("roles") == ():
        rep.error(path + ("roles",), "list at least one clinician role who may clear the rule")
        return None
    allowed = got.get("roles", defaults.roles if defaults else None)
    weeks = got.get("valid_weeks", defaults.valid_weeks if defaults else None)
    if allowed is None or weeks is None:
        if not top:
            missing = " or ".join(k for k, v in (("roles", allowed), ("valid_weeks", weeks)) if v is None)
            rep.error(path, f"the rule's clearance does not say {missing}, and the rule set has no "
                            "[clearance] table to take it from", at="key")
        return None
    return ClearancePolicy(tuple(allowed), weeks)


def _rule(rep, rule_id, value, path, fields, parameters, vocabularies, references, tags,
          clearance_defaults: Any = None) -> Rule | None:
    """``clearance_defaults``: the rule set's [clearance] policy, None without one, BAD when it has errors."""
    got = c.table(rep, value, path, {
        "title": c.text, "when": _any, "action": c.one_of(ACTIONS, "one of"), "reason": c.text,
        "source": c.one_of(tuple(references), "a reference key:"),
    }, {"caps": _any, "referral": _any, "cues": c.list_of(c.text), "deliberate": c.text, "clearance": _any},
        what="rule")
    if got is None:
        return None
    condition = None
    if "when" in got:
        condition = _condition(rep, got["when"], path + ("when",), fields, parameters, vocabularies)
    action = got.get("action")
    caps = referral = None
    if "caps" in got:
        if action in ("refuse", "warn"):
            rep.error(path + ("caps",), f"a '{action}' rule has no caps; caps go with modify or require_clearance", at="key")
        else:
            caps = _caps(rep, got["caps"], path + ("caps",), tags)
    elif action == "modify":
        rep.error(path, "a 'modify' rule needs caps (what it limits)", at="key")
    if "referral" in got:
        if action != "refuse":
            rep.error(path + ("referral",), "only a 'refuse' rule carries a referral", at="key")
        else:
            referral = _referral(rep, got["referral"], path + ("referral",))
    elif action == "refuse":
        rep.error(path, "a 'refuse' rule needs a referral: where the person should go", at="key")
    policy = None
    if action == "require_clearance":
        if clearance_defaults is c.BAD:
            clearance_defaults = None
            if "clearance" not in got:
                return None
        if "clearance" in got:
            policy = _clearance_policy(rep, got["clearance"], path + ("clearance",), vocabularies["clinician_roles"],
                                       clearance_defaults)
        elif clearance_defaults is not None:
            policy = clearance_defaults
        else:
            rep.error(path, "a 'require_clearance' rule needs to say who may clear it and for how long: give it "
                            "clearance = { roles = [\"physician\"], valid_weeks = 26 }, or give the rule set a "
                            "[clearance] table with roles and valid_weeks for every such rule", at="key")
        if policy is None:
            return None
    elif "clearance" in got and action in ACTIONS:
        rep.error(path + ("clearance",), f"a '{action}' rule is not cleared by a clinician; clearance goes with "
                                         "require_clearance", at="key")
    if condition is None or any(k not in got for k in ("title", "action", "reason", "source")):
        return None
    if action == "refuse" and referral is None:
        return None
    return Rule(rule_id, got["title"], condition, got["action"], got["reason"], got["source"], caps, referral,
                got.get("cues", ()), got.get("deliberate", ""), policy)


def _referral(rep: Reporter, value: Any, path: Path) -> Referral | None:
    got = c.table(rep, value, path, {"urgency": c.one_of(URGENCIES), "to": c.text, "message": c.text}, what="referral")
    if got is None or len(got) < 3:
        return None
    return Referral(**got)


def _condition(rep, text, path, fields, parameters, vocabularies):
    if not isinstance(text, str):
        rep.error(path, "expected a condition in quotes, like \"pain.current >= 7\"")
        return None
    try:
        return compile_condition(text, fields=fields, params=parameters, vocabularies=vocabularies)
    except ConditionError as exc:
        places = _condition_places(rep, path, text)
        for problem in exc.problems:
            position = None
            if places:  # the character itself, through escapes and the lines of a multi-line string
                offset = sum(len(line) + 1 for line in text.split("\n")[: problem.line - 1]) + problem.column
                position = places[min(offset, len(places) - 1)]
            rep.error(path, problem.message, problem.suggestion, position=position)
        return None


def _condition_places(rep: Reporter, path: Path, text: str) -> list[tuple[int, int]] | None:
    """The file's (line, column) of each character of a condition; None when it cannot be placed exactly."""
    start = rep.locations.value_text_offset(path)
    if start is None:
        return None
    source_text = getattr(rep, "source_text", None)  # a chain: the file that wrote the condition
    return string_places(source_text(path) if source_text else rep.text, start[0], start[1], text)

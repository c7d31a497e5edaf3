"""Read a client profile (TOML or JSON), check every field, and build a frozen :class:`Profile`.

Misspelt keys, wrong types, values out of range and words the rule set's vocabulary does not know
are all reported at once, each with file, line and column and, for a near miss, the intended name.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path as FilePath
from typing import Any

import attrs

from . import checks as c
from .errors import Problem, ProfileError
from .locate import Path
from .profile import SECTIONS, Profile, Surgery
from .report import Reporter
from .ruleset import RuleSet
from .ruleset_loader import decode, default_ruleset, parse_toml
from .suggest import did_you_mean

REQUIRED_SECTIONS = ("person", "pain", "training")
MAX_BYTES = 1_000_000


def load_profile(path: str | FilePath, ruleset: RuleSet | None = None) -> Profile:
    """Read and check a profile file against ``ruleset``'s vocabulary (the embedded default if none)."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ProfileError([Problem(name, "", f"cannot read the profile: {exc.strerror or exc}")]) from None
    return parse_profile(data, name=name, ruleset=ruleset, kind=_kind_from_name(name))


def parse_profile(source: str | bytes, *, name: str = "<string>", ruleset: RuleSet | None = None,
                  kind: str | None = None) -> Profile:
    """Check a profile given as TOML or JSON text; ``kind`` is ``"toml"`` or ``"json"`` (sniffed if None)."""
    if len(source) > MAX_BYTES:
        raise ProfileError([Problem(name, "", f"the profile is larger than {MAX_BYTES:,} bytes; a profile is a few hundred")])
    text = decode(source, name, ProfileError)
    kind = kind or _kind_from_name(name) or ("json" if text.lstrip().startswith("{") else "toml")
    data = _parse_json(text, name) if kind == "json" else parse_toml(text, name, ProfileError)
    return profile_from_data(data, name=name, text=text, kind=kind, ruleset=ruleset)


def profile_from_data(data: Any, *, name: str = "<data>", text: str = "", kind: str = "json",
                      ruleset: RuleSet | None = None) -> Profile:
    """Check already-parsed profile data (a dict as from JSON) and build the profile."""
    if isinstance(data, dict) and str(data.get("format", "")).startswith("revhyper.block"):  # a block read as a profile
        raise ProfileError([Problem(name, "format", "this is a block, not a profile: a block is what revhyper generate "
                                                    "writes from a profile (read it with revhyper.load_block)", 1, 1)])
    ruleset = ruleset or default_ruleset()
    rep = Reporter(name, text, kind)
    vocabularies = {**ruleset.vocabulary, "restrictions": tuple(ruleset.restrictions)}
    sections = c.table(rep, data, (), {s: _any for s in REQUIRED_SECTIONS},
                       {s: _any for s in SECTIONS if s not in REQUIRED_SECTIONS}, what="profile (a table of sections)")
    built: dict[str, Any] = {}
    for section, value in (sections or {}).items():
        obj = _build(rep, SECTIONS[section], value, (section,), vocabularies)
        if obj is not None:
            built[section] = obj
    _check_clearance_date(rep, built)
    if rep.errors or len(built) < len(sections or ()):
        raise ProfileError(rep.errors or [Problem(name, "", "the profile could not be read")])
    return Profile(**built)


def _check_clearance_date(rep: Reporter, built: dict[str, Any]) -> None:
    """A block may not start before the clearance it depends on: its first weeks would not be cleared."""
    clearance, training = built.get("clearance"), built.get("training")
    if clearance is None or training is None or not clearance.cleared:
        return
    if clearance.date is not None and training.start_date is not None and clearance.date > training.start_date:
        rep.error(("clearance", "date"), f"the clearance is dated {clearance.date.isoformat()}, after "
                  f"training.start_date {training.start_date.isoformat()}: the block may not start before it is "
                  "cleared; start on or after the clearance date")


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
    got = c.table(rep, value, path, required, optional, what=f"[{'.'.join(map(str, path))}] table")
    if got is None:
        return None
    ok = True
    for f in fields:
        if f.name not in got:
            continue
        vocabulary = f.metadata.get("vocabulary")
        if f.metadata.get("kind") == "surgeries":
            got[f.name] = _surgeries(rep, got[f.name], path + (f.name,), vocabularies)
            ok = ok and got[f.name] is not None
        elif vocabulary:
            words = vocabularies.get(vocabulary, ())
            items = got[f.name] if isinstance(got[f.name], tuple) else (got[f.name],)
            for index, word in enumerate(items):
                if word not in words:
                    where = path + (f.name, index) if isinstance(got[f.name], tuple) else path + (f.name,)
                    rep.error(where, f"'{word}' is not in the rule set's {vocabulary} vocabulary "
                                     f"({', '.join(words) or 'none'})", did_you_mean(word, words))
                    ok = False
    if not ok or any(name not in got for name in required) or len(got) < len(value):
        return None
    try:
        return cls(**got)
    except (TypeError, ValueError) as exc:  # the second net: should not happen after the checks
        rep.error(path, str(exc))
        return None


def _surgeries(rep: Reporter, value: Any, path: Path, vocabularies) -> tuple[Surgery, ...] | None:
    if not isinstance(value, list):
        rep.error(path, "expected a list of surgeries ([[history.surgeries]] tables with procedure and weeks_ago)")
        return None
    out = [_build(rep, Surgery, item, path + (index,), vocabularies) for index, item in enumerate(value)]
    return None if None in out else tuple(out)


def _parse_json(text: str, name: str) -> Any:
    def no_constants(word: str) -> Any:
        raise ValueError(f"{word} is not a number JSON allows")

    try:
        return json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        raise ProfileError([Problem(name, "", f"not valid JSON: {exc.msg}", exc.lineno, exc.colno)]) from None
    except (ValueError, RecursionError) as exc:
        raise ProfileError([Problem(name, "", f"not valid JSON: {exc}")]) from None


def _kind_from_name(name: str) -> str | None:
    lowered = name.lower()
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith(".toml"):
        return "toml"
    return None

"""The exercise map: which of an app's exercise names are which variants of the rule set.

Names are matched ignoring case, spaces, ``-`` and ``_`` (``Reverse Hyperextension`` = ``reverse-hyperextension``).
Three layers, later ones winning: every variant's own id and display name; the reader's defaults (Strong's and
Hevy's "Reverse Hyperextension", Garmin's exercise categories); the user's map file (``--exercise-map FILE``):

    weight_unit = "lb"            # optional: the unit of weights when an export does not say (default kg)

    [exercise_names]
    "Reverse Hyper (Rogue)" = "machine_reverse_hyper"
    "Hip extension on bench" = "bench_reverse_hyper"

A TOML file, or JSON with the same keys. An unknown key or variant is an error with did-you-mean.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path as FilePath
from typing import Any

import attrs

from ..errors import LogError, Problem
from ..io.report import Reporter
from ..io.suggest import did_you_mean
from .rows import unsafe_character

MAX_BYTES = 1_000_000
UNITS = ("kg", "lb")


def fold(name: str) -> str:
    return re.sub(r"[\s_-]+", " ", name.strip().lower())


@attrs.frozen
class ExerciseMap:
    """The user's additions: exercise name (as written) -> variant id, and the unit of unlabelled weights."""

    names: Mapping[str, str] = attrs.field(factory=dict)
    weight_unit: str = "kg"
    file: str = ""


def resolve(variants: Mapping[str, Any], defaults: Mapping[str, str], user: ExerciseMap | None) -> dict[str, str]:
    """Folded name -> variant id, from the three layers (a reader's default for a variant the rule set does not
    have is left out)."""
    out: dict[str, str] = {}
    for variant_id, variant in variants.items():
        out[fold(variant_id)] = variant_id
        name = getattr(variant, "name", None)
        if isinstance(name, str):
            out[fold(name)] = variant_id
    out.update({fold(name): variant for name, variant in defaults.items() if variant in variants})
    if user is not None:
        out.update({fold(name): variant for name, variant in user.names.items()})
    return out


def load_exercise_map(path: str | FilePath, variants: Mapping[str, Any]) -> ExerciseMap:
    """Read and check an exercise map file (TOML, or JSON by its suffix) against the rule set's variants."""
    from ..rules.ruleset_loader import decode, parse_toml

    from ..io.reading import read_file_bytes

    name = str(path)
    data = read_file_bytes(path, MAX_BYTES, "the exercise map", LogError)
    if len(data) > MAX_BYTES:
        raise LogError([Problem(name, "", f"the exercise map is larger than {MAX_BYTES:,} bytes")])
    text = decode(data, name, LogError)
    kind = "json" if name.lower().endswith(".json") else "toml"
    if kind == "json":
        try:
            parsed = json.loads(text, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            where = (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else (None, None)
            raise LogError([Problem(name, "", f"not valid JSON: {getattr(exc, 'msg', exc)}", *where)]) from None
    else:
        parsed = parse_toml(text, name, LogError)
    return exercise_map_from_data(parsed, variants, name=name, text=text, kind=kind)


def exercise_map_from_data(data: Any, variants: Mapping[str, Any], *, name: str = "<data>", text: str = "",
                           kind: str = "json") -> ExerciseMap:
    rep = Reporter(name, text, kind)
    if not isinstance(data, dict):
        raise LogError([Problem(name, "", "an exercise map is a table: weight_unit and [exercise_names]")])
    for key in data:
        if key not in ("exercise_names", "weight_unit"):
            rep.error((key,), f"unknown key '{key}' (an exercise map has exercise_names and weight_unit)",
                      did_you_mean(key, ("exercise_names", "weight_unit")), at="key")
    unit = data.get("weight_unit", "kg")
    if unit not in UNITS:
        rep.error(("weight_unit",), f"expected \"kg\" or \"lb\", got {unit!r}", did_you_mean(str(unit), UNITS))
    names = data.get("exercise_names", {})
    out: dict[str, str] = {}
    if not isinstance(names, dict):
        rep.error(("exercise_names",), "expected a table: \"Exercise name as the app writes it\" = \"variant_id\"")
    else:
        for exercise, variant in names.items():
            bad = unsafe_character(exercise)
            if bad or not exercise.strip():
                rep.error(("exercise_names", exercise), f"an exercise name must be printable text ({bad or 'empty'})",
                          at="key")
            elif not isinstance(variant, str) or variant not in variants:
                rep.error(("exercise_names", exercise), f"{variant!r} is not a variant of the rule set "
                          f"({', '.join(sorted(variants))})", did_you_mean(str(variant), variants))
            else:
                out[exercise] = variant
    if rep.errors:
        raise LogError(rep.errors)
    return ExerciseMap(out, unit if unit in UNITS else "kg", name)


def _no_constant(word: str) -> Any:
    raise ValueError(f"{word} is not a number JSON allows")

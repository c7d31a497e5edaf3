"""What a plugin's adjuster may change in a block: only the fields a platform maps, nothing else.

The check is structural: both blocks are walked field by field through their attrs classes (so a field
added to any class of the block is covered without touching this module), and every leaf of the adjusted
block must equal the original's, except at the paths in :data:`MAPPABLE`. Every number anywhere in the
adjusted block must be finite.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from typing import Any

import attrs

MAPPABLE = (
    "weeks[].sessions[].exercises[].variant",
    "weeks[].sessions[].exercises[].name",
)
"""The only fields an adjuster may change: an exercise's id and its display name, mapped to the platform's own.

A mapping must be consistent (one original value always becomes the same new value, and two different
originals never become one) and may not turn an exercise into another of revhyper's variants (by id or by
name). The plan (``plan.variant``, ``plan.variant_name``) keeps revhyper's own id and name."""

_NODE = object()  # marks an attrs instance or a sequence in the flattened form: (class name or length)


def _walk(value: Any, path: str, pattern: str) -> Iterator[tuple[str, str, Any]]:
    """(path, pattern, leaf) for every leaf; attrs instances and sequences give a (_NODE, shape) leaf too."""
    if attrs.has(type(value)):
        yield path, pattern, (_NODE, f"{type(value).__module__}.{type(value).__qualname__}")
        for field in attrs.fields(type(value)):
            if field.metadata.get("derived"):  # how a value was made (Block.week_plans), not the value
                continue
            sub = f"{path}.{field.name}" if path else field.name
            sub_pattern = f"{pattern}.{field.name}" if pattern else field.name
            yield from _walk(getattr(value, field.name), sub, sub_pattern)
    elif isinstance(value, (tuple, list)):
        yield path, pattern, (_NODE, type(value).__name__, len(value))
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]", f"{pattern}[]")
    else:
        yield path, pattern, value


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _shown(value: Any) -> str:
    if isinstance(value, tuple) and value and value[0] is _NODE:
        return f"a {value[1].rsplit('.', 1)[-1]}" if len(value) == 2 else f"{value[2]} items"
    text = ascii(value)  # escapes control characters and anything else unusual
    return text if len(text) <= 60 else text[:57] + "..."


def _non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, (frozenset, set)):
        return any(_non_finite(v) for v in value)
    return False


Snapshot = dict[str, tuple[str, Any]]
"""A block flattened: field path -> (its pattern, its leaf value). Leaves are immutable, so a snapshot taken
before plugin code runs still says what the block was, even if the plugin mutates the block in place."""


def snapshot(block: Any) -> Snapshot:
    return {path: (pattern, leaf) for path, pattern, leaf in _walk(block, "", "")}


def problems(before: Any, after: Any, limit: int = 5) -> list[str]:
    """What ``after`` (an adjuster's result) changed in ``before`` beyond :data:`MAPPABLE`; empty if nothing.

    Each problem names the field's path (``weeks[0].sessions[1].exercises[0].tempo``) and the two values.
    """
    return problems_since(snapshot(before), after, limit)


def problems_since(old: Snapshot, after: Any, limit: int = 5) -> list[str]:
    """:func:`problems`, against a :func:`snapshot` of the block before."""
    was_type = old[""][1][1]
    if f"{type(after).__module__}.{type(after).__qualname__}" != was_type or not attrs.has(type(after)):
        return [f"it returned {type(after).__name__}, not a {was_type.rsplit('.', 1)[-1]}"]
    first: dict[tuple[str, str], str] = {}  # (kind, pattern) -> the first such problem
    alike: dict[tuple[str, str], int] = {}  # how many more of the same kind at the same pattern
    maps: dict[str, dict[Any, Any]] = {}

    def report(kind: str, pattern: str, message: str) -> None:
        if (kind, pattern) in first:
            alike[kind, pattern] = alike.get((kind, pattern), 0) + 1
        else:
            first[kind, pattern] = message

    seen = set()
    for path, pattern, leaf in _walk(after, "", ""):
        seen.add(path)
        if _non_finite(leaf):
            report("non-finite", pattern, f"it set {path} to {_shown(leaf)}: every number must be finite")
            continue
        if path not in old:
            report("added", pattern, f"it added {path} ({_shown(leaf)})")
            continue
        was = old[path][1]
        if _same(was, leaf):
            if pattern in MAPPABLE:
                maps.setdefault(pattern, {}).setdefault(was, leaf)
            continue
        if pattern not in MAPPABLE:
            report("changed", pattern, f"it changed {path} from {_shown(was)} to {_shown(leaf)}")
            continue
        if not (isinstance(leaf, str) and leaf.strip() and leaf.isprintable()):
            report("unprintable", pattern, f"it changed {path} from {_shown(was)} to {_shown(leaf)}: a mapped value "
                                           f"must be printable text")
            continue
        earlier = maps.setdefault(pattern, {}).setdefault(was, leaf)
        if earlier != leaf:
            report("inconsistent", pattern, f"it mapped {path} {_shown(was)} to {_shown(leaf)} here but to "
                                            f"{_shown(earlier)} elsewhere")
    for path, (pattern, leaf) in old.items():
        if path not in seen:
            report("removed", pattern, f"it removed {path} ({_shown(leaf)})")
    for pattern, mapping in maps.items():
        report_mapping(pattern, mapping, functools.partial(report, "mapping", pattern))
    found = [message + (f" (and {alike[key]} more like it)" if key in alike else "") for key, message in first.items()]
    return found[:limit] + ([f"and {len(found) - limit} more kinds of change"] if len(found) > limit else [])


def report_mapping(pattern: str, mapping: dict[Any, Any], report: Callable[[str], None]) -> None:
    """Refuse a mapping that merges two originals, or that turns one revhyper variant into another."""
    field = pattern.rsplit(".", 1)[1]
    targets: dict[Any, Any] = {}
    for was, now in mapping.items():
        if now in targets and targets[now] != was:
            report(f"it mapped both {_shown(targets[now])} and {_shown(was)} to {_shown(now)} in {pattern}: "
                   f"a mapping must keep different exercises apart")
        targets.setdefault(now, was)
    changed = {was: now for was, now in mapping.items() if was != now}
    if not changed:
        return
    from ..rules.ruleset_loader import default_ruleset

    variants = default_ruleset().variants.values()
    known = {getattr(v, "id" if field == "variant" else "name") for v in variants} | set(mapping)
    for was, now in changed.items():
        if now in known:
            report(f"it changed {field} {_shown(was)} to {_shown(now)}, another of revhyper's exercises: an adjuster may "
                   f"rename an exercise for its platform, never swap it for another")

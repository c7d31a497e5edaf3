"""What one rule set changes against another, rule by rule. Pure: two RuleSets in, a plain dict out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from ..export.canonical import caps_to_dict
from .ruleset import RuleSet


def diff_rulesets(a: RuleSet, b: RuleSet) -> dict[str, Any]:
    rules_a, rules_b = {r.id: r for r in a.rules}, {r.id: r for r in b.rules}
    disabled_b = {rule_id: reason for rule_id, reason, _ in b.disabled}
    changed = []
    for rule_id in rules_a.keys() & rules_b.keys():
        fields = _rule_changes(rules_a[rule_id], rules_b[rule_id])
        if fields:
            changed.append({"rule": rule_id, "changes": fields})
    return {
        "from": {"id": a.id, "version": a.version, "sha256": a.sha256},
        "to": {"id": b.id, "version": b.version, "sha256": b.sha256},
        "rules": {
            "added": [{"rule": r, "action": rules_b[r].action, "when": rules_b[r].when.text}
                      for r in rules_b if r not in rules_a],
            "disabled": [{"rule": r, "reason": disabled_b[r]} for r in rules_a if r not in rules_b and r in disabled_b],
            "removed": [{"rule": r} for r in rules_a if r not in rules_b and r not in disabled_b],
            "changed": sorted(changed, key=lambda c: list(rules_a).index(c["rule"])),
        },
        "adaptations": _adaptation_changes(a, b),
        "parameters": _mapping_changes(a.parameters, b.parameters),
        "vocabulary": {name: {"added": [w for w in b.vocabulary[name] if w not in a.vocabulary[name]],
                              "removed": [w for w in a.vocabulary[name] if w not in b.vocabulary[name]]}
                       for name in a.vocabulary
                       if set(a.vocabulary[name]) != set(b.vocabulary.get(name, ()))},
        "references": _mapping_changes({k: v.citation for k, v in a.references.items()},
                                       {k: v.citation for k, v in b.references.items()}),
        "variants": _mapping_changes({k: _plain(v) for k, v in a.variants.items()}, {k: _plain(v) for k, v in b.variants.items()}),
        "restrictions": _mapping_changes({k: _plain(v) for k, v in a.restrictions.items()},
                                         {k: _plain(v) for k, v in b.restrictions.items()}),
        "experience": _mapping_changes({k: _plain(v) for k, v in a.experience.items()},
                                       {k: _plain(v) for k, v in b.experience.items()}),
        "programs": _program_changes(a, b),
        "settings": _mapping_changes(_settings(a), _settings(b)),
    }


def _adaptation(x) -> dict[str, Any]:
    return {"title": x.title, "when": x.when.text, "action": x.action, "reason": x.reason, "source": x.source}


def _adaptation_changes(a: RuleSet, b: RuleSet) -> dict[str, Any]:
    """Adaptations added, removed, and changed field by field ({id: {field: {from, to}}})."""
    x, y = {r.id: _adaptation(r) for r in a.adaptations}, {r.id: _adaptation(r) for r in b.adaptations}
    changed = {}
    for key in x.keys() & y.keys():
        fields = {f: {"from": x[key][f], "to": y[key][f]} for f in x[key] if x[key][f] != y[key][f]}
        if fields:
            changed[key] = fields
    return {"added": {k: v for k, v in y.items() if k not in x}, "removed": {k: v for k, v in x.items() if k not in y},
            "changed": {k: changed[k] for k in x if k in changed}}


def _settings(r: RuleSet) -> dict[str, Any]:
    return {"title": r.title, "disclaimer": r.disclaimer, "notes": list(r.notes), "default_weeks": r.default_weeks,
            "load_increment_kg": r.load_increment_kg, "variant_preference": list(r.variant_preference),
            "pain_monitoring": _plain(r.pain_monitoring), "clearance": _plain(r.clearance)}


def _plain(value: Any) -> Any:
    if attrs.has(type(value)):
        return {f.name: _plain(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, (frozenset, set)):
        return sorted(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _rule_changes(x, y) -> list[dict[str, Any]]:
    out = []
    for name in ("title", "action", "reason", "source", "cues", "clearance"):
        if getattr(x, name) != getattr(y, name):
            out.append({"field": name, "from": _plain(getattr(x, name)), "to": _plain(getattr(y, name))})
    if x.when.text != y.when.text:
        out.append({"field": "when", "from": x.when.text, "to": y.when.text})
    caps_x = caps_to_dict(x.caps) if x.caps else {}
    caps_y = caps_to_dict(y.caps) if y.caps else {}
    if caps_x != caps_y:
        out.append({"field": "caps", "from": caps_x, "to": caps_y})
    if x.referral != y.referral:
        out.append({"field": "referral", "from": _plain(x.referral), "to": _plain(y.referral)})
    return out


def _mapping_changes(x: Mapping[str, Any], y: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "added": {k: y[k] for k in y if k not in x},
        "removed": {k: x[k] for k in x if k not in y},
        "changed": {k: {"from": x[k], "to": y[k]} for k in x if k in y and x[k] != y[k]},
    }


def _program_changes(a: RuleSet, b: RuleSet) -> dict[str, Any]:
    out = {}
    for goal in a.programs.keys() | b.programs.keys():
        pa, pb = a.programs.get(goal), b.programs.get(goal)
        if pa == pb:
            continue
        phases_a = {p.id: _plain(p) for p in pa.phases} if pa else {}
        phases_b = {p.id: _plain(p) for p in pb.phases} if pb else {}
        settings_a = {k: v for k, v in (_plain(pa) or {}).items() if k != "phases"} if pa else {}
        settings_b = {k: v for k, v in (_plain(pb) or {}).items() if k != "phases"} if pb else {}
        phase_changes = {}
        for pid in phases_a.keys() & phases_b.keys():
            fields = {k: {"from": phases_a[pid][k], "to": phases_b[pid][k]} for k in phases_a[pid] if phases_a[pid][k] != phases_b[pid][k]}
            if fields:
                phase_changes[pid] = fields
        out[goal] = {
            "settings": _mapping_changes(settings_a, settings_b)["changed"],
            "phases_added": [p for p in phases_b if p not in phases_a],
            "phases_removed": [p for p in phases_a if p not in phases_b],
            "phases_changed": phase_changes,
            "order": None if [p for p in phases_a] == [p for p in phases_b] else {"from": list(phases_a), "to": list(phases_b)},
        }
    return dict(sorted(out.items()))


def shown(value: Any, nested: bool = False) -> str:
    """A value as a clinician wrote it in the TOML file: ``{ max_sets = 1, bodyweight_only = true }``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "(none)"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {shown(v, True)}" for k, v in value.items()) + " }" if value else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(shown(v, True) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False) if nested else value
    return str(value)


def diff_to_text(diff: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    add(f"{diff['to']['id']} {diff['to']['version']} against {diff['from']['id']} {diff['from']['version']}")
    rules = diff["rules"]
    count = sum(len(rules[k]) for k in rules)
    add(f"Rules: {count} difference{'s' if count != 1 else ''}")
    for r in rules["added"]:
        add(f"  + {r['rule']} [{r['action']}] when {r['when']}")
    for r in rules["disabled"]:
        add(f"  - {r['rule']} disabled: {r['reason']}")
    for r in rules["removed"]:
        add(f"  - {r['rule']} removed")
    for r in rules["changed"]:
        add(f"  ~ {r['rule']}")
        for change in r["changes"]:
            add(f"      {change['field']}: {shown(change['from'])} -> {shown(change['to'])}")
    adapting = diff["adaptations"]
    if any(adapting.values()):
        add("Adaptations:")
        for key, value in adapting["added"].items():
            add(f"  + {key} [{value['action']}] when {value['when']}")
        for key in adapting["removed"]:
            add(f"  - {key} removed")
        for key, fields in adapting["changed"].items():
            for field, value in fields.items():
                add(f"  ~ {key} {field}: {shown(value['from'])} -> {shown(value['to'])}")
    for section in ("parameters", "references", "variants", "restrictions", "experience", "settings"):
        part = diff[section]
        if not any(part.values()):
            continue
        add(f"{section.capitalize()}:")
        for key, value in part["added"].items():
            add(f"  + {key} = {shown(value)}")
        for key, value in part["removed"].items():
            add(f"  - {key} (was {shown(value)})")
        for key, value in part["changed"].items():
            add(f"  ~ {key}: {shown(value['from'])} -> {shown(value['to'])}")
    for name, words in diff["vocabulary"].items():
        add(f"Vocabulary {name}: " + ", ".join([f"+{w}" for w in words["added"]] + [f"-{w}" for w in words["removed"]]))
    for goal, program in diff["programs"].items():
        add(f"Program {goal}:")
        for key, value in program["settings"].items():
            add(f"  ~ {key}: {shown(value['from'])} -> {shown(value['to'])}")
        for pid in program["phases_added"]:
            add(f"  + phase {pid}")
        for pid in program["phases_removed"]:
            add(f"  - phase {pid}")
        for pid, fields in program["phases_changed"].items():
            for key, value in fields.items():
                add(f"  ~ phase {pid} {key}: {shown(value['from'])} -> {shown(value['to'])}")
        if program["order"]:
            add(f"  ~ phase order: {shown(program['order']['from'])} -> {shown(program['order']['to'])}")
    if count == 0 and len(lines) == 2 and not any(diff["adaptations"].values()):
        add("No differences.")
    from ..errors import printable

    return "\n".join(printable(line) for part in lines for line in part.split("\n")) + "\n"

"""Plain helpers shared by the tests (importable: pytest puts tests/ on sys.path)."""

from __future__ import annotations

import copy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

HEALTHY = {
    "person": {"id": "test-client", "age": 35},
    "pain": {"current": 2, "worst_last_week": 3, "duration_weeks": 20},
    "training": {
        "experience": "intermediate",
        "goal": "strength",
        "days_per_week": 3,
        "start_date": "2026-12-07",
        "equipment": ["reverse_hyper_machine"],
        "working_load_kg": 40,
        "load_increment_kg": 2.5,
    },
}


def merge(base: dict, changes: dict) -> dict:
    """Deep-merge ``changes`` into a copy of ``base`` (tables merge, other values replace)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def cleared(*rules: str, role: str = "physician", date: str = "2026-11-30", **extra) -> list[dict]:
    """A profile's ``clearance`` list: one clinician's clearance (a physician's, who may clear every rule of the
    default) of ``rules``, or of every rule of the default that requires clearance when none are named."""
    if not rules:
        import revhyper

        rules = tuple(r.id for r in revhyper.default_ruleset().rules if r.action == "require_clearance")
    return [{"rules": list(rules), "role": role, "date": date, **extra}]

"""The JSON Schema of the compact block (compact.py), derived from the canonical block's schema, never written twice.

``schemas/block-compact.schema.json`` is this derivation of ``schemas/block.schema.json`` as shipped;
tests/test_schemas.py checks that the two agree, and ``python -m revhyper.export.compact_schema`` writes it again
after the block schema changes.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from .compact import COMPACT_FORMAT, EXERCISE_FIELDS

POSITION = {"type": "integer", "minimum": 0}


def compact_schema(block_schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of ``revhyper.block.compact/1`` from that of ``revhyper.block/1``."""
    schema = copy.deepcopy(block_schema)
    defs = schema["$defs"]
    schema["title"] = "revhyper compact block"
    schema["description"] = ("A block in the compact form revhyper batch writes on each line: the canonical block "
                             "(block.schema.json) with each variant, phase, cue and exercise stated once, in tables, "
                             "and referred to by position from 0 (docs/block.md#the-compact-form).")
    named = {"type": "object", "required": ["id", "name"], "additionalProperties": False,
             "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}
    exercise = defs.pop("exercise")["properties"]
    row = [{**POSITION, "description": "A position in variants: the exercise's variant id and name."}]
    for field in EXERCISE_FIELDS[1:]:
        if field == "cues":
            row.append({"type": "array", "items": POSITION, "description": "Positions in cues."})
        elif field in ("reps_range", "target_rpe", "target_rir"):
            row.append({"anyOf": [{"type": "null"}, {k: v for k, v in exercise[field].items() if k != "description"}],
                        "description": exercise[field]["description"] + " Null otherwise."})
        else:
            row.append(exercise[field])
    tables = {
        "variants": {"type": "array", "items": named, "description": "Each variant the exercises use, once."},
        "phases": {"type": "array", "items": named, "description": "Each phase the weeks belong to, once."},
        "cues": {"type": "array", "items": {"type": "string"}, "uniqueItems": True,
                 "description": "Each coaching cue, once."},
        "exercises": {
            "type": "object", "required": ["fields", "rows"], "additionalProperties": False,
            "description": "Each distinct exercise, once, as a row of values in the order of fields.",
            "properties": {
                "fields": {"const": list(EXERCISE_FIELDS)},
                "rows": {"type": "array", "items": {"$ref": "#/$defs/exercise_row"}},
            },
        },
    }
    properties: dict[str, Any] = {}
    for key, value in schema["properties"].items():
        if key == "weeks":
            properties.update(tables)
        properties[key] = value
    properties["format"] = {"const": COMPACT_FORMAT, "description": "The compact block format and its version."}
    schema["properties"] = properties
    at = schema["required"].index("weeks")
    schema["required"][at:at] = list(tables)
    defs["exercise_row"] = {"type": "array", "prefixItems": row, "items": False, "minItems": len(row),
                            "description": "An exercise: " + ", ".join(EXERCISE_FIELDS) + "."}
    defs.pop("session")
    week = defs["week"]
    week["properties"]["phase"] = {**POSITION, "description": "A position in phases."}
    sessions = week["properties"]["sessions"]
    sessions["items"] = {
        "type": "array", "minItems": 2, "items": POSITION,
        "prefixItems": [{"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}],
                         "description": "The session's date, or null when the profile gives no start_date."}],
        "description": "[date, exercise, ...]: the positions of the session's exercises in exercises.rows; the "
                       "session's number is its place in the week, its index its place in the block (from 1).",
    }
    return schema


def schema_text(block_schema_text: str) -> str:
    """The shipped file's text: two-space indent, a final newline, as block.schema.json is written."""
    return json.dumps(compact_schema(json.loads(block_schema_text)), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    folder = Path(__file__).resolve().parent.parent / "schemas"
    text = schema_text((folder / "block.schema.json").read_text(encoding="utf-8"))
    (folder / "block-compact.schema.json").write_text(text, encoding="utf-8")
    print(f"wrote {folder / 'block-compact.schema.json'}")


if __name__ == "__main__":
    main()

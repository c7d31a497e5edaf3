"""The ``[[clearance]]`` table as text to paste into a profile: for the clearance request a coach sends, and for
the error that replaces the old ``[clearance] cleared = true`` table.

Values are written as TOML basic strings (JSON string escapes, which TOML shares), so nothing a profile or rule
set holds can break out of the table.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

PLACEHOLDER_DATE = "YYYY-MM-DD"


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, and control characters are escaped too."""
    return json.dumps(text, ensure_ascii=False).replace("\u007f", "\\u007f")


def toml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(toml_string(i) for i in items) + "]"


def toml_table(rules: Sequence[str], role: str, date: dt.date | str, *, by: str | None = None,
               restrictions: Sequence[str] = (), role_comment: str = "", date_comment: str = "") -> str:
    """One ``[[clearance]]`` table. ``date`` is a date, or text (a placeholder) written as a string to replace."""
    lines = ["[[clearance]]", f"rules = {toml_list(rules)}",
             f"role = {toml_string(role)}" + (f"  # {role_comment}" if role_comment else "")]
    if by is not None:
        lines.append(f"by = {toml_string(by)}")
    shown = date.isoformat() if isinstance(date, dt.date) else toml_string(date)
    lines.append(f"date = {shown}" + (f"  # {date_comment}" if date_comment else ""))
    if restrictions:
        lines.append(f"restrictions = {toml_list(restrictions)}")
    return "\n".join(lines) + "\n"


def json_entry(rules: Sequence[str], role: str, date: dt.date | str, *, by: str | None = None,
               restrictions: Sequence[str] = ()) -> str:
    entry: dict[str, Any] = {"rules": list(rules), "role": role}
    if by is not None:
        entry["by"] = by
    entry["date"] = date.isoformat() if isinstance(date, dt.date) else date
    if restrictions:
        entry["restrictions"] = list(restrictions)
    return json.dumps({"clearance": [entry]}, indent=2, ensure_ascii=False)


def role_in(text: str | None, roles: Sequence[str]) -> str | None:
    """The one clinician role a free-text name mentions ("J. Okafor, physiotherapist"), else None."""
    if not text:
        return None
    lowered = text.lower()
    found = [r for r in roles if r.replace("_", " ") in lowered or r in lowered]
    return found[0] if len(found) == 1 else None


def old_clearance_message(value: Mapping[str, Any], kind: str, ruleset, built: Mapping[str, Any]) -> str:
    """The error for the old ``[clearance]`` table: what changed, and the new form built from what was written."""
    roles = tuple(ruleset.vocabulary.get("clinician_roles", ()))
    cleared = value.get("cleared") is True
    written_by = value.get("by")
    by = written_by if isinstance(written_by, str) and written_by.strip() else None
    date: dt.date | str = PLACEHOLDER_DATE
    written = value.get("date")
    if isinstance(written, dt.date) and not isinstance(written, dt.datetime):
        date = written
    elif isinstance(written, str):
        try:
            date = dt.date.fromisoformat(written)
        except ValueError:
            pass
    restrictions = [r for r in value.get("restrictions", []) if isinstance(r, str)] \
        if isinstance(value.get("restrictions"), list) else []
    head = ("the [clearance] table is the old form (cleared = true cleared every rule at once). A clearance now "
            "names the rules it clears, the clinician's role and the date, one [[clearance]] table per clinician "
            "(docs/profile.md)")
    if not cleared and not restrictions:
        return head + ". This one records no clearance: remove it."
    rules = _required_by(ruleset, built) if cleared else []
    role = role_in(by, roles)
    role_comment = "" if role else "one of " + " | ".join(roles)
    if kind == "json":
        new = json_entry(rules if rules is not None else ["RULE_ID"], role or "ROLE", date, by=by,
                         restrictions=restrictions)
        hint = "" if role else f' (ROLE: one of {", ".join(roles)})'
        return f"{head}. Write instead{hint}:\n{new}"
    date_comment = "the date of the clearance" if date == PLACEHOLDER_DATE else ""
    new = toml_table(rules if rules is not None else ["RULE_ID"], role or "ROLE", date, by=by,
                     restrictions=restrictions, role_comment=role_comment, date_comment=date_comment)
    rules_note = ("" if rules is not None else
                  "; RULE_ID: the ids that `revhyper generate` lists under screening.clearance.required_by")
    return f"{head}. Write instead{rules_note}:\n{new.rstrip()}"


def _required_by(ruleset, built: Mapping[str, Any]) -> list[str] | None:
    """The rules that need clearance for this profile, when the rest of it could be read; else None."""
    if not all(section in built for section in ("person", "pain", "training")):
        return None
    from .profile import Profile
    from ..engine.screening import screen

    profile = Profile(**{k: v for k, v in built.items() if k != "clearance"})
    return list(screen(profile, ruleset).clearance_required_by)

"""The clearance request a coach sends to a clinician: formats ``clearance-request`` (markdown) and
``clearance-request-html``.

Both are built from one list of parts (:func:`request_parts`), so they say the same thing: the client, each rule
that still needs clearance with its reason, what the profile said, its source, who may clear it and for how long,
why an existing clearance did not count, the restrictions the rule set offers, and the ``[[clearance]]`` tables to
fill in. For a generated block it says that no clearance is needed; for a refused one, that the client is referred.
Everything from a profile or a rule set is escaped (markdown: backslashes before every character that can start
markup, ``<``, ``>`` and ``&`` as character references: :func:`revhyper.markup.md_escape`, the one used by
the ``markdown`` handout too; HTML: html.escape).
"""

from __future__ import annotations

import html
from typing import Any

from ..engine.block import Block, FiredRule, RuleClearance
from ..engine.clearance import _first_upper, label
from ..profile.clearance_form import toml_list, toml_string
from .markup import md_escape
from ..rules.ruleset import CAP_SPECS

TITLE = "Request for clearance: reverse hyperextension exercise"


def request_parts(block: Block) -> list[tuple[str, Any]]:
    """The request as (kind, content) parts: ("h1"|"h2"|"p"|"list"|"code", ...); text parts are lists of
    (text, is_code) runs so each renderer escapes them its own way."""
    s = block.screening
    client = [("Client: ", False), (block.person_id or "(no person.id in the profile)", False)]
    parts: list[tuple[str, Any]] = [
        ("h1", [(TITLE, False)]),
        ("p", client + [(f". Rule set {block.ruleset.id} {block.ruleset.version}.", False)]),
    ]
    if block.status == "refused":
        if block.referral is not None:
            parts.append(("p", [("No clearance is asked for: the screening refers the client. ", False),
                                (f"{block.referral.to}. {block.referral.message}", False),
                                (" A clearance cannot override a refusal.", False)]))
        else:
            parts.append(("p", [("No clearance is asked for: no block can be made. ", False),
                                (" ".join(block.adjustments), False),
                                (" A clearance would not change that.", False)]))
        return parts
    if not s.not_cleared:
        if not s.clearance_rules:
            parts.append(("p", [("No clearance is needed: no rule that requires clearance applies to this client.",
                                 False)]))
            return parts
        ids: list[tuple[str, bool]] = []
        for d in s.clearance_rules:
            ids += [(", ", False)] if ids else []
            ids.append((d.rule, True))
        parts.append(("p", [("No clearance is needed: every rule that requires clearance (", False), *ids,
                            (") is cleared by a clearance in the profile.", False)]))
        return parts
    fired = {f.id: f for f in s.fired}
    parts.append(("p", [("The screening asks a clinician to assess this client and clear exercise before a "
                         "reverse-hyperextension block starts, for the reasons below. Please record your decision in "
                         "the table at the end.", False)]))
    for decision in s.not_cleared:
        parts += _rule_parts(decision, fired[decision.rule], block)
    done = [d for d in s.clearance_rules if d.cleared_by is not None]
    if done:
        parts.append(("h2", [("Already cleared", False)]))
        parts.append(("list", [[(d.rule, True), (f": {label(i, s.clearances[i])}, valid until {d.valid_until}", False)]
                               for d in done if (i := d.cleared_by) is not None]))
    if s.restrictions_offered:
        parts.append(("h2", [("Restrictions you may set", False)]))
        parts.append(("list", [[(rid, True), (f": {description}", False)] for rid, description in s.restrictions_offered]))
    parts.append(("h2", [("To fill in", False)]))
    parts.append(("p", [("One table per clinician. Fill in role, by and date; delete rules you do not clear; add "
                         "restrictions if you set any. The coach adds the tables to the client's profile.", False)]))
    parts.append(("code", fill_in(s.not_cleared)))
    return parts


def _rule_parts(decision: RuleClearance, rule: FiredRule, block: Block) -> list[tuple[str, Any]]:
    s = block.screening
    items: list[list[tuple[str, bool]]] = [
        [("Why: ", False), (rule.reason, False)],
        [("What the profile says: ", False),
         ("; ".join(f"{name} = {_value(value)}" for name, value in rule.values if not name.startswith("params."))
          or "(nothing read)", False)],
        [("Source: ", False), (rule.citation, False)],
        [("May clear it: ", False), (" or ".join(r.replace("_", " ") for r in decision.roles), False),
         (f". A clearance counts for {decision.valid_weeks} weeks from its date", False),
         (f" and must not be dated before the {decision.since[0]} ({decision.since[1].isoformat()})."
          if decision.since else ".", False)],
    ]
    if rule.caps is not None and rule.caps.items():
        items.append([("Limits once cleared: ", False),
                      ("; ".join(f"{CAP_SPECS[name].meaning} ({_value(value)})" for name, value in rule.caps.items()),
                       False)])
    for rejected in decision.rejected:
        items.append([(f"{_first_upper(label(rejected.clearance, s.clearances[rejected.clearance]))} did not count: ",
                       False), ("; ".join(rejected.reasons), False)])
    return [("h2", [(f"{rule.title} (", False), (rule.id, True), (")", False)]), ("list", items)]


def fill_in(pending: tuple[RuleClearance, ...]) -> str:
    """``[[clearance]]`` tables to fill in: one per group of rules the same roles may clear."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for decision in pending:
        groups.setdefault(decision.roles, []).append(decision.rule)
    tables = []
    for roles, rules in groups.items():
        tables.append("\n".join([
            "[[clearance]]",
            f"rules = {toml_list(rules)}",
            f"role = {toml_string('ROLE')}  # one of: {' | '.join(roles)}",
            f"by = {toml_string('')}  # your name (or delete this line)",
            f"date = {toml_string('YYYY-MM-DD')}  # the date of your clearance, written without quotes: 2026-12-01",
            "restrictions = []  # optional: ids from the restrictions above",
        ]))
    return "\n\n".join(tables) + "\n"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (tuple, list, frozenset)):
        return ", ".join(sorted(map(str, value)))
    return "(not given)" if value is None else str(value)


# -- renderers ---------------------------------------------------------------------------------------

def _md_runs(runs: list[tuple[str, bool]]) -> str:
    return "".join(f"`{t}`" if code and "`" not in t and t.strip() else md_escape(t) for t, code in runs)


def to_markdown(block: Block) -> bytes:
    out = []
    for kind, content in request_parts(block):
        if kind == "h1":
            out += [f"# {_md_runs(content)}", ""]
        elif kind == "h2":
            out += [f"## {_md_runs(content)}", ""]
        elif kind == "p":
            out += [_md_runs(content), ""]
        elif kind == "list":
            out += [f"- {_md_runs(item)}" for item in content] + [""]
        else:
            fence = "````" if "```" in content else "```"
            out += [f"{fence}toml", content.rstrip("\n"), fence, ""]
    return "\n".join(out).encode("utf-8")


def _html_runs(runs: list[tuple[str, bool]]) -> str:
    return "".join(f"<code>{html.escape(t)}</code>" if code else html.escape(t) for t, code in runs)


def to_html(block: Block) -> bytes:
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>{html.escape(TITLE)}</title>",
           "<style>body{font-family:system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em;line-height:1.45}"
           "pre{background:#f4f4f4;padding:1em;overflow-x:auto}code{background:#f4f4f4}</style>", "</head>", "<body>",
           *html_parts(block), "</body>", "</html>", ""]
    return "\n".join(out).encode("utf-8")


def html_parts(block: Block, heading: int = 1) -> list[str]:
    """The request's body, one line of HTML each; its title is an ``h{heading}`` (the coach's page nests it)."""
    out = []
    for kind, content in request_parts(block):
        if kind in ("h1", "h2"):
            level = heading + int(kind[1]) - 1
            out.append(f"<h{level}>{_html_runs(content)}</h{level}>")
        elif kind == "p":
            out.append(f"<p>{_html_runs(content)}</p>")
        elif kind == "list":
            out.append("<ul>" + "".join(f"<li>{_html_runs(item)}</li>" for item in content) + "</ul>")
        else:
            out.append(f"<pre><code>{html.escape(content)}</code></pre>")
    return out

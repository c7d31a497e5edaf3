"""revhyper new-ruleset --extends BASE -o FILE [--id ID] [--force]"""

from __future__ import annotations

import os

from ..cli import COMMANDS, EXIT_GENERATED, emit


def register(commands) -> None:
    new = commands.add_parser("new-ruleset", help=COMMANDS["new-ruleset"],
                              description="Write a rule set that extends BASE, with commented examples of every kind of "
                                          "change (a parameter, a rule's caps, a disabled rule, a new rule) to fill in.")
    new.add_argument("--extends", default="default", metavar="BASE", help='the rule set to extend (default: "default")')
    new.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    new.add_argument("--id", default="my-clinic", help="the new rule set's id (default: my-clinic)")
    new.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    new.set_defaults(run=run)


def run(args) -> int:
    from ..io.atomic import write_atomic
    from ..errors import InputError, OutputError, Problem
    from ..rules.ruleset_files import load_ruleset_named
    from ..rules.ruleset_loader import parse_ruleset

    if os.path.exists(args.output) and not args.force:
        raise InputError([Problem(args.output, "", "the file exists; choose another name or add --force to overwrite it")])
    base = load_ruleset_named(args.extends)
    extends = args.extends
    if extends not in ("default",) and not extends.startswith("plugin:"):
        extends = os.path.relpath(os.path.abspath(extends), os.path.dirname(os.path.abspath(args.output)))
    text = starter_text(base, extends, args.id)
    parse_ruleset(text, name=args.output)  # what we write must load
    try:
        write_atomic(args.output, text.encode("utf-8"))
    except OSError as exc:
        raise OutputError(f"cannot write {args.output}: {exc.strerror or exc}; nothing was written") from exc
    emit(f"wrote {args.output}: extends {args.extends}; check it with `revhyper check {args.output}`\n".encode("utf-8"), None)
    return EXIT_GENERATED


def starter_text(base, extends: str, ruleset_id: str) -> str:
    import tomli_w

    header = tomli_w.dumps({"extends": extends, "id": ruleset_id, "version": "0.1.0",
                            "title": f"{ruleset_id} rule set (extends {base.id} {base.version})"})
    parameters = "\n".join(f"# {name} = {tomli_w.dumps({'x': value})[4:].strip()}" for name, value in base.parameters.items())
    rules = "\n".join(f"#   {rule.id:<32} {rule.action:<18} {rule.title}" for rule in base.rules)
    example = base.rules[0].id if base.rules else "some_rule"
    modify = next((r for r in base.rules if r.caps is not None), None)
    clearable = next((r.id for r in base.rules if r.action == "require_clearance"), "some_rule")
    policy = base.clearance
    from ..profile.clearance_form import toml_list

    clearance = ("# roles = " + toml_list(policy.roles)
                 + f"\n# valid_weeks = {policy.valid_weeks}") if policy else '# roles = ["physician"]\n# valid_weeks = 26'
    roles = ", ".join(base.vocabulary.get("clinician_roles", ()))
    return f"""# A clinic's rule set: only what differs from the one it extends.
# Reference: docs/rulesets.md. Check it with `revhyper check FILE`, compare it with
# `revhyper diff {extends} FILE`, and see its effect on a client with `revhyper explain PROFILE --rules FILE`.

{header}
# -- numbers the base's rules use: uncomment and change ------------------------------------------
# [parameters]
{parameters}

# -- change some fields of a base rule (the others stay as they are) -----------------------------
# [rules.{modify.id if modify else example}]
# caps = {{ bodyweight_only = true, max_sets = 2 }}
# reason = "Our reason, in words the client understands."

# -- who may clear a require_clearance rule, and for how long (a rule's own clearance wins) ------
# [clearance]                       # roles: {roles}
{clearance}
# [rules.{clearable}]
# clearance = {{ roles = ["physician"], valid_weeks = 12 }}

# -- switch a base rule off: a reason is required and is shown by `revhyper explain` -------------
# [disable.{example}]
# reason = "Why this clinic does not use this rule."

# -- a new rule: every field is required; `source` is a key of [references] ------------------------
# [references.our-protocol]
# citation = "Clinic protocol 12, 2026."
#
# [rules.our_new_rule]
# title = "A short title"
# when = "pain.current >= 6 and pain.radiating_below_knee"
# action = "require_clearance"       # refuse | require_clearance | modify | warn
# clearance = {{ roles = ["physician"], valid_weeks = 12 }}   # optional: else the base's [clearance]
# reason = "Why, in plain language."
# source = "our-protocol"
# caps = {{ max_load_percent = 40 }}

# The base's rules, for reference:
{rules}
"""

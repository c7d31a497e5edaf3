"""revhyper check RULESET [--format text|json] [--strict]"""

from __future__ import annotations

import json

from ..cli import COMMANDS, EXIT_BAD_INPUT, EXIT_GENERATED, emit


def register(commands) -> None:
    check = commands.add_parser(
        "check", help=COMMANDS["check"],
        description="Validate a rule set (every problem at once, with file, line and column; a rule that can never "
                    "fire is one) and warn about rules shadowed by a stricter rule, overrides that loosen a cap, and "
                    "phases outside the sources' ranges.")
    check.add_argument("ruleset", metavar="RULESET", help='a rule-set file, "default" or "plugin:NAME"')
    check.add_argument("--format", "-f", choices=("text", "json"), default="text")
    check.add_argument("--strict", action="store_true", help="warnings fail the check too (exit 2)")
    check.set_defaults(run=run)


def run(args) -> int:
    from ..errors import RulesetError
    from ..rules.lint import lint
    from ..rules.ruleset_files import read_ruleset_source
    from ..rules.ruleset_loader import parse_ruleset_reporting

    name, text = read_ruleset_source(args.ruleset)
    try:
        ruleset, rep = parse_ruleset_reporting(text, name=name)
    except RulesetError as exc:
        _print(args, list(exc.problems), None)
        return EXIT_BAD_INPUT
    lint(ruleset, rep)  # rep already holds any warnings from resolving `extends`
    warnings = rep.warnings
    _print(args, warnings, ruleset)
    return EXIT_BAD_INPUT if (args.strict and warnings) else EXIT_GENERATED


def _print(args, problems, ruleset) -> None:
    from ..errors import printable

    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if args.format == "json":
        out = {
            "ok": not errors,
            "ruleset": None if ruleset is None else {
                "id": ruleset.id, "version": ruleset.version, "sha256": ruleset.sha256, "rules": len(ruleset.rules),
                "extends": list(ruleset.extends), "disabled": [{"rule": r, "reason": why, "file": f} for r, why, f in ruleset.disabled]},
            "problems": [{"file": p.file, "line": p.line, "column": p.column, "severity": p.severity, "path": p.path,
                          "message": p.message, "suggestion": p.suggestion} for p in problems],
        }
        emit((json.dumps(out, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), None)
        return
    lines = [str(problem) for problem in problems]
    n_errors, n_warnings = _count(errors), _count(warnings)
    if errors:
        lines.append(f"{n_errors:,} error{'s' if n_errors != 1 else ''}, {n_warnings:,} warning{'s' if n_warnings != 1 else ''}")
    else:
        extra = f", extends {' <- '.join(ruleset.extends)}" if ruleset.extends else ""
        disabled = f", {len(ruleset.disabled)} disabled" if ruleset.disabled else ""
        adapting = f", {len(ruleset.adaptations)} adaptations" if ruleset.adaptations else ""
        lines.append(printable(f"ok: {ruleset.id} {ruleset.version}, {len(ruleset.rules)} rules{adapting}{disabled}{extra}, "
                               f"sha256 {ruleset.sha256}"
                               + (f" ({n_warnings:,} warning{'s' if n_warnings != 1 else ''})" if warnings else "")))
    emit("".join(line + "\n" for line in lines).encode("utf-8"), None)


def _count(problems) -> int:
    """How many problems, counting those an Omitted entry stands for."""
    return sum(getattr(p, "count", 1) for p in problems)
